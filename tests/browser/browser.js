// What the browser suites share: Debian's Chromium, headless, and a phone-sized page that
// records Content-Security-Policy violations and script errors.
'use strict';
const fs = require('node:fs');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');
const { Client } = require('../integration/lib');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A new context at 360 x 740 (more options may be given, another viewport too) and its page;
// `violations` collects CSP refusals and uncaught script errors, for the test to assert empty.
async function watchedPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, ...options });
  const page = await context.newPage();
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
  page.on('pageerror', (e) => violations.push(String(e)));
  return { context, page, violations };
}

let AXE = null;
// axe-core run in the page through DevTools (a script tag would be refused by the CSP): no
// violation of WCAG 2 A, AA or axe's best practices.
async function axeClean(page) {
  AXE = AXE || fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(AXE);
  const r = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] }));
  assert.deepEqual(r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), []);
}

// Hand a signed-in Client's cookies (session, device) to a browser context on localhost.
function useSession(context, client) {
  return context.addCookies([...client.cookies].map(([name, value]) => ({ name, value, domain: 'localhost', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' })));
}

// A link (or another role: the "Log out" button) of the main menu, by name. At phone width the
// menu is folded into a "Menu" disclosure (no script), which is opened first, as a person would.
async function menuLink(page, name, role = 'link') {
  const menu = page.locator('details.menu-phone');
  if (await menu.locator('summary').isVisible() && !(await menu.evaluate((d) => d.open))) await menu.locator('summary').click();
  return page.getByRole('navigation', { name: 'Main' }).getByRole(role, { name });
}

// A page at `width` (800 px high) signed in as `who` through the login form over HTTP (staff pass
// their second factor), its cookies handed to a new context; with the Client that signed in.
async function signedInPage(browser, srv, who, width, options = {}) {
  const c = new Client(srv.base);
  assert.equal((await c.login(who)).status, 303, who);
  const w = await watchedPage(browser, options);
  await w.page.setViewportSize({ width, height: 800 });
  await useSession(w.context, c);
  return { ...w, client: c };
}

module.exports = { launchChromium, watchedPage, axeClean, useSession, menuLink, signedInPage };
