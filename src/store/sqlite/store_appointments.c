/* Slots, appointments, practice settings and staff names (src/store/appointments.h). */
#include "store/appointments.h"
#include "store/sqlite/store_careplan_int.h"

#include <string.h>

#include "limits.h"

/* --- slots --- */

/* Refused (no row inserted) when it overlaps another slot of the same clinician. */
static const char sql_slot_insert[] =
	"INSERT INTO slot (id, practice_id, clinician_id, start, minutes, created, created_by)"
	" SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM slot"
	" WHERE clinician_id = ?3 AND start < ?4 + ?5 * 60 AND start + minutes * 60 > ?4)";

enum err sq_store_slot_insert(const struct store_slot *sl, const struct id *created_by, int64_t now)
{
	struct db_stmt *s = sq_stmt(sql_slot_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &sl->id);
	sq_bind_id(s, 2, &sl->practice);
	sq_bind_id(s, 3, &sl->clinician);
	db_bind_int64(s, 4, sl->start);
	db_bind_int64(s, 5, sl->minutes);
	db_bind_int64(s, 6, now);
	sq_bind_id(s, 7, created_by);
	int changed = 0;
	int rc = careplan_step_write(s, "slot_insert", &changed);
	return rc == ERR_OK && changed == 0 ? ERR_CONFLICT : rc;
}

static const char sql_slot_remove_unused[] =
	"DELETE FROM slot WHERE id = ? AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.slot_id = slot.id)";

enum err sq_store_slot_remove_unused(const struct id *slot)
{
	struct db_stmt *s = sq_stmt(sql_slot_remove_unused);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, slot);
	return sq_write_one(s, "slot_remove_unused");
}

#define SLOT_COLS                                                                                 \
	"s.id, s.practice_id, s.clinician_id, s.start, s.minutes,"                               \
	" EXISTS (SELECT 1 FROM appointment a WHERE a.slot_id = s.id AND a.cancelled IS NULL)"

static void slot_row(struct db_stmt *s, struct store_slot *out)
{
	memset(out, 0, sizeof(*out));
	sq_col_id(s, 0, &out->id);
	sq_col_id(s, 1, &out->practice);
	sq_col_id(s, 2, &out->clinician);
	out->start = db_column_int64(s, 3);
	out->minutes = db_column_int(s, 4);
	out->booked = db_column_int(s, 5) != 0;
}

static const char sql_slot_get[] = "SELECT " SLOT_COLS " FROM slot s WHERE s.id = ? AND s.removed IS NULL";

enum err sq_store_slot_get(const struct id *slot, struct store_slot *out)
{
	struct db_stmt *s = sq_stmt(sql_slot_get);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, slot);
	int rc = db_step(s);
	if (rc == DB_ROW)
		slot_row(s, out);
	db_reset(s);
	if (rc == DB_ROW)
		return ERR_OK;
	return rc == DB_DONE ? ERR_NOT_FOUND : sq_fail("slot_get");
}

static const char sql_slots_list[] =
	"SELECT " SLOT_COLS " FROM slot s WHERE s.practice_id = ?1 AND s.removed IS NULL AND s.start >= ?2"
	" AND s.start < ?3 AND (CAST(?4 AS BLOB) IS NULL OR s.clinician_id = ?4) AND (?5 = 0 OR NOT EXISTS"
	" (SELECT 1 FROM appointment a WHERE a.slot_id = s.id AND a.cancelled IS NULL))"
	" ORDER BY s.start, s.clinician_id LIMIT ?6";

static enum err slots_collect(struct db_stmt *s, struct arena *a, struct store_slot **out, size_t *n,
			      bool with_patient)
{
	*n = 0;
	*out = arena_calloc(a, LIMIT_LIST, sizeof(**out));
	if (*out == NULL) {
		db_reset(s);
		return ERR_INTERNAL;
	}
	int rc = DB_DONE;
	while (*n < LIMIT_LIST && (rc = db_step(s)) == DB_ROW) {
		struct store_slot *sl = &(*out)[*n];
		slot_row(s, sl);
		if (with_patient) {
			sl->has_patient = sq_col_id(s, 6, &sl->patient);
			sq_col_id(s, 7, &sl->appointment);
			const char *k = db_column_text(s, 8);
			sl->kind = appointment_kind_parse(k ? k : "");
		}
		(*n)++;
	}
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail("slots_list");
}

enum err sq_store_slots_list(const struct id *practice, const struct id *clinician, int64_t from,
		     int64_t to, bool free_only, struct arena *a, struct store_slot **out, size_t *n)
{
	*n = 0;
	struct db_stmt *s = sq_stmt(sql_slots_list);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, from);
	db_bind_int64(s, 3, to);
	if (clinician)
		sq_bind_id(s, 4, clinician);
	else
		db_bind_null(s, 4);
	db_bind_int64(s, 5, free_only ? 1 : 0);
	db_bind_int64(s, 6, LIMIT_LIST);
	return slots_collect(s, a, out, n, false);
}

/* A Slot search's page (store_slots_page): the practices ?1..?8 (unused ones NULL, which IN
 * never matches), [?9, ?10), the clinician ?11 (NULL: any), the state ?12 (slot_state_filter),
 * after the cursor (?13: 0 none; start ?14, id ?15), at most ?16, in start order and id. */
#define SLOTS_WHERE                                                                              \
	" FROM slot s WHERE s.practice_id IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"                     \
	" AND s.removed IS NULL AND s.start >= ?9 AND s.start < ?10"                              \
	" AND (CAST(?11 AS BLOB) IS NULL OR s.clinician_id = ?11) AND ?12 <> 3 AND (?12 = 0 OR (?12 = 2) ="      \
	" EXISTS (SELECT 1 FROM appointment a WHERE a.slot_id = s.id AND a.cancelled IS NULL))"
static const char sql_slots_page_asc[] =
	"SELECT " SLOT_COLS SLOTS_WHERE
	" AND (?13 = 0 OR s.start > ?14 OR (s.start = ?14 AND s.id > ?15))"
	" ORDER BY s.start, s.id LIMIT ?16";
static const char sql_slots_page_desc[] =
	"SELECT " SLOT_COLS SLOTS_WHERE
	" AND (?13 = 0 OR s.start < ?14 OR (s.start = ?14 AND s.id < ?15))"
	" ORDER BY s.start DESC, s.id DESC LIMIT ?16";
static const char sql_slots_count[] = "SELECT count(*)" SLOTS_WHERE " AND ?13 = 0";

_Static_assert(TARGET_MAX_PRACTICES == 8, "SLOTS_WHERE binds eight practices");

static void slots_bind(struct db_stmt *s, const struct store_slot_filter *f, const struct store_page *pg)
{
	for (int i = 0; i < TARGET_MAX_PRACTICES; i++) {
		if ((size_t)i < f->n_practices)
			sq_bind_id(s, 1 + i, &f->practices[i]);
		else
			db_bind_null(s, 1 + i);
	}
	db_bind_int64(s, 9, f->from);
	db_bind_int64(s, 10, f->to);
	if (f->clinician)
		sq_bind_id(s, 11, f->clinician);
	else
		db_bind_null(s, 11);
	db_bind_int64(s, 12, (int)f->state);
	db_bind_int64(s, 13, pg && pg->after ? 1 : 0);
	db_bind_int64(s, 14, pg && pg->after ? pg->after_t : 0);
	if (pg && pg->after)
		sq_bind_id(s, 15, &pg->after_id);
	else
		db_bind_null(s, 15);
}

enum err sq_store_slots_page(const struct store_slot_filter *f, const struct store_page *pg,
			     struct arena *a, struct store_slot **out, size_t *n)
{
	*n = 0;
	if (f->n_practices > TARGET_MAX_PRACTICES)
		return ERR_INTERNAL;
	size_t limit = pg->limit;
	*out = arena_calloc(a, limit ? limit : 1, sizeof(**out));
	struct db_stmt *s = sq_stmt(pg->desc ? sql_slots_page_desc : sql_slots_page_asc);
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	slots_bind(s, f, pg);
	db_bind_int64(s, 16, (int64_t)limit);
	int rc = DB_DONE;
	while (*n < limit && (rc = db_step(s)) == DB_ROW)
		slot_row(s, &(*out)[(*n)++]);
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail("slots_page");
}

enum err sq_store_slots_count(const struct store_slot_filter *f, int64_t *total)
{
	*total = 0;
	if (f->n_practices > TARGET_MAX_PRACTICES)
		return ERR_INTERNAL;
	struct db_stmt *s = sq_stmt(sql_slots_count);
	if (s == NULL)
		return ERR_INTERNAL;
	slots_bind(s, f, NULL);
	int rc = db_step(s);
	if (rc == DB_ROW)
		*total = db_column_int64(s, 0);
	db_reset(s);
	return rc == DB_ROW ? ERR_OK : sq_fail("slots_count");
}

static const char sql_slots_of_clinician[] =
	"SELECT " SLOT_COLS ", a.patient_id, a.id, a.kind FROM slot s"
	" LEFT JOIN appointment a ON a.slot_id = s.id AND a.cancelled IS NULL"
	" WHERE s.clinician_id = ?1 AND s.removed IS NULL AND s.start >= ?2 AND s.start < ?3"
	" ORDER BY s.start LIMIT ?4";

/* The slots (with their bookings) of sql for one owner (?1) from ?2 to ?3. */
static enum err slots_between(const char *sql, const struct id *owner, int64_t from, int64_t to,
			      struct arena *a, struct store_slot **out, size_t *n)
{
	*n = 0;
	struct db_stmt *s = sq_stmt(sql);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, owner);
	db_bind_int64(s, 2, from);
	db_bind_int64(s, 3, to);
	db_bind_int64(s, 4, LIMIT_LIST);
	return slots_collect(s, a, out, n, true);
}

enum err sq_store_slots_of_clinician(const struct id *clinician, int64_t from, int64_t to,
			     struct arena *a, struct store_slot **out, size_t *n)
{
	return slots_between(sql_slots_of_clinician, clinician, from, to, a, out, n);
}

/* The same day of the whole practice (reception's view). */
static const char sql_slots_of_practice[] =
	"SELECT " SLOT_COLS ", a.patient_id, a.id, a.kind FROM slot s"
	" LEFT JOIN appointment a ON a.slot_id = s.id AND a.cancelled IS NULL"
	" WHERE s.practice_id = ?1 AND s.removed IS NULL AND s.start >= ?2 AND s.start < ?3"
	" ORDER BY s.start, s.clinician_id LIMIT ?4";

enum err sq_store_slots_of_practice(const struct id *practice, int64_t from, int64_t to,
				    struct arena *a, struct store_slot **out, size_t *n)
{
	return slots_between(sql_slots_of_practice, practice, from, to, a, out, n);
}

/* A slot nobody ever booked goes; one a cancelled appointment still names is marked removed
 * (that appointment stays the patient's history). Neither while it is booked. */
static const char sql_slot_delete_free[] =
	"DELETE FROM slot WHERE id = ?1 AND practice_id = ?2 AND removed IS NULL"
	" AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.slot_id = slot.id)";
static const char sql_slot_mark_removed[] =
	"UPDATE slot SET removed = ?3 WHERE id = ?1 AND practice_id = ?2 AND removed IS NULL"
	" AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.slot_id = slot.id AND a.cancelled IS NULL)";

enum err sq_store_slot_remove_free(const struct id *practice, const struct id *slot, int64_t now)
{
	const char *sql[2] = {sql_slot_delete_free, sql_slot_mark_removed};
	for (int i = 0; i < 2; i++) {
		struct db_stmt *s = sq_stmt(sql[i]);
		if (s == NULL)
			return ERR_INTERNAL;
		sq_bind_id(s, 1, slot);
		sq_bind_id(s, 2, practice);
		if (i == 1)
			db_bind_int64(s, 3, now);
		int changed = 0;
		int rc = careplan_step_write(s, "slot_remove_free", &changed);
		if (rc != ERR_OK)
			return rc;
		if (changed)
			return ERR_OK;
	}
	return ERR_CONFLICT;
}

/* --- appointments --- */

static const char sql_appointment_target[] =
	"SELECT a.patient_id, e.practice_id, e.history_from, a.booked FROM appointment a"
	" LEFT JOIN enrolment e ON e.patient_id = a.patient_id WHERE a.id = ? LIMIT 8";

enum err sq_store_appointment_target(const struct id *appointment, struct target *out)
{
	return careplan_target_rows(sq_stmt(sql_appointment_target), appointment, out);
}

/* The SELECT yields no row when the slot does not exist; the partial unique index
 * appointment_one_per_slot refuses a second live appointment for it, atomically. */
/* The limit on upcoming appointments is decided in the insert itself, so concurrent bookings
 * cannot pass the check together (SQLite runs one write statement at a time). */
static const char sql_appointment_insert[] =
	"INSERT INTO appointment (id, slot_id, patient_id, booked_by, booked, reason, kind)"
	" SELECT ?1, id, ?2, ?3, ?4, ?5, ?9 FROM slot WHERE id = ?6 AND removed IS NULL"
	" AND (SELECT count(*) FROM appointment a JOIN slot u ON u.id = a.slot_id"
	" WHERE a.patient_id = ?2 AND a.cancelled IS NULL AND u.start > ?7) < ?8";

enum err sq_store_appointment_insert(const struct grant *g, const struct store_appointment *ap, int64_t now,
			     int max_upcoming, bool *full)
{
	*full = false;
	if (!grant_allows(g, &ap->patient, ACTION_APPOINTMENT_BOOK))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_appointment_insert);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, &ap->id);
	sq_bind_id(s, 2, &ap->patient);
	sq_bind_id(s, 3, &ap->booked_by);
	db_bind_int64(s, 4, ap->booked);
	if (ap->reason.len)
		db_bind_blob(s, 5, ap->reason.ptr, ap->reason.len);
	else
		db_bind_null(s, 5);
	sq_bind_id(s, 6, &ap->slot);
	db_bind_int64(s, 7, now);
	db_bind_int64(s, 8, max_upcoming);
	db_bind_text(s, 9, appointment_kind_code(ap->kind));
	int changed = 0;
	int rc = careplan_step_write(s, "appointment_insert", &changed);
	if (rc != ERR_OK || changed != 0)
		return rc;
	/* nothing inserted: no such slot, or the patient holds max_upcoming already */
	int upcoming = 0;
	if (sq_store_appointments_upcoming(g, &ap->patient, now, &upcoming) != ERR_OK)
		return ERR_INTERNAL;
	*full = upcoming >= max_upcoming;
	return *full ? ERR_CONFLICT : ERR_NOT_FOUND;
}

static const char sql_appointments_upcoming[] =
	"SELECT count(*) FROM appointment a JOIN slot s ON s.id = a.slot_id"
	" WHERE a.patient_id = ? AND a.cancelled IS NULL AND s.start > ?";

enum err sq_store_appointments_upcoming(const struct grant *g, const struct id *patient, int64_t now,
				int *count)
{
	*count = 0;
	if (!grant_allows(g, patient, ACTION_APPOINTMENT_BOOK))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_appointments_upcoming);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, patient);
	db_bind_int64(s, 2, now);
	int rc = db_step(s);
	if (rc == DB_ROW)
		*count = db_column_int(s, 0);
	db_reset(s);
	return rc == DB_ROW ? ERR_OK : sq_fail("appointments_upcoming");
}

#define APPOINTMENT_COLS                                                                          \
	"a.id, a.slot_id, a.patient_id, a.booked_by, a.booked, a.cancelled, a.cancelled_by,"     \
	" a.reason, s.practice_id, s.clinician_id, s.start, s.minutes, a.kind, a.cancel_reason"

static bool appointment_row(struct db_stmt *s, struct arena *a, void *row)
{
	struct store_appointment *out = row;
	memset(out, 0, sizeof(*out));
	sq_col_id(s, 0, &out->id);
	sq_col_id(s, 1, &out->slot);
	sq_col_id(s, 2, &out->patient);
	sq_col_id(s, 3, &out->booked_by);
	out->booked = db_column_int64(s, 4);
	out->cancelled = db_column_int64(s, 5);
	sq_col_id(s, 6, &out->cancelled_by);
	bool ok = sq_col_bytes(s, 7, a, &out->reason);
	sq_col_id(s, 8, &out->practice);
	sq_col_id(s, 9, &out->clinician);
	out->start = db_column_int64(s, 10);
	out->minutes = db_column_int(s, 11);
	const char *k = db_column_text(s, 12);
	out->kind = appointment_kind_parse(k ? k : "");
	if (!db_column_is_null(s, 13)) {
		out->cancel_reason = sq_col_text(s, 13, a);
		ok = ok && out->cancel_reason != NULL;
	}
	return ok;
}

/* Pages: the date is the visit's start, the last change its booking or cancelling; the code
 * is its status, booked or cancelled (as the FHIR Appointment says). */
#define APPOINTMENTS_OF_PATIENT " FROM appointment a JOIN slot s ON s.id = a.slot_id WHERE a.patient_id = ?1 AND a.booked >= ?5"
#define APPOINTMENT_UPDATED "coalesce(a.cancelled, a.booked)"
#define APPOINTMENT_STATUS "CASE WHEN a.cancelled IS NULL THEN 'booked' ELSE 'cancelled' END"
static const char *const sql_appointment_page[4] =
	SQ_PAGE_SQL("SELECT " APPOINTMENT_COLS APPOINTMENTS_OF_PATIENT, "s.start", APPOINTMENT_UPDATED,
		    APPOINTMENT_STATUS, "a.id");
static const char sql_appointment_count[] = "SELECT count(*)" APPOINTMENTS_OF_PATIENT
	SQ_PAGE_WHERE("s.start", APPOINTMENT_UPDATED, APPOINTMENT_STATUS);

enum err sq_store_appointment_list(const struct grant *g, const struct id *patient,
				   const struct store_page *pg, struct arena *a,
				   struct store_appointment **out, size_t *n)
{
	*n = 0;
	if (!grant_allows(g, patient, ACTION_APPOINTMENT_LIST))
		return ERR_DENIED;
	void *rows = NULL;
	int rc = careplan_page(sql_appointment_page, g, patient, pg, a, sizeof(**out), appointment_row,
			       &rows, n, "appointment_list");
	*out = rows;
	return rc;
}

enum err sq_store_appointment_count(const struct grant *g, const struct id *patient,
				    const struct store_page *pg, int64_t *total)
{
	*total = 0;
	if (!grant_allows(g, patient, ACTION_APPOINTMENT_LIST))
		return ERR_DENIED;
	return sq_page_count_from(sql_appointment_count, patient, g->visible_from, pg, total);
}

static const char sql_appointment_get[] =
	"SELECT " APPOINTMENT_COLS " FROM appointment a JOIN slot s ON s.id = a.slot_id WHERE a.id = ?";

enum err sq_store_appointment_get(const struct grant *g, const struct id *appointment, struct arena *a,
			  struct store_appointment *out)
{
	return careplan_get(sql_appointment_get, appointment, g, a, appointment_row, out,
			    sizeof(*out), &out->patient, "appointment_get");
}

/* The cut-off is part of the UPDATE, so a cancel cannot slip past it between a check and the
 * write. */
static const char sql_appointment_cancel[] =
	"UPDATE appointment SET cancelled = ?1, cancelled_by = ?2, cancel_reason = ?6 WHERE id = ?3 AND patient_id = ?4"
	" AND cancelled IS NULL AND (SELECT start FROM slot WHERE slot.id = appointment.slot_id) >= ?5";

enum err sq_store_appointment_cancel(const struct grant *g, const struct id *appointment,
			     const struct id *by, int64_t now, int64_t min_start, const char *reason)
{
	if (!grant_allows(g, &g->patient, ACTION_APPOINTMENT_CANCEL))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_appointment_cancel);
	if (s == NULL)
		return ERR_INTERNAL;
	db_bind_int64(s, 1, now);
	sq_bind_id(s, 2, by);
	sq_bind_id(s, 3, appointment);
	sq_bind_id(s, 4, &g->patient);
	db_bind_int64(s, 5, min_start);
	if (reason)
		sq_bind_text(s, 6, reason);
	else
		db_bind_null(s, 6);
	int changed = 0;
	int rc = careplan_step_write(s, "appointment_cancel", &changed);
	return rc == ERR_OK && changed == 0 ? ERR_CONFLICT : rc;
}

/* Another free, future slot of the same practice, in one statement: the partial unique index
 * refuses it when someone has just booked it (ERR_CONFLICT). */
static const char sql_appointment_move[] =
	"UPDATE appointment SET slot_id = ?3 WHERE id = ?1 AND patient_id = ?2 AND cancelled IS NULL"
	" AND EXISTS (SELECT 1 FROM slot n WHERE n.id = ?3 AND n.practice_id = ?4 AND n.removed IS NULL"
	" AND n.start > ?5)";

enum err sq_store_appointment_move(const struct grant *g, const struct id *appointment,
				   const struct id *practice, const struct id *slot, int64_t now)
{
	if (!grant_allows(g, &g->patient, ACTION_APPOINTMENT_CANCEL))
		return ERR_DENIED;
	struct db_stmt *s = sq_stmt(sql_appointment_move);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, appointment);
	sq_bind_id(s, 2, &g->patient);
	sq_bind_id(s, 3, slot);
	sq_bind_id(s, 4, practice);
	db_bind_int64(s, 5, now);
	int changed = 0;
	int rc = careplan_step_write(s, "appointment_move", &changed);
	return rc == ERR_OK && changed == 0 ? ERR_CONFLICT : rc;
}

/* --- practice settings and staff --- */

static const char sql_cutoff[] =
	"SELECT cancel_cutoff_minutes FROM practice_setting WHERE practice_id = ?";

enum err sq_store_practice_cutoff(const struct id *practice, int *minutes)
{
	*minutes = CANCEL_CUTOFF_DEFAULT_MINUTES;
	struct db_stmt *s = sq_stmt(sql_cutoff);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	int rc = db_step(s);
	if (rc == DB_ROW)
		*minutes = db_column_int(s, 0);
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail("practice_cutoff");
}

static const char sql_cutoff_set[] =
	"INSERT INTO practice_setting (practice_id, cancel_cutoff_minutes) VALUES (?, ?)"
	" ON CONFLICT (practice_id) DO UPDATE SET cancel_cutoff_minutes = excluded.cancel_cutoff_minutes";

enum err sq_store_practice_cutoff_set(const struct id *practice, int minutes)
{
	struct db_stmt *s = sq_stmt(sql_cutoff_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, minutes);
	int changed = 0;
	return careplan_step_write(s, "practice_cutoff_set", &changed);
}

static const char sql_booking[] =
	"SELECT booking_closed, phone, hours FROM practice_setting WHERE practice_id = ?";

enum err sq_store_practice_booking(const struct id *practice, struct arena *a,
				   struct store_booking_settings *out)
{
	*out = (struct store_booking_settings){.closed = false, .phone = "", .hours = ""};
	struct db_stmt *s = sq_stmt(sql_booking);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	int rc = db_step(s);
	bool ok = true;
	if (rc == DB_ROW) {
		out->closed = db_column_int(s, 0) != 0;
		out->phone = sq_col_text(s, 1, a);
		out->hours = sq_col_text(s, 2, a);
		ok = out->phone && out->hours;
	}
	db_reset(s);
	return (rc == DB_ROW && ok) || rc == DB_DONE ? ERR_OK : sq_fail("practice_booking");
}

/* A practice without a settings row yet gets the default cut-off with these. */
static const char sql_booking_set[] =
	"INSERT INTO practice_setting (practice_id, cancel_cutoff_minutes, booking_closed, phone, hours)"
	" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (practice_id) DO UPDATE SET"
	" booking_closed = excluded.booking_closed, phone = excluded.phone, hours = excluded.hours";

enum err sq_store_practice_booking_set(const struct id *practice, const struct store_booking_settings *b)
{
	struct db_stmt *s = sq_stmt(sql_booking_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, CANCEL_CUTOFF_DEFAULT_MINUTES);
	db_bind_int64(s, 3, b->closed ? 1 : 0);
	sq_bind_text(s, 4, b->phone);
	sq_bind_text(s, 5, b->hours);
	int changed = 0;
	return careplan_step_write(s, "practice_booking_set", &changed);
}

static const char sql_practice_clinicians[] =
	"SELECT a.id, n.display FROM account a LEFT JOIN staff_name n ON n.account_id = a.id"
	" WHERE a.practice_id = ? AND a.role = 'clinician' AND a.locked = 0"
	" ORDER BY n.display, a.created LIMIT ?";

enum err sq_store_practice_clinicians(const struct id *practice, struct arena *a, struct store_staff **out,
			      size_t *n)
{
	*n = 0;
	struct db_stmt *s = sq_stmt(sql_practice_clinicians);
	*out = arena_calloc(a, LIMIT_LIST, sizeof(**out));
	if (s == NULL || *out == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, practice);
	db_bind_int64(s, 2, LIMIT_LIST);
	int rc = DB_DONE;
	while (*n < LIMIT_LIST && (rc = db_step(s)) == DB_ROW) {
		struct store_staff *st = &(*out)[*n];
		if (!sq_col_id(s, 0, &st->account))
			continue;
		st->name = sq_col_text(s, 1, a);
		(*n)++;
	}
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail("practice_clinicians");
}

static const char sql_staff_name[] = "SELECT display FROM staff_name WHERE account_id = ?";

enum err sq_store_staff_name(const struct id *account, struct arena *a, const char **name)
{
	*name = NULL;
	struct db_stmt *s = sq_stmt(sql_staff_name);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	int rc = db_step(s);
	if (rc == DB_ROW)
		*name = sq_col_text(s, 0, a);
	db_reset(s);
	if (rc == DB_ROW)
		return *name ? ERR_OK : ERR_INTERNAL;
	return rc == DB_DONE ? ERR_NOT_FOUND : sq_fail("staff_name");
}

static const char sql_staff_name_set[] =
	"INSERT INTO staff_name (account_id, display) VALUES (?, ?)"
	" ON CONFLICT (account_id) DO UPDATE SET display = excluded.display";

enum err sq_store_staff_name_set(const struct id *account, const char *name)
{
	struct db_stmt *s = sq_stmt(sql_staff_name_set);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_text(s, 2, name);
	int changed = 0;
	return careplan_step_write(s, "staff_name_set", &changed);
}

static const char sql_clinician_of[] =
	"SELECT 1 FROM account WHERE id = ? AND practice_id = ? AND role = 'clinician' AND locked = 0";

enum err sq_store_clinician_of(const struct id *account, const struct id *practice, bool *yes)
{
	*yes = false;
	struct db_stmt *s = sq_stmt(sql_clinician_of);
	if (s == NULL)
		return ERR_INTERNAL;
	sq_bind_id(s, 1, account);
	sq_bind_id(s, 2, practice);
	int rc = db_step(s);
	*yes = rc == DB_ROW;
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : sq_fail("clinician_of");
}
