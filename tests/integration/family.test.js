// Family access that looks like someone else's record (issue 15, item 5; docs/internals/
// PROXIES.md), over real HTTP against the real binary: a proxy in a held record sees headings
// that name the person and, on a part its grant leaves out, a plain explanation (403: it knows
// the record, DESIGN.md invariant 2); everyone who can open a record (the patient's own login,
// each proxy, each connected app) is listed to the patient and on the clinician's patient page;
// who may end a proxy's access is decided by the gate: the patient on their own record, a
// clinician of the patient's practice with a reason; never another patient, a proxy, another
// practice's clinician or a practice admin, who get exactly what a random id gets.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, sqlite, randomId, appToken } = require('./lib');
const { form, login, audit } = require('./careplan-helpers');

// Each revoke form's grant id on a page, in order.
const grantIds = (html) => [...html.matchAll(/action="\/proxies\/([0-9a-f]{32})\/revoke"/g)].map((m) => m[1]);
const shape = (r) => ({ status: r.status, body: r.text.replace(/name="csrf" value="[^"]+"/g, '') });

describe('family access: a held record named, its logins listed and ended', () => {
  let srv; let owner; let proxy; let other; let clin; let otherClin; let admin; let first; let family; let proxyGrant;
  // A live grant from owner's record to c's account (scopes: enum proxy_scope bits); its id.
  function grantTo(c, scopes) {
    const now = Math.floor(Date.now() / 1000);
    const id = randomId();
    sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by)
      VALUES (X'${id}', X'${owner.session.patient}', X'${c.session.account}', ${scopes}, ${now + 86400 * 30}, ${now}, X'${owner.session.account}')`);
    return id;
  }
  const live = (id) => sqlite(srv.dir, `SELECT count(*) FROM proxy_grant WHERE id = X'${id}' AND revoked IS NULL`);

  before(async () => {
    srv = await startServer({ patients: 5, config: 'breaker.misses = 100000\n' });
    owner = await login(srv, 'patient1@demo.test');
    proxy = await login(srv, 'patient2@demo.test');
    other = await login(srv, 'patient3@demo.test');
    clin = await login(srv, 'clinician1@demo.test');
    otherClin = await login(srv, 'otherclinician1@demo.test');
    admin = await login(srv, 'admin1@demo.test');
    // The owner's name as the practice's register shows it ("Family, Given").
    const h1 = (await clin.get(`/patients/${owner.session.patient}`)).text.match(/<h1>([^<]+)<\/h1>/)[1];
    [family, first] = h1.split(', ');
    first = first.split(' ')[0];
    assert.ok(first && family);
  });
  after(async () => { await srv.stop(); });

  it('in a held record: headings name the person, and a part outside the grant is explained (403)', async () => {
    proxyGrant = grantTo(proxy, 2 | 8); // results and appointments
    assert.equal((await proxy.post('/records/switch', form(proxy, { record: owner.session.patient }))).status, 303);
    const results = await proxy.get('/results');
    assert.equal(results.status, 200);
    assert.match(results.text, new RegExp(`<h1>${first}&#39;s results</h1>`));
    const appts = await proxy.get('/appointments');
    assert.match(appts.text, new RegExp(`<h1>${first}&#39;s appointments</h1>`));
    // The menu offers only what the grant covers.
    const nav = results.text.slice(results.text.indexOf('<nav'), results.text.indexOf('</nav>'));
    assert.match(nav, /href="\/results"/);
    assert.match(nav, /href="\/appointments"/);
    assert.doesNotMatch(nav, /href="\/medications"|href="\/messages"|href="\/documents"/);
    const explained = `Your access to ${first}&#39;s record covers results and appointments. Ask ${first} or the practice to change it.`;
    for (const page of ['/medications', '/messages']) {
      const r = await proxy.get(page);
      assert.equal(r.status, 403, page);
      assert.ok(r.text.includes(explained), `${page}: ${r.text}`);
      assert.ok(!r.text.includes(family), 'the first name only');
    }
    // the home page keeps the switcher and says the same, naming the part left out
    const home = await proxy.get('/documents');
    assert.equal(home.status, 200);
    assert.ok(home.text.includes(`Your access to ${first}&#39;s record covers results and appointments, not documents.`));
    // nothing of the name in a URL, and every refusal on record as the proxy's
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${proxy.session.account}' AND patient = '${owner.session.patient}' AND outcome = 'deny' AND via = 'proxy'`)) >= 2);
    // the patient's own pages stay theirs
    assert.match((await owner.get('/results')).text, /<h1>My results<\/h1>/);
    assert.equal((await proxy.post('/records/switch', form(proxy, { record: 'own' }))).status, 303);
  });

  it('lists every login on the record to the patient and to the practice', async () => {
    const app = await appToken(srv, owner, 'launch/patient patient/*.rs offline_access');
    assert.ok(app.token);
    const page = (await owner.get('/proxies')).text;
    assert.match(page, /Everyone who can open your record/);
    assert.match(page, /<strong>You<\/strong>/);
    assert.match(page, /action="\/sessions\/end-all"/);
    assert.match(page, /Can see: results, appointments · until/);
    assert.match(page, /App: Test app/);
    assert.match(page, /action="\/sessions\/apps\/[0-9a-f]{32}\/end"/);
    assert.equal(grantIds(page).length, 1);
    // the clinician's patient page: the same logins, an End with a reason for each proxy
    const cp = (await clin.get(`/patients/${owner.session.patient}`)).text;
    assert.match(cp, /Logins on this record/);
    assert.match(cp, /The patient's own login/);
    assert.match(cp, /Can see: results, appointments · until/);
    assert.match(cp, /App: Test app/);
    assert.match(cp, /Only the patient can disconnect an app/);
    assert.match(cp, /<select required name="reason"/);
    assert.deepEqual(grantIds(cp), grantIds(page));
    // another practice's clinician does not see the patient at all
    const far = await otherClin.get(`/patients/${owner.session.patient}`);
    const nowhere = await otherClin.get(`/patients/${randomId()}`);
    assert.deepEqual(shape(far), shape(nowhere));
    assert.equal(far.status, 404);
    // the patient disconnects the app from here, and is brought back
    const family2 = page.match(/action="\/sessions\/apps\/([0-9a-f]{32})\/end"/)[1];
    const r = await owner.post(`/sessions/apps/${family2}/end`, form(owner, { back: 'proxies' }));
    assert.equal(r.status, 303);
    assert.match(r.headers.get('location'), /^\/proxies\?done=disconnected/);
    assert.doesNotMatch((await owner.get('/proxies')).text, /App: Test app/);
  });

  it('another patient, a proxy, another practice and an admin cannot end access: as a random id', async () => {
    const id = proxyGrant;
    const fourth = await login(srv, 'patient4@demo.test');
    const second = grantTo(fourth, 1);
    const rnd = randomId();
    for (const [who, c] of [['another patient', other], ['a proxy ending another proxy', proxy], ['a proxy ending itself', proxy],
      ['another practice', otherClin], ['practice admin', admin]]) {
      const target = who === 'a proxy ending another proxy' ? second : id;
      const a = await c.post(`/proxies/${target}/revoke`, form(c, { reason: 'safety', back: owner.session.patient }));
      const b = await c.post(`/proxies/${rnd}/revoke`, form(c, { reason: 'safety', back: owner.session.patient }));
      assert.equal(a.status, 404, who);
      assert.deepEqual(shape(a), shape(b), who);
    }
    assert.equal(live(id), '1');
    assert.equal(live(second), '1');
    // each refusal is on record, naming who asked
    for (const c of [other, proxy, otherClin, admin])
      assert.ok(audit(srv, `actor = '${c.session.account}' AND action = 'proxy.revoke'`).length >= 1);
  });

  it('the practice ends a proxy only with a reason, audited; the patient ends one without', async () => {
    const id = proxyGrant;
    // no reason, or one not on the list: refused, nothing changed
    for (const reason of [undefined, '', 'because']) {
      const fields = { back: owner.session.patient };
      if (reason !== undefined) fields.reason = reason;
      const r = await clin.post(`/proxies/${id}/revoke`, form(clin, fields));
      assert.equal(r.status, 400, String(reason));
      assert.match(r.text, /Choose why this access is ending/);
    }
    assert.equal(live(id), '1');
    const r = await clin.post(`/proxies/${id}/revoke`, form(clin, { reason: 'safety', back: owner.session.patient }));
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `/patients/${owner.session.patient}/proxies?done=revoked`);
    assert.equal(live(id), '0');
    assert.equal(sqlite(srv.dir, `SELECT end_reason, lower(hex(ended_by)) FROM proxy_grant WHERE id = X'${id}'`), `safety|${clin.session.account}`);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'proxy.revoke' AND outcome = 'allow' AND actor = '${clin.session.account}' AND via = 'staff' AND rid = '${id}'`), '1');
    // ended at once: the proxy's next request finds only its own record
    assert.equal((await proxy.post('/records/switch', form(proxy, { record: owner.session.patient }))).status, 404);
    // the patient ends the other from their own list, without a reason
    const rest = grantIds((await owner.get('/proxies')).text);
    assert.equal(rest.length, 1);
    const mine = await owner.post(`/proxies/${rest[0]}/revoke`, form(owner, {}));
    assert.equal(mine.status, 303);
    assert.equal(sqlite(srv.dir, `SELECT ifnull(end_reason, '-'), lower(hex(ended_by)) FROM proxy_grant WHERE id = X'${rest[0]}'`), `-|${owner.session.account}`);
    assert.match((await owner.get('/proxies')).text, /Nobody else and no app can open your record/);
  });
});
