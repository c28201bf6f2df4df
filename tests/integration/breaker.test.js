// The attack in DESIGN.md, replayed: one valid patient login, then every other patient's
// documents by id, at machine speed. Against the normal build the gate gives nothing and the
// breaker trips on the enumeration; against the chaos build (gate open) the vault's breaker
// stops it after a handful of other patients, and the incident report names exactly what left.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, randomId, run, sqlite, CHAOS_BIN, RELEASE_BIN, PASSWORD, nzWhen } = require('./lib');
const { queuedMails } = require('./outbox-helper');

// Every patient's id and document ids, as a clinician of the practice sees them.
async function inventory(srv) {
  const c = new Client(srv.base);
  assert.equal((await c.login('clinician1@demo.test')).status, 303);
  const out = [];
  for (const e of (await c.fhir('Patient')).json().entry) {
    const docs = (await c.fhir(`DocumentReference?patient=${e.resource.id}`)).json();
    out.push({ id: e.resource.id, docs: docs.entry.map((d) => d.resource.id) });
  }
  return out;
}

// Read every foreign document by id as `attacker`; returns what was actually received.
async function replay(attacker, victims) {
  const received = new Map(); // Binary id -> patient id
  const statuses = [];
  for (const v of victims) {
    for (const d of v.docs) {
      const r = await attacker.fhir(`Binary/${d}`);
      statuses.push(r.status);
      if (r.status === 200) received.set(d, v.id);
    }
  }
  return { received, statuses };
}

function report(srv, bin, ...args) {
  const r = run(['incident', 'report', '--data', srv.dir, ...args], {}, bin);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('attack replay against the normal build', () => {
  let srv; let victims; let attacker;
  before(async () => {
    srv = await startServer({ patients: 12, bin: RELEASE_BIN });
    const all = await inventory(srv);
    attacker = new Client(srv.base);
    assert.equal((await attacker.login('patient1@demo.test')).status, 303);
    victims = all.filter((v) => v.id !== attacker.session.patient);
  });
  after(async () => { await srv.stop(); });

  it('serves no foreign document, trips the breaker on the enumeration, and locks the account', async () => {
    const { received, statuses } = await replay(attacker, victims);
    assert.equal(received.size, 0, 'foreign documents served');
    assert.ok(statuses.length > 40);
    // 404 until the breaker trips (after 30 misses), then 403 once, then the session is gone.
    const first = statuses.indexOf(403);
    assert.ok(first > 0 && first <= 31, `first 403 at ${first}: ${statuses.slice(0, 40)}`);
    assert.ok(statuses.slice(0, first).every((s) => s === 404));
    assert.ok(statuses.slice(first + 1).every((s) => s === 401), statuses.slice(first + 1, first + 10).join());
    // The stolen password no longer opens the account. Whoever knows it is told plainly that
    // it is paused for review and whom to contact (docs/internals/UNLOCK.md); a wrong
    // password still answers as for any account, so the lock tells a stranger nothing.
    const again = new Client(srv.base);
    const r = await again.login('patient1@demo.test', PASSWORD);
    assert.equal(r.status, 403);
    assert.match(r.text, /paused for review/);
    assert.match(r.text, /contact your practice, Demo Health Centre/);
    assert.equal(again.session, undefined, 'no session');
    const wrong = await new Client(srv.base).login('patient1@demo.test', 'not-the-password-9');
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /Email or password is incorrect/);
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action='breaker.trip'"), '1');
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM account WHERE locked = 1'), '1');
    const j = JSON.parse(report(srv, RELEASE_BIN, '--actor', 'patient1@demo.test', '--format', 'json'));
    assert.equal(j.totals.patients, 0);
    assert.ok(j.deniedOrNotFound >= 30);

    // The operators hear of it: on their alerts page, and by email (ids only).
    const op = new Client(srv.base);
    assert.equal((await op.login('operator@demo.test')).status, 303);
    const alerts = await op.get('/operator');
    assert.equal(alerts.status, 200);
    assert.match(alerts.text, new RegExp(attacker.session.account));
    const mail = queuedMails(srv.dir, { subject: /breaker/i }).map((m) => m.body).join('\n');
    assert.match(mail, new RegExp(attacker.session.account));
    assert.doesNotMatch(mail, /demo\.test/);
    // Nobody else sees the alerts page.
    const clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
    assert.equal((await clin.get('/operator')).status, 404);
  });

  it('trips on random ids too (enumeration), for another patient', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('patient2@demo.test')).status, 303);
    const seen = [];
    for (let i = 0; i < 40; i++) seen.push((await c.fhir(`DocumentReference/${randomId()}`)).status);
    assert.ok(seen.includes(403), seen.join());
    assert.equal(seen.at(-1), 401);
  });
});

describe('attack replay against the chaos build (authorization gate open)', () => {
  let srv; let victims; let attacker;
  before(async () => {
    srv = await startServer({ patients: 30, bin: CHAOS_BIN, env: { MEDKEEP_FAULT: 'authz_allow_all' } });
    assert.match(srv.logs(), /fault=authz_allow_all/);
    const all = await inventory(srv);
    attacker = new Client(srv.base);
    assert.equal((await attacker.login('patient1@demo.test')).status, 303);
    victims = all.filter((v) => v.id !== attacker.session.patient);
    assert.equal(victims.length, 30); // 29 other patients, and the demo child (demo_proxies.c)
  });
  after(async () => { await srv.stop(); });

  it('stops the attacker after at most 5 other patients (breaker.patient.other_patients), and the report lists exactly what was received', async () => {
    const { received, statuses } = await replay(attacker, victims);
    const patients = new Set(received.values());
    assert.ok(received.size > 0, 'the open gate let some documents through: the replay is real');
    assert.ok(patients.size <= 5, `documents of ${patients.size} other patients left`);
    assert.ok(statuses.includes(403));
    assert.equal(statuses.at(-1), 401);

    const j = JSON.parse(report(srv, CHAOS_BIN, '--actor', 'patient1@demo.test', '--format', 'json'));
    const binaries = new Map();
    for (const p of j.patients) {
      for (const r of p.resources) {
        assert.equal(r.resourceType, 'Binary', JSON.stringify(r));
        binaries.set(r.id, p.patient);
      }
    }
    assert.deepEqual([...binaries.entries()].sort(), [...received.entries()].sort());
    assert.equal(j.totals.patients, patients.size);
    assert.equal(j.totals.Binary, received.size);

    const csv = report(srv, CHAOS_BIN, '--actor', 'patient1@demo.test', '--format', 'csv').trim().split('\n');
    assert.equal(csv[0], 'patient,resource_type,resource_id,first_served,last_served,times,bytes');
    assert.equal(csv.length - 1, received.size);
    const table = report(srv, CHAOS_BIN, '--actor', 'patient1@demo.test');
    assert.match(table, new RegExp(`Patients affected: ${patients.size}; Patient records: 0; DocumentReference: 0; Binary: ${received.size}`));
    // Filters narrow it: by address (all from loopback) the same, by a time before it all nothing.
    const byIp = JSON.parse(report(srv, CHAOS_BIN, '--ip', '127.0.0.1', '--actor', 'patient1@demo.test', '--format', 'json'));
    assert.equal(byIp.totals.Binary, received.size);
    const before2020 = JSON.parse(report(srv, CHAOS_BIN, '--actor', 'patient1@demo.test', '--until', '2020-01-01', '--format', 'json'));
    assert.equal(before2020.totals.patients, 0);
  });

  it('incident notify tells exactly the affected patients, in the portal and by email', async () => {
    const j = JSON.parse(report(srv, CHAOS_BIN, '--actor', 'patient1@demo.test', '--format', 'json'));
    const affected = new Set(j.patients.map((p) => p.patient));
    assert.ok(affected.size > 0);
    // the table is for people: each line's first time in New Zealand time (JSON and CSV: UTC)
    const table = report(srv, CHAOS_BIN, '--actor', 'patient1@demo.test');
    const row = j.patients[0].resources[0];
    assert.ok(table.split('\n').some((l) => l.includes(row.id) && l.includes(nzWhen(Date.parse(row.firstServed) / 1000))), table);
    assert.doesNotMatch(table, /\d{4}-\d\d-\d\dT|UTC/);
    const dry = run(['incident', 'notify', '--data', srv.dir, '--actor', 'patient1@demo.test', '--what', 'x', '--dry-run'], {}, CHAOS_BIN);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM notice'), '0');
    const what = 'A patient account was used to open other patients\' documents on 29 November.';
    const out = run(['incident', 'notify', '--data', srv.dir, '--actor', 'patient1@demo.test', '--what', what, '--contact', 'Demo Health Centre, 09 000 0000'], {}, CHAOS_BIN);
    assert.equal(out.code, 0, out.stderr);
    // One email per affected patient with a login of their own (the demo child has none:
    // demo_proxies.c; his notice is on the portal only).
    const perPatient = [...out.stdout.matchAll(/notice (MK-[0-9A-Z]{4}-[0-9A-Z]{4}), (\d+) email\(s\) queued/g)];
    const emailed = perPatient.filter((m) => m[2] !== '0').map((m) => m[1]);
    assert.ok(emailed.length >= affected.size - 1);
    assert.match(out.stdout, new RegExp(`^${affected.size} patients notified, ${emailed.length} emails queued, 0 failed$`, 'm'));
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM notice'), String(affected.size));
    assert.equal(sqlite(srv.dir, 'SELECT count(DISTINCT patient_id) FROM notice'), String(affected.size));
    const mails = queuedMails(srv.dir).map((m) => m.body).join('\n');
    assert.doesNotMatch(mails, /demo\.test|Discharge|Referral/);
    const refs = [...out.stdout.matchAll(/notice (MK-[0-9A-Z]{4}-[0-9A-Z]{4})/g)].map((m) => m[1]);
    assert.equal(refs.length, affected.size);
    for (const r of emailed) assert.match(mails, new RegExp(r));

    // Each patient sees their own status: affected ones the notice and its reference.
    let sawAffected = 0; let sawClear = 0;
    for (let i = 2; i <= 30 && (sawAffected < 2 || sawClear < 2); i++) {
      const c = new Client(srv.base);
      assert.equal((await c.login(`patient${i}@demo.test`)).status, 303);
      const home = await c.get('/');
      if (affected.has(c.session.patient)) {
        assert.match(home.text, /A security incident involved your record/);
        const ref = home.text.match(/reference <strong>(MK-[0-9A-Z-]+)<\/strong>/)[1];
        assert.ok(refs.includes(ref));
        // Read and put away ("Got it"): folded, still naming the notice (docs/internals/HOME.md).
        const put = await c.post('/home/cards', { body: new URLSearchParams({ csrf: c.csrf, card: 'notice' }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
        assert.equal(put.status, 303);
        const folded = (await c.get('/')).text;
        assert.doesNotMatch(folded, /A security incident involved your record/);
        assert.ok(folded.includes(`<details class="status warn"><summary>Security notice of `) && folded.includes(`reference ${ref}</summary>`));
        const sec = await c.get(`/security?reference=${ref}`);
        assert.match(sec.text, /This reference is genuine/);
        assert.match(sec.text, /patient account was used/);
        assert.match(sec.text, /Demo Health Centre, 09 000 0000/);
        assert.match(sec.text, /\(the file itself\)/);
        // when, from the report's UTC instants, in New Zealand time
        const lines = j.patients.find((x) => x.patient === c.session.patient).resources;
        const secs = (iso) => Date.parse(iso) / 1000;
        const first = Math.min(...lines.map((l) => secs(l.firstServed)));
        const last = Math.max(...lines.map((l) => secs(l.lastServed)));
        assert.ok(sec.text.includes(`Between ${nzWhen(first)} and ${nzWhen(last)}, these parts`), 'served between, in NZ time');
        assert.doesNotMatch(sec.text, /UTC/);
        const fake = await c.get('/security?reference=MK-0000-0000');
        assert.match(fake.text, /We did not send this reference to you/);
        sawAffected++;
      } else {
        assert.match(home.text, /No security incident has involved your record/);
        const sec = await c.get(`/security?reference=${refs[0]}`);
        assert.match(sec.text, /We did not send this reference to you/);
        sawClear++;
      }
    }
    assert.ok(sawAffected >= 1 && sawClear >= 1, `${sawAffected} affected, ${sawClear} clear`);
  });

  it('the normal build carries no fault injection', () => {
    const strings = require('node:child_process').spawnSync('grep', ['-c', 'authz_allow_all', RELEASE_BIN], { encoding: 'utf8' });
    assert.equal(strings.stdout.trim(), '0');
  });
});
