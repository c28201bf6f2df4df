// SMART App Launch 2 for patient apps: refusals that say what was wrong, an `aud` with a
// trailing slash, lenient scope granting (RFC 6749 3.3), and rotating refresh tokens for
// online_access and offline_access (RFC 6749 6, RFC 9700 4.14): each use gives a new one and
// spends the old; a spent one used again ends the whole grant; the patient, "sign out
// everywhere" and the end of their sessions (online_access) end them. The app's side of the
// code flow is played by oauth4webapi (npm); the refresh requests are plain form posts.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, run, sqlite } = require('./lib');
const { appFlow } = require('./app-helpers');

const REDIRECT = 'http://127.0.0.1:8766/callback';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('SMART App Launch 2: refresh tokens, lenient scopes, error descriptions', () => {
  let srv; let oauth; let as; let client; let other; let patient;

  before(async () => {
    oauth = await import('oauth4webapi');
    srv = await startServer({ patients: 3 });
    const add = (name) => {
      const added = run(['apps', 'add', '--data', srv.dir, '--name', name, '--redirect-uri', REDIRECT]);
      assert.equal(added.code, 0, added.stderr);
      return { client_id: added.stdout.match(/client_id ([0-9a-f]{32})/)[1] };
    };
    client = add('Pill Reminder');
    other = add('Other App');
    as = { issuer: srv.base, ...(await fetch(`${srv.base}/fhir/R4/.well-known/smart-configuration`).then((r) => r.json())) };
    patient = new Client(srv.base);
    await patient.login('patient1@demo.test');
  });
  after(async () => { await srv.stop(); });

  const { request, consent } = appFlow({ oauth: () => oauth, as: () => as, client: () => client, redirect: REDIRECT,
    base: () => srv.base, scope: 'launch/patient patient/*.rs offline_access' });

  const token = (fields) => fetch(as.token_endpoint, { method: 'POST', headers: FORM, body: new URLSearchParams(fields).toString() })
    .then(async (r) => ({ status: r.status, body: await r.json(), headers: r.headers }));
  const bearer = (t, p) => fetch(`${srv.base}/fhir/R4/${p}`, { headers: { Authorization: `Bearer ${t}` } });
  const refresh = (rt, extra = {}) => token({ grant_type: 'refresh_token', refresh_token: rt, client_id: client.client_id, ...extra });

  // The whole flow: the token response as the server sent it.
  async function connect(c, extra = {}) {
    const req = await request(extra);
    const answer = await consent(c, req);
    assert.equal(answer.status, 303, answer.text.slice(0, 500));
    const code = new URL(answer.headers.get('location')).searchParams.get('code');
    const r = await token({ grant_type: 'authorization_code', code, client_id: client.client_id, redirect_uri: REDIRECT, code_verifier: req.verifier });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  }

  it('advertises refresh tokens and the permissions it enforces', () => {
    assert.ok(as.grant_types_supported.includes('refresh_token'));
    for (const c of ['permission-offline', 'permission-online', 'permission-v1', 'permission-v2']) assert.ok(as.capabilities.includes(c), c);
    for (const s of ['offline_access', 'online_access', 'patient/*.rs']) assert.ok(as.scopes_supported.includes(s), s);
  });

  it('takes an aud with a trailing slash, and grants the permitted read subset of what is asked', async () => {
    const t = await connect(patient, { aud: `${srv.base}/fhir/R4/`, scope: 'launch/patient patient/*.cruds' });
    assert.equal(t.scope, 'launch/patient patient/Patient.read patient/DocumentReference.read patient/Binary.read patient/DiagnosticReport.read patient/Observation.read patient/MedicationRequest.read patient/Appointment.read patient/Communication.read patient/AllergyIntolerance.read patient/Condition.read patient/Immunization.read');
    assert.equal(t.refresh_token, undefined, 'no refresh token unless asked for');
    assert.equal((await bearer(t.access_token, `Patient/${t.patient}`)).status, 200);
    // Another slash, or another path, is another audience.
    const bad = await patient.get((await request({ aud: `${srv.base}/fhir/R4//` })).path);
    assert.equal(new URL(bad.headers.get('location')).searchParams.get('error'), 'invalid_request');
    for (const [scope, granted] of [
      ['patient/*.*', /patient\/Communication\.read patient\/AllergyIntolerance\.read patient\/Condition\.read patient\/Immunization\.read$/],
      ['patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory', /^launch\/patient patient\/DiagnosticReport\.read patient\/Observation\.read$/],
      ['patient/MedicationRequest.cruds patient/*.write user/*.read', /^launch\/patient patient\/MedicationRequest\.read$/],
    ]) {
      const g = await connect(patient, { scope });
      assert.match(g.scope, granted, scope);
    }
    // A granular (category) scope is granted as its whole type, and the consent page says so.
    const page = await patient.get((await request({ scope: 'patient/Observation.rs?category=laboratory' })).path);
    assert.match(page.text, /Your lab results/);
    assert.doesNotMatch(page.text, /Your medications/);
    // What the token reaches is what the scope string says.
    const g = await connect(patient, { scope: 'patient/Observation.rs?category=laboratory' });
    assert.equal((await bearer(g.access_token, `Observation?patient=${g.patient}`)).status, 200);
    assert.equal((await bearer(g.access_token, `MedicationRequest?patient=${g.patient}`)).status, 403);
    // Nothing grantable at all is still refused, saying so.
    const none = await patient.get((await request({ scope: 'patient/*.write user/*.read' })).path);
    const back = new URL(none.headers.get('location'));
    assert.equal(back.searchParams.get('error'), 'invalid_scope');
    assert.match(back.searchParams.get('error_description'), /No scope this server grants/);
  });

  it('rotates refresh tokens: each use gives a new one, bound to its client, and the page says how long', async () => {
    const req = await request();
    const { page } = await consent(patient, req);
    assert.match(page.text, /for up to 90 days, until you end it/);
    const t = await connect(patient);
    assert.match(t.scope, /offline_access$/);
    assert.match(t.refresh_token, /^[A-Za-z0-9_-]{143}$/);
    // Stored as hashes only.
    assert.ok(!sqlite(srv.dir, 'SELECT hex(hash) FROM oauth_refresh_token').includes(Buffer.from(t.refresh_token).toString('hex').toUpperCase()));
    const r1 = await refresh(t.refresh_token);
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    assert.equal(r1.headers.get('cache-control'), 'no-store');
    assert.notEqual(r1.body.refresh_token, t.refresh_token);
    assert.notEqual(r1.body.access_token, t.access_token);
    assert.equal(r1.body.scope, t.scope);
    assert.equal(r1.body.patient, t.patient);
    assert.equal(r1.body.expires_in, 3600);
    assert.equal((await bearer(r1.body.access_token, `Patient/${t.patient}`)).status, 200);
    // A narrower scope may be asked for; never a wider one.
    const narrow = await refresh(r1.body.refresh_token, { scope: 'patient/Patient.rs' });
    assert.equal(narrow.status, 200, JSON.stringify(narrow.body));
    assert.equal(narrow.body.scope, 'launch/patient patient/Patient.read offline_access');
    assert.equal((await bearer(narrow.body.access_token, `Observation?patient=${t.patient}`)).status, 403);
    // Another client's id: refused, saying so, and the grant lives on for its own app.
    const stolen = await refresh(narrow.body.refresh_token, { client_id: other.client_id });
    assert.deepEqual([stolen.status, stolen.body.error], [400, 'invalid_grant']);
    assert.match(stolen.body.error_description, /another client_id/);
    const r3 = await refresh(narrow.body.refresh_token);
    assert.equal(r3.status, 200);
    // Each refresh is in the trail.
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${patient.session.account}' AND action = 'app.refresh' AND outcome = 'ok'`)) >= 3);
    // Garbage, or an access token, is no refresh token.
    for (const rt of ['x', r3.body.access_token, 'A'.repeat(143)]) {
      const r = await refresh(rt);
      assert.deepEqual([r.status, r.body.error], [400, 'invalid_grant'], rt);
      assert.ok(r.body.error_description);
    }
  });

  it('a rotated refresh token used again ends the whole grant: the new one stops working too', async () => {
    const t = await connect(patient);
    const r1 = await refresh(t.refresh_token);
    assert.equal(r1.status, 200);
    const replay = await refresh(t.refresh_token);
    assert.deepEqual([replay.status, replay.body.error], [400, 'invalid_grant']);
    assert.match(replay.body.error_description, /already used/);
    const next = await refresh(r1.body.refresh_token);
    assert.deepEqual([next.status, next.body.error], [400, 'invalid_grant']);
    assert.equal((await bearer(r1.body.access_token, `Patient/${t.patient}`)).status, 401);
    assert.equal((await bearer(t.access_token, `Patient/${t.patient}`)).status, 401);
    assert.match(sqlite(srv.dir, `SELECT group_concat(outcome) FROM audit WHERE actor = '${patient.session.account}' AND action = 'app.refresh'`), /fail/);
  });

  it('the patient disconnects the app on their Sessions page: 401 at once, and no more refreshes', async () => {
    sqlite(srv.dir, 'DELETE FROM oauth_refresh_token; DELETE FROM oauth_refresh');
    const t = await connect(patient);
    const r1 = await refresh(t.refresh_token);
    const sessions = await patient.get('/sessions');
    assert.match(sessions.text, /Apps that can renew their access/);
    assert.match(sessions.text, /App: Pill Reminder/);
    const family = sqlite(srv.dir, 'SELECT lower(hex(family)) FROM oauth_refresh');
    assert.ok(sessions.text.includes(`/sessions/apps/${family}/end`));
    // Another patient cannot end it.
    const stranger = new Client(srv.base);
    await stranger.login('patient2@demo.test');
    const theirs = await stranger.post(`/sessions/apps/${family}/end`, { body: new URLSearchParams({ csrf: stranger.csrf }).toString(), headers: FORM, csrf: false });
    assert.equal(theirs.status, 404);
    assert.equal((await bearer(r1.body.access_token, `Patient/${t.patient}`)).status, 200);
    const ended = await patient.post(`/sessions/apps/${family}/end`, { body: new URLSearchParams({ csrf: patient.csrf }).toString(), headers: FORM, csrf: false });
    assert.equal(ended.status, 303);
    assert.equal((await bearer(r1.body.access_token, `Patient/${t.patient}`)).status, 401);
    assert.equal((await refresh(r1.body.refresh_token)).body.error, 'invalid_grant');
    assert.doesNotMatch((await patient.get('/sessions')).text, /Apps that can renew/);
    // Ending the app's session from the list ends its refresh tokens too.
    const families = new Set(sqlite(srv.dir, 'SELECT lower(hex(family)) FROM oauth_refresh').split('\n').filter(Boolean));
    const t2 = await connect(patient);
    // The session of this grant's family: "newest" by a clock of seconds can be the ended one.
    const fresh = sqlite(srv.dir, 'SELECT lower(hex(family)) FROM oauth_refresh').split('\n').filter((f) => f && !families.has(f));
    assert.equal(fresh.length, 1, 'one new family for the second grant');
    const sid = sqlite(srv.dir, `SELECT lower(hex(id)) FROM session WHERE lower(hex(family)) = '${fresh[0]}'`);
    assert.match(sid, /^[0-9a-f]{32}$/);
    const e2 = await patient.post(`/sessions/${sid}/revoke`, { body: new URLSearchParams({ csrf: patient.csrf }).toString(), headers: FORM, csrf: false });
    assert.equal(e2.status, 303);
    assert.equal((await refresh(t2.refresh_token)).body.error, 'invalid_grant');
    // ...and so does the app itself, revoking its refresh token (RFC 7009).
    const t3 = await connect(patient);
    const rv = await fetch(as.revocation_endpoint, { method: 'POST', headers: FORM, body: new URLSearchParams({ token: t3.refresh_token, client_id: client.client_id }).toString() });
    assert.equal(rv.status, 200);
    assert.equal((await bearer(t3.access_token, `Patient/${t3.patient}`)).status, 401);
    assert.equal((await refresh(t3.refresh_token)).body.error, 'invalid_grant');
  });

  it('"sign out everywhere" ends every refresh token; online_access ends with the patient\'s sessions', async () => {
    const c = new Client(srv.base);
    await c.login('patient3@demo.test');
    const off = await connect(c);
    const on = await connect(c, { scope: 'launch/patient patient/*.rs online_access' });
    assert.match(on.scope, /online_access$/);
    const onr = await refresh(on.refresh_token);
    assert.equal(onr.status, 200, JSON.stringify(onr.body));
    const end = await c.post('/sessions/end-all', { body: new URLSearchParams({ csrf: c.csrf }).toString(), headers: FORM, csrf: false });
    assert.equal(end.status, 303);
    assert.equal((await refresh(off.refresh_token)).body.error, 'invalid_grant');
    assert.equal((await refresh(onr.body.refresh_token)).body.error, 'invalid_grant');
    assert.equal(Number(sqlite(srv.dir, `SELECT count(*) FROM oauth_refresh WHERE account_id = x'${c.session.account}'`)), 0);

    // online_access: good while a browser session lives, refused once none does.
    await c.login('patient3@demo.test');
    const on2 = await connect(c, { scope: 'launch/patient patient/*.rs online_access' });
    const page = await c.get((await request({ scope: 'launch/patient patient/*.rs online_access' })).path);
    assert.match(page.text, /while you are signed in here/);
    const live = await refresh(on2.refresh_token);
    assert.equal(live.status, 200);
    sqlite(srv.dir, `UPDATE session SET last_seen = last_seen - 3600 WHERE account_id = x'${c.session.account}' AND client_id IS NULL`);
    const gone = await refresh(live.body.refresh_token);
    assert.deepEqual([gone.status, gone.body.error], [400, 'invalid_grant']);
    assert.match(gone.body.error_description, /no longer signed in/);
  });

  it('introspection (RFC 7662): a practice system asks whether an app\'s token is live', async () => {
    assert.equal(as.introspection_endpoint, `${srv.base}/oauth/introspect`);
    const jose = await import('jose');
    const crypto = require('node:crypto');
    const fs = require('node:fs');
    const path = require('node:path');
    const practice = run(['practices', 'list', '--data', srv.dir]).stdout.trim().split('\n')[0].split('\t')[0];
    const { publicKey, privateKey } = await jose.generateKeyPair('ES384');
    const file = path.join(srv.dir, 'rs.jwks');
    fs.writeFileSync(file, JSON.stringify({ keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'rs', alg: 'ES384', use: 'sig' }] }));
    const added = run(['apps', 'add', '--system', '--data', srv.dir, '--practice', practice, '--name', 'Resource Server', '--jwks', file]);
    assert.equal(added.code, 0, added.stderr);
    const sys = added.stdout.match(/client_id ([0-9a-f]{32})/)[1];
    const jwt = await new jose.SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: 'rs', typ: 'JWT' }).setIssuer(sys).setSubject(sys)
      .setAudience(as.token_endpoint).setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime('4m').sign(privateKey);
    const st = await token({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: jwt, scope: 'system/Patient.rs' });
    assert.equal(st.status, 200, JSON.stringify(st.body));
    const introspect = (caller, tok) => fetch(as.introspection_endpoint, { method: 'POST', headers: { ...FORM, Authorization: `Bearer ${caller}` },
      body: new URLSearchParams({ token: tok }).toString() }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const t = await connect(patient);
    const a = await introspect(st.body.access_token, t.access_token);
    assert.equal(a.status, 200);
    assert.equal(a.body.active, true);
    assert.equal(a.body.client_id, client.client_id);
    assert.equal(a.body.patient, t.patient);
    // The access token's scope: the reads (offline_access belongs to the refresh token).
    assert.equal(a.body.scope, t.scope.replace(' offline_access', ''));
    assert.equal(a.body.token_type, 'Bearer');
    assert.ok(a.body.exp > Date.now() / 1000 && a.body.exp - a.body.iat === 3600);
    const rt = await introspect(st.body.access_token, t.refresh_token);
    assert.deepEqual([rt.body.active, rt.body.token_type, rt.body.scope], [true, 'refresh_token', t.scope]);
    // Revoked, rotated, or never ours: inactive, and nothing more said.
    const r1 = await refresh(t.refresh_token);
    assert.deepEqual((await introspect(st.body.access_token, t.refresh_token)).body, { active: false });
    assert.equal((await introspect(st.body.access_token, r1.body.refresh_token)).body.active, true);
    await fetch(as.revocation_endpoint, { method: 'POST', headers: FORM, body: new URLSearchParams({ token: r1.body.access_token }).toString() });
    assert.deepEqual((await introspect(st.body.access_token, r1.body.access_token)).body, { active: false });
    assert.deepEqual((await introspect(st.body.access_token, 'x')).body, { active: false });
    assert.deepEqual((await introspect(st.body.access_token, patient.cookies.get('__Host-medkeep'))).body, { active: false });
    // Only a resource server may ask: not an app with its own token, not a browser, not nobody.
    assert.equal((await introspect((await connect(patient)).access_token, t.access_token)).status, 403);
    assert.equal((await introspect(patient.cookies.get('__Host-medkeep'), t.access_token)).status, 401);
    const anon = await fetch(as.introspection_endpoint, { method: 'POST', headers: FORM, body: new URLSearchParams({ token: t.access_token }).toString() });
    assert.equal(anon.status, 401);
    assert.equal((await anon.json()).error, 'invalid_client');
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'oauth.introspect' AND actor = '${sys}'`)) >= 5);
  });

  it('OpenID Connect: openid fhirUser gives an id_token the vault signs (EdDSA), checked against the JWKS', async () => {
    const jose = await import('jose');
    assert.ok(as.capabilities.includes('sso-openid-connect'));
    assert.equal(as.issuer, srv.base);
    assert.deepEqual(as.id_token_signing_alg_values_supported, ['EdDSA']);
    const jwks = await fetch(as.jwks_uri).then((r) => r.json());
    assert.deepEqual(Object.keys(jwks.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    const nonce = 'n-0S6_WzA2Mj';
    const t = await connect(patient, { scope: 'launch/patient patient/*.rs openid fhirUser', nonce });
    assert.match(t.scope, / openid fhirUser$/);
    const { payload, protectedHeader } = await jose.jwtVerify(t.id_token, jose.createLocalJWKSet(jwks), { issuer: srv.base, audience: client.client_id });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.equal(payload.nonce, nonce);
    assert.equal(payload.sub, patient.session.account);
    assert.equal(payload.fhirUser, `${srv.base}/fhir/R4/Patient/${t.patient}`);
    assert.ok(payload.exp > payload.iat);
    // fhirUser is the patient the token reads.
    const me = await fetch(payload.fhirUser, { headers: { Authorization: `Bearer ${t.access_token}` } });
    assert.equal(me.status, 200);
    // openid alone: no fhirUser claim; fhirUser alone: no id_token.
    const o = await connect(patient, { scope: 'patient/*.rs openid' });
    assert.equal((await jose.jwtVerify(o.id_token, jose.createLocalJWKSet(jwks))).payload.fhirUser, undefined);
    const f = await connect(patient, { scope: 'patient/*.rs fhirUser' });
    assert.equal(f.id_token, undefined);
    assert.doesNotMatch(f.scope, /fhirUser/);
    // A nonce the id_token could not carry as it is: refused, saying so.
    const bad = await patient.get((await request({ scope: 'patient/*.rs openid', nonce: 'a"b' })).path);
    const back = new URL(bad.headers.get('location'));
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.match(back.searchParams.get('error_description'), /nonce/);
  });

  it('a lock by the breaker, removal of the app, and the family\'s end stop refreshing', async () => {
    const c = new Client(srv.base);
    await c.login('patient2@demo.test');
    const t = await connect(c);
    sqlite(srv.dir, `UPDATE account SET locked = 1 WHERE id = x'${c.session.account}'`);
    assert.equal((await refresh(t.refresh_token)).body.error, 'invalid_grant');
    sqlite(srv.dir, `UPDATE account SET locked = 0 WHERE id = x'${c.session.account}'`);
    const r = await refresh(t.refresh_token);
    assert.equal(r.status, 200, 'a lock lifted by its review leaves the grant (the real lock also ends it: store_sessions_revoke)');
    sqlite(srv.dir, `UPDATE oauth_refresh SET expires = unixepoch() - 1 WHERE account_id = x'${c.session.account}'`);
    const old = await refresh(r.body.refresh_token);
    assert.match(old.body.error_description, /end of its life/);
    const t2 = await connect(c);
    assert.equal(run(['apps', 'remove', '--data', srv.dir, '--client', client.client_id]).code, 0);
    assert.equal((await refresh(t2.refresh_token)).body.error, 'invalid_grant');
    assert.equal(Number(sqlite(srv.dir, `SELECT count(*) FROM oauth_refresh WHERE client_id = x'${client.client_id}'`)), 0);
  });
});
