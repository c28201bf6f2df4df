// Connecting an app, in Debian's Chromium: a small app on another site (127.0.0.1, while the
// portal is localhost) sends the browser to the portal, the patient says yes, and the app
// swaps the code for a token with oauth4webapi and reads the patient's name over FHIR. The
// portal's session cookie is SameSite=Strict, so the browser does not send it on the app's
// cross-site link: this shows the pending request carries the patient through logging in (or
// just through one click when they are signed in) to the question and back to the app; and an
// app with no back end swaps the code and reads from its own page, across origins (CORS). No CSP
// violation, and axe finds no accessibility violation on the portal's pages of the flow.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startServer, run, PASSWORD } = require('../integration/lib');
const { launchChromium, watchedPage, axeClean } = require('./browser');



// The app: /start links to the portal's authorization endpoint; /callback exchanges the code
// and shows whose record it reached.
async function startApp(portal, oauth) {
  const pending = new Map();
  const app = { client: null, base: null, server: null };
  app.server = http.createServer(async (req, res) => {
    const url = new URL(req.url, app.base);
    const as = { issuer: portal, ...await fetch(`${portal}/fhir/R4/.well-known/smart-configuration`).then((r) => r.json()) };
    const client = { client_id: app.client };
    const redirect = `${app.base}/callback`;
    const insecure = { [oauth.allowInsecureRequests]: true };
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    if (url.pathname === '/spa-callback') {
      // An app with no back end: the page itself swaps the code and reads, across origins.
      const verifier = pending.get(url.searchParams.get('state')) || '';
      res.end(`<!doctype html><title>Heart Diary</title><h1>Connecting</h1><script>
        (async () => {
          const q = new URLSearchParams(location.search);
          const body = new URLSearchParams({ grant_type: 'authorization_code', code: q.get('code'),
            client_id: ${JSON.stringify(app.spaClient)}, redirect_uri: location.origin + '/spa-callback', code_verifier: ${JSON.stringify(verifier)} });
          const t = await fetch(${JSON.stringify(as.token_endpoint)}, { method: 'POST', body }).then((r) => r.json());
          const me = await fetch(${JSON.stringify(`${portal}/fhir/R4/Patient/`)} + t.patient, { headers: { Authorization: 'Bearer ' + t.access_token } }).then((r) => r.json());
          document.querySelector('h1').textContent = 'Connected in the browser: ' + me.name[0].family;
        })().catch((e) => { document.querySelector('h1').textContent = 'Failed: ' + e; });
      </script>`);
      return;
    }
    if (url.pathname === '/start' || url.pathname === '/spa-start') {
      const spa = url.pathname === '/spa-start';
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      pending.set(state, verifier);
      const to = new URL(as.authorization_endpoint);
      for (const [k, v] of Object.entries({ client_id: spa ? app.spaClient : app.client, redirect_uri: spa ? `${app.base}/spa-callback` : redirect, response_type: 'code',
        scope: 'launch/patient patient/Patient.read patient/Observation.read', state, aud: `${portal}/fhir/R4`,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' })) to.searchParams.set(k, v);
      res.end(`<!doctype html><title>Heart Diary</title><a href="${to.href.replace(/&/g, '&amp;')}">Connect my health record</a>`);
      return;
    }
    try {
      const state = url.searchParams.get('state');
      const params = oauth.validateAuthResponse(as, client, url, state);
      const resp = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirect, pending.get(state), insecure);
      const t = await oauth.processAuthorizationCodeResponse(as, client, resp);
      const me = await fetch(`${portal}/fhir/R4/Patient/${t.patient}`, { headers: { Authorization: `Bearer ${t.access_token}` } }).then((r) => r.json());
      res.end(`<!doctype html><title>Heart Diary</title><h1>Connected: ${me.name[0].family}</h1>`);
    } catch (e) {
      res.end(`<!doctype html><title>Heart Diary</title><h1>Not connected: ${String(e.error || e.message).replace(/</g, '&lt;')}</h1>`);
    }
  });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  app.base = `http://127.0.0.1:${app.server.address().port}`;
  return app;
}

describe('connecting an app in a browser', () => {
  let srv; let browser; let app; let portal;
  before(async () => {
    const oauth = await import('oauth4webapi');
    srv = await startServer({ patients: 2 });
    // The base is localhost: browsers accept Secure (__Host-) cookies from it over plain HTTP.
    portal = `http://localhost:${srv.port}`;
    app = await startApp(portal, oauth);
    const added = run(['apps', 'add', '--data', srv.dir, '--name', 'Heart Diary', '--redirect-uri', `${app.base}/callback`]);
    assert.equal(added.code, 0, added.stderr);
    app.client = added.stdout.match(/client_id ([0-9a-f]{32})/)[1];
    const spa = run(['apps', 'add', '--data', srv.dir, '--name', 'Heart Diary Web', '--redirect-uri', `${app.base}/spa-callback`]);
    assert.equal(spa.code, 0, spa.stderr);
    app.spaClient = spa.stdout.match(/client_id ([0-9a-f]{32})/)[1];
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    if (app) app.server.close();
    await srv.stop();
  });

  async function logIn(page, email) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
  }

  it('a patient who is not signed in logs in, says yes, and the app reads their record', async () => {
    const { page, violations } = await watchedPage(browser);
    await page.goto(`${app.base}/start`);
    await page.getByRole('link', { name: 'Connect my health record' }).click();
    await page.waitForURL(/\/oauth\/authorize/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Connect Heart Diary to your health record?');
    await axeClean(page);
    await page.getByRole('link', { name: 'Continue to medkeep' }).click();
    await page.waitForURL(/\/login$/);
    await logIn(page, 'patient1@demo.test');
    await page.waitForURL(/\/oauth\/authorize/);
    assert.match(await page.locator('main').textContent(), /Your lab results/);
    await axeClean(page);
    await page.getByRole('button', { name: 'Yes, connect it' }).click();
    await page.waitForURL(`${app.base}/callback?*`);
    assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /^Connected: \S+/);
    assert.deepEqual(violations, []);
  });

  it('a patient already signed in gets to the question in one click, and no is no', async () => {
    const { page, violations } = await watchedPage(browser);
    await page.goto(`${portal}/login`);
    await logIn(page, 'patient2@demo.test');
    await page.waitForURL((u) => u.pathname === '/');
    await page.goto(`${app.base}/start`);
    await page.getByRole('link', { name: 'Connect my health record' }).click();
    await page.waitForURL(/\/oauth\/authorize/);
    // The cross-site link arrives without the Strict cookie; one same-site click brings it.
    await page.getByRole('link', { name: 'Continue to medkeep' }).click();
    await page.getByRole('button', { name: 'No' }).click();
    await page.waitForURL(`${app.base}/callback?*`);
    assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /Not connected: access_denied/);
    await page.goto(`${app.base}/start`);
    await page.getByRole('link', { name: 'Connect my health record' }).click();
    await page.getByRole('link', { name: 'Continue to medkeep' }).click();
    await page.getByRole('button', { name: 'Yes, connect it' }).click();
    await page.waitForURL(`${app.base}/callback?*`);
    assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /^Connected: \S+/);
    // The patient sees the app among their sessions.
    await page.goto(`${portal}/sessions`);
    assert.match(await page.locator('main').textContent(), /App: Heart Diary/);
    assert.deepEqual(violations, []);
  });

  it('an app that runs in the browser alone swaps the code and reads across origins (CORS)', async () => {
    const { page, violations } = await watchedPage(browser);
    await page.goto(`${portal}/login`);
    await logIn(page, 'patient1@demo.test');
    await page.waitForURL((u) => u.pathname === '/');
    await page.goto(`${app.base}/spa-start`);
    await page.getByRole('link', { name: 'Connect my health record' }).click();
    await page.getByRole('link', { name: 'Continue to medkeep' }).click();
    await page.getByRole('button', { name: 'Yes, connect it' }).click();
    await page.waitForURL(`${app.base}/spa-callback?*`);
    await page.waitForFunction(() => !/^Connecting/.test(document.querySelector('h1').textContent));
    assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /^Connected in the browser: \S+/);
    assert.deepEqual(violations, []);
  });
});
