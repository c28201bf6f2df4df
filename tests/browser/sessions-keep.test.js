// Sessions that do not lose work, in Chromium at 1280 and 390 px with axe-core: a page asked
// for while signed out comes back after signing in; a message being written is saved as a
// draft as it is typed and survives signing out and in again; a warning comes before the idle
// timeout (set short here: session.idle_seconds = 60, so it warns 20 s before), "Stay signed
// in" keeps the session, and a page left alone goes to the sign-in page, which comes back.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, PASSWORD, randomId, sqlite } = require('../integration/lib');
const { launchChromium, axeClean } = require('./browser');

const IDLE = 60;

describe('sessions that do not lose work, in a browser', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 2, config: `session.idle_seconds = ${IDLE}\n` });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  async function watched(width) {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    page.on('pageerror', (e) => violations.push(String(e)));
    return { context, page, violations };
  }

  // Ask for a page signed out: the sign-in page, then that page.
  async function signInTo(page, base, asked, email) {
    await page.goto(`${base}${asked}`);
    assert.match(page.url(), /\/login\?next=/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}${asked}`);
  }

  async function noSideScroll(page, width) {
    assert.ok(await page.evaluate((w) => document.documentElement.scrollWidth <= w, width), `no sideways scrolling at ${width} px`);
  }

  it('1280 px: the draft is saved as it is typed, the warning keeps the session, the draft survives signing out and in', async () => {
    const base = `http://localhost:${srv.port}`;
    const { page, violations } = await watched(1280);
    await signInTo(page, base, '/messages', 'patient1@demo.test');
    const text = `Draft in the browser ${randomId()}`;
    await page.getByLabel('Subject').fill('Blood test');
    await page.getByLabel('Message').fill(text);
    // saved within the script's 20 seconds, sealed (the text is nowhere in the database)
    await page.locator('[data-draft-status]').filter({ hasText: 'Draft saved.' }).waitFor({ timeout: 30000 });
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM message_draft'), '1');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM message_draft WHERE instr(body, CAST('${text}' AS BLOB)) > 0`), '0');
    // the warning, an accessible dialog with the focus on its button
    const dialog = page.getByRole('alertdialog', { name: 'Are you still there?' });
    await dialog.waitFor({ timeout: (IDLE + 5) * 1000 });
    assert.match(await dialog.textContent(), /You will be signed out in about 20 seconds to keep your record safe\./);
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Stay signed in');
    await axeClean(page);
    await noSideScroll(page, 1280);
    const seenBefore = Number(sqlite(srv.dir, 'SELECT max(last_seen) FROM session'));
    await page.getByRole('button', { name: 'Stay signed in' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.ok(Number(sqlite(srv.dir, 'SELECT max(last_seen) FROM session')) > seenBefore, 'the session was used');
    // past the time the first warning counted down to: still signed in
    await page.waitForTimeout(25000);
    assert.equal((await page.request.get(`${base}/session`)).status(), 200);
    // sign out, sign in again: the draft is back in the form
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    await signInTo(page, base, '/messages', 'patient1@demo.test');
    assert.equal(await page.getByLabel('Message').inputValue(), text);
    assert.equal(await page.getByLabel('Subject').inputValue(), 'Blood test');
    assert.match(await page.locator('[data-draft-status]').textContent(), /Your draft from .* is kept until you send it\./);
    await axeClean(page);
    // sent: the draft is gone
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/messages\/[0-9a-f]{32}$/);
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM message_draft'), '0');
    assert.deepEqual(violations, []);
  });

  it('390 px: the warning fits a phone, and a page left alone goes to sign in, which comes back to it', async () => {
    const base = `http://localhost:${srv.port}`;
    const { page, violations } = await watched(390);
    await signInTo(page, base, '/messages', 'patient2@demo.test');
    const thread = page.url();
    const dialog = page.getByRole('alertdialog', { name: 'Are you still there?' });
    await dialog.waitFor({ timeout: (IDLE + 5) * 1000 });
    await axeClean(page);
    await noSideScroll(page, 390);
    const box = await dialog.boundingBox();
    assert.ok(box && box.y + box.height <= 800 && box.width <= 390, 'the warning is on screen');
    // nobody answers: at the timeout the page goes to the sign-in page, with the way back
    await page.waitForURL(/\/login\?next=%2Fmessages$/, { timeout: (IDLE + 10) * 1000 });
    await page.getByLabel('Email').fill('patient2@demo.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(thread);
    await axeClean(page);
    assert.deepEqual(violations, []);
  });
});
