// Two `serve` nodes on one PostgreSQL database behind nginx (issue 17, BREAKER.md "Several
// nodes", STORE.md): a session made on one node works on the other; an acknowledged write on
// one is read on the other; an actor's breaker budget is one budget across both (each node
// alone would have let it through); a node killed with kill -9 under load leaves the other
// serving, every document served has its audit record, every acknowledged upload is there,
// and `audit verify` is clean. Runs only on PostgreSQL (scripts/test.sh runs it there).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startSink } = require('./smtp-sink');
const { startServer, startNginx, serveDir, Client, multipart, pdfWith, sqlite, run, children, BIN } = require('./lib');

const ON_PG = Boolean(process.env.MEDKEEP_TEST_PG);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A little over the sync process's interval (100 ms): long enough for a fact to reach the
// other node's vault.
const SYNC = 600;

// Another node's view of a signed-in client: the same cookies, another base.
function on(base, c) {
  const d = new Client(base);
  d.cookies = new Map(c.cookies);
  d.csrf = c.csrf;
  d.session = c.session;
  return d;
}

function upload(c, title) {
  const form = multipart({ csrf: c.csrf, title }, [{ name: 'file', filename: 'note.pdf', type: 'application/pdf', data: pdfWith(title) }]);
  return c.post(`/patients/${c.session.patient}/documents`, { body: form.body, headers: { 'Content-Type': form.type }, csrf: false });
}

describe('two nodes on one database', { skip: ON_PG ? false : 'runs on PostgreSQL (MEDKEEP_TEST_PG)' }, () => {
  let a; let b; let lb; let sink;
  before(async () => {
    sink = await startSink();
    // a small clinician budget, so that 4 + 3 patients cross it only when the nodes add up;
    // both nodes' mailers send to one sink
    a = await startServer({ patients: 12, config: `breaker.clinician.other_patients = 6\nbreaker.clinician.burst = 6\nsmtp.url = smtp://127.0.0.1:${sink.port}\nsmtp.from = Demo Health Centre <noreply@demo.test>\n` });
    b = await serveDir(a.dir, { bin: BIN });
    lb = await startNginx([a.port, b.port]);
  });
  after(async () => {
    if (lb) await lb.stop();
    if (b) await b.stop();
    if (a) { a.expectDeaths = true; await a.stop(); }
    if (sink) await sink.close();
  });

  it('a session made on one node works on the other, and what one node acknowledged the other reads', async () => {
    const pa = new Client(a.base);
    assert.equal((await pa.login('patient1@demo.test')).status, 303);
    const pb = on(b.base, pa);
    const sb = await pb.get('/session');
    assert.equal(sb.status, 200);
    assert.equal(sb.json().account, pa.session.account);
    const up = await upload(pb, 'Written on node B');
    assert.equal(up.status, 303, up.text.slice(0, 200));
    const list = await pa.get('/documents');
    assert.match(list.text, /Written on node B/);
    // through nginx, requests alternate between the nodes: every one is the same session
    const via = on(lb.base, pa);
    for (let i = 0; i < 6; i++) assert.equal((await via.get('/session')).json().account, pa.session.account);
    // signing out on one node ends the session on both
    const out = await pb.post('/logout', { body: new URLSearchParams({ csrf: pb.csrf }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
    assert.ok([200, 303].includes(out.status));
    assert.notEqual((await pa.get('/session')).status, 200);
  });

  it('each email is sent once, by one of the two mailers', async () => {
    const clin = new Client(a.base);
    await clin.login('clinician2@demo.test');
    const before = sink.messages.length;
    // three releases: fewer patients than this suite's small breaker budget
    for (let i = 0; i < 3; i++) {
      const page = await clin.get('/results/inbox');
      const id = (/href="\/results\/([0-9a-f]{32})"/.exec(page.text) || [])[1];
      if (!id) break;
      const r = await on(b.base, clin).post(`/results/${id}/release`, { body: new URLSearchParams({ csrf: clin.csrf, comment: '' }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
      assert.equal(r.status, 303, r.text.slice(0, 200));
      await sleep(200);
    }
    await sleep(3000); // both mailers poll every second: time for a second copy to appear
    assert.ok(sink.messages.length > before, 'released results were told by email');
    const sent = Number(sqlite(a.dir, 'SELECT count(*) FROM outbox WHERE sent IS NOT NULL'));
    assert.equal(sink.messages.length, sent, 'as many emails received as messages sent: none twice');
  });

  it('one breaker budget across both nodes: 4 patients on one and 3 on the other cross a budget of 6', async () => {
    const ca = new Client(a.base);
    await ca.login('clinician1@demo.test');
    const cb = on(b.base, ca);
    // patients of the clinician's practice, each with a document: clinical content, opened by the vault
    const docs = sqlite(a.dir, `SELECT min(lower(hex(d.id))) FROM document d JOIN enrolment e ON e.patient_id = d.patient_id WHERE e.practice_id = (SELECT practice_id FROM account WHERE id = X'${ca.session.account}') GROUP BY d.patient_id ORDER BY 1`).split('\n').filter(Boolean);
    assert.ok(docs.length >= 7, `${docs.length} patients with documents`);
    const codes = [];
    for (const [c, id] of [[ca, 0], [ca, 1], [ca, 2], [ca, 3], [cb, 4], [cb, 5], [cb, 6]]) {
      codes.push((await c.get(`/documents/${docs[id]}/download`)).status);
      await sleep(c === ca && id === 3 ? SYNC : 50);
    }
    assert.deepEqual(codes.slice(0, 6), [200, 200, 200, 200, 200, 200]);
    assert.notEqual(codes[6], 200, 'the seventh patient is past the budget the two nodes share');
    assert.equal(sqlite(a.dir, "SELECT count(*) FROM audit WHERE action = 'breaker.trip'"), '1');
    // stopped on both nodes: the account is locked and its sessions ended
    assert.notEqual((await ca.get(`/documents/${docs[0]}/download`)).status, 200);
    assert.notEqual((await cb.get(`/documents/${docs[0]}/download`)).status, 200);
    assert.equal((await new Client(b.base).login('clinician1@demo.test')).headers.get('location') === '/', false);
  });

  it('a database restart under load: each request succeeds or is told to come back (503, Retry-After), none half-done, and both nodes recover by themselves', async () => {
    const p = new Client(a.base);
    await p.login('patient3@demo.test');
    const via = on(lb.base, p);
    const docs = [...(await p.get('/documents')).text.matchAll(/href="\/documents\/([0-9a-f]{32})"/g)].map((m) => m[1]);
    const seen = new Map(); const uploaded = []; const answered = new Map(); const bad = []; let stop = false;
    const note = (r) => {
      const k = r ? r.status : 'reset';
      seen.set(k, (seen.get(k) || 0) + 1);
      if (r && r.status === 503 && !r.headers.get('retry-after')) bad.push('503 without Retry-After');
      if (!r || ![200, 303, 503].includes(r.status)) bad.push(`${k}: ${r ? r.text.slice(0, 120) : ''}`);
    };
    const reads = (async () => {
      for (let i = 0; !stop; i++) note(await via.get(`/documents/${docs[i % docs.length]}/download`).catch(() => null));
    })();
    const writes = (async () => {
      for (let i = 0; !stop; i++) {
        const title = `Across a restart ${i}`;
        const r = await upload(via, title).catch(() => null);
        note(r);
        if (r && r.status === 303) uploaded.push(title);
        else answered.set(title, r ? `${r.status} ${r.text.slice(0, 80)}` : 'reset');
        await sleep(100);
      }
    })();
    await sleep(1000);
    const restart = spawn(path.join(__dirname, '..', '..', 'scripts', 'pg-test.sh'), ['restart', process.env.MEDKEEP_TEST_PG], { stdio: 'ignore' });
    assert.equal(await new Promise((r) => restart.on('exit', r)), 0, 'PostgreSQL restarted');
    await sleep(3000);
    stop = true;
    await Promise.all([reads, writes]);
    assert.deepEqual(bad, [], `answers seen: ${JSON.stringify([...seen])}\n${(a.logs() + b.logs()).split('\n').map((l, i, all) => (/status=500/.test(l) ? all.slice(Math.max(0, i - 4), i + 1).join('\n') : '')).filter(Boolean).join('\n--\n')}`);
    // both nodes serve again, the session intact, without being restarted themselves
    for (const base of [a.base, b.base]) assert.equal((await on(base, p).get(`/documents/${docs[0]}/download`)).status, 200);
    // none half-done: the uploads kept are exactly those acknowledged
    const list = (await p.get('/documents')).text;
    const kept = [...new Set([...list.matchAll(/Across a restart \d+/g)].map((m) => m[0]))].sort();
    assert.deepEqual(kept, [...uploaded].sort(), JSON.stringify([...answered]));
    const v = run(['audit', 'verify', '--data', a.dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.ok(!/worker-died|worker-exited|the vault exited/.test(a.logs() + b.logs()), 'no process of either node died');
  });

  it('a node killed with kill -9 under load: the other serves on, no document leaves without its audit record, no acknowledged upload is lost', async () => {
    const p = new Client(a.base);
    await p.login('patient2@demo.test');
    const via = on(lb.base, p);
    const docs = [...(await p.get('/documents')).text.matchAll(/href="\/documents\/([0-9a-f]{32})"/g)].map((m) => m[1]);
    assert.ok(docs.length > 0);
    let served = 0; const uploaded = []; let stop = false; const failures = [];
    const reads = (async () => {
      for (let i = 0; !stop; i++) {
        const r = await via.get(`/documents/${docs[i % docs.length]}/download`).catch(() => null);
        if (r && r.status === 200) served++;
        else failures.push(r ? r.status : 'reset');
      }
    })();
    const writes = (async () => {
      for (let i = 0; !stop; i++) {
        const title = `Under load ${i}`;
        const r = await upload(via, title).catch(() => null);
        if (r && r.status === 303) uploaded.push(title);
        await sleep(100);
      }
    })();
    await sleep(1500);
    const before = served;
    // the whole node at once: its parent and every process it started
    const tree = [a.proc.pid, ...children(a.proc.pid).map((c) => c.pid)];
    for (const pid of tree) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    await sleep(2500);
    stop = true;
    await Promise.all([reads, writes]);
    assert.ok(before > 0, 'served before the kill');
    assert.ok(served > before + 10, `node B served on after the kill (${served - before} more)`);
    assert.ok(failures.length <= 4, `requests in flight on the killed node only: ${failures.join(',')}`);
    // every document served has its durable audit record
    const audited = Number(sqlite(a.dir, `SELECT count(*) FROM audit WHERE actor = '${p.session.account}' AND action = 'document.read' AND outcome = 'allow'`));
    assert.ok(audited >= served, `${audited} audit records for ${served} documents served`);
    // every acknowledged upload is there
    const list = (await on(b.base, p).get('/documents')).text;
    for (const t of uploaded) assert.match(list, new RegExp(t));
    const v = run(['audit', 'verify', '--data', a.dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
