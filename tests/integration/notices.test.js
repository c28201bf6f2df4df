// Notices (issue 15, item 1; docs/internals/NOTICES.md) over real HTTP against the real binary,
// with the mailer sending to a local SMTP sink: each event's email arrives once, to the
// account's own address, names the practice, gives the portal's address as plain text, says
// nothing clinical (the result's, medicine's and message's words are checked absent) and ends
// with no hex reference; a kind turned off stops; a proxy is told only what its grant covers and
// only when it opted in; staff are told of patients' messages at most once per quarter hour; an
// appointment's reminder goes out once, at 9 am New Zealand time the day before, moved there by
// the chaos build's mailer clock (MEDKEEP_FAULT=mailer_clock), and not again after the mailer
// restarts.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, sqlite, children, multipart, CHAOS_BIN } = require('./lib');
const { startSink } = require('./smtp-sink');
const { form, login } = require('./careplan-helpers');

const PORTAL = 'https://portal.demo-health.test';
const PRACTICE = 'Demo Health Centre';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freeSlots = (html) => [...html.matchAll(/name="slot" required value="([0-9a-f]{32})"/g)].map((m) => m[1]);

// The NZ local date and time of a unix time, as Intl gives them (the test's own reckoning).
function nzParts(t) {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: 'Pacific/Auckland', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(new Date(t * 1000)).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), h: Number(p.hour), min: Number(p.minute) };
}
// 9:00 NZ time on the NZ day before t: searched minute by minute around the UTC guesses.
function reminderAt(t) {
  const d0 = nzParts(t);
  const prev = new Date(Date.UTC(d0.y, d0.m - 1, d0.d) - 86400000);
  const want = { y: prev.getUTCFullYear(), m: prev.getUTCMonth() + 1, d: prev.getUTCDate() };
  for (const off of [13, 12]) {
    const guess = Date.UTC(want.y, want.m - 1, want.d, 9, 0) / 1000 - off * 3600;
    const p = nzParts(guess);
    if (p.y === want.y && p.m === want.m && p.d === want.d && p.h === 9 && p.min === 0) return guess;
  }
  throw new Error('no 9 am');
}

// Every check an email of ours must pass, with the words it must not hold.
function assertNotice(m, { forbidden = [], practice = PRACTICE } = {}) {
  assert.ok(m.body.includes(practice), `names the practice: ${m.body}`);
  assert.ok(m.body.includes(PORTAL), `gives the portal's address: ${m.body}`);
  assert.ok(m.links.some((l) => l.startsWith(PORTAL)), 'as plain text a reader can follow');
  assert.doesNotMatch(m.body, /[0-9a-f]{12,}/i, 'no hex reference');
  assert.doesNotMatch(m.subject, /medkeep/i, 'the subject does not name the product');
  for (const w of forbidden) assert.equal(m.body.toLowerCase().includes(w.toLowerCase()), false, `"${w}" in ${m.body}`);
}

describe('notices', () => {
  let sink; let srv; let p1; let p4; let p2id; let clin;
  const mails = (to, re = /./) => sink.messages.filter((m) => m.to.includes(to) && re.test(m.subject));
  // Exactly one mail more to `to` matching re than before, after the mailer's next passes.
  async function oneMore(to, re, before) {
    const got = await sink.waitFor(to, re, before + 1);
    await sleep(2500);
    assert.equal(mails(to, re).length, before + 1, `exactly one to ${to} matching ${re}`);
    return got[got.length - 1];
  }
  async function none(to, re, before) {
    await sleep(3500);
    assert.equal(mails(to, re).length, before, `no mail to ${to} matching ${re}`);
  }
  const setClock = (t) => fs.writeFileSync(path.join(srv.dir, 'chaos-clock'), String(t));

  before(async () => {
    sink = await startSink();
    srv = await startServer({ patients: 4, bin: CHAOS_BIN, env: { MEDKEEP_FAULT: 'mailer_clock' },
      config: `smtp.url = smtp://127.0.0.1:${sink.port}\nsmtp.from = Demo Health Centre <noreply@demo.test>\nportal.url = ${PORTAL}/\nbreaker.misses = 100000\n` });
    p1 = await login(srv, 'patient1@demo.test');
    p4 = await login(srv, 'patient4@demo.test');
    p2id = (await login(srv, 'patient2@demo.test')).session.patient;
    clin = await login(srv, 'clinician1@demo.test');
  });
  after(async () => { await srv.stop(); await sink.close(); });

  it('a released result: one email, naming the practice, no test named', async () => {
    const pid = p1.session.patient;
    const held = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = X'${pid}' AND NOT (coalesce(release_at, 0) > 0 AND release_at <= unixepoch())`).split('\n').filter(Boolean);
    assert.ok(held.length >= 2, 'the demo holds results back');
    const page = await clin.get(`/results/${held[0]}`);
    const names = [...page.text.matchAll(/<h3>([^<]+)<\/h3>/g)].map((x) => x[1]).filter((x) => x.length > 3);
    assert.ok(names.length >= 1);
    const before = mails('patient1@demo.test', /result/).length;
    const r = await clin.post(`/results/${held[0]}/release`, form(clin, { comment: 'Normal, nothing to do' }));
    assert.equal(r.status, 303, r.text);
    const m = await oneMore('patient1@demo.test', /result/, before);
    assertNotice(m, { forbidden: [...names, 'Normal, nothing to do'] });
    assert.match(m.body, /A new result from Demo Health Centre is ready to view in your portal/);
  });

  it('a patient who sees results only once commented on is told only then', async () => {
    const p2 = await login(srv, 'patient2@demo.test');
    assert.equal((await p2.post('/results/preference', form(p2, { comment_first: '1' }))).status, 303);
    const held = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = X'${p2id}' AND NOT (coalesce(release_at, 0) > 0 AND release_at <= unixepoch())`).split('\n').filter(Boolean);
    assert.ok(held.length >= 2);
    const before = mails('patient2@demo.test', /result/).length;
    assert.equal((await clin.post(`/results/${held[0]}/release`, form(clin, {}))).status, 303);
    await none('patient2@demo.test', /result/, before);
    assert.equal((await clin.post(`/results/${held[1]}/release`, form(clin, { comment: 'All fine' }))).status, 303);
    assertNotice(await oneMore('patient2@demo.test', /result/, before), { forbidden: ['All fine'] });
  });

  it('a repeat approved names the pharmacy, not the medicine; one declined gives no reason', async () => {
    const page = await p1.get('/medications');
    const meds = [...page.text.matchAll(/action="\/medications\/([0-9a-f]{32})\/repeat"/g)].map((x) => x[1]);
    assert.ok(meds.length >= 2);
    const medNames = ['Metformin', 'Atorvastatin', 'Cilazapril', 'Salbutamol', 'Omeprazole', 'Paracetamol'];
    for (const [i, decision] of [[0, 'approve'], [1, 'decline']]) {
      const ask = await p1.post(`/medications/${meds[i]}/repeat`, form(p1, { pharmacy: '2', note: 'Running low, thanks' }));
      assert.equal(ask.status, 303);
      const req = sqlite(srv.dir, `SELECT lower(hex(id)) FROM repeat_request WHERE medication_id = X'${meds[i]}' AND state = 'requested'`);
      const before = mails('patient1@demo.test', /repeat/).length;
      const ok = await clin.post(`/repeats/${req}/decide`, form(clin, { decision, reason: 'Please book a medication review first' }));
      assert.equal(ok.status, 303);
      const m = await oneMore('patient1@demo.test', /repeat/, before);
      assertNotice(m, { forbidden: [...medNames, 'Running low', 'medication review'] });
      if (decision === 'approve') assert.match(m.body, /approved by Demo Health Centre\. It is being sent to Totara Street Pharmacy, Mt Albert/);
      else assert.match(m.body, /was not approved/);
    }
  });

  it('a message from the practice tells the patient who wrote, not what; patients\' messages tell each clinician at most once per quarter hour', async () => {
    const staffBefore = mails('clinician1@demo.test', /messages are waiting/).length;
    const staff2Before = mails('clinician2@demo.test', /messages are waiting/).length;
    const send = (c, p, fields) => {
      const f = multipart({ csrf: c.csrf, ...fields }, []);
      return c.post(p, { body: f.body, headers: { 'Content-Type': f.type }, csrf: false });
    };
    const first = await send(p1, '/messages', { subject: 'Rash on my arm', body: 'Itchy rash since Tuesday' });
    assert.equal(first.status, 303, first.text);
    const thread = first.headers.get('location').split('/').pop();
    const m = await oneMore('clinician1@demo.test', /messages are waiting/, staffBefore);
    assertNotice(m, { forbidden: ['Rash', 'Itchy', 'Tuesday'] });
    assert.equal(mails('clinician2@demo.test', /messages are waiting/).length, staff2Before + 1, 'every clinician of the practice');
    // a busy practice: more messages within the quarter hour tell no one again
    assert.equal((await send(p1, `/messages/${thread}/reply`, { body: 'And it is spreading' })).status, 303);
    assert.equal((await send(p4, '/messages', { subject: 'Flu vaccine', body: 'When can I get one' })).status, 303);
    await none('clinician1@demo.test', /messages are waiting/, staffBefore + 1);
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM notify_staff'), String(2));

    const before = mails('patient1@demo.test', /new message/).length;
    assert.equal((await send(clin, `/messages/${thread}/reply`, { body: 'Please send a photo of the rash' })).status, 303);
    const told = await oneMore('patient1@demo.test', /new message/, before);
    assertNotice(told, { forbidden: ['photo', 'rash', 'Rash on my arm'] });
    assert.match(told.body, /You have a new message from Demo Health Centre/);
  });

  it('an appointment booked and cancelled (by the practice) is told; its reminder goes once at 9 am NZ time the day before', async () => {
    const slots = freeSlots((await p1.get('/appointments')).text);
    const now = Math.floor(Date.now() / 1000);
    const starts = slots.map((s) => ({ s, t: Number(sqlite(srv.dir, `SELECT start FROM slot WHERE id = X'${s}'`)) }));
    const later = starts.filter((x) => x.t > now + 3 * 86400);
    assert.ok(later.length >= 2);
    const [keep, drop] = later;
    const before = mails('patient1@demo.test', /Your appointment/).length;
    for (const x of [keep, drop]) {
      const r = await p1.post('/appointments', form(p1, { slot: x.s, reason: 'Sore shoulder after gardening' }));
      assert.equal(r.status, 303);
    }
    await sink.waitFor('patient1@demo.test', /Your appointment/, before + 2);
    const booked = mails('patient1@demo.test', /Your appointment/).slice(before);
    for (const m of booked) {
      assertNotice(m, { forbidden: ['shoulder', 'gardening', 'Aroha'] });
      assert.match(m.body, /An appointment at Demo Health Centre is booked for you: \w{3} \d{1,2} \w{3} \d{4}, \d{1,2}:\d{2} [ap]m\./);
    }
    // the practice cancels one: told, and its reminder withdrawn
    const ap = sqlite(srv.dir, `SELECT lower(hex(id)) FROM appointment WHERE slot_id = X'${drop.s}' AND cancelled IS NULL`);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM outbox WHERE ref = X'${ap}' AND sent IS NULL`), '1', 'a reminder scheduled');
    const c = await clin.post(`/appointments/${ap}/cancel`, form(clin, {}));
    assert.equal(c.status, 303, c.text);
    const cancelled = await oneMore('patient1@demo.test', /Your appointment/, before + 2);
    assertNotice(cancelled, { forbidden: ['shoulder'] });
    assert.match(cancelled.body, /has been cancelled/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM outbox WHERE ref = X'${ap}'`), '0', 'its reminder withdrawn');

    // the reminder of the one kept: not a minute early, then once, and not again after a restart
    const at = reminderAt(keep.t);
    const r0 = mails('patient1@demo.test', /reminder/).length;
    setClock(at - 60);
    await none('patient1@demo.test', /reminder/, r0);
    setClock(at + 1);
    const rem = await oneMore('patient1@demo.test', /reminder/, r0);
    assertNotice(rem, { forbidden: ['shoulder'] });
    assert.match(rem.body, /you have an appointment tomorrow/);
    const mailer = children(srv.proc.pid).find((k) => k.role === 'mailer-process');
    assert.ok(mailer);
    process.kill(mailer.pid, 'SIGKILL');
    for (let i = 0; i < 50; i++) {
      const again = children(srv.proc.pid).find((k) => k.role === 'mailer-process');
      if (again && again.pid !== mailer.pid) break;
      await sleep(200);
    }
    await none('patient1@demo.test', /reminder/, r0 + 1);
    fs.rmSync(path.join(srv.dir, 'chaos-clock'));
  });

  it('a recall the practice sets: the patient sees what for on their page; the email, when due, does not say', async () => {
    const due = Math.floor(Date.now() / 1000) + 3 * 86400;
    const d = nzParts(due);
    const date = `${d.y}-${String(d.m).padStart(2, '0')}-${String(d.d).padStart(2, '0')}`;
    const bad = await clin.post(`/patients/${p1.session.patient}/recalls`, form(clin, { kind: 'astrology', due: date }));
    assert.equal(bad.status, 400);
    const r = await clin.post(`/patients/${p1.session.patient}/recalls`, form(clin, { kind: 'cervical-screening', due: date }));
    assert.equal(r.status, 303, r.text);
    assert.match((await clin.get(`/patients/${p1.session.patient}`)).text, /Cervical screening: due from/);
    const mine = (await p1.get('/appointments')).text;
    // The day as people read it, in New Zealand time ("Thu 10 Dec 2026"), from Intl.
    const shown = new Intl.DateTimeFormat('en-NZ', { timeZone: 'Pacific/Auckland', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' })
      .formatToParts(new Date(due * 1000)).reduce((o, p) => ({ ...o, [p.type]: p.value }), {});
    assert.match(mine, new RegExp(`Cervical screening: due from ${shown.weekday} ${shown.day} ${shown.month} ${shown.year}`));
    const at = Number(sqlite(srv.dir, `SELECT due FROM recall WHERE patient_id = X'${p1.session.patient}'`));
    assert.equal(nzParts(at).h, 9, 'due from 9 am NZ time');
    const before = mails('patient1@demo.test', /reminder from your practice/).length;
    setClock(at - 60);
    await none('patient1@demo.test', /reminder from your practice/, before);
    setClock(at + 1);
    const m = await oneMore('patient1@demo.test', /reminder from your practice/, before);
    assertNotice(m, { forbidden: ['cervical', 'screening', 'smear'] });
    assert.match(m.body, /Demo Health Centre asks you to book an appointment/);
    fs.rmSync(path.join(srv.dir, 'chaos-clock'));
    // nobody but the patient's practice sets one
    assert.equal((await p1.post(`/patients/${p1.session.patient}/recalls`, form(p1, { kind: 'diabetes-review', due: date }))).status, 404);
  });

  it('a kind turned off stops; the choice is audited; proxies are told only when they opt in, within their grant', async () => {
    // patient1 turns results off
    const page = await p1.get('/account/emails');
    assert.equal(page.status, 200);
    assert.match(page.text, /Emails about your own record/);
    const kinds = ['repeats', 'appointments', 'reminders', 'messages', 'recalls'];
    const off = await p1.post('/account/emails', form(p1, { record: p1.session.patient, ...Object.fromEntries(kinds.map((k) => [k, '1'])) }));
    assert.equal(off.status, 303);
    assert.doesNotMatch((await p1.get('/account/emails')).text, /name="results" checked/);
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'notice.prefs' AND actor = '${p1.session.account}'`)) >= 2);
    const held = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = X'${p1.session.patient}' AND NOT (coalesce(release_at, 0) > 0 AND release_at <= unixepoch())`).split('\n').filter(Boolean);
    const before = mails('patient1@demo.test', /result/).length;
    assert.equal((await clin.post(`/results/${held[0]}/release`, form(clin, {}))).status, 303);
    await none('patient1@demo.test', /result/, before);

    // patient4 is given patient2's record (documents, results, appointments): off until
    // chosen, and no choice about medicines or messages, which the grant does not cover
    const child = p2id;
    const now = Math.floor(Date.now() / 1000);
    sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by)
      VALUES (randomblob(16), X'${child}', X'${p4.session.account}', 11, ${now + 3600}, ${now}, X'${p4.session.account}')`);
    const p4page = (await p4.get('/account/emails')).text;
    const heldForm = p4page.slice(p4page.indexOf('record you hold family access to'));
    assert.doesNotMatch(heldForm, /name="repeats"/);
    assert.doesNotMatch(heldForm, /name="messages"/);
    assert.match(heldForm, /name="appointments"/);
    assert.doesNotMatch(heldForm, /checked/);
    const sw = await p4.post('/records/switch', form(p4, { record: child }));
    assert.ok([200, 303].includes(sw.status));
    const slots = freeSlots((await p4.get('/appointments')).text);
    const b4 = mails('patient4@demo.test', /Your appointment/).length;
    assert.equal((await p4.post('/appointments', form(p4, { slot: slots[3], reason: '' }))).status, 303);
    await none('patient4@demo.test', /Your appointment/, b4);
    // opted in: told, to their own address, as a record they hold
    assert.equal((await p4.post('/account/emails', form(p4, { record: child, appointments: '1' }))).status, 303);
    assert.equal((await p4.post('/appointments', form(p4, { slot: slots[4], reason: '' }))).status, 303);
    const m = await oneMore('patient4@demo.test', /Your appointment/, b4);
    assertNotice(m, { forbidden: ['reason'] });
    // whose record, by first name only, and at which practice (issue 15, item 5)
    const [family, given] = (await clin.get(`/patients/${child}`)).text.match(/<h1>([^<]+)<\/h1>/)[1].split(', ');
    const first = given.split(' ')[0];
    assert.ok(m.body.includes(`This is about ${first}'s record at ${PRACTICE}, which you have family access to.`), m.body);
    assert.equal(m.body.includes(family), false, 'no family name');
    // the record's own login gets its own copy, which says nothing of family access
    const own = await sink.waitFor('patient2@demo.test', /Your appointment/, 1);
    assert.doesNotMatch(own[own.length - 1].body, /family access/);
    // another patient cannot choose for that record
    const other = await p1.post('/account/emails', form(p1, { record: child, appointments: '1' }));
    assert.equal(other.status, 404);
  });
});
