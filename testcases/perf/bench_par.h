/*
 * ECDSA P-256 signing (CKM_ECDSA) by several workers at once: threads of
 * this process, each with its own session on the shared session key, and
 * forked processes, each initialising the module afresh with a key of its
 * own.  The figure is the sum of the workers' rates over one common
 * interval: all workers are ready (session open, key made) before any
 * starts.  Raw OpenSSL, one context per worker, is measured the same way:
 * it shows how far the machine itself scales at the time.
 */
#ifndef OS_BENCH_PAR_H
#define OS_BENCH_PAR_H

#include "bench.h"
#include "bench_ossl.h"
#include "bench_p11.h"

/*
 * 1, 2 and 4 threads, then 2 processes, each appended to r->par; the same
 * on raw OpenSSL unless ossl is NULL.
 */
void bench_par_run(struct bench_p11 *p, struct bench_ossl *ossl, const struct bench_opts *o,
                   struct bench_report *r);

#endif
