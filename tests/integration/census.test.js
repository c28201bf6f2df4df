// Every route, every role, every other patient. The breach this portal answers came from one
// route that forgot to ask whose document it was. So this test does not list what to attack:
// it crawls everything a patient (the owner) and their clinician can reach, pages and FHIR,
// and replays every link and form they found with other actors' sessions: another patient, a
// clinician of another practice, the practice admin, the operator, an app another patient
// connected, and nobody. Each replay must
// be answered exactly as the same request with the owner's ids swapped for random ones (not
// yours = not found), must show nothing that names the owner, and must change nothing of theirs.
// A route that neither crawl reaches and that is not listed below with its reason fails the
// test, so a new route cannot be added without this test attacking it.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, Client, AppClient, appToken, sqlite, pgUrl, multipart, pdfWith, randomId } = require('./lib');

// Routes that the owner's and clinician's pages do not lead to, and where each is attacked.
const ELSEWHERE = {
  'POST /login': 'signing in: the login suite of security.test.js, hydra in bench/scanners.test.js (make scan)',
  'GET /login/mfa': 'second factor: mfa.test.js',
  'POST /login/mfa': 'second factor: mfa.test.js',
  'GET /mfa/setup': 'enrolment: mfa.test.js',
  'POST /mfa/setup': 'enrolment: mfa.test.js',
  'POST /mfa/passkeys': 'passkeys: passkeys.test.js',
  'POST /mfa/passkeys/*/remove': 'passkeys: passkeys.test.js (another account\'s passkey)',
  'GET /static/passkey.js': 'a static script, no data',
  'GET /static/session.js': 'a static script, no data (the idle warning and drafts\' saving)',
  'GET /static/style.css': 'a static stylesheet, no data',
  'GET /session': 'the actor\'s own session as JSON: every Client login reads it',
  'POST /recalls/*/close': 'closing a recall (the practice that set it; anyone else 404, as a random id): recalls.test.js',
  'GET /operator': 'the operator\'s page: breaker.test.js, unlock.test.js',
  'GET /practice/locks': 'a practice admin\'s locks held for review, no clinical content: unlock.test.js',
  'POST /locks/*/unlock': 'unlocking after review (operator, practice admin; others 404): unlock.test.js',
  'POST /locks/*/keep': 'keeping locked after review (operator, practice admin; others 404): unlock.test.js',
  'GET /step-up': 'fresh second factor: stepup.test.js',
  'POST /step-up': 'fresh second factor: stepup.test.js',
  'GET /register': 'self-registration: lifecycle.test.js',
  'POST /register': 'self-registration: lifecycle.test.js',
  'GET /verify': 'address confirmation links: lifecycle.test.js',
  'POST /verify': 'address confirmation links: lifecycle.test.js',
  'GET /reset': 'password reset: lifecycle.test.js',
  'POST /reset': 'password reset: lifecycle.test.js',
  'GET /reset/confirm': 'password reset: lifecycle.test.js',
  'POST /reset/confirm': 'password reset: lifecycle.test.js',
  'GET /account/email/confirm': 'email change links: lifecycle.test.js',
  'POST /account/email/confirm': 'email change links: lifecycle.test.js',
  'GET /export/download': 'the record export, after a fresh second factor: export.test.js',
  'POST /fhir/R4/DocumentReference': 'FHIR writes: security.test.js writes to another patient\'s record',
  'POST /fhir/R4/Appointment': 'FHIR booking: appointments.test.js matrix',
  'POST /fhir/R4/DiagnosticReport': 'FHIR results: results.test.js',
  'POST /fhir/R4/AllergyIntolerance': 'the health summary from the practice: summary.test.js (another practice\'s system, a system without the scope, the patient: as a random id) and authz-matrix.test.js',
  'POST /fhir/R4/Condition': 'the health summary from the practice: summary.test.js and authz-matrix.test.js (every actor)',
  'POST /fhir/R4/Immunization': 'the health summary from the practice: summary.test.js',
  'POST /fhir/R4/Observation': 'vital signs from the practice (lab results come as DiagnosticReports): summary.test.js and authz-matrix.test.js (every actor)',
  'POST /fhir/R4/DiagnosticReport/*/$release': 'FHIR release: results.test.js',
  'POST /fhir/R4/Communication': 'FHIR messages: messages.test.js',
  'POST /fhir/R4/Patient': 'the register over FHIR (conditional create): systems.test.js, another practice\'s system and a random id answered alike',
  'POST /fhir/R4': 'transaction Bundles: systems.test.js, all or nothing, another practice\'s patient answered as a random id',
  'GET /fhir/R4/Slot': 'practice timetable, no patient data: appointments.test.js',
  'GET /fhir/R4/Slot/*': 'practice timetable, no patient data: appointments.test.js',
  'GET /login': 'the login page: the login suite of security.test.js',
  'GET /oauth/authorize': 'connecting an app: apps.test.js',
  'POST /oauth/authorize': 'a patient\'s consent to an app: apps.test.js',
  'POST /oauth/token': 'an app\'s code exchange: apps.test.js',
  'POST /oauth/revoke': 'an app ending its token: apps.test.js',
  'GET /oauth/jwks': 'the public key of id_tokens (OpenID Connect): smart-refresh.test.js',
  'POST /oauth/introspect': 'introspection (RFC 7662) by a practice system only: smart-refresh.test.js (an app, a browser and nobody refused)',
  'POST /sessions/apps/*/end': 'a patient disconnecting an app that can refresh (the demo has none): smart-refresh.test.js (another patient 404)',
  'GET /fhir/R4/.well-known/smart-configuration': 'where apps find the endpoints: apps.test.js',
  'POST /logout': 'ends the crawler\'s own session: journeys.test.js, security.test.js',
  'GET /practice': 'practice settings, no patient data: practice.test.js',
  'POST /practice/settings': 'practice settings, no patient data: practice.test.js',
  'GET /practice/appointments': 'practice booking settings, no patient data: appointments.test.js',
  'POST /practice/appointments': 'practice booking settings, no patient data: appointments.test.js',
  'GET /practice/feed-queue/*': 'a queued HL7 message (the demo queues none): feed-queue.test.js (another practice, patient, operator)',
  'POST /practice/feed-queue/*/match': 'matching a queued HL7 message: feed-queue.test.js (another practice 404, CSRF)',
  'POST /practice/feed-queue/*/reject': 'rejecting a queued HL7 message: feed-queue.test.js',
  'POST /practice/feed-queue/*/move': 'asking for a patient\'s move from a queued HL7 registration: transfers.test.js (the old practice 404 as a random id, twice, not a registration 400)',
  'POST /practice/transfers/*/release': 'a practice agreeing to a patient\'s move (the demo asks none): transfers.test.js (the asking practice, another patient, a random id)',
  'POST /practice/transfers/*/decline': 'a practice refusing a patient\'s move: transfers.test.js (decided already: not found)',
  'POST /enrolment/*/accept': 'a patient agreeing to move practice: transfers.test.js (another patient, the asking practice, a random id)',
  'POST /enrolment/*/decline': 'a patient refusing a move: transfers.test.js',
  'POST /account/password/code': 'the emailed code of a password change without a second factor: factor-deadends.test.js (wrong, reused, five tries)',
  'GET /appointments/*/cancel': 'the step confirming a cancellation (reached when the owner has an upcoming booking): booking.test.js (another patient, another practice, nobody)',
  'GET /appointments/*/calendar.ics': 'an appointment\'s calendar file (likewise): booking.test.js',
  'GET /appointments/*/change': 'a clinician moving or cancelling a booking (reached from reception\'s day): booking.test.js (the patient, another patient, another practice, the practice admin, nobody)',
  'POST /appointments/*/move': 'moving a booking: booking.test.js (likewise)',
  'GET /practice/bookings': 'reception\'s day, no id in the URL: booking.test.js',
  'POST /slots/*/remove': 'removing a free time of the practice (no patient in it): booking.test.js (a patient, another practice, nobody)',
  'POST /enrolment/history': 'a patient sharing what came before a move: transfers.test.js (another patient, a practice not moved to)',
};

// What a role may do to the owner's record by design (DESIGN.md, "Who uses it"), so its answer
// differs from the decoy's: not an attack.
const LEGITIMATE = {
  'admin1@demo.test': { 'GET /patients/*/invite': 'the practice admin invites its patients to the portal',
    'POST /patients/*/invite': 'the practice admin invites its patients to the portal',
    'GET /patients': 'the practice admin keeps the register: names, NHI and birth dates',
    'GET /patients/*': 'the practice admin keeps the register: one patient\'s details, not their record',
    'GET /practice/patients/*/details': 'the practice admin corrects its patients\' details (the register)',
    'POST /practice/patients/*/details': 'the practice admin corrects its patients\' details (the register)',
    'GET /fhir/R4/Patient': 'the practice admin keeps the register',
    'GET /fhir/R4/Patient/*': 'the practice admin keeps the register',
    'GET /fhir/R4/Patient/*/_history/*': 'the practice admin keeps the register (its current version)',
    'GET /practice/bookings': 'reception: who is booked on the day shown, by name (the register, not the record)' },
};
const legitimate = (who, method, url) => Object.keys(LEGITIMATE[who] || {}).some((r) => r.startsWith(`${method} `) && matches(r.slice(method.length + 1), url));

// Links that end the crawler's session or need a fresh second factor.
const NOT_FOLLOWED = /^\/(logout|step-up|mfa|login)/;

function decodeEntities(s) {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, '\'').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

// Forms on a page: method, action, enctype and their fields as the browser would send them
// (the first option of a select, every named input, the text of a textarea).
function formsOf(html, page) {
  const out = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attr = (name) => (m[1].match(new RegExp(`\\b${name}="([^"]*)"`)) || [])[1];
    const method = (attr('method') || 'get').toUpperCase();
    const action = decodeEntities(attr('action') || page);
    const fields = [];
    for (const i of m[2].matchAll(/<input\b([^>]*)>/g)) {
      const name = (i[1].match(/\bname="([^"]*)"/) || [])[1];
      if (!name) continue;
      const type = (i[1].match(/\btype="([^"]*)"/) || [])[1] || 'text';
      const value = decodeEntities((i[1].match(/\bvalue="([^"]*)"/) || [])[1] || (type === 'date' ? '2031-01-01' : type === 'file' ? '' : 'x'));
      fields.push([name, value, type]);
    }
    for (const s of m[2].matchAll(/<select\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
      const opt = s[2].match(/<option\b[^>]*\bvalue="([^"]*)"/);
      fields.push([s[1], decodeEntities(opt ? opt[1] : ''), 'select']);
    }
    for (const t of m[2].matchAll(/<textarea\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields.push([t[1], decodeEntities(t[2]) || 'x', 'textarea']);
    out.push({ method, action, enctype: attr('enctype') || '', fields });
    // a submit button may post the same fields elsewhere ("Save draft": formaction)
    for (const b of m[2].matchAll(/<button\b[^>]*\bformaction="([^"]*)"/g)) {
      out.push({ method, action: decodeEntities(b[1]), enctype: attr('enctype') || '', fields });
    }
  }
  return out;
}

// Everything `client` reaches from `starts` by following links (GET forms included), and the
// POST forms on the way. Bounded: a portal page leads to a few dozen others.
async function crawl(client, starts, max = 400) {
  const seen = new Set(); const queue = [...starts]; const posts = new Map();
  while (queue.length && seen.size < max) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    const r = await client.get(url);
    const moved = r.headers.get('location');
    if (r.status >= 300 && r.status < 400 && moved && moved.startsWith('/') && !NOT_FOLLOWED.test(moved)) queue.push(moved);
    if (r.status !== 200 || !/text\/html/.test(r.headers.get('content-type'))) continue;
    const next = [...r.text.matchAll(/href="(\/[^"#]*)"/g)].map((m) => decodeEntities(m[1]));
    for (const f of formsOf(r.text, url)) {
      if (f.method === 'GET') {
        const q = new URLSearchParams(f.fields.filter(([, , t]) => t !== 'submit').map(([k, v]) => [k, v]));
        next.push(`${f.action.split('?')[0]}?${q}`);
      } else if (!NOT_FOLLOWED.test(f.action)) {
        posts.set(`${f.action} ${f.fields.map(([k]) => k).sort().join(',')}`, f);
      }
    }
    for (const u of next) if (!NOT_FOLLOWED.test(u) && !/^\/static\//.test(u) && !seen.has(u)) queue.push(u);
  }
  return { gets: [...seen], posts: [...posts.values()] };
}

// What the owner's FHIR API gives them: every search by patient in the CapabilityStatement,
// each entry read by id and by its version (vread), each attachment, and $everything.
async function fhirUrls(owner, patient) {
  const cap = (await owner.fhir('metadata')).json();
  const me = (await owner.fhir(`Patient/${patient}`)).json();
  const urls = new Set([`/fhir/R4/Patient/${patient}`, `/fhir/R4/Patient/${patient}/_history/${me.meta.versionId}`,
    `/fhir/R4/Patient/${patient}/$everything`, '/fhir/R4/Patient', `/fhir/R4/Patient?_id=${patient}`, '/fhir/R4/metadata']);
  for (const r of cap.rest[0].resource) {
    if (!(r.searchParam || []).some((p) => p.name === 'patient')) continue;
    const subject = (r.searchParam || []).some((p) => p.name === 'subject') ? [`subject=Patient/${patient}`] : [];
    for (const q of [`patient=${patient}`, `patient=Patient/${patient}`, ...subject]) {
      const url = `/fhir/R4/${r.type}?${q}`;
      urls.add(url);
      const bundle = (await owner.get(url)).json();
      for (const e of bundle.entry || []) {
        urls.add(`/fhir/R4/${e.resource.resourceType}/${e.resource.id}`);
        if (e.resource.meta && e.resource.meta.versionId && e.resource.resourceType !== 'AuditEvent') urls.add(`/fhir/R4/${e.resource.resourceType}/${e.resource.id}/_history/${e.resource.meta.versionId}`);
        for (const c of e.resource.content || []) {
          if (!c.attachment || !c.attachment.url) continue;
          const bin = `/fhir/R4/${c.attachment.url.replace(/^.*\/fhir\/R4\//, '')}`;
          urls.add(bin);
          urls.add(`${bin}/_history/${e.resource.meta.versionId}`); // a Binary is its document's version
        }
      }
    }
  }
  return [...urls];
}

// A route pattern (one `*` per path segment) against a path.
function matches(pattern, p) {
  const a = pattern.split('/'); const b = p.split('?')[0].split('/');
  return a.length === b.length && a.every((s, i) => s === '*' ? b[i].length > 0 : s === b[i]);
}

// Everything an answer says, apart from what is fresh on every answer.
function shape(r) {
  return { status: r.status, location: r.headers.get('location'), type: r.headers.get('content-type'),
    body: r.text.replace(/name="csrf" value="[^"]+"/g, '').replace(/"csrf":"[^"]+"/g, '') };
}

describe('every route, every role, every other patient', () => {
  let srv; let owner; let clinician; let found; let ownerIds; let markers; let rows;
  const attackers = {};

  before(async () => {
    // Replays are not-found answers by the hundred: the enumeration breaker would pause the
    // attackers (breaker.test.js shows it does), and then no answer could be compared.
    // Ten patients, so that the demo's family access exists: the owner, patient10, is a parent
    // who holds access to their young child's record, and both records are attacked.
    srv = await startServer({ patients: 10, config: 'breaker.misses = 1000000\n' });
    owner = new Client(srv.base);
    await owner.login('patient10@demo.test');
    // A second session of the owner's, so that their sessions page offers to end one.
    await new Client(srv.base).login('patient10@demo.test');
    clinician = new Client(srv.base);
    await clinician.login('clinician1@demo.test');
    const own = owner.session.patient;
    const held = sqlite(srv.dir, `SELECT lower(hex(patient_id)) FROM proxy_grant WHERE account_id = x'${owner.session.account}' AND revoked IS NULL AND not_after > strftime('%s', 'now')`).split('\n').filter(Boolean);
    assert.equal(held.length, 1, 'the demo parent holds access to one child');
    const records = [own, ...held];
    // What names the owner and the child: names and NHI, as the owner's FHIR API shows them.
    markers = [];
    for (const r of records) {
      const me = (await owner.fhir(`Patient/${r}`)).json();
      markers.push(...[me.name[0].family, ...me.name[0].given, ...me.identifier.map((i) => i.value)].filter((m) => m.length >= 4));
    }
    assert.ok(markers.length >= 4, markers.join(', '));
    const asOwner = await crawl(owner, ['/']);
    const asClinician = await crawl(clinician, records.map((r) => `/patients/${r}`));
    const fhir = [];
    for (const r of records) fhir.push(...await fhirUrls(owner, r));
    found = { gets: [...new Set([...asOwner.gets, ...asClinician.gets, ...fhir])],
      posts: [...asOwner.posts, ...asClinician.posts] };
    // Every id that is the owner's or the child's: the records, the owner's account and
    // sessions, and every row that belongs to either record.
    // The tables with a patient_id column (and, with `id`, an id column too), from SQLite's
    // catalogue or PostgreSQL's.
    const pg = pgUrl(srv.dir);
    const withPatient = (id) => (pg
      ? sqlite(srv.dir, `SELECT c.table_name FROM information_schema.columns c WHERE c.table_schema = 'medkeep_main' AND c.column_name = 'patient_id'${id ? " AND EXISTS (SELECT 1 FROM information_schema.columns i WHERE i.table_schema = c.table_schema AND i.table_name = c.table_name AND i.column_name = 'id')" : ''} ORDER BY 1`)
      : sqlite(srv.dir, `SELECT name FROM sqlite_master m WHERE type = 'table' AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'patient_id')${id ? " AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'id')" : ''}`)).split('\n');
    const inRecords = `patient_id IN (${records.map((r) => `x'${r}'`).join(', ')})`;
    ownerIds = new Set([...records, owner.session.account,
      ...withPatient(true).flatMap((t) => sqlite(srv.dir, `SELECT lower(hex(id)) FROM ${t} WHERE ${inRecords}`).split('\n')),
      ...sqlite(srv.dir, `SELECT lower(hex(id)) FROM session WHERE account_id = x'${owner.session.account}'`).split('\n')].filter(Boolean));
    // Everything of theirs that a replay could change.
    const all = withPatient(false);
    // Each row whole, as text: every column quoted (SQLite), or the row's own text (PostgreSQL).
    const columns = Object.fromEntries(all.map((t) => [t, pg ? `(${t}.*)::text`
      : sqlite(srv.dir, `SELECT group_concat('quote(' || name || ')', ' || '','' || ') FROM pragma_table_info('${t}')`)]));
    rows = () => all.map((t) => sqlite(srv.dir, `SELECT ${columns[t]} FROM ${t} WHERE ${inRecords} ORDER BY 1`)).join('\n')
      + sqlite(srv.dir, `SELECT hex(id), created, mfa, record FROM session WHERE account_id = x'${owner.session.account}' ORDER BY 1`);
    for (const email of ['patient1@demo.test', 'otherclinician1@demo.test', 'admin1@demo.test', 'operator@demo.test']) {
      const c = new Client(srv.base);
      assert.equal((await c.login(email)).status, 303, email);
      attackers[email] = c;
    }
    attackers.nobody = new Client(srv.base);
    // An app that patient1 connected, holding a token for everything patient1 may let it read.
    attackers['an app of patient1'] = new AppClient(srv.base, (await appToken(srv, attackers['patient1@demo.test'])).token);
  });
  after(async () => { await srv.stop(); });

  // The same request with every id of the owner's swapped for a random one (the same one each
  // time it recurs), so that it asks for something that does not exist.
  function decoy(text) {
    return text.replace(/[0-9a-f]{32}/g, (id) => (ownerIds.has(id) ? decoy.map.get(id) || decoy.map.set(id, randomId()).get(id) : id));
  }
  decoy.map = new Map();
  // An answer to a decoy, with the decoy ids put back: a page that merely echoes the id it was
  // asked for says nothing about whether the record exists.
  const undecoy = (r) => {
    const s = shape(r);
    for (const [id, fake] of decoy.map) s.body = s.body.split(fake).join(id);
    if (s.location) for (const [id, fake] of decoy.map) s.location = s.location.split(fake).join(id);
    return s;
  };
  const mentionsOwner = (s) => [...ownerIds].some((id) => s.includes(id));

  it('the crawls reach every route that is not attacked elsewhere', () => {
    // The route tables: each layer registers its own (src/web/web_routes.c, src/fhir/fhir_routes.c).
    const tables = ['../../src/web/web_routes.c', '../../src/fhir/fhir_routes.c']
      .map((f) => fs.readFileSync(path.join(__dirname, f), 'utf8')).join('\n');
    const routes = [...tables
      .matchAll(/\{METHOD_(GET|POST), "([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.ok(routes.length > 100, `${routes.length} routes read from the route tables`);
    const reached = (route) => {
      const [method, pattern] = route.split(' ');
      const urls = method === 'GET' ? found.gets : found.posts.map((f) => f.action);
      return urls.some((u) => matches(pattern, u));
    };
    const unreached = routes.filter((r) => !reached(r) && !(r in ELSEWHERE));
    assert.deepEqual(unreached, [], 'routes neither crawled nor listed in ELSEWHERE with where they are attacked');
    for (const r of Object.keys(ELSEWHERE)) assert.ok(routes.includes(r), `ELSEWHERE lists ${r}, which the route tables no longer have`);
    // The crawls found the owner's things, not just list pages.
    assert.ok(found.gets.filter(mentionsOwner).length >= 100, `${found.gets.filter(mentionsOwner).length} owner urls`);
    assert.ok(found.posts.filter((f) => mentionsOwner(f.action) || f.fields.some(([, v]) => mentionsOwner(v))).length >= 25);
  });

  it('every link of the owner\'s, followed by anyone else, answers as for a record that does not exist', async () => {
    const urls = found.gets.filter(mentionsOwner);
    let compared = 0;
    for (const [who, c] of Object.entries(attackers)) {
      for (const url of urls) {
        if (legitimate(who, 'GET', url)) continue;
        const got = await c.get(url);
        const want = await c.get(decoy(url));
        assert.deepEqual(shape(got), undecoy(want), `${who} GET ${url}`);
        for (const m of markers) assert.ok(!got.text.includes(m), `${who} GET ${url} shows the owner's ${m}`);
        compared++;
      }
    }
    assert.ok(compared >= 6 * 100);
  });

  it('pages without an id of the owner\'s show others nothing that names the owner', async () => {
    const urls = found.gets.filter((u) => !mentionsOwner(u));
    assert.ok(urls.length >= 10);
    for (const [who, c] of Object.entries(attackers)) {
      for (const url of urls) {
        if (legitimate(who, 'GET', url)) continue;
        const got = await c.get(url);
        for (const m of markers) assert.ok(!got.text.includes(m), `${who} GET ${url} shows the owner's ${m}`);
      }
    }
  });

  it('every form of the owner\'s and their clinician\'s, sent by anyone else, changes nothing and answers as for a record that does not exist', async () => {
    const before1 = rows();
    const forms = found.posts.filter((f) => mentionsOwner(f.action) || f.fields.some(([, v]) => mentionsOwner(v)));
    const send = (c, f, swap) => {
      const fields = f.fields.filter(([, , t]) => t !== 'file').map(([k, v]) => [k, k === 'csrf' ? c.csrf || 'x' : swap(v)]);
      if (f.enctype === 'multipart/form-data') {
        const files = f.fields.filter(([, , t]) => t === 'file').map(([k]) => ({ name: k, filename: 'x.pdf', type: 'application/pdf', data: pdfWith('census') }));
        const mp = multipart(Object.fromEntries(fields), files);
        return c.post(swap(f.action), { body: mp.body, headers: { 'Content-Type': mp.type }, csrf: false });
      }
      return c.post(swap(f.action), { body: new URLSearchParams(fields).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
    };
    let sent = 0;
    for (const [who, c] of Object.entries(attackers)) {
      for (const f of forms) {
        if (legitimate(who, 'POST', f.action)) continue;
        const got = await send(c, f, (v) => v);
        const want = await send(c, f, decoy);
        assert.deepEqual(shape(got), undecoy(want), `${who} POST ${f.action} (${f.fields.map(([k]) => k).join(', ')})`);
        sent++;
      }
    }
    assert.ok(sent >= 6 * 25 - 2);
    assert.equal(rows(), before1, 'the owner\'s rows changed');
    // The owner is still signed in, and their clinician too.
    assert.equal((await owner.get('/session')).json().account, owner.session.account);
    assert.equal((await clinician.get('/session')).json().account, clinician.session.account);
  });
});
