// Passkeys end to end in Debian's Chromium with its virtual authenticator (DevTools protocol
// WebAuthn domain through playwright-core): register a passkey, sign out, sign in with it as
// the second factor; the same passkey used through another origin is refused; a cloned
// authenticator (same private key, counter behind) is refused. No CSP violation, and axe finds
// no accessibility violation on the pages involved; without JavaScript the code still works.
//
// With MEDKEEP_CAPTURE=DIR the browser's registration and assertion are written to DIR (the
// fixed vectors of tests/unit/test_webauthn.c and the fuzz seeds came from there).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { startServer, PASSWORD, totpSecret, nextCode, sqlite } = require('../integration/lib');
const { launchChromium, watchedPage, axeClean, menuLink } = require('./browser');


// The same server behind another port: another origin for the browser (same RP id, so the
// authenticator signs), which medkeep must refuse.
function proxy(port) {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      const up = http.request({ host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers },
        (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
      req.pipe(up);
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}


describe('passkeys in a browser', () => {
  let srv; let browser; let other;
  before(async () => {
    srv = await startServer({ patients: 1 });
    other = await proxy(srv.port);
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    if (other) other.close();
    await srv.stop();
  });

  it('registers a passkey, signs in with it, and refuses another origin and a cloned authenticator', async () => {
    const email = 'clinician1@demo.test';
    const { context, page, violations } = await watchedPage(browser);
    const posts = {};
    page.on('request', (r) => { if (r.method() === 'POST') posts[new URL(r.url()).pathname] = r.postData(); });
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
        isUserVerified: true, automaticPresenceSimulation: true },
    });
    const base = `http://localhost:${srv.port}`;

    async function signIn(origin) {
      await page.goto(`${origin}/login`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(/\/login\/mfa$/);
    }
    async function signOut() {
      await (await menuLink(page, 'Log out', 'button')).click();
      await page.waitForURL(/\/login$/);
    }

    // Signed in with a code first: passkeys are added to an account with two-step sign-in.
    await signIn(base);
    assert.equal(await page.getByRole('button', { name: 'Use a passkey' }).count(), 0);
    await page.getByLabel('Code').fill(await nextCode(srv.dir, totpSecret(srv.dir, email), email));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/patients$/);
    await page.goto(`${base}/mfa/setup`);
    await axeClean(page);
    await page.getByLabel('Name for this passkey').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(/\/mfa\/setup$/);
    await page.getByText('Test laptop').waitFor();
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM passkey WHERE name = 'Test laptop'"), '1');
    const registration = posts['/mfa/passkeys'];
    await signOut();

    // The passkey as the second factor.
    await signIn(base);
    await axeClean(page);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(/\/patients$/);
    const assertion = posts['/login/mfa'];
    const stored = Number(sqlite(srv.dir, "SELECT sign_count FROM passkey WHERE name = 'Test laptop'"));
    assert.ok(stored >= 1);
    await signOut();

    // The same passkey through another origin (another port: same RP id, so the authenticator
    // signs, with that origin in clientDataJSON): refused by medkeep.
    await signIn(`http://localhost:${other.address().port}`);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByText('made for a different site').waitFor();
    assert.match(page.url(), /\/login\/mfa$/);
    await page.goto(`${base}/patients`);
    assert.match(page.url(), /\/login\/mfa$/);
    await page.getByRole('button', { name: 'Cancel and log out' }).click();
    await page.waitForURL(/\/login$/);

    // A clone: the same private key in another authenticator whose counter is behind.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    const clone = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
        isUserVerified: true, automaticPresenceSimulation: true },
    });
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId: clone.authenticatorId,
      credential: { ...credentials[0], signCount: 0 },
    });
    const outbox = Number(sqlite(srv.dir, "SELECT count(*) FROM outbox WHERE subject LIKE 'A passkey%'"));
    await signIn(base);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByText('may have been copied').waitFor();
    await page.goto(`${base}/patients`);
    assert.match(page.url(), /\/login\/mfa$/);
    assert.equal(Number(sqlite(srv.dir, "SELECT count(*) FROM outbox WHERE subject LIKE 'A passkey%'")), outbox + 1);
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'passkey.cloned'"), '1');
    assert.equal(Number(sqlite(srv.dir, "SELECT sign_count FROM passkey WHERE name = 'Test laptop'")), stored);

    // Without JavaScript the passkey form stays hidden and the code still works.
    const plain = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
    const p2 = await plain.newPage();
    await p2.goto(`${base}/login`);
    await p2.getByLabel('Email').fill(email);
    await p2.getByLabel('Password').fill(PASSWORD);
    await p2.getByRole('button', { name: 'Log in' }).click();
    await p2.waitForURL(/\/login\/mfa$/);
    assert.equal(await p2.locator('#passkey-login').count(), 1);
    assert.equal(await p2.locator('#passkey-login').isVisible(), false);
    await p2.getByLabel('Code').fill(await nextCode(srv.dir, totpSecret(srv.dir, email), email));
    await p2.getByRole('button', { name: 'Continue' }).click();
    await p2.waitForURL(/\/patients$/);
    await plain.close();

    assert.deepEqual(violations, []);
    if (process.env.MEDKEEP_CAPTURE) {
      fs.mkdirSync(process.env.MEDKEEP_CAPTURE, { recursive: true });
      fs.writeFileSync(path.join(process.env.MEDKEEP_CAPTURE, 'capture.json'), JSON.stringify({
        origin: base, registration: Object.fromEntries(new URLSearchParams(registration)),
        assertion: Object.fromEntries(new URLSearchParams(assertion)),
      }, null, 2));
    }
    await context.close();
  });
});
