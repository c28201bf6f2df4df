// The practice's register pages (docs/internals/REGISTER.md): enrolling a patient by hand,
// correcting their details and finding one by NHI, through the real binary over HTTP. Who may
// (the practice's clinicians and practice admins), what everyone else is answered (exactly what a
// random id is answered), NHIs checked with their check character, the same NHI never enrolled
// twice, and no NHI in any URL.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, Client, sqlite, randomId, run } = require('./lib');

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

// A valid old-format (AAANNNC) NHI in the test range (HISO 10046:2023), from a counter: the
// demo's patients have new-format NHIs, so these never collide with theirs.
let nhiSeq = 100;
function nextNhi() {
  for (;;) {
    const n = nhiSeq++;
    const s = `Z${LETTERS[Math.floor(n / 1000) % 24]}${LETTERS[(n / 100 | 0) % 24]}${String(n % 1000).padStart(3, '0')}`;
    const v = (c) => (/[0-9]/.test(c) ? Number(c) : LETTERS.indexOf(c) + 1);
    let sum = 0;
    for (let i = 0; i < 6; i++) sum += v(s[i]) * (7 - i);
    const r = sum % 11;
    if (r !== 0) return s + String((11 - r) % 10);
  }
}
// The same NHI with a wrong check digit.
const badCheck = (nhi) => nhi.slice(0, 6) + String((Number(nhi[6]) + 1) % 10);

describe('the register pages', () => {
  let srv; let clinician; let admin; let other; let patient;
  const patients = () => Number(sqlite(srv.dir, 'SELECT count(*) FROM patient'));
  const post = (c, p, fields, csrf = c.csrf) => c.post(p, {
    body: new URLSearchParams({ ...(csrf === null ? {} : { csrf }), ...fields }).toString(), headers: form, csrf: false,
  });
  const details = (nhi, family = 'Tūhoe-Smith', given = 'Aroha Jane') => ({ nhi, family, given, birth_date: '1984-03-27', gender: 'female' });

  before(async () => {
    srv = await startServer({ patients: 3 });
    clinician = new Client(srv.base);
    await clinician.login('clinician1@demo.test');
    admin = new Client(srv.base);
    await admin.login('admin1@demo.test');
    other = new Client(srv.base);
    await other.login('otherclinician1@demo.test');
    patient = new Client(srv.base);
    await patient.login('patient1@demo.test');
  });
  after(async () => { await srv.stop(); });

  it('the patient list offers "Enrol a patient" and "Find by NHI" to staff; the form is labelled', async () => {
    const list = await clinician.get('/patients');
    assert.equal(list.status, 200);
    assert.match(list.text, /href="\/practice\/patients\/new"[^>]*>Enrol a patient</);
    assert.match(list.text, /<form method="post"[^>]*action="\/practice\/patients\/find"/);
    const page = await clinician.get('/practice/patients/new');
    assert.equal(page.status, 200);
    for (const [id, label] of [['nhi', 'NHI number'], ['family', 'Family name'], ['given', 'Given name or names'], ['birth_date', 'Date of birth'], ['gender', 'Gender']]) {
      assert.match(page.text, new RegExp(`<label for="${id}">${label}</label>`));
      assert.match(page.text, new RegExp(`id="${id}" name="${id}"`));
    }
    assert.match(page.text, /name="csrf" value="/);
    assert.doesNotMatch(page.text, /<script(?! src="\/static\/)|style=/);
    assert.match(page.headers.get('content-security-policy'), /default-src 'none'|script-src/);
  });

  it('a clinician enrols a patient; the same NHI again is the same patient, never a second one', async () => {
    const nhi = nextNhi();
    const before0 = patients();
    const r = await post(clinician, '/practice/patients/new', details(nhi));
    assert.equal(r.status, 303);
    const loc = r.headers.get('location');
    const m = loc.match(/^\/patients\/([0-9a-f]{32})\?notice=enrolled$/);
    assert.ok(m, loc);
    assert.ok(!loc.includes(nhi));
    const id = m[1];
    assert.equal(patients(), before0 + 1);
    const page = await clinician.get(loc);
    assert.equal(page.status, 200);
    assert.match(page.text, /Tūhoe-Smith, Aroha Jane/);
    assert.match(page.text, /Enrolled: the patient is on this practice&#39;s register\.|Enrolled: the patient is on this practice's register\./);
    assert.match(page.text, new RegExp(nhi));
    // In the practice's list, and found by FHIR search on the NHI.
    assert.match((await clinician.get('/patients')).text, new RegExp(`href="/patients/${id}"`));
    // (search by NHI over FHIR, Patient?identifier=…, comes with the FHIR writes' branch)
    const bundle = (await clinician.fhir('Patient')).json();
    const entry = bundle.entry.find((e) => e.resource.id === id);
    assert.ok(entry, 'in the practice\'s FHIR Patient list');
    assert.equal(entry.resource.identifier[0].value, nhi);
    assert.equal(entry.resource.birthDate, '1984-03-27');
    // Again, typed in lower case with a space: the same patient, and a notice saying so.
    const again = await post(clinician, '/practice/patients/new', details(`${nhi.slice(0, 3).toLowerCase()} ${nhi.slice(3)}`, 'Other', 'Name'));
    assert.equal(again.status, 303);
    assert.equal(again.headers.get('location'), `/patients/${id}?notice=already-enrolled`);
    assert.equal(patients(), before0 + 1);
    assert.match((await clinician.get(again.headers.get('location'))).text, /already enrolled at this practice/);
    assert.equal(sqlite(srv.dir, `SELECT group_concat(outcome) FROM audit WHERE action = 'patient.enrol' AND patient = '${id}'`), 'allow,match');
  });

  it('an NHI with a wrong check character is refused on its field, and nothing is created', async () => {
    const before0 = patients();
    const r = await post(clinician, '/practice/patients/new', details(badCheck(nextNhi()), '', 'Given'));
    assert.equal(r.status, 400);
    assert.equal(patients(), before0);
    assert.match(r.text, /<title>Error: Enrol a patient/);
    // The summary links to each wrong field; each field says what is wrong and is described by it.
    assert.match(r.text, /class="error-summary" role="alert"/);
    assert.match(r.text, /<a href="#nhi">This is not a valid NHI number: its last character \(the check character\) does not match/);
    assert.match(r.text, /<a href="#family">Enter the family name/);
    assert.doesNotMatch(r.text, /<a href="#given">/);
    assert.match(r.text, /<p class="field-error" id="nhi-error">/);
    assert.match(r.text, /id="nhi" name="nhi" aria-describedby="nhi-hint nhi-error" aria-invalid="true"/);
    assert.match(r.text, /id="family" name="family" aria-describedby="family-error" aria-invalid="true"/);
    // What was typed is kept.
    assert.match(r.text, /value="Given"/);
    // Not an NHI at all; a date in the future; no gender.
    const r2 = await post(clinician, '/practice/patients/new', { ...details('ZZ12'), birth_date: '2999-01-01', gender: '' });
    assert.equal(r2.status, 400);
    assert.match(r2.text, /<a href="#nhi">Enter the NHI number as 7 characters/);
    assert.match(r2.text, /<a href="#birth_date">Enter a real date of birth/);
    assert.match(r2.text, /<a href="#gender">Choose one of the genders listed/);
    assert.equal(patients(), before0);
  });

  it('the forms need their CSRF token', async () => {
    const before0 = patients();
    assert.equal((await post(clinician, '/practice/patients/new', details(nextNhi()), null)).status, 403);
    assert.equal((await post(clinician, '/practice/patients/new', details(nextNhi()), 'wrong')).status, 403);
    assert.equal(patients(), before0);
    const id = (await post(clinician, '/practice/patients/new', details(nextNhi()))).headers.get('location').slice(10, 42);
    assert.equal((await post(clinician, `/practice/patients/${id}/details`, details(nextNhi(), 'Changed'), null)).status, 403);
    assert.equal((await post(clinician, '/practice/patients/find', { nhi: 'ZZZ0016' }, 'wrong')).status, 403);
    assert.doesNotMatch((await clinician.get(`/patients/${id}`)).text, /Changed/);
  });

  it('a practice admin enrols and corrects details, and sees demographics only', async () => {
    const nhi = nextNhi();
    const r = await post(admin, '/practice/patients/new', details(nhi, 'Admin-Enrolled', 'Pat'));
    assert.equal(r.status, 303);
    const id = r.headers.get('location').match(/^\/patients\/([0-9a-f]{32})\?notice=enrolled$/)[1];
    const page = await admin.get(`/patients/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Admin-Enrolled, Pat/);
    assert.match(page.text, new RegExp(`href="/practice/patients/${id}/details"`));
    assert.doesNotMatch(page.text, /<h2>Documents<\/h2>|Publish a document/);
    assert.match((await admin.get('/patients')).text, /href="\/patients"/); // in the admin's menu
    // The details form, prefilled.
    const form1 = await admin.get(`/practice/patients/${id}/details`);
    assert.equal(form1.status, 200);
    assert.match(form1.text, new RegExp(`id="nhi" name="nhi"[^>]*value="${nhi}"`));
    assert.match(form1.text, /value="Admin-Enrolled"/);
    assert.match(form1.text, /<option value="female" selected>/);
    // The admin finds patients by NHI too.
    const found = await post(admin, '/practice/patients/find', { nhi });
    assert.equal(found.headers.get('location'), `/patients/${id}`);
    // Correct the name: the pages show the new one.
    const c = await post(admin, `/practice/patients/${id}/details`, details(nhi, 'Corrected-Name', 'Patricia'));
    assert.equal(c.status, 303);
    assert.equal(c.headers.get('location'), `/patients/${id}?notice=corrected`);
    const after1 = await clinician.get(`/patients/${id}`);
    assert.match(after1.text, /Corrected-Name, Patricia/);
    assert.doesNotMatch(after1.text, /Admin-Enrolled/);
    assert.equal((await clinician.fhir(`Patient/${id}`)).json().name[0].family, 'Corrected-Name');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'patient.write' AND patient = '${id}' AND outcome = 'allow'`), '1');
    // A wrong date: refused on its field, nothing changed.
    const bad = await post(admin, `/practice/patients/${id}/details`, { ...details(nhi, 'Nope'), birth_date: '1984-02-30' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<a href="#birth_date">/);
    assert.match((await clinician.get(`/patients/${id}`)).text, /Corrected-Name/);
    // Another patient's NHI: refused, one NHI is one patient.
    const taken = nextNhi();
    await post(clinician, '/practice/patients/new', details(taken, 'Holder'));
    const clash = await post(admin, `/practice/patients/${id}/details`, details(taken, 'Corrected-Name', 'Patricia'));
    assert.equal(clash.status, 409);
    assert.match(clash.text, /belongs to another patient/);
  });

  it('another practice\'s clinician reaches none of it: answered exactly as a random id', async () => {
    const nhi = nextNhi();
    const id = (await post(clinician, '/practice/patients/new', details(nhi, 'Ours-Only'))).headers.get('location').slice(10, 42);
    const fake = randomId();
    const same = async (method, p, fields) => {
      const send = (u) => (method === 'GET' ? other.get(u) : post(other, u, fields));
      const got = await send(p(id)); const want = await send(p(fake));
      assert.equal(got.status, 404, `${method} ${p(id)}`);
      assert.equal(got.status, want.status);
      assert.equal(got.text.replace(/name="csrf" value="[^"]+"/g, ''), want.text.replace(/name="csrf" value="[^"]+"/g, ''));
      assert.doesNotMatch(got.text, /Ours-Only/);
    };
    await same('GET', (x) => `/patients/${x}`);
    await same('GET', (x) => `/practice/patients/${x}/details`);
    await same('POST', (x) => `/practice/patients/${x}/details`, details(nhi, 'Hijacked'));
    assert.match((await clinician.get(`/patients/${id}`)).text, /Ours-Only/);
    // Finding our NHI from the other practice: not there.
    const f = await post(other, '/practice/patients/find', { nhi });
    assert.equal(f.status, 200);
    assert.match(f.text, /No patient with that NHI number is enrolled at this practice/);
    // Enrolling it there: no second patient; the move is offered (asked for, never done here:
    // transfers.test.js), and nothing about our practice is said.
    const before0 = patients();
    const e = await post(other, '/practice/patients/new', details(nhi, 'Second'));
    assert.equal(e.status, 409);
    assert.match(e.text, /enrolled at another practice/);
    assert.match(e.text, /<form method="post" action="\/practice\/transfers">/);
    assert.match(e.text, /until then this practice sees nothing of their record/);
    assert.doesNotMatch(e.text, /Demo Health Centre|Ours-Only/);
    assert.equal(patients(), before0);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'patient.enrol' AND patient = '${id}' AND outcome = 'conflict'`), '1');
    // The other practice enrols its own patient; ours cannot find it.
    const theirs = nextNhi();
    const t = await post(other, '/practice/patients/new', details(theirs, 'Harbour'));
    assert.equal(t.status, 303);
    assert.match((await post(clinician, '/practice/patients/find', { nhi: theirs })).text, /No patient with that NHI number/);
  });

  it('find by NHI goes to the patient by id; a wrong NHI is said on the field; no NHI in a URL', async () => {
    const nhi = nextNhi();
    const id = (await post(clinician, '/practice/patients/new', details(nhi, 'Findable'))).headers.get('location').slice(10, 42);
    const f = await post(clinician, '/practice/patients/find', { nhi: nhi.toLowerCase() });
    assert.equal(f.status, 303);
    assert.equal(f.headers.get('location'), `/patients/${id}`);
    const missing = await post(clinician, '/practice/patients/find', { nhi: nextNhi() });
    assert.equal(missing.status, 200);
    assert.match(missing.text, /No patient with that NHI number is enrolled at this practice/);
    const wrong = await post(clinician, '/practice/patients/find', { nhi: badCheck(nhi) });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /<a href="#find-nhi">This is not a valid NHI number/);
    assert.match(wrong.text, /aria-describedby="find-nhi-error" aria-invalid="true"/);
    // The find form is a POST: nothing on the pages puts an NHI in a link or a GET form.
    for (const p of ['/patients', `/patients/${id}`, `/practice/patients/${id}/details`, '/practice/patients/new']) {
      const html = (await clinician.get(p)).text;
      assert.doesNotMatch(html, /<form(?![^>]*method="post")[^>]*>/, p);
      for (const href of html.matchAll(/href="([^"]*)"/g)) assert.ok(!href[1].includes(nhi), `${p} links ${href[1]}`);
    }
  });

  it('patients and operators get the page that does not exist', async () => {
    const operator = new Client(srv.base);
    await operator.login('operator@demo.test');
    const id = (await post(clinician, '/practice/patients/new', details(nextNhi(), 'Staff-Only'))).headers.get('location').slice(10, 42);
    const before0 = patients();
    for (const c of [patient, operator]) {
      assert.equal((await c.get('/practice/patients/new')).status, 404);
      assert.equal((await post(c, '/practice/patients/new', details(nextNhi()))).status, 404);
      assert.equal((await c.get(`/practice/patients/${id}/details`)).status, 404);
      assert.equal((await post(c, `/practice/patients/${id}/details`, details(nextNhi(), 'X'))).status, 404);
      assert.equal((await post(c, '/practice/patients/find', { nhi: 'ZZZ0016' })).status, 404);
    }
    // Their own record's details page too: correcting is the practice's.
    assert.equal((await patient.get(`/practice/patients/${patient.session.patient}/details`)).status, 404);
    assert.equal(patients(), before0);
    assert.doesNotMatch((await patient.get('/documents')).text, /Enrol a patient/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'patient.enrol' AND actor = '${patient.session.account}' AND outcome = 'deny'`), '1');
  });

  // `incident report --system ID`: a practice system as the report's actor, named. What a
  // system wrote reaches the trail only through the feed listener or the FHIR system clients
  // (other branches); here the CLI's side: the filter, its name, its refusals. What the filter
  // collects from real system records is tests/unit/test_register.c.
  it('incident report --system names the system; an unknown or malformed id is refused', () => {
    const practice = fs.readFileSync(path.join(srv.dir, 'demo-logins.txt'), 'utf8').match(/^practice\t([0-9a-f]{32})\tDemo Health Centre$/m)[1];
    const add = run(['feeds', 'add', '--data', srv.dir, '--practice', practice, '--name', 'Demo Community Laboratory', '--facility', 'DEMOLAB']);
    assert.equal(add.code, 0, add.stderr);
    const feed = add.stdout.trim();
    const help = run(['incident', 'report', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--system ID/);
    const r = run(['incident', 'report', '--data', srv.dir, '--system', feed]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Incident report: system=${feed} \\(Demo Community Laboratory, practice system of Demo Health Centre\\)`));
    assert.match(r.stdout, /Nothing was served or written\./);
    const j = JSON.parse(run(['incident', 'report', '--data', srv.dir, '--system', feed, '--format', 'json']).stdout);
    assert.match(j.filter, /Demo Community Laboratory/);
    assert.deepEqual(j.patients, []);
    const unknown = run(['incident', 'report', '--data', srv.dir, '--system', randomId()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no practice system/);
    assert.equal(run(['incident', 'report', '--data', srv.dir, '--system', 'nope']).code, 2);
    assert.equal(run(['incident', 'report', '--data', srv.dir, '--system', feed, '--actor', 'clinician1@demo.test']).code, 2);
    // A clinician's report is unchanged by the new filter: still only what was served.
    const c = run(['incident', 'report', '--data', srv.dir, '--actor', 'clinician1@demo.test', '--format', 'json']);
    assert.equal(c.code, 0, c.stderr);
    assert.ok(JSON.parse(c.stdout).patients.length >= 1);
  });
});
