// "Your details" and documents in their page, in a real browser (Debian's Chromium, driven by
// playwright-core), at 1280 px and at phone width (390 px), axe-core clean, with no CSP
// violation: a patient finds their details in the menu, sees what the practice holds, is told
// plainly what is wrong in a contact detail, saves them and sees them again (and the practice's
// clinician sees them on the patient's page); a PDF document is shown in the page, from the
// same gate, with the download kept.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, PASSWORD, totpSecret, nextCode } = require('../integration/lib');
const { launchChromium, watchedPage, axeClean, menuLink } = require('./browser');

describe('your details, and documents in the page, in a browser', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 3 });
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
      await page.getByLabel('Code').fill(await nextCode(srv.dir, totpSecret(srv.dir, email), email));
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await page.waitForURL((u) => !/\/login/.test(u.pathname));
    return { context, page, violations };
  }
  const fits = (page, w) => page.evaluate((x) => document.documentElement.scrollWidth <= x, w);

  for (const [width, email, mobile] of [[1280, 'patient1@demo.test', '021 555 0147'], [390, 'patient2@demo.test', '+64 27 555 0148']]) {
    it(`at ${width} px: edits the contact details, is told what is wrong, and sees them saved`, async () => {
      const { context, page, violations } = await open(email, width);
      await (await menuLink(page, 'Your details')).click();
      await page.waitForURL(/\/details$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Your details');
      assert.match(await page.locator('dl.facts').textContent(), /NHI number[A-Z]{3}[0-9A-Z]{4}/);
      assert.match(await page.textContent('main'), /ask your practice to correct it/);
      await axeClean(page);
      assert.ok(await fits(page, width));

      await page.getByLabel('Mobile phone').fill('12345');
      await page.getByLabel('Street address').fill('14 Karaka Street');
      await page.getByLabel('Suburb').fill('Ōtāhuhu');
      await page.getByLabel('Town or city').fill('Auckland');
      await page.getByLabel('Postcode').fill('1062');
      await page.getByRole('button', { name: 'Save contact details' }).click();
      await page.waitForLoadState();
      assert.match(await page.title(), /^Error: /);
      assert.equal(await page.getByRole('alert').getByRole('heading').textContent(), 'There is a problem');
      assert.equal(await page.getByLabel('Mobile phone').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.getByLabel('Street address').inputValue(), '14 Karaka Street', 'what was typed is kept');
      await axeClean(page);
      assert.ok(await fits(page, width));

      await page.getByLabel('Mobile phone').fill(mobile);
      await page.getByRole('button', { name: 'Save contact details' }).click();
      await page.waitForURL(/\/details\?notice=saved$/);
      assert.equal(await page.getByRole('status').textContent(), 'The contact details are saved.');
      assert.equal(await page.getByLabel('Mobile phone').inputValue(), mobile);
      assert.equal(await page.getByLabel('Suburb').inputValue(), 'Ōtāhuhu');
      await axeClean(page);
      assert.deepEqual(violations, []);
      await context.close();
    });
  }

  it('the practice\'s clinician sees them on the patient\'s page', async () => {
    const p1 = new Client(srv.base);
    await p1.login('patient1@demo.test');
    const { context, page, violations } = await open('clinician1@demo.test', 1280);
    await page.goto(`http://localhost:${srv.port}/patients/${p1.session.patient}`);
    const facts = await page.locator('dl.facts').textContent();
    assert.match(facts, /Mobile021 555 0147/);
    assert.match(facts, /Postal address14 Karaka StreetŌtāhuhuAuckland1062/);
    await axeClean(page);
    assert.deepEqual(violations, []);
    await context.close();
  });

  for (const width of [1280, 390]) {
    it(`at ${width} px: opens a PDF document in the page, with its download kept`, async () => {
      const { context, page, violations } = await open('patient1@demo.test', width);
      await (await menuLink(page, 'My documents')).click();
      await page.waitForURL(/\/documents$/);
      const served = [];
      page.on('response', (r) => { if (/\/documents\/[0-9a-f]{32}\/view$/.test(r.url())) served.push(r); });
      const link = page.getByRole('link', { name: 'Discharge summary' });
      const id = (await link.getAttribute('href')).split('/').pop();
      const reads = () => Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'document.read' AND rid = '${id}' AND rtype = 'Binary' AND outcome = 'allow'`));
      const before = reads();
      await link.click();
      await page.waitForURL(/\/documents\/[0-9a-f]{32}$/);
      const object = page.locator('.preview object');
      assert.equal(await object.getAttribute('data'), `/documents/${id}/view`);
      assert.equal(await object.getAttribute('type'), 'application/pdf');
      assert.ok((await object.boundingBox()).width > width * 0.5, 'shown across the page');
      assert.equal(await page.getByRole('link', { name: 'Download' }).getAttribute('href'), `/documents/${id}/download`);
      // the browser asked for the inline view (the same gate and audit as a read)
      for (let i = 0; i < 40 && reads() === before; i++) await page.waitForTimeout(50);
      assert.equal(reads(), before + 1, 'the browser fetched the inline view once: a read, audited');
      if (served.length) {
        assert.equal(served[0].status(), 200);
        assert.equal(served[0].headers()['content-disposition'], 'inline');
      }
      await axeClean(page);
      assert.ok(await fits(page, width));
      assert.deepEqual(violations, []);
      await context.close();
    });
  }
});
