// The ecosystem's own FHIR clients against medkeep (issue 16): @medplum/core's MedplumClient
// (searchOne, searchResources, searchResourcePages to the end, readResource) and
// fhir-kit-client (search then nextPage to the end, read, resourceSearch with _count and _sort),
// each with an app's bearer token from the SMART code flow, on a patient with several pages of
// documents and lab results. What they page through is checked against what the database
// holds (sqlite): every row once, none twice, nobody else's; and a next link of one patient
// replayed with another patient's token is answered as a random id is.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, Client, AppClient, appToken, run, sqlite, randomId } = require('./lib');

const NHI_SYSTEM = 'https://standards.digital.health.nz/ns/nhi-id';
const KINDS = ['18842-5', '57133-1', '11488-4'];
const DOCS = 130;
const REPORTS = 40;
const DAY = 86400;

function pdf(text) {
  return Buffer.from(`%PDF-1.4\n1 0 obj<<>>endobj\n% ${text}\ntrailer<<>>\n%%EOF\n`).toString('base64');
}

// A practice's export for the patient with this NHI: n documents and m lab reports of two
// observations each, loaded with `medkeep import` (the same domain calls as any other filing).
function importFor(dir, nhi, n, m) {
  const r0 = run(['practices', 'list', '--data', dir]);
  const practice = r0.stdout.trim().split('\n').map((l) => l.split('\t')).find((l) => l[1] === 'Demo Health Centre')[0];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-clients-'));
  const subject = { identifier: { system: NHI_SYSTEM, value: nhi } };
  const docs = [];
  for (let i = 0; i < n; i++) {
    docs.push(JSON.stringify({
      resourceType: 'DocumentReference', id: `c${i}`, status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: KINDS[i % KINDS.length] }] }, subject,
      description: `Letter ${i}`,
      content: [{ attachment: { contentType: 'application/pdf', title: `letter-${i}.pdf`, data: pdf(`letter ${i}`) } }],
    }));
  }
  const reports = [];
  for (let i = 0; i < m; i++) {
    const when = new Date(Date.UTC(2025, 0, 1) + i * DAY * 1000).toISOString();
    const obs = [['4548-4', 'HbA1c', 40 + i % 9, 'mmol/mol'], ['2160-0', 'Creatinine', 70 + i % 13, 'umol/L']]
      .map(([code, display, v, unit], k) => ({
        resourceType: 'Observation', id: `o${k}`, status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code, display }] }, subject,
        effectiveDateTime: when, valueQuantity: { value: v, unit, code: unit },
      }));
    reports.push(JSON.stringify({
      resourceType: 'DiagnosticReport', id: `r${i}`, status: 'final', identifier: [{ value: `CLI-${i}` }],
      subject, effectiveDateTime: when, issued: when, performer: [{ display: 'Invented Community Laboratory' }],
      contained: obs, result: obs.map((o) => ({ reference: `#${o.id}` })),
    }));
  }
  const files = [['DocumentReference', docs], ['DiagnosticReport', reports]].map(([t, lines]) => {
    const f = path.join(tmp, `${t}.ndjson`);
    fs.writeFileSync(f, lines.join('\n') + '\n');
    return f;
  });
  const r = run(['import', '--data', dir, '--practice', practice, ...files]);
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

const hex = (id) => `x'${id}'`;
const docCount = (dir, pid) => Number(sqlite(dir, `SELECT count(*) FROM document WHERE patient_id = ${hex(pid)}`));
const docIds = (dir, pid) => sqlite(dir, `SELECT lower(hex(id)) FROM document WHERE patient_id = ${hex(pid)}`).split('\n').sort();
// The results a patient sees: released (and no comment-first preference is set in the demo).
const reportIds = (dir, pid) => sqlite(dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = ${hex(pid)}`
  + ' AND release_at IS NOT NULL AND release_at <= CAST(strftime(\'%s\', \'now\') AS INTEGER)').split('\n').filter(Boolean).sort();

function assertOnce(ids, what) {
  assert.equal(new Set(ids).size, ids.length, `${what}: no duplicates across pages`);
}

describe('FHIR clients from npm: @medplum/core and fhir-kit-client', () => {
  let srv, fhirBase, a, b, pidA, pidB, medplumA, kitA, tokenB;
  let MedplumClient, FhirKit;
  before(async () => {
    // @medplum/core 5 defines its subscription classes on the global WebSocket, which Node 20
    // has only behind --experimental-websocket; nothing here subscribes, so a bare class will do.
    globalThis.WebSocket ??= class WebSocket extends EventTarget {};
    ({ MedplumClient } = require('@medplum/core'));
    FhirKit = (await import('fhir-kit-client')).Client;
    srv = await startServer({ patients: 2 });
    fhirBase = `${srv.base}/fhir/R4`;
    const p1 = new Client(srv.base); await p1.login('patient1@demo.test');
    const p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    pidA = p1.session.patient; pidB = p2.session.patient;
    const nhi = (await p1.fhir(`Patient/${pidA}`)).json().identifier.find((i) => i.system === NHI_SYSTEM).value;
    importFor(srv.dir, nhi, DOCS, REPORTS);
    // The imported results are held for release under the practice's rules: release them now.
    sqlite(srv.dir, `UPDATE result SET release_at = created WHERE patient_id = ${hex(pidA)} AND (release_at IS NULL OR release_at > created)`);
    a = await appToken(srv, p1, 'launch/patient patient/*.rs');
    b = await appToken(srv, p2, 'launch/patient patient/*.rs');
    assert.equal(a.patient, pidA);
    tokenB = b.token;
    medplumA = new MedplumClient({ baseUrl: `${srv.base}/`, fhirUrlPath: 'fhir/R4', fetch, cacheTime: 0 });
    medplumA.setAccessToken(a.token);
    kitA = new FhirKit({ baseUrl: fhirBase, bearerToken: a.token });
  });
  after(async () => { if (srv) await srv.stop(); });

  it('the patient really has more than a page of each', () => {
    assert.ok(docCount(srv.dir, pidA) >= DOCS);
    assert.ok(reportIds(srv.dir, pidA).length >= REPORTS);
  });

  it('medplum: readResource and searchOne', async () => {
    const me = await medplumA.readResource('Patient', pidA);
    assert.equal(me.resourceType, 'Patient');
    assert.equal(me.id, pidA);
    const one = await medplumA.searchOne('DocumentReference', { patient: pidA });
    assert.equal(one.resourceType, 'DocumentReference');
    assert.ok(docIds(srv.dir, pidA).includes(one.id));
    // searchOne's idiom for "the latest": _sort=-date, _count=1
    const latest = await medplumA.searchOne('DocumentReference', { patient: pidA, _sort: '-date' });
    const newest = sqlite(srv.dir, `SELECT lower(hex(id)) FROM document WHERE patient_id = ${hex(pidA)} ORDER BY created DESC, id DESC LIMIT 1`);
    assert.equal(latest.id, newest);
    const doc = await medplumA.readResource('DocumentReference', one.id);
    assert.equal(doc.id, one.id);
    assert.equal(doc.subject.reference, `Patient/${pidA}`);
  });

  it('medplum: searchResourcePages to the end of the documents, each once, the true total', async () => {
    const seen = []; let pages = 0;
    for await (const page of medplumA.searchResourcePages('DocumentReference', { patient: pidA, _count: '25' })) {
      pages++;
      assert.ok(page.length <= 25);
      if (pages === 1) assert.equal(page.bundle.total, docCount(srv.dir, pidA));
      for (const r of page) { assert.equal(r.subject.reference, `Patient/${pidA}`); seen.push(r.id); }
      assert.ok(pages < 100);
    }
    assertOnce(seen, 'DocumentReference');
    assert.deepEqual([...seen].sort(), docIds(srv.dir, pidA));
    assert.equal(pages, Math.ceil(seen.length / 25));
    // searchResources: one page of the default size, with the bundle's total
    const list = await medplumA.searchResources('DocumentReference', { patient: pidA, _count: '10', _sort: 'date' });
    assert.equal(list.length, 10);
    assert.equal(list.bundle.total, seen.length);
    const dates = list.map((r) => r.date);
    assert.deepEqual([...dates].sort(), dates);
  });

  it('medplum: searchResourcePages of Observations and DiagnosticReports to the end', async () => {
    const reports = []; const refs = [];
    for await (const page of medplumA.searchResourcePages('DiagnosticReport', { patient: pidA, _count: '7' })) {
      for (const r of page) { reports.push(r.id); refs.push(...(r.result || []).map((x) => x.reference)); }
    }
    assertOnce(reports, 'DiagnosticReport');
    assert.deepEqual([...reports].sort(), reportIds(srv.dir, pidA));
    const obs = [];
    for await (const page of medplumA.searchResourcePages('Observation', { patient: pidA, _count: '7' })) {
      for (const o of page) { assert.equal(o.subject.reference, `Patient/${pidA}`); obs.push(o.id); }
    }
    assertOnce(obs, 'Observation');
    assert.deepEqual(obs.map((id) => `Observation/${id}`).sort(), [...refs].sort());
    assert.ok(obs.length >= 2 * REPORTS);
  });

  it('fhir-kit-client: search then nextPage to the end, read, resourceSearch with _count and _sort', async () => {
    const seen = []; let pages = 0;
    let bundle = await kitA.search({ resourceType: 'DocumentReference', searchParams: { patient: pidA, _count: 40 } });
    assert.equal(bundle.total, docCount(srv.dir, pidA));
    while (bundle) {
      pages++;
      seen.push(...(bundle.entry || []).map((e) => e.resource.id));
      bundle = await kitA.nextPage({ bundle });
      assert.ok(pages < 100);
    }
    assertOnce(seen, 'DocumentReference');
    assert.deepEqual([...seen].sort(), docIds(srv.dir, pidA));
    assert.equal(pages, Math.ceil(seen.length / 40));
    const doc = await kitA.read({ resourceType: 'DocumentReference', id: seen[0] });
    assert.equal(doc.id, seen[0]);
    const me = await kitA.read({ resourceType: 'Patient', id: pidA });
    assert.equal(me.id, pidA);
    const oldest = await kitA.resourceSearch({ resourceType: 'DocumentReference', searchParams: { patient: pidA, _count: 3, _sort: 'date' } });
    assert.equal(oldest.entry.length, 3);
    const first = sqlite(srv.dir, `SELECT lower(hex(id)) FROM document WHERE patient_id = ${hex(pidA)} ORDER BY created, id LIMIT 3`).split('\n');
    assert.deepEqual(oldest.entry.map((e) => e.resource.id), first);
    // Observations paged to the end, and back with previous links
    const obs = []; let ob = await kitA.search({ resourceType: 'Observation', searchParams: { patient: pidA, _count: 9, _sort: '-date' } });
    const firstPage = ob.entry.map((e) => e.resource.id);
    let last = ob;
    while (ob) { obs.push(...(ob.entry || []).map((e) => e.resource.id)); last = ob; ob = await kitA.nextPage({ bundle: ob }); }
    assertOnce(obs, 'Observation');
    assert.ok(obs.length >= 2 * REPORTS);
    let back = last; let steps = 0;
    while (back.link.some((l) => l.relation === 'previous')) { back = await kitA.prevPage({ bundle: back }); steps++; assert.ok(steps < 100); }
    assert.deepEqual(back.entry.map((e) => e.resource.id), firstPage);
  });

  // What these clients send beyond the main path, each of which medkeep refused with 400 until
  // this test found it: subject= for the patient, _sort by the type's own date parameter
  // (Communication's sent), and Patient?_id=.
  it('the idioms the clients send: subject=, _sort=-sent and -_lastUpdated, Patient?_id=', async () => {
    const bySubject = await medplumA.searchResources('DocumentReference', { subject: `Patient/${pidA}`, _count: '500' });
    assert.equal(bySubject.bundle.total, docCount(srv.dir, pidA));
    assert.deepEqual(bySubject.map((r) => r.id).sort(), docIds(srv.dir, pidA));
    const obs = await kitA.search({ resourceType: 'Observation', searchParams: { subject: `${fhirBase}/Patient/${pidA}`, _count: 3 } });
    assert.ok(obs.entry.every((e) => e.resource.subject.reference === `Patient/${pidA}`));
    assert.equal(new URL(obs.link.find((l) => l.relation === 'self').url).searchParams.get('subject'), `${fhirBase}/Patient/${pidA}`);
    // Appointment names its patient patient= or actor=, never subject=: still refused, by name
    await assert.rejects(medplumA.searchResources('Appointment', { subject: pidA }), /Unsupported search parameter: subject \(Appointment\)/);
    // subject= of another patient, or not a Patient at all, answers as a random id does
    const appB = new AppClient(srv.base, tokenB);
    const other = await appB.get(`/fhir/R4/DocumentReference?subject=Patient/${pidA}`);
    const random = await appB.get(`/fhir/R4/DocumentReference?subject=Patient/${randomId()}`);
    assert.equal(other.status, 404);
    assert.equal(other.text, random.text);
    assert.equal((await appB.get(`/fhir/R4/DocumentReference?subject=Group/${pidB}`)).status, 404);

    const messages = await medplumA.searchResources('Communication', { patient: pidA, _sort: '-sent' });
    const sent = messages.map((m) => m.sent);
    assert.ok(sent.length > 1);
    assert.deepEqual([...sent].sort().reverse(), sent);
    // A report's last change (meta.lastUpdated: issued, or its last correction or release) is
    // what _lastUpdated sorts on; issued alone is not a sort key here (a release changes the
    // report without issuing it again), and is refused by name rather than sorted wrongly.
    const reports = await medplumA.searchResources('DiagnosticReport', { patient: pidA, _sort: '-_lastUpdated', _count: '10' });
    const changed = reports.map((r) => r.meta.lastUpdated);
    assert.equal(changed.length, 10);
    assert.deepEqual([...changed].sort().reverse(), changed);
    const oldest = await medplumA.searchOne('DiagnosticReport', { patient: pidA, _sort: '_lastUpdated' });
    assert.equal(oldest.meta.lastUpdated, [...(await medplumA.searchResources('DiagnosticReport', { patient: pidA, _count: '500' }))].map((r) => r.meta.lastUpdated).sort()[0]);
    await assert.rejects(medplumA.searchResources('DiagnosticReport', { patient: pidA, _sort: '-issued' }), /_sort/);

    // and the CapabilityStatement says so, as fhir-kit's CapabilityTool reads it
    const { CapabilityTool } = await import('fhir-kit-client');
    const cap = new CapabilityTool(await kitA.capabilityStatement());
    const params = (type) => cap.searchParamsFor({ resourceType: type });
    for (const t of ['DocumentReference', 'Observation', 'DiagnosticReport', 'MedicationRequest', 'Communication']) assert.ok(params(t).includes('subject'), t);
    assert.ok(!params('Appointment').includes('subject'));
    assert.ok(params('Patient').includes('_id'));
    assert.ok(cap.resourceSearch('DiagnosticReport', 'subject'));
    assert.match(cap.capabilityContents({ resourceType: 'Communication', capabilityType: 'searchParam' }).find((p) => p.name === '_sort').documentation, /\bsent\b/);
    const me = await medplumA.searchOne('Patient', { _id: pidA });
    assert.equal(me.id, pidA);
    const mine = await kitA.search({ resourceType: 'Patient', searchParams: { _id: `${pidB},${randomId()},${pidA}` } });
    assert.deepEqual(mine.entry.map((e) => e.resource.id), [pidA], "another patient's id finds nothing");
    assert.equal(((await kitA.search({ resourceType: 'Patient', searchParams: { _id: pidB } })).entry || []).length, 0);
  });

  it("another patient's token: A's next link and A's records answer as a random id does", async () => {
    const page = await kitA.search({ resourceType: 'DocumentReference', searchParams: { patient: pidA, _count: 20 } });
    const next = page.link.find((l) => l.relation === 'next').url;
    const appB = new AppClient(srv.base, tokenB);
    const replay = await appB.get(new URL(next).pathname + new URL(next).search);
    const random = await appB.get(`/fhir/R4/DocumentReference?patient=${randomId()}&_count=20`);
    assert.equal(replay.status, 404);
    assert.equal(replay.status, random.status);
    assert.equal(replay.text, random.text);
    // B's next links never reach A's rows, whatever B's clients send
    const kitB = new FhirKit({ baseUrl: fhirBase, bearerToken: tokenB });
    let bb = await kitB.search({ resourceType: 'DocumentReference', searchParams: { patient: pidB, _count: 2 } });
    const mine = new Set(docIds(srv.dir, pidB));
    const seen = [];
    while (bb) { for (const e of bb.entry || []) { assert.ok(mine.has(e.resource.id)); seen.push(e.resource.id); } bb = await kitB.nextPage({ bundle: bb }); }
    assert.equal(seen.length, mine.size);
    // medplum with B's token, asking for A's documents and A's Patient: refused as not found
    const medplumB = new MedplumClient({ baseUrl: `${srv.base}/`, fhirUrlPath: 'fhir/R4', fetch, cacheTime: 0 });
    medplumB.setAccessToken(tokenB);
    await assert.rejects(medplumB.readResource('Patient', pidA), (e) => /not found/i.test(e.message));
    await assert.rejects(medplumB.searchResources('DocumentReference', { patient: pidA }), (e) => /not found/i.test(e.message));
    const docA = docIds(srv.dir, pidA)[0];
    const readA = await appB.get(`/fhir/R4/DocumentReference/${docA}`);
    const readRandom = await appB.get(`/fhir/R4/DocumentReference/${randomId()}`);
    assert.equal(readA.status, 404);
    assert.equal(readA.text, readRandom.text);
  });
});
