// Ingestion of HL7 v2 messages and the practice's feed queue (docs/internals/FEEDS.md), against
// the real binary: messages written as a New Zealand laboratory and a practice system send them
// (HL7 v2.4, test-range NHIs, invented people) go in through `medkeep feeds inject` (the
// listener's ingestion, run from the command line); the pages /practice/feeds and
// /practice/feed-queue show them without PHI, a clinician opens a queued message (audited),
// matches it to an enrolled patient (filed for them, held, as coming from the feed) or rejects
// it; another practice sees none of it; the patient's access log and `incident report --system`
// name the feed.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Client, startServer, run, sqlite, pdfWith, storeBytes } = require('./lib');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

// An ORU^R01 from a laboratory for an NHI nobody at the practice holds.
const ORU = [
  'MSH|^~\\&|DELPHIC|PATHLAB WAIKATO^2201^HPI|MEDKEEP|DEMO HEALTH|20261204073000+1300||ORU^R01|PLW0000555001|P|2.4|||AL|NE',
  'PID|1||ZAK5670^^^NHI^NHI~88120^^^PLW^MR||Tawhiri^Moana^Rose||19870523|F',
  'ORC|RE||26-5550001-FE',
  'OBR|1||26-5550001-FE^PATHLAB|FE^Iron studies^L|||20261203101500+1300||||||||||||||||20261204070000+1300|||F',
  'OBX|1|NM|2276-4^Ferritin^LN||14|ug/L|20-300|L|||F',
  'NTE|1|L|Low ferritin: consider iron deficiency.',
  'OBX|2|NM|718-7^Haemoglobin^LN||118|g/L|115-155|N|||F',
].join('\r') + '\r';

// A practice system's change of details (ADT^A08) for an NHI not enrolled here.
const A08 = [
  'MSH|^~\\&|MEDTECH32|DEMO HEALTH^1234^HPI|MEDKEEP|MEDKEEP|20261202080000+1300||ADT^A08^ADT_A01|MT-A08-000777|P|2.4',
  'EVN|A08|20261202080000',
  'PID|1||ZAL8909^^^NHI^NHI||Ngata^Hemi||19650211|M',
].join('\r') + '\r';

// An enrolment with a date of birth the way HL7 does not write it.
const BAD = [
  'MSH|^~\\&|MEDTECH32|DEMO HEALTH^1234^HPI|MEDKEEP|MEDKEEP|20261201093000+1300||ADT^A04^ADT_A01|MT-A04-000778|P|2.4',
  'EVN|A04|20261201093000',
  'PID|1||ZAM1110^^^NHI^NHI||Smith^Jo||1984-03-12|F',
].join('\r') + '\r';

describe('HL7 v2 ingestion and the feed queue', () => {
  let srv; let feed; let demo; let tmp; let clin; let patientId;
  const inject = (name, text) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return run(['feeds', 'inject', '--data', srv.dir, '--feed', feed, file]);
  };

  before(async () => {
    srv = await startServer({ patients: 2 });
    tmp = fs.mkdtempSync(path.join(srv.dir, 'msgs-'));
    demo = run(['practices', 'list', '--data', srv.dir]).stdout.split('\n')[0].split('\t')[0];
    const r = run(['feeds', 'add', '--data', srv.dir, '--practice', demo, '--name', 'Pathlab Waikato',
      '--facility', 'PATHLAB WAIKATO^2201^HPI']);
    assert.equal(r.code, 0, r.stderr);
    feed = r.stdout.trim();
    clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
    const p = new Client(srv.base);
    await p.login('patient1@demo.test');
    patientId = p.session.patient;
    assert.match(patientId, /^[0-9a-f]{32}$/);
  });
  after(async () => { await srv.stop(); });

  it('queues a result for an NHI not enrolled here (AA), once, however often it is sent', () => {
    const r = inject('oru.hl7', ORU);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^MSA\|AA\|PLW0000555001/m);
    const again = inject('oru.hl7', ORU);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^MSA\|AA\|PLW0000555001/m);
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM feed_queue WHERE state = 0').trim(), '1');
    // sealed at rest: the queue holds no name or NHI in clear
    const db = storeBytes(srv.dir);
    assert.equal(db.includes('Tawhiri'), false);
    assert.equal(db.includes('ZAK5670'), false);
  });

  it('answers AE naming PID-7 for a bad birth date, and AR for a type it does not take', () => {
    const r = inject('bad.hl7', BAD);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^MSA\|AE\|MT-A04-000778/m);
    assert.match(r.stdout, /^ERR\|PID\^1\^7\^102/m);
    const siu = inject('siu.hl7', 'MSH|^~\\&|X|PATHLAB WAIKATO^2201^HPI|MEDKEEP|M|20261201||SIU^S12|SIU-1|P|2.4\rSCH|1\r');
    assert.equal(siu.code, 1);
    assert.match(siu.stdout, /^MSA\|AR\|SIU-1/m);
    assert.equal(inject('a08.hl7', A08).code, 0);
  });

  it('shows each feed with its last message and errors, without PHI', async () => {
    const page = await clin.get('/practice/feeds');
    assert.equal(page.status, 200);
    assert.match(page.text, /Pathlab Waikato/);
    // accepted (not counting those queued), errors (AE and AR), queued; the newest error
    assert.match(page.text, /<td>0<\/td><td>2<\/td><td>2<\/td>/);
    assert.match(page.text, /200 Unsupported message type \(MSH-9\)/);
    assert.doesNotMatch(page.text, /Tawhiri|ZAK5670|Smith/);
  });

  let oruItem; let a08Item;
  it('lists the waiting messages without PHI, and opens one for staff (audited)', async () => {
    const page = await clin.get('/practice/feed-queue');
    assert.equal(page.status, 200);
    assert.match(page.text, /ORU\^R01/);
    assert.match(page.text, /No patient with this NHI is enrolled at the practice/);
    assert.doesNotMatch(page.text, /Tawhiri|ZAK5670/);
    const ids = [...page.text.matchAll(/href="\/practice\/feed-queue\/([0-9a-f]{32})"/g)].map((m) => m[1]);
    assert.equal(ids.length, 2);
    [oruItem, a08Item] = ids;
    const one = await clin.get(`/practice/feed-queue/${oruItem}`);
    assert.equal(one.status, 200);
    assert.match(one.text, /Tawhiri/);
    assert.match(one.text, /ZAK5670/);
    assert.match(one.text, /name="csrf"/);
    assert.equal(one.headers.get('cache-control'), 'no-store');
    const opened = sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'feed.queue.open' AND rid = '${oruItem}' AND outcome = 'allow'`);
    assert.equal(opened.trim(), '1');
  });

  it('is another practice\'s business: their staff get 404 for the same message', async () => {
    const other = new Client(srv.base);
    await other.login('otherclinician1@demo.test');
    assert.equal((await other.get(`/practice/feed-queue/${oruItem}`)).status, 404);
    const list = await other.get('/practice/feed-queue');
    assert.equal(list.status, 200);
    assert.doesNotMatch(list.text, new RegExp(oruItem));
    const m = await other.post(`/practice/feed-queue/${oruItem}/match`, {
      body: new URLSearchParams({ csrf: other.csrf, patient: patientId }).toString(), headers: FORM });
    assert.equal(m.status, 404);
    const pt = new Client(srv.base);
    await pt.login('patient2@demo.test');
    assert.notEqual((await pt.get('/practice/feed-queue')).status, 200);
    const op = new Client(srv.base);
    await op.login('operator@demo.test');
    assert.equal((await op.get(`/practice/feed-queue/${oruItem}`)).status, 404);
    assert.equal((await op.get('/practice/feeds')).status, 404);
    // the practice admin works the same queue
    const admin = new Client(srv.base);
    await admin.login('admin1@demo.test');
    const adminList = await admin.get('/practice/feed-queue');
    assert.equal(adminList.status, 200);
    assert.match(adminList.text, new RegExp(oruItem));
    assert.match(adminList.text, /href="\/practice\/feeds"/);
  });

  it('offers a move only for a registration (TRANSFERS.md): a result or an update leads to none', async () => {
    for (const item of [oruItem, a08Item]) {
      const page = await clin.get(`/practice/feed-queue/${item}`);
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.text, /Ask to move them/);
      const r = await clin.post(`/practice/feed-queue/${item}/move`, {
        body: new URLSearchParams({ csrf: clin.csrf }).toString(), headers: FORM });
      assert.equal(r.status, 400);
      assert.match(r.text, /Only a registration \(ADT\^A04 or A28\) can lead to a move/);
    }
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM transfer').trim(), '0');
    assert.equal(sqlite(srv.dir, 'SELECT count(*) FROM feed_queue WHERE transfer_id IS NOT NULL').trim(), '0');
  });

  it('refuses a decision without the CSRF token', async () => {
    const r = await clin.post(`/practice/feed-queue/${oruItem}/match`, {
      body: new URLSearchParams({ patient: patientId }).toString(), headers: FORM, csrf: false });
    assert.equal(r.status, 403);
  });

  it('matches the result to an enrolled patient: filed for them, held, by the feed', async () => {
    const r = await clin.post(`/practice/feed-queue/${oruItem}/match`, {
      body: new URLSearchParams({ csrf: clin.csrf, patient: patientId }).toString(), headers: FORM });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.headers.get('location'), '/practice/feed-queue?done=matched');
    const created = sqlite(srv.dir, `SELECT actor, via FROM audit WHERE action = 'result.create' AND patient = '${patientId}' ORDER BY seq DESC LIMIT 1`);
    assert.equal(created.trim(), `${feed}|system`);
    const decided = sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'feed.queue.match' AND rid = '${oruItem}' AND actor = '${clin.session.account}'`);
    assert.equal(decided.trim(), '1');
    assert.equal(sqlite(srv.dir, `SELECT state, body_ct IS NULL FROM feed_queue WHERE hex(id) = upper('${oruItem}')`).trim(), '1|1');
    // held for release (abnormal): the clinician's inbox has it, the patient does not see it
    const filed = sqlite(srv.dir, `SELECT lower(hex(id)), lower(hex(patient_id)), kind, abnormal, release_at IS NULL FROM result WHERE accession = '26-5550001-FE'`).trim().split('|');
    assert.deepEqual(filed.slice(1), [patientId, 'haematology', '1', '1']);
    const inbox = await clin.get('/results/inbox');
    assert.match(inbox.text, new RegExp(`/results/${filed[0]}`));
    // the patient's access log names the feed
    const p = new Client(srv.base);
    await p.login('patient1@demo.test');
    const log = await p.get('/access-log');
    assert.match(log.text, /Pathlab Waikato \(practice system\)/);
    // and so does an incident report filtered by that system
    const rep = run(['incident', 'report', '--data', srv.dir, '--system', feed, '--format', 'json']);
    assert.equal(rep.code, 0, rep.stderr);
    assert.match(rep.stdout, new RegExp(patientId));
    assert.match(rep.stdout, /DiagnosticReport/);
  });

  it('enrols a patient from an ADT^A04 and files a discharge summary (MDM^T02) for them, once', async () => {
    const a04 = [
      'MSH|^~\\&|MEDTECH32|DEMO HEALTH^1234^HPI|MEDKEEP|MEDKEEP|20261206090000+1300||ADT^A04^ADT_A01|MT-A04-000900|P|2.4',
      'EVN|A04|20261206090000',
      'PID|1||ZAP3334^^^NHI^NHI||Parata^Wiremu||19580630|M',
      'ZPD|1|Enrolled',
    ].join('\r') + '\r';
    const r = inject('a04.hl7', a04);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^MSA\|AA\|MT-A04-000900/m);
    const enrolled = sqlite(srv.dir, `SELECT actor || '|' || via || '|' || lower(patient) FROM audit WHERE action = 'patient.enrol' AND outcome = 'allow' ORDER BY seq DESC LIMIT 1`).trim().split('|');
    assert.deepEqual(enrolled.slice(0, 2), [feed, 'system']);
    const pid = enrolled[2];
    const pdf = pdfWith('Discharge summary for a test patient').toString('base64');
    const mdm = [
      'MSH|^~\\&|HOSPSYS|WAIKATO HOSPITAL^3301^HPI|MEDKEEP|DEMO HEALTH|20261206120000+1300||MDM^T02^MDM_T02|WH-DS-000900|P|2.4',
      'EVN|T02|20261206120000',
      'PID|1||ZAP3334^^^NHI^NHI||Parata^Wiremu||19580630|M',
      'TXA|1|DS^Discharge Summary|AP|20261206110000',
      `OBX|1|ED|DS^Discharge Summary^L||WAIKATO^application^PDF^Base64^${pdf}||||||F`,
    ].join('\r') + '\r';
    assert.equal(inject('mdm.hl7', mdm).code, 0);
    assert.equal(inject('mdm.hl7', mdm).code, 0); // the same message again: one document
    const docs = sqlite(srv.dir, `SELECT kind, content_type, lower(hex(author_id)) FROM document WHERE lower(hex(patient_id)) = '${pid}'`).trim().split('\n');
    assert.deepEqual(docs, [`discharge-summary|application/pdf|${feed}`]);
    // the clinician reads it as any other letter
    const page = await clin.get(`/patients/${pid}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Discharge Summary/);
  });

  it('rejects a message with a reason (audited), and a decided message is gone', async () => {
    const empty = await clin.post(`/practice/feed-queue/${a08Item}/reject`, {
      body: new URLSearchParams({ csrf: clin.csrf, reason: '' }).toString(), headers: FORM });
    assert.equal(empty.status, 400);
    const r0 = await clin.post(`/practice/feed-queue/${a08Item}/reject`, {
      body: new URLSearchParams({ csrf: clin.csrf, reason: 'Kiri Ngata moved away' }).toString(), headers: FORM });
    assert.equal(r0.status, 400); // a reason is chosen from a list: free text could name someone
    const form = await clin.get(`/practice/feed-queue/${a08Item}`);
    assert.match(form.text, /<option>Not a patient of this practice<\/option>/);
    const r = await clin.post(`/practice/feed-queue/${a08Item}/reject`, {
      body: new URLSearchParams({ csrf: clin.csrf, reason: 'Not a patient of this practice' }).toString(), headers: FORM });
    assert.equal(r.status, 303);
    const again = await clin.get(`/practice/feed-queue/${a08Item}`);
    assert.equal(again.status, 404);
    const list = await clin.get('/practice/feed-queue');
    assert.match(list.text, /Nothing is waiting/);
    const rej = sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'feed.queue.reject' AND rid = '${a08Item}'`);
    assert.equal(rej.trim(), '1');
  });

  it('the retention run forgets the duplicate check of messages older than 400 days, and only those', () => {
    const before = Number(sqlite(srv.dir, 'SELECT count(*) FROM feed_message'));
    assert.ok(before >= 3);
    sqlite(srv.dir, "UPDATE feed_message SET received = unixepoch() - 401 * 86400 WHERE control_id = 'SIU-1'");
    sqlite(srv.dir, "UPDATE feed_message SET received = unixepoch() - 399 * 86400 WHERE control_id = 'MT-A04-000778'");
    const r = run(['retention', 'run', '--data', srv.dir, '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /feed messages: 1 older than 400 days forgotten/);
    assert.equal(Number(sqlite(srv.dir, 'SELECT count(*) FROM feed_message')), before - 1);
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM feed_message WHERE control_id = 'SIU-1'").trim(), '0');
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM feed_message WHERE control_id = 'MT-A04-000778'").trim(), '1');
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM audit WHERE action = 'feed.messages.prune'").trim(), '1');
    assert.equal(run(['audit', 'verify', '--data', srv.dir]).code, 0);
  });
});
