// The patient's home page in a real browser (Debian's Chromium, driven by playwright-core), at
// 1280 px and at phone width (390 px), axe-core clean: what the practice did since the patient
// last looked (a result released, a reply, a repeat approved) is listed and counted in the
// menu, and the counts go down once each is opened; at phone width the menu is one "Menu"
// disclosure that reaches every page; the security cards fold away once read; a parent viewing
// a child's record sees only what the grant covers; nobody sees another patient's news.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, multipart, randomId, sqlite, PASSWORD, totpSecret, nextCode } = require('../integration/lib');
const { launchChromium, watchedPage, axeClean } = require('./browser');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const FHIR = { 'Content-Type': 'application/fhir+json' };
const form = (c, fields) => ({ body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });

// A final creatinine report for patient, as a lab files it (held: no release rule).
function report(patient) {
  return {
    resourceType: 'DiagnosticReport', status: 'final',
    identifier: [{ value: `H-${randomId().slice(0, 12)}` }],
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: new Date(Date.now() - 3600000).toISOString(),
    issued: new Date(Date.now() - 60000).toISOString(),
    performer: [{ display: 'Test Laboratory' }],
    contained: [{ resourceType: 'Observation', id: 'o0', status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '2160-0' }] },
      valueQuantity: { value: 80, unit: 'umol/L', system: 'http://unitsofmeasure.org', code: 'umol/L' },
      referenceRange: [{ low: { value: 60 }, high: { value: 105 } }] }],
    result: [{ reference: '#o0' }],
  };
}

describe('the home page in a browser', () => {
  let srv; let browser; let clin;
  before(async () => {
    srv = await startServer({ patients: 10 });
    // What the demo released and decided is in the second it was made; the practice's work in
    // these tests must come after it, or a newest-first list of five (ties broken by id) and a
    // "seen up to" mark of whole seconds can leave it out.
    await new Promise((r) => setTimeout(r, 1100));
    browser = await launchChromium();
    clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  // The practice files a result for patient and releases it: its id.
  async function releasedResult(patient) {
    const filed = await clin.post('/fhir/R4/DiagnosticReport', { body: JSON.stringify(report(patient)), headers: FHIR });
    assert.equal(filed.status, 201, filed.text);
    const id = filed.json().id;
    assert.equal((await clin.post(`/results/${id}/release`, form(clin, { comment: 'All fine.' }))).status, 303);
    return id;
  }

  // A signed-in page at the given width; violations collects CSP refusals and script errors.
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

  const nav = (page) => page.getByRole('navigation', { name: 'Main' });
  // The count a visible menu link shows ("Messages (2 unread)" -> 2; none -> 0).
  async function menuCount(page, name) {
    const label = await nav(page).getByRole('link', { name: new RegExp(`^${name}`) }).textContent();
    const m = label.match(/\((\d+)/);
    return m ? Number(m[1]) : 0;
  }
  const news = (page) => page.locator('ul.news');
  const fits = (page, w) => page.evaluate((x) => document.documentElement.scrollWidth <= x, w);

  it('a patient sees a new result, a reply and a ready repeat, counted in the menu; the counts go down as each is opened', async () => {
    const p1 = new Client(srv.base);
    await p1.login('patient1@demo.test');
    const me = p1.session.patient;
    // The practice's work since the patient last looked: a released result, a reply to the
    // patient's question, and a repeat approved.
    const marker = `Home${randomId().slice(0, 8)}`;
    const msg = multipart({ csrf: p1.csrf, subject: `Question ${marker}`, body: 'Is my result back?' }, []);
    const asked = await p1.post('/messages', { body: msg.body, headers: { 'Content-Type': msg.type }, csrf: false });
    assert.equal(asked.status, 303);
    const thread = asked.headers.get('location').split('/').pop();
    const ans = multipart({ csrf: clin.csrf, body: 'Yes, it is normal.' }, []);
    assert.equal((await clin.post(`/messages/${thread}/reply`, { body: ans.body, headers: { 'Content-Type': ans.type }, csrf: false })).status, 303);
    const result = await releasedResult(me);
    const med = (await p1.get('/medications')).text.match(/action="\/medications\/([0-9a-f]{32})\/repeat"/)[1];
    assert.equal((await p1.post(`/medications/${med}/repeat`, form(p1, { pharmacy: '1', note: '' }))).status, 303);
    const reqId = sqlite(srv.dir, `SELECT lower(hex(id)) FROM repeat_request WHERE medication_id = X'${med}' AND state = 'requested'`);
    assert.equal((await clin.post(`/repeats/${reqId}/decide`, form(clin, { decision: 'approve', reason: '' }))).status, 303);

    const { context, page, violations } = await open('patient1@demo.test', 1280);
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Home');
    await axeClean(page);
    // Each item links to its own page.
    assert.equal(await news(page).locator(`a[href="/results/${result}"]`).textContent(), 'New result: Blood chemistry');
    assert.match(await news(page).locator(`a[href="/messages/${thread}"]`).textContent(), new RegExp(`Reply: Question ${marker}`));
    const ready = news(page).locator('li').filter({ hasText: /^Repeat ready: / }).first();
    assert.match(await ready.textContent(), /Approved .* · sent to \S/);
    // The counts are in the link's words, so a screen reader says them too.
    const results = await menuCount(page, 'My results');
    const messages = await menuCount(page, 'Messages');
    const repeats = await menuCount(page, 'Medications');
    assert.ok(results >= 1 && messages >= 1 && repeats >= 1, `${results} ${messages} ${repeats}`);
    assert.equal(await nav(page).getByRole('link', { name: `Messages (${messages} unread)` }).count(), 1);
    assert.ok(await fits(page, 1280));

    // Opening the result: one fewer, and it leaves the list.
    await news(page).locator(`a[href="/results/${result}"]`).click();
    await page.waitForURL(new RegExp(`/results/${result}$`));
    assert.equal(await menuCount(page, 'My results'), results - 1);
    await nav(page).getByRole('link', { name: 'Home' }).click();
    assert.equal(await news(page).locator(`a[href="/results/${result}"]`).count(), 0);
    // Reading the reply.
    await news(page).locator(`a[href="/messages/${thread}"]`).click();
    await page.waitForURL(new RegExp(`/messages/${thread}$`));
    assert.equal(await menuCount(page, 'Messages'), messages - 1);
    // Looking at the medications: the decisions are no longer new.
    await nav(page).getByRole('link', { name: /^Medications/ }).click();
    await page.waitForURL(/\/medications$/);
    assert.equal(await menuCount(page, 'Medications'), 0);
    await nav(page).getByRole('link', { name: 'Home' }).click();
    assert.equal(await page.getByText(/^Repeat (ready|declined): /).count(), 0);
    assert.equal(await page.getByText(`Reply: Question ${marker}`).count(), 0);
    await axeClean(page);

    // Another patient never sees any of it.
    const other = await open('patient2@demo.test', 1280);
    const html = await other.page.content();
    assert.ok(!html.includes(result) && !html.includes(thread) && !html.includes(marker));
    assert.deepEqual(violations, []);
    assert.deepEqual(other.violations, []);
    await other.context.close();
    await context.close();
  });

  it('the security cards fold away once read and the two-step nag shrinks to one line', async () => {
    const { context, page } = await open('patient3@demo.test', 1280);
    const status = page.getByRole('region', { name: 'Security status' });
    assert.equal(await status.count(), 1);
    await status.getByRole('button', { name: /Got it/ }).click();
    await page.waitForURL((u) => u.pathname === '/');
    assert.equal(await page.getByRole('region', { name: 'Security status' }).count(), 0);
    assert.match(await page.locator('.status.warn').first().textContent(), /Protect your record/);
    await page.locator('.status.warn').first().getByRole('button', { name: /Got it/ }).click();
    await page.waitForURL((u) => u.pathname === '/');
    assert.equal(await page.getByText('Protect your record').count(), 0);
    // The nag that matters stays, as one line with its link.
    assert.equal(await page.locator('p.nag').getByRole('link', { name: 'turn on two-step sign-in' }).count(), 1);
    await axeClean(page);
    // Put away for this account, on every device: a new sign-in shows them folded too.
    const again = await open('patient3@demo.test', 390);
    assert.equal(await again.page.getByRole('region', { name: 'Security status' }).count(), 0);
    assert.equal(await again.page.locator('p.nag').count(), 1);
    // Without the form's token, nothing is put away.
    const c = new Client(srv.base);
    await c.login('patient4@demo.test');
    assert.equal((await c.post('/home/cards', { body: 'card=status', headers: FORM, csrf: false })).status, 403);
    assert.match((await c.get('/')).text, /Security status/);
    assert.equal((await c.post('/home/cards', form(c, { card: 'nonsense' }))).status, 400);
    // Staff have no such cards: the route is not theirs.
    assert.equal((await clin.post('/home/cards', form(clin, { card: 'status' }))).status, 404);
    await again.context.close();
    await context.close();
  });

  it('at phone width the menu is one "Menu" disclosure that reaches every page, for patients, staff and operators', async () => {
    for (const email of ['patient5@demo.test', 'clinician1@demo.test', 'admin1@demo.test', 'operator@demo.test']) {
      const { context, page, violations } = await open(email, 390);
      const menu = page.locator('details.menu-phone');
      const header = await page.locator('header.top').boundingBox();
      assert.ok(header.height < 100, `${email}: header ${header.height} px high`);
      assert.equal(await nav(page).count(), 0, 'the menu starts folded');
      await axeClean(page);
      await menu.locator('summary').click();
      const links = nav(page).getByRole('link');
      const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(hrefs.length >= 3, `${email}: ${hrefs}`);
      assert.ok(await nav(page).getByRole('button', { name: 'Log out' }).isVisible());
      await axeClean(page);
      for (const href of hrefs) {
        if (!(await menu.evaluate((d) => d.open))) await menu.locator('summary').click();
        await page.locator('details.menu-phone nav').locator(`a[href="${href}"]`).first().click();
        await page.waitForURL((u) => u.pathname === href || (href === '/' && u.pathname !== '/login'));
        assert.equal(await page.locator('h1').count(), 1, `${email} ${href}`);
        assert.ok(await fits(page, 390), `${email} ${href} fits 390 px`);
        assert.equal(await page.locator('details.menu-phone').evaluate((d) => d.open), false);
      }
      assert.deepEqual(violations, []);
      await context.close();
    }
  });

  it("a parent viewing a child's record sees only what the grant covers, never their own or anyone else's news", async () => {
    const parent = new Client(srv.base);
    await parent.login('patient10@demo.test');
    const own = parent.session.patient;
    const child = (await parent.get('/proxies')).text.match(/name="record" value="([0-9a-f]{32})"><button type="submit">View Nikau/)[1];
    const childResult = await releasedResult(child);
    const ownResult = await releasedResult(own);
    const { context, page, violations } = await open('patient10@demo.test', 390);
    // Their own record first: their own new result, not the child's.
    assert.equal(await news(page).locator(`a[href="/results/${ownResult}"]`).count(), 1);
    assert.equal(await page.locator(`a[href="/results/${childResult}"]`).count(), 0);
    await page.getByRole('button', { name: /View Nikau Walker/ }).click();
    await page.waitForURL((u) => u.pathname === '/');
    assert.match(await page.getByRole('heading', { level: 2, name: /viewing the record of Nikau/ }).textContent(), /Nikau Walker/);
    await axeClean(page);
    assert.equal(await news(page).locator(`a[href="/results/${childResult}"]`).count(), 1);
    const html = await page.content();
    assert.ok(!html.includes(ownResult), "the parent's own result is not on the child's home");
    // The grant covers documents, results and appointments: no messages, no medications.
    await page.locator('details.menu-phone summary').click();
    const hrefs = await nav(page).getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.includes('/results') && hrefs.includes('/appointments'));
    assert.ok(!hrefs.includes('/messages') && !hrefs.includes('/medications'), hrefs.join(' '));
    assert.equal(await page.getByText(/^(Reply|Replies|Repeat ready|Repeat declined): /).count(), 0);
    assert.equal(await menuCount(page, 'Results'), 1);
    assert.deepEqual(violations, []);
    await context.close();
  });
});
