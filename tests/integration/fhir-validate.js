// FHIR R4 validation with an independent validator (the `fhir` package from npm).
'use strict';
const { Fhir } = require('fhir');
const assert = require('node:assert/strict');

const fhir = new Fhir();

// Elements whose R4 binding is of strength "example" (any code may be used) but whose value set
// the package ships cut down: condition-code holds one code ("No current problems"), so it
// warns on every real SNOMED CT diagnosis. Its warnings there say nothing about the resource.
const EXAMPLE_BINDINGS = new Set(['Condition.code']);

function assertValidFhir(resource) {
  const r = fhir.validate(resource);
  // The package ships only some of R4's value sets. Where it lacks the one a binding names (it
  // says so in an info message at that location), it warns about every code there, known or
  // not (e.g. LOINC in Observation.code, an example binding): those warnings say nothing about
  // the resource, so they are left out. Errors, and warnings about known value sets, count.
  const unknownSets = new Set(r.messages
    .filter((m) => m.severity === 'info' && /^Value set ".*" could not be found\.$/.test(m.message))
    .map((m) => `${m.resourceId} ${m.location}`));
  const problems = r.messages.filter((m) => m.severity === 'error' ||
    (m.severity === 'warning' && !(/not found in value set$/.test(m.message) &&
      (unknownSets.has(`${m.resourceId} ${m.location}`) || EXAMPLE_BINDINGS.has(m.location)))));
  assert.deepEqual(problems, [], `FHIR validation of ${resource.resourceType}: ${JSON.stringify(problems)}`);
  assert.equal(r.valid, true);
}

module.exports = { assertValidFhir };
