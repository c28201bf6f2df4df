// MedicationRequest search (issue 16, item 1) through the real binary: a patient's medications
// (intent order) and repeat requests (intent proposal) as one paged list, filtered by status,
// intent and authoredon, sorted, counted; a page opens and audits only what it serves; another
// patient's next link answers like a random id.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, randomId } = require('./lib');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('MedicationRequest search', () => {
  let srv; let p1; let p2; let pid;
  const rel = (url) => url.replace(/^.*\/fhir\/R4\//, '');
  before(async () => {
    srv = await startServer({ patients: 3 });
    p1 = new Client(srv.base); await p1.login('patient1@demo.test');
    p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    pid = p1.session.patient;
    // A repeat request, so both intents are there.
    const meds = await p1.get('/medications');
    const m = meds.text.match(/action="\/medications\/([0-9a-f]{32})\/repeat"/);
    if (m) {
      const r = await p1.post(`/medications/${m[1]}/repeat`, { body: new URLSearchParams({ csrf: p1.csrf, pharmacy: '0' }).toString(), headers: FORM, csrf: false });
      assert.ok([200, 303].includes(r.status), `repeat ${r.status}`);
    }
  });
  after(async () => { await srv.stop(); });

  it('one list of both intents, paged to the end by next links with the true total', async () => {
    const all = (await p1.fhir(`MedicationRequest?patient=${pid}`)).json();
    const orders = (await p1.fhir(`MedicationRequest?patient=${pid}&intent=order`)).json();
    const proposals = (await p1.fhir(`MedicationRequest?patient=${pid}&intent=proposal`)).json();
    assert.ok(orders.total > 0 && proposals.total > 0, `${orders.total} ${proposals.total}`);
    assert.equal(all.total, orders.total + proposals.total);
    assert.ok(orders.entry.every((e) => e.resource.intent === 'order'));
    assert.ok(proposals.entry.every((e) => e.resource.intent === 'proposal'));
    const seen = [];
    let url = `MedicationRequest?patient=${pid}&_count=1`;
    for (let i = 0; url && i < 100; i++) {
      const page = (await p1.fhir(url)).json();
      assert.equal(page.total, all.total);
      assert.ok(page.entry.length <= 1);
      for (const e of page.entry || []) seen.push(e.resource.id);
      const next = (page.link || []).find((l) => l.relation === 'next');
      url = next ? rel(next.url) : null;
    }
    assert.equal(seen.length, all.total);
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    assert.deepEqual([...seen].sort(), all.entry.map((e) => e.resource.id).sort());
  });

  it('status, authoredon, _sort and _summary=count', async () => {
    const active = (await p1.fhir(`MedicationRequest?patient=${pid}&intent=order&status=active`)).json();
    assert.ok(active.entry.every((e) => e.resource.status === 'active' && e.resource.intent === 'order'));
    const draft = (await p1.fhir(`MedicationRequest?patient=${pid}&status=draft`)).json();
    assert.ok(draft.entry.length >= 1 && draft.entry.every((e) => e.resource.intent === 'proposal'));
    const future = (await p1.fhir(`MedicationRequest?patient=${pid}&authoredon=gt2100-01-01`)).json();
    assert.equal(future.total, 0);
    const count = (await p1.fhir(`MedicationRequest?patient=${pid}&_summary=count`)).json();
    const all = (await p1.fhir(`MedicationRequest?patient=${pid}`)).json();
    assert.equal(count.total, all.total);
    assert.equal((count.entry || []).length, 0);
    const asc = (await p1.fhir(`MedicationRequest?patient=${pid}&_sort=date`)).json();
    const dates = asc.entry.map((e) => e.resource.authoredOn);
    assert.deepEqual(dates, [...dates].sort());
    const bad = await p1.fhir(`MedicationRequest?patient=${pid}&medication=x`);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json()), /medication/);
  });

  it('a page opens and audits only what it serves', async () => {
    const q = `SELECT count(*) FROM audit WHERE patient = '${pid}' AND action = 'medication.list'`;
    const before = Number(sqlite(srv.dir, q));
    const page = (await p1.fhir(`MedicationRequest?patient=${pid}&intent=order&_count=1`)).json();
    assert.equal(page.entry.length, 1);
    assert.ok(page.total > 1, 'more than the page');
    assert.equal(Number(sqlite(srv.dir, q)) - before, 1);
  });

  it('another patient replaying a next link, or a random patient, gets nothing', async () => {
    const page = (await p1.fhir(`MedicationRequest?patient=${pid}&_count=1`)).json();
    const next = rel(page.link.find((l) => l.relation === 'next').url);
    const theirs = await p2.fhir(next);
    const random = await p2.fhir(next.replace(pid, randomId()));
    assert.equal(theirs.status, 404);
    assert.equal(theirs.text, random.text);
  });
});
