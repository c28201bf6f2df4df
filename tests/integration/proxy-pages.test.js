// A proxy who switches to a record they hold sees that record on every patient page (documents,
// results, medications, appointments, messages) — exactly the items its owner sees — and only
// the parts their grant's scopes cover.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite } = require('./lib');

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const PAGES = { documents: 1, results: 2, medications: 4, appointments: 8, messages: 16 };
// The ids of record items a page links to or acts on.
const items = (html) => [...html.replace(/name="csrf" value="[^"]+"/g, '')
  .matchAll(/\/(?:medications|appointments|messages|results|documents)\/([0-9a-f]{32})/g)].map((m) => m[1]).sort();

describe('a proxy on the patient pages', () => {
  let srv; let owner; let pid;
  before(async () => {
    srv = await startServer({ patients: 4 });
    owner = new Client(srv.base);
    await owner.login('patient1@demo.test');
    pid = owner.session.patient;
  });
  after(async () => { await srv.stop(); });

  async function proxyWith(email, scopes) {
    const c = new Client(srv.base);
    await c.login(email);
    const now = Math.floor(Date.now() / 1000);
    sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by)
      VALUES (randomblob(16), X'${pid}', X'${c.session.account}', ${scopes}, ${now + 3600}, ${now}, X'${owner.session.account}')`);
    const sw = await c.post('/records/switch', { body: new URLSearchParams({ csrf: c.csrf, record: pid }).toString(), headers: form, csrf: false });
    assert.equal(sw.status, 303);
    c.session = (await c.get('/session')).json();
    assert.equal(c.session.record, pid);
    return c;
  }

  it('with every scope: each page shows the held record, item for item', async () => {
    const c = await proxyWith('patient2@demo.test', 31);
    for (const page of Object.keys(PAGES)) {
      const mine = await owner.get(`/${page}`);
      const theirs = await c.get(`/${page}`);
      assert.equal(theirs.status, 200, page);
      if (page !== 'appointments') assert.ok(items(mine.text).length > 0, `the demo gives patient1 some ${page}`);
      assert.deepEqual(items(theirs.text), items(mine.text), page);
      assert.match(theirs.text, /Viewing another person(&#39;|')s record/);
    }
  });

  it('with the documents scope only: no other part of the record shows', async () => {
    const c = await proxyWith('patient3@demo.test', PAGES.documents);
    assert.deepEqual(items((await c.get('/documents')).text), items((await owner.get('/documents')).text));
    for (const page of ['results', 'medications', 'appointments', 'messages']) {
      const theirs = await c.get(`/${page}`);
      const ownerItems = new Set(items((await owner.get(`/${page}`)).text));
      assert.deepEqual(items(theirs.text).filter((id) => ownerItems.has(id)), [], `${page} shown without its scope (${theirs.status})`);
    }
  });
});
