// Test helpers: a demo data directory, the real binary on a free loopback port, and an HTTP
// client that keeps its own cookies (medkeep's cookies are __Host-/Secure; we speak plain
// HTTP on loopback, so we manage them by hand rather than trust a cookie jar).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const ROOT = path.resolve(__dirname, '..', '..');
const { totp } = require('otplib');

// base URL -> data directory, so a Client can find demo staff's TOTP secrets
const dirs = new Map();
// "dir email" -> last TOTP step used: each step works once, so logins wait their turn
const lastStep = new Map();

// The latest demo's secrets, for data directories restored from a backup (no logins file).
const lastSecrets = new Map();

function totpSecret(dir, email) {
  const file = path.join(dir, 'demo-logins.txt');
  if (!fs.existsSync(file)) return lastSecrets.get(email) ?? null;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const f = line.split('\t');
    if (f[3] && f[3] !== '-') lastSecrets.set(f[0], f[3]);
  }
  return lastSecrets.get(email) ?? null;
}

// A code for a step not used before by this account, waiting for the next step if need be.
async function nextCode(dir, secret, email) {
  // Keyed by secret: a data directory restored from a backup shares its accounts' secrets,
  // and their last used steps, with the one it came from.
  const key = secret;
  void dir; void email;
  for (;;) {
    const now = Math.floor(Date.now() / 30000);
    const step = Math.max(now, (lastStep.get(key) ?? -1) + 1);
    if (step <= now + 1) {
      lastStep.set(key, step);
      totp.options = { epoch: step * 30000, digits: 6, step: 30, encoding: 'hex' };
      const code = totp.generate(require('otplib').authenticator.decode(secret));
      totp.resetOptions();
      return code;
    }
    await new Promise((r) => setTimeout(r, 30000 - (Date.now() % 30000) + 50));
  }
}

const BIN = process.env.MEDKEEP_BIN || path.join(ROOT, 'build', 'asan', 'medkeep');
// The hardened build, for races that the slower sanitizer build hides.
const RELEASE_BIN = path.join(ROOT, 'build', 'medkeep');
// The fault-injection build (make chaos): MEDKEEP_FAULT=authz_allow_all opens the gate.
const CHAOS_BIN = path.join(ROOT, 'build', 'medkeep-chaos');
const PASSWORD = 'demo-password-2026';
const SAN_ENV = { ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=0:detect_stack_use_after_return=1', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

function run(args, opts = {}, bin = BIN) {
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, ...SAN_ENV }, ...opts });
  return { code: r.status, stdout: r.stdout || '', stderr: r.stderr || '' };
}

// Run SQL with the sqlite3 CLI on a data directory's database (or its audit trail, audit.db).
// It waits up to 5 s for a lock, as medkeep's own connections do: a test reading while a
// server or an import writes must not fail on "database is locked".
function sqlite(dir, sql, file = /\baudit\b/.test(sql) ? 'audit.db' : 'medkeep.db') {
  const url = pgUrl(dir);
  if (url) return pgSql(url, sql, file);
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dir, file), sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout.trim();
}

// The PostgreSQL address a data directory's medkeep.conf names, or null (SQLite).
function pgUrl(dir) {
  let conf = '';
  try { conf = fs.readFileSync(path.join(dir, 'medkeep.conf'), 'utf8'); } catch { return null; }
  const m = /^store\.url\s*=\s*(\S+)/m.exec(conf);
  return m ? m[1] : null;
}

// A test's SQL, written for SQLite, on the PostgreSQL engine's schema of that file: the
// test-side spellings SQLite has (X'..', hex, randomblob, strftime('%s','now'), group_concat)
// as PostgreSQL writes them, and a boolean answer as SQLite's 1 or 0.
function pgSql(url, sql, file) {
  const schema = { 'medkeep.db': 'medkeep_main', 'audit.db': 'medkeep_audit', 'keystore.db': 'medkeep_keys' }[file];
  const q = sql
    .replace(/\b[xX]'([0-9a-fA-F]*)'/g, "'\\x$1'::bytea")
    .replace(/lower\(hex\(/g, 'encode((')
    .replace(/encode\(\(([^()]*)\)\)/g, "encode($1, 'hex')")
    .replace(/\bhex\(([^()]*)\)/g, "upper(encode($1, 'hex'))")
    .replace(/randomblob\(16\)/g, "decode(md5(random()::text || clock_timestamp()::text), 'hex')")
    .replace(/strftime\('%s',\s*'now'\)/g, 'unixepoch()')
    .replace(/group_concat\(([^()]*(?:\([^()]*\))?[^()]*)\)/g, "string_agg($1, ',')")
    .replace(/^EXPLAIN QUERY PLAN /, 'EXPLAIN ')
    .replace(/\bifnull\(/g, 'coalesce(')
    .replace(/\|\| \(([\w.]+) IS (NOT )?NULL\)/g, '|| (CASE WHEN $1 IS $2NULL THEN 1 ELSE 0 END)')
    .replace(/CAST\(('[^']*') AS BLOB\)/g, "convert_to($1, 'UTF8')");
  const r = spawnSync('psql', ['-X', '-q', '-A', '-t', '-F', '|', '-v', 'ON_ERROR_STOP=1', url,
    '-c', `SET search_path TO ${schema}`, '-c', q], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr} (SQL: ${q})`);
  return r.stdout.trim().split('\n').map((line) => line.split('|').map((v) => (v === 't' ? '1' : v === 'f' ? '0' : v)).join('|')).join('\n');
}

// With MEDKEEP_TEST_PG (a libpq socket directory, the harness's: scripts/pg-test.sh), each
// data directory gets a database of its own on that server, named in its medkeep.conf before
// `medkeep demo` makes it; the returned line is kept at the top of any config a test writes.
function pgStore(dir) {
  const host = process.env.MEDKEEP_TEST_PG;
  if (!host) return '';
  const db = `mk_${require('node:crypto').randomBytes(8).toString('hex')}`;
  const r = spawnSync('createdb', ['-h', host, '-U', 'medkeep', db], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`createdb failed: ${r.stderr}`);
  const line = `store.url = postgresql:///${db}?host=${host}&user=medkeep\n`;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'medkeep.conf'), line, { mode: 0o600 });
  return line;
}

// Start a server over a fresh demo directory. Returns { base, dir, port, stop }.
// `tls: { cert, key }` (PEM file paths) serves HTTPS with them; `base` is then https://.
async function startServer({ patients = 3, extraArgs = [], bin = BIN, config = null, env = {}, tls = null } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-it-'));
  fs.rmSync(dir, { recursive: true });
  const store = pgStore(dir);
  const demo = run(['demo', '--data', dir, '--patients', String(patients), '--password', PASSWORD], {}, bin);
  if (demo.code !== 0) throw new Error(`demo failed: ${demo.stderr}`);
  if (config || store) fs.writeFileSync(path.join(dir, 'medkeep.conf'), store + (config || ''), { mode: 0o600 });
  const port = await freePort();
  const tlsArgs = tls ? ['--tls-cert', tls.cert, '--tls-key', tls.key] : [];
  const proc = spawn(bin, ['serve', '--data', dir, '--listen', `127.0.0.1:${port}`, ...tlsArgs, ...extraArgs],
    { env: { ...process.env, ...SAN_ENV, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const base = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  dirs.set(base, dir);
  for (let i = 0; i < 100; i++) {
    // fetch refuses a self-signed certificate: for TLS, an accepted connection will do.
    const up = tls ? await portOpen(port) : await fetch(`${base}/fhir/R4/metadata`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const server = {
    base, dir, port, proc,
    logs: () => stderr,
    // Stop the server; throws when a sanitizer reported anything while it ran.
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const done = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([done, new Promise((r) => setTimeout(r, 10000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      const pgDone = pgUrl(dir);
      if (pgDone) {
        const db = /postgresql:\/\/\/([^?]+)/.exec(pgDone)[1];
        spawnSync('dropdb', ['-h', process.env.MEDKEEP_TEST_PG, '-U', 'medkeep', '--if-exists', '--force', db]);
      }
      if (process.env.MEDKEEP_TEST_PG_LOG) fs.appendFileSync(process.env.MEDKEEP_TEST_PG_LOG, stderr.split('\n').filter((l) => /engine=pg|level=warn/.test(l)).join('\n') + '\n');
      fs.rmSync(dir, { recursive: true, force: true });
      if (/AddressSanitizer|runtime error|LeakSanitizer/.test(stderr)) {
        throw new Error(`sanitizer report from the server:\n${stderr.slice(0, 4000)}`);
      }
      // A worker or vault that died (e.g. killed by its syscall filter) is a failure unless
      // the test set out to kill one.
      if (!server.expectDeaths && /worker-died|worker-exited|the vault exited/.test(stderr)) {
        throw new Error(`a medkeep process died:\n${stderr.slice(0, 4000)}`);
      }
    },
  };
  return server;
}

// Serve an existing data directory (left in place on stop). Returns { base, dir, port, stop }.
async function serveDir(dir, { bin = BIN, env = {} } = {}) {
  const port = await freePort();
  const proc = spawn(bin, ['serve', '--data', dir, '--listen', `127.0.0.1:${port}`],
    { env: { ...process.env, ...SAN_ENV, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const base = `http://127.0.0.1:${port}`;
  dirs.set(base, dir);
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch(`${base}/fhir/R4/metadata`); if (r.ok) break; } catch { /* not yet */ }
    if (proc.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base, dir, port, proc,
    logs: () => stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const done = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([done, new Promise((r) => setTimeout(r, 10000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      if (/AddressSanitizer|runtime error|LeakSanitizer/.test(stderr)) {
        throw new Error(`sanitizer report from the server:\n${stderr.slice(0, 4000)}`);
      }
    },
  };
}

// nginx in front of one or more medkeep servers (their ports), as a practice or a country
// would deploy it: round robin, X-Forwarded-For set. Returns { base, port, stop }.
async function startNginx(upstreamPorts) {
  const ports = [].concat(upstreamPorts);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medkeep-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, d));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `${process.getuid() === 0 ? 'user root root;\n' : ''}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
	uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
	client_max_body_size 30m;
	upstream medkeep { ${ports.map((p) => `server 127.0.0.1:${p};`).join(' ')} keepalive 200; }
	server {
		listen 127.0.0.1:${port};
		location / {
			proxy_pass http://medkeep;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host $http_host;
			proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
		}
	}
}
`);
  const proc = spawn('nginx', ['-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`${base}/fhir/R4/metadata`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base, port,
    async stop() {
      const done = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGTERM');
      await done;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// One browser-less user: cookies by hand, CSRF token from /session.
class Client {
  constructor(base) { this.base = base; this.cookies = new Map(); this.csrf = null; }

  cookieHeader() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }

  absorb(res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim(); const value = pair.slice(i + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a)) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async req(method, p, { body, headers = {}, csrf = true } = {}) {
    const h = { ...headers };
    if (this.cookies.size) h.Cookie = this.cookieHeader();
    if (csrf && method !== 'GET' && this.csrf && !('X-CSRF-Token' in h)) h['X-CSRF-Token'] = this.csrf;
    const res = await fetch(this.base + p, { method, body, headers: h, redirect: 'manual' });
    this.absorb(res);
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, buf, text: buf.toString('utf8'),
      json() { return JSON.parse(buf.toString('utf8')); } };
  }

  get(p, opts) { return this.req('GET', p, opts); }
  post(p, opts) { return this.req('POST', p, opts); }

  async loginForm() {
    const page = await this.get('/login');
    const m = page.text.match(/name="csrf" value="([^"]+)"/);
    return m[1];
  }

  // Log in through the form; returns the POST /login response.
  async login(email, password = PASSWORD) {
    const token = await this.loginForm();
    const res = await this.post('/login', {
      body: new URLSearchParams({ csrf: token, email, password }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false,
    });
    if (res.status === 303) {
      const s = await this.get('/session');
      this.session = s.json();
      this.csrf = this.session.csrf;
      if (res.headers.get('location') === '/login/mfa') {
        const dir = dirs.get(this.base);
        const secret = dir && totpSecret(dir, email);
        if (!secret) throw new Error(`no TOTP secret for ${email}`);
        const code = await nextCode(dir, secret, email);
        const r = await this.mfa(code);
        if (r.status !== 303) throw new Error(`second factor refused for ${email}: ${r.status}`);
      }
    }
    return res;
  }

  // Send a second-factor code (TOTP or recovery) for the pending session.
  async mfa(code) {
    const r = await this.post('/login/mfa', {
      body: new URLSearchParams({ csrf: this.csrf, code }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false,
    });
    if (r.status === 303) {
      this.session = (await this.get('/session')).json();
      this.csrf = this.session.csrf;
    }
    return r;
  }

  fhir(p, opts = {}) { return this.get(`/fhir/R4/${p}`, opts); }
}

function multipart(fields, files) {
  const boundary = `----medkeep${Math.random().toString(16).slice(2)}`;
  const parts = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n`));
    parts.push(f.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

// A small valid PDF whose text contains `marker`.
function pdfWith(marker) {
  const stream = `BT /F1 12 Tf 50 750 Td (${marker}) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${stream.length} >> stream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n'; const offs = [];
  objs.forEach((o, i) => { offs.push(out.length); out += `${i + 1} 0 obj ${o} endobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offs) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer << /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// Send raw bytes as a request path, bypassing URL normalisation.
function rawGet(port, rawPath, headers = {}) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET', headers }, (res) => {
      let data = ''; res.on('data', (d) => { data += d; }); res.on('end', () => resolve({ status: res.statusCode, text: data }));
    });
    r.on('error', reject); r.end();
  });
}

// The processes `pid` started, each with its role (the subcommand it runs) and what its
// status says about its sandbox.
function children(pid) {
  const out = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      const status = fs.readFileSync(`/proc/${e}/status`, 'utf8');
      out.push({ pid: Number(e), role: cmd[1], seccomp: status.match(/^Seccomp:\s+(\d)/m)[1], uid: status.match(/^Uid:\s+(\d+)/m)[1],
        capEff: status.match(/^CapEff:\s+([0-9a-f]+)/m)[1], capBnd: status.match(/^CapBnd:\s+([0-9a-f]+)/m)[1], noNewPrivs: status.match(/^NoNewPrivs:\s+(\d)/m)[1] });
    } catch { /* gone */ }
  }
  return out;
}

// False once the process has ended (gone, or a zombie nobody has reaped yet).
function processAlive(pid) {
  try { return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return false; }
}

// Connections from `remote` (dotted IPv4) that a server's processes hold open, read from /proc
// (what the server holds, not what a client believes is still open).
function heldConnections(srv, remote) {
  const hex = (n, w) => n.toString(16).toUpperCase().padStart(w, '0');
  const want = remote.split('.').map(Number).reverse().map((b) => hex(b, 2)).join('');
  const inodes = new Set();
  for (const l of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = l.trim().split(/\s+/);
    if (f.length > 9 && f[1].endsWith(`:${hex(srv.port, 4)}`) && f[2].startsWith(want) && f[3] === '01') inodes.add(f[9]);
  }
  let n = 0;
  for (const pid of [srv.proc.pid, ...children(srv.proc.pid).map((k) => k.pid)]) {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      try { const m = fs.readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/); if (m && inodes.has(m[1])) n++; } catch { /* closed meanwhile */ }
    }
  }
  return n;
}

function randomId() { return require('node:crypto').randomBytes(16).toString('hex'); }

// An app's access token for the patient signed in as `c`, by the whole OAuth flow (register the
// app, consent, exchange with a PKCE verifier): { token, patient, client }. tests/integration/
// apps.test.js checks the flow itself with a real OAuth client; this is for tests that need a token.
async function appToken(srv, c, scope = 'launch/patient patient/*.read') {
  const crypto = require('node:crypto');
  const redirect = 'http://127.0.0.1:9/callback';
  const added = run(['apps', 'add', '--data', srv.dir, '--name', 'Test app', '--redirect-uri', redirect]);
  if (added.code !== 0) throw new Error(`apps add failed: ${added.stderr}`);
  const client = added.stdout.match(/client_id ([0-9a-f]{32})/)[1];
  const verifier = crypto.randomBytes(32).toString('base64url');
  const params = { client_id: client, redirect_uri: redirect, response_type: 'code', scope, state: 's',
    code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', aud: `${srv.base}/fhir/R4` };
  const page = await c.get(`/oauth/authorize?${new URLSearchParams(params)}`);
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}`);
  const yes = await c.post('/oauth/authorize', { body: new URLSearchParams({ ...params, csrf: c.csrf, decision: 'allow' }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: false });
  const code = new URL(yes.headers.get('location')).searchParams.get('code');
  const r = await fetch(`${srv.base}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: client, redirect_uri: redirect, code_verifier: verifier }).toString() });
  const t = await r.json();
  if (!t.access_token) throw new Error(`token endpoint: ${JSON.stringify(t)}`);
  return { token: t.access_token, patient: t.patient, client };
}

// A client that speaks as an app: its bearer token on every request, no cookie.
class AppClient {
  constructor(base, token) { this.base = base; this.token = token; this.csrf = null; }
  async req(method, p, { body, headers = {} } = {}) {
    const res = await fetch(this.base + p, { method, body, headers: { ...headers, Authorization: `Bearer ${this.token}` }, redirect: 'manual' });
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, buf, text: buf.toString('utf8'), json() { return JSON.parse(buf.toString('utf8')); } };
  }
  get(p, opts) { return this.req('GET', p, opts); }
  post(p, opts) { return this.req('POST', p, opts); }
}

// Every file in a directory tree, as buffers.
// Every row of a PostgreSQL store, as COPY writes it in binary (text and bytes as they are
// stored), for the tests that look for clear text "anywhere the data is".
function pgRows(url) {
  const tables = spawnSync('psql', ['-X', '-A', '-t', url, '-c',
    "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname LIKE 'medkeep_%'"], { encoding: 'utf8' });
  if (tables.status !== 0) throw new Error(`psql failed: ${tables.stderr}`);
  return Buffer.concat(tables.stdout.trim().split('\n').map((t) => {
    const r = spawnSync('psql', ['-X', url, '-c', `COPY (SELECT * FROM ${t}) TO STDOUT WITH (FORMAT binary)`]);
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout;
  }));
}

// The records of a data directory as stored: medkeep.db's bytes, or a PostgreSQL store's rows.
function storeBytes(dir) {
  const url = pgUrl(dir);
  return url ? pgRows(url) : fs.readFileSync(path.join(dir, 'medkeep.db'));
}

function filesUnder(dir, top = true) {
  const out = [];
  const url = top ? pgUrl(dir) : null;
  if (url) out.push({ path: path.join(dir, 'medkeep.db'), data: pgRows(url) });
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, false)); else out.push({ path: p, data: fs.readFileSync(p) });
  }
  return out;
}

// New Zealand time in medkeep's one style, worked out independently (Intl, the ICU time-zone
// data): nzWhen "Mon 7 Dec 2026, 3:52 pm", nzDay "Mon 7 Dec 2026", nzClock "3:52 pm"; t in
// seconds since 1970.
const NZ_PARTS = new Intl.DateTimeFormat('en-US', { timeZone: 'Pacific/Auckland', weekday: 'short', day: 'numeric',
  month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit', hour12: true });
function nzParts(t) { return Object.fromEntries(NZ_PARTS.formatToParts(new Date(t * 1000)).map((x) => [x.type, x.value])); }
function nzDay(t) { const p = nzParts(t); return `${p.weekday} ${p.day} ${p.month} ${p.year}`; }
function nzClock(t) { const p = nzParts(t); return `${p.hour}:${p.minute} ${p.dayPeriod.toLowerCase()}`; }
function nzWhen(t) { return `${nzDay(t)}, ${nzClock(t)}`; }
// Any instant in that style, for a page or an email whose exact time a test does not know.
const NZ_WHEN = /(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, (?:[1-9]|1[0-2]):[0-5]\d [ap]m/;
const NZ_DAY = /(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}/;

module.exports = { pgStore, startNginx, appToken, AppClient, children, processAlive, heldConnections, totpSecret, nextCode, BIN, RELEASE_BIN, CHAOS_BIN, PASSWORD, startServer, serveDir, SAN_ENV, Client, multipart, pdfWith, rawGet, randomId, run, sqlite, pgUrl, filesUnder, storeBytes, freePort, nzWhen, nzDay, nzClock, NZ_WHEN, NZ_DAY };
