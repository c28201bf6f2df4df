// Disk exhaustion (issue 12, section 4): files count against the account that uploads them, in
// a rolling day and in all (quota.* in DIR/medkeep.conf), and nothing is stored when the data
// directory's filesystem is down to its reserve; refused with a clear page (507) or FHIR
// OperationOutcome, while reads, sign-ins and the audit trail keep working. And uploads right
// up to the 20 MB limit are stored (between 16 and 20 MB they once ran the request arena out).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, run, multipart, RELEASE_BIN } = require('./lib');

const MB = 1024 * 1024;

// A PDF of exactly n bytes (the type is sniffed from its first bytes).
function pdfOf(n, fill = 0x20) {
  const b = Buffer.alloc(n, fill);
  b.write('%PDF-1.4\n', 0);
  return b;
}

async function signIn(srv, email) {
  const c = new Client(srv.base);
  assert.equal((await c.login(email)).status, 303, `login ${email}`);
  return c;
}

function upload(c, data, title = 'Scan') {
  const f = multipart({ csrf: c.csrf, title }, [{ name: 'file', filename: 'scan.pdf', type: 'application/pdf', data }]);
  return c.post(`/patients/${c.session.patient}/documents`, { body: f.body, headers: { 'Content-Type': f.type }, csrf: false });
}

function fhirUpload(c, data) {
  const body = JSON.stringify({ resourceType: 'DocumentReference', subject: { reference: `Patient/${c.session.patient}` },
    description: 'Scan', content: [{ attachment: { contentType: 'application/pdf', title: 'scan.pdf', data: data.toString('base64') } }] });
  return c.post('/fhir/R4/DocumentReference', { body, headers: { 'Content-Type': 'application/fhir+json' } });
}

const docCount = (srv, c) => Number(sqlite(srv.dir, `SELECT count(*) FROM document WHERE author_id = x'${c.session.account}'`));

describe('uploads up to the limit', () => {
  let srv; let c;
  before(async () => { srv = await startServer({ patients: 1 }); c = await signIn(srv, 'patient1@demo.test'); });
  after(async () => { await srv.stop(); });

  it('stores a 19.9 MB file by form and by FHIR and gives it back; refuses 20 MB + 1 cleanly', async () => {
    const big = pdfOf(Math.floor(19.9 * MB), 0x41);
    const r = await upload(c, big);
    assert.equal(r.status, 303, r.text.slice(0, 300));
    const id = r.headers.get('location').split('/').pop();
    const back = await c.get(`/documents/${id}/download`);
    assert.equal(back.status, 200);
    assert.ok(back.buf.equals(big), 'the same bytes back');
    const f = await fhirUpload(c, pdfOf(Math.floor(19.9 * MB)));
    assert.equal(f.status, 201, f.text.slice(0, 300));
    const bin = await c.get(`/fhir/R4/Binary/${f.json().id}`, { headers: { Accept: 'application/fhir+json' } });
    assert.equal(bin.status, 200);
    // one byte over: refused with a message, nothing stored, and the server still answers
    const n = docCount(srv, c);
    const over = await upload(c, pdfOf(20 * MB + 1));
    assert.equal(over.status, 400);
    assert.match(over.text, /between 1 byte and 20 MB/);
    const fover = await fhirUpload(c, pdfOf(20 * MB + 1));
    assert.equal(fover.status, 400);
    assert.equal(fover.json().resourceType, 'OperationOutcome');
    assert.match(fover.json().issue[0].diagnostics, /larger than 20 MB/);
    assert.equal(docCount(srv, c), n);
    assert.equal((await c.get('/documents')).status, 200);
  });
});

describe('per-account upload quotas', () => {
  let srv; let p1; let p2;
  before(async () => {
    // the hardened build with many worker threads: concurrent uploads really are in flight at once
    srv = await startServer({ patients: 2, bin: RELEASE_BIN, extraArgs: ['--threads', '16'],
      config: 'quota.account.daily_bytes = 1000000\nquota.account.total_bytes = 1500000\n' });
    p1 = await signIn(srv, 'patient1@demo.test');
    p2 = await signIn(srv, 'patient2@demo.test');
  });
  after(async () => { await srv.stop(); });

  it('refuses past the day\'s allowance with a clear page and OperationOutcome; reads and the audit trail go on', async () => {
    const docsBefore = (await p1.get('/documents')).text;
    assert.equal((await upload(p1, pdfOf(600 * 1000))).status, 303);
    const n = docCount(srv, p1);
    const page = await upload(p1, pdfOf(600 * 1000));
    assert.equal(page.status, 507);
    assert.match(page.text, /your account has used its storage allowance for uploads/);
    assert.match(page.text, /you can still read everything/);
    const fhir = await fhirUpload(p1, pdfOf(600 * 1000));
    assert.equal(fhir.status, 507);
    assert.equal(fhir.json().resourceType, 'OperationOutcome');
    assert.match(fhir.json().issue[0].diagnostics, /storage allowance/);
    assert.equal(docCount(srv, p1), n, 'nothing stored');
    // what fits still fits
    assert.equal((await upload(p1, pdfOf(300 * 1000))).status, 303);
    // reads work, and are on record; so is each refusal
    const list = await p1.get('/documents');
    assert.equal(list.status, 200);
    assert.ok(list.text.length >= docsBefore.length);
    assert.equal((await p1.fhir(`DocumentReference?patient=${p1.session.patient}`)).status, 200);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'document.create' AND outcome = 'full' AND actor = '${p1.session.account}'`), '2');
    // another patient is untouched
    assert.equal((await upload(p2, pdfOf(600 * 1000))).status, 303);
    const v = run(['audit', 'verify', '--data', srv.dir]);
    assert.equal(v.code, 0, v.stderr);
  });

  it('refuses past the total allowance once the day has passed', async () => {
    // the day's uploads are a day old now: the rolling day is free again, the total is not
    sqlite(srv.dir, `UPDATE document SET created = created - 2 * 86400 WHERE author_id = x'${p1.session.account}'`);
    assert.equal((await upload(p1, pdfOf(400 * 1000))).status, 303); // 0.9 + 0.4 = 1.3 MB in all
    const r = await upload(p1, pdfOf(300 * 1000));
    assert.equal(r.status, 507);
    assert.match(r.text, /storage allowance/);
  });

  it('holds under concurrent uploads: the check and the insert are one', async () => {
    const p = await signIn(srv, 'patient2@demo.test');
    const before1 = Number(sqlite(srv.dir, `SELECT coalesce(sum(size), 0) FROM document WHERE author_id = x'${p.session.account}' AND created > unixepoch() - 86400`));
    const results = await Promise.all(Array.from({ length: 24 }, () => upload(p, pdfOf(150 * 1000))));
    const stored = results.filter((r) => r.status === 303).length;
    for (const r of results) assert.ok(r.status === 303 || r.status === 507, String(r.status));
    const day = Number(sqlite(srv.dir, `SELECT coalesce(sum(size), 0) FROM document WHERE author_id = x'${p.session.account}' AND created > unixepoch() - 86400`));
    assert.ok(day <= 1000000, `the day's bytes ${day}`);
    assert.equal(day - before1, stored * 150 * 1000);
    assert.ok(stored >= 1);
  });
});

describe('the disk\'s reserve', () => {
  let srv; let c;
  before(async () => {
    srv = await startServer({ patients: 1, config: 'quota.disk_reserve_bytes = 1000000000000000000\n' });
    c = await signIn(srv, 'patient1@demo.test');
  });
  after(async () => { await srv.stop(); });

  it('stores no upload below the reserve, while sign-ins, reads and the audit trail work', async () => {
    const n = docCount(srv, c);
    const r = await upload(c, pdfOf(10 * 1000));
    assert.equal(r.status, 507);
    assert.match(r.text, /short of storage space/);
    const f = await fhirUpload(c, pdfOf(10 * 1000));
    assert.equal(f.status, 507);
    assert.equal(f.json().issue[0].code, 'too-costly');
    assert.equal(docCount(srv, c), n);
    const again = await signIn(srv, 'patient1@demo.test');
    const list = await again.get('/documents');
    assert.equal(list.status, 200);
    const id = list.text.match(/href="\/documents\/([0-9a-f]{32})"/)[1];
    assert.equal((await again.get(`/documents/${id}/download`)).status, 200);
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${c.session.account}' AND action = 'document.read'`)) >= 1);
    assert.match(srv.logs(), /component=quota event=disk-reserve/);
  });

  it('refuses a malformed quota setting at start', () => {
    const dir = srv.dir;
    require('node:fs').writeFileSync(require('node:path').join(dir, 'medkeep.conf'), 'quota.account.daily_bytes = lots\n');
    const r = run(['serve', '--data', dir, '--listen', '127.0.0.1:1'], { timeout: 20000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /quota\.account\.daily_bytes must be a number of bytes/);
  });
});
