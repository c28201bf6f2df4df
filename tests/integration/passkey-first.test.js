// A passkey as the first and only second factor (issue 15, item 4), over HTTP with a software
// authenticator: a new staff member, held at the enrolment stage until they set up two-step
// sign-in, is offered a passkey beside an authenticator app, enrols with only a passkey, uses it
// once to finish (only then is patient data reachable), gets ten recovery codes, and signs in
// with the passkey or a recovery code from then on; a patient adds a passkey first in the same
// way. The only second factor cannot be removed; a 6-digit code on such an account is refused,
// not an error. Where two-step sign-in is required, the pages say whom to ask for help.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, PASSWORD } = require('./lib');
const wa = require('./webauthn');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const post = (c, p, fields) => c.post(p, { body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });

function attr(html, formId, name) {
  const tag = html.match(new RegExp(`<form[^>]*id="${formId}"[^>]*>`));
  assert.ok(tag, `no form #${formId}`);
  const m = tag[0].match(new RegExp(`data-${name}="([^"]*)"`));
  return m ? m[1] : null;
}

async function refresh(c) {
  c.session = (await c.get('/session')).json();
  c.csrf = c.session.csrf;
}

// Sign in with the password; returns the client and where the login sent it.
async function passwordLogin(srv, email) {
  const c = new Client(srv.base);
  const token = await c.loginForm();
  const r = await c.post('/login', { body: new URLSearchParams({ csrf: token, email, password: PASSWORD }).toString(), headers: FORM, csrf: false });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  await refresh(c);
  return { c, to: r.headers.get('location') };
}

// The add-a-passkey form on /mfa/setup, registered with cred.
async function register(c, cred, rp, name) {
  const page = await c.get('/mfa/setup');
  assert.equal(page.status, 200);
  const challenge = attr(page.text, 'passkey-register', 'challenge');
  return post(c, '/mfa/passkeys', { name, ...wa.register(cred, { challenge, ...rp }) });
}

// The passkey form of /login/mfa (posting to `action`), answered with cred.
async function usePasskey(c, cred, rp, action = '/login/mfa') {
  const page = await c.get(action);
  assert.equal(page.status, 200, page.text.slice(0, 300));
  const challenge = attr(page.text, 'passkey-login', 'challenge');
  assert.equal(attr(page.text, 'passkey-login', 'credentials'), wa.b64url(cred.id));
  const r = await post(c, action, wa.assert(cred, { challenge, ...rp }));
  return { r, page };
}

const codesOf = (html) => [...html.matchAll(/<li><code>([0-9A-Z-]{14})<\/code><\/li>/g)].map((m) => m[1]);
const audited = (srv, account, action, outcome = 'ok') =>
  Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${account}' AND action = '${action}' AND outcome = '${outcome}'`));

describe('a passkey as the first second factor', () => {
  let srv; let rp;
  before(async () => {
    srv = await startServer({ patients: 2 });
    rp = { origin: `http://localhost:${srv.port}`, rpId: 'localhost' };
  });
  after(async () => { await srv.stop(); });

  it('a new staff member enrols with only a passkey, finishes with it, gets recovery codes, and signs in with it', async () => {
    // a new staff member: clinician2 with no authenticator app and no recovery codes
    const first = await passwordLogin(srv, 'clinician2@demo.test');
    const account = first.c.session.account;
    sqlite(srv.dir, `UPDATE account SET totp_ct = NULL, totp_pending_ct = NULL WHERE id = X'${account}'`);
    sqlite(srv.dir, `DELETE FROM recovery_code WHERE account_id = X'${account}'`);

    const { c, to } = await passwordLogin(srv, 'clinician2@demo.test');
    assert.equal(to, '/', 'no second step is due: there is no factor yet');
    assert.equal((await c.get('/patients')).headers.get('location'), '/mfa/setup', 'held at the enrolment stage');
    assert.equal((await c.fhir('Patient')).status, 401);
    const setup = await c.get('/mfa/setup');
    assert.equal(setup.status, 200);
    assert.match(setup.text, /Staff accounts need two-step sign-in before they can see any patient's record: an authenticator app or a passkey\. If you cannot set it up, your practice admin can help\./);
    assert.match(setup.text, /<svg class="qr"/, 'an authenticator app is offered');
    assert.match(setup.text, /<h2 id="passkeys">Or use a passkey<\/h2>/, 'and a passkey beside it');
    assert.equal(attr(setup.text, 'passkey-register', 'rp-id'), 'localhost');

    const cred = wa.newCredential(-7);
    const added = await register(c, cred, rp, 'Work phone');
    assert.equal(added.status, 303, added.text.slice(0, 300));
    assert.equal(added.headers.get('location'), '/login/mfa?next=/mfa/setup', 'used once to finish');
    assert.equal(sqlite(srv.dir, `SELECT name FROM passkey WHERE account_id = X'${account}'`), 'Work phone');
    assert.equal(audited(srv, account, 'passkey.add'), 1);
    // registered is not signed in: still no patient data, now at the second step
    assert.equal((await c.fhir('Patient')).status, 401);
    assert.equal((await c.get('/patients')).headers.get('location'), '/login/mfa');

    const { r, page } = await usePasskey(c, cred, rp, '/login/mfa?next=/mfa/setup');
    assert.match(page.text, /Use your passkey, or enter one of your recovery codes\./);
    assert.match(page.text, /Your practice admin can help you set up two-step sign-in again\./);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.match(r.text, /<h1>Two-step sign-in is on<\/h1>/);
    assert.match(r.text, /if you lose your passkey/);
    const codes = codesOf(r.text);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    assert.match(r.text, /href="\/mfa\/setup">Continue</);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM recovery_code WHERE account_id = X'${account}' AND used IS NULL`), '10');
    assert.equal(audited(srv, account, 'mfa.recovery.issue'), 1);
    await refresh(c);
    assert.equal((await c.fhir('Patient')).status, 200, 'the enrol stage is over');
    assert.equal((await c.get('/patients')).status, 200);
    const on = await c.get('/mfa/setup');
    assert.match(on.text, /Two-step sign-in is on for your account/);
    assert.match(on.text, /Use an authenticator app as well/);
    assert.match(on.text, /Work phone/);

    // the only second factor stays
    const id = sqlite(srv.dir, `SELECT lower(hex(id)) FROM passkey WHERE account_id = X'${account}'`);
    const rm = await post(c, `/mfa/passkeys/${id}/remove`, {});
    assert.equal(rm.status, 409);
    assert.match(rm.text, /only way through two-step sign-in/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM passkey WHERE account_id = X'${account}'`), '1');

    // signing in again asks for the passkey; no new codes
    const again = await passwordLogin(srv, 'clinician2@demo.test');
    assert.equal(again.to, '/login/mfa');
    assert.equal((await again.c.fhir('Patient')).status, 401);
    const second = await usePasskey(again.c, cred, rp);
    assert.equal(second.r.status, 303, second.r.text.slice(0, 300));
    assert.equal(second.r.headers.get('location'), '/');
    await refresh(again.c);
    assert.equal((await again.c.fhir('Patient')).status, 200);
    assert.equal(audited(srv, account, 'mfa.recovery.issue'), 1, 'codes only once');

    // a 6-digit code means nothing here (no app): refused, not an error; a recovery code works
    const third = await passwordLogin(srv, 'clinician2@demo.test');
    const six = await third.c.mfa('123456');
    assert.equal(six.status, 401);
    const rec = await third.c.mfa(codes[0].toLowerCase());
    assert.equal(rec.status, 303, rec.text.slice(0, 300));
    assert.equal((await third.c.fhir('Patient')).status, 200);
    const fourth = await passwordLogin(srv, 'clinician2@demo.test');
    assert.equal((await fourth.c.mfa(codes[0])).status, 401, 'a recovery code works once');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM recovery_code WHERE account_id = X'${account}' AND used IS NULL`), '9');
  });

  it('a patient adds a passkey first: used once, recovery codes, then asked for at sign-in', async () => {
    const { c, to } = await passwordLogin(srv, 'patient1@demo.test');
    assert.equal(to, '/');
    const account = c.session.account;
    assert.equal(sqlite(srv.dir, `SELECT totp_ct IS NULL FROM account WHERE id = X'${account}'`), '1');
    const cred = wa.newCredential(-8);
    const added = await register(c, cred, rp, 'My phone');
    assert.equal(added.status, 303, added.text.slice(0, 300));
    assert.equal(added.headers.get('location'), '/login/mfa?next=/mfa/setup');
    // the record waits for the second step now
    assert.equal((await c.get('/documents')).headers.get('location'), '/login/mfa');
    const { r, page } = await usePasskey(c, cred, rp, '/login/mfa?next=/mfa/setup');
    assert.match(page.text, /Phone your practice: they can help you set up two-step sign-in again\./);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(codesOf(r.text).length, 10);
    await refresh(c);
    assert.equal((await c.get('/documents')).status, 200);

    const again = await passwordLogin(srv, 'patient1@demo.test');
    assert.equal(again.to, '/login/mfa', 'sign-in asks for the passkey');
    assert.equal((await again.c.get('/documents')).headers.get('location'), '/login/mfa');
    const second = await usePasskey(again.c, cred, rp);
    assert.equal(second.r.status, 303);
    await refresh(again.c);
    assert.equal((await again.c.get('/documents')).status, 200);
  });

  it('an account with a second factor adds a passkey only after passing it', async () => {
    // clinician1 has an authenticator app: a password alone is at the second step, where the
    // passkey form is not reachable (the route is for the enrolment stage and after)
    const { c, to } = await passwordLogin(srv, 'clinician1@demo.test');
    assert.equal(to, '/login/mfa');
    const cred = wa.newCredential(-7);
    const r = await post(c, '/mfa/passkeys', { name: 'Sneaky', ...wa.register(cred, { challenge: wa.b64url(Buffer.alloc(32)), ...rp }) });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/login/mfa');
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM passkey WHERE name = 'Sneaky'"), '0');
  });
});
