/*
 * Durable token object creation by several processes at once: each forked
 * process initialises the module afresh, logs in on the same token and
 * creates private CKO_DATA objects for the length of a run; the figure is
 * the sum of their rates.  What they made is destroyed afterwards, untimed.
 */
#ifndef OS_BENCH_OBJPAR_H
#define OS_BENCH_OBJPAR_H

#include "bench.h"

/* The number of processes of the measurement. */
#define BENCH_OBJPAR_PROCS 8

/*
 * One timed run of BENCH_OBJPAR_PROCS processes, each creating objects for
 * o->seconds or until it made limit of them; their total rate in *total.
 * run numbers the labels, so runs never repeat one.  CKR_OK or the first
 * failure of a process.
 */
CK_RV bench_objpar_create(const struct bench_opts *o, unsigned long limit, int run, double *total);

#endif
