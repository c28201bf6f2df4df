/*
 * The interface's words (text.h, docs/internals/TEXT.md). One row per id: {English, te reo
 * Māori}. The Māori wording marked "review" in TEXT.md waits for a fluent speaker's check;
 * change a string here and nowhere else.
 */
#include "util/text.h"

#include <string.h>

#include "limits.h"
#include "util/buf.h"

static const char *const table[TEXT_ID_COUNT][LANG_COUNT] = {
	[TEXT_NONE] = {"", ""},
	/* the page frame */
	[TEXT_SKIP] = {"Skip to content", "Peke ki te ihirangi"},
	[TEXT_MENU] = {"Menu", "Tahua"},
	[TEXT_FOOTER] = {"Your health information is encrypted and every access to it is recorded.",
			 "Kua whakamunatia ō mōhiohio hauora, ā, ka tuhia ia urunga ki ōna."},
	[TEXT_VIEWING_OTHER] = {"Viewing another person's record",
				"E titiro ana koe ki te pūkete o tētahi atu"},
	[TEXT_COUNT_NEW] = {"new", "hou"},
	[TEXT_COUNT_UNREAD] = {"unread", "kāore anō kia pānuitia"},
	/* the menu: a patient's */
	[TEXT_NAV_HOME] = {"Home", "Kāinga"},
	[TEXT_NAV_MY_DOCUMENTS] = {"My documents", "Aku tuhinga"},
	[TEXT_NAV_DOCUMENTS] = {"Documents", "Ngā tuhinga"},
	[TEXT_NAV_MY_RESULTS] = {"My results", "Aku hua"},
	[TEXT_NAV_RESULTS] = {"Results", "Ngā hua"},
	[TEXT_NAV_MEDICATIONS] = {"Medications", "Ngā rongoā"},
	[TEXT_NAV_APPOINTMENTS] = {"Appointments", "Ngā wā whakarite"},
	[TEXT_NAV_MESSAGES] = {"Messages", "Ngā karere"},
	[TEXT_NAV_ACCESS_LOG] = {"Access log", "Ngā urunga"},
	[TEXT_NAV_YOUR_PRACTICE] = {"Your practice", "Tō whare rata"},
	[TEXT_NAV_SUMMARY] = {"Health summary", "Whakarāpopototanga hauora"},
	[TEXT_NAV_DETAILS] = {"Details", "Ngā taipitopito"},
	[TEXT_NAV_YOUR_DETAILS] = {"Your details", "Ō taipitopito"},
	[TEXT_NAV_SECURITY] = {"Security", "Haumarutanga"},
	[TEXT_NAV_FAMILY] = {"Family access", "Urunga whānau"},
	/* the menu: staff's and an operator's */
	[TEXT_NAV_PATIENTS] = {"Patients", "Ngā tūroro"},
	[TEXT_NAV_INBOX] = {"Inbox", "Pouaka karere"},
	[TEXT_NAV_RESULTS_INBOX] = {"Results inbox", "Pouaka hua"},
	[TEXT_NAV_REPEATS] = {"Repeats", "Ngā tono rongoā anō"},
	[TEXT_NAV_RECALLS] = {"Recalls", "Ngā karanga anō"},
	[TEXT_NAV_MY_DAY] = {"My day", "Tōku rā"},
	[TEXT_NAV_BOOKINGS] = {"Bookings", "Ngā tāpui"},
	[TEXT_NAV_SLOTS] = {"Slots", "Ngā wā wātea"},
	[TEXT_NAV_FEED_QUEUE] = {"Feed queue", "Te rārangi whāngai"},
	[TEXT_NAV_MOVING] = {"Moving", "Ngā nekehanga"},
	[TEXT_NAV_RELEASE_RULES] = {"Release rules", "Ngā ture tuku"},
	[TEXT_NAV_ALERTS] = {"Alerts", "Ngā matohi"},
	[TEXT_NAV_PRACTICE] = {"Practice", "Te whare rata"},
	[TEXT_NAV_LOCKS] = {"Locks", "Ngā rakaina"},
	[TEXT_NAV_FEEDS] = {"Feeds", "Ngā whāngai"},
	/* the menu: everyone's */
	[TEXT_NAV_SESSIONS] = {"Sessions", "Ngā takiuru"},
	[TEXT_NAV_ACCOUNT] = {"Account", "Tō kaute"},
	[TEXT_NAV_LOG_OUT] = {"Log out", "Takiputa"},
	/* headings of the patient's pages */
	[TEXT_H_HOME] = {"Home", "Kāinga"},
	[TEXT_H_MY_DOCUMENTS] = {"My documents", "Aku tuhinga"},
	[TEXT_H_MY_RESULTS] = {"My results", "Aku hua"},
	[TEXT_H_MEDICATIONS] = {"Medications", "Ngā rongoā"},
	[TEXT_H_APPOINTMENTS] = {"Appointments", "Ngā wā whakarite"},
	[TEXT_H_MESSAGES] = {"Messages", "Ngā karere"},
	[TEXT_H_ACCESS_LOG] = {"Who has seen my record", "Ko wai kua kite i tōku pūkete"},
	[TEXT_H_YOUR_PRACTICE] = {"Your practice", "Tō whare rata"},
	[TEXT_H_SECURITY] = {"Security", "Haumarutanga"},
	[TEXT_H_FAMILY] = {"Family and carer access", "Te urunga a te whānau me ngā kaitiaki"},
	[TEXT_H_SESSIONS] = {"Where you are signed in", "Kei hea koe e takiuru ana"},
	[TEXT_H_ACCOUNT] = {"Your account", "Tō kaute"},
	[TEXT_H_EMAILS] = {"Emails from your practice", "Ngā īmēra mai i tō whare rata"},
	/* the language choice */
	[TEXT_LANG_LEGEND] = {"Language", "Reo"},
	[TEXT_LANG_SAVE] = {"Save language", "Tiakina te reo"},
	[TEXT_LANG_SAVED] = {"Your language is saved.", "Kua tiakina tō reo."},
	/* the emails' fixed sentences */
	[TEXT_MAIL_GREETING] = {"Kia ora,", "Kia ora,"},
	[TEXT_MAIL_SIGN_IN] = {"Sign in to your patient portal to see it:",
			       "Takiuru ki tō tomokanga tūroro kia kite ai:"},
	[TEXT_MAIL_PRIVACY] = {"For your privacy, this email holds no health details.",
			       "Hei tiaki i tō matatapu, kāore he taipitopito hauora i tēnei īmēra."},
	[TEXT_MAIL_FOOTER] = {"Sent through %1's patient portal. We never ask for your password by "
			      "email. You can choose which emails you receive under Account, Emails "
			      "from your practice.",
			      "I tukuna mā te tomokanga tūroro o %1. Kāore rawa mātou e tono i tō "
			      "kupuhipa mā te īmēra. Ka taea e koe te kōwhiri i ngā īmēra ka tae mai "
			      "ki a koe i Tō kaute, Ngā īmēra mai i tō whare rata."},
	[TEXT_MAIL_ABOUT_HELD] = {"This is about %1's record at %2, which you have family access to.",
				  "Mō te pūkete o %1 kei %2 tēnei, e whai urunga whānau ana koe ki "
				  "taua pūkete."},
	[TEXT_MAIL_ABOUT_RECORD] = {"This is about a record at %1 that you have family access to.",
				    "Mō tētahi pūkete kei %1 tēnei, e whai urunga whānau ana koe ki "
				    "taua pūkete."},
	[TEXT_MAIL_YOUR_PRACTICE] = {"your practice", "tō whare rata"},
	[TEXT_MAIL_RESULT_SUBJECT] = {"A new result is ready to view", "Kua rite tētahi hua hou"},
	[TEXT_MAIL_RESULT_LINE] = {"A new result from %1 is ready to view in your portal.",
				   "Kua rite tētahi hua hou mai i %1 hei tirotiro māu i tō tomokanga."},
	[TEXT_MAIL_MESSAGE_SUBJECT] = {"You have a new message", "He karere hou tāu"},
	[TEXT_MAIL_MESSAGE_LINE] = {"You have a new message from %1.",
				    "He karere hou tāu nā %1."},
	[TEXT_MAIL_STAFF_SUBJECT] = {"New messages are waiting", "Kei te tatari ētahi karere hou"},
	[TEXT_MAIL_STAFF_LINE] = {"New messages from patients are waiting in the %1 inbox.",
				  "Kei te tatari ētahi karere hou mai i ngā tūroro i te pouaka "
				  "karere o %1."},
	[TEXT_MAIL_TRANSFER_SUBJECT] = {"A practice asks to take on one of your patients",
					"Kei te tono tētahi whare rata kia riro mai tētahi o ō tūroro"},
	[TEXT_MAIL_TRANSFER_LINE] = {"%1 has asked to become the practice of a patient enrolled at %2. "
				     "Nothing changes until the patient or %2 agrees. Sign in and open "
				     "Patients moving (/practice/transfers) to see the request and agree "
				     "or refuse.",
				     "Kua tono a %1 kia noho hei whare rata mō tētahi tūroro kua rēhita ki "
				     "%2. Kāore he mea e rerekē kia whakaae rā anō te tūroro, a %2 rānei. "
				     "Takiuru mai, ka huaki i Patients moving (/practice/transfers) kia kite "
				     "i te tono, ā, kia whakaae, kia whakakāhore rānei."},
	[TEXT_MAIL_RECALL_SUBJECT] = {"A reminder from your practice",
				      "He whakamaumahara mai i tō whare rata"},
	[TEXT_MAIL_RECALL_LINE] = {"%1 asks you to book an appointment: a recall they set for you is "
				   "due. Sign in to see what it is for.",
				   "E tono ana a %1 kia whakarite koe i tētahi wā: kua tae te wā mō "
				   "tētahi karanga anō i whakaritea mōu. Takiuru kia kite he aha ai."},
	[TEXT_MAIL_REPEAT_SUBJECT] = {"Your repeat prescription request",
				      "Tō tono mō te rongoā anō"},
	[TEXT_MAIL_REPEAT_APPROVED] = {"Your repeat prescription request has been approved by %1. It "
				       "is being sent to %2.",
				       "Kua whakaaetia tō tono mō te rongoā anō e %1. Kei te tukuna "
				       "ki %2."},
	[TEXT_MAIL_REPEAT_DECLINED] = {"Your repeat prescription request to %1 was not approved. Sign "
				       "in to see the practice's reason.",
				       "Kāore i whakaaetia tō tono mō te rongoā anō ki %1. Takiuru "
				       "kia kite i te take a te whare rata."},
	[TEXT_MAIL_REPEAT_PHARMACY] = {"the pharmacy you chose", "te toa rongoā i kōwhiria e koe"},
	[TEXT_MAIL_APPT_SUBJECT] = {"Your appointment", "Tō wā whakarite"},
	[TEXT_MAIL_APPT_CHANGED_SUBJECT] = {"Your appointment has changed",
					    "Kua panonihia tō wā whakarite"},
	[TEXT_MAIL_APPT_BOOKED] = {"An appointment at %1 is booked for you: %2. %3",
				   "Kua tāpuitia he wā whakarite mōu ki %1: %2. %3"},
	[TEXT_MAIL_APPT_CANCELLED] = {"Your appointment at %1 on %2 has been cancelled.",
				      "Kua whakakorea tō wā whakarite ki %1 i te %2."},
	[TEXT_MAIL_APPT_CANCELLED_WHY] = {"Your appointment at %1 on %2 has been cancelled by the "
					  "practice. %3 Please book another time, or phone the "
					  "practice.",
					  "Kua whakakorea tō wā whakarite ki %1 i te %2 e te whare "
					  "rata. %3 Tēnā, tāpuitia he wā anō, me waea atu rānei ki "
					  "te whare rata."},
	[TEXT_MAIL_APPT_MOVED] = {"Your appointment at %1 has been moved from %2 to %3. %4",
				  "Kua nekehia tō wā whakarite ki %1 i te %2 ki te %3. %4"},
	[TEXT_MAIL_APPT_IN_PERSON] = {"It is in person, at the practice.",
				      "Kanohi ki te kanohi, ki te whare rata."},
	[TEXT_MAIL_APPT_PHONE] = {"It is by phone: the practice will call you.",
				  "Mā te waea: mā te whare rata koe e waea."},
	[TEXT_MAIL_APPT_VIDEO] = {"It is by video: the practice will tell you how to join.",
				  "Mā te ataata: mā te whare rata e whakamōhio atu me pēhea te "
				  "hono."},
	[TEXT_MAIL_REMINDER_SUBJECT] = {"A reminder of your appointment tomorrow",
					"He whakamaumahara mō tō wā whakarite āpōpō"},
	[TEXT_MAIL_REMINDER_LINE] = {"A reminder from %1: you have an appointment tomorrow, %2.",
				     "He whakamaumahara nā %1: he wā whakarite tōu āpōpō, %2."},
	[TEXT_MAIL_TRANSFER_ASK_SUBJECT] = {"A practice asked to become your practice",
					    "Kua tono tētahi whare rata kia noho hei whare rata "
					    "mōu"},
	[TEXT_MAIL_TRANSFER_ASK_LINE] = {"%1 has asked to become your practice. Nothing changes until "
					 "you agree: sign in and open Your practice to agree or "
					 "refuse. If you did not ask to join %1, refuse it there.",
					 "Kua tono a %1 kia noho hei whare rata mōu. Kāore he mea e "
					 "panoni kia whakaae rā anō koe: takiuru, ka huaki i Tō "
					 "whare rata hei whakaae, hei whakakāhore rānei. Ki te kore "
					 "koe i tono kia uru ki %1, whakakāhoretia i reira."},
	[TEXT_MAIL_MOVED_SUBJECT] = {"You have moved practice", "Kua neke koe ki tētahi whare rata "
				     "hou"},
	[TEXT_MAIL_MOVED_LINE] = {"You have moved to %1: %2 agreed to it. %1 sees what is filed from "
				  "now on. Open Your practice in your portal to see or change this.",
				  "Kua neke koe ki %1: i whakaae a %2. Ka kite a %1 i ngā mea ka "
				  "kōnaetia mai i nāianei. Huakina Tō whare rata i tō tomokanga kia "
				  "kite, kia panoni rānei."},
	[TEXT_MAIL_MOVED_LINE_SHARED] = {"You have moved to %1: %2 agreed to it. %1 sees what is filed "
					 "from now on and your earlier records. Open Your practice in "
					 "your portal to see or change this.",
					 "Kua neke koe ki %1: i whakaae a %2. Ka kite a %1 i ngā mea "
					 "ka kōnaetia mai i nāianei me ō pūkete o mua. Huakina Tō "
					 "whare rata i tō tomokanga kia kite, kia panoni rānei."},
	/* the account's own emails */
	[TEXT_MAIL_SIGNIN_SUBJECT] = {"New sign-in to your patient portal account",
				      "He takiuru hou ki tō kaute tomokanga tūroro"},
	[TEXT_MAIL_SIGNIN_BODY] = {"Your patient portal account was signed in to on %1 (New Zealand "
				   "time) from %2 (address %3). If this was you, there is nothing to "
				   "do. If not, sign in at %4, open Sessions, end that session and "
				   "change your password.",
				   "I takiuru mai tētahi ki tō kaute tomokanga tūroro i te %1 (te wā o "
				   "Aotearoa) mai i %2 (wāhitau %3). Mēnā ko koe tēnā, kāore he mahi "
				   "māu. Ki te kore, takiuru ki %4, huakina Ngā takiuru, whakamutua "
				   "taua takiuru, ā, hurihia tō kupuhipa."},
};

static const char *const codes[LANG_COUNT] = {"en", "mi"};
static const char *const names[LANG_COUNT] = {"English", "Te reo Māori"};

const char *text_entry(enum lang lang, enum text_id id)
{
	if ((unsigned)lang >= LANG_COUNT || (unsigned)id >= TEXT_ID_COUNT)
		return NULL;
	return table[id][lang];
}

const char *text_get(enum lang lang, enum text_id id)
{
	const char *s = text_entry(lang, id);
	if (s == NULL || s[0] == '\0')
		s = text_entry(LANG_EN, id);
	return s ? s : "";
}

const char *lang_code(enum lang lang)
{
	return (unsigned)lang < LANG_COUNT ? codes[lang] : codes[LANG_EN];
}

const char *lang_name(enum lang lang)
{
	return (unsigned)lang < LANG_COUNT ? names[lang] : names[LANG_EN];
}

int lang_parse(const char *code, enum lang *out)
{
	if (code == NULL)
		return -1;
	for (unsigned i = 0; i < LANG_COUNT; i++) {
		size_t n = strlen(codes[i]);
		if (strncmp(code, codes[i], n) == 0 && (code[n] == '\0' || strcmp(code + n, "-NZ") == 0)) {
			*out = (enum lang)i;
			return 0;
		}
	}
	return -1;
}

const char *text_fill(struct arena *ar, const char *tmpl, const char *const *args, size_t n)
{
	struct buf b;
	buf_init(&b, ar, LIMIT_TEXT_FILL);
	const char *run = tmpl ? tmpl : "";
	const char *p = run;
	while (*p) {
		if (p[0] != '%' || !((p[1] >= '1' && p[1] <= '0' + TEXT_ARGS) || p[1] == '%')) {
			p++;
			continue;
		}
		buf_append(&b, run, (size_t)(p - run));
		if (p[1] == '%') {
			buf_append(&b, "%", 1);
		} else {
			size_t i = (size_t)(p[1] - '1');
			buf_puts(&b, i < n && args[i] ? args[i] : "");
		}
		p += 2;
		run = p;
	}
	buf_append(&b, run, (size_t)(p - run));
	return buf_cstr(&b);
}
