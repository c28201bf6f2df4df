/*
 * FHIR R4 (JSON) over the same domain services and gate as the pages: Patient,
 * DocumentReference, Binary and the CapabilityStatement. Errors are OperationOutcome.
 */
#ifndef MEDKEEP_FHIR_H
#define MEDKEEP_FHIR_H
#include <jansson.h>
#include <stddef.h>

#include "domain/domain.h"
#include "http/http.h"

void fhir_error(struct request *req, struct response *res, int status, const char *message);
void fhir_metadata(struct request *req, struct response *res);
void fhir_patient_search(struct request *req, struct response *res);
void fhir_patient_read(struct request *req, struct response *res);
/* The register (fhir_register.c): POST Patient (conditional create on the NHI), PUT
 * Patient/{id}, and POST [base] with a transaction Bundle (all or nothing). */
void fhir_patient_create(struct request *req, struct response *res);
void fhir_patient_update(struct request *req, struct response *res);
void fhir_transaction(struct request *req, struct response *res);
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

/* The same from a parsed DocumentReference (`medkeep import`): everything but the subject,
 * which the caller resolves (out->patient is left zero). */
int fhir_docref_from_json(json_t *o, struct arena *a, enum document_kind default_kind,
			  struct document_new *out, const char **why);

/* MedicationRequest: medications (intent order) and repeat requests (intent proposal). */
void fhir_medreq_search(struct request *req, struct response *res);
void fhir_medreq_read(struct request *req, struct response *res);
/* Appointment and Slot. */
void fhir_slot_search(struct request *req, struct response *res);
void fhir_slot_read(struct request *req, struct response *res);
void fhir_appointment_search(struct request *req, struct response *res);
void fhir_appointment_read(struct request *req, struct response *res);
void fhir_appointment_create(struct request *req, struct response *res);

/* A posted Appointment: the slot, the patient and an optional reason (into a). 0, or -1 with
 * *why set to a message for the client. */
struct appointment_new {
	struct id slot;
	struct id patient;
	const char *reason; /* NULL when none */
	int kind;           /* enum appointment_kind: from appointmentType, in person when absent */
};
int fhir_appointment_parse(const char *json, size_t len, struct arena *a,
			   struct appointment_new *out, const char **why);

/* One page of a part of Patient/{id}/$everything (fhir_int.h, struct everything_page). */
struct store_page;
struct everything_page;
int fhir_medications_everything(const struct actor *a, const struct id *patient,
				const struct store_page *pg, struct everything_page *p);
int fhir_appointments_everything(const struct actor *a, const struct id *patient,
				 const struct store_page *pg, struct everything_page *p);
/* Secure messages as Communication (fhir_messages.c). */
void fhir_communication_search(struct request *req, struct response *res);
void fhir_communication_read(struct request *req, struct response *res);
void fhir_communication_create(struct request *req, struct response *res);
/*
 * Map a posted Communication (JSON bytes) onto a message: a reply when it has inResponseTo
 * (one Communication/{id}), else a new thread (subject.reference Patient/{id}, topic.text);
 * payload: one contentString and at most one contentAttachment (base64 data, decoded into
 * the arena). 0 on success; -1 with *why set to a message for the client.
 */
struct message_new;
int fhir_communication_parse(const char *json, size_t len, struct arena *a, struct message_new *out,
			     const char **why);
/* A patient's own access log as AuditEvent (fhir_accesslog.c). */
void fhir_auditevent_search(struct request *req, struct response *res);
/* Patient/{id}/$everything: the whole record as one Bundle (fhir_everything.c). */
void fhir_patient_everything_op(struct request *req, struct response *res);

/* The FHIR routes and OperationOutcome errors, added to the server at start-up. */
void fhir_http_register(void);

#endif
