// Recalls a practice sets (docs/internals/NOTICES.md): listed practice-wide for its staff,
// soonest due first, with "due now"; closed as done or no longer needed, which withdraws the
// reminder not yet sent and shows on the patient's page; only the practice that set a recall
// closes it, and anyone else gets the answer a random id gets. A booking at the practice closes
// the patient's recalls due by the appointment ("booked", with the appointment, audited as the
// booker's, reminder withdrawn); cancelling that appointment opens them again. Real binary,
// real HTTP.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, randomId } = require('./lib');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const post = (c, p, fields) => c.post(p, { body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });
// A calendar date in New Zealand, `days` from now.
const nzDate = (days) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland' }).format(new Date(Date.now() + days * 86400000));

describe('recalls across the practice', () => {
  let srv; let clin; let admin; let other; let p1; let p2;
  const ids = () => sqlite(srv.dir, 'SELECT lower(hex(id)) FROM recall ORDER BY due').split('\n').filter(Boolean);

  before(async () => {
    srv = await startServer({ patients: 3 });
    clin = new Client(srv.base); await clin.login('clinician1@demo.test');
    admin = new Client(srv.base); await admin.login('admin1@demo.test');
    other = new Client(srv.base); await other.login('otherclinician1@demo.test');
    p1 = new Client(srv.base); await p1.login('patient1@demo.test');
    p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    for (const [p, kind, days] of [[p1, 'cervical-screening', 0], [p2, 'diabetes-review', 30], [p1, 'heart-check', 200]]) {
      const r = await post(clin, `/patients/${p.session.patient}/recalls`, { kind, due: nzDate(days) });
      assert.equal(r.status, 303, r.text.slice(0, 300));
    }
  });
  after(async () => { await srv.stop(); });

  it('lists the practice\'s open recalls for its staff, soonest first, and those due now', async () => {
    // what a recall is for is clinical: the practice's admin has no such page (NOTICES.md)
    assert.equal((await admin.get('/practice/recalls')).status, 404);
    for (const c of [clin]) {
      const page = await c.get('/practice/recalls');
      assert.equal(page.status, 200);
      const rows = [...page.text.matchAll(/<tr><td><a href="\/patients\/([0-9a-f]{32})">[^<]+<\/a><\/td><td>([^<]+)<\/td>/g)].map((m) => [m[1], m[2]]);
      assert.deepEqual(rows, [[p1.session.patient, 'Cervical screening'], [p2.session.patient, 'Diabetes review'], [p1.session.patient, 'Heart check']]);
    }
    const due = await clin.get('/practice/recalls?due=now');
    assert.match(due.text, /Cervical screening/);
    assert.doesNotMatch(due.text, /Diabetes review|Heart check/);
    assert.equal((await clin.get('/practice/recalls?due=soon')).status, 400);
    // another practice's list holds none of them; a patient has no such page
    const theirs = await other.get('/practice/recalls');
    assert.equal(theirs.status, 200);
    assert.match(theirs.text, /No open recalls/);
    assert.equal((await p1.get('/practice/recalls')).status, 404);
  });

  it('closes a recall only for the practice that set it; anyone else gets a random id\'s answer', async () => {
    const [first] = ids();
    const random = await post(other, `/recalls/${randomId()}/close`, { outcome: 'done' });
    for (const c of [other, p1, p2, admin]) {
      const r = await post(c, `/recalls/${first}/close`, { outcome: 'done' });
      assert.equal(r.status, 404);
      if (c === other) assert.equal(r.text, random.text);
    }
    assert.equal((await post(clin, `/recalls/${first}/close`, { outcome: 'maybe' })).status, 400);
    assert.equal((await clin.post(`/recalls/${first}/close`, { body: 'outcome=done', headers: FORM, csrf: false })).status, 403);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM recall WHERE closed IS NOT NULL`), '0');
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${other.session.account}' AND outcome IN ('deny', 'not-found') AND rtype = 'Recall'`)) >= 1);
  });

  it('done withdraws the reminder not yet sent, leaves the list, and shows on the patient\'s page', async () => {
    const [, second] = ids();
    const waiting = (id) => sqlite(srv.dir, `SELECT count(*) FROM outbox WHERE ref = X'${id}' AND sent IS NULL`);
    assert.notEqual(waiting(second), '0', 'a reminder is scheduled for the due date');
    const r = await post(clin, `/recalls/${second}/close`, { outcome: 'cancelled' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/practice/recalls?done=1');
    assert.equal(waiting(second), '0');
    assert.equal((await post(clin, `/recalls/${second}/close`, { outcome: 'done' })).status, 404, 'closed once');
    assert.doesNotMatch((await clin.get('/practice/recalls')).text, /Diabetes review/);
    assert.match((await p2.get('/appointments')).text, /Diabetes review: no longer needed, /);
    assert.equal(sqlite(srv.dir, `SELECT outcome || '|' || lower(hex(closed_by)) FROM recall WHERE id = X'${second}'`), `cancelled|${clin.session.account}`);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${clin.session.account}' AND action = 'recall.close' AND rtype = 'Recall' AND rid = '${second}' AND outcome = 'allow'`), '1');
  });

  it('a booking closes the recalls due by then; cancelling the appointment opens them again', async () => {
    const freeSlots = (html) => [...html.matchAll(/name="slot" required value="([0-9a-f]{32})"/g)].map((m) => m[1]);
    const slot = freeSlots((await p2.get('/appointments')).text).at(-1);
    assert.ok(slot, 'the demo practice has free times');
    const start = Number(sqlite(srv.dir, `SELECT start FROM slot WHERE id = X'${slot}'`));
    // one recall due before that time (its reminder waiting for its day), one long after it
    const days = Math.max(1, Math.floor((start - Date.now() / 1000) / 86400) - 1);
    for (const [kind, d] of [['blood-pressure', days], ['immunisation', 400]]) {
      assert.equal((await post(clin, `/patients/${p2.session.patient}/recalls`, { kind, due: nzDate(d) })).status, 303);
    }
    const recallOf = (kind) => sqlite(srv.dir, `SELECT lower(hex(id)) FROM recall WHERE kind = '${kind}' AND patient_id = X'${p2.session.patient}'`);
    const bp = recallOf('blood-pressure'); const imm = recallOf('immunisation');
    const state = (id) => sqlite(srv.dir, `SELECT coalesce(outcome, 'open') || '|' || coalesce(lower(hex(appointment_id)), '') || '|' || coalesce(lower(hex(closed_by)), '') FROM recall WHERE id = X'${id}'`);
    const waiting = (id) => sqlite(srv.dir, `SELECT count(*) FROM outbox WHERE ref = X'${id}' AND sent IS NULL`);
    const audited = (action, id) => sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${p2.session.account}' AND action = '${action}' AND rtype = 'Recall' AND rid = '${id}' AND patient = '${p2.session.patient}' AND outcome = 'allow'`);
    assert.notEqual(waiting(bp), '0', 'a reminder waits for the day it falls due');
    assert.match((await clin.get('/practice/recalls')).text, /Blood pressure check/);

    const r = await post(p2, '/appointments', { slot, kind: 'in-person' });
    assert.equal(r.status, 303, r.text.slice(0, 300));
    const appt = sqlite(srv.dir, `SELECT lower(hex(id)) FROM appointment WHERE slot_id = X'${slot}' AND cancelled IS NULL`);
    assert.match(appt, /^[0-9a-f]{32}$/);
    assert.equal(state(bp), `booked|${appt}|${p2.session.account}`, 'closed by the booking, as the patient');
    assert.equal(state(imm), 'open||', 'a recall due after the appointment stays open');
    assert.equal(waiting(bp), '0', 'its reminder is withdrawn');
    assert.equal(audited('recall.booked', bp), '1');
    assert.equal(audited('recall.booked', imm), '0');
    assert.match((await p2.get('/appointments')).text, /Blood pressure check: booked /);
    const list = (await clin.get('/practice/recalls')).text;
    assert.doesNotMatch(list, /Blood pressure check/, 'off the practice\'s open list');
    assert.match(list, /Immunisation/);
    assert.match((await clin.get(`/patients/${p2.session.patient}`)).text, /Blood pressure check: booked /);
    // the practice's list of booked recalls: the patient, what for, and the appointment's time
    const booked = await clin.get('/practice/recalls?due=booked');
    assert.equal(booked.status, 200);
    const brows = [...booked.text.matchAll(/<tr><td><a href="\/patients\/([0-9a-f]{32})">[^<]+<\/a><\/td><td>([^<]+)<\/td><td>[^<]*<\/td><td>(\w{3} \d{1,2} \w{3} \d{4}, \d{1,2}:\d{2} [ap]m)<\/td>/g)];
    assert.deepEqual(brows.map((m) => [m[1], m[2]]), [[p2.session.patient, 'Blood pressure check']]);
    assert.match(booked.text, /<strong>Booked<\/strong>/);
    assert.doesNotMatch(booked.text, /recalls\/[0-9a-f]{32}\/close/, 'nothing to close there');
    assert.match((await other.get('/practice/recalls?due=booked')).text, /No recalls booked/, 'another practice sees none');
    assert.equal((await admin.get('/practice/recalls?due=booked')).status, 404);
    // the practice cannot close it again: it is closed
    assert.equal((await post(clin, `/recalls/${bp}/close`, { outcome: 'done' })).status, 404);

    const c = await post(p2, `/appointments/${appt}/cancel`, {});
    assert.equal(c.status, 303, c.text.slice(0, 300));
    assert.equal(state(bp), 'open||', 'open again');
    assert.equal(audited('recall.reopen', bp), '1');
    assert.equal(waiting(bp), '1', 'its reminder, still ahead, is scheduled again');
    assert.match((await clin.get('/practice/recalls')).text, /Blood pressure check/);
    assert.match((await clin.get('/practice/recalls?due=booked')).text, /No recalls booked/);
    assert.match((await p2.get('/appointments')).text, /Blood pressure check: due from /);
    // and the patient's access log says what happened, in words
    assert.match((await p2.get('/access-log')).text, /Closed a recall: an appointment was booked/);
  });
});
