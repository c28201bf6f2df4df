// A patient's own details (docs/internals/DETAILS.md): the demographics the practice holds,
// read-only, and the contact details the patient keeps (mobile, other phone, postal address),
// checked, sealed, audited as patient.contact.update, shown to the practice's staff, carried
// by FHIR Patient as telecom and address; a proxy sees or changes them only with a grant for
// the whole record; not yours is not found. And documents shown in their page (a PDF in an
// <object>, a picture in an <img>), with the read's gate and audit. Real binary, real HTTP.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, randomId, multipart, pdfWith } = require('./lib');
const { assertValidFhir } = require('./fhir-validate');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const post = (c, p, fields) => c.post(p, { body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });
const GOOD = { part: 'contact', mobile: '021 555 0147', phone: '+64 9 555 0199', line1: 'Flat 2, 14 Karaka Street',
  line2: '', suburb: 'Ōtāhuhu', city: 'Auckland', postcode: '1062' };

describe('the patient\'s own details', () => {
  let srv; let p1; let p2; let clin; let admin; let other; let pid;
  const version = () => sqlite(srv.dir, `SELECT coalesce(max(version), 0) FROM patient_details WHERE patient_id = X'${pid}'`);
  const audits = (action, actor) => Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = '${action}' AND actor = '${actor}' AND patient = '${pid}' AND outcome = 'allow'`));

  before(async () => {
    srv = await startServer({ patients: 4 });
    p1 = new Client(srv.base); await p1.login('patient1@demo.test');
    p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    clin = new Client(srv.base); await clin.login('clinician1@demo.test');
    admin = new Client(srv.base); await admin.login('admin1@demo.test');
    other = new Client(srv.base); await other.login('otherclinician1@demo.test');
    pid = p1.session.patient;
  });
  after(async () => { await srv.stop(); });

  it('shows the demographics read-only, with whom to ask, and is in the menu', async () => {
    const page = await p1.get('/details');
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Your details<\/h1>/);
    assert.match(page.text, /<a href="\/details">Your details<\/a>/);
    assert.match(page.text, /<dt>NHI number<\/dt><dd>[A-Z]{3}[0-9A-Z]{4}<\/dd>/);
    assert.match(page.text, /ask your practice to correct it/);
    assert.match(page.text, /<input id="mobile" name="mobile"/);
    assert.doesNotMatch(page.text, /name="nhi"|name="family"|name="birth"/, 'the demographics are not editable here');
    assert.equal(page.headers.get('cache-control'), 'no-store');
  });

  it('saves valid contact details, sealed, audited, and shows them back', async () => {
    const r = await post(p1, '/details', GOOD);
    assert.equal(r.status, 303, r.text.slice(0, 400));
    assert.equal(r.headers.get('location'), '/details?notice=saved');
    const page = await p1.get('/details?notice=saved');
    assert.match(page.text, /The contact details are saved/);
    for (const v of ['021 555 0147', '+64 9 555 0199', 'Flat 2, 14 Karaka Street', 'Ōtāhuhu', 'Auckland', '1062']) assert.ok(page.text.includes(`value="${v}"`), v);
    assert.equal(version(), '1');
    // sealed: nothing of it readable in the database, the logs or the audit trail
    const row = sqlite(srv.dir, `SELECT hex(body) FROM patient_details WHERE patient_id = X'${pid}'`);
    assert.ok(!Buffer.from(row, 'hex').toString('latin1').includes('555 0147'));
    assert.ok(!Buffer.from(row, 'hex').toString('utf8').includes('Karaka'));
    assert.doesNotMatch(srv.logs(), /555 0147|Karaka/);
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action LIKE '%0147%' OR rid LIKE '%Karaka%' OR rtype LIKE '%Karaka%'"), '0');
    assert.equal(audits('patient.contact.update', p1.session.account), 1);
    // on the patient's access log, in words
    assert.match((await p1.get('/access-log')).text, /Changed your phone numbers or postal address/);
    // a second save is one version more
    assert.equal((await post(p1, '/details', { ...GOOD, line2: 'RD 3' })).status, 303);
    assert.equal(version(), '2');
  });

  it('refuses what is not a New Zealand phone, a postcode or an address line, and keeps the last save', async () => {
    const before = version();
    const bad = [
      [{ mobile: '12345' }, 'mobile'], [{ mobile: '09 555 0199' }, 'mobile'], [{ phone: '+61 2 9999 9999' }, 'phone'],
      [{ phone: '021-555-0147<script>' }, 'phone'], [{ postcode: '10a2' }, 'postcode'],
      [{ line1: 'x'.repeat(61) }, 'line1'], [{ city: 'Auck\u0007land' }, 'city'], [{ line1: '', city: '' }, 'line1'],
    ];
    for (const [change, field] of bad) {
      const r = await post(p1, '/details', { ...GOOD, ...change });
      assert.equal(r.status, 400, JSON.stringify(change));
      assert.match(r.text, /There is a problem/);
      assert.match(r.text, new RegExp(`<input id="${field}" name="${field}"[^>]*aria-invalid="true"`), field);
      assert.match(r.text, /<title>Error: /);
    }
    assert.equal(version(), before, 'nothing saved');
    // no CSRF token: refused, nothing saved
    const r = await p1.post('/details', { body: new URLSearchParams(GOOD).toString(), headers: FORM, csrf: false });
    assert.equal(r.status, 403);
    assert.equal(version(), before);
  });

  it('shows them to the practice\'s staff, and to nobody outside it (another patient: not found)', async () => {
    const page = await clin.get(`/patients/${pid}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<dt>Mobile<\/dt><dd>021 555 0147<\/dd>/);
    assert.match(page.text, /<dt>Postal address<\/dt><dd>Flat 2, 14 Karaka Street<br>RD 3<br>Ōtāhuhu<br>Auckland<br>1062<\/dd>/);
    assert.match((await admin.get(`/patients/${pid}`)).text, /021 555 0147/, 'the practice admin keeps the register');
    // another practice's clinician, another patient: the same answer as a random id
    const random = await other.get(`/patients/${randomId()}`);
    const theirs = await other.get(`/patients/${pid}`);
    assert.equal(theirs.status, 404);
    assert.equal(theirs.text, random.text);
    const p2own = await p2.get('/details');
    assert.equal(p2own.status, 200);
    assert.doesNotMatch(p2own.text, /555 0147|Karaka/, 'another patient sees their own details');
    const fr = await p2.fhir(`Patient/${pid}`);
    assert.equal(fr.status, 404);
    assert.equal(fr.text, (await p2.fhir(`Patient/${randomId()}`)).text);
    // and may not change them through the practice's page either
    const before = version();
    for (const c of [p2, other]) {
      const r = await post(c, `/practice/patients/${pid}/details`, { ...GOOD, mobile: '027 000 0000' });
      assert.equal(r.status, 404);
    }
    assert.equal(version(), before);
  });

  it('lets the practice set them on its correction page, audited as the staff member', async () => {
    const form = await clin.get(`/practice/patients/${pid}/details`);
    assert.equal(form.status, 200);
    assert.match(form.text, /<input id="mobile" name="mobile"[^>]*value="021 555 0147"/);
    const bad = await post(clin, `/practice/patients/${pid}/details`, { ...GOOD, postcode: '99' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /A postcode is four digits/);
    const r = await post(clin, `/practice/patients/${pid}/details`, { ...GOOD, mobile: '022 555 0148' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `/patients/${pid}?notice=contact-saved`);
    assert.equal(audits('patient.contact.update', clin.session.account), 1);
    assert.match((await p1.get('/details')).text, /value="022 555 0148"/);
    assert.equal((await post(p1, '/details', GOOD)).status, 303);
  });

  it('is FHIR Patient telecom (mobile, home) and address (home, NZ), valid R4', async () => {
    for (const c of [p1, clin]) {
      const r = await c.fhir(`Patient/${pid}`);
      assert.equal(r.status, 200);
      const p = r.json();
      assert.deepEqual(p.telecom, [{ system: 'phone', value: '021 555 0147', use: 'mobile' }, { system: 'phone', value: '+64 9 555 0199', use: 'home' }]);
      assert.deepEqual(p.address, [{ use: 'home', type: 'postal', line: ['Flat 2, 14 Karaka Street', 'Ōtāhuhu'], city: 'Auckland', postalCode: '1062', country: 'NZ' }]);
      assertValidFhir(p);
    }
    // none saved: no telecom or address at all
    const p2r = (await p2.fhir(`Patient/${p2.session.patient}`)).json();
    assert.equal(p2r.telecom, undefined);
    assert.equal(p2r.address, undefined);
  });

  describe('a proxy', () => {
    async function proxyWith(email, scopes) {
      const c = new Client(srv.base);
      await c.login(email);
      const now = Math.floor(Date.now() / 1000);
      sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by)
        VALUES (randomblob(16), X'${pid}', X'${c.session.account}', ${scopes}, ${now + 3600}, ${now}, X'${p1.session.account}')`);
      const sw = await c.post('/records/switch', { body: new URLSearchParams({ csrf: c.csrf, record: pid }).toString(), headers: FORM, csrf: false });
      assert.equal(sw.status, 303);
      c.session = (await c.get('/session')).json();
      return c;
    }

    it('with part of the record: sees the demographics, not the contact details, and cannot change them', async () => {
      const c = await proxyWith('patient3@demo.test', 1 | 2); // documents and results
      const page = await c.get('/details');
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.text, /555 0147|Karaka/);
      assert.match(page.text, /shown only to family members and carers whose access covers the whole record/);
      assert.doesNotMatch(page.text, /<a href="\/details">/, 'not offered in the menu');
      assert.doesNotMatch(page.text, /<input id="mobile"/);
      const before = version();
      const r = await post(c, '/details', { ...GOOD, mobile: '027 000 0000' });
      assert.equal(r.status, 403, 'told that their access does not cover it (PROXIES.md)');
      assert.equal(version(), before);
      const fr = (await c.fhir(`Patient/${pid}`)).json();
      assert.equal(fr.resourceType, 'Patient');
      assert.equal(fr.telecom, undefined);
      assert.equal(fr.address, undefined);
      assert.equal(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'patient.contact.update' AND actor = '${c.session.account}' AND outcome = 'deny'`)), 1);
    });

    it('with the whole record: sees and changes them, audited as the proxy', async () => {
      const c = await proxyWith('patient4@demo.test', 63);
      const page = await c.get('/details');
      assert.equal(page.status, 200);
      assert.match(page.text, /<a href="\/details">Details<\/a>/);
      assert.match(page.text, /value="021 555 0147"/);
      const r = await post(c, '/details', { ...GOOD, phone: '03 555 0100' });
      assert.equal(r.status, 303);
      assert.match((await p1.get('/details')).text, /value="03 555 0100"/);
      assert.equal(sqlite(srv.dir, `SELECT via FROM audit WHERE action = 'patient.contact.update' AND actor = '${c.session.account}' AND outcome = 'allow'`), 'proxy');
    });
  });

  describe('documents shown in their page', () => {
    const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
    const upload = async (c, title, file) => {
      const m = multipart({ csrf: c.csrf, title }, [file]);
      const r = await c.post(`/patients/${pid}/documents`, { body: m.body, headers: { 'Content-Type': m.type }, csrf: false });
      assert.equal(r.status, 303, r.text.slice(0, 300));
      return r.headers.get('location').split('/').pop();
    };
    const strict = (csp) => { assert.match(csp, /default-src 'none'/); assert.match(csp, /frame-ancestors 'none'/); assert.doesNotMatch(csp, /object-src|frame-src/); };
    let pdfId; let pngId;
    before(async () => {
      pdfId = await upload(p1, 'Discharge letter', { name: 'file', filename: 'letter.pdf', type: 'application/pdf', data: pdfWith(`Inline ${randomId()}`) });
      pngId = await upload(p1, 'Rash photo', { name: 'file', filename: 'rash.png', type: 'image/png', data: PNG });
    });

    it('shows a PDF in an <object> of its own inline view, with the download kept; only that page allows it', async () => {
      const page = await p1.get(`/documents/${pdfId}`);
      assert.equal(page.status, 200);
      assert.match(page.text, new RegExp(`<object type="application/pdf" data="/documents/${pdfId}/view" title="Discharge letter">`));
      assert.match(page.text, new RegExp(`href="/documents/${pdfId}/download" download>Download</a>`));
      const csp = page.headers.get('content-security-policy');
      assert.match(csp, /object-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /script-src 'self';/);
      assert.doesNotMatch(csp, /unsafe|\*/);
      // every other page keeps the strict policy: the picture's page, the list, this page
      for (const p of [`/documents/${pngId}`, '/documents', '/details', '/']) strict((await p1.get(p)).headers.get('content-security-policy'));
      const before = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'document.read' AND rid = '${pdfId}' AND rtype = 'Binary' AND outcome = 'allow'`));
      const view = await p1.get(`/documents/${pdfId}/view`);
      assert.equal(view.status, 200);
      assert.equal(view.headers.get('content-type'), 'application/pdf');
      assert.equal(view.headers.get('content-disposition'), 'inline');
      const vcsp = view.headers.get('content-security-policy');
      assert.match(vcsp, /frame-ancestors 'self'/, 'framed by our own page only');
      assert.match(vcsp, /default-src 'none'/);
      assert.match(vcsp, /form-action 'none'/);
      assert.equal(view.headers.get('x-frame-options'), 'SAMEORIGIN');
      assert.equal(view.headers.get('cache-control'), 'no-store');
      assert.equal(view.headers.get('cross-origin-resource-policy'), 'same-origin');
      assert.ok(view.buf.subarray(0, 5).equals(Buffer.from('%PDF-')));
      // the same audit record as a read of the file (no audit, no access)
      assert.equal(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'document.read' AND rid = '${pdfId}' AND rtype = 'Binary' AND outcome = 'allow'`)), before + 1);
      // a download stays a download: sandboxed, never framed
      const dl = await p1.get(`/documents/${pdfId}/download`);
      assert.match(dl.headers.get('content-disposition'), /^attachment/);
      assert.match(dl.headers.get('content-security-policy'), /sandbox; frame-ancestors 'none'/);
      assert.equal(dl.headers.get('x-frame-options'), 'DENY');
    });

    it('shows a picture in an <img>, sandboxed like a download', async () => {
      const page = await p1.get(`/documents/${pngId}`);
      assert.match(page.text, new RegExp(`<img src="/documents/${pngId}/view" alt="Rash photo">`));
      assert.doesNotMatch(page.text, /<object/);
      const view = await p1.get(`/documents/${pngId}/view`);
      assert.equal(view.headers.get('content-disposition'), 'inline');
      assert.match(view.headers.get('content-security-policy'), /sandbox; frame-ancestors 'none'/);
      assert.equal(view.headers.get('x-frame-options'), 'DENY');
      assert.deepEqual(view.buf, PNG);
    });

    it('for a proxy whose grant covers documents too; not yours is not found', async () => {
      const c = new Client(srv.base);
      await c.login('patient3@demo.test'); // holds documents and results (above)
      c.session = (await c.get('/session')).json();
      const sw = await c.post('/records/switch', { body: new URLSearchParams({ csrf: c.csrf, record: pid }).toString(), headers: FORM, csrf: false });
      assert.equal(sw.status, 303);
      assert.match((await c.get(`/documents/${pdfId}`)).text, /<object type="application\/pdf"/);
      assert.equal((await c.get(`/documents/${pdfId}/view`)).status, 200);
      const rnd = await p2.get(`/documents/${randomId()}/view`);
      for (const u of [`/documents/${pdfId}`, `/documents/${pdfId}/view`]) {
        const r = await p2.get(u);
        assert.equal(r.status, 404);
      }
      const got = await p2.get(`/documents/${pdfId}/view`);
      const strip = (t) => t.replace(/name="csrf" value="[^"]+"/g, '');
      assert.equal(strip(got.text), strip(rnd.text));
    });
  });
});
