// Checking a resource against a published FHIR profile (a StructureDefinition), with the
// profile's own data: the element cardinalities of its snapshot (within slices, where a slice
// can be told by its discriminator), fixed and pattern values, required bindings whose value
// set can be expanded here (the IPS package's own, R4's from the `fhir` package), and every
// constraint's FHIRPath expression (the `fhirpath` package with its R4 model). Datatype
// profiles named on an element's type (CodeableConcept-uv-ips) are checked on those elements.
// Anything the checker cannot decide that the profile requires (a required slice it cannot
// tell apart, a required binding to a value set it cannot expand) is a failure, not a pass.
// docs/internals/PROFILES.md says what this covers and what it does not.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const fhirpath = require('fhirpath');
const r4model = require('fhirpath/fhir-context/r4');

const R4_VALUESETS = require('fhir/profiles/valuesets.json');

// Every code of a code system, from R4's expanded value sets (each system appears whole in at
// least one of them for the small systems bound here).
const codeSystems = new Map();
for (const vs of Object.values(R4_VALUESETS)) {
  for (const s of vs.systems || []) {
    if (!codeSystems.has(s.uri)) codeSystems.set(s.uri, new Set());
    for (const c of s.codes || []) codeSystems.get(s.uri).add(c.code);
  }
}

class Package {
  // dir: an unpacked FHIR package (its package/ folder).
  constructor(dir) {
    this.byUrl = new Map();
    for (const f of fs.readdirSync(dir)) {
      if (!f.endsWith('.json') || !/^(StructureDefinition|ValueSet|CodeSystem)-/.test(f)) continue;
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      if (r.url) this.byUrl.set(r.url, r);
    }
  }

  get(url) { return this.byUrl.get(url.split('|')[0]); }

  // A value set from outside the package, given by its codes (system|code).
  addValueSet(url, system, codes) {
    this.extra = this.extra || new Map();
    this.extra.set(url, new Set(codes.map((c) => `${system}|${c}`)));
  }

  // The codes (system|code) a value set allows, or null when it cannot be expanded here.
  expand(url) {
    const bare = url.split('|')[0];
    if (this.extra && this.extra.has(bare)) return this.extra.get(bare);
    const r4 = R4_VALUESETS[bare];
    if (r4) return new Set(r4.systems.flatMap((s) => s.codes.map((c) => `${s.uri}|${c.code}`)));
    const vs = this.get(bare);
    if (!vs || !vs.compose) return null;
    const out = new Set();
    for (const inc of vs.compose.include || []) {
      if (inc.valueSet || inc.filter) return null;
      let codes;
      if (inc.concept) codes = inc.concept.map((c) => c.code);
      else if (codeSystems.has(inc.system)) codes = [...codeSystems.get(inc.system)];
      else if (this.get(inc.system) && this.get(inc.system).concept) codes = this.get(inc.system).concept.map((c) => c.code);
      else return null;
      for (const c of codes) out.add(`${inc.system}|${c}`);
    }
    for (const exc of vs.compose.exclude || []) {
      for (const c of exc.concept || []) out.delete(`${exc.system}|${c.code}`);
      for (const f of exc.filter || []) {
        // is-a on a flat code system: the code itself (these systems have no children).
        if (f.property !== 'concept' || !['is-a', '='].includes(f.op)) return null;
        out.delete(`${exc.system}|${f.value}`);
      }
    }
    return out;
  }
}

const upper = (s) => s[0].toUpperCase() + s.slice(1);
const asArray = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

// The children of node named name (a choice "value[x]": each valueX present), as
// { value, type } (type: the choice's type name, else undefined).
function children(node, name) {
  if (node === null || typeof node !== 'object') return [];
  if (name.endsWith('[x]')) {
    const stem = name.slice(0, -3);
    const out = [];
    for (const k of Object.keys(node)) {
      if (k.startsWith(stem) && k.length > stem.length && /[A-Z]/.test(k[stem.length])) {
        for (const v of asArray(node[k])) out.push({ value: v, type: k.slice(stem.length) });
      }
    }
    return out;
  }
  return asArray(node[name]).map((v) => ({ value: v }));
}

// Whether value matches a pattern (every member of the pattern present and matching; an array
// pattern's items each matched by some item of the value), or equals a fixed value exactly.
function matchesPattern(value, pattern) {
  if (pattern === null || typeof pattern !== 'object') return value === pattern;
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  }
  if (value === null || typeof value !== 'object') return false;
  return Object.keys(pattern).every((k) => matchesPattern(value[k], pattern[k]));
}
function deepEqual(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

function fixedOrPattern(el) {
  for (const k of Object.keys(el)) {
    if (k.startsWith('fixed')) return { kind: 'fixed', value: el[k] };
    if (k.startsWith('pattern')) return { kind: 'pattern', value: el[k] };
  }
  return null;
}

// The value at a discriminator path below node ("$this" or a dotted path), as a list.
function at(node, p) {
  if (p === '$this') return [node];
  let cur = [node];
  for (const seg of p.split('.')) cur = cur.flatMap((n) => children(n, seg).map((c) => c.value));
  return cur;
}

class Checker {
  constructor(pkg) { this.pkg = pkg; }

  // Problems (strings) of resource against the StructureDefinition sd; [] when it conforms.
  // root: the node the profile applies to (the resource, or a datatype inside one); resource:
  // the resource that holds it (%resource in constraints).
  check(sd, root, resource = root) {
    const problems = [];
    const elements = (sd.snapshot || sd.differential).element;
    const byId = new Map(elements.map((e) => [e.id, e]));
    const base = elements[0].path;
    const typeName = sd.type;
    // The nodes of an element id: walk its segments, each "name" or "name:slice".
    const memo = new Map();
    const nodesOf = (id) => {
      if (memo.has(id)) return memo.get(id);
      let result;
      if (id === base) {
        result = [{ value: root, fpBase: typeName }];
      } else {
        const cut = id.lastIndexOf('.');
        const parentId = id.slice(0, cut);
        const last = id.slice(cut + 1);
        const [name, slice] = last.split(':');
        const parents = nodesOf(parentId);
        const unsliced = byId.get(`${parentId}.${name}`) || byId.get(id);
        // The FHIRPath model's name of a node's path (a choice by its type: valueQuantity).
        const fpPath = (p, c) => (p.fpBase ? `${p.fpBase}.${c.type ? name.slice(0, -3) + c.type : name}` : undefined);
        result = [];
        for (const p of parents) {
          for (const c of children(p.value, name)) {
            result.push({ value: c.value, type: c.type, parent: p, fpBase: fpPath(p, c) });
          }
        }
        if (slice) result = result.filter((n) => this.inSlice(byId, parentId, name, slice, n, unsliced, problems));
      }
      memo.set(id, result);
      return result;
    };

    for (const el of elements) {
      if (el.id === base) {
        this.constraints(el, [{ value: root, fpBase: typeName }], resource, problems);
        continue;
      }
      let nodes;
      try { nodes = nodesOf(el.id); } catch (e) { problems.push(`${el.id}: ${e.message}`); continue; }
      // Cardinality, per parent.
      const cut = el.id.lastIndexOf('.');
      const parentId = el.id.slice(0, cut);
      const parents = nodesOf(parentId);
      for (const p of parents) {
        const n = nodes.filter((x) => x.parent === p).length;
        if (n < (el.min || 0)) problems.push(`${el.id}: min ${el.min}, found ${n}`);
        if (el.max && el.max !== '*' && n > Number(el.max)) problems.push(`${el.id}: max ${el.max}, found ${n}`);
      }
      // Choice types restricted by the profile.
      if (el.path.endsWith('[x]') && el.type && !el.sliceName) {
        const allowed = new Set(el.type.map((t) => upper(t.code)));
        for (const x of nodes) if (x.type && !allowed.has(x.type)) problems.push(`${el.id}: type ${x.type} not allowed`);
      }
      // Fixed and pattern values.
      const fp = fixedOrPattern(el);
      if (fp) {
        for (const x of nodes) {
          const ok = fp.kind === 'fixed' ? deepEqual(x.value, fp.value) : matchesPattern(x.value, fp.value);
          if (!ok) problems.push(`${el.id}: ${fp.kind} ${JSON.stringify(fp.value)}, found ${JSON.stringify(x.value)}`);
        }
      }
      // Required bindings.
      if (el.binding && el.binding.strength === 'required' && nodes.length > 0) {
        const allowed = this.pkg.expand(el.binding.valueSet);
        if (allowed === null) {
          problems.push(`${el.id}: required binding to ${el.binding.valueSet}, which cannot be expanded here`);
        } else {
          for (const x of nodes) {
            const codes = typeof x.value === 'string'
              ? [...allowed].filter((s) => s.endsWith(`|${x.value}`))
              : asArray(x.value.coding || x.value).filter((c) => allowed.has(`${c.system}|${c.code}`));
            if (codes.length === 0) problems.push(`${el.id}: ${JSON.stringify(x.value)} not in ${el.binding.valueSet}`);
          }
        }
      }
      // Datatype profiles on the element's type.
      for (const t of el.type || []) {
        for (const prof of t.profile || []) {
          const tsd = this.pkg.get(prof);
          if (!tsd) continue; // R4's own datatype profiles (SimpleQuantity): the base validator's
          for (const x of nodes) {
            if (x.type && x.type !== upper(t.code)) continue;
            for (const pr of this.check(tsd, x.value, resource)) problems.push(`${el.id} (${prof}): ${pr}`);
          }
        }
      }
      this.constraints(el, nodes, resource, problems);
    }
    return [...new Set(problems)];
  }

  // Whether node n (a child `name` of parentId's node) belongs to slice `slice`.
  inSlice(byId, parentId, name, slice, n, unsliced, problems) {
    const sliceEl = byId.get(`${parentId}.${name}:${slice}`);
    const slicing = unsliced && unsliced.slicing;
    if (!slicing) throw new Error(`slice ${slice} without slicing`);
    return slicing.discriminator.every((d) => {
      if (d.type === 'type' && d.path === '$this') {
        return sliceEl.type.some((t) => upper(t.code) === n.type);
      }
      if (d.type === 'value' || d.type === 'pattern') {
        const defId = d.path === '$this' ? sliceEl.id : `${sliceEl.id}.${d.path}`;
        let def = byId.get(defId);
        let want = def && fixedOrPattern(def);
        if (!want && name === 'extension' && d.path === 'url') {
          const url = sliceEl.type && sliceEl.type[0].profile && sliceEl.type[0].profile[0];
          want = url ? { kind: 'fixed', value: url } : null;
        }
        if (!want) throw new Error(`slice ${slice}: no value for discriminator ${d.path}`);
        const vals = at(n.value, d.path);
        return vals.some((v) => (want.kind === 'fixed' ? deepEqual(v, want.value) : matchesPattern(v, want.value)));
      }
      // profile discriminators (resolve()): cannot be told apart here; a required one fails.
      if ((sliceEl.min || 0) > 0) throw new Error(`slice ${slice}: ${d.type} discriminator not supported`);
      return false;
    });
  }

  constraints(el, nodes, resource, problems) {
    for (const c of el.constraint || []) {
      if (!c.expression) continue;
      for (const x of nodes) {
        let ok;
        const env = { resource, rootResource: resource };
        const quiet = { traceFn: () => {} }; // dom-3 traces its unmatched ids
        const evaluate = (expr) => (x.fpBase
          ? fhirpath.evaluate(x.value, { base: x.fpBase, expression: expr }, env, r4model, quiet)
          : fhirpath.evaluate(x.value, expr, env, r4model, quiet));
        try {
          let r;
          try {
            r = evaluate(c.expression);
          } catch (e) {
            // R4's dom-3 applies the as() function to collections (descendants().as(canonical)),
            // which R4-era engines, HL7's validator among them, read as a type filter; fhirpath.js
            // follows the later rule (a singleton only) and throws. Only that is read as ofType().
            if (!/Expected singleton on left side of 'as'/.test(e.message)) throw e;
            r = evaluate(c.expression.replace(/\.as\(/g, '.ofType('));
          }
          ok = r.length === 1 && r[0] === true; // empty or anything else fails, as in HL7's validator
        } catch (e) {
          problems.push(`${el.id} ${c.key}: the expression failed: ${e.message.split('\n')[0]}`);
          continue;
        }
        if (!ok && c.severity === 'error') problems.push(`${el.id} ${c.key}: ${c.human}`);
      }
    }
  }
}

module.exports = { Package, Checker };
