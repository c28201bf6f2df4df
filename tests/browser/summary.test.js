// The health summary in a real browser (Debian's Chromium, driven by playwright-core): the
// patient reaches /summary from the menu at 1280 px and at 390 px, reads their allergies,
// problems, immunisations and latest vital signs (the demo's), with axe-core clean and no CSP
// refusal; printed (print media emulated), the page keeps the record and drops the menu, the
// forms and the print hint; the clinician's page of the patient shows the same summary.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, PASSWORD, totpSecret, nextCode, NZ_WHEN } = require('../integration/lib');
const { launchChromium, watchedPage, axeClean, menuLink } = require('./browser');

describe('health summary in a browser', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 2 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  async function open(email, width) {
    const { context, page, violations } = await watchedPage(browser, { viewport: { width, height: 900 } });
    await page.goto(`http://localhost:${srv.port}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    if (/\/login\/mfa$/.test(page.url())) {
      const code = await nextCode(srv.dir, totpSecret(srv.dir, email), email);
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await page.waitForURL((u) => !/\/login/.test(u.pathname));
    return { context, page, violations };
  }

  for (const width of [1280, 390]) {
    it(`the patient reads and prints their summary at ${width} px`, async () => {
      const { context, page, violations } = await open('patient1@demo.test', width);
      await (await menuLink(page, 'Health summary')).click();
      await page.waitForURL(/\/summary$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Health summary');
      const h2 = await page.getByRole('heading', { level: 2 }).allTextContents();
      assert.deepEqual(h2, ['Allergies', 'Health problems', 'Immunisations', 'Latest vital signs']);
      // The demo's patient1: two allergies, two problems, three immunisations.
      assert.equal(await page.locator('ul.summary').nth(0).locator('li').count(), 2);
      assert.match(await page.locator('ul.summary').nth(2).textContent(), /Influenza vaccine 2026/);
      // Vital signs: the newer visit's, in New Zealand time.
      const rows = page.locator('table.vitals tbody tr');
      assert.deepEqual(await rows.locator('th').allTextContents(),
        ['Blood pressure', 'Heart rate', 'Body weight', 'Body height', 'Body mass index']);
      const bp = await rows.first().locator('td').allTextContents();
      assert.match(bp[0], /^\d+\/\d+ mmHg$/);
      assert.match(bp[1], NZ_WHEN);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `fits ${width} px`);
      await axeClean(page);

      // On paper: the record without the menu, the print hint or any form.
      assert.ok(await page.locator('.print-hint').isVisible());
      await page.emulateMedia({ media: 'print' });
      for (const sel of ['header.top', 'nav[aria-label="Main"] >> nth=0', '.print-hint', 'a.skip'])
        assert.equal(await page.locator(sel).first().isVisible(), false, `${sel} hidden in print`);
      assert.ok(await page.getByRole('heading', { level: 1 }).isVisible());
      assert.ok(await page.locator('table.vitals').isVisible());
      assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
      await page.emulateMedia({ media: 'screen' });
      assert.ok(await page.locator('header.top').isVisible());
      assert.deepEqual(violations, []);
      await context.close();
    });
  }

  it('the clinician sees the same summary on the patient\'s page', async () => {
    const { context, page, violations } = await open('clinician1@demo.test', 1280);
    const pat = await open('patient1@demo.test', 1280);
    const pid = await pat.page.evaluate(() => fetch('/session').then((r) => r.json()).then((s) => s.patient));
    await pat.context.close();
    await page.goto(`http://localhost:${srv.port}/patients/${pid}`);
    const section = page.locator('section.summary-section');
    assert.equal(await section.getByRole('heading', { level: 2 }).textContent(), 'Health summary');
    assert.deepEqual(await section.getByRole('heading', { level: 3 }).allTextContents(),
      ['Allergies', 'Health problems', 'Immunisations', 'Latest vital signs']);
    await axeClean(page);
    assert.deepEqual(violations, []);
    await context.close();
  });
});
