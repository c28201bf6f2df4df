// Sessions that do not lose work (issue 15, item 9): after signing in (password, then the
// second factor when due) back to the page that was asked for, never anywhere else; drafts of
// messages kept on the server, sealed, the author's alone, gone once sent; and the idle
// timeout a setting (session.idle_seconds) with a floor.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, Client, multipart, randomId, sqlite, filesUnder, nextCode, totpSecret, run, PASSWORD } = require('./lib');
const { FORM } = require('./account-helpers');

async function send(c, p, fields) {
  const form = multipart({ csrf: c.csrf, ...fields }, []);
  return c.post(p, { body: form.body, headers: { 'Content-Type': form.type }, csrf: false });
}

// The login form with the URL's query, then POST /login with its token (and next, when given).
async function passwordStep(c, email, query = '', next = undefined) {
  const page = await c.get(`/login${query}`);
  const csrf = page.text.match(/name="csrf" value="([^"]+)"/)[1];
  const fields = { csrf, email, password: PASSWORD };
  // what a browser sends: the form's own next field, or the one given
  const hidden = page.text.match(/name="next" value="([^"]+)"/);
  if (hidden) fields.next = hidden[1].replace(/&amp;/g, '&');
  if (next !== undefined) fields.next = next;
  const r = await c.post('/login', { body: new URLSearchParams(fields).toString(), headers: FORM, csrf: false });
  return { page, r };
}

async function sessionOf(c) {
  const s = await c.get('/session');
  c.session = s.json();
  c.csrf = c.session.csrf;
}

const EVIL = ['//evil.example', '///evil.example', 'https://evil', 'http:/evil', '/\\evil', '\\\\evil', 'javascript:alert(1)',
  '/%2F/evil.example', '/%5Cevil', '%2F%2Fevil.example', '/messages/../../evil', '/ /evil', 'evil.example', `/${'a'.repeat(300)}`];

describe('sessions that do not lose work', () => {
  let srv; let p1; let p2; let clin; const marker = `DraftMarker${randomId()}`;
  before(async () => {
    srv = await startServer({ patients: 2 });
    p1 = new Client(srv.base); await p1.login('patient1@demo.test');
    p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    clin = new Client(srv.base); await clin.login('clinician1@demo.test');
  });
  after(async () => { await srv.stop(); });

  it('sends a page asked for without a session to sign in, with the page to come back to', async () => {
    const anon = new Client(srv.base);
    const cases = [['/messages', '/login?next=/messages'],
      ['/access-log?others=1', '/login?next=/access-log%3Fothers%3D1'],
      [`/messages/${randomId()}`, null],
      ['/', '/login']];
    for (const [asked, want] of cases) {
      const r = await anon.get(asked);
      assert.equal(r.status, 303, asked);
      assert.equal(r.headers.get('location'), want || `/login?next=${asked}`, asked);
    }
    // a query that is not plain is left out: the page alone
    const odd = await anon.get('/access-log?others=%3Cb%3E');
    assert.equal(odd.headers.get('location'), '/login?next=/access-log');
    // a form posted after the session ended comes back to the page it was posted from
    const tid = randomId();
    const reply = await send(anon, `/messages/${tid}/reply`, { body: 'hello' });
    assert.equal(reply.status, 303);
    assert.equal(reply.headers.get('location'), `/login?next=/messages/${tid}`);
    assert.equal((await send(anon, '/messages', { subject: 's', body: 'b' })).headers.get('location'), '/login?next=/messages');
    // the API and FHIR still answer 401
    assert.equal((await anon.get('/session')).status, 401);
  });

  it('lands on that page after the password, with the page named on the form', async () => {
    const c = new Client(srv.base);
    const { page, r } = await passwordStep(c, 'patient1@demo.test', '?next=/access-log%3Fothers%3D1');
    assert.match(page.text, /<input type="hidden" name="next" value="\/access-log\?others=1">/);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/access-log?others=1');
    assert.equal((await c.get('/access-log?others=1')).status, 200);
    // a wrong password keeps next on the form
    const again = new Client(srv.base);
    const token = await again.loginForm();
    const wrong = await again.post('/login', { body: new URLSearchParams({ csrf: token, email: 'patient1@demo.test', password: 'nope-nope-nope', next: '/messages' }).toString(), headers: FORM, csrf: false });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /name="next" value="\/messages"/);
  });

  it('carries it through the second factor, by code and on the passkey form', async () => {
    const c = new Client(srv.base);
    const { r } = await passwordStep(c, 'clinician1@demo.test', '', '/inbox');
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/login/mfa?next=/inbox');
    await sessionOf(c);
    const mfa = await c.get('/login/mfa?next=/inbox');
    assert.match(mfa.text, /<form method="post" class="card" action="\/login\/mfa\?next=\/inbox">/);
    const code = await nextCode(srv.dir, totpSecret(srv.dir, 'clinician1@demo.test'), 'clinician1@demo.test');
    const done = await c.post('/login/mfa?next=/inbox', { body: new URLSearchParams({ csrf: c.csrf, code }).toString(), headers: FORM, csrf: false });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), '/inbox');
    assert.equal((await c.get('/inbox')).status, 200);
  });

  it('never sends anyone off the portal: open-redirect attempts land at home', async () => {
    for (const evil of EVIL) {
      const c = new Client(srv.base);
      const q = `?next=${encodeURIComponent(evil)}`;
      const { page, r } = await passwordStep(c, 'patient2@demo.test', q, evil);
      assert.doesNotMatch(page.text, /name="next"/, evil);
      assert.equal(r.status, 303, evil);
      assert.equal(r.headers.get('location'), '/', evil);
      // raw (not encoded) on the URL too
      const raw = await new Client(srv.base).get(`/login?next=${evil}`);
      assert.doesNotMatch(raw.text, /name="next"/, evil);
    }
    // and at the second step
    const c = new Client(srv.base);
    const { r } = await passwordStep(c, 'clinician1@demo.test', '', '//evil.example');
    assert.equal(r.headers.get('location'), '/login/mfa');
    await sessionOf(c);
    const secret = totpSecret(srv.dir, 'clinician1@demo.test');
    for (const evil of ['//evil.example', 'https://evil', '/\\evil']) {
      const page = await c.get(`/login/mfa?next=${encodeURIComponent(evil)}`);
      assert.match(page.text, /action="\/login\/mfa"/, evil);
    }
    const code = await nextCode(srv.dir, secret, 'clinician1@demo.test');
    const done = await c.post(`/login/mfa?next=${encodeURIComponent('//evil.example')}`, { body: new URLSearchParams({ csrf: c.csrf, code }).toString(), headers: FORM, csrf: false });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), '/');
    // step-up uses the same rule
    assert.equal((await p1.get('/step-up?next=%2F%2Fevil.example')).status, 400);
  });

  it('keeps a draft of a new message, sealed, audited, the author\'s alone, and deletes it when sent', async () => {
    const saved = await send(p1, '/messages/draft', { subject: `Knee ${marker}`, body: `Still sore. ${marker}` });
    assert.equal(saved.status, 303, saved.text);
    assert.equal(saved.headers.get('location'), '/messages#compose');
    const page = await p1.get('/messages');
    assert.match(page.text, new RegExp(`<input id="subject" name="subject" required maxlength="150" value="Knee ${marker}">`));
    assert.match(page.text, new RegExp(`<textarea id="body" name="body" required maxlength="5000" rows="6">Still sore. ${marker}</textarea>`));
    assert.match(page.text, /Your draft from [A-Z][a-z]{2} \d+ [A-Z][a-z]{2} \d{4}, \d+:\d\d [ap]m is kept until you send it\./);
    assert.match(page.text, /formaction="\/messages\/draft">Save draft<\/button>/);
    // the script's saves answer 204 and replace it
    const auto = await send(p1, '/messages/draft', { subject: `Knee ${marker}`, body: `Still sore, worse. ${marker}`, auto: '1' });
    assert.equal(auto.status, 204);
    assert.match((await p1.get('/messages')).text, /Still sore, worse\./);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM message_draft WHERE author_id = X'${p1.session.account}'`), '1');
    // sealed at rest
    for (const f of filesUnder(srv.dir).filter((x) => !x.path.endsWith('demo-logins.txt'))) {
      assert.equal(f.data.includes(Buffer.from(marker)), false, `draft text found in ${f.path}`);
    }
    // nobody else sees it: another patient, the clinician on the patient's page
    assert.doesNotMatch((await p2.get('/messages')).text, new RegExp(marker));
    const pid = p1.session.patient;
    const staffPage = await clin.get(`/patients/${pid}/messages`);
    assert.equal(staffPage.status, 200);
    assert.doesNotMatch(staffPage.text, new RegExp(marker));
    // a draft needs a CSRF token
    const form = multipart({ subject: 'x', body: 'y' }, []);
    assert.equal((await p1.post('/messages/draft', { body: form.body, headers: { 'Content-Type': form.type }, csrf: false })).status, 403);
    // audited like messages
    const rows = sqlite(srv.dir, `SELECT action || ' ' || outcome FROM audit WHERE rtype = 'MessageDraft' AND actor = '${p1.session.account}'`);
    assert.match(rows, /message\.send allow/);
    assert.match(rows, /message\.read allow/);
    // sent: gone
    const sent = await send(p1, '/messages', { subject: `Knee ${marker}`, body: `Still sore, worse. ${marker}` });
    assert.equal(sent.status, 303);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM message_draft WHERE author_id = X'${p1.session.account}'`), '0');
    assert.doesNotMatch((await p1.get('/messages')).text, /Your draft from/);
    // an empty draft keeps nothing
    assert.equal((await send(p1, '/messages/draft', { subject: 'Later', body: '' })).status, 303);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM message_draft WHERE author_id = X'${p1.session.account}'`), '1');
    assert.equal((await send(p1, '/messages/draft', { subject: '', body: '' })).status, 303);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM message_draft WHERE author_id = X'${p1.session.account}'`), '0');
  });

  it('keeps a reply\'s draft per thread and per author; another patient cannot write or read one there', async () => {
    const start = await send(p1, '/messages', { subject: 'Flu jab', body: 'When is it?' });
    const tid = start.headers.get('location').split('/').pop();
    const mine = `ReplyDraft${randomId()}`;
    const r = await send(p1, `/messages/${tid}/draft`, { body: mine });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `/messages/${tid}#compose`);
    assert.match((await p1.get(`/messages/${tid}`)).text, new RegExp(`rows="6">${mine}</textarea>`));
    // the clinician's own draft in the same thread is theirs; neither sees the other's
    const theirs = `StaffDraft${randomId()}`;
    assert.equal((await send(clin, `/messages/${tid}/draft`, { body: theirs })).status, 303);
    const staffView = await clin.get(`/messages/${tid}`);
    assert.match(staffView.text, new RegExp(theirs));
    assert.doesNotMatch(staffView.text, new RegExp(mine));
    assert.doesNotMatch((await p1.get(`/messages/${tid}`)).text, new RegExp(theirs));
    // another patient: not found, and nothing kept
    const before = sqlite(srv.dir, 'SELECT count(*) FROM message_draft');
    assert.equal((await send(p2, `/messages/${tid}/draft`, { body: 'not mine' })).status, 404);
    assert.equal((await send(p2, `/messages/${randomId()}/draft`, { body: 'nothing' })).status, 404);
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM message_draft'), before);
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE rtype = 'MessageDraft' AND actor = '${p2.session.account}' AND outcome IN ('deny', 'notfound')`)) >= 2);
    // the clinician's new-message draft on the patient's page
    const pid = p1.session.patient;
    const note = `StaffNew${randomId()}`;
    const s = await send(clin, `/patients/${pid}/messages/draft`, { subject: 'Recall', body: note });
    assert.equal(s.status, 303);
    assert.equal(s.headers.get('location'), `/patients/${pid}/messages#compose`);
    assert.match((await clin.get(`/patients/${pid}/messages`)).text, new RegExp(note));
    assert.equal((await send(p2, `/patients/${pid}/messages/draft`, { subject: 'x', body: 'y' })).status, 404);
    // sending the reply deletes its draft only
    assert.equal((await send(p1, `/messages/${tid}/reply`, { body: mine })).status, 303);
    assert.doesNotMatch((await p1.get(`/messages/${tid}`)).text, /Your draft from/);
    assert.match((await clin.get(`/messages/${tid}`)).text, new RegExp(`rows="6">${theirs}</textarea>`));
    for (const f of filesUnder(srv.dir).filter((x) => !x.path.endsWith('demo-logins.txt'))) {
      for (const t of [theirs, note]) assert.equal(f.data.includes(Buffer.from(t)), false, `${t} in ${f.path}`);
    }
  });

  it('gives a signed-in page the session script with the idle timeout, and serves it', async () => {
    const page = await p1.get('/messages');
    assert.match(page.text, /<script src="\/static\/session\.js" defer data-idle="1800" data-warn="120"><\/script>/);
    assert.doesNotMatch((await new Client(srv.base).get('/login')).text, /session\.js/);
    const js = await new Client(srv.base).get('/static/session.js');
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /text\/javascript/);
    assert.doesNotMatch(js.text, /localStorage|sessionStorage|indexedDB|document\.cookie/);
  });
});

describe('session.idle_seconds', () => {
  it('ends a session after the configured idle time, and refuses a value under the floor', async () => {
    const srv = await startServer({ patients: 1, config: 'session.idle_seconds = 60\n' });
    try {
      const c = new Client(srv.base); await c.login('patient1@demo.test');
      assert.match((await c.get('/messages')).text, /data-idle="60" data-warn="20"/);
      sqlite(srv.dir, `UPDATE session SET last_seen = last_seen - 50 WHERE account_id = X'${c.session.account}'`);
      assert.equal((await c.get('/session')).status, 200, 'within the minute');
      sqlite(srv.dir, `UPDATE session SET last_seen = last_seen - 61 WHERE account_id = X'${c.session.account}'`);
      const gone = await c.get('/messages');
      assert.equal(gone.status, 303);
      assert.equal(gone.headers.get('location'), '/login?next=/messages');
    } finally { await srv.stop(); }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-idle-'));
    fs.rmSync(dir, { recursive: true });
    assert.equal(run(['demo', '--data', dir, '--patients', '1', '--password', PASSWORD]).code, 0);
    fs.writeFileSync(path.join(dir, 'medkeep.conf'), 'session.idle_seconds = 59\n', { mode: 0o600 });
    const r = run(['serve', '--data', dir, '--listen', '127.0.0.1:1']);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /session\.idle_seconds must be 60 to 43200/);
  });
});
