// The account lifecycle through a local SMTP sink: invitation and registration, email
// confirmation, password reset, change of email and of password, the password rules, and the
// outbox sent by SMTP (by `serve` and by `medkeep outbox send`).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { startServer, Client, sqlite, run, freePort, children, processAlive, PASSWORD, BIN, SAN_ENV } = require('./lib');
const { startSink, linkPath } = require('./smtp-sink');
const { FORM, submit, post, refresh, enrol, login } = require('./account-helpers');

const GOOD = 'river-stone-lantern-9';

// medkeep outbox send, without blocking this process (the SMTP sink runs in it).
function outboxSend(dir) {
  return new Promise((resolve) => {
    execFile(BIN, ['outbox', 'send', '--data', dir], { env: { ...process.env, ...SAN_ENV } },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

function smtpConfig(port) {
  return `smtp.url = smtp://127.0.0.1:${port}\nsmtp.from = medkeep <noreply@demo.test>\n`;
}

// A page's text without the tokens that differ from one answer to the next.
function normalised(text) {
  return text.replace(/name="csrf" value="[^"]+"/g, 'name="csrf" value=""');
}

describe('account lifecycle', () => {
  let srv, sink, clin, patients;
  // Each record's contact address (where an invitation goes) and date of birth, by demo login.
  const recordOf = {};
  before(async () => {
    sink = await startSink();
    srv = await startServer({ patients: 4, config: smtpConfig(sink.port) });
    clin = await login(srv.base, srv.dir, 'clinician1@demo.test', PASSWORD, require('./lib').totpSecret(srv.dir, 'clinician1@demo.test'));
    const list = await clin.get('/patients');
    patients = [...list.text.matchAll(/href="\/patients\/([0-9a-f]{32})">([^<]+)<\/a>/g)]
      .map((m) => ({ id: m[1], family: m[2].split(', ')[0], given: m[2].split(', ')[1] }));
    assert.equal(patients.length, 4);
    for (let i = 1; i <= 4; i++) {
      const email = `patient${i}@demo.test`;
      const c = await login(srv.base, srv.dir, email);
      const p = patients.find((x) => x.id === c.session.patient);
      p.email = email;
      p.dob = (await clin.get(`/fhir/R4/Patient/${p.id}`)).json().birthDate;
      recordOf[email] = p;
      await post(c, '/logout', {});
    }
    // patient4's record has no account yet: its owner is the one to invite.
    const acct = sqlite(srv.dir, `SELECT lower(hex(id)) FROM account WHERE patient_id = x'${recordOf['patient4@demo.test'].id}'`);
    sqlite(srv.dir, `DELETE FROM session WHERE account_id = x'${acct}'; DELETE FROM device WHERE account_id = x'${acct}'; DELETE FROM known_device WHERE account_id = x'${acct}'; DELETE FROM account WHERE id = x'${acct}'`);
  });
  after(async () => {
    await srv.stop();
    await sink.close();
  });

  // Staff send an invitation; it goes to the record's address (a typed one is refused).
  async function invite(staff, patientId, email) {
    return submit(staff, `/patients/${patientId}/invite`, `/patients/${patientId}/invite`, email === undefined ? {} : { email });
  }

  async function register(token, email, password, birthDate) {
    const u = new Client(srv.base);
    const r = await submit(u, `/register?token=${token}`, '/register', { token, email, password, birth_date: birthDate });
    return r;
  }

  it('invites a patient at the address their record holds; the link registers an account tied to that record, once', async () => {
    const p = recordOf['patient4@demo.test'];
    const r = await invite(clin, p.id);
    assert.equal(r.status, 200);
    assert.match(r.text, /The invitation is on its way/);
    const [mail] = await sink.waitFor(p.email, /invitation/);
    assert.doesNotMatch(mail.body, new RegExp(p.family), 'no name in the email');
    const { token, path: link } = linkPath(mail, '/register');
    // Stored only as a hash: neither the token nor its bytes are in the table.
    const raw = Buffer.from(token, 'base64url').toString('hex');
    assert.equal(sqlite(srv.dir, "SELECT count(*), min(length(hash)) FROM account_token WHERE kind = 'invite'"), '1|32');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM account_token WHERE hash = X'${raw}' OR hash = CAST('${token}' AS BLOB)`), '0');
    const page = await new Client(srv.base).get(link);
    assert.equal(page.status, 200);
    assert.match(page.text, /Create your account/);

    // The password rules, each with its message; the invitation stays good meanwhile.
    const cases = [
      ['short-pw-11', /at least 12 characters/],
      ['Password2026!', /common or breached/],
      ['winniethepooh', /common or breached/],
      ['my-patient-river-pw', /not contain your name or email/],
      [`x-${p.given.toLowerCase()}-garden-99`, /not contain your name or email/],
      [`${p.family.toUpperCase()}-river-stones`, /not contain your name or email/],
      ['b'.repeat(64) + 'q'.repeat(65), /at most 128/],
    ];
    for (const [pw, msg] of cases) {
      const bad = await register(token, p.email, pw, p.dob);
      assert.equal(bad.status, 400, pw);
      assert.match(bad.text, msg, pw);
    }
    const longest = 'correct-horse-battery-staple-'.repeat(5).slice(0, 128);
    assert.equal(longest.length, 128);
    const ok = await register(token, p.email, longest, p.dob);
    assert.equal(ok.status, 200);
    assert.match(ok.text, /Your account is ready/);
    const again = await register(token, p.email, longest, p.dob);
    assert.equal(again.status, 404, 'the link works once');
    assert.equal((await new Client(srv.base).get(link)).status, 404);

    const c = await login(srv.base, srv.dir, p.email, longest);
    assert.equal(c.loginStatus, 303);
    assert.equal(c.session.role, 'patient');
    assert.equal(c.session.patient, p.id, 'tied to the invited record');
    assert.equal((await c.get(`/patients/${recordOf['patient1@demo.test'].id}`)).status, 404);
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'account.register' AND outcome = 'ok'"), '1');
    assert.ok(Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'account.invite' AND outcome = 'allow'")) >= 1);
  });

  it('refuses invitations from outside the practice and expired links', async () => {
    const p = recordOf['patient2@demo.test'];
    const other = await login(srv.base, srv.dir, 'otherclinician1@demo.test', PASSWORD, require('./lib').totpSecret(srv.dir, 'otherclinician1@demo.test'));
    assert.equal((await invite(other, p.id, 'x1@example.nz')).status, 404);
    const pat = await login(srv.base, srv.dir, 'patient1@demo.test');
    assert.equal((await post(pat, `/patients/${p.id}/invite`, { email: 'x2@example.nz' })).status, 404);
    assert.equal((await invite(clin, require('./lib').randomId(), 'x3@example.nz')).status, 404);
    // The form itself is shown only to those who may send it.
    for (const [c, id, status] of [[clin, p.id, 200], [other, p.id, 404], [pat, p.id, 404], [clin, require('./lib').randomId(), 404]]) {
      assert.equal((await c.get(`/patients/${id}/invite`)).status, status, `${c.session.role} ${id}`);
    }
    assert.ok(Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'account.invite' AND outcome = 'deny'")) >= 2);
    assert.equal((await invite(clin, p.id, 'not-an-address')).status, 400);

    const r = await invite(clin, p.id);
    assert.equal(r.status, 200);
    const [mail] = await sink.waitFor(p.email, /invitation/);
    const { token, path: link } = linkPath(mail, '/register');
    sqlite(srv.dir, "UPDATE account_token SET expires = unixepoch() - 1 WHERE kind = 'invite' AND used IS NULL");
    assert.equal((await new Client(srv.base).get(link)).status, 404);
    assert.equal((await register(token, 'expired.invite@example.nz', GOOD, p.dob)).status, 404);
    assert.equal((await register('not-a-token', 'expired.invite@example.nz', GOOD, p.dob)).status, 404);
  });

  it('another address than the invitation\'s must be confirmed before login; a taken one is not revealed', async () => {
    const p = recordOf['patient3@demo.test'];
    await invite(clin, p.id);
    const [mail] = await sink.waitFor(p.email, /invitation/);
    const { token } = linkPath(mail, '/register');

    // An address with an account already: the same answer as a free one; its owner hears of it.
    const taken = await register(token, 'patient2@demo.test', GOOD, p.dob);
    assert.equal(taken.status, 200);
    assert.match(taken.text, /Check your email/);
    await sink.waitFor('patient2@demo.test', /Your patient portal account/);

    const r = await register(token, 'own.address@example.nz', GOOD, p.dob);
    assert.equal(r.status, 200);
    assert.equal(normalised(r.text), normalised(taken.text), 'taken or free: one answer');
    const before = await login(srv.base, srv.dir, 'own.address@example.nz', GOOD);
    assert.equal(before.loginStatus, 403);
    assert.match(before.loginPage.text, /confirm your email address first/);
    const wrong = await login(srv.base, srv.dir, 'own.address@example.nz', 'not-the-password-1');
    assert.equal(wrong.loginStatus, 401, 'only the right password hears of the confirmation');

    const [confirm] = await sink.waitFor('own.address@example.nz', /Confirm your email/);
    const { token: vt, path: vlink } = linkPath(confirm, '/verify');
    const u = new Client(srv.base);
    const page = await u.get(vlink);
    assert.equal(page.status, 200, 'opening the link changes nothing yet (mail scanners)');
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM account WHERE email_verified = 0"), '1');
    const v = await submit(u, vlink, '/verify', { token: vt });
    assert.equal(v.status, 200);
    assert.match(v.text, /confirmed/);
    assert.equal((await submit(new Client(srv.base), vlink, '/verify', { token: vt })).status, 404);
    const after = await login(srv.base, srv.dir, 'own.address@example.nz', GOOD);
    assert.equal(after.loginStatus, 303);
    assert.equal(after.session.patient, p.id);
  });

  it('password reset: one answer for known and unknown addresses; the link works once, for 30 minutes; sessions end', async () => {
    const signedIn = await login(srv.base, srv.dir, 'patient3@demo.test');
    assert.equal(signedIn.loginStatus, 303);
    // Locked out by failed logins first: the reset lets them in again.
    for (let i = 0; i < 6; i++) await login(srv.base, srv.dir, 'patient3@demo.test', 'wrong-password-123');
    assert.equal((await login(srv.base, srv.dir, 'patient3@demo.test')).loginStatus, 429);

    const u = new Client(srv.base);
    const known = await submit(u, '/reset', '/reset', { email: 'patient3@demo.test' });
    const unknown = await submit(u, '/reset', '/reset', { email: 'nobody.here@example.nz' });
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    assert.equal(normalised(known.text), normalised(unknown.text));
    assert.match(known.text, /If an account uses that address/);
    // Similar time: the same work either way (a loose bound; timing is measured, not asserted tightly).
    const time = async (email) => { const t = process.hrtime.bigint(); await submit(u, '/reset', '/reset', { email }); return Number(process.hrtime.bigint() - t) / 1e6; };
    const tk = [], tu = [];
    for (let i = 0; i < 3; i++) { tu.push(await time(`ghost${i}@example.nz`)); }
    tk.push(await time('patient1@demo.test'));
    assert.ok(Math.min(...tk) < 20 * Math.max(...tu) + 50, `known ${tk} vs unknown ${tu}`);

    const mails = await sink.waitFor('patient3@demo.test', /Reset your patient portal password/);
    assert.equal(sink.messages.filter((m) => m.to.includes('nobody.here@example.nz')).length, 0);
    const { token, path: link } = linkPath(mails[mails.length - 1], '/reset/confirm');
    assert.equal((await new Client(srv.base).get(link)).status, 200);
    const weak = await submit(new Client(srv.base), link, '/reset/confirm', { token, password: 'patient3-river-x' });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /not contain your name or email/);
    const done = await submit(new Client(srv.base), link, '/reset/confirm', { token, password: GOOD });
    assert.equal(done.status, 200);
    assert.match(done.text, /Every device was signed out/);
    assert.equal(await refresh(signedIn), 401, 'every session of the account ended');
    assert.equal((await submit(new Client(srv.base), link, '/reset/confirm', { token, password: 'another-good-one-77' })).status, 404);
    assert.equal((await login(srv.base, srv.dir, 'patient3@demo.test', PASSWORD)).loginStatus, 401);
    assert.equal((await login(srv.base, srv.dir, 'patient3@demo.test', GOOD)).loginStatus, 303, 'throttling cleared');
    await sink.waitFor('patient3@demo.test', /password was changed/);
    assert.ok(Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'password.reset' AND outcome = 'ok'")) === 1);

    // Expired: a new link, 31 minutes old.
    await submit(u, '/reset', '/reset', { email: 'patient3@demo.test' });
    const later = await sink.waitFor('patient3@demo.test', /Reset your patient portal password/, mails.length + 1);
    const second = linkPath(later[later.length - 1], '/reset/confirm');
    sqlite(srv.dir, "UPDATE account_token SET expires = unixepoch() - 60 WHERE kind = 'reset' AND used IS NULL");
    assert.equal((await new Client(srv.base).get(second.path)).status, 404);
    assert.equal((await submit(new Client(srv.base), '/reset', '/reset/confirm', { token: second.token, password: 'another-good-one-77' })).status, 404);
  });

  it('change of email: confirmed by the new address, the old one told; nothing changes before', async () => {
    const c = await login(srv.base, srv.dir, 'patient1@demo.test');
    const { secret } = await enrol(srv.dir, c, 'patient1@demo.test');
    const r = await submit(c, '/account/email', '/account/email', { email: 'mere.new@example.nz' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/account?done=email');
    const [notice] = await sink.waitFor('patient1@demo.test', /change of your patient portal email/);
    assert.match(notice.body, /If this was not you/);
    assert.doesNotMatch(notice.body, /mere\.new/);
    const [confirm] = await sink.waitFor('mere.new@example.nz', /Confirm your new email/);
    assert.equal((await login(srv.base, srv.dir, 'mere.new@example.nz', PASSWORD, secret)).loginStatus, 401, 'not before confirmation');
    const { token, path: link } = linkPath(confirm, '/account/email/confirm');
    const done = await submit(new Client(srv.base), link, '/account/email/confirm', { token });
    assert.equal(done.status, 200);
    assert.equal((await login(srv.base, srv.dir, 'patient1@demo.test', PASSWORD, secret)).loginStatus, 401);
    const moved = await login(srv.base, srv.dir, 'mere.new@example.nz', PASSWORD, secret);
    assert.equal(moved.session.account, c.session.account);
    assert.equal((await submit(new Client(srv.base), link, '/account/email/confirm', { token })).status, 404);
    // The new address's words count for the password rules now.
    const weak = await submit(moved, '/account/password', '/account/password', { current: PASSWORD, password: 'mere-new-lantern-1' });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /not contain your name or email/);
  });

  it('change of password: the old one checked, the rules applied, every other session ended', async () => {
    const a = await login(srv.base, srv.dir, 'patient2@demo.test');
    const { secret } = await enrol(srv.dir, a, 'patient2@demo.test');
    const b = await login(srv.base, srv.dir, 'patient2@demo.test', PASSWORD, secret);
    assert.equal(await refresh(b), 200);
    const wrongOld = await submit(a, '/account/password', '/account/password', { current: 'not-my-password-1', password: GOOD });
    assert.equal(wrongOld.status, 400);
    assert.match(wrongOld.text, /current password is not right/);
    const common = await submit(a, '/account/password', '/account/password', { current: PASSWORD, password: 'qwerty123456' });
    assert.equal(common.status, 400);
    // An account without its names' marks (a practice admin's invitation) gets them from the
    // record it may read itself.
    sqlite(srv.dir, `UPDATE account SET pw_marks = NULL WHERE id = X'${a.session.account}'`);
    const me = patients.find((p) => p.id === a.session.patient);
    const named = await submit(a, '/account/password', '/account/password', { current: PASSWORD, password: `${me.given}-lantern-harbour` });
    assert.equal(named.status, 400);
    assert.match(named.text, /not contain your name or email/);
    const r = await submit(a, '/account/password', '/account/password', { current: PASSWORD, password: GOOD });
    assert.equal(r.status, 303);
    assert.equal(await refresh(a), 200, 'this session stays');
    assert.equal(await refresh(b), 401, 'the other one ends');
    await sink.waitFor('patient2@demo.test', /password was changed/);
    assert.equal((await login(srv.base, srv.dir, 'patient2@demo.test', PASSWORD, secret)).loginStatus, 401);
    assert.equal((await login(srv.base, srv.dir, 'patient2@demo.test', GOOD, secret)).loginStatus, 303);
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'password.change' AND outcome = 'ok'"), '1');
    assert.equal(sqlite(srv.dir, `SELECT length(pw_marks) > 0 FROM account WHERE id = X'${a.session.account}'`), '1');
  });

  it('runs the mailer as a process of its own, without capabilities, restarted when it dies', async () => {
    const mailers = () => children(srv.proc.pid).filter((k) => k.role === 'mailer-process');
    const [m] = mailers();
    assert.ok(m, 'a mailer process');
    assert.equal(m.capEff, '0000000000000000');
    process.kill(m.pid, 'SIGKILL');
    // One look at the process table per pass: the killed mailer can vanish between two looks.
    const deadline = Date.now() + 10000;
    for (let now = mailers(); !(now.length === 1 && now[0].pid !== m.pid); now = mailers()) {
      assert.ok(Date.now() < deadline, 'restarted');
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = sink.messages.length;
    await submit(new Client(srv.base), '/reset', '/reset', { email: 'patient2@demo.test' });
    await sink.waitFor('patient2@demo.test', /Reset your patient portal password/);
    assert.ok(sink.messages.length > before);
    assert.match(srv.logs(), /event=mailer-exited/);
  });

  it('sends by SMTP without logging addresses or bodies', async () => {
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM outbox WHERE sent IS NULL'), '0');
    // Sent: the rows stay (ids, subject, when), their bodies are gone.
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM outbox WHERE body != '' OR body_ct IS NOT NULL"), '0');
    const logs = srv.logs();
    assert.match(logs, /component=mailer event=sent outbox=[0-9a-f]{32}/);
    for (const secretish of ['@example.nz', '@demo.test', 'token=', 'Hello,']) assert.ok(!logs.includes(secretish), secretish);
    const m = sink.messages[0];
    assert.equal(m.from, 'noreply@demo.test');
    assert.match(m.headers['content-type'], /text\/plain; charset=utf-8/);
    assert.ok(m.headers['message-id'] && m.headers.date);
  });

  it('stops when told to in the pause before a mailer restart, leaving no process behind', async () => {
    const kids = children(srv.proc.pid);
    const mailer = kids.find((k) => k.role === 'mailer-process');
    const exited = new Promise((r) => srv.proc.on('exit', r));
    process.kill(mailer.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300)); // serve has seen it die and is pausing
    srv.proc.kill('SIGTERM');
    const t0 = Date.now();
    await exited;
    assert.ok(Date.now() - t0 < 5000, `serve took ${Date.now() - t0} ms to stop`);
    for (const k of kids) assert.ok(!processAlive(k.pid), `${k.role} left running`);
    const log = srv.logs();
    assert.doesNotMatch(log.slice(log.lastIndexOf('event=mailer-exited')), /event=mailer-started/, 'no mailer started after the stop');
  });
});

describe('medkeep outbox send', () => {
  it('flushes the outbox once, keeping what the relay refused for later', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-outbox-'));
    fs.rmSync(dir, { recursive: true });
    try {
      assert.equal(run(['demo', '--data', dir, '--patients', '1', '--password', PASSWORD]).code, 0);
      // A row queued in clear by an older version (before bodies were sealed) is still sent.
      sqlite(dir, "INSERT INTO outbox (id, account_id, to_ct, subject, body, created) SELECT randomblob(16), id, email_ct, 'Queued', 'Hello from the queue', unixepoch() FROM account WHERE role = 'operator'");
      const closed = await freePort();
      fs.writeFileSync(path.join(dir, 'medkeep.conf'), smtpConfig(closed), { mode: 0o600 });
      const down = await outboxSend(dir);
      assert.equal(down.code, 1);
      assert.match(down.stdout, /sent 0, failed 1/);
      assert.equal(sqlite(dir, "SELECT attempts, sent IS NULL, next_try > unixepoch() FROM outbox WHERE subject = 'Queued'"), '1|1|1');
      const s = await startSink();
      try {
        fs.writeFileSync(path.join(dir, 'medkeep.conf'), smtpConfig(s.port), { mode: 0o600 });
        const up = await outboxSend(dir);
        assert.equal(up.code, 0, up.stderr);
        assert.match(up.stdout, /sent 1, failed 0/);
        const [m] = await s.waitFor('operator@demo.test', /Queued/);
        assert.match(m.body, /Hello from the queue/);
        assert.equal(sqlite(dir, "SELECT sent IS NOT NULL, body = '', body_ct IS NULL FROM outbox WHERE subject = 'Queued'"), '1|1|1');
        assert.match((await outboxSend(dir)).stdout, /sent 0, failed 0/);
      } finally { await s.close(); }
      fs.writeFileSync(path.join(dir, 'medkeep.conf'), 'smtp.url = ftp://x\nsmtp.from = a@b\n', { mode: 0o600 });
      assert.equal((await outboxSend(dir)).code, 1);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });
});
