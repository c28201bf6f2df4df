#!/usr/bin/env node
// The HL7 v2 feed benchmark's sender (bench/feeds.sh): registers N invented patients with
// ADT^A04, then sends ORU^R01 messages of 10 results each over C MLLP connections, each
// connection one message at a time (MLLP is request and answer: a sender waits for the ACK,
// which medkeep gives only after the message's effects are durable). Prints one JSON line per
// phase: messages, seconds, rate, and the ACK codes seen.
//
//   node bench/hl7-sender.js --port P --facility F --patients N --messages M --connections C
'use strict';
const net = require('node:net');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? acc.concat([[a.slice(2), all[i + 1]]]) : acc), []));
const PORT = Number(args.port);
const FACILITY = args.facility || 'BENCHLAB';
const PATIENTS = Number(args.patients || 2000);
const MESSAGES = Number(args.messages || 20000);
const CONNS = Number(args.connections || 8);

const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
// A test-range (Z) NHI in the 2023 format AAANNAX, with its check letter.
function nhi(i) {
  const l1 = Math.floor(i / (24 * 100 * 24)) % 24, l2 = Math.floor(i / (100 * 24)) % 24;
  const d = Math.floor(i / 24) % 100, l5 = i % 24;
  const s = 'Z' + LETTERS[l1] + LETTERS[l2] + String(d).padStart(2, '0') + LETTERS[l5];
  const v = (c) => LETTERS.indexOf(c) + 1;
  const sum = v(s[0]) * 7 + v(s[1]) * 6 + v(s[2]) * 5 + Number(s[3]) * 4 + Number(s[4]) * 3 + v(s[5]) * 2;
  return s + LETTERS[23 - (sum % 23) - 1];
}

const FAMILY = ['Tane', 'Ngata', 'Wilson', 'Patel', 'Chen', 'Smith', 'Walker', 'Rangi'];
const GIVEN = ['Aroha', 'Mere', 'James', 'Priya', 'Wei', 'Sam', 'Ana', 'Hemi'];
const ts = () => new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);

function msh(type, id) {
  return `MSH|^~\\&|BENCHLIS|${FACILITY}|MEDKEEP|PRACTICE|${ts()}||${type}|${id}|P|2.4`;
}
function adt(i) {
  return [msh('ADT^A04^ADT_A01', `A${i}`), `EVN|A04|${ts()}`,
    `PID|1||${nhi(i)}^^^NHI^NHI||${FAMILY[i % 8]}^${GIVEN[(i >> 3) % 8]}||19${50 + (i % 50)}0${1 + (i % 9)}1${i % 10}|${i % 2 ? 'F' : 'M'}`,
    'PV1|1|O'].join('\r');
}
const TESTS = [['2951-2', 'Sodium', 'mmol/L', '135-145', 140], ['2823-3', 'Potassium', 'mmol/L', '3.5-5.2', 4.1],
  ['2160-0', 'Creatinine', 'umol/L', '60-110', 85], ['33914-3', 'eGFR', 'mL/min/1.73m2', '>60', 90],
  ['718-7', 'Haemoglobin', 'g/L', '130-175', 150], ['6690-2', 'WBC', '10*9/L', '4.0-11.0', 6.5],
  ['777-3', 'Platelets', '10*9/L', '150-400', 250], ['4548-4', 'HbA1c', 'mmol/mol', '<41', 38],
  ['2093-3', 'Cholesterol', 'mmol/L', '<5.0', 4.6], ['1742-6', 'ALT', 'U/L', '<45', 22]];
function oru(n) {
  const i = n % PATIENTS;
  const lines = [msh('ORU^R01^ORU_R01', `R${n}`), `PID|1||${nhi(i)}^^^NHI^NHI||${FAMILY[i % 8]}^${GIVEN[(i >> 3) % 8]}`,
    `OBR|1|${n}|L${n}|BENCH^Bench panel^L|||${ts()}|||||||||||||||${ts()}||CH|F`];
  TESTS.forEach((t, k) => lines.push(`OBX|${k + 1}|NM|${t[0]}^${t[1]}^LN||${t[4] + (n % 3)}|${t[2]}|${t[3]}|N|||F`));
  return lines.join('\r');
}

// Send messages make(0..count) over CONNS connections; resolve with the timing and ACK codes.
function run(count, make) {
  return new Promise((resolve, reject) => {
    let next = 0, done = 0, open = 0;
    const codes = {};
    const t0 = process.hrtime.bigint();
    const finish = () => resolve({ messages: done, seconds: Number(process.hrtime.bigint() - t0) / 1e9, codes });
    for (let c = 0; c < CONNS; c++) {
      const sock = net.connect(PORT, '127.0.0.1');
      open++;
      let buf = Buffer.alloc(0);
      const send = () => {
        if (next >= count) { sock.end(); return; }
        const m = make(next++);
        sock.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(m, 'latin1'), Buffer.from([0x1c, 0x0d])]));
      };
      sock.on('connect', send);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        let end;
        while ((end = buf.indexOf(0x1c)) >= 0 && buf.length > end + 1) {
          const ack = buf.subarray(1, end).toString('latin1');
          buf = buf.subarray(end + 2);
          const msa = ack.split('\r').find((s) => s.startsWith('MSA|'));
          const code = msa ? msa.split('|')[1] : '??';
          codes[code] = (codes[code] || 0) + 1;
          done++;
          send();
        }
      });
      sock.on('error', reject);
      sock.on('close', () => { if (--open === 0) finish(); });
    }
  });
}

(async () => {
  const reg = await run(PATIENTS, adt);
  console.log(JSON.stringify({ phase: 'ADT^A04', ...reg, rate: reg.messages / reg.seconds }));
  const res = await run(MESSAGES, oru);
  console.log(JSON.stringify({ phase: 'ORU^R01 (10 results)', ...res, rate: res.messages / res.seconds }));
})().catch((e) => { console.error(e); process.exit(1); });
