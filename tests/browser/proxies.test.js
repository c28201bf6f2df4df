// Family and carer access in a real browser (Debian's Chromium, driven by playwright-core):
// a patient turns on two-step sign-in and gives a carer access to their documents; the carer
// switches to that record and opens a document; the patient ends the access and it stops at
// once. No CSP violation, usable at 360 px, and axe-core finds nothing serious on the pages.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { authenticator } = require('otplib');
const { startServer, PASSWORD } = require('../integration/lib');
const { launchChromium, watchedPage, menuLink } = require('./browser');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function axeSerious(page) {
  // Evaluated through the DevTools protocol: the page's CSP forbids inline scripts, rightly.
  await page.evaluate(AXE);
  const r = await page.evaluate(async () => (await globalThis.axe.run()).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`));
  return r;
}

describe('family and carer access in a browser', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 3 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  async function signedIn(email) {
    const { context, page, violations } = await watchedPage(browser);
    await page.goto(`http://localhost:${srv.port}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    return { context, page, violations };
  }

  it('grants access, the carer switches and opens a document, the patient revokes it', async () => {
    const base = `http://localhost:${srv.port}`;
    const owner = await signedIn('patient2@demo.test');
    const carer = await signedIn('patient3@demo.test');

    // Granting asks for a fresh second factor: turn on two-step sign-in, which gives one.
    await owner.page.getByRole('link', { name: 'turn on two-step sign-in' }).click();
    const secret = await owner.page.locator('code.secret').textContent();
    await owner.page.getByLabel('Code from your app').fill(authenticator.generate(secret));
    await owner.page.getByRole('button', { name: 'Turn on' }).click();
    await owner.page.getByRole('link', { name: 'Continue' }).click();
    await (await menuLink(owner.page, 'Family access')).click();
    await owner.page.waitForURL(/\/proxies$/);
    assert.deepEqual(await axeSerious(owner.page), []);
    await owner.page.getByLabel('Their email address').fill('patient3@demo.test');
    await owner.page.getByLabel('Their name, as you want it in your list').fill('Sam');
    await owner.page.getByLabel(/^Your name, as they know you/).fill('Alex');
    await owner.page.getByLabel('results').uncheck();
    await owner.page.getByLabel('appointments').uncheck();
    await owner.page.getByRole('button', { name: 'Give access' }).click();
    await owner.page.waitForURL(/\/proxies\?done=granted$/);
    assert.match(await owner.page.getByRole('status').first().textContent(), /If they have a medkeep account they now have access/);
    // listed among everyone who can open the record, after the patient's own login
    assert.match(await owner.page.locator('ul.logins > li').first().textContent(), /^You/);
    assert.match(await owner.page.locator('ul.logins > li').nth(1).textContent(), /Sam.*Can see: documents · until/s);

    // The carer sees the record on their home page and switches to it.
    await carer.page.reload();
    const view = carer.page.getByRole('button', { name: /^View .*'s record$/ });
    assert.equal(await view.count(), 1);
    await view.click();
    await carer.page.waitForURL((u) => u.pathname === '/');
    assert.equal(await carer.page.getByRole('heading', { level: 1 }).textContent(), 'Home');
    await (await menuLink(carer.page, 'Documents')).click();
    await carer.page.waitForURL(/\/documents$/);
    assert.match(await carer.page.getByRole('heading', { level: 1 }).textContent(), /^\S+'s documents$/);
    assert.match(await carer.page.locator('#viewing').textContent(), /You are viewing the record of/);
    assert.equal(await carer.page.getByRole('link', { name: "Viewing another person's record" }).count(), 1);
    assert.deepEqual(await axeSerious(carer.page), []);
    assert.ok(await carer.page.evaluate(() => document.documentElement.scrollWidth <= 360));
    await carer.page.getByRole('link', { name: 'Discharge summary' }).click();
    await carer.page.waitForURL(/\/documents\/[0-9a-f]{32}$/);
    const docUrl = carer.page.url();
    assert.equal(await carer.page.getByRole('heading', { level: 1 }).textContent(), 'Discharge summary');

    // The patient ends it; the carer's next look finds nothing, and they are back on their own.
    await owner.page.getByRole('button', { name: 'End access for Sam' }).click();
    await owner.page.waitForURL(/\/proxies\?done=revoked$/);
    assert.match(await owner.page.getByRole('status').first().textContent(), /Access ended/);
    assert.equal(await owner.page.getByRole('button', { name: 'End access for Sam' }).count(), 0);
    const gone = await carer.page.goto(docUrl);
    assert.equal(gone.status(), 404);
    await carer.page.goto(`${base}/documents`);
    assert.equal(await carer.page.getByRole('heading', { level: 1 }).textContent(), 'My documents');
    assert.equal(await carer.page.getByRole('button', { name: /^View .*'s record$/ }).count(), 0);

    assert.deepEqual(owner.violations, []);
    assert.deepEqual(carer.violations, []);
    await owner.context.close();
    await carer.context.close();
  });
});
