// Document keys travel to the vault in batches (a key lane gathers the reads of concurrent
// requests into one message). Under concurrency each request must get exactly its own document,
// and a request for another patient's document must still get the plain 404.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, randomId, sqlite } = require('./lib');

describe('key batches under concurrency', () => {
  let srv; const patients = [];
  before(async () => {
    srv = await startServer({ patients: 4, config: 'breaker.misses = 100000\n' });
    for (let i = 1; i <= 4; i++) {
      const c = new Client(srv.base);
      await c.login(`patient${i}@demo.test`);
      const docs = (await c.fhir(`DocumentReference?patient=${c.session.patient}`)).json().entry.map((e) => e.resource.id);
      assert.ok(docs.length >= 2, `patient${i} has documents`);
      // What each document is, read alone.
      const bytes = {};
      for (const d of docs) {
        const r = await c.fhir(`Binary/${d}`);
        assert.equal(r.status, 200);
        bytes[d] = r.text;
      }
      patients.push({ c, docs, bytes });
    }
  });
  after(async () => { await srv.stop(); });

  it('many reads at once, by four patients, each get their own bytes; reads of others\' documents get 404', async () => {
    const notFound = await patients[0].c.fhir(`Binary/${randomId()}`);
    const jobs = [];
    for (let round = 0; round < 3; round++) {
      for (const p of patients) {
        for (const q of patients) {
          for (const d of q.docs) jobs.push({ mine: p === q, d, p });
        }
      }
    }
    // 16 in flight at a time: one address may hold at most 64 connections, and node's fetch
    // was seen holding twice as many sockets as requests in flight (64 open with 32 in flight,
    // refused by the per-address cap: "other side closed").
    const results = [];
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < jobs.length) {
        const j = jobs[next++];
        results.push({ ...j, r: await j.p.c.fhir(`Binary/${j.d}`) });
      }
    }));
    assert.ok(results.length >= 96);
    let served = 0;
    for (const { mine, d, r, p } of results) {
      if (mine) {
        assert.equal(r.status, 200, `own document ${d}`);
        assert.equal(r.text, p.bytes[d], `own document ${d} has its own bytes`);
        served++;
      } else {
        assert.equal(r.status, 404, `someone else's document ${d}`);
        assert.equal(r.text, notFound.text);
      }
    }
    // Every read that was served is on record, for its reader.
    const rows = sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'document.read' AND rtype = 'Binary' AND outcome = 'allow'");
    assert.ok(Number(rows.trim()) >= served, `audit rows ${rows.trim()} >= ${served}`);
  });
});
