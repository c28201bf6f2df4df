// Helpers for the account lifecycle tests: forms, TOTP enrolment of a patient through the
// pages, and a login that answers the second step with a secret the test holds.
'use strict';
const { Client, nextCode, PASSWORD } = require('./lib');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

function csrfOf(page) {
  const m = page.text.match(/name="csrf" value="([^"]+)"/);
  if (!m) throw new Error(`no csrf field in ${page.status}: ${page.text.slice(0, 300)}`);
  return m[1];
}

// GET a page with a form, then POST the fields with that form's CSRF token.
// A page that is gone (a used link) has no form: the CSRF token then comes from /reset's.
async function submit(c, getPath, postPath, fields) {
  let page = await c.get(getPath);
  if (page.status !== 200 && !c.csrf) page = await c.get('/reset');
  const csrf = page.status === 200 ? csrfOf(page) : c.csrf;
  return c.post(postPath, { body: new URLSearchParams({ csrf, ...fields }).toString(), headers: FORM, csrf: false });
}

// POST with the session's CSRF token.
function post(c, p, fields) {
  return c.post(p, { body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM, csrf: false });
}

async function refresh(c) {
  const s = await c.get('/session');
  if (s.status === 200) { c.session = s.json(); c.csrf = c.session.csrf; }
  return s.status;
}

// Turn on TOTP for a signed-in patient: { secret, recovery } (the session is fresh after it).
async function enrol(dir, c, email) {
  const setup = await c.get('/mfa/setup');
  const secret = setup.text.match(/<code class="secret">([A-Z2-7]+)<\/code>/)[1];
  const code = await nextCode(dir, secret, email);
  const done = await post(c, '/mfa/setup', { code });
  if (done.status !== 200) throw new Error(`enrolment failed: ${done.status}`);
  const recovery = [...done.text.matchAll(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
  await refresh(c);
  return { secret, recovery };
}

// Log in with password and, when asked, the current TOTP code of secret.
async function login(base, dir, email, password = PASSWORD, secret = null) {
  const c = new Client(base);
  const token = await c.loginForm();
  const r = await c.post('/login', { body: new URLSearchParams({ csrf: token, email, password }).toString(), headers: FORM, csrf: false });
  c.loginStatus = r.status;
  c.loginPage = r;
  if (r.status !== 303) return c;
  await refresh(c);
  if (r.headers.get('location') === '/login/mfa') {
    if (!secret) throw new Error(`${email} needs a second factor`);
    const m = await post(c, '/login/mfa', { code: await nextCode(dir, secret, email) });
    if (m.status !== 303) throw new Error(`code refused for ${email}`);
    await refresh(c);
  }
  return c;
}

// Make every session of an account older than the step-up window (its factor is stale).
function hexOf(id) { return `X'${id}'`; }

module.exports = { FORM, csrfOf, submit, post, refresh, enrol, login, hexOf };
