/*
 * TEMPORARY, branch `mllp` only: a stand-in for ingestion so the listener links and can be
 * tested on its own. Every message is answered AR ("ingestion not built"). Deleted at merge,
 * when the files of src/ingest (branch `ingest`) brings the real ingest_hl7.
 */
#include <string.h>

#include "ingest/ingest.h"

enum err ingest_hl7(const struct ingest_feed *f, const char *raw, size_t len,
		    const struct hl7_msg *m, struct ingest_outcome *out)
{
	(void)f;
	(void)raw;
	(void)len;
	(void)m;
	memset(out, 0, sizeof(*out));
	out->code = HL7_ACK_AR;
	out->err.code = HL7_E_INTERNAL;
	out->err.what = "ingestion not built";
	return ERR_OK;
}
