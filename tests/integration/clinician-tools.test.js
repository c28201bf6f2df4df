// The clinician's tools at a practice's real size (issue 15 item 6): a register of 2,000
// patients (`medkeep import` of bench/import_gen.js's invented people), a results inbox of
// more than two pages, paged 25 at a time with only the page's patients opened; filing
// actions (file, release with a comment, ask the patient to book) that each go on to the next
// item; a "my patients" filter; the repeat queue as a table with the patient linked and the
// medicine's last approval; stopping a medicine only after a confirmation with a reason. Each
// action refused to another practice's clinician, a patient and a random id alike. Against the
// real binary over HTTP.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client, multipart, pdfWith, randomId, run, sqlite, startServer, nzDay } = require('./lib');

const GEN = path.join(__dirname, '..', '..', 'bench', 'import_gen.js');
const PATIENTS = 2000;
const FILED = 70; // results filed for imported patients: three pages of the inbox with the demo's
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const form = (c, fields) => ({ body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });

// A report as a laboratory sends it: creatinine, its flag giving how abnormal it is.
function report(pid, n, flag) {
  const value = flag === 'HH' ? 900 : flag === 'H' ? 200 : 80;
  return JSON.stringify({
    resourceType: 'DiagnosticReport', status: 'final', identifier: [{ value: `CT-${n}` }],
    subject: { reference: `Patient/${pid}` }, effectiveDateTime: '2026-11-20T09:00:00Z',
    issued: new Date(Date.UTC(2026, 10, 20, 10, 0, n)).toISOString(), performer: [{ display: 'Invented Laboratory' }],
    contained: [{ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2160-0' }] },
      valueQuantity: { value, unit: 'umol/L' }, referenceRange: [{ low: { value: 60 }, high: { value: 110 } }],
      interpretation: [{ coding: [{ code: flag }] }] }],
  });
}

// The rows of an inbox page: result id, patient id.
const inboxRows = (html) => [...html.matchAll(/<tr><td><a href="\/results\/([0-9a-f]{32})(?:\?mine=1)?">.*?<a href="\/patients\/([0-9a-f]{32})">/g)]
  .map((m) => ({ rid: m[1], pid: m[2] }));

describe('clinician tools at 2,000 patients', () => {
  let srv; let tmp; let clin; let clin2; let other; let pat; let pat2c; let demo; let imported; let p1;
  const pat2 = () => pat2c;
  const expectedOrder = [];

  async function inboxAll(c, mine) {
    const out = [];
    for (let page = 1; page < 40; page++) {
      const r = await c.get(`/results/inbox?page=${page}${mine ? '&mine=1' : ''}`);
      assert.equal(r.status, 200, r.text.slice(0, 300));
      out.push(...inboxRows(r.text));
      if (!/rel="next"/.test(r.text)) return out;
    }
    throw new Error('no last page');
  }
  const held = () => sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE practice_id = (SELECT practice_id FROM enrolment
    WHERE patient_id = X'${p1}') AND reviewed IS NULL AND (release_at IS NULL OR release_at > unixepoch())
    ORDER BY abnormal DESC, reported DESC, id`).split('\n').filter(Boolean);

  before(async () => {
    // Filing 70 reports in a minute is a laboratory feed's work, done here through the
    // clinician's session: its budgets are raised for the setup only.
    srv = await startServer({ patients: 2, config: 'breaker.clinician.burst = 2000\nbreaker.clinician.per_hour = 5000\n' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-clintools-'));
    const g = spawnSync(process.execPath, [GEN, '--out', tmp, '--patients', String(PATIENTS), '--docs', '0'], { encoding: 'utf8' });
    assert.equal(g.status, 0, g.stderr);
    demo = run(['practices', 'list', '--data', srv.dir]).stdout.split('\n').find((l) => l.endsWith('\tDemo Health Centre')).split('\t')[0];
    const r = run(['import', '--data', srv.dir, '--practice', demo, path.join(tmp, 'Patient.ndjson')]);
    assert.equal(r.code, 0, r.stderr);
    clin = new Client(srv.base); assert.equal((await clin.login('clinician1@demo.test')).status, 303);
    clin2 = new Client(srv.base); assert.equal((await clin2.login('clinician2@demo.test')).status, 303);
    other = new Client(srv.base); assert.equal((await other.login('otherclinician1@demo.test')).status, 303);
    pat = new Client(srv.base); assert.equal((await pat.login('patient1@demo.test')).status, 303);
    p1 = pat.session.patient;
    pat2c = new Client(srv.base); assert.equal((await pat2c.login('patient2@demo.test')).status, 303);
    imported = sqlite(srv.dir, `SELECT lower(hex(e.patient_id)) FROM enrolment e JOIN patient p ON p.id = e.patient_id
      WHERE e.practice_id = X'${demo}' AND e.patient_id NOT IN (SELECT patient_id FROM account WHERE patient_id IS NOT NULL)
      ORDER BY e.patient_id LIMIT ${FILED}`).split('\n');
    assert.equal(imported.length, FILED);
    for (let i = 0; i < FILED; i++) {
      const flag = i % 10 === 0 ? 'HH' : 'H';
      const res = await clin.post('/fhir/R4/DiagnosticReport', { body: report(imported[i], i, flag), headers: { 'Content-Type': 'application/fhir+json' } });
      assert.equal(res.status, 201, res.text.slice(0, 300));
    }
    // clinician2 prescribes for five of them: "their" patients.
    for (const pid of imported.slice(0, 5)) {
      const m = await clin2.post(`/patients/${pid}/medications`, form(clin2, { drug: 'Atorvastatin', strength: '20 mg', form: 'tablet', dose: 'One at night' }));
      assert.equal(m.status, 303, m.text.slice(0, 300));
    }
    expectedOrder.push(...held());
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('pages the inbox 25 at a time, critical first, every held result once, opening only the page\'s patients', async () => {
    assert.ok(expectedOrder.length > 50, `three pages: ${expectedOrder.length}`);
    const before = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${clin.session.account}' AND action = 'patient.read'`));
    const first = await clin.get('/results/inbox');
    assert.equal(first.status, 200);
    assert.equal(inboxRows(first.text).length, 25);
    assert.match(first.text, new RegExp(`${expectedOrder.length} waiting`));
    assert.match(first.text, /Page 1 of 3/);
    const opened = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${clin.session.account}' AND action = 'patient.read'`)) - before;
    assert.ok(opened <= 25, `a page opens at most its 25 patients, opened ${opened}`);
    assert.match(first.text, /Critical/);
    const all = await inboxAll(clin, false);
    assert.deepEqual(all.map((x) => x.rid), expectedOrder, 'every held result once, in order');
    assert.equal((await clin.get('/results/inbox?page=0')).status, 400);
    assert.equal((await clin.get('/results/inbox?page=99999')).status, 400);
  });

  it('"my patients" shows only the results of the clinician\'s own patients', async () => {
    const mine = await inboxAll(clin2, true);
    const pids = new Set(mine.map((x) => x.pid));
    for (const pid of imported.slice(0, 5)) assert.ok(pids.has(pid), `${pid} is clinician2's`);
    for (const pid of imported.slice(5)) assert.ok(!pids.has(pid), `${pid} is not clinician2's`);
    const page = await clin2.get('/results/inbox?mine=1');
    assert.match(page.text, /<a href="\/results\/inbox\?mine=1" aria-current="page">My patients<\/a>/);
    assert.equal((page.text.match(/href="\/results\/[0-9a-f]{32}\?mine=1"/g) || []).length, inboxRows(page.text).length, 'each result keeps the filter');
  });

  it('files a result and goes on to the next one; it leaves the inbox, stays held, and is audited', async () => {
    const [a, b] = held();
    const page = await clin.get(`/results/${a}`);
    assert.match(page.text, /action="\/results\/[0-9a-f]{32}\/file"/);
    const r = await clin.post(`/results/${a}/file`, form(clin, {}));
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `/results/${b}`);
    assert.ok(!held().includes(a));
    assert.equal(sqlite(srv.dir, `SELECT review_action || ':' || (release_at IS NULL) FROM result WHERE id = X'${a}'`), 'filed:1');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${clin.session.account}' AND action = 'result.file' AND rid = '${a}'`), '1');
    const again = await clin.post(`/results/${a}/file`, form(clin, {}));
    assert.equal(again.status, 400);
    const shown = await clin.get(`/results/${a}`);
    assert.match(shown.text, /<dt>Filed<\/dt>/);
  });

  it('releases patient1\'s result with a comment the patient reads, and goes on to the next', async () => {
    const mine = held();
    const rid = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = X'${p1}' AND reviewed IS NULL AND release_at IS NULL LIMIT 1`);
    assert.ok(rid, 'patient1 has a held result');
    assert.equal((await pat.get(`/results/${rid}`)).status, 404);
    const r = await clin.post(`/results/${rid}/release`, form(clin, { comment: 'Slightly high; recheck in three months.' }));
    assert.equal(r.status, 303);
    const next = mine[mine.indexOf(rid) + 1];
    assert.equal(r.headers.get('location'), next ? `/results/${next}` : '/results/inbox?done=1');
    const seen = await pat.get(`/results/${rid}`);
    assert.equal(seen.status, 200);
    assert.match(seen.text, /Slightly high; recheck in three months\./);
  });

  it('asks the patient to book: a practice message with the note, an email with no clinical detail, the result still held', async () => {
    const rid = sqlite(srv.dir, `SELECT lower(hex(id)) FROM result WHERE patient_id = X'${p1}' AND reviewed IS NULL AND release_at IS NULL LIMIT 1`)
      || (await (async () => {
        const res = await clin.post('/fhir/R4/DiagnosticReport', { body: report(p1, 900, 'H'), headers: { 'Content-Type': 'application/fhir+json' } });
        assert.equal(res.status, 201);
        return res.json().id;
      })());
    const outboxBefore = Number(sqlite(srv.dir, 'SELECT count(*) FROM outbox'));
    const r = await clin.post(`/results/${rid}/book`, form(clin, { note: 'Bring your medicines list.', mine: '1' }));
    assert.equal(r.status, 303);
    assert.match(r.headers.get('location'), /^\/results\/(inbox\?mine=1&done=1|[0-9a-f]{32}\?mine=1)$/);
    assert.equal((await pat.get(`/results/${rid}`)).status, 404, 'still held');
    const threads = await pat.get('/messages');
    assert.match(threads.text, /Please book an appointment/);
    const tid = threads.text.match(/href="\/messages\/([0-9a-f]{32})"[^>]*>[^<]*Please book an appointment/)?.[1]
      || threads.text.match(/href="\/messages\/([0-9a-f]{32})"/)[1];
    const thread = await pat.get(`/messages/${tid}`);
    assert.match(thread.text, /talk about a recent test result/);
    assert.match(thread.text, /Bring your medicines list\./);
    assert.ok(Number(sqlite(srv.dir, 'SELECT count(*) FROM outbox')) > outboxBefore, 'an email is queued');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'result.book' AND rid = '${rid}'`), '1');
  });

  it('refuses the filing actions to another practice, a patient and a random id alike', async () => {
    const [rid] = held();
    for (const verb of ['file', 'book', 'release']) {
      const ref = await other.post(`/results/${randomId()}/${verb}`, form(other, {}));
      assert.equal(ref.status, 404);
      for (const c of [other, pat]) {
        const got = await c.post(`/results/${rid}/${verb}`, form(c, {}));
        assert.equal(got.status, 404, verb);
        const rnd = await c.post(`/results/${randomId()}/${verb}`, form(c, {}));
        assert.equal(got.text.replace(/name="csrf" value="[^"]+"/g, ''), rnd.text.replace(/name="csrf" value="[^"]+"/g, ''));
      }
    }
    assert.ok(held().includes(rid), 'nothing changed');
    assert.equal((await pat.get('/results/inbox')).status, 404);
    assert.equal((await other.get('/results/inbox')).status, 200);
    assert.equal(inboxRows((await other.get('/results/inbox')).text).length, 0, 'another practice sees none of ours');
  });

  it('shows the repeat queue as a table with the patient linked and the medicine\'s last approval', async () => {
    // A medicine new to the patient: never repeated before.
    const made = await clin.post(`/patients/${p1}/medications`, form(clin, { drug: 'Repeatol', strength: '1 mg', form: 'tablet', dose: 'One daily' }));
    assert.equal(made.status, 303);
    const med = { id: sqlite(srv.dir, `SELECT lower(hex(id)) FROM medication WHERE patient_id = X'${p1}' ORDER BY created DESC, rowid DESC LIMIT 1`) };
    assert.equal((await pat.post(`/medications/${med.id}/repeat`, form(pat, { pharmacy: '0' }))).status, 303);
    const rid = () => sqlite(srv.dir, `SELECT lower(hex(id)) FROM repeat_request WHERE medication_id = X'${med.id}' AND state = 'requested'`);
    let q = await clin.get('/repeats');
    // The table row of one request: [the row, the linked patient's id].
    const row = (html, id) => {
      const tr = html.split('<tr>').find((x) => x.includes(`action="/repeats/${id}/decide"`));
      const m = tr && tr.match(/^<td data-label="Patient"><a href="\/patients\/([0-9a-f]{32})">/);
      return m ? [tr, m[1]] : null;
    };
    let m = row(q.text, rid());
    assert.ok(m, 'the request is a row of the table');
    assert.equal(m[1], p1, 'the patient is linked');
    assert.match(m[0], /<td data-label="Last approved">Never<\/td>/);
    assert.equal((await clin.post(`/repeats/${rid()}/decide`, form(clin, { decision: 'approve' }))).status, 303);
    assert.equal((await pat.post(`/medications/${med.id}/repeat`, form(pat, { pharmacy: '1' }))).status, 303);
    q = await clin.get('/repeats');
    m = row(q.text, rid());
    assert.ok(m);
    assert.match(m[0], new RegExp(`<td data-label="Last approved">${nzDay(Math.floor(Date.now() / 1000))}</td>`));
    const decline = await clin.post(`/repeats/${rid()}/decide`, form(clin, { decision: 'decline', reason: 'Needs a review first.' }));
    assert.equal(decline.status, 303);
  });

  it('stops a medicine only after a confirmation with a reason, kept sealed with its note and shown in its history', async () => {
    const made = await clin.post(`/patients/${p1}/medications`, form(clin, { drug: 'Stoppamol', strength: '10 mg', form: 'tablet', dose: 'One daily' }));
    assert.equal(made.status, 303);
    const mid = sqlite(srv.dir, `SELECT lower(hex(id)) FROM medication WHERE patient_id = X'${p1}' ORDER BY created DESC, rowid DESC LIMIT 1`);
    const list = await clin.get(`/patients/${p1}/medications`);
    assert.match(list.text, new RegExp(`<a class="button secondary" href="/medications/${mid}/stop">Stop Stoppamol…</a>`));
    const confirm = await clin.get(`/medications/${mid}/stop`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /Why is it stopped\?/);
    assert.match(confirm.text, /value="side-effects"/);
    assert.doesNotMatch(confirm.text, /value="recorded"/, 'the import\'s reason is not offered');
    const noReason = await clin.post(`/medications/${mid}/stop`, form(clin, { note: 'x' }));
    assert.equal(noReason.status, 400);
    assert.match(noReason.text, /Choose why the medicine is stopped/);
    assert.equal(sqlite(srv.dir, `SELECT stopped IS NULL FROM medication WHERE id = X'${mid}'`), '1');
    for (const c of [other, pat]) {
      assert.equal((await c.get(`/medications/${mid}/stop`)).status, 404);
      assert.equal((await c.post(`/medications/${mid}/stop`, form(c, { reason: 'completed' }))).status, 404);
    }
    assert.equal((await clin.get(`/medications/${randomId()}/stop`)).status, 404);
    const ok = await clin.post(`/medications/${mid}/stop`, form(clin, { reason: 'side-effects', note: 'Dizzy spells (Stoppamol).' }));
    assert.equal(ok.status, 303);
    assert.equal(sqlite(srv.dir, `SELECT stop_reason FROM medication WHERE id = X'${mid}'`), 'side-effects');
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM medication WHERE id = X'${mid}' AND instr(CAST(detail AS TEXT), 'Dizzy') > 0`), '0', 'the note is sealed');
    const hist = await clin.get(`/patients/${p1}/medications`);
    assert.match(hist.text, /Why: Side effects\. Dizzy spells \(Stoppamol\)\./);
    const mine = await pat.get('/medications');
    assert.match(mine.text, /Why: Side effects\. Dizzy spells \(Stoppamol\)\./);
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${clin.session.account}' AND action = 'medication.create' AND rid = '${mid}' AND outcome = 'allow'`)) >= 2);
    // over FHIR too: a stopped MedicationRequest with its reason (statusReason)
    const fr = (await pat.fhir(`MedicationRequest/${mid}`)).json();
    assert.equal(fr.status, 'stopped');
    assert.equal(fr.statusReason.text, 'Side effects: Dizzy spells (Stoppamol).');
    const twice = await clin.post(`/medications/${mid}/stop`, form(clin, { reason: 'completed' }));
    assert.equal(twice.status, 409);
    assert.match(twice.text, /stopped already/);
  });

  it('previews attachments inline: a picture in the thread, a PDF in the browser\'s viewer, with the download\'s gate and audit', async () => {
    const send = (c, fields, files) => { const m = multipart({ csrf: c.csrf, ...fields }, files); return c.post('/messages', { body: m.body, headers: { 'Content-Type': m.type }, csrf: false }); };
    const pdf = pdfWith(`Preview ${randomId()}`);
    const sentPng = await send(pat, { subject: 'Rash photo', body: 'Here is the rash.' }, [{ name: 'file', filename: 'rash.png', type: 'image/png', data: PNG }]);
    assert.equal(sentPng.status, 303, sentPng.text.slice(0, 300));
    const sentPdf = await send(pat, { subject: 'Old letter', body: 'A letter.' }, [{ name: 'file', filename: 'letter.pdf', type: 'application/pdf', data: pdf }]);
    assert.equal(sentPdf.status, 303);
    const thread = await clin.get(sentPng.headers.get('location'));
    const png = thread.text.match(/<img src="\/documents\/([0-9a-f]{32})\/view" alt="Attached picture: rash\.png"/);
    assert.ok(png, 'the picture is shown in the thread');
    const view = await clin.get(`/documents/${png[1]}/view`);
    assert.equal(view.status, 200);
    assert.equal(view.headers.get('content-type'), 'image/png');
    assert.equal(view.headers.get('content-disposition'), 'inline');
    assert.match(view.headers.get('content-security-policy'), /sandbox/);
    assert.equal(view.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(view.buf, PNG);
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${clin.session.account}' AND rid = '${png[1]}' AND outcome = 'allow'`)) >= 1);
    const letter = await clin.get(sentPdf.headers.get('location'));
    const pdfId = letter.text.match(/<a href="\/documents\/([0-9a-f]{32})\/view">View the PDF<\/a>/)[1];
    assert.doesNotMatch(letter.text, /<img src="\/documents\/[0-9a-f]{32}\/view"/, 'a PDF is not an image');
    const pv = await clin.get(`/documents/${pdfId}/view`);
    assert.equal(pv.status, 200);
    assert.equal(pv.headers.get('content-type'), 'application/pdf');
    assert.equal(pv.headers.get('content-disposition'), 'inline');
    for (const c of [other, pat2()]) {
      const got = await c.get(`/documents/${png[1]}/view`);
      const rnd = await c.get(`/documents/${randomId()}/view`);
      assert.equal(got.status, 404);
      assert.equal(got.text.replace(/name="csrf" value="[^"]+"/g, ''), rnd.text.replace(/name="csrf" value="[^"]+"/g, ''));
    }
    assert.equal((await pat.get(`/documents/${png[1]}/view`)).status, 200, 'the patient\'s own');
  });

  it('assigns a conversation to a colleague, whose "assigned to me" lists it; refused to anyone else alike', async () => {
    const m = multipart({ csrf: pat.csrf, subject: 'Question about my tablets', body: 'Can I take them with food?' }, []);
    const sent = await pat.post('/messages', { body: m.body, headers: { 'Content-Type': m.type }, csrf: false });
    assert.equal(sent.status, 303);
    const tid = sent.headers.get('location').split('/').pop();
    const page = await clin.get(`/messages/${tid}`);
    assert.match(page.text, /<label for="assign-to">Assigned to<\/label>/);
    const to = clin2.session.account;
    assert.match(page.text, new RegExp(`<option value="${to}">`));
    assert.doesNotMatch(page.text, new RegExp(`<option value="${other.session.account}"`), 'only colleagues of the practice');
    const r = await clin.post(`/messages/${tid}/assign`, form(clin, { to }));
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `/messages/${tid}`);
    assert.equal(sqlite(srv.dir, `SELECT lower(hex(assigned_to)) FROM message_thread WHERE id = X'${tid}'`), to);
    assert.equal(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'message.assign' AND rid = '${tid}' AND outcome = 'allow'`), '1');
    const mine2 = await clin2.get('/inbox?mine=1');
    assert.match(mine2.text, new RegExp(`href="/messages/${tid}"`));
    assert.match(mine2.text, /<a href="\/inbox\?mine=1" aria-current="page">Assigned to me<\/a>/);
    assert.doesNotMatch((await clin.get('/inbox?mine=1')).text, new RegExp(`href="/messages/${tid}"`));
    assert.match((await clin.get('/inbox')).text, new RegExp(`href="/messages/${tid}"`));
    // Not a colleague: refused. Not theirs: the answer of a random id.
    assert.equal((await clin.post(`/messages/${tid}/assign`, form(clin, { to: other.session.account }))).status, 400);
    assert.equal((await clin.post(`/messages/${tid}/assign`, form(clin, { to: 'junk' }))).status, 400);
    for (const c of [other, pat, pat2()]) {
      const got = await c.post(`/messages/${tid}/assign`, form(c, { to: c.session.account }));
      const rnd = await c.post(`/messages/${randomId()}/assign`, form(c, { to: c.session.account }));
      assert.equal(got.status, 404);
      assert.equal(got.text.replace(/name="csrf" value="[^"]+"/g, ''), rnd.text.replace(/name="csrf" value="[^"]+"/g, ''));
    }
    assert.equal(sqlite(srv.dir, `SELECT lower(hex(assigned_to)) FROM message_thread WHERE id = X'${tid}'`), to, 'unchanged');
    assert.equal((await clin.post(`/messages/${tid}/assign`, form(clin, { to: '' }))).status, 303);
    assert.equal(sqlite(srv.dir, `SELECT assigned_to IS NULL FROM message_thread WHERE id = X'${tid}'`), '1');
  });
});
