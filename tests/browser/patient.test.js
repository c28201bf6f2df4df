// A patient in a real browser (Debian's Chromium, driven by playwright-core): log in, list,
// open and download a document, upload one, log out; no CSP violation; usable at 360 px.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, PASSWORD, pdfWith } = require('../integration/lib');
const { launchChromium, watchedPage, menuLink } = require('./browser');


describe('patient in a browser', () => {
  let srv; let browser; let tmp;
  before(async () => {
    srv = await startServer({ patients: 2 });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-browser-'));
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    await srv.stop();
  });

  it('logs in, opens and downloads a document, uploads one, logs out, with no CSP violation', async () => {
    const { context, page, violations } = await watchedPage(browser, { acceptDownloads: true });
    // The base is localhost: browsers accept Secure (__Host-) cookies from it over plain HTTP.
    const base = `http://localhost:${srv.port}`;

    await page.goto(`${base}/`);
    assert.match(page.url(), /\/login$/);
    await page.getByLabel('Email').fill('patient1@demo.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Home');
    await (await menuLink(page, 'My documents')).click();
    await page.waitForURL(/\/documents$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'My documents');
    const links = page.locator('ul.docs li a');
    assert.ok(await links.count() >= 4);
    // Nothing wider than a phone screen.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360));

    await page.getByRole('link', { name: 'Discharge summary' }).click();
    await page.waitForURL(/\/documents\/[0-9a-f]{32}$/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download' }).click(),
    ]);
    const saved = path.join(tmp, download.suggestedFilename());
    await download.saveAs(saved);
    assert.equal(download.suggestedFilename(), 'discharge-summary.pdf');
    assert.equal(fs.readFileSync(saved).subarray(0, 5).toString(), '%PDF-');

    await page.getByRole('link', { name: '← My documents' }).click();
    const file = path.join(tmp, 'blood-pressure-diary.pdf');
    fs.writeFileSync(file, pdfWith('Blood pressure diary, week 1'));
    await page.getByLabel('Title').fill('Blood pressure diary');
    await page.getByLabel(/^File/).setInputFiles(file);
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.waitForURL(/\/documents\/[0-9a-f]{32}$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Blood pressure diary');
    await page.getByRole('link', { name: '← My documents' }).click();
    assert.equal(await page.getByRole('link', { name: 'Blood pressure diary' }).count(), 1);

    await (await menuLink(page, 'Log out', 'button')).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${base}/documents`);
    assert.match(page.url(), /\/login\?next=\/documents$/); // back there after signing in again
    assert.deepEqual(violations, []);
    await context.close();
  });

  it('shows a clear message for a wrong password', async () => {
    const page = await browser.newPage();
    await page.goto(`http://localhost:${srv.port}/login`);
    await page.getByLabel('Email').fill('patient2@demo.test');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.equal(await page.getByRole('alert').textContent(), 'Email or password is incorrect.');
    await page.close();
  });
});
