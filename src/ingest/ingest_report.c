/*
 * Results and letters: ORU^R01 (a DiagnosticReport per OBR with its OBX observations, filed
 * by result_file and so held for release under the practice's rules) and MDM^T02 / REF^I12
 * (a DocumentReference by document_create, the PDF from an OBX-5 of type ED, Base64).
 *
 * The patient is the one PID-3's NHI names exactly among the practice's patients, or the one
 * a person chose from the queue; otherwise the message waits in the queue. Every report of a
 * message is read and checked before the first is filed, so a message is filed whole or
 * answered AE having filed nothing.
 */
#include "ingest/ingest_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "domain/results.h"
#include "limits.h"
#include "util/nztime.h"
#include "util/wipe.h"
#include "vault/vault.h"

/* Answer AE naming the field, and stop reading: ERR_INVALID. */
static enum err bad(struct ingest_ctx *c, enum hl7_code code, size_t seg, size_t field,
		    const char *what)
{
	ingest_fail(c, HL7_ACK_AE, code, seg, field, what);
	return ERR_INVALID;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* An HL7 TS/DTM (YYYYMMDD[HHMM[SS[.S+]]][+/-ZZZZ]) as a Unix time: with its offset when it has
 * one, else New Zealand's local time. -1 when malformed. */
static int64_t hl7_time(const char *ts)
{
	size_t n = strlen(ts), d = 0;
	while (d < n && ts[d] >= '0' && ts[d] <= '9')
		d++;
	if (d < 8 || !digits(ts, 8))
		return -1;
	int y = two(ts) * 100 + two(ts + 2), mo = two(ts + 4), day = two(ts + 6);
	int h = d >= 12 ? two(ts + 8) : 0, mi = d >= 12 ? two(ts + 10) : 0;
	int sec = d >= 14 ? two(ts + 12) : 0;
	size_t z = d;
	if (z < n && ts[z] == '.')
		for (z++; z < n && ts[z] >= '0' && ts[z] <= '9'; z++)
			;
	if (mo < 1 || mo > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 59)
		return -1;
	if (z == n) {
		int64_t t;
		return nz_from_local(y, mo, day, h, mi, &t) == 0 ? t + sec : -1;
	}
	if (n - z != 5 || (ts[z] != '+' && ts[z] != '-') || !digits(ts + z + 1, 4))
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = day, .tm_hour = h,
			.tm_min = mi, .tm_sec = sec};
	int64_t off = (int64_t)(two(ts + z + 1) * 3600 + two(ts + z + 3) * 60);
	return (int64_t)timegm(&tm) - (ts[z] == '+' ? off : -off);
}

static bool number(const char *s, double *out)
{
	if (s == NULL || s[0] == '\0')
		return false;
	char *end = NULL;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* OBX-7 "3.5-5.0", "<3.0", ">60": a low and high, or the text. */
static void range_of(const char *r, struct observation *o, struct arena *ar)
{
	if (r[0] == '\0')
		return;
	const char *dash = strchr(r + 1, '-');
	if (dash != NULL) {
		char *lo = arena_strdup(ar, r);
		if (lo != NULL) {
			lo[dash - r] = '\0';
			if (number(lo, &o->low) && number(dash + 1, &o->high) && o->low <= o->high) {
				o->has_low = o->has_high = true;
				return;
			}
		}
	}
	o->range_text = r;
}

static size_t next_of(const struct hl7_msg *m, size_t from, const char *stop1, const char *stop2)
{
	size_t i = from;
	while (i < m->nseg && strcmp(m->seg[i].id, stop1) != 0 && strcmp(m->seg[i].id, stop2) != 0)
		i++;
	return i;
}

/* The NTE comments from segment index `from` up to the next non-NTE, joined by newlines. */
static const char *notes(struct ingest_ctx *c, size_t from)
{
	const char *joined = NULL;
	for (size_t i = from; i < c->m->nseg && strcmp(c->m->seg[i].id, "NTE") == 0; i++) {
		const char *t;
		if (ingest_text(c, i, 3, 0, 0, 0, &t) != 0 || t[0] == '\0')
			continue;
		if (joined == NULL) {
			joined = t;
			continue;
		}
		size_t a = strlen(joined), b = strlen(t);
		char *both = arena_alloc(c->ar, a + b + 2);
		if (both == NULL)
			break;
		memcpy(both, joined, a);
		both[a] = '\n';
		memcpy(both + a + 1, t, b + 1);
		joined = both;
	}
	return joined;
}

/*
 * A structured numeric (SN: comparator ^ number ^ separator ^ number), as laboratories send an
 * eGFR above the assay's range (">^90") or a titre ("^1^:^128"). A plain number stays a
 * number; anything with a comparator or a second number is kept as its text (">90", "1:128").
 */
static enum err read_sn(struct ingest_ctx *c, size_t seg, struct observation *o)
{
	const char *cmp, *n1, *sep, *n2;
	double v;
	if (ingest_text(c, seg, 5, 1, 1, 0, &cmp) != 0 || ingest_text(c, seg, 5, 1, 2, 0, &n1) != 0 ||
	    ingest_text(c, seg, 5, 1, 3, 0, &sep) != 0 || ingest_text(c, seg, 5, 1, 4, 0, &n2) != 0)
		return ERR_INVALID;
	static const char *const comparators[] = {"", "<", ">", "<=", ">=", "=", "<>"};
	bool cmp_ok = false;
	for (size_t i = 0; i < sizeof(comparators) / sizeof(comparators[0]); i++)
		cmp_ok = cmp_ok || strcmp(cmp, comparators[i]) == 0;
	if (!cmp_ok || !number(n1, &v) || (n2[0] != '\0' && !number(n2, &v)) ||
	    (sep[0] != '\0') != (n2[0] != '\0'))
		return ERR_INVALID;
	if (cmp[0] == '\0' && sep[0] == '\0') {
		o->has_value = number(n1, &o->value);
		return ERR_OK;
	}
	o->value_text = arena_printf(c->ar, "%s%s%s%s", cmp, n1, sep, n2);
	return o->value_text != NULL ? ERR_OK : ERR_INVALID;
}

/* One OBX as an observation; ERR_INVALID once answered AE. */
static enum err read_obx(struct ingest_ctx *c, size_t seg, struct observation *o)
{
	memset(o, 0, sizeof(*o));
	const char *type, *code, *text, *sys, *alt, *altsys, *val, *unit, *range, *flag;
	if (ingest_text(c, seg, 2, 1, 0, 0, &type) != 0 || ingest_text(c, seg, 3, 1, 1, 0, &code) != 0 ||
	    ingest_text(c, seg, 3, 1, 2, 0, &text) != 0 || ingest_text(c, seg, 3, 1, 3, 0, &sys) != 0 ||
	    ingest_text(c, seg, 3, 1, 4, 0, &alt) != 0 || ingest_text(c, seg, 3, 1, 6, 0, &altsys) != 0)
		return bad(c, HL7_E_DATA_TYPE, seg, 3, "Bad OBX-3");
	/* LOINC when the sender gives it, as the code or the alternate code; else its own. */
	if (strcmp(altsys, "LN") == 0 && alt[0] && strcmp(sys, "LN") != 0)
		code = alt;
	if (code[0] == '\0' || strlen(code) > RESULT_CODE_MAX)
		return bad(c, code[0] ? HL7_E_DATA_TYPE : HL7_E_REQUIRED_MISSING,
				   seg, 3, "Bad OBX-3");
	o->code = code;
	const struct result_test *known = result_test_by_loinc(code);
	o->display = text[0] ? text : known ? known->display : code;
	/* OBX-5 may repeat (a text over several lines): the first repetition is the value. */
	if (ingest_text(c, seg, 5, 1, 0, 0, &val) != 0 || val[0] == '\0')
		return bad(c, val ? HL7_E_REQUIRED_MISSING : HL7_E_DATA_TYPE, seg, 5,
				   "Bad OBX-5");
	if (strcmp(type, "NM") == 0 && number(val, &o->value))
		o->has_value = true;
	else if (strcmp(type, "NM") == 0)
		return bad(c, HL7_E_DATA_TYPE, seg, 5, "OBX-5 not a number");
	else if (strcmp(type, "SN") == 0 && read_sn(c, seg, o) != ERR_OK)
		return bad(c, HL7_E_DATA_TYPE, seg, 5, "OBX-5 not a structured numeric");
	else if (strcmp(type, "SN") != 0)
		o->value_text = val;
	if (ingest_text(c, seg, 6, 1, 1, 0, &unit) != 0 || ingest_text(c, seg, 7, 1, 0, 0, &range) != 0 ||
	    ingest_text(c, seg, 8, 1, 0, 0, &flag) != 0)
		return bad(c, HL7_E_DATA_TYPE, seg, 6, "Bad OBX-6 to 8");
	o->unit = unit[0] ? unit : NULL;
	range_of(range, o, c->ar);
	if (flag[0] == '\0' || result_flag_parse(flag, &o->flag) != 0)
		o->flag = FLAG_NONE;
	o->note = notes(c, seg + 1);
	return ERR_OK;
}

/* One OBR and its OBXs as a report; ERR_INVALID once answered AE. */
static enum err read_obr(struct ingest_ctx *c, size_t obr, const struct id *patient,
			 struct result_new *r)
{
	memset(r, 0, sizeof(*r));
	r->patient = *patient;
	const char *acc, *collected, *reported, *status, *lab;
	if (ingest_text(c, obr, 3, 1, 1, 0, &acc) != 0 || acc[0] == '\0' ||
	    strlen(acc) > RESULT_ACCESSION_MAX)
		return bad(c, acc && !acc[0] ? HL7_E_REQUIRED_MISSING : HL7_E_DATA_TYPE,
				   obr, 3, "Bad OBR-3");
	r->accession = acc;
	if (ingest_text(c, obr, 7, 1, 1, 0, &collected) != 0 || (r->collected = hl7_time(collected)) <= 0)
		return bad(c, collected && !collected[0] ? HL7_E_REQUIRED_MISSING
									      : HL7_E_DATA_TYPE,
				   obr, 7, "Bad OBR-7");
	if (ingest_text(c, obr, 22, 1, 1, 0, &reported) != 0)
		return bad(c, HL7_E_DATA_TYPE, obr, 22, "Bad OBR-22");
	r->reported = reported[0] ? hl7_time(reported) : r->collected;
	if (r->reported <= 0 || r->reported < r->collected)
		return bad(c, HL7_E_DATA_TYPE, obr, 22, "Bad OBR-22");
	if (ingest_text(c, obr, 25, 1, 0, 0, &status) != 0)
		return bad(c, HL7_E_DATA_TYPE, obr, 25, "Bad OBR-25");
	/* HL7 table 0123: P preliminary (and I, R, S: not final yet), F final, C corrected. */
	r->status = strcmp(status, "F") == 0 || status[0] == '\0' ? RESULT_FINAL
		    : strcmp(status, "C") == 0			   ? RESULT_CORRECTED
								   : RESULT_PRELIMINARY;
	if (ingest_text(c, 0, 4, 1, 1, 0, &lab) != 0 || lab[0] == '\0')
		lab = "Laboratory";
	r->lab = lab;
	r->conclusion = notes(c, obr + 1);
	size_t end = next_of(c->m, obr + 1, "OBR", "PID");
	for (size_t i = obr + 1; i < end; i++) {
		if (strcmp(c->m->seg[i].id, "OBX") != 0)
			continue;
		if (r->n_obs == RESULT_MAX_OBSERVATIONS)
			return bad(c, HL7_E_DATA_TYPE, i, 0, "Too many OBX");
		if (read_obx(c, i, &r->obs[r->n_obs]) != ERR_OK)
			return ERR_INVALID;
		r->n_obs++;
	}
	if (r->n_obs == 0)
		return bad(c, HL7_E_SEGMENT_SEQUENCE, obr, 0, "OBR without OBX");
	return ERR_OK;
}

/*
 * ORU^R01 is a repeating group per patient (PID, then that patient's OBRs and OBXs). A message
 * of one patient is matched as every message is (ingest_patient: exactly, or the queue). One
 * of several is filed only when every patient in it is matched exactly, whole or not at all
 * (one who is not is answered AE 204 naming that PID, never queued: a person matches one
 * patient to a message); the patient of each OBR is that of the PID before it.
 */
enum err ingest_oru(struct ingest_ctx *c)
{
	const struct hl7_msg *m = c->m;
	size_t first = hl7_find(m, "OBR", 0), pid0 = hl7_find(m, "PID", 0);
	if (first == m->nseg)
		return ingest_fail(c, HL7_ACK_AE, HL7_E_SEGMENT_SEQUENCE, 0, 0, "No OBR segment");
	if (pid0 < m->nseg && first < pid0)
		return ingest_fail(c, HL7_ACK_AE, HL7_E_SEGMENT_SEQUENCE, first, 0, "OBR before PID");
	size_t n_pid = 0;
	for (size_t p = pid0; p < m->nseg; p = hl7_find(m, "PID", p + 1))
		if (++n_pid > LIMIT_ORU_PATIENTS)
			return ingest_fail(c, HL7_ACK_AE, HL7_E_DATA_TYPE, p, 0, "Too many PID");
	if (n_pid > 1 && c->patient != NULL) /* a person matched one patient: never several */
		return ingest_fail(c, HL7_ACK_AR, HL7_E_SEGMENT_SEQUENCE, 0, 0, "One patient per match");
	struct id patient;
	enum err rc = ERR_OK;
	if (n_pid <= 1) {
		rc = ingest_patient(c, &patient);
		if (rc != ERR_OK)
			return rc == ERR_NOT_FOUND ? ERR_OK : rc;
	}
	struct result_new *reports = arena_calloc(c->ar, LIMIT_ORU_REPORTS, sizeof(*reports));
	if (reports == NULL)
		return ERR_INTERNAL;
	size_t n = 0, group = pid0;
	for (size_t obr = first; obr < m->nseg; obr = hl7_find(m, "OBR", obr + 1)) {
		if (n == LIMIT_ORU_REPORTS)
			return ingest_fail(c, HL7_ACK_AE, HL7_E_DATA_TYPE, obr, 0, "Too many OBR");
		if (n_pid > 1) {
			size_t p = group;
			for (size_t next = hl7_find(m, "PID", p + 1); next < obr; next = hl7_find(m, "PID", next + 1))
				p = next;
			if (n == 0 || p != group) {
				group = p;
				rc = ingest_patient_at(c, group, false, &patient);
				if (rc != ERR_OK)
					return rc == ERR_NOT_FOUND ? ERR_OK : rc;
			}
		}
		if (read_obr(c, obr, &patient, &reports[n]) != ERR_OK)
			return ERR_OK; /* answered AE, nothing filed */
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		struct result_view v;
		const char *why = NULL;
		rc = result_file(c->f->actor, &reports[i], c->ar, &v, &why);
		if (rc == ERR_INVALID)
			return ingest_fail(c, HL7_ACK_AE, HL7_E_DATA_TYPE, hl7_find(m, "OBR", 0), 0,
					   "Report refused");
		if (rc == ERR_NOT_FOUND || rc == ERR_DENIED)
			return ingest_fail(c, HL7_ACK_AR, HL7_E_INTERNAL, 0, 0, "Not allowed for this feed");
		if (rc != ERR_OK)
			return rc == ERR_TRIPPED ? ERR_TRIPPED : ERR_INTERNAL;
	}
	c->outcome = "filed";
	c->out->code = HL7_ACK_AA;
	return ERR_OK;
}

static bool ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if ((*a | 0x20) != (*b | 0x20))
			return false;
	return *a == *b;
}

static bool contains_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++) {
		size_t i = 0;
		while (i < n && s[i] && (s[i] | 0x20) == w[i])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* The kind of letter: REF is a referral; MDM by TXA-2 (HL7 table 0270: DS discharge summary,
 * TS transfer summary) or its text; anything else a clinical letter. */
static enum document_kind letter_kind(struct ingest_ctx *c, const char **title)
{
	*title = NULL;
	if (slice_eq(c->m->type, "REF"))
		return DOC_REFERRAL_LETTER;
	size_t txa = hl7_find(c->m, "TXA", 0);
	const char *code = "", *text = "";
	if (txa < c->m->nseg && (ingest_text(c, txa, 2, 1, 1, 0, &code) != 0 ||
				 ingest_text(c, txa, 2, 1, 2, 0, &text) != 0))
		code = text = "";
	if (text[0])
		*title = text;
	if (ieq(code, "DS") || ieq(code, "TS") || contains_word(text, "discharge"))
		return DOC_DISCHARGE_SUMMARY;
	if (contains_word(text, "referral"))
		return DOC_REFERRAL_LETTER;
	return DOC_CLINICAL_LETTER;
}

/* The data of a continuation of the ED in OBX index first: the OBX right after it (or after the
 * last continuation) of type ED, either with the same non-empty OBX-4 sub-ID (its data in
 * OBX-5.5) or with OBX-5 the data alone (no type, subtype or encoding): how senders split a
 * PDF too large for one segment. NULL when seg is not one; then the document ended. */
static const char *ed_continuation(struct ingest_ctx *c, size_t first, size_t seg)
{
	const char *type, *sub_id, *first_sub, *mime, *data;
	if (seg >= c->m->nseg || strcmp(c->m->seg[seg].id, "OBX") != 0 ||
	    ingest_text(c, seg, 2, 1, 0, 0, &type) != 0 || strcmp(type, "ED") != 0 ||
	    ingest_text(c, seg, 4, 1, 0, 0, &sub_id) != 0 ||
	    ingest_text(c, first, 4, 1, 0, 0, &first_sub) != 0)
		return NULL;
	if (first_sub[0] != '\0' && strcmp(sub_id, first_sub) == 0 &&
	    ingest_text(c, seg, 5, 1, 5, 0, &data) == 0 && data[0] != '\0')
		return data;
	if (ingest_text(c, seg, 5, 1, 2, 0, &mime) == 0 && mime[0] == '\0' &&
	    ingest_text(c, seg, 5, 1, 1, 0, &data) == 0 && data[0] != '\0')
		return data;
	return NULL;
}

/* The PDF of the first OBX of type ED: OBX-5 = source ^ type ^ subtype ^ encoding ^ data, its
 * Base64 continued in the OBX segments that follow it (ed_continuation), joined. */
static enum err read_pdf(struct ingest_ctx *c, size_t *obx_out, struct buf *pdf)
{
	size_t obx = hl7_find(c->m, "OBX", 0);
	for (; obx < c->m->nseg; obx = hl7_find(c->m, "OBX", obx + 1)) {
		const char *type;
		if (ingest_text(c, obx, 2, 1, 0, 0, &type) == 0 && strcmp(type, "ED") == 0)
			break;
	}
	*obx_out = obx;
	if (obx == c->m->nseg)
		return bad(c, HL7_E_REQUIRED_MISSING, hl7_find(c->m, "OBX", 0), 5,
				   "No ED in OBX-5");
	const char *subtype, *encoding, *data;
	if (ingest_text(c, obx, 5, 1, 3, 0, &subtype) != 0 ||
	    ingest_text(c, obx, 5, 1, 4, 0, &encoding) != 0 ||
	    ingest_text(c, obx, 5, 1, 5, 0, &data) != 0 || !ieq(subtype, "PDF") ||
	    !(ieq(encoding, "Base64") || ieq(encoding, "B64")) || data[0] == '\0')
		return bad(c, HL7_E_DATA_TYPE, obx, 5, "OBX-5 not a Base64 PDF");
	/* The Base64 of every part, in order, as one text: parts split anywhere decode whole. */
	struct buf b64;
	buf_init(&b64, c->ar, LIMIT_UPLOAD_BYTES / 3u * 4u + 8u);
	buf_append(&b64, data, strlen(data));
	for (size_t seg = obx + 1; (data = ed_continuation(c, obx, seg)) != NULL; seg++)
		buf_append(&b64, data, strlen(data));
	if (b64.failed)
		return bad(c, HL7_E_DATA_TYPE, obx, 5, "OBX-5 too large");
	if (base64_decode_lines(b64.data, b64.len, pdf) != 0 || pdf->len < 5 ||
	    memcmp(pdf->data, "%PDF-", 5) != 0)
		return bad(c, HL7_E_DATA_TYPE, obx, 5, "OBX-5 not a Base64 PDF");
	return ERR_OK;
}

enum err ingest_document(struct ingest_ctx *c)
{
	size_t obx;
	struct buf pdf;
	buf_init(&pdf, c->ar, LIMIT_UPLOAD_BYTES + 4);
	if (read_pdf(c, &obx, &pdf) != ERR_OK)
		return ERR_OK; /* answered AE */
	if (pdf.len > LIMIT_UPLOAD_BYTES)
		return ingest_fail(c, HL7_ACK_AE, HL7_E_DATA_TYPE, obx, 5, "OBX-5 too large");
	struct id patient;
	enum err rc = ingest_patient(c, &patient);
	if (rc != ERR_OK)
		return rc == ERR_NOT_FOUND ? ERR_OK : rc;
	const char *title;
	enum document_kind kind = letter_kind(c, &title);
	const struct document_kind_info *info = document_kind_info(kind);
	char filename[64];
	snprintf(filename, sizeof(filename), "%s.pdf", info->slug);
	struct document_new d = {.patient = patient, .kind = kind,
				 .title = title && title[0] ? title : info->label,
				 .filename = filename, .declared_type = "application/pdf",
				 .data = (const uint8_t *)pdf.data, .data_len = pdf.len};
	/* The document's id is a keyed hash of the feed and MSH-10: a message applied again after
	 * a run cut short before its answer finds its document there and files nothing. */
	char key[ID_HEX_LEN + LIMIT_HL7_CONTROL_ID + 2];
	char hex[ID_HEX_LEN + 1];
	uint8_t h[HASH_BYTES];
	struct id doc;
	struct target there;
	id_hex(&c->f->feed, hex);
	snprintf(key, sizeof(key), "%s/%.*s", hex, (int)c->m->control_id.len, c->m->control_id.ptr);
	if (vault_blind_index("feed-document", key, h) != ERR_OK)
		return ERR_INTERNAL;
	memcpy(doc.b, h, ID_BYTES);
	d.id = &doc;
	if (store_document_target(&doc, &there) == ERR_OK) {
		c->outcome = "filed";
		c->out->code = HL7_ACK_AA;
		return ERR_OK;
	}
	struct document_view v;
	const char *why = NULL;
	rc = document_create(c->f->actor, &d, c->ar, &v, &why);
	wipe(pdf.data, pdf.len);
	if (rc == ERR_INVALID)
		return ingest_fail(c, HL7_ACK_AE, HL7_E_DATA_TYPE, obx, 5, "Document refused");
	if (rc == ERR_NOT_FOUND || rc == ERR_DENIED)
		return ingest_fail(c, HL7_ACK_AR, HL7_E_INTERNAL, 0, 0, "Not allowed for this feed");
	if (rc != ERR_OK)
		return rc == ERR_TRIPPED ? ERR_TRIPPED : ERR_INTERNAL; /* ERR_FULL too: retry later */
	c->outcome = "filed";
	c->out->code = HL7_ACK_AA;
	return ERR_OK;
}
