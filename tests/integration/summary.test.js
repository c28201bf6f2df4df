// The health summary (docs/internals/SUMMARY.md) over real HTTP against the real binary: a
// practice system (SMART Backend Services, assertions signed by `jose`) posts allergies,
// problems, immunisations and vital signs, alone and in a transaction Bundle; `medkeep import`
// files NDJSON lines of the same types; the patient reads them back over FHIR and on /summary;
// an app reads them only with a scope for them; another patient, practice or system gets
// exactly the answer of a random id; every resource served validates as FHIR R4.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, run, sqlite, randomId, appToken, AppClient, NZ_WHEN } = require('./lib');
const { login, form } = require('./careplan-helpers');
const { assertValidFhir } = require('./fhir-validate');

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const FHIR_JSON = { 'Content-Type': 'application/fhir+json' };
const SUMMARY_SCOPE = 'system/Patient.rs system/AllergyIntolerance.c system/Condition.c system/Immunization.c';
const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const VITALS = { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' };

const allergy = (pid, extra = {}) => ({ resourceType: 'AllergyIntolerance',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  code: { coding: [{ system: SNOMED, code: '294505008', display: 'Allergy to amoxicillin' }], text: 'Amoxicillin' },
  patient: { reference: `Patient/${pid}` }, onsetDateTime: '2019-05-02', criticality: 'high',
  reaction: [{ manifestation: [{ text: 'Widespread rash' }] }], ...extra });
const condition = (pid, text = 'Gout') => ({ resourceType: 'Condition',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { coding: [{ system: SNOMED, code: '90560007', display: 'Gout' }], text },
  subject: { reference: `Patient/${pid}` }, onsetDateTime: '2021-11-20T09:30:00+13:00' });
const immunization = (pid) => ({ resourceType: 'Immunization', status: 'completed',
  vaccineCode: { text: 'Shingles vaccine (Shingrix)' }, patient: { reference: `Patient/${pid}` },
  occurrenceDateTime: '2025-03-14T10:00:00+13:00', note: [{ text: 'First of two doses' }] });
const quantity = (value, code, unit = code) => ({ value, unit, system: UCUM, code });
const vital = (pid, code, value, unit, when = '2026-11-30T08:15:00+13:00') => ({ resourceType: 'Observation', status: 'final',
  category: [{ coding: [VITALS] }], code: { coding: [{ system: LOINC, code }] },
  subject: { reference: `Patient/${pid}` }, effectiveDateTime: when, valueQuantity: quantity(value, unit) });
const bloodPressure = (pid, sys, dia) => ({ resourceType: 'Observation', status: 'final',
  category: [{ coding: [VITALS] }], code: { coding: [{ system: LOINC, code: '85354-9' }] },
  subject: { reference: `Patient/${pid}` }, effectiveDateTime: '2026-12-01T09:00:00+13:00',
  component: [{ code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: quantity(sys, 'mm[Hg]') },
    { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: quantity(dia, 'mm[Hg]') }] });

describe('health summary: allergies, problems, immunisations and vital signs', () => {
  let srv; let jose; let tmp; let tokenUrl;
  let p1; let p2; let clin; let other; let pid; let practice; let otherPractice;
  let sys; let otherSys; let narrowSys; // { id, key }
  const made = {}; // type -> [id]

  async function system(practiceId, name) {
    const { publicKey, privateKey } = await jose.generateKeyPair('ES384');
    const kid = randomId().slice(0, 8);
    const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' };
    const file = path.join(tmp, `${randomId()}.json`);
    fs.writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    const r = run(['apps', 'add', '--system', '--data', srv.dir, '--practice', practiceId, '--name', name, '--jwks', file]);
    assert.equal(r.code, 0, r.stderr);
    return { id: r.stdout.match(/client_id ([0-9a-f]{32})/)[1], key: { kid, privateKey } };
  }

  async function token(s, scope = SUMMARY_SCOPE) {
    const jwt = await new jose.SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: s.key.kid, typ: 'JWT' })
      .setIssuer(s.id).setSubject(s.id).setJti(crypto.randomUUID()).setIssuedAt().setAudience(tokenUrl)
      .setExpirationTime('4m').sign(s.key.privateKey);
    const r = await fetch(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, scope }).toString() });
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    return body.access_token;
  }

  async function post(tok, type, body) {
    const r = await fetch(`${srv.base}/fhir/R4${type ? `/${type}` : ''}`, { method: 'POST',
      headers: { Authorization: `Bearer ${tok}`, ...FHIR_JSON }, body: JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
  }

  before(async () => {
    jose = await import('jose');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-summary-'));
    srv = await startServer({ patients: 3 });
    tokenUrl = `${srv.base}/oauth/token`;
    p1 = await login(srv, 'patient1@demo.test');
    p2 = await login(srv, 'patient2@demo.test');
    clin = await login(srv, 'clinician1@demo.test');
    other = await login(srv, 'otherclinician1@demo.test');
    pid = p1.session.patient;
    practice = sqlite(srv.dir, `SELECT lower(hex(practice_id)) FROM enrolment WHERE patient_id = x'${pid}'`);
    otherPractice = run(['practices', 'list', '--data', srv.dir]).stdout.trim().split('\n')
      .map((l) => l.split('\t')[0]).find((p) => p !== practice);
    assert.match(practice, /^[0-9a-f]{32}$/);
    assert.match(otherPractice, /^[0-9a-f]{32}$/);
    sys = await system(practice, 'Riverside PMS');
    otherSys = await system(otherPractice, 'Harbour PMS');
    narrowSys = await system(practice, 'Lab results only');
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('takes each type from the practice system, sealed at rest, and refuses what is not valid', async () => {
    const tok = await token(sys);
    for (const [type, body] of [['AllergyIntolerance', allergy(pid)], ['Condition', condition(pid)],
      ['Immunization', immunization(pid)], ['Observation', bloodPressure(pid, 128, 82)],
      ['Observation', vital(pid, '8867-4', 64, '/min')], ['Observation', vital(pid, '29463-7', 81.4, 'kg')]]) {
      const r = await post(tok, type, body);
      assert.equal(r.status, 201, `${type}: ${r.text}`);
      const res = r.json();
      assert.equal(res.resourceType, type);
      assert.equal(r.headers.get('etag'), 'W/"1"');
      assert.equal(r.headers.get('location'), `${srv.base}/fhir/R4/${type}/${res.id}/_history/1`);
      assertValidFhir(res);
      (made[type] = made[type] || []).push(res.id);
    }
    // What it says is sealed: neither the allergen nor the value is in the database in clear.
    const raw = fs.readFileSync(path.join(srv.dir, 'medkeep.db'));
    for (const s of ['Amoxicillin', 'Widespread rash', 'Shingrix', '294505008']) assert.ok(!raw.includes(s), s);
    const ids = Object.values(made).flat().map((id) => `x'${id}'`).join(',');
    assert.equal(sqlite(srv.dir, `SELECT group_concat(kind || ':' || code || ':' || lower(hex(patient_id)), ',') FROM (SELECT kind, code, patient_id FROM summary_entry WHERE id IN (${ids}) ORDER BY kind, code)`),
      ['allergy:', 'condition:', 'immunization:', 'vital:29463-7', 'vital:85354-9', 'vital:8867-4'].map((k) => `${k}:${pid}`).join(','));
    // Refused, each naming the field: a lab result as an Observation, an unknown vital sign, a
    // wrong unit, a status outside the value set, a date to come, text too long, no code.
    const bad = [
      ['Observation', { ...vital(pid, '8867-4', 64, '/min'), category: [{ coding: [{ system: VITALS.system, code: 'laboratory' }] }] }, /vital-sign/],
      ['Observation', vital(pid, '2339-0', 5.4, 'mmol/L'), /LOINC code/],
      ['Observation', vital(pid, '29463-7', 81, '[lb_av]'), /unit/],
      ['Observation', vital(pid, '8867-4', -3, '/min'), /above 0/],
      ['Condition', { ...condition(pid), clinicalStatus: { coding: [{ code: 'entered-in-error' }] } }, /clinicalStatus/],
      ['Immunization', { ...immunization(pid), occurrenceDateTime: '2099-01-01' }, /future/],
      ['Immunization', { ...immunization(pid), occurrenceDateTime: undefined }, /occurrenceDateTime/],
      ['AllergyIntolerance', allergy(pid, { code: { text: 'x'.repeat(501) } }), /500/],
      ['AllergyIntolerance', allergy(pid, { code: { coding: [{ system: SNOMED, code: 'no spaces' }] } }), /coding/],
      ['AllergyIntolerance', allergy(pid, { criticality: 'extreme' }), /criticality/],
      ['Condition', { ...condition(pid), code: undefined }, /CodeableConcept/],
    ];
    for (const [type, body, why] of bad) {
      const r = await post(tok, type, body);
      assert.equal(r.status, 400, `${type} ${why}: ${r.text}`);
      assert.match(r.json().issue[0].diagnostics, why);
    }
  });

  it('lets no other practice, and no system without the summary scope, write to the record', async () => {
    const foreign = await token(otherSys);
    const a = await post(foreign, 'Condition', condition(pid));
    const b = await post(foreign, 'Condition', condition(randomId()));
    assert.equal(a.status, 404);
    assert.equal(a.text, b.text, 'the same answer as a random id');
    // A system whose scopes leave the summary out: not found, as systems are never told
    // (domain/gate.c: only apps and proxies learn that a record is outside their scopes).
    const narrow = await token(narrowSys, 'system/Patient.rs system/DiagnosticReport.c system/Observation.c');
    const c = await post(narrow, 'AllergyIntolerance', allergy(pid));
    assert.equal(c.status, 404, c.text);
    const v = await post(narrow, 'Observation', vital(pid, '8867-4', 70, '/min'));
    assert.equal(v.status, 404, v.text);

    // The patient cannot write their own summary.
    const own = await p1.req('POST', '/fhir/R4/Condition', { body: JSON.stringify(condition(pid)), headers: FHIR_JSON });
    assert.equal(own.status, 404, own.text);
    // Each refusal is on the trail: the other practice's, the narrow system's two, the patient's.
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'summary.create' AND outcome = 'deny' AND patient = '${pid}'`), '4');
  });

  it('files the summary types inside a transaction Bundle, all or nothing', async () => {
    const tok = await token(sys);
    const entry = (resource) => ({ resource, request: { method: 'POST', url: resource.resourceType } });
    const ok = await post(tok, '', { resourceType: 'Bundle', type: 'transaction', entry: [
      entry(condition(pid, 'Osteoarthritis of the knee')), entry(immunization(pid)), entry(vital(pid, '8310-5', 37.2, 'Cel'))] });
    assert.equal(ok.status, 200, ok.text);
    const locs = ok.json().entry.map((e) => e.response.location);
    assert.match(locs[0], /\/fhir\/R4\/Condition\/[0-9a-f]{32}\/_history\/1$/);
    assert.match(locs[1], /\/fhir\/R4\/Immunization\/[0-9a-f]{32}\/_history\/1$/);
    assert.match(locs[2], /\/fhir\/R4\/Observation\/[0-9a-f]{32}\/_history\/1$/);
    assert.deepEqual(ok.json().entry.map((e) => e.response.status), ['201 Created', '201 Created', '201 Created']);
    made.Condition.push(locs[0].split('/')[6]);
    // One bad entry: nothing of the bundle stands.
    const before = sqlite(srv.dir, 'SELECT count(*) FROM summary_entry');
    const bad = await post(tok, '', { resourceType: 'Bundle', type: 'transaction', entry: [
      entry(condition(pid, 'Never filed')), entry(vital(pid, '8310-5', 37.2, '[degF]'))] });
    assert.equal(bad.status, 422, bad.text);
    assert.match(bad.json().issue[0].expression[0], /Bundle\.entry\[1\]/);
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM summary_entry'), before);
  });

  it('imports NDJSON lines of the summary types for a practice', () => {
    // The export's patient: p2, enrolled here, named by NHI (subject or patient .identifier).
    const p2id = p2.session.patient;
    const lines = [
      { ...condition('x', 'Imported: coeliac disease'), id: 'c-1', subject: { identifier: { system: 'https://standards.digital.health.nz/ns/nhi-id', value: nhiOf(p2id) } } },
      { ...allergy('x', { code: { text: 'Imported: bee stings' } }), id: 'a-1', patient: { identifier: { system: 'https://standards.digital.health.nz/ns/nhi-id', value: nhiOf(p2id) } } },
      { ...vital('x', '8867-4', 77, '/min'), id: 'v-1', subject: { identifier: { system: 'https://standards.digital.health.nz/ns/nhi-id', value: nhiOf(p2id) } } },
      { ...vital('x', '8867-4', 77, 'kg'), id: 'v-2', subject: { identifier: { system: 'https://standards.digital.health.nz/ns/nhi-id', value: nhiOf(p2id) } } },
    ];
    const file = path.join(tmp, 'summary.ndjson');
    fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = run(['import', '--data', srv.dir, '--practice', practice, file]);
    assert.equal(r.code, 1, r.stderr + r.stdout); // a refused line (the fourth) makes it 1
    assert.match(r.stdout, /Condition\s+1 loaded/);
    assert.match(r.stdout, /AllergyIntolerance\s+1 loaded/);
    assert.match(r.stdout, /Observation \(vital signs\)\s+1 loaded, 0 already there, 1 refused/);
    assert.match(r.stderr, /summary\.ndjson:4: .*unit/);
    // Again: already there, nothing twice.
    const again = run(['import', '--data', srv.dir, '--practice', practice, file]);
    assert.match(again.stdout, /Condition\s+0 loaded, 1 already there/);
  });

  // A patient's NHI, as their own FHIR Patient read gives it.
  const nhis = new Map();
  const nhiOf = (patient) => nhis.get(patient);
  before(async () => {
    for (const c of [p1, p2]) {
      const me = (await c.fhir(`Patient/${c.session.patient}`)).json();
      nhis.set(c.session.patient, me.identifier.find((i) => /nhi/.test(i.system)).value);
    }
  });

  it('gives the patient their summary over FHIR: search, read, versions, vital signs apart from lab results', async () => {
    for (const type of ['AllergyIntolerance', 'Condition', 'Immunization']) {
      const b = (await p1.fhir(`${type}?patient=${pid}`)).json();
      assert.equal(b.resourceType, 'Bundle');
      assert.ok(b.total >= 1, type);
      for (const e of b.entry) assertValidFhir(e.resource);
      for (const id of made[type]) assert.ok(b.entry.some((e) => e.resource.id === id), `${type} ${id}`);
      const r = await p1.fhir(`${type}/${made[type][0]}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('etag'), 'W/"1"');
      assert.equal(r.json().meta.versionId, '1');
      const again = await p1.fhir(`${type}/${made[type][0]}`, { headers: { 'If-None-Match': 'W/"1"' } });
      assert.equal(again.status, 304);
      assert.equal((await p1.fhir(`${type}/${made[type][0]}/_history/1`)).status, 200);
      assert.equal((await p1.fhir(`${type}/${made[type][0]}/_history/2`)).status, 404);
    }
    const a = (await p1.fhir(`AllergyIntolerance/${made.AllergyIntolerance[0]}`)).json();
    assert.equal(a.code.text, 'Amoxicillin');
    assert.equal(a.criticality, 'high');
    assert.equal(a.reaction[0].manifestation[0].text, 'Widespread rash');
    // Another type's id under this type's name is not found.
    assert.equal((await p1.fhir(`Condition/${made.AllergyIntolerance[0]}`)).status, 404);
    // Filters on clear metadata; paging with _count.
    const active = (await p1.fhir(`Condition?patient=${pid}&clinical-status=active`)).json();
    assert.ok(active.entry.every((e) => e.resource.clinicalStatus.coding[0].code === 'active'));
    const none = (await p1.fhir(`Condition?patient=${pid}&clinical-status=remission`)).json();
    assert.equal(none.total, 0);
    const page = (await p1.fhir(`Condition?patient=${pid}&_count=1`)).json();
    assert.equal(page.entry.length, 1);
    assert.ok(page.link.some((l) => l.relation === 'next'));
    const next = (await p1.get(new URL(page.link.find((l) => l.relation === 'next').url).pathname +
      new URL(page.link.find((l) => l.relation === 'next').url).search)).json();
    assert.notEqual(next.entry[0].resource.id, page.entry[0].resource.id);
    // Vital signs: Observation with category=vital-signs; blood pressure as components.
    const vitals = (await p1.fhir(`Observation?patient=${pid}&category=vital-signs`)).json();
    for (const e of vitals.entry) assertValidFhir(e.resource);
    const bp = vitals.entry.map((e) => e.resource).find((o) => o.code.coding[0].code === '85354-9' && o.id === made.Observation[0]);
    assert.deepEqual(bp.component.map((c) => c.valueQuantity.value), [128, 82]);
    const hr = (await p1.fhir(`Observation?patient=${pid}&category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs&code=http://loinc.org|8867-4`)).json();
    assert.ok(hr.entry.length >= 1);
    assert.ok(hr.entry.every((e) => e.resource.code.coding[0].code === '8867-4'));
    const one = await p1.fhir(`Observation/${made.Observation[1]}`);
    assert.equal(one.status, 200);
    assert.equal(one.json().valueQuantity.value, 64);
    // Lab results keep working: Observation without the category is the lab results only.
    const labs = (await p1.fhir(`Observation?patient=${pid}`)).json();
    assert.equal(labs.resourceType, 'Bundle');
    assert.ok(labs.entry.length >= 1);
    assert.ok(labs.entry.every((e) => e.resource.category[0].coding[0].code === 'laboratory'));
    // The CapabilityStatement lists the types as they are served.
    const cap = (await p1.fhir('metadata')).json();
    for (const type of ['AllergyIntolerance', 'Condition', 'Immunization']) {
      const r = cap.rest[0].resource.find((x) => x.type === type);
      assert.deepEqual(r.interaction.map((i) => i.code).sort(), ['create', 'read', 'search-type', 'vread']);
      assert.ok(r.searchParam.some((p) => p.name === 'patient'));
    }
    const obs = cap.rest[0].resource.find((x) => x.type === 'Observation');
    assert.ok(obs.interaction.some((i) => i.code === 'create'));
  });

  it('shows the summary on /summary and on the clinician page, and audits each read', async () => {
    const page = await p1.get('/summary');
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Health summary<\/h1>/);
    assert.match(page.text, /href="\/summary">Health summary</);
    for (const s of ['Amoxicillin', 'Reaction: Widespread rash', 'Gout', 'Shingles vaccine (Shingrix)', 'Blood pressure', 'Heart rate'])
      assert.ok(page.text.includes(s), s);
    assert.match(page.text, /browser's Print/);
    // Latest vital signs: New Zealand time, the newest blood pressure.
    assert.match(page.text, new RegExp(`128/82 mmHg</td><td>${NZ_WHEN.source.replace(/^\^|\$$/g, '')}`));
    const clinPage = await clin.get(`/patients/${pid}`);
    assert.equal(clinPage.status, 200);
    assert.match(clinPage.text, /<h2 id="summary-h">Health summary<\/h2>/);
    assert.ok(clinPage.text.includes('Amoxicillin'));
    const audited = sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'summary.list' AND patient = '${pid}' AND outcome = 'allow' AND rid = '${made.AllergyIntolerance[0]}'`);
    assert.ok(Number(audited) >= 2, audited);
  });

  it('answers another patient, another practice and a random id alike', async () => {
    const rnd = randomId();
    for (const [who, c] of [['patient2', p2], ['other practice', other]]) {
      for (const type of ['AllergyIntolerance', 'Condition', 'Immunization', 'Observation']) {
        const real = await c.fhir(`${type}/${made[type][0]}`);
        const fake = await c.fhir(`${type}/${rnd}`);
        assert.equal(real.status, 404, `${who} ${type}`);
        assert.equal(real.text, fake.text, `${who} ${type} body`);
      }
      const s1 = await c.fhir(`Condition?patient=${pid}`);
      const s2 = await c.fhir(`Condition?patient=${rnd}`);
      assert.equal(s1.status, 404, `${who} search`);
      assert.equal(s1.text, s2.text);
    }
    const page = await other.get(`/patients/${pid}`);
    assert.equal(page.status, 404);
  });

  it('shows a proxy the summary only when their grant covers it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const grant = (scopes) => sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by)
      VALUES (randomblob(16), x'${pid}', x'${p2.session.account}', ${scopes}, ${now + 86400}, ${now}, x'${p1.session.account}')`);
    const end = () => sqlite(srv.dir, `UPDATE proxy_grant SET revoked = ${now} WHERE account_id = x'${p2.session.account}' AND revoked IS NULL`);
    grant(1 | 2); // documents and results
    assert.equal((await p2.post('/records/switch', form(p2, { record: pid }))).status, 303);
    const home = await p2.get('/');
    assert.ok(!home.text.includes('href="/summary"'), 'not offered in the menu');
    const page = await p2.get('/summary');
    assert.equal(page.status, 403);
    assert.match(page.text, /record covers documents and results\. Ask/);
    const told = await p2.fhir(`Condition?patient=${pid}`);
    assert.equal(told.status, 403);
    end();
    grant(32); // the summary scope
    assert.equal((await p2.post('/records/switch', form(p2, { record: pid }))).status, 303);
    assert.ok((await p2.get('/')).text.includes('href="/summary"'));
    const held = await p2.get('/summary');
    assert.equal(held.status, 200);
    assert.ok(held.text.includes('Amoxicillin'));
    assert.equal((await p2.fhir(`Condition?patient=${pid}`)).status, 200);
    assert.equal(sqlite(srv.dir, `SELECT count(*) > 0 FROM audit WHERE action = 'summary.list' AND via = 'proxy' AND actor = '${p2.session.account}' AND outcome = 'allow'`), '1');
    end();
    assert.equal((await p2.post('/records/switch', form(p2, { record: 'own' }))).status, 303);
  });

  it('lets an app read the summary only with a scope for it', async () => {
    const withScope = await appToken(srv, p1, 'launch/patient patient/Condition.rs');
    const app = new AppClient(srv.base, withScope.token);
    const ok = await app.get(`/fhir/R4/AllergyIntolerance?patient=${pid}`);
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.json().entry.length >= 1);
    const vit = await app.get(`/fhir/R4/Observation?patient=${pid}&category=vital-signs`);
    assert.equal(vit.status, 200);
    const without = await appToken(srv, p1, 'launch/patient patient/Observation.rs');
    const app2 = new AppClient(srv.base, without.token);
    for (const p of [`AllergyIntolerance?patient=${pid}`, `Condition?patient=${pid}`, `Immunization?patient=${pid}`,
      `Observation?patient=${pid}&category=vital-signs`]) {
      const r = await app2.get(`/fhir/R4/${p}`);
      assert.equal(r.status, 403, `${p}: ${r.text}`);
      assert.match(r.headers.get('www-authenticate'), /insufficient_scope/);
    }
    // One item by id it cannot know of: not found, like a random id (domain/gate.c).
    const item = await app2.get(`/fhir/R4/Condition/${made.Condition[0]}`);
    const rnd = await app2.get(`/fhir/R4/Condition/${randomId()}`);
    assert.equal(item.status, 404);
    assert.equal(item.text, rnd.text);
    // Its lab results still read.
    assert.equal((await app2.get(`/fhir/R4/Observation?patient=${pid}`)).status, 200);
    // $everything carries the summary for the app whose scopes cover it, and only then.
    const kinds = async (c) => new Set((await c.get(`/fhir/R4/Patient/${pid}/$everything?_count=500`)).json().entry
      .map((e) => e.resource.resourceType + (e.resource.category && e.resource.category[0].coding[0].code === 'vital-signs' ? ':vital' : '')));
    const wide = await kinds(app);
    for (const t of ['AllergyIntolerance', 'Condition', 'Immunization', 'Observation:vital']) assert.ok(wide.has(t), t);
    const narrow = await kinds(app2);
    for (const t of ['AllergyIntolerance', 'Condition', 'Immunization', 'Observation:vital']) assert.ok(!narrow.has(t), t);
    assert.ok(narrow.has('Observation'));
  });
});
