/*
 * Queueing an email (docs/internals/OUTBOX.md). Every mail medkeep sends goes through
 * outbox_queue: the body is sealed by the vault (vault_outbox_seal) and bound to the outbox
 * row's id and the account before it is stored, so the database, and every backup of it,
 * holds no link that signs anyone in. Only the mail sender (the vault's mail lane) or a
 * command-line tool holding the master key opens it; the sender drops it once sent.
 */
#ifndef MEDKEEP_OUTBOX_H
#define MEDKEEP_OUTBOX_H
#include "store/store.h"
#include "util/id.h"

/* Queue a mail to account, whose sealed address is to_ct. subject is stored in clear and must
 * carry no PHI and no link; body is at most LIMIT_MAIL_BODY bytes. Returns a store_rc
 * (ERR_INTERNAL when the body cannot be sealed or is too long). */
enum err outbox_queue(const struct id *account, struct bytes to_ct, const char *subject,
		      const char *body);
/* Seal a mail without queueing it, into ar, for a store write that queues it in the same
 * transaction (store_proxy_insert). 0, or -1 when it cannot be sealed. */
int outbox_seal(const struct id *account, struct bytes to_ct, const char *subject,
		const char *body, struct arena *ar, struct store_mail *out);
/* The portal's base URL that emails give as plain text (portal.url of medkeep.conf, else the
 * address served; set once at start-up by each process that queues mail), never with a '/'
 * last. */
void outbox_set_portal_url(const char *url);
const char *outbox_portal_url(void);

#endif
