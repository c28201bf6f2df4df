// The clinician's tools in a real browser (Debian's Chromium, driven by playwright-core), at
// 1280 px and at phone width (390 px): the results inbox with its "my patients" filter, a
// result's filing actions going on to the next item, the repeat queue as a table (each request
// a labelled block on a phone), and stopping a medicine through its confirmation with a
// reason. No CSP violation, nothing wider than the screen, axe-core clean on each page.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, PASSWORD, totpSecret, nextCode, Client, sqlite, multipart } = require('../integration/lib');

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const { launchChromium, axeClean } = require('./browser');

const WIDTHS = [1280, 390];

describe('clinician tools in a browser', () => {
  let srv; let browser; let tid;
  before(async () => {
    srv = await startServer({ patients: 3 });
    browser = await launchChromium();
    // An open repeat request of patient1's, for the queue.
    const p = new Client(srv.base);
    assert.equal((await p.login('patient1@demo.test')).status, 303);
    const meds = (await p.fhir(`MedicationRequest?patient=${p.session.patient}`)).json().entry.map((e) => e.resource);
    const open = new Set(meds.filter((x) => x.intent === 'proposal' && x.status === 'draft').map((x) => x.priorPrescription.reference.split('/')[1]));
    const med = meds.find((x) => x.intent === 'order' && x.status === 'active' && !open.has(x.id));
    // A conversation with a picture attached, to preview and assign.
    const m = multipart({ csrf: p.csrf, subject: 'Photo of the rash', body: 'It started on Monday.' }, [{ name: 'file', filename: 'rash.png', type: 'image/png', data: PNG }]);
    const sent = await p.post('/messages', { body: m.body, headers: { 'Content-Type': m.type }, csrf: false });
    assert.equal(sent.status, 303);
    tid = sent.headers.get('location').split('/').pop();
    if (med) {
      const r = await p.post(`/medications/${med.id}/repeat`, { body: new URLSearchParams({ csrf: p.csrf, pharmacy: '0' }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
      assert.equal(r.status, 303);
    }
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  async function open(width) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    page.on('pageerror', (e) => violations.push(String(e)));
    await page.goto(`http://localhost:${srv.port}/login`);
    await page.getByLabel('Email').fill('clinician1@demo.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    if (/\/login\/mfa$/.test(page.url())) {
      const code = await nextCode(srv.dir, totpSecret(srv.dir, 'clinician1@demo.test'), 'clinician1@demo.test');
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    return { context, page, violations };
  }
  const fits = (page, width) => page.evaluate((w) => document.documentElement.scrollWidth <= w, width);

  for (const width of WIDTHS) {
    it(`results inbox: filter, file and go on to the next result (${width} px)`, async () => {
      const { context, page, violations } = await open(width);
      await page.goto(`http://localhost:${srv.port}/results/inbox`);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Results inbox');
      await axeClean(page);
      assert.ok(await fits(page, width), 'inbox fits');
      await page.getByRole('link', { name: 'My patients' }).click();
      await page.waitForURL(/\/results\/inbox\?mine=1$/);
      assert.equal(await page.getByRole('link', { name: 'My patients' }).getAttribute('aria-current'), 'page');
      await axeClean(page);
      await page.getByRole('link', { name: 'All patients' }).click();
      const rows = page.locator('table.inbox tbody tr');
      const before = await rows.count();
      assert.ok(before >= 2, `results waiting: ${before}`);
      const second = await rows.nth(1).locator('a').first().getAttribute('href');
      await rows.first().locator('a').first().click();
      await page.waitForURL(/\/results\/[0-9a-f]{32}$/);
      await axeClean(page);
      assert.ok(await fits(page, width), 'result page fits');
      await page.getByRole('button', { name: 'File result' }).click();
      await page.waitForURL((u) => u.pathname === second);
      assert.equal(await page.getByRole('button', { name: 'File result' }).count(), 1, 'the next result, its actions ready');
      await page.goto(`http://localhost:${srv.port}/results/inbox`);
      assert.equal(await page.locator('table.inbox tbody tr').count(), before - 1);
      assert.deepEqual(violations, []);
      await context.close();
    });

    it(`repeat queue table and stopping a medicine with a reason (${width} px)`, async () => {
      const { context, page, violations } = await open(width);
      await page.goto(`http://localhost:${srv.port}/repeats`);
      const table = page.locator('table.queue-table');
      assert.equal(await table.count(), 1);
      await axeClean(page);
      assert.ok(await fits(page, width), 'queue fits');
      const first = table.locator('tbody tr').first();
      assert.ok(await first.getByRole('button', { name: 'Approve' }).isVisible());
      assert.match(await first.locator('td[data-label="Last approved"]').textContent(), /Never|\d{4}/);
      // The patient is linked: follow it to their medicines, and stop one.
      await first.locator('td[data-label="Patient"] a').click();
      await page.waitForURL(/\/patients\/[0-9a-f]{32}$/);
      const pid = page.url().split('/').pop();
      await page.goto(`http://localhost:${srv.port}/patients/${pid}/medications`);
      const stop = page.getByRole('link', { name: /^Stop / }).first();
      const drug = (await stop.textContent()).replace(/^Stop /, '').replace(/…$/, '');
      await stop.click();
      await page.waitForURL(/\/medications\/[0-9a-f]{32}\/stop$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Stop a medicine');
      await axeClean(page);
      assert.ok(await fits(page, width), 'confirmation fits');
      await page.getByLabel('Side effects').check();
      await page.getByLabel(/^Note/).fill(`Rash (browser ${width}).`);
      await page.getByRole('button', { name: `Stop ${drug}` }).click();
      await page.waitForURL(/\/patients\/[0-9a-f]{32}\/medications$/);
      assert.match(await page.locator('main').textContent(), new RegExp(`Why: Side effects\\. Rash \\(browser ${width}\\)\\.`));
      await axeClean(page);
      assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM medication WHERE patient_id = X'${pid}' AND stop_reason = 'side-effects'`)) >= 1);
      assert.deepEqual(violations, []);
      await context.close();
    });

    it(`a conversation: the picture previewed in the page, assigned to a colleague (${width} px)`, async () => {
      const { context, page, violations } = await open(width);
      await page.goto(`http://localhost:${srv.port}/messages/${tid}`);
      const img = page.getByRole('img', { name: 'Attached picture: rash.png' });
      await img.waitFor();
      assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 1), 'the picture loaded under the page\'s CSP');
      await axeClean(page);
      assert.ok(await fits(page, width), 'thread fits');
      await page.getByLabel('Assigned to').selectOption({ index: 1 });
      const name = (await page.getByLabel('Assigned to').locator('option:checked').textContent()).trim();
      await page.getByRole('button', { name: 'Assign' }).click();
      await page.waitForURL(new RegExp(`/messages/${tid}$`));
      assert.equal((await page.getByLabel('Assigned to').locator('option:checked').textContent()).trim(), name);
      await page.goto(`http://localhost:${srv.port}/inbox`);
      assert.match(await page.locator('table.list').textContent(), new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      await axeClean(page);
      assert.ok(await fits(page, width), 'inbox fits');
      await page.getByRole('link', { name: 'Assigned to me' }).click();
      await page.waitForURL(/\/inbox\?mine=1$/);
      await axeClean(page);
      assert.deepEqual(violations, []);
      await context.close();
    });
  }
});
