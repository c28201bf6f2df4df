#!/usr/bin/env node
// MLLP load: ORU^R01 messages with 10 results each (HL7 v2.4, NZ identifiers, test-range NHIs),
// sent over C connections for D seconds, each connection waiting for the ACK of one message
// before the next (MLLP is request and response). Prints messages per second and the ACK codes.
//
//   node bench/mllp.js --port 2575 [--connections 8] [--seconds 10] [--facility DEMOLAB]
//
// Against `medkeep serve --mllp 127.0.0.1:2575` with a facility-only feed for --facility
// (`medkeep feeds add ... --facility DEMOLAB`). Without ingestion (branch `mllp` alone) every
// ACK is AR: the figure is then the listener's own cost (parse, feed lookup, token, ACK).
'use strict';
const net = require('node:net');
const { parseArgs } = require('node:util');

const { values: opt } = parseArgs({
  options: {
    port: { type: 'string' }, connections: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '10' }, facility: { type: 'string', default: 'DEMOLAB' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
if (!opt.port) {
  console.error('usage: node bench/mllp.js --port PORT [--connections N] [--seconds S] [--facility MSH4]');
  process.exit(2);
}

const NHIS = ['ZAA0067', 'ZAA0075', 'ZAA0083', 'ZAA0091', 'ZAA0105'];

function oru(control, n) {
  const segs = [
    `MSH|^~\\&|LabSys|${opt.facility}|MEDKEEP|PORTAL|20260101120000||ORU^R01^ORU_R01|${control}|P|2.4|||AL|NE|NZL`,
    `PID|1||${NHIS[n % NHIS.length]}^^^NZLMOH^NHI||Tester^Jane^^^Ms^^L||19800101|F`,
    `OBR|1|ORD${n}|LAB${n}|CBC^Full blood count^NZPOC|||20260101080000|||||||||||||||20260101110000||HM|F`,
  ];
  const tests = ['HB^Haemoglobin', 'WBC^White cells', 'PLT^Platelets', 'RBC^Red cells', 'HCT^Haematocrit',
    'MCV^Mean cell volume', 'MCH^Mean cell haemoglobin', 'NEUT^Neutrophils', 'LYMPH^Lymphocytes', 'MONO^Monocytes'];
  tests.forEach((t, i) => segs.push(`OBX|${i + 1}|NM|${t}^NZPOC||${100 + i}|g/L|90-130|N|||F`));
  return Buffer.from(`\x0b${segs.join('\r')}\r\x1c\r`, 'latin1');
}

async function connection(id, until, tally) {
  const sock = net.connect({ host: opt.host, port: Number(opt.port) });
  await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
  let buf = Buffer.alloc(0);
  let waiting = null;
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    const end = buf.indexOf(0x1c);
    if (end >= 0 && buf.length > end + 1 && waiting) {
      const ack = buf.subarray(1, end).toString('latin1');
      buf = buf.subarray(end + 2);
      const w = waiting;
      waiting = null;
      w(ack);
    }
  });
  for (let n = 0; Date.now() < until; n++) {
    const ack = await new Promise((r) => { waiting = r; sock.write(oru(`B${id}-${n}-${Date.now()}`, n)); });
    const code = (ack.match(/\rMSA\|([A-Z]{2})\|/) || [])[1] || '??';
    tally[code] = (tally[code] || 0) + 1;
  }
  sock.destroy();
}

(async () => {
  const seconds = Number(opt.seconds);
  const tally = {};
  const start = Date.now();
  const until = start + seconds * 1000;
  await Promise.all(Array.from({ length: Number(opt.connections) }, (_, i) => connection(i, until, tally)));
  const took = (Date.now() - start) / 1000;
  const total = Object.values(tally).reduce((a, b) => a + b, 0);
  console.log(`${total} messages in ${took.toFixed(1)} s over ${opt.connections} connections: ` +
    `${Math.round(total / took)}/s; ACKs ${JSON.stringify(tally)}`);
})();
