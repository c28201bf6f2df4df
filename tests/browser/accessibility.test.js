// Accessibility: axe-core (WCAG 2.x A and AA rules) on every page of every role, in Debian's
// Chromium at phone and desktop widths. No serious or critical violation is allowed.
//
// The pages are visited as each role after signing in over HTTP (staff with their TOTP code);
// the session cookie is then handed to the browser. axe runs through the DevTools protocol, so
// the pages' strict CSP stays on.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { chromium } = require('playwright-core');
const { startServer, Client, sqlite } = require('../integration/lib');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Pages per role. Functions get the fixture ids (fx) found at start.
const PAGES = {
  anonymous: [() => '/login'],
  'patient1@demo.test': [
    () => '/documents', (fx) => `/documents/${fx.did}`, () => '/security', () => '/sessions', () => '/mfa/setup',
    () => '/medications', () => '/appointments',
    () => '/results', (fx) => `/results/${fx.rid}`, () => '/results/trend?code=4548-4',
    () => '/messages', (fx) => `/messages/${fx.tid}`, () => '/access-log', () => '/export',
    () => '/proxies', () => '/account/emails',
  ],
  'clinician1@demo.test': [() => '/patients', (fx) => `/patients/${fx.pid}`, () => '/sessions',
    (fx) => `/patients/${fx.pid}/medications`, () => '/repeats', () => '/day', () => '/slots',
    () => '/results/inbox', (fx) => `/results/${fx.hid}`, () => '/practice/result-rules', () => '/inbox',
    (fx) => `/messages/${fx.tid}`, (fx) => `/patients/${fx.pid}/messages`, (fx) => `/patients/${fx.pid}/proxies`,
    () => '/practice/patients/new', (fx) => `/practice/patients/${fx.pid}/details`,
    () => '/practice/feeds', () => '/practice/feed-queue', () => '/account/emails'],
  'admin1@demo.test': [() => '/practice', () => '/slots', () => '/practice/appointments', () => '/practice/result-rules',
    () => '/patients', (fx) => `/patients/${fx.pid}`, () => '/practice/patients/new', (fx) => `/practice/patients/${fx.pid}/details`],
  'operator@demo.test': [() => '/operator'],
};

async function axeRun(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
}

describe('accessibility of every page (axe-core)', () => {
  let srv; let browser; let fx;
  before(async () => {
    srv = await startServer({ patients: 2 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const p = new Client(srv.base);
    await p.login('patient1@demo.test');
    const docs = (await p.fhir(`DocumentReference?patient=${p.session.patient}`)).json();
    const released = (await p.fhir(`DiagnosticReport?patient=${p.session.patient}`)).json().entry.map((e) => e.resource.id);
    const held = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = X'${p.session.patient}' AND release_at IS NULL LIMIT 1`);
    // a thread of the demo's, with messages from both sides
    const tid = (await p.get('/messages')).text.match(/href="\/messages\/([0-9a-f]{32})"/)[1];
    fx = { pid: p.session.patient, did: docs.entry[0].resource.id, rid: released[0], hid: held, tid };
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  for (const [who, pages] of Object.entries(PAGES)) {
    it(`${who}: no serious or critical violation on any page`, async () => {
      const base = `http://localhost:${srv.port}`;
      const found = [];
      // One sign-in per role (a staff TOTP code is good once), its cookie used at both widths.
      const c = new Client(srv.base);
      if (who !== 'anonymous') assert.equal((await c.login(who)).status, 303, who);
      for (const width of [360, 1280]) {
        const context = await browser.newContext({ viewport: { width, height: 800 } });
        if (who !== 'anonymous') {
          await context.addCookies([...c.cookies].map(([name, value]) => ({ name, value, domain: 'localhost', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' })));
        }
        const page = await context.newPage();
        for (const p of pages) {
          const url = p(fx);
          const res = await page.goto(base + url);
          assert.equal(res.status(), 200, `${who} ${url}`);
          for (const v of await axeRun(page)) {
            if (v.impact === 'serious' || v.impact === 'critical') found.push({ url, width, ...v });
          }
        }
        await context.close();
      }
      assert.deepEqual(found, [], JSON.stringify(found, null, 1));
    });
  }
});
