// Incident reports name every kind of patient content served (DESIGN.md invariant 7, issue 12
// section 4): besides demographics, documents and results, also medicines and repeat requests,
// appointments, message threads and messages, the access log, the list of who may act for the
// patient and an export, each by resource type and id.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, run } = require('./lib');
const { enrol } = require('./account-helpers');

function report(srv, ...args) {
  const r = run(['incident', 'report', '--data', srv.dir, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

const ids = (bundle) => (bundle.entry || []).map((e) => e.resource.id);

describe('incident report: every kind served', () => {
  let srv; let reader; let pid;
  before(async () => {
    srv = await startServer({ patients: 2 });
    reader = new Client(srv.base);
    assert.equal((await reader.login('patient1@demo.test')).status, 303);
    pid = reader.session.patient;
  });
  after(async () => { await srv.stop(); });

  it('lists medicines, appointments, messages, the access log, proxies and exports by type and id', async () => {
    const served = {};
    for (const t of ['MedicationRequest', 'Appointment', 'Communication']) {
      const b = await reader.fhir(`${t}?patient=${pid}`);
      assert.equal(b.status, 200, `${t}: ${b.text.slice(0, 200)}`);
      served[t] = ids(b.json());
      assert.ok(served[t].length > 0, `the demo patient has some ${t}`);
    }
    assert.equal((await reader.fhir(`AuditEvent?patient=${pid}`)).status, 200);
    // the pages too: a conversation, the family access list, the access log
    const inbox = await reader.get('/messages');
    assert.equal(inbox.status, 200);
    const thread = inbox.text.match(/href="\/messages\/([0-9a-f]{32})"/)[1];
    assert.equal((await reader.get(`/messages/${thread}`)).status, 200);
    assert.equal((await reader.get('/proxies')).status, 200);
    assert.equal((await reader.get('/medications')).status, 200);
    assert.equal((await reader.get('/appointments')).status, 200);

    const j = JSON.parse(report(srv, '--actor', 'patient1@demo.test', '--format', 'json'));
    const mine = j.patients.find((p) => p.patient === pid);
    assert.ok(mine, 'the patient is listed');
    const has = (type, id) => mine.resources.some((r) => r.resourceType === type && r.id === id);
    for (const [t, list] of Object.entries(served)) {
      for (const id of list) assert.ok(has(t, id), `${t}/${id} is named`);
      assert.ok(j.totals[t] >= list.length, `${t} counted: ${JSON.stringify(j.totals)}`);
    }
    assert.ok(has('MessageThread', thread), 'the conversation opened is named');
    assert.ok(has('AuditEvent', pid), 'the access log, named by the patient');
    assert.ok(has('ProxyGrant', pid), 'who may act for the patient, named by the patient');
    assert.ok(!mine.resources.some((r) => r.resourceType === 'Slot'), 'free slots are no one\'s data');
    // the same in the table and in CSV
    const table = report(srv, '--actor', 'patient1@demo.test');
    assert.match(table, /Patients affected: 1; Patient records: \d+; DocumentReference: \d+; Binary: \d+;.*MedicationRequest: \d+/);
    for (const t of ['Appointment', 'Communication', 'AuditEvent', 'MessageThread']) assert.match(table, new RegExp(`; ${t}: \\d+`));
    const csv = report(srv, '--actor', 'patient1@demo.test', '--format', 'csv');
    assert.ok(csv.includes(`${pid},AuditEvent,${pid},`));
    assert.ok(csv.includes(`${pid},MedicationRequest,${served.MedicationRequest[0]},`));
  });

  it('names an export of the whole record', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('patient2@demo.test')).status, 303);
    await enrol(srv.dir, c, 'patient2@demo.test'); // an export needs a fresh second factor
    const me = c.session.patient;
    const e = await c.fhir(`Patient/${me}/$everything`);
    assert.equal(e.status, 200, e.text.slice(0, 200));
    const j = JSON.parse(report(srv, '--actor', 'patient2@demo.test', '--format', 'json'));
    const mine = j.patients.find((p) => p.patient === me);
    assert.ok(mine.resources.some((r) => r.resourceType === 'Bundle' && r.id === me), JSON.stringify(mine.resources.map((r) => r.resourceType)));
    assert.equal(j.totals.Bundle, 1);
  });
});
