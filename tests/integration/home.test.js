// The patient's home page over HTTP (the browser suite is tests/browser/home.test.js): what it
// lists is audited as each part's list audits it, the menu's counts are not (numbers only), the
// counts are indexed COUNTs that stay right for a patient with thousands of results without
// opening any, and a result counts as new only for the account that has not opened it.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite } = require('./lib');

const count = (html, name) => {
  const m = html.match(new RegExp(`<a href="${name}">[^<]+ <span class="count">\\((\\d+) `));
  return m ? Number(m[1]) : 0;
};

describe('the home page', () => {
  let srv; let p1; let p2;
  before(async () => {
    srv = await startServer({ patients: 2 });
    // What the demo released and decided is in the second it was made; the practice's work in
    // these tests must come after it, or a newest-first list of five (ties broken by id) and a
    // "seen up to" mark of whole seconds can leave it out.
    await new Promise((r) => setTimeout(r, 1100));
    p1 = new Client(srv.base);
    await p1.login('patient1@demo.test');
    p2 = new Client(srv.base);
    await p2.login('patient2@demo.test');
  });
  after(async () => { await srv.stop(); });

  it('audits each item it lists, with the part\'s own list action, and never the counts', async () => {
    const home = await p1.get('/');
    assert.equal(home.status, 200);
    assert.match(home.headers.get('cache-control'), /no-store/);
    const results = [...home.text.matchAll(/<li><a href="\/results\/([0-9a-f]{32})">New result/g)].map((m) => m[1]);
    const threads = [...home.text.matchAll(/<li><a href="\/messages\/([0-9a-f]{32})">Repl/g)].map((m) => m[1]);
    assert.ok(results.length >= 1 && threads.length >= 1);
    const me = p1.session.account;
    for (const id of results) {
      assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${me}' AND action='result.list' AND rid='${id}' AND outcome='allow'`), '1', id);
    }
    for (const id of threads) {
      assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${me}' AND action='message.list' AND rid='${id}'`), '1', id);
    }
    // Another page shows the same counts in its menu and leaves no record of them.
    const before = sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${me}' AND action IN ('result.list','message.list','medication.list')`);
    const page = await p1.get('/security');
    assert.equal(count(page.text, '/results'), count(home.text, '/results'));
    assert.ok(count(page.text, '/messages') >= 1);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${me}' AND action IN ('result.list','message.list','medication.list')`), before);
  });

  it('counts thousands of results without opening them, and a result opened by one account stays new for another', async () => {
    const patient = p2.session.patient;
    const start = count((await p2.get('/')).text, '/results');
    // 3,000 released results: 2,000 released months ago (no longer news) and 1,000 yesterday.
    sqlite(srv.dir, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
      INSERT INTO result (id, patient_id, practice_id, kind, status, abnormal, accession, collected, reported, created, release_at, body)
      SELECT randomblob(16), X'${patient}', (SELECT practice_id FROM enrolment WHERE patient_id = X'${patient}' LIMIT 1),
        'biochemistry', 'final', 0, 'BULK-' || i, unixepoch() - 200 * 86400, unixepoch() - 200 * 86400, unixepoch() - 200 * 86400,
        CASE WHEN i <= 2000 THEN unixepoch() - 100 * 86400 ELSE unixepoch() - 86400 END, X'00' FROM n`);
    const home = await p2.get('/');
    assert.equal(home.status, 200);
    assert.equal(count(home.text, '/results'), start + 1000);
    // Five listed, the rest counted (their sealed bodies, bogus here, were never opened).
    assert.equal([...home.text.matchAll(/<li><a href="\/results\/[0-9a-f]{32}">New result/g)].length, 5);
    assert.match(home.text, new RegExp(`<a href="/results">${start + 1000 - 5} more new results</a>`));
    // The count walks the index on the patient and the release time, not the patient's rows.
    const plan = sqlite(srv.dir, `EXPLAIN QUERY PLAN SELECT count(*) FROM result r WHERE r.patient_id = X'${patient}' AND r.release_at > 0`);
    assert.match(plan, /result_by_release/);
    // Another patient's counts are their own.
    assert.equal(count((await p1.get('/')).text, '/results'), count((await p1.get('/security')).text, '/results'));
    assert.ok(count((await p1.get('/')).text, '/results') < 1000);
  });

  it('a repeat decided is new until the medications page is looked at', async () => {
    const home = await p1.get('/');
    const n = count(home.text, '/medications');
    assert.ok(n >= 1, 'demo decisions are new');
    assert.match(home.text, /Repeat (ready|declined): /);
    assert.equal((await p1.get('/medications')).status, 200);
    const after = await p1.get('/');
    assert.equal(count(after.text, '/medications'), 0);
    assert.doesNotMatch(after.text, /Repeat (ready|declined): /);
  });
});
