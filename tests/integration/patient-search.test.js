// Finding a patient by name and birth date in a practice of 2,000 (the register made by
// `medkeep import` from bench/import_gen.js's invented people): whole words in any order,
// capitals and macrons folded, a birth date alone or with the name, paged a hundred at a
// time with the words posted again (never in a URL), only the practice's own patients, and
// only staff. Against the real binary over HTTP.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client, run, sqlite, startServer, storeBytes } = require('./lib');

const GEN = path.join(__dirname, '..', '..', 'bench', 'import_gen.js');
const PATIENTS = 2000;
// The generator's people (bench/import_gen.js): patient i's family name, given name and birth date.
const GIVEN = ['Aroha', 'Mere', 'Tama', 'Wiremu', 'Hine', 'Ngaio', 'Rangi', 'Kiri', 'Mia', 'Liam',
  'Noah', 'Isla', 'Oliver', 'Amelia', 'Jack', 'Sione', 'Losa', 'Priya', 'Mei', 'Finn'];
const FAMILY = ['Te Awa', 'Kereama', 'Ngata', 'Parata', 'Walker', 'Thompson', 'Wilson', 'Singh',
  'Patel', 'Chen', 'Wong', 'Tuilagi', 'Fonoti', 'Rewi', 'Hohaia', 'Campbell', 'Latu', 'Morgan'];
const person = (i) => ({ family: FAMILY[(i * 13) % FAMILY.length], given: GIVEN[(i * 7) % GIVEN.length],
  born: `${1940 + (i * 37) % 80}-${String(1 + (i * 5) % 12).padStart(2, '0')}-${String(1 + (i * 11) % 28).padStart(2, '0')}` });
const people = Array.from({ length: PATIENTS }, (_, k) => person(k + 1));
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('finding a patient by name and birth date', () => {
  let srv; let tmp; let clin; let demo;
  const search = (c, fields) => c.post('/patients/search', { body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });
  // The rows of a result page: "Family, Given" and the birth date as shown.
  const rows = (html) => [...html.matchAll(/<tr><td><a href="\/patients\/([0-9a-f]{32})">([^<]*)<\/a><\/td><td>([^<]*)<\/td>/g)].map((m) => ({ id: m[1], name: m[2], nhi: m[3] }));
  async function all(c, fields) {
    const out = [];
    for (let page = 1; page < 50; page++) {
      const r = await search(c, { ...fields, page: String(page) });
      assert.equal(r.status, 200, r.text.slice(0, 400));
      out.push(...rows(r.text));
      if (!/rel="next"/.test(r.text)) return { out, pages: page };
    }
    throw new Error('no last page');
  }

  before(async () => {
    srv = await startServer({ patients: 2 });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-psearch-'));
    const g = spawnSync(process.execPath, [GEN, '--out', tmp, '--patients', String(PATIENTS), '--docs', '0'], { encoding: 'utf8' });
    assert.equal(g.status, 0, g.stderr);
    demo = run(['practices', 'list', '--data', srv.dir]).stdout.split('\n').find((l) => l.endsWith('\tDemo Health Centre')).split('\t')[0];
    const r = run(['import', '--data', srv.dir, '--practice', demo, path.join(tmp, 'Patient.ndjson')]);
    assert.equal(r.code, 0, r.stderr);
    clin = new Client(srv.base);
    assert.equal((await clin.login('clinician1@demo.test')).status, 303);
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('finds every patient of a family name, a hundred to a page, the words posted again for the next page', async () => {
    const want = people.filter((p) => p.family === 'Ngata').length;
    assert.ok(want > 100, `more than a page: ${want}`);
    const first = await search(clin, { name: 'Ngata' });
    assert.equal(first.status, 200);
    assert.equal(rows(first.text).length, 100);
    assert.match(first.text, /<button type="submit" rel="next">Next page<\/button>/);
    assert.match(first.text, /<input type="hidden" name="name" value="Ngata">/);
    const { out, pages } = await all(clin, { name: 'Ngata' });
    assert.equal(pages, 2);
    assert.equal(out.length, want);
    assert.equal(new Set(out.map((r) => r.id)).size, want, 'no patient twice');
    assert.ok(out.every((r) => r.name.startsWith('Ngata, ')), out.map((r) => r.name).join(';').slice(0, 300));
  });

  it('takes the words in any order, in any case, with macrons, apostrophes and two-word names', async () => {
    const want = people.filter((p) => p.family === 'Te Awa' && p.given === 'Aroha').length;
    assert.ok(want > 0);
    for (const name of ['aroha te awa', 'TE AWA Aroha', 'Te-Awa, Ārohā', 'Te A\'wa Aroha']) {
      const { out } = await all(clin, { name });
      assert.equal(out.length, want, name);
      assert.ok(out.every((r) => r.name === 'Te Awa, Aroha'), name);
    }
    assert.equal((await all(clin, { name: 'Te Aw' })).out.length, 0, 'whole words only');
  });

  it('finds by birth date alone, and by name and birth date together', async () => {
    const p = people[1234];
    const sameDay = people.filter((q) => q.born === p.born);
    const { out } = await all(clin, { born: p.born });
    assert.equal(out.length, sameDay.length);
    const both = people.filter((q) => q.born === p.born && q.family === p.family).length;
    assert.equal((await all(clin, { name: p.family, born: p.born })).out.length, both);
    assert.equal((await all(clin, { name: p.family, born: '1901-01-01' })).out.length, 0);
    const none = await search(clin, { name: '  ,  ', born: '' });
    assert.equal(none.status, 400);
    assert.match(none.text, /Give a word of the name, a real birth date, or both/);
    assert.equal((await search(clin, { name: 'Ngata', born: '2026-02-30' })).status, 400);
  });

  it('keeps the words out of URLs, logs and the database', async () => {
    const r = await search(clin, { name: 'Kereama' });
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.text, /action="[^"]*Kereama/);
    assert.doesNotMatch(srv.logs(), /Kereama/);
    const db = storeBytes(srv.dir);
    assert.equal(db.includes('Kereama'), false);
    assert.equal(db.includes('kereama'), false);
    assert.ok(Number(sqlite(srv.dir, 'SELECT count(*) FROM patient_term')) >= PATIENTS * 3);
  });

  it('finds only the practice\'s own patients, and only for its staff', async () => {
    const other = new Client(srv.base);
    assert.equal((await other.login('otherclinician1@demo.test')).status, 303);
    const theirs = await search(other, { name: 'Ngata' });
    assert.equal(theirs.status, 200);
    assert.equal(rows(theirs.text).length, 0);
    assert.match(theirs.text, /No patient of this practice matches/);
    const admin = new Client(srv.base);
    assert.equal((await admin.login('admin1@demo.test')).status, 303);
    assert.equal((await all(admin, { name: 'Walker' })).out.length, people.filter((p) => p.family === 'Walker').length);
    const patient = new Client(srv.base);
    assert.equal((await patient.login('patient1@demo.test')).status, 303);
    assert.equal((await search(patient, { name: 'Ngata' })).status, 404);
    assert.equal((await clin.post('/patients/search', { body: 'name=Ngata', headers: FORM, csrf: false })).status, 403);
    // Each patient shown is read through the gate: one audit record per patient on the page.
    const before = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${clin.session.account}' AND action = 'patient.read'`));
    const page = await search(clin, { name: 'Latu Mia' });
    const shown = rows(page.text).length;
    assert.ok(shown > 0);
    const after = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${clin.session.account}' AND action = 'patient.read'`));
    assert.equal(after - before, shown);
  });

  it('makes the terms again for data from before them: medkeep practices reindex, with progress', async () => {
    const want = (await all(clin, { name: 'Parata' })).out.length;
    assert.ok(want > 0);
    sqlite(srv.dir, 'DELETE FROM patient_term');
    assert.equal((await all(clin, { name: 'Parata' })).out.length, 0);
    const r = run(['practices', 'reindex', '--data', srv.dir]);
    assert.equal(r.code, 0, r.stderr);
    const live = Number(sqlite(srv.dir, 'SELECT count(*) FROM patient WHERE shredded_at IS NULL'));
    assert.match(r.stderr, new RegExp(`reindex: 500 of ${live} patients`));
    assert.match(r.stderr, new RegExp(`reindex: ${live} patients done`));
    assert.equal((await all(clin, { name: 'Parata' })).out.length, want);
    assert.equal(run(['practices', 'reindex', '--data', srv.dir, 'extra']).code, 2);
  });

  it('pages the register over FHIR to its end: a true total, next and previous links, only the page opened', async () => {
    const live = Number(sqlite(srv.dir, `SELECT count(*) FROM enrolment e JOIN patient p ON p.id = e.patient_id WHERE e.practice_id = X'${demo}' AND p.shredded_at IS NULL`));
    assert.ok(live > 2000);
    const before = Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${clin.session.account}' AND action = 'patient.read'`));
    const first = await clin.fhir('Patient?_count=500');
    assert.equal(first.status, 200, first.text.slice(0, 300));
    const b = first.json();
    assert.equal(b.total, live);
    assert.equal(b.entry.length, 500);
    assert.equal(Number(sqlite(srv.dir, `SELECT count(*) FROM audit WHERE actor = '${clin.session.account}' AND action = 'patient.read'`)) - before, 500, 'only the page is opened');
    const seen = new Set(b.entry.map((e) => e.resource.id));
    let next = b.link.find((l) => l.relation === 'next');
    assert.ok(next && !b.link.some((l) => l.relation === 'previous'));
    let pages = 1;
    while (next) {
      const u = new URL(next.url);
      const r = await clin.fhir(`Patient${u.search}`);
      assert.equal(r.status, 200);
      const page = r.json();
      assert.equal(page.total, live);
      assert.ok(page.link.some((l) => l.relation === 'previous'));
      for (const e of page.entry) seen.add(e.resource.id);
      next = page.link.find((l) => l.relation === 'next');
      pages++;
    }
    assert.equal(pages, Math.ceil(live / 500));
    assert.equal(seen.size, live, 'every patient once');
    // the default page is a hundred; _page is only a page number; another practice sees its own
    assert.equal((await clin.fhir('Patient')).json().entry.length, 100);
    assert.equal((await clin.fhir('Patient?_page=0')).status, 400);
    const other = new Client(srv.base);
    assert.equal((await other.login('otherclinician1@demo.test')).status, 303);
    const theirs = (await other.fhir('Patient?_count=500')).json();
    assert.ok(theirs.entry.every((e) => !seen.has(e.resource.id)));
  });

  it('follows a patient\'s changed name', async () => {
    const [hit] = (await all(clin, { name: 'Rewi Kiri' })).out;
    assert.ok(hit, 'someone to rename');
    const form = await clin.get(`/practice/patients/${hit.id}/details`);
    assert.equal(form.status, 200, form.text.slice(0, 300));
    const field = (n) => (form.text.match(new RegExp(`name="${n}"[^>]*value="([^"]*)"`)) || [])[1];
    const fields = { csrf: clin.csrf, family: 'Rewi-Mātene', given: field('given'), birth_date: field('birth_date'), gender: field('gender') || 'female', nhi: field('nhi') };
    const saved = await clin.post(`/practice/patients/${hit.id}/details`, { body: new URLSearchParams(fields).toString(), headers: FORM, csrf: false });
    assert.equal(saved.status, 303, saved.text.slice(0, 600));
    assert.ok((await all(clin, { name: 'matene kiri' })).out.some((r) => r.id === hit.id));
    // A hyphenated name is found by each of its words.
    assert.ok((await all(clin, { name: 'Rewi Kiri' })).out.some((r) => r.id === hit.id && r.name === 'Rewi-Mātene, Kiri'));
    assert.ok(!(await all(clin, { name: 'Kiri', born: '1900-01-02' })).out.some((r) => r.id === hit.id));
  });
});
