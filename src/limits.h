/*
 * Every size, count and time limit of medkeep, each with the reason for its value.
 * Parsers and buffers take their bound from here; nothing grows without one.
 */
#ifndef MEDKEEP_LIMITS_H
#define MEDKEEP_LIMITS_H

/* A scanned letter or lab report PDF is rarely above 5 MB; 20 MB leaves room for photos. */
#define LIMIT_UPLOAD_BYTES (20u * 1024u * 1024u)
/* base64 inflates by 4/3; JSON envelope and metadata fit easily in the extra 1 MB. */
#define LIMIT_JSON_BODY_BYTES (LIMIT_UPLOAD_BYTES / 3u * 4u + 1024u * 1024u)
/* multipart framing around one upload plus a few small fields. */
#define LIMIT_MULTIPART_BODY_BYTES (LIMIT_UPLOAD_BYTES + 64u * 1024u)
/* login, logout, small forms: nothing legitimate comes near this. */
#define LIMIT_FORM_BODY_BYTES (16u * 1024u)
/* Per-connection memory for request line and headers (libmicrohttpd pool). */
#define LIMIT_CONNECTION_MEMORY (32u * 1024u)
/* Enough for a busy practice's staff behind one NAT, far below fd limits. */
#define LIMIT_CONNECTIONS 1024u
#define LIMIT_CONNECTIONS_PER_IP 64u
/* Idle keep-alive connections are closed after this many seconds. */
#define LIMIT_IDLE_SECONDS 15u
/* Form fields in one body: our biggest form has five. */
#define LIMIT_FORM_FIELDS 16u
/* Multipart parts in one body: one file plus a few fields. */
#define LIMIT_MULTIPART_PARTS 8u
/* Cookies in one header: browsers send a handful for one host. */
#define LIMIT_COOKIES 32u
/* Text fields (titles, descriptions): a paragraph, not a document. */
#define LIMIT_TEXT_FIELD 1000u
/* Email addresses: RFC 5321 path limit. */
#define LIMIT_EMAIL 254u
/* Passwords: long passphrases welcome, but bounded so hashing input is bounded. */
#define LIMIT_PASSWORD 128u
/* Filenames as shown to users. */
#define LIMIT_FILENAME 200u
/* A page of list results; FHIR searches return at most this many entries. */
#define LIMIT_LIST 500u
/*
 * FHIR search (src/fhir/fhir_search.c, docs/internals/SEARCH.md).
 * - A page is at most 500 entries, as every search was before paging: each entry of a
 *   document page costs the vault one key, and 500 keep a page well under a second; an app
 *   that asks for more gets 500 and a next link (FHIR lets the server lower _count). With no
 *   _count a page is the same 500, so clients that never page see what they saw before.
 * - A search names at most 32 parameters, each value at most 1,024 bytes, a comma list at
 *   most 16 values: the longest real query (a date range, two token lists, sort, count and
 *   a cursor) is a tenth of that.
 * - Date conditions become at most 8 disjoint ranges (ne gives two, a comma list one each):
 *   the store binds exactly that many, so its statements stay fixed text.
 */
#define LIMIT_SEARCH_COUNT_MAX 500u
#define LIMIT_SEARCH_COUNT_DEFAULT 500u
#define LIMIT_SEARCH_PARAMS 32u
#define LIMIT_SEARCH_VALUE 1024u
#define LIMIT_SEARCH_OR 16u
#define LIMIT_SEARCH_RANGES 8u
/* A search's self, next or previous link: every parameter at its longest, percent-encoded
 * (three bytes a byte), fits: 32 x (1,024 x 3 + names) is under 100 KB. */
#define LIMIT_SEARCH_LINK (128u * 1024u)
/* The practice register page by page: a hundred names a page reads comfortably, and 2,000 pages
 * reach a 200,000-patient register (far beyond the largest practice). */
#define LIMIT_REGISTER_PAGE 100u
#define LIMIT_REGISTER_PAGES 2000
/* One sealed record's plaintext (a message body, a result with its observations): what the
 * vault seals or opens in one call */
#define RECORD_PLAINTEXT_MAX (16u * 1024u)
/* One queued email's body (src/domain/outbox.c): our longest template is a few hundred
 * bytes; what the vault seals or opens for the outbox in one call (well inside MSG_MAX). */
#define LIMIT_MAIL_BODY (16u * 1024u)
/* The granter's name in a family-access email (proxy_label_ok): a given and family name as
 * the grantee knows them. Short, so a label cannot carry a message of its own. */
#define LIMIT_LABEL_CHARS 60u
/* A patient's own contact details (src/domain/details.c, docs/internals/DETAILS.md): a phone
 * number as typed, room for "+64 21 123 4567" with spaces or dashes (an E.164 number is at most
 * 15 digits, NZ numbers 8 to 11); an address line as NZ Post writes one (a street line, a
 * suburb, a town or city: NZ Post's addressing standard keeps each under 40 characters, with
 * room for a flat or rural delivery number), at most LIMIT_ADDRESS_LINES lines. */
#define LIMIT_PHONE_CHARS 20u
#define LIMIT_ADDRESS_LINE_CHARS 60u
#define LIMIT_ADDRESS_LINES 2u
/* The sentence that says what a held record's grant covers (web_scope_explanation): a first
 * name (a given name is sealed within LIMIT_RECORD_FIELDS, but a first name of more than a
 * few hundred bytes is no name) and five scope words fit in a few hundred bytes. */
#define LIMIT_EXPLANATION 1024u
/* One string of the interface's text with its values filled in (text_fill, util/text.h): the
 * longest template is a few hundred bytes, and its values (a practice's name, a time, a first
 * name, the practice's reason for a cancellation) are each bounded well below this. */
#define LIMIT_TEXT_FILL 8192u
/*
 * Upload quotas: the defaults of the DIR/medkeep.conf settings (src/domain/quota.c,
 * docs/internals/QUOTAS.md). Every file stored (a document, a message's attachment) counts
 * against the account that uploaded it, in a rolling 24 hours and in all.
 * - A patient (or carer) uploads a few photos or scanned letters a month; 500 MB a day is 25
 *   files at the 20 MB limit, and 2 GB in all is a hundred, so no honest patient meets either,
 *   while one login can no longer write 400 GB an hour.
 * - Staff publish letters and results for a whole practice: a busy clinician's day is ~100
 *   letters of ~1 MB, so 2 GB a day; 200 GB in all is decades of letters.
 * - The disk keeps a reserve: below it no upload is stored, so the database, the audit trail
 *   (every read is recorded before it is served) and sessions keep working. 1 GB holds
 *   millions of audit records, time for an operator to add disk.
 */
#define QUOTA_WINDOW_SECONDS (24 * 60 * 60)
#define QUOTA_ACCOUNT_DAILY_BYTES_DEFAULT (500LL * 1024 * 1024)
#define QUOTA_ACCOUNT_TOTAL_BYTES_DEFAULT (2LL * 1024 * 1024 * 1024)
#define QUOTA_STAFF_DAILY_BYTES_DEFAULT (2LL * 1024 * 1024 * 1024)
#define QUOTA_STAFF_TOTAL_BYTES_DEFAULT (200LL * 1024 * 1024 * 1024)
#define QUOTA_DISK_RESERVE_BYTES_DEFAULT (1LL * 1024 * 1024 * 1024)
/* Per-request arena: largest response is a document download (20 MB) plus its ciphertext. */
#define LIMIT_ARENA_BYTES (3u * LIMIT_JSON_BODY_BYTES)

/* Sessions: 30 minutes idle, 12 hours absolute (a clinic day). */
#define SESSION_IDLE_SECONDS (30 * 60)
#define SESSION_ABSOLUTE_SECONDS (12 * 60 * 60)
/* session.idle_seconds in medkeep.conf may set the idle timeout between a minute (shorter
 * would end sessions while a person reads one page) and the absolute limit. A session's
 * last_seen is written at most every idle/30 seconds (a minute at the default), and pages
 * warn SESSION_IDLE_WARN_SECONDS before the end (a third of the timeout when that is
 * shorter), long enough to read the warning and press its button. */
#define SESSION_IDLE_MIN_SECONDS 60
#define SESSION_IDLE_WARN_SECONDS 120
/* A return address carried through sign-in or step-up (next=): our paths are a few ids long;
 * 255 bytes is plenty and keeps the address bar and logs short. */
#define LIMIT_NEXT_PATH 255
/* An app's access token lives an hour from the patient's consent, then the app asks again
 * (docs/internals/APPS.md); its code, a minute between consent and exchange. */
#define APP_TOKEN_SECONDS (60 * 60)
#define APP_CODE_SECONDS 60
/* medkeep.conf `oauth.access_token_seconds` may shorten an app's access token (an operator
 * whose policy asks for 15 minutes; a test that watches a token expire), never lengthen it: the
 * vault's own check stays at APP_TOKEN_SECONDS. Not under a minute, the code's own life: an
 * app that refreshes more often than that is only load. */
#define APP_TOKEN_MIN_SECONDS 60
/* An app's refresh tokens (APPS.md). offline_access: 90 days from the consent, then the patient
 * is asked again: a phone app used every day keeps working for a season without the patient
 * seeing the consent page hourly, and a token left on a lost or sold phone dies within one
 * (the patient can end it at once under Sessions). online_access lives while the patient is
 * signed in, so never longer than a session can (SESSION_ABSOLUTE_SECONDS); the vault counts
 * both from the consent by its own clock. */
#define APP_REFRESH_OFFLINE_SECONDS (90LL * 24 * 60 * 60)
#define APP_REFRESH_ONLINE_SECONDS SESSION_ABSOLUTE_SECONDS
/* A practice system's access token (docs/internals/SYSTEMS.md): minutes, as SMART Backend
 * Services recommends; a PMS asks again with a new assertion, which costs it one signature. */
#define SYSTEM_TOKEN_SECONDS (5 * 60)
/* Its signed assertion may expire at most five minutes ahead (SMART Backend Services), with a
 * few seconds for clocks that disagree; each jti is remembered until its assertion expires. */
#define SYSTEM_ASSERTION_MAX_SECONDS (5 * 60)
#define SYSTEM_CLOCK_SKEW_SECONDS 10
/* Failed assertions from one address in THROTTLE_WINDOW_SECONDS before it waits (doubling from
 * THROTTLE_BLOCK_SECONDS). A working PMS fails none; a misconfigured one retries a few times
 * a minute. Per address, never per client: a failed assertion proves nobody, so a stranger
 * sending bad ones under a client's id must not lock that client out (DESIGN.md invariant 10). */
#define SYSTEM_ASSERTION_FAILURES 30
/* A practice system's signed assertion (compact JWS): a few hundred bytes in practice, well
 * within a token request's form body (LIMIT_FORM_BODY_BYTES). */
#define LIMIT_JWS_BYTES 8192
/* Its registered key set: a few public keys of ~200 bytes each; at most 8 keys (a rotation
 * needs two, a little room beyond), each kid at most 128 characters. */
#define LIMIT_JWKS_BYTES 16384
#define LIMIT_JWKS_KEYS 8
#define LIMIT_JWK_KID 128
/* A transaction Bundle from a practice system: a patient with a year of letters and results
 * is a few dozen entries; the bytes are those of a JSON body (LIMIT_JSON_BODY_BYTES). */
#define LIMIT_BUNDLE_ENTRIES 64
/* Step-up: how recent a second factor must be for sensitive changes (policy_factor_fresh) */
#define STEP_UP_SECONDS (5 * 60)
/* An unlock ticket of `medkeep accounts unlock` (docs/internals/UNLOCK.md) is handed to the
 * vault at the account's next sign-in; one not used within 30 days lapses (unlock again). */
#define UNLOCK_TICKET_SECONDS (30 * 24 * 60 * 60)
/* A reviewer's reason for unlocking or keeping an account locked (kept with the lock). */
#define LIMIT_LOCK_REASON 500
/* Proxy (family and carer) grants end on a date chosen by the patient: at most two years
 * ahead, so access someone forgot about lapses; one year unless they choose. */
#define PROXY_MAX_DAYS 731
#define PROXY_DEFAULT_DAYS 365
/* A practice sets up a parent's access only to a child younger than this (in NZ practice a
 * young person of 16 manages their own record; below it, case by case). */
#define PROXY_CHILD_AGE_YEARS 16

/* Login throttling: after this many failures in the window, the key (an account, an address)
 * is blocked for THROTTLE_BLOCK_SECONDS, doubling with each further failure (exponential
 * backoff) up to THROTTLE_BLOCK_MAX_SECONDS. The global limit is the bounded password-check
 * pool (LOGINS_IN_FLIGHT_MAX in auth.c): past it, attempts are refused before any hashing. */
#define THROTTLE_ACCOUNT_FAILURES 5
#define THROTTLE_ADDRESS_FAILURES 20
#define THROTTLE_WINDOW_SECONDS (15 * 60)
#define THROTTLE_BLOCK_SECONDS 60
#define THROTTLE_BLOCK_MAX_SECONDS (24 * 60 * 60)
/* Registering by invitation asks for the patient's date of birth: a few tries for typing
 * slips, then the invitation ends (a guesser holding the link would need ~36,500). */
#define INVITE_DOB_TRIES 5
/* Known devices (docs/internals/ACCOUNTS.md, "Known devices"): a browser the owner has signed
 * in from keeps its own allowance of THROTTLE_DEVICE_FAILURES, so strangers guessing against
 * the shared allowance cannot lock the owner out. The device cookie lives 180 days (below the
 * 400 days browsers cap cookies at; a phone or laptop is used that long), and an account
 * remembers its LIMIT_KNOWN_DEVICES most recent devices (a household's phones, tablets and
 * computers, with room to spare; older ones fall back to the shared allowance). */
#define THROTTLE_DEVICE_FAILURES 5
#define DEVICE_COOKIE_SECONDS (180 * 24 * 60 * 60)
#define LIMIT_KNOWN_DEVICES 16

/* Demo generator: the test-range NHIs it draws from hold 1.38 million numbers. */
#define LIMIT_DEMO_PATIENTS 1000000

/*
 * Signed audit checkpoints: one after this many records, or once this many seconds have
 * passed since the last one while records are waiting, whichever comes first. Records after
 * the newest checkpoint could be deleted without `audit verify` noticing, so these bound that
 * window: at most 10,000 records or a minute of activity. A checkpoint costs one Ed25519
 * signature (about 50 microseconds) and one row, inside a commit the writer makes anyway: at
 * 10,000 records a second that is one per second, a small fraction of one core.
 */
#define AUDIT_CHECKPOINT_RECORDS 10000
#define AUDIT_CHECKPOINT_SECONDS 60
/* A commit lost with the database's connection (PostgreSQL restarting, failing over) is tried
 * again for this long before its requests are refused (503): a fast restart takes a second or
 * two, and a request waiting longer than this is better told to come back. */
#define AUDIT_OUTAGE_RETRY_MS 3000

/* Online backup: pages copied per step (4 MB of 4 KB pages): progress shows every step,
 * and each step is short. The whole copy reads one snapshot (see store_file_copy). */
#define LIMIT_BACKUP_STEP_PAGES 1024

/* Key rotation: patient keys rewrapped per transaction. A batch holds the keystore's write
 * lock for a few milliseconds, so patient creation in a serving portal waits at most that;
 * an interrupted rotation redoes at most one batch. */
#define LIMIT_ROTATE_BATCH 500

/* An exported checkpoint file is read whole: a year of checkpoints at one a minute is about
 * 100 MB of JSON; more than 1 GB is refused rather than read into memory. */
#define LIMIT_CHECKPOINT_FILE_BYTES (1024L * 1024 * 1024)

/* Secure messages: a subject is a line, a body a letter's worth (the sealed record, as JSON
 * with an attachment's name, stays far below RECORD_PLAINTEXT_MAX). One attachment per
 * message, smaller than a document upload: a photo or a scanned page, not an archive. A
 * thread holds at most LIMIT_LIST messages; the practice inbox shows this many threads. */
#define LIMIT_MESSAGE_SUBJECT 150u
#define LIMIT_MESSAGE_BODY 5000u
#define LIMIT_MESSAGE_ATTACHMENT_BYTES (10u * 1024u * 1024u)
/* 25: with the repeat queue's 25, a morning's two queues open at most 50 patients' content at
 * once, well inside a clinician's burst allowance (breaker.clinician.burst, 80). */
#define LIMIT_INBOX_THREADS 25u
/* Pages of the results inbox one may ask for: 25 a page (RESULT_INBOX_PAGE), so up to 10,000
 * results waiting, far beyond a 2,000-patient practice's backlog. */
#define LIMIT_INBOX_PAGES 400

/* A patient's access log: audit records read per page (runs of the same access are folded
 * into one line, so a page shows fewer lines than this). */
#define LIMIT_ACCESSLOG_PAGE 200u

/* The whole-record export inlines a document's bytes when it is at most this big, and at
 * most this much in all; larger ones are referenced by their Binary url. */
#define LIMIT_EXPORT_INLINE_DOC (256u * 1024u)
#define LIMIT_EXPORT_INLINE_TOTAL (8u * 1024u * 1024u)

/*
 * Arenas and buffers outside a request (issue 13: every cap named). A request has
 * LIMIT_ARENA_BYTES; these are what other callers create for one step, by what it holds.
 */
/* A small scratch arena: one hash input, one decoded key or signature, one sealed address or
 * secret, one code row. */
#define LIMIT_SCRATCH_ARENA 4096u
/* A single-row lookup (a token, an account's state): a few ids and short fields. */
#define LIMIT_LOOKUP_ARENA (16u * 1024u)
/* One operation's arena (sign-in, an MFA step, a lock decision, a cancel, an account looked
 * up): a few rows with their sealed fields, far below 64 KB. */
#define LIMIT_CALL_ARENA (64u * 1024u)
/* Changing an email address: the account, the other account holding the address, the sealed
 * address and the confirmation mail. */
#define LIMIT_EMAIL_CHANGE_ARENA (128u * 1024u)
/* An account operation that reads and writes several rows, seals addresses and queues mail
 * (invite, register, a proxy grant), or a command listing every registered app. */
#define LIMIT_ACCOUNT_ARENA (256u * 1024u)
/* One job's arena: a demo step (a patient, a document, a message), creating a patient, a
 * notice, a retention pass over the patients due. */
#define LIMIT_JOB_ARENA (1u << 20)
/* A batch read whole: a key rotation batch of LIMIT_ROTATE_BATCH wrapped keys, or every
 * account listed by `medkeep accounts list`. */
#define LIMIT_BATCH_ARENA (64u * 1024u * 1024u)
/* One mail pass: a batch of due outbox rows (sealed address, subject and body each). */
#define LIMIT_MAIL_PASS_ARENA (4u * 1024u * 1024u)
/* One queued email: its body and sealed copy, plus the subject and address. */
#define LIMIT_OUTBOX_ARENA (2u * LIMIT_MAIL_BODY + 4096u)
/* One notification email composed in place (a fixed text with a name) and its sealed address. */
#define LIMIT_NOTICE_MAIL_ARENA 8192u
/* One event's notices (docs/internals/NOTICES.md): the practice's name, the record's own
 * logins and proxy holders with their sealed addresses, and one sealed mail per recipient
 * (each LIMIT_OUTBOX_ARENA at most, composed one at a time): well under 256 KB. */
#define LIMIT_NOTIFY_ARENA (256u * 1024u)
/* Proxy holders of one record told of an event: a family has a few (parents, a carer); past
 * this many the rest are not emailed (they still see the record). */
#define LIMIT_NOTIFY_PROXIES 16
/* Clinicians of one practice told of new patient messages: a large NZ practice has 20-30. */
#define LIMIT_NOTIFY_STAFF 64
/* A clinician is told "new messages are waiting" at most once in this many seconds: a busy
 * practice receives dozens of messages an hour, and one notice per quarter hour is enough to
 * send someone to the inbox, where every waiting message is. */
#define NOTIFY_STAFF_WINDOW_SECONDS (15 * 60)
/* Appointment reminders go out at this NZ local hour the day before: after the practice opens
 * and the patient is up, early enough to rebook. */
#define NOTIFY_REMINDER_HOUR 9
/* How far ahead a recall may be set: a five-yearly screening (cervical screening is every
 * three to five years in NZ) is the longest interval practices recall for. */
#define RECALL_MAX_DAYS (5 * 366)
/* The open recalls of one patient at one practice that one booking closes (or its
 * cancellation opens again): a patient has a handful (a screening, a review or two); 50 leaves
 * room and keeps the rows (about 170 bytes each) well inside a call arena. */
#define RECALLS_PER_BOOKING 50u
/* Sealing one app access token (a session token in base64) under its code's key. */
#define LIMIT_TOKEN_SEAL_ARENA 1024u

/* Room for one envelope around sealed data (format version, nonce and tag: envelope_overhead(),
 * 41 bytes), with margin: a sealed buffer is its plaintext's limit plus this. */
#define LIMIT_SEAL_OVERHEAD_MARGIN 1024u
/* A wrapped key (a 32-byte key in an envelope): well under 256 bytes. */
#define LIMIT_WRAPPED_KEY 256u
/* A sealed TOTP secret (20 bytes plus the envelope): well under 256 bytes. */
#define LIMIT_SEALED_SECRET 256u
/* An opened TOTP secret is 20 bytes; anything over 64 is refused as malformed. */
#define LIMIT_TOTP_SECRET 64u
/* A key or signature, as base64 text or decoded bytes (Ed25519: 32 and 64 bytes, 88 as
 * base64): 1 KB holds any of them and lets a bad one be read before it is refused. */
#define LIMIT_ENCODED_KEY 1024u
/* An address (at most LIMIT_EMAIL) sealed for the database: the envelope adds under 100. */
#define LIMIT_SEALED_EMAIL 1024u
/* An address sealed or opened by the vault or the mailer: twice LIMIT_SEALED_EMAIL, so an
 * address is refused by its LIMIT_EMAIL check and never by a short buffer. */
#define LIMIT_EMAIL_BUF 2048u
/* An address opened for a command's listing (LIMIT_EMAIL with room). */
#define LIMIT_EMAIL_SHOWN 512u
/* One record's sealed fields on the worker side (a patient's details, a proxy grant, a
 * document's metadata): a few text fields of at most LIMIT_TEXT_FIELD, far below 64 KB. */
#define LIMIT_RECORD_FIELDS (64u * 1024u)
/* A record the vault seals or opens for a worker (a patient's details, a sealed record):
 * RECORD_PLAINTEXT_MAX and its envelope, inside one reply frame. */
#define LIMIT_VAULT_RECORD (20u * 1024u)
/* A practice notice, sealed or opened: a long notice with room for the envelope. */
#define LIMIT_NOTICE_SEALED (512u * 1024u)
/* The canonical text of one audit record, hashed into the chain: ids, an action, a reason. */
#define LIMIT_AUDIT_HASH_INPUT 2048u
/* One schema migration step as PostgreSQL reads it (pg_schema.c): the longest step today is
 * under 4 KB; a translation only lengthens types and adds rowid columns. */
#define LIMIT_SCHEMA_STEP_SQL (64u * 1024u)
/* A JSON error body ({"error":"..."}): the messages are short fixed strings. */
#define LIMIT_ERROR_BODY 1024u
/* An app's scopes as one space-separated string: every scope name we know fits. */
#define LIMIT_SCOPE_STRING 1024u
/* A generated PDF's page text (src/main/pdf.c), or a demo letter of two lines: a page. */
#define LIMIT_PDF_PAGE_TEXT (64u * 1024u)
/* A demo document's generated PDF: a dozen lines of text, with room. */
#define LIMIT_DEMO_PDF (256u * 1024u)

/*
 * HL7 v2 messages over MLLP (src/hl7/, docs/internals/HL7.md).
 * - A message: the largest a practice receives is an MDM^T02 or REF^I12 carrying a letter or
 *   discharge summary as a Base64 PDF in one OBX-5 (ED). A scanned letter is rarely above
 *   5 MB (LIMIT_UPLOAD_BYTES); Base64 inflates by 4/3, so a 10 MB PDF is 13.4 MB of text,
 *   and the segments around it a few KB: 16 MB. The MLLP decoder's buffer is this size, so
 *   each connection holds at most 16 MB, and a longer frame is refused as it passes it.
 * - Segments: a lab ORU^R01 with 24 observations, each with a few NTE comment lines, is
 *   about 150 segments; a histology or microbiology report sent one OBX per line of text can
 *   run to several hundred. 1,000 leaves room; the caller's segment index costs 24 bytes each.
 * - Fields per segment: PID has 39 fields in v2.5, OBX 25; 256 leaves room for Z-segments.
 * - Field bytes: an address, a name list, a long NTE comment or a line of report text is far
 *   below 64 KB. OBX-5 (the observation value) is exempt: it holds the encapsulated data
 *   (ED) of a PDF, bounded by the message limit alone.
 * - Repetitions in one field: PID-3 holds a patient's NHI and a few local identifiers, PID-5
 *   and PID-13 a few names and numbers: 64 is generous.
 */
#define LIMIT_HL7_MESSAGE_BYTES (16u * 1024u * 1024u)
#define LIMIT_HL7_SEGMENTS 1000u
#define LIMIT_HL7_FIELDS 256u
#define LIMIT_HL7_FIELD_BYTES (64u * 1024u)
#define LIMIT_HL7_REPETITIONS 64u
/* An ACK: the MSH with the sender's applications and facilities copied back (each a field,
 * in practice under 200 bytes), an MSA and an ERR with a short fixed text: 4 KB. */
#define LIMIT_HL7_ACK_BYTES 4096u

/*
 * HL7 v2 feeds (docs/internals/FEEDS.md). A feed's name is the operator's label for a sender
 * ("Demo Community Laboratory"): shown in lists and pages, as an app's name is, so the same 80
 * characters. Its sending facility is MSH-4 as the sender writes it, an HD of up to three
 * components (namespace ID ^ universal ID ^ universal ID type): HL7 v2.5 gives them 20, 199
 * and 6 characters, 227 with their two separators.
 */
/* A patient's family or given name(s) as the register keeps them: HL7 v2.5's XPN family name
 * is 194 characters; 200 bytes of UTF-8 holds that and any real name. */
#define LIMIT_PATIENT_NAME 200u
#define LIMIT_FEED_NAME 80u
#define LIMIT_FEED_FACILITY 227u
/* A practice system's name as the access log and incident reports show it: the longer of a
 * feed's name (LIMIT_FEED_NAME) and a system client's (APP_NAME_MAX, store/apps.h), both 80. */
#define LIMIT_SYSTEM_NAME 80u
/* Practices and feeds listed by the command line, a page of LIMIT_LIST at a time: 500 feeds
 * of under 400 bytes, or 500 practice names of a line each, fit with room. */
#define LIMIT_REGISTER_ARENA (1u << 20)

/*
 * The MLLP listener (`serve --mllp`, src/mllp/, docs/internals/FEEDS.md).
 * - Connections: a practice's laboratories, hospitals and its own PMS each hold one
 *   connection, sometimes two; a node serving a few practices sees a handful. 32 at a time,
 *   each a thread and at most LIMIT_HL7_MESSAGE_BYTES of buffer (512 MB in the worst case,
 *   every sender mid-way through a 16 MB letter); further senders wait in the listen queue.
 * - A whole message within 60 s of its first byte: 16 MB at 2 Mbit/s is 64 s, and a lab link is
 *   faster; a sender that drips a byte a second loses its slot after a minute, not never.
 * - Between messages a connection may sit idle for 120 s: labs send in bursts and reconnect
 *   when a connection was closed (MLLP clients do); a silent connection frees its slot.
 * - A TLS handshake within 10 s (two round trips and a signature, even on a slow link).
 * - Reads of 64 KB at a time from the socket into the message buffer.
 */
#define LIMIT_MLLP_CONNECTIONS 32u
/* Of those, from one address: a hospital's several senders behind one NAT fit; a peer that
 * opens connections to hold slots (each for up to a handshake's 10 s without a certificate)
 * cannot take more than a quarter of them. */
#define LIMIT_MLLP_CONNECTIONS_PER_IP 8u
#define LIMIT_MLLP_MESSAGE_SECONDS 60u
#define LIMIT_MLLP_IDLE_SECONDS 120u
#define LIMIT_MLLP_HANDSHAKE_SECONDS 10u
#define LIMIT_MLLP_READ_BYTES (64u * 1024u)
/* An ACK written back within 10 s: a sender that stops reading its ACKs loses its slot. */
#define LIMIT_MLLP_WRITE_SECONDS 10u

/*
 * Ingestion of HL7 v2 messages (src/ingest, docs/internals/FEEDS.md).
 * - A control id (MSH-10) is an ST of up to 199 characters in v2.5 (20 in v2.4): longer is
 *   refused (AR), so the duplicate check's key has a bound.
 * - A queued message's reason, and a rejection's: fixed sentences, under 200 bytes.
 * - The queue's page lists up to 100 waiting messages: a practice's day of unmatched results
 *   is a handful; a hundred waiting says something is wrong with a feed, and the page says
 *   there are more.
 * - A message claimed but not finished for 120 seconds was cut short (a crash between its
 *   effects and its answer): a resend then applies it again. Ingesting the largest message
 *   (a 16 MB MDM) takes well under a second; a sender's ACK timeout is usually 30 to 60 s, so
 *   a resend of a message still being applied is told to retry rather than applied twice.
 * - One message's working memory: the raw message is the caller's; what ingestion copies is
 *   the unescaped values and, for a document, the decoded PDF (LIMIT_UPLOAD_BYTES) and its
 *   sealed copy: 3 x 20 MB and room.
 */
/* Reports (OBR) in one ORU^R01: a lab sends a request's panels together, rarely more than a
 * handful (a full blood count, renal, liver, lipids, HbA1c, iron studies); 16 with room, each
 * up to RESULT_MAX_OBSERVATIONS observations. */
#define LIMIT_ORU_REPORTS 16u
/* Patients (PID groups) in one ORU^R01: a laboratory batches a run's results for one practice
 * into one message at times; each patient's reports still count towards LIMIT_ORU_REPORTS. */
#define LIMIT_ORU_PATIENTS 16u
#define LIMIT_HL7_CONTROL_ID 199u
#define LIMIT_FEEDQ_REASON 200u
#define LIMIT_FEEDQ_LIST 100u
#define LIMIT_INGEST_STALE_SECONDS 120
#define LIMIT_INGEST_ARENA (64u * 1024u * 1024u)
/*
 * Batches of feed messages (src/ingest/ingest_batch.c, FEEDS.md "Batches"): the messages that
 * arrive on all connections while a batch is being made durable are applied together, in one
 * store transaction with one audit commit. A batch holds medkeep.db's write lock while it is
 * applied, so a web worker's write waits for it: at most 16 messages (an ORU^R01 of 10
 * results is applied in well under a millisecond, so 16 hold the lock a few milliseconds, and
 * 16 to a batch already make the syncs a sixteenth of one a message; the benchmark's 8
 * connections never fill one), and at most 4 MB of messages, so that a letter with a large PDF
 * (sealed in tens of milliseconds) is a batch of its own rather than holding the ACKs of
 * results behind it. The first waiting message is always taken, whatever its size.
 */
#define LIMIT_INGEST_BATCH_MESSAGES 16u
#define LIMIT_INGEST_BATCH_BYTES (4u * 1024u * 1024u)

/*
 * `medkeep import` (docs/internals/IMPORT.md). A line of the NDJSON export is one resource; the
 * largest is a DocumentReference with its PDF inline, as large as a FHIR create may post
 * (LIMIT_JSON_BODY_BYTES: a 20 MB document in base64, and the rest). Lines go in batches of
 * 2,000, or of 64 MB of lines when that comes first, per store transaction (and one audit
 * commit): a batch's fsyncs cost well under a millisecond a line, a page of an index that
 * several lines of a batch touch is written once, and a crash loses at most one batch, done
 * again on the next run (the audit records of a batch are held in memory till its commit). The
 * Observations a later DiagnosticReport may name are remembered by where their lines are (a
 * few dozen bytes each): 4 million of them, the results of a practice of 100,000 patients
 * many times over.
 */
#define LIMIT_IMPORT_LINE LIMIT_JSON_BODY_BYTES
#define LIMIT_IMPORT_BATCH 2000u
#define LIMIT_IMPORT_BATCH_BYTES (64u * 1024u * 1024u)
#define LIMIT_IMPORT_PENDING_OBS (4u * 1024u * 1024u)
/* `medkeep invite --imported`: invitations queued per minute, by default and at most. A
 * practice's newly imported patients are invited over days, not in one burst: a mail provider
 * throttles (or blocks) a sender whose volume jumps, and the practice's phones ring with each
 * wave. 60 a minute invites 2,000 patients in about half an hour; 600 is the ceiling. */
#define LIMIT_INVITE_PER_MINUTE_DEFAULT 60u
#define LIMIT_INVITE_PER_MINUTE_MAX 600u
/* Audit records a tool holds for one commit (audit_batch_begin): a batch of 500 lines makes
 * two or three each; 4096 records of under 400 bytes. A full batch is committed at once. */
#define LIMIT_AUDIT_BATCH 4096u
/* A patient moving between practices (docs/internals/TRANSFERS.md). Requests one practice
 * may make in a day: a practice gains a few patients a week from others, and one taking in
 * the list of a practice that closes sees them walk in over weeks; 200 a day is far above
 * both, and far below what harvesting NHIs would need. The limit falls on the practice that
 * asks, never on the patient; each person may also ask this many times a day, counting the
 * asks that find nobody (so whether an NHI uses medkeep cannot be probed by the thousand). Decided requests stay listed on the practice's page this many
 * days. */
#define LIMIT_TRANSFER_ASKS_PER_DAY 200u
/* How long a feed's message is remembered for the duplicate check (sender and MSH-10), about
 * 100 bytes each: a sender resends within minutes or days, never after a year; the answer
 * stays on the audit trail for good. `medkeep retention run --yes` forgets older ones. */
#define LIMIT_FEED_MESSAGE_KEEP_DAYS 400u
#define LIMIT_TRANSFER_SHOWN_DAYS 30u

/* The practice's time zone, in the tz database's name (Debian's tzdata). Every date and time a
 * person reads or types is in it; what is stored and what programs read (CSV, JSON, FHIR) stays
 * UTC. One constant, not a setting yet: every practice on the service is in New Zealand, and a
 * setting would have to be read before each process's sandbox, in every command-line tool too.
 * Loaded once at start by nz_time_init (util/nztime.h); a missing zone stops the start. */
#define PRACTICE_TIME_ZONE "Pacific/Auckland"

/* The home page's "what's new" (docs/internals/HOME.md). A result or a repeat decision is new
 * for 30 days at most: a month covers a patient who signs in once a month, and a result
 * released a year ago is not news however it was missed (its list still has it). Each part
 * of the page shows at most 5 items, with a link to the rest: the page opens (decrypts) only
 * what it shows, so a patient with thousands of results costs what one with five does. */
#define LIMIT_HOME_NEW_DAYS 30u
#define LIMIT_HOME_ITEMS 5u

/* The health summary (docs/internals/SUMMARY.md): allergies, problems, immunisations and vital
 * signs as the practice sends them.
 * - A patient holds at most 500 entries of each kind (LIMIT_LIST): a lifetime's problem list
 *   and immunisation history fit many times over; vital signs beyond that are the practice's
 *   chart, not a summary, so the 501st of a kind is refused (ERR_FULL), never silently dropped.
 * - Words as a clinician writes them (a code's text, a reaction, a note): 500 bytes, a
 *   paragraph, like a medication's dose instructions; a coding's display 200 (SNOMED CT
 *   preferred terms are under 200); a code 64 (the FHIR id length; SNOMED CT ids are at most
 *   18 digits, LOINC codes 10 characters); a code system's URI 200.
 * - A vital sign's value: a number of at most 12 characters as written, above 0 and below
 *   100,000 (no human measurement is larger in its UCUM unit); its unit at most 20 bytes. */
#define LIMIT_SUMMARY_TEXT 500u
#define LIMIT_SUMMARY_DISPLAY 200u
#define LIMIT_SUMMARY_CODE 64u
#define LIMIT_SUMMARY_SYSTEM 200u
#define LIMIT_SUMMARY_VALUE_MAX 100000.0
#define LIMIT_SUMMARY_UNIT 20u

#endif
