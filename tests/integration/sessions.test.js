// Where am I signed in: each session with its device and address, ending one, and a notice of
// a sign-in from a device new to the account (on the home page and by email).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, randomId } = require('./lib');
const { queuedMails } = require('./outbox-helper');

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const PHONE = 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

// A client whose every request carries a User-Agent.
function clientWith(base, ua) {
  const c = new Client(base);
  const req = c.req.bind(c);
  c.req = (method, p, opts = {}) => req(method, p, { ...opts, headers: { 'User-Agent': ua, ...(opts.headers || {}) } });
  return c;
}

describe('sessions', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 1 }); });
  after(async () => { await srv.stop(); });

  it('lists sessions by device, ends one, and tells of a new device', async () => {
    const laptop = clientWith(srv.base, FIREFOX);
    assert.equal((await laptop.login('patient1@demo.test')).status, 303);
    const before1 = Number(sqlite(srv.dir, "SELECT count(*) FROM outbox WHERE subject LIKE 'New sign-in%'"));
    const phone = clientWith(srv.base, PHONE);
    assert.equal((await phone.login('patient1@demo.test')).status, 303);
    // The phone is new to this account: an email, and a notice on the laptop's home page.
    assert.equal(Number(sqlite(srv.dir, "SELECT count(*) FROM outbox WHERE subject LIKE 'New sign-in%'")), before1 + 1);
    assert.equal(queuedMails(srv.dir, { subject: /^New sign-in/i }).filter((m) => /from Chrome on Android/i.test(m.body)).length, 1);
    assert.match((await laptop.get('/')).text, /New sign-in from Chrome on Android/);
    // The laptop again is not new.
    const laptop2 = clientWith(srv.base, FIREFOX);
    await laptop2.login('patient1@demo.test');
    assert.equal(Number(sqlite(srv.dir, "SELECT count(*) FROM outbox WHERE subject LIKE 'New sign-in%'")), before1 + 1);

    const page = await laptop.get('/sessions');
    assert.equal(page.status, 200);
    assert.match(page.text, /Firefox on Linux<\/strong> \(this session\)/);
    assert.match(page.text, /Chrome on Android/);
    assert.match(page.text, /From 127\.0\.0\.1/);
    const ids = [...page.text.matchAll(/action="\/sessions\/([0-9a-f]{32})\/revoke"/g)].map((m) => m[1]);
    assert.equal(ids.length, 2, 'every session but this one can be ended');

    // Without the CSRF token: refused. Someone else's or a made-up session: not found.
    assert.equal((await laptop.post(`/sessions/${ids[0]}/revoke`, { body: 'csrf=x', headers: form, csrf: false })).status, 403);
    assert.equal((await laptop.post(`/sessions/${randomId()}/revoke`, { body: `csrf=${laptop.csrf}`, headers: form, csrf: false })).status, 404);
    const clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
    const clinIds = [...(await clin.get('/sessions')).text.matchAll(/action="\/sessions\/([0-9a-f]{32})\/revoke"/g)].map((m) => m[1]);
    for (const id of clinIds) assert.equal((await laptop.post(`/sessions/${id}/revoke`, { body: `csrf=${laptop.csrf}`, headers: form, csrf: false })).status, 404);

    // End every other session: the phone is out at once.
    for (const id of ids) {
      const r = await laptop.post(`/sessions/${id}/revoke`, { body: `csrf=${laptop.csrf}`, headers: form, csrf: false });
      assert.equal(r.status, 303);
    }
    assert.equal((await phone.get('/session')).status, 401);
    assert.equal((await laptop2.get('/session')).status, 401);
    assert.equal((await laptop.get('/session')).status, 200);
    assert.ok(Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'session.revoke' AND outcome = 'ok'")) >= 2);
  });
});
