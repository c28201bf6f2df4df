// Patient/{id}/$everything (issue 16, items 2 and 3; docs/internals/SEARCH.md "$everything")
// through the real binary: paged with _count and next links to the end, every part complete
// (the access log past its old 200-entry cut, in the paged operation and the export file
// alike), each page gated and audited like the searches; an app gets the types its scopes
// cover (never the access log) for its own patient only, and another patient's id answers as
// a random id does; cursors that are not ours are refused.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, AppClient, appToken, sqlite, randomId, nextCode, PASSWORD } = require('./lib');
const { assertValidFhir } = require('./fhir-validate');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const rel = (url) => url.replace(/^.*\/fhir\/R4\//, '');
const fhir = (c, p) => c.get(`/fhir/R4/${p}`); // a Client or an AppClient
const key = (e) => `${e.resource.resourceType}/${e.resource.id}`;

// Every page of the operation from url: the entries in order, and the pages' Bundles.
async function allPages(c, url) {
  const entries = []; const pages = [];
  for (let i = 0; url && i < 500; i++) {
    const r = await fhir(c, url);
    assert.equal(r.status, 200, `${url}: ${r.text.slice(0, 200)}`);
    const b = r.json();
    pages.push(b);
    entries.push(...(b.entry || []));
    const next = (b.link || []).find((l) => l.relation === 'next');
    url = next ? rel(next.url) : null;
  }
  assert.equal(url, null, 'the pages end');
  return { entries, pages };
}

describe('$everything, paged and complete', () => {
  let srv; let me; let pid; let p2; let secret;
  const email = 'patient1@demo.test';
  before(async () => {
    srv = await startServer({ patients: 3 });
    // A second factor for patient1, and a session that has just passed it (the export asks).
    const c = new Client(srv.base); await c.login(email);
    const setup = await c.get('/mfa/setup');
    secret = setup.text.match(/<code class="secret">([A-Z2-7]{32})<\/code>/)[1];
    const done = await c.post('/mfa/setup', { body: new URLSearchParams({ csrf: c.csrf, code: await nextCode(srv.dir, secret, email) }).toString(), headers: FORM, csrf: false });
    assert.equal(done.status, 200);
    me = new Client(srv.base);
    const token = await me.loginForm();
    await me.post('/login', { body: new URLSearchParams({ csrf: token, email, password: PASSWORD }).toString(), headers: FORM, csrf: false });
    me.session = (await me.get('/session')).json(); me.csrf = me.session.csrf;
    assert.equal((await me.mfa(await nextCode(srv.dir, secret, email))).status, 303);
    pid = me.session.patient;
    p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    // More than the old 200-entry cut of the access log: 230 reads of one's own record.
    for (let i = 0; i < 23; i++) await Promise.all(Array.from({ length: 10 }, () => me.fhir(`Patient/${pid}`)));
  });
  after(async () => { await srv.stop(); });

  it('pages to the end with _count, every part complete and nothing twice', async () => {
    const trail = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE patient = '${pid}'`));
    assert.ok(trail > 230, `${trail} records`);
    const { entries, pages } = await allPages(me, `Patient/${pid}/$everything?_count=37`);
    assert.ok(pages.length > 5, `${pages.length} pages`);
    for (const b of pages) {
      assertValidFhir(b);
      assert.equal(b.type, 'searchset');
      // rows of a page: at most _count (a report brings its observations beside it)
      assert.ok(b.entry.filter((e) => e.resource.resourceType !== 'Observation').length <= 37);
    }
    assert.equal(pages[0].total, undefined, 'no total when the record takes more than a page');
    assert.equal(entries[0].resource.resourceType, 'Patient');
    assert.equal(entries[0].search.mode, 'match');
    const keys = entries.map(key);
    assert.equal(new Set(keys).size, keys.length, 'nothing twice');
    // Each part holds exactly what its own search finds.
    for (const type of ['DocumentReference', 'DiagnosticReport', 'MedicationRequest', 'Appointment', 'Communication']) {
      const searched = (await me.fhir(`${type}?patient=${pid}`)).json();
      const got = entries.filter((e) => e.resource.resourceType === type).map((e) => e.resource.id).sort();
      assert.deepEqual(got, searched.entry.map((e) => e.resource.id).sort(), type);
      assert.ok(got.length > 0, type);
    }
    // The access log: every record before the first page, past the old cut of 200.
    const events = entries.filter((e) => e.resource.resourceType === 'AuditEvent');
    assert.ok(events.length >= trail, `${events.length} AuditEvents for ${trail} records`);
    // Small documents travel inline on the first page only; later pages give their url.
    const small = await allPages(me, `Patient/${pid}/$everything?_count=2`);
    const later = small.pages.slice(1).flatMap((b) => b.entry).filter((e) => e.resource.resourceType === 'DocumentReference');
    assert.ok(later.length > 0);
    for (const e of later) {
      assert.equal(e.resource.content[0].attachment.data, undefined);
      assert.match(e.resource.content[0].attachment.url, /^Binary\/[0-9a-f]{32}$/);
    }
    // Every page went through the gate, on record (and each part's list with it).
    assert.equal(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'record.export' AND outcome = 'allow' AND patient = '${pid}'`)), pages.length + small.pages.length);
  });

  it('the export file is the whole record at once, its access log complete too', async () => {
    const trail = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE patient = '${pid}'`));
    const dl = await me.get('/export/download');
    assert.equal(dl.status, 200);
    const b = dl.json();
    assertValidFhir(b);
    assert.equal(b.total, b.entry.length);
    assert.equal((b.link || []).filter((l) => l.relation === 'next').length, 0);
    assert.ok(b.entry.filter((e) => e.resource.resourceType === 'AuditEvent').length >= trail);
    const paged = (await allPages(me, `Patient/${pid}/$everything?_count=100`)).entries;
    const notLog = (es) => es.filter((e) => e.resource.resourceType !== 'AuditEvent').map(key);
    assert.deepEqual(notLog(paged), notLog(b.entry));
  });

  it('refuses a cursor it did not give, and a bad _count, naming them', async () => {
    for (const q of ['_cursor=9', '_cursor=1.x.00', `_cursor=1.5.${'g'.repeat(32)}`, '_count=0', '_count=-3', '_count=many', '_sort=date']) {
      const r = await me.fhir(`Patient/${pid}/$everything?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.json().resourceType, 'OperationOutcome');
    }
  });

  it('another patient\'s id, with or without a cursor, answers as a random id does', async () => {
    const first = (await me.fhir(`Patient/${pid}/$everything?_count=3`)).json();
    const next = rel(first.link.find((l) => l.relation === 'next').url);
    const theirs = await p2.fhir(next);
    const random = await p2.fhir(next.replace(pid, randomId()));
    assert.equal(theirs.status, 404);
    assert.equal(theirs.text, random.text);
  });

  it('an app gets the types its scopes cover for its own patient, never the access log', async () => {
    const c = new Client(srv.base); await c.login('patient3@demo.test');
    const pid3 = c.session.patient;
    const narrow = new AppClient(srv.base, (await appToken(srv, c, 'launch/patient patient/Patient.read patient/DocumentReference.read')).token);
    const { entries } = await allPages(narrow, `Patient/${pid3}/$everything?_count=4`);
    const types = new Set(entries.map((e) => e.resource.resourceType));
    assert.deepEqual([...types].sort(), ['DocumentReference', 'Patient']);
    const docs = (await fhir(narrow, `DocumentReference?patient=${pid3}`)).json();
    assert.equal(entries.filter((e) => e.resource.resourceType === 'DocumentReference').length, docs.total);
    // No scope outside what it was given was asked of the gate (no refusal on record).
    const client = sqlite(srv.dir, "SELECT lower(hex(id)) FROM oauth_client ORDER BY created DESC LIMIT 1");
    assert.ok(client);
    assert.equal(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE patient = '${pid3}' AND via = 'app' AND outcome != 'allow'`)), 0);

    const wide = new AppClient(srv.base, (await appToken(srv, c, 'launch/patient patient/*.read')).token);
    const all = (await allPages(wide, `Patient/${pid3}/$everything`)).entries;
    const wideTypes = new Set(all.map((e) => e.resource.resourceType));
    for (const t of ['DocumentReference', 'DiagnosticReport', 'Observation', 'MedicationRequest', 'Appointment', 'Communication']) {
      const has = (await fhir(wide, `${t}?patient=${pid3}&_count=1`)).json().entry.length > 0;
      assert.equal(wideTypes.has(t), has, t);
    }
    assert.ok(wideTypes.has('Patient') && wideTypes.has('DocumentReference'));
    assert.equal(wideTypes.has('AuditEvent'), false);
    // Not its patient: the same answer as an id that does not exist.
    for (const other of [pid, randomId()]) {
      const r = await fhir(wide, `Patient/${other}/$everything`);
      assert.equal(r.status, 404);
      assert.equal(r.text, (await fhir(wide, `Patient/${randomId()}/$everything`)).text);
    }
  });
});
