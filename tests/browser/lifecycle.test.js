// Password reset in a real browser (Debian's Chromium, playwright-core), with the email read
// from a local SMTP sink; the account pages checked with axe-core, at 360 px, with no CSP
// violation.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startServer, totpSecret, PASSWORD } = require('../integration/lib');
const { login } = require('../integration/account-helpers');
const { startSink, linkPath } = require('../integration/smtp-sink');
const { launchChromium, watchedPage, menuLink } = require('./browser');

// axe-core is installed by whoever merges the accessibility checks; without it the pages are
// still walked, only not audited.
let AXE = null;
try { AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'); } catch { /* absent */ }

// axe-core run in the page through DevTools (not a script tag: the CSP forbids inline script).
async function axeViolations(page) {
  if (AXE === null) return [];
  await page.evaluate(AXE);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('account pages in a browser', () => {
  let srv; let sink; let browser;
  before(async () => {
    sink = await startSink();
    srv = await startServer({ patients: 1, config: `smtp.url = smtp://127.0.0.1:${sink.port}\nsmtp.from = noreply@demo.test\n` });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
    await sink.close();
  });

  it('resets a forgotten password from the emailed link; each page accessible and phone-sized', async () => {
    const { context, page, violations } = await watchedPage(browser);
    const base = `http://localhost:${srv.port}`;
    const check = async (what) => {
      assert.deepEqual(await axeViolations(page), [], what);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), what);
    };

    await page.goto(`${base}/login`);
    await page.getByRole('link', { name: 'Forgotten your password?' }).click();
    await page.waitForURL(/\/reset$/);
    await check('reset form');
    await page.getByLabel(/email address/).fill('patient1@demo.test');
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByText('If an account uses that address').waitFor();
    await check('reset answer');

    const mails = await sink.waitFor('patient1@demo.test', /Reset your patient portal password/);
    const { url } = linkPath(mails[0], '/reset/confirm');
    await page.goto(`${base}${url.pathname}${url.search}`);
    await check('new password form');
    await page.getByLabel('New password').fill('Password2026!');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').textContent(), /common or breached/);
    await check('refused password');
    await page.getByLabel('New password').fill('kettle-harbour-morning-42');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { name: 'Your password is changed' }).waitFor();
    await check('changed');

    await page.getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('Email').fill('patient1@demo.test');
    await page.getByLabel('Password').fill('kettle-harbour-morning-42');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await (await menuLink(page, 'Account')).click();
    await page.waitForURL(/\/account$/);
    await check('account');
    // Without a second factor a password changes with an emailed code (factor-deadends.test.js);
    // a change of address still needs a factor first.
    await page.getByRole('link', { name: 'Change your password' }).click();
    await page.getByRole('heading', { name: 'Change your password' }).waitFor();
    assert.match(await page.content(), /we will email you a code/);
    await check('password change by emailed code');
    await page.goto(`${base}/account`);
    await page.getByRole('link', { name: 'Change your email address' }).click();
    await page.getByRole('heading', { name: 'Set up two-step sign-in first' }).waitFor();
    await check('set up a factor first');
    await page.goto(`${base}/step-up?next=/account`);
    await check('step-up without a factor');
    assert.deepEqual(violations, []);
    await context.close();
  });

  it('registers from an invitation and confirms another address; the staff form accessible too', async () => {
    const base = `http://localhost:${srv.port}`;
    const clin = await login(srv.base, srv.dir, 'clinician1@demo.test', PASSWORD, totpSecret(srv.dir, 'clinician1@demo.test'));
    const id = (await clin.get('/patients')).text.match(/href="\/patients\/([0-9a-f]{32})"/)[1];
    const dob = (await clin.get(`/fhir/R4/Patient/${id}`)).json().birthDate;
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    const check = async (what) => {
      assert.deepEqual(await axeViolations(page), [], what);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), what);
    };
    // The staff page, with the clinician's session cookie.
    await context.addCookies([{ name: '__Host-medkeep', value: clin.cookies.get('__Host-medkeep'), domain: 'localhost', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' }]);
    await page.goto(`${base}/patients/${id}/invite`);
    await check('invite form');
    // No address to type: it goes to the one the record holds (the demo patient's).
    await page.getByRole('button', { name: 'Send the invitation' }).click();
    await page.getByText('The invitation is on its way.').waitFor();
    await context.clearCookies();

    const [mail] = await sink.waitFor('patient1@demo.test', /invitation/);
    const { url } = linkPath(mail, '/register');
    await page.goto(`${base}${url.pathname}${url.search}`);
    await check('register form');
    await page.getByLabel('Email').fill('browser.own@example.nz');
    await page.getByLabel('Date of birth').fill(dob);
    await page.getByLabel('Choose a password').fill('browser-own-garden');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').waitFor();
    await check('register refused');
    await page.getByLabel('Email').fill('browser.own@example.nz');
    await page.getByLabel('Date of birth').fill(dob);
    await page.getByLabel('Choose a password').fill('copper-fern-valley-31');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    const [confirm] = await sink.waitFor('browser.own@example.nz', /Confirm your email/);
    const v = linkPath(confirm, '/verify');
    await page.goto(`${base}${v.url.pathname}${v.url.search}`);
    await check('confirm page');
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await page.getByRole('heading', { name: 'Your email address is confirmed' }).waitFor();
    await page.getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('Email').fill('browser.own@example.nz');
    await page.getByLabel('Password').fill('copper-fern-valley-31');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    assert.deepEqual(violations, []);
    await context.close();
  });
});
