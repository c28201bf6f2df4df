// The whole record as one FHIR Bundle (Patient/{id}/$everything and the export page): the
// patient alone, only with a fresh second factor, with their documents and messages.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, multipart, nextCode, randomId, sqlite, PASSWORD } = require('./lib');
const { assertValidFhir } = require('./fhir-validate');

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

function shape(r) {
  return { status: r.status, type: r.headers.get('content-type'), body: r.text.replace(/name="csrf" value="[^"]+"/g, '') };
}

describe('whole-record export', () => {
  let srv; let p1; let secret; const email = 'patient1@demo.test';
  before(async () => {
    srv = await startServer({ patients: 2 });
    p1 = new Client(srv.base);
    await p1.login(email);
  });
  after(async () => { await srv.stop(); });

  it('without a fresh second factor: the page sends to step-up, FHIR answers 401', async () => {
    const page = await p1.get('/export');
    assert.equal(page.status, 200);
    assert.match(page.text, /two-step sign-in/);
    const dl = await p1.get('/export/download');
    assert.equal(dl.status, 303);
    assert.equal(dl.headers.get('location'), '/step-up?next=/export');
    const f = await p1.fhir(`Patient/${p1.session.patient}/$everything`);
    assert.equal(f.status, 401);
    const oo = f.json();
    assert.equal(oo.resourceType, 'OperationOutcome');
    assert.match(oo.issue[0].diagnostics, /fresh second factor/);
    assertValidFhir(oo);
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'record.export' AND outcome = 'stepup' AND patient = '${p1.session.patient}'`)) >= 2);
  });

  it('after enrolling TOTP and signing in with it: the Bundle validates and holds documents and messages', async () => {
    // a message with an answer, so the export has both sides
    const m = multipart({ csrf: p1.csrf, subject: 'Export check', body: 'Is my record complete?' }, []);
    const sent = await p1.post('/messages', { body: m.body, headers: { 'Content-Type': m.type }, csrf: false });
    assert.equal(sent.status, 303);
    // enrol with the existing /mfa/setup flow
    const setup = await p1.get('/mfa/setup');
    secret = setup.text.match(/<code class="secret">([A-Z2-7]{32})<\/code>/)[1];
    const enrolCode = await nextCode(srv.dir, secret, email);
    const done = await p1.post('/mfa/setup', { body: new URLSearchParams({ csrf: p1.csrf, code: enrolCode }).toString(), headers: form, csrf: false });
    assert.equal(done.status, 200, done.text);
    // sign in afresh: password, then a code of a later step
    const c = new Client(srv.base);
    const token = await c.loginForm();
    const r = await c.post('/login', { body: new URLSearchParams({ csrf: token, email, password: PASSWORD }).toString(), headers: form, csrf: false });
    assert.equal(r.headers.get('location'), '/login/mfa');
    c.session = (await c.get('/session')).json(); c.csrf = c.session.csrf;
    assert.equal((await c.mfa(await nextCode(srv.dir, secret, email))).status, 303);

    // with the contact details the patient keeps (DETAILS.md): in the export's Patient too
    assert.equal((await c.post('/details', { body: new URLSearchParams({ csrf: c.csrf, mobile: '021 555 0101', line1: '3 Export Road', city: 'Napier' }).toString(), headers: form, csrf: false })).status, 303);
    const f = await c.fhir(`Patient/${c.session.patient}/$everything`);
    assert.equal(f.status, 200, f.text);
    const b = f.json();
    assertValidFhir(b);
    const own = b.entry.find((e) => e.resource.resourceType === 'Patient').resource;
    assert.deepEqual(own.telecom, [{ system: 'phone', value: '021 555 0101', use: 'mobile' }]);
    assert.deepEqual(own.address, [{ use: 'home', type: 'postal', line: ['3 Export Road'], city: 'Napier', country: 'NZ' }]);
    assert.equal(b.type, 'searchset');
    const types = b.entry.map((e) => e.resource.resourceType);
    assert.equal(types[0], 'Patient');
    assert.equal(b.entry[0].search.mode, 'match');
    assert.ok(types.filter((t) => t === 'DocumentReference').length >= 4);
    assert.ok(types.includes('Communication'));
    assert.ok(types.includes('AuditEvent'));
    // every part of the record: results, medications, appointments too
    for (const t of ['DiagnosticReport', 'Observation', 'MedicationRequest', 'Appointment']) assert.ok(types.includes(t), t);
    // but never a result not yet released to the patient
    const held = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = X'${b.entry[0].resource.id}' AND (release_at IS NULL OR release_at > unixepoch())`).split('\n').filter(Boolean);
    assert.ok(held.length >= 1, 'the demo holds some of this patient\'s results back');
    const ids = new Set(b.entry.map((e) => e.resource.id));
    for (const h of held) assert.ok(!ids.has(h) && !ids.has(`${h}-0`), `unreleased result ${h} exported`);
    for (const e of b.entry) assert.match(e.fullUrl, /^http:\/\/127\.0\.0\.1:\d+\/fhir\/R4\/[A-Za-z]+\/[0-9a-f]{32}(-[0-9]+)?$/);
    // documents travel whole when small: the bytes inline, the url beside them
    const dr = b.entry.find((e) => e.resource.resourceType === 'DocumentReference').resource;
    assert.equal(Buffer.from(dr.content[0].attachment.data, 'base64').subarray(0, 5).toString(), '%PDF-');
    assert.match(dr.content[0].attachment.url, /^Binary\/[0-9a-f]{32}$/);
    assert.ok(b.entry.some((e) => e.resource.resourceType === 'Communication' && e.resource.topic && e.resource.topic.text === 'Export check'));
    // the page download is the same Bundle, as an attachment
    const dl = await c.get('/export/download');
    assert.equal(dl.status, 200);
    assert.match(dl.headers.get('content-disposition'), /^attachment; filename="medkeep-record\.json"$/);
    assert.equal(dl.headers.get('content-type'), 'application/fhir+json');
    assert.equal(dl.headers.get('cache-control'), 'no-store');
    const page = dl.json();
    assertValidFhir(page);
    assert.deepEqual(page.entry.filter((e) => e.resource.resourceType !== 'AuditEvent').map((e) => e.fullUrl),
      b.entry.filter((e) => e.resource.resourceType !== 'AuditEvent').map((e) => e.fullUrl));
    // every part audited
    const pid = c.session.patient;
    for (const a of ['record.export', 'patient.read', 'document.list', 'message.list', 'accesslog.read']) {
      assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = '${a}' AND outcome = 'allow' AND patient = '${pid}'`)) >= 1, a);
    }
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'record.export' AND outcome = 'allow' AND patient = '${pid}'`)) >= 2);
    p1 = c;
  });

  it('is for the patient alone: other patients, clinicians and unknown ids get the same 404', async () => {
    const p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    const clin = new Client(srv.base); await clin.login('clinician1@demo.test');
    const other = new Client(srv.base); await other.login('otherclinician1@demo.test');
    const admin = new Client(srv.base); await admin.login('admin1@demo.test');
    const op = new Client(srv.base); await op.login('operator@demo.test');
    for (const c of [p2, clin, other, admin, op]) {
      const r = await c.fhir(`Patient/${p1.session.patient}/$everything`);
      assert.equal(r.status, 404);
      assert.deepEqual(shape(r), shape(await c.fhir(`Patient/${randomId()}/$everything`)));
    }
    assert.equal((await clin.get('/export/download')).status, 303);
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'record.export' AND outcome = 'deny' AND patient = '${p1.session.patient}'`)) >= 5);
  });
});
