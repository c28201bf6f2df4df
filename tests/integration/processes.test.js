// The process model: a vault process and a worker process, each sandboxed; a worker that
// breaks its syscall filter dies and comes back without the service going away; a worker
// killed in the middle of writes leaves no half-written data and an intact audit chain.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startServer, Client, run, pdfWith, children, processAlive, CHAOS_BIN, RELEASE_BIN } = require('./lib');

async function waitFor(fn, ms = 10000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('processes', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 2, bin: CHAOS_BIN, env: { MEDKEEP_FAULT: 'worker_syscall' } }); srv.expectDeaths = true; });
  after(async () => { await srv.stop(); });

  it('runs the vault and the worker as separate processes, each with a seccomp filter', () => {
    const kids = children(srv.proc.pid);
    const vault = kids.find((k) => k.role === 'vault-process');
    const worker = kids.find((k) => k.role === 'worker-process');
    assert.ok(vault && worker, JSON.stringify(kids));
    assert.equal(vault.seccomp, '2');
    assert.equal(worker.seccomp, '2');
    for (const p of [vault, worker]) {
      assert.equal(p.capEff, '0000000000000000', `${p.role} keeps no capability`);
      if (process.getuid() === 0) assert.equal(p.capBnd, '0000000000000000', `${p.role} cannot regain one`);
      assert.equal(p.noNewPrivs, '1');
    }
    // The worker has no master key file open, and none of it in its environment.
    const fds = fs.readdirSync(`/proc/${worker.pid}/fd`).map((f) => { try { return fs.readlinkSync(`/proc/${worker.pid}/fd/${f}`); } catch { return ''; } });
    assert.ok(!fds.some((f) => f.endsWith('master.key')), fds.join());
  });

  it('a worker that breaks its filter is killed and restarted; sessions carry on', async () => {
    const c = new Client(srv.base);
    assert.equal((await c.login('patient1@demo.test')).status, 303);
    const before1 = children(srv.proc.pid).find((k) => k.role === 'worker-process').pid;
    await assert.rejects(c.get('/session', { headers: { 'X-Medkeep-Fault': 'syscall' } }));
    const after1 = await waitFor(() => {
      const w = children(srv.proc.pid).find((k) => k.role === 'worker-process');
      return w && w.pid !== before1 && w.seccomp === '2' ? w : null;
    });
    assert.equal(after1.seccomp, '2');
    const s = await waitFor(async () => { try { const r = await c.get('/session'); return r.status === 200 ? r : null; } catch { return null; } });
    assert.equal(s.json().patient, c.session.patient);
    assert.match(srv.logs(), /worker-died signal=31 restarting=1/);
  });
});

describe('a worker killed in the middle of writes', () => {
  let srv;
  before(async () => { srv = await startServer({ patients: 2, bin: RELEASE_BIN }); srv.expectDeaths = true; });
  after(async () => { await srv.stop(); });

  it('leaves no half-written document and an intact audit chain', async () => {
    const c = new Client(srv.base);
    await c.login('patient1@demo.test');
    const me = c.session.patient;
    const worker = children(srv.proc.pid).find((k) => k.role === 'worker-process');
    const uploads = [];
    for (let i = 0; i < 40; i++) {
      const pdf = pdfWith(`upload ${i} `.repeat(2000));
      uploads.push(c.post('/fhir/R4/DocumentReference', { headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'DocumentReference', subject: { reference: `Patient/${me}` }, description: `Upload ${i}`, content: [{ attachment: { contentType: 'application/pdf', data: pdf.toString('base64') } }] }) })
        .then((r) => r.status, () => 'dropped'));
      if (i === 20) process.kill(worker.pid, 'SIGKILL');
    }
    const statuses = await Promise.all(uploads);
    assert.ok(statuses.includes('dropped') || statuses.some((s) => s !== 201), statuses.join());
    await waitFor(async () => { try { return (await c.get('/session')).status === 200; } catch { return false; } });
    // Every document that exists reads back whole; nothing half-written.
    const list = (await c.fhir(`DocumentReference?patient=${me}`)).json();
    for (const e of list.entry) {
      const b = await c.fhir(`Binary/${e.resource.id}`);
      assert.equal(b.status, 200);
      assert.equal(b.buf.length, e.resource.content[0].attachment.size);
      assert.equal(b.buf.subarray(0, 5).toString(), '%PDF-');
    }
    const v = run(['audit', 'verify', '--data', srv.dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});

describe('serve ended abruptly', () => {
  it('takes its vault and worker with it when it is killed (SIGKILL)', async () => {
    const srv = await startServer({ patients: 1, bin: RELEASE_BIN });
    const kids = await waitFor(() => { const k = children(srv.proc.pid); return k.length >= 2 && k; });
    assert.deepEqual(kids.map((k) => k.role).sort(), ['vault-process', 'worker-process']);
    process.kill(srv.proc.pid, 'SIGKILL');
    await waitFor(() => kids.every((k) => !processAlive(k.pid)));
    await srv.stop();
  });
});
