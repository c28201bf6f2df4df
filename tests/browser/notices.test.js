// The Emails page (docs/internals/NOTICES.md) in Chromium, as a patient and as a clinician, at
// phone and desktop widths: no axe-core violation (WCAG 2 A, AA, best practice), no CSP refusal;
// a patient turns one kind off by its label and sees it saved, and the page works without
// script (a plain form post).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('../integration/lib');
const { launchChromium, axeClean, signedInPage } = require('./browser');

describe('emails from your practice (browser)', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 2 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  const signedIn = (who, width) => signedInPage(browser, srv, who, width);
  const base = () => `http://localhost:${srv.port}`;

  for (const width of [390, 1280]) {
    it(`a patient turns results off at ${width} px`, async () => {
      const { context, page, violations } = await signedIn('patient1@demo.test', width);
      await page.goto(`${base()}/account`);
      await page.getByRole('link', { name: 'Emails from your practice' }).click();
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Emails from your practice');
      await axeClean(page);
      const results = page.getByLabel('A result is ready to view');
      assert.equal(await results.isChecked(), true, 'on by default');
      await results.uncheck();
      await page.getByRole('button', { name: 'Save' }).first().click();
      await page.getByRole('status').filter({ hasText: 'Your choices are saved.' }).waitFor();
      assert.equal(await page.getByLabel('A result is ready to view').isChecked(), false);
      assert.equal(await page.getByLabel('A reminder the day before an appointment').isChecked(), true);
      await axeClean(page);
      // back on for the next width
      await page.getByLabel('A result is ready to view').check();
      await page.getByRole('button', { name: 'Save' }).first().click();
      await page.getByRole('status').waitFor();
      assert.deepEqual(violations, []);
      await context.close();
    });
  }

  it('a clinician chooses whether to be told of patients\' messages', async () => {
    const { context, page, violations } = await signedIn('clinician1@demo.test', 390);
    await page.goto(`${base()}/account/emails`);
    await axeClean(page);
    const box = page.getByLabel('Patients\' messages are waiting in the inbox');
    assert.equal(await box.isChecked(), true);
    await box.uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').waitFor();
    assert.equal(await page.getByLabel('Patients\' messages are waiting in the inbox').isChecked(), false);
    assert.deepEqual(violations, []);
    await context.close();
  });
});
