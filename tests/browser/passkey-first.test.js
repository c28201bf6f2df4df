// A passkey as the first and only second factor, in Chromium with its virtual authenticator
// (DevTools WebAuthn domain): a new staff member, held at the enrolment page, adds a passkey
// there instead of an authenticator app, uses it once, is shown ten recovery codes, and signs in
// with the passkey afterwards (1280 px); a patient does the same from their two-step sign-in
// page (390 px, the menu folded). No CSP violation; axe-core clean on each page involved.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, PASSWORD, sqlite } = require('../integration/lib');
const { launchChromium, watchedPage, axeClean, menuLink } = require('./browser');

describe('a passkey as the first second factor, in a browser', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 1 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  // A page with a virtual platform authenticator at `width`.
  async function withAuthenticator(width) {
    const w = await watchedPage(browser, { viewport: { width, height: 900 } });
    const cdp = await w.context.newCDPSession(w.page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
        isUserVerified: true, automaticPresenceSimulation: true },
    });
    return w;
  }
  async function signIn(page, email, lands) {
    await page.goto(`http://localhost:${srv.port}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(lands);
  }
  // Add a passkey on the page shown, use it once, and read the recovery codes shown.
  async function enrol(page, name) {
    await page.getByRole('heading', { name: 'Or use a passkey' }).waitFor();
    await axeClean(page);
    await page.getByLabel('Name for this passkey').fill(name);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(/\/login\/mfa\?next=\/mfa\/setup$/);
    await page.getByText('Use your passkey, or enter one of your recovery codes.').waitFor();
    await axeClean(page);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: 'Two-step sign-in is on' }).waitFor();
    await axeClean(page);
    const codes = await page.locator('ul.codes code').allTextContents();
    assert.equal(codes.length, 10);
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL(/\/mfa\/setup$/);
    await page.getByText('Two-step sign-in is on for your account.').waitFor();
    await page.getByText(name).waitFor();
    return codes;
  }

  it('a new staff member at the enrolment page enrols with only a passkey and signs in with it (1280 px)', async () => {
    const email = 'clinician2@demo.test';
    const { context, page, violations } = await withAuthenticator(1280);
    // a new staff member: no authenticator app, no recovery codes
    await signIn(page, email, /\/login\/mfa$/);
    const account = await page.evaluate(async () => (await (await fetch('/session')).json()).account);
    sqlite(srv.dir, `UPDATE account SET totp_ct = NULL, totp_pending_ct = NULL WHERE id = X'${account}'`);
    sqlite(srv.dir, `DELETE FROM recovery_code WHERE account_id = X'${account}'`);
    await page.getByRole('button', { name: 'Cancel and log out' }).click();
    await page.waitForURL(/\/login$/);

    await signIn(page, email, /\/mfa\/setup$/);
    await page.getByText('an authenticator app or a passkey. If you cannot set it up, your practice admin can help.').waitFor();
    await page.goto(`http://localhost:${srv.port}/patients`);
    assert.match(page.url(), /\/mfa\/setup$/, 'held at the enrolment page');
    await enrol(page, 'Work phone');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM passkey WHERE account_id = X'${account}'`), '1');
    await page.goto(`http://localhost:${srv.port}/patients`);
    assert.match(page.url(), /\/patients$/, 'the enrolment stage is over');

    await (await menuLink(page, 'Log out', 'button')).click();
    await page.waitForURL(/\/login$/);
    await signIn(page, email, /\/login\/mfa$/);
    await page.getByText('Your practice admin can help you set up two-step sign-in again.').waitFor();
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(/\/patients$/);
    assert.deepEqual(violations, []);
    await context.close();
  });

  it('a patient adds a passkey as their first second factor and is asked for it at sign-in (390 px)', async () => {
    const email = 'patient1@demo.test';
    const { context, page, violations } = await withAuthenticator(390);
    await signIn(page, email, /\/$/);
    await page.goto(`http://localhost:${srv.port}/mfa/setup`);
    await enrol(page, 'My phone');
    await (await menuLink(page, 'Log out', 'button')).click();
    await page.waitForURL(/\/login$/);
    await signIn(page, email, /\/login\/mfa$/);
    await page.getByText('Phone your practice: they can help you set up two-step sign-in again.').waitFor();
    await axeClean(page);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(/\/$/);
    assert.deepEqual(violations, []);
    await context.close();
  });
});
