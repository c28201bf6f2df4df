// Key lifecycle against the real binary: signed audit checkpoints (local and third-party
// verification), online backup and restore, crypto-shredding (backups included), and master
// key rotation (while serving, interrupted, resumed).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { BIN, CHAOS_BIN, PASSWORD, SAN_ENV, serveDir, Client, run, sqlite, nzWhen } = require('./lib');

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

function tmpPath(name) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `medkeep-keys-${name}-`));
  fs.rmSync(d, { recursive: true });
  return d;
}

function demoDir(patients) {
  const dir = tmpPath('data');
  const r = run(['demo', '--data', dir, '--patients', String(patients), '--password', PASSWORD]);
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

function rm(...dirs) { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); }

// Run the binary without waiting (so the test can serve requests meanwhile).
function runAsync(args, bin = BIN, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(bin, args, { env: { ...process.env, ...SAN_ENV, ...env } });
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function login(base, email) {
  const c = new Client(base);
  const r = await c.login(email);
  assert.equal(r.status, 303, `login ${email}`);
  return c;
}

// Every document a clinician can reach: { docId: { patient, sha } }. The practice's two
// clinicians take turns: each sign-in spends a TOTP step of its own, and one account gets two
// steps a half-minute.
let turn = 0;
async function allDocuments(base, email = ['clinician1@demo.test', 'clinician2@demo.test'][turn++ % 2]) {
  const c = await login(base, email);
  const pats = (await c.fhir('Patient')).json().entry.map((e) => e.resource.id);
  const docs = {};
  for (const p of pats) {
    const b = await c.fhir(`DocumentReference?patient=${p}`);
    assert.equal(b.status, 200);
    for (const e of b.json().entry) {
      const r = await c.fhir(`Binary/${e.resource.id}`);
      assert.equal(r.status, 200, `Binary/${e.resource.id}`);
      docs[e.resource.id] = { patient: p, sha: sha(r.buf) };
    }
  }
  return docs;
}

const patientOf = async (base, email) => (await login(base, email)).session.patient;

describe('signed audit checkpoints', () => {
  let dir; let exported; const copies = [];
  before(async () => {
    dir = demoDir(2);
    const srv = await serveDir(dir);
    try {
      await allDocuments(srv.base);
      // Records committed after the last checkpoint, while serving: not covered yet.
      const v = run(['audit', 'verify', '--data', dir]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /records after record \d+ are not covered by a signed checkpoint: had records after it been deleted, this check could not tell/);
    } finally { await srv.stop(); }
    exported = path.join(tmpPath('export'), 'checkpoints.json');
    fs.mkdirSync(path.dirname(exported));
  });
  after(() => { rm(dir, path.dirname(exported), ...copies); });

  // A copy of the trail alone (what a third party holds): audit.db and nothing else.
  function trailCopy(withSigningKey = false) {
    const d = tmpPath('trail');
    fs.mkdirSync(d, { mode: 0o700 });
    fs.copyFileSync(path.join(dir, 'audit.db'), path.join(d, 'audit.db'));
    if (withSigningKey) fs.copyFileSync(path.join(dir, 'audit-signing.key'), path.join(d, 'audit-signing.key'));
    copies.push(d);
    return d;
  }

  it('verify checks the chain and every checkpoint, and reports the last one', () => {
    const v = run(['audit', 'verify', '--data', dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const m = v.stdout.match(/(\d+) signed checkpoints verified \(key [0-9a-f]{16}\); last verified checkpoint: record (\d+), signed (.+)$/m);
    assert.ok(m, v.stdout);
    const last = Number(sqlite(dir, 'SELECT max(seq) FROM audit'));
    // serve's clean stop signs the last record
    assert.equal(Number(m[2]), last);
    // when it was signed, for the person reading: New Zealand time
    const signed = Number(sqlite(dir, `SELECT ts_ms FROM checkpoint WHERE seq = ${last}`, 'audit.db'));
    assert.equal(m[3], nzWhen(Math.floor(signed / 1000)));
    assert.equal(Number(m[1]), Number(sqlite(dir, 'SELECT count(*) FROM checkpoint', 'audit.db')));
    assert.match(v.stdout, /OK, \d+ records, chain intact/);
  });

  it('exports checkpoints, and a third party verifies a copy of the trail without any key of the data directory', () => {
    const e = run(['audit', 'export-checkpoints', '--data', dir, '--out', exported]);
    assert.equal(e.code, 0, e.stderr);
    const j = JSON.parse(fs.readFileSync(exported, 'utf8'));
    assert.equal(j.algorithm, 'Ed25519');
    assert.equal(Buffer.from(j.public_key, 'base64').length, 32);
    assert.ok(j.checkpoints.length >= 2);
    // the signature really is Ed25519 over the documented message, checkable with no medkeep code
    const cp = j.checkpoints[j.checkpoints.length - 1];
    const msg = Buffer.alloc(28 + 8 + 8 + 32);
    msg.write('medkeep-audit-checkpoint-v1', 0, 'latin1');
    msg.writeBigInt64BE(BigInt(cp.seq), 28);
    msg.writeBigInt64BE(BigInt(cp.ts_ms), 36);
    Buffer.from(cp.head, 'hex').copy(msg, 44);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(j.public_key, 'base64')]);
    const pub = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
    assert.ok(crypto.verify(null, msg, pub, Buffer.from(cp.signature, 'base64')));

    const copy = trailCopy(false); // no master.key, no audit-signing.key, nothing else
    const v = run(['audit', 'verify', '--data', copy, '--checkpoints', exported]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /signed checkpoints verified \(key [0-9a-f]{16}, from the exported file\)/);
    // and without the exported file, the copy alone cannot be checked for signatures
    assert.notEqual(run(['audit', 'verify', '--data', copy]).code, 0);
  });

  it('fails on a forged or edited checkpoint', () => {
    const c1 = trailCopy(true);
    sqlite(c1, 'UPDATE checkpoint SET head = randomblob(32) WHERE seq = (SELECT max(seq) FROM checkpoint)', 'audit.db');
    const v1 = run(['audit', 'verify', '--data', c1]);
    assert.equal(v1.code, 1, v1.stdout);
    assert.match(v1.stdout, /FAILED at checkpoint \d+: checkpoint signature does not verify/);

    const c2 = trailCopy(true);
    sqlite(c2, 'UPDATE checkpoint SET ts_ms = ts_ms + 1 WHERE seq = (SELECT min(seq) FROM checkpoint)', 'audit.db');
    assert.match(run(['audit', 'verify', '--data', c2]).stdout, /FAILED at checkpoint \d+: checkpoint signature does not verify/);

    // a checkpoint signed by a key of the forger's own
    const c3 = trailCopy(false);
    fs.writeFileSync(path.join(c3, 'audit-signing.key'), crypto.randomBytes(32), { mode: 0o600 });
    const v3 = run(['audit', 'verify', '--data', c3]);
    assert.equal(v3.code, 1);
    assert.match(v3.stdout, /signed by another key/);

    // an edited record under a valid checkpoint: the chain names it
    const c4 = trailCopy(true);
    sqlite(c4, "UPDATE audit SET ip = '10.6.6.6' WHERE seq = 2", 'audit.db');
    const v4 = run(['audit', 'verify', '--data', c4]);
    assert.equal(v4.code, 1);
    assert.match(v4.stdout, /FAILED at record 2\b/);
  });

  it('detects records deleted before the last checkpoint, at the end or in the middle', () => {
    const last = Number(sqlite(dir, 'SELECT max(seq) FROM audit'));
    const tail = trailCopy(true);
    sqlite(tail, `DELETE FROM audit WHERE seq > ${last - 3}`, 'audit.db');
    const v = run(['audit', 'verify', '--data', tail]);
    assert.equal(v.code, 1, v.stdout);
    assert.match(v.stdout, /records covered by a signed checkpoint were deleted/);
    assert.match(v.stdout, new RegExp(`records ${last - 2} to ${last} are missing`));

    const mid = trailCopy(true);
    sqlite(mid, 'DELETE FROM audit WHERE seq = 3', 'audit.db');
    const v2 = run(['audit', 'verify', '--data', mid]);
    assert.equal(v2.code, 1);
    assert.match(v2.stdout, /FAILED at record 3: record missing/);

    // records and the checkpoints that covered them deleted together: the trail alone cannot
    // tell (and says what it does not cover), the third party's exported checkpoints can
    const both = trailCopy(true);
    const cps = sqlite(both, 'SELECT seq FROM checkpoint ORDER BY seq', 'audit.db').split('\n').map(Number);
    const keep = cps[cps.length - 2];
    sqlite(both, `DELETE FROM audit WHERE seq > ${keep + 1}; DELETE FROM checkpoint WHERE seq > ${keep}`, 'audit.db');
    const local = run(['audit', 'verify', '--data', both]);
    assert.equal(local.code, 0, local.stdout);
    assert.match(local.stdout, new RegExp(`1 records after record ${keep} are not covered`));
    const third = run(['audit', 'verify', '--data', both, '--checkpoints', exported]);
    assert.equal(third.code, 1, third.stdout);
    assert.match(third.stdout, /records covered by a signed checkpoint were deleted/);
  });

  it('refuses bad arguments and has --help', () => {
    for (const sub of [['audit', 'verify'], ['audit', 'export-checkpoints']]) {
      const h = run([...sub, '--help']);
      assert.equal(h.code, 0);
      assert.match(h.stdout, /usage: medkeep audit/);
    }
    assert.equal(run(['audit', 'verify']).code, 2);
    assert.equal(run(['audit', 'verify', '--data', dir, '--out', 'x']).code, 2);
    assert.equal(run(['audit', 'frobnicate', '--data', dir]).code, 2);
    const junk = path.join(path.dirname(exported), 'junk.json');
    fs.writeFileSync(junk, '{"format":"something else"}');
    const r = run(['audit', 'verify', '--data', dir, '--checkpoints', junk]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a medkeep checkpoint export/);
  });
});

describe('backup and restore', () => {
  let dir; let srv; let backup; let keys; let restored;
  before(async () => {
    dir = demoDir(3);
    srv = await serveDir(dir);
    backup = tmpPath('backup'); keys = tmpPath('keys'); restored = tmpPath('restored');
  });
  after(async () => { await srv.stop(); rm(dir, backup, keys, restored); });

  it('backs up online while the portal serves, without keys, and a restore reads back every document', async () => {
    const before1 = await allDocuments(srv.base);
    // keep the portal busy (reads, each with an audit commit) while the backup runs
    let stop = false; let served = 0;
    const c = await login(srv.base, 'patient1@demo.test');
    const load = (async () => {
      while (!stop) { const r = await c.get('/documents'); assert.equal(r.status, 200); served++; }
    })();
    while (served === 0) await new Promise((r) => setTimeout(r, 10));
    const b = await runAsync(['backup', '--data', dir, '--out', backup]);
    const during = served;
    stop = true; await load;
    assert.equal(b.code, 0, b.stderr);
    assert.ok(during > 1, `requests served during the backup: ${during}`);
    assert.match(b.stdout, /holds no keys/);
    assert.match(b.stderr, /medkeep\.db \(pages\): \d+\/\d+/);
    assert.equal(fs.statSync(backup).mode & 0o777, 0o700);
    const files = fs.readdirSync(backup).sort();
    assert.deepEqual(files, ['MANIFEST', 'audit.db', 'medkeep.db']);
    for (const f of files) assert.equal(fs.statSync(path.join(backup, f)).mode & 0o777, 0o600);

    const k = run(['keys', 'backup', '--data', dir, '--out', keys]);
    assert.equal(k.code, 0, k.stderr);
    assert.deepEqual(fs.readdirSync(keys).sort(), ['audit-signing.key', 'index.key', 'keystore.db', 'master.key']);

    // a backup alone, or with the wrong keys, does not restore
    assert.notEqual(run(['restore', '--backup', backup, '--keys', backup, '--data', restored]).code, 0);
    const other = demoDir(1);
    const wrong = run(['restore', '--backup', backup, '--keys', other, '--data', restored]);
    rm(other, restored);
    assert.notEqual(wrong.code, 0);

    const r = run(['restore', '--backup', backup, '--keys', keys, '--data', restored]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 patients, 3 readable, 0 without a key/);
    assert.equal(fs.statSync(restored).mode & 0o777, 0o700);
    const v = run(['audit', 'verify', '--data', restored]);
    assert.equal(v.code, 0, v.stdout);
    const srv2 = await serveDir(restored);
    try {
      const after1 = await allDocuments(srv2.base);
      assert.deepEqual(after1, before1);
    } finally { await srv2.stop(); }
  });

  it('refuses bad arguments and has --help', () => {
    for (const sub of [['backup'], ['restore'], ['keys', 'backup']]) {
      const h = run([...sub, '--help']);
      assert.equal(h.code, 0, sub.join(' '));
      assert.match(h.stdout, /usage: medkeep/);
      assert.equal(run(sub).code, 2, sub.join(' '));
    }
    assert.equal(run(['backup', '--data', '/nonexistent', '--out', tmpPath('x')]).code, 1);
    assert.equal(run(['backup', '--data', dir, '--out', dir]).code, 1); // not empty
    assert.equal(run(['restore', '--backup', backup, '--keys', keys, '--data', dir]).code, 1); // exists
  });
});

describe('crypto-shredding', () => {
  let dir; let srv; let backup; let restored;
  const ids = {};
  before(async () => {
    dir = demoDir(3);
    srv = await serveDir(dir);
    backup = tmpPath('backup'); restored = tmpPath('restored');
    for (const n of [1, 2, 3]) ids[`p${n}`] = await patientOf(srv.base, `patient${n}@demo.test`);
    ids.demo = sqlite(dir, `SELECT lower(hex(practice_id)) FROM enrolment WHERE patient_id = x'${ids.p1}'`);
    ids.other = sqlite(dir, `SELECT lower(hex(id)) FROM practice WHERE id != x'${ids.demo}'`);
  });
  after(async () => { await srv.stop(); rm(dir, backup, restored); });

  it('shreds a patient only when confirmed and no other practice holds them', () => {
    const p = ids.p1;
    const dry = run(['shred', '--data', dir, '--patient', p]);
    assert.equal(dry.code, 1);
    assert.match(dry.stderr, /nothing changed; add --yes/);
    const held = run(['shred', '--data', dir, '--patient', p, '--yes']);
    assert.equal(held.code, 1);
    assert.match(held.stderr, /still held by 1 other practice; nothing was changed/);
    sqlite(dir, `INSERT INTO enrolment (patient_id, practice_id, since) VALUES (x'${p}', x'${ids.other}', unixepoch())`);
    const held2 = run(['shred', '--data', dir, '--patient', p, '--release', ids.demo, '--yes']);
    assert.equal(held2.code, 1);
    assert.match(held2.stderr, /still held by 1 other practice/);
    assert.equal(sqlite(dir, `SELECT count(*) FROM enrolment WHERE patient_id = x'${p}'`), '2');
    assert.equal(run(['shred', '--data', dir, '--patient', p, '--release', ids.other, '--yes']).code, 1);
    assert.equal(run(['shred', '--data', dir, '--patient', 'nothex', '--yes']).code, 2);
    assert.equal(run(['shred', '--data', dir, '--patient', crypto.randomBytes(16).toString('hex'), '--yes']).code, 1);
  });

  it('after a shred, every copy is unreadable, backups taken before included; other patients are untouched', async () => {
    const clin = await login(srv.base, 'clinician1@demo.test');
    const docsOf = async (p) => (await clin.fhir(`DocumentReference?patient=${p}`)).json().entry.map((e) => e.resource.id);
    const p1docs = await docsOf(ids.p1);
    const p2docs = await docsOf(ids.p2);
    const p2bytes = {};
    for (const d of p2docs) p2bytes[d] = sha((await clin.fhir(`Binary/${d}`)).buf);
    const patientSession = await login(srv.base, 'patient1@demo.test');

    // the backup is taken BEFORE the shred, while serving
    const b = await runAsync(['backup', '--data', dir, '--out', backup]);
    assert.equal(b.code, 0, b.stderr);

    const s = run(['shred', '--data', dir, '--patient', ids.p1, '--release', ids.demo, '--force', '--yes']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /shredded: their key is destroyed/);
    assert.equal(sqlite(dir, `SELECT count(*) FROM patient_key WHERE patient_id = x'${ids.p1}'`, 'keystore.db'), '0');
    assert.equal(sqlite(dir, `SELECT count(*) FROM document WHERE patient_id = x'${ids.p1}'`), '0');
    // their messages too (the demo gives patient1 two conversations)
    assert.equal(sqlite(dir, `SELECT count(*) FROM message WHERE patient_id = x'${ids.p1}'`), '0');
    assert.equal(sqlite(dir, `SELECT count(*) FROM message_thread WHERE patient_id = x'${ids.p1}'`), '0');
    assert.equal(sqlite(dir, `SELECT length(phi) FROM patient WHERE id = x'${ids.p1}'`), '0');
    assert.equal(sqlite(dir, `SELECT count(*) FROM audit WHERE action = 'patient.shred' AND patient = '${ids.p1}'`), '1');
    // Their results go too, clear metadata included; other patients keep theirs.
    assert.equal(sqlite(dir, `SELECT count(*) FROM result WHERE patient_id = X'${ids.p1}'`), '0');
    assert.ok(Number(sqlite(dir, `SELECT count(*) FROM result WHERE patient_id != X'${ids.p1}'`)) > 0);
    // and their medications, repeat requests and appointments
    for (const table of ['medication', 'repeat_request', 'appointment', 'proxy_grant']) {
      assert.equal(sqlite(dir, `SELECT count(*) FROM ${table} WHERE patient_id = X'${ids.p1}'`), '0', table);
    }
    assert.ok(Number(sqlite(dir, `SELECT count(*) FROM medication WHERE patient_id != X'${ids.p1}'`)) > 0);

    // live: the patient is signed out and cannot log in; the practice that still holds them
    // gets 410 Gone, the one that let them go 404; others read as before
    assert.equal((await patientSession.get('/session')).status, 401);
    assert.notEqual((await new Client(srv.base).login('patient1@demo.test')).status, 303);
    const otherClin = await login(srv.base, 'otherclinician1@demo.test');
    const gone = await otherClin.fhir(`Patient/${ids.p1}`);
    assert.equal(gone.status, 410);
    assert.equal(gone.json().resourceType, 'OperationOutcome');
    assert.equal(gone.json().issue[0].code, 'deleted');
    assert.equal((await otherClin.fhir(`DocumentReference?patient=${ids.p1}`)).status, 410);
    assert.equal((await clin.fhir(`Patient/${ids.p1}`)).status, 404);
    assert.equal((await clin.fhir(`Binary/${p1docs[0]}`)).status, 404);
    for (const d of p2docs) assert.equal(sha((await clin.fhir(`Binary/${d}`)).buf), p2bytes[d]);

    // the backup from before the shred, restored with today's keys
    const r = run(['restore', '--backup', backup, '--keys', dir, '--data', restored]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 patients, 2 readable, 1 without a key \(shredded\)/);
    const srv2 = await serveDir(restored);
    try {
      const c = await login(srv2.base, 'clinician1@demo.test');
      for (const d of p1docs) {
        for (const rtype of ['Binary', 'DocumentReference']) {
          const x = await c.fhir(`${rtype}/${d}`);
          assert.equal(x.status, 410, `${rtype}/${d}`);
          assert.equal(x.json().resourceType, 'OperationOutcome');
        }
        assert.equal((await c.get(`/documents/${d}`)).status, 410);
        assert.equal((await c.get(`/documents/${d}/download`)).status, 410);
      }
      assert.equal((await c.fhir(`Patient/${ids.p1}`)).status, 410);
      assert.equal((await c.fhir(`DocumentReference?patient=${ids.p1}`)).status, 410);
      assert.equal((await c.get(`/patients/${ids.p1}`)).status, 410);
      const listed = (await c.fhir('Patient')).json().entry.map((e) => e.resource.id);
      assert.ok(!listed.includes(ids.p1));
      assert.ok(listed.includes(ids.p2));
      // the shredded patient's own login (still in the old backup) reaches nothing
      const own = await login(srv2.base, 'patient1@demo.test');
      assert.equal((await own.get('/documents')).status, 410);
      for (const d of p2docs) assert.equal(sha((await c.fhir(`Binary/${d}`)).buf), p2bytes[d]);
      assert.doesNotMatch(srv2.logs(), /status=500/);
    } finally { await srv2.stop(); }
    // even the raw ciphertext plus the master key opens nothing: the backup holds no patient key
    assert.equal(sqlite(backup, `SELECT length(wrapped_key) FROM patient WHERE id = x'${ids.p1}'`), '0');
    assert.doesNotMatch(srv.logs(), /status=500/);
  });

  it('schedules a shred after a grace period; retention run does it once due', () => {
    const p = ids.p3;
    const from = Math.floor(Date.now() / 1000) + 30 * 86400;
    const s = run(['shred', '--data', dir, '--patient', p, '--release', ids.demo, '--after-days', '30', '--yes']);
    const to = Math.floor(Date.now() / 1000) + 30 * 86400;
    assert.equal(s.code, 0, s.stderr);
    // for the person at the terminal: New Zealand time, in the pages' style
    const after = (s.stdout.match(/will be shredded after (.+) by medkeep retention run/) || [])[1];
    assert.ok(after === nzWhen(from) || after === nzWhen(to), s.stdout);
    assert.equal(sqlite(dir, `SELECT count(*) FROM enrolment WHERE patient_id = x'${p}'`), '0');
    let r = run(['retention', 'run', '--data', dir, '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /0 due, 0 shredded/);
    sqlite(dir, `UPDATE patient SET shred_after = unixepoch() - 1 WHERE id = x'${p}'`);
    r = run(['retention', 'run', '--data', dir]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`due +${p}`));
    assert.equal(sqlite(dir, `SELECT count(*) FROM patient_key WHERE patient_id = x'${p}'`, 'keystore.db'), '1');
    r = run(['retention', 'run', '--data', dir, '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 due, 1 shredded/);
    assert.equal(sqlite(dir, `SELECT count(*) FROM patient_key WHERE patient_id = x'${p}'`, 'keystore.db'), '0');
    assert.equal(run(['audit', 'verify', '--data', dir]).code, 0);
  });

  it('refuses bad arguments and has --help', () => {
    for (const sub of [['shred'], ['retention', 'run']]) {
      const h = run([...sub, '--help']);
      assert.equal(h.code, 0);
      assert.match(h.stdout, /usage: medkeep/);
      assert.equal(run(sub).code, 2);
    }
    assert.equal(run(['shred', '--data', dir, '--patient', ids.p2, '--after-days', '0', '--yes']).code, 2);
    assert.equal(run(['shred', '--data', dir, '--patient', ids.p2, '--release', 'x', '--yes']).code, 2);
    assert.equal(run(['retention', 'now', '--data', dir]).code, 2);
  });
});

describe('master key rotation', () => {
  let dir; let srv;
  const keyIds = () => sqlite(dir, 'SELECT DISTINCT lower(hex(key_id)) FROM patient_key', 'keystore.db').split('\n').filter(Boolean);
  before(async () => { dir = demoDir(6); srv = await serveDir(dir); });
  after(async () => { await srv.stop(); rm(dir); });

  it('rotates while the portal serves; every document reads back byte for byte', async () => {
    const before1 = await allDocuments(srv.base);
    assert.ok(Object.keys(before1).length >= 24);
    const oldKey = fs.readFileSync(path.join(dir, 'master.key'));
    const oldIds = keyIds();
    assert.equal(oldIds.length, 1);
    const r = await runAsync(['keys', 'rotate', '--data', dir, '--batch', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /keys rotate: patient keys: 6\/6/);
    assert.match(r.stdout, /6 patient keys are wrapped by the new master key [0-9a-f]{16}/);
    assert.ok(!fs.readFileSync(path.join(dir, 'master.key')).equals(oldKey));
    assert.ok(!fs.existsSync(path.join(dir, 'master.key.next')));
    assert.equal(fs.statSync(path.join(dir, 'master.key')).mode & 0o777, 0o600);
    const newIds = keyIds();
    assert.equal(newIds.length, 1);
    assert.notEqual(newIds[0], oldIds[0]);
    assert.equal(sqlite(dir, 'SELECT count(*) FROM session'), '0');
    // the running portal reads with the new key, without a restart
    assert.deepEqual(await allDocuments(srv.base), before1);
    await srv.stop();
    srv = await serveDir(dir);
    assert.deepEqual(await allDocuments(srv.base), before1);
  });

  it('an interrupted rotation leaves everything readable, and a rerun finishes it', async () => {
    const before1 = await allDocuments(srv.base);
    const startId = keyIds()[0];
    // the fault-injection build stops dead after 2 of 6 keys, as a crash would
    const r1 = run(['keys', 'rotate', '--data', dir, '--batch', '1'], { env: { ...process.env, MEDKEEP_ROTATE_STOP_AFTER: '2' } }, CHAOS_BIN);
    assert.equal(r1.code, 3, r1.stderr);
    assert.match(r1.stderr, /chaos: rotation stopped after 2 keys/);
    assert.ok(fs.existsSync(path.join(dir, 'master.key.next')));
    const mixed = sqlite(dir, 'SELECT lower(hex(key_id)), count(*) FROM patient_key GROUP BY key_id ORDER BY 1', 'keystore.db');
    assert.equal(mixed.split('\n').length, 2, mixed);
    assert.match(mixed, new RegExp(`${startId}\\|4`));
    // half-rotated, the portal (already running, and restarted) reads everything
    assert.deepEqual(await allDocuments(srv.base), before1);
    await srv.stop();
    srv = await serveDir(dir);
    assert.deepEqual(await allDocuments(srv.base), before1);
    const r2 = run(['keys', 'rotate', '--data', dir]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stdout, /continuing an interrupted rotation/);
    assert.ok(!fs.existsSync(path.join(dir, 'master.key.next')));
    const ids = keyIds();
    assert.equal(ids.length, 1);
    assert.notEqual(ids[0], startId);
    assert.deepEqual(await allDocuments(srv.base), before1);
    // the trail stayed one chain although serve and the command line both appended to it
    const v = run(['audit', 'verify', '--data', dir]);
    assert.equal(v.code, 0, v.stdout);
    assert.equal(sqlite(dir, "SELECT count(*) FROM audit WHERE action = 'keys.rotate'"), '2');
  });

  it('refuses bad arguments and has --help', () => {
    const h = run(['keys', 'rotate', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /usage: medkeep keys rotate/);
    assert.equal(run(['keys']).code, 2);
    assert.equal(run(['keys', 'rotate']).code, 2);
    assert.equal(run(['keys', 'rotate', '--data', dir, '--batch', '0']).code, 2);
    assert.equal(run(['keys', 'spin', '--data', dir]).code, 2);
    assert.equal(run(['keys', 'rotate', '--data', '/nonexistent']).code, 1);
  });
});
