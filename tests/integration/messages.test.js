// Secure messages: a patient writes to the practice (with an attachment), staff see it in the
// inbox and answer, the patient reads the answer; FHIR Communication; who may reach a thread.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, multipart, pdfWith, randomId, sqlite, filesUnder } = require('./lib');
const { queuedMails } = require('./outbox-helper');
const { assertValidFhir } = require('./fhir-validate');

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

// Everything a response says, apart from what is fresh on every response.
function shape(r) {
  return { status: r.status, type: r.headers.get('content-type'), body: r.text.replace(/name="csrf" value="[^"]+"/g, '') };
}

async function send(c, path, fields, files = []) {
  const form = multipart({ csrf: c.csrf, ...fields }, files);
  return c.post(path, { body: form.body, headers: { 'Content-Type': form.type }, csrf: false });
}

describe('secure messages', () => {
  let srv; let p1; let p2; let clin; let other; let admin; let op; let thread; const marker = `MsgMarker${randomId()}`;
  before(async () => {
    srv = await startServer({ patients: 3 });
    p1 = new Client(srv.base); await p1.login('patient1@demo.test');
    p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    clin = new Client(srv.base); await clin.login('clinician1@demo.test');
    other = new Client(srv.base); await other.login('otherclinician1@demo.test');
    admin = new Client(srv.base); await admin.login('admin1@demo.test');
    op = new Client(srv.base); await op.login('operator@demo.test');
  });
  after(async () => { await srv.stop(); });

  it('a patient starts a thread with an attachment; the practice sees it unread, answers; the patient reads the answer', async () => {
    const before = Number((await clin.get('/inbox')).text.match(/(\d+) conversations? with unread/)[1]);
    const r = await send(p1, '/messages', { subject: `Sore knee ${marker}`, body: `My knee hurts.\r\nSince Monday. ${marker}` },
      [{ name: 'file', filename: 'knee.png', type: 'image/png', data: PNG }]);
    assert.equal(r.status, 303, r.text);
    thread = r.headers.get('location').split('/').pop();
    assert.match(thread, /^[0-9a-f]{32}$/);
    const page = await p1.get(`/messages/${thread}`);
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`Sore knee ${marker}`));
    assert.match(page.text, /My knee hurts.\nSince Monday/);
    const doc = page.text.match(/Attachment: <a href="\/documents\/([0-9a-f]{32})">knee\.png<\/a>/)[1];
    // the attachment is a document of the patient, checked by its bytes
    assert.deepEqual((await p1.get(`/documents/${doc}/download`)).buf, PNG);
    assert.match((await p1.get('/documents')).text, /knee\.png/);

    // the practice: unread in the navigation and the inbox, unread first
    const inbox = await clin.get('/inbox');
    assert.equal(inbox.status, 200);
    assert.equal(Number(inbox.text.match(/(\d+) conversations? with unread/)[1]), before + 1);
    assert.match(inbox.text, /<a href="\/inbox">Inbox <span class="count">\(\d+ unread\)<\/span>/);
    assert.match(inbox.text, new RegExp(`<tr class="unread"><td>[^<]+</td><td><a href="/messages/${thread}">`));
    assert.match(page.text, /<p class="meta" role="status">Not read yet\.<\/p>/);
    const seen = await clin.get(`/messages/${thread}`);
    assert.equal(seen.status, 200);
    assert.match(seen.text, /My knee hurts/);
    assert.doesNotMatch((await clin.get('/inbox')).text, new RegExp(`<tr class="unread"><td>[^<]+</td><td><a href="/messages/${thread}">`));
    const outboxBefore = Number(sqlite(srv.dir, 'SELECT count(*) FROM outbox'));
    assert.match((await p1.get(`/messages/${thread}`)).text, /<p class="meta" role="status">Read\.<\/p>/);
    assert.match(seen.text, new RegExp(`With <a href="/patients/${p1.session.patient}">`));
    const ans = await send(clin, `/messages/${thread}/reply`, { body: `Please rest it. ${marker}` });
    assert.equal(ans.status, 303, ans.text);
    // an email to the patient, with no content of the message
    const mails = queuedMails(srv.dir).slice(-1).map((m) => m.subject + m.body).join('');
    assert.equal(Number(sqlite(srv.dir, 'SELECT count(*) FROM outbox')), outboxBefore + 1);
    assert.match(mails, /You have a new message/);
    assert.doesNotMatch(mails, /knee|rest|MsgMarker/i);

    const list = await p1.get('/messages');
    assert.match(list.text, new RegExp(`href="/messages/${thread}">Sore knee ${marker}</a> <span class="badge">1 new</span>`));
    const back = await p1.get(`/messages/${thread}`);
    assert.match(back.text, /Demo Health Centre <span class="meta">/);
    assert.match(back.text, /Please rest it/);
    assert.doesNotMatch((await p1.get('/messages')).text, new RegExp(`/messages/${thread}">[^<]+</a> <span class="badge">`));
    // and the patient answers again
    assert.equal((await send(p1, `/messages/${thread}/reply`, { body: 'Thank you!' })).status, 303);
  });

  it('the practice starts a conversation from the patient\'s page; the patient is told and reads it', async () => {
    const pid = p1.session.patient;
    assert.match((await clin.get(`/patients/${pid}`)).text, new RegExp(`href="/patients/${pid}/messages">Messages with this patient`));
    const page = await clin.get(`/patients/${pid}/messages`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Messages with [^<]+<\/h1>/);
    assert.ok(page.text.includes(`/messages/${thread}`));
    const outboxBefore = Number(sqlite(srv.dir, 'SELECT count(*) FROM outbox'));
    const r = await send(clin, `/patients/${pid}/messages`, { subject: 'Your recall is due', body: 'Please book your annual check.' });
    assert.equal(r.status, 303, r.text);
    const tid = r.headers.get('location').split('/').pop();
    assert.equal(Number(sqlite(srv.dir, 'SELECT count(*) FROM outbox')), outboxBefore + 1);
    const list = await p1.get('/messages');
    assert.match(list.text, new RegExp(`href="/messages/${tid}">Your recall is due</a> <span class="badge">1 new</span>`));
    // not for another practice's clinician, nor another patient: like a random id
    for (const c of [other, p2]) {
      const got = await c.get(`/patients/${pid}/messages`);
      assert.equal(got.status, 404);
      assert.deepEqual(shape(got), shape(await c.get(`/patients/${randomId()}/messages`)));
      const post = await send(c, `/patients/${pid}/messages`, { subject: 'x', body: 'y' });
      assert.equal(post.status, 404);
      assert.deepEqual(shape(post), shape(await send(c, `/patients/${randomId()}/messages`, { subject: 'x', body: 'y' })));
    }
  });

  it('refuses empty and oversized messages, and attachments that are not PDF, PNG or JPEG', async () => {
    const empty = await send(p1, '/messages', { subject: 'Hi', body: '   ' });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /Write a message/);
    const long = await send(p1, '/messages', { subject: 'Hi', body: 'x'.repeat(5001) });
    assert.equal(long.status, 400);
    const noSubject = await send(p1, '/messages', { subject: '', body: 'hello' });
    assert.match(noSubject.text, /subject/);
    const exe = await send(p1, '/messages', { subject: 'File', body: 'see file' }, [{ name: 'file', filename: 'x.exe', type: 'application/pdf', data: Buffer.from('MZ\x90\x00not a pdf') }]);
    assert.equal(exe.status, 400);
    assert.match(exe.text, /Only PDF, PNG and JPEG/);
    // not UTF-8: refused before anything is stored (no document made for the attachment)
    const docsBefore = Number(sqlite(srv.dir, 'SELECT count(*) FROM document'));
    const bad = multipart({ csrf: p1.csrf, subject: 'Bytes' }, [{ name: 'file', filename: 'x.png', type: 'image/png', data: PNG }]);
    const badBody = Buffer.concat([bad.body.subarray(0, bad.body.length - 4 - bad.type.split('=')[1].length - 2),
      Buffer.from(`\r\n--${bad.type.split('=')[1]}\r\nContent-Disposition: form-data; name="body"\r\n\r\n`), Buffer.from([0xff, 0xfe, 0x41]),
      Buffer.from(`\r\n--${bad.type.split('=')[1]}--\r\n`)]);
    const notUtf8 = await p1.post('/messages', { body: badBody, headers: { 'Content-Type': bad.type }, csrf: false });
    assert.equal(notUtf8.status, 400, notUtf8.text);
    assert.match(notUtf8.text, /characters that cannot be sent/);
    assert.equal(Number(sqlite(srv.dir, 'SELECT count(*) FROM document')), docsBefore);
    const noCsrf = multipart({ subject: 'x', body: 'y' }, []);
    assert.equal((await p1.post('/messages', { body: noCsrf.body, headers: { 'Content-Type': noCsrf.type }, csrf: false })).status, 403);
  });

  it('another patient\'s thread answers exactly like a random id, for pages, replies and FHIR', async () => {
    const theirs = await p2.get(`/messages/${thread}`);
    const random = await p2.get(`/messages/${randomId()}`);
    assert.equal(theirs.status, 404);
    assert.deepEqual(shape(theirs), shape(random));
    const reply = await send(p2, `/messages/${thread}/reply`, { body: 'hijack' });
    const replyRandom = await send(p2, `/messages/${randomId()}/reply`, { body: 'hijack' });
    assert.equal(reply.status, 404);
    assert.deepEqual(shape(reply), shape(replyRandom));
    const msgId = (await p1.fhir(`Communication?patient=${p1.session.patient}`)).json().entry[0].resource.id;
    const f = await p2.fhir(`Communication/${msgId}`);
    const fr = await p2.fhir(`Communication/${randomId()}`);
    assert.equal(f.status, 404);
    assert.deepEqual(shape(f), shape(fr));
    const search = await p2.fhir(`Communication?patient=${p1.session.patient}`);
    assert.equal(search.status, 404);
    assert.deepEqual(shape(search), shape(await p2.fhir(`Communication?patient=${randomId()}`)));
    assert.ok(!(await p2.get('/messages')).text.includes(thread));
    // and nothing was written into the thread
    assert.equal(Number(sqlite(srv.dir, `SELECT n_messages FROM message_thread WHERE id = X'${thread}'`)), 3);
    assert.equal(Number(sqlite(srv.dir, `SELECT count(*) FROM message WHERE author_id = X'${p2.session.account}'`)), 0);
  });

  it('a clinician of another practice gets 404; practice admin and operator get nothing', async () => {
    for (const c of [other, admin, op]) {
      const r = await c.get(`/messages/${thread}`);
      assert.equal(r.status, 404);
      assert.deepEqual(shape(r), shape(await c.get(`/messages/${randomId()}`)));
      assert.equal((await send(c, `/messages/${thread}/reply`, { body: 'x' })).status, 404);
      assert.equal((await c.fhir(`Communication?patient=${p1.session.patient}`)).status, 404);
    }
    const otherInbox = await other.get('/inbox');
    assert.equal(otherInbox.status, 200);
    assert.ok(!otherInbox.text.includes(thread));
    assert.equal((await admin.get('/inbox')).status, 404);
    assert.equal((await op.get('/inbox')).status, 404);
    assert.doesNotMatch((await admin.get('/')).text, /Inbox/);
  });

  it('FHIR: search, read and send Communication; every response validates', async () => {
    const b = await p1.fhir(`Communication?patient=${p1.session.patient}`);
    assert.equal(b.status, 200);
    const bundle = b.json();
    assertValidFhir(bundle);
    const mine = bundle.entry.map((e) => e.resource).filter((r) => r.topic && r.topic.text === `Sore knee ${marker}`);
    assert.equal(mine.length, 3);
    const first = mine.find((r) => !r.inResponseTo);
    assert.ok(first.payload.some((p) => p.contentAttachment && /^Binary\/[0-9a-f]{32}$/.test(p.contentAttachment.url)));
    const answer = mine.find((r) => r.sender.display === 'Demo Health Centre');
    assert.equal(answer.inResponseTo[0].reference, `Communication/${first.id}`);
    const one = await clin.fhir(`Communication/${first.id}`);
    assert.equal(one.status, 200);
    assertValidFhir(one.json());

    const created = await p1.post('/fhir/R4/Communication', { headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Communication', status: 'completed', subject: { reference: `Patient/${p1.session.patient}` },
        topic: { text: 'Flu vaccine' }, payload: [{ contentString: 'When can I get my flu vaccine?' },
          { contentAttachment: { contentType: 'application/pdf', title: 'card.pdf', data: pdfWith('vaccination card').toString('base64') } }] }) });
    assert.equal(created.status, 201, created.text);
    assertValidFhir(created.json());
    assert.match(created.headers.get('location'), /\/fhir\/R4\/Communication\/[0-9a-f]{32}\/_history\/1$/);
    const reply = await clin.post('/fhir/R4/Communication', { headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Communication', status: 'completed', inResponseTo: [{ reference: `Communication/${created.json().id}` }],
        payload: [{ contentString: 'Any weekday morning.' }] }) });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.json().inResponseTo[0].reference, `Communication/${created.json().id}`);
    assert.equal(reply.json().sender.display, 'Demo Health Centre');
    const bad = await p1.post('/fhir/R4/Communication', { headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Communication', subject: { reference: `Patient/${p1.session.patient}` }, payload: [{ contentString: 'no topic' }] }) });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().resourceType, 'OperationOutcome');
    const meta = (await p1.fhir('metadata')).json();
    const types = meta.rest[0].resource.map((r) => r.type);
    assert.ok(types.includes('Communication') && types.includes('AuditEvent'));
    assert.equal(meta.rest[0].resource.find((r) => r.type === 'Patient').operation[0].name, 'everything');
    assertValidFhir(meta);
  });

  it('a proxy with the messages scope writes and reads for the patient; without it, told no; lapsed, 404', async () => {
    const proxy = new Client(srv.base); await proxy.login('patient3@demo.test');
    const grant = (scopes, notAfter) => sqlite(srv.dir, `INSERT INTO proxy_grant (id, patient_id, account_id, scopes, not_after, created, created_by)
      VALUES (randomblob(16), X'${p1.session.patient}', X'${proxy.session.account}', ${scopes}, ${notAfter}, unixepoch(), X'${p1.session.account}')`);
    const search = () => proxy.fhir(`Communication?patient=${p1.session.patient}`);
    assert.equal((await search()).status, 404, 'no grant yet');
    grant(1, 'unixepoch() + 3600'); // documents only
    assert.equal((await search()).status, 403, 'documents scope does not cover messages: told so');
    assert.equal((await proxy.get(`/messages/${thread}`)).status, 404);
    sqlite(srv.dir, `DELETE FROM proxy_grant WHERE account_id = X'${proxy.session.account}'`);
    grant(16, 'unixepoch() + 3600'); // messages only
    const s = await search();
    assert.equal(s.status, 200);
    assertValidFhir(s.json());
    assert.equal((await proxy.get(`/messages/${thread}`)).status, 200);
    const r = await send(proxy, `/messages/${thread}/reply`, { body: 'Writing for my mother.' });
    assert.equal(r.status, 303);
    // attachments are documents: the messages scope alone does not cover them
    const att = await send(proxy, `/messages/${thread}/reply`, { body: 'With a file' }, [{ name: 'file', filename: 'a.png', type: 'image/png', data: PNG }]);
    assert.equal(att.status, 400);
    assert.match(att.text, /does not include documents/);
    const page = await p1.get(`/messages/${thread}`);
    assert.match(page.text, /Family member or carer <span class="meta">/);
    // never the access log nor the whole record: told so, since it holds the record
    assert.equal((await proxy.fhir(`AuditEvent?patient=${p1.session.patient}`)).status, 403);
    assert.equal((await proxy.fhir(`Patient/${p1.session.patient}/$everything`)).status, 403);
    // lapsed: stops at once
    sqlite(srv.dir, `UPDATE proxy_grant SET not_after = unixepoch() - 1 WHERE account_id = X'${proxy.session.account}'`);
    assert.equal((await search()).status, 404);
    assert.equal((await proxy.get(`/messages/${thread}`)).status, 404);
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${proxy.session.account}' AND action = 'message.send' AND outcome = 'allow'`)) === 1);
  });

  it('audits every access, allowed or refused', async () => {
    const rows = sqlite(srv.dir, `SELECT action || ' ' || rtype || ' ' || outcome FROM audit WHERE patient = '${p1.session.patient}' OR rid = '${thread}'`);
    for (const want of ['message.send Communication allow', 'message.read MessageThread allow', 'message.read Communication allow',
      'message.list MessageThread allow', 'message.list Communication allow', 'message.read MessageThread deny', 'message.send Communication deny']) {
      assert.ok(rows.includes(want), `${want} in the audit trail`);
    }
    assert.ok(Number(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'message.inbox' AND outcome = 'deny'")) >= 2);
  });

  it('stores no message text or subject in clear anywhere in the data directory', async () => {
    const files = filesUnder(srv.dir).filter((f) => !f.path.endsWith('demo-logins.txt'));
    assert.ok(files.some((f) => f.path.endsWith('medkeep.db')));
    for (const f of files) {
      for (const s of [marker, 'My knee hurts', 'Please rest it', 'When can I get my flu vaccine', 'Flu vaccine', 'Repeat of my inhaler', 'physiotherapist']) {
        assert.equal(f.data.includes(Buffer.from(s)), false, `${s} found in ${f.path}`);
      }
    }
  });

  it('a patient who leaves the practice drops out of its inbox, without refusals in their access log', async () => {
    const r = await send(p2, '/messages', { subject: 'Moving away', body: 'Please send my notes on.' });
    assert.equal(r.status, 303);
    const tid = r.headers.get('location').split('/').pop();
    assert.ok((await clin.get('/inbox')).text.includes(`/messages/${tid}`));
    sqlite(srv.dir, `DELETE FROM enrolment WHERE patient_id = X'${p2.session.patient}'`);
    const inbox = await clin.get('/inbox');
    assert.equal(inbox.status, 200);
    assert.ok(!inbox.text.includes(`/messages/${tid}`));
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE patient = '${p2.session.patient}' AND action = 'message.list' AND outcome = 'deny'`), '0');
    assert.equal((await clin.get(`/messages/${tid}`)).status, 404);
  });
});
