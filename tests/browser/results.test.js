// Lab results in a real browser (Debian's Chromium, driven by playwright-core): a patient opens a
// result and sees each value against its range (SVG, no script), and its trend; a clinician
// releases a held result with a comment, which the patient then sees. No CSP violation; 360 px.
// (axe-core checks these pages in accessibility.test.js.)
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, PASSWORD, totpSecret, nextCode } = require('../integration/lib');
const { launchChromium, watchedPage, menuLink } = require('./browser');


describe('lab results in a browser', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 2 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });


  async function login(page, email) {
    await page.goto(`http://localhost:${srv.port}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    if (/\/login\/mfa$/.test(page.url())) {
      const code = await nextCode(srv.dir, totpSecret(srv.dir, email), email);
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
    }
  }

  const fitsPhone = (page) => page.evaluate(() => document.documentElement.scrollWidth <= 360);

  it('a patient opens a result and sees each value drawn against its range, and a trend', async () => {
    const { context, page, violations } = await watchedPage(browser);
    await login(page, 'patient1@demo.test');
    await (await menuLink(page, 'My results')).click();
    await page.waitForURL(/\/results$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'My results');
    assert.ok(await fitsPhone(page));
    // Abnormal results say so in words.
    assert.ok(await page.getByText('Outside the normal range').count() >= 1);
    await page.locator('ul.results li a').filter({ hasText: 'Blood chemistry' }).first().click();
    await page.waitForURL(/\/results\/[0-9a-f]{32}$/);
    const bars = page.getByRole('img', { name: /normal range/ });
    assert.ok(await bars.count() >= 1);
    const bar = bars.first();
    assert.ok(await bar.isVisible());
    const box = await bar.boundingBox();
    assert.ok(box.width > 100 && box.width <= 360, `bar width ${box.width}`);
    // The marker sits on the bar, the band inside it.
    const marker = await page.locator('svg.rangebar .bar-marker').first().boundingBox();
    assert.ok(marker.x >= box.x - 4 && marker.x + marker.width <= box.x + box.width + 4);
    assert.ok(await page.locator('svg.rangebar .bar-band').count() >= 1);
    assert.ok(await fitsPhone(page));
    await page.getByRole('link', { name: '← My results' }).click();
    await page.getByRole('link', { name: 'HbA1c over time' }).click();
    await page.waitForURL(/\/results\/trend\?code=4548-4$/);
    assert.ok(await page.getByRole('img', { name: /Chart of HbA1c/ }).isVisible());
    assert.equal(await page.locator('table.list tbody tr').count(), 4);
    assert.ok(await fitsPhone(page));
    assert.deepEqual(violations, []);
    await context.close();
  });

  it('a clinician releases a held result with a comment, and the patient then sees it', async () => {
    const { context, page, violations } = await watchedPage(browser);
    await login(page, 'clinician1@demo.test');
    await (await menuLink(page, 'Results inbox')).click();
    await page.waitForURL(/\/results\/inbox$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Results inbox');
    // Abnormal first: the first row is flagged in words.
    assert.match(await page.locator('table.inbox tbody tr').first().textContent(), /Abnormal|Critical/);
    const row = page.locator('table.inbox tbody tr').filter({ hasText: 'Normal' }).filter({ hasText: 'Blood chemistry' }).first();
    const patientName = (await row.locator('td').nth(1).textContent()).trim();
    await row.getByRole('link').first().click();
    await page.waitForURL(/\/results\/[0-9a-f]{32}$/);
    const resultUrl = page.url();
    assert.match(await page.locator('dl.facts').textContent(), /Not yet: by the practice's rules|No: held for a clinician/);
    await page.getByLabel(/^Comment for the patient/).fill('Kidney tests are normal. No action needed.');
    await page.getByRole('button', { name: 'Release result' }).click();
    // on to the next result in the inbox (or the inbox after the last); the released one says so
    await page.waitForURL((u) => u.href !== resultUrl && /\/results\/([0-9a-f]{32}|inbox\?done=1)$/.test(u.pathname + u.search));
    await page.goto(resultUrl);
    assert.match(await page.locator('dl.facts').textContent(), /Yes, by a clinician/);
    assert.equal(await page.getByRole('button', { name: 'Release result' }).count(), 0);
    assert.deepEqual(violations, []);
    await context.close();

    // The patient whose result it was now sees it, with the comment.
    const names = { 'patient1@demo.test': null, 'patient2@demo.test': null };
    const patient = await watchedPage(browser);
    for (const email of Object.keys(names)) {
      await login(patient.page, email);
      const r = await patient.page.goto(resultUrl);
      names[email] = r.status();
      if (r.status() === 200) {
        assert.equal(await patient.page.getByRole('heading', { name: 'Your clinician\'s comment' }).count(), 1);
        assert.match(await patient.page.locator('main').textContent(), /Kidney tests are normal\. No action needed\./);
      }
      await (await menuLink(patient.page, 'Log out', 'button')).click();
      await patient.page.waitForURL(/\/login$/);
    }
    // Exactly one of them (the result's own patient) sees it; the other gets not found.
    assert.deepEqual(Object.values(names).sort(), [200, 404], `${patientName}: ${JSON.stringify(names)}`);
    assert.deepEqual(patient.violations, []);
    await patient.context.close();
  });
});
