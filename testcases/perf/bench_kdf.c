/*
 * The Argon2id reference of a login (bench_kdf.h): the same call slotd makes
 * (store_kdf.c), with a 6-byte PIN, a 16-byte salt and a 32-byte key.
 *
 * The first two calls in a process take about four times as long as the
 * rest: libargon2 allocates its 19 MiB afresh per call, and glibc serves
 * the first ones with new mappings whose pages fault in one by one, later
 * ones from memory its heap kept.  slotd's PIN workers are long-lived
 * threads and reach that steady state after their first logins, so two
 * calls are made untimed first and the reference is the steady state.
 */
#include <argon2.h>
#include <stdio.h>

#include "bench_kdf.h"
#include "bench_time.h"

void bench_kdf_measure(const struct bench_opts *o, struct bench_measure *m)
{
	static const char pin[] = "123456";
	static const unsigned char salt[16] = {0x6f, 0x73, 0x2d, 0x62};
	double ms[BENCH_MAX_RUNS];
	unsigned char key[32];
	int runs = o->runs < 3 ? 3 : o->runs;

	for (int i = 0; i < 2; i++)
		argon2id_hash_raw(BENCH_KDF_T, BENCH_KDF_M_KIB, BENCH_KDF_P, pin, sizeof(pin) - 1,
		                  salt, sizeof(salt), key, sizeof(key));
	for (int i = 0; i < runs; i++) {
		double start = bench_now();
		int rc = argon2id_hash_raw(BENCH_KDF_T, BENCH_KDF_M_KIB, BENCH_KDF_P, pin,
		                           sizeof(pin) - 1, salt, sizeof(salt), key, sizeof(key));

		ms[i] = (bench_now() - start) * 1000;
		if (rc != ARGON2_OK) {
			bench_measure_fail(m, CKR_OK, "argon2id_hash_raw: %s",
			                   argon2_error_message(rc));
			return;
		}
	}
	bench_measure_set(m, ms, runs);
}
