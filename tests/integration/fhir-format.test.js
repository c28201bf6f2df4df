// FHIR content negotiation (issue 16, item 2): JSON is the one format served. A client asking
// for XML or Turtle (by Accept or _format) is told so with 406 and an OperationOutcome, never
// answered in JSON it did not ask for; a Binary read asked for as JSON (application/json or
// application/fhir+json) gets the Binary resource, asked for as its own type gets the bytes.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, Client } = require('./lib');

describe('FHIR formats', () => {
  let srv; let p1; let binary;
  before(async () => {
    srv = await startServer({ patients: 2 });
    p1 = new Client(srv.base);
    await p1.login('patient1@demo.test');
    const docs = (await p1.fhir(`DocumentReference?patient=${p1.session.patient}`)).json();
    binary = docs.entry[0].resource.content[0].attachment.url.replace(/^.*\/fhir\/R4\//, '');
  });
  after(async () => { await srv.stop(); });

  it('XML and Turtle are refused with 406, by Accept or by _format; JSON and wildcards are served', async () => {
    for (const accept of ['application/fhir+xml', 'application/xml', 'application/fhir+turtle', 'application/fhir+xml;q=1.0, text/xml']) {
      const r = await p1.fhir(`Patient/${p1.session.patient}`, { headers: { Accept: accept } });
      assert.equal(r.status, 406, accept);
      assert.equal(r.json().resourceType, 'OperationOutcome');
    }
    for (const f of ['xml', 'application/fhir+xml', 'ttl']) {
      const r = await p1.fhir(`metadata?_format=${encodeURIComponent(f)}`);
      assert.equal(r.status, 406, f);
    }
    for (const accept of ['application/fhir+json', 'application/json', '*/*', 'application/fhir+json; fhirVersion=4.0', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8']) {
      const r = await p1.fhir(`Patient/${p1.session.patient}`, { headers: { Accept: accept } });
      assert.equal(r.status, 200, accept);
      assert.equal(r.json().resourceType, 'Patient');
    }
    assert.equal((await p1.fhir('metadata?_format=json')).status, 200);
  });

  it('a Binary asked for as JSON is the Binary resource; asked for as its type, the bytes; as XML, 406', async () => {
    for (const accept of ['application/json', 'application/fhir+json']) {
      const r = await p1.fhir(binary, { headers: { Accept: accept } });
      assert.equal(r.status, 200, accept);
      const b = r.json();
      assert.equal(b.resourceType, 'Binary');
      assert.ok(b.data.length > 0);
    }
    const raw = await p1.fhir(binary, { headers: { Accept: 'application/pdf' } });
    assert.equal(raw.status, 200);
    assert.ok(raw.buf.subarray(0, 5).toString() === '%PDF-', 'the bytes');
    assert.equal((await p1.fhir(binary, { headers: { Accept: 'application/fhir+xml' } })).status, 406);
  });
});
