// Te reo Māori in Chromium (docs/internals/TEXT.md), at phone and desktop widths: a patient
// finds the language choice on the Account page by its label in either language, chooses
// Māori, and the page is <html lang="mi"> with the menu (folded into "Tahua" on a phone) and
// headings in Māori, with no axe-core violation (WCAG 2 A, AA, best practice; valid-lang
// included) and no CSP refusal; then back to English.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client } = require('../integration/lib');
const { launchChromium, watchedPage, axeClean, useSession, menuLink } = require('./browser');

describe('te reo Māori (browser)', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 2 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });
  const base = () => `http://localhost:${srv.port}`;

  for (const [width, who] of [[390, 'patient1@demo.test'], [1280, 'patient2@demo.test']]) {
    it(`a patient chooses Māori and back at ${width} px`, async () => {
      const c = new Client(srv.base);
      assert.equal((await c.login(who)).status, 303);
      const { context, page, violations } = await watchedPage(browser, { viewport: { width, height: 800 } });
      await useSession(context, c);
      await page.goto(`${base()}/`);
      await (await menuLink(page, 'Account')).click();
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Your account');
      // the group is named in both languages, so either reader finds it
      const group = page.getByRole('group', { name: 'Language · Reo' });
      await group.getByLabel('Te reo Māori').check();
      await page.getByRole('button', { name: 'Save language · Tiakina te reo' }).click();
      await page.getByRole('status').filter({ hasText: 'Kua tiakina tō reo.' }).waitFor();
      assert.equal(await page.locator('html').getAttribute('lang'), 'mi');
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Tō kaute');
      assert.equal(await group.getByLabel('Te reo Māori').isChecked(), true);
      await axeClean(page);

      await (await menuLink(page, 'Ngā karere')).click();
      await page.waitForURL(/\/messages$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Ngā karere');
      await axeClean(page);
      await (await menuLink(page, 'Kāinga')).click();
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Kāinga');
      assert.equal(await page.locator('html').getAttribute('lang'), 'mi');
      await axeClean(page);
      if (width < 600) assert.equal(await page.locator('details.menu-phone summary').textContent(), 'Tahua');
      assert.equal(await (await menuLink(page, 'Takiputa', 'button')).count(), 1);

      await (await menuLink(page, 'Tō kaute')).click();
      await page.getByRole('group', { name: 'Language · Reo' }).getByLabel('English').check();
      await page.getByRole('button', { name: 'Save language · Tiakina te reo' }).click();
      await page.getByRole('status').filter({ hasText: 'Your language is saved.' }).waitFor();
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await (await menuLink(page, 'Home')).count(), 1);
      await axeClean(page);
      assert.deepEqual(violations, []);
      await context.close();
    });
  }
});
