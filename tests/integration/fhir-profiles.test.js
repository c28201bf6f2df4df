// Profiles (issue 16, item 4), against the PUBLISHED profiles: every resource the server hands
// out that claims a profile in meta.profile is checked against that profile's own
// StructureDefinition (IPS 2.0.0 from its npm tarball, fetched and integrity-checked by
// scripts/fhir-packages.sh; NZ Base NzPatient transcribed below, as it is not on npm), with
// tests/integration/profile-check.js; and every one against base R4 (the `fhir` package). The
// checker itself is shown to fail on deliberately broken instances. The CapabilityStatement's
// supportedProfile lists exactly the profiles claimed. Lab Observations carry their performing
// laboratory; medicines carry their NZMT or SNOMED CT code when one is known.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, Client, run } = require('./lib');
const { assertValidFhir } = require('./fhir-validate');
const { Package, Checker } = require('./profile-check');

const IPS_DIR = path.join(__dirname, '..', '..', 'build', 'fhir-packages', 'hl7.fhir.uv.ips-2.0.0', 'package');
const IPS = 'http://hl7.org/fhir/uv/ips/StructureDefinition/';
const NZ_PATIENT = 'http://hl7.org.nz/fhir/StructureDefinition/NzPatient';
const NHI_SYSTEM = 'https://standards.digital.health.nz/ns/nhi-id';

// NZ Base NzPatient (HL7 NZ base IG 3.1.0, profile version 1.0.0): the rules of its published
// differential that bear on a Patient without NZ extensions, transcribed: the nz-pat-1
// invariant (its expression verbatim), the NHI identifier slice (by system) with its fixed
// system and its use bound (required) to nhi-use-code. Only "official" of that value set is
// listed here (the one code medkeep sends; narrower than the published set, so a pass holds).
// Its extension slices (ethnicity, iwi, ...) are optional and not sent; NzAddress and
// NzContactpoint are not checked (medkeep serves neither address nor telecom).
const NZ_PATIENT_SD = {
  url: NZ_PATIENT,
  type: 'Patient',
  differential: {
    element: [
      { id: 'Patient', path: 'Patient', constraint: [{ key: 'nz-pat-1', severity: 'error', human: 'only a single official NHI',
        expression: "Patient.identifier.where(system='https://standards.digital.health.nz/ns/nhi-id' and use='official').count() < 2" }] },
      { id: 'Patient.identifier', path: 'Patient.identifier', slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'open' } },
      { id: 'Patient.identifier:NHI', path: 'Patient.identifier', sliceName: 'NHI', min: 0, max: '*' },
      { id: 'Patient.identifier:NHI.use', path: 'Patient.identifier.use',
        binding: { strength: 'required', valueSet: 'https://nzhts.digital.health.nz/fhir/ValueSet/nhi-use-code' } },
      { id: 'Patient.identifier:NHI.system', path: 'Patient.identifier.system', min: 1, fixedUri: NHI_SYSTEM },
    ],
  },
};

// The check letter of a new-format NHI (HISO 10046:2023), for an imported patient.
function nhi(stem) {
  const alpha = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  const val = (c) => (/[0-9]/.test(c) ? Number(c) : alpha.indexOf(c) + 1);
  let sum = 0;
  for (let i = 0; i < 6; i++) sum += val(stem[i]) * (7 - i);
  return stem + alpha[23 - (sum % 23) - 1];
}

describe('FHIR profiles, validated against the published StructureDefinitions', () => {
  let srv; let staff; let pkg; let checker; let meta;
  const served = []; // every resource served, as { via, resource }
  const importedNhi = nhi('ZQX71K');

  before(async () => {
    assert.ok(fs.existsSync(IPS_DIR),
      `the IPS package is missing: run scripts/fhir-packages.sh (scripts/bootstrap.sh --test does) to fetch ${IPS_DIR}`);
    pkg = new Package(IPS_DIR);
    pkg.byUrl.set(NZ_PATIENT, NZ_PATIENT_SD);
    checker = new Checker(pkg);
    pkg.addValueSet('https://nzhts.digital.health.nz/fhir/ValueSet/nhi-use-code', 'http://hl7.org/fhir/identifier-use', ['official']);
    srv = await startServer({ patients: 5 });
    // Medicines as a practice's export sends them: one NZMT-coded, one SNOMED CT-coded, one
    // with a code in a system we do not serve (kept as text only).
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-profiles-'));
    const lines = [
      { resourceType: 'Patient', id: 'pp1', identifier: [{ system: NHI_SYSTEM, value: importedNhi }],
        name: [{ use: 'official', family: 'Tāwhai', given: ['Mere'] }], gender: 'female', birthDate: '1969-03-02' },
      { resourceType: 'MedicationRequest', id: 'mr1', status: 'active', intent: 'order', subject: { reference: 'Patient/pp1' },
        medicationCodeableConcept: { coding: [{ system: 'http://nzmt.org.nz', code: '10037191000116105', display: 'paracetamol' }], text: 'Paracetamol 500 mg tablet' },
        dosageInstruction: [{ text: 'Two tablets when needed, up to four times a day.' }] },
      { resourceType: 'MedicationRequest', id: 'mr2', status: 'active', intent: 'order', subject: { reference: 'Patient/pp1' },
        medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '12345' },
          { system: 'http://snomed.info/sct', code: '318913001', display: 'Product containing cilazapril (medicinal product)' }], text: 'Cilazapril 2.5 mg tablet' },
        dosageInstruction: [{ text: 'One tablet each morning.' }] },
      { resourceType: 'MedicationRequest', id: 'mr3', status: 'active', intent: 'order', subject: { reference: 'Patient/pp1' },
        medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '12345' }], text: 'Metformin 500 mg tablet' },
        dosageInstruction: [{ text: 'One tablet twice a day.' }] },
    ];
    fs.writeFileSync(path.join(tmp, 'import.ndjson'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const pr = run(['practices', 'list', '--data', srv.dir]);
    const practice = pr.stdout.trim().split('\n').map((l) => l.split('\t')).find((l) => l[1] === 'Demo Health Centre')[0];
    const imp = run(['import', '--data', srv.dir, '--practice', practice, path.join(tmp, 'import.ndjson')]);
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.equal(imp.code, 0, imp.stderr + imp.stdout);
    assert.match(imp.stdout, /0 refused/);

    staff = new Client(srv.base);
    await staff.login('clinician1@demo.test');
    meta = (await staff.fhir('metadata')).json();
    // A laboratory's report posted with the lab only as a contained Organization, and one
    // observation that came without a value (served with dataAbsentReason).
    const first = (await staff.fhir('Patient')).json().entry[0].resource.id;
    const posted = await staff.post('/fhir/R4/DiagnosticReport', { headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({
      resourceType: 'DiagnosticReport', status: 'final', identifier: [{ value: 'PROF-1' }], subject: { reference: `Patient/${first}` },
      effectiveDateTime: '2026-11-20T08:30:00+13:00', issued: '2026-11-20T14:00:00Z',
      performer: [{ reference: '#lab' }],
      contained: [{ resourceType: 'Organization', id: 'lab', name: 'Invented Northern Laboratory' },
        { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2160-0' }] }, valueQuantity: { value: 80, code: 'umol/L' } },
        { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
          dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown' }] } }],
    }) });
    assert.equal(posted.status, 201, posted.text);
    // Everything the server serves of its patients: reads, searches and $everything.
    const keep = (via, r) => served.push({ via, resource: r });
    const patients = (await staff.fhir('Patient')).json().entry.map((e) => e.resource);
    assert.ok(patients.length >= 6);
    for (const p of patients) {
      keep('Patient read', (await staff.fhir(`Patient/${p.id}`)).json());
      keep('Patient search', p);
      for (const type of ['Observation', 'DiagnosticReport', 'MedicationRequest']) {
        const b = (await staff.fhir(`${type}?patient=${p.id}&_count=200`)).json();
        for (const e of b.entry || []) keep(`${type} search`, e.resource);
      }
      const ev = await staff.fhir(`Patient/${p.id}/$everything`); // where staff may (404 elsewhere)
      if (ev.status === 200) for (const e of ev.json().entry || []) keep('$everything', e.resource);
    }
    // Reads by id of some of each.
    for (const type of ['Observation', 'DiagnosticReport', 'MedicationRequest']) {
      for (const { resource } of served.filter((s) => s.resource.resourceType === type).slice(0, 5)) {
        keep(`${type} read`, (await staff.fhir(`${type}/${resource.id}`)).json());
      }
    }
    // A patient's own view of their record (the patient app's path; $everything needs a
    // fresh second factor, export.test.js).
    const self = new Client(srv.base);
    await self.login('patient1@demo.test');
    // with the contact details a patient keeps (DETAILS.md): telecom and address
    const details = await self.post('/details', { body: new URLSearchParams({ csrf: self.csrf, part: 'contact',
      mobile: '021 555 0147', phone: '09 555 0199', line1: '14 Karaka Street', suburb: 'Ōtāhuhu', city: 'Auckland',
      postcode: '1062' }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
    assert.equal(details.status, 303);
    const own = (await self.fhir(`Patient/${self.session.patient}`)).json();
    assert.equal(own.telecom.length, 2);
    assert.equal(own.address[0].country, 'NZ');
    keep('own Patient', own);
    for (const type of ['Observation', 'DiagnosticReport', 'MedicationRequest']) {
      const b = (await self.fhir(`${type}?patient=${self.session.patient}`)).json();
      for (const e of b.entry || []) keep(`own ${type}`, e.resource);
    }
  });
  after(async () => { await srv.stop(); });

  const claims = (r) => (r.meta && r.meta.profile) || [];
  const check = (r, url) => {
    const sd = pkg.get(url);
    assert.ok(sd, `profile ${url} is in the package`);
    return checker.check(sd, r);
  };

  it('every served resource that claims a profile meets it, and is valid R4', () => {
    let checked = 0;
    const seen = new Set();
    for (const { via, resource } of served) {
      const key = `${resource.resourceType}/${resource.id}/${via}`;
      if (seen.has(key)) continue;
      seen.add(key);
      assertValidFhir(resource);
      for (const url of claims(resource)) {
        const problems = check(resource, url);
        assert.deepEqual(problems, [], `${via} ${resource.resourceType}/${resource.id} against ${url}`);
        checked++;
      }
    }
    assert.ok(checked > 50, `checked ${checked}`);
  });

  it('claims where the content fits: every Patient, report and lab Observation; coded medicines only', () => {
    const of = (t) => served.filter((s) => s.resource.resourceType === t).map((s) => s.resource);
    for (const p of of('Patient')) assert.deepEqual(claims(p), [NZ_PATIENT, `${IPS}Patient-uv-ips`]);
    assert.ok(of('Observation').length > 10);
    for (const o of of('Observation')) assert.deepEqual(claims(o), [`${IPS}Observation-results-laboratory-pathology-uv-ips`]);
    for (const d of of('DiagnosticReport')) assert.deepEqual(claims(d), [`${IPS}DiagnosticReport-uv-ips`]);
    const meds = of('MedicationRequest');
    const coded = meds.filter((m) => (m.medicationCodeableConcept.coding || []).length > 0);
    const text = meds.filter((m) => !(m.medicationCodeableConcept.coding || []).length);
    assert.ok(coded.length > 0 && text.length > 0, `${coded.length} coded, ${text.length} text only`);
    for (const m of coded) assert.deepEqual(claims(m), [`${IPS}MedicationRequest-uv-ips`]);
    for (const m of text) assert.deepEqual(claims(m), [], 'a text-only medicine claims nothing');
  });

  it('the CapabilityStatement lists exactly the profiles claimed', () => {
    const listed = meta.rest[0].resource.filter((r) => r.supportedProfile)
      .flatMap((r) => r.supportedProfile.map((p) => `${r.type} ${p}`)).sort();
    const claimed = [...new Set(served.flatMap((s) => claims(s.resource).map((p) => `${s.resource.resourceType} ${p}`)))].sort();
    assert.deepEqual(listed, claimed);
    assertValidFhir(meta);
  });

  it('each lab Observation and report names its performing laboratory, an IPS Organization', () => {
    const org = pkg.get(`${IPS}Organization-uv-ips`);
    const results = served.map((s) => s.resource).filter((r) => ['Observation', 'DiagnosticReport'].includes(r.resourceType));
    for (const r of results) {
      assert.equal(r.performer.length, 1);
      const ref = r.performer[0].reference;
      assert.match(ref, /^#/);
      const lab = r.contained.find((c) => `#${c.id}` === ref);
      assert.equal(lab.resourceType, 'Organization');
      assert.equal(lab.name, r.performer[0].display);
      assert.deepEqual(checker.check(org, lab, r), [], `${r.resourceType}/${r.id} performer`);
    }
    assert.ok(results.some((r) => r.contained[0].name === 'Demo Community Laboratory (invented)'));
    const northern = results.filter((r) => r.contained[0].name === 'Invented Northern Laboratory');
    assert.ok(northern.some((r) => r.resourceType === 'DiagnosticReport'));
    const absent = northern.filter((r) => r.resourceType === 'Observation' && r.dataAbsentReason);
    assert.ok(absent.length >= 1 && absent.every((r) => r.valueString === undefined && r.valueQuantity === undefined));
  });

  it('medicine codes arrive, are kept and are served; other systems are left out', () => {
    const meds = served.map((s) => s.resource).filter((r) => r.resourceType === 'MedicationRequest');
    const para = meds.find((m) => (m.medicationCodeableConcept.coding || []).some((c) => c.system === 'http://nzmt.org.nz'));
    assert.deepEqual(para.medicationCodeableConcept,
      { text: 'Paracetamol 500 mg tablet', coding: [{ system: 'http://nzmt.org.nz', code: '10037191000116105', display: 'paracetamol' }] });
    const cila = meds.filter((m) => m.medicationCodeableConcept.text === 'Cilazapril 2.5 mg tablet');
    assert.ok(cila.length >= 1);
    for (const m of cila) {
      assert.deepEqual(m.medicationCodeableConcept.coding,
        [{ system: 'http://snomed.info/sct', code: '318913001', display: 'Product containing cilazapril (medicinal product)' }]);
    }
    const imported = served.find((s) => s.resource.resourceType === 'Patient' &&
      s.resource.identifier[0].value === importedNhi).resource;
    const mine = meds.filter((m) => m.subject.reference === `Patient/${imported.id}`);
    const met = mine.find((m) => m.medicationCodeableConcept.text === 'Metformin 500 mg tablet');
    assert.equal(met.medicationCodeableConcept.coding, undefined, 'an RxNorm code is not kept');
    assert.ok(mine.includes(para));
    // The demo's own: SNOMED CT where the code is certain (docs/internals/PROFILES.md).
    const demoPara = meds.filter((m) => m.medicationCodeableConcept.text === 'Paracetamol 500 mg tablet' && !mine.includes(m));
    for (const m of demoPara) {
      assert.deepEqual(m.medicationCodeableConcept.coding, [{ system: 'http://snomed.info/sct', code: '777067000', display: 'Acetaminophen only product' }]);
    }
  });

  it('a malformed code in a system we serve is refused at import, naming the field', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-profiles-'));
    const line = { resourceType: 'MedicationRequest', id: 'bad1', status: 'active', intent: 'order',
      subject: { reference: 'Patient/pp1' }, dosageInstruction: [{ text: 'Once a day.' }],
      medicationCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '31891-3001' }], text: 'Cilazapril 2.5 mg tablet' } };
    const pat = { resourceType: 'Patient', id: 'pp1', identifier: [{ system: NHI_SYSTEM, value: importedNhi }],
      name: [{ use: 'official', family: 'Tāwhai', given: ['Mere'] }], gender: 'female', birthDate: '1969-03-02' };
    fs.writeFileSync(path.join(tmp, 'bad.ndjson'), `${JSON.stringify(pat)}\n${JSON.stringify(line)}\n`);
    const pr = run(['practices', 'list', '--data', srv.dir]);
    const practice = pr.stdout.trim().split('\n').map((l) => l.split('\t')).find((l) => l[1] === 'Demo Health Centre')[0];
    const imp = run(['import', '--data', srv.dir, '--practice', practice, path.join(tmp, 'bad.ndjson')]);
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.match(imp.stdout + imp.stderr, /1 refused/);
    assert.match(imp.stdout + imp.stderr, /6 to 18 digits/);
  });

  describe('the checker fails what does not conform', () => {
    const sample = (t) => JSON.parse(JSON.stringify(served.find((s) => s.resource.resourceType === t).resource));
    const obsUrl = `${IPS}Observation-results-laboratory-pathology-uv-ips`;
    const has = (problems, re) => assert.ok(problems.some((p) => re.test(p)), `expected ${re} in ${JSON.stringify(problems)}`);

    it('a lab Observation without performer, with a wrong category, status or value', () => {
      const o = sample('Observation');
      assert.deepEqual(check(o, obsUrl), []);
      const noPerf = sample('Observation'); delete noPerf.performer; delete noPerf.contained;
      has(check(noPerf, obsUrl), /^Observation\.performer: min 1, found 0/);
      const cat = sample('Observation'); cat.category[0].coding[0].code = 'vital-signs';
      has(check(cat, obsUrl), /^Observation\.category:laboratory: min 1, found 0/);
      const status = sample('Observation'); status.status = 'entered-in-error';
      has(check(status, obsUrl), /^Observation\.status: .* not in http:\/\/hl7\.org\/fhir\/uv\/ips\/ValueSet\/results-status-uv-ips/);
      const both = sample('Observation');
      both.dataAbsentReason = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown' }] };
      has(check(both, obsUrl), /obs-6/);
      const none = sample('Observation'); delete none.valueQuantity; delete none.valueString;
      has(check(none, obsUrl), /ips-2/);
      const subj = sample('Observation'); subj.subject = { display: 'Someone' };
      has(check(subj, obsUrl), /^Observation\.subject\.reference: min 1, found 0/);
      const orphan = sample('Observation'); orphan.performer = [{ display: 'Lab' }];
      has(check(orphan, obsUrl), /dom-3/);
    });

    it('a Patient without birth date, or with two official NHIs', () => {
      const p = sample('Patient');
      assert.deepEqual(check(p, `${IPS}Patient-uv-ips`), []);
      assert.deepEqual(check(p, NZ_PATIENT), []);
      const nobd = sample('Patient'); delete nobd.birthDate;
      has(check(nobd, `${IPS}Patient-uv-ips`), /^Patient\.birthDate: min 1, found 0/);
      const two = sample('Patient'); two.identifier.push({ ...two.identifier[0], value: 'ZZZ0016' });
      has(check(two, NZ_PATIENT), /nz-pat-1/);
      const use = sample('Patient'); use.identifier[0].use = 'temp';
      has(check(use, NZ_PATIENT), /^Patient\.identifier:NHI\.use: .* not in/);
      const gender = sample('Patient'); gender.gender = 'x';
      has(check(gender, `${IPS}Patient-uv-ips`), /^Patient\.gender: .* not in/);
    });

    it('a report without subject reference, a request without medication, an unnamed lab', () => {
      const d = sample('DiagnosticReport');
      delete d.subject.reference;
      has(check(d, `${IPS}DiagnosticReport-uv-ips`), /^DiagnosticReport\.subject\.reference: min 1/);
      const m = served.map((s) => s.resource).find((r) => r.resourceType === 'MedicationRequest' && claims(r).length);
      const noMed = JSON.parse(JSON.stringify(m)); delete noMed.medicationCodeableConcept;
      has(check(noMed, `${IPS}MedicationRequest-uv-ips`), /^MedicationRequest\.medication\[x\]: min 1, found 0/);
      const o = sample('Observation'); delete o.contained[0].name;
      has(checker.check(pkg.get(`${IPS}Organization-uv-ips`), o.contained[0], o), /^Organization\.name: min 1, found 0/);
    });

    it('an expression it cannot evaluate, or a binding it cannot expand, is a failure', () => {
      const sd = { url: 'x', type: 'Patient', snapshot: { element: [
        { id: 'Patient', path: 'Patient', constraint: [{ key: 'bad-1', severity: 'error', human: 'x', expression: 'name.where(' }] },
        { id: 'Patient.gender', path: 'Patient.gender', min: 0, max: '1', binding: { strength: 'required', valueSet: 'http://example.org/ValueSet/unknown' } },
      ] } };
      const problems = checker.check(sd, sample('Patient'));
      has(problems, /bad-1: the expression failed/);
      has(problems, /cannot be expanded here/);
    });
  });
});
