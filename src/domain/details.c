/*
 * A patient's own contact details (details.h, docs/internals/DETAILS.md): checked here,
 * sealed by the vault with the patient's key (VREC_DETAILS, bound to the patient's id), kept
 * by the store beside the demographics. The domain recipe throughout: gate, then store and
 * vault with the grant, then the audit record before anything leaves or is written.
 */
#include "domain/details.h"
#include "domain/domain_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "limits.h"
#include "store/details.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/wipe.h"
#include "vault/vault.h"

static const struct {
	const char *name, *label;
} fields[DF_COUNT] = {
	[DF_MOBILE] = {"mobile", "Mobile phone"},
	[DF_PHONE] = {"phone", "Other phone"},
	[DF_LINE1] = {"line1", "Street address"},
	[DF_LINE2] = {"line2", "Address line 2"},
	[DF_SUBURB] = {"suburb", "Suburb"},
	[DF_CITY] = {"city", "Town or city"},
	[DF_POSTCODE] = {"postcode", "Postcode"},
};

/* The address's own lines (street, second line) are the lines limits.h counts. */
_Static_assert(DF_LINE2 - DF_LINE1 + 1 == LIMIT_ADDRESS_LINES, "address lines");

const char *details_field_name(enum details_field f)
{
	return f < DF_COUNT ? fields[f].name : "";
}

const char *details_field_label(enum details_field f)
{
	return f < DF_COUNT ? fields[f].label : "";
}

/* --- checking what was typed --- */

/* s trimmed of surrounding spaces, into ar ("" for NULL). */
static const char *trimmed(const char *s, struct arena *ar)
{
	if (s == NULL)
		return "";
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return arena_strndup(ar, s, n);
}

/* Code points in s when it is valid UTF-8 without control characters (C0, DEL, C1), or -1. */
static long line_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;
	while (*p) {
		unsigned c = *p, len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
						   : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0 || c < 0x20 || c == 0x7f || c == 0xc0 || c == 0xc1 || c > 0xf4)
			return -1;
		unsigned cp = len == 1 ? c : c & (0x7fu >> len);
		for (unsigned i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i] & 0x3fu);
		}
		static const unsigned least[5] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < least[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
		    (cp >= 0x80 && cp < 0xa0))
			return -1;
		p += len;
		n++;
	}
	return n;
}

/* A New Zealand phone number as typed: 0 then 8 to 10 digits, or +64 then 8 to 10 digits (no
 * 0 after the country code); spaces, dashes and brackets between. `mobile`: its national
 * number starts with 2 (021, 022, 027, ...). */
static bool phone_ok(const char *s, bool mobile)
{
	size_t n = strlen(s);
	if (n == 0 || n > LIMIT_PHONE_CHARS)
		return false;
	char digits[LIMIT_PHONE_CHARS + 1];
	size_t d = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			digits[d++] = c;
		else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || (c == '+' && i == 0)))
			return false;
	}
	digits[d] = '\0';
	const char *national;
	if (s[0] == '+') {
		if (d < 2 || digits[0] != '6' || digits[1] != '4')
			return false;
		national = digits + 2;
	} else {
		if (d < 1 || digits[0] != '0')
			return false;
		national = digits + 1;
	}
	size_t nn = strlen(national);
	if (nn < 8 || nn > 10 || national[0] == '0')
		return false;
	return !mobile || national[0] == '2';
}

static bool postcode_ok(const char *s)
{
	if (strlen(s) != 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int details_check(const struct contact_details *in, struct arena *ar, struct contact_details *out,
		  const char *why[DF_COUNT])
{
	memset(out, 0, sizeof(*out));
	int wrong = 0;
	bool any_address = false;
	for (int f = 0; f < DF_COUNT; f++) {
		why[f] = NULL;
		out->field[f] = trimmed(in->field[f], ar);
		if (out->field[f] == NULL) {
			out->field[f] = "";
			why[f] = "This could not be read.";
		} else if (out->field[f][0] == '\0') {
			continue;
		} else if (f == DF_MOBILE && !phone_ok(out->field[f], true)) {
			why[f] = "Give a New Zealand mobile number, such as 021 123 4567 or +64 21 123 4567.";
		} else if (f == DF_PHONE && !phone_ok(out->field[f], false)) {
			why[f] = "Give a New Zealand phone number, such as 09 123 4567 or +64 9 123 4567.";
		} else if (f == DF_POSTCODE && !postcode_ok(out->field[f])) {
			why[f] = "A postcode is four digits, such as 1010.";
		} else if (f >= DF_LINE1 && f <= DF_CITY) {
			long chars = line_chars(out->field[f]);
			if (chars < 0 || chars > (long)LIMIT_ADDRESS_LINE_CHARS)
				why[f] = "Use up to 60 letters, digits and punctuation on one line.";
		}
		any_address |= f >= DF_LINE1;
	}
	if (any_address && out->field[DF_LINE1][0] == '\0' && why[DF_LINE1] == NULL)
		why[DF_LINE1] = "Give the street address (or PO Box) of the postal address.";
	if (any_address && out->field[DF_CITY][0] == '\0' && why[DF_CITY] == NULL)
		why[DF_CITY] = "Give the town or city of the postal address.";
	for (int f = 0; f < DF_COUNT; f++)
		wrong += why[f] != NULL;
	return wrong;
}

/* --- sealing and opening --- */

static int details_encode(const struct contact_details *c, struct arena *ar, char **out, size_t *len)
{
	json_t *o = json_object();
	for (int f = 0; o && f < DF_COUNT; f++)
		if (c->field[f][0] && json_object_set_new(o, fields[f].name, json_string(c->field[f])) != 0) {
			json_decref(o);
			o = NULL;
		}
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (s == NULL)
		return -1;
	size_t n = strlen(s);
	char *copy = arena_strndup(ar, s, n);
	wipe(s, n);
	free(s);
	if (copy == NULL)
		return -1;
	*out = copy;
	*len = n;
	return 0;
}

static int details_decode(const char *json, size_t n, struct arena *ar, struct contact_details *out)
{
	json_t *o = json_loadb(json, n, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	for (int f = 0; f < DF_COUNT; f++) {
		const char *v = domain_json_str(o, fields[f].name, ar);
		out->field[f] = v ? v : "";
	}
	json_decref(o);
	return 0;
}

/* The patient's saved details under g, opened (all "" when none were saved). */
static enum err details_load(const struct actor *a, const struct grant *g, const struct id *patient,
			     struct arena *ar, struct contact_details *out)
{
	for (int f = 0; f < DF_COUNT; f++)
		out->field[f] = "";
	struct store_details row;
	int s = store_details_get(g, patient, ar, &row);
	if (s == ERR_NOT_FOUND)
		return ERR_OK;
	struct store_patient prow;
	if (s != ERR_OK || store_patient_get(g, patient, ar, &prow) != ERR_OK)
		return ERR_INTERNAL;
	struct buf pt;
	buf_init(&pt, ar, LIMIT_RECORD_FIELDS);
	int v = vault_record_open(a->token, g, &prow, VREC_DETAILS, patient, row.body, &pt);
	if (v != ERR_OK)
		return domain_vault_failed(a, v);
	if (buf_cstr(&pt) == NULL || details_decode(pt.data, pt.len, ar, out) != 0)
		return ERR_INTERNAL;
	out->updated = row.updated;
	return ERR_OK;
}

enum err details_read(const struct actor *a, const struct id *patient, struct arena *ar,
		      struct patient_view *pv, struct contact_details *out)
{
	memset(out, 0, sizeof(*out));
	for (int f = 0; f < DF_COUNT; f++)
		out->field[f] = "";
	struct target t;
	struct grant g;
	if (store_patient_target(patient, &t) == ERR_INTERNAL)
		return ERR_INTERNAL;
	int rc = domain_gate_target(a, ACTION_PATIENT_READ, &t, "Patient", patient, &g);
	if (rc != ERR_OK)
		return rc;
	rc = patient_load(a, &g, patient, ar, pv);
	out->shown = rc == ERR_OK && policy_sees_contact(a, &t);
	if (out->shown)
		rc = details_load(a, &g, patient, ar, out);
	if (rc == ERR_GONE)
		return domain_gone(a, ACTION_PATIENT_READ, patient, "Patient", patient);
	if (rc != ERR_OK)
		return rc;
	if (domain_audit(a, ACTION_PATIENT_READ, patient, "Patient", patient, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err details_update(const struct actor *a, const struct id *patient,
			const struct contact_details *in, struct arena *ar, const char *why[DF_COUNT])
{
	for (int f = 0; f < DF_COUNT; f++)
		why[f] = NULL;
	struct grant g;
	int rc = domain_gate(a, ACTION_DETAILS_UPDATE, patient, "Patient", patient, &g);
	if (rc != ERR_OK)
		return rc;
	struct contact_details c;
	if (details_check(in, ar, &c, why) != 0)
		return ERR_INVALID;
	struct store_patient row;
	int s = store_patient_get(&g, patient, ar, &row);
	if (s == ERR_GONE)
		return domain_gone(a, ACTION_DETAILS_UPDATE, patient, "Patient", patient);
	if (s == ERR_NOT_FOUND)
		return ERR_NOT_FOUND;
	char *pt;
	size_t pt_len;
	if (s != ERR_OK || details_encode(&c, ar, &pt, &pt_len) != 0)
		return ERR_INTERNAL;
	struct buf ct;
	buf_init(&ct, ar, LIMIT_VAULT_RECORD);
	int v = pt_len <= RECORD_PLAINTEXT_MAX
			? vault_record_seal(a->token, &g, &row, VREC_DETAILS, patient, pt, pt_len, &ct)
			: ERR_INVALID;
	wipe(pt, pt_len);
	if (v != ERR_OK)
		return v == ERR_INVALID ? ERR_INTERNAL : domain_vault_failed(a, v);
	if (domain_audit(a, ACTION_DETAILS_UPDATE, patient, "Patient", patient, AUDIT_ALLOW, 0) != 0)
		return ERR_INTERNAL;
	if (store_details_set(&g, patient, (struct bytes){(const uint8_t *)ct.data, ct.len},
			      (int64_t)time(NULL), &a->account) != ERR_OK)
		return ERR_INTERNAL;
	return ERR_OK;
}
