/*
 * FHIR R4 (JSON) over the same domain services and gate as the pages: Patient,
 * DocumentReference, Binary and the CapabilityStatement. Errors are OperationOutcome.
 */
#ifndef MEDKEEP_FHIR_H
#define MEDKEEP_FHIR_H
#include <stddef.h>

#include "domain/domain.h"
#include "http/http.h"

void fhir_error(struct request *req, struct response *res, int status, const char *message);
void fhir_metadata(struct request *req, struct response *res);
void fhir_patient_search(struct request *req, struct response *res);
void fhir_patient_read(struct request *req, struct response *res);
void fhir_docref_search(struct request *req, struct response *res);
void fhir_docref_read(struct request *req, struct response *res);
void fhir_docref_create(struct request *req, struct response *res);
void fhir_binary_read(struct request *req, struct response *res);

/*
 * Map a posted DocumentReference (JSON bytes) onto a new document. The attachment's base64
 * is decoded into the arena. 0 on success; -1 with *why set to a message for the client.
 * default_kind applies when the resource names no type this server knows.
 */
int fhir_docref_parse(const char *json, size_t len, struct arena *a, enum document_kind default_kind,
		      struct document_new *out, const char **why);

#endif
