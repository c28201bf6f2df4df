// Booking in Chromium at 390 px and 1280 px, with axe-core (WCAG 2 A, AA, best practice) and no
// CSP refusal on every page: a patient filters the free times by clinician and day with the
// form's own controls, books a video appointment, downloads its calendar file and cancels it
// through the confirming page; the practice admin closes online booking and the patient sees
// the phone number and hours; reception's day and a clinician's move-or-cancel page.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startServer, Client } = require('../integration/lib');
const { launchChromium, axeClean, signedInPage } = require('./browser');

describe('booking (browser)', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 2 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  const signedIn = (who, width) => signedInPage(browser, srv, who, width, { acceptDownloads: true });
  const base = () => `http://localhost:${srv.port}`;
  const fits = async (page, width, label) => assert.ok(await page.evaluate((w) => document.documentElement.scrollWidth <= w, width), `${label} fits ${width} px`);

  for (const width of [390, 1280]) {
    it(`a patient filters, books by video, adds it to a calendar and cancels it, at ${width} px`, async () => {
      const { context, page, violations } = await signedIn('patient1@demo.test', width);
      await page.goto(`${base()}/appointments`);
      await axeClean(page);
      await fits(page, width, '/appointments');
      const all = await page.locator('label.slot').count();
      // the second clinician, by the select's label
      const clin = page.getByLabel('Clinician');
      const name = (await clin.locator('option').nth(2).textContent()).trim();
      await clin.selectOption({ label: name });
      await page.getByRole('button', { name: 'Show times' }).click();
      await page.waitForURL(/clinician=[0-9a-f]{32}/);
      assert.doesNotMatch(page.url(), new RegExp(name.split(' ').pop()), 'no name in the URL');
      const mine = page.locator('label.slot');
      const n = await mine.count();
      assert.ok(n > 0 && n < all, `${n} of ${all}`);
      for (const t of await mine.allTextContents()) assert.ok(t.includes(name), t);
      await axeClean(page);
      // and one day
      const day = page.getByLabel('Day');
      const dayName = (await day.locator('option').nth(1).textContent()).trim();
      await day.selectOption({ label: dayName });
      await page.getByRole('button', { name: 'Show times' }).click();
      await page.waitForURL(/day=\d{4}-\d{2}-\d{2}/);
      for (const t of await page.locator('label.slot').allTextContents()) assert.ok(t.startsWith(dayName) || t.includes(dayName.slice(0, 3)), t);
      // book by video
      await page.goto(`${base()}/appointments`);
      const slot = page.locator('label.slot').nth(width === 390 ? 3 : 5);
      const when = (await slot.textContent()).trim().split(' · ')[0];
      await slot.locator('input').check();
      await page.getByLabel('By video').check();
      await page.getByRole('button', { name: 'Book' }).click();
      await page.waitForURL(/done=booked$/);
      const item = page.locator('ul.appointments').first().locator('li').filter({ hasText: when });
      assert.match(await item.textContent(), /By video/);
      await axeClean(page);
      await fits(page, width, 'booked');
      // the calendar file
      const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('link', { name: /Add to my calendar/ }).click()]);
      assert.equal(download.suggestedFilename(), 'appointment.ics');
      const ics = fs.readFileSync(await download.path(), 'utf8');
      assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
      assert.match(ics, /SUMMARY:Appointment at Demo Health Centre\r\n/);
      // cancel: asked first
      await item.getByRole('link', { name: 'Cancel this appointment' }).click();
      await page.waitForURL(/\/cancel$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Cancel this appointment?');
      await axeClean(page);
      await fits(page, width, 'confirm');
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();
      await page.waitForURL(/done=cancelled$/);
      assert.equal(await page.getByRole('status').first().textContent(), 'Your appointment is cancelled.');
      assert.deepEqual(violations, []);
      await context.close();
    });
  }

  it('the practice closes online booking: the patient sees the phone number and hours (390 and 1280 px)', async () => {
    const a = await signedIn('admin1@demo.test', 1280);
    await a.page.goto(`${base()}/practice/appointments`);
    await axeClean(a.page);
    await a.page.getByLabel(/Close online booking/).check();
    await a.page.getByLabel('Practice phone number').fill('09 555 0100');
    await a.page.getByLabel('Opening hours').fill('Mon–Fri 8 am – 5:30 pm');
    await a.page.getByRole('button', { name: 'Save' }).nth(1).click();
    await a.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await axeClean(a.page);
    // reception's day, at both widths
    for (const width of [1280, 390]) {
      await a.page.setViewportSize({ width, height: 800 });
      await a.page.goto(`${base()}/practice/bookings`);
      await axeClean(a.page);
      await fits(a.page, width, '/practice/bookings');
    }
    for (const width of [390, 1280]) {
      const p = await signedIn('patient1@demo.test', width);
      await p.page.goto(`${base()}/appointments`);
      await p.page.getByText('Online booking is closed').waitFor();
      assert.equal(await p.page.getByRole('link', { name: '09 555 0100' }).getAttribute('href'), 'tel:095550100');
      await p.page.getByText('Mon–Fri 8 am – 5:30 pm').waitFor();
      assert.equal(await p.page.locator('label.slot').count(), 0);
      await axeClean(p.page);
      await fits(p.page, width, 'closed');
      assert.deepEqual(p.violations, []);
      await p.context.close();
    }
    await a.page.setViewportSize({ width: 1280, height: 800 });
    await a.page.goto(`${base()}/practice/appointments`);
    await a.page.getByLabel(/Close online booking/).uncheck();
    await a.page.getByRole('button', { name: 'Save' }).nth(1).click();
    await a.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.deepEqual(a.violations, []);
    await a.context.close();
  });

  it('a clinician opens move-or-cancel from reception\'s day (390 and 1280 px)', async () => {
    // a booking of patient2's, for the clinician to find
    const p2 = new Client(srv.base);
    await p2.login('patient2@demo.test');
    const slots = (await p2.fhir('Slot')).json().entry.map((e) => e.resource);
    const s = slots.at(-1);
    const r = await p2.post('/fhir/R4/Appointment', { headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${s.id}` }], participant: [{ actor: { reference: `Patient/${p2.session.patient}` } }] }) });
    assert.equal(r.status, 201, r.text);
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland' }).format(new Date(s.start));
    for (const width of [1280, 390]) {
      const c = await signedIn('clinician1@demo.test', width);
      await c.page.goto(`${base()}/practice/bookings?date=${date}`);
      await axeClean(c.page);
      await fits(c.page, width, 'bookings');
      await c.page.getByRole('link', { name: 'Move or cancel' }).first().click();
      await c.page.waitForURL(/\/change$/);
      assert.equal(await c.page.getByRole('heading', { level: 1 }).textContent(), 'Move or cancel a booking');
      await axeClean(c.page);
      await fits(c.page, width, 'change');
      assert.deepEqual(c.violations, []);
      await c.context.close();
    }
  });
});
