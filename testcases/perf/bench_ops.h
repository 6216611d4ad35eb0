/*
 * The single-operation measurements: session open and close, signatures,
 * verification, encryption, digests and MACs through PKCS#11, each next to
 * the same operation on raw OpenSSL (bench_ossl.c) under the same id.
 *
 * Each operation is timed the way an application pays for it: the *Init
 * call and the single-part call together, on the key session.
 */
#ifndef OS_BENCH_OPS_H
#define OS_BENCH_OPS_H

#include "bench.h"
#include "bench_ossl.h"
#include "bench_p11.h"

/*
 * Measures every operation --only allows and appends a row per operation
 * to r.  ossl may be NULL (no OpenSSL column).
 */
void bench_ops_run(struct bench_p11 *p, struct bench_ossl *ossl, const struct bench_opts *o,
                   struct bench_report *r);

/*
 * One raw ECDSA P-256 signature (CKM_ECDSA over a 32-byte hash) in session
 * s with key: the operation the thread and process measurements repeat.
 */
struct bench_ecdsa {
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
};
CK_RV bench_ops_ecdsa(void *arg);

#endif
