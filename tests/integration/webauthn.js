// A software authenticator for tests: makes WebAuthn registrations (attestation "none", or
// "packed" self-attestation) and assertions with ES256 (P-256) or EdDSA (Ed25519) keys from
// node:crypto, with every field open to tampering. A tiny CBOR encoder (maps, integers, byte
// and text strings, arrays) is enough for attestation objects and COSE keys.
'use strict';
const crypto = require('node:crypto');

function head(major, n) {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
  const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
}

// Values: number (integer), Buffer (bytes), string (text), Array, Map (keys in order).
function cbor(v) {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (Buffer.isBuffer(v)) return Buffer.concat([head(2, v.length), v]);
  if (typeof v === 'string') { const b = Buffer.from(v, 'utf8'); return Buffer.concat([head(3, b.length), b]); }
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  if (v instanceof Map) return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
  throw new Error(`cannot encode ${typeof v}`);
}

const b64url = (b) => Buffer.from(b).toString('base64url');
const sha256 = (b) => crypto.createHash('sha256').update(b).digest();

// A credential: { alg: -7 | -8, id, privateKey, publicKey, counter }.
function newCredential(alg = -7) {
  const kp = alg === -7 ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('ed25519');
  return { alg, id: crypto.randomBytes(32), privateKey: kp.privateKey, publicKey: kp.publicKey, counter: 0 };
}

function coseKey(cred) {
  const jwk = cred.publicKey.export({ format: 'jwk' });
  if (cred.alg === -7) {
    return new Map([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]);
  }
  return new Map([[1, 1], [3, -8], [-1, 6], [-2, Buffer.from(jwk.x, 'base64url')]]);
}

function sign(cred, data) {
  return cred.alg === -7 ? crypto.sign('sha256', data, cred.privateKey) : crypto.sign(null, data, cred.privateKey);
}

function authData({ rpId, flags, counter, attested = null, rpIdHash = null }) {
  const head37 = Buffer.alloc(37);
  (rpIdHash ?? sha256(rpId)).copy(head37, 0);
  head37[32] = flags;
  head37.writeUInt32BE(counter >>> 0, 33);
  return attested ? Buffer.concat([head37, attested]) : head37;
}

function clientData({ type, challenge, origin, extra = {} }) {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false, ...extra }));
}

// A registration response for the challenge (base64url) of a page.
function register(cred, { challenge, origin, rpId, fmt = 'none', flags = 0x45, x5c = false, tamper = {} }) {
  const cd = clientData({ type: tamper.type ?? 'webauthn.create', challenge: tamper.challenge ?? challenge,
    origin: tamper.origin ?? origin });
  const idLen = Buffer.alloc(2); idLen.writeUInt16BE(cred.id.length);
  const attested = Buffer.concat([Buffer.alloc(16), idLen, cred.id, cbor(coseKey(cred))]);
  const ad = authData({ rpId: tamper.rpId ?? rpId, flags, counter: cred.counter, attested });
  let attStmt = new Map();
  if (fmt === 'packed') {
    attStmt = new Map([['alg', cred.alg], ['sig', sign(cred, Buffer.concat([ad, sha256(cd)]))]]);
    if (x5c) attStmt.set('x5c', [crypto.randomBytes(300)]);
  }
  const att = cbor(new Map([['fmt', fmt], ['attStmt', attStmt], ['authData', ad]]));
  return { clientDataJSON: b64url(cd), attestationObject: b64url(att) };
}

// An assertion (sign-in) for the challenge of a page. Bumps cred.counter unless told the counter.
function assert(cred, { challenge, origin, rpId, flags = 0x05, counter = null, tamper = {} }) {
  if (counter === null) { cred.counter += 1; counter = cred.counter; }
  const cd = clientData({ type: tamper.type ?? 'webauthn.get', challenge: tamper.challenge ?? challenge,
    origin: tamper.origin ?? origin });
  const ad = authData({ rpId: tamper.rpId ?? rpId, flags, counter });
  let sig = sign(cred, Buffer.concat([ad, sha256(cd)]));
  if (tamper.signature) { sig = Buffer.from(sig); sig[sig.length - 1] ^= 1; }
  return { credential: b64url(cred.id), clientDataJSON: b64url(cd), authenticatorData: b64url(ad), signature: b64url(sig) };
}

module.exports = { cbor, newCredential, coseKey, register, assert, b64url, sha256 };
