// Medications and repeat prescriptions over real HTTP against the real binary: the patient's
// list, asking for a repeat (one open request per medication, enforced by the database), the
// practice's queue, approving and declining with a reason, each state change seen by the
// patient; clinicians prescribing and stopping; every other role and patient answered exactly
// like a missing id; every access audited; FHIR MedicationRequest validated.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, sqlite, randomId, NZ_WHEN, storeBytes } = require('./lib');
const { form, login, audit } = require('./careplan-helpers');
const { assertValidFhir } = require('./fhir-validate');


// The medications that still offer "Ask for a repeat" on the patient's page.
function repeatable(html) {
  return [...html.matchAll(/action="\/medications\/([0-9a-f]{32})\/repeat"/g)].map((m) => m[1]);
}

describe('medications and repeat prescriptions', () => {
  let srv; let p1; let p2; let clin; let other; let admin; let op;
  before(async () => {
    srv = await startServer({ patients: 3 });
    p1 = await login(srv, 'patient1@demo.test');
    p2 = await login(srv, 'patient2@demo.test');
    clin = await login(srv, 'clinician1@demo.test');
    other = await login(srv, 'otherclinician1@demo.test');
    admin = await login(srv, 'admin1@demo.test');
    op = await login(srv, 'operator@demo.test');
  });
  after(async () => { await srv.stop(); });

  it('shows the patient their current medications with a repeat form, drug details sealed at rest', async () => {
    const page = await p1.get('/medications');
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Medications<\/h1>/);
    assert.match(page.text, /Prescribed by Dr Aroha Ngata/);
    assert.match(page.text, /Repeat requests/);
    assert.ok(repeatable(page.text).length >= 1);
    assert.match(page.headers.get('cache-control'), /no-store/);
    // Drug names and dose text never reach the database in clear.
    const names = sqlite(srv.dir, 'SELECT count(*) FROM medication');
    assert.ok(Number(names) >= 6);
    const db = storeBytes(srv.dir);
    for (const word of ['Metformin', 'Atorvastatin', 'Take one tablet', 'Kowhai Pharmacy']) {
      assert.equal(db.includes(Buffer.from(word)), false, `${word} stored in clear`);
    }
  });

  it('a repeat request goes to the queue, a second one is refused, the clinician approves, the patient sees each change', async () => {
    const before1 = await p1.get('/medications');
    const med = repeatable(before1.text)[0];
    const ask = await p1.post(`/medications/${med}/repeat`, form(p1, { pharmacy: '2', note: 'Running low, thanks' }));
    assert.equal(ask.status, 303);
    assert.equal(ask.headers.get('location'), '/medications?done=repeat');
    const after1 = await p1.get('/medications?done=repeat');
    assert.match(after1.text, /Your repeat request was sent to your practice/);
    assert.match(after1.text, /Waiting for your practice/);
    assert.match(after1.text, /Totara Street Pharmacy, Mt Albert/);
    assert.match(after1.text, /Running low, thanks/);
    assert.equal(repeatable(after1.text).includes(med), false);

    // Asking again while it is open: a clear refusal, nothing stored.
    const again = await p1.post(`/medications/${med}/repeat`, form(p1, { pharmacy: '0', note: '' }));
    assert.equal(again.status, 409);
    assert.match(again.text, /already asked for a repeat of this medication/);
    const medBlob = `X'${med}'`;
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM repeat_request WHERE medication_id=${medBlob} AND state='requested'`), '1');

    // The practice's queue shows it with the patient's name; the clinician approves.
    const queue = await clin.get('/repeats');
    assert.equal(queue.status, 200);
    assert.match(queue.text, /Running low, thanks/);
    const reqId = sqlite(srv.dir, `SELECT lower(hex(id)) FROM repeat_request WHERE medication_id=${medBlob} AND state='requested'`);
    assert.match(queue.text, new RegExp(`/repeats/${reqId}/decide`));
    const ok = await clin.post(`/repeats/${reqId}/decide`, form(clin, { decision: 'approve', reason: 'Ready to collect tomorrow' }));
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get('location'), '/repeats?done=1');
    const twice = await clin.post(`/repeats/${reqId}/decide`, form(clin, { decision: 'decline', reason: 'x' }));
    assert.equal(twice.status, 409);
    assert.match(twice.text, /answered already/);
    const seen = await p1.get('/medications');
    const item = seen.text.slice(seen.text.indexOf('Totara Street Pharmacy'));
    assert.match(seen.text, /Approved/);
    assert.match(item, new RegExp(`Approved ${NZ_WHEN.source} by Dr Aroha Ngata`));
    assert.match(item, /Ready to collect tomorrow/);
    // Approved: the medication can be asked for again.
    assert.ok(repeatable(seen.text).includes(med));

    const trail = audit(srv, `actor='${p1.session.account}' AND action='repeat.request'`);
    assert.ok(trail.includes(`repeat.request|allow|${reqId}`));
    assert.ok(trail.some((t) => t.startsWith('repeat.request|fail|')), 'the refused duplicate is on record');
    assert.deepEqual(audit(srv, `actor='${clin.session.account}' AND action='repeat.decide' AND rid='${reqId}'`),
      [`repeat.decide|allow|${reqId}`, `repeat.decide|fail|${reqId}`]);
  });

  it('a clinician declines with a reason (a reason is required) and the patient sees it', async () => {
    const page = await p1.get('/medications');
    const med = repeatable(page.text).at(-1);
    assert.equal((await p1.post(`/medications/${med}/repeat`, form(p1, { pharmacy: '0' }))).status, 303);
    const reqId = sqlite(srv.dir, `SELECT lower(hex(id)) FROM repeat_request WHERE medication_id=X'${med}' AND state='requested'`);
    const noReason = await clin.post(`/repeats/${reqId}/decide`, form(clin, { decision: 'decline', reason: '  ' }));
    assert.equal(noReason.status, 409);
    assert.match(noReason.text, /Give the patient a reason/);
    const no = await clin.post(`/repeats/${reqId}/decide`, form(clin, { decision: 'decline', reason: 'Please book a medication review first.' }));
    assert.equal(no.status, 303);
    const seen = await p1.get('/medications');
    assert.match(seen.text, new RegExp(`Declined ${NZ_WHEN.source} by Dr Aroha Ngata\\. Reason: Please book a medication review first\\.`));
  });

  it('the partial unique index refuses a second open request even past the application', () => {
    const row = sqlite(srv.dir, "SELECT lower(hex(id)) || ' ' || lower(hex(medication_id)) FROM repeat_request WHERE state='requested' LIMIT 1");
    const [, medId] = row.split(' ');
    assert.throws(() => sqlite(srv.dir, `INSERT INTO repeat_request (id, medication_id, patient_id, practice_id, requested_by, requested, state, detail) SELECT randomblob(16), medication_id, patient_id, practice_id, requested_by, requested, 'requested', detail FROM repeat_request WHERE medication_id=X'${medId}' AND state='requested'`),
      /UNIQUE constraint failed|violates unique constraint "repeat_one_open"/);
  });

  it('two requests for the same medication at the same moment: exactly one is stored', async () => {
    const page = await p1.get('/medications');
    const med = repeatable(page.text)[0];
    const answers = await Promise.all(Array.from({ length: 6 }, () => p1.post(`/medications/${med}/repeat`, form(p1, { pharmacy: '1' }))));
    const codes = answers.map((r) => r.status).sort();
    assert.deepEqual(codes, [303, 409, 409, 409, 409, 409]);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM repeat_request WHERE medication_id=X'${med}' AND state='requested'`), '1');
  });

  it('a clinician prescribes and stops a medicine; a stopped one cannot be repeated', async () => {
    const pid = p1.session.patient;
    const list = await clin.get(`/patients/${pid}/medications`);
    assert.equal(list.status, 200);
    assert.match(list.text, /Prescribe a medicine/);
    const bad = await clin.post(`/patients/${pid}/medications`, form(clin, { drug: 'Levothyroxine', strength: '', form: 'tablet', dose: 'x' }));
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Give the drug, its strength and its form/);
    const made = await clin.post(`/patients/${pid}/medications`, form(clin, { drug: 'Cilazapril', strength: '5 mg', form: 'tablet', dose: 'One each morning' }));
    assert.equal(made.status, 303);
    assert.equal(made.headers.get('location'), `/patients/${pid}/medications`);
    const mine = await p1.get('/medications');
    assert.match(mine.text, /Cilazapril 5 mg tablet/);
    const medId = sqlite(srv.dir, `SELECT lower(hex(id)) FROM medication WHERE patient_id=X'${pid}' ORDER BY created DESC, rowid DESC LIMIT 1`);
    assert.ok(repeatable(mine.text).includes(medId));
    const confirm = await clin.get(`/medications/${medId}/stop`);
    assert.match(confirm.text, /Why is it stopped\?/);
    assert.equal((await clin.post(`/medications/${medId}/stop`, form(clin, {}))).status, 400, 'a reason is needed');
    const stop = await clin.post(`/medications/${medId}/stop`, form(clin, { reason: 'completed' }));
    assert.equal(stop.status, 303);
    const twice = await clin.post(`/medications/${medId}/stop`, form(clin, { reason: 'completed' }));
    assert.equal(twice.status, 409);
    assert.match(twice.text, /stopped already/);
    const later = await p1.get('/medications');
    assert.match(later.text, /Stopped medicines/);
    assert.equal(repeatable(later.text).includes(medId), false);
    const ask = await p1.post(`/medications/${medId}/repeat`, form(p1, { pharmacy: '0' }));
    assert.equal(ask.status, 409);
    assert.match(ask.text, /has been stopped/);
    assert.deepEqual(audit(srv, `actor='${clin.session.account}' AND action='medication.create' AND rid='${medId}'`),
      [`medication.create|allow|${medId}`, `medication.create|allow|${medId}`, `medication.create|fail|${medId}`]);
  });

  it('another patient, another practice and non-clinical roles get exactly the answer of a random id', async () => {
    const pid = p1.session.patient;
    const page = await p1.get('/medications');
    const med = repeatable(page.text)[0];
    const openReq = sqlite(srv.dir, `SELECT lower(hex(id)) FROM repeat_request WHERE patient_id=X'${pid}' AND state='requested' LIMIT 1`);
    assert.match(openReq, /^[0-9a-f]{32}$/);
    const rnd = randomId();
    for (const [who, c] of [['patient2', p2], ['other practice', other], ['admin', admin], ['operator', op]]) {
      const real = await c.post(`/medications/${med}/repeat`, form(c, { pharmacy: '0' }));
      const fake = await c.post(`/medications/${rnd}/repeat`, form(c, { pharmacy: '0' }));
      assert.equal(real.status, 404, `${who} repeat`);
      assert.equal(real.text, fake.text, `${who} repeat body`);
      const d1 = await c.post(`/repeats/${openReq}/decide`, form(c, { decision: 'approve' }));
      const d2 = await c.post(`/repeats/${rnd}/decide`, form(c, { decision: 'approve' }));
      assert.equal(d1.status, 404, `${who} decide`);
      assert.equal(d1.text, d2.text, `${who} decide body`);
      const s1 = await c.post(`/medications/${med}/stop`, form(c, {}));
      const s2 = await c.post(`/medications/${rnd}/stop`, form(c, {}));
      assert.equal(s1.status, 404, `${who} stop`);
      assert.equal(s1.text, s2.text, `${who} stop body`);
      const f1 = await c.fhir(`MedicationRequest/${med}`);
      const f2 = await c.fhir(`MedicationRequest/${rnd}`);
      assert.equal(f1.status, 404, `${who} FHIR read`);
      assert.equal(f1.text, f2.text, `${who} FHIR body`);
      const s = await c.fhir(`MedicationRequest?patient=${pid}`);
      assert.equal(s.status, 404, `${who} FHIR search`);
      assert.equal(s.text, (await c.fhir(`MedicationRequest?patient=${rnd}`)).text);
      if (c !== p2) {
        const l1 = await c.get(`/patients/${pid}/medications`);
        const l2 = await c.get(`/patients/${rnd}/medications`);
        assert.equal(l1.status, 404, `${who} patient medications`);
        assert.equal(l1.text, l2.text);
      }
    }
    // Practice admins and operators have no queue; patients neither.
    for (const c of [admin, op, p2]) {
      const q = await c.get('/repeats');
      assert.equal(q.status, 404, `queue for ${c.session.role}`);
      assert.doesNotMatch(q.text, /Running low|Metformin|Atorvastatin/);
    }
    // The other practice's clinician has a queue of their own, without our patients' requests.
    const oq = await other.get('/repeats');
    assert.equal(oq.status, 200);
    assert.match(oq.text, /No open requests/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${admin.session.account}' AND action='repeat.queue' AND outcome='deny'`), '1');
    // Every refusal is on record as a denial or a miss.
    const denied = audit(srv, `actor='${p2.session.account}' AND action='repeat.request'`);
    assert.ok(denied.some((d) => d === `repeat.request|deny|${med}`), JSON.stringify(denied));
    assert.ok(denied.some((d) => d === `repeat.request|notfound|${rnd}`));
    const adminDenied = audit(srv, `actor='${admin.session.account}' AND action='repeat.decide'`);
    assert.ok(adminDenied.includes(`repeat.decide|deny|${openReq}`));
  });

  it('a proxy with the medications scope can list and ask; without it, told no (403)', async () => {
    const pid = p1.session.patient;
    const acct = p2.session.account;
    const far = Math.floor(Date.now() / 1000) + 86400;
    sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by) VALUES (randomblob(16), X'${pid}', X'${acct}', 8, ${far}, 0, X'${acct}')`);
    const noScope = await p2.fhir(`MedicationRequest?patient=${pid}`);
    assert.equal(noScope.status, 403);
    sqlite(srv.dir, `UPDATE proxy_grant SET scopes = 4 WHERE account_id=X'${acct}'`);
    const list = await p2.fhir(`MedicationRequest?patient=${pid}`);
    assert.equal(list.status, 200);
    const meds = list.json().entry.map((e) => e.resource).filter((r) => r.intent === 'order' && r.status === 'active');
    const ids = new Set(list.json().entry.map((e) => e.resource).filter((r) => r.intent === 'proposal' && r.status === 'draft').map((r) => r.priorPrescription.reference.slice(18)));
    const free = meds.find((m) => !ids.has(m.id));
    assert.ok(free, 'a medication without an open request');
    const ask = await p2.post(`/medications/${free.id}/repeat`, form(p2, { pharmacy: '3', note: 'Collecting for Mum' }));
    assert.equal(ask.status, 303);
    assert.equal(audit(srv, `actor='${acct}' AND action='repeat.request' AND outcome='allow' AND patient='${pid}'`).length, 1);
    const mine = await p1.get('/medications');
    assert.match(mine.text, /Collecting for Mum/);
    // Revoked: stops at once.
    sqlite(srv.dir, `UPDATE proxy_grant SET revoked = 1 WHERE account_id=X'${acct}'`);
    assert.equal((await p2.fhir(`MedicationRequest?patient=${pid}`)).status, 404);
    // Expired: likewise, on the page's write too.
    sqlite(srv.dir, `UPDATE proxy_grant SET revoked = NULL, not_after = ${Math.floor(Date.now() / 1000) - 60} WHERE account_id=X'${acct}'`);
    assert.equal((await p2.fhir(`MedicationRequest?patient=${pid}`)).status, 404);
    const late = await p2.post(`/medications/${meds[0].id}/repeat`, form(p2, { pharmacy: '0' }));
    assert.equal(late.status, 404);
    assert.equal(late.text, (await p2.post(`/medications/${randomId()}/repeat`, form(p2, { pharmacy: '0' }))).text);
  });

  it('FHIR MedicationRequest: search and read validate; repeat requests map their states', async () => {
    const pid = p1.session.patient;
    const s = await p1.fhir(`MedicationRequest?patient=${pid}`);
    assert.equal(s.status, 200);
    const b = s.json();
    assertValidFhir(b);
    assert.equal(b.type, 'searchset');
    const res = b.entry.map((e) => e.resource);
    for (const r of res) assertValidFhir(r);
    assert.ok(res.some((r) => r.intent === 'order' && r.status === 'active' && /Dr Aroha Ngata/.test(r.requester.display)));
    assert.ok(res.some((r) => r.intent === 'order' && r.status === 'stopped'));
    assert.ok(res.some((r) => r.intent === 'proposal' && r.status === 'draft'));
    assert.ok(res.some((r) => r.intent === 'proposal' && r.status === 'active'));
    const declined = res.find((r) => r.intent === 'proposal' && r.status === 'cancelled' && r.statusReason);
    assert.ok(declined);
    assert.match(declined.priorPrescription.reference, /^MedicationRequest\/[0-9a-f]{32}$/);
    const orders = await p1.fhir(`MedicationRequest?patient=Patient/${pid}&intent=order`);
    assert.ok(orders.json().entry.every((e) => e.resource.intent === 'order'));
    const read = await p1.fhir(`MedicationRequest/${declined.id}`);
    assert.equal(read.status, 200);
    assertValidFhir(read.json());
    assert.deepEqual(read.json(), declined);
    assert.equal((await p1.fhir(`MedicationRequest?patient=${pid}&foo=1`)).status, 400);
    assert.equal((await p1.fhir('MedicationRequest')).status, 400);
    const cap = (await p1.fhir('metadata')).json();
    const mr = cap.rest[0].resource.find((r) => r.type === 'MedicationRequest');
    assert.deepEqual(mr.interaction.map((i) => i.code), ['read', 'search-type', 'vread']);
    assertValidFhir(cap);
    // A clinician of the practice sees the same list.
    const cs = await clin.fhir(`MedicationRequest?patient=${pid}`);
    assert.equal(cs.status, 200);
    assert.equal(cs.json().total, b.total);
  });
});
