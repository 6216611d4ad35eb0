/*
 * The report of os-bench for people (Markdown tables) and for programs
 * (JSON, one document on stdout).  Rates are operations per second; MB/s
 * counts 10^6 bytes of input; a ratio is the module's median divided by raw
 * OpenSSL's, or by the single-thread figure for the concurrent rows.
 */
#ifndef OS_BENCH_OUT_H
#define OS_BENCH_OUT_H

#include <stdio.h>

#include "bench.h"

void bench_out_table(FILE *out, const struct bench_opts *o, const struct bench_report *r);

void bench_out_json(FILE *out, const struct bench_opts *o, const struct bench_report *r);

#endif
