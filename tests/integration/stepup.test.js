// Step-up: sensitive changes need a second factor given within five minutes. A stale session is
// sent to /step-up and back; accounts without a factor are asked to set one up; the return
// address is always one of our own pages.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, nextCode, totpSecret, PASSWORD } = require('./lib');
const { submit, post, refresh, enrol, login } = require('./account-helpers');

// Make every session of the account older than the step-up window.
function stale(dir, account) {
  sqlite(dir, `UPDATE session SET created = created - 600, last_seen = unixepoch() WHERE account_id = X'${account}'`);
}

describe('step-up', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 2 }); });
  after(async () => { await srv.stop(); });

  it('asks an account without a second factor to set one up first', async () => {
    const c = await login(srv.base, srv.dir, 'patient1@demo.test');
    for (const p of ['/account/email', '/step-up?next=/account']) {
      const r = await c.get(p);
      assert.equal(r.status, 403, p);
      assert.match(r.text, /href="\/mfa\/setup"/, p);
    }
    // A password is the one change that is not a dead end without a second factor: the
    // current password and an emailed code stand in for it (factor-deadends.test.js).
    const pw = await c.get('/account/password');
    assert.equal(pw.status, 200);
    assert.match(pw.text, /we will email you a code/);
    const r = await submit(c, '/account', '/account/email', { email: 'other@example.nz' });
    assert.equal(r.status, 403);
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM account_token WHERE kind = 'email'"), '0');
    const acct = await c.get('/account');
    assert.match(acct.text, /need two-step sign-in/);
  });

  it('lets a fresh factor through, sends a stale one to /step-up and back', async () => {
    const c = await login(srv.base, srv.dir, 'patient2@demo.test');
    const { secret, recovery } = await enrol(srv.dir, c, 'patient2@demo.test');
    assert.equal((await c.get('/account/password')).status, 200, 'fresh right after enrolment');
    stale(srv.dir, c.session.account);
    const r = await c.get('/account/password');
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/step-up?next=/account/password');
    // A POST with a stale factor changes nothing.
    const change = await post(c, '/account/password', { current: PASSWORD, password: 'river-stone-lantern-9' });
    assert.equal(change.status, 303);
    assert.match(change.headers.get('location'), /^\/step-up\?next=/);
    assert.equal((await login(srv.base, srv.dir, 'patient2@demo.test', PASSWORD, secret)).loginStatus, 303, 'password unchanged');
    stale(srv.dir, c.session.account);

    const page = await c.get('/step-up?next=/account/password');
    assert.equal(page.status, 200);
    assert.match(page.text, /name="next" value="\/account\/password"/);
    const wrong = await post(c, '/step-up', { next: '/account/password', code: '000000' });
    assert.equal(wrong.status, 401);
    const right = await post(c, '/step-up', { next: '/account/password', code: await nextCode(srv.dir, secret, 'patient2@demo.test') });
    assert.equal(right.status, 303);
    assert.equal(right.headers.get('location'), '/account/password');
    assert.equal(await refresh(c), 200, 'the session was replaced, the new one works');
    assert.equal((await c.get('/account/password')).status, 200);
    const created = Number(sqlite(srv.dir, `SELECT max(created) FROM session WHERE account_id = X'${c.session.account}'`));
    assert.ok(Math.abs(created - Date.now() / 1000) < 30, 'the factor is as fresh as the new session');

    // A recovery code steps up too, once.
    stale(srv.dir, c.session.account);
    assert.equal((await post(c, '/step-up', { next: '/account', code: recovery[0] })).status, 303);
    await refresh(c);
    stale(srv.dir, c.session.account);
    assert.equal((await post(c, '/step-up', { next: '/account', code: recovery[0] })).status, 401);
    assert.ok(Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'login.mfa' AND outcome = 'fail'")) >= 2);
  });

  it('guards new recovery codes and a new authenticator the same way', async () => {
    const c = await login(srv.base, srv.dir, 'patient1@demo.test');
    const { recovery } = await enrol(srv.dir, c, 'patient1@demo.test');
    stale(srv.dir, c.session.account);
    const codes = await post(c, '/account/recovery', {});
    assert.equal(codes.status, 303);
    assert.match(codes.headers.get('location'), /^\/step-up\?next=\/account$/);
    const totp = await c.get('/mfa/setup?change=1');
    assert.equal(totp.status, 303);
    assert.equal(totp.headers.get('location'), '/step-up?next=/mfa/setup?change=1');
    assert.equal((await post(c, '/step-up', { next: '/account', code: recovery[1] })).status, 303);
    await refresh(c);
    const fresh = await post(c, '/account/recovery', {});
    assert.equal(fresh.status, 200);
    const renewed = [...fresh.text.matchAll(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
    assert.equal(renewed.length, 10);
    stale(srv.dir, c.session.account);
    assert.equal((await post(c, '/step-up', { next: '/account', code: recovery[2] })).status, 401, 'old codes stop working');
    assert.equal((await post(c, '/step-up', { next: '/account', code: renewed[0] })).status, 303);
    await refresh(c);
    const setup = await c.get('/mfa/setup?change=1');
    assert.equal(setup.status, 200);
    assert.match(setup.text, /<code class="secret">[A-Z2-7]+<\/code>/);
  });

  it('applies to staff as well', async () => {
    const secret = totpSecret(srv.dir, 'clinician1@demo.test');
    const c = await login(srv.base, srv.dir, 'clinician1@demo.test', PASSWORD, secret);
    assert.equal((await c.get('/account/email')).status, 200);
    stale(srv.dir, c.session.account);
    assert.equal((await c.get('/account/email')).status, 303);
    assert.equal((await c.get('/patients')).status, 200, 'reading needs no step-up');
  });

  it('returns only to local pages (no open redirect)', async () => {
    const who = await login(srv.base, srv.dir, 'clinician2@demo.test', PASSWORD, totpSecret(srv.dir, 'clinician2@demo.test'));
    for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)',
      '/account/../../x', '/account%2f..', 'account', '/ok\r\nSet-Cookie: x=1']) {
      const g = await who.get(`/step-up?next=${encodeURIComponent(next)}`);
      assert.equal(g.status, 400, next);
      const p = await post(who, '/step-up', { next, code: '123456' });
      assert.equal(p.status, 400, next);
      assert.equal(p.headers.get('location'), null, next);
    }
    const ok = await who.get('/step-up?next=/account/email');
    assert.equal(ok.status, 200);
    // Signed out, the page is not reachable at all.
    assert.equal((await new Client(srv.base).get('/step-up?next=/account')).status, 303);
  });
});
