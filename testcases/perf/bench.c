/*
 * os-bench: the command line and the order of the measurements.
 *
 * One run loads the module, sets up the token and keys, measures the single
 * operations next to raw OpenSSL, then concurrent signing, then the token
 * object scenarios (the slowest part, last), and prints the report.  The exit
 * status is 0 when every figure was measured or is unsupported by the
 * module, 3 when some measurement failed (the report still shows which), 1
 * when the module could not be set up at all, 2 for a usage error.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "bench_des.h"
#include "bench_agree.h"
#include "bench_derive.h"
#include "bench_objects.h"
#include "bench_ops.h"
#include "bench_ossl.h"
#include "bench_out.h"
#include "bench_p11.h"
#include "bench_par.h"
#include "bench_time.h"

enum {
	OPT_SO_PIN = 256,
	OPT_PROBE,
	OPT_NO_OPENSSL,
	OPT_KEEP,
	OPT_TOKEN_KEYS,
};

static const struct option bench_longopts[] = {
    {"module", required_argument, NULL, 'm'},
    {"slot", required_argument, NULL, 's'},
    {"token", required_argument, NULL, 't'},
    {"pin", required_argument, NULL, 'p'},
    {"so-pin", required_argument, NULL, OPT_SO_PIN},
    {"init", no_argument, NULL, 'i'},
    {"seconds", required_argument, NULL, 'S'},
    {"runs", required_argument, NULL, 'r'},
    {"objects", required_argument, NULL, 'o'},
    {"only", required_argument, NULL, 'O'},
    {"no-openssl", no_argument, NULL, OPT_NO_OPENSSL},
    {"keep-objects", no_argument, NULL, OPT_KEEP},
    {"token-keys", no_argument, NULL, OPT_TOKEN_KEYS},
    {"json", no_argument, NULL, 'j'},
    {"quick", no_argument, NULL, 'q'},
    {"probe-start", no_argument, NULL, OPT_PROBE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void bench_usage(FILE *out)
{
	fputs("usage: os-bench --module PATH [options]\n"
	      "  --module PATH    PKCS#11 module to measure (loaded with dlopen)\n"
	      "  --slot N         index among the slots with a token (default 0)\n"
	      "  --token LABEL    the token with this label instead\n"
	      "  --pin PIN        user PIN (default 123456)\n"
	      "  --init           initialise the token if it is not (needs --so-pin)\n"
	      "  --so-pin PIN     SO PIN for --init (default 87654321)\n"
	      "  --seconds S      length of one timed run (default 2)\n"
	      "  --runs N         timed runs per figure; the median is reported (default 5)\n"
	      "  --objects LIST   token object counts, e.g. 1000,10000,100000; none to skip\n"
	      "                   (default 1000,10000)\n"
	      "  --only LIST      measure only ids containing one of these words, e.g.\n"
	      "                   rsa,sha256,ecdsa-threads,objects\n"
	      "  --no-openssl     do not measure raw OpenSSL\n"
	      "  --keep-objects   leave the objects made for --objects on the token\n"
	      "  --token-keys     make the RSA and P-256 keys, and those of the key\n"
	      "                   generation rows, token objects (for modules without\n"
	      "                   session keys)\n"
	      "  --probe-start    time C_Initialize+C_Login in this process and exit\n"
	      "  --json           print JSON instead of the tables\n"
	      "  --quick          one run and 100 objects (unless given): a smoke test\n",
	      out);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a;
	size_t y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* "1000,10000" into o->counts, ascending; "none" for no scenarios. */
static int bench_parse_counts(struct bench_opts *o, const char *list)
{
	const char *s = list;

	o->ncounts = 0;
	if (strcmp(list, "none") == 0)
		return 0;
	while (*s) {
		char *end;
		unsigned long long v = strtoull(s, &end, 10);

		if (end == s || v == 0 || o->ncounts == BENCH_MAX_COUNTS ||
		    (*end != ',' && *end != '\0'))
			return -1;
		o->counts[o->ncounts++] = (size_t)v;
		s = *end ? end + 1 : end;
	}
	qsort(o->counts, (size_t)o->ncounts, sizeof(o->counts[0]), cmp_size);
	return 0;
}

static int bench_parse_opt(struct bench_opts *o, int c, const char *arg, bool *counts_set,
                           bool *runs_set)
{
	char *end = NULL;

	switch (c) {
	case 'm':
		o->module = arg;
		return 0;
	case 's':
		o->slot_index = strtol(arg, &end, 10);
		return *end || o->slot_index < 0 ? -1 : 0;
	case 't':
		o->token = arg;
		return 0;
	case 'p':
		o->pin = arg;
		return 0;
	case OPT_SO_PIN:
		o->so_pin = arg;
		return 0;
	case 'i':
		o->init = true;
		return 0;
	case 'S':
		o->seconds = strtod(arg, &end);
		return *end || !(o->seconds > 0) ? -1 : 0;
	case 'r':
		*runs_set = true;
		o->runs = (int)strtol(arg, &end, 10);
		return *end || o->runs < 1 || o->runs > BENCH_MAX_RUNS ? -1 : 0;
	case 'o':
		*counts_set = true;
		return bench_parse_counts(o, arg);
	case 'O':
		o->only = arg;
		return 0;
	case OPT_NO_OPENSSL:
		o->no_openssl = true;
		return 0;
	case OPT_KEEP:
		o->keep_objects = true;
		return 0;
	case OPT_TOKEN_KEYS:
		o->token_keys = true;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'q':
		o->quick = true;
		return 0;
	}
	return -1;
}

/* Returns 0 to go on, 1 for --probe-start, or -1 after a usage error. */
static int bench_parse(struct bench_opts *o, int argc, char **argv)
{
	bool counts_set = false, runs_set = false, probe = false;
	int c;

	*o = (struct bench_opts){.pin = "123456",
	                         .so_pin = "87654321",
	                         .seconds = 2,
	                         .runs = 5,
	                         .self = "/proc/self/exe"};
	bench_parse_counts(o, "1000,10000");
	while ((c = getopt_long(argc, argv, "h", bench_longopts, NULL)) != -1) {
		if (c == 'h') {
			bench_usage(stdout);
			exit(0);
		}
		if (c == OPT_PROBE) {
			probe = true;
			continue;
		}
		if (c == '?' || bench_parse_opt(o, c, optarg, &counts_set, &runs_set) != 0) {
			if (c != '?')
				fprintf(stderr, "os-bench: bad value: %s\n", optarg ? optarg : "");
			return -1;
		}
	}
	if (!o->module || optind != argc) {
		bench_usage(stderr);
		return -1;
	}
	if (o->quick && !runs_set)
		o->runs = 1;
	if (o->quick && !counts_set)
		bench_parse_counts(o, "100");
	return probe ? 1 : 0;
}

bool bench_wanted(const struct bench_opts *o, const char *id)
{
	const char *s = o->only;

	if (!s)
		return true;
	while (*s) {
		size_t n = strcspn(s, ",");
		char word[64];

		if (n > 0 && n < sizeof(word)) {
			memcpy(word, s, n);
			word[n] = '\0';
			if (strstr(id, word))
				return true;
		}
		s += n;
		s += *s == ',';
	}
	return false;
}

void bench_progress(const char *fmt, ...)
{
	va_list ap;

	fputs("os-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void bench_describe(const struct bench_p11 *p, struct bench_report *r)
{
	char manuf[33], desc[33], label[33], tmanuf[33], model[17];

	bench_p11_label(p->info.manufacturerID, 32, manuf, sizeof(manuf));
	bench_p11_label(p->info.libraryDescription, 32, desc, sizeof(desc));
	bench_p11_label(p->tinfo.label, 32, label, sizeof(label));
	bench_p11_label(p->tinfo.manufacturerID, 32, tmanuf, sizeof(tmanuf));
	bench_p11_label(p->tinfo.model, 16, model, sizeof(model));
	snprintf(r->library, sizeof(r->library), "%s, %s %u.%u (PKCS#11 %u.%u)", manuf, desc,
	         p->info.libraryVersion.major, p->info.libraryVersion.minor,
	         p->info.cryptokiVersion.major, p->info.cryptokiVersion.minor);
	snprintf(r->token, sizeof(r->token), "%s (%s, %s)", label, tmanuf, model);
}

/* True when some figure failed (unsupported ones do not count). */
static bool bench_any_failed(const struct bench_report *r)
{
	for (int i = 0; i < r->nrows; i++)
		if (r->rows[i].p11.status == BENCH_FAILED || r->rows[i].ossl.status == BENCH_FAILED)
			return true;
	for (int i = 0; i < r->npar; i++)
		if (r->par[i].m.status == BENCH_FAILED)
			return true;
	for (int i = 0; i < r->nobjects; i++) {
		const struct bench_objects *ob = &r->objects[i];

		if (ob->create.status == BENCH_FAILED || ob->create_par.status == BENCH_FAILED ||
		    ob->find.status == BENCH_FAILED || ob->destroy.status == BENCH_FAILED ||
		    ob->start.status == BENCH_FAILED)
			return true;
	}
	return false;
}

/* Every measurement in order; the report is filled in r. */
static void bench_measure_all(struct bench_p11 *p, const struct bench_opts *o,
                              struct bench_report *r)
{
	struct bench_ossl *ossl = NULL;

	bench_progress("generating keys");
	bench_p11_keys(p);
	if (!o->no_openssl) {
		ossl = bench_ossl_new();
		if (!ossl)
			bench_progress("raw OpenSSL cannot be set up: no OpenSSL column");
	}
	bench_ops_run(p, ossl, o, r);
	bench_des_run(p, o, r);
	bench_agree_run(p, o, r);
	bench_derive_run(p, ossl != NULL, o, r);
	bench_par_run(p, ossl, o, r);
	bench_ossl_free(ossl);
	bench_objects_run(p, o, r);
}

int main(int argc, char **argv)
{
	static struct bench_report report;
	struct bench_opts o;
	struct bench_p11 p;
	struct rusage ru;
	double start = bench_now();
	int rc = bench_parse(&o, argc, argv);

	if (rc < 0)
		return 2;
	if (rc == 1)
		return bench_objects_probe(&o);
	report.kdf.status = BENCH_SKIPPED;
	if (bench_p11_load(&p, o.module) != 0 || bench_p11_open(&p, &o) != CKR_OK) {
		bench_p11_close(&p);
		return 1;
	}
	bench_describe(&p, &report);
	bench_progress("%s; token %s", report.library, report.token);
	bench_measure_all(&p, &o, &report);
	getrusage(RUSAGE_SELF, &ru);
	report.self_rss_kib = ru.ru_maxrss;
	report.wall_seconds = bench_now() - start;
	if (o.json)
		bench_out_json(stdout, &o, &report);
	else
		bench_out_table(stdout, &o, &report);
	fflush(stdout);
	bench_p11_close(&p);
	return bench_any_failed(&report) ? 3 : 0;
}
