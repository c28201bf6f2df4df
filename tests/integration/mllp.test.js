// The HL7 v2 feed listener, `medkeep serve --mllp` (docs/internals/FEEDS.md, "The listener"),
// against the real binary: an independent sender (node-hl7-client) and raw sockets for the
// attacks. What the listener guarantees whatever ingestion answers: every message from a known
// sender gets an ACK with its control id in MSA-2 and the MSH swapped; a message that cannot be
// parsed gets AE (or AR: not supported) with an ERR naming the field; an unknown facility on
// the plain loopback listener gets AR (ERR on MSH-4); a sender that breaks the framing, leaves
// mid-message, drips, or shows no registered certificate loses its connection and nothing
// else. (Whether a registered feed's message is applied, AA, is ingestion's: mllp-ingest.test.js.)
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CHAOS_BIN, children, freePort, run, startServer } = require('./lib');
const { adtA04, assertAckOf, frame, parseAck, Mllp, makeCert, sendWithHl7Client } = require('./mllp_lib');

function practiceIds(dir) {
  const r = run(['practices', 'list', '--data', dir]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => l.split('\t')[0]);
}

function addFeed(dir, practice, facility, cert) {
  const r = run(['feeds', 'add', '--data', dir, '--practice', practice, '--name', `Feed ${facility}`,
    '--facility', facility, ...(cert ? ['--cert', cert] : [])]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

function removeFeed(dir, id) {
  const r = run(['feeds', 'remove', '--data', dir, id]);
  assert.equal(r.code, 0, r.stderr);
}

// No MLLP listener died (a syscall its filter forbids, a crash) while the server ran.
function assertListenerLived(srv) {
  assert.doesNotMatch(srv.logs(), /mllp-exited/);
  assert.match(srv.logs(), /component=mllp event=listening/);
}

// The server's log has a line matching re, within a few seconds (it may be written just after
// the client saw the connection close).
async function waitLog(srv, re) {
  for (let i = 0; i < 50 && !re.test(srv.logs()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(srv.logs(), re);
}

const waitListening = (srv) => waitLog(srv, /component=mllp event=listening/);

// A demo server with an MLLP listener on a free loopback port, and a facility-only feed of its
// first practice when `feed` names one: { srv, mport, practice }.
async function startMllp({ feed, ...opts } = {}) {
  const mport = await freePort();
  const srv = await startServer({ patients: 1, ...opts, extraArgs: ['--mllp', `127.0.0.1:${mport}`] });
  await waitListening(srv);
  const [practice] = practiceIds(srv.dir);
  if (feed) addFeed(srv.dir, practice, feed);
  return { srv, mport, practice };
}

describe('MLLP listener, plain on loopback (senders known by MSH-4)', () => {
  let srv; let mport; let tmp; let practice; let certFeedFacility;
  before(async () => {
    ({ srv, mport, practice } = await startMllp({ feed: 'DEMOLAB' }));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-mllp-'));
    const c = makeCert(tmp, 'lab', 'Certified Lab');
    certFeedFacility = 'CERTLAB';
    addFeed(srv.dir, practice, certFeedFacility, c.cert);
  });
  after(async () => {
    assertListenerLived(srv);
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses plain MLLP beyond loopback, and a bad address, before serving', async () => {
    const port = await freePort();
    const mp = await freePort();
    let r = run(['serve', '--data', srv.dir, '--listen', `127.0.0.1:${port}`, '--mllp', `0.0.0.0:${mp}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /refusing MLLP on 0\.0\.0\.0:\d+ without TLS/);
    r = run(['serve', '--data', srv.dir, '--listen', `127.0.0.1:${port}`, '--mllp', 'nowhere']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--mllp must be/);
  });

  it('runs as its own process: no capabilities, no new privileges, a syscall filter', () => {
    const kids = children(srv.proc.pid);
    const m = kids.find((k) => k.role === 'mllp-process');
    assert.ok(m, JSON.stringify(kids));
    assert.equal(m.seccomp, '2');
    assert.equal(m.noNewPrivs, '1');
    assert.equal(BigInt(`0x${m.capEff}`), 0n);
  });

  it('answers an independent sender (node-hl7-client) with an ACK of its message', async () => {
    const ack = await sendWithHl7Client(mport, adtA04({ control: 'NHC0001' }));
    const a = assertAckOf(ack, { control: 'NHC0001' });
    assert.ok(['AA', 'AE', 'AR'].includes(a.msa[1]));
  });

  it('answers each message of a connection in order, and a malformed one with AE and ERR', async () => {
    const c = await Mllp.plain(mport);
    const first = assertAckOf(await c.exchange(adtA04({ control: 'ORD1' })), { control: 'ORD1' });
    // A segment id in lower case: AE, ERR naming the segment (v2.4 ERR-1 and v2.5 ERR-2..4).
    const bad = adtA04({ control: 'BAD1' }).replace('EVN|', 'evn|');
    const a = assertAckOf(await c.exchange(bad), { control: 'BAD1' });
    assert.equal(a.msa[1], 'AE');
    assert.ok(a.err, 'an ERR segment');
    assert.match(a.err[3], /^100\^/);
    // The connection goes on: the next message is answered in its turn.
    const again = assertAckOf(await c.exchange(adtA04({ control: 'ORD2' })), { control: 'ORD2' });
    assert.equal(again.msa[1], first.msa[1]);
    // Two frames in one write, the second split across writes: answered one after the other.
    const two = Buffer.concat([frame(adtA04({ control: 'ORD3' })), frame(adtA04({ control: 'ORD4' }))]);
    c.write(two.subarray(0, two.length - 30));
    c.write(two.subarray(two.length - 30));
    assertAckOf(await c.next(), { control: 'ORD3' });
    assertAckOf(await c.next(), { control: 'ORD4' });
    c.end();
  });

  it('answers an unsupported version with AR naming MSH-12', async () => {
    const c = await Mllp.plain(mport);
    const a = assertAckOf(await c.exchange(adtA04({ control: 'V29', version: '2.9' })), { control: 'V29', version: '2.9' });
    assert.equal(a.msa[1], 'AR');
    assert.equal(a.err[2], 'MSH^1^12');
    c.end();
  });

  it('refuses an unknown facility, and a certificate feed named by facility alone, with AR on MSH-4', async () => {
    const c = await Mllp.plain(mport);
    for (const facility of ['NOSUCHLAB', certFeedFacility]) {
      const ctl = `UNK-${facility}`;
      const a = assertAckOf(await c.exchange(adtA04({ facility, control: ctl })), { control: ctl, facility });
      assert.equal(a.msa[1], 'AR');
      assert.equal(a.err[2], 'MSH^1^4');
      assert.match(a.err[3], /^103\^/);
    }
    c.end();
    assert.doesNotMatch(srv.logs(), /Tester|ZAA0067|Wellington/, 'no message content in the logs');
  });

  it('closes without an ACK when nothing of the MSH can be read, or bytes come outside a frame', async () => {
    let c = await Mllp.plain(mport);
    assert.equal(await c.exchange('PID|1||ZAA0067\r'), null);
    c = await Mllp.plain(mport);
    c.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    assert.equal(await c.next(), null);
  });

  it('keeps nothing of a sender that leaves mid-message; the next connection is served', async () => {
    const c = await Mllp.plain(mport);
    const whole = Buffer.from(adtA04({ control: 'CUT1' }), 'latin1');
    c.write(Buffer.concat([Buffer.from([0x0b]), whole.subarray(0, 40)]));
    await new Promise((r) => setTimeout(r, 200));
    c.end();
    await new Promise((r) => setTimeout(r, 300));
    await waitLog(srv, /event=left-mid-message/);
    const d = await Mllp.plain(mport);
    assertAckOf(await d.exchange(adtA04({ control: 'AFTER1' })), { control: 'AFTER1' });
    d.end();
  });

  it('answers a frame over 16 MB with AR from its MSH, never buffering it whole', async () => {
    const c = await Mllp.plain(mport);
    const head = 'MSH|^~\\&|MedTech32|DEMOLAB|MEDKEEP|PORTAL|20260101120000||MDM^T02^MDM_T02|BIG1|P|2.4\r' +
      'OBX|1|ED|PDF^Letter^L||^application^pdf^Base64^';
    c.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(head, 'latin1')]));
    const chunk = Buffer.alloc(1024 * 1024, 'A');
    const ackP = c.next(30000);
    for (let i = 0; i < 17; i++) {
      if (!c.sock.write(chunk)) await new Promise((r) => c.sock.once('drain', r));
    }
    c.write(Buffer.from('\r\x1c\r', 'latin1'));
    const a = assertAckOf(await ackP, { control: 'BIG1', event: 'T02' });
    assert.equal(a.msa[1], 'AR');
    assert.match(a.err[3], /^102\^/);
    // The rest of the frame was dropped up to its end; the connection goes on.
    assertAckOf(await c.exchange(adtA04({ control: 'BIG2' })), { control: 'BIG2' });
    c.end();
    // Over 16 MB with no line end at all: no MSH to answer, the connection is closed.
    const d = await Mllp.plain(mport);
    d.write(Buffer.from([0x0b]));
    const closed = d.next(30000);
    for (let i = 0; i < 17 && !d.closed; i++) {
      if (!d.sock.write(chunk)) await Promise.race([new Promise((r) => d.sock.once('drain', r)), d.closing]);
    }
    assert.equal(await closed, null);
  });

  it('stops accepting a facility-only feed once it is removed', async () => {
    const id = addFeed(srv.dir, practice, 'GONELAB');
    const c = await Mllp.plain(mport);
    const before1 = assertAckOf(await c.exchange(adtA04({ facility: 'GONELAB', control: 'G1' })), { control: 'G1', facility: 'GONELAB' });
    assert.notEqual(before1.err?.[2], 'MSH^1^4');
    removeFeed(srv.dir, id);
    const a = assertAckOf(await c.exchange(adtA04({ facility: 'GONELAB', control: 'G2' })), { control: 'G2', facility: 'GONELAB' });
    assert.equal(a.msa[1], 'AR');
    assert.equal(a.err[2], 'MSH^1^4');
    c.end();
  });
});

describe('MLLP listener over TLS (senders known by their client certificate)', () => {
  let srv; let mport; let tmp; let practice; let server; let lab; let stranger; let labFeed;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-mllp-tls-'));
    server = makeCert(tmp, 'server', '127.0.0.1');
    lab = makeCert(tmp, 'lab', 'Demo Community Laboratory');
    stranger = makeCert(tmp, 'stranger', 'Not Registered');
    ({ srv, mport, practice } = await startMllp({ tls: server }));
    labFeed = addFeed(srv.dir, practice, 'TLSLAB', lab.cert);
  });
  after(async () => {
    assertListenerLived(srv);
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const ca = () => fs.readFileSync(server.cert);
  const identity = (c) => ({ ca: ca(), cert: fs.readFileSync(c.cert), key: fs.readFileSync(c.key) });

  it('takes a registered certificate (node-hl7-client with mutual TLS)', async () => {
    const ack = await sendWithHl7Client(mport, adtA04({ facility: 'TLSLAB', control: 'TLS0001' }),
      { tls: { ...identity(lab), rejectUnauthorized: true, checkServerIdentity: () => undefined } });
    const a = assertAckOf(ack, { control: 'TLS0001', facility: 'TLSLAB' });
    assert.notEqual(a.err?.[2], 'MSH^1^4');
  });

  it('takes the registered certificate over TLS 1.2 as well, and refuses TLS 1.1', async () => {
    const c = await Mllp.tls(mport, { ...identity(lab), maxVersion: 'TLSv1.2' });
    assert.equal(c.sock.getProtocol(), 'TLSv1.2');
    const a = assertAckOf(await c.exchange(adtA04({ facility: 'TLSLAB', control: 'TLS12' })), { control: 'TLS12', facility: 'TLSLAB' });
    assert.notEqual(a.err?.[2], 'MSH^1^4');
    c.end();
    // Offered by the client (its own floor lowered), refused by the server.
    await assert.rejects(Mllp.tls(mport, { ...identity(lab), minVersion: 'TLSv1', maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0' }), (e) => e.code !== 'ERR_TLS_INVALID_PROTOCOL_VERSION');
  });

  it("answers AR on MSH-4 when a certificate's messages carry another facility", async () => {
    const c = await Mllp.tls(mport, identity(lab));
    const a = assertAckOf(await c.exchange(adtA04({ facility: 'DEMOLAB', control: 'WRONGFAC' })), { control: 'WRONGFAC' });
    assert.equal(a.msa[1], 'AR');
    assert.equal(a.err[2], 'MSH^1^4');
    c.end();
  });

  it('refuses an unregistered certificate, and no certificate, with no ACK', async () => {
    const c = await Mllp.tls(mport, identity(stranger)).catch(() => null);
    if (c) assert.equal(await c.exchange(adtA04({ facility: 'TLSLAB', control: 'STRANGER' })), null);
    const none = await Mllp.tls(mport, { ca: ca() }).catch(() => null);
    if (none) assert.equal(await none.exchange(adtA04({ facility: 'TLSLAB', control: 'NOCERT' })), null);
    await waitLog(srv, /event=refused reason=unknown-certificate/);
    await waitLog(srv, /event=refused reason=handshake/);
  });

  it('refuses plain MLLP on a TLS listener', async () => {
    const c = await Mllp.plain(mport);
    assert.equal(await c.exchange(adtA04({ facility: 'TLSLAB', control: 'PLAIN' })), null);
  });

  it('drops a connection whose feed is removed, at its next message', async () => {
    const c = await Mllp.tls(mport, identity(lab));
    assertAckOf(await c.exchange(adtA04({ facility: 'TLSLAB', control: 'R1' })), { control: 'R1', facility: 'TLSLAB' });
    removeFeed(srv.dir, labFeed);
    assert.equal(await c.exchange(adtA04({ facility: 'TLSLAB', control: 'R2' })), null);
    await waitLog(srv, /event=feed-removed close=1/);
    // A new connection with that certificate is refused at once.
    const d = await Mllp.tls(mport, identity(lab)).catch(() => null);
    if (d) assert.equal(await d.exchange(adtA04({ facility: 'TLSLAB', control: 'R3' })), null);
  });
});

describe('MLLP listener clocks (hardened chaos build, MEDKEEP_FAULT=mllp_short_clocks: 3 s)', () => {
  let srv; let mport;
  before(async () => {
    ({ srv, mport } = await startMllp({ bin: CHAOS_BIN, env: { MEDKEEP_FAULT: 'mllp_short_clocks' }, feed: 'DEMOLAB' }));
  });
  after(async () => {
    assertListenerLived(srv);
    await srv.stop();
  });

  it('closes a sender that drips a byte a second at the message deadline, and serves the next', async () => {
    const c = await Mllp.plain(mport);
    const bytes = Buffer.concat([Buffer.from([0x0b]), Buffer.from(adtA04({ control: 'DRIP' }), 'latin1')]);
    const start = Date.now();
    let i = 0;
    const timer = setInterval(() => { if (!c.closed && i < bytes.length) c.write(bytes.subarray(i, ++i)); }, 1000);
    await Promise.race([c.closing, new Promise((r) => setTimeout(r, 10000))]);
    clearInterval(timer);
    assert.ok(c.closed, 'the dripping sender was cut off');
    const took = c.closedAt - start;
    assert.ok(took >= 2000 && took < 8000, `closed after ${took} ms`);
    await waitLog(srv, /event=message-deadline close=1/);
    const d = await Mllp.plain(mport);
    const a = parseAck(await d.exchange(adtA04({ control: 'AFTERDRIP' })));
    assert.equal(a.msa[2], 'AFTERDRIP');
    d.end();
  });

  it('serves at most 8 connections from one address; the next is closed at once', async () => {
    const held = [];
    for (let i = 0; i < 8; i++) held.push(await Mllp.plain(mport, '127.0.0.9'));
    await new Promise((r) => setTimeout(r, 300)); // each accepted by a slot
    const ninth = await Mllp.plain(mport, '127.0.0.9');
    assert.equal(await ninth.exchange(adtA04({ control: 'NINTH' })), null);
    await waitLog(srv, /event=refused reason=too-many-from-address/);
    const other = await Mllp.plain(mport, '127.0.0.10');
    assert.equal(parseAck(await other.exchange(adtA04({ control: 'OTHERADDR' }))).msa[2], 'OTHERADDR');
    for (const h of [...held, other]) h.end();
  });

  it('serves at most 32 connections at a time; the next waits for a free slot', async () => {
    const held = [];
    for (let i = 0; i < 32; i++) held.push(await Mllp.plain(mport, `127.0.1.${1 + (i % 4)}`));
    await new Promise((r) => setTimeout(r, 300)); // each accepted by a slot
    const waiting = await Mllp.plain(mport, '127.0.1.5');
    waiting.send(adtA04({ control: 'SLOT33' }));
    await assert.rejects(waiting.next(1000), /no ACK/);
    held[0].end();
    const a = parseAck(await waiting.next(5000));
    assert.equal(a.msa[2], 'SLOT33');
    for (const h of held) h.end();
    waiting.end();
  });

  it('never holds a frame over 16 MB whole: the listener stays small', async (t) => {
    const m = children(srv.proc.pid).find((k) => k.role === 'mllp-process');
    const c = await Mllp.plain(mport);
    c.write(Buffer.from([0x0b]));
    c.write(Buffer.from('MSH|^~\\&|MedTech32|DEMOLAB|MEDKEEP|PORTAL|20260101120000||MDM^T02|HUGE|P|2.4\rOBX|1|ED|PDF||', 'latin1'));
    const ack = c.next(30000);
    const chunk = Buffer.alloc(1024 * 1024, 'A');
    for (let i = 0; i < 48; i++) {
      if (!c.sock.write(chunk)) await new Promise((r) => c.sock.once('drain', r));
    }
    c.write(Buffer.from('\r\x1c\r', 'latin1'));
    assert.equal(parseAck(await ack).msa[1], 'AR');
    c.end();
    const hwm = Number(fs.readFileSync(`/proc/${m.pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m)[1]);
    t.diagnostic(`the listener's peak resident memory: ${hwm} kB`);
    assert.ok(hwm < 64 * 1024, `the listener's peak memory was ${hwm} kB after a 48 MB frame`);
  });

  it('closes a connection idle between messages', async () => {
    const c = await Mllp.plain(mport);
    assertAckOf(await c.exchange(adtA04({ control: 'IDLE1' })), { control: 'IDLE1' });
    const start = Date.now();
    await Promise.race([c.closing, new Promise((r) => setTimeout(r, 8000))]);
    assert.ok(c.closed, 'the idle connection was closed');
    assert.ok(c.closedAt - start < 7000);
  });
});

describe('MLLP listener over TLS in the hardened build (its syscall filter kills; 3 s clocks)', () => {
  let srv; let mport; let tmp; let lab;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-mllp-hard-'));
    const server = makeCert(tmp, 'server', '127.0.0.1');
    lab = makeCert(tmp, 'lab', 'Demo Community Laboratory');
    let practice;
    ({ srv, mport, practice } = await startMllp({ bin: CHAOS_BIN, tls: server, env: { MEDKEEP_FAULT: 'mllp_short_clocks' } }));
    addFeed(srv.dir, practice, 'TLSLAB', lab.cert);
  });
  after(async () => {
    assertListenerLived(srv);
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('closes a connection that never finishes its handshake at the handshake deadline', async () => {
    const c = await Mllp.plain(mport); // TCP, and not a byte of TLS
    const start = Date.now();
    await Promise.race([c.closing, new Promise((r) => setTimeout(r, 8000))]);
    assert.ok(c.closed, 'closed');
    const took = c.closedAt - start;
    assert.ok(took >= 2000 && took < 7000, `closed after ${took} ms`);
    await waitLog(srv, /event=refused reason=handshake/);
  });

  it('serves a TLS sender with the filter installed, and the listener lives on', async () => {
    const m = children(srv.proc.pid).find((k) => k.role === 'mllp-process');
    assert.equal(m.seccomp, '2');
    const c = await Mllp.tls(mport, { cert: fs.readFileSync(lab.cert), key: fs.readFileSync(lab.key),
      ca: fs.readFileSync(path.join(tmp, 'server.pem')) });
    assertAckOf(await c.exchange(adtA04({ facility: 'TLSLAB', control: 'HARD1' })), { control: 'HARD1', facility: 'TLSLAB' });
    c.end();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(children(srv.proc.pid).some((k) => k.pid === m.pid), 'the same listener process');
  });
});

describe('MLLP listener killed by its filter (chaos build, MEDKEEP_FAULT=mllp_syscall)', () => {
  let srv; let mport;
  before(async () => {
    ({ srv, mport } = await startMllp({ bin: CHAOS_BIN, env: { MEDKEEP_FAULT: 'mllp_syscall' }, feed: 'DEMOLAB' }));
  });
  after(async () => { await srv.stop(); });

  it('is killed at a forbidden call, started again by serve, and serves the next sender', async () => {
    const before1 = children(srv.proc.pid).find((k) => k.role === 'mllp-process');
    const c = await Mllp.plain(mport);
    assert.equal(await c.exchange(adtA04({ control: 'SYSCALL' })), null);
    await waitLog(srv, /event=mllp-exited status=\d+ restarting=1/);
    for (let i = 0; i < 50 && (srv.logs().match(/component=mllp event=listening/g) || []).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const after1 = children(srv.proc.pid).find((k) => k.role === 'mllp-process');
    assert.ok(after1 && after1.pid !== before1.pid, 'a new listener process');
    const d = await Mllp.plain(mport);
    assertAckOf(await d.exchange(adtA04({ control: 'REBORN' })), { control: 'REBORN' });
    d.end();
  });
});
