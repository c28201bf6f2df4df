/*
 * FHIR search over HTTP (docs/internals/SEARCH.md): the query read through the parser of
 * fhir_search.c, refusals that name the parameter (or, with Prefer: handling=lenient, unknown
 * parameters left out), and the searchset Bundle of a page with its total and its self, next
 * and previous links.
 *
 * A link's cursor is only a position (the sort key and id of the row it follows), never a
 * grant: each page is a new search, through the gate for the patient it names and the store's
 * check of the grant against each row's own patient, so a cursor edited or replayed by someone
 * else reaches nothing theirs could not reach without it.
 */
#include "fhir/fhir_int.h"
#include "fhir/fhir_search.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct read_ctx {
	struct fhir_search *s;
	const struct search_spec *spec;
	bool lenient;
	enum search_rc rc;
};

static int read_one(void *ctx, const char *k, const char *v)
{
	struct read_ctx *c = ctx;
	enum search_rc rc = fhir_search_add(c->s, c->spec, k, strlen(k), v, strlen(v));
	if (rc == SEARCH_UNKNOWN && c->lenient)
		return 0; /* left out, and out of the self link */
	c->rc = rc;
	return rc == SEARCH_OK ? 0 : 1;
}

void fhir_search_refused(struct request *req, struct response *res, const struct search_spec *spec,
			 const struct fhir_search *s, bool unknown)
{
	const char *name = fhir_param_name(req, s->bad ? s->bad : "", s->bad_len);
	const char *m = unknown ? arena_printf(&req->arena, "Unsupported search parameter: %s (%s)", name,
					       spec->type)
				: arena_printf(&req->arena, "Search parameter %s %s", name,
					       s->why ? s->why : "cannot be read");
	fhir_error(req, res, 400, m ? m : "Unsupported search parameter");
}

int fhir_search_read(struct request *req, struct response *res, const struct search_spec *spec,
		     struct fhir_search *s)
{
	const char *base = fhir_base_url(req);
	fhir_search_init(s, base, base ? strlen(base) : 0);
	struct read_ctx c = {s, spec, fhir_prefers_lenient(req), SEARCH_OK};
	if (request_query_each(req, read_one, &c) != 0) {
		fhir_search_refused(req, res, spec, s, c.rc == SEARCH_UNKNOWN);
		return -1;
	}
	if (!s->has_patient) {
		fhir_error(req, res, 400, spec->subject ? "The patient (or subject) search parameter is required"
							: "The patient search parameter is required");
		return -1;
	}
	return 0;
}

void fhir_search_page(const struct fhir_search *s, const struct search_spec *spec,
		      struct store_page *out, char *codes, size_t cap)
{
	*out = s->page;
	out->codes = fhir_search_codes(s, spec, codes, cap);
	if (s->cursor_prev)
		out->desc = !out->desc; /* read back from the cursor, then shown in order */
	if (s->summary_count)
		out->limit = 0;
}

/* Percent-encode all but RFC 3986's unreserved characters. */
static void encode(struct buf *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~')
			buf_append(b, &ch, 1);
		else
			buf_printf(b, "%%%02X", ch);
	}
}

/* [base]/Type?applied[&_cursor=c] into the arena. */
static const char *link_url(struct request *req, const struct fhir_search *s,
			    const struct search_spec *spec, char dir, int64_t t, const struct id *id)
{
	struct buf b;
	buf_init(&b, &req->arena, LIMIT_SEARCH_LINK);
	buf_printf(&b, "%s/%s?", fhir_base_url(req), spec->type);
	for (size_t i = 0; i < s->n_applied; i++) {
		if (i > 0)
			buf_puts(&b, "&");
		encode(&b, s->applied[i].name, s->applied[i].name_len);
		buf_puts(&b, "=");
		encode(&b, s->applied[i].value, s->applied[i].value_len);
	}
	if (dir) {
		char hex[ID_HEX_LEN + 1];
		id_hex(id, hex);
		buf_printf(&b, "&_cursor=%c%" PRId64 ".%s", dir, t, hex);
	}
	return buf_cstr(&b);
}

static void add_link(json_t *bundle, const char *rel, const char *url)
{
	json_array_append_new(json_object_get(bundle, "link"),
			      json_pack("{s:s, s:s}", "relation", rel, "url", url ? url : ""));
}

json_t *fhir_search_bundle(struct request *req, const struct fhir_search *s,
			   const struct search_spec *spec, const struct page_info *info,
			   const struct page_keys *k)
{
	json_t *b = json_pack("{s:s, s:s, s:[], s:[]}", "resourceType", "Bundle", "type",
			      "searchset", "link", "entry");
	if (b == NULL)
		return NULL;
	if (info->want_total)
		json_object_set_new(b, "total", json_integer((json_int_t)info->total));
	add_link(b, "self", link_url(req, s, spec, 0, 0, NULL));
	if (s->summary_count)
		json_object_del(b, "entry"); /* a count has no entries */
	if (s->summary_count || k->n == 0)
		return b;
	/* Forwards, more rows follow the page; backwards, they come before it. A cursor means
	 * there was a page on the other side. */
	bool later = s->cursor_prev ? s->page.after : info->more;
	bool earlier = s->cursor_prev ? info->more : s->page.after;
	if (later)
		add_link(b, "next", link_url(req, s, spec, 'n', k->last_t, &k->last_id));
	if (earlier)
		add_link(b, "previous", link_url(req, s, spec, 'p', k->first_t, &k->first_id));
	return b;
}

void fhir_search_entry(struct request *req, json_t *bundle, const char *type, const char *id,
		       json_t *resource)
{
	const char *url = arena_printf(&req->arena, "%s/%s/%s", fhir_base_url(req), type, id);
	json_array_append_new(json_object_get(bundle, "entry"),
			      json_pack("{s:s, s:o, s:{s:s}}", "fullUrl", url ? url : "", "resource",
					resource, "search", "mode", "match"));
}

static void param(json_t *list, const char *name, const char *type, const char *doc)
{
	json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name", name, "type", type,
					      "documentation", doc));
}

void fhir_search_capability(json_t *r, const struct search_spec *spec)
{
	static const char dates[] = " Prefixes eq (the default), ne, gt, lt, ge, le on a date of "
				    "any precision (YYYY to seconds, with a zone or UTC); a comma "
				    "list matches any of its values; repeated, all must match.";
	json_t *list = json_array();
	if (r == NULL || list == NULL) {
		json_decref(list);
		return;
	}
	param(list, "patient", "reference",
	      "Required: {id}, Patient/{id} or [base]/Patient/{id} of this server. A patient "
	      "outside your access answers 404, as one that does not exist.");
	param(list, "_count", "number",
	      "Entries a page, 0 to 500 (default 500; more is read as 500; 0 is _summary=count). "
	      "Pages follow link next and previous: a cursor that is only a position, every page "
	      "checked again as a new search.");
	if (spec->subject)
		param(list, "subject", "reference",
		      "The same as patient (Patient/{id}, {id} or [base]/Patient/{id}); one of the "
		      "two is required.");
	/* _sort's names: date, the type's own date parameter, _lastUpdated and its alias */
	char sorts[256];
	size_t sl = (size_t)snprintf(sorts, sizeof(sorts), "date");
	for (size_t i = 0; i < spec->n_params && sl < sizeof(sorts); i++)
		if (spec->params[i].kind == SP_DATE && strcmp(spec->params[i].name, "date") != 0)
			sl += (size_t)snprintf(sorts + sl, sizeof(sorts) - sl, ", %s (the same)",
					       spec->params[i].name);
	if (sl < sizeof(sorts))
		sl += (size_t)snprintf(sorts + sl, sizeof(sorts) - sl, ", _lastUpdated");
	if (spec->sort_updated && sl < sizeof(sorts))
		snprintf(sorts + sl, sizeof(sorts) - sl, ", %s (the same)", spec->sort_updated);
	char sort_doc[400];
	snprintf(sort_doc, sizeof(sort_doc),
		 "One of %s; with - before it newest first (-date is the default); ties by id.", sorts);
	param(list, "_sort", "special", sort_doc);
	param(list, "_summary", "token", "count: the total alone, no entries.");
	param(list, "_total", "token",
	      "none leaves total out; estimate and accurate (the default) count every match.");
	char lu[512];
	snprintf(lu, sizeof(lu), "%s%s", spec->updated_doc ? spec->updated_doc : "", dates);
	param(list, "_lastUpdated", "date", lu);
	for (size_t i = 0; i < spec->n_params; i++) {
		const struct search_param *p = &spec->params[i];
		char doc[512];
		snprintf(doc, sizeof(doc), "%s%s", p->doc ? p->doc : "",
			 p->kind == SP_DATE ? dates : "");
		param(list, p->name, p->kind == SP_DATE ? "date" : "token", doc);
	}
	json_object_set_new(r, "searchParam", list);
}

void fhir_search_answer(struct request *req, struct response *res, const struct fhir_search *s,
			const struct search_spec *spec, const struct page_info *info,
			const struct search_rows *r)
{
	/* Shown in the search's order: a previous link's page was read backwards. */
	size_t n = r->n;
	const char *rows = r->rows;
	struct page_keys k = {.n = n};
	if (n > 0) {
		const char *first = rows + (s->cursor_prev ? n - 1 : 0) * r->size;
		const char *last = rows + (s->cursor_prev ? 0 : n - 1) * r->size;
		k.first_t = r->key(first, s->page.sort);
		k.last_t = r->key(last, s->page.sort);
		k.first_id = *r->id(first);
		k.last_id = *r->id(last);
	}
	json_t *b = fhir_search_bundle(req, s, spec, info, &k);
	for (size_t i = 0; b && i < n; i++) {
		const char *row = rows + (s->cursor_prev ? n - 1 - i : i) * r->size;
		char hex[ID_HEX_LEN + 1];
		id_hex(r->id(row), hex);
		fhir_search_entry(req, b, spec->type, hex, r->render(req, row));
	}
	fhir_respond(req, res, b ? 200 : 500, b);
}

int fhir_search_start(struct request *req, struct response *res, const struct search_spec *spec,
		      struct fhir_search *s, struct search_call *c)
{
	if (fhir_search_read(req, res, spec, s) != 0)
		return -1;
	fhir_search_page(s, spec, &c->page, c->codes, sizeof(c->codes));
	c->info = (struct page_info){.want_total = spec->pages_of == NULL &&
						   (!s->total_none || s->summary_count)};
	return 0;
}

void fhir_search_done(struct request *req, struct response *res, const struct fhir_search *s,
		      const struct search_spec *spec, const struct search_call *c, int rc,
		      const struct search_rows *r)
{
	if (rc != ERR_OK)
		fhir_domain_error(req, res, rc, "Patient");
	else
		fhir_search_answer(req, res, s, spec, &c->info, r);
}
