/*
 * The exfiltration breaker's memory for a national portal's day (docs/BENCHMARKS.md): every
 * one of 1.8 million patient accounts signs in and reads their own record (several sessions
 * each: sessions cost nothing extra, the count is per account), 20,000 staff each work a heavy
 * day (300 patients' content, 2,000 of the register's demographics), 50,000 carers each open
 * three held records, and 100,000 apps make a mistake each. Prints the breaker's own count of
 * its bytes, the process's peak resident set, and the time per operation.
 *
 * Built and run by bench/breaker.sh; not part of medkeep.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "vault/breaker.h"

static struct id mkid(uint32_t kind, uint32_t n)
{
	struct id x;
	memset(&x, 0, sizeof(x));
	memcpy(x.b, &n, sizeof(n));
	memcpy(x.b + 4, &kind, sizeof(kind));
	for (int i = 8; i < 16; i++)
		x.b[i] = (uint8_t)(n * 2654435761u >> (i - 8));
	return x;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
	struct breaker_config c;
	breaker_defaults(&c);
	breaker_configure(&c);
	const uint32_t patients = 1800000, staff = 20000, carers = 50000, apps = 100000;
	int64_t t = 1800000000;
	size_t ops = 0;
	double start = now_s();
	for (uint32_t i = 0; i < patients; i++) {
		struct breaker_actor a = {.account = mkid(1, i), .session = mkid(2, i),
					  .role = ROLE_PATIENT, .has_patient = true,
					  .own_patient = mkid(3, i)};
		for (int k = 0; k < 3; k++, ops++)
			if (breaker_open(&a, BREAKER_CLINICAL, &a.own_patient, 20000, t + i / 30) !=
			    BREAKER_OK)
				return fprintf(stderr, "patient %u refused\n", i), 1;
	}
	for (uint32_t i = 0; i < staff; i++) {
		struct breaker_actor a = {.account = mkid(4, i), .session = mkid(5, i),
					  .role = ROLE_CLINICIAN};
		for (uint32_t p = 0; p < 2000; p++, ops++) {
			struct id pid = mkid(3, (i * 2000 + p) % patients);
			(void)breaker_open(&a, BREAKER_DEMOGRAPHICS, &pid, 500, t + 60000);
		}
		for (uint32_t p = 0; p < 300; p++, ops++) {
			struct id pid = mkid(3, (i * 300 + p) % patients);
			/* a person's pace: one patient every two minutes over ten hours */
			if (breaker_open(&a, BREAKER_CLINICAL, &pid, 4000, t + 60000 + p * 120) !=
			    BREAKER_OK)
				return fprintf(stderr, "clinician %u stopped at %u\n", i, p), 1;
		}
	}
	for (uint32_t i = 0; i < carers; i++) {
		struct breaker_actor a = {.account = mkid(1, i), .session = mkid(6, i),
					  .role = ROLE_PATIENT, .has_patient = true,
					  .own_patient = mkid(3, i)};
		for (uint32_t p = 1; p <= 3; p++, ops += 2) {
			struct id held = mkid(3, (i + p * 7919) % patients);
			(void)breaker_open(&a, BREAKER_DEMOGRAPHICS, &held, 500, t + 70000);
			(void)breaker_open(&a, BREAKER_CLINICAL, &held, 5000, t + 70000 + p * 600);
		}
	}
	for (uint32_t i = 0; i < apps; i++, ops++) {
		struct breaker_actor a = {.account = mkid(1, i), .session = mkid(7, i),
					  .role = ROLE_PATIENT, .app = true, .has_patient = true,
					  .own_patient = mkid(3, i)};
		(void)breaker_miss(&a, t + 80000);
	}
	double secs = now_s() - start;
	size_t actors, bytes;
	breaker_usage(&actors, &bytes);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("actors counted: %zu\n", actors);
	printf("breaker memory: %.1f MB (its own count)\n", (double)bytes / 1e6);
	printf("peak resident set of this process: %.1f MB\n", (double)ru.ru_maxrss / 1e3);
	printf("operations: %zu in %.2f s (%.2f us each)\n", ops, secs, secs / (double)ops * 1e6);
	return 0;
}
