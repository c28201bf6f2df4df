#include "domain/outbox.h"

#include <string.h>

#include "crypto/crypto.h"
#include "limits.h"
#include "util/arena.h"
#include "util/buf.h"
#include "vault/vault.h"

int outbox_queue(const struct id *account, struct bytes to_ct, const char *subject,
		 const char *body)
{
	if (to_ct.len == 0 || body == NULL || subject == NULL || strlen(body) > LIMIT_MAIL_BODY)
		return STORE_ERROR;
	struct id id;
	random_id(&id);
	struct arena ar;
	arena_init(&ar, 2u * LIMIT_MAIL_BODY + 4096u);
	struct buf ct;
	buf_init(&ct, &ar, LIMIT_MAIL_BODY + 1024u);
	int rc = STORE_ERROR;
	if (vault_outbox_seal(&id, account, body, &ct) == VAULT_OK && !ct.failed && ct.len > 0)
		rc = store_outbox_insert(&id, account, to_ct, subject,
					 (struct bytes){(const uint8_t *)ct.data, ct.len});
	arena_release(&ar);
	return rc;
}
