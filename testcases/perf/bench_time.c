/*
 * Timing for os-bench: fixed-time runs on CLOCK_MONOTONIC and their medians.
 * See bench_time.h for the contract.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_time.h"
#include "p11names.h"

/* A batch is doubled while it takes less than this many seconds. */
#define BATCH_TARGET 0.001
#define BATCH_MAX    (1UL << 20)

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

CK_RV bench_rate_once(bench_op_fn op, void *arg, double seconds, double *rate)
{
	return bench_rate_limit(op, arg, seconds, ULONG_MAX, rate);
}

CK_RV bench_rate_limit(bench_op_fn op, void *arg, double seconds, unsigned long limit, double *rate)
{
	unsigned long done = 0;
	unsigned long batch = 1;
	double start = bench_now();
	double last = start;

	for (;;) {
		if (batch > limit - done)
			batch = limit - done;
		for (unsigned long i = 0; i < batch; i++) {
			CK_RV rv = op(arg);

			if (rv != CKR_OK)
				return rv;
		}
		done += batch;
		double now = bench_now();

		if (now - start >= seconds || done >= limit) {
			*rate = (double)done / (now - start);
			return CKR_OK;
		}
		if (now - last < BATCH_TARGET && batch < BATCH_MAX)
			batch *= 2;
		last = now;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_measure_set(struct bench_measure *m, const double *v, int n)
{
	double sorted[BENCH_MAX_RUNS];

	if (n > BENCH_MAX_RUNS)
		n = BENCH_MAX_RUNS;
	memcpy(sorted, v, (size_t)n * sizeof(*v));
	qsort(sorted, (size_t)n, sizeof(*sorted), cmp_double);
	m->status = BENCH_OK;
	m->rv = CKR_OK;
	m->why[0] = '\0';
	m->nruns = n;
	m->min = sorted[0];
	m->max = sorted[n - 1];
	if (n % 2)
		m->median = sorted[n / 2];
	else
		m->median = (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

bool bench_rv_unsupported(CK_RV rv)
{
	return rv == CKR_MECHANISM_INVALID || rv == CKR_FUNCTION_NOT_SUPPORTED;
}

void bench_measure_fail(struct bench_measure *m, CK_RV rv, const char *fmt, ...)
{
	char name[OS_P11_STR_LEN];
	va_list ap;
	size_t len;

	memset(m, 0, sizeof(*m));
	m->status = bench_rv_unsupported(rv) ? BENCH_UNSUPPORTED : BENCH_FAILED;
	m->rv = rv;
	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	len = strlen(m->why);
	if (rv != CKR_OK && len < sizeof(m->why))
		snprintf(m->why + len, sizeof(m->why) - len, "%s%s", len ? ": " : "",
		         os_p11_rv_str(rv, name, sizeof(name)));
}

/* The untimed first call; false (with *m filled) when it fails. */
static bool time_warm(bench_op_fn op, void *arg, struct bench_measure *m)
{
	CK_RV rv = op(arg);

	if (rv != CKR_OK)
		bench_measure_fail(m, rv, "%s", "");
	return rv == CKR_OK;
}

void bench_measure_pair(bench_op_fn a, void *a_arg, bench_op_fn b, void *b_arg,
                        const struct bench_opts *o, struct bench_measure *ma,
                        struct bench_measure *mb)
{
	double ra[BENCH_MAX_RUNS], rb[BENCH_MAX_RUNS];
	bool run_a = a && time_warm(a, a_arg, ma);
	bool run_b = b && time_warm(b, b_arg, mb);
	CK_RV rv;

	for (int i = 0; i < o->runs; i++) {
		if (run_a && (rv = bench_rate_once(a, a_arg, o->seconds, &ra[i])) != CKR_OK) {
			bench_measure_fail(ma, rv, "run %d", i + 1);
			run_a = false;
		}
		if (run_b && (rv = bench_rate_once(b, b_arg, o->seconds, &rb[i])) != CKR_OK) {
			bench_measure_fail(mb, rv, "run %d", i + 1);
			run_b = false;
		}
	}
	if (run_a)
		bench_measure_set(ma, ra, o->runs);
	if (run_b)
		bench_measure_set(mb, rb, o->runs);
}
