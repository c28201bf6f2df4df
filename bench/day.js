#!/usr/bin/env node
// A portal day (issue 17): virtual patients, each visiting the portal again and again as a
// person does in a browser or an app, against a running `medkeep serve`. One visit:
//
//   sign in       GET /login, POST /login (the password checked: Argon2id), GET /session
//   home          GET /
//   documents     GET /fhir/R4/DocumentReference?patient=..., then one Binary read (a second
//                 one in half the visits)
//   results       GET /results
//   messages      GET /messages; in 1 visit of 5, a new message to the practice (FHIR
//                 Communication)
//   appointments  GET /appointments; in 1 visit of 10, a booking of the latest free time, the
//                 page again, and the booking cancelled (so that a long run leaves the
//                 appointment book as it found it)
//   upload        in 1 visit of 20, a 2 KB PDF (FHIR DocumentReference)
//   sign out      POST /logout
//
// The proportions follow what a visit is: every visit signs in (a session lives 30 minutes,
// and most people come once), looks at the home page and at least one list, and reads what
// brought them; writing is the rare part. About 11 requests a visit; 1 of them hashes a
// password, which is what a day's CPU mostly goes to.
//
//   node bench/day.js --base URL --users N --seconds S --password PW [--first K] [--json FILE]
//
// Virtual user i signs in as patient(K+i)@demo.test (K defaults to 2: patient1 is the other
// benchmarks' account). Each status other than the one expected is a failure and is counted.
'use strict';
const fs = require('node:fs');
const { Client } = require('../tests/integration/lib');

function args() {
  const a = { users: 8, seconds: 10, first: 2 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, ''); const v = argv[i + 1];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    a[k] = ['users', 'seconds', 'first'].includes(k) ? Number(v) : v;
  }
  if (!a.base || !a.password) throw new Error('usage: day.js --base URL --users N --seconds S --password PW [--first K] [--json FILE]');
  return a;
}

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n% medkeep portal day\n'), Buffer.alloc(2005, 'x'), Buffer.from('\n%%EOF\n')]);
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const FHIR = { 'Content-Type': 'application/fhir+json' };

class Tally {
  constructor() { this.kinds = new Map(); this.failures = []; this.visits = 0; }
  add(kind, ms, ok, status) {
    let k = this.kinds.get(kind);
    if (!k) this.kinds.set(kind, k = { n: 0, failed: 0, ms: [] });
    k.n++; k.ms.push(ms);
    if (!ok) { k.failed++; if (this.failures.length < 20) this.failures.push(`${kind}: ${status}`); }
  }
  get requests() { let n = 0; for (const k of this.kinds.values()) n += k.n; return n; }
  get failed() { let n = 0; for (const k of this.kinds.values()) n += k.failed; return n; }
}

function pct(sorted, p) { return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0; }

async function visit(c, email, password, tally, end) {
  const step = async (kind, want, fn) => {
    if (Date.now() >= end) throw new Error('over');
    const t0 = process.hrtime.bigint();
    const r = await fn();
    tally.add(kind, Number(process.hrtime.bigint() - t0) / 1e6, want.includes(r.status), r.status);
    if (!want.includes(r.status)) throw new Error(`${kind} answered ${r.status}`);
    return r;
  };
  c.cookies.clear();
  const form = await step('GET /login', [200], () => c.get('/login'));
  const token = form.text.match(/name="csrf" value="([^"]+)"/)[1];
  await step('POST /login', [303], () => c.post('/login', { body: new URLSearchParams({ csrf: token, email, password }).toString(), headers: FORM, csrf: false }));
  const session = (await step('GET /session', [200], () => c.get('/session'))).json();
  c.csrf = session.csrf;
  await step('GET /', [200], () => c.get('/'));
  const bundle = (await step('DocumentReference search', [200], () => c.get(`/fhir/R4/DocumentReference?patient=${session.patient}`))).json();
  const urls = (bundle.entry || []).map((e) => e.resource.content[0].attachment.url).filter(Boolean);
  for (let i = 0; i < (Math.random() < 0.5 ? 2 : 1) && urls.length; i++) {
    const u = urls[Math.floor(Math.random() * urls.length)];
    await step('Binary read', [200], () => c.get(`/fhir/R4/${u}`));
  }
  await step('GET /results', [200], () => c.get('/results'));
  await step('GET /messages', [200], () => c.get('/messages'));
  if (Math.random() < 0.2) {
    await step('message sent', [201], () => c.post('/fhir/R4/Communication', { headers: FHIR, body: JSON.stringify({
      resourceType: 'Communication', status: 'completed', subject: { reference: `Patient/${session.patient}` },
      topic: { text: 'A question' }, payload: [{ contentString: 'Could you tell me whether my repeat is ready? Thank you.' }] }) }));
  }
  const page = await step('GET /appointments', [200], () => c.get('/appointments'));
  const slots = [...page.text.matchAll(/name="slot" required value="([0-9a-f]{32})"/g)].map((m) => m[1]);
  if (Math.random() < 0.1 && slots.length) {
    const slot = slots[slots.length - 1];
    await step('appointment booked', [303, 409], () => c.post('/appointments', { body: new URLSearchParams({ csrf: c.csrf, slot, kind: 'in-person' }).toString(), headers: FORM }));
    const after = await step('GET /appointments', [200], () => c.get('/appointments'));
    const cancel = [...after.text.matchAll(/\/appointments\/([0-9a-f]{32})\/cancel/g)].map((m) => m[1]).pop();
    if (cancel) {
      await step('appointment cancelled', [303, 409], () => c.post(`/appointments/${cancel}/cancel`, { body: new URLSearchParams({ csrf: c.csrf }).toString(), headers: FORM }));
    }
  }
  if (Math.random() < 0.05) {
    await step('upload', [201], () => c.post('/fhir/R4/DocumentReference', { headers: FHIR, body: JSON.stringify({
      resourceType: 'DocumentReference', status: 'current', subject: { reference: `Patient/${session.patient}` },
      description: 'Portal day upload', content: [{ attachment: { contentType: 'application/pdf', title: 'day.pdf', data: PDF.toString('base64') } }] }) }));
  }
  await step('POST /logout', [303], () => c.post('/logout', { body: new URLSearchParams({ csrf: c.csrf }).toString(), headers: FORM }));
  tally.visits++;
}

async function main() {
  const a = args();
  const tally = new Tally();
  const t0 = Date.now();
  const end = t0 + a.seconds * 1000;
  await Promise.all(Array.from({ length: a.users }, async (_, i) => {
    const c = new Client(a.base);
    const email = `patient${a.first + i}@demo.test`;
    while (Date.now() < end) {
      try { await visit(c, email, a.password, tally, end); } catch (e) {
        if (e.message !== 'over' && tally.failures.length < 20) tally.failures.push(`${email}: ${e.message}`);
      }
    }
  }));
  const secs = (Date.now() - t0) / 1000;
  const out = { users: a.users, seconds: secs, requests: tally.requests, failed: tally.failed, visits: tally.visits,
    rps: tally.requests / secs, visits_per_s: tally.visits / secs, kinds: {}, failures: tally.failures };
  const all = [...tally.kinds.values()].flatMap((k) => k.ms).sort((x, y) => x - y);
  out.p50_ms = +pct(all, 0.5).toFixed(2);
  out.p99_ms = +pct(all, 0.99).toFixed(2);
  for (const [kind, k] of tally.kinds) {
    const ms = k.ms.sort((x, y) => x - y);
    out.kinds[kind] = { n: k.n, failed: k.failed, p50_ms: +pct(ms, 0.5).toFixed(2), p99_ms: +pct(ms, 0.99).toFixed(2) };
  }
  if (a.json) fs.writeFileSync(a.json, JSON.stringify(out, null, 2));
  console.log(`portal day: ${a.users} users, ${secs.toFixed(1)} s, ${out.visits} visits (${out.visits_per_s.toFixed(1)}/s), ` +
    `${out.requests} requests (${out.rps.toFixed(0)}/s), ${out.failed} failed`);
  for (const [kind, k] of Object.entries(out.kinds)) console.log(`  ${kind.padEnd(26)} ${String(k.n).padStart(7)}  p50 ${k.p50_ms} ms  p99 ${k.p99_ms} ms${k.failed ? `  ${k.failed} failed` : ''}`);
  for (const f of tally.failures) console.log(`  failure: ${f}`);
  process.exitCode = out.failed ? 1 : 0;
}

main().catch((e) => { console.error(`day: ${e.stack}`); process.exit(2); });
