/*
 * The key derivation measurements: C_DeriveKey with CKM_HKDF_DERIVE
 * (HKDF-SHA256, extract and expand, a 32-byte key) next to the same HKDF on
 * raw OpenSSL's EVP_KDF in this process, and beside it what making and
 * destroying a session secret key of that size costs without a derivation
 * (row "hkdf-object", no OpenSSL counterpart).
 */
#ifndef OS_BENCH_DERIVE_H
#define OS_BENCH_DERIVE_H

#include <stdbool.h>

#include "bench.h"
#include "bench_p11.h"

/*
 * Measures the derivations --only allows and appends a row per derivation
 * to r; with_ossl false leaves the OpenSSL column empty.
 */
void bench_derive_run(struct bench_p11 *p, bool with_ossl, const struct bench_opts *o,
                      struct bench_report *r);

#endif
