/*
 * ECDSA signing by concurrent threads and processes (bench_par.h), through
 * the module and, as the control that shows what the machine itself allows,
 * on raw OpenSSL.
 *
 * Threads meet at a barrier once their sessions are open; processes report
 * ready on a pipe, one after another, and start when the parent writes one
 * byte per child to another, so set-up (C_Initialize, login, key
 * generation) is never timed.
 * A child that fails still reports ready and then its failure, so the parent
 * never waits for nothing; a child that dies closes its pipe ends and is
 * reported as failed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_ops.h"
#include "bench_par.h"
#include "bench_time.h"

#define PAR_MAX_WORKERS 16

/* One signer: a session of the module (p set) or a raw OpenSSL context. */
struct par_worker {
	struct bench_p11 *p;
	struct bench_ossl *ossl;
	struct bench_ecdsa e;
	void *signer;
};

/* What a child process sends back. */
struct par_result {
	double rate;
	CK_RV rv;
};

static CK_RV par_op(void *arg)
{
	struct par_worker *w = arg;

	return w->p ? bench_ops_ecdsa(&w->e) : bench_ossl_ecdsa(w->signer);
}

/* A thread's signer: its own session on the shared key, or its own context. */
static CK_RV par_worker_open(struct par_worker *w)
{
	CK_RV rv;

	w->e.s = CK_INVALID_HANDLE;
	if (!w->p) {
		w->signer = bench_ossl_ecdsa_new(w->ossl);
		return w->signer ? par_op(w) : CKR_HOST_MEMORY;
	}
	w->e.f = w->p->f;
	w->e.key = w->p->ec.priv;
	rv = w->e.f->C_OpenSession(w->p->slot, CKF_SERIAL_SESSION, NULL, NULL, &w->e.s);
	return rv == CKR_OK ? par_op(w) : rv;
}

static void par_worker_close(struct par_worker *w)
{
	if (w->p && w->e.s != CK_INVALID_HANDLE)
		w->e.f->C_CloseSession(w->e.s);
	bench_ossl_ecdsa_free(w->signer);
	w->signer = NULL;
}

struct par_thread {
	struct par_worker w;
	double seconds;
	pthread_barrier_t *start;
	double rate;
	CK_RV rv;
};

static void *par_thread_main(void *arg)
{
	struct par_thread *t = arg;

	t->rv = par_worker_open(&t->w);
	pthread_barrier_wait(t->start);
	if (t->rv == CKR_OK)
		t->rv = bench_rate_once(par_op, &t->w, t->seconds, &t->rate);
	par_worker_close(&t->w);
	return NULL;
}

/* One timed run of n threads like w; the sum of their rates in *total. */
static CK_RV par_threads_once(const struct par_worker *w, double seconds, int n, double *total)
{
	struct par_thread t[PAR_MAX_WORKERS];
	pthread_t tid[PAR_MAX_WORKERS];
	pthread_barrier_t start;
	CK_RV rv = CKR_OK;

	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		t[i] = (struct par_thread){*w, seconds, &start, 0, CKR_OK};
		if (pthread_create(&tid[i], NULL, par_thread_main, &t[i]) != 0) {
			fprintf(stderr, "os-bench: cannot start a thread\n");
			exit(1); /* the started ones would wait at the barrier forever */
		}
	}
	*total = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(tid[i], NULL);
		if (t[i].rv != CKR_OK)
			rv = t[i].rv;
		*total += t[i].rate;
	}
	pthread_barrier_destroy(&start);
	return rv;
}

/*
 * Set-up of a child process: for the module its own initialisation,
 * session, login and key; for OpenSSL its own context.
 */
static CK_RV par_child_setup(struct par_worker *w, const struct bench_opts *o)
{
	struct bench_key k = {CK_INVALID_HANDLE, CK_INVALID_HANDLE, CKR_OK};
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	CK_RV rv;

	if (!w->p)
		return par_worker_open(w);
	f = w->e.f = w->p->f;
	rv = bench_p11_initialize(f);
	if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		/* a module that does not reset itself in a child */
		f->C_Finalize(NULL);
		rv = bench_p11_initialize(f);
	}
	if (rv != CKR_OK)
		return rv;
	/* slot IDs need not be the same in another process: choose again */
	rv = bench_p11_find_slot(f, o, &slot);
	if (rv == CKR_OK)
		rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
		                      &w->e.s);
	if (rv == CKR_OK)
		rv = bench_p11_login(f, w->e.s, o->pin);
	if (rv == CKR_OK)
		rv = bench_p11_ec_keygen(f, w->e.s, &k);
	w->e.key = k.priv;
	return rv == CKR_OK ? par_op(w) : rv;
}

static void par_child(struct par_worker *w, const struct bench_opts *o, const int fds[3])
{
	struct par_result res = {0, par_child_setup(w, o)};
	char c = 'r';

	if (write(fds[0], &c, 1) != 1 || read(fds[1], &c, 1) != 1)
		_exit(1);
	if (res.rv == CKR_OK)
		res.rv = bench_rate_once(par_op, w, o->seconds, &res.rate);
	if (write(fds[2], &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(1);
	if (w->p)
		w->p->f->C_Finalize(NULL);
	_exit(0);
}

/* Reads exactly len bytes; -1 on end of file or error. */
static int par_read(int fd, void *buf, size_t len)
{
	char *b = buf;

	while (len > 0) {
		ssize_t n = read(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Lets the n ready children start and collects their results.  go and out
 * are the parent's ends of those pipes.
 */
static CK_RV par_collect(int n, int go, int out, double *total)
{
	char buf[PAR_MAX_WORKERS];
	CK_RV rv = CKR_OK;

	*total = 0;
	if (n <= 0 || n > PAR_MAX_WORKERS)
		return CKR_ARGUMENTS_BAD;
	memset(buf, 'g', sizeof(buf));
	if (write(go, buf, (size_t)n) != n)
		return CKR_GENERAL_ERROR;
	for (int i = 0; i < n; i++) {
		struct par_result res;

		if (par_read(out, &res, sizeof(res)) != 0)
			return CKR_GENERAL_ERROR;
		if (res.rv != CKR_OK)
			rv = res.rv;
		*total += res.rate;
	}
	return rv;
}

/* Waits for the children; a failure of theirs makes *rv a failure. */
static void par_reap(const pid_t *pid, int n, CK_RV *rv)
{
	for (int i = 0; i < n; i++) {
		int status;

		if (waitpid(pid[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			*rv = *rv == CKR_OK ? CKR_GENERAL_ERROR : *rv;
	}
}

/*
 * Forks one child signing like w and waits until it is set up.  go and out
 * are the pipes all children share; the child reports ready on a pipe of
 * its own, so a child that dies early is seen as end of file.
 */
static CK_RV par_fork_one(struct par_worker *w, const struct bench_opts *o, const int go[2],
                          const int out[2], pid_t *pid)
{
	int ready[2];
	char c;
	CK_RV rv = CKR_OK;

	if (pipe(ready) != 0)
		return CKR_HOST_MEMORY;
	fflush(NULL);
	*pid = fork();
	if (*pid == 0) {
		int fds[3] = {ready[1], go[0], out[1]};

		close(ready[0]);
		close(go[1]);
		close(out[0]);
		par_child(w, o, fds);
	}
	close(ready[1]);
	if (*pid < 0 || par_read(ready[0], &c, 1) != 0)
		rv = CKR_GENERAL_ERROR;
	close(ready[0]);
	return rv;
}

/*
 * One timed run of n processes like w; the sum of their rates in *total.
 * Each child is set up before the next is forked: modules need not cope
 * with processes initialising at the same instant (SoftHSMv2 2.6 sometimes
 * loses its token then), and set-up is not what is measured.
 */
static CK_RV par_procs_once(struct par_worker *w, const struct bench_opts *o, int n, double *total)
{
	int go[2], out[2];
	pid_t pid[PAR_MAX_WORKERS];
	int forked = 0;
	CK_RV rv = CKR_OK;

	if (pipe(go) != 0)
		return CKR_HOST_MEMORY;
	if (pipe(out) != 0) {
		close(go[0]);
		close(go[1]);
		return CKR_HOST_MEMORY;
	}
	while (forked < n && rv == CKR_OK) {
		rv = par_fork_one(w, o, go, out, &pid[forked]);
		if (pid[forked] > 0)
			forked++;
	}
	close(go[0]);
	close(out[1]);
	if (rv == CKR_OK)
		rv = par_collect(n, go[1], out[0], total);
	close(go[1]);
	close(out[0]);
	par_reap(pid, forked, &rv);
	return rv;
}

/* One timed run of par's workers, of the module or of OpenSSL (p NULL). */
static CK_RV par_once(struct bench_p11 *p, struct bench_ossl *ossl, const struct bench_opts *o,
                      const struct bench_par *par, double *rate)
{
	struct par_worker w = {.p = p, .ossl = ossl};

	if (par->processes)
		return par_procs_once(&w, o, par->workers, rate);
	return par_threads_once(&w, o->seconds, par->workers, rate);
}

static void par_show(const struct bench_par *par)
{
	if (par->m.status == BENCH_OK)
		bench_progress("%-18s %12.0f ops/s  (OpenSSL %.0f)", par->id, par->m.median,
		               par->ossl.median);
	else
		bench_progress("%-18s %s %s", par->id,
		               par->m.status == BENCH_UNSUPPORTED ? "unsupported" : "failed",
		               par->m.why);
}

/* Rates of run i for row k; a failure stops that figure. */
struct par_series {
	double rates[BENCH_MAX_RUNS];
	bool live;
};

static void par_step(struct par_series *s, struct bench_measure *m, CK_RV rv, int i)
{
	if (rv != CKR_OK) {
		bench_measure_fail(m, rv, "run %d", i + 1);
		s->live = false;
	}
}

/*
 * Measures r->par[first..] in rounds: each round times every row once, the
 * module and OpenSSL in turn, so a change of machine load touches all alike.
 */
static void par_rounds(struct bench_p11 *p, struct bench_ossl *ossl, const struct bench_opts *o,
                       struct bench_report *r, int first)
{
	static struct par_series mod[BENCH_MAX_PAR], raw[BENCH_MAX_PAR];

	for (int k = first; k < r->npar; k++) {
		mod[k].live = p->ec.rv == CKR_OK;
		raw[k].live = ossl != NULL;
		if (!mod[k].live)
			bench_measure_fail(&r->par[k].m, p->ec.rv, "no P-256 key");
	}
	for (int i = 0; i < o->runs; i++) {
		for (int k = first; k < r->npar; k++) {
			struct bench_par *par = &r->par[k];

			if (mod[k].live)
				par_step(&mod[k], &par->m,
				         par_once(p, NULL, o, par, &mod[k].rates[i]), i);
			if (raw[k].live)
				par_step(&raw[k], &par->ossl,
				         par_once(NULL, ossl, o, par, &raw[k].rates[i]), i);
		}
	}
	for (int k = first; k < r->npar; k++) {
		if (mod[k].live)
			bench_measure_set(&r->par[k].m, mod[k].rates, o->runs);
		if (raw[k].live)
			bench_measure_set(&r->par[k].ossl, raw[k].rates, o->runs);
		par_show(&r->par[k]);
	}
}

void bench_par_run(struct bench_p11 *p, struct bench_ossl *ossl, const struct bench_opts *o,
                   struct bench_report *r)
{
	static const struct {
		const char *id;
		int workers;
		bool processes;
	} plan[] = {
	    {"ecdsa-threads-1", 1, false},
	    {"ecdsa-threads-2", 2, false},
	    {"ecdsa-threads-4", 4, false},
	    {"ecdsa-processes-2", 2, true},
	};
	int first = r->npar;

	for (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]) && r->npar < BENCH_MAX_PAR; i++) {
		struct bench_par *par;

		if (!bench_wanted(o, plan[i].id))
			continue;
		par = &r->par[r->npar++];
		memset(par, 0, sizeof(*par));
		par->id = plan[i].id;
		par->workers = plan[i].workers;
		par->processes = plan[i].processes;
		par->ossl.status = BENCH_SKIPPED;
	}
	par_rounds(p, ossl, o, r, first);
}
