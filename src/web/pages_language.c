/*
 * The language of an account's pages and emails (docs/internals/TEXT.md): the choice on the
 * Account page, labelled in every language the portal speaks (someone who cannot read the
 * current one must still find it), and the form's answer. The words are in util/text.c.
 */
#include <string.h>

#include "auth/account.h"
#include "http/parse.h"
#include "limits.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

/* "Language · Reo": a string in every language, each marked with its own lang. */
static void every_language(struct buf *b, enum text_id id)
{
	for (unsigned i = 0; i < LANG_COUNT; i++) {
		html_raw(b, i == 0 ? "<span lang=\"" : " · <span lang=\"");
		html_raw(b, lang_code((enum lang)i));
		html_raw(b, "\">");
		html_text(b, text_get((enum lang)i, id));
		html_raw(b, "</span>");
	}
}

void web_language_form(struct request *req, struct buf *b)
{
	html_raw(b, "<form method=\"post\" action=\"/account/language\" class=\"card\" "
		    "id=\"language\"><fieldset class=\"checks\"><legend>");
	every_language(b, TEXT_LANG_LEGEND);
	html_raw(b, "</legend>");
	web_csrf_field(b, req->csrf);
	for (unsigned i = 0; i < LANG_COUNT; i++) {
		const char *code = lang_code((enum lang)i);
		html_raw(b, "<label><input type=\"radio\" name=\"lang\" value=\"");
		html_raw(b, code);
		html_raw(b, (unsigned)req->actor.lang == i ? "\" checked> <span lang=\""
							  : "\"> <span lang=\"");
		html_raw(b, code);
		html_raw(b, "\">");
		html_text(b, lang_name((enum lang)i));
		html_raw(b, "</span></label>");
	}
	html_raw(b, "</fieldset><button type=\"submit\">");
	every_language(b, TEXT_LANG_SAVE);
	html_raw(b, "</button></form>");
}

void web_account_language(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	enum lang lang;
	const char *code = form_get(fields, n, "lang", NULL);
	if (code == NULL || strlen(code) != 2 || lang_parse(code, &lang) != 0) {
		web_error(req, res, 400, "Choose one of the languages offered.");
		return;
	}
	int rc = account_language_set(&req->actor, lang);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
	respond_redirect(req, res, "/account?done=language");
}
