// Self-invitation (issue 12, section 4): staff could invite any enrolled patient's record to an
// address they typed, register, and read the record as "the patient". Now an invitation goes
// only to the address the record holds (sealed), registering needs the link that reached it and
// the patient's date of birth, and a second login on a record is told to its holder and shows
// in the access log as itself, never as "You".
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, totpSecret, PASSWORD } = require('./lib');
const { startSink, linkPath } = require('./smtp-sink');
const { submit, post, login } = require('./account-helpers');

const GOOD = 'river-stone-lantern-9';

describe('invitations go only to the patient', () => {
  let srv; let sink; let clin; let admin; const rec = {};
  before(async () => {
    sink = await startSink();
    srv = await startServer({ patients: 4, config: `smtp.url = smtp://127.0.0.1:${sink.port}\nsmtp.from = medkeep <noreply@demo.test>\n` });
    clin = await login(srv.base, srv.dir, 'clinician1@demo.test', PASSWORD, totpSecret(srv.dir, 'clinician1@demo.test'));
    admin = await login(srv.base, srv.dir, 'admin1@demo.test', PASSWORD, totpSecret(srv.dir, 'admin1@demo.test'));
    for (let i = 1; i <= 4; i++) {
      const email = `patient${i}@demo.test`;
      const c = await login(srv.base, srv.dir, email);
      rec[email] = { id: c.session.patient, account: c.session.account, email, client: c,
        dob: (await clin.get(`/fhir/R4/Patient/${c.session.patient}`)).json().birthDate };
    }
    // patient4's record has no account yet.
    const a = rec['patient4@demo.test'].account;
    sqlite(srv.dir, `DELETE FROM session WHERE account_id = x'${a}'; DELETE FROM device WHERE account_id = x'${a}'; DELETE FROM known_device WHERE account_id = x'${a}'; DELETE FROM account WHERE id = x'${a}'`);
  });
  after(async () => { await srv.stop(); await sink.close(); });

  const invite = (staff, id, fields = {}) => submit(staff, `/patients/${id}/invite`, `/patients/${id}/invite`, fields);
  const register = (token, email, birthDate, password = GOOD) =>
    submit(new Client(srv.base), `/register?token=${token}`, '/register', { token, email, password, ...(birthDate === undefined ? {} : { birth_date: birthDate }) });
  const invites = () => Number(sqlite(srv.dir, "SELECT count(*) FROM account_token WHERE kind = 'invite'"));

  it('refuses an address typed by staff, practice admin and clinician alike: the form offers none', async () => {
    const p = rec['patient4@demo.test'];
    const before = invites();
    for (const staff of [admin, clin]) {
      const form = await staff.get(`/patients/${p.id}/invite`);
      assert.equal(form.status, 200);
      assert.doesNotMatch(form.text, /name="email"/);
      assert.match(form.text, /held in the record/);
      const r = await invite(staff, p.id, { email: `${staff.session.role}.self@example.nz` });
      assert.equal(r.status, 400, staff.session.role);
      assert.match(r.text, /only to the email address held in the patient(&#39;|')s record/);
    }
    assert.equal(invites(), before, 'no invitation made');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sink.messages.filter((m) => /example\.nz/.test(m.to)).length, 0, 'nothing mailed to a typed address');
  });

  it('registering needs the patient\'s date of birth; five wrong ones end the link', async () => {
    const p = rec['patient4@demo.test'];
    assert.equal((await invite(admin, p.id)).status, 200);
    const [mail] = await sink.waitFor(p.email, /invitation/);
    assert.match(mail.body, /date of birth/);
    const { token, path: link } = linkPath(mail, '/register');
    const page = await new Client(srv.base).get(link);
    assert.match(page.text, /name="birth_date"/);
    const none = await register(token, p.email, undefined);
    assert.equal(none.status, 400);
    assert.match(none.text, /date of birth/);
    for (const wrong of ['1900-01-01', '2000-02-30', 'not-a-date']) {
      const r = await register(token, p.email, wrong);
      assert.equal(r.status, 400, wrong);
      assert.match(r.text, /date of birth is not the one in your health record/);
    }
    // Five wrong tries (the empty one counted too): the invitation is gone.
    const last = await register(token, p.email, '1901-01-01');
    assert.equal(last.status, 400);
    assert.equal((await register(token, p.email, p.dob)).status, 404, 'the link ended after five wrong dates');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM account WHERE patient_id = x'${p.id}'`), '0');
  });

  it('the legitimate flow: the record\'s address, the link, the date of birth', async () => {
    const p = rec['patient4@demo.test'];
    assert.equal((await invite(clin, p.id)).status, 200);
    const mails = await sink.waitFor(p.email, /invitation/, 2);
    const { token } = linkPath(mails[mails.length - 1], '/register');
    const ok = await register(token, p.email, p.dob);
    assert.equal(ok.status, 200);
    assert.match(ok.text, /Your account is ready/);
    const c = await login(srv.base, srv.dir, p.email, GOOD);
    assert.equal(c.loginStatus, 303);
    assert.equal(c.session.patient, p.id);
  });

  it('a second login on a record is told to its holder and shows in the access log as itself', async () => {
    const p = rec['patient2@demo.test'];
    assert.equal((await invite(clin, p.id)).status, 200);
    const [mail] = await sink.waitFor(p.email, /invitation/);
    const { token } = linkPath(mail, '/register');
    const r = await register(token, 'second.login@example.nz', p.dob);
    assert.equal(r.status, 200);
    assert.match(r.text, /Check your email/);
    const [told] = await sink.waitFor(p.email, /new login to your health record/);
    assert.match(told.body, /second login to your health record/);
    assert.match(told.body, /Another login to your record/);
    const [confirm] = await sink.waitFor('second.login@example.nz', /Confirm your email/);
    const v = linkPath(confirm, '/verify');
    const u = new Client(srv.base);
    assert.equal((await submit(u, v.path, '/verify', { token: v.token })).status, 200);
    const second = await login(srv.base, srv.dir, 'second.login@example.nz', GOOD);
    assert.equal(second.loginStatus, 303);
    assert.equal(second.session.patient, p.id);
    assert.equal((await second.get(`/fhir/R4/Patient/${p.id}`)).status, 200);

    // The holder's access log: their own reads are "You"; the second login's are not.
    const holder = await login(srv.base, srv.dir, p.email);
    assert.equal((await holder.get(`/fhir/R4/Patient/${p.id}`)).status, 200);
    const log = (await holder.get(`/fhir/R4/AuditEvent?patient=${p.id}`)).json();
    const whoOf = (a) => a.agent[0].who.display;
    const names = new Set(log.entry.map((e) => whoOf(e.resource)));
    assert.ok(names.has('You'), [...names].join(', '));
    assert.ok(names.has('Another login to your record'), [...names].join(', '));
    const page = await holder.get('/access-log');
    assert.match(page.text, /Another login to your record/);
    // And from the second login's side, the holder is the other one.
    const theirs = (await second.get(`/fhir/R4/AuditEvent?patient=${p.id}`)).json();
    assert.ok(theirs.entry.map((e) => whoOf(e.resource)).includes('Another login to your record'));
  });
});
