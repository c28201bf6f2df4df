// Medications and appointments in a real browser (Debian's Chromium, driven by
// playwright-core): a patient asks for a repeat and a clinician approves it; a patient books
// and cancels an appointment. At 360 px, with no CSP violation, and axe-core finds no serious
// or critical accessibility problem on any of these pages.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startServer, PASSWORD, totpSecret, nextCode } = require('../integration/lib');
const { launchChromium, watchedPage, menuLink } = require('./browser');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Run axe-core in the page (evaluated over the DevTools protocol, so the page's CSP, which
// forbids inline script, stays in force for the page itself).
async function axeProblems(page) {
  await page.evaluate(AXE);
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const out = await axe.run(document, { resultTypes: ['violations'] });
    return out.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  return r.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

describe('medications and appointments in a browser', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 2 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  async function open(email) {
    const { context, page, violations } = await watchedPage(browser);
    const base = `http://localhost:${srv.port}`;
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    if (/\/login\/mfa$/.test(page.url())) {
      const code = await nextCode(srv.dir, totpSecret(srv.dir, email), email);
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await page.waitForURL((u) => !/\/login/.test(u.pathname));
    return { context, page, base, violations };
  }

  async function checkPage(page, label) {
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), `${label} fits 360 px`);
    assert.deepEqual(await axeProblems(page), [], `axe on ${label}`);
  }

  it('a patient asks for a repeat and a clinician approves it', async () => {
    const pat = await open('patient1@demo.test');
    await (await menuLink(pat.page, 'Medications')).click();
    await pat.page.waitForURL(/\/medications$/);
    assert.equal(await pat.page.getByRole('heading', { level: 1 }).textContent(), 'Medications');
    await checkPage(pat.page, '/medications');
    const first = pat.page.locator('ul.meds > li').filter({ has: pat.page.locator('details') }).first();
    const drug = (await first.locator('strong').first().textContent()).trim();
    await first.locator('summary').click();
    await first.getByLabel('Pharmacy to collect from').selectOption({ label: 'Rata Road Chemist, Newmarket' });
    await first.getByLabel(/Note for your practice/).fill('Away next week, please');
    await first.getByRole('button', { name: /Ask for a repeat of/ }).click();
    await pat.page.waitForURL(/\/medications\?done=repeat$/);
    assert.equal(await pat.page.getByRole('status').first().textContent(), 'Your repeat request was sent to your practice.');
    const mine = pat.page.locator('li.repeat').filter({ hasText: 'Away next week, please' });
    assert.match(await mine.textContent(), /Waiting for your practice/);

    const clin = await open('clinician1@demo.test');
    await (await menuLink(clin.page, 'Repeats')).click();
    await clin.page.waitForURL(/\/repeats$/);
    await checkPage(clin.page, '/repeats');
    const card = clin.page.locator('table.queue-table tbody tr').filter({ hasText: 'Away next week, please' });
    assert.match(await card.textContent(), new RegExp(drug.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await card.getByLabel(/Reason \(needed to decline\)/).fill('Sent to Rata Road Chemist');
    await card.getByRole('button', { name: 'Approve' }).click();
    await clin.page.waitForURL(/\/repeats\?done=1$/);
    assert.equal(await clin.page.locator('table.queue-table tbody tr').filter({ hasText: 'Away next week, please' }).count(), 0);

    await pat.page.reload();
    const done = pat.page.locator('li.repeat').filter({ hasText: 'Away next week, please' });
    assert.match(await done.textContent(), /Approved .* by Dr Aroha Ngata\. Comment: Sent to Rata Road Chemist/);
    assert.deepEqual(pat.violations, []);
    assert.deepEqual(clin.violations, []);
    // The clinician's other pages pass the same checks.
    for (const p of ['/day', '/slots']) {
      await clin.page.goto(`${clin.base}${p}`);
      await checkPage(clin.page, p);
    }
    await clin.page.goto(`${clin.base}/patients`);
    await clin.page.locator('table.list a').first().click();
    await clin.page.getByRole('link', { name: 'Medications and repeat requests' }).click();
    await clin.page.waitForURL(/\/patients\/[0-9a-f]{32}\/medications$/);
    await checkPage(clin.page, 'patient medications');
    await pat.context.close();
    await clin.context.close();
  });

  it('a patient books and cancels an appointment', async () => {
    const pat = await open('patient2@demo.test');
    await (await menuLink(pat.page, 'Appointments')).click();
    await pat.page.waitForURL(/\/appointments$/);
    await checkPage(pat.page, '/appointments');
    const upcoming = () => pat.page.locator('ul.appointments').first().locator('li');
    const before1 = await upcoming().count();
    const slot = pat.page.locator('label.slot').nth(4);
    const when = (await slot.textContent()).trim().split(' · ')[0];
    await slot.locator('input').check();
    await pat.page.getByLabel(/Reason for the visit/).fill('Check-up of my asthma');
    await pat.page.getByRole('button', { name: 'Book' }).click();
    await pat.page.waitForURL(/\/appointments\?done=booked$/);
    assert.equal(await pat.page.getByRole('status').first().textContent(), 'Your appointment is booked.');
    assert.equal(await upcoming().count(), before1 + 1);
    const item = upcoming().filter({ hasText: 'Check-up of my asthma' });
    assert.match(await item.textContent(), new RegExp(when));
    await item.getByRole('link', { name: 'Cancel this appointment' }).click();
    await pat.page.waitForURL(/\/appointments\/[0-9a-f]{32}\/cancel$/);
    await pat.page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await pat.page.waitForURL(/\/appointments\?done=cancelled$/);
    assert.equal(await pat.page.getByRole('status').first().textContent(), 'Your appointment is cancelled.');
    assert.equal(await upcoming().count(), before1);
    const past = pat.page.locator('ul.appointments').nth(1).locator('li').filter({ hasText: 'Check-up of my asthma' });
    assert.match(await past.textContent(), /Cancelled/);
    assert.deepEqual(pat.violations, []);
    await pat.context.close();

    const admin = await open('admin1@demo.test');
    for (const p of ['/practice/appointments', '/slots']) {
      await admin.page.goto(`${admin.base}${p}`);
      await checkPage(admin.page, p);
    }
    assert.deepEqual(admin.violations, []);
    await admin.context.close();
  });
});
