/*
 * HL7 v2 parser, accessors, escaping, the ACK builder and the MLLP decoder (src/hl7/).
 * The samples are written by hand the way New Zealand labs and practice systems send them
 * (HL7 v2.4, test-range NHIs only, invented people), not built by our own code.
 */
#include <stdlib.h>
#include <string.h>

#include "domain/nhi.h"
#include "hl7/hl7.h"
#include "hl7/mllp.h"
#include "limits.h"
#include "test.h"

/* A community lab's full blood count to a practice: five OBX, an NTE, a Z-segment. */
static const char oru[] =
	"MSH|^~\\&|LABCOMM|TESTLAB^2.16.840.1.113883.2.18.66.10.1^ISO|MEDTECH|ZZZ999^Kowhai "
	"Medical Centre|20261206143000+1300||ORU^R01|LAB20261206000123|P|2.4|||AL|NE|NZL\r"
	"PID|1||ZAA0067^^^NZLMOH^NHI||Tahi^Aroha^Mere^^Ms||19780412|F|||12 Rimu Street^^Hamilton"
	"^^3204^NZL||^PRN^PH^^^07^8381234\r"
	"PV1|1|O|||||12345A^Kowhai^Anna^^^Dr^^^NZMC\r"
	"ORC|RE|PMS000321|26-1234567-LAB||CM\r"
	"OBR|1|PMS000321|26-1234567-LAB|FBC^Full blood count^NZPOC|||202612060810|||||||"
	"202612060930||12345A^Kowhai^Anna^^^Dr|||||||202612061425||HM|F\r"
	"OBX|1|NM|718-7^Haemoglobin^LN||131|g/L|115-155|N|||F|||202612060810\r"
	"OBX|2|NM|6690-2^White cell count^LN||11.8|x10\\S\\9/L|4.0-11.0|H|||F\r"
	"OBX|3|NM|777-3^Platelets^LN||245|x10\\S\\9/L|150-400|N|||F\r"
	"OBX|4|NM|789-8^Red cell count^LN||4.52|x10\\S\\12/L|3.80-5.20|N|||F\r"
	"OBX|5|FT|COMMENT^Comment^NZPOC||Mild neutrophilia.\\.br\\Suggest repeat in 4 weeks"
	" if clinically indicated.||||||F\r"
	"NTE|1|L|Reference ranges changed 01/07/2026 \\T\\ see www.testlab.example\r"
	"ZLR|1|Kowhai Medical Centre^^ZZZ999|Copy to: Dr A Kowhai\r";

/* A practice system registers a patient, with CRLF line ends and repeated identifiers. */
static const char adt_a04[] =
	"MSH|^~\\&|MEDTECH32|KOWHAI^ZZZ999^HPI|MEDKEEP|MEDKEEP|20261206101500+1300||"
	"ADT^A04^ADT_A01|MT000451|P|2.4\r\n"
	"EVN|A04|20261206101500\r\n"
	"PID|1||ZZZ0016^^^NZLMOH^NHI~K000123^^^KOWHAI^PI||Ngata^Hemi^Rawiri^^Mr~Ngata^Hemi^^^^^N"
	"||19650923|M|||4 Karaka Road^^Tauranga^^3110^NZL^H||^PRN^PH^^^07^5712345~^NET^Internet^"
	"hemi.ngata@example.test\r\n"
	"PV1|1|O\r\n";

/* Changed details, LF line ends (as some integration engines write them). */
static const char adt_a08[] =
	"MSH|^~\\&|MEDTECH32|KOWHAI^ZZZ999^HPI|MEDKEEP|MEDKEEP|20261207091000||ADT^A08^ADT_A01|"
	"MT000452|P|2.4\n"
	"EVN|A08|20261207091000\n"
	"PID|1||ZZZ0016^^^NZLMOH^NHI||Ngata^Hemi^Rawiri^^Mr||19650923|M|||27 Puriri Avenue^^"
	"Rotorua^^3010^NZL^H\n";

/* Merge: the live NHI in PID-3, the dormant one in MRG-1 (the NHI's own merge). */
static const char adt_a40[] =
	"MSH|^~\\&|NHIFEED|MOH|MEDKEEP|MEDKEEP|20261208120000||ADT^A40^ADT_A39|NHI0000789|P|2.4\r"
	"EVN|A40|20261208120000\r"
	"PID|1||ZAC5361^^^NZLMOH^NHI||Tahi^Aroha\r"
	"MRG|ZBN77VL^^^NZLMOH^NHI\r";

/* A discharge summary with its PDF in OBX-5 (ED: app^type^subtype^encoding^data). */
static const char mdm_head[] =
	"MSH|^~\\&|HCS|WAIKATOHOSP^2.16.840.1.113883.2.18.66.10.2^ISO|MEDTECH|ZZZ999|"
	"20261209080000||MDM^T02^MDM_T02|DS20261209-0001|P|2.4\r"
	"EVN|T02|20261209080000\r"
	"PID|1||ZAA0067^^^NZLMOH^NHI||Tahi^Aroha\r"
	"TXA|1|DS^Discharge summary|AP|||||||||DOC-778812||||||AU\r"
	"OBX|1|ED|PDF^Discharge summary^L||^AP^PDF^Base64^";
static const char mdm_tail[] = "||||||F\r";

static struct hl7_segment segs[LIMIT_HL7_SEGMENTS];

static int parse(const char *s, size_t n, struct hl7_msg *m, struct hl7_error *e)
{
	return hl7_parse(s, n, segs, LIMIT_HL7_SEGMENTS, m, e);
}

static int get_is(const struct hl7_msg *m, size_t seg, size_t f, size_t r, size_t c, size_t s,
		  const char *want)
{
	struct slice v;
	return hl7_get(m, seg, f, r, c, s, &v) == 0 && slice_eq(v, want);
}

/* The unescaped value, NUL-terminated in out (for comparisons), or "<error>". */
static const char *text_of(const struct hl7_msg *m, size_t seg, size_t f, size_t r, size_t c,
			   char *out, size_t cap)
{
	struct slice v;
	size_t n = 0;
	if (hl7_get(m, seg, f, r, c, 0, &v) != 0 || hl7_unescape(&m->sep, v, out, cap - 1, &n))
		return "<error>";
	out[n] = '\0';
	return out;
}

static void test_oru(void)
{
	struct hl7_msg m;
	struct hl7_error e;
	char t[256];
	CHECK(parse(oru, sizeof(oru) - 1, &m, &e) == 0);
	CHECK(m.nseg == 12 && strcmp(m.seg[11].id, "ZLR") == 0);
	CHECK(slice_eq(m.type, "ORU") && slice_eq(m.event, "R01") && slice_eq(m.version, "2.4"));
	CHECK(slice_eq(m.control_id, "LAB20261206000123"));
	CHECK(get_is(&m, 0, 1, 0, 0, 0, "|") && get_is(&m, 0, 2, 0, 0, 0, "^~\\&"));
	CHECK(get_is(&m, 0, 3, 0, 0, 0, "LABCOMM") && get_is(&m, 0, 4, 1, 3, 0, "ISO"));
	CHECK(get_is(&m, 0, 6, 1, 2, 0, "Kowhai Medical Centre"));
	size_t pid = hl7_find(&m, "PID", 0);
	struct slice v;
	CHECK(pid == 1 && hl7_get(&m, pid, 3, 1, 1, 0, &v) == 0 && nhi_valid(v.ptr, v.len));
	CHECK(get_is(&m, pid, 3, 1, 5, 0, "NHI") && get_is(&m, pid, 5, 1, 2, 0, "Aroha"));
	size_t nobx = 0;
	for (size_t i = hl7_find(&m, "OBX", 0); i < m.nseg; i = hl7_find(&m, "OBX", i + 1))
		nobx++;
	CHECK(nobx == 5);
	size_t obx2 = hl7_find(&m, "OBX", hl7_find(&m, "OBX", 0) + 1);
	CHECK(get_is(&m, obx2, 5, 1, 0, 0, "11.8") && get_is(&m, obx2, 8, 1, 0, 0, "H"));
	CHECK(strcmp(text_of(&m, obx2, 6, 1, 1, t, sizeof(t)), "x10^9/L") == 0);
	CHECK(get_is(&m, obx2, 3, 1, 2, 0, "White cell count"));
	CHECK(strcmp(text_of(&m, obx2 + 3, 5, 1, 1, t, sizeof(t)),
		     "Mild neutrophilia.\nSuggest repeat in 4 weeks if clinically indicated.") == 0);
	CHECK(strcmp(text_of(&m, 10, 3, 1, 1, t, sizeof(t)),
		     "Reference ranges changed 01/07/2026 & see www.testlab.example") == 0);
	CHECK(get_is(&m, 11, 2, 1, 3, 0, "ZZZ999"));
	/* Absent values and bad arguments. */
	CHECK(hl7_get(&m, obx2, 40, 1, 1, 0, &v) == 1 && hl7_get(&m, obx2, 5, 2, 0, 0, &v) == 1);
	CHECK(hl7_get(&m, obx2, 3, 1, 9, 0, &v) == 1 && hl7_get(&m, obx2, 3, 1, 1, 2, &v) == 1);
	CHECK(hl7_get(&m, obx2, 0, 1, 1, 0, &v) == -1 && hl7_get(&m, obx2, 3, 0, 1, 0, &v) == -1);
	CHECK(hl7_get(&m, obx2, 3, 1, 0, 1, &v) == -1 && hl7_get(&m, 99, 1, 0, 0, 0, &v) == -1);
	CHECK(get_is(&m, obx2, 4, 1, 1, 1, "") && hl7_find(&m, "XYZ", 0) == m.nseg);
}

static void test_adt_mdm(void)
{
	struct hl7_msg m;
	struct hl7_error e;
	CHECK(parse(adt_a04, sizeof(adt_a04) - 1, &m, &e) == 0 && m.nseg == 4);
	CHECK(slice_eq(m.event, "A04") && get_is(&m, 2, 3, 1, 1, 0, "ZZZ0016"));
	CHECK(get_is(&m, 2, 3, 2, 1, 0, "K000123") && get_is(&m, 2, 3, 2, 5, 0, "PI"));
	CHECK(get_is(&m, 2, 5, 2, 7, 0, "N") && hl7_get(&m, 2, 3, 3, 0, 0, &(struct slice){0}) == 1);
	CHECK(get_is(&m, 2, 13, 2, 4, 0, "hemi.ngata@example.test"));
	CHECK(get_is(&m, 3, 2, 0, 0, 0, "O")); /* the CR of CRLF is not part of the segment */

	CHECK(parse(adt_a08, sizeof(adt_a08) - 1, &m, &e) == 0 && m.nseg == 3);
	CHECK(slice_eq(m.event, "A08") && get_is(&m, 2, 11, 1, 3, 0, "Rotorua"));

	CHECK(parse(adt_a40, sizeof(adt_a40) - 1, &m, &e) == 0 && m.nseg == 4);
	struct slice live, dormant;
	CHECK(hl7_get(&m, hl7_find(&m, "PID", 0), 3, 1, 1, 0, &live) == 0 &&
	      nhi_valid(live.ptr, live.len) && slice_eq(live, "ZAC5361"));
	CHECK(hl7_get(&m, hl7_find(&m, "MRG", 0), 1, 1, 1, 0, &dormant) == 0 &&
	      nhi_valid(dormant.ptr, dormant.len) && slice_eq(dormant, "ZBN77VL"));

	/* An MDM^T02 whose PDF is 200 KB of Base64: OBX-5 is bounded by the message alone. */
	size_t b64 = 200u * 1024u, hl = sizeof(mdm_head) - 1, tl = sizeof(mdm_tail) - 1;
	char *msg = malloc(hl + b64 + tl);
	CHECK(msg != NULL);
	if (msg == NULL)
		return;
	memcpy(msg, mdm_head, hl);
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	memcpy(msg + hl, "JVBERi0xLjQK", 12); /* "%PDF-1.4\n" */
	for (size_t i = 12; i < b64; i++)
		msg[hl + i] = alphabet[(i * 7) % 64];
	memcpy(msg + hl + b64, mdm_tail, tl);
	CHECK(parse(msg, hl + b64 + tl, &m, &e) == 0 && slice_eq(m.type, "MDM"));
	struct slice ed;
	size_t obx = hl7_find(&m, "OBX", 0);
	CHECK(get_is(&m, obx, 2, 0, 0, 0, "ED") && get_is(&m, obx, 5, 1, 4, 0, "Base64"));
	CHECK(hl7_get(&m, obx, 5, 1, 5, 0, &ed) == 0 && ed.len == b64 &&
	      memcmp(ed.ptr, "JVBERi0xLjQK", 12) == 0);
	/* The same field in a Z-segment is over the field limit: only OBX-5 is exempt. */
	memcpy(memmem(msg, hl, "OBX|1|ED", 8), "ZED", 3);
	CHECK(parse(msg, hl + b64 + tl, &m, &e) == -1 && e.code == HL7_E_DATA_TYPE &&
	      strcmp(e.segment, "ZED") == 0 && e.seg_seq == 1 && e.seg_index == 5 && e.field == 5);
	CHECK(m.nseg == 1 && slice_eq(m.control_id, "DS20261209-0001")); /* enough for an AE */
	free(msg);
}

/* Refused with this code at this segment (id, "" for the message) and field. */
static int refused(const char *s, size_t n, enum hl7_code code, const char *seg, size_t field)
{
	struct hl7_msg m;
	struct hl7_error e;
	return parse(s, n, &m, &e) == -1 && e.code == code && strcmp(e.segment, seg) == 0 &&
	       e.field == field && e.what != NULL;
}

#define REFUSED(lit, code, seg, field) refused(lit, sizeof(lit) - 1, code, seg, field)

static void test_malformed(void)
{
	CHECK(refused("", 0, HL7_E_SEGMENT_SEQUENCE, "", 0));
	CHECK(REFUSED("MSH", HL7_E_DATA_TYPE, "", 0));
	CHECK(REFUSED("PID|1||ZAA0067\rMSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.4\r",
		      HL7_E_SEGMENT_SEQUENCE, "", 0));
	CHECK(REFUSED("MSH|^^\\&|A|B|C|D|1||ADT^A08|1|P|2.4\r", HL7_E_DATA_TYPE, "", 0));
	CHECK(REFUSED("MSH|^~\\|A|B|C|D|1||ADT^A08|1|P|2.4\r", HL7_E_DATA_TYPE, "", 0));
	CHECK(REFUSED("MSHa^~\\&a|A|B\r", HL7_E_DATA_TYPE, "", 0));
	/* Truncated: the sender stopped inside the MSH, then before MSH-12. */
	CHECK(REFUSED("MSH|^~\\&|LABCOMM|TESTLAB|MEDTECH|ZZZ999|2026120614", HL7_E_REQUIRED_MISSING,
		      "MSH", 9));
	CHECK(REFUSED("MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P", HL7_E_REQUIRED_MISSING, "MSH", 12));
	CHECK(REFUSED("MSH|^~\\&|A|B|C|D|1||ORU^R01||P|2.4\r", HL7_E_REQUIRED_MISSING, "MSH", 10));
	CHECK(REFUSED("MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.6\r", HL7_E_UNSUPPORTED_VERSION, "MSH",
		      12));
	CHECK(REFUSED("MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.4x\r", HL7_E_UNSUPPORTED_VERSION, "MSH",
		      12));
	static const char v251[] = "MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.5.1\rPID|1\r";
	struct hl7_msg m;
	struct hl7_error e;
	CHECK(parse(v251, sizeof(v251) - 1, &m, &e) == 0 && slice_eq(m.version, "2.5.1"));
	CHECK(REFUSED("MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.4\rPID|1\rMSH|^~\\&|A\r",
		      HL7_E_SEGMENT_SEQUENCE, "MSH", 0));
	CHECK(REFUSED("MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.4\rpid|1\r", HL7_E_SEGMENT_SEQUENCE,
		      "pid", 0));
	CHECK(REFUSED("MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.4\rPID1|1\r", HL7_E_SEGMENT_SEQUENCE,
		      "PID", 0));
	CHECK(REFUSED("MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.4\rPID|1|\0|\r", HL7_E_DATA_TYPE, "",
		      0));
	CHECK(REFUSED("MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.4\rOBX|1|\x0b\r", HL7_E_DATA_TYPE, "",
		      0));

	/* An error names the occurrence: the third OBX, field 3. */
	char many[1024];
	int k = snprintf(many, sizeof(many),
			 "MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.4\rOBX|1|NM|a\rOBX|2|NM|b\rOBX|3|NM|");
	CHECK(k > 0 && (size_t)k < sizeof(many));
	size_t len = (size_t)k;
	for (size_t i = 0; i < LIMIT_HL7_REPETITIONS; i++)
		many[len++] = '~'; /* one more repetition than the limit */
	CHECK(parse(many, len, &m, &e) == -1 && e.code == HL7_E_DATA_TYPE && e.seg_seq == 3 &&
	      e.seg_index == 4 && e.field == 3 && strcmp(e.segment, "OBX") == 0);
	CHECK(parse(many, len - 1, &m, &e) == 0); /* exactly the limit of repetitions */
	/* The caller's array bounds the segments, as does LIMIT_HL7_SEGMENTS. */
	CHECK(hl7_parse(oru, sizeof(oru) - 1, segs, 11, &m, &e) == -1 && m.nseg == 1);
	CHECK(hl7_parse(oru, sizeof(oru) - 1, segs, 12, &m, &e) == 0);

	size_t big = (LIMIT_HL7_SEGMENTS + 1) * 6 + 64;
	char *s = malloc(LIMIT_HL7_MESSAGE_BYTES + 1);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	memcpy(s, "MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.4\r", 37);
	len = 37;
	while (len + 6 <= big) {
		memcpy(s + len, "NTE|1\r", 6);
		len += 6;
	}
	CHECK(parse(s, len, &m, &e) == -1 && e.code == HL7_E_DATA_TYPE && m.nseg == 1);
	/* Fields per segment, and bytes in a field. */
	len = 37;
	memcpy(s + len, "ZXY", 3);
	len += 3;
	for (size_t i = 0; i < LIMIT_HL7_FIELDS + 1; i++)
		s[len++] = '|';
	CHECK(parse(s, len, &m, &e) == -1 && e.field == LIMIT_HL7_FIELDS + 1);
	CHECK(parse(s, len - 1, &m, &e) == 0);
	len = 37;
	memcpy(s + len, "NTE|1|L|", 8);
	len += 8;
	memset(s + len, 'a', LIMIT_HL7_FIELD_BYTES + 1);
	CHECK(parse(s, len + LIMIT_HL7_FIELD_BYTES + 1, &m, &e) == -1 && e.field == 3 &&
	      strcmp(e.segment, "NTE") == 0);
	CHECK(parse(s, len + LIMIT_HL7_FIELD_BYTES, &m, &e) == 0);
	/* The whole message. */
	memset(s + 37, 'a', LIMIT_HL7_MESSAGE_BYTES + 1 - 37);
	CHECK(parse(s, LIMIT_HL7_MESSAGE_BYTES + 1, &m, &e) == -1 && e.code == HL7_E_DATA_TYPE &&
	      m.nseg == 0);
	free(s);
}

static int unescapes(const char *in, const char *want)
{
	struct hl7_seps sep = {'|', '^', '~', '\\', '&'};
	char out[64];
	size_t n = 0;
	struct slice v = {in, strlen(in)};
	if (hl7_unescape(&sep, v, out, sizeof(out), &n) != 0)
		return want == NULL;
	return want != NULL && n == strlen(want) && memcmp(out, want, n) == 0;
}

static void test_escapes(void)
{
	CHECK(unescapes("a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f", "a|b^c&d~e\\f"));
	CHECK(unescapes("line 1\\.br\\line 2\\.sp\\", "line 1\nline 2\n"));
	CHECK(unescapes("\\H\\HIGH\\N\\ normal", "HIGH normal"));
	CHECK(unescapes("\\X0D0A\\\\X41\\", "\r\nA"));
	CHECK(unescapes("\\Xc3a9\\", "\xc3\xa9"));
	CHECK(unescapes("", ""));
	const char *bad[] = {"\\", "abc\\F", "\\\\", "\\X\\", "\\X0\\", "\\X0G\\", "\\X00\\",
			     "\\Q\\", "\\.ce\\", "\\Zlocal\\", "\\C2842\\", "\\FF\\"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(unescapes(bad[i], NULL));
	/* The caller's capacity is respected exactly. */
	struct hl7_seps sep = {'|', '^', '~', '\\', '&'};
	char out[8];
	size_t n = 0;
	struct slice v = {"abc\\F\\", 6};
	CHECK(hl7_unescape(&sep, v, out, 4, &n) == 0 && n == 4);
	CHECK(hl7_unescape(&sep, v, out, 3, &n) == -1);
	/* Other encoding characters: read from MSH-2, never assumed. */
	static const char odd[] = "MSH#*@!%#A#B#C#D#1##ADT*A08#X9#P#2.3\rPID#1##ZZZ0016***NZLMOH*NHI"
				  "##O!F!Brien*Kiri@Smith*Jo%Anne\r";
	struct hl7_msg m;
	struct hl7_error e;
	char t[64];
	CHECK(parse(odd, sizeof(odd) - 1, &m, &e) == 0 && m.sep.field == '#' &&
	      m.sep.component == '*' && m.sep.repetition == '@' && m.sep.escape == '!' &&
	      m.sep.subcomponent == '%' && slice_eq(m.event, "A08") && slice_eq(m.version, "2.3"));
	CHECK(get_is(&m, 1, 3, 1, 1, 0, "ZZZ0016") && get_is(&m, 1, 5, 2, 2, 2, "Anne"));
	CHECK(strcmp(text_of(&m, 1, 5, 1, 1, t, sizeof(t)), "O#Brien") == 0);
	CHECK(get_is(&m, 0, 1, 0, 0, 0, "#") && get_is(&m, 0, 2, 0, 0, 0, "*@!%"));

	/* Escaping gives the text back through unescaping; a NUL or a short buffer is refused. */
	const char *texts[] = {"plain", "a|b^c~d\\e&f", "two\nlines", "tab\there\x01", ""};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char esc[128], back[128];
		size_t en = 0, bn = 0;
		struct slice in = {texts[i], strlen(texts[i])};
		CHECK(hl7_escape(&sep, in, esc, sizeof(esc), &en) == 0 &&
		      memchr(esc, '|', en) == NULL && memchr(esc, '\n', en) == NULL);
		struct slice es = {esc, en};
		CHECK(hl7_unescape(&sep, es, back, sizeof(back), &bn) == 0 && bn == in.len &&
		      memcmp(back, in.ptr, bn) == 0);
	}
	char esc[16];
	size_t en = 0;
	CHECK(hl7_escape(&sep, (struct slice){"crlf\r\nend", 9}, esc, sizeof(esc), &en) == 0 &&
	      en == 12 && memcmp(esc, "crlf\\.br\\end", 12) == 0);
	CHECK(hl7_escape(&sep, (struct slice){"a\0b", 3}, esc, sizeof(esc), &en) == -1);
	CHECK(hl7_escape(&sep, (struct slice){"a|", 2}, esc, 3, &en) == -1);
}

static void test_ack(void)
{
	struct hl7_msg m, back;
	struct hl7_error e;
	static struct hl7_segment segs2[8];
	char out[LIMIT_HL7_ACK_BYTES];
	size_t n = 0;
	CHECK(parse(oru, sizeof(oru) - 1, &m, &e) == 0);
	struct hl7_ack a = {HL7_ACK_AA, {"MK000001", 8}, {"20261206143001+1300", 19}, {NULL, 0},
			    NULL};
	static const char want_aa[] =
		"MSH|^~\\&|MEDTECH|ZZZ999^Kowhai Medical Centre|LABCOMM|TESTLAB^2.16.840.1.113883.2"
		".18.66.10.1^ISO|20261206143001+1300||ACK^R01^ACK|MK000001|P|2.4\r"
		"MSA|AA|LAB20261206000123\r";
	CHECK(hl7_ack(&m, &a, out, sizeof(out), &n) == 0 && n == sizeof(want_aa) - 1 &&
	      memcmp(out, want_aa, n) == 0);
	CHECK(hl7_parse(out, n, segs2, 8, &back, &e) == 0 && slice_eq(back.type, "ACK"));
	/* Every shorter buffer is refused, never overrun. */
	int all_refused = 1;
	for (size_t cap = 0; cap < sizeof(want_aa) - 1; cap++) {
		size_t k = 0;
		all_refused &= hl7_ack(&m, &a, out, cap, &k) == -1;
	}
	CHECK(all_refused);

	/* AE for a refused message: the MSH survives, the ERR names segment, field and code;
	 * the caller's text is escaped. */
	static const char refused_msg[] =
		"MSH|^~\\&|MEDTECH32|KOWHAI^ZZZ999^HPI|MEDKEEP|MEDKEEP|20261206101500||ADT^A08|MT9|P"
		"|2.4\rEVN|A08\rPID|1||ZZZ0016\rPID|2|\rpv1|1\r";
	CHECK(parse(refused_msg, sizeof(refused_msg) - 1, &m, &e) == -1 && m.nseg == 1);
	a.code = HL7_ACK_AE;
	a.err = &e;
	a.text = (struct slice){"bad segment: pv1|1 ^ see spec", 29};
	static const char want_ae[] =
		"MSH|^~\\&|MEDKEEP|MEDKEEP|MEDTECH32|KOWHAI^ZZZ999^HPI|20261206143001+1300||"
		"ACK^A08^ACK|MK000001|P|2.4\r"
		"MSA|AE|MT9|bad segment: pv1\\F\\1 \\S\\ see spec\r"
		"ERR|pv1^1^^100&Segment sequence error&HL70357|pv1^1^|100^Segment sequence error^"
		"HL70357|E\r";
	CHECK(hl7_ack(&m, &a, out, sizeof(out), &n) == 0 && n == sizeof(want_ae) - 1 &&
	      memcmp(out, want_ae, n) == 0);
	CHECK(hl7_parse(out, n, segs2, 8, &back, &e) == 0 && back.nseg == 3);
	CHECK(get_is(&back, 2, 2, 1, 1, 0, "pv1") && get_is(&back, 1, 2, 0, 0, 0, "MT9"));
	/* AR for an unsupported version; a field-level error names the field. */
	static const char v26[] = "MSH|^~\\&|A|B|C|D|1||ORU^R01|X1|P|2.6\r";
	CHECK(parse(v26, sizeof(v26) - 1, &m, &e) == -1 && m.nseg == 1);
	a.code = HL7_ACK_AR;
	a.text = (struct slice){NULL, 0};
	static const char want_ar[] =
		"MSA|AR|X1\rERR|MSH^1^12^203&Unsupported version id&HL70357|MSH^1^12|203^";
	CHECK(hl7_ack(&m, &a, out, sizeof(out), &n) == 0 &&
	      memmem(out, n, want_ar, sizeof(want_ar) - 1) != NULL);
	/* Nothing to answer when even the MSH could not be read. */
	CHECK(parse("MSH|^~", 6, &m, &e) == -1 && m.nseg == 0 &&
	      hl7_ack(&m, &a, out, sizeof(out), &n) == -1);
	CHECK(strcmp(hl7_code_text(HL7_E_DATA_TYPE), "Data type error") == 0);
}

/* Feed bytes until used up; count messages equal to want, and anything else (an error is
 * counted, then reset). */
static void feed(struct mllp_decoder *d, const char *p, size_t n, const char *want,
		 size_t want_len, size_t *good, size_t *other)
{
	while (n > 0) {
		size_t used = 0;
		enum mllp_event ev = mllp_push(d, p, n, &used);
		if (ev == MLLP_MESSAGE) {
			struct slice s = mllp_message(d);
			if (s.len == want_len && memcmp(s.ptr, want, want_len) == 0)
				(*good)++;
			else
				(*other)++;
		} else if (ev != MLLP_MORE) {
			(*other)++;
			mllp_reset(d);
		}
		if (used == 0 && ev != MLLP_TOO_BIG)
			break; /* cannot happen after a reset: no progress, stop */
		p += used;
		n -= used;
	}
}

static void test_mllp(void)
{
	static char frame[sizeof(adt_a04) + 3], two[2 * sizeof(adt_a04) + 16];
	static char buf[sizeof(adt_a04)];
	size_t fl = 0, n1 = sizeof(adt_a04) - 1;
	struct mllp_decoder d;
	CHECK(mllp_frame(adt_a04, n1, frame, sizeof(frame), &fl) == 0 && fl == n1 + 3);
	CHECK(mllp_frame(adt_a04, n1, frame, n1 + 2, &fl) == -1);
	CHECK(mllp_frame("a\x1c", 2, two, sizeof(two), &fl) == -1);
	CHECK(mllp_frame(adt_a04, n1, frame, sizeof(frame), &fl) == 0);

	/* Split at every offset, and one byte at a time: one message, nothing else. */
	int every = 1;
	for (size_t at = 0; at <= fl; at++) {
		size_t good = 0, other = 0;
		mllp_init(&d, buf, n1);
		feed(&d, frame, at, adt_a04, n1, &good, &other);
		CHECK(at == fl || mllp_in_frame(&d) == (at > 0));
		feed(&d, frame + at, fl - at, adt_a04, n1, &good, &other);
		every &= good == 1 && other == 0 && !mllp_in_frame(&d);
	}
	CHECK(every);
	size_t good = 0, other = 0;
	mllp_init(&d, buf, n1);
	for (size_t i = 0; i < fl; i++)
		feed(&d, frame + i, 1, adt_a04, n1, &good, &other);
	CHECK(good == 1 && other == 0);

	/* Two frames in one read; then garbage between frames is an error that sticks. */
	memcpy(two, frame, fl);
	memcpy(two + fl, frame, fl);
	good = other = 0;
	mllp_init(&d, buf, n1);
	feed(&d, two, 2 * fl, adt_a04, n1, &good, &other);
	CHECK(good == 2 && other == 0);
	memcpy(two + fl, "\r\nxy", 4);
	memcpy(two + fl + 4, frame, fl);
	size_t used = 0;
	mllp_init(&d, buf, n1);
	CHECK(mllp_push(&d, two, 2 * fl + 4, &used) == MLLP_MESSAGE && used == fl);
	CHECK(mllp_push(&d, two + fl, fl + 4, &used) == MLLP_OUTSIDE && used == 1);
	CHECK(mllp_push(&d, two + fl + 1, fl + 3, &used) == MLLP_OUTSIDE && used == 0);
	good = other = 0;
	mllp_reset(&d);
	feed(&d, two + fl, fl + 4, adt_a04, n1, &good, &other);
	CHECK(good == 1 && other == 4); /* each garbage byte once, after a reset each */

	/* A frame over the capacity is refused as it passes it, then skipped to its end. */
	mllp_init(&d, buf, 40);
	CHECK(mllp_push(&d, frame, fl, &used) == MLLP_TOO_BIG && used == 41);
	CHECK(mllp_message(&d).len == 40 && memcmp(mllp_message(&d).ptr, adt_a04, 40) == 0);
	CHECK(mllp_push(&d, frame + used, fl - used, &used) == MLLP_MORE && !mllp_in_frame(&d));
	static const char small[] = "\x0bMSH|^~\\&|A\x1c\r";
	CHECK(mllp_push(&d, small, sizeof(small) - 1, &used) == MLLP_MESSAGE &&
	      slice_eq(mllp_message(&d), "MSH|^~\\&|A"));
	/* A start block inside a frame, an end block without its CR. */
	mllp_init(&d, buf, n1);
	CHECK(mllp_push(&d, "\x0b" "ab\x0b", 4, &used) == MLLP_BROKEN && used == 4);
	mllp_init(&d, buf, n1);
	CHECK(mllp_push(&d, "\x0b" "ab\x1cX", 5, &used) == MLLP_BROKEN && used == 5);
	mllp_reset(&d);
	CHECK(mllp_push(&d, "\x0b\x1c\r", 3, &used) == MLLP_MESSAGE && mllp_message(&d).len == 0);
}

void test_hl7(void)
{
	test_oru();
	test_adt_mdm();
	test_malformed();
	test_escapes();
	test_ack();
	test_mllp();
}
