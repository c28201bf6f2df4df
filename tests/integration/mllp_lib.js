// Helpers for the MLLP listener's tests (mllp.test.js, mllp-ingest.test.js): HL7 v2.4 messages
// written as New Zealand labs and PMSs write them, a raw MLLP connection (net or tls) that
// collects the ACKs, and certificates made with openssl.
'use strict';
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const tls = require('node:tls');

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

function frame(text) {
  const body = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from([VT]), body, Buffer.from([FS, CR])]);
}

// An ADT^A04 (register a patient) from a PMS, HL7 v2.4, with a test-range NHI.
function adtA04({ facility = 'DEMOLAB', control = 'MSG00001', version = '2.4', nhi = 'ZAA0067' } = {}) {
  return [
    `MSH|^~\\&|MedTech32|${facility}|MEDKEEP|PORTAL|20260101120000||ADT^A04^ADT_A01|${control}|P|${version}|||AL|NE|NZL`,
    'EVN|A04|20260101120000',
    `PID|1||${nhi}^^^NZLMOH^NHI||Tester^Jane^^^Ms^^L||19800101|F|||1 Test Street^^Wellington^^6011^NZL^H`,
    'PV1|1|O',
  ].join('\r') + '\r';
}

// An ACK as fields: { msh: [...], msa: [...], err: [...] | undefined }, HL7 numbering (msh[3]
// is MSH-3; msa[1] is MSA-1).
function parseAck(text) {
  const segs = text.split('\r').filter((s) => s !== '');
  const out = {};
  for (const s of segs) {
    const f = s.split('|');
    const id = f[0];
    if (id === 'MSH') out.msh = [undefined, '|', ...f.slice(1)];
    else out[id.toLowerCase()] = f;
  }
  return out;
}

// The listener's guarantees for any ACK: MSH with the sender's and receiver's application and
// facility swapped, a new control id, ACK^<event>^ACK, the message's version; MSA-2 the
// message's control id.
function assertAckOf(ack, { control, facility = 'DEMOLAB', app = 'MedTech32', version = '2.4', event = 'A04' }) {
  const a = parseAck(ack);
  assert.ok(a.msh && a.msa, ack);
  assert.equal(a.msh[5], app);
  assert.equal(a.msh[6], facility);
  assert.equal(a.msh[3], 'MEDKEEP');
  assert.equal(a.msh[4], 'PORTAL');
  assert.equal(a.msh[9], `ACK^${event}^ACK`);
  assert.match(a.msh[10], /^[0-9a-f]{20}$/);
  assert.notEqual(a.msh[10], control);
  assert.match(a.msh[7], /^\d{14}\+0000$/);
  assert.equal(a.msh[12], version);
  assert.equal(a.msa[2], control);
  return a;
}

// One MLLP connection: send frames or raw bytes, and take the ACKs in order; next() resolves
// null once the server has closed the connection with no further ACK.
class Mllp {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    this.closed = false;
    this.closedAt = null;
    this.closing = new Promise((r) => { this.onClose = r; });
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.pump(); });
    sock.on('close', () => { this.closed = true; this.closedAt = Date.now(); this.onClose(); this.pump(); });
    sock.on('error', () => { /* a refusal shows as a close */ });
  }

  // from: a loopback source address other than 127.0.0.1 (127.0.0.2, ...), to be another peer.
  static plain(port, from) {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, localAddress: from }, () => resolve(new Mllp(s)));
      s.once('error', reject);
    });
  }

  // TLS with an optional client certificate; resolves once the client side of the handshake
  // is done (with TLS 1.3 the server may still refuse the certificate after that).
  // opts: ca, cert, key, and any other tls.connect option (minVersion, maxVersion, ciphers).
  static tls(port, opts = {}) {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ...opts,
        checkServerIdentity: () => undefined }, () => resolve(new Mllp(s)));
      s.once('error', reject);
    });
  }

  pump() {
    while (this.waiters.length > 0) {
      const end = this.buf.indexOf(FS);
      if (end >= 0 && this.buf.length > end + 1) {
        assert.equal(this.buf[0], VT);
        assert.equal(this.buf[end + 1], CR);
        const msg = this.buf.subarray(1, end).toString('latin1');
        this.buf = this.buf.subarray(end + 2);
        this.waiters.shift()(msg);
      } else if (this.closed) {
        this.waiters.shift()(null);
      } else {
        break;
      }
    }
  }

  next(timeout = 10000) {
    return new Promise((resolve, reject) => {
      const w = (v) => { clearTimeout(t); resolve(v); };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w); // the next ACK is not for this wait
        reject(new Error('no ACK and no close in time'));
      }, timeout);
      this.waiters.push(w);
      this.pump();
    });
  }

  send(text) { this.sock.write(frame(text)); }

  write(bytes) { this.sock.write(bytes); }

  async exchange(text, timeout) {
    this.send(text);
    return this.next(timeout);
  }

  end() { this.sock.destroy(); }
}

// Send one message with node-hl7-client (an independent MLLP implementation) and resolve its
// ACK as text (segments ending in CR). opts: the client's own options (tls...).
async function sendWithHl7Client(port, text, opts = {}) {
  const { default: Hl7Client, Message } = require('node-hl7-client');
  const client = new Hl7Client({ host: '127.0.0.1', version: '2.4', ...opts });
  let got;
  const ack = new Promise((r) => { got = r; });
  const conn = client.createConnection({ port, waitAck: true, maxConnectionAttempts: 1 },
    async (res) => { got(res.getMessage().toString()); });
  try {
    await conn.sendMessage(new Message({ text }));
    const t = await Promise.race([ack, new Promise((_, rej) => setTimeout(() => rej(new Error('no ACK')), 10000))]);
    return t.replace(/\n/g, '\r');
  } finally {
    await conn.close();
  }
}

// A self-signed certificate and key (EC P-256) in dir, named name.pem and name.key.
function makeCert(dir, name, cn) {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', key, '-out', cert], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { cert, key };
}

module.exports = { sendWithHl7Client, frame, adtA04, parseAck, assertAckOf, Mllp, makeCert, VT, FS, CR };
