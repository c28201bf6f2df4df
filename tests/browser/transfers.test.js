// A patient moving practice, in a real browser (Debian's Chromium, driven by playwright-core) at
// phone width: a clinician of the practice the patient joins tries to enrol them, is told the
// NHI is enrolled elsewhere and asks for the move from there; the patient opens "Your practice"
// from the menu, chooses to share what came before, and moves. No CSP violation, and axe-core
// finds nothing serious on the enrol page's conflict, the practice's moves page or the patient's.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client } = require('../integration/lib');
const { launchChromium, watchedPage, axeClean, useSession, menuLink } = require('./browser');

const NHI_SYSTEM = 'https://standards.digital.health.nz/ns/nhi-id';

async function signedIn(browser, srv, email) {
  const c = new Client(srv.base);
  assert.equal((await c.login(email)).status, 303);
  const { context, page, violations } = await watchedPage(browser);
  await useSession(context, c);
  return { c, context, page, violations };
}

describe('moving practice in a browser', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 2 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  it('the joining practice asks from the enrol page; the patient agrees from "Your practice"', async () => {
    const base = `http://localhost:${srv.port}`;
    const patient = await signedIn(browser, srv, 'patient1@demo.test');
    const me = (await patient.c.fhir(`Patient/${patient.c.session.patient}`)).json();
    const nhi = me.identifier.find((i) => i.system === NHI_SYSTEM).value;

    const staff = await signedIn(browser, srv, 'otherclinician1@demo.test');
    await staff.page.goto(`${base}/practice/patients/new`);
    await staff.page.getByLabel('NHI number').fill(nhi);
    await staff.page.getByLabel('Family name').fill(me.name[0].family);
    await staff.page.getByLabel('Given name or names').fill(me.name[0].given.join(' '));
    await staff.page.getByLabel('Date of birth').fill(me.birthDate);
    await staff.page.getByLabel('Gender').selectOption(me.gender);
    await staff.page.getByRole('button', { name: 'Enrol' }).click();
    await staff.page.waitForLoadState();
    assert.match(await staff.page.getByRole('status').textContent(), /Enrolled at another practice/);
    await axeClean(staff.page);
    await staff.page.getByRole('button', { name: 'Ask to move them to this practice' }).click();
    await staff.page.waitForURL(/\/practice\/transfers\?done=asked$/);
    assert.ok(!staff.page.url().includes(nhi));
    assert.match(await staff.page.getByRole('status').textContent(), /Asked/);
    assert.match(await staff.page.content(), /Named once the move is agreed/);
    await axeClean(staff.page);

    await patient.page.goto(`${base}/documents`);
    await (await menuLink(patient.page, 'Your practice')).click();
    await patient.page.waitForURL(/\/enrolment$/);
    assert.match(await patient.page.content(), /Harbourview Family Practice asked on/);
    await axeClean(patient.page);
    await patient.page.getByLabel(/Let Harbourview Family Practice see the documents/).check();
    await patient.page.getByRole('button', { name: 'Move to this practice' }).click();
    await patient.page.waitForURL(/\/enrolment\?done=moved$/);
    assert.match(await patient.page.getByRole('status').textContent(), /you have moved practice/);
    assert.match(await patient.page.content(), /You are enrolled at Harbourview Family Practice/);
    assert.match(await patient.page.content(), /They see your whole record/);
    await axeClean(patient.page);

    // The clinician now finds the patient, named, on the moves page and opens their record.
    await staff.page.goto(`${base}/practice/transfers`);
    await staff.page.getByRole('link', { name: new RegExp(me.name[0].family) }).click();
    await staff.page.waitForURL(/\/patients\/[0-9a-f]{32}$/);
    assert.equal(staff.page.url(), `${base}/patients/${patient.c.session.patient}`);
    assert.deepEqual(staff.violations, []);
    assert.deepEqual(patient.violations, []);
    await staff.context.close();
    await patient.context.close();
  });
});
