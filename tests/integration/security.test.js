// Attacks on our own portal: other patients' data, roles without clinical access, CSRF,
// oversized and malformed input, path tricks, plaintext at rest, audit tampering.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, multipart, pdfWith, rawGet, randomId, run, sqlite, filesUnder } = require('./lib');

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const http = require('node:http');

// Send only the headers of a POST (with its declared length) and read the answer.
function postHeadersOnly(port, path, headers) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let data = ''; res.on('data', (d) => { data += d; }); res.on('end', () => { resolve({ status: res.statusCode, text: data }); r.destroy(); });
    });
    r.on('error', reject);
    r.flushHeaders();
  });
}

// Write raw bytes on one connection; gather what comes back until the server closes it.
async function exchange(port, bytes, ms = 4000) {
  const { data, closed } = await converse(port, bytes, ms);
  return { statuses: statuses(data), closed };
}
function converse(port, bytes, ms) {
  return new Promise((resolve) => {
    const s = require('node:net').connect(port, '127.0.0.1', () => s.write(bytes));
    s.setEncoding('latin1'); // one character per byte, as Content-Length counts
    let data = '';
    const timer = setTimeout(() => { s.destroy(); resolve({ data, closed: false }); }, ms);
    s.on('data', (d) => { data += d; });
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(timer); resolve({ data, closed: true }); });
  });
}
// The one response to raw bytes that end with Connection: close: status, headers (lower-case
// names) and body.
async function answer(port, bytes) {
  const { data } = await converse(port, bytes, 4000);
  const end = data.indexOf('\r\n\r\n');
  const [first, ...lines] = data.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(first.split(' ')[1]), headers, body: data.slice(end + 4) };
}
// The status of each response in a stream of them, stepping over bodies by Content-Length.
function statuses(text) {
  const out = [];
  for (let at = 0; at < text.length;) {
    const end = text.indexOf('\r\n\r\n', at);
    const m = end < 0 ? null : text.slice(at, end).match(/^HTTP\/1\.[01] (\d{3})/);
    if (!m) { out.push('garbage'); break; }
    out.push(Number(m[1]));
    const len = text.slice(at, end).match(/\r\ncontent-length: *(\d+)/i);
    at = end + 4 + (len ? Number(len[1]) : 0);
  }
  return out;
}

// Everything a response says, apart from what is fresh on every response.
function shape(r) {
  return { status: r.status, type: r.headers.get('content-type'), body: r.text.replace(/name="csrf" value="[^"]+"/g, '') };
}

describe('authorization: not yours = not found', () => {
  let srv; let p1; let clinician; let victims = [];
  before(async () => {
    // This suite probes far more than the enumeration budget on purpose; the breaker has its
    // own tests (breaker.test.js).
    srv = await startServer({ patients: 4, config: 'breaker.misses = 100000\n' });
    clinician = new Client(srv.base);
    await clinician.login('clinician1@demo.test');
    // Every patient and their documents, as the clinician sees them.
    const bundle = (await clinician.fhir('Patient')).json();
    for (const e of bundle.entry) {
      const docs = (await clinician.fhir(`DocumentReference?patient=${e.resource.id}`)).json();
      victims.push({ id: e.resource.id, docs: docs.entry.map((d) => d.resource.id) });
    }
    p1 = new Client(srv.base);
    await p1.login('patient1@demo.test');
    victims = victims.filter((v) => v.id !== p1.session.patient);
    assert.equal(victims.length, 3);
  });
  after(async () => { await srv.stop(); });

  it('a patient asking for every other patient\'s data by id and by search gets the same 404 as for a random id, and each attempt is audited', async () => {
    const rnd = randomId();
    const probes = (pid, did) => [
      `/fhir/R4/Patient/${pid}`, `/fhir/R4/DocumentReference?patient=${pid}`,
      `/fhir/R4/DocumentReference?patient=Patient/${pid}`,
      `/fhir/R4/DocumentReference/${did}`, `/fhir/R4/Binary/${did}`,
      `/patients/${pid}`, `/documents/${did}`, `/documents/${did}/download`,
    ];
    const reference = [];
    for (const p of probes(rnd, rnd)) reference.push(shape(await p1.get(p)));
    for (const r of reference) assert.equal(r.status, 404);
    const binJson = shape(await p1.get(`/fhir/R4/Binary/${rnd}`, { headers: { Accept: 'application/fhir+json' } }));
    let attempts = 0;
    for (const v of victims) {
      for (const did of v.docs) {
        const got = [];
        for (const p of probes(v.id, did)) got.push(shape(await p1.get(p)));
        assert.deepEqual(got, reference, `patient ${v.id} document ${did}`);
        assert.deepEqual(shape(await p1.get(`/fhir/R4/Binary/${did}`, { headers: { Accept: 'application/fhir+json' } })), binJson);
        attempts++;
      }
    }
    assert.ok(attempts >= 12);
    // Patient search shows only themself.
    const mine = (await p1.fhir('Patient')).json();
    assert.deepEqual(mine.entry.map((e) => e.resource.id), [p1.session.patient]);

    // Every attempt is in the audit trail, as a denial naming the actor and the target.
    const actor = p1.session.account;
    for (const v of victims) {
      const n = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${actor}' AND outcome='deny' AND patient='${v.id}'`));
      // per document: DocumentReference read + Binary read + Binary JSON read + 2 page reads; per patient probe set: Patient read, 2 searches, patient page (2 decisions each? once each)
      assert.ok(n >= v.docs.length * 5, `audited denials for ${v.id}: ${n}`);
      for (const did of v.docs) {
        const rows = sqlite(srv.dir, `SELECT rtype FROM audit WHERE actor='${actor}' AND outcome='deny' AND rid='${did}' ORDER BY seq`).split('\n');
        assert.ok(rows.includes('DocumentReference') && rows.includes('Binary'), `audit rows for ${did}: ${rows}`);
      }
    }
    const misses = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor='${actor}' AND (outcome='notfound' OR (outcome='deny' AND patient='-'))`));
    assert.ok(misses >= 8);
  });

  it('a patient cannot write to another patient\'s record', async () => {
    const v = victims[0];
    const before1 = sqlite(srv.dir, 'SELECT count(*) FROM document');
    const pdf = pdfWith('not yours');
    const r = await p1.post('/fhir/R4/DocumentReference', {
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'DocumentReference', subject: { reference: `Patient/${v.id}` }, content: [{ attachment: { contentType: 'application/pdf', data: pdf.toString('base64') } }] }),
    });
    assert.equal(r.status, 404);
    const f = multipart({ csrf: p1.csrf, title: 'x' }, [{ name: 'file', filename: 'x.pdf', type: 'application/pdf', data: pdf }]);
    const r2 = await p1.post(`/patients/${v.id}/documents`, { body: f.body, headers: { 'Content-Type': f.type }, csrf: false });
    assert.equal(r2.status, 404);
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM document'), before1);
  });

  it('staff reach only what their role and practice allow', async () => {
    const target = victims[0];
    const doc = target.docs[0];
    const paths = [`/fhir/R4/Patient/${target.id}`, `/fhir/R4/DocumentReference?patient=${target.id}`, `/fhir/R4/DocumentReference/${doc}`, `/fhir/R4/Binary/${doc}`, `/patients/${target.id}`, `/documents/${doc}/download`];
    const expect = { 'clinician1@demo.test': 200, 'clinician2@demo.test': 200, 'otherclinician1@demo.test': 404, 'admin1@demo.test': 404, 'operator@demo.test': 404 };
    // The practice admin keeps the register: the patient's details, never their record.
    const register = { 'admin1@demo.test': [`/fhir/R4/Patient/${target.id}`, `/patients/${target.id}`] };
    for (const [email, status] of Object.entries(expect)) {
      const c = new Client(srv.base);
      assert.equal((await c.login(email)).status, 303, email);
      for (const p of paths) assert.equal((await c.get(p)).status, (register[email] || []).includes(p) ? 200 : status, `${email} ${p}`);
      const list = (await c.fhir('Patient')).json();
      assert.equal(list.total, status === 200 || register[email] ? 4 : 0, email);
    }
    const admin = new Client(srv.base);
    await admin.login('admin1@demo.test');
    assert.doesNotMatch((await admin.get(`/patients/${target.id}`)).text, /Documents|Medications|Results/);
    // A clinician publishing to another practice's patient: not found.
    const other = new Client(srv.base);
    await other.login('otherclinician1@demo.test');
    const f = multipart({ csrf: other.csrf, kind: 'clinical-letter', title: 'x' }, [{ name: 'file', filename: 'x.pdf', type: 'application/pdf', data: pdfWith('x') }]);
    assert.equal((await other.post(`/patients/${target.id}/documents`, { body: f.body, headers: { 'Content-Type': f.type }, csrf: false })).status, 404);
  });

  it('without a session: FHIR answers 401 OperationOutcome, pages send you to the login', async () => {
    const anon = new Client(srv.base);
    const r = await anon.fhir(`Patient/${victims[0].id}`);
    assert.equal(r.status, 401);
    assert.equal(r.json().resourceType, 'OperationOutcome');
    // to sign in, and back to the address asked for: the asker's own words, whether or not
    // the document exists
    const page = await anon.get(`/documents/${victims[0].docs[0]}/download`);
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), `/login?next=/documents/${victims[0].docs[0]}/download`);
    const random = randomId();
    assert.equal((await anon.get(`/documents/${random}/download`)).headers.get('location'), `/login?next=/documents/${random}/download`);
    const forged = new Client(srv.base);
    forged.cookies.set('__Host-medkeep', 'A'.repeat(43));
    assert.equal((await forged.fhir('Patient')).status, 401);
  });
});

describe('input handling', () => {
  let srv; let c;
  before(async () => { srv = await startServer({ patients: 1 }); c = new Client(srv.base); await c.login('patient1@demo.test'); });
  after(async () => { await srv.stop(); });

  const docCount = () => sqlite(srv.dir, 'SELECT count(*) FROM document');
  const post = (body, type = 'application/fhir+json', extra = {}) => c.post('/fhir/R4/DocumentReference', { body, headers: { 'Content-Type': type, ...extra } });
  const docref = (me, data, contentType = 'application/pdf') => JSON.stringify({ resourceType: 'DocumentReference', subject: { reference: `Patient/${me}` }, content: [{ attachment: { contentType, data } }] });

  it('refuses state changes without the CSRF token, and changes nothing', async () => {
    const n = docCount();
    const me = c.session.patient;
    const pdf = pdfWith('csrf').toString('base64');
    assert.equal((await c.post('/fhir/R4/DocumentReference', { body: docref(me, pdf), headers: { 'Content-Type': 'application/fhir+json' }, csrf: false })).status, 403);
    assert.equal((await c.post('/fhir/R4/DocumentReference', { body: docref(me, pdf), headers: { 'Content-Type': 'application/fhir+json', 'X-CSRF-Token': 'B'.repeat(43) } })).status, 403);
    const f = multipart({ title: 'x' }, [{ name: 'file', filename: 'x.pdf', type: 'application/pdf', data: pdfWith('x') }]);
    assert.equal((await c.post(`/patients/${me}/documents`, { body: f.body, headers: { 'Content-Type': f.type }, csrf: false })).status, 403);
    assert.equal((await c.post('/logout', { body: 'csrf=wrong', headers: form, csrf: false })).status, 403);
    assert.equal((await c.get('/session')).status, 200, 'still logged in');
    // A login form posted without its own token is refused too.
    const anon = new Client(srv.base);
    const r = await anon.post('/login', { body: 'email=patient1%40demo.test&password=demo-password-2026', headers: form });
    assert.equal(r.status, 403);
    assert.equal(docCount(), n);
  });

  it('gives clean errors for malformed JSON, wrong types, bad base64 and files that are not what they say', async () => {
    const n = docCount();
    const me = c.session.patient;
    const cases = [
      [post('{"resourceType":'), 400],
      [post('[]'), 400],
      [post(JSON.stringify({ resourceType: 'Patient' })), 400],
      [post(docref(me, pdfWith('x').toString('base64')), 'text/plain'), 415],
      [post(docref(me, '!!!notbase64!!!')), 400],
      [post(docref(me, 'JVBERi0')), 400],
      [post(docref(me, Buffer.from('MZ\x90\x00 not a pdf').toString('base64'))), 400],
      [post(docref(me, pdfWith('x').toString('base64'), 'image/png')), 400],
      [post(docref('not-an-id', pdfWith('x').toString('base64'))), 400],
      [post(JSON.stringify({ resourceType: 'DocumentReference', subject: { reference: `Patient/${me}` }, content: [] })), 400],
    ];
    for (const [p, status] of cases) {
      const r = await p;
      assert.equal(r.status, status, r.text);
      assert.equal(r.json().resourceType, 'OperationOutcome');
    }
    const f = multipart({ csrf: c.csrf, title: 'exe' }, [{ name: 'file', filename: 'x.pdf', type: 'application/pdf', data: Buffer.from('MZ this is not a pdf') }]);
    const r = await c.post(`/patients/${me}/documents`, { body: f.body, headers: { 'Content-Type': f.type }, csrf: false });
    assert.equal(r.status, 400);
    assert.match(r.text, /Only PDF, PNG and JPEG/);
    const broken = await c.post(`/patients/${me}/documents`, { body: '--x\r\nbroken', headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, csrf: false });
    assert.equal(broken.status, 400);
    assert.equal(docCount(), n);
  });

  it('refuses oversized bodies with 413, declared or streamed, and changes nothing', async () => {
    const n = docCount();
    const headers = { Cookie: c.cookieHeader(), 'X-CSRF-Token': c.csrf };
    // Declared too large: refused on the headers alone, before any body is read.
    const r = await postHeadersOnly(srv.port, `/patients/${c.session.patient}/documents`, { ...headers, 'Content-Type': 'multipart/form-data; boundary=x', 'Content-Length': String(21 * 1024 * 1024) });
    assert.equal(r.status, 413);
    const r2 = await postHeadersOnly(srv.port, '/fhir/R4/DocumentReference', { ...headers, 'Content-Type': 'application/fhir+json', 'Content-Length': String(40 * 1024 * 1024) });
    assert.equal(r2.status, 413);
    assert.equal(JSON.parse(r2.text).resourceType, 'OperationOutcome');
    const r3 = await postHeadersOnly(srv.port, '/login', { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(64 * 1024) });
    assert.equal(r3.status, 413);
    // Streamed without a length (chunked): counted as it arrives, refused past the limit.
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    let sent = 0;
    const stream = new ReadableStream({ pull(ctl) { if (sent++ < 30) ctl.enqueue(chunk); else ctl.close(); } });
    const res = await fetch(`${srv.base}/fhir/R4/DocumentReference`, { method: 'POST', body: stream, duplex: 'half', headers: { ...headers, 'Content-Type': 'application/fhir+json' } });
    assert.equal(res.status, 413);
    assert.equal(docCount(), n);
    assert.equal((await c.get('/session')).status, 200);
  });

  it('answers path tricks and odd requests cleanly', async () => {
    const cookie = { Cookie: c.cookieHeader() };
    const tricks = ['/fhir/R4/../../etc/passwd', '/documents/..%2f..%2fetc%2fpasswd', '/fhir/R4/Patient/%2e%2e', '//fhir/R4/Patient', '/fhir/R4/Patient\\..\\x',
      '/fhir/R4/Binary/' + 'a'.repeat(400), '/fhir/R4/Patient/ZZZ0016', '/static/../medkeep.db', '/fhir/R4/Binary/%00', '/documents/./x'];
    for (const t of tricks) {
      const r = await rawGet(srv.port, t, cookie);
      assert.ok(r.status === 400 || r.status === 404, `${t} -> ${r.status}`);
    }
    const q = await c.fhir(`Patient?name=x`);
    assert.equal(q.status, 400);
    const huge = await rawGet(srv.port, '/fhir/R4/metadata', { 'X-Big': 'a'.repeat(64 * 1024) });
    assert.ok(huge.status === 431 || huge.status === 413 || huge.status === 400, `big header -> ${huge.status}`);
  });

  it('refuses requests a proxy could frame differently (smuggling), answers once and closes', async () => {
    const cookie = `Cookie: ${c.cookieHeader()}\r\n`;
    const smuggled = `GET /fhir/R4/Patient HTTP/1.1\r\nHost: x\r\n${cookie}\r\n`;
    const post = (headers, body) => `POST /fhir/R4/DocumentReference HTTP/1.1\r\nHost: x\r\n${cookie}X-CSRF-Token: ${c.csrf}\r\nContent-Type: application/fhir+json\r\n${headers}\r\n${body}${smuggled}`;
    // The control: the same connection carries a second request when the first is well framed.
    const control = await exchange(srv.port, `GET /fhir/R4/metadata HTTP/1.1\r\nHost: x\r\n\r\n${smuggled.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n')}`);
    assert.deepEqual(control, { statuses: [200, 200], closed: true });
    const cases = {
      'a length and a transfer coding': post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'),
      'two different lengths': post('Content-Length: 0\r\nContent-Length: 2\r\n', '{}'),
      'two equal lengths': post('Content-Length: 2\r\nContent-Length: 2\r\n', '{}'),
      'a coding other than chunked': post('Transfer-Encoding: xchunked\r\n', '0\r\n\r\n'),
      'chunked, then identity': post('Transfer-Encoding: chunked, identity\r\n', '0\r\n\r\n'),
      'two transfer codings': post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'),
      'HTTP/1.1 without Host': `GET /fhir/R4/metadata HTTP/1.1\r\n\r\n${smuggled}`,
      'two Hosts': `GET /fhir/R4/metadata HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n${smuggled}`,
    };
    const before = docCount();
    for (const [name, bytes] of Object.entries(cases)) {
      assert.deepEqual(await exchange(srv.port, bytes), { statuses: [400], closed: true }, name);
    }
    assert.equal(docCount(), before);
  });

  it('answers a method a path does not take with 405 and what it takes, whatever the id', async () => {
    const cookie = `Cookie: ${c.cookieHeader()}\r\nX-CSRF-Token: ${c.csrf}\r\n`;
    const ask = (method, target) => answer(srv.port, `${method} ${target} HTTP/1.1\r\nHost: x\r\n${cookie}Connection: close\r\n\r\n`);
    const doc = sqlite(srv.dir, 'SELECT lower(hex(id)) FROM document LIMIT 1');
    const mine = await ask('DELETE', `/fhir/R4/DocumentReference/${doc}`);
    const random = await ask('DELETE', `/fhir/R4/DocumentReference/${'0'.repeat(31)}1`);
    for (const r of [mine, random]) {
      assert.equal(r.status, 405, r.body);
      assert.equal(r.headers.allow, 'GET, HEAD');
      assert.equal(JSON.parse(r.body).issue[0].code, 'not-supported');
    }
    // The same answer for a document that exists and one that does not.
    assert.equal(mine.body, random.body);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM document WHERE id = x'${doc}'`), '1');
    // (Patient/{id} takes PUT since practice systems update the register: SYSTEMS.md.)
    const allowed = { 'PATCH /fhir/R4/Patient/x': 'GET, HEAD, PUT', 'PUT /fhir/R4/DocumentReference/x': 'GET, HEAD', 'OPTIONS /login': 'GET, HEAD, POST', 'TRACE /login': 'GET, HEAD, POST',
      'GET /logout': 'POST', 'HEAD /logout': 'POST', 'PATCH /documents/x': 'GET, HEAD' };
    for (const [line, allow] of Object.entries(allowed)) {
      const r = await ask(...line.split(' '));
      assert.deepEqual([r.status, r.headers.allow], [405, allow], line);
      assert.doesNotMatch(r.body, /Cookie|X-CSRF-Token/i, `${line} echoes nothing of the request`);
    }
    // A path no route has is still not found, whatever the method.
    assert.equal((await ask('PUT', '/nope')).status, 404);
    // Without a body the connection stays usable; with one it is closed unread.
    const next = 'GET /fhir/R4/metadata HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    assert.deepEqual(await exchange(srv.port, `DELETE /fhir/R4/metadata HTTP/1.1\r\nHost: x\r\n\r\n${next}`), { statuses: [405, 200], closed: true });
    assert.deepEqual(await exchange(srv.port, `PUT /fhir/R4/DocumentReference/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}${next}`), { statuses: [405], closed: true });
  });

  it('puts a strict CSP and no-store on every answer', async () => {
    for (const p of ['/login', '/documents', '/fhir/R4/metadata', '/nope', '/session']) {
      const r = await c.get(p);
      assert.match(r.headers.get('content-security-policy'), /default-src 'none'/, p);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
      assert.equal(r.headers.get('cache-control'), 'no-store', p);
    }
    const page = await c.get('/documents');
    assert.doesNotMatch(page.text, /<script(?! src="\/static\/)|\sstyle=|\son[a-z]+=/i);
  });
});

describe('at rest and on record', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 2 }); });
  after(async () => { await srv.stop(); });

  it('stores no plaintext of uploads, names, NHIs, birth dates or emails anywhere in the data directory', async () => {
    const c = new Client(srv.base);
    await c.login('patient1@demo.test');
    const marker = `PlaintextMarker${randomId()}`;
    const pdf = pdfWith(marker);
    const r = await c.post('/fhir/R4/DocumentReference', { headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'DocumentReference', subject: { reference: `Patient/${c.session.patient}` }, description: `Title ${marker}`, content: [{ attachment: { contentType: 'application/pdf', title: `${marker}.pdf`, data: pdf.toString('base64') } }] }) });
    assert.equal(r.status, 201);
    const me = (await c.fhir(`Patient/${c.session.patient}`)).json();
    const secrets = [marker, me.identifier[0].value, me.name[0].family, me.birthDate, 'patient1@demo.test', 'clinician1@demo.test', '@demo.test',
      'Admitted to', 'Haemoglobin', 'Discharge summary', 'Referral letter', 'Vaccination history'];
    // Every demo patient's full name and NHI, as their clinician sees them.
    const clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
    for (const e of (await clin.fhir('Patient')).json().entry) {
      secrets.push(`${e.resource.name[0].given[0]} ${e.resource.name[0].family}`, e.resource.identifier[0].value);
    }
    const files = filesUnder(srv.dir).filter((f) => !f.path.endsWith('demo-logins.txt'));
    assert.ok(files.some((f) => f.path.endsWith('medkeep.db')));
    for (const f of files) {
      for (const s of secrets) assert.equal(f.data.includes(Buffer.from(s)), false, `${s} found in ${f.path}`);
    }
    // and the document still reads back whole
    assert.deepEqual((await c.fhir(`Binary/${r.json().id}`)).buf, pdf);
  });

  it('a ciphertext copied onto another patient\'s document does not decrypt', async () => {
    const clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
    const pats = (await clin.fhir('Patient')).json().entry.map((e) => e.resource.id);
    const a = (await clin.fhir(`DocumentReference?patient=${pats[0]}`)).json().entry[0].resource.id;
    const b = (await clin.fhir(`DocumentReference?patient=${pats[1]}`)).json().entry[0].resource.id;
    sqlite(srv.dir, `UPDATE document SET body = (SELECT body FROM document WHERE id = x'${a}'), wrapped_key = (SELECT wrapped_key FROM document WHERE id = x'${a}') WHERE id = x'${b}'`);
    const r = await clin.fhir(`Binary/${b}`);
    assert.equal(r.status, 500);
    assert.equal(r.json().resourceType, 'OperationOutcome');
    assert.equal((await clin.fhir(`Binary/${a}`)).status, 200);
  });

  it('audit verify passes on an intact trail and names the first record edited with sqlite3', async () => {
    const ok = run(['audit', 'verify', '--data', srv.dir]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /OK, \d+ records/);
    const logins = Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action='login'"));
    assert.ok(logins >= 2);
    const seq = sqlite(srv.dir, "SELECT min(seq) FROM audit WHERE action='login' AND outcome='ok'");
    sqlite(srv.dir, `UPDATE audit SET ip='10.9.9.9' WHERE seq=${seq}`);
    const bad = run(['audit', 'verify', '--data', srv.dir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout, new RegExp(`FAILED at record ${seq}\\b`));
  });
});

describe('login', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 1 }); });
  after(async () => { await srv.stop(); });

  it('answers an unknown email exactly like a wrong password, in similar time', async () => {
    const times = { known: [], unknown: [] };
    let knownShape; let unknownShape;
    for (let i = 0; i < 3; i++) {
      for (const [k, email] of [['known', 'patient1@demo.test'], ['unknown', `nobody${i}@demo.test`]]) {
        const c = new Client(srv.base);
        const t0 = process.hrtime.bigint();
        const r = await c.login(email, 'wrong-password-123');
        times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
        const s = shape(r);
        s.body = s.body.replace(/value="[^"]*@demo\.test"/, '');
        if (k === 'known') knownShape = s; else unknownShape = s;
      }
    }
    assert.equal(knownShape.status, 401);
    assert.deepEqual(knownShape, unknownShape);
    const med = (a) => a.sort((x, y) => x - y)[1];
    const ratio = med(times.known) / med(times.unknown);
    assert.ok(ratio > 0.5 && ratio < 2, `timing ratio ${ratio}`);
    const fails = Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action='login' AND outcome='fail'"));
    assert.ok(fails >= 6);
  });

  it('throttles repeated failures the same way for known and unknown accounts', async () => {
    for (const email of ['patient1@demo.test', 'ghost@demo.test']) {
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await new Client(srv.base).login(email, 'still-wrong-password')).status);
      assert.equal(statuses.at(-1), 429, `${email}: ${statuses}`);
    }
    // The right password is refused while blocked: a guesser learns nothing.
    assert.equal((await new Client(srv.base).login('patient1@demo.test')).status, 429);
  });

  it('backs off exponentially: each failure after a block doubles the next block', async () => {
    const email = 'backoff@demo.test';
    const keys = () => sqlite(srv.dir, "SELECT key FROM throttle WHERE key NOT LIKE 'ip:%'").split('\n');
    const before = new Set(keys());
    sqlite(srv.dir, "DELETE FROM throttle WHERE key LIKE 'ip:%'");
    for (let i = 0; i < 5; i++) await new Client(srv.base).login(email, 'wrong-password-123');
    const fresh = keys().filter((x) => x && !before.has(x));
    assert.equal(fresh.length, 1, 'one throttle key for the account');
    const k = fresh[0];
    const block = () => Number(sqlite(srv.dir, `SELECT blocked_until - unixepoch() FROM throttle WHERE key = '${k}'`));
    const first = block();
    assert.ok(first >= 55 && first <= 60, `first block ${first} s`);
    // While blocked, the password is not even checked: nothing more is counted.
    assert.equal((await new Client(srv.base).login(email, 'wrong-password-123')).status, 429);
    assert.equal(sqlite(srv.dir, `SELECT failures FROM throttle WHERE key = '${k}'`), '5');
    // Once the block has passed, each further failure doubles it.
    const lengths = [];
    for (let i = 0; i < 3; i++) {
      sqlite(srv.dir, `UPDATE throttle SET blocked_until = unixepoch() - 1 WHERE key = '${k}'`);
      sqlite(srv.dir, "DELETE FROM throttle WHERE key LIKE 'ip:%'"); // the address's own limit is another test's
      assert.equal((await new Client(srv.base).login(email, 'wrong-password-123')).status, 401);
      lengths.push(block());
    }
    assert.ok(lengths[0] >= 115 && lengths[0] <= 120, `${lengths}`);
    assert.ok(lengths[1] >= 235 && lengths[1] <= 240, `${lengths}`);
    assert.ok(lengths[2] >= 475 && lengths[2] <= 480, `${lengths}`);
    // Clear this address's count so the other tests are not throttled by it.
    sqlite(srv.dir, "DELETE FROM throttle WHERE key LIKE 'ip:%'");
  });

  it('a revoked session stops working at once', async () => {
    const c = new Client(srv.base);
    const d = new Client(srv.base);
    // patient1 is throttled by the previous test; clinicians are separate accounts
    assert.equal((await c.login('clinician1@demo.test')).status, 303);
    const stolen = c.cookies.get('__Host-medkeep');
    await c.post('/logout', { body: `csrf=${encodeURIComponent(c.csrf)}`, headers: form, csrf: false });
    d.cookies.set('__Host-medkeep', stolen);
    assert.equal((await d.get('/session')).status, 401);
  });
});

describe('command line', () => {
  it('every command has --help and refuses bad arguments', () => {
    for (const cmd of [[], ['init'], ['serve'], ['demo'], ['audit', 'verify'], ['incident', 'report'], ['incident', 'notify']]) {
      const h = run([...cmd, '--help']);
      assert.equal(h.code, 0, cmd.join(' '));
      assert.match(h.stdout, /usage: medkeep/);
    }
    assert.notEqual(run(['bogus']).code, 0);
    assert.notEqual(run(['serve']).code, 0);
    assert.notEqual(run(['demo', '--data', '/tmp/x', '--patients', 'many', '--password', 'long-enough-pw']).code, 0);
    assert.notEqual(run(['demo', '--data', '/tmp/x', '--patients', '2', '--password', 'short']).code, 0);
    assert.notEqual(run(['audit', 'verify', '--data', '/nonexistent/dir']).code, 0);
    assert.notEqual(run(['incident', 'report', '--data', '/tmp', '--format', 'xml']).code, 0);
    assert.notEqual(run(['incident', 'notify', '--data', '/tmp']).code, 0, 'notify needs --what');
    assert.notEqual(run(['incident', 'report', '--data', '/tmp', '--since', 'yesterday']).code, 0);
  });

  it('serve refuses to listen beyond loopback without TLS', async () => {
    const srv = await startServer({ patients: 1 });
    try {
      const r = run(['serve', '--data', srv.dir, '--listen', '0.0.0.0:1'], { timeout: 10000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0:1 without TLS/);
      const r6 = run(['serve', '--data', srv.dir, '--listen', '[::]:1'], { timeout: 10000 });
      assert.notEqual(r6.code, 0);
      assert.match(r6.stderr, /without TLS/);
    } finally { await srv.stop(); }
  });
});
