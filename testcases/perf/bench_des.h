/*
 * The triple-DES row of os-bench (bench_des.c): CKM_DES3_CBC over 8 KiB
 * through PKCS#11, beside DES-EDE3-CBC on raw OpenSSL in the same process
 * with the same key, IV and data.
 */
#ifndef OS_BENCH_DES_H
#define OS_BENCH_DES_H

#include "bench.h"
#include "bench_p11.h"
#include "bench_time.h"

/*
 * Measures the row "des3-cbc-8k" when --only allows it, appending it to r.
 * The key is imported into the key session for the measurement and
 * destroyed afterwards.
 */
void bench_des_run(struct bench_p11 *p, const struct bench_opts *o, struct bench_report *r);

#endif
