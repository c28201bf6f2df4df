// A way back from a lock (issue 12, section 3; docs/internals/UNLOCK.md). Every trip of the
// breaker is held for review: the operator (and a practice admin, for their own practice) sees
// who, why, when and what was reached, and unlocks (a reason, a fresh second factor) or keeps it
// locked; either way the person is emailed and the decision audited. `medkeep accounts unlock`
// works on a running serve at once, through a ticket the vault checks itself, and an old ticket
// cannot undo a newer trip. The locked person is told plainly, but only after the right
// password: a wrong one answers exactly as for any account.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, randomId, run, sqlite, PASSWORD, totpSecret, nextCode, nzWhen } = require('./lib');
const { queuedMails, queuedText } = require('./outbox-helper');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

// Trip the breaker as `email` by reading random document ids (enumeration); returns the client.
async function trip(srv, email) {
  const c = new Client(srv.base);
  assert.equal((await c.login(email)).status, 303, `${email} signs in`);
  const seen = [];
  for (let i = 0; i < 40 && !seen.includes(403); i++) seen.push((await c.fhir(`DocumentReference/${randomId()}`)).status);
  assert.ok(seen.includes(403), seen.join());
  return c;
}

// What a fresh, signed-in patient can read of their own record (the vault opens keys for it).
async function readsOwn(c) {
  const docs = await c.fhir(`DocumentReference?patient=${c.session.patient}`);
  if (docs.status !== 200) return docs.status;
  const first = docs.json().entry[0].resource.id;
  return (await c.fhir(`Binary/${first}`)).status;
}

function postForm(c, p, fields) {
  return c.post(p, { body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });
}

// The lock ids on a review page, by account id.
function locksOn(page) {
  const out = new Map();
  for (const m of page.matchAll(/<section class="card lock" id="lock-([0-9a-f]{32})">[\s\S]*?<dt>Account<\/dt><dd><code>([0-9a-f]{32})<\/code>/g)) out.set(m[2], m[1]);
  return out;
}

// A login answer with the parts that differ per request (the form's CSRF token) taken out.
function shape(r, email) {
  return `${r.status}\n${r.text.replace(/value="[A-Za-z0-9_-]{40,}"/g, 'value="X"').split(email).join('EMAIL')}`;
}

async function loginAnswer(srv, email, password) {
  const c = new Client(srv.base);
  const token = await c.loginForm();
  return c.post('/login', { body: new URLSearchParams({ csrf: token, email, password }).toString(), headers: FORM, csrf: false });
}

describe('a way back from a lock', () => {
  let srv; let operator; let p1;
  before(async () => {
    srv = await startServer({ patients: 5 });
    operator = new Client(srv.base);
    assert.equal((await operator.login('operator@demo.test')).status, 303);
  });
  after(async () => { await srv.stop(); });

  it('tells the locked person at sign-in only after the right password, and in a reset email', async () => {
    p1 = await trip(srv, 'patient1@demo.test');
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${p1.session.account}'`), '1');
    assert.equal(sqlite(srv.dir, `SELECT reason || ' ' || state FROM account_lock WHERE account_id = X'${p1.session.account}'`), 'enumeration locked');

    // A wrong password on the locked account answers exactly like one on an unlocked account.
    const lockedWrong = await loginAnswer(srv, 'patient1@demo.test', 'not-the-password-1');
    const openWrong = await loginAnswer(srv, 'patient5@demo.test', 'not-the-password-1');
    assert.equal(lockedWrong.status, 401);
    assert.equal(shape(lockedWrong, 'patient1@demo.test'), shape(openWrong, 'patient5@demo.test'));
    assert.match(lockedWrong.text, /Email or password is incorrect/);
    assert.doesNotMatch(lockedWrong.text, /paused/);

    // The right password: told plainly, and whom to contact (their practice, by name).
    const right = await loginAnswer(srv, 'patient1@demo.test', PASSWORD);
    assert.equal(right.status, 403);
    assert.match(right.text, /paused for review/);
    assert.match(right.text, /your practice, Demo Health Centre/);
    assert.doesNotMatch(right.text, /Email or password is incorrect/);
    assert.equal(right.headers.getSetCookie().filter((c) => /^__Host-session=[^;]/.test(c)).length, 0, 'no session');

    // A reset: the page answers as for anyone; the mail tells the truth and carries no link.
    const reset = async (email) => {
      const u = new Client(srv.base);
      const page = await u.get('/reset');
      const csrf = page.text.match(/name="csrf" value="([^"]+)"/)[1];
      return u.post('/reset', { body: new URLSearchParams({ csrf, email }).toString(), headers: FORM, csrf: false });
    };
    const r = await reset('patient1@demo.test');
    const r2 = await reset('nobody.here@example.nz');
    assert.equal(r.status, r2.status);
    assert.equal(shape(r, '-'), shape(r2, '-'), 'the page says the same for every address');
    const mail = queuedMails(srv.dir, { account: p1.session.account, subject: /paused/ }).map((m) => `${m.subject}|${m.body}`).join('\n');
    assert.match(mail, /paused for review/);
    assert.match(mail, /Demo Health Centre/);
    assert.doesNotMatch(mail, /token=/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM account_token WHERE kind = 'reset' AND account_id = X'${p1.session.account}'`), '0');
  });

  it('shows the operator each lock with its details, and unlocks with a reason and a fresh factor', async () => {
    const acct = p1.session.account;
    const page = await operator.get('/operator');
    assert.equal(page.status, 200);
    const locks = locksOn(page.text);
    assert.ok(locks.has(acct), 'the lock is listed');
    const section = page.text.slice(page.text.indexOf(`id="lock-${locks.get(acct)}"`)).split('</section>')[0];
    assert.match(section, /patient1@demo\.test/);
    assert.match(section, /<dt>Role<\/dt><dd>patient<\/dd>/);
    assert.match(section, /Demo Health Centre/);
    assert.match(section, /enumeration/);
    const tripped = Number(sqlite(srv.dir, `SELECT tripped FROM account_lock WHERE id = x'${locks.get(acct)}'`));
    assert.ok(section.includes(`<dt>When</dt><dd>${nzWhen(tripped)}</dd>`), 'when it was locked, in New Zealand time');
    assert.doesNotMatch(page.text, /UTC/);
    assert.match(section, /its incident report\): 0 records served; (3\d|40) refused or not found/);
    assert.match(section, new RegExp(`action="/locks/${locks.get(acct)}/unlock"`));
    assert.match(section, /Keep locked and notify/);
    const lock = locks.get(acct);

    // No reason: refused, nothing changes. Without CSRF: refused.
    assert.equal((await postForm(operator, `/locks/${lock}/unlock`, { reason: '  ' })).status, 400);
    const noCsrf = await operator.post(`/locks/${lock}/unlock`, { body: 'reason=x', headers: FORM, csrf: false });
    assert.equal(noCsrf.status, 403);
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${acct}'`), '1');

    // A stale second factor goes to step-up first, and changes nothing.
    sqlite(srv.dir, `UPDATE session SET created = created - 600, last_seen = unixepoch() WHERE account_id = X'${operator.session.account}'`);
    const stale = await postForm(operator, `/locks/${lock}/unlock`, { reason: 'Spoke to the patient' });
    assert.equal(stale.status, 303);
    assert.equal(stale.headers.get('location'), '/step-up?next=/operator');
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${acct}'`), '1');
    const code = await nextCode(srv.dir, totpSecret(srv.dir, 'operator@demo.test'), 'operator@demo.test');
    const up = await postForm(operator, '/step-up', { next: '/operator', code });
    assert.equal(up.status, 303);
    operator.session = (await operator.get('/session')).json();
    operator.csrf = operator.session.csrf;

    const reason = 'Spoke to the patient: a browser extension misfired';
    const done = await postForm(operator, `/locks/${lock}/unlock`, { reason });
    assert.equal(done.status, 303, done.text.slice(0, 300));
    assert.match(done.headers.get('location'), /^\/operator\?done=unlocked/);
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${acct}'`), '0');
    assert.equal(sqlite(srv.dir, `SELECT state || '|' || review_reason || '|' || hex(reviewed_by) FROM account_lock WHERE account_id = X'${acct}'`),
      `unlocked|${reason}|${operator.session.account.toUpperCase()}`);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'account.unlock' AND outcome = 'allow' AND rid = '${acct}' AND actor = '${operator.session.account}'`), '1');
    assert.match(queuedText(srv.dir, { account: acct, subject: /open again/ }), /sign in\s+again/);
    assert.doesNotMatch(srv.logs(), /browser extension/, 'the reason stays out of the logs');

    // The old session stays ended; a new sign-in works and reads (the vault cleared its trip).
    assert.equal((await p1.get('/session')).status, 401);
    const again = new Client(srv.base);
    assert.equal((await again.login('patient1@demo.test')).status, 303);
    assert.equal(await readsOwn(again), 200);
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${acct}'`), '0');
  });

  it('keeps an account locked and notifies the person', async () => {
    const p2 = await trip(srv, 'patient2@demo.test');
    const acct = p2.session.account;
    const lock = locksOn((await operator.get('/operator')).text).get(acct);
    assert.ok(lock);
    const r = await postForm(operator, `/locks/${lock}/keep`, { reason: 'Reported stolen password' });
    assert.equal(r.status, 303);
    assert.match(r.headers.get('location'), /done=kept/);
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${acct}'`), '1');
    assert.equal(sqlite(srv.dir, `SELECT state FROM account_lock WHERE account_id = X'${acct}'`), 'kept');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'account.keep-locked' AND rid = '${acct}'`), '1');
    assert.match(queuedText(srv.dir, { account: acct, subject: /stays paused/ }), /contact your practice, Demo Health Centre/);
    assert.equal((await loginAnswer(srv, 'patient2@demo.test', PASSWORD)).status, 403);
  });

  let oldTicket;
  it('medkeep accounts list and unlock work on a running serve at once', async () => {
    const help = run(['accounts', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /accounts unlock --data DIR --email EMAIL --reason TEXT/);
    const p3 = await trip(srv, 'patient3@demo.test');
    const acct = p3.session.account;
    const list = run(['accounts', 'list', '--data', srv.dir, '--locked']);
    assert.equal(list.code, 0, list.stderr);
    const line = list.stdout.split('\n').find((l) => l.startsWith('patient3@demo.test\t'));
    assert.ok(line, list.stdout);
    assert.match(line, new RegExp(`patient\\t${acct}\\tlocked\\tenumeration\\t`));
    assert.ok(!list.stdout.includes('patient4@demo.test'), 'only locked accounts');
    assert.ok(run(['accounts', 'list', '--data', srv.dir]).stdout.includes('patient4@demo.test\tpatient'));

    assert.equal(run(['accounts', 'unlock', '--data', srv.dir, '--email', 'patient3@demo.test']).code, 2, 'a reason is required');
    const un = run(['accounts', 'unlock', '--data', srv.dir, '--email', 'patient3@demo.test', '--reason', 'Checked with the patient by phone']);
    assert.equal(un.code, 0, un.stderr);
    assert.equal(run(['accounts', 'unlock', '--data', srv.dir, '--email', 'nobody@demo.test', '--reason', 'x']).code, 1);
    const notLocked = run(['accounts', 'unlock', '--data', srv.dir, '--email', 'patient5@demo.test', '--reason', 'x']);
    assert.equal(notLocked.code, 0);
    assert.match(notLocked.stdout, /not locked; nothing changed/);
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM unlock_ticket'), '1', 'no ticket for an account that is not locked');
    oldTicket = sqlite(srv.dir, `SELECT issued || '|' || hex(mac) FROM unlock_ticket WHERE account_id = X'${acct}'`);
    assert.match(oldTicket, /^\d+\|[0-9A-F]{64}$/);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'account.unlock' AND rid = '${acct}'`), '1');
    assert.match(queuedText(srv.dir, { account: acct, subject: /open again/ }), /sign in/);

    // The very next sign-in works and reads: the vault took the ticket.
    const again = new Client(srv.base);
    assert.equal((await again.login('patient3@demo.test')).status, 303);
    assert.equal(await readsOwn(again), 200);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM unlock_ticket WHERE account_id = X'${acct}'`), '0', 'used once');
    assert.ok(!run(['accounts', 'list', '--data', srv.dir, '--locked']).stdout.includes('patient3@demo.test'));
  });

  it('a stale ticket does not clear a newer trip', async () => {
    assert.ok(oldTicket, 'needs the ticket of the test before');
    await new Promise((r) => setTimeout(r, 1100)); // the new trip is later than the ticket
    const p3 = await trip(srv, 'patient3@demo.test');
    const acct = p3.session.account;
    // Someone with the database puts the old ticket back and clears the flag.
    const [issued, mac] = oldTicket.split('|');
    sqlite(srv.dir, `UPDATE account SET locked = 0 WHERE id = X'${acct}'; INSERT OR REPLACE INTO unlock_ticket (account_id, issued, mac) VALUES (X'${acct}', ${issued}, X'${mac}')`);
    const c = new Client(srv.base);
    assert.equal((await c.login('patient3@demo.test')).status, 303, 'the database lets the login through');
    assert.equal(await readsOwn(c), 403, 'the vault still refuses: the ticket is older than the trip');
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${acct}'`), '1', 'locked again');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM unlock_ticket WHERE account_id = X'${acct}'`), '0');
    // A ticket that was never made by the CLI (a forged MAC) does nothing either.
    sqlite(srv.dir, `UPDATE account SET locked = 0 WHERE id = X'${acct}'; INSERT INTO unlock_ticket (account_id, issued, mac) VALUES (X'${acct}', unixepoch(), X'${'00'.repeat(32)}')`);
    const d = new Client(srv.base);
    assert.equal((await d.login('patient3@demo.test')).status, 303);
    assert.equal(await readsOwn(d), 403);
  });

  it('shows a practice admin only their own practice\'s locks, and lets them decide those', async () => {
    const other = new Client(srv.base);
    assert.equal((await other.login('otherclinician1@demo.test')).status, 303);
    const seen = [];
    for (let i = 0; i < 40 && !seen.includes(403); i++) seen.push((await other.fhir(`DocumentReference/${randomId()}`)).status);
    assert.ok(seen.includes(403), seen.join());
    const otherAcct = other.session.account;
    // Staff are told to contact the operator.
    const staffRight = await loginAnswer(srv, 'otherclinician1@demo.test', PASSWORD);
    assert.equal(staffRight.status, 403);
    assert.match(staffRight.text, /paused for review[\s\S]*contact the portal&#39;s operator|paused for review[\s\S]*contact the portal's operator/);
    const p4 = await trip(srv, 'patient4@demo.test');

    const admin = new Client(srv.base);
    assert.equal((await admin.login('admin1@demo.test')).status, 303);
    const page = await admin.get('/practice/locks');
    assert.equal(page.status, 200);
    const locks = locksOn(page.text);
    assert.ok(locks.has(p4.session.account), 'their patient is listed');
    assert.ok(!locks.has(otherAcct), 'another practice\'s clinician is not');
    assert.ok(!page.text.includes(otherAcct));
    const opLocks = locksOn((await operator.get('/operator')).text);
    assert.ok(opLocks.has(otherAcct), 'the operator sees it');
    assert.equal((await postForm(admin, `/locks/${opLocks.get(otherAcct)}/unlock`, { reason: 'x' })).status, 404);
    assert.equal(sqlite(srv.dir, `SELECT locked FROM account WHERE id = X'${otherAcct}'`), '1');

    const r = await postForm(admin, `/locks/${locks.get(p4.session.account)}/unlock`, { reason: 'Patient confirmed it was them' });
    assert.equal(r.status, 303, r.text.slice(0, 300));
    assert.match(r.headers.get('location'), /^\/practice\/locks\?done=unlocked/);
    const again = new Client(srv.base);
    assert.equal((await again.login('patient4@demo.test')).status, 303);
    assert.equal(await readsOwn(again), 200);

    // Nobody else reviews locks.
    const clin = new Client(srv.base);
    assert.equal((await clin.login('clinician1@demo.test')).status, 303);
    assert.equal((await clin.get('/practice/locks')).status, 404);
    assert.equal((await postForm(clin, `/locks/${opLocks.get(otherAcct)}/unlock`, { reason: 'x' })).status, 404);
    const pat = new Client(srv.base);
    assert.equal((await pat.login('patient5@demo.test')).status, 303);
    assert.equal((await pat.get('/practice/locks')).status, 404);
    assert.equal((await postForm(pat, `/locks/${opLocks.get(otherAcct)}/keep`, { reason: 'x' })).status, 404);
  });
});
