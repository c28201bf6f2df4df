#!/usr/bin/env node
// Invented practice exports for `medkeep import` (FHIR Bulk Data NDJSON, one resource a line):
// N patients with test-range NHIs (Z..., valid check characters, HISO 10046:2023), each with
// D documents (a small PDF inline, about 2 KB) and, with --full, a lab report with its
// Observations, a medicine and an appointment. Nobody here is real.
//
//   node bench/import_gen.js --patients N --out DIR [--docs 5] [--full] [--first K]
//
// Writes DIR/Patient.ndjson, DIR/DocumentReference.ndjson (and with --full
// Observation.ndjson, DiagnosticReport.ndjson, MedicationRequest.ndjson, Appointment.ndjson),
// in the order to import them. --first K numbers the patients from K (default 1), so two
// exports can be made of different people.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const value = (c) => (c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : LETTERS.indexOf(c) + 1);

// The i-th test-range NHI of the new format: Z, two letters, two digits, a letter, check letter.
function nhi(i) {
  const l5 = i % 24, d = Math.floor(i / 24) % 100, l2 = Math.floor(i / 2400) % 24;
  const l1 = Math.floor(i / 57600) % 24;
  if (i >= 24 * 24 * 24 * 100) throw new Error('out of test-range NHIs');
  const s = 'Z' + LETTERS[l1] + LETTERS[l2] + String(d).padStart(2, '0') + LETTERS[l5];
  let sum = 0;
  for (let k = 0; k < 6; k++) sum += value(s[k]) * (7 - k);
  return s + LETTERS[23 - (sum % 23) - 1];
}

// The test range has 1,382,400 NHIs of the new format and about 524,000 of the old (Z, two
// letters, three digits, a check digit; those whose sum is 0 mod 11 have none): a country's 1.8
// million patients need both.
const NEW_FORMAT = 24 * 24 * 24 * 100;
let oldFormat = null;
function oldNhi(j) {
  if (oldFormat === null) {
    oldFormat = [];
    for (let a = 0; a < 24; a++) for (let b = 0; b < 24; b++) for (let d = 0; d < 1000; d++) {
      const s = 'Z' + LETTERS[a] + LETTERS[b] + String(d).padStart(3, '0');
      let sum = 0;
      for (let k = 0; k < 6; k++) sum += value(s[k]) * (7 - k);
      if (sum % 11 !== 0) oldFormat.push(s + String((11 - (sum % 11)) % 10));
    }
  }
  if (j >= oldFormat.length) throw new Error('out of test-range NHIs');
  return oldFormat[j];
}
// Patient i's NHI (from 1): the new format first, in a scattered order, then the old.
const patientNhi = (i) => (i < NEW_FORMAT ? nhi(i * 7 % NEW_FORMAT) : oldNhi(i - NEW_FORMAT));

const GIVEN = ['Aroha', 'Mere', 'Tama', 'Wiremu', 'Hine', 'Ngaio', 'Rangi', 'Kiri', 'Mia', 'Liam',
  'Noah', 'Isla', 'Oliver', 'Amelia', 'Jack', 'Sione', 'Losa', 'Priya', 'Mei', 'Finn'];
const FAMILY = ['Te Awa', 'Kereama', 'Ngata', 'Parata', 'Walker', 'Thompson', 'Wilson', 'Singh',
  'Patel', 'Chen', 'Wong', 'Tuilagi', 'Fonoti', 'Rewi', 'Hohaia', 'Campbell', 'Latu', 'Morgan'];
const KINDS = [['18842-5', 'Discharge summary'], ['57133-1', 'Referral letter'],
  ['11488-4', 'Clinic letter'], ['11502-2', 'Laboratory report']];

// A small one-page PDF of about 2 KB with a few lines of invented text.
function pdf(lines) {
  const text = lines.map((l, k) => `BT /F1 11 Tf 50 ${760 - k * 16} Td (${l.replace(/[()\\]/g, '')}) Tj ET`).join('\n');
  const stream = `${text}\n% ${'invented demonstration text '.repeat(40)}\n`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}endstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offs = [];
  objs.forEach((o, k) => { offs.push(out.length); out += `${k + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offs) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1').toString('base64');
}

function main() {
  const args = process.argv.slice(2);
  const opt = (name, def) => { const k = args.indexOf(name); return k >= 0 ? args[k + 1] : def; };
  const n = Number(opt('--patients', '10'));
  const docs = Number(opt('--docs', '5'));
  const first = Number(opt('--first', '1'));
  const out = opt('--out', null);
  const full = args.includes('--full');
  if (!out || !(n > 0)) { console.error('usage: import_gen.js --patients N --out DIR [--docs 5] [--full] [--first K]'); process.exit(2); }
  fs.mkdirSync(out, { recursive: true });
  const open = (name) => fs.openSync(path.join(out, `${name}.ndjson`), 'w');
  const fd = { Patient: open('Patient'), DocumentReference: open('DocumentReference') };
  if (full) for (const t of ['Observation', 'DiagnosticReport', 'MedicationRequest', 'Appointment']) fd[t] = open(t);
  const bufs = Object.fromEntries(Object.keys(fd).map((k) => [k, []]));
  const put = (t, o) => {
    bufs[t].push(JSON.stringify(o));
    if (bufs[t].length >= 1000) { fs.writeSync(fd[t], bufs[t].join('\n') + '\n'); bufs[t] = []; }
  };
  const day = 86400000;
  for (let i = first; i < first + n; i++) {
    const pid = `p${i}`;
    const given = GIVEN[(i * 7) % GIVEN.length], family = FAMILY[(i * 13) % FAMILY.length];
    const dob = `${1940 + (i * 37) % 80}-${String(1 + (i * 5) % 12).padStart(2, '0')}-${String(1 + (i * 11) % 28).padStart(2, '0')}`;
    put('Patient', {
      resourceType: 'Patient', id: pid,
      identifier: [{ system: 'https://standards.digital.health.nz/ns/nhi-id', value: patientNhi(i) }],
      name: [{ use: 'official', family, given: [given] }], gender: i % 2 ? 'female' : 'male', birthDate: dob,
      telecom: [{ system: 'email', value: `import${i}@example.test` }],
    });
    for (let d = 0; d < docs; d++) {
      const [code, title] = KINDS[d % KINDS.length];
      put('DocumentReference', {
        resourceType: 'DocumentReference', id: `d${i}-${d}`, status: 'current',
        type: { coding: [{ system: 'http://loinc.org', code, display: title }] },
        subject: { reference: `Patient/${pid}` }, description: title,
        content: [{ attachment: { contentType: 'application/pdf', title: `${title.toLowerCase().replace(/ /g, '-')}.pdf`,
          data: pdf([`${title} (invented)`, `Patient ${given} ${family}`, `Document ${d + 1} of ${docs}`]) } }],
      });
    }
    if (!full) continue;
    const when = new Date(Date.now() - (30 + i % 300) * day).toISOString();
    const obs = [['4548-4', 'HbA1c', 38 + i % 20, 'mmol/mol'], ['2160-0', 'Creatinine', 70 + i % 30, 'umol/L']];
    obs.forEach(([code, display, v, unit], k) => put('Observation', {
      resourceType: 'Observation', id: `o${i}-${k}`, status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code, display }] }, subject: { reference: `Patient/${pid}` },
      effectiveDateTime: when, valueQuantity: { value: v, unit, code: unit },
    }));
    put('DiagnosticReport', {
      resourceType: 'DiagnosticReport', id: `r${i}`, status: 'final',
      identifier: [{ value: `IMP-${i}` }], subject: { reference: `Patient/${pid}` },
      effectiveDateTime: when, issued: when, performer: [{ display: 'Invented Community Laboratory' }],
      result: obs.map((_, k) => ({ reference: `Observation/o${i}-${k}` })),
    });
    put('MedicationRequest', {
      resourceType: 'MedicationRequest', id: `m${i}`, status: 'active', intent: 'order',
      medicationCodeableConcept: { text: 'Metformin 500 mg tablet' }, subject: { reference: `Patient/${pid}` },
      authoredOn: when, dosageInstruction: [{ text: 'Take one tablet twice a day with meals.' }],
    });
    // One visit a quarter of an hour, from two days on: no two at the same time, so one
    // clinician can hold them all (an import gives each visit a clinician free at its time).
    const start = new Date(Math.floor((Date.now() + 2 * day) / 900000) * 900000 + (i - first) * 900000).toISOString();
    put('Appointment', {
      resourceType: 'Appointment', id: `a${i}`, status: 'booked', start, minutesDuration: 15,
      description: 'Review', participant: [{ actor: { reference: `Patient/${pid}` }, status: 'accepted' }],
    });
  }
  for (const t of Object.keys(fd)) { if (bufs[t].length) fs.writeSync(fd[t], bufs[t].join('\n') + '\n'); fs.closeSync(fd[t]); }
}

if (require.main === module) main();
module.exports = { nhi };
