// Lab results over real HTTP against the real binary: release (by a clinician, by the
// practice's rules, never for sensitive kinds), the patient's "after my clinician has
// commented" choice, corrections, the inbox, FHIR DiagnosticReport/Observation, and above all:
// an unreleased result is invisible to patients and proxies by every path.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, randomId, sqlite, run } = require('./lib');
const { assertValidFhir } = require('./fhir-validate');

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const fhirJson = { 'Content-Type': 'application/fhir+json' };

// Everything a response says, apart from what is fresh on every response.
function shape(r) {
  return { status: r.status, type: r.headers.get('content-type'), body: r.text.replace(/name="csrf" value="[^"]+"/g, '') };
}

const hexOf = (id) => `X'${id}'`;
const now = () => Math.floor(Date.now() / 1000);

// Ground truth from the database: a patient's results, split by whether the patient may see them.
function resultsOf(dir, patient) {
  const rows = sqlite(dir, `SELECT lower(hex(id)), coalesce(release_at, 0), commented, kind, abnormal FROM result WHERE patient_id = ${hexOf(patient)}`)
    .split('\n').filter(Boolean).map((l) => { const [id, rel, commented, kind, abnormal] = l.split('|'); return { id, releaseAt: Number(rel), commented: commented === '1', kind, abnormal: Number(abnormal) }; });
  const t = now();
  return {
    all: rows,
    released: rows.filter((r) => r.releaseAt > 0 && r.releaseAt <= t),
    unreleased: rows.filter((r) => !(r.releaseAt > 0 && r.releaseAt <= t)),
  };
}

function report(patient, { accession = `T-${randomId().slice(0, 12)}`, status = 'final', obs, conclusion } = {}) {
  const issued = new Date(Date.now() - 60000).toISOString();
  const collected = new Date(Date.now() - 3600000).toISOString();
  return {
    resourceType: 'DiagnosticReport',
    status,
    identifier: [{ value: accession }],
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: collected,
    issued,
    performer: [{ display: 'Test Laboratory' }],
    ...(conclusion ? { conclusion } : {}),
    contained: obs.map((o, i) => ({
      resourceType: 'Observation', id: `o${i}`, status,
      code: { coding: [{ system: 'http://loinc.org', code: o.code }] },
      ...(o.text ? { valueString: o.text } : { valueQuantity: { value: o.value, unit: o.unit, system: 'http://unitsofmeasure.org', code: o.unit } }),
      ...(o.low !== undefined || o.high !== undefined ? { referenceRange: [{ ...(o.low !== undefined ? { low: { value: o.low } } : {}), ...(o.high !== undefined ? { high: { value: o.high } } : {}) }] } : {}),
      ...(o.flag ? { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: o.flag }] }] } : {}),
    })),
    result: obs.map((o, i) => ({ reference: `#o${i}` })),
  };
}

const creatinine = (value) => ({ code: '2160-0', value, unit: 'umol/L', low: 60, high: 105 });

describe('lab results', () => {
  let srv; let clin; let p1; let p2; let me; let other; let patients;
  before(async () => {
    srv = await startServer({ patients: 4, config: 'breaker.misses = 100000\n' });
    clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
    p1 = new Client(srv.base);
    await p1.login('patient1@demo.test');
    p2 = new Client(srv.base);
    await p2.login('patient2@demo.test');
    me = p1.session.patient;
    other = p2.session.patient;
    patients = (await clin.fhir('Patient')).json().entry.map((e) => e.resource.id);
    assert.equal(patients.length, 4);
  });
  after(async () => { await srv.stop(); });

  const post = (c, resource) => c.post('/fhir/R4/DiagnosticReport', { body: JSON.stringify(resource), headers: fhirJson });
  const release = (c, id, comment = '') => c.post(`/results/${id}/release`, { body: new URLSearchParams({ csrf: c.csrf, comment }).toString(), headers: form, csrf: false });

  it('the demo gives each patient released, held, abnormal, sensitive and corrected results', () => {
    for (const p of patients) {
      const r = resultsOf(srv.dir, p);
      assert.ok(r.released.length >= 8, `released for ${p}: ${r.released.length}`);
      assert.ok(r.unreleased.length >= 2, `unreleased for ${p}`);
      assert.ok(r.unreleased.some((x) => ['cancer-marker', 'pregnancy'].includes(x.kind)), 'a sensitive result held');
      assert.ok(r.all.some((x) => x.abnormal > 0));
    }
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM result WHERE patient_id = ${hexOf(me)} AND corrected = 1`), '1');
    // Values and comments are sealed: nothing clinical in clear in the database file.
    const dump = sqlite(srv.dir, 'SELECT hex(body) FROM result LIMIT 5');
    assert.doesNotMatch(Buffer.from(dump.replace(/\n/g, ''), 'hex').toString('latin1'), /HbA1c|mmol|Laboratory|Normal, no action/);
  });

  it('a patient sees only released results, and an unreleased one is invisible by every path', async () => {
    const truth = resultsOf(srv.dir, me);
    const released = new Set(truth.released.map((r) => r.id));
    // FHIR search: exactly the released ones (the count too).
    const bundle = (await p1.fhir(`DiagnosticReport?patient=${me}`)).json();
    assert.deepEqual(new Set(bundle.entry.map((e) => e.resource.id)), released);
    assert.equal(bundle.total, released.size);
    assertValidFhir(bundle);
    const obs = (await p1.fhir(`Observation?patient=Patient/${me}`)).json();
    for (const e of obs.entry) assert.ok(released.has(e.resource.id.split('-')[0]), e.resource.id);
    assertValidFhir(obs);
    // The staff view has them all.
    const staff = (await clin.fhir(`DiagnosticReport?patient=${me}`)).json();
    assert.equal(staff.total, truth.all.length);
    // The results page links only released ones.
    const page = await p1.get('/results');
    assert.equal(page.status, 200);
    const linked = new Set([...page.text.matchAll(/href="\/results\/([0-9a-f]{32})"/g)].map((m) => m[1]));
    assert.deepEqual(linked, released);
    // Read by id: exactly the answer for an id that does not exist.
    const rnd = randomId();
    const probes = (id) => [`/fhir/R4/DiagnosticReport/${id}`, `/fhir/R4/Observation/${id}-0`, `/results/${id}`];
    const reference = [];
    for (const p of probes(rnd)) reference.push(shape(await p1.get(p)));
    for (const r of reference) assert.equal(r.status, 404);
    for (const u of truth.unreleased) {
      const got = [];
      for (const p of probes(u.id)) got.push(shape(await p1.get(p)));
      assert.deepEqual(got, reference, `unreleased ${u.id}`);
      // ... and the clinician reads it.
      assert.equal((await clin.get(`/fhir/R4/DiagnosticReport/${u.id}`)).status, 200);
    }
    // A released one reads, and validates.
    const one = truth.released[0].id;
    const dr = (await p1.fhir(`DiagnosticReport/${one}`)).json();
    assertValidFhir(dr);
    const o = (await p1.fhir(dr.result[0].reference)).json();
    assert.equal(o.resourceType, 'Observation');
    assertValidFhir(o);
    // The probes are on record: a not-found read naming the patient whose result it was.
    const n = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${p1.session.account}' AND action='result.read' AND outcome='notfound' AND patient='${me}'`));
    assert.equal(n, truth.unreleased.length * 3);
  });

  it('a proxy with the results scope sees released results only, and cannot change the patient\'s choice', async () => {
    // Patient 2 holds a live proxy grant to patient 1's record (results only).
    sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by) VALUES (randomblob(16), ${hexOf(me)}, ${hexOf(p2.session.account)}, 2, ${now() + 86400}, ${now()}, ${hexOf(p1.session.account)})`);
    const truth = resultsOf(srv.dir, me);
    const bundle = (await p2.fhir(`DiagnosticReport?patient=${me}`)).json();
    assert.deepEqual(new Set(bundle.entry.map((e) => e.resource.id)), new Set(truth.released.map((r) => r.id)));
    for (const u of truth.unreleased) assert.equal((await p2.fhir(`DiagnosticReport/${u.id}`)).status, 404);
    assert.equal((await p2.fhir(`DiagnosticReport/${truth.released[0].id}`)).status, 200);
    const audited = sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${p2.session.account}' AND action='result.list' AND patient='${me}' AND outcome='allow'`);
    assert.ok(Number(audited) >= truth.released.length);
    sqlite(srv.dir, `UPDATE proxy_grant SET revoked = ${now()} WHERE account_id = ${hexOf(p2.session.account)}`);
    assert.equal((await p2.fhir(`DiagnosticReport?patient=${me}`)).status, 404);
    // A grant without the results scope, or one that has lapsed, reaches no result.
    sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by) VALUES (randomblob(16), ${hexOf(me)}, ${hexOf(p2.session.account)}, 1, ${now() + 86400}, ${now()}, ${hexOf(p1.session.account)})`);
    sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by) VALUES (randomblob(16), ${hexOf(me)}, ${hexOf(p2.session.account)}, 2, ${now() - 60}, ${now() - 86400}, ${hexOf(p1.session.account)})`);
    // (asked by the record it holds: told the grant leaves results out; by id: as if missing)
    assert.equal((await p2.fhir(`DiagnosticReport?patient=${me}`)).status, 403);
    assert.equal((await p2.fhir(`DiagnosticReport/${truth.released[0].id}`)).status, 404);
    assert.equal((await p2.fhir(`Observation?patient=${me}`)).status, 403);
    sqlite(srv.dir, `DELETE FROM proxy_grant WHERE account_id = ${hexOf(p2.session.account)}`);
  });

  it('the clinician\'s inbox lists unreleased results, abnormal first; releasing with a comment shows it to the patient', async () => {
    const inbox = await clin.get('/results/inbox');
    assert.equal(inbox.status, 200);
    const ids = [...inbox.text.matchAll(/href="\/results\/([0-9a-f]{32})"/g)].map((m) => m[1]);
    const unreleased = patients.flatMap((p) => resultsOf(srv.dir, p).unreleased);
    assert.deepEqual(new Set(ids), new Set(unreleased.map((u) => u.id)));
    const severity = ids.map((id) => unreleased.find((u) => u.id === id).abnormal);
    assert.deepEqual(severity, [...severity].sort((a, b) => b - a), 'abnormal first');
    assert.ok(severity[0] > 0 && severity[severity.length - 1] === 0);
    assert.match(inbox.text, /Abnormal/);
    // The patient's record page lists all their results for the clinician, released or not.
    const record = await clin.get(`/patients/${me}`);
    assert.equal(record.status, 200);
    const onRecord = new Set([...record.text.matchAll(/href="\/results\/([0-9a-f]{32})"/g)].map((m) => m[1]));
    assert.deepEqual(onRecord, new Set(resultsOf(srv.dir, me).all.map((r) => r.id)));
    assert.match(record.text, /Not released/);
    // Release one of patient 1's held results with a comment.
    const held = resultsOf(srv.dir, me).unreleased.find((u) => u.abnormal === 0 && u.kind === 'biochemistry');
    assert.ok(held);
    const open = await clin.get(`/results/${held.id}`);
    assert.match(open.text, /Release to the patient/);
    const r = await release(clin, held.id, 'Normal, no action needed.');
    assert.equal(r.status, 303);
    // on to the next result in the inbox (or back to the inbox after the last)
    const after = ids[ids.indexOf(held.id) + 1];
    assert.equal(r.headers.get('location'), after ? `/results/${after}` : '/results/inbox?done=1');
    const seen = await p1.get(`/results/${held.id}`);
    assert.equal(seen.status, 200);
    assert.match(seen.text, /Your clinician's comment<\/h2><p>Normal, no action needed\.<\/p>/);
    const dr = (await p1.fhir(`DiagnosticReport/${held.id}`)).json();
    assert.equal(dr.extension[0].valueString, 'Normal, no action needed.');
    assertValidFhir(dr);
    // Once is enough; and the release is on record, durable before it happened.
    assert.equal((await release(clin, held.id, 'again')).status, 400);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${clin.session.account}' AND action='result.release' AND rid='${held.id}' AND outcome='allow'`), '1');
    assert.ok(!(await clin.get('/results/inbox')).text.includes(held.id));
  });

  it('release rules: a normal routine result is released by the rule; abnormal, preliminary and sensitive ones are held', async () => {
    const setRule = (c, kind, mode, days) => c.post('/practice/result-rules', { body: new URLSearchParams({ csrf: c.csrf, kind, mode, days: String(days) }).toString(), headers: form, csrf: false });
    assert.equal((await setRule(clin, 'biochemistry', 'auto', 0)).status, 200);
    assert.match((await clin.get('/practice/result-rules')).text, /<option value="auto" selected>/);
    // Sensitive kinds cannot be set to release on their own.
    const refused = await setRule(clin, 'cancer-marker', 'auto', 0);
    assert.equal(refused.status, 400);
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM result_rule WHERE kind='cancer-marker'"), '0');
    assert.equal((await setRule(clin, 'biochemistry', 'auto', 61)).status, 400);

    const normal = await post(clin, report(me, { obs: [creatinine(80)] }));
    assert.equal(normal.status, 201, normal.text);
    assertValidFhir(normal.json());
    const high = await post(clin, report(me, { obs: [creatinine(180)] }));
    const prelim = await post(clin, report(me, { status: 'preliminary', obs: [creatinine(82)] }));
    const psa = await post(clin, report(me, { obs: [{ code: '2857-1', value: 1.1, unit: 'ug/L', high: 4 }] }));
    const hcg = await post(clin, report(me, { obs: [{ code: '2106-3', text: 'Negative' }] }));
    for (const r of [high, prelim, psa, hcg]) assert.equal(r.status, 201, r.text);
    assert.equal(high.json().result.length, 1);
    const seen = async (r) => (await p1.fhir(`DiagnosticReport/${r.json().id}`)).status;
    assert.equal(await seen(normal), 200);
    for (const r of [high, prelim, psa, hcg]) assert.equal(await seen(r), 404);
    // The abnormal one is flagged high from its range, and is in the inbox.
    const obs = (await clin.fhir(high.json().result[0].reference)).json();
    assert.equal(obs.interpretation[0].coding[0].code, 'H');
    assert.ok((await clin.get('/results/inbox')).text.includes(high.json().id));
    // Back to holding: the next normal result waits for a clinician.
    assert.equal((await setRule(clin, 'biochemistry', 'hold', 3)).status, 200);
    const later = await post(clin, report(me, { obs: [creatinine(81)] }));
    assert.equal(await seen(later), 404);
  });

  it('a patient who chooses to wait for their clinician\'s comment sees only commented results', async () => {
    const setPref = (v) => p1.post('/results/preference', { body: new URLSearchParams({ csrf: p1.csrf, ...(v ? { comment_first: '1' } : {}) }).toString(), headers: form, csrf: false });
    const before1 = (await p1.fhir(`DiagnosticReport?patient=${me}`)).json();
    assert.equal((await setPref(true)).status, 303);
    assert.match((await p1.get('/results')).text, /id="comment_first" name="comment_first" value="1" checked/);
    const commented = new Set(sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = ${hexOf(me)} AND commented = 1 AND release_at <= ${now()}`).split('\n').filter(Boolean));
    const during = (await p1.fhir(`DiagnosticReport?patient=${me}`)).json();
    assert.deepEqual(new Set(during.entry.map((e) => e.resource.id)), commented);
    assert.ok(during.total < before1.total);
    const uncommented = before1.entry.map((e) => e.resource.id).find((id) => !commented.has(id));
    assert.equal((await p1.fhir(`DiagnosticReport/${uncommented}`)).status, 404);
    assert.equal((await p1.get(`/results/${uncommented}`)).status, 404);
    // The clinician still sees everything.
    assert.equal((await clin.fhir(`DiagnosticReport/${uncommented}`)).status, 200);
    assert.equal((await setPref(false)).status, 303);
    assert.equal((await p1.fhir(`DiagnosticReport?patient=${me}`)).json().total, before1.total);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${p1.session.account}' AND action='result.preference' AND outcome='allow'`), '2');
  });

  it('a corrected result shows that it was corrected, and what changed', async () => {
    // The demo's corrected result (a haemolysed potassium), released before the correction.
    const id = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = ${hexOf(me)} AND corrected = 1`);
    const page = await p1.get(`/results/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /This result was corrected by the laboratory/);
    assert.match(page.text, /Corrected by the laboratory: previously 6\.1 mmol\/L\./);
    assert.match((await p1.get('/results')).text, /Corrected/);
    const dr = (await p1.fhir(`DiagnosticReport/${id}`)).json();
    assert.equal(dr.status, 'corrected');
    const k = (await p1.fhir(`Observation?patient=${me}&code=2823-3`)).json().entry.map((e) => e.resource).find((o) => o.id.startsWith(id));
    assert.equal(k.status, 'corrected');
    assert.equal(k.valueQuantity.value, 4.6);
    assert.match(k.note.map((n) => n.text).join(' '), /previously 6\.1 mmol\/L/);
    assertValidFhir(k);
    // Filing the same laboratory identifier again through FHIR corrects in place.
    const acc = `CORR-${randomId().slice(0, 8)}`;
    const first = await post(clin, report(me, { accession: acc, obs: [creatinine(300)] }));
    assert.equal(first.status, 201);
    const second = await post(clin, report(me, { accession: acc, status: 'amended', obs: [creatinine(90)] }));
    assert.equal(second.status, 200);
    assert.equal(second.json().id, first.json().id);
    assert.equal(second.json().status, 'corrected');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM result WHERE accession = '${acc}'`), '1');
  });

  it('a patient\'s trend chart is an SVG with a table of the same values', async () => {
    const page = await p1.get('/results/trend?code=4548-4');
    assert.equal(page.status, 200);
    assert.match(page.text, /<svg class="trend"[^>]*role="img" aria-label="Chart of HbA1c: 4 results/);
    assert.equal([...page.text.matchAll(/<circle class="trend-point"/g)].length, 4);
    assert.equal([...page.text.matchAll(/<tr><td>/g)].length, 4);
    assert.doesNotMatch(page.text, /<script(?! src="\/static\/)|style=/);
    assert.equal((await p1.get('/results/trend?code=9999-9')).status, 404);
    assert.equal((await clin.get('/results/trend?code=4548-4')).status, 404);
  });

  it('another patient\'s result is not found for a patient or another practice\'s clinician; admin and operator get no results', async () => {
    const theirs = resultsOf(srv.dir, other).released[0].id;
    const rnd = randomId();
    const probes = (id, pid) => [`/fhir/R4/DiagnosticReport/${id}`, `/fhir/R4/Observation/${id}-0`, `/results/${id}`,
      `/fhir/R4/DiagnosticReport?patient=${pid}`, `/fhir/R4/Observation?patient=${pid}`];
    const ref = []; for (const p of probes(rnd, rnd)) ref.push(shape(await p1.get(p)));
    const got = []; for (const p of probes(theirs, other)) got.push(shape(await p1.get(p)));
    assert.deepEqual(got, ref);
    // A patient cannot file or release, not even on their own record.
    const mine = resultsOf(srv.dir, me).unreleased[0].id;
    const count = sqlite(srv.dir, 'SELECT count(*) FROM result');
    assert.equal((await post(p1, report(me, { obs: [creatinine(80)] }))).status, 404);
    assert.equal((await release(p1, mine, 'x')).status, 404);
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM result'), count);
    assert.equal(resultsOf(srv.dir, me).unreleased.some((u) => u.id === mine), true);
    for (const p of ['/results/inbox', '/practice/result-rules']) assert.equal((await p1.get(p)).status, 404, p);

    const expect = { 'otherclinician1@demo.test': 404, 'admin1@demo.test': 404, 'operator@demo.test': 404 };
    for (const [email, status] of Object.entries(expect)) {
      const c = new Client(srv.base);
      await c.login(email);
      for (const p of probes(theirs, other)) assert.equal((await c.get(p)).status, status, `${email} ${p}`);
      assert.equal((await release(c, mine, 'x')).status, 404, email);
      assert.equal((await post(c, report(me, { obs: [creatinine(80)] }))).status, 404, email);
      // The practice admin sets release rules but sees no result; the operator neither.
      assert.equal((await c.get('/results/inbox')).status, email.startsWith('otherclinician') ? 200 : 404, email);
      const rules = await c.get('/practice/result-rules');
      assert.equal(rules.status, email === 'operator@demo.test' ? 404 : 200, email);
      if (email.startsWith('otherclinician')) assert.doesNotMatch((await c.get('/results/inbox')).text, /href="\/results\/[0-9a-f]{32}/);
      const denied = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${c.session.account}' AND outcome IN ('deny','notfound')`));
      assert.ok(denied >= 5, `${email} denials audited: ${denied}`);
    }
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM result'), count);
  });

  it('refuses malformed reports with OperationOutcome, and without the CSRF token', async () => {
    const n = sqlite(srv.dir, 'SELECT count(*) FROM result');
    const good = report(me, { obs: [creatinine(80)] });
    const cases = [
      ['{"resourceType":', 400],
      [JSON.stringify({ ...good, resourceType: 'Observation' }), 400],
      [JSON.stringify({ ...good, status: 'registered' }), 400],
      [JSON.stringify({ ...good, identifier: [] }), 400],
      [JSON.stringify({ ...good, issued: 'yesterday' }), 400],
      [JSON.stringify({ ...good, issued: '2026-02-31T10:00:00Z' }), 400],
      [JSON.stringify({ ...good, effectiveDateTime: new Date(Date.now() + 86400000 * 3).toISOString(), issued: new Date(Date.now() + 86400000 * 3).toISOString() }), 400],
      [JSON.stringify({ ...good, contained: [] }), 400],
      [JSON.stringify({ ...good, contained: [{ resourceType: 'Patient' }] }), 400],
      [JSON.stringify({ ...good, contained: [{ ...good.contained[0], valueQuantity: { value: 'high' } }] }), 400],
      [JSON.stringify({ ...good, contained: [{ ...good.contained[0], interpretation: [{ coding: [{ code: 'ZZ' }] }] }] }), 400],
      [JSON.stringify({ ...good, contained: Array(25).fill(good.contained[0]) }), 400],
      [JSON.stringify({ ...good, subject: { reference: 'Patient/nope' } }), 400],
    ];
    for (const [body, status] of cases) {
      const r = await clin.post('/fhir/R4/DiagnosticReport', { body, headers: fhirJson });
      assert.equal(r.status, status, `${body.slice(0, 80)}: ${r.text}`);
      assert.equal(r.json().resourceType, 'OperationOutcome');
    }
    assert.equal((await clin.post('/fhir/R4/DiagnosticReport', { body: JSON.stringify(good), headers: { 'Content-Type': 'text/plain' } })).status, 415);
    assert.equal((await clin.post('/fhir/R4/DiagnosticReport', { body: JSON.stringify(good), headers: fhirJson, csrf: false })).status, 403);
    const held = resultsOf(srv.dir, me).unreleased[0].id;
    assert.equal((await clin.post(`/results/${held}/release`, { body: 'comment=x', headers: form, csrf: false })).status, 403);
    assert.equal((await p1.get('/fhir/R4/DiagnosticReport?patient=x&subject=y')).status, 400);
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM result'), n);
  });

  it('FHIR $release releases a held result with a comment, for the patient\'s clinicians only', async () => {
    const held = resultsOf(srv.dir, other).unreleased.find((u) => u.kind === 'biochemistry');
    assert.ok(held);
    const params = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'comment', valueString: 'All fine.' }] });
    const rel = (c, id, body = params) => c.post(`/fhir/R4/DiagnosticReport/${id}/$release`, { body, headers: fhirJson });
    // Not the patient, not the wrong body, not a random id.
    assert.equal((await rel(p2, held.id)).status, 404);
    assert.equal((await rel(clin, held.id, JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'other', valueString: 'x' }] }))).status, 400);
    assert.equal((await rel(clin, held.id, '{')).status, 400);
    assert.equal((await rel(clin, randomId())).status, 404);
    assert.equal((await p2.fhir(`DiagnosticReport/${held.id}`)).status, 404);
    const r = await rel(clin, held.id);
    assert.equal(r.status, 200, r.text);
    assertValidFhir(r.json());
    assert.equal(r.json().extension[0].valueString, 'All fine.');
    const seen = (await p2.fhir(`DiagnosticReport/${held.id}`)).json();
    assert.equal(seen.extension[0].valueString, 'All fine.');
    assert.equal((await rel(clin, held.id)).status, 400, 'released already');
    // Without a body: released without a comment.
    const another = resultsOf(srv.dir, other).unreleased.find((u) => u.kind !== 'cancer-marker' && u.kind !== 'pregnancy');
    if (another) {
      assert.equal((await clin.post(`/fhir/R4/DiagnosticReport/${another.id}/$release`, { body: '' })).status, 200);
      assert.equal((await p2.fhir(`DiagnosticReport/${another.id}`)).status, 200);
    }
  });

  it('every access to results is in the audit trail, allowed or not', async () => {
    const audit = (c, where) => Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${c.session.account}' AND ${where}`));
    const mine = resultsOf(srv.dir, me);
    const obsRead = `action='result.read' AND outcome='allow' AND rid='${mine.released[0].id}' AND rtype='Observation'`;
    const before1 = { list: audit(p1, "action='result.list' AND outcome='allow'"), read: audit(p1, "action='result.read' AND outcome='allow'"), obs: audit(p1, obsRead) };
    await p1.get('/results');
    assert.equal(audit(p1, "action='result.list' AND outcome='allow'") - before1.list, mine.released.length, 'one record per result listed');
    await p1.get(`/results/${mine.released[0].id}`);
    await p1.fhir(`DiagnosticReport/${mine.released[0].id}`);
    await p1.fhir(`Observation/${mine.released[0].id}-0`);
    assert.equal(audit(p1, "action='result.read' AND outcome='allow'") - before1.read, 3);
    assert.equal(audit(p1, obsRead), before1.obs + 1);
    // A denied one names the patient it was about.
    const d = audit(p1, `action='result.list' AND outcome='deny' AND patient='${other}'`);
    await p1.fhir(`DiagnosticReport?patient=${other}`);
    assert.equal(audit(p1, `action='result.list' AND outcome='deny' AND patient='${other}'`), d + 1);
    // Writes: filed and released, each on record.
    const c0 = audit(clin, "action='result.create' AND outcome='allow'");
    const filed = await post(clin, report(me, { obs: [creatinine(500)] }));
    assert.equal(audit(clin, `action='result.create' AND outcome='allow' AND rid='${filed.json().id}'`), 1);
    assert.equal(audit(clin, "action='result.create' AND outcome='allow'"), c0 + 1);
    await release(clin, filed.json().id, 'Please call the practice today.');
    assert.equal(audit(clin, `action='result.release' AND rid='${filed.json().id}'`), 1);
    const i0 = audit(clin, "action='result.inbox'");
    await clin.get('/results/inbox');
    assert.equal(audit(clin, "action='result.inbox' AND outcome='allow'"), i0 + 1);
    // The trail still verifies.
  });

  it('the incident report names each result served to an actor, and the patient\'s notice links it', async () => {
    const r = run(['incident', 'report', '--data', srv.dir, '--actor', 'patient2@demo.test', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report1 = JSON.parse(r.stdout);
    const mine = report1.patients.find((p) => p.patient === me);
    // Patient 2 read patient 1's released results as a proxy, and nothing unreleased.
    const served = new Set(mine.resources.filter((x) => x.resourceType === 'DiagnosticReport').map((x) => x.id));
    const released = new Set(resultsOf(srv.dir, me).all.filter((x) => x.releaseAt > 0).map((x) => x.id));
    assert.ok(served.size >= 8);
    for (const id of served) assert.ok(released.has(id), id);
    const theirOwn = report1.patients.find((p) => p.patient === other);
    assert.ok(theirOwn.resources.some((x) => x.resourceType === 'DiagnosticReport'));
  });

  it('the CapabilityStatement lists DiagnosticReport and Observation as implemented', async () => {
    const cap = (await new Client(srv.base).fhir('metadata')).json();
    assertValidFhir(cap);
    const res = Object.fromEntries(cap.rest[0].resource.map((r) => [r.type, r.interaction.map((i) => i.code).sort()]));
    assert.deepEqual(res.DiagnosticReport, ['create', 'read', 'search-type', 'vread']);
    assert.deepEqual(cap.rest[0].resource.find((r) => r.type === 'DiagnosticReport').operation.map((o) => o.name), ['release']);
    // create: vital signs only (the health summary, SUMMARY.md); lab results come as reports
    assert.deepEqual(res.Observation, ['create', 'read', 'search-type', 'vread']);
  });
});
