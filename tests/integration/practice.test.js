// A practice admin requires two-step sign-in of the practice's patients: from the next
// request, a patient without a second factor reaches nothing of their record until they set
// one up. Only that practice's admin may change it, and each change is on record.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { authenticator } = require('otplib');
const { startServer, Client, sqlite } = require('./lib');

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('practice requires two-step sign-in of its patients', () => {
  let srv; let admin; let patient; let did;
  before(async () => {
    srv = await startServer({ patients: 2 });
    admin = new Client(srv.base);
    await admin.login('admin1@demo.test');
    patient = new Client(srv.base);
    await patient.login('patient1@demo.test');
    did = (await patient.fhir(`DocumentReference?patient=${patient.session.patient}`)).json().entry[0].resource.id;
  });
  after(async () => { await srv.stop(); });

  const save = (c, on, csrf = c.csrf) => c.post('/practice/settings', {
    body: new URLSearchParams({ csrf, ...(on ? { require_patient_mfa: '1' } : {}) }).toString(), headers: form, csrf: false,
  });

  it('the admin sees the setting; other roles get not found; a change needs the CSRF token', async () => {
    assert.equal((await admin.get('/')).headers.get('location'), '/practice');
    const page = await admin.get('/practice');
    assert.equal(page.status, 200);
    assert.match(page.text, /Demo Health Centre/);
    assert.match(page.text, /0 of 2 enrolled patients/);
    assert.doesNotMatch(page.text, /checked/);
    for (const email of ['clinician1@demo.test', 'operator@demo.test']) {
      const c = new Client(srv.base);
      await c.login(email);
      assert.equal((await c.get('/practice')).status, 404, email);
      assert.equal((await save(c, true)).status, 404, email);
    }
    assert.equal((await save(patient, true)).status, 404);
    assert.equal((await save(admin, true, 'wrong')).status, 403);
    assert.equal(sqlite(srv.dir, 'SELECT require_patient_mfa FROM practice WHERE name = \'Demo Health Centre\''), '0');
    const denied = Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'practice.require_patient_mfa.on' AND outcome = 'deny'"));
    assert.equal(denied, 3);
  });

  it('once required, a signed-in patient without a second factor is sent to set one up and reaches nothing until then', async () => {
    assert.equal((await patient.fhir(`Binary/${did}`)).status, 200);
    const r = await save(admin, true);
    assert.equal(r.status, 200);
    assert.match(r.text, /Saved\./);
    assert.match(r.text, /checked/);
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'practice.require_patient_mfa.on' AND outcome = 'allow'"), '1');

    // The same session, the next request.
    assert.equal((await patient.get('/documents')).headers.get('location'), '/mfa/setup');
    assert.equal((await patient.get(`/documents/${did}/download`)).headers.get('location'), '/mfa/setup');
    assert.equal((await patient.fhir(`Binary/${did}`)).status, 401);
    assert.equal((await patient.fhir(`DocumentReference?patient=${patient.session.patient}`)).status, 401);
    const setup = await patient.get('/mfa/setup');
    assert.match(setup.text, /Your practice asks every patient to use two-step sign-in/);

    // Set it up: the record opens again.
    const secret = setup.text.match(/<code class="secret">([A-Z2-7]{32})<\/code>/)[1];
    const done = await patient.post('/mfa/setup', { body: new URLSearchParams({ csrf: patient.csrf, code: authenticator.generate(secret) }).toString(), headers: form, csrf: false });
    assert.equal(done.status, 200);
    patient.session = (await patient.get('/session')).json();
    patient.csrf = patient.session.csrf;
    assert.equal((await patient.fhir(`Binary/${did}`)).status, 200);
    assert.match((await admin.get('/practice')).text, /1 of 2 enrolled patients/);
  });

  it('a patient who signs in with a password only is sent to set up a second factor', async () => {
    const c = new Client(srv.base);
    await c.login('patient2@demo.test');
    assert.equal((await c.get('/documents')).headers.get('location'), '/mfa/setup');
    // Turned off again: the password is enough for patients (staff still need a second factor).
    assert.equal((await save(admin, false)).status, 200);
    assert.equal((await c.get('/documents')).status, 200);
  });
});
