// New Zealand time (issue 15, item 2), in the served, hardened binary: pages and emails write an
// instant as "Mon 7 Dec 2026, 3:52 pm" in Pacific/Auckland time, so an instant between 00:00 and
// 13:00 NZDT (the day before, in UTC) carries its New Zealand date; no page of any role says
// "UTC". The zone is read once, before each process's sandbox: the server is started with its
// own copy of the zone file (TZDIR), which is deleted once it runs, and pages and emails still
// come out in New Zealand time. Without the zone, medkeep refuses to start, saying why.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, Client, sqlite, randomId, run, PASSWORD, totpSecret, nextCode, RELEASE_BIN, children,
  nzWhen, nzDay, NZ_WHEN } = require('./lib');
const { startSink } = require('./smtp-sink');
const { form } = require('./careplan-helpers');
const { launchChromium, watchedPage } = require('../browser/browser');

const PHONE = 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
// Mon 7 Dec 2026, 1:30 am NZDT: still Sunday 6 December in UTC.
const EARLY = Date.UTC(2026, 11, 6, 12, 30) / 1000;

// The <input type=date> value of the New Zealand day `days` from now, and the UTC instant (s)
// of hh:mm on a New Zealand day, both worked out with Intl (ICU's zone data), not medkeep's.
const NZ_YMD = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland', year: 'numeric', month: '2-digit', day: '2-digit' });
const NZ_HM = new Intl.DateTimeFormat('en-GB', { timeZone: 'Pacific/Auckland', hour: '2-digit', minute: '2-digit', hour12: false });
const nzYmd = (days) => NZ_YMD.format(new Date(Date.now() + days * 86400000));
function nzInstant(ymd, hm) {
  const [y, mo, d] = ymd.split('-').map(Number); const [h, mi] = hm.split(':').map(Number);
  for (const offset of [13, 12]) {
    const t = Date.UTC(y, mo - 1, d, h - offset, mi) / 1000;
    if (NZ_YMD.format(new Date(t * 1000)) === ymd && NZ_HM.format(new Date(t * 1000)) === hm) return t;
  }
  throw new Error(`${ymd} ${hm} is not a New Zealand time`);
}

// The GET links of a page that stay on the site and change nothing.
function links(html) {
  return [...html.matchAll(/href="(\/[^"#]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'))
    .filter((u) => !/^\/(static|logout|fhir)|download|\/Binary|\.pdf|\.ics/.test(u));
}

describe('New Zealand time', () => {
  let srv; let sink; let zoneDir; let browser;
  before(async () => {
    zoneDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-zoneinfo-'));
    fs.mkdirSync(path.join(zoneDir, 'Pacific'));
    fs.copyFileSync('/usr/share/zoneinfo/Pacific/Auckland', path.join(zoneDir, 'Pacific', 'Auckland'));
    sink = await startSink();
    srv = await startServer({ patients: 3, bin: RELEASE_BIN, env: { TZDIR: zoneDir },
      config: `smtp.url = smtp://127.0.0.1:${sink.port}\nsmtp.from = medkeep <noreply@demo.test>\n` });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    await srv.stop();
    await sink.close();
    fs.rmSync(zoneDir, { recursive: true, force: true });
  });

  it('refuses to start without the zone, and says why', () => {
    const r = run(['serve', '--data', srv.dir, '--listen', '127.0.0.1:1'], { env: { ...process.env, TZDIR: '/nonexistent-zoneinfo' } }, RELEASE_BIN);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /time zone Pacific\/Auckland is not in the system's tz database.*tzdata/);
  });

  it('mails a sign-in in New Zealand time, and keeps doing so once the zone file is gone', async () => {
    const phone = new Client(srv.base);
    const req = phone.req.bind(phone);
    phone.req = (method, p, opts = {}) => req(method, p, { ...opts, headers: { 'User-Agent': PHONE, ...(opts.headers || {}) } });
    assert.equal((await phone.login('patient1@demo.test')).status, 303);
    const created = Number(sqlite(srv.dir, `SELECT max(created) FROM session WHERE account_id = x'${phone.session.account}'`));
    const [mail] = await sink.waitFor('patient1@demo.test', /^New sign-in/);
    assert.ok(mail.body.includes(`signed in to on ${nzWhen(created)} (New Zealand time) from Chrome on Android`), mail.body);
    assert.doesNotMatch(mail.body, /UTC/);

    // Every process has its zone in memory: the file can go. (The worker and the MLLP-less
    // server's mailer are sandboxed or running; none reads the zone again.)
    const kids = children(srv.proc.pid);
    assert.ok(kids.some((k) => k.role === 'worker-process' && k.seccomp === '2'), JSON.stringify(kids));
    assert.ok(kids.some((k) => k.role === 'mailer-process'), JSON.stringify(kids));
    fs.rmSync(zoneDir, { recursive: true, force: true });

    // An account paused (its lock set to a time early on a New Zealand morning) asks for a
    // reset: the mail says when, with New Zealand's date, not UTC's.
    const p2 = new Client(srv.base);
    assert.equal((await p2.login('patient2@demo.test')).status, 303);
    const seen = [];
    for (let i = 0; i < 40 && !seen.includes(403); i++) seen.push((await p2.fhir(`DocumentReference/${randomId()}`)).status);
    assert.ok(seen.includes(403), seen.join());
    sqlite(srv.dir, `UPDATE account_lock SET tripped = ${EARLY} WHERE account_id = x'${p2.session.account}'`);
    const u = new Client(srv.base);
    const csrf = (await u.get('/reset')).text.match(/name="csrf" value="([^"]+)"/)[1];
    assert.equal((await u.post('/reset', { body: new URLSearchParams({ csrf, email: 'patient2@demo.test' }).toString(), headers: FORM, csrf: false })).status, 200);
    const [paused] = await sink.waitFor('patient2@demo.test', /paused for review/);
    assert.ok(paused.body.includes('was paused for review on Mon 7 Dec 2026, 1:30 am (New Zealand time)'), paused.body);
    assert.doesNotMatch(paused.body, /6 Dec|UTC/);
    assert.equal(srv.proc.exitCode, null, 'serve runs on');
  });

  it('shows that instant on the operator\'s page, in Chromium, with New Zealand\'s date', async () => {
    const { context, page, violations } = await watchedPage(browser);
    const base = `http://localhost:${srv.port}`;
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill('operator@demo.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/login\/mfa$/);
    await page.getByLabel('Code').fill(await nextCode(srv.dir, totpSecret(srv.dir, 'operator@demo.test'), 'operator@demo.test'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((x) => !/\/login/.test(x.pathname));
    await page.goto(`${base}/operator`);
    const lock = page.locator('section.lock', { hasText: 'patient2@demo.test' });
    await assert.doesNotReject(lock.getByText('Mon 7 Dec 2026, 1:30 am', { exact: true }).waitFor());
    const text = await page.locator('main').innerText().catch(() => page.locator('body').innerText());
    assert.doesNotMatch(text, /UTC|Sun 6 Dec 2026/);
    assert.deepEqual(violations, []);
    await context.close();
  });

  it('a slot published for 9:00 am New Zealand time is that instant, and is shown so', async () => {
    const clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
    const date = nzYmd(10);
    const r = await clin.post('/slots', form(clin, { clinician: clin.session.account, date, time: '09:00', minutes: '25', count: '1' }));
    assert.equal(r.status, 303, r.text);
    const start = Number(sqlite(srv.dir, `SELECT start FROM slot WHERE clinician_id = x'${clin.session.account}' AND minutes = 25`));
    assert.equal(start, nzInstant(date, '09:00'));
    const slots = (await clin.get('/slots')).text;
    assert.ok(slots.includes(`<td>${nzDay(start)}, 9:00 am</td>`), 'the slot list: its New Zealand day, 9:00 am');
    const day = (await clin.get(`/day?date=${date}`)).text;
    assert.ok(day.includes(`My day: ${nzDay(start)}`) && day.includes('<td>9:00 am</td>'), 'the day view: the same day and time');
    const p3 = new Client(srv.base);
    await p3.login('patient3@demo.test');
    assert.ok((await p3.get('/appointments')).text.includes(`${nzDay(start)}, 9:00 am`), 'the patient books it as 9:00 am');
  });

  it('in winter (NZST, 12 hours ahead) the day view\'s bounds and times are New Zealand\'s too', async () => {
    // Slots cannot be published past the 90-day horizon from a December test run, so two are
    // put in directly: 9:00 am on 1 July 2027 NZST (21:00 UTC the day before), and 11:30 pm
    // that day (11:30 UTC on 1 July): both are on 1 July in New Zealand, neither on 30 June.
    const clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
    const at9 = nzInstant('2027-07-01', '09:00'); const late = nzInstant('2027-07-01', '23:30');
    assert.equal(at9, Date.UTC(2027, 5, 30, 21, 0) / 1000);
    const practice = sqlite(srv.dir, `SELECT lower(hex(practice_id)) FROM slot WHERE clinician_id = x'${clin.session.account}' LIMIT 1`);
    for (const t of [at9, late]) {
      sqlite(srv.dir, `INSERT INTO slot (id, practice_id, clinician_id, start, minutes, created, created_by)
        VALUES (randomblob(16), x'${practice}', x'${clin.session.account}', ${t}, 15, ${t - 86400}, x'${clin.session.account}')`);
    }
    const day = (await clin.get('/day?date=2027-07-01')).text;
    assert.ok(day.includes('My day: Thu 1 Jul 2027'), 'the day');
    assert.ok(day.includes('<td>9:00 am</td>') && day.includes('<td>11:30 pm</td>'), 'both slots, in NZST');
    for (const other of ['2027-06-30', '2027-07-02']) {
      const d = (await clin.get(`/day?date=${other}`)).text;
      assert.ok(!d.includes('<td>9:00 am</td>') && !d.includes('<td>11:30 pm</td>'), `nothing of 1 July on ${other}`);
    }
  });

  it('no page of any role says UTC; instants are written one way', async () => {
    // Every page a signed-in client reaches by links from a few starts (60 at most).
    async function crawl(c, who) {
      const queue = ['/', '/sessions', '/security'];
      const done = new Set();
      while (queue.length && done.size < 60) {
        const p = queue.shift();
        if (done.has(p)) continue;
        done.add(p);
        const r = await c.get(p);
        if (r.status !== 200 || !/text\/html/.test(r.headers.get('content-type') || '')) continue;
        const visible = r.text.replace(/<[^>]+>/g, ' ');
        assert.doesNotMatch(visible, /\bUTC\b/, `${who} ${p}`);
        assert.doesNotMatch(visible, /\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d/, `${who} ${p}: an ISO time for a person`);
        for (const l of links(r.text)) if (!done.has(l)) queue.push(l);
      }
      assert.ok(done.size >= 4, `${who}: ${[...done].join(' ')}`);
    }
    for (const email of ['patient1@demo.test', 'clinician1@demo.test', 'admin1@demo.test', 'operator@demo.test']) {
      const c = new Client(srv.base);
      assert.equal((await c.login(email)).status, 303, email);
      await crawl(c, email);
    }
    // a carer: patient3 holding patient1's record (every scope), seen through the switch
    const owner = new Client(srv.base);
    await owner.login('patient1@demo.test');
    const carer = new Client(srv.base);
    await carer.login('patient3@demo.test');
    const now = Math.floor(Date.now() / 1000);
    sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by)
      VALUES (randomblob(16), X'${owner.session.patient}', X'${carer.session.account}', 31, ${now + 3600}, ${now}, X'${owner.session.account}')`);
    assert.equal((await carer.post('/records/switch', form(carer, { record: owner.session.patient }))).status, 303);
    await crawl(carer, 'a carer');
    // the sessions page: when each session began and was last seen, in the one style
    const p1 = new Client(srv.base);
    await p1.login('patient1@demo.test');
    const sessions = (await p1.get('/sessions')).text;
    assert.match(sessions, new RegExp(`signed in ${NZ_WHEN.source} · last seen ${NZ_WHEN.source}`));
    // the clinician's day: its date as a heading, in the day style
    const clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
    const day = (await clin.get('/day')).text;
    assert.ok(day.includes(`My day: ${nzDay(Date.now() / 1000)}`), 'today, in New Zealand');
  });
});
