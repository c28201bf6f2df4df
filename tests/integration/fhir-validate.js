// FHIR R4 validation with an independent validator (the `fhir` package from npm).
'use strict';
const { Fhir } = require('fhir');
const assert = require('node:assert/strict');

const fhir = new Fhir();

function assertValidFhir(resource) {
  const r = fhir.validate(resource);
  const problems = r.messages.filter((m) => m.severity === 'error' || m.severity === 'warning');
  assert.deepEqual(problems, [], `FHIR validation of ${resource.resourceType}: ${JSON.stringify(problems)}`);
  assert.equal(r.valid, true);
}

module.exports = { assertValidFhir };
