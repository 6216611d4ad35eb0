/*
 * Raw OpenSSL 3 EVP counterparts of the PKCS#11 operations, so each figure
 * has a ratio to the library the soft tokens are built on.
 *
 * Each counterpart does per call what one PKCS#11 call pair does: the
 * initialisation with the key (key schedule, digest set-up) and the
 * single-shot operation.  Algorithms are fetched and contexts allocated once,
 * as a careful application would; keys are generated once.
 */
#ifndef OS_BENCH_OSSL_H
#define OS_BENCH_OSSL_H

#include "bench_time.h"

struct bench_ossl;

/* Keys, algorithms and contexts; NULL when OpenSSL cannot provide them. */
struct bench_ossl *bench_ossl_new(void);

void bench_ossl_free(struct bench_ossl *b);

/*
 * The operation with the given id (as in bench_ops.c), or NULL when it has
 * no counterpart.  Its argument is b.
 */
bench_op_fn bench_ossl_op(const char *id);

/*
 * Raw ECDSA P-256 signing over a 32-byte hash for one thread (or forked
 * process) at a time: a context of its own, made from b, which must
 * outlive it.  bench_ossl_ecdsa_new returns NULL on failure.
 */
void *bench_ossl_ecdsa_new(struct bench_ossl *b);
CK_RV bench_ossl_ecdsa(void *signer);
void bench_ossl_ecdsa_free(void *signer);

#endif
