#include "domain/outbox.h"

#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "limits.h"
#include "util/arena.h"
#include "util/buf.h"
#include "vault/vault.h"

static char portal_url[256] = "http://127.0.0.1:8080";

void outbox_set_portal_url(const char *url)
{
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n > 0 && n < sizeof(portal_url))
		snprintf(portal_url, sizeof(portal_url), "%.*s", (int)n, url);
}

const char *outbox_portal_url(void)
{
	return portal_url;
}

int outbox_seal(const struct id *account, struct bytes to_ct, const char *subject,
		const char *body, struct arena *ar, struct store_mail *out)
{
	memset(out, 0, sizeof(*out));
	if (body == NULL || subject == NULL || strlen(body) > LIMIT_MAIL_BODY)
		return -1;
	random_id(&out->id);
	out->account = *account;
	out->to_ct = to_ct;
	out->subject = subject;
	struct buf ct;
	buf_init(&ct, ar, LIMIT_MAIL_BODY + LIMIT_SEAL_OVERHEAD_MARGIN);
	if (vault_outbox_seal(&out->id, account, body, &ct) != ERR_OK || ct.failed || ct.len == 0)
		return -1;
	out->body_ct = (struct bytes){(const uint8_t *)ct.data, ct.len};
	return 0;
}

enum err outbox_queue(const struct id *account, struct bytes to_ct, const char *subject,
		      const char *body)
{
	if (to_ct.len == 0)
		return ERR_INTERNAL;
	struct arena ar;
	arena_init(&ar, LIMIT_OUTBOX_ARENA);
	struct store_mail m;
	int rc = ERR_INTERNAL;
	if (outbox_seal(account, to_ct, subject, body, &ar, &m) == 0)
		rc = store_outbox_insert(&m.id, &m.account, m.to_ct, m.subject, m.body_ct);
	arena_release(&ar);
	return rc;
}
