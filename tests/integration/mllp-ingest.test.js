// The MLLP listener with ingestion, end to end (docs/internals/FEEDS.md): a registered feed's
// ADT^A04 is accepted (AA) once its effects are durable, and the same message again (same feed,
// same MSH-10) is acknowledged as the first time; the patient it registered is found by FHIR
// search on the NHI by that practice's clinician and by no one else's; a laboratory's ORU^R01
// sent by an independent client (node-hl7-client) files a result the clinician sees, held from
// the patient; two senders racing to register the same new patient leave one patient;
// `incident report --system` lists what the feed wrote; a burst on several connections at once
// (applied in batches, FEEDS.md "Batches") files each result once, a duplicate in the burst
// changes nothing and a bad message in it is refused alone; and (chaos build) a listener that
// dies between a batch's commit and its ACKs files nothing twice when the sender resends.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { CHAOS_BIN, Client, freePort, run, startServer } = require('./lib');
const { adtA04, assertAckOf, Mllp, sendWithHl7Client } = require('./mllp_lib');

// An ORU^R01 from the DEMOPMS feed: one report (accession acc) with one sodium value (a text
// that is not a number makes it an AE).
function oruOf({ control, acc, nhi = 'ZAA0067', value = '140' }) {
  return [
    `MSH|^~\\&|DELPHIC|DEMOPMS|MEDKEEP|PORTAL|20261206073000+1300||ORU^R01|${control}|P|2.4|||AL|NE`,
    `PID|1||${nhi}^^^NHI^NHI||Tawhiri^Moana||19870523|F`,
    `OBR|1||${acc}^PATHLAB|NA^Sodium^L|||20261205101500+1300||||||||||||||||20261206070000+1300|||F`,
    `OBX|1|NM|2951-2^Sodium^LN||${value}|mmol/L|135-145|N|||F`,
  ].join('\r');
}

// The sodium values filed for the patient, as the clinician sees them (sorted, repeats kept):
// each message of a burst carries a value of its own, so a value twice is a message filed twice.
async function sodiumOf(c, pid) {
  const r = await c.fhir(`Observation?patient=${pid}`);
  assert.equal(r.status, 200, r.text);
  return (JSON.parse(r.text).entry || []).map((e) => e.resource)
    .filter((o) => o.code.coding[0].code === '2951-2').map((o) => o.valueQuantity.value).sort((a, b) => a - b);
}

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
    // The performing laboratory is the ORU's sending facility (MSH-4), contained and referenced
    // from performer on the report and on every Observation (IPS requires it; PROFILES.md).
    for (const res of [...reports, ...(JSON.parse(obs.text).entry || []).map((e) => e.resource)]) {
      assert.deepEqual(res.performer, [{ reference: '#lab', type: 'Organization', display: 'DEMOPMS' }]);
      assert.deepEqual(res.contained, [{ resourceType: 'Organization', id: 'lab', name: 'DEMOPMS' }]);
    }
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

  it('files an ORU^R01 of two patients whole, each report to its own patient; with one unknown patient, nothing (AE 204 naming that PID)', async () => {
    const group = (nhi, acc, value) => [
      `PID|1||${nhi}^^^NHI^NHI||Tawhiri^Moana||19870523|F`,
      `OBR|1||${acc}^PATHLAB|HBA1C^HbA1c^L|||20261203101500+1300||||||||||||||||20261204070000+1300|||F`,
      `OBX|1|NM|4548-4^HbA1c^LN||${value}|mmol/mol|20-40|H|||F`,
    ];
    const msg = (control, groups) => [
      `MSH|^~\\&|DELPHIC|DEMOPMS|MEDKEEP|DEMO HEALTH|20261204073000+1300||ORU^R01|${control}|P|2.4|||AL|NE`,
      ...groups.flat(),
    ].join('\r');
    const a1c = async (pid) => {
      const obs = await clin.fhir(`Observation?patient=${pid}&code=http://loinc.org|4548-4`);
      assert.equal(obs.status, 200, obs.text);
      return (JSON.parse(obs.text).entry || []).map((e) => e.resource.valueQuantity.value).sort();
    };
    const [p1] = await byNhi(clin, 'ZAA0067');
    const [p2] = await byNhi(clin, 'ZAB0020');
    const before = [await a1c(p1.id), await a1c(p2.id)];
    // One unknown patient: nothing of the message is filed, and the answer names its PID (the 3rd segment of the 2nd group).
    const conn = await Mllp.plain(mport);
    const bad = await conn.exchange(msg('LAB-MULTI-0', [group('ZAA0067', '26-0100-CH', 51), group('ZAM1110', '26-0101-CH', 52)]));
    assert.match(bad, /MSA\|AE\|LAB-MULTI-0/);
    assert.match(bad, /ERR\|PID\^2\^3\^204/);
    assert.deepEqual([await a1c(p1.id), await a1c(p2.id)], before);
    const ok = await conn.exchange(msg('LAB-MULTI-1', [group('ZAA0067', '26-0102-CH', 53), group('ZAB0020', '26-0103-CH', 54)]));
    conn.end();
    assert.match(ok, /MSA\|AA\|LAB-MULTI-1/);
    assert.deepEqual(await a1c(p1.id), [...before[0], 53].sort());
    assert.deepEqual(await a1c(p2.id), [...before[1], 54].sort());
  });

  it('applies a burst on several connections at once: each result filed once, a duplicate in the burst changes nothing, a bad message alone refused', async () => {
    const pid = (await byNhi(clin, 'ZAA0067'))[0].id;
    const before = await sodiumOf(clin, pid);
    const conns = await Promise.all([0, 1, 2, 3].map(() => Mllp.plain(mport)));
    // Each connection sends its messages one after another (MLLP: each waits for its ACK);
    // the connections run at once. BURST-DUP goes on two connections at the same moment.
    const plan = conns.map((_, k) => [0, 1, 2, 3, 4].map((i) => ({ control: `BURST-${k}-${i}`, acc: `26-BU-${k}-${i}`, value: String(100 + k * 5 + i) })));
    plan[0][0] = { control: 'BURST-DUP', acc: '26-BU-DUP', value: '150' };
    plan[1][0] = { control: 'BURST-DUP', acc: '26-BU-DUP', value: '150' };
    plan[2][0] = { control: 'BURST-BAD', acc: '26-BU-BAD', value: 'high' };
    const [acks, hl7Ack] = await Promise.all([
      Promise.all(conns.map(async (c, k) => {
        const got = [];
        for (const m of plan[k]) got.push([m, await c.exchange(oruOf(m))]);
        return got;
      })),
      // and an independent client's message in the middle of it all
      sendWithHl7Client(mport, oruOf({ control: 'BURST-HL7', acc: '26-BU-HL7', value: '151' })),
    ]);
    conns.forEach((c) => c.end());
    assert.match(hl7Ack, /MSA\|AA\|BURST-HL7/);
    for (const [m, ack] of acks.flat()) {
      const msa = assertAckOf(ack, { control: m.control, facility: 'DEMOPMS', app: 'DELPHIC', event: 'R01' }).msa;
      assert.equal(msa[1], m.control === 'BURST-BAD' ? 'AE' : 'AA', `${m.control}: ${msa.join('|')}`);
    }
    const filed = (await sodiumOf(clin, pid)).filter((v) => !before.includes(v));
    const expected = [...new Set(plan.flat().filter((m) => m.control !== 'BURST-BAD').map((m) => Number(m.value)))];
    expected.push(151);
    assert.deepEqual(filed, expected.sort((a, b) => a - b));
    const v = run(['audit', 'verify', '--data', srv.dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout + v.stderr, /chain intact/);
  });

  it('lists what the feed wrote in the incident report filtered by the feed', async () => {
    const pid = (await byNhi(clin, 'ZAA0067'))[0].id;
    const rep = run(['incident', 'report', '--data', srv.dir, '--system', feed, '--format', 'json']);
    assert.equal(rep.code, 0, rep.stderr);
    assert.ok(rep.stdout.includes(pid), rep.stdout.slice(0, 1500));
    assert.match(JSON.parse(rep.stdout).filter, /Demo PMS/);
  });
});

describe('MLLP listener killed between a batch\'s commit and its ACKs (chaos build, MEDKEEP_FAULT=mllp_crash_after_commit)', () => {
  let srv; let mport; let clin;
  before(async () => {
    mport = await freePort();
    srv = await startServer({ patients: 1, bin: CHAOS_BIN, env: { MEDKEEP_FAULT: 'mllp_crash_after_commit' },
      extraArgs: ['--mllp', `127.0.0.1:${mport}`] });
    for (let i = 0; i < 50 && !/component=mllp event=listening/.test(srv.logs()); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const practice = run(['practices', 'list', '--data', srv.dir]).stdout.trim().split('\n')[0].split('\t')[0];
    assert.equal(run(['feeds', 'add', '--data', srv.dir, '--practice', practice, '--name', 'Demo PMS',
      '--facility', 'DEMOPMS']).code, 0);
    clin = new Client(srv.base);
    await clin.login('clinician1@demo.test');
  });
  after(async () => { await srv.stop(); });

  it('acknowledges the resend as the first time and files the result once', async () => {
    const a = await Mllp.plain(mport);
    assert.equal(assertAckOf(await a.exchange(adtA04({ facility: 'DEMOPMS', control: 'CR-ADT', nhi: 'ZAA0067' })),
      { control: 'CR-ADT', facility: 'DEMOPMS' }).msa[1], 'AA');
    // Committed, then the listener dies before the ACK: the sender sees the connection close.
    assert.equal(await a.exchange(oruOf({ control: 'CRASH-1', acc: '26-CR-1', value: '155' })), null);
    for (let i = 0; i < 100 && (srv.logs().match(/component=mllp event=listening/g) || []).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(srv.logs(), /event=mllp-exited status=\d+ restarting=1/);
    // The batch was committed before the listener died: the result is there, unacknowledged.
    const pid = (await clin.fhir(`Patient?identifier=${encodeURIComponent('https://standards.digital.health.nz/ns/nhi-id|ZAA0067')}`));
    const id = JSON.parse(pid.text).entry[0].resource.id;
    assert.deepEqual(await sodiumOf(clin, id), [155]);
    const b = await Mllp.plain(mport);
    const again = assertAckOf(await b.exchange(oruOf({ control: 'CRASH-1', acc: '26-CR-1', value: '155' })),
      { control: 'CRASH-1', facility: 'DEMOPMS', app: 'DELPHIC', event: 'R01' });
    b.end();
    assert.equal(again.msa[1], 'AA', again.msa.join('|'));
    assert.deepEqual(await sodiumOf(clin, id), [155]);
    const v = run(['audit', 'verify', '--data', srv.dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
