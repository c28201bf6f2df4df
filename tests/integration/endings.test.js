// Everything ends with the sessions (issue 12, section 4): a password reset or change, a lock
// by the breaker and "sign out everywhere" end the account's OAuth codes not yet exchanged, and
// the responses that end sessions also forget the app request waiting in the browser. (That
// the vault refuses a token past its session's life, whatever the worker's table says, is
// tests/unit/test_tokens.c: it needs the vault's clock moved.)
'use strict';
const crypto = require('node:crypto');
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, AppClient, appToken, run, sqlite, randomId, PASSWORD } = require('./lib');
const { startSink, linkPath } = require('./smtp-sink');
const { submit, post, enrol } = require('./account-helpers');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const APP = '__Host-medkeep-app';
const REDIRECT = 'http://127.0.0.1:9/callback';

// Consent to an app for the patient signed in as c, and keep the code without exchanging it.
async function pendingCode(srv, c) {
  const added = run(['apps', 'add', '--data', srv.dir, '--name', 'Test app', '--redirect-uri', REDIRECT]);
  assert.equal(added.code, 0, added.stderr);
  const client = added.stdout.match(/client_id ([0-9a-f]{32})/)[1];
  const verifier = crypto.randomBytes(32).toString('base64url');
  const params = { client_id: client, redirect_uri: REDIRECT, response_type: 'code', scope: 'launch/patient patient/*.read',
    state: 's', code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256', aud: `${srv.base}/fhir/R4` };
  assert.equal((await c.get(`/oauth/authorize?${new URLSearchParams(params)}`)).status, 200);
  const yes = await c.post('/oauth/authorize', { body: new URLSearchParams({ ...params, csrf: c.csrf, decision: 'allow' }).toString(),
    headers: FORM, csrf: false });
  const code = new URL(yes.headers.get('location')).searchParams.get('code');
  assert.ok(code);
  return { code, client, verifier };
}

async function exchange(srv, { code, client, verifier }) {
  const r = await fetch(`${srv.base}/oauth/token`, { method: 'POST', headers: FORM,
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: client, redirect_uri: REDIRECT, code_verifier: verifier }).toString() });
  return { status: r.status, body: await r.json() };
}

// Whether a response tells the browser to forget the waiting app request.
const forgetsAppRequest = (r) => r.headers.getSetCookie().some((c) => c.startsWith(`${APP}=;`) && /Max-Age=0/.test(c));

describe('everything ends with the sessions', () => {
  let srv; let sink;
  before(async () => {
    sink = await startSink();
    srv = await startServer({ patients: 6, config: `smtp.url = smtp://127.0.0.1:${sink.port}\nsmtp.from = medkeep <noreply@demo.test>\n` });
  });
  after(async () => { await srv.stop(); await sink.close(); });

  it('a code not exchanged still works when nothing ended (the control)', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('patient1@demo.test')).status, 303);
    const got = await exchange(srv, await pendingCode(srv, c));
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.ok(got.body.access_token);
  });

  it('"sign out everywhere" ends every session, app tokens, codes and the waiting app request', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('patient2@demo.test')).status, 303);
    const other = new Client(srv.base);
    assert.equal((await other.login('patient2@demo.test')).status, 303);
    const app = new AppClient(srv.base, (await appToken(srv, other)).token);
    assert.equal((await app.get(`/fhir/R4/Patient/${other.session.patient}`)).status, 200);
    const pending = await pendingCode(srv, other);
    const page = await c.get('/sessions');
    assert.match(page.text, /action="\/sessions\/end-all"/);
    c.cookies.set(APP, 'client_id%3Dx');
    const r = await post(c, '/sessions/end-all', {});
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/login');
    assert.ok(forgetsAppRequest(r), 'the waiting app request is forgotten');
    assert.equal((await c.get('/session')).status, 401);
    assert.equal((await other.get('/session')).status, 401);
    assert.equal((await app.get(`/fhir/R4/Patient/${other.session.patient}`)).status, 401);
    const got = await exchange(srv, pending);
    assert.equal(got.status, 400);
    assert.equal(got.body.error, 'invalid_grant');
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'session.revoke-all' AND outcome = 'ok'"), '1');
    // The owner signs in again at once: nothing was locked.
    assert.equal((await new Client(srv.base).login('patient2@demo.test')).status, 303);
  });

  it('a change of password ends the codes not yet exchanged, and the waiting app request', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('patient3@demo.test')).status, 303);
    await enrol(srv.dir, c, 'patient3@demo.test');
    const pending = await pendingCode(srv, c);
    c.cookies.set(APP, 'client_id%3Dx');
    const r = await submit(c, '/account/password', '/account/password', { current: PASSWORD, password: 'river-stone-lantern-9' });
    assert.equal(r.status, 303, r.text.slice(0, 300));
    assert.ok(forgetsAppRequest(r));
    const got = await exchange(srv, pending);
    assert.equal(got.status, 400);
    assert.equal(got.body.error, 'invalid_grant');
  });

  it('a password reset ends the codes not yet exchanged, and the waiting app request', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('patient4@demo.test')).status, 303);
    const pending = await pendingCode(srv, c);
    const u = new Client(srv.base);
    await submit(u, '/reset', '/reset', { email: 'patient4@demo.test' });
    const mails = await sink.waitFor('patient4@demo.test', /Reset your patient portal password/);
    const { token, path: link } = linkPath(mails[mails.length - 1], '/reset/confirm');
    const r = new Client(srv.base);
    r.cookies.set(APP, 'client_id%3Dx');
    const done = await submit(r, link, '/reset/confirm', { token, password: 'river-stone-lantern-9' });
    assert.equal(done.status, 200);
    assert.ok(forgetsAppRequest(done));
    assert.equal((await c.get('/session')).status, 401);
    const got = await exchange(srv, pending);
    assert.equal(got.status, 400);
    assert.equal(got.body.error, 'invalid_grant');
  });

  it('a lock by the breaker ends the codes not yet exchanged', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('patient5@demo.test')).status, 303);
    const pending = await pendingCode(srv, c);
    // Walk other ids until the breaker pauses the account.
    let tripped = false;
    for (let i = 0; i < 200 && !tripped; i++) tripped = (await c.get(`/documents/${randomId()}`)).status !== 404;
    assert.ok(tripped, 'the breaker paused the account');
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = x'${c.session.account}'`), '1');
    const got = await exchange(srv, pending);
    assert.equal(got.status, 400);
    assert.equal(got.body.error, 'invalid_grant');
  });

  it('signing out forgets the waiting app request too', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('patient6@demo.test')).status, 303);
    c.cookies.set(APP, 'client_id%3Dx');
    const r = await post(c, '/logout', {});
    assert.equal(r.status, 303);
    assert.ok(forgetsAppRequest(r));
  });
});
