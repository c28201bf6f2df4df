#include "domain/notices.h"

#include <jansson.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "domain/domain.h"
#include "domain/domain_int.h"
#include "limits.h"
#include "store/store.h"
#include "util/nztime.h"
#include "vault/vault.h"

/* Crockford's base32 alphabet: no I, L, O or U, so a reference read aloud is unambiguous. */
static void new_reference(char out[NOTICE_REFERENCE_LEN + 1])
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint8_t r[8];
	random_bytes(r, sizeof(r));
	memcpy(out, "MK-", 3);
	for (int i = 0; i < 8; i++)
		out[3 + i + (i >= 4)] = alphabet[r[i] & 31];
	out[7] = '-';
	out[NOTICE_REFERENCE_LEN] = '\0';
}

enum err notice_create_local(const struct id *patient, const char *body,
			     char reference[NOTICE_REFERENCE_LEN + 1])
{
	struct target t;
	struct grant g;
	if (store_patient_target(patient, &t) != ERR_OK ||
	    policy_decide_local(ACTION_PATIENT_READ, &t, &g) != 0)
		return ERR_NOT_FOUND;
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	int rc = ERR_INTERNAL;
	struct store_patient p;
	struct store_notice n;
	memset(&n, 0, sizeof(n));
	random_id(&n.id);
	new_reference(reference);
	memcpy(n.reference, reference, NOTICE_REFERENCE_LEN + 1);
	n.created = (int64_t)time(NULL);
	struct buf ct;
	buf_init(&ct, &ar, LIMIT_NOTICE_SEALED);
	if (store_patient_get(&g, patient, &ar, &p) == ERR_OK &&
	    vault_notice_seal(&g, &p, &n.id, body, strlen(body), &ct) == ERR_OK) {
		n.body = (struct bytes){(const uint8_t *)ct.data, ct.len};
		if (store_notice_insert(&g, patient, &n) == ERR_OK)
			rc = ERR_OK;
	}
	arena_release(&ar);
	return rc;
}

static const char *str_field(json_t *o, const char *k, struct arena *ar)
{
	const char *v = json_string_value(json_object_get(o, k));
	return arena_strdup(ar, v ? v : "");
}

enum err notice_list(const struct actor *a, const struct id *patient, struct arena *ar,
		     struct notice_view **out, size_t *n)
{
	*n = 0;
	struct target t;
	struct grant g;
	if (store_patient_target(patient, &t) == ERR_INTERNAL)
		return ERR_INTERNAL;
	if (policy_decide(a, ACTION_PATIENT_READ, &t, &g) != 0) {
		struct audit_event e = {.actor = a, .action = "notice.list", .patient = t.exists ? patient : NULL,
					.rtype = "Notice", .outcome = AUDIT_DENY, .deferrable = true};
		return audit_append(&e) == 0 ? ERR_NOT_FOUND : ERR_INTERNAL;
	}
	struct store_patient p;
	struct store_notice *rows;
	size_t count;
	if (store_patient_get(&g, patient, ar, &p) != ERR_OK ||
	    store_notice_list(&g, patient, ar, &rows, &count) != ERR_OK)
		return ERR_INTERNAL;
	*out = arena_calloc(ar, count ? count : 1, sizeof(**out));
	if (*out == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < count; i++) {
		struct buf pt;
		buf_init(&pt, ar, LIMIT_NOTICE_SEALED);
		int v = vault_notice_open(a->token, &g, &p, &rows[i].id, rows[i].body, &pt);
		if (v != ERR_OK)
			return domain_vault_failed(a, v);
		json_t *o = json_loadb(pt.data, pt.len, 0, NULL);
		if (!json_is_object(o)) {
			json_decref(o);
			return ERR_INTERNAL;
		}
		struct notice_view *v2 = &(*out)[i];
		v2->id = rows[i].id;
		memcpy(v2->reference, rows[i].reference, NOTICE_REFERENCE_LEN + 1);
		v2->created = rows[i].created;
		v2->what = str_field(o, "what", ar);
		v2->actions = str_field(o, "actions", ar);
		v2->contact = str_field(o, "contact", ar);
		v2->first_served = str_field(o, "firstServed", ar);
		v2->last_served = str_field(o, "lastServed", ar);
		if (iso_utc_parse(v2->first_served, &v2->first_served_at) != 0)
			v2->first_served_at = 0;
		if (iso_utc_parse(v2->last_served, &v2->last_served_at) != 0)
			v2->last_served_at = 0;
		json_t *res = json_object_get(o, "resources");
		size_t nr = json_is_array(res) ? json_array_size(res) : 0;
		v2->resource_types = arena_calloc(ar, nr ? nr : 1, sizeof(char *));
		v2->resource_ids = arena_calloc(ar, nr ? nr : 1, sizeof(struct id));
		for (size_t k = 0; k < nr && v2->resource_types && v2->resource_ids; k++) {
			json_t *r = json_array_get(res, k);
			const char *id = json_string_value(json_object_get(r, "id"));
			if (id == NULL || id_parse(&v2->resource_ids[v2->n_resources], id, strlen(id)) != 0)
				continue;
			v2->resource_types[v2->n_resources++] = str_field(r, "type", ar);
		}
		json_decref(o);
		(*n)++;
	}
	struct audit_event e = {.actor = a, .action = "notice.list", .patient = patient,
				.rtype = "Notice", .outcome = AUDIT_ALLOW, .deferrable = true};
	return audit_append(&e) == 0 ? ERR_OK : ERR_INTERNAL;
}
