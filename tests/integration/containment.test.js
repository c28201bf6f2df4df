// The exfiltration breaker against real work at real sizes, and against the breach replayed
// (DESIGN.md invariants 5 and 10): a clinician's heavy day and a practice admin's at a
// 2,000-patient practice, a carer clicking everything they are shown, an app asking outside its
// scopes — none of them is stopped; a clinician or patient login harvesting with the
// authorization gate opened (the chaos build) is, and so is one reading access logs or
// appointments. The day runs on the chaos build with the breaker's clock sped up
// (MEDKEEP_BREAKER_CLOCK): the requests are real, only the hours between them are compressed.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, AppClient, appToken, multipart, sqlite, CHAOS_BIN, BIN } = require('./lib');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const form = (c, fields) => ({ body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });
const ids = (html, re) => [...new Set([...html.matchAll(re)].map((m) => m[1]))];
const trips = (srv) => Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action LIKE 'breaker.%'"));

async function login(srv, email) {
  const c = new Client(srv.base);
  assert.equal((await c.login(email)).status, 303, `login ${email}`);
  return c;
}

// Every page answer of an honest day: never paused, never refused as not found, never an error.
let serving = null; // the server of the test running: its breaker's log lines explain a stop
function ok(r, what) {
  const why = () => (serving ? serving.logs().split('\n').filter((l) => /component=breaker/.test(l)).join('\n') : '');
  if (r.status !== 200 && r.status !== 303) assert.fail(`${why()}\n${what}: ${r.status} ${r.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 400)}`);
  return r;
}

// The whole register, page by page, as staff see it; returns the patient ids.
async function walkRegister(c) {
  const seen = new Set();
  let page = '/patients';
  for (let n = 0; page && n < 100; n++) {
    const r = ok(await c.get(page), page);
    for (const id of ids(r.text, /href="\/patients\/([0-9a-f]{32})"/g)) seen.add(id);
    const next = r.text.match(/rel="next" href="([^"]+)"/);
    page = next ? next[1] : null;
  }
  return [...seen];
}

describe('a heavy day at a 2,000-patient practice', () => {
  // One real second is 40 minutes of the breaker's day, and the clinician takes a breath of
  // 40 ms (a minute and a half) between patients: a person's pace, where a harvest has none.
  let srv; let register; const SCALE = 2400;
  const breath = () => new Promise((r) => setTimeout(r, 40));
  before(async () => {
    srv = await startServer({ patients: 2000, bin: CHAOS_BIN, env: { MEDKEEP_BREAKER_CLOCK: String(SCALE) } });
    serving = srv;
    assert.match(srv.logs(), /fault=clock/);
  });
  after(async () => { await srv.stop(); });

  it('a clinician pages through the register, opens 80 records, releases 150 results, decides 60 repeats, answers 40 messages, and is never stopped', async () => {
    const started = Date.now();
    const clin = await login(srv, 'clinician1@demo.test');
    register = await walkRegister(clin);
    assert.ok(register.length >= 2000, `register of ${register.length}`);
    assert.equal(ok(await clin.fhir('Patient'), 'Patient search').status, 200);

    // 80 patients' records, spread across the register
    for (let i = 0; i < 80; i++) {
      const id = register[Math.floor(i * register.length / 80)];
      ok(await clin.get(`/patients/${id}`), 'record');
      ok(await clin.get(`/patients/${id}/medications`), 'medications');
      await breath();
    }
    // 150 results, each read and then released from the inbox
    const released = new Set();
    while (released.size < 150) {
      const inbox = ok(await clin.get('/results/inbox'), 'results inbox');
      const todo = ids(inbox.text, /href="\/results\/([0-9a-f]{32})"/g).filter((r) => !released.has(r));
      assert.ok(todo.length > 0, `inbox ran dry after ${released.size}`);
      for (const r of todo.slice(0, 150 - released.size)) {
        ok(await clin.get(`/results/${r}`), `result after ${released.size}`);
        ok(await clin.post(`/results/${r}/release`, form(clin, { comment: 'Normal, no action needed.' })), 'release');
        released.add(r);
        await breath();
      }
    }
    // 60 repeat requests decided from the queue
    const decided = new Set();
    while (decided.size < 60) {
      const queue = ok(await clin.get('/repeats'), 'repeat queue');
      const todo = ids(queue.text, /action="\/repeats\/([0-9a-f]{32})\/decide"/g).filter((r) => !decided.has(r));
      assert.ok(todo.length > 0, `queue ran dry after ${decided.size}`);
      for (const r of todo.slice(0, 60 - decided.size)) {
        ok(await clin.post(`/repeats/${r}/decide`, form(clin, { decision: 'approve', reason: 'Ready tomorrow' })), 'decide');
        decided.add(r);
        await breath();
      }
    }
    // 40 answers to patients' messages
    const inbox = ok(await clin.get('/inbox'), 'inbox');
    const threads = ids(inbox.text, /href="\/messages\/([0-9a-f]{32})"/g);
    assert.ok(threads.length > 0);
    for (let i = 0; i < 40; i++) {
      const t = threads[i % threads.length];
      ok(await clin.get(`/messages/${t}`), 'thread');
      const m = multipart({ csrf: clin.csrf, body: `Thanks, we will call you today. (${i})` }, []);
      ok(await clin.post(`/messages/${t}/reply`, { body: m.body, headers: { 'Content-Type': m.type }, csrf: false }), 'reply');
      await breath();
    }
    const hours = (Date.now() - started) / 1000 * SCALE / 3600;
    console.log(`# the clinician's day: ${(hours).toFixed(1)} hours on the breaker's clock`);
    assert.equal(trips(srv), 0);
    assert.equal((await clin.get('/session')).status, 200);
  });

  it('a practice admin works the register and the appointment book, and is never stopped', async () => {
    const admin = await login(srv, 'admin1@demo.test');
    const seen = await walkRegister(admin);
    assert.ok(seen.length >= 2000);
    for (let i = 0; i < 60; i++) {
      const r = ok(await admin.get(`/patients/${seen[i * 33]}`), 'register entry');
      assert.match(r.text, /NHI/);
      assert.doesNotMatch(r.text, /<h2>Documents<\/h2>/); // the register, not the record
    }
    ok(await admin.get('/slots'), 'slots');
    ok(await admin.get('/practice/appointments'), 'appointment settings');
    ok(await admin.get('/practice'), 'practice');
    assert.equal(trips(srv), 0);
    assert.equal((await admin.get('/session')).status, 200);
  });
});

describe('a carer, an app and the proxy switcher are never turned against the honest', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 12, bin: BIN }); serving = srv; });
  after(async () => { await srv.stop(); });

  it('a carer whose grant leaves out documents clicks every link they are shown, again and again, and is never stopped', async () => {
    const owner = await login(srv, 'patient1@demo.test');
    const carer = new Client(srv.base);
    assert.equal((await carer.login('patient3@demo.test')).status, 303);
    const now = Math.floor(Date.now() / 1000);
    // appointments only from patient1; and six more grants the carer never asked for
    const grant = (patient, scopes) => sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by)
      VALUES (randomblob(16), X'${patient}', X'${carer.session.account}', ${scopes}, ${now + 3600}, ${now}, X'${carer.session.account}')`);
    grant(owner.session.patient, 8);
    for (let i = 4; i <= 9; i++) {
      const p = await login(srv, `patient${i}@demo.test`);
      grant(p.session.patient, 8);
    }
    const sw = await carer.post('/records/switch', form(carer, { record: owner.session.patient }));
    assert.equal(sw.status, 303);
    const menu = ok(await carer.get('/appointments'), 'appointments');
    assert.doesNotMatch(menu.text, /href="\/documents"/, 'the menu offers only what the grant covers');
    // every same-site link shown, followed for ten rounds (an hour of clicking)
    const statuses = [];
    for (let round = 0; round < 20; round++) {
      const start = ok(await carer.get('/appointments'), 'appointments');
      const links = ids(start.text, /href="(\/[a-z][^"#]*)"/g).filter((l) => !l.startsWith('/static'));
      for (const l of links) statuses.push((await carer.get(l)).status);
      // and the pages a bookmark or the old menu would lead to: told, not counted
      for (const l of ['/documents', '/results', '/medications', '/messages', '/access-log']) {
        const r = await carer.get(l);
        assert.ok([200, 403].includes(r.status), `${l}: ${r.status}`);
        statuses.push(r.status);
      }
    }
    assert.ok(statuses.length > 100);
    assert.ok(!statuses.includes(404) && !statuses.includes(500), statuses.join());
    assert.equal(trips(srv), 0);
    assert.equal((await carer.get('/session')).status, 200);
  });

  it('an app asking 1,000 times outside its scopes is told 403 insufficient_scope, and nothing else changes', async () => {
    const patient = await login(srv, 'patient2@demo.test');
    const narrow = await appToken(srv, patient, 'launch/patient patient/Patient.read');
    const wide = await appToken(srv, patient, 'launch/patient patient/*.read');
    const app = new AppClient(srv.base, narrow.token);
    for (let i = 0; i < 1000; i++) {
      const type = ['DocumentReference', 'Observation', 'Appointment', 'Communication'][i % 4];
      const r = await app.get(`/fhir/R4/${type}?patient=${narrow.patient}`);
      assert.equal(r.status, 403, `${type}: ${r.status}`);
      if (i === 0) {
        assert.match(r.headers.get('www-authenticate'), /error="insufficient_scope"/);
        assert.equal(r.json().resourceType, 'OperationOutcome');
      }
    }
    assert.equal((await app.get(`/fhir/R4/Patient/${narrow.patient}`)).status, 200);
    assert.equal((await new AppClient(srv.base, wide.token).get(`/fhir/R4/DocumentReference?patient=${wide.patient}`)).status, 200);
    assert.equal((await patient.get('/documents')).status, 200);
    assert.equal(trips(srv), 0);
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${patient.session.account}'`), '0');
  });

  it('an app that walks random ids is stopped on its own; the patient and their other apps go on', async () => {
    const patient = await login(srv, 'patient5@demo.test');
    const bad = await appToken(srv, patient);
    const good = await appToken(srv, patient);
    const app = new AppClient(srv.base, bad.token);
    const seen = [];
    for (let i = 0; i < 40; i++) {
      const hex = require('node:crypto').randomBytes(16).toString('hex');
      seen.push((await app.get(`/fhir/R4/DocumentReference/${hex}`)).status);
    }
    assert.ok(seen.slice(0, 30).every((s) => s === 404), seen.join());
    assert.ok(seen.includes(403) && seen.at(-1) === 401, seen.join());
    assert.equal((await new AppClient(srv.base, good.token).get(`/fhir/R4/Patient/${good.patient}`)).status, 200);
    assert.equal((await patient.get('/documents')).status, 200);
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${patient.session.account}'`), '0');
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'breaker.app_stop'"), '1');
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'breaker.trip'"), '0');
  });
});

describe('the breach replayed with the authorization gate opened (chaos build)', () => {
  let srv; let everyone;
  before(async () => {
    srv = await startServer({ patients: 150, bin: CHAOS_BIN, env: { MEDKEEP_FAULT: 'authz_allow_all' } });
    const op = await login(srv, 'clinician1@demo.test');
    everyone = (await op.fhir('Patient?_count=500')).json().entry.map((e) => e.resource.id);
    assert.ok(everyone.length >= 150);
    // the inventory itself was demographics: the clinician is not stopped by it
    assert.equal((await op.get('/session')).status, 200);
  });
  after(async () => { await srv.stop(); });

  it('a clinician login harvesting its own practice at machine speed is stopped within 100 patients', async () => {
    const clin = await login(srv, 'clinician2@demo.test');
    const reached = new Set(); const statuses = [];
    for (const p of everyone) {
      const r = await clin.fhir(`DocumentReference?patient=${p}`);
      statuses.push(r.status);
      if (r.status === 200 && r.json().entry?.length) reached.add(p);
      if (r.status === 401) break;
    }
    assert.ok(reached.size > 10, 'the open gate let content through: the replay is real');
    assert.ok(reached.size <= 100, `content of ${reached.size} patients left`);
    assert.ok(statuses.includes(403) && statuses.at(-1) === 401, statuses.slice(-5).join());
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${clin.session.account}'`), '1');
  });

  for (const kind of ['AuditEvent', 'Appointment']) {
    it(`a patient login reading other patients' ${kind} is counted like any other read: at most 5`, async () => {
      const email = kind === 'AuditEvent' ? 'patient3@demo.test' : 'patient4@demo.test';
      const c = await login(srv, email);
      const others = everyone.filter((p) => p !== c.session.patient);
      let served = 0; const statuses = [];
      for (const p of others.slice(0, 40)) {
        const r = await c.fhir(`${kind}?patient=${p}`);
        statuses.push(r.status);
        if (r.status === 200) served++;
        if (r.status === 401) break;
      }
      assert.ok(served <= 5, `${served} other patients' ${kind} served`);
      assert.ok(statuses.includes(403), statuses.join());
      assert.equal(statuses.at(-1), 401);
    });
  }
});
