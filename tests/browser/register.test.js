// Enrolling a patient in a real browser (Debian's Chromium, driven by playwright-core) at phone
// width: a clinician opens "Enrol a patient" from the patient list, sends the form with a wrong
// NHI check character and no family name, follows the error summary's link to the field, corrects
// it and lands on the new patient's page; then finds them again by NHI. No CSP violation, and
// axe-core finds nothing serious on the form, its error state or the patient's page.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client } = require('../integration/lib');
const { launchChromium, watchedPage, axeClean, useSession } = require('./browser');

describe('enrolling a patient in a browser', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 2 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  it('enrols with errors shown and corrected, then finds the patient by NHI', async () => {
    const base = `http://localhost:${srv.port}`;
    // Signed in over HTTP (with the TOTP code), the session cookie handed to the browser.
    const c = new Client(srv.base);
    assert.equal((await c.login('clinician1@demo.test')).status, 303);
    const { context, page, violations } = await watchedPage(browser);
    await useSession(context, c);
    await page.goto(`${base}/patients`);
    await page.getByRole('link', { name: 'Enrol a patient' }).click();
    await page.waitForURL(/\/practice\/patients\/new$/);
    await axeClean(page);

    await page.getByLabel('NHI number').fill('ZZZ0017'); // ZZZ0016 is valid: the check digit is 6
    await page.getByLabel('Given name or names').fill('Mere');
    await page.getByLabel('Date of birth').fill('1990-05-17');
    await page.getByLabel('Gender').selectOption('female');
    await page.getByRole('button', { name: 'Enrol' }).click();
    await page.waitForLoadState();
    assert.match(await page.title(), /^Error: Enrol a patient/);
    const summary = page.getByRole('alert');
    assert.match(await summary.textContent(), /There is a problem/);
    assert.equal(await page.getByLabel('NHI number').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Given name or names').inputValue(), 'Mere');
    await axeClean(page);
    // The summary's link takes the person to the field.
    await summary.getByRole('link', { name: /check character/ }).click();
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'nhi');

    await page.getByLabel('NHI number').fill('ZZZ0016');
    await page.getByLabel('Family name').fill('Ngata');
    await page.getByRole('button', { name: 'Enrol' }).click();
    await page.waitForURL(/\/patients\/[0-9a-f]{32}\?notice=enrolled$/);
    const url = page.url();
    assert.ok(!url.includes('ZZZ0016'));
    assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /Ngata, Mere/);
    assert.match(await page.getByRole('status').first().textContent(), /Enrolled/);
    await axeClean(page);

    // Found again by NHI from the list: a POST, and the patient's page by id.
    await page.goto(`${base}/patients`);
    await page.getByLabel('NHI number').fill('zzz0016');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(/\/patients\/[0-9a-f]{32}$/);
    assert.equal(page.url(), url.replace(/\?notice=enrolled$/, ''));

    // Correct details from the patient's page.
    await page.getByRole('link', { name: 'Correct details' }).click();
    await page.waitForURL(/\/details$/);
    assert.equal(await page.getByLabel('Family name').inputValue(), 'Ngata');
    await axeClean(page);
    await page.getByLabel('Family name').fill('Ngata-Walker');
    await page.getByRole('button', { name: 'Save the details' }).click();
    await page.waitForURL(/\?notice=corrected$/);
    assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /Ngata-Walker, Mere/);
    assert.deepEqual(violations, []);
    await context.close();
  });
});
