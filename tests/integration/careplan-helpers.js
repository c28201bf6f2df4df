// Helpers shared by medications.test.js, appointments.test.js and the careplan browser test.
'use strict';
const assert = require('node:assert/strict');
const { Client, sqlite } = require('./lib');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

// A urlencoded form body with the client's CSRF token.
const form = (c, fields) => ({ body: new URLSearchParams({ csrf: c.csrf, ...fields }).toString(), headers: FORM });

// A signed-in client (staff pass their second factor).
async function login(srv, email) {
  const c = new Client(srv.base);
  const r = await c.login(email);
  assert.equal(r.status, 303, `login ${email}`);
  return c;
}

// "action|outcome|rid" of the audit records matching a WHERE clause, in order.
function audit(srv, where) {
  return sqlite(srv.dir, `SELECT action || '|' || outcome || '|' || rid FROM audit WHERE ${where} ORDER BY seq`)
    .split('\n').filter(Boolean);
}

module.exports = { form, login, audit };
