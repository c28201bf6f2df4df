// A local SMTP sink for the lifecycle tests (npm smtp-server): it accepts every message on a
// loopback port and keeps it, so a test can read what medkeep sent and follow its links.
'use strict';
const { SMTPServer } = require('smtp-server');

function parse(raw) {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const headers = {};
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, subject: headers.subject || '', body, links: body.match(/https?:\/\/[^\s]+/g) || [] };
}

async function startSink({ port = 0 } = {}) {
  const messages = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({ from: session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address), raw, ...parse(raw) });
        done();
      });
    },
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: server.server.address().port,
    messages,
    // The messages to `to` (optionally whose subject matches), waiting until there are `count`.
    async waitFor(to, subject = /./, count = 1, ms = 20000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const got = messages.filter((m) => m.to.includes(to) && subject.test(m.subject));
        if (got.length >= count) return got;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject} (have: ${messages.map((m) => `${m.to}: ${m.subject}`).join('; ')})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close() { return new Promise((resolve) => server.close(resolve)); },
  };
}

// The path and query of a link in a message, for a Client of the same server.
function linkPath(message, pathPrefix) {
  const link = message.links.find((l) => new URL(l).pathname === pathPrefix);
  if (!link) throw new Error(`no ${pathPrefix} link in: ${message.body}`);
  const u = new URL(link);
  return { path: u.pathname + u.search, token: u.searchParams.get('token'), url: u };
}

module.exports = { startSink, linkPath };
