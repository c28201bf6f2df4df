// FHIR search as apps use it (issue 16): _count with next/previous links to the end of a
// patient's 600 documents, the true total, link.self keeping the query, _sort, _summary=count,
// _total, date/_lastUpdated with prefixes and comma lists, type/category, the patient as an
// absolute reference, unknown parameters named (or left out with Prefer: handling=lenient),
// and nobody else's rows by any filter, sort or page link (docs/internals/SEARCH.md).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, Client, AppClient, appToken, run, sqlite, randomId } = require('./lib');

const N = 600;
const NHI_SYSTEM = 'https://standards.digital.health.nz/ns/nhi-id';
const KINDS = [['18842-5', 'discharge-summary'], ['57133-1', 'referral-letter'], ['11488-4', 'clinical-letter']];
const DAY = 86400;
const T0 = Date.UTC(2024, 0, 1) / 1000; // document i is dated T0 + i days (2024-01-01 onwards)

function pdf(text) {
  return Buffer.from(`%PDF-1.4\n1 0 obj<<>>endobj\n% ${text}\ntrailer<<>>\n%%EOF\n`).toString('base64');
}

// A practice's export of n documents for the patient with this NHI (medkeep import: the
// domain's document_create as the practice's system, sealed and audited like any other).
function importDocs(dir, nhi, n) {
  const r0 = run(['practices', 'list', '--data', dir]);
  const practice = r0.stdout.trim().split('\n').map((l) => l.split('\t')).find((l) => l[1] === 'Demo Health Centre')[0];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-search-'));
  const file = path.join(tmp, 'DocumentReference.ndjson');
  const lines = [];
  for (let i = 0; i < n; i++) {
    const [code] = KINDS[i % KINDS.length];
    lines.push(JSON.stringify({
      resourceType: 'DocumentReference', id: `s${i}`, status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code }] },
      subject: { identifier: { system: NHI_SYSTEM, value: nhi } }, description: `Letter ${i}`,
      content: [{ attachment: { contentType: 'application/pdf', title: `letter-${i}.pdf`, data: pdf(`letter ${i}`) } }],
    }));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const r = run(['import', '--data', dir, '--practice', practice, file]);
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

const ids = (b) => (b.entry || []).map((e) => e.resource.id);
const link = (b, rel) => (b.link.find((l) => l.relation === rel) || {}).url;
const rel = (base, url) => url.slice(url.indexOf('/fhir/R4/') + '/fhir/R4/'.length);

describe('FHIR search: paging, filters, sorts and counts', () => {
  let srv, p1, p2, clin, other, pid1, pid2;
  before(async () => {
    srv = await startServer({ patients: 2 });
    p1 = new Client(srv.base); await p1.login('patient1@demo.test');
    p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    clin = new Client(srv.base); await clin.login('clinician1@demo.test');
    other = new Client(srv.base); await other.login('otherclinician1@demo.test');
    pid1 = p1.session.patient; pid2 = p2.session.patient;
    const me = (await p1.fhir(`Patient/${pid1}`)).json();
    const nhi = me.identifier.find((i) => i.system === NHI_SYSTEM).value;
    importDocs(srv.dir, nhi, N);
    // Spread the imported documents over the days from 2024-01-01 (created is clear metadata;
    // the sealed title is bound to the document's id and patient, not its date).
    const rows = sqlite(srv.dir, `SELECT lower(hex(id)) FROM document WHERE lower(hex(patient_id)) = '${pid1}' ORDER BY rowid`).split('\n');
    assert.ok(rows.length > N);
    // the demo's own documents of patient1 go back to 2020, out of the ranges counted below
    const demo = rows.slice(0, -N).map((id) => `UPDATE document SET created = ${Date.UTC(2020, 0, 1) / 1000} WHERE id = x'${id}';`).join('');
    const upd = rows.slice(-N).map((id, i) => `UPDATE document SET created = ${T0 + i * DAY} WHERE id = x'${id}';`).join('');
    sqlite(srv.dir, `BEGIN;${demo}${upd}COMMIT;`);
  });
  after(async () => { await srv.stop(); });

  async function pageAll(c, first) {
    const seen = []; let url = first; let pages = 0; let total;
    while (url) {
      const r = await c.fhir(url);
      assert.equal(r.status, 200, r.text);
      const b = r.json();
      total = b.total;
      seen.push(...ids(b));
      const next = link(b, 'next');
      url = next ? rel(srv.base, next) : null;
      pages++;
      assert.ok(pages < 100, 'pages end');
    }
    return { seen, pages, total };
  }

  it('pages to the end of more than 500 documents: no duplicates, no gaps, the true total', async () => {
    const all = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=500&_total=accurate`)).json();
    const count = Number(sqlite(srv.dir, `SELECT count(*) FROM document WHERE lower(hex(patient_id)) = '${pid1}'`));
    assert.ok(count > 500);
    assert.equal(all.total, count, 'total is every document, not the page');
    assert.equal(all.entry.length, 500);
    assert.ok(link(all, 'next'), 'a next link');
    const { seen, pages, total } = await pageAll(p1, `DocumentReference?patient=${pid1}&_count=70`);
    assert.equal(total, count);
    assert.equal(seen.length, count);
    assert.equal(new Set(seen).size, count, 'no duplicates');
    assert.equal(pages, Math.ceil(count / 70));
    // newest first: the dates never go up
    const b = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=50`)).json();
    const dates = b.entry.map((e) => e.resource.date);
    assert.deepEqual([...dates].sort().reverse(), dates);
  });

  it('previous links walk back to the first page', async () => {
    const first = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=40`)).json();
    assert.equal(link(first, 'previous'), undefined);
    const second = (await p1.fhir(rel(srv.base, link(first, 'next')))).json();
    const third = (await p1.fhir(rel(srv.base, link(second, 'next')))).json();
    const back = (await p1.fhir(rel(srv.base, link(third, 'previous')))).json();
    assert.deepEqual(ids(back), ids(second));
    const back2 = (await p1.fhir(rel(srv.base, link(back, 'previous')))).json();
    assert.deepEqual(ids(back2), ids(first));
    assert.equal(link(back2, 'previous'), undefined);
  });

  it('link.self keeps the query that was applied', async () => {
    const b = (await p1.fhir(`DocumentReference?patient=Patient/${pid1}&_count=5&date=ge2024-02-01&_sort=date`)).json();
    const self = new URL(link(b, 'self'));
    assert.equal(self.pathname, '/fhir/R4/DocumentReference');
    assert.equal(self.searchParams.get('_count'), '5');
    assert.equal(self.searchParams.get('date'), 'ge2024-02-01');
    assert.equal(self.searchParams.get('_sort'), 'date');
    assert.equal(self.searchParams.get('patient'), `Patient/${pid1}`);
  });

  it('_sort both ways, by date and _lastUpdated', async () => {
    const up = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=10&_sort=date&date=ge2024-01-01`)).json();
    assert.equal(up.entry[0].resource.date, '2024-01-01T00:00:00Z');
    assert.equal(up.entry[9].resource.date, '2024-01-10T00:00:00Z');
    const lu = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=10&_sort=_lastUpdated&date=ge2024-01-01`)).json();
    assert.deepEqual(ids(lu), ids(up));
    const down = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=10&_sort=-date&date=lt2025-08-23`)).json();
    const dates = down.entry.map((e) => e.resource.date);
    assert.equal(dates[0], '2025-08-22T00:00:00Z');
    assert.deepEqual([...dates].sort().reverse(), dates);
    // ascending pages to the end too
    const { seen } = await pageAll(p1, `DocumentReference?patient=${pid1}&_count=111&_sort=date&date=ge2024-01-01`);
    assert.equal(seen.length, N);
    assert.equal(new Set(seen).size, N);
  });

  it('date and _lastUpdated with every prefix and comma lists', async () => {
    const total = async (q) => {
      const r = await p1.fhir(`DocumentReference?patient=${pid1}&_summary=count&${q}`);
      assert.equal(r.status, 200, r.text);
      const b = r.json();
      assert.equal(b.entry, undefined);
      return b.total;
    };
    assert.equal(await total('date=2024-01-05'), 1);
    assert.equal(await total('date=eq2024-01'), 31);
    assert.equal(await total('date=2024'), 366);
    assert.equal(await total('date=ge2024-01-01&date=lt2024-02-01'), 31);
    assert.equal(await total('date=gt2024-01-31&date=le2024-02-29'), 29);
    assert.equal(await total('date=2024-01-05,2024-03'), 1 + 31);
    assert.equal(await total('date=ge2024-01-01&date=ne2024-01'), N - 31);
    assert.equal(await total('_lastUpdated=lt2024-01-11&date=ge2024-01-01'), 10);
    assert.equal(await total('date=2024-01-05T00:00:00Z'), 1);
    assert.equal(await total('date=2024-01-05T12:00:00%2B12:00'), 1);
    assert.equal(await total('date=gt2030-01-01'), 0);
    // _count=0 is a count too
    const z = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=0&date=2024-01`)).json();
    assert.equal(z.total, 31); assert.equal(z.entry, undefined);
    // _total=none leaves it out
    const none = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=3&_total=none`)).json();
    assert.equal(none.total, undefined);
    assert.equal(none.entry.length, 3);
  });

  it('type and category, by code or system|code, and comma lists', async () => {
    const count = async (q) => (await p1.fhir(`DocumentReference?patient=${pid1}&_summary=count&date=ge2024-01-01&${q}`)).json().total;
    assert.equal(await count('type=18842-5'), N / 3);
    assert.equal(await count('type=http://loinc.org|57133-1'), N / 3);
    assert.equal(await count('type=18842-5,57133-1'), 2 * N / 3);
    assert.equal(await count('type=http://example.org|18842-5'), 0);
    assert.equal(await count('type=99999-9'), 0);
    assert.equal(await count('category=11488-4'), N / 3);
    assert.equal(await count('category=http://loinc.org|11488-4&type=18842-5'), 0);
    const b = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=5&category=57133-1`)).json();
    for (const e of b.entry) assert.equal(e.resource.type.coding[0].code, '57133-1');
    for (const e of b.entry) assert.equal(e.resource.category[0].coding[0].code, '57133-1');
  });

  it('patient as an absolute reference to this server, not another', async () => {
    const abs = await p1.fhir(`DocumentReference?patient=${encodeURIComponent(`${srv.base}/fhir/R4/Patient/${pid1}`)}&_summary=count`);
    assert.equal(abs.status, 200, abs.text);
    assert.ok(abs.json().total >= N);
    const elsewhere = await p1.fhir(`DocumentReference?patient=${encodeURIComponent(`https://other.example/fhir/Patient/${pid1}`)}`);
    assert.equal(elsewhere.status, 404);
  });

  it('names the unknown or unreadable parameter in the 400; lenient leaves unknown ones out', async () => {
    const r = await p1.fhir(`DocumentReference?patient=${pid1}&_elements=id`);
    assert.equal(r.status, 400);
    const oo = r.json();
    assert.equal(oo.resourceType, 'OperationOutcome');
    assert.match(oo.issue[0].diagnostics, /_elements/);
    const bad = await p1.fhir(`DocumentReference?patient=${pid1}&date=sa2024`);
    assert.equal(bad.status, 400);
    assert.match(bad.json().issue[0].diagnostics, /date/);
    assert.match((await p1.fhir(`DocumentReference?patient=${pid1}&_sort=title`)).json().issue[0].diagnostics, /_sort/);
    const len = await p1.fhir(`DocumentReference?patient=${pid1}&_elements=id&_count=2&foo=bar`, { headers: { Prefer: 'handling=lenient' } });
    assert.equal(len.status, 200, len.text);
    const b = len.json();
    assert.equal(b.entry.length, 2);
    const self = new URL(link(b, 'self'));
    assert.equal(self.searchParams.get('_elements'), null);
    assert.equal(self.searchParams.get('foo'), null);
    assert.equal(self.searchParams.get('_count'), '2');
    // lenient does not excuse a value that cannot be read
    assert.equal((await p1.fhir(`DocumentReference?patient=${pid1}&_count=x`, { headers: { Prefer: 'handling=lenient' } })).status, 400);
  });

  it('an app pages with its bearer token, within its scopes', async () => {
    const { token } = await appToken(srv, p1);
    const app = new AppClient(srv.base, token);
    const r = await app.get(`/fhir/R4/DocumentReference?patient=${pid1}&_count=250`);
    assert.equal(r.status, 200);
    const b = r.json();
    assert.equal(b.entry.length, 250);
    const n2 = await app.get(`/fhir/R4/${rel(srv.base, link(b, 'next'))}`);
    assert.equal(n2.status, 200);
    assert.equal(new Set([...ids(b), ...ids(n2.json())]).size, 500);
  });

  it("nobody else's documents by any filter, sort or page link", async () => {
    const notFound = (await p2.fhir(`DocumentReference?patient=${randomId()}`));
    assert.equal(notFound.status, 404);
    const first = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=20`)).json();
    const next = rel(srv.base, link(first, 'next'));
    // the next link replayed by another patient and another practice's clinician: as a random id
    for (const c of [p2, other]) {
      const r = await c.fhir(next);
      assert.equal(r.status, notFound.status);
      assert.deepEqual(r.json(), notFound.json());
      for (const q of ['&_sort=date', '&date=ge2000-01-01', '&type=18842-5', '&_summary=count', '&_count=0']) {
        const s = await c.fhir(`DocumentReference?patient=${pid1}${q}`);
        assert.equal(s.status, 404, q);
        assert.deepEqual(s.json(), notFound.json());
      }
    }
    // the same cursor on patient2's own search: patient2's rows only
    const cur = new URL(link(first, 'next')).searchParams.get('_cursor');
    const own = (await p2.fhir(`DocumentReference?patient=${pid2}&_cursor=${cur}`)).json();
    for (const e of own.entry || []) assert.equal(e.resource.subject.reference, `Patient/${pid2}`);
    // tampered cursors: a patient2 document id, huge and negative keys, garbage
    const p2docs = ids((await p2.fhir(`DocumentReference?patient=${pid2}`)).json());
    for (const c of [`n99999999999.${p2docs[0]}`, `p0.${p2docs[0]}`, `n-5.${p2docs[0]}`, `n1.${randomId()}`]) {
      const r = await p1.fhir(`DocumentReference?patient=${pid1}&_cursor=${c}`);
      assert.equal(r.status, 200);
      for (const e of r.json().entry || []) assert.equal(e.resource.subject.reference, `Patient/${pid1}`);
    }
    for (const c of ['x', 'n.', `n1${p2docs[0]}`, `q1.${p2docs[0]}`]) {
      assert.equal((await p1.fhir(`DocumentReference?patient=${pid1}&_cursor=${c}`)).status, 400, c);
    }
    // the practice's own clinician reaches the record, and pages it
    const cr = await clin.fhir(next);
    assert.equal(cr.status, 200);
  });

  it('each page is audited for what it served, one record a document', async () => {
    const before = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'document.list' AND patient = '${pid1}'`));
    const b = (await p1.fhir(`DocumentReference?patient=${pid1}&_count=7&date=ge2024-01-01`)).json();
    assert.equal(b.entry.length, 7);
    let after = before;
    for (let i = 0; i < 50 && after < before + 7; i++) {
      after = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'document.list' AND patient = '${pid1}'`));
      if (after < before + 7) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(after, before + 7);
  });

  it('DiagnosticReport: pages, the true total, date and category, code', async () => {
    for (const [c, pid] of [[p1, pid1], [clin, pid1]]) {
      const all = (await c.fhir(`DiagnosticReport?patient=${pid}`)).json();
      const { seen, total, pages } = await pageAll(c, `DiagnosticReport?patient=${pid}&_count=2`);
      assert.equal(total, all.total);
      assert.equal(seen.length, all.total);
      assert.equal(new Set(seen).size, all.total);
      assert.equal(pages, Math.ceil(all.total / 2));
      assert.deepEqual([...seen].sort(), ids(all).sort());
    }
    const visible = (await p1.fhir(`DiagnosticReport?patient=${pid1}&_summary=count`)).json().total;
    const staff = (await clin.fhir(`DiagnosticReport?patient=${pid1}&_summary=count`)).json().total;
    const stored = Number(sqlite(srv.dir, `SELECT count(*) FROM result WHERE lower(hex(patient_id)) = '${pid1}'`));
    assert.equal(staff, stored, 'staff count every result');
    assert.ok(visible <= staff, 'the patient counts released ones only');
    const count = async (q) => (await p1.fhir(`DiagnosticReport?patient=${pid1}&_summary=count&${q}`)).json().total;
    assert.equal(await count('category=LAB'), visible);
    assert.equal(await count('category=http://terminology.hl7.org/CodeSystem/v2-0074|LAB'), visible);
    assert.equal(await count('category=RAD'), 0);
    assert.equal(await count('code=http://loinc.org|11502-2'), visible);
    assert.equal(await count('date=gt2100-01-01'), 0);
    assert.equal(await count('date=ge1900-01-01&_lastUpdated=ge1900-01-01'), visible);
    const rep = (await p1.fhir(`DiagnosticReport?patient=${pid1}&_sort=date`)).json();
    const dates = rep.entry.map((e) => e.resource.effectiveDateTime);
    assert.deepEqual([...dates].sort(), dates, 'oldest first');
    const d0 = dates[0].slice(0, 10);
    assert.ok(await count(`date=${d0}`) >= 1);
  });

  it('Observation: code after opening, paged by report, no count offered', async () => {
    const all = (await p1.fhir(`Observation?patient=${pid1}`)).json();
    assert.equal(all.total, undefined, 'no total: observations are counted only once opened');
    const code = all.entry[0].resource.code.coding[0].code;
    const byCode = (await p1.fhir(`Observation?patient=${pid1}&code=http://loinc.org|${code}`)).json();
    assert.ok(byCode.entry.length >= 1);
    for (const e of byCode.entry) assert.equal(e.resource.code.coding[0].code, code);
    const none = (await p1.fhir(`Observation?patient=${pid1}&code=0000-0`)).json();
    assert.equal((none.entry || []).length, 0);
    const { seen } = await pageAll(p1, `Observation?patient=${pid1}&_count=1&category=laboratory`);
    assert.deepEqual([...seen].sort(), ids(all).sort());
    const r = await p1.fhir(`Observation?patient=${pid1}&_summary=count`);
    assert.equal(r.status, 400);
    assert.match(r.json().issue[0].diagnostics, /_summary/);
  });

  it('Communication and Appointment: pages, sent, date and status', async () => {
    for (const [c, pid] of [[p1, pid1], [p2, pid2]]) {
      const msgs = Number(sqlite(srv.dir, `SELECT count(*) FROM message WHERE lower(hex(patient_id)) = '${pid}'`));
      const { seen, total } = await pageAll(c, `Communication?patient=${pid}&_count=1`);
      assert.equal(total, msgs);
      assert.equal(new Set(seen).size, msgs);
      const cnt = async (q) => (await c.fhir(`Communication?patient=${pid}&_summary=count&${q}`)).json().total;
      assert.equal(await cnt('sent=ge1900'), msgs);
      assert.equal(await cnt('sent=lt1900'), 0);
      const appts = Number(sqlite(srv.dir, `SELECT count(*) FROM appointment WHERE lower(hex(patient_id)) = '${pid}'`));
      const booked = Number(sqlite(srv.dir, `SELECT count(*) FROM appointment WHERE lower(hex(patient_id)) = '${pid}' AND cancelled IS NULL`));
      const a = async (q) => (await c.fhir(`Appointment?patient=${pid}&_summary=count&${q}`)).json().total;
      assert.equal(await a(''), appts);
      assert.equal(await a('status=booked'), booked);
      assert.equal(await a('status=cancelled'), appts - booked);
      assert.equal(await a('status=booked,cancelled&date=ge1900-01-01'), appts);
      assert.equal(await a('date=lt1900-01-01'), 0);
      const page = (await c.fhir(`Appointment?patient=${pid}&_count=1&status=booked`)).json();
      for (const e of page.entry || []) assert.equal(e.resource.status, 'booked');
    }
  });

  it("every type's page links and filters reach nothing of another patient's", async () => {
    const notFound = (await p2.fhir(`DocumentReference?patient=${randomId()}`)).json();
    for (const type of ['DiagnosticReport', 'Observation', 'Communication', 'Appointment']) {
      const first = (await p1.fhir(`${type}?patient=${pid1}&_count=1`)).json();
      const urls = [`${type}?patient=${pid1}&_sort=date`, `${type}?patient=${pid1}&_lastUpdated=ge1900`];
      if (link(first, 'next')) urls.push(rel(srv.base, link(first, 'next')));
      for (const c of [p2, other]) {
        for (const u of urls) {
          const r = await c.fhir(u);
          assert.equal(r.status, 404, `${type} ${u}`);
          assert.deepEqual(r.json().issue[0].code, notFound.issue[0].code);
          assert.match(r.json().issue[0].diagnostics, /^Patient not found$/);
        }
      }
      // patient2 with patient1's cursor: patient2's own rows only
      const nx = link(first, 'next');
      if (nx) {
        const cur = new URL(nx).searchParams.get('_cursor');
        const own = (await p2.fhir(`${type}?patient=${pid2}&_cursor=${cur}`)).json();
        for (const e of own.entry || []) assert.equal(e.resource.subject ? e.resource.subject.reference : `Patient/${pid2}`, `Patient/${pid2}`);
      }
    }
  });

  it('AuditEvent says no total when its page is not the whole log', async () => {
    const b = (await p1.fhir(`AuditEvent?patient=${pid1}`)).json();
    if (link(b, 'next')) assert.equal(b.total, undefined);
    else assert.equal(b.total, b.entry.length);
  });

  it('the CapabilityStatement lists the search parameters as they are', async () => {
    const cs = (await fetch(`${srv.base}/fhir/R4/metadata`).then((r) => r.json()));
    const dr = cs.rest[0].resource.find((r) => r.type === 'DocumentReference');
    const names = dr.searchParam.map((p) => p.name).sort();
    for (const n of ['patient', 'type', 'category', 'date', '_lastUpdated', '_count', '_sort', '_summary', '_total']) assert.ok(names.includes(n), n);
    const params = (t) => cs.rest[0].resource.find((r) => r.type === t).searchParam.map((p) => p.name);
    for (const n of ['category', 'code', 'date', '_count']) assert.ok(params('DiagnosticReport').includes(n), n);
    for (const n of ['category', 'code', 'date', '_count']) assert.ok(params('Observation').includes(n), n);
    for (const n of ['sent', '_count', '_sort']) assert.ok(params('Communication').includes(n), n);
    for (const n of ['date', 'status', '_count']) assert.ok(params('Appointment').includes(n), n);
    for (const n of ['patient', 'status', 'intent', 'authoredon', '_count', '_sort', '_summary', '_total', '_lastUpdated']) assert.ok(params('MedicationRequest').includes(n), n);
  });
});
