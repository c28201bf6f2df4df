/* Ingestion of HL7 v2 messages (src/ingest): real message texts, written as New Zealand
 * laboratories and practice systems send them (HL7 v2.4, test-range NHIs, invented people),
 * through ingest_hl7 with a local vault and a data directory of their own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "domain/domain.h"
#include "domain/register.h"
#include "domain/results.h"
#include "ingest/ingest.h"
#include "ingest/ingest_int.h"
#include "store/feeds.h"
#include "store/ingest.h"
#include "test.h"
#include "vault/breaker.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

static struct ingest_feed feed;
static struct actor feed_actor;
static char feed_token[SESSION_TOKEN_B64_LEN + 1];

/* Run one message (segments separated by \r as on the wire). */
static struct ingest_outcome run(const char *text)
{
	static struct hl7_segment segs[LIMIT_HL7_SEGMENTS];
	struct hl7_msg m;
	struct hl7_error err;
	struct ingest_outcome o;
	memset(&o, 0, sizeof(o));
	o.code = HL7_ACK_AR;
	o.err.code = HL7_E_INTERNAL;
	size_t len = strlen(text);
	if (hl7_parse(text, len, segs, LIMIT_HL7_SEGMENTS, &m, &err) != 0) {
		fprintf(stderr, "unparsable test message: %s\n", err.what);
		return o;
	}
	enum err rc = ingest_hl7(&feed, text, len, &m, &o);
	if (rc != ERR_OK) {
		o.err.code = HL7_E_INTERNAL;
		o.code = HL7_ACK_AR;
	}
	if (getenv("INGEST_DEBUG"))
		fprintf(stderr, "ingest %.*s: rc=%s ack=%d err=%d %s-%zu %s\n", (int)m.control_id.len,
			m.control_id.ptr, err_name(rc), (int)o.code, (int)o.err.code, o.err.segment,
			o.err.field, o.err.what ? o.err.what : "");
	return o;
}

#define MSH(type, ctl)                                                                     \
	"MSH|^~\\&|MEDTECH32|ROSE MEDICAL^1234^HPI|MEDKEEP|MEDKEEP|20261201093000+1300||" type \
	"|" ctl "|P|2.4|||AL|NE||8859/1\r"

static const char a04[] = MSH("ADT^A04^ADT_A01", "MT20261201-0001")
	"EVN|A04|20261201093000\r"
	"PID|1||ZAA0067^^^NHI^NHI~44120^^^ROSEMED^PI||Te Whatu^Aroha^Mere^^Ms||19840312|F|||"
	"12 Kowhai Street^^Hamilton^^3204^NZL||07 838 0000\r"
	"PV1|1|O\r"
	"ZPD|1|Enrolled|20260101\r";

static const char a04_again[] = MSH("ADT^A04^ADT_A01", "MT20261201-0002")
	"EVN|A04|20261201100000\r"
	"PID|1||ZAA0067^^^NHI^NHI||Te Whatu^Aroha||19840312|F\r";

static const char a08[] = MSH("ADT^A08^ADT_A01", "MT20261202-0007")
	"EVN|A08|20261202080000\r"
	"PID|1||44120^^^ROSEMED^PI~ZAA0067^^^NHI^NHI||Te Whatu-Ngata^Aroha\\T\\Mere||19840312|F\r";

static const char a04_bad_dob[] = MSH("ADT^A04^ADT_A01", "MT20261201-0003")
	"EVN|A04|20261201093000\r"
	"PID|1||ZAB1239^^^NHI^NHI||Smith^John||1984-03-12|M\r";

static const char a04_other[] = MSH("ADT^A04^ADT_A01", "MT20261201-0004")
	"EVN|A04|20261201093000\r"
	"PID|1||ZAD4565^^^NHI^NHI||Fale^Sione||19700101|M\r";

static const char a40[] = MSH("ADT^A40^ADT_A39", "MT20261203-0001")
	"EVN|A40|20261203090000\r"
	"PID|1||ZAF7891^^^NHI^NHI||Brown^Kiri||19920704|F\r"
	"MRG|ZAH2343^^^NHI^NHI\r";

static const char a04_prior[] = MSH("ADT^A04^ADT_A01", "MT20261201-0005")
	"EVN|A04|20261201093000\r"
	"PID|1||ZAH2343^^^NHI^NHI||Brown^Kiri||19920704|F\r";

static const char oru[] =
	"MSH|^~\\&|DELPHIC|PATHLAB WAIKATO^2201^HPI|MEDKEEP|ROSE MEDICAL|20261204073000+1300||ORU^R01"
	"|PLW0000123456|P|2.4|||AL|NE\r"
	"PID|1||ZAA0067^^^NHI^NHI||Te Whatu-Ngata^Aroha||19840312|F\r"
	"ORC|RE||26-4431201-HB\r"
	"OBR|1||26-4431201-HB^PATHLAB|HBA1C^HbA1c^L|||20261203101500+1300|||||||||"
	"12345^Clinician^Test|||||||20261204070000+1300|||F\r"
	"OBX|1|NM|4548-4^HbA1c^LN||52|mmol/mol|<41|H|||F\r"
	"NTE|1|L|Consistent with diabetes; repeat in 3 months.\r"
	"OBX|2|NM|2160-0^Creatinine^LN||78|umol/L|45-90|N|||F\r"
	"OBX|3|ST|ZEGFR^eGFR^L^33914-3^eGFR^LN||>90|mL/min/{1.73_m2}|>60||||F\r";

/* Structured numerics (SN) as labs send a value beyond the assay's range, and a malformed one. */
static const char oru_sn[] =
	"MSH|^~\\&|DELPHIC|PATHLAB WAIKATO^2201^HPI|MEDKEEP|ROSE MEDICAL|20261205073000+1300||ORU^R01"
	"|PLW0000200001|P|2.4\r"
	"PID|1||ZAA0067^^^NHI^NHI||Te Whatu-Ngata^Aroha||19840312|F\r"
	"OBR|1||26-4431299-RN^PATHLAB|RENAL^Renal^L|||20261204101500+1300||||||||||||||||20261205070000+1300|||F\r"
	"OBX|1|SN|33914-3^eGFR^LN||>^90|mL/min/{1.73_m2}|>60|N|||F\r"
	"OBX|2|SN|2823-3^Potassium^LN||^5.9|mmol/L|3.5-5.2|H|||F\r";
static const char oru_sn_bad[] =
	"MSH|^~\\&|DELPHIC|PATHLAB WAIKATO^2201^HPI|MEDKEEP|ROSE MEDICAL|20261205073000+1300||ORU^R01"
	"|PLW0000200002|P|2.4\r"
	"PID|1||ZAA0067^^^NHI^NHI||Te Whatu-Ngata^Aroha||19840312|F\r"
	"OBR|1||26-4431298-RN^PATHLAB|RENAL^Renal^L|||20261204101500+1300||||||||||||||||20261205070000+1300|||F\r"
	"OBX|1|SN|2823-3^Potassium^LN||about^five|mmol/L|3.5-5.2|H|||F\r";

static void structured_numbers(const struct actor *clin)
{
	struct arena ar;
	arena_init(&ar, 8u << 20);
	struct id pid;
	CHECK(register_find_nhi(clin, "ZAA0067", &pid) == ERR_OK);
	struct ingest_outcome o = run(oru_sn);
	CHECK(o.code == HL7_ACK_AA);
	struct result_view *list;
	size_t n = 0, found = 0;
	CHECK(result_list(clin, &pid, true, &ar, &list, &n) == ERR_OK);
	for (size_t i = 0; i < n; i++) {
		if (list[i].n_obs != 2 || !list[i].obs || strcmp(list[i].obs[0].code, "33914-3") != 0)
			continue;
		found++;
		CHECK(!list[i].obs[0].has_value && list[i].obs[0].value_text &&
		      strcmp(list[i].obs[0].value_text, ">90") == 0);
		CHECK(list[i].obs[1].has_value && list[i].obs[1].value == 5.9);
	}
	CHECK(found == 1);
	o = run(oru_sn_bad);
	CHECK(o.code == HL7_ACK_AE && strcmp(o.err.segment, "OBX") == 0 && o.err.field == 5);
	arena_release(&ar);
}

static const char oru_unknown[] =
	"MSH|^~\\&|DELPHIC|PATHLAB WAIKATO^2201^HPI|MEDKEEP|ROSE MEDICAL|20261204073000+1300||ORU^R01"
	"|PLW0000123457|P|2.4\r"
	"PID|1||ZAK5670^^^NHI^NHI||Nobody^Known||19990101|M\r"
	"OBR|1||26-4431202-FE^PATHLAB|FE^Ferritin^L|||20261203101500||||||||||||||||20261204070000|||F\r"
	"OBX|1|NM|2276-4^Ferritin^LN||120|ug/L|20-300|N|||F\r";

/* "%PDF-1.4 test letter" in Base64, broken over two lines with an escaped line break. */
static const char mdm[] = MSH("MDM^T02^MDM_T02", "WDHB-DS-000981")
	"EVN|T02|20261205120000\r"
	"PID|1||ZAA0067^^^NHI^NHI||Te Whatu-Ngata^Aroha||19840312|F\r"
	"PV1|1|I\r"
	"TXA|1|DS^Discharge Summary|AP|20261205110000|||||||DOC981||||||AU\r"
	"OBX|1|ED|DS^Discharge Summary^L||WAIKATO^application^PDF^Base64^JVBERi0xLjQgdGVz\\X0D0A\\dCBsZXR0ZXI=||||||F\r";

static const char mdm_bad[] = MSH("MDM^T02^MDM_T02", "WDHB-DS-000982")
	"EVN|T02|20261205120000\r"
	"PID|1||ZAA0067^^^NHI^NHI||Te Whatu-Ngata^Aroha||19840312|F\r"
	"TXA|1|CN^Clinical Note|AP\r"
	"OBX|1|ED|CN^Clinic letter^L||WAIKATO^application^PDF^Base64^aGVsbG8gd29ybGQ=||||||F\r";

/* A referral from a hospital system (REF^I12), the letter as a PDF. */
static const char ref[] =
	"MSH|^~\\&|HOSPSYS|WAIKATO HOSPITAL^3301^HPI|MEDKEEP|ROSE MEDICAL|20261205150000+1300||REF^I12^REF_I12"
	"|WH-REF-20261205-0042|P|2.4\r"
	"RF1|A^Accepted|R^Routine|MED^Medical||||20261205\r"
	"PRD|RP|Specialist^Aroha^^^Dr|||||12345^^^HPI\r"
	"PID|1||ZAA0067^^^NHI^NHI||Te Whatu-Ngata^Aroha||19840312|F\r"
	"OBX|1|ED|18842-5^Referral letter^LN||WAIKATO^AP^PDF^Base64^JVBERi0xLjQgdGVzdCBsZXR0ZXI=||||||F\r";

/* The same PDF split over three OBX segments, as senders split a large one: the same OBX-4
 * sub-ID with the full ED each time, then a part with the data alone; split mid-quantum. */
static const char mdm_split[] = MSH("MDM^T02^MDM_T02", "WDHB-DS-000984")
	"EVN|T02|20261205120000\r"
	"PID|1||ZAA0067^^^NHI^NHI||Te Whatu-Ngata^Aroha||19840312|F\r"
	"TXA|1|CN^Clinical Note|AP\r"
	"OBX|1|ED|CN^Clinic letter^L|1|WAIKATO^application^PDF^Base64^JVBERi0xLj||||||F\r"
	"OBX|2|ED|CN^Clinic letter^L|1|WAIKATO^application^PDF^Base64^QgdGVzdCBs||||||F\r"
	"OBX|3|ED|CN^Clinic letter^L|1|ZXR0ZXI=||||||F\r"
	"OBX|4|TX|CN^Clinic letter^L|2|Not part of the PDF||||||F\r";

/* A letter sent as text, not as a PDF: refused naming OBX-5. */
static const char mdm_text[] = MSH("MDM^T02^MDM_T02", "WDHB-DS-000983")
	"EVN|T02|20261205120000\r"
	"PID|1||ZAA0067^^^NHI^NHI||Te Whatu-Ngata^Aroha||19840312|F\r"
	"TXA|1|CN^Clinical Note|TX\r"
	"OBX|1|TX|CN^Clinic letter^L||Seen today in clinic.||||||F\r";

/* Two patients in one ORU: refused (one patient per message). */
static const char oru_two[] =
	"MSH|^~\\&|DELPHIC|PATHLAB WAIKATO^2201^HPI|MEDKEEP|ROSE MEDICAL|20261204073000+1300||ORU^R01"
	"|PLW0000123458|P|2.4\r"
	"PID|1||ZAA0067^^^NHI^NHI||Te Whatu-Ngata^Aroha||19840312|F\r"
	"OBR|1||26-4431203-NA^PATHLAB|NA^Sodium^L|||20261203101500||||||||||||||||20261204070000|||F\r"
	"OBX|1|NM|2951-2^Sodium^LN||140|mmol/L|135-145|N|||F\r"
	"PID|2||ZAK5670^^^NHI^NHI||Nobody^Known||19990101|M\r"
	"OBR|2||26-4431204-NA^PATHLAB|NA^Sodium^L|||20261203101500||||||||||||||||20261204070000|||F\r"
	"OBX|1|NM|2951-2^Sodium^LN||139|mmol/L|135-145|N|||F\r";

static const char unsupported[] = MSH("SIU^S12^SIU_S12", "MT20261206-0001")
	"SCH|1\r";

static struct actor staff(enum role role, const struct id *practice, char *token)
{
	struct actor a;
	memset(&a, 0, sizeof(a));
	random_id(&a.account);
	a.role = role;
	a.mfa = true;
	a.has_practice = true;
	a.practice = *practice;
	struct session_claims c = {.account = a.account, .role = role, .has_practice = true,
				   .practice = *practice, .mfa = true};
	if (vault_remint(&c, token, &a.session) == ERR_OK)
		a.token = token;
	snprintf(a.ip, sizeof(a.ip), "127.0.0.1");
	return a;
}

static size_t waiting(const struct id *practice)
{
	struct arena ar;
	arena_init(&ar, 1u << 20);
	struct store_feedq *q;
	size_t n = 0;
	CHECK(store_feedq_list(practice, 100, &ar, &q, &n) == ERR_OK);
	arena_release(&ar);
	return n;
}

static void register_messages(const struct actor *clin, const struct id *practice)
{
	struct arena ar;
	arena_init(&ar, 8u << 20);
	struct ingest_outcome o = run(a04);
	CHECK(o.code == HL7_ACK_AA && !o.queued && !o.duplicate);
	struct id pid, again;
	CHECK(register_find_nhi(clin, "ZAA0067", &pid) == ERR_OK);
	struct patient_view v;
	CHECK(patient_read(clin, &pid, &ar, &v) == ERR_OK && strcmp(v.family, "Te Whatu") == 0 &&
	      strcmp(v.birth_date, "1984-03-12") == 0 && strcmp(v.gender, "female") == 0);
	/* the same message again: answered as before, nothing changed */
	o = run(a04);
	CHECK(o.code == HL7_ACK_AA && o.duplicate);
	/* the same patient from another message: the same patient */
	o = run(a04_again);
	CHECK(o.code == HL7_ACK_AA && !o.duplicate);
	CHECK(register_find_nhi(clin, "ZAA0067", &again) == ERR_OK && id_eq(&pid, &again));
	/* A08: new details; the NHI found in the second repetition, escapes decoded */
	o = run(a08);
	CHECK(o.code == HL7_ACK_AA);
	CHECK(patient_read(clin, &pid, &ar, &v) == ERR_OK && strcmp(v.family, "Te Whatu-Ngata") == 0 &&
	      strcmp(v.given, "Aroha&Mere") == 0);
	/* bad PID-7: AE naming PID-7, nobody enrolled */
	o = run(a04_bad_dob);
	CHECK(o.code == HL7_ACK_AE && strcmp(o.err.segment, "PID") == 0 && o.err.field == 7 &&
	      o.err.code == HL7_E_DATA_TYPE);
	CHECK(register_find_nhi(clin, "ZAB1239", &again) == ERR_NOT_FOUND);
	/* ...and again: the same AE, remembered */
	o = run(a04_bad_dob);
	CHECK(o.code == HL7_ACK_AE && o.duplicate && o.err.field == 7 && strcmp(o.err.segment, "PID") == 0);
	/* A40 with only the prior NHI here: the record takes the live NHI */
	CHECK(run(a04_prior).code == HL7_ACK_AA);
	struct id prior;
	CHECK(register_find_nhi(clin, "ZAH2343", &prior) == ERR_OK);
	o = run(a40);
	CHECK(o.code == HL7_ACK_AA && !o.queued);
	CHECK(register_find_nhi(clin, "ZAF7891", &again) == ERR_OK && id_eq(&again, &prior));
	CHECK(register_find_nhi(clin, "ZAH2343", &again) == ERR_NOT_FOUND);
	size_t before = waiting(practice);
	/* unsupported: AR */
	o = run(unsupported);
	CHECK(o.code == HL7_ACK_AR && o.err.code == HL7_E_UNSUPPORTED_TYPE);
	CHECK(waiting(practice) == before);
	arena_release(&ar);
}

static void reports(const struct actor *clin, const struct id *practice)
{
	struct arena ar;
	arena_init(&ar, 8u << 20);
	struct id pid;
	CHECK(register_find_nhi(clin, "ZAA0067", &pid) == ERR_OK);
	struct ingest_outcome o = run(oru);
	CHECK(o.code == HL7_ACK_AA && !o.queued);
	struct result_view *list;
	size_t n = 0;
	CHECK(result_list(clin, &pid, true, &ar, &list, &n) == ERR_OK && n == 1);
	if (n == 1) {
		CHECK(!list[0].released && list[0].release_at == 0); /* held: abnormal, no rule */
		CHECK(list[0].n_obs == 3);
		CHECK(list[0].obs && strcmp(list[0].obs[0].code, "4548-4") == 0 && list[0].obs[0].has_value &&
		      list[0].obs[0].value == 52 && list[0].obs[0].flag == FLAG_HIGH);
		CHECK(list[0].obs && list[0].obs[0].note && strstr(list[0].obs[0].note, "diabetes"));
		CHECK(list[0].obs && list[0].obs[1].has_low && list[0].obs[1].low == 45 &&
		      list[0].obs[1].high == 90);
		CHECK(list[0].obs && strcmp(list[0].obs[2].code, "33914-3") == 0 &&
		      strcmp(list[0].obs[2].value_text, ">90") == 0);
	}
	/* a duplicate changes nothing */
	o = run(oru);
	CHECK(o.code == HL7_ACK_AA && o.duplicate);
	CHECK(result_list(clin, &pid, false, &ar, &list, &n) == ERR_OK && n == 1);
	/* the same report resent under a new MSH-10 (a lab that lost our ACK and renumbered):
	 * nothing to correct, nothing changes */
	char resent[sizeof(oru) + 8];
	const char *at = strstr(oru, "PLW0000123456");
	snprintf(resent, sizeof(resent), "%.*sPLW0000123499%s", (int)(at - oru), oru, at + 13);
	o = run(resent);
	CHECK(o.code == HL7_ACK_AA && !o.duplicate);
	CHECK(result_list(clin, &pid, false, &ar, &list, &n) == ERR_OK && n == 1 && !list[0].corrected);
	/* a run cut short (a claim left stale by a crash) is applied again by the resend; one
	 * still under way is not applied twice: the sender is told to retry */
	struct store_feed_message row;
	int64_t now = (int64_t)time(NULL);
	CHECK(store_feed_message_claim(&feed.feed, "PLW0000123500", now - 1000, now - 1000 - 120, &row) == ERR_OK);
	CHECK(store_feed_message_claim(&feed.feed, "PLW0000123501", now, now - 120, &row) == ERR_OK);
	at = strstr(oru, "PLW0000123456");
	snprintf(resent, sizeof(resent), "%.*sPLW0000123500%s", (int)(at - oru), oru, at + 13);
	o = run(resent);
	CHECK(o.code == HL7_ACK_AA && !o.duplicate);
	snprintf(resent, sizeof(resent), "%.*sPLW0000123501%s", (int)(at - oru), oru, at + 13);
	o = run(resent);
	CHECK(o.code == HL7_ACK_AR && o.err.code == HL7_E_INTERNAL); /* run() maps ERR_INTERNAL so */
	CHECK(result_list(clin, &pid, false, &ar, &list, &n) == ERR_OK && n == 1);
	/* the laboratory corrects the report (OBR-25 C, a new value): the same record, corrected,
	 * the value the patient may have seen kept beside the new one */
	char fixed[sizeof(oru) + 8];
	snprintf(fixed, sizeof(fixed), "%.*sPLW0000123502%s", (int)(at - oru), oru, at + 13);
	char *v52 = strstr(fixed, "||52|"), *fin = strstr(fixed, "|||F\rOBX|1");
	CHECK(v52 != NULL && fin != NULL);
	if (v52 != NULL && fin != NULL) {
		v52[2] = '4';
		v52[3] = '8';
		fin[3] = 'C';
	}
	o = run(fixed);
	CHECK(o.code == HL7_ACK_AA);
	CHECK(result_list(clin, &pid, true, &ar, &list, &n) == ERR_OK && n == 1 && list[0].corrected &&
	      list[0].status == RESULT_CORRECTED && list[0].obs && list[0].obs[0].value == 48 &&
	      list[0].obs[0].was && strcmp(list[0].obs[0].was, "52 mmol/mol") == 0);
	/* MDM: a discharge summary, the PDF from OBX-5 */
	o = run(mdm);
	CHECK(o.code == HL7_ACK_AA);
	struct document_view *docs;
	CHECK(document_list(clin, &pid, &ar, &docs, &n) == ERR_OK && n == 1);
	if (n == 1)
		CHECK(docs[0].kind == DOC_DISCHARGE_SUMMARY && docs[0].size == 20 &&
		      id_eq(&docs[0].author, &feed.feed));
	o = run(ref);
	CHECK(o.code == HL7_ACK_AA);
	CHECK(document_list(clin, &pid, &ar, &docs, &n) == ERR_OK && n == 2);
	bool referral = false;
	for (size_t i = 0; i < n; i++)
		referral |= docs[i].kind == DOC_REFERRAL_LETTER;
	CHECK(referral);
	o = run(ref); /* the same message again: one letter */
	CHECK(o.code == HL7_ACK_AA && o.duplicate);
	CHECK(document_list(clin, &pid, &ar, &docs, &n) == ERR_OK && n == 2);
	o = run(mdm_bad);
	CHECK(o.code == HL7_ACK_AE && strcmp(o.err.segment, "OBX") == 0 && o.err.field == 5);
	CHECK(document_list(clin, &pid, &ar, &docs, &n) == ERR_OK && n == 2);
	o = run(mdm_split); /* one letter, its three parts joined: the same 20 bytes */
	CHECK(o.code == HL7_ACK_AA);
	CHECK(document_list(clin, &pid, &ar, &docs, &n) == ERR_OK && n == 3);
	bool joined = false;
	for (size_t i = 0; i < n; i++)
		joined |= docs[i].kind == DOC_CLINICAL_LETTER && docs[i].size == 20;
	CHECK(joined);
	o = run(mdm_text);
	CHECK(o.code == HL7_ACK_AE && strcmp(o.err.segment, "OBX") == 0 && o.err.field == 5 &&
	      o.err.code == HL7_E_REQUIRED_MISSING);
	CHECK(document_list(clin, &pid, &ar, &docs, &n) == ERR_OK && n == 3);
	o = run(oru_two);
	CHECK(o.code == HL7_ACK_AE && strcmp(o.err.segment, "PID") == 0 && o.err.seg_seq == 2);
	CHECK(result_list(clin, &pid, false, &ar, &list, &n) == ERR_OK && n == 1);
	(void)practice;
	arena_release(&ar);
}

static void queue(const struct actor *clin, const struct actor *elsewhere, const struct id *practice)
{
	struct arena ar;
	arena_init(&ar, 8u << 20);
	size_t before = waiting(practice);
	/* a result for an NHI not enrolled here: queued, never guessed */
	struct ingest_outcome o = run(oru_unknown);
	CHECK(o.code == HL7_ACK_AA && o.queued);
	CHECK(waiting(practice) == before + 1);
	/* an NHI enrolled at another practice: queued, the patient not moved */
	o = run(a04_other);
	CHECK(o.code == HL7_ACK_AA && o.queued);
	CHECK(waiting(practice) == before + 2);
	struct id found;
	CHECK(register_find_nhi(clin, "ZAD4565", &found) == ERR_NOT_FOUND);
	/* a duplicate of a queued message: queued once */
	o = run(oru_unknown);
	CHECK(o.code == HL7_ACK_AA && o.queued && o.duplicate);
	CHECK(waiting(practice) == before + 2);

	struct feedq_row *rows;
	size_t n = 0;
	CHECK(ingest_queue_list(clin, &ar, &rows, &n) == ERR_OK && n == before + 2);
	/* another practice's staff see their own queue: none of this */
	CHECK(ingest_queue_list(elsewhere, &ar, &rows, &n) == ERR_OK && n == 0);
	CHECK(ingest_queue_list(clin, &ar, &rows, &n) == ERR_OK && n >= 2);
	struct id oru_item = rows[n - 2].q.id, adt_item = rows[n - 1].q.id;
	CHECK(strcmp(rows[n - 2].q.kind, "ORU^R01") == 0);
	/* opened by the vault for staff of this practice only */
	struct feedq_detail d;
	CHECK(ingest_queue_open(clin, &oru_item, &ar, &d) == ERR_OK);
	CHECK(strcmp(d.nhi, "ZAK5670") == 0 && strcmp(d.family, "Nobody") == 0 && d.can_match);
	CHECK(ingest_queue_open(elsewhere, &oru_item, &ar, &d) == ERR_NOT_FOUND);
	struct store_feedq q;
	CHECK(store_feedq_get(practice, &oru_item, &ar, &q) == ERR_OK);
	struct buf out;
	buf_init(&out, &ar, 1u << 20);
	CHECK(vault_feedq_open(elsewhere->token, &oru_item, practice, q.body_ct.ptr, q.body_ct.len, &out) != ERR_OK);
	/* copied to another practice's queue, it does not open for that practice's staff either:
	 * the associated data binds it to its practice */
	CHECK(vault_feedq_open(elsewhere->token, &oru_item, &elsewhere->practice, q.body_ct.ptr,
			       q.body_ct.len, &out) != ERR_OK);
	CHECK(vault_feedq_open(feed_actor.token, &oru_item, practice, q.body_ct.ptr, q.body_ct.len, &out) != ERR_OK);
	CHECK(vault_feedq_open(clin->token, &adt_item, practice, q.body_ct.ptr, q.body_ct.len, &out) != ERR_OK);
	CHECK(vault_feedq_open(clin->token, &oru_item, practice, q.body_ct.ptr, q.body_ct.len, &out) == ERR_OK);
	/* A move asked from the registration (TRANSFERS.md): its key wrapped again, bound to the
	 * patient and the practice being left, only by staff who may open it; the bound copy opens
	 * for staff of either practice (and the patient, tested over HTTP) and the command line,
	 * never for a system's token, and not for another patient's move. */
	struct store_feedq aq;
	CHECK(store_feedq_get(practice, &adt_item, &ar, &aq) == ERR_OK);
	struct feedq_move mv = {.has_from = true, .from = elsewhere->practice};
	random_id(&mv.patient);
	struct buf mk;
	buf_init(&mk, &ar, 256);
	CHECK(vault_feedq_bind_move(feed_actor.token, &adt_item, practice, aq.body_ct.ptr,
				    aq.body_ct.len, &mv, &mk) != ERR_OK);
	CHECK(vault_feedq_bind_move(elsewhere->token, &adt_item, practice, aq.body_ct.ptr,
				    aq.body_ct.len, &mv, &mk) != ERR_OK);
	mk.len = 0;
	CHECK(vault_feedq_bind_move(clin->token, &adt_item, practice, aq.body_ct.ptr, aq.body_ct.len,
				    &mv, &mk) == ERR_OK && mk.len > 0);
	struct bytes bound = {(const uint8_t *)mk.data, mk.len};
	const char *openers[] = {clin->token, elsewhere->token, NULL};
	for (size_t i = 0; i < 3; i++) {
		out.len = 0;
		CHECK(vault_feedq_open_moved(openers[i], &adt_item, practice, &mv, bound, aq.body_ct.ptr,
					     aq.body_ct.len, &out) == ERR_OK &&
		      out.len > 0 && memmem(out.data, out.len, "ZAD4565", 7) != NULL);
	}
	CHECK(vault_feedq_open_moved(feed_actor.token, &adt_item, practice, &mv, bound, aq.body_ct.ptr,
				     aq.body_ct.len, &out) != ERR_OK);
	struct feedq_move other_mv = mv;
	random_id(&other_mv.patient);
	CHECK(vault_feedq_open_moved(elsewhere->token, &adt_item, practice, &other_mv, bound,
				     aq.body_ct.ptr, aq.body_ct.len, &out) != ERR_OK);
	CHECK(vault_feedq_open_moved(NULL, &oru_item, practice, &mv, bound, q.body_ct.ptr,
				     q.body_ct.len, &out) != ERR_OK);
	/* the enrolment elsewhere cannot be matched here; it is rejected with a reason */
	const char *why = NULL;
	struct id pid;
	CHECK(register_find_nhi(clin, "ZAA0067", &pid) == ERR_OK);
	CHECK(ingest_queue_match(clin, &adt_item, &pid, NULL, &why) == ERR_INVALID && why);
	CHECK(ingest_queue_reject(clin, &adt_item, "", &why) == ERR_INVALID);
	CHECK(ingest_queue_reject(clin, &adt_item, "Mrs Fale moved to Elsewhere Health", &why) == ERR_INVALID);
	CHECK(ingest_queue_reject(clin, &adt_item, ingest_reject_reasons[0], &why) == ERR_OK);
	CHECK(ingest_queue_reject(clin, &adt_item, ingest_reject_reasons[1], &why) == ERR_NOT_FOUND);
	/* the result matched by NHI to an enrolled patient: filed for them, held */
	size_t nres = 0;
	struct result_view *list;
	CHECK(result_list(clin, &pid, false, &ar, &list, &nres) == ERR_OK);
	CHECK(ingest_queue_match(elsewhere, &oru_item, NULL, "ZAA0067", &why) == ERR_NOT_FOUND);
	CHECK(ingest_queue_match(clin, &oru_item, NULL, "ZAA0067", &why) == ERR_OK);
	size_t after = 0;
	CHECK(result_list(clin, &pid, false, &ar, &list, &after) == ERR_OK && after == nres + 1);
	CHECK(waiting(practice) == before);
	CHECK(store_feedq_get(practice, &oru_item, &ar, &q) == ERR_OK && q.state == FEEDQ_MATCHED &&
	      q.body_ct.ptr == NULL && id_eq(&q.decided_by, &clin->account));
	/* the feeds page: counts without PHI */
	struct feed_status *fs;
	CHECK(ingest_feeds_status(clin, &ar, &fs, &n) == ERR_OK && n == 1);
	if (n == 1)
		CHECK(fs[0].stats.queued == 2 && fs[0].stats.errored >= 2 && fs[0].stats.rejected >= 1 &&
		      fs[0].stats.accepted >= 5 && fs[0].stats.last_received > 0);
	arena_release(&ar);
}

/* An ORU^R01 for NHI with control id ctl, accession acc and a sodium value (text: "140", or
 * something not a number for an AE). */
static void batch_oru(char *out, size_t cap, const char *nhi, const char *ctl, const char *acc,
		      const char *value)
{
	snprintf(out, cap,
		 "MSH|^~\\&|DELPHIC|PATHLAB WAIKATO^2201^HPI|MEDKEEP|ROSE MEDICAL|20261206073000+1300"
		 "||ORU^R01|%s|P|2.4\r"
		 "PID|1||%s^^^NHI^NHI||Te Whatu-Ngata^Aroha||19840312|F\r"
		 "OBR|1||%s^PATHLAB|NA^Sodium^L|||20261205101500+1300||||||||||||||||20261206070000+1300|||F\r"
		 "OBX|1|NM|2951-2^Sodium^LN||%s|mmol/L|135-145|N|||F\r",
		 ctl, nhi, acc, value);
}

#define BATCH_N 6

/* Group commit (FEEDS.md "Batches"): several messages applied as one batch, as the listener
 * does with what its connections send at once. A copy of a message in the same batch changes
 * nothing; a bad message (AE) and one the service cannot take (AR, undone to its savepoint)
 * leave the others filed; the one undone is applied by its resend. */
static void batches(const struct actor *clin)
{
	/* the size rule: the first message always; then up to the count and the bytes */
	CHECK(ingest_batch_fits(0, 0, LIMIT_HL7_MESSAGE_BYTES));
	CHECK(ingest_batch_fits(1, 1000, 1000));
	CHECK(ingest_batch_fits(LIMIT_INGEST_BATCH_MESSAGES - 1, 1000, 1000));
	CHECK(!ingest_batch_fits(LIMIT_INGEST_BATCH_MESSAGES, 1000, 1000));
	CHECK(!ingest_batch_fits(1, 1000, LIMIT_INGEST_BATCH_BYTES + 1));
	CHECK(!ingest_batch_fits(2, LIMIT_INGEST_BATCH_BYTES - 10, 11));
	CHECK(ingest_batch_fits(2, LIMIT_INGEST_BATCH_BYTES - 10, 10));

	struct arena ar;
	arena_init(&ar, 8u << 20);
	struct id pid;
	CHECK(register_find_nhi(clin, "ZAA0067", &pid) == ERR_OK);
	struct result_view *list;
	size_t before = 0, n = 0;
	CHECK(result_list(clin, &pid, true, &ar, &list, &before) == ERR_OK);

	static char text[BATCH_N][1024];
	static struct hl7_segment segs[BATCH_N][32];
	batch_oru(text[0], sizeof(text[0]), "ZAA0067", "BATCH-1", "26-B1", "140");
	batch_oru(text[1], sizeof(text[1]), "ZAA0067", "BATCH-1", "26-B1", "140"); /* a copy */
	batch_oru(text[2], sizeof(text[2]), "ZAA0067", "BATCH-2", "26-B2", "high"); /* AE */
	batch_oru(text[3], sizeof(text[3]), "ZAA0067", "BATCH-3", "26-B3", "141");
	batch_oru(text[4], sizeof(text[4]), "ZAA0067", "BATCH-4", "26-B4", "142"); /* no actor */
	batch_oru(text[5], sizeof(text[5]), "ZAB1239", "BATCH-5", "26-B5", "143"); /* queued */
	struct hl7_msg m[BATCH_N];
	struct ingest_outcome out[BATCH_N];
	struct ingest_job job[BATCH_N], *jobs[BATCH_N];
	struct ingest_feed no_actor = {.feed = feed.feed, .practice = feed.practice, .actor = NULL};
	for (size_t i = 0; i < BATCH_N; i++) {
		struct hl7_error err;
		CHECK(hl7_parse(text[i], strlen(text[i]), segs[i], 32, &m[i], &err) == 0);
		job[i] = (struct ingest_job){.f = i == 4 ? &no_actor : &feed, .raw = text[i],
					     .len = strlen(text[i]), .m = &m[i], .out = &out[i]};
		jobs[i] = &job[i];
	}
	ingest_batch_apply(jobs, BATCH_N);
	CHECK(job[0].rc == ERR_OK && out[0].code == HL7_ACK_AA && !out[0].duplicate);
	CHECK(job[1].rc == ERR_OK && out[1].code == HL7_ACK_AA && out[1].duplicate);
	CHECK(job[2].rc == ERR_OK && out[2].code == HL7_ACK_AE && strcmp(out[2].err.segment, "OBX") == 0 &&
	      out[2].err.field == 5);
	CHECK(job[3].rc == ERR_OK && out[3].code == HL7_ACK_AA && !out[3].duplicate);
	CHECK(job[4].rc == ERR_INTERNAL);
	CHECK(job[5].rc == ERR_OK && out[5].code == HL7_ACK_AA && out[5].queued);
	CHECK(result_list(clin, &pid, true, &ar, &list, &n) == ERR_OK && n == before + 2);

	/* the message undone is not remembered: its resend is applied, once */
	job[4].f = &feed;
	struct ingest_job *again = &job[4];
	ingest_batch_apply(&again, 1);
	CHECK(job[4].rc == ERR_OK && out[4].code == HL7_ACK_AA && !out[4].duplicate);
	CHECK(result_list(clin, &pid, true, &ar, &list, &n) == ERR_OK && n == before + 3);
	/* and every message of the batch is remembered with its first answer */
	for (size_t i = 0; i < 4; i++) {
		ingest_batch_apply(&jobs[i], 1);
		CHECK(job[i].rc == ERR_OK && out[i].duplicate);
	}
	CHECK(out[2].code == HL7_ACK_AE && out[0].code == HL7_ACK_AA);
	CHECK(result_list(clin, &pid, true, &ar, &list, &n) == ERR_OK && n == before + 3);

	/* nothing is left open: the next transaction begins at the top */
	CHECK(!store_in_transaction());
	/* the nesting the batches rest on: an inner level undone alone, the outer one kept */
	struct id kept, undone;
	random_id(&kept);
	random_id(&undone);
	const char *name = NULL;
	CHECK(store_begin() == ERR_OK && store_in_transaction());
	CHECK(store_practice_create(&kept, "Kept Practice") == ERR_OK);
	CHECK(store_begin() == ERR_OK && store_practice_create(&undone, "Undone Practice") == ERR_OK);
	CHECK(store_rollback() == ERR_OK && store_in_transaction());
	CHECK(store_begin() == ERR_OK && store_commit() == ERR_OK && store_in_transaction());
	CHECK(store_commit() == ERR_OK && !store_in_transaction());
	CHECK(store_practice_name(&kept, &ar, &name) == ERR_OK && strcmp(name, "Kept Practice") == 0);
	CHECK(store_practice_name(&undone, &ar, &name) == ERR_NOT_FOUND);
	/* A batch's commit with its sync deferred (store_sync_deferred): refused inside a
	 * transaction, where SQLite will not change it; the commit is kept, and store_sync makes
	 * it durable. */
	struct id later;
	random_id(&later);
	CHECK(store_begin() == ERR_OK && store_sync_deferred(true) == ERR_INTERNAL);
	CHECK(store_commit() == ERR_OK && store_sync_deferred(true) == ERR_OK);
	CHECK(store_begin() == ERR_OK && store_practice_create(&later, "Later Practice") == ERR_OK);
	CHECK(store_commit() == ERR_OK && store_sync_deferred(false) == ERR_OK && store_sync() == ERR_OK);
	CHECK(store_practice_name(&later, &ar, &name) == ERR_OK && strcmp(name, "Later Practice") == 0);

	/* A feed that trips its breaker (a correction opens the old report: clinical content,
	 * and this feed may open none) is answered AR, files nothing, and its claim is given back
	 * for the resend; the batch's transaction is closed all the same. */
	struct store_feed tf;
	memset(&tf, 0, sizeof(tf));
	random_id(&tf.id);
	tf.practice = feed.practice;
	snprintf(tf.name, sizeof(tf.name), "Trip Laboratory");
	snprintf(tf.facility, sizeof(tf.facility), "TRIPLAB");
	tf.created = (int64_t)time(NULL);
	CHECK(store_feed_insert(&tf) == ERR_OK);
	struct actor trip_actor;
	char trip_token[SESSION_TOKEN_B64_LEN + 1];
	CHECK(ingest_feed_actor(&tf.id, &feed.practice, "local", &trip_actor, trip_token) == ERR_OK);
	struct ingest_feed trip_feed = {.feed = tf.id, .practice = feed.practice, .actor = &trip_actor};
	struct breaker_config bc;
	breaker_defaults(&bc);
	bc.role[ROLE_SYSTEM].other_patients = 0;
	bc.role[ROLE_SYSTEM].burst = 0;
	bc.role[ROLE_SYSTEM].per_hour = 0;
	breaker_configure(&bc);
	batch_oru(text[0], sizeof(text[0]), "ZAA0067", "TRIP-1", "26-B1", "150"); /* a correction */
	CHECK(hl7_parse(text[0], strlen(text[0]), segs[0], 32, &m[0], &(struct hl7_error){0}) == 0);
	job[0] = (struct ingest_job){.f = &trip_feed, .raw = text[0], .len = strlen(text[0]),
				     .m = &m[0], .out = &out[0]};
	ingest_batch_apply(jobs, 1);
	CHECK(job[0].rc == ERR_TRIPPED);
	struct store_feed_message row;
	int64_t now = (int64_t)time(NULL);
	CHECK(store_feed_message_claim(&tf.id, "TRIP-1", now, now - 120, &row) == ERR_OK);
	CHECK(result_list(clin, &pid, true, &ar, &list, &n) == ERR_OK && n == before + 3);
	breaker_defaults(&bc);
	breaker_configure(&bc);
	CHECK(!store_in_transaction());
	struct audit_verify_result v;
	CHECK(audit_verify(&v, NULL) == 0 && v.first_bad_seq == 0);
	arena_release(&ar);
}

void test_ingest(void)
{
	char dir[] = "/tmp/medkeep-unit-ingest-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(vault_create(dir) == 0 && vault_keys_create(dir) == 0);
	CHECK(store_open(dir, true) == ERR_OK);
	CHECK(vault_load(dir) == 0 && vault_keys_load(dir) == 0);
	CHECK(audit_init() == 0);
	policy_init();
	struct id practice, other;
	random_id(&practice);
	random_id(&other);
	CHECK(store_practice_create(&practice, "Rose Medical") == ERR_OK);
	CHECK(store_practice_create(&other, "Elsewhere Health") == ERR_OK);
	struct store_feed f;
	memset(&f, 0, sizeof(f));
	random_id(&f.id);
	f.practice = practice;
	snprintf(f.name, sizeof(f.name), "Pathlab Waikato");
	snprintf(f.facility, sizeof(f.facility), "PATHLAB WAIKATO^2201^HPI");
	f.created = (int64_t)time(NULL);
	CHECK(store_feed_insert(&f) == ERR_OK);
	CHECK(ingest_feed_actor(&f.id, &practice, "local", &feed_actor, feed_token) == ERR_OK);
	feed = (struct ingest_feed){.feed = f.id, .practice = practice, .actor = &feed_actor};
	/* someone enrolled at the other practice */
	struct patient_view there = {.family = "Fale", .given = "Sione", .birth_date = "1970-01-01",
				     .gender = "male", .nhi = "ZAD4565"};
	struct id there_id;
	CHECK(patient_create(&other, &there, &there_id) == ERR_OK);
	char t1[SESSION_TOKEN_B64_LEN + 1], t2[SESSION_TOKEN_B64_LEN + 1];
	struct actor clin = staff(ROLE_CLINICIAN, &practice, t1);
	struct actor elsewhere = staff(ROLE_CLINICIAN, &other, t2);
	register_messages(&clin, &practice);
	reports(&clin, &practice);
	structured_numbers(&clin);
	queue(&clin, &elsewhere, &practice);
	batches(&clin);
	store_close();
	vault_keys_unload();
	vault_unload();
}
