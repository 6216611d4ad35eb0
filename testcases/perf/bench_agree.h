/*
 * The measurements of the curves and key agreements beyond P-256: ECDSA on
 * brainpoolP256r1 and a Diffie-Hellman derivation in the RFC 7919 group
 * ffdhe2048, each through PKCS#11 and on raw OpenSSL in this process.
 * The keys are made here, on the module and in OpenSSL, never inside a
 * timed run.
 */
#ifndef OS_BENCH_AGREE_H
#define OS_BENCH_AGREE_H

#include "bench.h"
#include "bench_p11.h"

/*
 * Measures the cases --only allows and appends a row per case to r; the
 * OpenSSL column is left empty when o->no_openssl asks so.
 */
void bench_agree_run(struct bench_p11 *p, const struct bench_opts *o, struct bench_report *r);

#endif
