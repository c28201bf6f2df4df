// A practice system the breaker stops is held for review as an account is (DESIGN.md invariant
// 10; docs/internals/UNLOCK.md): the trip leaves a lock its practice's admin and the operator
// see, the system gets no token while it is held (also after a restart, which forgets the
// vault's trip), and a reviewer's unlock lets it in again. The system's budget is made small
// in medkeep.conf so that reading three patients' details trips it; its assertions are signed
// with `jose` (npm). An HL7 feed is held the same way (the listener mints it no token).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, serveDir, Client, run, sqlite, randomId } = require('./lib');

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('a practice system stopped by the breaker', () => {
  let srv; let jose; let key; let sys; let practice; let patients;

  const tokenUrl = () => `${srv.base}/oauth/token`;
  async function grant() {
    const jwt = await new jose.SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: 'k1', typ: 'JWT' })
      .setIssuer(sys).setSubject(sys).setJti(crypto.randomUUID()).setIssuedAt().setAudience(tokenUrl())
      .setExpirationTime('4m').sign(key.privateKey);
    const r = await fetch(tokenUrl(), { method: 'POST', headers: FORM, body: new URLSearchParams({ grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, scope: 'system/Patient.rs' }).toString() });
    return { status: r.status, body: await r.json() };
  }
  const read = (tok, id) => fetch(`${srv.base}/fhir/R4/Patient/${id}`, { headers: { Authorization: `Bearer ${tok}` } });
  const unlock = (c, lock, reason) => c.post(`/locks/${lock}/unlock`, { body: new URLSearchParams({ csrf: c.csrf, reason }).toString(),
    headers: FORM, csrf: false });

  before(async () => {
    jose = await import('jose');
    srv = await startServer({ patients: 4, config: 'breaker.system.register = 2\n' });
    practice = run(['practices', 'list', '--data', srv.dir]).stdout.split('\n')[0].split('\t')[0];
    const admin = sqlite(srv.dir, `SELECT lower(hex(practice_id)) FROM account WHERE role = 'practice_admin' ORDER BY created LIMIT 1`);
    assert.equal(admin, practice, 'the first practice is admin1@demo.test\'s');
    const { publicKey, privateKey } = await jose.generateKeyPair('ES384');
    key = { privateKey };
    const jwks = path.join(srv.dir, 'stopped.jwks');
    fs.writeFileSync(jwks, JSON.stringify({ keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'ES384', use: 'sig' }] }));
    const added = run(['apps', 'add', '--system', '--data', srv.dir, '--practice', practice, '--name', 'Stopped PMS', '--jwks', jwks,
      '--scope', 'system/Patient.rs']);
    assert.equal(added.code, 0, added.stderr);
    sys = added.stdout.match(/client_id ([0-9a-f]{32})/)[1];
    patients = sqlite(srv.dir, `SELECT lower(hex(patient_id)) FROM enrolment WHERE practice_id = x'${practice}'`).split('\n').filter(Boolean);
    assert.ok(patients.length >= 4, patients.join());
  });
  after(async () => { await srv.stop(); });

  let lock;
  it('locks the system for review when it reads past its budget, and gives it no token meanwhile', async () => {
    const t = await grant();
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const seen = [];
    for (const id of patients) seen.push((await read(t.body.access_token, id)).status);
    assert.deepEqual(seen.slice(0, 2), [200, 200]);
    assert.ok(seen.slice(2).every((s) => s !== 200), `the third patient is refused: ${seen.join()}`);
    assert.equal(sqlite(srv.dir, `SELECT system_kind || '|' || state || '|' || reason || '|' || lower(hex(system_practice)) FROM account_lock WHERE account_id = x'${sys}'`),
      `system|locked|budget|${practice}`);
    const again = await grant();
    assert.equal(again.body.error, 'invalid_client', JSON.stringify(again.body));
    assert.match(again.body.error_description, /held for review/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'system.token' AND outcome = 'deny' AND actor = '${sys}'`), '1');
  });

  it('shows the lock to its practice\'s admin and the operator, not to another practice\'s staff', async () => {
    const admin = new Client(srv.base);
    assert.equal((await admin.login('admin1@demo.test')).status, 303);
    const page = await admin.get('/practice/locks');
    assert.equal(page.status, 200);
    const m = page.text.match(new RegExp(`id="lock-([0-9a-f]{32})"><h3>Practice system: Stopped PMS</h3><dl><dt>Id</dt><dd><code>${sys}</code>`));
    assert.ok(m, 'listed with the system\'s name and id');
    lock = m[1];
    assert.match(page.text, /<dt>Role<\/dt><dd>system<\/dd>/);
    const operator = new Client(srv.base);
    assert.equal((await operator.login('operator@demo.test')).status, 303);
    assert.ok((await operator.get('/operator')).text.includes(`id="lock-${lock}"`));
    const other = new Client(srv.base);
    assert.equal((await other.login('otherclinician1@demo.test')).status, 303);
    assert.equal((await other.get('/practice/locks')).status, 404);
    assert.equal((await unlock(other, lock, 'not mine')).status, 404);
    assert.equal(sqlite(srv.dir, `SELECT state FROM account_lock WHERE id = x'${lock}'`), 'locked');
  });

  it('keeps it held across a restart, until its practice admin unlocks it with a reason', async () => {
    const dir = srv.dir;
    const exited = new Promise((r) => srv.proc.on('exit', r));
    srv.proc.kill('SIGTERM');
    await exited;
    const again = await serveDir(dir);
    srv = { ...again, stop: async () => { await again.stop(); fs.rmSync(dir, { recursive: true, force: true }); } };
    assert.equal((await grant()).body.error, 'invalid_client');
    const admin = new Client(srv.base);
    assert.equal((await admin.login('admin1@demo.test')).status, 303);
    const r = await unlock(admin, lock, 'The PMS vendor fixed a sync loop');
    assert.equal(r.status, 303, r.text.slice(0, 300));
    assert.equal(sqlite(srv.dir, `SELECT state || '|' || review_reason FROM account_lock WHERE id = x'${lock}'`), 'unlocked|The PMS vendor fixed a sync loop');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'account.unlock' AND outcome = 'allow' AND rid = '${sys}'`), '1');
    const t = await grant();
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal((await read(t.body.access_token, patients[0])).status, 200);
    assert.equal((await read(t.body.access_token, randomId())).status, 404);
  });
});
