// Practices and HL7 v2 feeds from the command line (docs/internals/FEEDS.md), against the real
// binary: the practices a demo made, a feed known by its sending facility alone and one known
// by a certificate made here with openssl (its fingerprint checked against node's own), the
// refusals, removal, and the audit trail of each registration and removal.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PASSWORD, run, sqlite } = require('./lib');

const HEX32 = /^[0-9a-f]{32}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

function lines(s) { return s.split('\n').filter((l) => l !== ''); }

// The live feeds as `feeds list` prints them: one object per line.
function feeds(dir, ...args) {
  const r = run(['feeds', 'list', '--data', dir, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return lines(r.stdout).map((l) => {
    const f = l.split('\t');
    assert.equal(f.length, 6, l);
    return { id: f[0], practice: f[1], name: f[2], facility: f[3], ident: f[4], created: f[5] };
  });
}

describe('practices and feeds (command line)', () => {
  let tmp; let dir; let practices; let demo; let other;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-feeds-'));
    dir = path.join(tmp, 'data');
    const r = run(['demo', '--data', dir, '--patients', '1', '--password', PASSWORD]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  it('lists the practices the demo made, as demo-logins.txt names them', () => {
    const r = run(['practices', 'list', '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
    practices = lines(r.stdout).map((l) => l.split('\t'));
    for (const p of practices) {
      assert.equal(p.length, 2);
      assert.match(p[0], HEX32);
    }
    const fromFile = lines(fs.readFileSync(path.join(dir, 'demo-logins.txt'), 'utf8'))
      .filter((l) => l.startsWith('practice\t')).map((l) => l.split('\t').slice(1));
    assert.deepEqual(practices, fromFile);
    assert.deepEqual(practices.map((p) => p[1]), ['Demo Health Centre', 'Harbourview Family Practice']);
    [demo, other] = practices.map((p) => p[0]);
    // The other lines of the file are as they were: logins (email, password, role, secret).
    const login = lines(fs.readFileSync(path.join(dir, 'demo-logins.txt'), 'utf8'))
      .find((l) => l.startsWith('clinician1@demo.test\t'));
    assert.equal(login.split('\t').length, 4);
  });

  it('answers --help for practices and feeds', () => {
    for (const cmd of ['practices', 'feeds']) {
      const r = run([cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^usage: medkeep ${cmd} `));
    }
  });

  let byFacility; let byCert; let fingerprint;
  it('registers a feed by its sending facility alone', () => {
    const r = run(['feeds', 'add', '--data', dir, '--practice', demo, '--name', 'Demo Community Laboratory',
      '--facility', 'DEMOLAB']);
    assert.equal(r.code, 0, r.stderr);
    byFacility = r.stdout.trim();
    assert.match(byFacility, HEX32);
  });

  it('registers a feed by its TLS client certificate, kept as its SHA-256', () => {
    const cert = path.join(tmp, 'lab.pem');
    const g = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(tmp, 'lab.key'), '-out', cert, '-days', '2', '-subj', '/CN=lab.example.test'],
    { encoding: 'utf8' });
    assert.equal(g.status, 0, g.stderr);
    fingerprint = new crypto.X509Certificate(fs.readFileSync(cert)).fingerprint256.replace(/:/g, '').toLowerCase();
    const r = run(['feeds', 'add', '--data', dir, '--practice', other, '--name', 'Harbourview Hospital',
      '--facility', 'HARBOURHOSP^2.16.840.1.113883.2.18^ISO', '--cert', cert]);
    assert.equal(r.code, 0, r.stderr);
    byCert = r.stdout.trim();
    assert.match(byCert, HEX32);
    // The same certificate for a second live feed is refused: it would name two senders.
    const again = run(['feeds', 'add', '--data', dir, '--practice', demo, '--name', 'Copy',
      '--facility', 'COPYLAB', '--cert', cert]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /certificate already/);
  });

  it('lists live feeds, of all practices or of one', () => {
    const all = feeds(dir);
    assert.deepEqual(all.map((f) => f.id), [byFacility, byCert]);
    const [a, b] = all;
    assert.deepEqual([a.practice, a.name, a.facility, a.ident],
      [demo, 'Demo Community Laboratory', 'DEMOLAB', 'facility-only']);
    assert.deepEqual([b.practice, b.name, b.facility, b.ident],
      [other, 'Harbourview Hospital', 'HARBOURHOSP^2.16.840.1.113883.2.18^ISO', `cert:${fingerprint}`]);
    for (const f of all) {
      assert.match(f.created, ISO);
      assert.ok(Math.abs(Date.parse(f.created) - Date.now()) < 10 * 60 * 1000, f.created);
    }
    assert.deepEqual(feeds(dir, '--practice', other).map((f) => f.id), [byCert]);
    assert.deepEqual(feeds(dir, '--practice', demo).map((f) => f.id), [byFacility]);
  });

  it('refuses a facility a live feed has, an unknown practice, bad names and facilities, an unreadable certificate', () => {
    const add = (...args) => run(['feeds', 'add', '--data', dir, ...args]);
    const dup = add('--practice', other, '--name', 'Another', '--facility', 'DEMOLAB');
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /sending facility already/);
    const unknown = add('--practice', crypto.randomBytes(16).toString('hex'), '--name', 'Lab', '--facility', 'NEWLAB');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no such practice/);
    assert.notEqual(add('--practice', 'not-an-id', '--name', 'Lab', '--facility', 'NEWLAB').code, 0);
    assert.notEqual(add('--practice', demo, '--name', '', '--facility', 'NEWLAB').code, 0);
    assert.notEqual(add('--practice', demo, '--name', 'x'.repeat(81), '--facility', 'NEWLAB').code, 0);
    assert.notEqual(add('--practice', demo, '--name', 'Lab', '--facility', '').code, 0);
    assert.notEqual(add('--practice', demo, '--name', 'Lab', '--facility', 'F'.repeat(228)).code, 0);
    assert.notEqual(add('--practice', demo, '--name', 'Lab', '--facility', 'NEW|LAB').code, 0);
    const notPem = path.join(tmp, 'not.pem');
    fs.writeFileSync(notPem, 'not a certificate\n');
    for (const cert of [notPem, path.join(tmp, 'lab.key'), path.join(tmp, 'missing.pem')]) {
      const r = add('--practice', demo, '--name', 'Lab', '--facility', 'NEWLAB', '--cert', cert);
      assert.notEqual(r.code, 0, cert);
      assert.match(r.stderr, /cannot read a certificate/);
    }
    // Nothing of that was stored.
    assert.deepEqual(feeds(dir).map((f) => f.id), [byFacility, byCert]);
  });

  it('removes a feed: the row stays, marked removed; the facility is free again', () => {
    const r = run(['feeds', 'remove', '--data', dir, byFacility]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(feeds(dir).map((f) => f.id), [byCert]);
    assert.equal(sqlite(dir, `SELECT removed IS NOT NULL FROM feed WHERE id = x'${byFacility}'`), '1');
    const twice = run(['feeds', 'remove', '--data', dir, byFacility]);
    assert.notEqual(twice.code, 0);
    assert.notEqual(run(['feeds', 'remove', '--data', dir, crypto.randomBytes(16).toString('hex')]).code, 0);
    const again = run(['feeds', 'add', '--data', dir, '--practice', demo, '--name', 'Demo Community Laboratory',
      '--facility', 'DEMOLAB']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(feeds(dir, '--practice', demo).map((f) => f.id), [again.stdout.trim()]);
  });

  it('puts each registration and removal on the audit trail, which still verifies', () => {
    const rows = lines(sqlite(dir, "SELECT action, rtype, lower(rid), ip, actor, outcome FROM audit WHERE action LIKE 'feed.%' ORDER BY seq"))
      .map((l) => l.split('|'));
    const ok = rows.filter((r) => r[5] === 'allow');
    assert.deepEqual(ok.map((r) => [r[0], r[2]]).slice(0, 3),
      [['feed.add', byFacility], ['feed.add', byCert], ['feed.remove', byFacility]]);
    assert.equal(ok.length, 4);
    for (const r of rows) assert.deepEqual([r[1], r[3], r[4]], ['Feed', 'local', '-']);
    const v = run(['audit', 'verify', '--data', dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
