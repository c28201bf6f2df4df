// The app's side of the authorization request and the patient's answer on the consent page,
// shared by the apps tests (apps.test.js, smart-refresh.test.js).
'use strict';
const assert = require('node:assert/strict');

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

// Each of oauth (the oauth4webapi module), as (the server's metadata), client and base (the
// portal's URL) is a function, as the tests fill them in their `before`.
function appFlow({ oauth, as, client, redirect, base, scope }) {
  // The authorization request an app makes, as a path on the portal, with its verifier.
  async function request(extra = {}) {
    const o = oauth();
    const verifier = o.generateRandomCodeVerifier();
    const state = o.generateRandomState();
    const url = new URL(as().authorization_endpoint);
    const params = { client_id: client().client_id, redirect_uri: redirect, response_type: 'code',
      scope, state, code_challenge: await o.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256', aud: `${base()}/fhir/R4`, ...extra };
    for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
    return { path: url.pathname + url.search, verifier, state };
  }
  // The patient's browser: the consent page, then their answer (the POST's response).
  async function consent(c, req, decision = 'allow') {
    const page = await c.get(req.path);
    assert.equal(page.status, 200, page.text.slice(0, 500));
    const fields = Object.fromEntries([...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)]
      .map((m) => [m[1], m[2].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, '\'').replace(/&lt;/g, '<').replace(/&gt;/g, '>')]));
    const answer = await c.post('/oauth/authorize', { body: new URLSearchParams({ ...fields, decision }).toString(), headers: FORM, csrf: false });
    return Object.assign(answer, { page });
  }
  return { request, consent };
}

module.exports = { appFlow, FORM };
