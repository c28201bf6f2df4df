// `serve --behind-proxy` with a real nginx in front, as a practice would deploy it: the client's
// address comes from the proxy's X-Forwarded-For (for the audit trail and the login throttle),
// the per-address connection cap does not cap the proxy, and without --behind-proxy a client's
// own X-Forwarded-For is ignored.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startServer, startNginx, Client, sqlite, heldConnections, PASSWORD } = require('./lib');

// A login attempt sent from a chosen loopback address (a client of the proxy).
function loginFrom(port, localAddress, email, password) {
  return new Promise((resolve, reject) => {
    const get = http.get({ host: '127.0.0.1', port, path: '/login', localAddress }, (page) => {
      let html = '';
      page.on('data', (d) => { html += d; });
      page.on('end', () => {
        const csrf = html.match(/name="csrf" value="([^"]+)"/)[1];
        const cookie = page.headers['set-cookie'].map((c) => c.split(';')[0]).join('; ');
        const body = new URLSearchParams({ csrf, email, password }).toString();
        const post = http.request({ host: '127.0.0.1', port, path: '/login', method: 'POST', localAddress,
          headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } },
        (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
        post.on('error', reject);
        post.end(body);
      });
    });
    get.on('error', reject);
  });
}

describe('behind a proxy', () => {
  let srv; let proxy;
  before(async () => {
    srv = await startServer({ patients: 2, extraArgs: ['--behind-proxy'] });
    proxy = await startNginx(srv.port);
  });
  after(async () => { await proxy.stop(); await srv.stop(); });

  it("records the proxy's client address, not the proxy's, in the audit trail", async () => {
    assert.equal(await loginFrom(proxy.port, '127.0.0.7', 'patient1@demo.test', PASSWORD), 303);
    assert.equal(sqlite(srv.dir, "SELECT ip FROM audit WHERE action = 'login' ORDER BY seq DESC LIMIT 1"), '127.0.0.7');
  });

  it('says https in its links and sends HSTS: clients reach it through the TLS proxy', async () => {
    const c = new Client(proxy.base);
    assert.equal((await c.login('patient1@demo.test')).status, 303);
    const r = await c.fhir(`DocumentReference?patient=${c.session.patient}`);
    assert.equal(r.headers.get('strict-transport-security'), 'max-age=63072000');
    for (const e of r.json().entry) assert.ok(e.fullUrl.startsWith(`https://127.0.0.1:${proxy.port}/fhir/R4/DocumentReference/`), e.fullUrl);
  });

  it('throttles failed logins per client address, not for everyone behind the proxy', async () => {
    sqlite(srv.dir, 'DELETE FROM throttle;');
    const statuses = [];
    for (let i = 0; i < 22; i++) statuses.push(await loginFrom(proxy.port, '127.0.0.8', `nobody${i}@demo.test`, 'wrong-password'));
    assert.equal(statuses.at(-1), 429, statuses.join());
    // Another client of the same proxy is not held up by the first one's failures.
    assert.equal(await loginFrom(proxy.port, '127.0.0.9', 'patient2@demo.test', PASSWORD), 303);
  });

  it('lets the proxy hold more connections than one address may (bursts of 300 requests)', async () => {
    const c = new Client(proxy.base);
    assert.equal((await c.login('patient1@demo.test')).status, 303);
    const doc = (await c.fhir(`DocumentReference?patient=${c.session.patient}`)).json().entry[0].resource.content[0].attachment.url;
    for (const p of ['/fhir/R4/metadata', `/fhir/R4/${doc}`]) {
      const statuses = await Promise.all(Array.from({ length: 300 }, () => c.get(p).then((r) => r.status, (e) => e.code)));
      const bad = statuses.filter((s) => s !== 200);
      assert.deepEqual(bad, [], `${p}: ${bad.length} of 300 failed`);
    }
    // nginx keeps its upstream connections open (keepalive 200): more than the 64 a single
    // address may hold when medkeep is not behind a proxy.
    const held = heldConnections(srv, '127.0.0.1');
    assert.ok(held > 64, `medkeep holds ${held} connections from the proxy`);
  });
});

describe('not behind a proxy', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 1 }); });
  after(async () => { await srv.stop(); });

  it("ignores a client's own X-Forwarded-For", async () => {
    const c = new Client(srv.base);
    const csrf = await c.loginForm();
    const r = await c.post('/login', { body: new URLSearchParams({ csrf, email: 'patient1@demo.test', password: PASSWORD }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': '203.0.113.9' }, csrf: false });
    assert.equal(r.status, 303);
    assert.equal(sqlite(srv.dir, "SELECT ip FROM audit WHERE action = 'login' ORDER BY seq DESC LIMIT 1"), '127.0.0.1');
    // Plain HTTP on loopback: no HSTS (a browser would then refuse http://localhost).
    assert.equal((await c.get('/login')).headers.get('strict-transport-security'), null);
  });
});
