/*
 * Timing for os-bench: a monotonic clock, one fixed-time run of an operation,
 * and the median of several runs.
 *
 * An operation is a function returning CKR_OK when it succeeded; the first
 * code other than CKR_OK stops the run and is reported.  The clock is read
 * once per batch of calls, the batch growing until a batch lasts about a
 * millisecond, so reading it costs nothing measurable even for the fastest
 * operations.
 */
#ifndef OS_BENCH_TIME_H
#define OS_BENCH_TIME_H

#include "bench.h"

typedef CK_RV (*bench_op_fn)(void *arg);

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/*
 * Calls op(arg) repeatedly for about seconds and stores the calls per second
 * in *rate.  Returns CKR_OK, or the first failing code of op.
 */
CK_RV bench_rate_once(bench_op_fn op, void *arg, double seconds, double *rate);

/* The same, stopping early once op has been called limit times (limit > 0). */
CK_RV bench_rate_limit(bench_op_fn op, void *arg, double seconds, unsigned long limit,
                       double *rate);

/*
 * Measures two operations, a and b (either may be NULL: not measured), in
 * alternating runs so that a change of machine load between them affects
 * both alike.  Each first gets one untimed call whose failure decides its
 * status (CKR_MECHANISM_INVALID and CKR_FUNCTION_NOT_SUPPORTED make it
 * unsupported); then o->runs timed runs of each give the median, minimum and
 * maximum in *ma and *mb.
 */
void bench_measure_pair(bench_op_fn a, void *a_arg, bench_op_fn b, void *b_arg,
                        const struct bench_opts *o, struct bench_measure *ma,
                        struct bench_measure *mb);

/* Fills *m from n values: status OK, median, minimum and maximum. */
void bench_measure_set(struct bench_measure *m, const double *v, int n);

/* Marks *m as not measured for rv, with a reason for people (printf-style). */
void bench_measure_fail(struct bench_measure *m, CK_RV rv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True for the codes that mean the module lacks a mechanism or function. */
bool bench_rv_unsupported(CK_RV rv);

#endif
