// Appointments over real HTTP against the real binary: the practice publishes slots, patients
// book and cancel (until the practice's cut-off), two bookings racing for one slot leave
// exactly one winner, clinicians see their day; every other role and patient is answered
// exactly like a missing id; every access audited; FHIR Slot and Appointment validated.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, sqlite, randomId, RELEASE_BIN, nzDay, nzClock } = require('./lib');
const { form, login, audit } = require('./careplan-helpers');
const { assertValidFhir } = require('./fhir-validate');

const FHIR_JSON = { 'Content-Type': 'application/fhir+json' };

// The NZ local date (YYYY-MM-DD) of a unix time, and a date some days from now.
const nzDate = (t) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(t * 1000));
const daysAhead = (d) => nzDate(Math.floor(Date.now() / 1000) + d * 86400);

const freeSlots = (html) => [...html.matchAll(/name="slot" required value="([0-9a-f]{32})"/g)].map((m) => m[1]);
const cancelForms = (html) => [...html.matchAll(/href="\/appointments\/([0-9a-f]{32})\/cancel"/g)].map((m) => m[1]);

describe('appointments', () => {
  let srv; let p1; let p2; let p3; let clin; let clin2; let other; let admin; let op;
  before(async () => {
    srv = await startServer({ patients: 4 });
    p1 = await login(srv, 'patient1@demo.test');
    p2 = await login(srv, 'patient2@demo.test');
    p3 = await login(srv, 'patient3@demo.test');
    clin = await login(srv, 'clinician1@demo.test');
    clin2 = await login(srv, 'clinician2@demo.test');
    other = await login(srv, 'otherclinician1@demo.test');
    admin = await login(srv, 'admin1@demo.test');
    op = await login(srv, 'operator@demo.test');
  });
  after(async () => { await srv.stop(); });

  it('the patient sees free times, upcoming and past appointments', async () => {
    const page = await p1.get('/appointments');
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Appointments<\/h1>/);
    assert.match(page.text, /<legend>Choose a time<\/legend>/);
    assert.ok(freeSlots(page.text).length > 50);
    // patient1 has a past visit from the demo; patient2 an upcoming one.
    const past = page.text.slice(page.text.indexOf('Past and cancelled'));
    assert.match(past, /15 minutes with Dr Aroha Ngata/);
    const p2page = await p2.get('/appointments');
    const upcoming = p2page.text.slice(p2page.text.indexOf('Upcoming'), p2page.text.indexOf('Book an appointment'));
    assert.equal(cancelForms(upcoming).length, 1);
    assert.match(page.headers.get('cache-control'), /no-store/);
  });

  it('books with a reason, the slot is gone from the free list, and a second booking is refused clearly', async () => {
    const slot = freeSlots((await p1.get('/appointments')).text)[5];
    const r = await p1.post('/appointments', form(p1, { slot, reason: 'Sore shoulder after gardening' }));
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/appointments?done=booked');
    const page = await p1.get('/appointments?done=booked');
    assert.match(page.text, /Your appointment is booked/);
    assert.match(page.text, /Reason: Sore shoulder after gardening/);
    assert.equal(freeSlots(page.text).includes(slot), false);
    const ap = sqlite(srv.dir, `SELECT lower(hex(id)) FROM appointment WHERE slot_id=X'${slot}' AND cancelled IS NULL`);
    assert.ok(cancelForms(page.text).includes(ap));
    const again = await p2.post('/appointments', form(p2, { slot, reason: '' }));
    assert.equal(again.status, 409);
    assert.match(again.text, /someone else has just booked that time/);
    // The reason is sealed at rest.
    assert.equal(sqlite(srv.dir, `SELECT instr(reason, CAST('Sore shoulder' AS BLOB)) FROM appointment WHERE id=X'${ap}'`), '0');
    assert.deepEqual(audit(srv, `actor='${p1.session.account}' AND action='appointment.book' AND rid='${ap}'`),
      [`appointment.book|allow|${ap}`]);
    assert.ok(audit(srv, `actor='${p2.session.account}' AND action='appointment.book' AND outcome='fail'`).length === 1);
  });

  it('concurrent bookings of one slot: exactly one wins, the others get a clear message', async () => {
    const slots = freeSlots((await p3.get('/appointments')).text);
    for (const slot of slots.slice(10, 13)) {
      const shots = [];
      for (const c of [p1, p2, p3]) {
        for (let k = 0; k < 3; k++) shots.push(c.post('/appointments', form(c, { slot, reason: 'race' })));
      }
      const answers = await Promise.all(shots);
      const wins = answers.filter((a) => a.status === 303);
      const losses = answers.filter((a) => a.status === 409);
      assert.equal(wins.length, 1, `one winner for ${slot}: ${answers.map((a) => a.status)}`);
      assert.equal(losses.length, answers.length - 1);
      for (const l of losses) assert.match(l.text, /someone else has just booked that time/);
      assert.equal(sqlite(srv.dir, `SELECT count(*) FROM appointment WHERE slot_id=X'${slot}' AND cancelled IS NULL`), '1');
    }
    // The same race through FHIR.
    const slot = slots[20];
    const body = (c) => JSON.stringify({ resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${slot}` }],
      participant: [{ actor: { reference: `Patient/${c.session.patient}` }, status: 'accepted' }] });
    const answers = await Promise.all([p1, p2, p3, p1, p2, p3].map((c) => c.post('/fhir/R4/Appointment', { body: body(c), headers: FHIR_JSON })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409, 409]);
    const loss = answers.find((a) => a.status === 409).json();
    assertValidFhir(loss);
    assert.equal(loss.issue[0].code, 'conflict');
  });

  it('cancels before the cut-off; after it, refused with a message; the practice admin sets the cut-off', async () => {
    // A free slot one to five days ahead: past a week's cut-off, well before two hours'.
    const slot = sqlite(srv.dir, `SELECT lower(hex(s.id)) FROM slot s WHERE s.start BETWEEN strftime('%s','now') + 86400 AND strftime('%s','now') + 5*86400 AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.slot_id = s.id AND a.cancelled IS NULL) ORDER BY s.start LIMIT 1`);
    assert.ok(freeSlots((await p1.get('/appointments')).text).includes(slot));
    assert.equal((await p1.post('/appointments', form(p1, { slot }))).status, 303);
    const ap = sqlite(srv.dir, `SELECT lower(hex(id)) FROM appointment WHERE slot_id=X'${slot}' AND cancelled IS NULL`);
    // A cut-off of a week: too close to cancel online.
    const settings = await admin.get('/practice/appointments');
    assert.equal(settings.status, 200);
    assert.match(settings.text, /value="120"/);
    assert.equal((await admin.post('/practice/appointments', form(admin, { cutoff: '99999' }))).status, 400);
    assert.equal((await admin.post('/practice/appointments', form(admin, { cutoff: '10080' }))).status, 303);
    const page = await p1.get('/appointments');
    assert.equal(cancelForms(page.text).includes(ap), false, 'no cancel button past the cut-off');
    const late = await p1.post(`/appointments/${ap}/cancel`, form(p1, {}));
    assert.equal(late.status, 409);
    assert.match(late.text, /too close to the appointment to cancel it here/);
    assert.equal(sqlite(srv.dir, `SELECT cancelled IS NULL FROM appointment WHERE id=X'${ap}'`), '1');
    // Back to two hours: cancelled, and the slot is free again.
    assert.equal((await admin.post('/practice/appointments', form(admin, { cutoff: '120' }))).status, 303);
    const ok = await p1.post(`/appointments/${ap}/cancel`, form(p1, {}));
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get('location'), '/appointments?done=cancelled');
    const after1 = await p1.get('/appointments?done=cancelled');
    assert.match(after1.text, /Your appointment is cancelled/);
    assert.ok(freeSlots(after1.text).includes(slot));
    assert.equal((await p1.post(`/appointments/${ap}/cancel`, form(p1, {}))).status, 409);
    assert.deepEqual(audit(srv, `actor='${p1.session.account}' AND action='appointment.cancel' AND rid='${ap}'`),
      [`appointment.cancel|fail|${ap}`, `appointment.cancel|allow|${ap}`, `appointment.cancel|fail|${ap}`]);
    // Only the practice admin changes settings.
    for (const c of [clin, other, op, p1]) {
      const s = await c.post('/practice/appointments', form(c, { cutoff: '0' }));
      assert.equal(s.status, 404, `settings by ${c.session.role}`);
      assert.equal((await c.get('/practice/appointments')).status, 404);
    }
    assert.equal(sqlite(srv.dir, 'SELECT cancel_cutoff_minutes FROM practice_setting'), '120');
  });

  it('clinicians and practice admins publish slots; overlaps and strangers are refused', async () => {
    const date = daysAhead(20);
    const page = await clin.get('/slots');
    assert.equal(page.status, 200);
    const c1 = clin.session.account; const c2 = clin2.session.account;
    const pub = await clin.post('/slots', form(clin, { clinician: c1, date, time: '10:00', minutes: '20', count: '3' }));
    assert.equal(pub.status, 303);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM slot WHERE clinician_id=X'${c1}' AND minutes=20`), '3');
    const overlap = await clin.post('/slots', form(clin, { clinician: c1, date, time: '10:30', minutes: '15', count: '1' }));
    assert.equal(overlap.status, 400);
    assert.match(overlap.text, /overlap/);
    const byAdmin = await admin.post('/slots', form(admin, { clinician: c2, date, time: '15:00', minutes: '30', count: '2' }));
    assert.equal(byAdmin.status, 303);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM slot WHERE clinician_id=X'${c2}' AND minutes=30`), '2');
    const past = await clin.post('/slots', form(clin, { clinician: c1, date: daysAhead(-2), time: '10:00', minutes: '15', count: '1' }));
    assert.equal(past.status, 400);
    assert.match(past.text, /in the future/);
    // Another practice's clinician cannot publish for ours; patients and operators have no page.
    const stranger = await other.post('/slots', form(other, { clinician: c1, date, time: '08:00', minutes: '15', count: '1' }));
    assert.equal(stranger.status, 400);
    assert.match(stranger.text, /Choose a clinician of your practice/);
    for (const c of [p1, op]) {
      assert.equal((await c.get('/slots')).status, 404);
      assert.equal((await c.post('/slots', form(c, { clinician: c1, date, time: '08:00', minutes: '15', count: '1' }))).status, 404);
    }
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM slot WHERE clinician_id=X'${c1}' AND minutes=15 AND start > strftime('%s','now') + 19*86400`), '0');
    assert.ok(audit(srv, `actor='${c1}' AND action='slot.publish' AND outcome='allow'`).length >= 1);
    assert.ok(audit(srv, `actor='${op.session.account}' AND action='slot.publish' AND outcome='deny'`).length >= 1);
    // The published times are in NZ time: 10:00 on that day.
    const starts = sqlite(srv.dir, `SELECT start FROM slot WHERE clinician_id=X'${c1}' AND minutes=20 ORDER BY start`).split('\n').map(Number);
    const hm = new Intl.DateTimeFormat('en-GB', { timeZone: 'Pacific/Auckland', hour: '2-digit', minute: '2-digit', hour12: false });
    assert.deepEqual(starts.map((t) => hm.format(new Date(t * 1000))), ['10:00', '10:20', '10:40']);
    assert.deepEqual(starts.map(nzDate), [date, date, date]);
  });

  it('one patient cannot book out the calendar: at most 10 upcoming appointments', async () => {
    const p4 = await login(srv, 'patient4@demo.test');
    const pid = p4.session.patient;
    const held = () => Number(sqlite(srv.dir, `SELECT count(*) FROM appointment a JOIN slot s ON s.id=a.slot_id WHERE a.patient_id=X'${pid}' AND a.cancelled IS NULL AND s.start > strftime('%s','now')`));
    const slots = freeSlots((await p4.get('/appointments')).text);
    let k = 30;
    while (held() < 10) {
      const r = await p4.post('/appointments', form(p4, { slot: slots[k++] }));
      assert.equal(r.status, 303);
    }
    const over = await p4.post('/appointments', form(p4, { slot: slots[k] }));
    assert.equal(over.status, 409);
    assert.match(over.text, /already have 10 upcoming appointments/);
    assert.equal(held(), 10);
  });

  it('the clinician sees their day with patients and reasons; others do not', async () => {
    const row = sqlite(srv.dir, `SELECT s.start FROM appointment a JOIN slot s ON s.id=a.slot_id WHERE s.clinician_id=X'${clin.session.account}' AND a.cancelled IS NULL AND a.reason IS NOT NULL ORDER BY s.start LIMIT 1`);
    const date = nzDate(Number(row));
    const day = await clin.get(`/day?date=${date}`);
    assert.equal(day.status, 200);
    assert.ok(day.text.includes(`My day: ${nzDay(Number(row))}`), 'the day, in New Zealand');
    assert.ok(day.text.includes(`<td>${nzClock(Number(row))}</td>`), 'its slot\'s time, as the slots show it');
    assert.match(day.text, /<a href="\/patients\/[0-9a-f]{32}">[^<]+, [^<]+<\/a>/);
    assert.equal((await clin.get('/day?date=nonsense')).status, 400);
    for (const c of [admin, op, p1]) assert.equal((await c.get(`/day?date=${date}`)).status, 404);
    const mine = await other.get(`/day?date=${date}`);
    assert.equal(mine.status, 200);
    assert.match(mine.text, /No slots on this day/);
  });

  it('another patient, another practice, practice admin and operator get exactly the answer of a random id', async () => {
    const pid = p2.session.patient;
    const ap = sqlite(srv.dir, `SELECT lower(hex(a.id)) FROM appointment a JOIN slot s ON s.id=a.slot_id WHERE a.patient_id=X'${pid}' AND a.cancelled IS NULL AND s.start > strftime('%s','now') LIMIT 1`);
    assert.match(ap, /^[0-9a-f]{32}$/);
    const rnd = randomId();
    for (const [who, c] of [['patient1', p1], ['other practice', other], ['admin', admin], ['operator', op]]) {
      const real = await c.post(`/appointments/${ap}/cancel`, form(c, {}));
      const fake = await c.post(`/appointments/${rnd}/cancel`, form(c, {}));
      assert.equal(real.status, 404, `${who} cancel`);
      assert.equal(real.text, fake.text, `${who} cancel body`);
      const f1 = await c.fhir(`Appointment/${ap}`);
      const f2 = await c.fhir(`Appointment/${rnd}`);
      assert.equal(f1.status, 404, `${who} read`);
      assert.equal(f1.text, f2.text);
      const s1 = await c.fhir(`Appointment?patient=${pid}`);
      const s2 = await c.fhir(`Appointment?patient=${rnd}`);
      assert.equal(s1.status, 404, `${who} search`);
      assert.equal(s1.text, s2.text);
      assert.doesNotMatch(s1.text + f1.text + real.text, /Sore|reason|Dr Aroha/i);
    }
    assert.equal(sqlite(srv.dir, `SELECT cancelled IS NULL FROM appointment WHERE id=X'${ap}'`), '1');
    assert.ok(audit(srv, `actor='${p1.session.account}' AND action='appointment.cancel' AND outcome='deny'`).includes(`appointment.cancel|deny|${ap}`));
    assert.ok(audit(srv, `actor='${admin.session.account}' AND action='appointment.list' AND outcome='deny'`).length >= 1);
    // A patient cannot book for someone else, nor a slot of another practice.
    const slot = freeSlots((await p1.get('/appointments')).text)[0];
    const forOther = JSON.stringify({ resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${slot}` }],
      participant: [{ actor: { reference: `Patient/${pid}` } }] });
    const r1 = await p1.post('/fhir/R4/Appointment', { body: forOther, headers: FHIR_JSON });
    const r2 = await p1.post('/fhir/R4/Appointment', { body: forOther.replace(pid, rnd), headers: FHIR_JSON });
    assert.equal(r1.status, 404);
    assert.equal(r1.text, r2.text);
  });

  it('a proxy with the appointments scope books for the patient; without it, told no (403)', async () => {
    const pid = p1.session.patient; const acct = p3.session.account;
    const far = Math.floor(Date.now() / 1000) + 86400;
    sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by) VALUES (randomblob(16), X'${pid}', X'${acct}', 4, ${far}, 0, X'${acct}')`);
    const slot = freeSlots((await p1.get('/appointments')).text)[2];
    const body = JSON.stringify({ resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${slot}` }],
      participant: [{ actor: { reference: `Patient/${pid}` } }], reasonCode: [{ text: 'Booked by daughter' }] });
    assert.equal((await p3.post('/fhir/R4/Appointment', { body, headers: FHIR_JSON })).status, 403);
    sqlite(srv.dir, `UPDATE proxy_grant SET scopes = 8 WHERE account_id=X'${acct}'`);
    const ok = await p3.post('/fhir/R4/Appointment', { body, headers: FHIR_JSON });
    assert.equal(ok.status, 201);
    assertValidFhir(ok.json());
    assert.match(ok.headers.get('location'), /\/fhir\/R4\/Appointment\/[0-9a-f]{32}\/_history\/1$/);
    const mine = await p1.get('/appointments');
    assert.match(mine.text, /Reason: Booked by daughter/);
    assert.equal(audit(srv, `actor='${acct}' AND action='appointment.book' AND outcome='allow' AND patient='${pid}'`).length, 1);
    sqlite(srv.dir, `DELETE FROM proxy_grant WHERE account_id=X'${acct}'`);
  });

  it('FHIR Slot and Appointment: search, read and create validate', async () => {
    const pid = p1.session.patient;
    const slots = await p1.fhir('Slot');
    assert.equal(slots.status, 200);
    const sb = slots.json();
    assertValidFhir(sb);
    assert.ok(sb.total > 10);
    for (const e of sb.entry.slice(0, 20)) { assertValidFhir(e.resource); assert.equal(e.resource.status, 'free'); }
    const one = sb.entry[0].resource;
    const read = await p1.fhir(`Slot/${one.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.json(), one);
    const ranged = await p1.fhir(`Slot?start=ge${daysAhead(3)}&start=lt${daysAhead(5)}`);
    assert.equal(ranged.status, 200);
    assert.equal((await p1.fhir('Slot?start=xx')).status, 400);
    assert.equal((await p1.fhir('Slot?start=ge2026-12-01T09:00:00Z')).status, 400);
    const morning = await p1.fhir(`Slot?start=ge${daysAhead(2)}T12:00&start=lt${daysAhead(2)}T23:59`);
    assert.equal(morning.status, 200);
    const hm = new Intl.DateTimeFormat('en-GB', { timeZone: 'Pacific/Auckland', hour: '2-digit', hour12: false });
    assert.ok(morning.json().entry.every((e) => Number(hm.format(new Date(e.resource.start))) >= 12));
    assert.equal((await p1.fhir('Slot?practice=1')).status, 400);
    const staff = await clin.fhir(`Slot?schedule=Schedule/${clin.session.account}&status=busy`);
    assert.equal(staff.status, 200);
    assert.ok(staff.json().entry.every((e) => e.resource.status === 'busy' && e.resource.schedule.reference === `Schedule/${clin.session.account}`));
    assert.equal((await other.fhir(`Slot/${one.id}`)).status, 404);
    assert.equal((await op.fhir('Slot')).status, 404);
    const aps = await p1.fhir(`Appointment?patient=${pid}`);
    assert.equal(aps.status, 200);
    assertValidFhir(aps.json());
    for (const e of aps.json().entry) assertValidFhir(e.resource);
    assert.ok(aps.json().entry.some((e) => e.resource.status === 'cancelled'));
    const free = sb.entry[3].resource;
    const created = await p1.post('/fhir/R4/Appointment', { headers: FHIR_JSON, body: JSON.stringify({
      resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${free.id}` }],
      participant: [{ actor: { reference: `Patient/${pid}` }, status: 'accepted' }], reasonCode: [{ text: 'Flu vaccine' }] }) });
    assert.equal(created.status, 201);
    const a = created.json();
    assertValidFhir(a);
    assert.equal(a.status, 'booked');
    assert.equal(a.start, free.start);
    assert.equal(a.reasonCode[0].text, 'Flu vaccine');
    assert.deepEqual((await p1.fhir(`Appointment/${a.id}`)).json(), a);
    const bad = await p1.post('/fhir/R4/Appointment', { headers: FHIR_JSON, body: '{"resourceType":"Appointment","status":"booked"}' });
    assert.equal(bad.status, 400);
    assertValidFhir(bad.json());
    const cap = (await p1.fhir('metadata')).json();
    assertValidFhir(cap);
    const types = cap.rest[0].resource.map((r) => r.type);
    assert.ok(types.includes('Appointment') && types.includes('Slot'));
    assert.deepEqual(cap.rest[0].resource.find((r) => r.type === 'Appointment').interaction.map((i) => i.code), ['read', 'search-type', 'create', 'vread']);
  });
});

describe('the upcoming-appointments limit under concurrent bookings', () => {
  let srv;
  // many worker threads, as on a many-core server: the race needs bookings in flight at once
  before(async () => { srv = await startServer({ patients: 2, bin: RELEASE_BIN, extraArgs: ['--threads', '16'] }); });
  after(async () => { await srv.stop(); });

  it('40 bookings at once leave exactly 10 upcoming: the check and the insert are one', async () => {
    const p = await login(srv, 'patient1@demo.test');
    const pid = p.session.patient;
    const held = () => Number(sqlite(srv.dir, `SELECT count(*) FROM appointment a JOIN slot s ON s.id=a.slot_id WHERE a.patient_id=X'${pid}' AND a.cancelled IS NULL AND s.start > strftime('%s','now')`));
    const before1 = held();
    assert.ok(before1 < 10);
    const slots = freeSlots((await p.get('/appointments')).text);
    assert.ok(slots.length >= 40, `free slots: ${slots.length}`);
    const results = await Promise.all(slots.slice(0, 40).map((slot) => p.post('/appointments', form(p, { slot, reason: 'Check-up' }))));
    const booked = results.filter((r) => r.status === 303).length;
    for (const r of results) {
      assert.ok(r.status === 303 || r.status === 409, String(r.status));
      if (r.status === 409) assert.match(r.text, /already have 10 upcoming appointments/);
    }
    assert.equal(held(), 10);
    assert.equal(booked, 10 - before1);
    // and a cancelled one frees its place
    const [first] = cancelForms((await p.get('/appointments')).text);
    assert.equal((await p.post(`/appointments/${first}/cancel`, form(p, {}))).status, 303);
    assert.equal(held(), 9);
    const again = freeSlots((await p.get('/appointments')).text);
    assert.equal((await p.post('/appointments', form(p, { slot: again[again.length - 1] }))).status, 303);
    assert.equal(held(), 10);
  });
});

// FHIR Slot search pages as the other searches do (SEARCH.md "Slot"): _count, next and previous
// links, total, _summary=count, _total=none; over more than 500 free slots, followed to the
// end, every free slot once and in start order; never another practice's slots, whoever asks
// and whatever cursor they send.
describe('FHIR Slot search pages', () => {
  let srv; let p1; let clin; let other; let from; let to;
  const ids = (b) => (b.entry || []).map((e) => e.resource.id);
  const link = (b, rel) => (b.link.find((l) => l.relation === rel) || {}).url;
  const get = async (c, url) => {
    const r = await c.fhir(url.replace(/^.*\/fhir\/R4\//, ''));
    assert.equal(r.status, 200, r.text);
    return r.json();
  };
  const freeCount = (practiceOf) => Number(sqlite(srv.dir, `SELECT count(*) FROM slot s WHERE s.practice_id = (SELECT practice_id FROM account WHERE id = X'${practiceOf}') AND s.removed IS NULL AND s.start >= ${from} AND s.start < ${to} AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.slot_id = s.id AND a.cancelled IS NULL)`));
  const otherIds = () => new Set(sqlite(srv.dir, `SELECT lower(hex(s.id)) FROM slot s WHERE s.practice_id = (SELECT practice_id FROM account WHERE id = X'${other.session.account}')`).split('\n').filter(Boolean));

  before(async () => {
    srv = await startServer({ patients: 2 });
    p1 = await login(srv, 'patient1@demo.test');
    clin = await login(srv, 'clinician1@demo.test');
    other = await login(srv, 'otherclinician1@demo.test');
    // 30 days of 32 ten-minute slots from day 30: 960 free slots of the patient's practice,
    // and some of another practice's on the same days.
    for (let d = 30; d < 60; d++) {
      const r = await clin.post('/slots', form(clin, { clinician: clin.session.account, date: daysAhead(d), time: '08:00', minutes: '10', count: '32' }));
      assert.equal(r.status, 303, r.text);
      if (d % 10 === 0) {
        const o = await other.post('/slots', form(other, { clinician: other.session.account, date: daysAhead(d), time: '08:00', minutes: '10', count: '5' }));
        assert.equal(o.status, 303, o.text);
      }
    }
    from = Number(sqlite(srv.dir, `SELECT min(start) FROM slot WHERE clinician_id = X'${clin.session.account}' AND minutes = 10`));
    to = from + 40 * 86400;
  });
  after(async () => { await srv.stop(); });

  const range = () => `start=ge${daysAhead(29)}&start=lt${daysAhead(65)}`;

  it('pages to the end: every free slot once, soonest first, total exact, links both ways', async () => {
    const want = freeCount(clin.session.account);
    assert.ok(want > 500, `free slots: ${want}`);
    let b = await get(p1, `Slot?${range()}&_count=100`);
    assertValidFhir(b);
    assert.equal(b.total, want);
    assert.match(link(b, 'self'), /\/fhir\/R4\/Slot\?start=ge\d{4}-\d\d-\d\d&start=lt\d{4}-\d\d-\d\d&_count=100$/);
    assert.equal(link(b, 'previous'), undefined);
    const seen = []; const starts = []; let pages = 0;
    const first = ids(b);
    let second = null;
    for (;;) {
      pages++;
      assert.ok(b.entry.length <= 100);
      for (const e of b.entry) { seen.push(e.resource.id); starts.push(e.resource.start); assert.equal(e.resource.status, 'free'); }
      if (pages === 2) {
        second = ids(b);
        const back = await get(p1, link(b, 'previous'));
        assert.deepEqual(ids(back), first, 'previous leads back to the first page');
        assert.equal(back.total, want);
      }
      const next = link(b, 'next');
      if (!next) break;
      assert.match(next, /_cursor=n\d+\.[0-9a-f]{32}$/);
      b = await get(p1, next);
    }
    assert.ok(second);
    assert.equal(pages, Math.ceil(want / 100));
    assert.equal(seen.length, want);
    assert.equal(new Set(seen).size, want, 'no slot twice');
    assert.deepEqual([...starts].sort(), starts, 'soonest first');
    const others = otherIds();
    assert.ok(others.size >= 15);
    assert.equal(seen.filter((id) => others.has(id)).length, 0, 'no other practice\'s slot');
  });

  it('without _count a page is 500 with a next link; _summary=count and _count=0 give the total alone; _total=none leaves it out', async () => {
    const want = freeCount(clin.session.account);
    const b = await get(p1, `Slot?${range()}`);
    assert.equal(b.entry.length, 500);
    assert.equal(b.total, want);
    assert.ok(link(b, 'next'));
    for (const q of ['_summary=count', '_count=0']) {
      const c = await get(p1, `Slot?${range()}&${q}`);
      assertValidFhir(c);
      assert.equal(c.total, want);
      assert.equal(c.entry, undefined);
    }
    const none = await get(p1, `Slot?${range()}&_count=5&_total=none`);
    assert.equal(none.total, undefined);
    assert.equal(none.entry.length, 5);
    const bad = await p1.fhir(`Slot?${range()}&_sort=date`);
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Unsupported search parameter: _sort \(Slot\)/);
    assert.equal((await p1.fhir(`Slot?${range()}&_count=x`)).status, 400);
    assert.equal((await p1.fhir(`Slot?${range()}&_cursor=zzz`)).status, 400);
    assert.equal((await p1.fhir(`Slot?start=ge${daysAhead(1)}&start=lt${daysAhead(95)}`)).status, 400, 'the 90-day horizon stays');
    // The CapabilityStatement says exactly what Slot search takes.
    const cap = (await p1.fhir('metadata')).json();
    const slot = cap.rest[0].resource.find((r) => r.type === 'Slot');
    assert.deepEqual(slot.searchParam.map((p) => p.name).sort(), ['_count', '_summary', '_total', 'schedule', 'start', 'status']);
    assert.match(slot.searchParam.find((p) => p.name === '_count').documentation, /soonest first/);
  });

  it('staff page their own practice\'s slots only; another practice\'s cursor reaches nothing of ours', async () => {
    const want = freeCount(clin.session.account);
    const mine = await get(clin, `Slot?${range()}&status=free&_count=200`);
    assert.equal(mine.total, want);
    const theirs = await get(other, `Slot?${range()}&_count=200`);
    const others = otherIds();
    assert.ok(ids(theirs).length >= 15);
    assert.ok(ids(theirs).every((id) => others.has(id)));
    // our patient's next link, followed by the other practice's clinician: only their slots
    const next = link(await get(p1, `Slot?${range()}&_count=100`), 'next');
    const replay = await get(other, next);
    assert.ok(ids(replay).every((id) => others.has(id)));
    assert.ok(replay.total < 100);
    // the operator has no slots to search
    const op = await login(srv, 'operator@demo.test');
    assert.equal((await op.fhir(`Slot?${range()}&_count=10`)).status, 404);
  });
});
