// A patient app built on the SMART JavaScript client from npm (`fhirclient`, its browser
// build), in Debian's Chromium (issue 16): the app is a static page on its own origin
// (127.0.0.1, while the portal is localhost), registered with `medkeep apps add`. It launches
// standalone with PKCE, asking for `launch/patient openid fhirUser patient/*.rs
// offline_access`; the patient signs in and says yes in the same browser; the app reads the
// Patient, pages a search to its end by the `next` links, and outlives its access token: the
// server is set to a one-minute token (`oauth.access_token_seconds`), the old token is refused
// once the minute is over, and fhirclient renews it with its refresh token on its own. Then the
// patient disconnects the app on their Sessions page, and the app's next request gets 401.
// axe finds no accessibility violation on the portal's pages the patient sees on the way.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const { startServer, run, sqlite, PASSWORD } = require('../integration/lib');
const { launchChromium, watchedPage, axeClean } = require('./browser');

const TOKEN_SECONDS = 60;
const SCOPE = 'launch/patient openid fhirUser patient/*.rs offline_access';
const FHIR_CLIENT = fs.readFileSync(require.resolve('fhirclient/build/fhir-client.js'));

// The app: two static pages and the library. /launch.html starts the SMART launch; /app.html
// is the redirect URI, where FHIR.oauth2.ready() swaps the code and leaves the client on
// window.smart for the test to drive, as the app's own code would.
function startApp() {
  const pages = {
    '/launch.html': `<!doctype html><title>Sugar Diary</title><script src="/fhir-client.js"></script>
      <h1>Sugar Diary</h1><script>
      const q = new URLSearchParams(location.search);
      FHIR.oauth2.authorize({ iss: q.get('iss'), clientId: q.get('client'), scope: ${JSON.stringify(SCOPE)},
        redirectUri: '/app.html', pkceMode: 'required' });
      </script>`,
    '/app.html': `<!doctype html><title>Sugar Diary</title><script src="/fhir-client.js"></script>
      <h1>Connecting</h1><script>
      FHIR.oauth2.ready().then((client) => { window.smart = client; document.querySelector('h1').textContent = 'Connected'; },
        (e) => { document.querySelector('h1').textContent = 'Failed: ' + e.message; });
      </script>`,
  };
  const server = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    if (p === '/fhir-client.js') { res.setHeader('Content-Type', 'text/javascript'); res.end(FHIR_CLIENT); return; }
    if (!pages[p]) { res.statusCode = 404; res.end(); return; }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(pages[p]);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, base: `http://127.0.0.1:${server.address().port}` })));
}

describe('a SMART app built on fhirclient, in a browser', () => {
  let srv, portal, app, client, browser, page, violations, pid;
  before(async () => {
    srv = await startServer({ patients: 2, config: `oauth.access_token_seconds = ${TOKEN_SECONDS}\n` });
    portal = `http://localhost:${srv.port}`;
    app = await startApp();
    const added = run(['apps', 'add', '--data', srv.dir, '--name', 'Sugar Diary', '--redirect-uri', `${app.base}/app.html`]);
    assert.equal(added.code, 0, added.stderr);
    client = added.stdout.match(/client_id ([0-9a-f]{32})/)[1];
    browser = await launchChromium();
    ({ page, violations } = await watchedPage(browser));
  });
  after(async () => {
    if (browser) await browser.close();
    if (app) app.server.close();
    if (srv) await srv.stop();
  });

  // Run fn(client, arg) in the app's page, as the app's own code; errors come back as
  // { error, status } (fhirclient's HttpError carries the status).
  const inApp = (fn, arg) => page.evaluate(async ([src, a]) => {
    // eslint-disable-next-line no-new-func
    const f = new Function(`return (${src})`)();
    try { return await f(window.smart, a); } catch (e) { return { error: String(e.message), status: e.status }; }
  }, [fn.toString(), arg]);

  it('launches standalone with PKCE: the patient signs in, says yes, and the app has its token', async () => {
    await page.goto(`${portal}/login`);
    await axeClean(page);
    await page.getByLabel('Email').fill('patient1@demo.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await axeClean(page);
    await page.goto(`${app.base}/launch.html?iss=${encodeURIComponent(`${portal}/fhir/R4`)}&client=${client}`);
    await page.waitForURL(/\/oauth\/authorize/);
    const authorize = new URL(page.url());
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('aud'), `${portal}/fhir/R4`);
    // The app's cross-site link arrives without the Strict session cookie: one click brings it.
    await axeClean(page);
    await page.getByRole('link', { name: 'Continue to medkeep' }).click();
    await page.waitForURL(/\/oauth\/authorize/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Connect Sugar Diary to your health record?');
    await axeClean(page);
    await page.getByRole('button', { name: 'Yes, connect it' }).click();
    await page.waitForURL(`${app.base}/app.html*`);
    await page.waitForFunction(() => document.querySelector('h1').textContent !== 'Connecting');
    assert.equal(await page.locator('h1').textContent(), 'Connected');
    const state = await inApp((c) => ({ patient: c.getPatientId(), user: c.getFhirUser(), scope: c.state.tokenResponse.scope,
      expiresIn: c.state.tokenResponse.expires_in, refresh: !!c.state.tokenResponse.refresh_token, idToken: c.getIdToken() }));
    assert.equal(state.expiresIn, TOKEN_SECONDS);
    assert.ok(state.refresh, 'a refresh token for offline_access');
    assert.match(state.scope, /\boffline_access\b/);
    assert.equal(state.user, `Patient/${state.patient}`);
    assert.equal(state.idToken.fhirUser, `${portal}/fhir/R4/Patient/${state.patient}`);
    assert.equal(state.idToken.aud, client);
    pid = state.patient;
  });

  it('reads the Patient and pages a search to its end by the next links', async () => {
    const me = await inApp((c) => c.patient.read());
    assert.equal(me.resourceType, 'Patient');
    assert.equal(me.id, pid);
    const docs = await inApp((c, p) => c.request(`DocumentReference?patient=${p}&_count=2`, { pageLimit: 0, flat: true }), pid);
    assert.ok(Array.isArray(docs), JSON.stringify(docs));
    const ids = docs.map((d) => d.id);
    const want = sqlite(srv.dir, `SELECT lower(hex(id)) FROM document WHERE patient_id = x'${pid}'`).split('\n').sort();
    assert.ok(want.length > 2, 'more than one page');
    assert.deepEqual([...ids].sort(), want);
    // the pages one by one, with onPage: each a Bundle of at most two, the last without a next link
    const pages = await inApp((c, p) => {
      const seen = [];
      return c.request(`DocumentReference?patient=${p}&_count=2`, { pageLimit: 0, onPage: (b) => { seen.push({ n: (b.entry || []).length, total: b.total, next: b.link.some((l) => l.relation === 'next') }); } })
        .then(() => seen);
    }, pid);
    assert.equal(pages.length, Math.ceil(want.length / 2));
    assert.ok(pages.every((x) => x.n <= 2 && x.total === want.length));
    assert.deepEqual(pages.map((x) => x.next), pages.map((_, i) => i < pages.length - 1));
    // the patient's lab results through the client's own helper for references
    const obs = await inApp((c) => c.patient.request('Observation', { pageLimit: 0, flat: true }));
    assert.ok(Array.isArray(obs) && obs.length > 0, JSON.stringify(obs).slice(0, 300));
    assert.ok(obs.every((o) => o.subject.reference === `Patient/${pid}`));
    // the signed-in user (fhirUser), reports with their results resolved by reference, and a
    // document's file through its attachment's relative URL
    const user = await inApp((c) => c.user.read());
    assert.equal(user.id, pid);
    const reports = await inApp((c, p) => c.request(`DiagnosticReport?patient=${p}`, { resolveReferences: ['result'], graph: true, pageLimit: 0, flat: true }), pid);
    assert.ok(reports.length > 0);
    for (const r of reports) for (const x of r.result) assert.equal(x.resourceType, 'Observation', JSON.stringify(x));
    const file = await inApp(async (c, p) => {
      const doc = await c.request(`DocumentReference?patient=${p}&_count=1`).then((b) => b.entry[0].resource);
      const bin = await c.request({ url: doc.content[0].attachment.url, headers: { accept: 'application/fhir+json' } });
      return { type: bin.resourceType, head: atob(bin.data).slice(0, 5), contentType: bin.contentType, want: doc.content[0].attachment.contentType };
    }, pid);
    assert.deepEqual(file, { type: 'Binary', head: file.want === 'application/pdf' ? '%PDF-' : file.head, contentType: file.want, want: file.want });
  });

  it('outlives its access token: the old one is refused after its minute, fhirclient renews it', async () => {
    const before = await inApp((c) => ({ access: c.state.tokenResponse.access_token, refresh: c.state.tokenResponse.refresh_token, expiresAt: c.state.expiresAt }));
    const read = (token) => fetch(`${portal}/fhir/R4/Patient/${pid}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal((await read(before.access)).status, 200);
    // wait past the token's life (the server counts from the consent; the app from the exchange)
    const wait = before.expiresAt * 1000 + 2500 - Date.now();
    assert.ok(wait <= TOKEN_SECONDS * 1000 + 2500);
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    const stale = await read(before.access);
    assert.equal(stale.status, 401);
    assert.match(stale.headers.get('www-authenticate') || '', /^Bearer/);
    // The app's next request: fhirclient sees its token expired and refreshes first.
    const me = await inApp((c, p) => c.request(`Patient/${p}`), pid);
    assert.equal(me.id, pid);
    const after = await inApp((c) => ({ access: c.state.tokenResponse.access_token, refresh: c.state.tokenResponse.refresh_token, expiresAt: c.state.expiresAt }));
    assert.notEqual(after.access, before.access);
    assert.notEqual(after.refresh, before.refresh, 'the refresh token rotates');
    assert.ok(after.expiresAt > before.expiresAt);
    assert.equal((await read(after.access)).status, 200);
    // The spent refresh token is not taken again (and that ends the family: tested in
    // smart-refresh.test.js); here the app renews once more on its own request.
    const again = await inApp((c) => c.refresh().then((s) => s.tokenResponse.access_token));
    assert.equal(typeof again, 'string');
    assert.notEqual(again, after.access);
    assert.equal((await read(again)).status, 200);
    // By design a refresh spends the refresh token, not the access tokens it gave: the one
    // before lives out its own minute (revoking the family is what ends them all).
    assert.equal((await read(after.access)).status, 200);
  });

  it('the patient disconnects the app on their Sessions page, and its next request gets 401', async () => {
    const refresh = await inApp((c) => c.state.tokenResponse.refresh_token);
    const portalPage = await page.context().newPage();
    await portalPage.goto(`${portal}/sessions`);
    assert.match(await portalPage.locator('main').textContent(), /App: Sugar Diary/);
    await axeClean(portalPage);
    await portalPage.getByRole('button', { name: 'Disconnect this app' }).click();
    await portalPage.waitForLoadState();
    assert.doesNotMatch(await portalPage.locator('main').textContent(), /Apps that can renew their access/);
    await axeClean(portalPage);
    const r = await inApp((c, p) => c.request(`Patient/${p}`), pid);
    assert.equal(r.status, 401, JSON.stringify(r));
    // and its refresh token is ended with it
    const swap = await fetch(`${portal}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }).toString() });
    assert.equal(swap.status, 400);
    assert.equal((await swap.json()).error, 'invalid_grant');
    assert.deepEqual(violations, []);
  });

  it('refuses an access-token life outside a minute to an hour at start', () => {
    for (const v of ['59', '3601', 'soon']) {
      fs.writeFileSync(require('node:path').join(srv.dir, 'medkeep.conf'), `oauth.access_token_seconds = ${v}\n`);
      const r = run(['serve', '--data', srv.dir, '--listen', '127.0.0.1:1'], { timeout: 20000 });
      assert.notEqual(r.code, 0, v);
      assert.match(r.stderr, /oauth\.access_token_seconds must be 60 to 3600/, v);
    }
  });
});
