/*
 * os-bench: measures one PKCS#11 module, loaded by path, against raw OpenSSL
 * in the same process.
 *
 * The options and the report shared by the parts of the program live here:
 * bench.c reads the command line into struct bench_opts, each measuring part
 * fills its section of struct bench_report, and bench_out.c prints it as a
 * Markdown table or as JSON.  A figure is always the median of opts.runs
 * timed runs of opts.seconds each (bench_time.c).
 */
#ifndef OS_BENCH_H
#define OS_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "openslot/pkcs11.h"

#define BENCH_MAX_RUNS   51
#define BENCH_MAX_COUNTS 8
#define BENCH_MAX_ROWS   32
#define BENCH_MAX_PAR    8

/* What the command line asked for. */
struct bench_opts {
	const char *module; /* path of the PKCS#11 module */
	long slot_index;    /* index among the slots with a token */
	const char *token;  /* token label; wins over slot_index */
	const char *pin;
	const char *so_pin;
	bool init;      /* initialise an uninitialised token */
	double seconds; /* length of one timed run */
	int runs;       /* timed runs per figure */
	bool json;
	bool quick;
	bool no_openssl;                 /* leave the OpenSSL column empty */
	bool keep_objects;               /* leave the object population on the token */
	bool token_keys;                 /* RSA and P-256 keys as token objects */
	const char *only;                /* measure only ids containing this */
	size_t counts[BENCH_MAX_COUNTS]; /* token object counts, ascending */
	int ncounts;
	const char *self; /* this program, re-run for the start-up probes */
};

enum bench_status {
	BENCH_OK,
	BENCH_UNSUPPORTED, /* the module lacks the mechanism or function */
	BENCH_FAILED,
	BENCH_SKIPPED, /* not asked for, or no counterpart */
};

/* One figure: the median of its runs and what stopped it, if anything. */
struct bench_measure {
	enum bench_status status;
	CK_RV rv;      /* the PKCS#11 code behind a failure; 0 when none */
	char why[96];  /* a failure explained for people */
	double median; /* ops/s, or milliseconds for latencies */
	double min;
	double max;
	int nruns;
};

/* An operation measured through PKCS#11 and on raw OpenSSL. */
struct bench_row {
	const char *id;
	const char *name;
	size_t bytes; /* payload of one operation for MB/s; 0 when none */
	struct bench_measure p11;
	struct bench_measure ossl;
};

/* ECDSA signing by several threads or processes at once. */
struct bench_par {
	const char *id;
	int workers;
	bool processes;
	struct bench_measure m;    /* total ops/s of all workers, through the module */
	struct bench_measure ossl; /* the same on raw OpenSSL */
};

/* The token object scenarios at one object count. */
struct bench_objects {
	size_t count;
	struct bench_measure create;     /* ops/s */
	struct bench_measure create_par; /* ops/s, by BENCH_OBJPAR_PROCS processes together */
	struct bench_measure find;       /* ops/s, find by label */
	struct bench_measure destroy;    /* ops/s */
	struct bench_measure start;      /* ms, C_Initialize to C_Login done */
	struct bench_measure login;      /* ms, the C_Login part of start */
	unsigned long found;             /* objects the start-up probe saw */
	long rss_kib;                    /* peak RSS of the start-up probe */
};

struct bench_report {
	char library[160]; /* manufacturer, description and version */
	char token[120];   /* label, manufacturer and model */
	struct bench_row rows[BENCH_MAX_ROWS];
	int nrows;
	struct bench_par par[BENCH_MAX_PAR];
	int npar;
	struct bench_objects objects[BENCH_MAX_COUNTS];
	int nobjects;
	struct bench_measure kdf; /* ms, the Argon2id reference (bench_kdf.h) */
	long self_rss_kib;        /* peak RSS of this process at the end */
	double wall_seconds;
};

/* True when --only lets the measurement named id run. */
bool bench_wanted(const struct bench_opts *o, const char *id);

/* A progress line on stderr. */
void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
