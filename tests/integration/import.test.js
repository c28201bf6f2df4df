// medkeep import: a practice's FHIR NDJSON export onto its register and records, through the
// real (sanitized) binary: loaded, idempotent, resumable after kill -9, bad lines refused by
// number with the rest loaded, and what it loads seen by the practice's clinician only.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { BIN, SAN_ENV, Client, run, sqlite, startServer } = require('./lib');

const GEN = path.join(__dirname, '..', '..', 'bench', 'import_gen.js');
const { nhi } = require(GEN);
const ORDER = ['Patient', 'DocumentReference', 'Observation', 'DiagnosticReport', 'MedicationRequest', 'Appointment'];

function gen(dir, args) {
  const r = spawnSync(process.execPath, [GEN, '--out', dir, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return ORDER.map((t) => path.join(dir, `${t}.ndjson`)).filter((f) => fs.existsSync(f));
}

function practices(dir) {
  const r = run(['practices', 'list', '--data', dir]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => l.split('\t'));
  return { demo: lines.find((l) => l[1] === 'Demo Health Centre')[0], other: lines.find((l) => l[1] !== 'Demo Health Centre')[0] };
}

const count = (dir, table) => Number(sqlite(dir, `SELECT count(*) FROM ${table}`));

async function login(srv, email) {
  const c = new Client(srv.base);
  const r = await c.login(email);
  assert.equal(r.status, 303, `login ${email}`);
  return c;
}

describe('medkeep import', () => {
  let srv, tmp, ids, small;
  before(async () => {
    srv = await startServer({ patients: 2 });
    ids = practices(srv.dir);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-import-'));
    small = gen(path.join(tmp, 'small'), ['--patients', '4', '--docs', '2', '--full', '--first', '50001']);
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('--help says what it takes', () => {
    const r = run(['import', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: medkeep import --data DIR --practice ID FILE/);
    assert.equal(run(['import', '--data', srv.dir]).code, 2);
  });

  it('loads patients, documents, results with observations, medicines and appointments', () => {
    const docs = count(srv.dir, 'document');
    const r = run(['import', '--data', srv.dir, '--practice', ids.demo, ...small]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /import: 32 loaded, 0 already there, 0 refused/);
    assert.match(r.stdout, /Patient +4 loaded/);
    assert.match(r.stdout, /DocumentReference +8 loaded/);
    assert.match(r.stdout, /Observation +8 loaded/);
    assert.match(r.stdout, /DiagnosticReport +4 loaded/);
    assert.match(r.stdout, /MedicationRequest +4 loaded/);
    assert.match(r.stdout, /Appointment +4 loaded/);
    // Not a terminal here: plain progress lines, not a bar.
    assert.match(r.stderr, /^import: \d+ lines, 100% of \d+ bytes/m);
    assert.doesNotMatch(r.stderr, /\r/);
    assert.equal(count(srv.dir, 'document'), docs + 8);
    assert.equal(Number(sqlite(srv.dir, "SELECT count(*) FROM import_map WHERE rtype = 'Patient'")), 4);
    assert.match(run(['audit', 'verify', '--data', srv.dir]).stdout, /OK/);
  });

  it('a second run changes nothing and says so', () => {
    const before = ['patient', 'document', 'result', 'medication', 'appointment', 'slot', 'import_map'].map((t) => count(srv.dir, t));
    const r = run(['import', '--data', srv.dir, '--practice', ids.demo, ...small]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /import: 0 loaded, 32 already there, 0 refused/);
    assert.match(r.stdout, /Nothing changed/);
    const after = ['patient', 'document', 'result', 'medication', 'appointment', 'slot', 'import_map'].map((t) => count(srv.dir, t));
    assert.deepEqual(after, before);
  });

  it("the practice's clinician finds the patient, by NHI too; the other practice's does not", async () => {
    const pid = sqlite(srv.dir, "SELECT lower(hex(target_id)) FROM import_map WHERE rtype = 'Patient' ORDER BY created LIMIT 1");
    const clin = await login(srv, 'clinician1@demo.test');
    const page = await clin.get(`/patients/${pid}`);
    assert.equal(page.status, 200);
    const docs = await clin.fhir(`DocumentReference?patient=${pid}`);
    assert.equal(docs.status, 200);
    assert.equal(docs.json().entry.length, 2);
    const meds = await clin.fhir(`MedicationRequest?patient=${pid}`);
    assert.match(meds.text, /Metformin 500 mg tablet/);
    // Found by its NHI (the register's find, POST: no NHI in a URL) at this practice only.
    const nhiValue = (await clin.fhir(`Patient/${pid}`)).json().identifier.find((x) => /nhi-id/.test(x.system)).value;
    const find = (c) => c.post('/practice/patients/find', { body: new URLSearchParams({ csrf: c.csrf, nhi: nhiValue }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
    assert.equal((await find(clin)).headers.get('location'), `/patients/${pid}`);
    const other = await login(srv, 'otherclinician1@demo.test');
    assert.match((await find(other)).text, /No patient with that NHI number is enrolled at this practice/);
    assert.equal((await other.get(`/patients/${pid}`)).status, 404);
    assert.equal((await other.fhir(`DocumentReference?patient=${pid}`)).status, 404);
    // Every record is on the audit trail, attributed to the import.
    const n = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE patient = '${pid}' AND ip = 'import' AND outcome = 'allow'`));
    assert.ok(n >= 2 + 1 + 1 + 1, `audit records of the import: ${n}`);
  });

  it('invites the imported patients with an address, paced, once each', () => {
    const outbox = count(srv.dir, 'outbox');
    const t0 = Date.now();
    const r = run(['invite', '--data', srv.dir, '--practice', ids.demo, '--imported', '--per-minute', '600']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /invite: 4 invitations queued/);
    assert.ok(Date.now() - t0 >= 350, 'paced: 600 a minute is one each 100 ms');
    assert.equal(count(srv.dir, 'outbox'), outbox + 4);
    // Each to the imported patient whose record holds the address (sealed for them).
    assert.equal(Number(sqlite(srv.dir, "SELECT count(DISTINCT t.patient_id) FROM account_token t JOIN import_map m ON m.target_id = t.patient_id WHERE t.kind = 'invite' AND m.rtype = 'Patient'")), 4);
    const again = run(['invite', '--data', srv.dir, '--practice', ids.demo, '--imported']);
    assert.match(again.stdout, /invite: 0 invitations queued/);
    assert.equal(count(srv.dir, 'outbox'), outbox + 4);
    assert.equal(run(['invite', '--data', srv.dir, '--practice', ids.demo]).code, 2); /* --imported only */
  });

  it('an invited patient registers and their access log names the practice for what it imported', async () => {
    const { submit } = require('./account-helpers');
    const { queuedMails } = require('./outbox-helper');
    const mail = queuedMails(srv.dir, { subject: /invitation/ }).find((m) =>
      sqlite(srv.dir, `SELECT count(*) FROM import_map WHERE rtype = 'Patient' AND lower(hex(target_id)) = '${m.account}'`) === '1');
    assert.ok(mail, 'an invitation to an imported patient');
    const token = mail.body.match(/register\?token=([A-Za-z0-9_-]+)/)[1];
    const clin = await login(srv, 'clinician1@demo.test');
    const pat = (await clin.fhir(`Patient/${mail.account}`)).json();
    const nhiValue = pat.identifier.find((x) => /nhi-id/.test(x.system)).value;
    const i = Array.from({ length: 4 }, (_, k) => 50001 + k).find((k) => nhi(k * 7 % 1382400) === nhiValue);
    const email = `import${i}@example.test`;
    const r = await submit(new Client(srv.base), `/register?token=${token}`, '/register',
      { token, email, password: 'river-stone-lantern-9', birth_date: pat.birthDate });
    assert.match(r.text, /Your account is ready/);
    const me = new Client(srv.base);
    assert.equal((await me.login(email, 'river-stone-lantern-9')).status, 303);
    const log = await me.fhir(`AuditEvent?patient=${mail.account}`);
    assert.equal(log.status, 200);
    assert.match(log.text, /Demo Health Centre \(its records, imported into the portal\)/);
    assert.match(log.text, /The portal's operator \(a command-line tool\)/); // the enrolment
    assert.doesNotMatch(log.text, /Someone not signed in/);
  });

  it('refuses bad lines by number, without PHI, and loads the rest', () => {
    const f = path.join(tmp, 'bad.ndjson');
    const good = (id, n) => ({ resourceType: 'Patient', id, identifier: [{ system: 'https://standards.digital.health.nz/ns/nhi-id', value: n }],
      name: [{ family: 'Goodline', given: ['Ana'] }], gender: 'female', birthDate: '1980-02-03' });
    const badNhi = { ...good('b2', 'ZZZ0044'), name: [{ family: 'Secretname', given: ['Hidden'] }] };
    const lines = [
      JSON.stringify(good('b1', nhi(60001))),
      '{"resourceType": "Patient", "id": ',
      JSON.stringify(badNhi),
      JSON.stringify({ resourceType: 'DocumentReference', id: 'bd1', subject: { reference: 'Patient/nobody' },
        content: [{ attachment: { contentType: 'application/pdf', data: 'JVBERi0xLjQK' } }] }),
      JSON.stringify({ resourceType: 'Encounter', id: 'e1' }),
      JSON.stringify({ resourceType: 'DocumentReference', id: 'bd2', subject: { reference: 'Patient/b1' },
        content: [{ attachment: { contentType: 'application/pdf', url: 'https://pms.example/doc/1' } }] }),
      '',
      JSON.stringify(good('b3', nhi(60002))),
      // By the patient's NHI instead of a reference: found through the register.
      JSON.stringify({ resourceType: 'DocumentReference', id: 'bd3', description: 'By NHI',
        subject: { identifier: { system: 'https://standards.digital.health.nz/ns/nhi-id', value: nhi(60001) } },
        content: [{ attachment: { contentType: 'application/pdf', data: 'JVBERi0xLjQK' } }] }),
      JSON.stringify({ ...good('b4', nhi(60003)), telecom: [{ system: 'email', value: 'not an address' }] }),
    ];
    fs.writeFileSync(f, lines.join('\n') + '\n');
    const r = run(['import', '--data', srv.dir, '--practice', ids.demo, f]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not valid JSON`));
    assert.match(r.stderr, /bad\.ndjson:3: Patient\.identifier: no valid NHI/);
    assert.match(r.stderr, /bad\.ndjson:4: its patient is not imported/);
    assert.match(r.stderr, /bad\.ndjson:5: resourceType is missing or not one imported/);
    assert.match(r.stderr, /bad\.ndjson:6: DocumentReference content\[0\]\.attachment\.url is not supported/);
    assert.doesNotMatch(r.stderr, /:1:|:7:|:8:|:9:/);
    assert.doesNotMatch(r.stderr + r.stdout, /ZZZ0044|Secretname|Hidden|nobody|pms\.example|not an address/);
    assert.match(r.stdout, /import: 3 loaded, 0 already there, 6 refused/);
    assert.match(r.stderr, /bad\.ndjson:10: Patient\.telecom email is not a valid address/);
    assert.match(r.stdout, /DocumentReference +1 loaded, 0 already there, 2 refused/);
  });

  it('refuses a line over the length limit and goes on with the next', () => {
    const f = path.join(tmp, 'long.ndjson');
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3 << 20, 0x41), Buffer.from('\n%%EOF\n')]);
    fs.writeFileSync(f, `{"resourceType":"DocumentReference","id":"long1","pad":"${'A'.repeat(31 << 20)}"}\n` +
      JSON.stringify({ resourceType: 'DocumentReference', id: 'long2', subject: { reference: 'Patient/p50001' },
        description: 'A large letter', content: [{ attachment: { contentType: 'application/pdf', data: pdf.toString('base64') } }] }) + '\n');
    const r = run(['import', '--data', srv.dir, '--practice', ids.demo, f]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /long\.ndjson:1: line longer than the limit/);
    assert.match(r.stdout, /DocumentReference +1 loaded, 0 already there, 0 refused/);
    fs.rmSync(f);
  });

  it("a patient's eleventh upcoming visit is refused, and leaves no free slot behind", () => {
    const f = path.join(tmp, 'visits.ndjson');
    const t0 = Math.ceil(Date.now() / 3600000) * 3600000 + 5 * 86400000;
    fs.writeFileSync(f, Array.from({ length: 11 }, (_, k) => JSON.stringify({ resourceType: 'Appointment', id: `v${k}`,
      status: 'booked', start: new Date(t0 + k * 3600000).toISOString(), minutesDuration: 15,
      participant: [{ actor: { reference: 'Patient/p50001' } }] })).join('\n') + '\n');
    const slots = count(srv.dir, 'slot');
    const r = run(['import', '--data', srv.dir, '--practice', ids.demo, f]);
    assert.equal(r.code, 1);
    const loaded = Number(r.stdout.match(/Appointment +(\d+) loaded/)[1]);
    const refused = Number(r.stdout.match(/Appointment +\d+ loaded, 0 already there, (\d+) refused/)[1]);
    assert.equal(loaded + refused, 11);
    assert.ok(refused >= 1);
    assert.match(r.stderr, /visits\.ndjson:11: .*10 upcoming appointments/);
    assert.equal(count(srv.dir, 'slot'), slots + loaded);
  });

  it('an NHI enrolled at another practice is refused there', () => {
    const f = path.join(tmp, 'small', 'Patient.ndjson');
    const r = run(['import', '--data', srv.dir, '--practice', ids.other, f]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Patient\.ndjson:1: the NHI is enrolled at another practice/);
    assert.match(r.stdout, /Patient +0 loaded, 0 already there, 4 refused/);
  });

  it('finishes after kill -9 mid-run, with nothing twice', async () => {
    // Batches are of 2,000 lines (LIMIT_IMPORT_BATCH): 5,000 patients and their documents make
    // five of them.
    const files = gen(path.join(tmp, 'big'), ['--patients', '5000', '--docs', '1', '--first', '70001']);
    const patients = count(srv.dir, 'patient'), docs = count(srv.dir, 'document');
    const proc = spawn(BIN, ['import', '--data', srv.dir, '--practice', ids.demo, ...files],
      { env: { ...process.env, ...SAN_ENV }, stdio: 'ignore' });
    const exited = new Promise((r) => proc.on('exit', (code, sig) => r(sig || code)));
    // Kill it once a batch or two is committed, before the end.
    for (let i = 0; i < 600; i++) {
      const n = Number(sqlite(srv.dir, "SELECT count(*) FROM import_map WHERE rtype = 'Patient' AND created >= 0"));
      if (n > 4 + 2 + 2000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    const partial = count(srv.dir, 'patient') - patients;
    assert.ok(partial > 0 && partial < 5000, `partial import: ${partial} patients`);
    const r = run(['import', '--data', srv.dir, '--practice', ids.demo, ...files]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already there/);
    assert.equal(count(srv.dir, 'patient'), patients + 5000);
    assert.equal(count(srv.dir, 'document'), docs + 5000);
    assert.equal(Number(sqlite(srv.dir, 'SELECT count(*) FROM (SELECT patient_id FROM document GROUP BY patient_id, kind HAVING count(*) > 1 AND patient_id IN (SELECT patient_id FROM import_map)) AS dup')), 0);
    const again = run(['import', '--data', srv.dir, '--practice', ids.demo, ...files]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /import: 0 loaded, 10000 already there, 0 refused/);
    assert.match(run(['audit', 'verify', '--data', srv.dir]).stdout, /OK/);
  });
});
