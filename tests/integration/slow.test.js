// Slow and hoarding clients: a half-sent request is dropped after the idle timeout (15 s),
// one address cannot hold more than 64 connections, and others are served meanwhile.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { startServer, Client, RELEASE_BIN } = require('./lib');

function openSocket(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

describe('slow clients', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 1, bin: RELEASE_BIN }); });
  after(async () => { await srv.stop(); });

  it('drops a request whose headers never finish, while serving everyone else', async () => {
    const s = await openSocket(srv.port);
    s.write('GET /login HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    const t0 = Date.now();
    const closed = new Promise((resolve) => { s.on('close', () => resolve(Date.now() - t0)); s.on('data', () => {}); });
    // Meanwhile the portal answers others.
    const c = new Client(srv.base);
    assert.equal((await c.get('/login')).status, 200);
    const ms = await Promise.race([closed, new Promise((r) => setTimeout(() => r(-1), 25000))]);
    assert.ok(ms > 0 && ms < 20000, `closed after ${ms} ms`);
  });

  it('caps the connections one address may hold open', async () => {
    const held = [];
    let refused = 0;
    for (let i = 0; i < 80; i++) {
      try {
        const s = await openSocket(srv.port);
        s.on('error', () => {});
        s.resume();
        held.push(s);
      } catch { refused++; }
    }
    // Connections past the cap are accepted by the kernel and closed by the server at once.
    await new Promise((r) => setTimeout(r, 500));
    const open = held.filter((s) => !s.destroyed && s.readyState === 'open').length;
    assert.ok(open <= 64, `${open} connections held open`);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const c = new Client(srv.base);
    assert.equal((await c.get('/login')).status, 200);
    void refused;
  });
});
