// The mails waiting in a data directory's outbox, read the way only the operator's tools can:
// `medkeep outbox show` opens each sealed body with the master key. Tests read mail through
// this (or through the SMTP sink, smtp-sink.js), never with sqlite: a body at rest is sealed.
'use strict';
const { run } = require('./lib');

// Every unsent mail, oldest first: [{ id, account, subject, body, created }]. Optional filters:
// subject (a RegExp), account (hex id).
function queuedMails(dir, { subject, account } = {}) {
  const r = run(['outbox', 'show', '--data', dir]);
  if (r.code !== 0) throw new Error(`medkeep outbox show failed: ${r.stderr}`);
  return JSON.parse(r.stdout).filter((m) => (!subject || subject.test(m.subject)) &&
    (!account || m.account === account.toLowerCase()));
}

// The same, as one string of subject + body per mail (newline-separated), for matching.
function queuedText(dir, filter) {
  return queuedMails(dir, filter).map((m) => `${m.subject} ${m.body}`).join('\n');
}

module.exports = { queuedMails, queuedText };
