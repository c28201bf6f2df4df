/* The vault's mail lane: workers may seal an account's address but never open one; the outbox
 * sender's lane may open addresses and do nothing else. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "limits.h"
#include "proc/msg.h"
#include "test.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

static size_t email_frame(uint8_t *buf, uint8_t op, const struct id *account, const void *p, size_t n)
{
	struct msg_writer w;
	msg_begin(&w, buf, MSG_MAX, op);
	msg_put_id(&w, account);
	if (op == VOP_EMAIL_SEAL)
		msg_put_str(&w, (const char *)p);
	else
		msg_put_bytes(&w, p, n);
	return msg_finish(&w);
}

static size_t body_frame(uint8_t *buf, uint8_t op, const struct id *outbox, const struct id *account,
			 const void *p, size_t n)
{
	struct msg_writer w;
	msg_begin(&w, buf, MSG_MAX, op);
	msg_put_id(&w, outbox);
	msg_put_id(&w, account);
	msg_put_bytes(&w, p, n);
	return msg_finish(&w);
}

/* Outbox bodies: sealed on the key lane, opened on the mail lane only, for their row and
 * account only. */
static void body_checks(void)
{
	static uint8_t req[MSG_MAX], out[MSG_MAX], ct[4096];
	static const char body[] = "Reset: https://portal.example/reset/confirm?token=abc\n";
	struct id row, acct, other;
	random_id(&row);
	random_id(&acct);
	random_id(&other);
	size_t n = body_frame(req, VOP_OUTBOX_SEAL, &row, &acct, body, strlen(body)), out_len = 0;
	CHECK(vault_handle_lane(LANE_MAIL, req, n, out, &out_len) != 0);
	CHECK(vault_handle_lane(LANE_KEYS, req, n, out, &out_len) == 0);
	struct msg_reader r;
	uint8_t status = 9;
	CHECK(msg_open(&r, out, out_len, &status) == 0 && status == ERR_OK);
	const uint8_t *p = NULL;
	size_t pn = 0;
	msg_get_bytes(&r, &p, &pn, sizeof(ct));
	CHECK(msg_end(&r) == 0 && pn > strlen(body) && memmem(p, pn, "token", 5) == NULL);
	memcpy(ct, p, pn);
	size_t ctn = pn;
	n = body_frame(req, VOP_OUTBOX_OPEN, &row, &acct, ct, ctn);
	CHECK(vault_handle_lane(LANE_KEYS, req, n, out, &out_len) != 0); /* a worker never opens */
	CHECK(vault_handle_lane(LANE_PASSWORDS, req, n, out, &out_len) != 0);
	CHECK(vault_handle_lane(LANE_MAIL, req, n, out, &out_len) == 0);
	CHECK(msg_open(&r, out, out_len, &status) == 0 && status == ERR_OK);
	msg_get_bytes(&r, &p, &pn, sizeof(ct));
	CHECK(msg_end(&r) == 0 && pn == strlen(body) && memcmp(p, body, pn) == 0);
	/* another row, another account: not opened */
	n = body_frame(req, VOP_OUTBOX_OPEN, &other, &acct, ct, ctn);
	CHECK(vault_handle_lane(LANE_MAIL, req, n, out, &out_len) == 0);
	CHECK(msg_open(&r, out, out_len, &status) == 0 && status == ERR_DENIED);
	n = body_frame(req, VOP_OUTBOX_OPEN, &row, &other, ct, ctn);
	CHECK(vault_handle_lane(LANE_MAIL, req, n, out, &out_len) == 0);
	CHECK(msg_open(&r, out, out_len, &status) == 0 && status == ERR_DENIED);
	/* a body with a NUL in it, or over the limit, is not sealed */
	n = body_frame(req, VOP_OUTBOX_SEAL, &row, &acct, "a\0b", 3);
	CHECK(vault_handle_lane(LANE_KEYS, req, n, out, &out_len) == 0);
	CHECK(msg_open(&r, out, out_len, &status) == 0 && status == ERR_DENIED);
	static char big[LIMIT_MAIL_BODY + 1];
	memset(big, 'x', sizeof(big));
	n = body_frame(req, VOP_OUTBOX_SEAL, &row, &acct, big, sizeof(big));
	CHECK(vault_handle_lane(LANE_KEYS, req, n, out, &out_len) != 0);
}

void test_mail_lane(void)
{
	char dir[] = "/tmp/medkeep-unit-mail-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(vault_create(dir) == 0 && vault_load(dir) == 0);
	static uint8_t req[MSG_MAX], out[MSG_MAX], ct[2048];
	struct id acct, other;
	random_id(&acct);
	random_id(&other);
	size_t n = email_frame(req, VOP_EMAIL_SEAL, &acct, "mere@example.nz", 0), out_len = 0;
	/* a worker (key lane) seals */
	CHECK(vault_handle_lane(LANE_KEYS, req, n, out, &out_len) == 0);
	struct msg_reader r;
	uint8_t status = 9;
	CHECK(msg_open(&r, out, out_len, &status) == 0 && status == ERR_OK);
	const uint8_t *p = NULL;
	size_t pn = 0;
	msg_get_bytes(&r, &p, &pn, sizeof(ct));
	CHECK(msg_end(&r) == 0 && pn > 15);
	memcpy(ct, p, pn);
	size_t ctn = pn;
	/* ... but the mail lane may not, nor may it log in or index */
	CHECK(vault_handle_lane(LANE_MAIL, req, n, out, &out_len) != 0);
	/* a worker may not open */
	n = email_frame(req, VOP_EMAIL_OPEN, &acct, ct, ctn);
	CHECK(vault_handle_lane(LANE_KEYS, req, n, out, &out_len) != 0);
	CHECK(vault_handle_lane(LANE_PASSWORDS, req, n, out, &out_len) != 0);
	/* the mail lane opens, for the account it was sealed for only */
	CHECK(vault_handle_lane(LANE_MAIL, req, n, out, &out_len) == 0);
	CHECK(msg_open(&r, out, out_len, &status) == 0 && status == ERR_OK);
	msg_get_bytes(&r, &p, &pn, 2048);
	CHECK(msg_end(&r) == 0 && pn == 15 && memcmp(p, "mere@example.nz", 15) == 0);
	n = email_frame(req, VOP_EMAIL_OPEN, &other, ct, ctn);
	CHECK(vault_handle_lane(LANE_MAIL, req, n, out, &out_len) == 0);
	CHECK(msg_open(&r, out, out_len, &status) == 0 && status == ERR_DENIED);
	struct msg_writer w;
	msg_begin(&w, req, MSG_MAX, VOP_INDEX);
	msg_put_str(&w, "email");
	msg_put_str(&w, "mere@example.nz");
	n = msg_finish(&w);
	CHECK(vault_handle_lane(LANE_MAIL, req, n, out, &out_len) != 0);
	CHECK(vault_handle_lane(LANE_KEYS, req, n, out, &out_len) == 0);
	body_checks();
	vault_unload();
	char path[256];
	snprintf(path, sizeof(path), "%s/master.key", dir);
	unlink(path);
	rmdir(dir);
}
