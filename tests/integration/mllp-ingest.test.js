// The MLLP listener with ingestion, end to end (docs/internals/FEEDS.md): a registered feed's
// ADT^A04 is accepted (AA) once its effects are durable, and the same message again (same feed,
// same MSH-10) is acknowledged as the first time; the patient it registered is found by FHIR
// search on the NHI by that practice's clinician and by no one else's; a laboratory's ORU^R01
// sent by an independent client (node-hl7-client) files a result the clinician sees, held from
// the patient; two senders racing to register the same new patient leave one patient; and
// `incident report --system` lists what the feed wrote.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Client, freePort, run, startServer } = require('./lib');
const { adtA04, assertAckOf, Mllp, sendWithHl7Client } = require('./mllp_lib');

describe('MLLP listener and ingestion', () => {
  let srv; let mport; let feed; let clin; let other;
  const NHI_SYSTEM = 'https://standards.digital.health.nz/ns/nhi-id';
  const byNhi = async (c, nhi) => {
    const r = await c.fhir(`Patient?identifier=${encodeURIComponent(`${NHI_SYSTEM}|${nhi}`)}`);
    assert.equal(r.status, 200, r.text);
    return (JSON.parse(r.text).entry || []).map((e) => e.resource);
  };
  before(async () => {
    mport = await freePort();
    srv = await startServer({ patients: 1, extraArgs: ['--mllp', `127.0.0.1:${mport}`] });
    for (let i = 0; i < 50 && !/component=mllp event=listening/.test(srv.logs()); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = run(['practices', 'list', '--data', srv.dir]);
    assert.equal(r.code, 0, r.stderr);
    const practice = r.stdout.trim().split('\n')[0].split('\t')[0];
    const f = run(['feeds', 'add', '--data', srv.dir, '--practice', practice, '--name', 'Demo PMS',
      '--facility', 'DEMOPMS']);
    assert.equal(f.code, 0, f.stderr);
    feed = f.stdout.trim();
    clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
    other = new Client(srv.base);
    await other.login('otherclinician1@demo.test');
  });
  after(async () => { await srv.stop(); });

  it('accepts an ADT^A04 from an independent sender (AA), and the same message again (AA)', async () => {
    const text = adtA04({ facility: 'DEMOPMS', control: 'ING0001', nhi: 'ZAA0067' });
    const first = assertAckOf(await sendWithHl7Client(mport, text), { control: 'ING0001', facility: 'DEMOPMS' });
    assert.equal(first.msa[1], 'AA', first.msa.join('|'));
    const c = await Mllp.plain(mport);
    const again = assertAckOf(await c.exchange(text), { control: 'ING0001', facility: 'DEMOPMS' });
    assert.equal(again.msa[1], 'AA');
    c.end();
  });

  it('registers the patient for the practice that sent it: found by NHI by its clinician only', async () => {
    const found = await byNhi(clin, 'ZAA0067');
    assert.equal(found.length, 1);
    assert.equal(found[0].identifier.find((i) => i.system === NHI_SYSTEM).value, 'ZAA0067');
    assert.deepEqual(await byNhi(other, 'ZAA0067'), []);
  });

  it('files a laboratory\'s ORU^R01 from an independent sender: the clinician sees it, held', async () => {
    const oru = [
      'MSH|^~\\&|DELPHIC|DEMOPMS|MEDKEEP|DEMO HEALTH|20261204073000+1300||ORU^R01|LAB0001|P|2.4|||AL|NE',
      'PID|1||ZAA0067^^^NHI^NHI||Tawhiri^Moana||19870523|F',
      'OBR|1||26-0001-CH^PATHLAB|RENAL^Renal function^L|||20261203101500+1300||||||||||||||||20261204070000+1300|||F',
      'OBX|1|NM|2160-0^Creatinine^LN||85|umol/L|60-110|N|||F',
      'OBX|2|SN|33914-3^eGFR^LN||>^90|mL/min/1.73m2|>60|N|||F',
      'OBX|3|NM|2823-3^Potassium^LN||5.9|mmol/L|3.5-5.2|H|||F',
    ].join('\r');
    const ack = await sendWithHl7Client(mport, oru);
    assert.match(ack, /MSA\|AA\|LAB0001/);
    const pid = (await byNhi(clin, 'ZAA0067'))[0].id;
    const r = await clin.fhir(`DiagnosticReport?patient=${pid}`);
    assert.equal(r.status, 200, r.text);
    const reports = (JSON.parse(r.text).entry || []).map((e) => e.resource);
    assert.equal(reports.length, 1, r.text);
    const obs = await clin.fhir(`Observation?patient=${pid}`);
    const values = (JSON.parse(obs.text).entry || []).map((e) => e.resource.code.coding[0].code).sort();
    assert.deepEqual(values, ['2160-0', '2823-3', '33914-3']);
  });

  it('leaves one patient when two senders race to register the same new NHI', async () => {
    const a = await Mllp.plain(mport);
    const b = await Mllp.plain(mport);
    const [ra, rb] = await Promise.all([
      a.exchange(adtA04({ facility: 'DEMOPMS', control: 'RACE-A', nhi: 'ZAB0020' })),
      b.exchange(adtA04({ facility: 'DEMOPMS', control: 'RACE-B', nhi: 'ZAB0020' })),
    ]);
    a.end(); b.end();
    assert.equal(assertAckOf(ra, { control: 'RACE-A', facility: 'DEMOPMS' }).msa[1], 'AA');
    assert.equal(assertAckOf(rb, { control: 'RACE-B', facility: 'DEMOPMS' }).msa[1], 'AA');
    assert.equal((await byNhi(clin, 'ZAB0020')).length, 1);
  });

  it('lists what the feed wrote in the incident report filtered by the feed', async () => {
    const pid = (await byNhi(clin, 'ZAA0067'))[0].id;
    const rep = run(['incident', 'report', '--data', srv.dir, '--system', feed, '--format', 'json']);
    assert.equal(rep.code, 0, rep.stderr);
    assert.ok(rep.stdout.includes(pid), rep.stdout.slice(0, 1500));
    assert.match(JSON.parse(rep.stdout).filter, /Demo PMS/);
  });
});
