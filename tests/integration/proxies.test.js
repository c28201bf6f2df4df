// Family and carer (proxy) access over HTTP against the real binary: a patient grants access
// with scopes and an end date (after a fresh second factor), the proxy switches to the held
// record and reads within scope (pages and FHIR), is refused outside it exactly like a random
// id, and loses access at once on revoke or expiry; a practice sets up a parent's access to a
// young child and is refused for an adult; every access is audited as the proxy acting for
// the patient (via = proxy). The demo (10 patients) makes patient10 the parent of a child.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, randomId, run, nextCode, nzDay } = require('./lib');
const { queuedMails, queuedText } = require('./outbox-helper');

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const DAY = 86400;

// The <input type=date> value of a day in New Zealand, where the form's dates are.
function ymd(secondsFromNow) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(Date.now() + secondsFromNow * 1000));
}

async function login(srv, email) {
  const c = new Client(srv.base);
  assert.equal((await c.login(email)).status, 303, `login ${email}`);
  return c;
}

// Turn on TOTP: the session is replaced by one that has just passed a second factor.
async function enrolTotp(c) {
  const setup = await c.get('/mfa/setup');
  const secret = setup.text.match(/<code class="secret">([A-Z2-7]{32})<\/code>/)[1];
  c.secret = secret;
  const code = await nextCode(null, secret, null);
  const r = await c.post('/mfa/setup', { body: new URLSearchParams({ csrf: c.csrf, code }).toString(), headers: form, csrf: false });
  assert.equal(r.status, 200);
  c.session = (await c.get('/session')).json();
  c.csrf = c.session.csrf;
  return secret;
}

function postForm(c, path, fields) {
  const body = new URLSearchParams({ csrf: c.csrf });
  for (const [k, v] of Object.entries(fields)) {
    for (const one of [].concat(v)) body.append(k, one);
  }
  return c.post(path, { body: body.toString(), headers: form, csrf: false });
}

function grant(c, { email, name = 'Someone', scopes = ['documents'], until = ymd(30 * DAY), path = '/proxies', fromName = 'Your friend' }) {
  return postForm(c, path, { email, name, from_name: fromName, scope: scopes, until });
}

const switchTo = (c, record) => postForm(c, '/records/switch', { record });

function docIds(html) {
  return [...new Set([...html.matchAll(/href="\/documents\/([0-9a-f]{32})"/g)].map((m) => m[1]))];
}

// The revoke form's grant id for the holder named `name` on a Family access page.
function grantIdFor(html, name) {
  const i = html.indexOf(`<strong>${name}</strong>`);
  assert.ok(i >= 0, `no grant for ${name}`);
  return html.slice(i).match(/action="\/proxies\/([0-9a-f]{32})\/revoke"/)[1];
}

describe('family and carer (proxy) access', () => {
  let srv; let owner; let proxy; let ownerDocs; let adult;
  before(async () => {
    srv = await startServer({ patients: 10 });
    owner = await login(srv, 'patient2@demo.test');
    proxy = await login(srv, 'patient3@demo.test');
    ownerDocs = docIds((await owner.get('/documents')).text);
    assert.ok(ownerDocs.length >= 4);
  });
  after(async () => { await srv.stop(); });

  it('needs a fresh second factor to grant: set one up first, or step up again when stale', async () => {
    // no second factor at all: asked to set one up, nothing granted
    const none = await grant(owner, { email: 'patient3@demo.test' });
    assert.equal(none.status, 403);
    assert.match(none.text, /href="\/mfa\/setup"/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM proxy_grant WHERE patient_id = x'${owner.session.patient}'`), '0');
    // a factor given more than five minutes ago: sent to /step-up and back
    await enrolTotp(owner);
    sqlite(srv.dir, `UPDATE session SET created = created - 600, last_seen = unixepoch() WHERE account_id = X'${owner.session.account}'`);
    const stale = await grant(owner, { email: 'patient3@demo.test' });
    assert.equal(stale.status, 303);
    assert.equal(stale.headers.get('location'), '/step-up?next=/proxies');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM proxy_grant WHERE patient_id = x'${owner.session.patient}'`), '0');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'proxy.grant' AND outcome = 'stepup' AND actor = '${owner.session.account}'`), '2');
    const back = await postForm(owner, '/step-up', { next: '/proxies', code: await nextCode(null, owner.secret, null) });
    assert.equal(back.status, 303);
    assert.equal(back.headers.get('location'), '/proxies');
    owner.session = (await owner.get('/session')).json();
    owner.csrf = owner.session.csrf;
    // before any grant, the other patient's documents are simply not there
    assert.equal((await proxy.get(`/documents/${ownerDocs[0]}`)).status, 404);
  });

  it('grants with scopes and an end date, answering alike for known and unknown addresses', async () => {
    const given = "SELECT count(*) FROM outbox WHERE subject LIKE 'You have been given access%'";
    const mailsBefore = Number(sqlite(srv.dir, given));
    const known = await grant(owner, { email: 'patient3@demo.test', name: 'Sam (carer)', scopes: ['documents', 'appointments'] });
    const unknown = await grant(owner, { email: `nobody-${randomId()}@example.test`, name: 'Not a user' });
    for (const r of [known, unknown]) {
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/proxies?done=granted');
    }
    assert.equal(known.text, unknown.text);
    const page = await owner.get('/proxies?done=granted');
    assert.match(page.text, /If they have a medkeep account they now have access; we've emailed them\./);
    // both are listed alike: name, scopes, end date, a button to end it
    assert.match(page.text, /<strong>Sam \(carer\)<\/strong>[\s\S]*?Can see: documents, appointments · until /);
    assert.match(page.text, /<strong>Not a user<\/strong>[\s\S]*?Can see: documents · until /);
    const row = sqlite(srv.dir, `SELECT scopes, not_after - strftime('%s','now') FROM proxy_grant WHERE patient_id = x'${owner.session.patient}' AND revoked IS NULL`).split('|');
    assert.equal(row[0], String(1 | 8));
    assert.ok(Number(row[1]) > 30 * DAY - 2 * DAY && Number(row[1]) <= 31 * DAY, row[1]);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM proxy_invite WHERE patient_id = x'${owner.session.patient}'`), '1');
    // the grantee (and only the grantee) gets an email; it names only the granter's chosen name
    const mail = queuedText(srv.dir, { account: proxy.session.account, subject: /^You have been given/i });
    assert.match(mail, /Your friend has given you access to their health record on the patient portal, until/);
    assert.doesNotMatch(mail, /patient2|Discharge|NHI/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM outbox WHERE subject LIKE 'You have been given access%' AND account_id = x'${proxy.session.account}'`), '1');
    assert.equal(Number(sqlite(srv.dir, given)), mailsBefore + 1, 'one email: to the account, none for the unknown address');
    // the end date is required, and at most two years ahead
    const far = await grant(owner, { email: 'patient4@demo.test', until: ymd(800 * DAY) });
    assert.equal(far.status, 400);
    assert.match(far.text, /at most two years/);
    const none = await grant(owner, { email: 'patient4@demo.test', scopes: [] });
    assert.equal(none.status, 400);
    assert.match(none.text, /at least one part/);
  });

  it('lets the proxy switch to the held record and read within scope, pages and FHIR', async () => {
    const home = await proxy.get('/documents');
    assert.match(home.text, /You are viewing your own record/);
    const r = await switchTo(proxy, owner.session.patient);
    assert.equal(r.status, 303);
    const s = (await proxy.get('/session')).json();
    assert.equal(s.patient, proxy.session.patient, 'patient stays the own record');
    assert.equal(s.record, owner.session.patient);
    const list = await proxy.get('/documents');
    assert.equal(list.status, 200);
    assert.match(list.text, /You are viewing the record of/);
    assert.match(list.text, /Viewing another person(&#39;|')s record/);
    assert.deepEqual(docIds(list.text).sort(), [...ownerDocs].sort());
    const d = ownerDocs[0];
    assert.equal((await proxy.get(`/documents/${d}`)).status, 200);
    const dl = await proxy.get(`/documents/${d}/download`);
    assert.equal(dl.status, 200);
    assert.equal(dl.buf.subarray(0, 5).toString(), '%PDF-');
    assert.equal((await proxy.fhir(`DocumentReference/${d}`)).status, 200);
    assert.equal((await proxy.fhir(`Binary/${d}`)).status, 200);
    const search = await proxy.fhir(`DocumentReference?patient=${owner.session.patient}`);
    assert.equal(search.status, 200);
    assert.equal(search.json().total, ownerDocs.length);
    // a second factor given meanwhile (the session is replaced) keeps the record in view
    await enrolTotp(proxy);
    assert.equal((await proxy.get('/session')).json().record, owner.session.patient);
    // and back to their own
    assert.equal((await switchTo(proxy, 'own')).status, 303);
    assert.equal((await proxy.get('/session')).json().record, proxy.session.patient);
  });

  it('audits everything the proxy does as the proxy acting for the patient', () => {
    const rows = sqlite(srv.dir, `SELECT action || ':' || via FROM audit WHERE actor = '${proxy.session.account}' AND patient = '${owner.session.patient}' AND outcome = 'allow'`).split('\n');
    for (const a of ['document.list:proxy', 'document.read:proxy', 'record.switch:proxy']) assert.ok(rows.includes(a), `${a} in ${rows}`);
    assert.ok(rows.every((r) => r.endsWith(':proxy')), rows.join());
    // the patient's own reads say self, staff's say staff, and the chain still verifies
    assert.match(sqlite(srv.dir, `SELECT DISTINCT via FROM audit WHERE actor = '${owner.session.account}' AND action = 'document.list'`), /^self$/);
    assert.match(sqlite(srv.dir, "SELECT DISTINCT via FROM audit WHERE action = 'proxy.grant' AND outcome = 'allow'"), /self/);
    const v = run(['audit', 'verify', '--data', srv.dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    // editing the via of one record breaks the chain
    const fs = require('node:fs');
    const copy = fs.mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'medkeep-px-'));
    fs.cpSync(srv.dir, copy, { recursive: true });
    sqlite(copy, "UPDATE audit SET via = 'self' WHERE seq = (SELECT min(seq) FROM audit WHERE via = 'proxy')", 'audit.db');
    const bad = run(['audit', 'verify', '--data', copy]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /record content changed/);
    require('node:fs').rmSync(copy, { recursive: true, force: true });
  });

  it('refuses the proxy outside its scopes exactly like a random id', async () => {
    const other = await login(srv, 'patient1@demo.test');
    adult = other;
    await enrolTotp(other);
    assert.equal((await grant(other, { email: 'patient3@demo.test', name: 'Results only', scopes: ['results'] })).status, 303);
    const theirs = docIds((await other.get('/documents')).text);
    for (const [p, fhir] of [[`/documents/${theirs[0]}`, false], [`/documents/${theirs[0]}/download`, false], [`DocumentReference/${theirs[0]}`, true], [`Binary/${theirs[0]}`, true]]) {
      const rnd = p.replace(theirs[0], randomId());
      const a = fhir ? await proxy.fhir(p) : await proxy.get(p);
      const b = fhir ? await proxy.fhir(rnd) : await proxy.get(rnd);
      assert.equal(a.status, 404, p);
      assert.equal(a.text, b.text, p);
    }
    // Asked by the record it holds, the proxy is told the grant leaves documents out (403):
    // it knows the record exists; that is not enumeration (DESIGN.md invariant 2).
    assert.equal((await proxy.fhir(`DocumentReference?patient=${other.session.patient}`)).status, 403);
    // each refusal is on record, as the proxy's attempt on that patient
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${proxy.session.account}' AND patient = '${other.session.patient}' AND action = 'document.read' AND outcome = 'deny' AND via = 'proxy'`)) >= 4);
    // switched to that record, the home page says documents are not included
    assert.equal((await switchTo(proxy, other.session.patient)).status, 303);
    const page = await proxy.get('/documents');
    assert.equal(page.status, 200);
    assert.match(page.text, /record covers results, not documents\. Ask .* or the practice to change it\./);
    assert.equal(docIds(page.text).length, 0);
    assert.equal((await switchTo(proxy, 'own')).status, 303);
    // a proxy cannot pass access on, nor see or end the patient's grants
    const id = grantIdFor((await owner.get('/proxies')).text, 'Sam (carer)');
    assert.equal((await postForm(proxy, `/proxies/${id}/revoke`, {})).status, 404);
    assert.equal((await postForm(proxy, `/proxies/${randomId()}/revoke`, {})).status, 404);
    // The record it holds, but a part no grant covers: told no (403, DESIGN.md invariant 2),
    // which is not counted as enumeration; a record it does not hold does not exist.
    assert.equal((await proxy.get(`/patients/${owner.session.patient}/proxies`)).status, 403);
    const onward = await grant(proxy, { email: 'patient4@demo.test', path: `/patients/${owner.session.patient}/proxies` });
    const nowhere = await grant(proxy, { email: 'patient4@demo.test', path: `/patients/${randomId()}/proxies` });
    assert.equal(onward.status, 403);
    assert.equal(nowhere.status, 404);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM proxy_grant WHERE created_by = x'${proxy.session.account}'`), '0');
    // switching to a record without a grant is refused like anything missing
    assert.equal((await switchTo(proxy, randomId())).status, 404);
    assert.equal((await switchTo(proxy, (await login(srv, 'patient4@demo.test')).session.patient)).status, 404);
  });

  it('stops at once when the patient revokes, and the switcher falls back to the own record', async () => {
    assert.equal((await switchTo(proxy, owner.session.patient)).status, 303);
    assert.equal((await proxy.get(`/documents/${ownerDocs[1]}`)).status, 200);
    const id = grantIdFor((await owner.get('/proxies')).text, 'Sam (carer)');
    const r = await postForm(owner, `/proxies/${id}/revoke`, {});
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/proxies?done=revoked');
    assert.doesNotMatch((await owner.get('/proxies')).text, /Sam \(carer\)/);
    assert.equal((await proxy.get(`/documents/${ownerDocs[1]}`)).status, 404);
    assert.equal((await proxy.fhir(`Binary/${ownerDocs[1]}`)).status, 404);
    assert.equal((await proxy.get('/session')).json().record, proxy.session.patient);
    const home = await proxy.get('/documents');
    assert.match(home.text, /<h1>My documents<\/h1>/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'proxy.revoke' AND outcome = 'allow' AND actor = '${owner.session.account}' AND via = 'self'`), '1');
    // revoking again: gone
    assert.equal((await postForm(owner, `/proxies/${id}/revoke`, {})).status, 404);
  });

  it('gives a parent the child the practice set up, and stops at once when it expires', async () => {
    const parent = await login(srv, 'patient10@demo.test');
    const page = await parent.get('/proxies');
    const m = page.text.match(/name="record" value="([0-9a-f]{32})"><button type="submit">View Nikau Walker&#39;s record/);
    assert.ok(m, 'the child is on the switcher');
    const child = m[1];
    assert.equal((await switchTo(parent, child)).status, 303);
    const list = await parent.get('/documents');
    assert.match(list.text, /You are viewing the record of Nikau Walker/);
    const docs = docIds(list.text);
    assert.equal(docs.length, 2);
    assert.equal((await parent.get(`/documents/${docs[0]}`)).status, 200);
    // the ended demo grant (from patient9) gives nothing
    const p4 = await login(srv, 'patient9@demo.test');
    const p4doc = docIds((await p4.get('/documents')).text)[0];
    assert.equal((await parent.get(`/documents/${p4doc}`)).status, 404);
    assert.equal((await switchTo(parent, p4.session.patient)).status, 404);
    // the grant's end passes: refused at once, and the session falls back to their own record
    sqlite(srv.dir, `UPDATE proxy_grant SET not_after = strftime('%s','now') - 1 WHERE patient_id = x'${child}'`);
    assert.equal((await parent.get(`/documents/${docs[0]}`)).status, 404);
    assert.equal((await parent.fhir(`Binary/${docs[0]}`)).status, 404);
    assert.equal((await parent.get('/session')).json().record, parent.session.patient);
    assert.doesNotMatch((await parent.get('/proxies')).text, /Nikau/);
  });

  it('lets a clinician of the practice set up a parent for a young child, and refuses for an adult', async () => {
    const clin = await login(srv, 'clinician1@demo.test');
    const pats = await clin.get('/patients');
    const child = pats.text.match(/href="\/patients\/([0-9a-f]{32})">Walker, Nikau/)[1];
    const page = await clin.get(`/patients/${child}/proxies`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Set up a parent&#39;s or carer&#39;s access/);
    const r = await grant(clin, { email: 'patient3@demo.test', name: 'Mum', scopes: ['documents', 'results'], path: `/patients/${child}/proxies` });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `/patients/${child}/proxies?done=granted`);
    assert.match((await clin.get(`/patients/${child}/proxies`)).text, /<strong>Mum<\/strong>[\s\S]*?set up by the practice/);
    assert.match(queuedMails(srv.dir, { account: proxy.session.account, subject: /^You have been given/i }).slice(-1).map((m) => m.subject + m.body).join(''), /Demo Health Centre has given you access to Nikau's health record on the patient portal, until/);
    assert.equal((await switchTo(proxy, child)).status, 303);
    assert.equal(docIds((await proxy.get('/documents')).text).length, 2);
    assert.equal(sqlite(srv.dir, `SELECT via FROM audit WHERE action = 'proxy.grant' AND patient = '${child}' ORDER BY seq DESC LIMIT 1`), 'staff');
    // an adult: refused with a clear message, and no form offered
    // (demo birth dates: patient1 was born in 1977)
    const grown = adult.session.patient;
    assert.match((await clin.get(`/patients/${grown}/proxies`)).text, /16 or older/);
    const refused = await grant(clin, { email: 'patient3@demo.test', path: `/patients/${grown}/proxies` });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /only to the record of a child under 16/);
    // a clinician of another practice: not found, like a random id
    const other = await login(srv, 'otherclinician1@demo.test');
    const a = await other.get(`/patients/${child}/proxies`);
    const b = await other.get(`/patients/${randomId()}/proxies`);
    assert.equal(a.status, 404);
    assert.equal(a.text, b.text);
    assert.equal((await grant(other, { email: 'patient3@demo.test', path: `/patients/${child}/proxies` })).status, 404);
  });

  it('the granter\'s name reaches the grantee\'s email only as a plain, link-free label', async () => {
    const granter = await login(srv, 'patient6@demo.test');
    await enrolTotp(granter);
    const grantee = await login(srv, 'patient7@demo.test');
    const mailsTo = () => queuedMails(srv.dir, { account: grantee.session.account, subject: /^You have been given/ });
    const relays = [
      'Your bank https://evil.example/login',
      'Reset at evil.example now',
      'support@evil.example',
      'Call 0800 123 456',
      'Mum\nClick here',
      'Mum\u202Eelpmaxe.live', // right-to-left override
      'evil\u3002example', // an ideographic full stop: a dot in a domain name
      'A'.repeat(61),
    ];
    for (const fromName of relays) {
      const r = await grant(granter, { email: 'patient7@demo.test', fromName });
      assert.equal(r.status, 400, JSON.stringify(fromName));
      assert.match(r.text, /can be only a name/);
    }
    assert.equal(mailsTo().length, 0, 'nothing was mailed');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM proxy_grant WHERE patient_id = x'${granter.session.patient}'`), '0');
    // a name is fine, and the email's wording around it is ours
    const until = nzDay(Date.now() / 1000 + 30 * DAY); // the day the form sent (grant's default), in NZ
    assert.equal((await grant(granter, { email: 'patient7@demo.test', fromName: "Ng\u0101 O'Neill-Smith" })).status, 303);
    const [mail] = mailsTo();
    assert.ok(mail.body.startsWith(`Ng\u0101 O'Neill-Smith has given you access to their health record on the patient portal, until ${until}.\n\nSign in to the patient portal and open Family access to see it.`), mail.body);
    assert.doesNotMatch(mail.body, /https?:|www\./);
  });
});
