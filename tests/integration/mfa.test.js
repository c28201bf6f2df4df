// Two-step sign-in: TOTP codes from an independent generator (otplib), replay refused,
// recovery codes single-use, staff without a second factor kept away from patient data.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { authenticator } = require('otplib');
const { startServer, Client, sqlite, nextCode, totpSecret, run, PASSWORD } = require('./lib');

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

// Log in with the password only, stopping before the second factor.
async function passwordOnly(srv, email) {
  const c = new Client(srv.base);
  const token = await c.loginForm();
  const r = await c.post('/login', { body: new URLSearchParams({ csrf: token, email, password: PASSWORD }).toString(), headers: form, csrf: false });
  c.session = (await c.get('/session')).json();
  c.csrf = c.session.csrf;
  return { c, r };
}

describe('two-step sign-in', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 2 }); });
  after(async () => { await srv.stop(); });

  it('staff need their code: a password alone reaches no patient data', async () => {
    const { c, r } = await passwordOnly(srv, 'clinician1@demo.test');
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/login/mfa');
    const page = await c.get('/patients');
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/login/mfa');
    assert.equal((await c.fhir('Patient')).status, 401);
    const wrong = await c.mfa('000000');
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /not right, or it was used already/);
    const secret = totpSecret(srv.dir, 'clinician1@demo.test');
    const code = await nextCode(srv.dir, secret, 'clinician1@demo.test');
    assert.equal((await c.mfa(code)).status, 303);
    assert.equal((await c.fhir('Patient')).json().total, 2);

    // The same code again, on a new password login: refused (each step works once).
    const again = await passwordOnly(srv, 'clinician1@demo.test');
    assert.equal((await again.c.mfa(code)).status, 401);
    assert.equal((await again.c.fhir('Patient')).status, 401);
  });

  it('medkeep totp prints the same code as an independent generator', () => {
    const secret = totpSecret(srv.dir, 'clinician2@demo.test');
    for (let i = 0; i < 3; i++) {
      const ours = run(['totp', secret]);
      const theirs = authenticator.generate(secret);
      if (ours.stdout.trim() === theirs) return;
    }
    assert.fail('codes differ');
  });

  it('keeps staff without a second factor on the enrolment page', async () => {
    sqlite(srv.dir, "UPDATE account SET totp_ct = NULL WHERE role = 'operator'");
    const { c, r } = await passwordOnly(srv, 'operator@demo.test');
    assert.equal(r.headers.get('location'), '/');
    const home = await c.get('/');
    assert.equal(home.headers.get('location'), '/mfa/setup');
    const setup = await c.get('/mfa/setup');
    assert.equal(setup.status, 200);
    assert.match(setup.text, /Staff accounts need two-step sign-in/);
    assert.equal((await c.fhir('Patient')).status, 401);
  });

  it('a patient enrols with a QR code, gets ten single-use recovery codes, and signs in with either', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('patient1@demo.test')).headers.get('location'), '/');
    assert.match((await c.get('/')).text, /turn on two-step sign-in/);
    const setup = await c.get('/mfa/setup');
    assert.match(setup.text, /<svg class="qr"[^>]*role="img"/);
    assert.doesNotMatch(setup.text, /<script(?! src="\/static\/)|\sstyle=/);
    const secret = setup.text.match(/<code class="secret">([A-Z2-7]{32})<\/code>/)[1];
    const code = authenticator.generate(secret);
    const done = await c.post('/mfa/setup', { body: new URLSearchParams({ csrf: c.csrf, code }).toString(), headers: form, csrf: false });
    assert.equal(done.status, 200, done.text);
    const codes = [...done.text.matchAll(/<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);

    // Next login: the password alone is not enough any more.
    const a = await passwordOnly(srv, 'patient1@demo.test');
    assert.equal(a.r.headers.get('location'), '/login/mfa');
    assert.equal((await a.c.get('/documents')).headers.get('location'), '/login/mfa');
    assert.equal((await a.c.mfa(codes[3].toLowerCase())).status, 303, 'recovery code, any case');
    assert.equal((await a.c.get('/documents')).status, 200);
    const b = await passwordOnly(srv, 'patient1@demo.test');
    assert.equal((await b.c.mfa(codes[3])).status, 401, 'a recovery code works once');
    const fresh = authenticator.generate(secret);
    const r = await b.c.mfa(fresh);
    // the enrolment used this step already when the clock has not moved on: then wait a step
    if (r.status !== 303) {
      await new Promise((res) => setTimeout(res, 30000 - (Date.now() % 30000) + 100));
      assert.equal((await b.c.mfa(authenticator.generate(secret))).status, 303);
    }
    assert.equal((await b.c.get('/documents')).status, 200);
    assert.ok(Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'login.mfa' AND outcome = 'fail'")) >= 2);
  });
});
