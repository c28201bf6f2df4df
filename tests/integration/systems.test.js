// Practice systems over FHIR (docs/internals/SYSTEMS.md): a practice management system
// authenticates as SMART Backend Services does, with assertions signed by `jose` (npm), never by
// our code, and writes the register and records: conditional create on the NHI, update, search
// by NHI, and transaction Bundles that commit all or nothing. Against the real binary over HTTP.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, Client, run, sqlite, randomId, pdfWith } = require('./lib');
const { assertValidFhir } = require('./fhir-validate');

const NHI_SYSTEM = 'https://standards.digital.health.nz/ns/nhi-id';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const FHIR_JSON = { 'Content-Type': 'application/fhir+json' };
const ALL = 'system/Patient.cru system/DocumentReference.c system/DiagnosticReport.c system/Observation.c';

// A valid test-range NHI (old format ZAANNNC, HISO 10046), different on every call.
const usedNhis = new Set();
function newNhi() {
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  const value = (c) => (c >= '0' && c <= '9' ? Number(c) : letters.indexOf(c) + 1);
  for (;;) {
    const s = 'Z' + letters[crypto.randomInt(24)] + letters[crypto.randomInt(24)] +
      String(crypto.randomInt(1000)).padStart(3, '0');
    const sum = [...s].reduce((a, c, i) => a + value(c) * (7 - i), 0);
    if (sum % 11 === 0) continue;
    const nhi = s + String((11 - (sum % 11)) % 10);
    if (!usedNhis.has(nhi)) { usedNhis.add(nhi); return nhi; }
  }
}

function patientResource(nhi, family = 'Tautahi', given = 'Aroha') {
  return { resourceType: 'Patient', identifier: [{ use: 'official', system: NHI_SYSTEM, value: nhi }],
    name: [{ use: 'official', family, given: [given] }], gender: 'female', birthDate: '1984-03-07' };
}

describe('practice systems (SMART Backend Services, FHIR writes)', () => {
  let srv; let jose; let tokenUrl; let tmp;
  let riverside; let harbour; // { id, keys: { es, ed } }
  let clin; let practices;

  async function keyPair(alg, kid) {
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
    return { alg, kid, privateKey, jwk: { ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' } };
  }

  function addSystem(practice, name, keys, extra = []) {
    const file = path.join(tmp, `${randomId()}.json`);
    fs.writeFileSync(file, JSON.stringify({ keys: keys.map((k) => k.jwk) }));
    return run(['apps', 'add', '--system', '--data', srv.dir, '--practice', practice, '--name', name, '--jwks', file, ...extra]);
  }

  async function assertion(sys, key, { claims = {}, header = {}, exp = '4m', aud = tokenUrl } = {}) {
    let jwt = new jose.SignJWT({ ...claims }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
      .setIssuer(sys.id).setSubject(claims.sub || sys.id).setJti(claims.jti || crypto.randomUUID()).setIssuedAt();
    if (aud !== null) jwt = jwt.setAudience(aud);
    if (exp !== null) jwt = jwt.setExpirationTime(exp);
    return jwt.sign(key.privateKey);
  }

  const tokenRequest = (fields) => fetch(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString() }).then(async (r) => ({ status: r.status, body: await r.json() }));
  const grant = (jwt, scope = ALL, extra = {}) => tokenRequest({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE,
    client_assertion: jwt, scope, ...extra });

  async function token(sys, key = sys.keys.es, scope = ALL) {
    const r = await grant(await assertion(sys, key), scope);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.access_token;
  }

  async function fhir(tok, method, p, body, headers = {}) {
    const r = await fetch(`${srv.base}/fhir/R4${p ? `/${p}` : ""}`, { method, headers: { Authorization: `Bearer ${tok}`, ...FHIR_JSON, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
  }
  const searchNhi = (tok, nhi) => fhir(tok, 'GET', `Patient?identifier=${encodeURIComponent(`${NHI_SYSTEM}|${nhi}`)}`);
  const create = (tok, res, cond = res.identifier[0].value) =>
    fhir(tok, 'POST', 'Patient', res, cond === null ? {} : { 'If-None-Exist': `identifier=${NHI_SYSTEM}|${cond}` });

  before(async () => {
    jose = await import('jose');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-systems-'));
    srv = await startServer({ patients: 2 });
    tokenUrl = `${srv.base}/oauth/token`;
    const list = run(['practices', 'list', '--data', srv.dir]);
    assert.equal(list.code, 0, list.stderr);
    practices = list.stdout.trim().split('\n').map((l) => l.split('\t')[0]);
    assert.ok(practices.length >= 2);
    riverside = { keys: { es: await keyPair('ES384', 'river-es'), ed: await keyPair('EdDSA', 'river-ed') } };
    harbour = { keys: { es: await keyPair('ES384', 'harbour-es'), ed: await keyPair('EdDSA', 'harbour-ed') } };
    const r1 = addSystem(practices[0], 'Riverside PMS', [riverside.keys.es, riverside.keys.ed]);
    assert.equal(r1.code, 0, r1.stderr);
    riverside.id = r1.stdout.match(/client_id ([0-9a-f]{32})/)[1];
    const r2 = addSystem(practices[1], 'Harbour PMS', [harbour.keys.es, harbour.keys.ed]);
    assert.equal(r2.code, 0, r2.stderr);
    harbour.id = r2.stdout.match(/client_id ([0-9a-f]{32})/)[1];
    clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('registers systems with public keys only, and lists and removes them', async () => {
    const k = await keyPair('ES384', 'k1');
    const { privateKey } = await jose.generateKeyPair('ES384', { extractable: true });
    const priv = { ...(await jose.exportJWK(privateKey)), kid: 'p1' };
    const rsa = (await jose.generateKeyPair('RS256', { extractable: true })).publicKey;
    const bad = [
      [[{ ...priv }], /private/],
      [[{ ...(await jose.exportJWK(rsa)), kid: 'r1' }], /P-384|Ed25519/],
      [[{ ...k.jwk, kid: undefined }], /kid/],
      [[{ ...k.jwk, alg: 'ES256' }], /P-384|Ed25519/],
      [[k.jwk, k.jwk], /same kid/],
    ];
    for (const [keys, why] of bad) {
      const file = path.join(tmp, `${randomId()}.json`);
      fs.writeFileSync(file, JSON.stringify({ keys: keys.map((x) => JSON.parse(JSON.stringify(x))) }));
      const r = run(['apps', 'add', '--system', '--data', srv.dir, '--practice', practices[0], '--name', 'Bad', '--jwks', file]);
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, why);
    }
    const unknownPractice = addSystem(randomId(), 'Nowhere PMS', [k]);
    assert.equal(unknownPractice.code, 2);
    const tmpSys = addSystem(practices[0], 'Short-lived PMS', [k], ['--scope', 'system/Patient.rs']);
    assert.equal(tmpSys.code, 0, tmpSys.stderr);
    const id = tmpSys.stdout.match(/client_id ([0-9a-f]{32})/)[1];
    const listed = run(['apps', 'list', '--data', srv.dir]).stdout;
    assert.match(listed, new RegExp(`${riverside.id}\tRiverside PMS\tsystem practice=${practices[0]}\t${ALL.replace(/\./g, '\\.').replace('Patient\\.cru', 'Patient\\.rs system/Patient\\.cu')}`));
    assert.match(listed, new RegExp(`${id}\tShort-lived PMS\tsystem practice=${practices[0]}\tsystem/Patient\\.rs\n`));
    // A token of a removed system ends with it.
    const sys = { id, keys: { es: k } };
    const tok = await token(sys, k, 'system/Patient.rs');
    assert.equal((await fhir(tok, 'GET', 'Patient?identifier=' + encodeURIComponent(`${NHI_SYSTEM}|${newNhi()}`))).status, 200);
    assert.equal(run(['apps', 'remove', '--data', srv.dir, '--client', id]).code, 0);
    assert.equal((await fhir(tok, 'GET', 'Patient?identifier=' + encodeURIComponent(`${NHI_SYSTEM}|${newNhi()}`))).status, 401);
    assert.equal((await grant(await assertion(sys, k), 'system/Patient.rs')).status, 401);
  });

  it('advertises private_key_jwt with ES384 and EdDSA, and the register interactions', async () => {
    const conf = await fetch(`${srv.base}/fhir/R4/.well-known/smart-configuration`).then((r) => r.json());
    assert.ok(conf.capabilities.includes('client-confidential-asymmetric'));
    assert.ok(conf.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
    assert.deepEqual(conf.token_endpoint_auth_signing_alg_values_supported, ['ES384', 'EdDSA']);
    assert.ok(conf.grant_types_supported.includes('client_credentials'));
    for (const s of ['system/Patient.rs', 'system/Patient.cu', 'system/DocumentReference.c']) assert.ok(conf.scopes_supported.includes(s), s);
    const cap = await fetch(`${srv.base}/fhir/R4/metadata`).then((r) => r.json());
    assertValidFhir(cap);
    const p = cap.rest[0].resource.find((r) => r.type === 'Patient');
    for (const code of ['create', 'update', 'search-type']) assert.ok(p.interaction.some((i) => i.code === code), code);
    assert.equal(p.conditionalCreate, true);
    assert.deepEqual(cap.rest[0].interaction, [{ code: 'transaction' }]);
  });

  it('issues tokens of five minutes for ES384 and EdDSA assertions', async () => {
    for (const key of [riverside.keys.es, riverside.keys.ed]) {
      const r = await grant(await assertion(riverside, key));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.token_type, 'bearer');
      assert.equal(r.body.expires_in, 300);
      assert.equal(r.body.scope, 'system/Patient.rs system/Patient.cu system/DocumentReference.c system/DiagnosticReport.c system/Observation.c');
      assert.match(r.body.access_token, /^[A-Za-z0-9_-]+$/);
    }
    // client_id may come with the assertion; it must be the issuer's.
    assert.equal((await grant(await assertion(riverside, riverside.keys.ed), ALL, { client_id: riverside.id })).status, 200);
    assert.equal((await grant(await assertion(riverside, riverside.keys.ed), ALL, { client_id: harbour.id })).status, 401);
  });

  it('refuses replayed, expired, long-lived, misdirected, unsigned and secret-bearing requests', async () => {
    const replay = await assertion(riverside, riverside.keys.es);
    assert.equal((await grant(replay)).status, 200);
    const again = await grant(replay);
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'invalid_client');
    assert.match(again.body.error_description, /jti/);
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      ['expired', await assertion(riverside, riverside.keys.es, { exp: now - 5 }), /expired/],
      ['ten minutes', await assertion(riverside, riverside.keys.es, { exp: '10m' }), /five minutes/],
      ['no exp', await assertion(riverside, riverside.keys.es, { exp: null }), /exp/],
      ['wrong aud', await assertion(riverside, riverside.keys.es, { aud: `${srv.base}/fhir/R4` }), /aud/],
      ['no aud', await assertion(riverside, riverside.keys.es, { aud: null }), /aud/],
      ['unknown kid', await assertion(riverside, riverside.keys.es, { header: { kid: 'nope' } }), /kid/],
      ['another system\'s key', await assertion(riverside, harbour.keys.ed, { header: { kid: 'river-ed' } }), /signature/],
      ['sub differs', await assertion(riverside, riverside.keys.es, { claims: { sub: harbour.id } }), /sub/],
    ];
    // alg none and HS256, made by hand and by jose: no secret and no unsigned token is taken.
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { iss: riverside.id, sub: riverside.id, aud: tokenUrl, exp: now + 120, jti: crypto.randomUUID() };
    cases.push(['alg none', `${b64({ alg: 'none', kid: 'river-es' })}.${b64(claims)}.`, /alg/]);
    const hs = await new jose.SignJWT({ ...claims, jti: crypto.randomUUID() }).setProtectedHeader({ alg: 'HS256', kid: 'river-es' })
      .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));
    cases.push(['HS256', hs, /alg/]);
    for (const [what, jwt, why] of cases) {
      const r = await grant(jwt);
      assert.equal(r.status, 401, `${what}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error, 'invalid_client', what);
      assert.match(r.body.error_description, why, what);
    }
    const secret = await grant(await assertion(riverside, riverside.keys.es), ALL, { client_secret: 's3cret' });
    assert.equal(secret.status, 401);
    assert.match(secret.body.error_description, /secret/);
    const basic = await fetch(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`${riverside.id}:s3cret`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: ALL }).toString() });
    assert.equal(basic.status, 401);
    const noAssertion = await tokenRequest({ grant_type: 'client_credentials', client_id: riverside.id, scope: ALL });
    assert.equal(noAssertion.status, 401);
    // Failures are not held against the client: it still gets its token at once.
    assert.equal((await grant(await assertion(riverside, riverside.keys.ed))).status, 200);
  });

  it('grants the requested scopes it may, and refuses a request for none of them', async () => {
    const r = await grant(await assertion(riverside, riverside.keys.es), 'system/Patient.rs patient/*.read system/Binary.r');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.scope, 'system/Patient.rs');
    const none = await grant(await assertion(riverside, riverside.keys.es), 'patient/*.read');
    assert.equal(none.status, 400);
    assert.equal(none.body.error, 'invalid_scope');
    // A read-only token cannot enrol.
    const ro = await fhir(r.body.access_token, 'POST', 'Patient', patientResource(newNhi()));
    assert.equal(ro.status, 404);
  });

  it('creates a patient once for one NHI (conditional create), also when two race', async () => {
    const tok = await token(riverside);
    const nhi = newNhi();
    const first = await create(tok, patientResource(nhi));
    assert.equal(first.status, 201, first.text);
    const made = first.json();
    assertValidFhir(made);
    assert.match(first.headers.get('location'), new RegExp(`/fhir/R4/Patient/${made.id}/_history/1$`));
    const second = await create(tok, patientResource(nhi.toLowerCase()), nhi.toLowerCase());
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json().id, made.id);
    assert.equal(second.json().identifier[0].value, nhi);
    // Racing: two creates of one new NHI make one patient.
    const raced = newNhi();
    const both = await Promise.all([create(tok, patientResource(raced)), create(await token(riverside, riverside.keys.ed), patientResource(raced))]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 201], both.map((r) => r.text).join('\n'));
    assert.equal(both[0].json().id, both[1].json().id);
    // The condition must name the resource's own NHI; bad details name the element.
    assert.equal((await create(tok, patientResource(newNhi()), newNhi())).status, 400);
    const bad = [
      [{ ...patientResource('ZZZ0044') }, 'Patient.identifier'],
      [{ ...patientResource(newNhi()), birthDate: '2999-01-01' }, 'Patient.birthDate'],
      [{ ...patientResource(newNhi()), gender: 'f' }, 'Patient.gender'],
      [{ ...patientResource(newNhi()), name: [{ given: ['X'] }] }, 'Patient.name.family'],
    ];
    for (const [res, element] of bad) {
      const r = await create(tok, res, null);
      assert.equal(r.status, 422, r.text);
      assertValidFhir(r.json());
      assert.deepEqual(r.json().issue[0].expression, [element]);
      assert.doesNotMatch(r.text, new RegExp(res.identifier[0].value));
    }
    // The practice's clinician (a staff session) enrols through the same register: the same patient.
    const byStaff = await clin.post('/fhir/R4/Patient', { body: JSON.stringify(patientResource(nhi)),
      headers: { ...FHIR_JSON, 'If-None-Exist': `identifier=${NHI_SYSTEM}|${nhi}` } });
    assert.equal(byStaff.status, 200, byStaff.text);
    assert.equal(byStaff.json().id, made.id);
    // Another practice's system cannot enrol the same NHI: a conflict, told without PHI.
    const other = await create(await token(harbour), patientResource(nhi));
    assert.equal(other.status, 409, other.text);
    assert.doesNotMatch(other.text, new RegExp(`${nhi}|${made.id}|Tautahi`));
  });

  it('finds a patient by NHI for the practice\'s clinician and system; another practice\'s system finds nothing', async () => {
    const tok = await token(riverside);
    const nhi = newNhi();
    const made = (await create(tok, patientResource(nhi, 'Ngata', 'Mere'))).json();
    for (const found of [await searchNhi(tok, nhi), await clin.fhir(`Patient?identifier=${encodeURIComponent(`${NHI_SYSTEM}|${nhi}`)}`)]) {
      assert.equal(found.status, 200, found.text);
      const b = found.json();
      assertValidFhir(b);
      assert.equal(b.entry.length, 1);
      assert.equal(b.entry[0].resource.id, made.id);
    }
    const htok = await token(harbour);
    const theirs = await searchNhi(htok, nhi);
    const random = await searchNhi(htok, newNhi());
    assert.equal(theirs.status, 200);
    assert.deepEqual(theirs.json().entry, []);
    assert.deepEqual(theirs.json().entry, random.json().entry);
    assert.equal(theirs.json().total, random.json().total);
    // By id: exactly what a random id gets, read or update.
    const byId = await fhir(htok, 'GET', `Patient/${made.id}`);
    const byRandom = await fhir(htok, 'GET', `Patient/${randomId()}`);
    assert.equal(byId.status, 404);
    assert.equal(byId.text, byRandom.text);
    const put = await fhir(htok, 'PUT', `Patient/${made.id}`, { ...patientResource(nhi, 'Stolen'), id: made.id });
    const rid = randomId();
    const putRandom = await fhir(htok, 'PUT', `Patient/${rid}`, { ...patientResource(nhi, 'Stolen'), id: rid });
    assert.equal(put.status, 404);
    assert.equal(put.text, putRandom.text);
    // And a system never reads clinical content, even its own practice's.
    assert.equal((await fhir(tok, 'GET', `DocumentReference?patient=${made.id}`)).status, 404);
  });

  it('updates a patient\'s details (PUT)', async () => {
    const tok = await token(riverside);
    const nhi = newNhi();
    const made = (await create(tok, patientResource(nhi, 'Parata', 'Hine'))).json();
    const r = await fhir(tok, 'PUT', `Patient/${made.id}`, { ...patientResource(nhi, 'Parata-Smith', 'Hine'), id: made.id });
    assert.equal(r.status, 200, r.text + srv.logs().slice(-3000));
    assertValidFhir(r.json());
    const seen = (await clin.fhir(`Patient/${made.id}`)).json();
    assert.equal(seen.name[0].family, 'Parata-Smith');
    assert.equal((await fhir(tok, 'PUT', `Patient/${made.id}`, { ...patientResource(nhi), id: randomId() })).status, 400);
    assert.equal((await fhir(tok, 'PUT', `Patient/${made.id}`, { ...patientResource(nhi), id: made.id, birthDate: 'soon' })).status, 422);
  });

  function bundle(nhi, { badObservation = false, subject } = {}) {
    const pUrl = `urn:uuid:${crypto.randomUUID()}`; const oUrl = `urn:uuid:${crypto.randomUUID()}`;
    const ref = subject || pUrl;
    const entries = [];
    if (!subject) entries.push({ fullUrl: pUrl, resource: patientResource(nhi, 'Walker', 'Tama'), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${NHI_SYSTEM}|${nhi}` } });
    entries.push({ fullUrl: `urn:uuid:${crypto.randomUUID()}`, request: { method: 'POST', url: 'DocumentReference' }, resource: {
      resourceType: 'DocumentReference', status: 'current', subject: { reference: ref }, description: 'Discharge summary',
      type: { coding: [{ system: 'http://loinc.org', code: '18842-5' }] },
      content: [{ attachment: { contentType: 'application/pdf', title: 'discharge.pdf', data: pdfWith('discharge').toString('base64') } }] } });
    entries.push({ fullUrl: oUrl, request: { method: 'POST', url: 'Observation' }, resource: {
      resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2160-0' }] },
      ...(badObservation ? { valueQuantity: { value: 'high' } } : { valueQuantity: { value: 80, unit: 'umol/L', system: 'http://unitsofmeasure.org', code: 'umol/L' } }) } });
    entries.push({ fullUrl: `urn:uuid:${crypto.randomUUID()}`, request: { method: 'POST', url: 'DiagnosticReport' }, resource: {
      resourceType: 'DiagnosticReport', status: 'final', identifier: [{ value: `T-${randomId().slice(0, 12)}` }], subject: { reference: ref },
      code: { text: 'Creatinine' }, effectiveDateTime: new Date(Date.now() - 3600000).toISOString(), issued: new Date(Date.now() - 60000).toISOString(),
      performer: [{ display: 'Riverside Laboratory' }], result: [{ reference: oUrl }] } });
    return { resourceType: 'Bundle', type: 'transaction', entry: entries };
  }

  it('commits a transaction Bundle whole: the patient, their letter and their held result', async () => {
    const tok = await token(riverside);
    const nhi = newNhi();
    const r = await fhir(tok, 'POST', '', bundle(nhi));
    assert.equal(r.status, 200, r.text);
    const b = r.json();
    assertValidFhir(b);
    assert.equal(b.type, 'transaction-response');
    assert.deepEqual(b.entry.map((e) => e.response.status), ['201 Created', '201 Created', '201 Created', '201 Created']);
    const pid = b.entry[0].response.location.match(/Patient\/([0-9a-f]{32})\/_history\/1$/)[1];
    for (const e of b.entry.slice(1)) assert.match(e.response.location, /\/_history\/1$/, 'each as its version 1');
    assert.equal((await searchNhi(tok, nhi)).json().entry[0].resource.id, pid);
    const docs = (await clin.fhir(`DocumentReference?patient=${pid}`)).json();
    assert.equal(docs.entry.length, 1);
    // What it filed, the system cannot read back: clinical content is never a system's to read.
    for (const loc of b.entry.slice(1).map((e) => e.response.location)) {
      const back = await fhir(tok, 'GET', loc.replace(/^.*\/fhir\/R4\//, ''));
      assert.ok([403, 404].includes(back.status), `${loc}: ${back.status}`);
    }
    assert.equal((await fhir(tok, 'GET', `Binary/${docs.entry[0].resource.id}`)).status, 404);
    const reports = (await clin.fhir(`DiagnosticReport?patient=${pid}`)).json();
    assert.equal(reports.entry.length, 1);
    assert.equal(Number(sqlite(srv.dir, `SELECT count(*) FROM result WHERE patient_id = x'${pid}'
      AND (release_at IS NULL OR release_at > strftime('%s','now'))`)), 1, 'held for release');
    // The same Bundle again matches the patient (200) and adds the new letter and report.
    const again = await fhir(tok, 'POST', '', bundle(nhi));
    assert.equal(again.json().entry[0].response.status, '200 OK');
  });

  it('commits nothing when one entry fails', async () => {
    const tok = await token(riverside);
    const nhi = newNhi();
    const before = ['patient', 'document', 'result'].map((t) => sqlite(srv.dir, `SELECT count(*) FROM ${t}`));
    const r = await fhir(tok, 'POST', '', bundle(nhi, { badObservation: true }));
    assert.equal(r.status, 422, r.text);
    assertValidFhir(r.json());
    assert.match(r.json().issue[0].expression[0], /^Bundle\.entry\[\d\]$/);
    assert.deepEqual((await searchNhi(tok, nhi)).json().entry, []);
    assert.deepEqual(['patient', 'document', 'result'].map((t) => sqlite(srv.dir, `SELECT count(*) FROM ${t}`)), before);
    // The undone writes are in the trail, marked failed.
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${riverside.id}' AND outcome = 'fail'`)) >= 2);
    // Limits: entries and types.
    const big = { resourceType: 'Bundle', type: 'transaction', entry: Array(65).fill(bundle(newNhi()).entry[0]) };
    assert.equal((await fhir(tok, 'POST', '', big)).status, 413);
    assert.equal((await fhir(tok, 'POST', '', { ...bundle(newNhi()), type: 'batch' })).status, 400);
  });

  it('shows each write in the patient\'s access log as the practice system', async () => {
    const me = new Client(srv.base);
    await me.login('patient1@demo.test');
    const pid = me.session.patient;
    const tok = await token(riverside);
    const r = await fhir(tok, 'POST', '', bundle(null, { subject: `Patient/${pid}` }));
    assert.equal(r.status, 200, r.text);
    const logRes = await me.fhir(`AuditEvent?patient=${pid}`);
    assert.equal(logRes.status, 200, logRes.text);
    const log = logRes.json();
    assertValidFhir(log);
    const bySystem = log.entry.map((e) => e.resource).filter((a) => a.agent.some((g) => g.who && g.who.display === 'Riverside PMS (practice system)'));
    const what = bySystem.map((a) => a.outcomeDesc);
    assert.ok(what.includes('Added a document'), JSON.stringify(what));
    assert.ok(what.includes('Filed a lab result'), JSON.stringify(what));
    // The incident report, filtered by the system, lists what it was served of this patient.
    assert.equal((await fhir(tok, 'GET', `Patient/${pid}`)).status, 200);
    const rep = run(['incident', 'report', '--data', srv.dir, '--system', riverside.id, '--format', 'json']);
    assert.equal(rep.code, 0, rep.stderr);
    const report = JSON.parse(rep.stdout);
    assert.match(report.filter, new RegExp(`^system=${riverside.id} \\(Riverside PMS, practice system of `));
    assert.ok(report.patients.some((p) => JSON.stringify(p).includes(pid)), rep.stdout.slice(0, 2000));
    assert.equal(run(['incident', 'report', '--data', srv.dir, '--system', randomId()]).code, 1);
    // Another practice's system gets nowhere with this patient, as with a random id.
    const htok = await token(harbour);
    const theirs = await fhir(htok, 'POST', '', bundle(null, { subject: `Patient/${pid}` }));
    const random = await fhir(htok, 'POST', '', bundle(null, { subject: `Patient/${randomId()}` }));
    assert.equal(theirs.status, 404);
    assert.equal(theirs.text, random.text);
  });

  // Last: it leaves this address waiting.
  it('makes an address that keeps sending bad assertions wait, without locking the client', async () => {
    const bad = async () => grant(await assertion(riverside, riverside.keys.es, { aud: 'https://elsewhere.example/token' }));
    let r;
    for (let i = 0; i < 40 && (r = await bad()).status === 401; i++);
    assert.equal(r.status, 429, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid_client');
    // The client itself is not locked: its row and keys are as they were, and the wait is the
    // address's (a throttle row keyed by the address, none by the client).
    const keys = sqlite(srv.dir, 'SELECT key FROM throttle').split('\n');
    assert.ok(keys.some((k) => k.startsWith('s:')));
    assert.ok(!keys.some((k) => k.includes(riverside.id)));
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM system_client WHERE id = x'${riverside.id}' AND removed IS NULL`), '1');
  });
});
