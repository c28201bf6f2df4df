// A recall closed by the patient's booking, in Chromium with axe-core and no CSP refusal: the
// clinician sets one on the patient's page (1280 px); the patient sees it due, books the last
// free time (390 px) and then sees it "booked"; the practice's list of booked recalls shows the
// patient with the appointment's time, and its open list no longer has it (1280 px).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('../integration/lib');
const { launchChromium, axeClean, signedInPage } = require('./browser');

describe('recalls (browser)', () => {
  let srv; let browser;
  before(async () => {
    srv = await startServer({ patients: 1 });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
  });

  const signedIn = (who, width) => signedInPage(browser, srv, who, width);
  const base = () => `http://localhost:${srv.port}`;
  const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland' }).format(new Date());

  it('a booking closes the recall: the patient sees it booked, the practice sees it on its booked list', async () => {
    const clin = await signedIn('clinician1@demo.test', 1280);
    const patient = await signedIn('patient1@demo.test', 390);
    const pid = patient.client.session.patient;
    await clin.page.goto(`${base()}/patients/${pid}`);
    await clin.page.getByLabel('For').selectOption({ label: 'Diabetes review' });
    await clin.page.getByLabel('Due from').fill(today());
    await clin.page.getByRole('button', { name: 'Set recall' }).click();
    await clin.page.getByText('Diabetes review: due now').waitFor();

    await patient.page.goto(`${base()}/appointments`);
    await patient.page.getByText('Diabetes review: due now').waitFor();
    await patient.page.locator('label.slot').last().locator('input').check();
    await patient.page.getByRole('button', { name: 'Book' }).click();
    await patient.page.waitForURL(/done=booked$/);
    await patient.page.getByText(/Diabetes review: booked /).waitFor();
    await axeClean(patient.page);

    await clin.page.goto(`${base()}/practice/recalls`);
    await clin.page.getByText('No open recalls.').waitFor();
    await clin.page.getByRole('link', { name: 'Booked' }).click();
    await clin.page.waitForURL(/\?due=booked$/);
    const row = clin.page.locator('table.list tbody tr');
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent(), /Diabetes review.*\w{3} \d{1,2} \w{3} \d{4}, \d{1,2}:\d{2} [ap]m/);
    await axeClean(clin.page);
    assert.deepEqual([...clin.violations, ...patient.violations], []);
    await clin.context.close();
    await patient.context.close();
  });
});
