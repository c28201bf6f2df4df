// The journeys of the foundation issue, over real HTTP against the real binary.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, multipart, pdfWith, RELEASE_BIN } = require('./lib');
const { assertValidFhir } = require('./fhir-validate');

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

describe('journeys', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 3 }); });
  after(async () => { await srv.stop(); });

  it('a patient logs in, lists, opens, downloads and uploads documents, and logs out', async () => {
    const c = new Client(srv.base);
    const login = await c.login('patient1@demo.test');
    assert.equal(login.status, 303);
    const setCookie = login.headers.getSetCookie().find((s) => s.startsWith('__Host-medkeep='));
    assert.match(setCookie, /; Path=\/; Secure; HttpOnly; SameSite=Strict/);
    assert.equal(c.session.role, 'patient');
    assert.match(c.session.patient, /^[0-9a-f]{32}$/);

    // The home page: what is new, and the menu with its counts.
    const home = await c.get('/');
    assert.equal(home.status, 200);
    assert.match(home.text, /<h2 id="news">What&#39;s new<\/h2>|<h2 id="news">What's new<\/h2>/);
    assert.match(home.text, /<a href="\/results">My results \(?/);
    const list = await c.get('/documents');
    assert.equal(list.status, 200);
    assert.match(list.text, /Discharge summary/);
    assert.match(list.text, /Referral letter/);
    assert.match(list.text, /Laboratory report/);
    const ids = [...list.text.matchAll(/href="\/documents\/([0-9a-f]{32})"/g)].map((m) => m[1]);
    assert.ok(ids.length >= 4);

    const page = await c.get(`/documents/${ids[0]}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Download/);
    const dl = await c.get(`/documents/${ids[0]}/download`);
    assert.equal(dl.status, 200);
    assert.equal(dl.headers.get('content-type'), 'application/pdf');
    assert.match(dl.headers.get('content-disposition'), /^attachment; filename="[a-z-]+\.pdf"$/);
    assert.equal(dl.headers.get('x-content-type-options'), 'nosniff');
    assert.match(dl.headers.get('content-security-policy'), /sandbox/);
    assert.equal(dl.headers.get('cache-control'), 'no-store');
    assert.equal(dl.buf.subarray(0, 5).toString(), '%PDF-');

    const marker = `upload-${Date.now()}`;
    const form = multipart({ csrf: c.csrf, title: 'Photo of my rash' }, [{ name: 'file', filename: 'rash.png', type: 'image/png', data: PNG }]);
    const up = await c.post(`/patients/${c.session.patient}/documents`, { body: form.body, headers: { 'Content-Type': form.type }, csrf: false });
    assert.equal(up.status, 303, up.text);
    const newId = up.headers.get('location').split('/').pop();
    const after1 = await c.get('/documents');
    assert.match(after1.text, /Photo of my rash/);
    const got = await c.get(`/documents/${newId}/download`);
    assert.deepEqual(got.buf, PNG);
    assert.equal(got.headers.get('content-type'), 'image/png');
    void marker;

    const out = await c.post('/logout', { body: `csrf=${encodeURIComponent(c.csrf)}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
    assert.equal(out.status, 303);
    const again = await c.get('/documents');
    assert.equal(again.status, 303);
    assert.equal(again.headers.get('location'), '/login?next=/documents');
  });

  it('a clinician sees the practice\'s patients, opens one and publishes a document they can read', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('clinician1@demo.test')).status, 303);
    assert.equal(c.session.role, 'clinician');
    assert.equal(c.session.patient, null);
    const list = await c.get('/patients');
    assert.equal(list.status, 200);
    const pids = [...list.text.matchAll(/href="\/patients\/([0-9a-f]{32})"/g)].map((m) => m[1]);
    assert.equal(pids.length, 3);
    const p = await c.get(`/patients/${pids[1]}`);
    assert.equal(p.status, 200);
    assert.match(p.text, /NHI<\/dt><dd>Z[A-Z]{2}[0-9]{2}[A-Z]{2}</);
    assert.match(p.text, /Demo Health Centre/);

    const form = multipart({ csrf: c.csrf, kind: 'clinical-letter', title: 'Letter about your knee' }, [{ name: 'file', filename: 'knee.pdf', type: 'application/pdf', data: pdfWith('Knee review') }]);
    const up = await c.post(`/patients/${pids[1]}/documents`, { body: form.body, headers: { 'Content-Type': form.type }, csrf: false });
    assert.equal(up.status, 303, up.text);

    // The patient sees it too.
    const patientNo = await (async () => {
      for (let i = 1; i <= 3; i++) {
        const pc = new Client(srv.base);
        await pc.login(`patient${i}@demo.test`);
        if (pc.session.patient === pids[1]) return pc;
      }
      return null;
    })();
    assert.ok(patientNo);
    const mine = await patientNo.get('/documents');
    assert.match(mine.text, /Letter about your knee/);
  });

  it('serves the same data as valid FHIR R4', async () => {
    const anon = new Client(srv.base);
    const meta = await anon.fhir('metadata');
    assert.equal(meta.status, 200);
    assert.match(meta.headers.get('content-type'), /^application\/fhir\+json/);
    const cs = meta.json();
    assertValidFhir(cs);
    assert.equal(cs.fhirVersion, '4.0.1');
    const types = cs.rest[0].resource.map((r) => r.type).sort();
    assert.deepEqual(types, ['AllergyIntolerance', 'Appointment', 'AuditEvent', 'Binary', 'Communication', 'Condition', 'DiagnosticReport', 'DocumentReference', 'Immunization', 'MedicationRequest', 'Observation', 'Patient', 'Slot']);

    const c = new Client(srv.base);
    await c.login('patient2@demo.test');
    const me = c.session.patient;
    const search = await c.fhir('Patient');
    assert.equal(search.status, 200);
    const bundle = search.json();
    assertValidFhir(bundle);
    assert.equal(bundle.total, 1);
    assert.equal(bundle.entry[0].resource.id, me);
    assert.equal(bundle.entry[0].resource.identifier[0].system, 'https://standards.digital.health.nz/ns/nhi-id');

    const pat = await c.fhir(`Patient/${me}`);
    assert.equal(pat.status, 200);
    assertValidFhir(pat.json());

    const docs = await c.fhir(`DocumentReference?patient=${me}`);
    assert.equal(docs.status, 200);
    const db = docs.json();
    assertValidFhir(db);
    assert.ok(db.total >= 4);
    const dr = db.entry[0].resource;
    assert.equal(dr.subject.reference, `Patient/${me}`);
    const one = await c.fhir(`DocumentReference/${dr.id}`);
    assertValidFhir(one.json());
    assert.equal(one.json().id, dr.id);

    const bin = await c.fhir(dr.content[0].attachment.url);
    assert.equal(bin.status, 200);
    assert.equal(bin.headers.get('content-type'), dr.content[0].attachment.contentType);
    assert.equal(bin.buf.length, dr.content[0].attachment.size);
    assert.match(bin.headers.get('content-disposition'), /^attachment/);
    const binJson = await c.fhir(dr.content[0].attachment.url, { headers: { Accept: 'application/fhir+json' } });
    const b = binJson.json();
    assertValidFhir(b);
    assert.deepEqual(Buffer.from(b.data, 'base64'), bin.buf);

    const pdf = pdfWith('Posted through FHIR');
    const created = await c.post('/fhir/R4/DocumentReference', {
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'DocumentReference', status: 'current', subject: { reference: `Patient/${me}` }, description: 'My own letter', content: [{ attachment: { contentType: 'application/pdf', title: 'mine.pdf', data: pdf.toString('base64') } }] }),
    });
    assert.equal(created.status, 201, created.text);
    const cr = created.json();
    assertValidFhir(cr);
    assert.match(created.headers.get('location'), new RegExp(`/fhir/R4/DocumentReference/${cr.id}/_history/1$`));
    const back = await c.fhir(`Binary/${cr.id}`);
    assert.deepEqual(back.buf, pdf);
  });

  it('answers GET /session only to a signed-in user', async () => {
    const c = new Client(srv.base);
    const r = await c.get('/session');
    assert.equal(r.status, 401);
    await c.login('clinician2@demo.test');
    const s = await c.get('/session');
    assert.deepEqual(Object.keys(s.json()).sort(), ['account', 'csrf', 'patient', 'record', 'role']);
  });
});

// The hardened build under concurrent load: races that ASan's slower build hides show here.
describe('concurrency', () => {
  it('serves many concurrent reads correctly (thread pool, shared key memory)', async () => {
    const srv = await startServer({ patients: 3, bin: RELEASE_BIN });
    try {
    const c = new Client(srv.base);
    await c.login('patient3@demo.test');
    const me = c.session.patient;
    const docs = (await c.fhir(`DocumentReference?patient=${me}`)).json().entry.map((e) => e.resource);
    const want = new Map();
    for (const d of docs) want.set(d.id, (await c.fhir(`Binary/${d.id}`)).buf);
    // 16 at a time: node's fetch may hold twice as many sockets as requests in flight, and one
    // address may hold at most 64 connections (keybatch.test.js saw 64 open with 32 in flight).
    for (let round = 0; round < 16; round++) {
    const jobs = [];
    for (let i = 0; i < 16; i++) {
      const d = docs[i % docs.length];
      jobs.push(i % 4 === 0
        ? c.fhir(`DocumentReference?patient=${me}`).then((r) => { assert.equal(r.status, 200); assert.equal(r.json().total, docs.length); })
        : c.fhir(`Binary/${d.id}`).then((r) => { assert.equal(r.status, 200); assert.deepEqual(r.buf, want.get(d.id)); }));
    }
    await Promise.all(jobs);
    }
      } finally { await srv.stop(); }
  });
});
