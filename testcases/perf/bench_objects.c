/*
 * Token object scenarios (bench_objects.h).
 *
 * The objects that make up the population are labelled "osb-<n>"; those the
 * create measurement adds are labelled "osb-x-<n>" and destroyed again by
 * the destroy measurement, so every run starts from the same population;
 * one create run adds at most a tenth of the population.
 * Find picks a population label at random each time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_kdf.h"
#include "bench_objects.h"
#include "bench_objpar.h"
#include "bench_time.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A growing list of object handles. */
struct obj_list {
	CK_OBJECT_HANDLE *h;
	size_t n;
	size_t cap;
};

struct obj_state {
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE s;    /* read/write, logged in */
	struct obj_list base;   /* the population */
	struct obj_list extra;  /* made by the create measurement */
	unsigned long next;     /* number of the next extra label */
	unsigned long long rnd; /* state of the label picker */
	unsigned long missing;  /* finds that found nothing */
};

static int obj_push(struct obj_list *l, CK_OBJECT_HANDLE h)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		CK_OBJECT_HANDLE *nh = realloc(l->h, cap * sizeof(*nh));

		if (!nh)
			return -1;
		l->h = nh;
		l->cap = cap;
	}
	l->h[l->n++] = h;
	return 0;
}

CK_RV bench_objects_create_one(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const char *label,
                               CK_OBJECT_HANDLE *h)
{
	static CK_BBOOL yes = CK_TRUE;
	static CK_OBJECT_CLASS cls = CKO_DATA;
	static CK_BYTE value[32] = {0x0b, 0xe4, 0xc4};
	static char app[] = "os-bench";
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},          {CKA_TOKEN, &yes, sizeof(yes)},
	    {CKA_PRIVATE, &yes, sizeof(yes)},        {CKA_LABEL, (void *)label, strlen(label)},
	    {CKA_APPLICATION, app, sizeof(app) - 1}, {CKA_VALUE, value, sizeof(value)},
	};

	return f->C_CreateObject(s, tmpl, NELEM(tmpl), h);
}

/* A population or extra object labelled label, its handle kept in into. */
static CK_RV obj_create(struct obj_state *st, const char *label, struct obj_list *into)
{
	CK_OBJECT_HANDLE h;
	CK_RV rv = bench_objects_create_one(st->f, st->s, label, &h);

	if (rv == CKR_OK && obj_push(into, h) != 0) {
		st->f->C_DestroyObject(st->s, h);
		rv = CKR_HOST_MEMORY;
	}
	return rv;
}

static CK_RV obj_create_op(void *arg)
{
	struct obj_state *st = arg;
	char label[32];

	snprintf(label, sizeof(label), "osb-x-%lu", st->next++);
	return obj_create(st, label, &st->extra);
}

static CK_RV obj_find_op(void *arg)
{
	struct obj_state *st = arg;
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n = 0;
	char label[32];
	CK_ATTRIBUTE tmpl[] = {{CKA_LABEL, label, 0}};
	CK_RV rv;

	st->rnd = st->rnd * 6364136223846793005ULL + 1442695040888963407ULL;
	snprintf(label, sizeof(label), "osb-%zu", (size_t)(st->rnd >> 33) % st->base.n);
	tmpl[0].ulValueLen = strlen(label);
	rv = st->f->C_FindObjectsInit(st->s, tmpl, NELEM(tmpl));
	if (rv != CKR_OK)
		return rv;
	rv = st->f->C_FindObjects(st->s, found, NELEM(found), &n);
	st->f->C_FindObjectsFinal(st->s);
	if (rv == CKR_OK && n == 0) {
		st->missing++;
		rv = CKR_GENERAL_ERROR;
	}
	return rv;
}

/* Destroys every extra object; their number per second in *rate. */
static CK_RV obj_destroy_extra(struct obj_state *st, double *rate)
{
	double start = bench_now();
	size_t n = st->extra.n;
	CK_RV rv = CKR_OK;

	while (st->extra.n > 0 && rv == CKR_OK)
		rv = st->f->C_DestroyObject(st->s, st->extra.h[--st->extra.n]);
	*rate = (double)n / (bench_now() - start);
	return rv;
}

/* Creates population objects until there are count of them. */
static CK_RV obj_populate(struct obj_state *st, size_t count)
{
	size_t step = count / 10 ? count / 10 : 1;
	double start = bench_now();
	size_t first = st->base.n;

	while (st->base.n < count) {
		char label[32];
		CK_RV rv;

		snprintf(label, sizeof(label), "osb-%zu", st->base.n);
		rv = obj_create(st, label, &st->base);
		if (rv != CKR_OK)
			return rv;
		if (st->base.n % step == 0 && count >= 10000)
			bench_progress("objects: %zu of %zu made", st->base.n, count);
	}
	if (count > first)
		bench_progress("objects: %zu made in %.1f s", count - first, bench_now() - start);
	return CKR_OK;
}

/* Marks a figure left unmeasured because another one of its round failed. */
static void obj_unmeasured(struct bench_measure *m)
{
	if (m->status == BENCH_OK && m->nruns == 0) {
		m->status = BENCH_SKIPPED;
		snprintf(m->why, sizeof(m->why), "not measured");
	}
}

/*
 * The most objects one create run may add: a tenth of the population (at
 * least 100), so the population stays near its nominal size and within
 * modules' fixed limits on the number of objects.
 */
static unsigned long obj_limit(size_t count)
{
	return count / 10 > 100 ? (unsigned long)(count / 10) : 100;
}

/*
 * The most objects one process of the concurrent create run may add: an
 * eighth of the population (at least 125), so all of them together at most
 * double it, which keeps modules with a fixed limit (openCryptoki's 2,048
 * objects) within it at 1,000 objects.
 */
static unsigned long obj_par_limit(size_t count)
{
	return count / BENCH_OBJPAR_PROCS > 125 ? (unsigned long)(count / BENCH_OBJPAR_PROCS) : 125;
}

/* o->runs rounds of concurrent creation (bench_objpar.h). */
static void obj_par_rates(const struct bench_opts *o, struct bench_objects *row)
{
	double c[BENCH_MAX_RUNS];

	for (int i = 0; i < o->runs; i++) {
		CK_RV rv = bench_objpar_create(o, obj_par_limit(row->count), i, &c[i]);

		if (rv != CKR_OK) {
			bench_measure_fail(&row->create_par, rv, "%d processes, run %d",
			                   BENCH_OBJPAR_PROCS, i + 1);
			return;
		}
	}
	bench_measure_set(&row->create_par, c, o->runs);
}

/* o->runs rounds of create, find and destroy at the current population. */
static void obj_rates(struct obj_state *st, const struct bench_opts *o, struct bench_objects *row)
{
	double c[BENCH_MAX_RUNS], fi[BENCH_MAX_RUNS], d[BENCH_MAX_RUNS];
	CK_RV rv;

	for (int i = 0; i < o->runs; i++) {
		rv = bench_rate_limit(obj_create_op, st, o->seconds, obj_limit(row->count), &c[i]);
		if (rv != CKR_OK) {
			bench_measure_fail(&row->create, rv, "C_CreateObject");
			goto fail;
		}
		rv = bench_rate_once(obj_find_op, st, o->seconds, &fi[i]);
		if (rv != CKR_OK) {
			bench_measure_fail(&row->find, rv, "%s",
			                   st->missing ? "a labelled object was not found"
			                               : "C_FindObjects");
			goto fail;
		}
		rv = obj_destroy_extra(st, &d[i]);
		if (rv != CKR_OK) {
			bench_measure_fail(&row->destroy, rv, "C_DestroyObject");
			goto fail;
		}
	}
	bench_measure_set(&row->create, c, o->runs);
	bench_measure_set(&row->find, fi, o->runs);
	bench_measure_set(&row->destroy, d, o->runs);
	return;
fail:
	obj_destroy_extra(st, &d[0]);
	obj_unmeasured(&row->create);
	obj_unmeasured(&row->find);
	obj_unmeasured(&row->destroy);
}

/* Runs the probe once; its start-up time, object count and RSS. */
static int obj_probe_once(const struct bench_opts *o, double ms[2], unsigned long *found, long *rss)
{
	char idx[32], line[256];
	const char *argv[12];
	int n = 0, fds[2], status, ok;
	FILE *in;
	pid_t pid;

	snprintf(idx, sizeof(idx), "%ld", o->slot_index);
	argv[n++] = "os-bench";
	argv[n++] = "--probe-start";
	argv[n++] = "--module";
	argv[n++] = o->module;
	argv[n++] = "--pin";
	argv[n++] = o->pin;
	argv[n++] = o->token ? "--token" : "--slot";
	argv[n++] = o->token ? o->token : idx;
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(o->self, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	ok = in && fgets(line, sizeof(line), in) &&
	     sscanf(line, "start_ms=%lf login_ms=%lf found=%lu rss_kib=%ld", &ms[0], &ms[1], found,
	            rss) == 4;
	if (in)
		fclose(in);
	else
		close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

static void obj_start(const struct bench_opts *o, struct bench_objects *row)
{
	double start[BENCH_MAX_RUNS], login[BENCH_MAX_RUNS];

	row->rss_kib = 0;
	for (int i = 0; i < o->runs; i++) {
		double ms[2];
		long rss = 0;

		if (obj_probe_once(o, ms, &row->found, &rss) != 0) {
			bench_measure_fail(&row->start, CKR_OK, "the start-up probe failed");
			row->login = row->start;
			return;
		}
		start[i] = ms[0];
		login[i] = ms[1];
		if (rss > row->rss_kib)
			row->rss_kib = rss;
	}
	bench_measure_set(&row->start, start, o->runs);
	bench_measure_set(&row->login, login, o->runs);
}

static void obj_show(const struct bench_objects *row)
{
	bench_progress("objects %zu: create %.0f/s (%d processes %.0f/s), find %.0f/s, "
	               "destroy %.0f/s, start %.1f ms (login %.1f), found %lu, rss %ld KiB",
	               row->count, row->create.median, BENCH_OBJPAR_PROCS, row->create_par.median,
	               row->find.median, row->destroy.median, row->start.median, row->login.median,
	               row->found, row->rss_kib);
}

void bench_objects_run(struct bench_p11 *p, const struct bench_opts *o, struct bench_report *r)
{
	struct obj_state st = {.f = p->f, .rnd = 0x2545f4914f6cdd1dULL};
	CK_RV rv;

	if (!bench_wanted(o, "objects"))
		return;
	bench_kdf_measure(o, &r->kdf);
	rv = p->f->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &st.s);
	for (int i = 0; i < o->ncounts && r->nobjects < BENCH_MAX_COUNTS; i++) {
		struct bench_objects *row = &r->objects[r->nobjects++];

		memset(row, 0, sizeof(*row));
		row->count = o->counts[i];
		if (rv == CKR_OK)
			rv = obj_populate(&st, row->count);
		if (rv != CKR_OK) {
			bench_measure_fail(&row->create, rv, "filling the token");
			row->find = row->destroy = row->start = row->login = row->create;
			row->create_par = row->create;
			break;
		}
		obj_rates(&st, o, row);
		obj_par_rates(o, row);
		obj_start(o, row);
		obj_show(row);
	}
	if (o->keep_objects)
		st.base.n = 0;
	else
		bench_progress("objects: destroying %zu", st.base.n);
	while (st.base.n > 0)
		p->f->C_DestroyObject(st.s, st.base.h[--st.base.n]);
	if (rv == CKR_OK)
		p->f->C_CloseSession(st.s);
	free(st.base.h);
	free(st.extra.h);
}

/* The CKO_DATA objects the session can see. */
static unsigned long obj_count_data(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_OBJECT_HANDLE h[256];
	unsigned long total = 0;
	CK_ULONG n;

	if (f->C_FindObjectsInit(s, tmpl, NELEM(tmpl)) != CKR_OK)
		return 0;
	while (f->C_FindObjects(s, h, NELEM(h), &n) == CKR_OK && n > 0)
		total += n;
	f->C_FindObjectsFinal(s);
	return total;
}

int bench_objects_probe(const struct bench_opts *o)
{
	struct bench_p11 p;
	CK_SESSION_HANDLE s;
	struct rusage ru;
	unsigned long found;
	double start, login = 0, ms;
	CK_RV rv;

	if (bench_p11_load(&p, o->module) != 0)
		return 1;
	start = bench_now();
	rv = bench_p11_initialize(p.f);
	if (rv == CKR_OK)
		rv = bench_p11_find_slot(p.f, o, &p.slot);
	if (rv == CKR_OK)
		rv = p.f->C_OpenSession(p.slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (rv == CKR_OK) {
		login = bench_now();
		rv = bench_p11_login(p.f, s, o->pin);
		login = (bench_now() - login) * 1000;
	}
	ms = (bench_now() - start) * 1000;
	if (rv != CKR_OK) {
		fprintf(stderr, "os-bench probe: start-up failed: 0x%lx\n", (unsigned long)rv);
		return 1;
	}
	found = obj_count_data(p.f, s);

	getrusage(RUSAGE_SELF, &ru);
	printf("start_ms=%.3f login_ms=%.3f found=%lu rss_kib=%ld\n", ms, login, found,
	       ru.ru_maxrss);
	fflush(stdout);
	p.f->C_Finalize(NULL);
	return 0;
}
