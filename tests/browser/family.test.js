// Family access that looks like someone else's record (issue 15, item 5), in Chromium at 1280
// and 390 px with axe-core (WCAG 2 A, AA, best practice) and no CSP refusal: the demo's parent
// switches to Nikau's record and is offered only what the grant covers, under headings that
// name him, with a plain explanation on a page the grant leaves out; a patient sees everyone
// who can open their record and ends a family member's access; the clinician sees the logins
// on Nikau's record and ends the parent's access with a reason.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite } = require('../integration/lib');
const { launchChromium, axeClean, menuLink, signedInPage } = require('./browser');

const PATIENTS = 10; // the demo adds Nikau, his parent being the last patient (PROXIES.md)
const PARENT = `patient${PATIENTS}@demo.test`;
const WIDTHS = [1280, 390];

describe('family access in a browser', () => {
  let srv; let browser; let nikau;
  const base = () => `http://localhost:${srv.port}`;
  before(async () => {
    srv = await startServer({ patients: PATIENTS });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  const signedIn = (who, width) => signedInPage(browser, srv, who, width);
  const fits = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  const menu = async (page) => (await page.locator('nav[aria-label="Main"] a').allTextContents()).map((s) => s.trim());

  for (const width of WIDTHS) {
    it(`a parent in Nikau's record at ${width} px: only what the grant covers, named, explained`, async () => {
      const { context, page, violations } = await signedIn(PARENT, width);
      await page.goto(`${base()}/proxies`);
      await page.getByRole('button', { name: "View Nikau Walker's record" }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto(`${base()}/documents`);
      nikau = (await (await context.request.get(`${base()}/session`)).json()).record;
      assert.match(nikau, /^[0-9a-f]{32}$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), "Nikau's documents");
      const items = await menu(page);
      for (const shown of ['Documents', 'Results', 'Appointments']) assert.ok(items.includes(shown), `${shown} in ${items}`);
      for (const absent of ['Medications', 'Messages', 'Access log']) assert.ok(!items.includes(absent), `${absent} in ${items}`);
      await axeClean(page);
      assert.ok(await fits(page));

      await (await menuLink(page, 'Results')).first().click();
      await page.waitForURL(/\/results$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), "Nikau's results");
      await axeClean(page);
      await (await menuLink(page, 'Appointments')).first().click();
      await page.waitForURL(/\/appointments$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), "Nikau's appointments");
      await axeClean(page);

      // a page the grant leaves out, reached by its address: told so, plainly (403)
      const r = await page.goto(`${base()}/medications`);
      assert.equal(r.status(), 403);
      assert.equal(await page.locator('main p').first().textContent(),
        "Your access to Nikau's record covers documents, results and appointments. Ask Nikau or the practice to change it.");
      assert.ok(!page.url().includes('Nikau'));
      await axeClean(page);
      assert.ok(await fits(page));

      await page.goto(`${base()}/proxies`);
      await page.getByRole('button', { name: 'Back to my own record' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto(`${base()}/documents`);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'My documents');
      assert.deepEqual(violations, []);
      await context.close();
    });
  }

  it('a patient sees everyone who can open their record and ends a family member\'s access', async () => {
    const holder = new Client(srv.base);
    await holder.login('patient2@demo.test');
    let owner;
    for (const width of WIDTHS) {
      const w = await signedIn('patient1@demo.test', width);
      if (!owner) {
        owner = w.client;
        const now = Math.floor(Date.now() / 1000);
        sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by)
          VALUES (randomblob(16), X'${owner.session.patient}', X'${holder.session.account}', 3, ${now + 86400 * 60}, ${now}, X'${owner.session.account}')`);
      }
      await w.page.goto(`${base()}/documents`);
      await (await menuLink(w.page, 'Family access')).first().click();
      await w.page.getByRole('heading', { name: 'Everyone who can open your record' }).waitFor();
      const list = w.page.locator('ul.logins > li');
      assert.equal(await list.count(), 2);
      assert.match(await list.nth(0).textContent(), /^You/);
      assert.match(await list.nth(1).textContent(), /Can see: documents, results · until/);
      assert.equal(await w.page.getByRole('button', { name: 'Sign out everywhere' }).count(), 1);
      await axeClean(w.page);
      assert.ok(await fits(w.page));
      if (width === WIDTHS[WIDTHS.length - 1]) {
        await w.page.getByRole('button', { name: /^End access for / }).click();
        await w.page.waitForURL(/\/proxies\?done=revoked$/);
        assert.match(await w.page.getByRole('status').first().textContent(), /Access ended/);
        assert.equal(await w.page.locator('ul.logins > li').count(), 1);
        await axeClean(w.page);
        assert.equal(sqlite(srv.dir, `SELECT count(*) FROM proxy_grant WHERE account_id = X'${holder.session.account}' AND revoked IS NULL`), '0');
      }
      assert.deepEqual(w.violations, []);
      await w.context.close();
    }
  });

  it('the clinician sees the logins on Nikau\'s record and ends the parent\'s access with a reason', async () => {
    assert.ok(nikau, 'the parent test found Nikau');
    for (const width of WIDTHS) {
      const { context, page, violations } = await signedIn('clinician1@demo.test', width);
      await page.goto(`${base()}/patients/${nikau}`);
      await page.getByRole('heading', { name: 'Logins on this record' }).waitFor();
      const list = page.locator('ul.logins > li');
      assert.match(await list.nth(0).textContent(), /The patient's own login.*No portal login yet/s);
      assert.match(await list.nth(1).textContent(), /Nikau's parent.*Can see: documents, results, appointments · until.*set up by the practice/s);
      await axeClean(page);
      assert.ok(await fits(page));
      if (width === WIDTHS[WIDTHS.length - 1]) {
        const end = page.getByRole('button', { name: "End access for Nikau's parent" });
        // without a reason the browser does not send the form
        await end.click();
        assert.match(page.url(), new RegExp(`/patients/${nikau}$`));
        await page.getByLabel('Why is this access ending?').selectOption({ label: 'Care or custody arrangements changed' });
        await end.click();
        await page.waitForURL(new RegExp(`/patients/${nikau}/proxies\\?done=revoked$`));
        assert.match(await page.getByRole('status').first().textContent(), /Access ended/);
        await axeClean(page);
        assert.equal(sqlite(srv.dir, `SELECT end_reason FROM proxy_grant WHERE patient_id = X'${nikau}' AND revoked IS NOT NULL AND end_reason IS NOT NULL`), 'care-changed');
        // and it stopped at once: the parent can no longer switch to Nikau's record
        const parent = new Client(srv.base);
        await parent.login(PARENT);
        const sw = await parent.post('/records/switch', { body: new URLSearchParams({ csrf: parent.csrf, record: nikau }).toString(),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
        assert.equal(sw.status, 404);
      }
      assert.deepEqual(violations, []);
      await context.close();
    }
  });
});
