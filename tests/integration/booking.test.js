// Booking (issue 15, item 7) over real HTTP against the real binary: free times filtered by
// clinician and by day (ids and dates only in the URL), the kind of visit (in person, phone,
// video) chosen, stored, shown and served as FHIR Appointment.appointmentType (validated), the
// step that confirms a cancellation, the calendar file (.ics, checked line by line against
// RFC 5545: no parser is installed), the practice closing online booking with its phone number
// and hours shown instead (admin only, audited), and the confirmation email in the SMTP sink.
// Every new route asked by another patient, another practice's staff and nobody is answered
// exactly as for a random id.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, sqlite, randomId, Client } = require('./lib');
const { startSink } = require('./smtp-sink');
const { form, login, audit } = require('./careplan-helpers');
const { assertValidFhir } = require('./fhir-validate');

const PORTAL = 'https://portal.demo-health.test';
const freeSlots = (html) => [...html.matchAll(/name="slot" required value="([0-9a-f]{32})"/g)].map((m) => m[1]);
const options = (html, name) => {
  const sel = html.match(new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`));
  return sel ? [...sel[1].matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]).filter(Boolean) : [];
};
const slotRow = (dir, id) => {
  const [clinician, start, minutes] = sqlite(dir, `SELECT lower(hex(clinician_id)), start, minutes FROM slot WHERE id = X'${id}'`).split('|');
  return { clinician, start: Number(start), minutes: Number(minutes) };
};
const nzDate = (t) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(t * 1000));
const utcStamp = (t) => new Date(t * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// RFC 5545 as far as a calendar file of ours goes: CRLF only, lines of at most 75 octets,
// continuation lines begin with one space and never split a UTF-8 character, the content lines
// unfolded are NAME[;params]:value, BEGIN/END nest, and one VEVENT with the required properties.
function parseIcs(buf) {
  const text = buf.toString('utf8');
  assert.ok(text.endsWith('\r\n'), 'ends with CRLF');
  assert.doesNotMatch(text.replace(/\r\n/g, ''), /[\r\n]/, 'CRLF line ends only');
  const raw = text.slice(0, -2).split('\r\n');
  for (const l of raw) assert.ok(Buffer.byteLength(l, 'utf8') <= 75, `a line of ${Buffer.byteLength(l)} octets: ${l}`);
  assert.equal(buf.includes(Buffer.from([0xef, 0xbf, 0xbd])), false, 'no character split by a fold');
  const lines = [];
  for (const l of raw) {
    if (l.startsWith(' ')) lines[lines.length - 1] += l.slice(1);
    else lines.push(l);
  }
  const stack = []; const events = []; let cur = null;
  for (const l of lines) {
    const m = l.match(/^([A-Z][A-Z0-9-]*)((?:;[A-Z0-9-]+=[^:;]*)*):(.*)$/);
    assert.ok(m, `a content line: ${l}`);
    const [, name, , value] = m;
    if (name === 'BEGIN') { stack.push(value); if (value === 'VEVENT') cur = {}; continue; }
    if (name === 'END') { assert.equal(stack.pop(), value, `END:${value} closes what it opened`); if (value === 'VEVENT') events.push(cur); continue; }
    if (cur) { assert.ok(!(name in cur), `${name} once`); cur[name] = value; } else if (stack.length === 1) (lines.cal = lines.cal || {})[name] = value;
  }
  assert.equal(stack.length, 0, 'every BEGIN ended');
  assert.equal(lines[0], 'BEGIN:VCALENDAR');
  assert.equal(lines.cal.VERSION, '2.0');
  assert.ok(lines.cal.PRODID);
  assert.equal(events.length, 1);
  for (const p of ['UID', 'DTSTAMP', 'DTSTART', 'DTEND', 'SUMMARY']) assert.ok(events[0][p], `VEVENT has ${p}`);
  const unescape = (v) => v.replace(/\\([\\;,nN])/g, (_, c) => (c === 'n' || c === 'N' ? '\n' : c));
  return { ...events[0], summary: unescape(events[0].SUMMARY) };
}

describe('booking', () => {
  let sink; let srv; let p1; let p2; let clin; let other; let admin; let nobody;
  const mails = (to, re = /./) => sink.messages.filter((m) => m.to.includes(to) && re.test(m.subject));

  before(async () => {
    sink = await startSink();
    srv = await startServer({ patients: 4,
      config: `smtp.url = smtp://127.0.0.1:${sink.port}\nsmtp.from = Demo Health Centre <noreply@demo.test>\nportal.url = ${PORTAL}/\nbreaker.misses = 100000\n` });
    p1 = await login(srv, 'patient1@demo.test');
    p2 = await login(srv, 'patient2@demo.test');
    clin = await login(srv, 'clinician1@demo.test');
    other = await login(srv, 'otherclinician1@demo.test');
    admin = await login(srv, 'admin1@demo.test');
    nobody = new Client(srv.base);
  });
  after(async () => { await srv.stop(); await sink.close(); });

  it('filters the free times by clinician and by day, with ids and dates only in the URL', async () => {
    const all = (await p1.get('/appointments')).text;
    const slots = freeSlots(all);
    assert.ok(slots.length >= 4);
    const clinicians = options(all, 'clinician');
    assert.ok(clinicians.length >= 2, `clinicians offered: ${clinicians}`);
    for (const c of clinicians) assert.match(c, /^[0-9a-f]{32}$/);
    const byClin = (await p1.get(`/appointments?clinician=${clinicians[1]}`)).text;
    const shown = freeSlots(byClin);
    assert.ok(shown.length > 0 && shown.length < slots.length);
    for (const s of shown) assert.equal(slotRow(srv.dir, s).clinician, clinicians[1]);
    assert.equal(slots.filter((s) => slotRow(srv.dir, s).clinician === clinicians[1]).length, shown.length, 'all of theirs');
    assert.match(byClin, new RegExp(`<option value="${clinicians[1]}" selected>`));
    const days = options(all, 'day');
    assert.ok(days.length >= 2);
    for (const d of days) assert.match(d, /^\d{4}-\d{2}-\d{2}$/);
    const byDay = freeSlots((await p1.get(`/appointments?day=${days[1]}`)).text);
    assert.ok(byDay.length > 0);
    for (const s of byDay) assert.equal(nzDate(slotRow(srv.dir, s).start), days[1]);
    assert.equal(slots.filter((s) => nzDate(slotRow(srv.dir, s).start) === days[1]).length, byDay.length);
    const both = freeSlots((await p1.get(`/appointments?clinician=${clinicians[0]}&day=${days[0]}`)).text);
    for (const s of both) { const r = slotRow(srv.dir, s); assert.equal(r.clinician, clinicians[0]); assert.equal(nzDate(r.start), days[0]); }
    // nothing offered for that choice: said, with a way back; junk is ignored, not an error
    const none = await p1.get(`/appointments?clinician=${randomId()}`);
    assert.equal(freeSlots(none.text).length, 0);
    assert.match(none.text, /No free times for that choice/);
    assert.equal(freeSlots((await p1.get('/appointments?clinician=zz&day=2031-13-45')).text).length, slots.length);
  });

  let booked; // { id, slot, start, minutes }
  it('books a video appointment: stored, shown, emailed, and in FHIR as appointmentType (valid R4)', async () => {
    const page = (await p1.get('/appointments')).text;
    assert.match(page, /name="kind" value="in-person" checked/);
    assert.match(page, /name="kind" value="phone"/);
    assert.match(page, /name="kind" value="video"/);
    const slot = freeSlots(page).at(-1);
    const before1 = mails('patient1@demo.test', /Your appointment/).length;
    const r = await p1.post('/appointments', form(p1, { slot, kind: 'video', reason: 'Rash on my elbow' }));
    assert.equal(r.status, 303, r.text);
    const id = sqlite(srv.dir, `SELECT lower(hex(id)) FROM appointment WHERE slot_id = X'${slot}' AND cancelled IS NULL`);
    assert.equal(sqlite(srv.dir, `SELECT kind FROM appointment WHERE id = X'${id}'`), 'video');
    booked = { id, slot, ...slotRow(srv.dir, slot) };
    const list = (await p1.get('/appointments')).text;
    assert.match(list, /By video/);
    const fh = (await p1.fhir(`Appointment/${id}`)).json();
    assert.deepEqual(fh.appointmentType.coding, [{ system: 'https://medkeep.nz/fhir/CodeSystem/appointment-kind', code: 'video', display: 'By video' }]);
    assertValidFhir(fh);
    // a bad kind is refused, nothing booked
    const slot2 = freeSlots(list)[0];
    const bad = await p1.post('/appointments', form(p1, { slot: slot2, kind: 'carrier-pigeon' }));
    assert.equal(bad.status, 400);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM appointment WHERE slot_id = X'${slot2}'`), '0');
    // by FHIR, by phone
    const created = await p1.post('/fhir/R4/Appointment', { headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({
      resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${slot2}` }],
      participant: [{ actor: { reference: `Patient/${p1.session.patient}` }, status: 'accepted' }],
      appointmentType: { coding: [{ system: 'https://medkeep.nz/fhir/CodeSystem/appointment-kind', code: 'phone' }] } }) });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json().appointmentType.coding[0].code, 'phone');
    assertValidFhir(created.json());
    const wrong = await p1.post('/fhir/R4/Appointment', { headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({
      resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${freeSlots(list)[1]}` }],
      participant: [{ actor: { reference: `Patient/${p1.session.patient}` }, status: 'accepted' }],
      appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'ROUTINE' }] } }) });
    assert.equal(wrong.status, 400);
    // the confirmation email: the practice, the time, the kind, the portal; nothing clinical
    const got = await sink.waitFor('patient1@demo.test', /Your appointment/, before1 + 1);
    const m = got.at(before1);
    assert.match(m.body, /An appointment at Demo Health Centre is booked for you: \w{3} \d{1,2} \w{3} \d{4}, \d{1,2}:\d{2} [ap]m\./);
    assert.match(m.body, /by video/i);
    assert.ok(m.body.includes(PORTAL));
    assert.ok(m.links.some((l) => l.startsWith(PORTAL)));
    for (const w of ['rash', 'elbow']) assert.equal(m.body.toLowerCase().includes(w), false);
  });

  it('the calendar file: RFC 5545, UTC times of the slot, a stable UID, nothing clinical', async () => {
    const r = await p1.get(`/appointments/${booked.id}/calendar.ics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/calendar; charset=utf-8/);
    assert.match(r.headers.get('content-disposition'), /^attachment; filename="appointment\.ics"/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const ev = parseIcs(r.buf);
    assert.equal(ev.DTSTART, utcStamp(booked.start));
    assert.equal(ev.DTEND, utcStamp(booked.start + booked.minutes * 60));
    assert.match(ev.DTSTAMP, /^\d{8}T\d{6}Z$/);
    assert.equal(ev.summary, 'Appointment at Demo Health Centre');
    assert.equal(ev.STATUS, 'CONFIRMED');
    assert.equal(ev.UID, `${booked.id}@appointments.medkeep`);
    for (const w of ['Rash', 'elbow', 'video', 'Dr']) assert.equal(r.text.includes(w), false, `${w} in the file`);
    const again = parseIcs((await p1.get(`/appointments/${booked.id}/calendar.ics`)).buf);
    assert.equal(again.UID, ev.UID, 'the same UID each time, so a calendar updates one entry');
    // linked from the list
    assert.ok((await p1.get('/appointments')).text.includes(`href="/appointments/${booked.id}/calendar.ics"`));
  });

  it('cancelling asks first (a page of its own, no script), then cancels', async () => {
    const list = (await p1.get('/appointments')).text;
    assert.ok(list.includes(`href="/appointments/${booked.id}/cancel"`));
    assert.equal(list.includes(`action="/appointments/${booked.id}/cancel"`), false, 'no one-tap cancel on the list');
    const ask = await p1.get(`/appointments/${booked.id}/cancel`);
    assert.equal(ask.status, 200);
    assert.match(ask.text, /<h1>Cancel this appointment\?<\/h1>/);
    assert.ok(ask.text.includes(`action="/appointments/${booked.id}/cancel"`));
    assert.match(ask.text, />Yes, cancel it</);
    assert.match(ask.text, /href="\/appointments">Keep it/);
    assert.equal(sqlite(srv.dir, `SELECT cancelled IS NULL FROM appointment WHERE id = X'${booked.id}'`), '1', 'asking changes nothing');
    const done = await p1.post(`/appointments/${booked.id}/cancel`, form(p1, {}));
    assert.equal(done.status, 303);
    assert.equal(sqlite(srv.dir, `SELECT cancelled IS NOT NULL FROM appointment WHERE id = X'${booked.id}'`), '1');
    const after1 = await p1.get(`/appointments/${booked.id}/cancel`);
    assert.match(after1.text, /cancelled already/);
    assert.doesNotMatch(after1.text, /Yes, cancel it/);
    assert.equal(parseIcs((await p1.get(`/appointments/${booked.id}/calendar.ics`)).buf).STATUS, 'CANCELLED');
  });

  it('another patient, another practice\'s staff and nobody are answered as for a random id', async () => {
    const fake = randomId();
    const actors = { 'another patient': p2, 'another practice\'s clinician': other, nobody };
    for (const [who, c] of Object.entries(actors)) {
      for (const p of ['cancel', 'calendar.ics']) {
        const got = await c.get(`/appointments/${booked.id}/${p}`);
        const want = await c.get(`/appointments/${fake}/${p}`);
        assert.equal(got.status, want.status, `${who} ${p}`);
        assert.notEqual(got.status, 200, `${who} ${p}`);
        assert.equal(got.text.split(booked.id).join(fake), want.text, `${who} ${p}: same body`);
        assert.equal(got.headers.get('content-type'), want.headers.get('content-type'));
      }
    }
    const denied = audit(srv, `action = 'appointment.list' AND rid = '${booked.id}' AND outcome != 'allow'`);
    assert.ok(denied.length >= 2, `denials audited: ${denied}`);
  });

  it('the practice admin closes online booking: patients see the phone number and hours, and cannot book online', async () => {
    const slot = freeSlots((await p1.get('/appointments')).text)[0];
    const settings = await admin.get('/practice/appointments');
    assert.match(settings.text, /<h2>Online booking<\/h2>/);
    const save = (c, fields) => c.post('/practice/appointments', form(c, { part: 'booking', ...fields }));
    // bad phone, or closing without a phone: refused
    assert.equal((await save(admin, { phone: 'call us!', hours: '' })).status, 400);
    assert.equal((await save(admin, { closed: '1', phone: '', hours: 'Mon-Fri' })).status, 400);
    // a clinician, another practice's admin: not theirs to set
    const c1 = await save(clin, { closed: '1', phone: '09 555 0100', hours: 'x' });
    assert.equal(c1.status, 404);
    const hours = 'Mon–Fri 8 am – 5:30 pm, Sat 9 am – 12 pm <b>';
    const ok = await save(admin, { closed: '1', phone: '+64 9 555 0100', hours });
    assert.equal(ok.status, 303, ok.text);
    assert.ok(audit(srv, "action = 'practice.settings.write' AND outcome = 'allow'").length >= 1);
    const page = (await p1.get('/appointments')).text;
    assert.match(page, /Online booking is closed/);
    assert.equal(freeSlots(page).length, 0);
    assert.match(page, /href="tel:\+6495550100">\+64 9 555 0100<\/a>/);
    assert.ok(page.includes('Mon–Fri 8 am – 5:30 pm, Sat 9 am – 12 pm &lt;b&gt;'), 'the hours, escaped');
    // the form of before, sent anyway: refused, nothing booked
    const r = await p1.post('/appointments', form(p1, { slot }));
    assert.equal(r.status, 409);
    assert.match(r.text, /Online booking is closed/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM appointment WHERE slot_id = X'${slot}' AND cancelled IS NULL`), '0');
    // the settings page shows what was saved; opening again restores booking
    const shown = (await admin.get('/practice/appointments')).text;
    assert.match(shown, /name="closed" value="1" checked/);
    assert.ok(shown.includes('value="+64 9 555 0100"'));
    assert.equal((await save(admin, { phone: '+64 9 555 0100', hours })).status, 303);
    const open = (await p1.get('/appointments')).text;
    assert.ok(freeSlots(open).length > 0);
    assert.doesNotMatch(open, /Online booking is closed/);
    await sleep(0);
  });

  it('reception sees who is booked on a day; clinicians move or cancel, admins and clinicians remove free times', async () => {
    // p1 books in person; its day, as reception sees it
    const page = (await p1.get('/appointments')).text;
    const slot = freeSlots(page).at(-2);
    assert.equal((await p1.post('/appointments', form(p1, { slot, kind: 'phone' }))).status, 303);
    const ap = sqlite(srv.dir, `SELECT lower(hex(id)) FROM appointment WHERE slot_id = X'${slot}' AND cancelled IS NULL`);
    const row = slotRow(srv.dir, slot);
    const me = (await p1.fhir(`Patient/${p1.session.patient}`)).json();
    const name = `${me.name[0].family}, ${me.name[0].given.join(' ')}`;
    const day = `/practice/bookings?date=${nzDate(row.start)}`;
    const asAdmin = await admin.get(day);
    assert.equal(asAdmin.status, 200);
    assert.ok(asAdmin.text.includes(name), 'reception sees the name');
    assert.match(asAdmin.text, /By phone/);
    assert.equal(asAdmin.text.includes(`/appointments/${ap}/change`), false, 'an admin does not change bookings (not the record)');
    assert.doesNotMatch(asAdmin.text, /Rash|elbow/);
    const asClin = await clin.get(day);
    assert.ok(asClin.text.includes(name));
    assert.ok(asClin.text.includes(`href="/appointments/${ap}/change"`));
    // names only for the day shown: another day's page does not name p1
    const otherDay = (await admin.get(`/practice/bookings?date=${nzDate(row.start + 40 * 86400)}`)).text;
    assert.equal(otherDay.includes(name), false);
    // not a patient's page; another practice sees its own day, without p1
    assert.equal((await p1.get(day)).status, 404);
    const theirs = await other.get(day);
    assert.equal(theirs.status, 200);
    assert.equal(theirs.text.includes(name), false);
    assert.equal((await admin.get('/practice/bookings?date=tomorrow')).status, 400);

    // move: the patient emailed that it changed; the calendar file follows, same UID
    const change = await clin.get(`/appointments/${ap}/change`);
    assert.equal(change.status, 200);
    const target = [...change.text.matchAll(/<option value="([0-9a-f]{32})">/g)].map((m) => m[1]).find((s2) => s2 !== slot);
    assert.ok(target);
    const icsBefore = parseIcs((await p1.get(`/appointments/${ap}/calendar.ics`)).buf);
    const before1 = mails('patient1@demo.test', /changed/).length;
    const fake = randomId();
    for (const [who, c] of [['the patient', p1], ['another patient', p2], ['another practice', other], ['the practice admin', admin], ['nobody', nobody]]) {
      for (const [method, p, body] of [['GET', 'change', null], ['POST', 'move', { slot: target }]]) {
        const opts = body ? form(c, body) : undefined;
        const got = await c.req(method, `/appointments/${ap}/${p}`, opts);
        const want = await c.req(method, `/appointments/${fake}/${p}`, body ? form(c, body) : undefined);
        assert.notEqual(got.status, 200, `${who} ${p}`);
        if (who === 'nobody') assert.match(got.headers.get('location') || '', /^\/login/, `${who} ${p}: to sign in`);
        else assert.notEqual(got.status, 303, `${who} ${p}`);
        assert.equal(got.status, want.status, `${who} ${p}`);
        assert.equal(got.text.split(ap).join(fake), want.text, `${who} ${p}: as a random id`);
      }
    }
    assert.equal(sqlite(srv.dir, `SELECT lower(hex(slot_id)) FROM appointment WHERE id = X'${ap}'`), slot, 'nothing moved by them');
    const moved = await clin.post(`/appointments/${ap}/move`, form(clin, { slot: target }));
    assert.equal(moved.status, 303, moved.text);
    assert.equal(moved.headers.get('location'), '/practice/bookings?done=moved');
    assert.equal(sqlite(srv.dir, `SELECT lower(hex(slot_id)) FROM appointment WHERE id = X'${ap}'`), target);
    const m = (await sink.waitFor('patient1@demo.test', /changed/, before1 + 1)).at(-1);
    assert.match(m.subject, /Your appointment has changed/);
    assert.match(m.body, /Your appointment at Demo Health Centre has been moved from \w{3} \d{1,2} \w{3} \d{4}, \d{1,2}:\d{2} [ap]m to \w{3} \d{1,2} \w{3} \d{4}, \d{1,2}:\d{2} [ap]m\. It is by phone/);
    assert.ok(m.links.some((l) => l.startsWith(PORTAL)));
    const icsAfter = parseIcs((await p1.get(`/appointments/${ap}/calendar.ics`)).buf);
    assert.equal(icsAfter.UID, icsBefore.UID);
    assert.equal(icsAfter.DTSTART, utcStamp(slotRow(srv.dir, target).start));
    // the old time is free again; a taken one is refused
    assert.ok(freeSlots((await p1.get('/appointments')).text).includes(slot));
    const taken = sqlite(srv.dir, `SELECT lower(hex(slot_id)) FROM appointment WHERE cancelled IS NULL AND id != X'${ap}' AND slot_id IN (SELECT id FROM slot WHERE start > strftime('%s','now') + 3600) LIMIT 1`);
    if (taken) assert.equal((await clin.post(`/appointments/${ap}/move`, form(clin, { slot: taken }))).status, 409);

    // cancel, with a reason from the list: emailed in those words
    const c0 = mails('patient1@demo.test', /Your appointment$/).length;
    assert.equal((await clin.post(`/appointments/${ap}/cancel`, form(clin, { reason: 'made-up' }))).status, 409);
    const cancelled = await clin.post(`/appointments/${ap}/cancel`, form(clin, { reason: 'clinician-away' }));
    assert.equal(cancelled.status, 303);
    assert.equal(sqlite(srv.dir, `SELECT cancel_reason FROM appointment WHERE id = X'${ap}'`), 'clinician-away');
    const cm = (await sink.waitFor('patient1@demo.test', /Your appointment$/, c0 + 1)).at(-1);
    assert.match(cm.body, /has been cancelled by the practice\. The clinician is not available at that time\. Please book another time/);
    assert.ok(cm.links.some((l) => l.startsWith(PORTAL)));
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM outbox WHERE ref = X'${ap}' AND sent IS NULL`), '0', 'no reminder left');
    // the patient sees why; FHIR gives it as cancelationReason (valid R4)
    assert.match((await p1.get('/appointments')).text, /by the practice: The clinician is not available at that time\./);
    const fc = (await p1.fhir(`Appointment/${ap}`)).json();
    assert.equal(fc.status, 'cancelled');
    assert.deepEqual(fc.cancelationReason, { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason', code: 'prov', display: 'Provider' }], text: 'The clinician is not available at that time.' });
    assertValidFhir(fc);

    // remove a free time: gone from what patients can book; others answered as a random slot
    const free = freeSlots((await p1.get('/appointments')).text);
    const victim = free.at(-1);
    for (const [who, c] of [['a patient', p1], ['another practice', other], ['nobody', nobody]]) {
      const got = await c.post(`/slots/${victim}/remove`, form(c, {}));
      const want = await c.post(`/slots/${fake}/remove`, form(c, {}));
      assert.equal(got.status, want.status, who);
      if (who !== 'nobody') assert.notEqual(got.status, 303, who);
      assert.equal(got.text, want.text, who);
    }
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM slot WHERE id = X'${victim}' AND removed IS NULL`), '1');
    const removed = await admin.post(`/slots/${victim}/remove`, form(admin, {}));
    assert.equal(removed.status, 303);
    assert.equal(freeSlots((await p1.get('/appointments')).text).includes(victim), false);
    assert.equal((await p1.post('/appointments', form(p1, { slot: victim }))).status, 409, 'a removed time cannot be booked');
    assert.ok(audit(srv, `action = 'slot.remove' AND outcome = 'allow' AND rid = '${victim}'`).length === 1);
    // a booked one cannot be removed; the old (now cancelled) slot of ap is kept, marked
    const booked2 = sqlite(srv.dir, `SELECT lower(hex(a.slot_id)) FROM appointment a JOIN slot s ON s.id = a.slot_id WHERE a.cancelled IS NULL AND s.start > strftime('%s','now') + 3600 LIMIT 1`);
    assert.equal((await clin.post(`/slots/${booked2}/remove`, form(clin, {}))).status, 409);
    assert.equal((await clin.post(`/slots/${target}/remove`, form(clin, {}))).status, 303);
    assert.equal(sqlite(srv.dir, `SELECT removed IS NOT NULL FROM slot WHERE id = X'${target}'`), '1', 'kept for the cancelled booking');
  });
});
