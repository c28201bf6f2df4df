// Targeted lock-out (issue 12, section 4): strangers guessing an address's password exhaust the
// shared allowance, but a browser the owner has signed in from keeps its own, so the owner is
// never locked out by others. Strangers come from rotating addresses (127.0.0.x on loopback),
// as the breach's attacker did, so the per-address throttle alone does not stop them.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startServer, Client, PASSWORD, sqlite } = require('./lib');

// A Client whose connections leave from a chosen loopback address.
class AddressClient extends Client {
  constructor(base, localAddress) { super(base); this.localAddress = localAddress; }

  req(method, p, { body, headers = {}, csrf = true } = {}) {
    const h = { ...headers };
    if (this.cookies.size) h.Cookie = this.cookieHeader();
    if (csrf && method !== 'GET' && this.csrf && !('X-CSRF-Token' in h)) h['X-CSRF-Token'] = this.csrf;
    const u = new URL(this.base + p);
    return new Promise((resolve, reject) => {
      const r = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: h,
        localAddress: this.localAddress, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          const hs = new Headers();
          for (let i = 0; i < res.rawHeaders.length; i += 2) hs.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
          this.absorb({ headers: hs });
          const buf = Buffer.concat(chunks);
          resolve({ status: res.statusCode, headers: hs, buf, text: buf.toString('utf8'),
            json() { return JSON.parse(buf.toString('utf8')); } });
        });
      });
      r.on('error', reject);
      if (body) r.write(body);
      r.end();
    });
  }
}

const DEVICE = '__Host-medkeep-device';

describe('targeted lock-out', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 4 }); });
  after(async () => { await srv.stop(); });

  it('a full sign-in leaves a long-lived, HttpOnly __Host- device cookie', async () => {
    const owner = new AddressClient(srv.base, '127.0.0.1');
    const r = await owner.login('patient2@demo.test');
    assert.equal(r.status, 303);
    const set = r.headers.getSetCookie().find((c) => c.startsWith(`${DEVICE}=`));
    assert.ok(set, 'device cookie set');
    assert.match(set, /; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=(\d+)/);
    assert.ok(Number(set.match(/Max-Age=(\d+)/)[1]) >= 90 * 86400);
    // The store keeps a keyed hash only: never the cookie's value.
    const value = owner.cookies.get(DEVICE);
    assert.equal(value.length, 43);
    const rows = sqlite(srv.dir, 'SELECT hex(hash) FROM known_device').split('\n').filter(Boolean);
    assert.equal(rows.length, 1);
    assert.ok(!rows[0].includes(Buffer.from(value, 'base64url').toString('hex').toUpperCase()));
  });

  it('20 wrong passwords from strangers leave the owner on a known device signing in at once', async () => {
    const owner = new AddressClient(srv.base, '127.0.0.1');
    assert.equal((await owner.login('patient2@demo.test')).status, 303);
    const statuses = [];
    for (let i = 0; i < 20; i++) {
      const stranger = new AddressClient(srv.base, `127.0.0.${10 + i}`);
      statuses.push((await stranger.login('patient2@demo.test', `guess-${i}-wrong-password`)).status);
    }
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(statuses.slice(5).every((s) => s === 429), `${statuses}`);

    // The owner, on the browser they signed in from before: straight in.
    const again = new AddressClient(srv.base, '127.0.0.1');
    again.cookies.set(DEVICE, owner.cookies.get(DEVICE));
    assert.equal((await again.login('patient2@demo.test')).status, 303);
    assert.equal(again.session.role, 'patient');

    // The strangers are still blocked, even with the right password.
    const stranger = new AddressClient(srv.base, '127.0.0.40');
    assert.equal((await stranger.login('patient2@demo.test')).status, 429);
    // The owner signing in did not hand the strangers a fresh allowance.
    const other = new AddressClient(srv.base, '127.0.0.41');
    assert.equal((await other.login('patient2@demo.test', 'yet-another-wrong-one')).status, 429);
  });

  it("a stranger holding another account's device cookie gets the shared allowance: nothing", async () => {
    const victim3 = new AddressClient(srv.base, '127.0.0.1');
    assert.equal((await victim3.login('patient3@demo.test')).status, 303);
    const stolen = victim3.cookies.get(DEVICE);
    assert.ok(stolen);
    const thief = new AddressClient(srv.base, '127.0.0.60');
    thief.cookies.set(DEVICE, stolen);
    // patient2's shared allowance is spent (previous test): the stolen cookie does not help.
    assert.equal((await thief.login('patient2@demo.test')).status, 429);
    assert.equal((await thief.login('patient2@demo.test', 'wrong-password-here')).status, 429);
    // A made-up cookie neither.
    const forger = new AddressClient(srv.base, '127.0.0.61');
    forger.cookies.set(DEVICE, 'A'.repeat(43));
    assert.equal((await forger.login('patient2@demo.test')).status, 429);
  });

  it('a known device has an allowance of its own, which wrong passwords on it spend', async () => {
    const owner = new AddressClient(srv.base, '127.0.0.2');
    assert.equal((await owner.login('patient4@demo.test')).status, 303);
    const dev = owner.cookies.get(DEVICE);
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const c = new AddressClient(srv.base, '127.0.0.2');
      c.cookies.set(DEVICE, dev);
      statuses.push((await c.login('patient4@demo.test', `wrong-${i}-password-x`)).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
    // ...and only its own: the same owner from another browser still signs in.
    sqlite(srv.dir, "DELETE FROM throttle WHERE key LIKE 'ip:%'");
    assert.equal((await new AddressClient(srv.base, '127.0.0.3').login('patient4@demo.test')).status, 303);
  });

  it('an unknown address answers exactly like a known one, with or without a device cookie', async () => {
    const seen = {};
    for (const email of ['patient1@demo.test', 'nobody-here@demo.test']) {
      seen[email] = [];
      for (let i = 0; i < 7; i++) {
        const c = new AddressClient(srv.base, `127.0.0.${100 + i}`);
        c.cookies.set(DEVICE, 'B'.repeat(43));
        seen[email].push((await c.login(email, 'wrong-password-again')).status);
      }
    }
    assert.deepEqual(seen['patient1@demo.test'], seen['nobody-here@demo.test']);
    assert.deepEqual(seen['patient1@demo.test'], [401, 401, 401, 401, 401, 429, 429]);
  });
});
