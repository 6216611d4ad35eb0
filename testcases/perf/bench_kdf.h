/*
 * The reference for what a login of openslot must spend deriving the PIN
 * key: Argon2id (libargon2, argon2id_hash_raw) with the soft token's default
 * parameters, timed in this process.  C_Login minus this is what openslot
 * adds to the KDF (the request, slotd's work pool, the loading of the
 * private objects).  Other modules derive their keys otherwise; for them the
 * figure is only a yardstick.
 */
#ifndef OS_BENCH_KDF_H
#define OS_BENCH_KDF_H

#include "bench.h"

/* The defaults of a new token (TOK_STORE_KDF_DEFAULT_* in store.h). */
#define BENCH_KDF_M_KIB 19456
#define BENCH_KDF_T     2
#define BENCH_KDF_P     1

/* o->runs derivations (at least 3); their median in milliseconds in *m. */
void bench_kdf_measure(const struct bench_opts *o, struct bench_measure *m);

#endif
