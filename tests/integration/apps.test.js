// Apps a patient connects to their record: OAuth 2.0 authorization code with PKCE, as SMART
// App Launch's standalone patient launch uses it. The app's side is played by oauth4webapi
// (npm), a certified OAuth client library, so the flow is checked against the standard and not
// against this portal's own idea of it.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, run, sqlite, randomId } = require('./lib');
const { appFlow } = require('./app-helpers');

const REDIRECT = 'http://127.0.0.1:8765/callback';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('apps (SMART App Launch, OAuth 2.0 with PKCE)', () => {
  let srv; let oauth; let as; let client; let patient; let other; let insecure;

  before(async () => {
    oauth = await import('oauth4webapi');
    // The portal under test speaks plain HTTP on loopback; in production it is behind TLS.
    insecure = { [oauth.allowInsecureRequests]: true };
    srv = await startServer({ patients: 3 });
    const added = run(['apps', 'add', '--data', srv.dir, '--name', 'Heart Diary', '--redirect-uri', REDIRECT]);
    assert.equal(added.code, 0, added.stderr);
    client = { client_id: added.stdout.match(/client_id ([0-9a-f]{32})/)[1] };
    const conf = await fetch(`${srv.base}/fhir/R4/.well-known/smart-configuration`).then((r) => r.json());
    as = { issuer: srv.base, ...conf };
    patient = new Client(srv.base);
    await patient.login('patient1@demo.test');
    other = new Client(srv.base);
    await other.login('patient2@demo.test');
  });
  after(async () => { await srv.stop(); });

  const { request, consent } = appFlow({ oauth: () => oauth, as: () => as, client: () => client, redirect: REDIRECT,
    base: () => srv.base, scope: 'launch/patient patient/*.read' });

  // The whole flow for a patient: the token response, as the client library read it.
  async function connect(c, extra = {}) {
    const req = await request(extra);
    const answer = await consent(c, req);
    assert.equal(answer.status, 303, answer.text.slice(0, 500));
    const params = oauth.validateAuthResponse(as, client, new URL(answer.headers.get('location')), req.state);
    const resp = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, req.verifier, insecure);
    return oauth.processAuthorizationCodeResponse(as, client, resp);
  }

  // The code an app would receive, without exchanging it.
  async function codeFor(c, extra = {}) {
    const req = await request(extra);
    const answer = await consent(c, req);
    return { code: new URL(answer.headers.get('location')).searchParams.get('code'), verifier: req.verifier };
  }

  const token = (fields) => fetch(as.token_endpoint, { method: 'POST', headers: FORM, body: new URLSearchParams(fields).toString() })
    .then(async (r) => ({ status: r.status, body: await r.json(), headers: r.headers }));
  const bearer = (t, p, opts = {}) => fetch(`${srv.base}/fhir/R4/${p}`, { redirect: 'manual', ...opts, headers: { Authorization: `Bearer ${t}`, ...(opts.headers || {}) } });
  const appTokens = () => Number(sqlite(srv.dir, 'SELECT count(*) FROM session WHERE client_id IS NOT NULL'));

  it('tells apps where to go: smart-configuration and the CapabilityStatement', async () => {
    assert.equal(as.authorization_endpoint, `${srv.base}/oauth/authorize`);
    assert.equal(as.token_endpoint, `${srv.base}/oauth/token`);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(as.grant_types_supported, ['authorization_code', 'refresh_token', 'client_credentials']); // the last for practice systems (systems.test.js)
    for (const c of ['launch-standalone', 'client-public', 'context-standalone-patient', 'permission-patient']) assert.ok(as.capabilities.includes(c), c);
    const cap = (await patient.fhir('metadata')).json();
    const sec = cap.rest[0].security;
    assert.equal(sec.service[0].coding[0].code, 'SMART-on-FHIR');
    assert.equal(sec.cors, true);
    const uris = Object.fromEntries(sec.extension[0].extension.map((e) => [e.url, e.valueUri]));
    assert.deepEqual(uris, { authorize: as.authorization_endpoint, token: as.token_endpoint, revoke: as.revocation_endpoint });
  });

  it('a patient connects an app, which then reads their own record, and nothing else', async () => {
    const before1 = Number(sqlite(srv.dir, 'SELECT count(*) FROM document'));
    const t = await connect(patient);
    assert.equal(t.token_type, 'bearer');
    assert.equal(t.expires_in, 3600);
    assert.equal(t.patient, patient.session.patient);
    assert.match(t.scope, /patient\/Patient\.read/);
    assert.match(t.scope, /patient\/DocumentReference\.read/);
    const me = await bearer(t.access_token, `Patient/${t.patient}`);
    assert.equal(me.status, 200);
    assert.equal((await me.json()).id, t.patient);
    const docs = await (await bearer(t.access_token, `DocumentReference?patient=${t.patient}`)).json();
    assert.ok(docs.entry.length > 0);
    const bin = await bearer(t.access_token, docs.entry[0].resource.content[0].attachment.url);
    assert.equal(bin.status, 200);
    assert.equal((await bearer(t.access_token, `Observation?patient=${t.patient}`)).status, 200);
    // Another patient's record answers exactly as a record that does not exist.
    const theirs = await bearer(t.access_token, `Patient/${other.session.patient}`);
    const nobody = await bearer(t.access_token, `Patient/${randomId()}`);
    assert.equal(theirs.status, 404);
    assert.equal(await theirs.text(), await nobody.text());
    // Reads only: no writes, no access log.
    const write = await bearer(t.access_token, 'DocumentReference', { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'DocumentReference', subject: { reference: `Patient/${t.patient}` }, content: [{ attachment: { contentType: 'text/plain', data: 'eA==' } }] }) });
    assert.ok([403, 404].includes(write.status), `write answered ${write.status}`);
    assert.equal(Number(sqlite(srv.dir, 'SELECT count(*) FROM document')), before1);
    // Outside what an app may do, on its own record: told so (RFC 6750 insufficient_scope).
    assert.equal((await bearer(t.access_token, `AuditEvent?patient=${t.patient}`)).status, 403);
    // $everything: the parts its scopes cover, never the access log (fhir-everything.test.js).
    const ev = await bearer(t.access_token, `Patient/${t.patient}/$everything`);
    assert.equal(ev.status, 200);
    const evTypes = new Set((await ev.json()).entry.map((e) => e.resource.resourceType));
    assert.ok(evTypes.has('Patient') && evTypes.has('DocumentReference'));
    assert.equal(evTypes.has('AuditEvent'), false);
    // The FHIR API only: a page does not take the token, nor does the cookie carry it.
    const page = await fetch(`${srv.base}/documents`, { redirect: 'manual', headers: { Authorization: `Bearer ${t.access_token}` } });
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/login?next=/documents');
    const asCookie = await fetch(`${srv.base}/fhir/R4/Patient/${t.patient}`, { headers: { Cookie: `__Host-medkeep=${t.access_token}` } });
    assert.equal(asCookie.status, 401);
    // Nor is the patient's browser session a bearer token.
    assert.equal((await bearer(patient.cookies.get('__Host-medkeep'), `Patient/${t.patient}`)).status, 401);
    const unauthenticated = await fetch(`${srv.base}/fhir/R4/Patient/${t.patient}`);
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.headers.get('www-authenticate'), 'Bearer realm="medkeep"');
    // The trail: the consent, the token, and each read under the app's own session.
    const session = sqlite(srv.dir, `SELECT lower(hex(id)) FROM session WHERE client_id = x'${client.client_id}' ORDER BY created DESC LIMIT 1`);
    assert.match(sqlite(srv.dir, `SELECT group_concat(action || ':' || outcome) FROM audit WHERE actor = '${patient.session.account}' AND action LIKE 'app.%'`), /app\.consent:ok.*app\.token:ok/);
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE session = '${session}' AND outcome = 'allow' AND via = 'app'`)) >= 4);
    // The patient's access log says it was the app, not them.
    assert.match((await patient.get('/access-log')).text, /An app you connected/);
  });

  it('reading messages for the patient leaves them unread', async () => {
    const t = await connect(patient, { scope: 'launch/patient patient/Communication.read' });
    sqlite(srv.dir, `UPDATE message_thread SET patient_unread = 1 WHERE patient_id = x'${t.patient}'`);
    const threads = await (await bearer(t.access_token, `Communication?patient=${t.patient}`)).json();
    assert.ok(threads.entry.length > 0);
    for (const e of threads.entry) assert.equal((await bearer(t.access_token, `Communication/${e.resource.id}`)).status, 200);
    assert.equal(sqlite(srv.dir, `SELECT min(patient_unread) FROM message_thread WHERE patient_id = x'${t.patient}'`), '1');
  });

  it('reads only what the patient let it read', async () => {
    const t = await connect(patient, { scope: 'launch/patient patient/Observation.rs patient/DiagnosticReport.rs user/*.read openid' });
    assert.equal(t.scope, 'launch/patient patient/DiagnosticReport.read patient/Observation.read openid');
    assert.equal((await bearer(t.access_token, `Observation?patient=${t.patient}`)).status, 200);
    // Outside its scopes on the record it reaches: 403 insufficient_scope, not "not found"
    // (it knows the record exists) and not counted as enumeration against the patient.
    assert.equal((await bearer(t.access_token, `Patient/${t.patient}`)).status, 403);
    const docs = await bearer(t.access_token, `DocumentReference?patient=${t.patient}`);
    assert.equal(docs.status, 403);
    assert.match(docs.headers.get('www-authenticate'), /Bearer realm="medkeep", error="insufficient_scope"/);
    assert.equal((await bearer(t.access_token, `MedicationRequest?patient=${t.patient}`)).status, 403);
  });

  it('shows the patient what the app will read, and its name, before they say yes', async () => {
    const req = await request({ scope: 'launch/patient patient/MedicationRequest.read' });
    const page = await patient.get(req.path);
    assert.match(page.text, /Connect Heart Diary to your health record\?/);
    assert.match(page.text, /Your medications/);
    assert.doesNotMatch(page.text, /lab results/);
    assert.match(page.text, /127\.0\.0\.1:8765\/callback/);
    // The browser holds the form's redirect to form-action: the app's origin, and only here.
    assert.match(page.headers.get('content-security-policy'), /form-action 'self' http:\/\/127\.0\.0\.1:8765;/);
    assert.match((await patient.get('/documents')).headers.get('content-security-policy'), /form-action 'self';/);
  });

  it('a code works once, with its own verifier, for its own app and address, within a minute', async () => {
    const n = appTokens();
    const wrong = await codeFor(patient);
    const bad = await token({ grant_type: 'authorization_code', code: wrong.code, client_id: client.client_id, redirect_uri: REDIRECT, code_verifier: oauth.generateRandomCodeVerifier() });
    assert.deepEqual([bad.status, bad.body.error], [400, 'invalid_grant']);
    assert.equal(bad.headers.get('cache-control'), 'no-store');
    // The failed attempt spent it: an attacker who stole a code gets one guess, not many.
    const late = await token({ grant_type: 'authorization_code', code: wrong.code, client_id: client.client_id, redirect_uri: REDIRECT, code_verifier: wrong.verifier });
    assert.deepEqual([late.status, late.body.error], [400, 'invalid_grant']);

    const once = await codeFor(patient);
    const fields = { grant_type: 'authorization_code', code: once.code, client_id: client.client_id, redirect_uri: REDIRECT, code_verifier: once.verifier };
    assert.equal((await token(fields)).status, 200);
    const again = (await token(fields)).body;
    assert.equal(again.error, 'invalid_grant');
    assert.match(again.error_description, /unknown or already used/);

    // Each refusal says what was wrong, for the app's developer (RFC 6749 5.2).
    for (const [change, why] of [[{ client_id: randomId() }, /another client_id/], [{ redirect_uri: 'http://127.0.0.1:8765/other' }, /redirect_uri/],
      [{ code_verifier: undefined }, /PKCE failed/], [{ code_verifier: oauth.generateRandomCodeVerifier() }, /PKCE failed/], [{ code: 'x'.repeat(43) }, /unknown or already used/]]) {
      const c = await codeFor(patient);
      const f = { grant_type: 'authorization_code', code: c.code, client_id: client.client_id, redirect_uri: REDIRECT, code_verifier: c.verifier, ...change };
      for (const k of Object.keys(f)) if (f[k] === undefined) delete f[k];
      const r = await token(f);
      assert.deepEqual([r.status, r.body.error], [400, 'invalid_grant'], JSON.stringify(change));
      assert.match(r.body.error_description, why, JSON.stringify(change));
    }
    const stale = await codeFor(patient);
    sqlite(srv.dir, 'UPDATE oauth_code SET expires = unixepoch() - 1');
    const r = await token({ grant_type: 'authorization_code', code: stale.code, client_id: client.client_id, redirect_uri: REDIRECT, code_verifier: stale.verifier });
    assert.deepEqual([r.status, r.body.error], [400, 'invalid_grant']);
    assert.match(r.body.error_description, /expired/);
    const pw = (await token({ grant_type: 'password' })).body;
    assert.equal(pw.error, 'unsupported_grant_type');
    assert.match(pw.error_description, /authorization_code or refresh_token/);
    // client_credentials is for practice systems with a signed assertion only (systems.test.js).
    assert.equal((await token({ grant_type: 'client_credentials', client_id: client.client_id })).body.error, 'invalid_client');
    assert.equal(appTokens(), n + 1, 'only the one good exchange made a token');
    // The codes are stored as hashes, the tokens sealed: nothing in the table is usable.
    const leftover = await codeFor(patient);
    const stored = sqlite(srv.dir, 'SELECT hex(hash) || hex(box) FROM oauth_code');
    assert.ok(!stored.includes(Buffer.from(leftover.code).toString('hex').toUpperCase()));
  });

  it('never sends an error to an address the app did not register, and sends the rest back', async () => {
    const nowhere = [await request({ client_id: randomId() }), await request({ redirect_uri: 'https://attacker.example/steal' }), await request({ client_id: 'x' })];
    const why = [/client_id names no app/, /redirect_uri is not the one registered/, /client_id is missing or is not a client id/];
    for (const [i, req] of nowhere.entries()) {
      const r = await patient.get(req.path);
      assert.equal(r.status, 400, req.path);
      assert.equal(r.headers.get('location'), null);
      // The page says which, for the developer: the register is public, no account is named.
      assert.match(r.text, why[i], req.path);
    }
    const cases = { code_challenge: [null, 'invalid_request', /code_challenge must be/], code_challenge_method: ['plain', 'invalid_request', /S256/],
      aud: ['https://elsewhere.example/fhir', 'invalid_request', /aud must be/], scope: ['user/*.read openid', 'invalid_scope', /No scope this server grants/],
      response_type: ['token', 'unsupported_response_type', /response_type must be code/], state: ['\u0001', 'invalid_request', /state must be/] };
    for (const [k, [v, error, description]] of Object.entries(cases)) {
      const req = await request({ [k]: v });
      const r = await patient.get(req.path);
      assert.equal(r.status, 303, k);
      const back = new URL(r.headers.get('location'));
      assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
      assert.deepEqual([back.searchParams.get('error'), back.searchParams.get('state')], [error, k === 'state' ? null : req.state], k);
      assert.match(back.searchParams.get('error_description'), description, k);
    }
    const no = await consent(patient, await request(), 'deny');
    assert.equal(new URL(no.headers.get('location')).searchParams.get('error'), 'access_denied');
    // The answer needs the session's CSRF token; staff cannot connect apps to a record.
    const req = await request();
    const forged = await patient.post('/oauth/authorize', { body: new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'patient/*.read', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256', aud: `${srv.base}/fhir/R4`, decision: 'allow', csrf: 'x' }).toString(), headers: FORM, csrf: false });
    assert.equal(forged.status, 403);
    assert.equal(forged.headers.get('location'), null);
    const clinician = new Client(srv.base);
    await clinician.login('clinician1@demo.test');
    assert.equal((await clinician.get(req.path)).status, 403);
  });

  it('a patient who is not signed in is asked to, and comes back to the question', async () => {
    const c = new Client(srv.base);
    const req = await request();
    const first = await c.get(req.path);
    assert.equal(first.status, 200);
    assert.match(first.text, /Connect Heart Diary to your health record\?/);
    assert.match(first.text, /href="\/"/);
    assert.ok(c.cookies.has('__Host-medkeep-app'));
    assert.equal((await c.get('/')).headers.get('location'), '/login');
    await c.login('patient3@demo.test');
    const home = await c.get('/');
    assert.equal(home.status, 303);
    const back = new URL(home.headers.get('location'), srv.base);
    assert.equal(back.pathname, '/oauth/authorize');
    assert.equal(back.searchParams.get('state'), req.state);
    assert.ok(!c.cookies.has('__Host-medkeep-app'), 'the waiting request is used once');
    const page = await c.get(back.pathname + back.search);
    assert.match(page.text, /Yes, connect it/);
  });

  it('the patient ends the app\'s access from Sessions, or the app does (RFC 7009); the token lives an hour', async () => {
    sqlite(srv.dir, 'DELETE FROM session WHERE client_id IS NOT NULL');
    const t1 = await connect(patient);
    const sessions = await patient.get('/sessions');
    assert.match(sessions.text, /App: Heart Diary/);
    const id = sqlite(srv.dir, 'SELECT lower(hex(id)) FROM session WHERE client_id IS NOT NULL');
    assert.ok(sessions.text.includes(`/sessions/${id}/revoke`));
    const ended = await patient.post(`/sessions/${id}/revoke`, { body: new URLSearchParams({ csrf: patient.csrf }).toString(), headers: FORM, csrf: false });
    assert.equal(ended.status, 303);
    assert.equal((await bearer(t1.access_token, `Patient/${t1.patient}`)).status, 401);

    const t2 = await connect(patient);
    const rv = await oauth.revocationRequest(as, client, oauth.None(), t2.access_token, insecure);
    await oauth.processRevocationResponse(rv);
    assert.equal((await bearer(t2.access_token, `Patient/${t2.patient}`)).status, 401);
    // Revoking a browser's session through the app endpoint does nothing.
    const rs = await oauth.revocationRequest(as, client, oauth.None(), patient.cookies.get('__Host-medkeep'), insecure);
    await oauth.processRevocationResponse(rs);
    assert.equal((await patient.get('/session')).status, 200);

    const t3 = await connect(patient);
    assert.equal((await bearer(t3.access_token, `Patient/${t3.patient}`)).status, 200);
    sqlite(srv.dir, 'UPDATE session SET created = created - 3601 WHERE client_id IS NOT NULL');
    const expired = await bearer(t3.access_token, `Patient/${t3.patient}`);
    assert.equal(expired.status, 401);
    assert.equal(expired.headers.get('www-authenticate'), 'Bearer realm="medkeep", error="invalid_token"');
  });

  it('answers apps in a browser across origins (CORS), never with credentials', async () => {
    const origin = { Origin: 'https://app.example' };
    const preflight = (p, method) => fetch(`${srv.base}${p}`, { method: 'OPTIONS', headers: { ...origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'authorization' } });
    for (const [p, method, allow] of [['/fhir/R4/Patient/x', 'GET', 'GET, HEAD'], ['/oauth/token', 'POST', 'POST'], ['/oauth/revoke', 'POST', 'POST'], ['/fhir/R4/.well-known/smart-configuration', 'GET', 'GET, HEAD']]) {
      const r = await preflight(p, method);
      assert.equal(r.status, 204, p);
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.equal(r.headers.get('access-control-allow-methods'), allow);
      assert.match(r.headers.get('access-control-allow-headers'), /Authorization/);
      assert.equal(r.headers.get('access-control-allow-credentials'), null);
    }
    // Pages, the session and the consent are not for other origins.
    for (const [p, method] of [['/login', 'POST'], ['/oauth/authorize', 'POST'], ['/session', 'GET'], ['/documents', 'GET'], ['/fhir/R4/Patient/x', 'DELETE']]) {
      const r = await preflight(p, method);
      assert.notEqual(r.status, 204, p);
      assert.equal(r.headers.get('access-control-allow-origin'), null, p);
    }
    const t = await connect(patient);
    const read = await bearer(t.access_token, `Patient/${t.patient}`, { headers: origin });
    assert.equal(read.headers.get('access-control-allow-origin'), '*');
    assert.equal((await fetch(`${srv.base}/fhir/R4/Patient/${t.patient}`, { headers: origin })).headers.get('access-control-allow-origin'), '*');
    assert.equal((await fetch(`${srv.base}/documents`, { headers: origin, redirect: 'manual' })).headers.get('access-control-allow-origin'), null);
    assert.equal((await patient.get('/session', { headers: origin })).headers.get('access-control-allow-origin'), null);
  });

  it('removing the app ends its tokens and its codes', async () => {
    const t = await connect(patient);
    const pending = await codeFor(patient);
    const removed = run(['apps', 'remove', '--data', srv.dir, '--client', client.client_id]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await bearer(t.access_token, `Patient/${t.patient}`)).status, 401);
    const r = await token({ grant_type: 'authorization_code', code: pending.code, client_id: client.client_id, redirect_uri: REDIRECT, code_verifier: pending.verifier });
    assert.deepEqual([r.status, r.body.error], [400, 'invalid_grant']);
    assert.equal((await patient.get((await request()).path)).status, 400);
    assert.doesNotMatch(run(['apps', 'list', '--data', srv.dir]).stdout, /Heart Diary/);
    // Registration refuses what would make the portal an open redirector.
    for (const uri of ['http://attacker.example/cb', 'https://x.example/cb#frag', 'javascript:alert(1)', 'https:///x', 'https://a.example;script-src*/cb', 'https://a b/cb']) {
      assert.equal(run(['apps', 'add', '--data', srv.dir, '--name', 'Bad', '--redirect-uri', uri]).code, 2, uri);
    }
  });
});
