// Two-step sign-in without dead ends (issue 15, item 4), through the real binary over HTTP with
// otplib as the authenticator app: a wrong code at setup keeps the form and the same key; a
// patient without a second factor changes their password with the current one plus a code sent
// to their address (the code checked, limited and single-use); recovery codes are counted and
// renewed; a practice that requires two-step sign-in says whom to ask for help.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { authenticator } = require('otplib');
const { startServer, Client, sqlite, PASSWORD } = require('./lib');
const { queuedMails } = require('./outbox-helper');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const post = (c, p, fields) => c.post(p, {
  body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false,
});
const keyOf = (page) => page.match(/<code class="secret">([A-Z2-7]{32})<\/code>/)[1];

describe('two-step sign-in without dead ends', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 4 }); });
  after(async () => { await srv.stop(); });

  it('a wrong code at setup keeps the form and the same key; the right one then turns it on', async () => {
    const c = new Client(srv.base);
    await c.login('patient1@demo.test');
    const setup = await c.get('/mfa/setup');
    const key = keyOf(setup.text);
    const wrongCode = String((Number(authenticator.generate(key)) + 1) % 1000000).padStart(6, '0');
    const wrong = await post(c, '/mfa/setup', { code: wrongCode, key });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /That code is not right/);
    assert.equal(keyOf(wrong.text), key, 'the same key again');
    assert.match(wrong.text, /<svg class="qr"/);
    assert.match(wrong.text, /<form method="post" class="card" action="\/mfa\/setup">/);
    // The key the app already holds still works: no second visit to the setup page.
    const done = await post(c, '/mfa/setup', { code: authenticator.generate(key), key });
    assert.equal(done.status, 200, done.text.slice(0, 300));
    assert.match(done.text, /Two-step sign-in is on/);
    const codes = [...done.text.matchAll(/<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10);
    // Recovery codes counted on the account page; one used is one fewer.
    c.session = (await c.get('/session')).json(); c.csrf = c.session.csrf;
    assert.match((await c.get('/account')).text, /You have 10 unused recovery codes/);
    sqlite(srv.dir, `UPDATE recovery_code SET used = 1 WHERE account_id = X'${c.session.account}' AND idx < 9`);
    assert.match((await c.get('/account')).text, /You have 1 unused recovery code\./);
    const renewed = await post(c, '/account/recovery', {});
    assert.equal(renewed.status, 200);
    assert.match((await c.get('/account')).text, /You have 10 unused recovery codes/);
    // A key posted back is only shown, never trusted: a forged one changes nothing.
    const d = new Client(srv.base);
    await d.login('patient2@demo.test');
    const real = keyOf((await d.get('/mfa/setup')).text);
    const forged = 'A'.repeat(32);
    const r = await post(d, '/mfa/setup', { code: authenticator.generate(forged), key: forged });
    assert.equal(r.status, 400);
    assert.equal((await post(d, '/mfa/setup', { code: authenticator.generate(real), key: forged })).status, 200);
  });

  it('without a second factor, a password changes with the current one and an emailed code', async () => {
    const c = new Client(srv.base);
    await c.login('patient3@demo.test');
    const account = c.session.account;
    const form = await c.get('/account/password');
    assert.equal(form.status, 200);
    assert.match(form.text, /we will email you a code/);
    const next = 'Kōwhai-ladder-9-tramp';
    const badCurrent = await post(c, '/account/password', { current: 'not-it-at-all', password: next, confirm: next });
    assert.equal(badCurrent.status, 400);
    assert.equal(queuedMails(srv.dir, { account, subject: /code to change/ }).length, 0);
    const asked = await post(c, '/account/password', { current: PASSWORD, password: next, confirm: next });
    assert.equal(asked.status, 200);
    assert.match(asked.text, /We have sent a 6-digit code/);
    const mails = queuedMails(srv.dir, { account, subject: /code to change/ });
    assert.equal(mails.length, 1);
    const code = mails[0].body.match(/\n {4}(\d{6})\n/)[1];
    // The password has not changed yet.
    assert.equal((await new Client(srv.base).login('patient3@demo.test', PASSWORD)).status, 303);
    const wrong = await post(c, '/account/password/code', { code: String((Number(code) + 1) % 1000000).padStart(6, '0') });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /That code is not right/);
    const ok = await post(c, '/account/password/code', { code: code.replace(/(\d{3})/, '$1 ') });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get('location'), '/account?done=password');
    assert.equal((await new Client(srv.base).login('patient3@demo.test', next)).status, 303);
    assert.notEqual((await new Client(srv.base).login('patient3@demo.test', PASSWORD)).status, 303);
    // Single use.
    assert.equal((await post(c, '/account/password/code', { code })).status, 400);
    assert.match(sqlite(srv.dir, `SELECT group_concat(action || ':' || outcome) FROM audit WHERE actor = '${account}' AND action LIKE 'password.change%'`), /password\.change\.code:ok.*password\.change:ok/);
  });

  it('five wrong codes end the code; a new one must be asked for', async () => {
    const c = new Client(srv.base);
    await c.login('patient4@demo.test');
    const account = c.session.account;
    const next = 'Tōtara-ridge-4-walkway';
    assert.equal((await post(c, '/account/password', { current: PASSWORD, password: next, confirm: next })).status, 200);
    const code = queuedMails(srv.dir, { account, subject: /code to change/ }).pop().body.match(/\n {4}(\d{6})\n/)[1];
    const other = String((Number(code) + 7) % 1000000).padStart(6, '0');
    for (let i = 0; i < 5; i++) assert.equal((await post(c, '/account/password/code', { code: other })).status, 400);
    const late = await post(c, '/account/password/code', { code });
    assert.equal(late.status, 429);
    assert.equal((await new Client(srv.base).login('patient4@demo.test', PASSWORD)).status, 303, 'unchanged');
  });

  it('a practice that requires two-step sign-in says whom to ask for help', async () => {
    sqlite(srv.dir, 'UPDATE practice SET require_patient_mfa = 1');
    const e = new Client(srv.base);
    await e.login('patient4@demo.test');
    const setup = await e.get('/mfa/setup');
    assert.equal(setup.status, 200);
    assert.match(setup.text, /Your practice asks every patient to use two-step sign-in/);
    assert.match(setup.text, /phone your practice: they can help/);
  });
});
