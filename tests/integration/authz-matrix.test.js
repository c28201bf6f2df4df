// The authorization matrix (DESIGN.md invariants 1-3): every route that reaches one patient's
// record, asked by every kind of actor, about one patient (P1). Each answer must be what the
// design says: allowed actors get the data; a proxy asking the record it holds for a part its
// grant leaves out is told so (403, invariant 2); everyone else gets exactly the answer a random
// id gets (404, same body); and every request, allowed or not, leaves an audit record naming the
// actor.
//
// The table of who may do what is written out here on its own (not derived from the server's
// code), so a change to the gate that widens access fails this test.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, multipart, pdfWith, randomId, sqlite } = require('./lib');

// Actors, all asking about patient1's record (P1).
const ACTORS = {
  self: 'patient1@demo.test',
  other: 'patient2@demo.test',              // another patient of the same practice
  proxyDocuments: 'patient3@demo.test',     // live proxy grant from P1: documents scope
  proxyResults: 'patient4@demo.test',       // live proxy grant from P1: results scope only
  proxyExpired: 'patient5@demo.test',       // a grant from P1 with every scope, expired
  proxyRevoked: 'patient6@demo.test',       // a grant from P1 with every scope, revoked
  clinician: 'clinician1@demo.test',        // P1's practice
  otherClinician: 'otherclinician1@demo.test', // another practice
  admin: 'admin1@demo.test',                // practice admin of P1's practice
  operator: 'operator@demo.test',
};

// Who may take each action on P1's record (DESIGN.md "Who uses it"; docs/internals/AUTHORIZATION.md).
const SCOPE = { documents: 1, results: 2, medications: 4, appointments: 8, messages: 16, summary: 32, all: 63 };
const ALLOW = {
  'patient.read': ['self', 'proxyDocuments', 'proxyResults', 'clinician', 'admin'],
  // the patient's page: a practice admin sees the register entry (details, not the record)
  'patient.page': ['self', 'proxyDocuments', 'clinician', 'admin'],
  'document.list': ['self', 'proxyDocuments', 'clinician'],
  'document.read': ['self', 'proxyDocuments', 'clinician'],
  'document.create': ['self', 'proxyDocuments', 'clinician'],
  'medication.list': ['self', 'clinician'],
  'repeat.request': ['self'],
  'repeat.decide': ['clinician'],
  'appointment.list': ['self', 'clinician'],
  'appointment.book': ['self', 'clinician'],
  // moving a booking to another time: the practice's clinicians (a patient cancels and books)
  'appointment.move': ['clinician'],
  'result.list': ['self', 'proxyResults', 'clinician'],
  'result.read': ['self', 'proxyResults', 'clinician'],
  'result.create': ['clinician'],
  'result.release': ['clinician'],
  // filing a result off the inbox, or asking the patient to book (RESULTS.md "The inbox")
  'result.file': ['clinician'],
  'result.book': ['clinician'],
  // stopping a medicine: the confirmation (with the medicine named) and the stop itself
  'medication.stop': ['clinician'],
  'message.list': ['self', 'clinician'],
  'message.read': ['self', 'clinician'],
  'message.send': ['self', 'clinician'],
  // assigning a conversation to a colleague: the practice's clinicians only
  'message.assign': ['clinician'],
  'accesslog.read': ['self'],
  'proxy.list': ['self', 'clinician'],
  // ending a family member's access: the patient, or a clinician of the practice (with a
  // reason); never a proxy, another patient, another practice or a practice admin
  'proxy.revoke': ['self', 'clinician'],
  // one's own choice of emails about the record (NOTICES.md): the patient, and a proxy with
  // any live scope (what it is told stays within the grant); never staff
  'notice.prefs': ['self', 'proxyDocuments', 'proxyResults'],
  'recall.set': ['clinician'],
  // the patient's contact details (DETAILS.md): the patient, a proxy whose grant covers the
  // whole record (none here: told so), and the practice's staff who keep its register
  'patient.contact.update': ['self', 'clinician', 'admin'],
  // the health summary (SUMMARY.md): read by the patient and the practice's clinicians (a
  // proxy only with the summary scope, which neither proxy here holds); written by the
  // practice (its system, or a clinician over FHIR), never by the patient or a proxy
  'summary.list': ['self', 'clinician'],
  'summary.create': ['clinician'],
};
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const form = (c, fields) => ({ body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });

// Routes about P1. fx holds P1's ids; body(actor) builds a write's body for that actor.
const pdf = pdfWith('matrix');
function uploadForm(c, staff) {
  const fields = { csrf: c.csrf, title: 'Matrix letter' };
  if (staff) fields.kind = 'clinical-letter';
  return multipart(fields, [{ name: 'file', filename: 'm.pdf', type: 'application/pdf', data: pdf }]);
}
const ROUTES = [
  { name: 'patient page (demographics and documents)', action: 'patient.page', path: (f) => `/patients/${f.pid}` },
  { name: 'family and carer access page', action: 'proxy.list', path: (f) => `/patients/${f.pid}/proxies` },
  {
    // f.gid is a new live grant on P1's record at each use (fx below), so that each actor asks
    // about one that is still there
    name: 'end a family member\'s access', action: 'proxy.revoke', method: 'POST', path: (f) => `/proxies/${f.gid}/revoke`,
    request: (c, staff) => form(c, staff ? { reason: 'safety' } : {}),
  },
  { name: 'document page', action: 'document.read', path: (f) => `/documents/${f.did}` },
  { name: 'document download', action: 'document.read', path: (f) => `/documents/${f.did}/download` },
  { name: 'FHIR Patient read', action: 'patient.read', path: (f) => `/fhir/R4/Patient/${f.pid}` },
  { name: 'FHIR DocumentReference search', action: 'document.list', path: (f) => `/fhir/R4/DocumentReference?patient=${f.pid}` },
  { name: 'FHIR DocumentReference read', action: 'document.read', path: (f) => `/fhir/R4/DocumentReference/${f.did}` },
  { name: 'FHIR Binary read', action: 'document.read', path: (f) => `/fhir/R4/Binary/${f.did}` },
  {
    name: 'publish or upload page', action: 'document.create', method: 'POST', path: (f) => `/patients/${f.pid}/documents`,
    request: (c, staff) => { const m = uploadForm(c, staff); return { body: m.body, headers: { 'Content-Type': m.type }, csrf: false }; },
  },
  {
    name: 'FHIR DocumentReference create', action: 'document.create', method: 'POST', path: () => '/fhir/R4/DocumentReference',
    request: (c, staff, f) => ({
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'DocumentReference', status: 'current', subject: { reference: `Patient/${f.pid}` },
        ...(staff ? { type: { coding: [{ system: 'http://loinc.org', code: '11488-4' }] } } : {}),
        content: [{ attachment: { contentType: 'application/pdf', data: pdf.toString('base64') } }],
      }),
    }),
  },
  { name: 'document shown inline (preview)', action: 'document.read', path: (f) => `/documents/${f.did}/view` },
  { name: 'patient medications page', action: 'medication.list', path: (f) => `/patients/${f.pid}/medications` },
  { name: 'FHIR MedicationRequest search', action: 'medication.list', path: (f) => `/fhir/R4/MedicationRequest?patient=${f.pid}` },
  { name: 'FHIR MedicationRequest read', action: 'medication.list', path: (f) => `/fhir/R4/MedicationRequest/${f.mid}` },
  {
    name: 'ask for a repeat', action: 'repeat.request', method: 'POST', path: (f) => `/medications/${f.mid}/repeat`,
    request: (c) => form(c, { pharmacy: '1', note: 'matrix' }),
  },
  {
    name: 'decide a repeat request', action: 'repeat.decide', method: 'POST', path: (f) => `/repeats/${f.rid}/decide`,
    request: (c) => form(c, { decision: 'approve' }),
  },
  { name: 'FHIR Appointment search', action: 'appointment.list', path: (f) => `/fhir/R4/Appointment?patient=${f.pid}` },
  { name: 'FHIR Appointment read', action: 'appointment.list', path: (f) => `/fhir/R4/Appointment/${f.aid}` },
  { name: 'appointment calendar file', action: 'appointment.list', path: (f) => `/appointments/${f.aid}/calendar.ics` },
  { name: 'confirm a cancellation page', action: 'appointment.list', path: (f) => `/appointments/${f.aid}/cancel` },
  { name: 'move or cancel a booking page', action: 'appointment.move', path: (f) => `/appointments/${f.fid}/change` },
  {
    name: 'move a booking', action: 'appointment.move', method: 'POST', path: (f) => `/appointments/${f.fid}/move`,
    request: (c, staff, f) => form(c, { slot: f.slots[2] }),
  },
  {
    name: 'FHIR Appointment create (book)', action: 'appointment.book', method: 'POST', path: () => '/fhir/R4/Appointment',
    request: (c, staff, f) => ({
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${f.slots[staff ? 1 : 0]}` }],
        participant: [{ actor: { reference: `Patient/${f.pid}` } }],
      }),
    }),
  },
  { name: 'FHIR DiagnosticReport search', action: 'result.list', path: (f) => `/fhir/R4/DiagnosticReport?patient=${f.pid}` },
  { name: 'FHIR Observation search', action: 'result.list', path: (f) => `/fhir/R4/Observation?patient=Patient/${f.pid}` },
  { name: 'result page', action: 'result.read', path: (f) => `/results/${f.resid}` },
  { name: 'FHIR DiagnosticReport read', action: 'result.read', path: (f) => `/fhir/R4/DiagnosticReport/${f.resid}` },
  { name: 'FHIR Observation read', action: 'result.read', path: (f) => `/fhir/R4/Observation/${f.resid}-0` },
  {
    name: 'FHIR DiagnosticReport create', action: 'result.create', method: 'POST', path: () => '/fhir/R4/DiagnosticReport',
    request: (c, staff, f) => ({
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'DiagnosticReport', status: 'final', identifier: [{ value: `M-${randomId().slice(0, 10)}` }],
        subject: { reference: `Patient/${f.pid}` }, effectiveDateTime: '2026-01-05T09:00:00Z', issued: '2026-01-05T15:00:00Z',
        performer: [{ display: 'Matrix Lab' }],
        contained: [{ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2160-0' }] }, valueQuantity: { value: 80, unit: 'umol/L' } }],
      }),
    }),
  },
  {
    name: 'result release page', action: 'result.release', method: 'POST', path: (f) => `/results/${f.hid1}/release`,
    request: (c) => ({ body: new URLSearchParams({ csrf: c.csrf, comment: 'Normal' }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false }),
  },
  {
    name: 'file a result off the inbox', action: 'result.file', method: 'POST', path: (f) => `/results/${f.hid3}/file`,
    request: (c) => form(c, {}),
  },
  {
    name: 'ask the patient to book about a result', action: 'result.book', method: 'POST', path: (f) => `/results/${f.hid4}/book`,
    request: (c) => form(c, { note: 'Matrix note' }),
  },
  { name: 'stop a medicine: the confirmation', action: 'medication.stop', path: (f) => `/medications/${f.smid}/stop` },
  {
    name: 'stop a medicine', action: 'medication.stop', method: 'POST', path: (f) => `/medications/${f.smid}/stop`,
    request: (c) => form(c, { reason: 'side-effects', note: 'Matrix stop' }),
  },
  {
    name: 'FHIR DiagnosticReport $release', action: 'result.release', method: 'POST', path: (f) => `/fhir/R4/DiagnosticReport/${f.hid2}/$release`,
    request: () => ({ body: '' }),
  },
  {
    name: 'set a recall', action: 'recall.set', method: 'POST', path: (f) => `/patients/${f.pid}/recalls`,
    request: (c) => ({ body: new URLSearchParams({ csrf: c.csrf, kind: 'diabetes-review', due: new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10) }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false }),
  },
  {
    name: 'emails about a record (notice choices)', action: 'notice.prefs', method: 'POST', path: () => '/account/emails',
    request: (c, staff, f) => ({ body: new URLSearchParams({ csrf: c.csrf, record: f.pid, appointments: '1' }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false }),
  },
  { name: 'message thread page', action: 'message.read', path: (f) => `/messages/${f.tid}` },
  { name: 'messages with a patient page', action: 'message.list', path: (f) => `/patients/${f.pid}/messages` },
  {
    name: 'new message to a patient page', action: 'message.send', method: 'POST', path: (f) => `/patients/${f.pid}/messages`,
    request: (c) => { const m = multipart({ csrf: c.csrf, subject: 'Matrix', body: 'Matrix message' }, []); return { body: m.body, headers: { 'Content-Type': m.type }, csrf: false }; },
  },
  {
    name: 'message reply page', action: 'message.send', method: 'POST', path: (f) => `/messages/${f.tid}/reply`,
    request: (c) => { const m = multipart({ csrf: c.csrf, body: 'Matrix reply' }, []); return { body: m.body, headers: { 'Content-Type': m.type }, csrf: false }; },
  },
  {
    name: 'assign a conversation', action: 'message.assign', method: 'POST', path: (f) => `/messages/${f.tid}/assign`,
    request: (c) => form(c, { to: '' }),
  },
  {
    name: 'draft of a new message to a patient', action: 'message.send', method: 'POST', path: (f) => `/patients/${f.pid}/messages/draft`,
    request: (c) => { const m = multipart({ csrf: c.csrf, subject: 'Matrix', body: 'Matrix draft' }, []); return { body: m.body, headers: { 'Content-Type': m.type }, csrf: false }; },
  },
  {
    name: 'draft of a reply', action: 'message.send', method: 'POST', path: (f) => `/messages/${f.tid}/draft`,
    request: (c) => { const m = multipart({ csrf: c.csrf, body: 'Matrix reply draft' }, []); return { body: m.body, headers: { 'Content-Type': m.type }, csrf: false }; },
  },
  { name: 'FHIR Communication search', action: 'message.list', path: (f) => `/fhir/R4/Communication?patient=${f.pid}` },
  { name: 'FHIR Communication read', action: 'message.read', path: (f) => `/fhir/R4/Communication/${f.cid}` },
  {
    name: 'FHIR Communication create (new thread)', action: 'message.send', method: 'POST', path: () => '/fhir/R4/Communication',
    request: (c, staff, f) => ({
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Communication', status: 'completed', subject: { reference: `Patient/${f.pid}` },
        topic: { text: 'Matrix' }, payload: [{ contentString: 'Matrix message' }] }),
    }),
  },
  {
    name: 'FHIR Communication create (reply)', action: 'message.send', method: 'POST', path: () => '/fhir/R4/Communication',
    request: (c, staff, f) => ({
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Communication', status: 'completed', inResponseTo: [{ reference: `Communication/${f.cid}` }],
        payload: [{ contentString: 'Matrix reply' }] }),
    }),
  },
  { name: 'FHIR AuditEvent search (access log)', action: 'accesslog.read', path: (f) => `/fhir/R4/AuditEvent?patient=${f.pid}` },
  {
    name: 'contact details set on the practice\'s correction page', action: 'patient.contact.update', method: 'POST',
    path: (f) => `/practice/patients/${f.pid}/details`,
    request: (c) => form(c, { part: 'contact', mobile: '021 555 0123', phone: '', line1: '1 Matrix Lane', line2: '', suburb: '', city: 'Wellington', postcode: '6011' }),
  },
  { name: 'FHIR AllergyIntolerance search', action: 'summary.list', path: (f) => `/fhir/R4/AllergyIntolerance?patient=${f.pid}` },
  { name: 'FHIR AllergyIntolerance read', action: 'summary.list', path: (f) => `/fhir/R4/AllergyIntolerance/${f.alid}` },
  { name: 'FHIR Condition search', action: 'summary.list', path: (f) => `/fhir/R4/Condition?subject=Patient/${f.pid}` },
  { name: 'FHIR Condition read', action: 'summary.list', path: (f) => `/fhir/R4/Condition/${f.coid}` },
  { name: 'FHIR Immunization search', action: 'summary.list', path: (f) => `/fhir/R4/Immunization?patient=${f.pid}` },
  { name: 'FHIR Immunization read', action: 'summary.list', path: (f) => `/fhir/R4/Immunization/${f.imid}` },
  { name: 'FHIR Observation search (vital signs)', action: 'summary.list', path: (f) => `/fhir/R4/Observation?patient=${f.pid}&category=vital-signs` },
  { name: 'FHIR Observation read (a vital sign)', action: 'summary.list', path: (f) => `/fhir/R4/Observation/${f.vsid}` },
  {
    name: 'FHIR Condition create', action: 'summary.create', method: 'POST', path: () => '/fhir/R4/Condition',
    request: (c, staff, f) => ({
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Condition', code: { text: 'Matrix condition' }, subject: { reference: `Patient/${f.pid}` } }),
    }),
  },
  {
    name: 'FHIR Observation create (a vital sign)', action: 'summary.create', method: 'POST', path: () => '/fhir/R4/Observation',
    request: (c, staff, f) => ({
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Observation', status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: `Patient/${f.pid}` },
        effectiveDateTime: '2026-01-05T09:00:00Z', valueQuantity: { value: 66, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } }),
    }),
  },
];

function shape(r) {
  return { status: r.status, type: r.headers.get('content-type'), body: r.text.replace(/name="csrf" value="[^"]+"/g, '') };
}

describe('authorization matrix: every actor against one patient\'s record', () => {
  let srv; const clients = {}; let fx; let random;
  before(async () => {
    // Far more denials than the enumeration budget, on purpose (the breaker has its own tests).
    srv = await startServer({ patients: 6, config: 'breaker.misses = 100000\n' });
    for (const [who, email] of Object.entries(ACTORS)) {
      clients[who] = new Client(srv.base);
      assert.equal((await clients[who].login(email)).status, 303, email);
    }
    const pid = clients.self.session.patient;
    const docs = (await clients.self.fhir(`DocumentReference?patient=${pid}`)).json();
    // Two of P1's medications without an open repeat request: one to ask for in the matrix,
    // one asked for now so that there is a request to decide. P1's demo appointment, and
    // two free slots of P1's practice to book.
    const meds = (await clients.self.fhir(`MedicationRequest?patient=${pid}`)).json().entry.map((e) => e.resource);
    const open = new Set(meds.filter((r) => r.intent === 'proposal' && r.status === 'draft').map((r) => r.priorPrescription.reference.split('/')[1]));
    const free = meds.filter((r) => r.intent === 'order' && r.status === 'active' && !open.has(r.id));
    assert.ok(free.length >= 2);
    assert.equal((await clients.self.post(`/medications/${free[1].id}/repeat`, form(clients.self, { pharmacy: '0' }))).status, 303);
    const rid = sqlite(srv.dir, `SELECT lower(hex(id)) FROM repeat_request WHERE medication_id = X'${free[1].id}' AND state = 'requested'`);
    const aid = (await clients.self.fhir(`Appointment?patient=${pid}`)).json().entry[0].resource.id;
    const slots = (await clients.self.fhir('Slot')).json().entry.map((e) => e.resource.id);
    // An upcoming booking of P1's, for the practice to move (to slots[2]).
    const booked = await clients.self.post('/fhir/R4/Appointment', { headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${slots.at(-1)}` }],
        participant: [{ actor: { reference: `Patient/${pid}` } }] }) });
    assert.equal(booked.status, 201, booked.text);
    const fid = booked.json().id;
    const released = (await clients.self.fhir(`DiagnosticReport?patient=${pid}`)).json().entry.map((e) => e.resource.id);
    // Two more held results of P1's (abnormal: held for a clinician) to file and to ask about,
    // and a medicine to stop, all from P1's clinician.
    for (const n of [1, 2]) {
      const r = await clients.clinician.req('POST', '/fhir/R4/DiagnosticReport', {
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({
          resourceType: 'DiagnosticReport', status: 'final', identifier: [{ value: `MX-held-${n}` }],
          subject: { reference: `Patient/${pid}` }, effectiveDateTime: '2026-01-05T09:00:00Z', issued: '2026-01-05T15:00:00Z',
          performer: [{ display: 'Matrix Lab' }],
          contained: [{ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2160-0' }] },
            valueQuantity: { value: 400, unit: 'umol/L' }, interpretation: [{ coding: [{ code: 'H' }] }] }],
        }),
      });
      assert.equal(r.status, 201, r.text);
    }
    const held = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = X'${pid}' AND (release_at IS NULL OR release_at > unixepoch()) ORDER BY accession LIKE 'MX-held-%', accession LIMIT 4`).split('\n');
    assert.equal(held.length, 4);
    const made = await clients.clinician.post(`/patients/${pid}/medications`, form(clients.clinician, { drug: 'Matrixol', strength: '5 mg', form: 'tablet', dose: 'One a day' }));
    assert.equal(made.status, 303, made.text);
    const smid = sqlite(srv.dir, `SELECT lower(hex(id)) FROM medication WHERE patient_id = X'${pid}' ORDER BY created DESC, rowid DESC LIMIT 1`);
    // A message thread of P1's, started by P1.
    const m = multipart({ csrf: clients.self.csrf, subject: 'Matrix thread', body: 'Hello' }, []);
    const sent = await clients.self.post('/messages', { body: m.body, headers: { 'Content-Type': m.type }, csrf: false });
    const tid = sent.headers.get('location').split('/').pop();
    const cid = (await clients.self.fhir(`Communication?patient=${pid}`)).json().entry[0].resource.id;
    // One of each of P1's health summary entries (the demo gives every patient some).
    const entry = (kind) => sqlite(srv.dir, `SELECT lower(hex(id)) FROM summary_entry WHERE patient_id = X'${pid}' AND kind = '${kind}' LIMIT 1`);
    const summary = { alid: entry('allergy'), coid: entry('condition'), imid: entry('immunization'), vsid: entry('vital') };
    for (const id of Object.values(summary)) assert.match(id, /^[0-9a-f]{32}$/);
    fx = { pid, did: docs.entry[0].resource.id, mid: free[0].id, rid, aid, fid, slots, resid: released[0], hid1: held[0], hid2: held[1], hid3: held[2], hid4: held[3], smid, tid, cid, ...summary };
    random = { pid: randomId(), did: randomId(), mid: randomId(), rid: randomId(), aid: randomId(), fid: randomId(), slots, resid: randomId(), hid1: randomId(), hid2: randomId(), hid3: randomId(), hid4: randomId(), smid: randomId(), tid: randomId(), cid: randomId(),
      alid: randomId(), coid: randomId(), imid: randomId(), vsid: randomId() };
    // Proxy grants from P1, written as the proxy page would (the gate reads them per request).
    const now = Math.floor(Date.now() / 1000);
    const grant = (who, scopes, notAfter, revoked) => sqlite(srv.dir,
      `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by, revoked)
       VALUES (randomblob(16), X'${pid}', X'${clients[who].session.account}', ${scopes}, ${notAfter}, ${now},
               X'${clients.self.session.account}', ${revoked ? now : 'NULL'})`);
    // A grant to the operator's account (which can never use it) for each revoke asked.
    Object.defineProperty(fx, 'gid', {
      get: () => {
        const id = randomId();
        sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by)
          VALUES (X'${id}', X'${pid}', X'${clients.operator.session.account}', ${SCOPE.documents}, ${now + 86400}, ${now}, X'${clients.self.session.account}')`);
        return id;
      },
    });
    random.gid = randomId();
    grant('proxyDocuments', SCOPE.documents, now + 86400);
    grant('proxyResults', SCOPE.results, now + 86400);
    grant('proxyExpired', SCOPE.all, now - 1);
    grant('proxyRevoked', SCOPE.all, now + 86400, true);
  });
  after(async () => { await srv.stop(); });

  for (const who of Object.keys(ACTORS)) {
    it(`${who}: allowed routes answer, all others answer like a random id, and every request is audited`, async () => {
      const c = clients[who];
      const isStaff = ['clinician', 'otherClinician', 'admin', 'operator'].includes(who);
      const auditBefore = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${c.session.account}'`));
      let requests = 0;
      for (const r of ROUTES) {
        const method = r.method || 'GET';
        const opts = (f) => (r.request ? r.request(c, isStaff, f) : {});
        const got = await c.req(method, r.path(fx), opts(fx));
        requests++;
        const allowed = ALLOW[r.action].includes(who);
        if (allowed) {
          assert.ok([200, 201, 303].includes(got.status), `${who} ${r.name}: expected success, got ${got.status} ${got.text.slice(0, 200)}`);
        } else {
          const ref = await c.req(method, r.path(random), opts(random));
          requests++;
          if (['proxyDocuments', 'proxyResults'].includes(who) && got.status === 403) {
            // told: the grant leaves this part of the record it holds out
            assert.match(got.text, /does not include this part|outside the access granted/, `${who} ${r.name}`);
            assert.equal(ref.status, 404, `${who} ${r.name}: a random id`);
            continue;
          }
          assert.equal(got.status, 404, `${who} ${r.name}`);
          assert.deepEqual(shape(got), shape(ref), `${who} ${r.name}: differs from a random id`);
        }
      }
      const auditAfter = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${c.session.account}'`));
      assert.ok(auditAfter - auditBefore >= requests, `${who}: ${requests} requests, ${auditAfter - auditBefore} audit records`);
      // Denials about P1 name P1 in the trail, so the patient's access log can show them.
      const denied = ROUTES.filter((r) => !ALLOW[r.action].includes(who)).length;
      if (denied) {
        const n = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${c.session.account}' AND patient='${fx.pid}' AND outcome='deny'`));
        assert.ok(n >= 1, `${who}: denials about P1 not recorded against P1`);
      }
    });
  }

  it('/details is the record the session shows: P1\'s contact details to P1 only, nothing to staff', async () => {
    assert.equal((await clients.self.post('/details', form(clients.self, { mobile: '021 555 0177', city: 'Nelson', line1: '2 Matrix Road' }))).status, 303);
    for (const who of Object.keys(ACTORS)) {
      const got = await clients[who].get('/details');
      const staff = ['clinician', 'otherClinician', 'admin', 'operator'].includes(who);
      if (staff) { // not a page of theirs: sent home, as from /medications
        assert.equal(got.status, 303, who);
        assert.equal(got.headers.get('location'), '/', who);
        assert.equal((await clients[who].post('/details', form(clients[who], { mobile: '027 555 0100' }))).status, 303, who);
        continue;
      }
      assert.equal(got.status, 200, who);
      if (who === 'self') assert.match(got.text, /value="021 555 0177"/);
      else assert.doesNotMatch(got.text, /555 0177|Matrix Road/, `${who} sees P1's contact details`);
      const post = await clients[who].post('/details', form(clients[who], { mobile: '027 555 0100' }));
      // others change only their own record (or are told their grant does not cover it)
      assert.ok(who === 'self' ? post.status === 303 : [303, 403].includes(post.status), `${who}: ${post.status}`);
    }
    assert.match((await clients.self.get('/details')).text, /value="027 555 0100"/);
    const changed = sqlite(srv.dir, `SELECT DISTINCT actor FROM audit WHERE action = 'patient.contact.update' AND patient = '${fx.pid}' AND outcome = 'allow'`).split('\n');
    const allowed = new Set(['self', 'clinician', 'admin'].map((w) => clients[w].session.account));
    for (const a of changed) assert.ok(allowed.has(a), `${a} changed P1's contact details`);
  });

  it('a proxy grant stops working the moment it is revoked or lapses', async () => {
    const c = clients.proxyDocuments;
    assert.equal((await c.fhir(`Binary/${fx.did}`)).status, 200);
    sqlite(srv.dir, `UPDATE proxy_grant SET revoked = unixepoch() WHERE account_id = X'${c.session.account}'`);
    assert.equal((await c.fhir(`Binary/${fx.did}`)).status, 404);
    sqlite(srv.dir, `UPDATE proxy_grant SET revoked = NULL, not_after = unixepoch() - 1 WHERE account_id = X'${c.session.account}'`);
    assert.equal((await c.fhir(`Binary/${fx.did}`)).status, 404);
    sqlite(srv.dir, `UPDATE proxy_grant SET not_after = unixepoch() + 3600 WHERE account_id = X'${c.session.account}'`);
    assert.equal((await c.fhir(`Binary/${fx.did}`)).status, 200);
  });
});
