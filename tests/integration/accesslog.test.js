// "Who has seen my record": the patient's own access log, from the audit trail, as a page and
// as FHIR AuditEvent; only the patient reads it, and reading it is audited but not flooding.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client, randomId, sqlite } = require('./lib');
const { assertValidFhir } = require('./fhir-validate');

function shape(r) {
  return { status: r.status, type: r.headers.get('content-type'), body: r.text.replace(/name="csrf" value="[^"]+"/g, '') };
}

describe('who has seen my record', () => {
  let srv; let p1; let p2; let clin; let other; let doc;
  before(async () => {
    srv = await startServer({ patients: 2 });
    p1 = new Client(srv.base); await p1.login('patient1@demo.test');
    p2 = new Client(srv.base); await p2.login('patient2@demo.test');
    clin = new Client(srv.base); await clin.login('clinician1@demo.test');
    other = new Client(srv.base); await other.login('otherclinician1@demo.test');
    doc = (await p1.fhir(`DocumentReference?patient=${p1.session.patient}`)).json().entry[0].resource.id;
  });
  after(async () => { await srv.stop(); });

  it('shows a clinician\'s read of the patient\'s document, with role and practice, newest first', async () => {
    assert.equal((await clin.get(`/documents/${doc}/download`)).status, 200);
    // another practice's clinician is refused: shown as refused, as staff of that practice
    assert.equal((await other.get(`/documents/${doc}`)).status, 404);
    const page = await p1.get('/access-log');
    assert.equal(page.status, 200);
    const rows = [...page.text.matchAll(/<tr(?: class="flag")?><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><td>(.*?)<\/td><\/tr>/g)].map((m) => m.slice(1));
    assert.ok(rows.length > 3);
    const refused = rows.findIndex((r) => r[1] === 'A clinician at Harbourview Family Practice');
    const read = rows.findIndex((r) => r[1] === 'A clinician at Demo Health Centre' && r[3] === 'Downloaded a document');
    assert.ok(read >= 0, JSON.stringify(rows.slice(0, 6)));
    assert.equal(rows[read][2], 'Staff');
    assert.ok(refused >= 0 && refused < read, 'newest first');
    assert.equal(rows[refused][2], 'Other');
    assert.match(rows[refused][3], /\(refused\)/);
    assert.ok(rows.some((r) => r[1] === 'You'));
    // no one's name, email or address in the log
    assert.doesNotMatch(page.text, /@demo\.test|127\.0\.0\.1/);
  });

  it('folds the patient\'s own views of the log into one line, and can hide their own activity', async () => {
    await p1.get('/access-log');
    await p1.get('/access-log');
    const page = await p1.get('/access-log');
    const own = [...page.text.matchAll(/Looked at this access log( \((\d+) times\))?/g)];
    assert.equal(own.length, 1);
    assert.ok(Number(own[0][2]) >= 3);
    const others = await p1.get('/access-log?others=1');
    assert.doesNotMatch(others.text, /<td>You<\/td>/);
    assert.match(others.text, /A clinician at Demo Health Centre/);
    // each view is audited all the same
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'accesslog.read' AND outcome = 'allow' AND patient = '${p1.session.patient}'`)) >= 4);
  });

  it('is for the patient alone: clinicians, other patients, admin, operator and unknown ids get the same 404', async () => {
    const admin = new Client(srv.base); await admin.login('admin1@demo.test');
    const op = new Client(srv.base); await op.login('operator@demo.test');
    for (const c of [p2, clin, other, admin, op]) {
      const r = await c.fhir(`AuditEvent?patient=${p1.session.patient}`);
      assert.equal(r.status, 404);
      assert.deepEqual(shape(r), shape(await c.fhir(`AuditEvent?patient=${randomId()}`)));
    }
    // a clinician has no access-log page
    assert.equal((await clin.get('/access-log')).status, 303);
    assert.ok(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE action = 'accesslog.read' AND outcome = 'deny' AND patient = '${p1.session.patient}'`)) >= 5);
  });

  it('as FHIR AuditEvent: validates, names the clinician by role and practice only', async () => {
    const r = await p1.fhir(`AuditEvent?patient=${p1.session.patient}`);
    assert.equal(r.status, 200);
    const b = r.json();
    assertValidFhir(b);
    const read = b.entry.map((e) => e.resource).find((e) => e.entity.some((x) => x.what.reference === `Binary/${doc}`));
    assert.ok(read, 'the download is there');
    assertValidFhir(read);
    assert.equal(read.agent[0].who.display, 'A clinician at Demo Health Centre');
    assert.equal(read.agent[0].role[0].text, 'Clinician');
    assert.equal(read.outcome, '0');
    assert.equal(read.action, 'R');
    const times = b.entry.map((e) => Date.parse(e.resource.recorded));
    assert.deepEqual(times, [...times].sort((x, y) => y - x), 'newest first');
    assert.equal((await p1.fhir(`AuditEvent?patient=${p1.session.patient}&actor=x`)).status, 400);
  });

  it('pages through a long log', async () => {
    for (let i = 0; i < 210; i++) await p1.fhir(`Patient/${p1.session.patient}`);
    const first = await p1.get('/access-log');
    const next = first.text.match(/href="\/access-log\?before=(\d+)">Older entries/);
    assert.ok(next);
    const older = await p1.get(`/access-log?before=${next[1]}`);
    assert.equal(older.status, 200);
    assert.match(older.text, /<table class="list">/);
    assert.equal((await p1.get('/access-log?before=abc')).status, 400);
  });
});
