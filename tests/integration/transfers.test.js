// A patient moving between practices (docs/internals/TRANSFERS.md), through the real binary
// over HTTP: the practice the patient joins asks; the patient or the practice being left
// agrees. Until then nothing changes. Once moved, the old practice's staff lose access at
// once, the patient keeps their whole record, and the new practice sees what is filed from the
// move on, and what came before only if the patient shares it. Every attempt by someone else
// answers like a random id.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, sqlite, randomId, run, multipart, pdfWith } = require('./lib');
const { queuedMails } = require('./outbox-helper');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const post = (c, p, fields) => c.post(p, {
  body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false,
});
const NHI_SYSTEM = 'https://standards.digital.health.nz/ns/nhi-id';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('a patient moving to another practice', () => {
  let srv; let oldClin; let newClin; let p1; let p2; let admin;
  let pid1; let pid2; let nhi1; let nhi2; let oldDoc; let practices;

  const nhiOf = async (c, pid) => (await c.fhir(`Patient/${pid}`)).json().identifier.find((i) => i.system === NHI_SYSTEM).value;
  const docIds = async (c, pid) => {
    const r = await c.fhir(`DocumentReference?patient=${pid}`);
    if (r.status !== 200) return { status: r.status, ids: [] };
    return { status: 200, ids: (r.json().entry || []).map((e) => e.resource.id) };
  };
  const enrolments = (pid) => sqlite(srv.dir, `SELECT hex(practice_id) || ':' || history_from FROM enrolment WHERE patient_id = X'${pid}'`).trim().split('\n').filter(Boolean);
  const requestIds = (page) => [...page.matchAll(/action="\/(?:practice\/transfers|enrolment)\/([0-9a-f]{32})\/(?:release|accept)"/g)].map((m) => m[1]);

  before(async () => {
    srv = await startServer({ patients: 4 });
    practices = Object.fromEntries(require('node:fs').readFileSync(`${srv.dir}/demo-logins.txt`, 'utf8')
      .split('\n').filter((l) => l.startsWith('practice\t')).map((l) => { const [, id, name] = l.split('\t'); return [name, id]; }));
    oldClin = new Client(srv.base); await oldClin.login('clinician1@demo.test');
    admin = new Client(srv.base); await admin.login('admin1@demo.test');
    newClin = new Client(srv.base); await newClin.login('otherclinician1@demo.test');
    p1 = new Client(srv.base); await p1.login('patient1@demo.test');
    p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    pid1 = p1.session.patient; pid2 = p2.session.patient;
    nhi1 = await nhiOf(p1, pid1); nhi2 = await nhiOf(p2, pid2);
    const docs = await docIds(p1, pid1);
    assert.ok(docs.ids.length > 0, 'the demo patient has documents');
    oldDoc = docs.ids[0];
    // What the move hides are rows made before it: let a second pass so none shares its second.
    await sleep(1100);
  });
  after(async () => { await srv.stop(); });

  it('asking checks the NHI, refuses one enrolled here already, and names nobody', async () => {
    const bad = await post(newClin, '/practice/transfers', { nhi: nhi1.slice(0, 6) + String((Number(nhi1[6]) + 1) % 10) });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /not a valid NHI/);
    const unknown = await post(newClin, '/practice/transfers', { nhi: 'ZZZ0016' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /enrol them as a new/);
    const here = await post(oldClin, '/practice/transfers', { nhi: nhi1 });
    assert.equal(here.status, 409);
    assert.match(here.text, /enrolled at this practice already/);
    const r = await post(newClin, '/practice/transfers', { nhi: nhi1.toLowerCase() });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/practice/transfers?done=asked');
    assert.ok(!r.headers.get('location').includes(nhi1));
    const again = await post(newClin, '/practice/transfers', { nhi: nhi1 });
    assert.equal(again.status, 409);
    const page = await newClin.get('/practice/transfers');
    assert.equal(page.status, 200);
    assert.match(page.text, /Named once the move is agreed/);
    assert.doesNotMatch(page.text, new RegExp(nhi1));
    // The patient is told by email, naming the practice that asked, and nothing more.
    const mails = queuedMails(srv.dir, { account: p1.session.account, subject: /asked to become your practice/ });
    assert.equal(mails.length, 1);
    assert.match(mails[0].body, /Harbourview Family Practice has asked to become your practice\. Nothing changes until you agree/);
    assert.doesNotMatch(mails[0].body, new RegExp(`${nhi1}|[0-9a-f]{32}`, 'i'));
  });

  it('until it is agreed nothing changes: the asking practice reaches nothing, the old one keeps its access', async () => {
    for (const p of [`/patients/${pid1}`, `/documents/${oldDoc}`, `/fhir/R4/Patient/${pid1}`]) {
      const mine = await newClin.get(p);
      const random = await newClin.get(p.replace(/[0-9a-f]{32}/, randomId()));
      assert.equal(mine.status, 404, p);
      assert.equal(mine.text, random.text, p);
    }
    assert.equal((await oldClin.get(`/patients/${pid1}`)).status, 200);
    assert.deepEqual(enrolments(pid1).map((e) => e.split(':')[0].toLowerCase()), [practices['Demo Health Centre']]);
  });

  it('the patient and the practice being left see the request; nobody else can decide it', async () => {
    const mine = await p1.get('/enrolment');
    assert.equal(mine.status, 200);
    assert.match(mine.text, /Harbourview Family Practice<\/?[^>]*>? asked on|Harbourview Family Practice asked on/);
    const [rid] = requestIds(mine.text);
    assert.ok(rid, 'an accept form');
    const leaving = await oldClin.get('/practice/transfers');
    assert.deepEqual(requestIds(leaving.text), [rid]);
    // Another patient, the practice that asked, and a random id: all answered as not found.
    for (const [c, path] of [[p2, `/enrolment/${rid}/accept`], [newClin, `/practice/transfers/${rid}/release`], [p1, `/enrolment/${randomId()}/accept`]]) {
      const r = await post(c, path, { share: '1' });
      assert.equal(r.status, 404, path);
    }
    assert.equal(enrolments(pid1).length, 1);
    assert.equal((await p2.get('/enrolment')).text.includes(rid), false);
  });

  it('the patient agrees without sharing: the old practice loses access at once, the new one sees only what comes after', async () => {
    const [rid] = requestIds((await p1.get('/enrolment')).text);
    const r = await post(p1, `/enrolment/${rid}/accept`, {});
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/enrolment?done=moved');
    const [row] = enrolments(pid1);
    assert.equal(row.split(':')[0].toLowerCase(), practices['Harbourview Family Practice']);
    assert.ok(Number(row.split(':')[1]) > 0, 'history not shared');
    // The old practice: exactly what a random id gets.
    for (const p of [`/patients/${pid1}`, `/documents/${oldDoc}`, `/fhir/R4/Patient/${pid1}`]) {
      const gone = await oldClin.get(p);
      const random = await oldClin.get(p.replace(/[0-9a-f]{32}/, randomId()));
      assert.equal(gone.status, 404, p);
      assert.equal(gone.text, random.text, p);
    }
    // The new practice: the patient, but none of what came before.
    const page = await newClin.get(`/patients/${pid1}`);
    assert.equal(page.status, 200);
    assert.equal((await newClin.get(`/documents/${oldDoc}`)).status, 404);
    assert.deepEqual((await docIds(newClin, pid1)).ids, []);
    const obs = await newClin.fhir(`Observation?patient=${pid1}`);
    assert.equal(obs.status, 200);
    assert.equal((obs.json().entry || []).length, 0);
    // What the new practice files, it sees; the patient sees everything, old and new.
    const before = (await docIds(p1, pid1)).ids.length;
    const m = multipart({ csrf: newClin.csrf, title: 'Welcome letter', kind: 'clinical-letter' },
      [{ name: 'file', filename: 'w.pdf', type: 'application/pdf', data: pdfWith('welcome') }]);
    const up = await newClin.post(`/patients/${pid1}/documents`, { body: m.body, headers: { 'Content-Type': m.type }, csrf: false });
    assert.ok([200, 303].includes(up.status), `upload ${up.status}`);
    assert.equal((await docIds(newClin, pid1)).ids.length, 1);
    const all = (await docIds(p1, pid1)).ids;
    assert.equal(all.length, before + 1);
    assert.ok(all.includes(oldDoc));
    const mine = await p1.get('/enrolment');
    assert.match(mine.text, /You are enrolled at Harbourview Family Practice/);
    assert.match(mine.text, /not what came before/);
  });

  it('the patient shares what came before, and can take it back', async () => {
    const share = await post(p1, '/enrolment/history', { practice: practices['Harbourview Family Practice'], share: '1' });
    assert.equal(share.status, 303);
    assert.equal((await newClin.get(`/documents/${oldDoc}`)).status, 200);
    assert.ok((await docIds(newClin, pid1)).ids.includes(oldDoc));
    // Another patient cannot change it, nor can the practice.
    assert.equal((await post(p2, '/enrolment/history', { practice: practices['Harbourview Family Practice'], share: '0' })).status, 404);
    assert.ok((await docIds(newClin, pid1)).ids.includes(oldDoc));
    const unshare = await post(p1, '/enrolment/history', { practice: practices['Harbourview Family Practice'], share: '0' });
    assert.equal(unshare.status, 303);
    assert.equal((await newClin.get(`/documents/${oldDoc}`)).status, 404);
    // A practice the patient did not move to has nothing to share.
    assert.equal((await post(p1, '/enrolment/history', { practice: practices['Demo Health Centre'], share: '1' })).status, 404);
  });

  it('the practice being left can agree instead, sharing what it published', async () => {
    const r = await post(newClin, '/practice/transfers', { nhi: nhi2 });
    assert.equal(r.status, 303);
    const leaving = await admin.get('/practice/transfers');
    assert.equal(leaving.status, 200);
    const ids = requestIds(leaving.text);
    assert.equal(ids.length, 1);
    const patient2 = (await p2.fhir(`Patient/${pid2}`)).json();
    assert.ok(leaving.text.includes(patient2.name[0].family), 'the leaving practice sees whom');
    const rel = await post(admin, `/practice/transfers/${ids[0]}/release`, { share: '1' });
    assert.equal(rel.status, 303);
    assert.equal(rel.headers.get('location'), '/practice/transfers?done=released');
    const told = queuedMails(srv.dir, { account: p2.session.account, subject: /You have moved practice/ });
    assert.equal(told.length, 1);
    assert.match(told[0].body, /You have moved to Harbourview Family Practice: Demo Health Centre agreed to it\. Harbourview Family Practice sees what is filed from now on and your earlier records/);
    assert.equal(enrolments(pid2)[0], `${practices['Harbourview Family Practice'].toUpperCase()}:0`);
    const docs2 = (await docIds(p2, pid2)).ids;
    assert.deepEqual((await docIds(newClin, pid2)).ids.sort(), docs2.sort());
    assert.equal((await oldClin.get(`/patients/${pid2}`)).status, 404);
    // Decided: deciding again is not found.
    assert.equal((await post(admin, `/practice/transfers/${ids[0]}/decline`, {})).status, 404);
  });

  it('a refused move changes nothing, and every step is on the patient\'s audit trail', async () => {
    const p3 = new Client(srv.base); await p3.login('patient3@demo.test');
    const pid3 = p3.session.patient;
    assert.equal((await post(newClin, '/practice/transfers', { nhi: await nhiOf(p3, pid3) })).status, 303);
    const [rid] = requestIds((await p3.get('/enrolment')).text);
    const no = await post(p3, `/enrolment/${rid}/decline`, {});
    assert.equal(no.status, 303);
    assert.equal(enrolments(pid3)[0].split(':')[0].toLowerCase(), practices['Demo Health Centre']);
    assert.equal((await newClin.get(`/patients/${pid3}`)).status, 404);
    const trail = sqlite(srv.dir, `SELECT action || ' ' || outcome FROM audit WHERE patient = '${pid1}' AND action LIKE 'patient.%' AND action NOT IN ('patient.read', 'patient.page') ORDER BY seq`);
    for (const want of ['patient.transfer.ask allow', 'patient.transfer allow', 'patient.history.share allow', 'patient.history.unshare allow'])
      assert.ok(trail.includes(want), `${want} in\n${trail}`);
    assert.match(sqlite(srv.dir, `SELECT group_concat(action || ' ' || outcome) FROM audit WHERE patient = '${pid3}' AND action LIKE 'patient.transfer%'`), /patient\.transfer\.decline allow/);
    assert.match(run(['audit', 'verify', '--data', srv.dir]).stdout, /OK/);
  });

  it('the operator completes a move nobody else can agree to, with a reason, on the command line', async () => {
    const p4 = new Client(srv.base); await p4.login('patient4@demo.test');
    const pid4 = p4.session.patient;
    const nhi4 = await nhiOf(p4, pid4);
    assert.equal((await post(newClin, '/practice/transfers', { nhi: nhi4 })).status, 303);
    const rid = sqlite(srv.dir, `SELECT lower(hex(id)) FROM transfer WHERE patient_id = X'${pid4}' AND decided IS NULL`);
    assert.match(rid, /^[0-9a-f]{32}$/);
    const list = run(['transfers', 'list', '--data', srv.dir]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${rid}\t\\d{4}-\\d\\d-\\d\\dT[^\t]+\t${practices['Demo Health Centre']}\t${practices['Harbourview Family Practice']}$`, 'm'));
    assert.doesNotMatch(list.stdout, new RegExp(nhi4));
    assert.equal(run(['transfers', 'complete', '--data', srv.dir, '--request', rid]).code, 2, 'a reason is required');
    assert.equal(run(['transfers', 'complete', '--data', srv.dir, '--request', rid, '--reason', '   ']).code, 2);
    assert.equal(run(['transfers', 'complete', '--data', srv.dir, '--request', randomId(), '--reason', 'x']).code, 1);
    const reason = 'Demo Health Centre closed on 30 November; the enrolment form is on file at Harbourview';
    const done = run(['transfers', 'complete', '--data', srv.dir, '--request', rid, '--reason', reason]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^moved\n$/);
    assert.deepEqual(enrolments(pid4).map((e) => e.split(':')[0].toLowerCase()), [practices['Harbourview Family Practice']]);
    assert.notEqual(enrolments(pid4)[0].split(':')[1], '0', 'what came before is not shared unless asked');
    assert.equal((await oldClin.get(`/patients/${pid4}`)).status, 404);
    assert.equal((await newClin.get(`/patients/${pid4}`)).status, 200);
    assert.equal(sqlite(srv.dir, `SELECT outcome || '|' || decided_note FROM transfer WHERE id = X'${rid}'`), `moved|${reason}`);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'patient.transfer' AND outcome = 'allow' AND rid = '${rid}' AND ip = 'local'`), '1');
    assert.equal(run(['transfers', 'complete', '--data', srv.dir, '--request', rid, '--reason', 'again']).code, 1, 'not open any more');
    assert.doesNotMatch(srv.logs(), /closed on 30 November/);
  });

  it('each person may ask 200 times a day, found or not; then they are told, and their colleagues are not stopped', async () => {
    const key = `transfer-ask:${newClin.session.account}`;
    const used = Number(sqlite(srv.dir, `SELECT failures FROM throttle WHERE key = '${key}'`));
    assert.ok(used > 0 && used < 200, String(used));
    for (let i = used; i < 200; i++) {
      const r = await post(newClin, '/practice/transfers', { nhi: 'ZZZ0016' });
      assert.equal(r.status, 404, `ask ${i + 1}`);
    }
    const over = await post(newClin, '/practice/transfers', { nhi: 'ZZZ0016' });
    assert.equal(over.status, 429);
    assert.match(over.text, /asked about many NHI numbers today/);
    // Another clinician is not stopped by it.
    const colleague = new Client(srv.base); await colleague.login('clinician1@demo.test');
    assert.equal((await post(colleague, '/practice/transfers', { nhi: 'ZZZ0016' })).status, 404);
  });

  it('pages are for their people: the patient page for patients with a record, the practice page for staff', async () => {
    const random = await p1.get(`/patients/${randomId()}`);
    assert.equal((await p1.get('/practice/transfers')).status, random.status);
    assert.equal((await oldClin.get('/enrolment')).status, 404);
  });
});

// Moves started by HL7 (TRANSFERS.md "Moves started by HL7"), and the notice to the practice
// being left: the new practice's PMS sends an ADT^A04 over MLLP for an NHI enrolled at another
// practice; it waits in the queue (a message never moves anyone); a person of the new practice
// asks for the move from the queued item (the same request, limits, audit and emails as
// /practice/transfers); the old practice's clinicians and admins are emailed (the SMTP sink),
// naming the asking practice and nobody; once the move is made (by the patient, the old
// practice, or the operator's command) the waiting registration is filed as from the feed and
// the item closes; a refused move leaves it for a person to reject.
describe('a move started by the new practice\'s PMS over HL7', () => {
  const { adtA04, assertAckOf, Mllp } = require('./mllp_lib');
  const { startSink } = require('./smtp-sink');
  const fs = require('node:fs');
  const { freePort } = require('./lib');
  const PORTAL = 'https://portal.demo-health.test';
  let srv; let sink; let mport; let feed; let oldClin; let clin2; let admin; let newClin;
  const pats = {};
  const mails = (to, re = /./) => sink.messages.filter((m) => m.to.includes(to) && re.test(m.subject));
  const ASKED = /asks to take on one of your patients/;
  const items = async () => [...(await newClin.get('/practice/feed-queue')).text
    .matchAll(/href="\/practice\/feed-queue\/([0-9a-f]{32})"/g)].map((m) => m[1]);
  // Send patient n's NHI as the Harbourview PMS registers them, with new details.
  const sendA04 = async (n, control) => {
    const c = await Mllp.plain(mport);
    const text = adtA04({ facility: 'HARBOURPMS', control, nhi: pats[n].nhi });
    const ack = assertAckOf(await c.exchange(text), { control, facility: 'HARBOURPMS' });
    c.end();
    assert.equal(ack.msa[1], 'AA', ack.msa.join('|'));
  };
  // The queued item of patient n's registration, and the move asked from it.
  const askFromQueue = async (before) => {
    const after = await items();
    const fresh = after.filter((i) => !before.includes(i));
    assert.equal(fresh.length, 1, 'one new item');
    const item = fresh[0];
    const page = await newClin.get(`/practice/feed-queue/${item}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /The NHI is enrolled at another practice/);
    assert.match(page.text, new RegExp(`action="/practice/feed-queue/${item}/move"`));
    assert.match(page.text, /Ask to move them to this practice/);
    const r = await post(newClin, `/practice/feed-queue/${item}/move`, {});
    assert.equal(r.status, 303, r.text);
    assert.equal(r.headers.get('location'), '/practice/transfers?done=asked');
    const rid = sqlite(srv.dir, `SELECT lower(hex(transfer_id)) FROM feed_queue WHERE id = X'${item}'`);
    assert.match(rid, /^[0-9a-f]{32}$/);
    return { item, rid };
  };
  const state = (item) => sqlite(srv.dir, `SELECT state || '|' || coalesce(lower(hex(decided_by)), '') FROM feed_queue WHERE id = X'${item}'`);

  before(async () => {
    sink = await startSink();
    mport = await freePort();
    srv = await startServer({ patients: 5, extraArgs: ['--mllp', `127.0.0.1:${mport}`],
      config: `smtp.url = smtp://127.0.0.1:${sink.port}\nsmtp.from = Demo Health Centre <noreply@demo.test>\nportal.url = ${PORTAL}/\n` });
    for (let i = 0; i < 50 && !/component=mllp event=listening/.test(srv.logs()); i++) await sleep(100);
    const practices = Object.fromEntries(fs.readFileSync(`${srv.dir}/demo-logins.txt`, 'utf8')
      .split('\n').filter((l) => l.startsWith('practice\t')).map((l) => { const [, id, name] = l.split('\t'); return [name, id]; }));
    const f = run(['feeds', 'add', '--data', srv.dir, '--practice', practices['Harbourview Family Practice'],
      '--name', 'Harbourview PMS', '--facility', 'HARBOURPMS']);
    assert.equal(f.code, 0, f.stderr);
    feed = f.stdout.trim();
    oldClin = new Client(srv.base); await oldClin.login('clinician1@demo.test');
    clin2 = new Client(srv.base); await clin2.login('clinician2@demo.test');
    admin = new Client(srv.base); await admin.login('admin1@demo.test');
    newClin = new Client(srv.base); await newClin.login('otherclinician1@demo.test');
    for (const n of [1, 2, 3]) {
      const c = new Client(srv.base); await c.login(`patient${n}@demo.test`);
      const pid = c.session.patient;
      const nhi = (await c.fhir(`Patient/${pid}`)).json().identifier.find((i) => i.system === NHI_SYSTEM).value;
      pats[n] = { c, pid, nhi };
    }
  });
  after(async () => { await srv.stop(); await sink.close(); });

  it('the registration waits; a person asks for the move from it; the old practice\'s clinicians and admins are told who asks, and of nobody', async () => {
    // clinician2 turns this notice off on their Emails page; clinician1 keeps the default (on)
    const emails = await clin2.get('/account/emails');
    assert.match(emails.text, /name="staff-transfers" checked/);
    assert.equal((await post(clin2, '/account/emails', { record: '0'.repeat(32), 'staff-messages': '1' })).status, 303);
    assert.doesNotMatch((await clin2.get('/account/emails')).text, /name="staff-transfers" checked/);
    const before = await items();
    await sendA04(1, 'HV-A04-0001');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM enrolment WHERE patient_id = X'${pats[1].pid}'`), '1', 'not moved by the message');
    // Not the old practice's item: answered as a random id, and it cannot ask from it.
    const after1 = (await items()).filter((i) => !before.includes(i));
    const mine = await oldClin.get(`/practice/feed-queue/${after1[0]}`);
    const random = await oldClin.get(`/practice/feed-queue/${randomId()}`);
    assert.equal(mine.status, 404);
    assert.equal(mine.text, random.text);
    assert.equal((await post(oldClin, `/practice/feed-queue/${after1[0]}/move`, {})).status, 404);
    const { item, rid } = await askFromQueue(before);
    pats[1].item = item; pats[1].rid = rid;
    // The same request as /practice/transfers: open, on the patient's trail, nobody named yet.
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM transfer WHERE id = X'${rid}' AND patient_id = X'${pats[1].pid}' AND decided IS NULL`), '1');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'patient.transfer.ask' AND rid = '${rid}' AND patient = '${pats[1].pid}'`), '1');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'feed.queue.ask' AND rid = '${item}' AND outcome = 'allow'`), '1');
    const list = await newClin.get('/practice/transfers');
    assert.match(list.text, /Named once the move is agreed/);
    for (const p of [`/patients/${pats[1].pid}`, `/fhir/R4/Patient/${pats[1].pid}`]) {
      const r = await newClin.get(p);
      const rnd = await newClin.get(p.replace(/[0-9a-f]{32}/, randomId()));
      assert.equal(r.status, 404, p);
      assert.equal(r.text, rnd.text, p);
    }
    // The item now says the move waits; asking twice is refused.
    const page = await newClin.get(`/practice/feed-queue/${item}`);
    assert.match(page.text, /It waits for the patient or their current practice/);
    assert.doesNotMatch(page.text, /\/move"/);
    const twice = await post(newClin, `/practice/feed-queue/${item}/move`, {});
    assert.equal(twice.status, 400);
    assert.match(twice.text, /asked already/);
    // The emails: the patient (as for any request), and each clinician and admin of the
    // practice being left who has not turned it off, naming the practice that asks.
    await sink.waitFor('patient1@demo.test', /asked to become your practice/, 1);
    for (const to of ['clinician1@demo.test', 'admin1@demo.test']) {
      const [m] = await sink.waitFor(to, ASKED, 1);
      assert.match(m.body, /Harbourview Family Practice has asked to become the practice of a patient enrolled at Demo Health Centre/);
      assert.match(m.body, /\/practice\/transfers/);
      assert.ok(m.body.includes(PORTAL), `the portal address as plain text: ${m.body}`);
      assert.ok(m.links.some((l) => l.startsWith(PORTAL)));
      assert.doesNotMatch(m.body, /<a |href=/i);
      for (const w of [pats[1].nhi, pats[1].pid, 'Tester', 'Jane']) assert.equal(m.body.includes(w), false, w);
      assert.doesNotMatch(m.body, /[0-9a-f]{32}/i);
    }
    await sleep(2500);
    assert.equal(mails('clinician2@demo.test', ASKED).length, 0, 'turned off');
    assert.equal(mails('otherclinician1@demo.test', ASKED).length, 0, 'not the asking practice');
  });

  it('a burst of requests gives each person one email per window', async () => {
    const before = await items();
    await sendA04(2, 'HV-A04-0002');
    const { item, rid } = await askFromQueue(before);
    pats[2].item = item; pats[2].rid = rid;
    assert.equal((await post(newClin, '/practice/transfers', { nhi: pats[3].nhi })).status, 303);
    await sink.waitFor('patient3@demo.test', /asked to become your practice/, 1);
    await sleep(3000);
    assert.equal(mails('clinician1@demo.test', ASKED).length, 1);
    assert.equal(mails('admin1@demo.test', ASKED).length, 1);
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM notify_staff_kind WHERE kind = 'staff-transfers'"), '2');
  });

  it('once the patient agrees, the waiting registration is filed as from the feed, and the item closes', async () => {
    const { c, pid, item, rid } = pats[1];
    const r = await post(c, `/enrolment/${rid}/accept`, {});
    assert.equal(r.status, 303);
    assert.equal(state(item), `1|${feed}`);
    // The details the PMS sent are the patient's now, as its new practice sees them.
    const p = (await newClin.fhir(`Patient/${pid}`)).json();
    assert.equal(p.name[0].family, 'Tester');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'feed.queue.apply' AND rid = '${item}' AND actor = '${feed}' AND patient = '${pid}' AND outcome = 'allow'`), '1');
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${feed}' AND patient = '${pid}' AND action LIKE 'patient.%' AND outcome = 'allow'`)) >= 1, 'the update is the feed\'s');
    assert.equal((await newClin.get(`/practice/feed-queue/${item}`)).status, 404, 'no longer waiting');
    assert.equal((await items()).includes(item), false);
  });

  it('a refused move leaves the item for a person to reject; a move by the operator files it too', async () => {
    const { item, rid } = pats[2];
    assert.equal((await post(oldClin, `/practice/transfers/${rid}/decline`, {})).status, 303);
    assert.equal(state(item), '0|');
    const page = await newClin.get(`/practice/feed-queue/${item}`);
    assert.match(page.text, /was refused/);
    const rej = await post(newClin, `/practice/feed-queue/${item}/reject`, { reason: 'Not a patient of this practice' });
    assert.equal(rej.status, 303);
    assert.match(state(item), /^2\|/);
    // The operator's command: patient 4's registration, asked from the queue, moved by
    // `medkeep transfers complete`, is filed as from the feed too.
    const p4 = new Client(srv.base); await p4.login('patient4@demo.test');
    pats[4] = { pid: p4.session.patient, nhi: (await p4.fhir(`Patient/${p4.session.patient}`)).json().identifier.find((i) => i.system === NHI_SYSTEM).value };
    const before = await items();
    await sendA04(4, 'HV-A04-0004');
    const asked = await askFromQueue(before);
    const done = run(['transfers', 'complete', '--data', srv.dir, '--request', asked.rid, '--reason', 'Enrolment form on file at Harbourview']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^moved\n$/);
    assert.equal(state(asked.item), `1|${feed}`);
    assert.equal((await newClin.fhir(`Patient/${pats[4].pid}`)).json().name[0].family, 'Tester');
    // The practice being left agrees: its clinician's session opens the bound message.
    const p5 = new Client(srv.base); await p5.login('patient5@demo.test');
    pats[5] = { pid: p5.session.patient, nhi: (await p5.fhir(`Patient/${p5.session.patient}`)).json().identifier.find((i) => i.system === NHI_SYSTEM).value };
    const before5 = await items();
    await sendA04(5, 'HV-A04-0005');
    const asked5 = await askFromQueue(before5);
    const rel = await post(oldClin, `/practice/transfers/${asked5.rid}/release`, { share: '1' });
    assert.equal(rel.status, 303);
    assert.equal(state(asked5.item), `1|${feed}`);
    assert.equal((await newClin.fhir(`Patient/${pats[5].pid}`)).json().name[0].family, 'Tester');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM feed_queue WHERE move_key IS NOT NULL OR (state <> 0 AND body_ct IS NOT NULL)`), '0', 'decided items keep no sealed message or key');
  });
});
