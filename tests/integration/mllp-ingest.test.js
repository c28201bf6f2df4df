// The MLLP listener with ingestion (src/ingest): a registered feed's ADT^A04 is accepted (AA)
// once its effects are durable, and the same message again (same feed, same MSH-10) is
// acknowledged as the first time. Needs the real ingest_hl7 (branch `ingest`): on branch
// `mllp` alone, src/ingest/ingest_pending.c answers every message AR, so this file is kept out
// of that branch's runs and enabled at the merge.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { freePort, run, startServer } = require('./lib');
const { adtA04, assertAckOf, Mllp, sendWithHl7Client } = require('./mllp_lib');

describe('MLLP listener and ingestion', () => {
  let srv; let mport;
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
});
