// Versions (issue 16, item 2; docs/internals/SEARCH.md "Versions") through the real binary:
// meta.versionId and meta.lastUpdated on every type, the same in searches and reads; a version
// changes with each kind of change (a result released or corrected, an appointment cancelled, a repeat
// approved, a medication stopped, a Patient PUT); ETag and Last-Modified on reads, 304 for
// If-None-Match and If-Modified-Since (still audited); another patient's id answers 404 exactly
// as a random id whatever the conditional headers; Location with _history on creates; and
// @medplum/core's MedplumClient reading and paging against the server.
'use strict';
// The version part of a meta (an Observation claims its own profile, its report another).
const vm = (m) => ({ versionId: m.versionId, lastUpdated: m.lastUpdated });
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, randomId } = require('./lib');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const FHIR_JSON = { 'Content-Type': 'application/fhir+json' };
const NHI_SYSTEM = 'https://standards.digital.health.nz/ns/nhi-id';
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
function nhiFor(n) {
  for (;; n++) {
    const s = `Z${LETTERS[Math.floor(n / 1000) % 24]}${LETTERS[(n / 100 | 0) % 24]}${String(n % 1000).padStart(3, '0')}`;
    const v = (c) => (/[0-9]/.test(c) ? Number(c) : LETTERS.indexOf(c) + 1);
    let sum = 0;
    for (let i = 0; i < 6; i++) sum += v(s[i]) * (7 - i);
    if (sum % 11 !== 0) return s + String((11 - (sum % 11)) % 10);
  }
}
const form = (c, fields) => ({ body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });
const httpDate = (iso) => new Date(iso).toUTCString();

describe('FHIR versions and conditional reads', () => {
  let srv; let p1; let p2; let p3; let clin; let pid1; let pid2;
  const audits = (where) => Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE ${where}`));
  const first = async (c, q) => {
    const b = (await c.fhir(q)).json();
    assert.ok(b.entry && b.entry.length > 0, `no entries for ${q}`);
    return b.entry[0].resource;
  };
  const meta = async (c, type, id) => {
    const r = await c.fhir(`${type}/${id}`);
    assert.equal(r.status, 200, `${type}/${id}: ${r.status}`);
    return { m: r.json().meta, etag: r.headers.get('etag'), lm: r.headers.get('last-modified') };
  };

  before(async () => {
    srv = await startServer({ patients: 3 });
    p1 = new Client(srv.base); await p1.login('patient1@demo.test');
    p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    p3 = new Client(srv.base); await p3.login('patient3@demo.test');
    clin = new Client(srv.base); await clin.login('clinician1@demo.test');
    pid1 = p1.session.patient; pid2 = p2.session.patient;
  });
  after(async () => { await srv.stop(); });

  it('every type carries meta.versionId and lastUpdated, the same in its search, its read and its headers', async () => {
    const types = ['DocumentReference', 'DiagnosticReport', 'Observation', 'MedicationRequest', 'Appointment', 'Communication'];
    for (const type of types) {
      const r = await first(p1, `${type}?patient=${pid1}&_count=3`);
      assert.match(r.meta.versionId, /^[1-9][0-9]*$/, type);
      assert.match(r.meta.lastUpdated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, type);
      const read = await meta(p1, type, r.id);
      assert.deepEqual(read.m, r.meta, `${type}: search and read agree`);
      assert.equal(read.etag, `W/"${r.meta.versionId}"`, type);
      assert.equal(read.lm, httpDate(r.meta.lastUpdated), type);
      // The staff see the same version of the same row.
      assert.deepEqual((await meta(clin, type, r.id)).m, r.meta, `${type}: the clinician's read agrees`);
      // vread: the current version is the read; any other is not kept.
      const v = await p1.fhir(`${type}/${r.id}/_history/${r.meta.versionId}`);
      assert.equal(v.status, 200, type);
      assert.deepEqual(v.json(), (await p1.fhir(`${type}/${r.id}`)).json());
      assert.equal(v.headers.get('etag'), read.etag);
      for (const other of [String(Number(r.meta.versionId) + 1), '0', 'x']) {
        const gone = await p1.fhir(`${type}/${r.id}/_history/${other}`);
        assert.equal(gone.status, 404, `${type} version ${other}`);
        assert.match(gone.json().issue[0].diagnostics, /Only the current version/);
      }
    }
    const me = await meta(p1, 'Patient', pid1);
    assert.equal(me.m.versionId, '1');
    assert.equal(me.etag, 'W/"1"');
    const listed = (await p1.fhir('Patient')).json().entry.find((e) => e.resource.id === pid1).resource;
    assert.deepEqual(listed.meta, me.m);
    // Binary: the document's version, as the resource and as the bytes.
    const doc = await first(p1, `DocumentReference?patient=${pid1}&_count=1`);
    const bin = await p1.fhir(`Binary/${doc.id}`, { headers: { Accept: 'application/fhir+json' } });
    assert.deepEqual(bin.json().meta, doc.meta);
    const raw = await p1.fhir(`Binary/${doc.id}`);
    assert.equal(raw.headers.get('etag'), `W/"${doc.meta.versionId}"`);
    assert.equal(raw.headers.get('last-modified'), httpDate(doc.meta.lastUpdated));
    // AuditEvent (search only): each entry versioned too.
    const ev = await first(p1, `AuditEvent?patient=${pid1}`);
    assert.match(ev.meta.versionId, /^[1-9][0-9]*$/);
    // The CapabilityStatement says exactly this.
    const cap = (await p1.fhir('metadata')).json();
    const res = Object.fromEntries(cap.rest[0].resource.map((x) => [x.type, x]));
    for (const t of ['Patient', ...types, 'Binary', 'AuditEvent']) {
      assert.equal(res[t].versioning, 'versioned', t);
      assert.equal(res[t].readHistory, false, t);
      assert.equal(res[t].conditionalRead, 'full-support', t);
      assert.equal(res[t].interaction.some((i) => i.code === 'vread'), t !== 'AuditEvent', t);
    }
    assert.equal(res.Slot.versioning, undefined);
  });

  it('If-None-Match and If-Modified-Since answer 304 with no body, and the read is still on record', async () => {
    const doc = await first(p1, `DocumentReference?patient=${pid1}&_count=1`);
    const cases = [
      ['DocumentReference', doc.id, 'document.read'],
      ['Patient', pid1, 'patient.read'],
      ['Binary', doc.id, 'document.read'],
    ];
    for (const [type, id, action] of cases) {
      const r = await p1.fhir(`${type}/${id}`);
      const etag = r.headers.get('etag'); const lm = r.headers.get('last-modified');
      const before0 = audits(`action = '${action}' AND rid = '${id}' AND outcome = 'allow'`);
      for (const h of [{ 'If-None-Match': etag }, { 'If-None-Match': etag.slice(2) }, { 'If-None-Match': `W/"77", ${etag}` },
        { 'If-None-Match': '*' }, { 'If-Modified-Since': lm }, { 'If-Modified-Since': httpDate(Date.now() + 3600e3) }]) {
        const c = await p1.fhir(`${type}/${id}`, { headers: h });
        assert.equal(c.status, 304, `${type} ${JSON.stringify(h)}`);
        assert.equal(c.buf.length, 0);
        assert.equal(c.headers.get('etag'), etag);
      }
      assert.equal(audits(`action = '${action}' AND rid = '${id}' AND outcome = 'allow'`), before0 + 6, `${type}: every 304 audited`);
      for (const h of [{ 'If-None-Match': 'W/"999"' }, { 'If-Modified-Since': httpDate(Date.parse(lm) - 1000) },
        { 'If-Modified-Since': 'yesterday' }, { 'If-None-Match': 'W/"999"', 'If-Modified-Since': lm }]) {
        const c = await p1.fhir(`${type}/${id}`, { headers: h });
        assert.equal(c.status, 200, `${type} ${JSON.stringify(h)}`);
        assert.ok(c.buf.length > 0);
      }
    }
  });

  // patient3 probes (the breaker may hold a prober's account afterwards; the others go on).
  it('another patient\'s resource stays 404, exactly like a random id, whatever the conditional headers', async () => {
    const doc2 = await first(p2, `DocumentReference?patient=${pid2}&_count=1`);
    const etag2 = (await p2.fhir(`DocumentReference/${doc2.id}`)).headers.get('etag');
    const lm2 = (await p2.fhir(`Patient/${pid2}`)).headers.get('last-modified');
    const probes = [];
    for (const [type, theirs] of [['Patient', pid2], ['DocumentReference', doc2.id], ['Binary', doc2.id]]) {
      for (const h of [{}, { 'If-None-Match': '*' }, { 'If-None-Match': etag2 }, { 'If-None-Match': 'W/"1"' }, { 'If-Modified-Since': lm2 }]) probes.push([p3, type, theirs, h]);
    }
    // vread of another's, by patient2 of patient1's (the breaker pauses a prober after a few dozen).
    const doc1 = await first(p1, `DocumentReference?patient=${pid1}&_count=1`);
    for (const [type, theirs] of [['Patient', `${pid1}/_history/1`], ['DocumentReference', `${doc1.id}/_history/1`], ['Binary', `${doc1.id}/_history/2`]]) {
      for (const h of [{}, { 'If-None-Match': '*' }]) probes.push([p2, type, theirs, h]);
    }
    for (const [who, type, theirs, h] of probes) {
      const a = await who.fhir(`${type}/${theirs}`, { headers: h });
      const b = await who.fhir(`${type}/${theirs.replace(/^[0-9a-f]{32}/, randomId())}`, { headers: h });
      assert.equal(a.status, 404, `${type}/${theirs} ${JSON.stringify(h)} ${a.text}`);
      assert.equal(b.status, 404);
      assert.equal(a.text, b.text);
      assert.equal(a.headers.get('etag'), null);
      assert.equal(a.headers.get('last-modified'), null);
    }
  });

  it('a released result is a new version, for the clinician and the patient alike', async () => {
    const held = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE lower(hex(patient_id)) = '${pid1}' AND release_at IS NULL LIMIT 1`);
    assert.match(held, /^[0-9a-f]{32}$/);
    const v1 = await meta(clin, 'DiagnosticReport', held);
    assert.equal(v1.m.versionId, '1');
    assert.equal((await p1.fhir(`DiagnosticReport/${held}`)).status, 404, 'held from the patient');
    const r = await clin.post(`/results/${held}/release`, form(clin, { comment: 'Normal, nothing to do' }));
    assert.equal(r.status, 303);
    const v2 = await meta(clin, 'DiagnosticReport', held);
    assert.equal(v2.m.versionId, '2');
    assert.ok(v2.m.lastUpdated >= v1.m.lastUpdated);
    assert.equal((await clin.fhir(`DiagnosticReport/${held}`, { headers: { 'If-None-Match': v1.etag } })).status, 200);
    const mine = await meta(p1, 'DiagnosticReport', held);
    assert.deepEqual(mine.m, v2.m);
    const obs = (await p1.fhir(`Observation?patient=${pid1}&_count=500`)).json().entry.map((e) => e.resource).filter((o) => o.id.startsWith(held));
    assert.ok(obs.length > 0);
    for (const o of obs) assert.deepEqual(vm(o.meta), vm(v2.m), 'its observations carry the report\'s version');
    // _lastUpdated finds it by its release.
    const since = (await p1.fhir(`DiagnosticReport?patient=${pid1}&_lastUpdated=ge${v2.m.lastUpdated}`)).json();
    assert.ok(since.entry.some((e) => e.resource.id === held));
  });

  it('a corrected result is a new version; the same report filed again is not', async () => {
    const lab = (value) => ({ resourceType: 'DiagnosticReport', status: 'final', identifier: [{ value: 'V-2026-0001' }],
      subject: { reference: `Patient/${pid1}` }, effectiveDateTime: new Date(Date.now() - 3600e3).toISOString(),
      issued: new Date(Date.now() - 60e3).toISOString(), performer: [{ display: 'Test Laboratory' }],
      contained: [{ resourceType: 'Observation', id: 'o0', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
        valueQuantity: { value, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' } }],
      result: [{ reference: '#o0' }] });
    const filed = await clin.post('/fhir/R4/DiagnosticReport', { body: JSON.stringify(lab(5.1)), headers: FHIR_JSON });
    assert.equal(filed.status, 201, filed.text);
    const id = filed.json().id;
    assert.match(filed.headers.get('location'), new RegExp(`/DiagnosticReport/${id}/_history/1$`));
    assert.deepEqual(filed.json().meta, (await meta(clin, 'DiagnosticReport', id)).m);
    const same = await clin.post('/fhir/R4/DiagnosticReport', { body: JSON.stringify(lab(5.1)), headers: FHIR_JSON });
    assert.equal(same.json().meta.versionId, '1', 'nothing changed');
    const fixed = await clin.post('/fhir/R4/DiagnosticReport', { body: JSON.stringify(lab(6.3)), headers: FHIR_JSON });
    assert.equal(fixed.status, 200, fixed.text);
    assert.equal(fixed.json().meta.versionId, '2');
    assert.match(fixed.headers.get('location'), new RegExp(`/DiagnosticReport/${id}/_history/2$`));
    const now = await meta(clin, 'DiagnosticReport', id);
    assert.deepEqual(now.m, fixed.json().meta);
    assert.deepEqual(vm((await meta(clin, 'Observation', `${id}-0`)).m), vm(now.m));
  });

  it('a cancelled appointment, an approved repeat and a stopped medication are each a new version', async () => {
    // Book a free slot days ahead (well before the cut-off), then cancel it.
    const slots = [...(await p1.get('/appointments')).text.matchAll(/name="slot" required value="([0-9a-f]{32})"/g)].map((m) => m[1]);
    const slot = slots.find((x) => Number(sqlite(srv.dir, `SELECT start FROM slot WHERE lower(hex(id)) = '${x}'`)) > Date.now() / 1000 + 3 * 86400);
    assert.ok(slot, 'a free slot days ahead');
    assert.equal((await p1.post('/appointments', form(p1, { slot, reason: '' }))).status, 303);
    const ap = sqlite(srv.dir, `SELECT lower(hex(id)) FROM appointment WHERE lower(hex(slot_id)) = '${slot}' AND cancelled IS NULL`);
    assert.match(ap, /^[0-9a-f]{32}$/);
    const a1 = await meta(p1, 'Appointment', ap);
    assert.equal(a1.m.versionId, '1');
    assert.equal((await p1.post(`/appointments/${ap}/cancel`, form(p1, {}))).status, 303);
    const a2 = await meta(p1, 'Appointment', ap);
    assert.equal(a2.m.versionId, '2');
    assert.equal((await p1.fhir(`Appointment/${ap}`, { headers: { 'If-None-Match': a1.etag } })).status, 200);

    const meds = (await p1.fhir(`MedicationRequest?patient=${pid1}&intent=order&status=active`)).json().entry.map((e) => e.resource);
    assert.ok(meds.length >= 2);
    const [toRepeat, toStop] = meds;
    assert.equal((await p1.post(`/medications/${toRepeat.id}/repeat`, form(p1, { pharmacy: '0' }))).status, 303);
    const rq = sqlite(srv.dir, `SELECT lower(hex(id)) FROM repeat_request WHERE lower(hex(medication_id)) = '${toRepeat.id}' AND state = 'requested'`);
    const r1 = await meta(p1, 'MedicationRequest', rq);
    assert.equal(r1.m.versionId, '1');
    assert.equal((await clin.post(`/repeats/${rq}/decide`, form(clin, { decision: 'approve', reason: '' }))).status, 303);
    const r2 = await meta(p1, 'MedicationRequest', rq);
    assert.equal(r2.m.versionId, '2');
    assert.equal((await p1.fhir(`MedicationRequest/${rq}`)).json().status, 'active');

    const s1 = await meta(p1, 'MedicationRequest', toStop.id);
    assert.equal(s1.m.versionId, '1');
    assert.equal((await clin.post(`/medications/${toStop.id}/stop`, form(clin, { reason: 'completed' }))).status, 303);
    const s2 = await meta(p1, 'MedicationRequest', toStop.id);
    assert.equal(s2.m.versionId, '2');
    const listed = (await p1.fhir(`MedicationRequest?patient=${pid1}&intent=order&status=stopped`)).json().entry.find((e) => e.resource.id === toStop.id);
    assert.deepEqual(listed.resource.meta, s2.m);
  });

  it('a Patient PUT is a new version with its ETag and Location; a create\'s Location names _history/1', async () => {
    const before0 = (await clin.fhir(`Patient/${pid1}`)).json();
    const v0 = Number(before0.meta.versionId);
    const body = { ...before0, name: [{ use: 'official', family: before0.name[0].family, given: ['Renamed'] }] };
    delete body.meta;
    const put = await clin.req('PUT', `/fhir/R4/Patient/${pid1}`, { body: JSON.stringify(body), headers: FHIR_JSON });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.headers.get('etag'), `W/"${v0 + 1}"`);
    assert.match(put.headers.get('location'), new RegExp(`/fhir/R4/Patient/${pid1}/_history/${v0 + 1}$`));
    const there = await clin.get(new URL(put.headers.get('location')).pathname);
    assert.equal(there.status, 200);
    assert.deepEqual(there.json().meta, put.json().meta);
    assert.equal((await clin.fhir(`Patient/${pid1}/_history/${v0}`)).status, 404, 'the version before is not kept');
    const after0 = await meta(p1, 'Patient', pid1);
    assert.equal(after0.m.versionId, String(v0 + 1));
    assert.deepEqual(put.json().meta, after0.m);
    assert.equal((await p1.fhir(`Patient/${pid1}`, { headers: { 'If-None-Match': `W/"${v0}"` } })).status, 200);

    const nhi = nhiFor(4321);
    const created = await clin.post('/fhir/R4/Patient', { body: JSON.stringify({ resourceType: 'Patient',
      identifier: [{ use: 'official', system: NHI_SYSTEM, value: nhi }], name: [{ family: 'Versioned', given: ['Vera'] }],
      gender: 'female', birthDate: '1990-02-03' }), headers: FHIR_JSON });
    assert.equal(created.status, 201, created.text);
    const id = created.json().id;
    assert.match(created.headers.get('location'), new RegExp(`/fhir/R4/Patient/${id}/_history/1$`));
    assert.equal(created.headers.get('etag'), 'W/"1"');
    assert.deepEqual(created.json().meta, (await meta(clin, 'Patient', id)).m);
  });

  it('@medplum/core reads and pages against the server', async () => {
    globalThis.WebSocket ??= class {}; // subscriptions only; not used here
    const { MedplumClient } = await import('@medplum/core');
    const seen = [];
    const medplum = new MedplumClient({
      baseUrl: `${srv.base}/`, fhirUrlPath: 'fhir/R4',
      fetch: (url, init = {}) => {
        const headers = { ...(init.headers || {}), Cookie: p1.cookieHeader() };
        seen.push(headers);
        return fetch(url, { ...init, headers });
      },
    });
    const me = await medplum.readResource('Patient', pid1);
    assert.equal(me.id, pid1);
    assert.match(me.meta.versionId, /^[1-9][0-9]*$/);
    const all = (await p1.fhir(`DocumentReference?patient=${pid1}`)).json();
    const ids = [];
    for await (const page of medplum.searchResourcePages('DocumentReference', { patient: pid1, _count: 2 })) {
      for (const d of page) { assert.ok(d.meta.versionId); ids.push(d.id); }
    }
    assert.equal(ids.length, all.total);
    assert.deepEqual([...ids].sort(), all.entry.map((e) => e.resource.id).sort());
  });
});
