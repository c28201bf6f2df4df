/*
 * The breaker's configuration: its defaults, each derived from real work, and the
 * "breaker.*" lines of medkeep.conf on top of them (see breaker.h).
 */
#include "vault/breaker.h"

#include <stddef.h>
#include <string.h>

#include "util/conf.h"
#include "util/strtonum.h"

/*
 * Defaults, from real work (docs/internals/BREAKER.md derives each):
 * - A patient reads their own record without a count of patients; other patients come only
 *   through proxy grants, so five records' content a day and twenty in the record switcher.
 * - A GP's heavy day touches 150-350 patients' content (consultations, results, repeats,
 *   messages) at a person's pace: a few a minute at most. 600 a day, 80 at once, refilled at
 *   240 an hour, lets that day through and stops a harvest at machine speed within 100.
 * - Demographics of a practice's register are normal staff work: 30,000 a day covers paging
 *   through the largest New Zealand practice's register.
 * - Practice admins see the register and the appointment book, never clinical content;
 *   operators see neither.
 * - Thirty not-found answers in ten minutes is enumeration, not mistyping.
 */
void breaker_defaults(struct breaker_config *c)
{
	memset(c, 0, sizeof(*c));
	c->window_seconds = 24 * 3600;
	c->role[ROLE_PATIENT] = (struct breaker_budget){.other_patients = 5, .burst = 5,
							.per_hour = 5, .register_patients = 20,
							.bytes = 2000000000};
	c->role[ROLE_CLINICIAN] = (struct breaker_budget){.other_patients = 600, .burst = 80,
							  .per_hour = 240,
							  .register_patients = 30000,
							  .bytes = 4000000000};
	c->role[ROLE_PRACTICE_ADMIN] = (struct breaker_budget){.register_patients = 30000,
							       .bytes = 1000000000};
	c->role[ROLE_OPERATOR] = (struct breaker_budget){0};
	/* A practice system writes (which the breaker does not count) and reads only the register
	 * of its practice, to match a patient by NHI: a practice's whole register in a day. The one
	 * clinical content it opens is a result it corrects (an HL7 ORU sent again for the same
	 * report: the old values are kept with the new, RESULTS.md), never shown to it: a lab
	 * corrects a few of a practice's reports a day, a bad day's batch a few dozen at once. */
	c->role[ROLE_SYSTEM] = (struct breaker_budget){.other_patients = 200, .burst = 50,
						       .per_hour = 60, .register_patients = 30000,
						       .bytes = 1000000000};
	c->role[ROLE_NONE] = (struct breaker_budget){0};
	c->misses = 30;
	c->miss_window_seconds = 600;
	c->actors = 4000000;
	c->apps_per_account = 64;
}

static int set_value(struct breaker_config *c, const char *key, int64_t v)
{
	static const char *const roles[BREAKER_ROLES] = {"none", "patient", "clinician",
							 "practice_admin", "operator", "system"};
	static const struct {
		const char *name;
		size_t offset;
	} budget_keys[] = {
		{"other_patients", offsetof(struct breaker_budget, other_patients)},
		{"burst", offsetof(struct breaker_budget, burst)},
		{"per_hour", offsetof(struct breaker_budget, per_hour)},
		{"register", offsetof(struct breaker_budget, register_patients)},
		{"bytes", offsetof(struct breaker_budget, bytes)},
	};
	if (strcmp(key, "window_seconds") == 0 && v > 0) {
		c->window_seconds = v;
		return 0;
	}
	if (strcmp(key, "misses") == 0) {
		c->misses = v;
		return 0;
	}
	if (strcmp(key, "miss_window_seconds") == 0 && v > 0) {
		c->miss_window_seconds = v;
		return 0;
	}
	if (strcmp(key, "actors") == 0 && v > 0 && v <= 100000000) {
		c->actors = v;
		return 0;
	}
	if (strcmp(key, "apps_per_account") == 0 && v <= UINT16_MAX) {
		c->apps_per_account = v;
		return 0;
	}
	for (int r = 1; r < BREAKER_ROLES; r++) {
		size_t n = strlen(roles[r]);
		if (strncmp(key, roles[r], n) != 0 || key[n] != '.')
			continue;
		for (size_t k = 0; k < sizeof(budget_keys) / sizeof(budget_keys[0]); k++)
			if (strcmp(key + n + 1, budget_keys[k].name) == 0) {
				memcpy((char *)&c->role[r] + budget_keys[k].offset, &v, sizeof(v));
				return 0;
			}
	}
	return -1;
}

static int breaker_setting(void *ctx, const char *key, const char *value)
{
	int64_t v;
	return parse_int64(value, 0, INT64_MAX / 4, &v) == 0 ? set_value(ctx, key, v) : -1;
}

int breaker_parse_config(const char *text, size_t len, struct breaker_config *c, int *line)
{
	return conf_parse(text, len, "breaker.", breaker_setting, c, line);
}
