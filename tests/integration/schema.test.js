'use strict';
// Schema versions (docs/internals/STORE.md, "Schema versions"): a data directory, or a
// PostgreSQL database, made by this release is brought forward by a later one and refused by
// an earlier one. The later release is build/medkeep-chaos with MEDKEEP_FAULT=schema_probe,
// which has one migration step more than build/medkeep; on PostgreSQL that step is SQLite's,
// translated at run time (BLOB bytea, INTEGER bigint, an explicit rowid).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { run, sqlite, pgUrl, pgStore, CHAOS_BIN, PASSWORD } = require('./lib');

const LATER = { env: { ...process.env, MEDKEEP_FAULT: 'schema_probe' } };

function columns(dir, table) {
  if (pgUrl(dir)) {
    return sqlite(dir, `SELECT column_name || ' ' || data_type FROM information_schema.columns
      WHERE table_schema = 'medkeep_main' AND table_name = '${table}' ORDER BY column_name`).split('\n');
  }
  return sqlite(dir, `SELECT name || ' ' || type FROM pragma_table_info('${table}') ORDER BY name`).split('\n');
}

test('a later release migrates the records forward, keeps them, and this release then refuses them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-schema-'));
  fs.rmSync(dir, { recursive: true });
  pgStore(dir);
  const demo = run(['demo', '--data', dir, '--patients', '2', '--password', PASSWORD]);
  assert.strictEqual(demo.code, 0, demo.stderr);
  const version = Number(sqlite(dir, 'SELECT version FROM schema_version'));
  const before = run(['practices', 'list', '--data', dir]);
  assert.strictEqual(before.code, 0, before.stderr);
  assert.match(before.stdout, /^[0-9a-f]{32}\t/);
  const patients = sqlite(dir, 'SELECT count(*) FROM patient');

  const later = run(['practices', 'list', '--data', dir], LATER, CHAOS_BIN);
  assert.strictEqual(later.code, 0, later.stderr);
  assert.strictEqual(later.stdout, before.stdout, 'the records are the same after the migration');
  assert.strictEqual(Number(sqlite(dir, 'SELECT version FROM schema_version')), version + 1);
  assert.strictEqual(sqlite(dir, 'SELECT count(*) FROM patient'), patients);
  if (pgUrl(dir)) {
    assert.match(later.stderr, /event=migrated schema=medkeep_main version=\d+/);
    assert.deepStrictEqual(columns(dir, 'schema_probe'),
      ['id bytea', 'n bigint', 'note text', 'rowid bigint']);
    assert.ok(columns(dir, 'outbox').includes('probe bytea'));
  } else {
    assert.deepStrictEqual(columns(dir, 'schema_probe'), ['id BLOB', 'n INTEGER', 'note TEXT']);
    assert.ok(columns(dir, 'outbox').includes('probe BLOB'));
  }
  // the new table works like any other
  sqlite(dir, "INSERT INTO schema_probe (id, n, note) VALUES (X'00112233445566778899aabbccddeeff', 7, 'x')");
  assert.strictEqual(sqlite(dir, 'SELECT n FROM schema_probe'), '7');

  // opened again by the later release: nothing to do
  const again = run(['practices', 'list', '--data', dir], LATER, CHAOS_BIN);
  assert.strictEqual(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /event=migrated/);
  // this release refuses a schema newer than itself, and changes nothing
  const older = run(['practices', 'list', '--data', dir]);
  assert.notStrictEqual(older.code, 0);
  assert.match(older.stderr, /newer than this binary/);
  assert.strictEqual(Number(sqlite(dir, 'SELECT version FROM schema_version')), version + 1);
});

test('PostgreSQL: unixepoch() truncates as SQLite\'s does, and a database made with the rounding one is corrected on open', { skip: !process.env.MEDKEEP_TEST_PG && 'PostgreSQL only' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-schema-'));
  fs.rmSync(dir, { recursive: true });
  pgStore(dir);
  const init = run(['init', '--data', dir]);
  assert.strictEqual(init.code, 0, init.stderr);
  // Half a second into a second, the rounding cast says the next second; floor says this one.
  assert.strictEqual(sqlite(dir, "SELECT unixepoch() = floor(extract(epoch FROM now()))::bigint"), '1');
  const body = () => sqlite(dir, `SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'medkeep_main' AND p.proname = 'unixepoch'`);
  const corrected = body();
  assert.match(corrected, /floor/);
  // The first PostgreSQL release made it with a rounding cast: an expired OAuth code was then
  // accepted in half the seconds (apps.test.js).
  sqlite(dir, "CREATE OR REPLACE FUNCTION medkeep_main.unixepoch() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT extract(epoch FROM now())::bigint'");
  const opened = run(['practices', 'list', '--data', dir]);
  assert.strictEqual(opened.code, 0, opened.stderr);
  assert.match(opened.stderr, /event=compat_updated schema=medkeep_main function=unixepoch/);
  assert.strictEqual(body(), corrected);
  const again = run(['practices', 'list', '--data', dir]);
  assert.doesNotMatch(again.stderr, /compat_updated/);
});
