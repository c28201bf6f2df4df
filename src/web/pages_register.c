/*
 * The practice's register pages (docs/internals/REGISTER.md): enrol one patient by hand,
 * correct an enrolled patient's details, and find a patient by NHI. Every decision is the
 * register domain's (src/domain/register.h) and the gate's; these pages parse and render.
 *
 * Who: the clinicians and practice admins of a practice (policy_may_enrol for the actor's own
 * practice). Anyone else is answered exactly as a page that does not exist. The details page
 * and its form reach only patients enrolled at the actor's practice: another practice's
 * patient and a random id answer the same 404 (DESIGN.md invariant 2).
 *
 * An NHI never travels in a URL (invariant 8): finding by NHI is a POST with CSRF, and the
 * answer is a redirect to the patient's page by id.
 */
#include <string.h>

#include "domain/details.h"
#include "domain/domain.h"
#include "domain/register.h"
#include "limits.h"
#include "web/html.h"
#include "web/web.h"
#include "web/web_int.h"

/* The form's fields, in the order shown, with the FHIR path register_problem names. */
enum reg_field { F_NHI, F_FAMILY, F_GIVEN, F_BIRTH, F_GENDER, F_COUNT };

static const struct {
	const char *id;    /* the input's id and name */
	const char *fhir;  /* as register_problem names it */
	const char *label;
	const char *error; /* the plain message when it is wrong */
} reg_fields[F_COUNT] = {
	{"nhi", "identifier", "NHI number",
	 "Enter the NHI number as 7 characters: 3 letters and 4 digits (like ZZZ0016), or 3 "
	 "letters, 2 digits and 2 letters (like ZBN77VL)."},
	{"family", "name.family", "Family name", "Enter the family name (up to 200 characters)."},
	{"given", "name.given", "Given name or names",
	 "Enter the given name or names (up to 200 characters)."},
	{"birth_date", "birthDate", "Date of birth",
	 "Enter a real date of birth, not in the future."},
	{"gender", "gender", "Gender", "Choose one of the genders listed."},
};

/* What the form says, and what is wrong with it (NULL: nothing). */
struct reg_form {
	const char *value[F_COUNT];
	const char *error[F_COUNT];
	const char *notice; /* a status line above the form (NULL: none) */
	bool offer_move;    /* the NHI is enrolled elsewhere: offer to ask for the move */
	bool contact_part;  /* the correction page's contact form was sent (part=contact) */
	struct contact_details contact;
};

static const char *const genders[][2] = {
	{"female", "Female"}, {"male", "Male"}, {"other", "Another gender"}, {"unknown", "Unknown"}};

/* An NHI as typed: spaces anywhere are dropped ("ZBN 77VL"); case is the domain's business. */
static const char *nhi_input(struct request *req, const char *s)
{
	if (s == NULL)
		return "";
	char *out = arena_strdup(&req->arena, s);
	if (out == NULL)
		return "";
	size_t j = 0;
	for (size_t i = 0; s[i]; i++)
		if (s[i] != ' ' && s[i] != '\t')
			out[j++] = s[i];
	out[j] = '\0';
	return out;
}

/* Is s shaped like an NHI (AAANNNN or AAANNAA, letters without I and O, either case)? Only to
 * say which message fits: the domain decides validity, with the check character. */
static bool nhi_shaped(const char *s)
{
	if (strlen(s) != NHI_LEN)
		return false;
	for (int i = 0; i < NHI_LEN; i++) {
		char c = s[i];
		bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
		bool digit = c >= '0' && c <= '9';
		if (letter && (c == 'I' || c == 'O' || c == 'i' || c == 'o'))
			return false;
		if ((i < 3 && !letter) || ((i == 3 || i == 4) && !digit) || (i >= 5 && !letter && !digit))
			return false;
		if (i == 6 && (letter != (s[5] < '0' || s[5] > '9')))
			return false;
	}
	return true;
}

/* The details form as sent, its CSRF token checked: false when refused (answered). */
static bool form_read(struct request *req, struct response *res, struct reg_form *f)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return false;
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < F_COUNT; i++) {
		const char *v = form_get(fields, n, reg_fields[i].id, NULL);
		f->value[i] = v ? v : "";
	}
	f->value[F_NHI] = nhi_input(req, f->value[F_NHI]);
	const char *part = form_get(fields, n, "part", NULL);
	f->contact_part = part && strcmp(part, "contact") == 0;
	if (f->contact_part)
		web_contact_read(fields, n, &f->contact);
	return true;
}

static struct patient_view form_view(const struct reg_form *f)
{
	struct patient_view v;
	memset(&v, 0, sizeof(v));
	v.nhi = f->value[F_NHI];
	v.family = f->value[F_FAMILY];
	v.given = f->value[F_GIVEN];
	v.birth_date = f->value[F_BIRTH];
	v.gender = f->value[F_GENDER];
	return v;
}

/* Every wrong field, by asking register_problem again with each wrong field replaced by a
 * right one: the rules stay the domain's, and the person sees all their mistakes at once.
 * Returns how many fields are wrong. */
static int form_problems(struct reg_form *f)
{
	struct patient_view v = form_view(f);
	int wrong = 0;
	for (int round = 0; round < F_COUNT; round++) {
		const char *p = register_problem(&v);
		if (p == NULL)
			break;
		int i = 0;
		while (i < F_COUNT && strcmp(reg_fields[i].fhir, p) != 0)
			i++;
		if (i == F_COUNT)
			break;
		f->error[i] = reg_fields[i].error;
		wrong++;
		switch (i) {
		case F_NHI:
			if (nhi_shaped(f->value[F_NHI]))
				f->error[i] = "This is not a valid NHI number: its last character (the "
					      "check character) does not match. Check that it was copied "
					      "correctly.";
			v.nhi = "ZZZ0016";
			break;
		case F_FAMILY:
			v.family = "x";
			break;
		case F_GIVEN:
			v.given = "x";
			break;
		case F_BIRTH:
			v.birth_date = "2000-01-01";
			break;
		default:
			v.gender = "unknown";
			break;
		}
	}
	return wrong;
}

static void error_summary(struct buf *b, const struct reg_form *f)
{
	bool any = false;
	for (int i = 0; i < F_COUNT; i++)
		any |= f->error[i] != NULL;
	if (!any)
		return;
	html_raw(b, "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"problem\">"
		    "<h2 id=\"problem\">There is a problem</h2><ul>");
	for (int i = 0; i < F_COUNT; i++) {
		if (f->error[i] == NULL)
			continue;
		html_raw(b, "<li><a href=\"#");
		html_raw(b, reg_fields[i].id);
		html_raw(b, "\">");
		html_text(b, f->error[i]);
		html_raw(b, "</a></li>");
	}
	html_raw(b, "</ul></div>");
}

/* A label, its hint and error (each linked to the control by aria-describedby), and the
 * control's opening: the caller writes the rest of the control's attributes. */
static void field_head(struct buf *b, const struct reg_form *f, int i, const char *hint,
		       const char *tag)
{
	const char *id = reg_fields[i].id;
	html_raw(b, "<div class=\"field\"><label for=\"");
	html_raw(b, id);
	html_raw(b, "\">");
	html_raw(b, reg_fields[i].label);
	html_raw(b, "</label>");
	if (hint) {
		html_raw(b, "<p class=\"hint\" id=\"");
		html_raw(b, id);
		html_raw(b, "-hint\">");
		html_raw(b, hint);
		html_raw(b, "</p>");
	}
	if (f->error[i]) {
		html_raw(b, "<p class=\"field-error\" id=\"");
		html_raw(b, id);
		html_raw(b, "-error\"><span class=\"visually-hidden\">Error: </span>");
		html_text(b, f->error[i]);
		html_raw(b, "</p>");
	}
	html_raw(b, "<");
	html_raw(b, tag);
	html_raw(b, " id=\"");
	html_raw(b, id);
	html_raw(b, "\" name=\"");
	html_raw(b, id);
	html_raw(b, "\"");
	if (hint || f->error[i]) {
		html_raw(b, " aria-describedby=\"");
		if (hint) {
			html_raw(b, id);
			html_raw(b, "-hint");
		}
		if (f->error[i]) {
			html_raw(b, hint ? " " : "");
			html_raw(b, id);
			html_raw(b, "-error");
		}
		html_raw(b, "\"");
	}
	if (f->error[i])
		html_raw(b, " aria-invalid=\"true\"");
}

static void text_field(struct buf *b, const struct reg_form *f, int i, const char *hint,
		       const char *attrs)
{
	field_head(b, f, i, hint, "input");
	html_raw(b, " ");
	html_raw(b, attrs);
	html_raw(b, " value=\"");
	html_text(b, f->value[i]);
	html_raw(b, "\"></div>");
}

static void details_fields(struct buf *b, const struct reg_form *f)
{
	text_field(b, f, F_NHI, "The National Health Index number: 7 characters, like ZZZ0016 or "
				"ZBN77VL.",
		   "required maxlength=\"16\" autocomplete=\"off\" spellcheck=\"false\" "
		   "autocapitalize=\"characters\" class=\"short\"");
	text_field(b, f, F_FAMILY, NULL, "required maxlength=\"200\" autocomplete=\"off\"");
	text_field(b, f, F_GIVEN, "All of them, as the patient uses them, separated by spaces.",
		   "required maxlength=\"200\" autocomplete=\"off\"");
	text_field(b, f, F_BIRTH, "Where there is no date picker, type it as year-month-day, "
				  "like 1984-03-27.",
		   "type=\"date\" required autocomplete=\"off\" class=\"short\"");
	field_head(b, f, F_GENDER, NULL, "select");
	html_raw(b, " required><option value=\"\">Choose…</option>");
	for (size_t g = 0; g < sizeof(genders) / sizeof(genders[0]); g++) {
		html_raw(b, "<option value=\"");
		html_raw(b, genders[g][0]);
		html_raw(b, "\"");
		if (strcmp(f->value[F_GENDER], genders[g][0]) == 0)
			html_raw(b, " selected");
		html_raw(b, ">");
		html_raw(b, genders[g][1]);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select></div>");
}

/* The page title is "Error: …" while the form has a problem, so a screen reader hears it. */
static const char *page_title(struct request *req, const struct reg_form *f, const char *title)
{
	for (int i = 0; i < F_COUNT; i++)
		if (f->error[i]) {
			const char *t = arena_printf(&req->arena, "Error: %s", title);
			return t ? t : title;
		}
	return title;
}

static void enrol_page(struct request *req, struct response *res, int status,
		       const struct reg_form *f)
{
	struct buf *b = page_buf(req);
	if (b == NULL) {
		web_error(req, res, 500, "Something went wrong on our side.");
		return;
	}
	html_begin(b, page_title(req, f, "Enrol a patient"), &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"/patients\">← Patients</a></p><h1>Enrol a patient</h1>"
		    "<p class=\"lead\">Add a patient to this practice's register. If the NHI number "
		    "is already enrolled here, you are taken to that patient instead: a patient is "
		    "never enrolled twice.</p>");
	error_summary(b, f);
	if (f->notice) {
		html_raw(b, "<div class=\"status warn\" role=\"status\">");
		html_raw(b, f->notice);
		if (f->offer_move)
			web_transfer_ask_button(b, req->csrf, f->value[F_NHI]);
		html_raw(b, "</div>");
	}
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/practice/patients/new\" "
		    "novalidate>");
	web_csrf_field(b, req->csrf);
	details_fields(b, f);
	html_raw(b, "<button type=\"submit\">Enrol</button></form>");
	web_page_end(res, status, b);
}

/* Staff of a practice keep its register; anyone else finds no such page. */
static bool keeps_register(struct request *req, struct response *res)
{
	if (req->actor.has_practice && policy_may_enrol(&req->actor, &req->actor.practice))
		return true;
	web_error(req, res, 404, "There is no such page.");
	return false;
}

void web_enrol_form(struct request *req, struct response *res)
{
	if (!keeps_register(req, res))
		return;
	struct reg_form f;
	memset(&f, 0, sizeof(f));
	for (int i = 0; i < F_COUNT; i++)
		f.value[i] = "";
	enrol_page(req, res, 200, &f);
}

static void to_patient(struct request *req, struct response *res, const struct id *id,
		       const char *notice)
{
	char hex[ID_HEX_LEN + 1];
	id_hex(id, hex);
	const char *loc = arena_printf(&req->arena, "/patients/%s?notice=%s", hex, notice);
	respond_redirect(req, res, loc ? loc : "/patients");
}

void web_enrol_submit(struct request *req, struct response *res)
{
	struct reg_form f;
	if (!form_read(req, res, &f))
		return;
	struct patient_view v = form_view(&f);
	struct id id;
	bool created = false;
	/* The domain decides who may enrol (audited) before it looks at the details. */
	int rc = register_enrol(&req->actor, req->actor.has_practice ? &req->actor.practice : NULL,
				&v, &id, &created);
	switch (rc) {
	case ERR_OK:
		to_patient(req, res, &id, created ? "enrolled" : "already-enrolled");
		return;
	case ERR_INVALID:
		form_problems(&f);
		enrol_page(req, res, 400, &f);
		return;
	case ERR_CONFLICT:
		f.error[F_NHI] = "This NHI number belongs to a patient enrolled at another practice.";
		f.notice = "<h2>Enrolled at another practice</h2><p>Check the NHI number. If it is "
			   "right and the patient is joining this practice, ask for the move: the "
			   "patient (in their portal) or their current practice agrees to it, and "
			   "until then this practice sees nothing of their record.</p>";
		f.offer_move = true;
		enrol_page(req, res, 409, &f);
		return;
	default:
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
}

/* --- correcting details --- */

static void details_page(struct request *req, struct response *res, int status,
			 const struct id *pid, const struct reg_form *f, const struct contact_details *c,
			 const char *const why[])
{
	struct buf *b = page_buf(req);
	if (b == NULL) {
		web_error(req, res, 500, "Something went wrong on our side.");
		return;
	}
	char hex[ID_HEX_LEN + 1];
	id_hex(pid, hex);
	html_begin(b, page_title(req, f, "Correct details"), &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"/patients/");
	html_raw(b, hex);
	html_raw(b, "\">← Patient</a></p><h1>Correct details</h1><p class=\"lead\">Correct the "
		    "patient's NHI number, name, date of birth or gender as the practice holds "
		    "them. The change is on record in the patient's access log.</p>");
	error_summary(b, f);
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/practice/patients/");
	html_raw(b, hex);
	html_raw(b, "/details\" novalidate>");
	web_csrf_field(b, req->csrf);
	details_fields(b, f);
	html_raw(b, "<button type=\"submit\">Save the details</button></form>");
	/* The contact details the patient keeps (DETAILS.md): the practice may set them too, when
	 * the patient tells them in person or on the phone. */
	html_raw(b, "<h2>Contact details</h2><p>The patient can change these themselves, on their "
		    "Your details page.</p>");
	const char *action = arena_printf(&req->arena, "/practice/patients/%s/details", hex);
	web_contact_form(req, b, action ? action : "/patients", c, why, "Save contact details");
	web_page_end(res, status, b);
}

/* The patient's details as the correction form shows them. */
static void form_of(struct reg_form *f, const struct patient_view *p)
{
	memset(f, 0, sizeof(*f));
	f->value[F_NHI] = p->nhi ? p->nhi : "";
	f->value[F_FAMILY] = p->family ? p->family : "";
	f->value[F_GIVEN] = p->given ? p->given : "";
	f->value[F_BIRTH] = p->birth_date ? p->birth_date : "";
	f->value[F_GENDER] = p->gender ? p->gender : "";
}

void web_details_form(struct request *req, struct response *res)
{
	struct id pid;
	struct patient_view p;
	struct contact_details c;
	/* Not staff of a practice: no register to correct, the same answer as a random id. */
	bool staff = req->actor.has_practice && policy_may_enrol(&req->actor, &req->actor.practice);
	int rc = staff && request_param_id(req, 0, &pid) == 0
			 ? details_read(&req->actor, &pid, &req->arena, &p, &c)
			 : ERR_NOT_FOUND;
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	struct reg_form f;
	form_of(&f, &p);
	const char *none[DF_COUNT] = {0};
	details_page(req, res, 200, &pid, &f, &c, none);
}

/* The correction form again with what is wrong, and the contact details as they are. */
static void register_again(struct request *req, struct response *res, int status,
			   const struct id *pid, const struct reg_form *f)
{
	struct patient_view p;
	struct contact_details c;
	int rc = details_read(&req->actor, pid, &req->arena, &p, &c);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	const char *none[DF_COUNT] = {0};
	details_page(req, res, status, pid, f, &c, none);
}

/* The contact form of the correction page: the gate (ACTION_DETAILS_UPDATE) first, then the
 * fields; what is wrong is shown with both forms, the register's as the practice holds it. */
static void contact_submit(struct request *req, struct response *res, const struct id *pid,
			   const struct reg_form *sent)
{
	const char *why[DF_COUNT];
	int rc = details_update(&req->actor, pid, &sent->contact, &req->arena, why);
	if (rc == ERR_OK) {
		to_patient(req, res, pid, "contact-saved");
		return;
	}
	struct patient_view p;
	struct contact_details held;
	if (rc == ERR_INVALID)
		rc = details_read(&req->actor, pid, &req->arena, &p, &held);
	if (rc != ERR_OK) {
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
	struct reg_form f;
	form_of(&f, &p);
	details_page(req, res, 400, pid, &f, &sent->contact, why);
}

void web_details_submit(struct request *req, struct response *res)
{
	struct id pid;
	struct reg_form f;
	if (request_param_id(req, 0, &pid) != 0) {
		web_error(req, res, 404, "There is no such patient.");
		return;
	}
	if (!form_read(req, res, &f))
		return;
	if (f.contact_part) {
		contact_submit(req, res, &pid, &f);
		return;
	}
	struct patient_view v = form_view(&f);
	/* The gate first (ACTION_PATIENT_WRITE, audited): a foreign id is not found before any
	 * field is looked at. */
	int64_t version, updated;
	int rc = register_update(&req->actor, &pid, &v, &version, &updated);
	switch (rc) {
	case ERR_OK:
		to_patient(req, res, &pid, "corrected");
		return;
	case ERR_INVALID:
		form_problems(&f);
		register_again(req, res, 400, &pid, &f);
		return;
	case ERR_CONFLICT:
		f.error[F_NHI] = "This NHI number belongs to another patient. One NHI number is one "
				 "patient: check the number, or ask the medkeep operator to merge "
				 "the two records if they are the same person.";
		register_again(req, res, 409, &pid, &f);
		return;
	default:
		web_domain_refusal(req, res, rc, "There is no such patient.");
		return;
	}
}

/* --- finding a patient by NHI --- */

void web_find_nhi_form(struct request *req, struct buf *b)
{
	if (!req->actor.has_practice || !policy_may_enrol(&req->actor, &req->actor.practice))
		return;
	html_raw(b, "<p><a class=\"button\" href=\"/practice/patients/new\">Enrol a patient</a></p>"
		    "<form method=\"post\" class=\"card\" action=\"/practice/patients/find\" "
		    "role=\"search\" aria-labelledby=\"find-title\"><h2 id=\"find-title\">Find by "
		    "NHI</h2>");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"find-nhi\">NHI number</label><input id=\"find-nhi\" name=\"nhi\" "
		    "required maxlength=\"16\" autocomplete=\"off\" spellcheck=\"false\" "
		    "autocapitalize=\"characters\" class=\"short\"><button type=\"submit\">Find"
		    "</button></form>");
}

static void find_page(struct request *req, struct response *res, int status, const char *nhi,
		      const char *error, const char *message)
{
	struct buf *b = page_buf(req);
	if (b == NULL) {
		web_error(req, res, 500, "Something went wrong on our side.");
		return;
	}
	html_begin(b, error ? "Error: Find by NHI" : "Find by NHI", &req->actor, req->csrf);
	html_raw(b, "<p><a href=\"/patients\">← Patients</a></p><h1>Find by NHI</h1>");
	if (error) {
		html_raw(b, "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"problem\">"
			    "<h2 id=\"problem\">There is a problem</h2><ul><li><a href=\"#find-nhi\">");
		html_text(b, error);
		html_raw(b, "</a></li></ul></div>");
	}
	if (message) {
		html_raw(b, "<p class=\"status warn\" role=\"status\">");
		html_text(b, message);
		html_raw(b, "</p>");
	}
	html_raw(b, "<form method=\"post\" class=\"card\" action=\"/practice/patients/find\" "
		    "role=\"search\" aria-label=\"Find by NHI\">");
	web_csrf_field(b, req->csrf);
	html_raw(b, "<label for=\"find-nhi\">NHI number</label>");
	if (error) {
		html_raw(b, "<p class=\"field-error\" id=\"find-nhi-error\"><span "
			    "class=\"visually-hidden\">Error: </span>");
		html_text(b, error);
		html_raw(b, "</p>");
	}
	html_raw(b, "<input id=\"find-nhi\" name=\"nhi\" required maxlength=\"16\" "
		    "autocomplete=\"off\" spellcheck=\"false\" autocapitalize=\"characters\" "
		    "class=\"short\"");
	if (error)
		html_raw(b, " aria-describedby=\"find-nhi-error\" aria-invalid=\"true\"");
	html_raw(b, " value=\"");
	html_text(b, nhi);
	html_raw(b, "\"><button type=\"submit\">Find</button></form><p><a href=\"/practice/patients/"
		    "new\">Enrol a patient</a></p>");
	web_page_end(res, status, b);
}

void web_find_nhi(struct request *req, struct response *res)
{
	struct form_field fields[LIMIT_FORM_FIELDS];
	size_t n = 0;
	if (!web_form_accepted(req, res, fields, &n))
		return;
	if (!keeps_register(req, res))
		return;
	const char *nhi = nhi_input(req, form_get(fields, n, "nhi", NULL));
	struct id id;
	int rc = register_find_nhi(&req->actor, nhi, &id);
	switch (rc) {
	case ERR_OK: {
		char hex[ID_HEX_LEN + 1];
		id_hex(&id, hex);
		const char *loc = arena_printf(&req->arena, "/patients/%s", hex);
		respond_redirect(req, res, loc ? loc : "/patients");
		return;
	}
	case ERR_INVALID:
		find_page(req, res, 400, nhi,
			  nhi_shaped(nhi) ? "This is not a valid NHI number: its check character does "
					    "not match. Check that it was copied correctly."
					  : reg_fields[F_NHI].error,
			  NULL);
		return;
	case ERR_NOT_FOUND:
		find_page(req, res, 200, nhi, NULL, "No patient with that NHI number is enrolled at "
						    "this practice.");
		return;
	default:
		web_domain_refusal(req, res, rc, "There is no such page.");
		return;
	}
}
