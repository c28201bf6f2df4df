// Te reo Māori (issue 15, item 10; docs/internals/TEXT.md) over real HTTP against the real
// binary, with the mailer sending to a local SMTP sink: a patient chooses Māori on the Account
// page (the choice labelled in both languages, audited); then every page says <html lang="mi">,
// the menu (wide and phone) and the patient's headings are in Māori, and the practice's emails
// to them arrive in Māori, UTF-8 in the body and RFC 2047 in the subject; another patient and
// the clinician stay in English; switching back brings English back.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, sqlite, multipart, Client, PASSWORD } = require('./lib');
const { startSink } = require('./smtp-sink');
const { form, login } = require('./careplan-helpers');

const PORTAL = 'https://portal.demo-health.test';

// RFC 2047 encoded-words (B or Q, UTF-8) in a header, decoded by the test itself.
function decodeHeader(v) {
  return v.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, enc, text) => {
    if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
    const bytes = [];
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '_') bytes.push(0x20);
      else if (text[i] === '=') { bytes.push(parseInt(text.slice(i + 1, i + 3), 16)); i += 2; } else bytes.push(text.charCodeAt(i));
    }
    return Buffer.from(bytes).toString('utf8');
  });
}

const h1 = (html) => (html.match(/<h1>([^<]*)<\/h1>/) || [])[1];
const htmlLang = (html) => (html.match(/<html lang="([^"]+)"/) || [])[1];
const send = (c, p, fields) => {
  const f = multipart({ csrf: c.csrf, ...fields }, []);
  return c.post(p, { body: f.body, headers: { 'Content-Type': f.type }, csrf: false });
};

describe('te reo Māori', () => {
  let sink; let srv; let p1; let p2; let clin;
  const mails = (to, re = /./) => sink.messages.filter((m) => m.to.includes(to) && re.test(decodeHeader(m.subject)));
  // The newest mail to `to` whose decoded subject matches re, once there are more than `before`.
  async function next(to, re, before) {
    for (let i = 0; i < 200; i++) {
      const got = mails(to, re);
      if (got.length > before) return got[got.length - 1];
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail to ${to} matching ${re}: ${sink.messages.map((m) => decodeHeader(m.subject)).join('; ')}`);
  }

  before(async () => {
    sink = await startSink();
    srv = await startServer({ patients: 2,
      config: `smtp.url = smtp://127.0.0.1:${sink.port}\nsmtp.from = Demo Health Centre <noreply@demo.test>\nportal.url = ${PORTAL}/\nbreaker.misses = 100000\n` });
    p1 = await login(srv, 'patient1@demo.test');
    p2 = await login(srv, 'patient2@demo.test');
    clin = await login(srv, 'clinician1@demo.test');
  });
  after(async () => { await srv.stop(); await sink.close(); });

  it('the choice is on the Account page, labelled in both languages, English until chosen', async () => {
    const page = await p1.get('/account');
    assert.equal(page.status, 200);
    assert.equal(htmlLang(page.text), 'en');
    assert.equal(h1(page.text), 'Your account');
    const f = page.text.match(/<form method="post" action="\/account\/language"[\s\S]*?<\/form>/);
    assert.ok(f, 'the language form');
    assert.match(f[0], /<legend><span lang="en">Language<\/span> · <span lang="mi">Reo<\/span><\/legend>/);
    assert.match(f[0], /value="en" checked> <span lang="en">English<\/span>/);
    assert.match(f[0], /value="mi"> <span lang="mi">Te reo Māori<\/span>/);
    assert.match(f[0], /<span lang="en">Save language<\/span> · <span lang="mi">Tiakina te reo<\/span>/);
  });

  it('a language not offered, or no CSRF token, changes nothing', async () => {
    assert.equal((await p1.post('/account/language', form(p1, { lang: 'fr' }))).status, 400);
    assert.equal((await p1.post('/account/language', form(p1, { lang: 'mi-NZ' }))).status, 400);
    const noCsrf = await p1.post('/account/language', { body: 'lang=mi', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
    assert.equal(noCsrf.status, 403);
    assert.equal(sqlite(srv.dir, `SELECT lang FROM account WHERE patient_id = X'${p1.session.patient}'`), 'en');
  });

  it('choosing Māori: saved, audited, and every page says lang="mi" with the menu and headings in Māori', async () => {
    const r = await p1.post('/account/language', form(p1, { lang: 'mi' }));
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/account?done=language');
    assert.equal(sqlite(srv.dir, `SELECT lang FROM account WHERE patient_id = X'${p1.session.patient}'`), 'mi');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'account.language' AND outcome = 'ok'`), '1');

    const acct = await p1.get('/account?done=language');
    assert.equal(htmlLang(acct.text), 'mi');
    assert.equal(h1(acct.text), 'Tō kaute');
    assert.match(acct.text, /Kua tiakina tō reo\./);
    assert.match(acct.text, /value="mi" checked>/);

    const home = await p1.get('/');
    assert.equal(home.status, 200);
    assert.equal(htmlLang(home.text), 'mi');
    assert.equal(h1(home.text), 'Kāinga');
    const wide = home.text.match(/<nav aria-label="Main" class="menu-wide">([\s\S]*?)<\/nav>/)[1];
    const phone = home.text.match(/<details class="menu-phone"><summary>([^<]*)<\/summary><nav aria-label="Main">([\s\S]*?)<\/nav>/);
    assert.equal(phone[1], 'Tahua');
    for (const menu of [wide, phone[2]]) {
      for (const [href, words] of [['/', 'Kāinga'], ['/documents', 'Aku tuhinga'], ['/results', 'Aku hua'],
        ['/medications', 'Ngā rongoā'], ['/appointments', 'Ngā wā whakarite'], ['/messages', 'Ngā karere'],
        ['/access-log', 'Ngā urunga'], ['/enrolment', 'Tō whare rata'], ['/security', 'Haumarutanga'],
        ['/proxies', 'Urunga whānau'], ['/sessions', 'Ngā takiuru'], ['/account', 'Tō kaute']]) {
        assert.ok(menu.includes(`<a href="${href}">${words}`), `${href} is "${words}" in ${menu}`);
      }
      assert.match(menu, /<button type="submit" class="link">Takiputa<\/button>/);
      assert.doesNotMatch(menu, />(Home|My results|Messages|Log out)</);
    }
    assert.match(home.text, /<a class="skip" href="#main">Peke ki te ihirangi<\/a>/);
    assert.match(home.text, /<footer class="foot">Kua whakamunatia ō mōhiohio hauora/);

    for (const [p, words] of [['/documents', 'Aku tuhinga'], ['/results', 'Aku hua'], ['/medications', 'Ngā rongoā'],
      ['/appointments', 'Ngā wā whakarite'], ['/messages', 'Ngā karere'], ['/access-log', 'Ko wai kua kite i tōku pūkete'],
      ['/enrolment', 'Tō whare rata'], ['/security', 'Haumarutanga'], ['/proxies', 'Te urunga a te whānau me ngā kaitiaki'],
      ['/sessions', 'Kei hea koe e takiuru ana'], ['/account/emails', 'Ngā īmēra mai i tō whare rata']]) {
      const page = await p1.get(p);
      assert.equal(page.status, 200, p);
      assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(htmlLang(page.text), 'mi', p);
      assert.equal(h1(page.text), words, p);
    }
  });

  it('others keep their own language: another patient and the clinician still read English', async () => {
    const other = await p2.get('/');
    assert.equal(htmlLang(other.text), 'en');
    assert.equal(h1(other.text), 'Home');
    assert.match(other.text, /<a href="\/results">My results/);
    const staff = await clin.get('/patients');
    assert.equal(htmlLang(staff.text), 'en');
    assert.match(staff.text, /<a href="\/inbox">Inbox/);
    assert.match(staff.text, />Log out<\/button>/);
  });

  it('the practice\'s email comes in Māori: UTF-8 body, RFC 2047 subject; the English patient\'s in English', async () => {
    const thread = (await send(p1, '/messages', { subject: 'Pātai', body: 'He pātai tāku' })).headers.get('location').split('/').pop();
    const thread2 = (await send(p2, '/messages', { subject: 'Question', body: 'A question' })).headers.get('location').split('/').pop();
    const before1 = mails('patient1@demo.test', /karere hou/).length;
    const before2 = mails('patient2@demo.test', /new message/).length;
    assert.equal((await send(clin, `/messages/${thread}/reply`, { body: 'Kia ora, thank you' })).status, 303);
    assert.equal((await send(clin, `/messages/${thread2}/reply`, { body: 'Thank you' })).status, 303);
    const m = await next('patient1@demo.test', /karere hou/, before1);
    // the subject on the wire is ASCII, as encoded-words; decoded, it is the Māori sentence
    assert.match(m.subject, /^=\?UTF-8\?Q\?[\x21-\x7e]+\?=$/);
    assert.equal(decodeHeader(m.subject), 'He karere hou tāu');
    assert.equal(m.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(m.headers['content-transfer-encoding'], '8bit');
    assert.match(m.body, /He karere hou tāu nā Demo Health Centre\./);
    assert.match(m.body, /Takiuru ki tō tomokanga tūroro kia kite ai:/);
    assert.match(m.body, /Hei tiaki i tō matatapu, kāore he taipitopito hauora i tēnei īmēra\./);
    assert.match(m.body, /I tukuna mā te tomokanga tūroro o Demo Health Centre\./);
    assert.ok(m.body.includes(PORTAL), 'the portal\'s address');
    assert.doesNotMatch(m.body, /You have a new message|Sign in to your patient portal/);
    assert.doesNotMatch(m.body, /thank you/i, 'nothing of the message itself');
    // the macrons arrive as UTF-8 (two bytes each), not as replacement characters or entities
    assert.ok(Buffer.from(m.raw, 'utf8').includes(Buffer.from([0xc4, 0x81])), 'ā as UTF-8');
    assert.doesNotMatch(m.raw, /\uFFFD|&#|&amp;/);

    const e = await next('patient2@demo.test', /new message/, before2);
    assert.equal(e.subject, 'You have a new message');
    assert.match(e.body, /You have a new message from Demo Health Centre\./);
  });

  it('a result released is told in Māori too', async () => {
    const pid = p1.session.patient;
    const held = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = X'${pid}' AND NOT (coalesce(release_at, 0) > 0 AND release_at <= unixepoch())`).split('\n').filter(Boolean);
    assert.ok(held.length >= 1, 'the demo holds a result back');
    const before = mails('patient1@demo.test', /hua hou/).length;
    assert.equal((await clin.post(`/results/${held[0]}/release`, form(clin, {}))).status, 303);
    const m = await next('patient1@demo.test', /hua hou/, before);
    assert.equal(decodeHeader(m.subject), 'Kua rite tētahi hua hou');
    assert.match(m.body, /Kua rite tētahi hua hou mai i Demo Health Centre hei tirotiro māu i tō tomokanga\./);
  });

  it('an appointment booked is told in Māori, the way it happens too (a string within a string)', async () => {
    const slots = [...(await p1.get('/appointments')).text.matchAll(/name="slot" required value="([0-9a-f]{32})"/g)].map((x) => x[1]);
    assert.ok(slots.length >= 1);
    const before = mails('patient1@demo.test', /wā whakarite/).length;
    assert.equal((await p1.post('/appointments', form(p1, { slot: slots[0], reason: 'Mamae pokohiwi' }))).status, 303);
    const m = await next('patient1@demo.test', /wā whakarite/, before);
    assert.equal(decodeHeader(m.subject), 'Tō wā whakarite');
    assert.match(m.body, /Kua tāpuitia he wā whakarite mōu ki Demo Health Centre: .+\. (Kanohi ki te kanohi, ki te whare rata\.|Mā te waea: |Mā te ataata: )/);
    assert.doesNotMatch(m.body, /It is (in person|by phone|by video)|Mamae/);
  });

  it('a sign-in from a new device is told in Māori', async () => {
    const before = mails('patient1@demo.test', /takiuru hou/).length;
    // a device this account has not used: another browser, by its User-Agent
    const c = new Client(srv.base);
    const token = await c.loginForm();
    const r = await c.post('/login', { body: new URLSearchParams({ csrf: token, email: 'patient1@demo.test', password: PASSWORD }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' }, csrf: false });
    assert.equal(r.status, 303);
    const m = await next('patient1@demo.test', /takiuru hou/, before);
    assert.equal(decodeHeader(m.subject), 'He takiuru hou ki tō kaute tomokanga tūroro');
    assert.match(m.body, /I takiuru mai tētahi ki tō kaute tomokanga tūroro i te .+ \(te wā o Aotearoa\)/);
    assert.ok(m.body.includes(PORTAL));
  });

  it('switching back to English brings English back, everywhere', async () => {
    assert.equal((await p1.post('/account/language', form(p1, { lang: 'en' }))).status, 303);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'account.language'`), '2');
    const home = await p1.get('/');
    assert.equal(htmlLang(home.text), 'en');
    assert.equal(h1(home.text), 'Home');
    assert.match(home.text, /<summary>Menu<\/summary>/);
    assert.match(home.text, /<a href="\/results">My results/);
    assert.doesNotMatch(home.text, /Kāinga|Takiputa/);
    assert.equal(h1((await p1.get('/account')).text), 'Your account');
  });
});
