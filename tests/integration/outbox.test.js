// Links at rest (issue 12, section 4): a queued email's body is sealed by the vault, bound to
// its outbox row and account, and dropped once sent; the database and a backup of it hold no
// live link. The mails are read here the way only the operator's tools can (outbox-helper.js).
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, Client, sqlite, run, totpSecret, PASSWORD } = require('./lib');
const { submit, login } = require('./account-helpers');
const { queuedMails } = require('./outbox-helper');

// Every file under dir, read as bytes.
function filesIn(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesIn(p));
    else out.push({ name: p, bytes: fs.readFileSync(p) });
  }
  return out;
}

describe('links at rest', () => {
  let srv; let backup;
  before(async () => { srv = await startServer({ patients: 2 }); });
  after(async () => {
    await srv.stop();
    if (backup) fs.rmSync(backup, { recursive: true, force: true });
  });

  it('a backup taken while a reset link and an invitation are pending holds neither token', async () => {
    const clin = await login(srv.base, srv.dir, 'clinician1@demo.test', PASSWORD, totpSecret(srv.dir, 'clinician1@demo.test'));
    const pid = (await clin.get('/patients')).text.match(/href="\/patients\/([0-9a-f]{32})"/)[1];
    // (an invitation goes only to the address the patient's record holds: no address typed)
    const inv = await submit(clin, `/patients/${pid}/invite`, `/patients/${pid}/invite`, {});
    assert.ok([200, 303].includes(inv.status), `invite: ${inv.status}`);
    const reset = await submit(new Client(srv.base), '/reset', '/reset', { email: 'patient1@demo.test' });
    assert.equal(reset.status, 200);

    // The operator's tool opens them: the links are there, and live.
    const mails = queuedMails(srv.dir);
    const tokenIn = (re) => {
      const m = mails.find((x) => re.test(x.subject));
      assert.ok(m, `a mail matching ${re} among: ${mails.map((x) => x.subject).join('; ')}`);
      const link = m.body.match(/https?:\/\/\S+[?&]token=([A-Za-z0-9_-]+)/);
      assert.ok(link, m.body);
      return { token: link[1], path: new URL(link[0]).pathname + new URL(link[0]).search };
    };
    const resetLink = tokenIn(/Reset your patient portal password/);
    const inviteLink = tokenIn(/invit/i);
    assert.equal((await new Client(srv.base).get(resetLink.path)).status, 200, 'the reset link is live');
    assert.equal((await new Client(srv.base).get(inviteLink.path)).status, 200, 'the invitation is live');

    // At rest: sealed, nothing in clear.
    assert.equal(sqlite(srv.dir, "SELECT count(*) FROM outbox WHERE sent IS NULL AND (body != '' OR body_ct IS NULL)"), '0');
    backup = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-outbox-backup-'));
    fs.rmSync(backup, { recursive: true });
    const b = run(['backup', '--data', srv.dir, '--out', backup]);
    assert.equal(b.code, 0, b.stderr);
    const files = filesIn(backup);
    assert.ok(files.some((f) => f.name.endsWith('medkeep.db')));
    for (const { token } of [resetLink, inviteLink]) {
      for (const f of files) assert.equal(f.bytes.indexOf(token), -1, `${path.basename(f.name)} holds a live token`);
      // nor does the live database (or its write-ahead log)
      for (const f of filesIn(srv.dir).filter((x) => /medkeep\.db/.test(x.name))) {
        assert.equal(f.bytes.indexOf(token), -1, `${path.basename(f.name)} holds a live token`);
      }
    }
    for (const f of files) assert.equal(f.bytes.indexOf('token='), -1, `${path.basename(f.name)} holds a link`);
  });

  it('a sealed body moved onto another row or account does not open', async () => {
    const rows = queuedMails(srv.dir);
    assert.ok(rows.length >= 2);
    const [a, b] = rows;
    sqlite(srv.dir, `UPDATE outbox SET body_ct = (SELECT body_ct FROM outbox WHERE id = x'${a.id}') WHERE id = x'${b.id}'`);
    const after1 = queuedMails(srv.dir);
    assert.equal(after1.find((m) => m.id === a.id).body, a.body);
    assert.equal(after1.find((m) => m.id === b.id).body, null, 'another row: does not open');
  });
});
