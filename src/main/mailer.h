/*
 * Sending the outbox by SMTP (libcurl) to the relay named in DIR/medkeep.conf:
 *
 *   smtp.url       = smtp://127.0.0.1:2525   (smtps://HOST:465 for TLS from the start)
 *   smtp.from      = medkeep <noreply@practice.example.nz>
 *   smtp.starttls  = required                (refuse to send unless STARTTLS succeeds)
 *   smtp.username  = ...                     (optional, with smtp.password)
 *
 * Addresses are sealed in the outbox; the sender opens each one through the vault's mail lane
 * (or, in `medkeep outbox send`, with the master key of the command-line tool). Neither an
 * address nor a body is ever logged: only outbox ids and curl's error codes.
 */
#ifndef MEDKEEP_MAILER_H
#define MEDKEEP_MAILER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mail_config {
	char url[256];
	char from[256];
	char username[128];
	char password[128];
	bool starttls_required;
};

/* 0 when DIR/medkeep.conf names an SMTP relay (smtp.url and smtp.from), 1 when it names
 * none, -1 when it is malformed (message on stderr). */
int mail_config_load(const char *dir, struct mail_config *c);

struct mail_pass {
	size_t sent, failed;
};
/* Send what is due at now (every unsent message when all). Each failure is retried later with
 * backoff (doubling from MAIL_RETRY_FIRST_SECONDS up to an hour). 0, or -1 on a store error. */
int mail_send_pass(const struct mail_config *c, bool all, int64_t now, struct mail_pass *out);

#endif
