// Secure messages in a real browser: a patient sends a message, the practice answers it, the
// patient reads the answer; no CSP violation; usable at 360 px.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, PASSWORD, totpSecret, nextCode } = require('../integration/lib');
const { launchChromium, menuLink } = require('./browser');


describe('messages in a browser', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 2 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  async function signIn(page, base, email) {
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForLoadState();
    if (/\/login\/mfa$/.test(page.url())) {
      const secret = totpSecret(srv.dir, email);
      await page.getByLabel('Code').fill(await nextCode(srv.dir, secret, email));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForLoadState();
    }
  }

  it('a patient sends a message and the practice answers it', async () => {
    const base = `http://localhost:${srv.port}`;
    const violations = [];
    const patient = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    patient.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    await signIn(patient, base, 'patient1@demo.test');
    await (await menuLink(patient, 'Messages')).click();
    await patient.waitForURL(/\/messages$/);
    await patient.getByLabel('Subject').fill('Rash on my arm');
    await patient.getByLabel('Message').fill('I have had a rash for three days.\nShould I come in?');
    await patient.getByRole('button', { name: 'Send' }).click();
    await patient.waitForURL(/\/messages\/[0-9a-f]{32}$/);
    assert.equal(await patient.getByRole('heading', { level: 1 }).textContent(), 'Rash on my arm');
    assert.ok(await patient.evaluate(() => document.documentElement.scrollWidth <= 360));

    const staff = await (await browser.newContext()).newPage();
    staff.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    await signIn(staff, base, 'clinician1@demo.test');
    await (await menuLink(staff, /^Inbox/)).click();
    await staff.waitForURL(/\/inbox$/);
    await staff.getByRole('link', { name: 'Rash on my arm' }).click();
    await staff.waitForURL(/\/messages\/[0-9a-f]{32}$/);
    assert.match(await staff.locator('article.msg .body').first().textContent(), /three days\.\nShould I come in\?/);
    await staff.getByLabel('Your reply').fill('Yes, please book an appointment for tomorrow.');
    await staff.getByRole('button', { name: 'Send reply' }).click();
    await staff.waitForURL(/\/messages\/[0-9a-f]{32}$/);

    await patient.getByRole('link', { name: '← Messages' }).click();
    assert.equal(await patient.locator('li', { hasText: 'Rash on my arm' }).locator('.badge').textContent(), '1 new');
    await patient.getByRole('link', { name: 'Rash on my arm' }).click();
    assert.match(await patient.locator('article.msg.practice').textContent(), /please book an appointment for tomorrow/);
    assert.deepEqual(violations, []);
  });
});
