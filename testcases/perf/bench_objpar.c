/*
 * Token object creation by concurrent processes (bench_objpar.h).
 *
 * Processes are set up one after another (C_Initialize, slot, read/write
 * session, login), each reporting ready on a pipe of its own; they start
 * together when the parent writes one byte per process to a shared pipe,
 * so set-up is never timed.  Each sends back its rate, then destroys what
 * it made and finalises: the parent collects every rate before it waits
 * for them, so the destruction is not part of any figure.  A process that
 * fails still reports ready and then its failure; one that dies closes its
 * pipe ends and is reported as failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_objects.h"
#include "bench_objpar.h"
#include "bench_p11.h"
#include "bench_time.h"

/* One creating process. */
struct objpar_child {
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE *made;
	unsigned long n, cap;
	char prefix[32]; /* labels are <prefix><n> */
};

struct objpar_result {
	double rate;
	CK_RV rv;
};

static CK_RV objpar_op(void *arg)
{
	struct objpar_child *c = arg;
	char label[48];

	if (c->n == c->cap)
		return CKR_HOST_MEMORY; /* bench_rate_limit stops at cap first */
	snprintf(label, sizeof(label), "%s%lu", c->prefix, c->n);
	CK_RV rv = bench_objects_create_one(c->f, c->s, label, &c->made[c->n]);
	if (rv == CKR_OK)
		c->n++;
	return rv;
}

static CK_RV objpar_setup(struct objpar_child *c, const struct bench_opts *o)
{
	struct bench_p11 p;
	CK_SLOT_ID slot;
	CK_RV rv;

	/* The parent's module stays mapped across fork: start it afresh. */
	if (bench_p11_load(&p, o->module) != 0)
		return CKR_GENERAL_ERROR;
	c->f = p.f;
	rv = bench_p11_initialize(c->f);
	if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		/* a module that does not reset itself in a child */
		c->f->C_Finalize(NULL);
		rv = bench_p11_initialize(c->f);
	}
	if (rv == CKR_OK)
		rv = bench_p11_find_slot(c->f, o, &slot);
	if (rv == CKR_OK)
		rv = c->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
		                         &c->s);
	if (rv == CKR_OK)
		rv = bench_p11_login(c->f, c->s, o->pin);
	return rv;
}

/* Reads exactly len bytes; -1 on end of file or error. */
static int objpar_read(int fd, void *buf, size_t len)
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

/* The child: fds are its ready pipe, the shared go and result pipes. */
static void objpar_child(const struct bench_opts *o, unsigned long limit, const char *prefix,
                         const int fds[3])
{
	struct objpar_child c = {.cap = limit};
	struct objpar_result res = {0, CKR_OK};
	char ch = 'r';

	snprintf(c.prefix, sizeof(c.prefix), "%s", prefix);
	c.made = calloc(limit ? limit : 1, sizeof(*c.made));
	res.rv = c.made ? objpar_setup(&c, o) : CKR_HOST_MEMORY;
	if (write(fds[0], &ch, 1) != 1 || objpar_read(fds[1], &ch, 1) != 0)
		_exit(1);
	if (res.rv == CKR_OK)
		res.rv = bench_rate_limit(objpar_op, &c, o->seconds, limit, &res.rate);
	if (write(fds[2], &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(1);
	while (c.n > 0)
		c.f->C_DestroyObject(c.s, c.made[--c.n]);
	if (c.f)
		c.f->C_Finalize(NULL);
	_exit(0);
}

/* Forks child i and waits until it is set up. */
static CK_RV objpar_fork(const struct bench_opts *o, unsigned long limit, const char *prefix,
                         const int go[2], const int out[2], pid_t *pid)
{
	int ready[2];
	char ch;
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
		objpar_child(o, limit, prefix, fds);
	}
	close(ready[1]);
	if (*pid < 0 || objpar_read(ready[0], &ch, 1) != 0)
		rv = CKR_GENERAL_ERROR;
	close(ready[0]);
	return rv;
}

/* Starts the n ready children and adds up their rates. */
static CK_RV objpar_collect(int n, int go, int out, double *total)
{
	char buf[BENCH_OBJPAR_PROCS];
	CK_RV rv = CKR_OK;

	memset(buf, 'g', sizeof(buf));
	if (write(go, buf, (size_t)n) != n)
		return CKR_GENERAL_ERROR;
	for (int i = 0; i < n; i++) {
		struct objpar_result res;

		if (objpar_read(out, &res, sizeof(res)) != 0)
			return CKR_GENERAL_ERROR;
		if (res.rv != CKR_OK && rv == CKR_OK)
			rv = res.rv;
		*total += res.rate;
	}
	return rv;
}

CK_RV bench_objpar_create(const struct bench_opts *o, unsigned long limit, int run, double *total)
{
	pid_t pid[BENCH_OBJPAR_PROCS];
	int go[2], out[2], forked = 0;
	CK_RV rv = CKR_OK;

	*total = 0;
	if (pipe(go) != 0)
		return CKR_HOST_MEMORY;
	if (pipe(out) != 0) {
		close(go[0]);
		close(go[1]);
		return CKR_HOST_MEMORY;
	}
	while (forked < BENCH_OBJPAR_PROCS && rv == CKR_OK) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "osb-p%d-%d-", run, forked);
		rv = objpar_fork(o, limit, prefix, go, out, &pid[forked]);
		if (pid[forked] > 0)
			forked++;
	}
	close(go[0]);
	close(out[1]);
	if (rv == CKR_OK)
		rv = objpar_collect(forked, go[1], out[0], total);
	close(go[1]); /* a child still waiting to start sees end of file and exits */
	close(out[0]);
	for (int i = 0; i < forked; i++) {
		int status;

		if ((waitpid(pid[i], &status, 0) < 0 || !WIFEXITED(status) ||
		     WEXITSTATUS(status) != 0) &&
		    rv == CKR_OK)
			rv = CKR_GENERAL_ERROR;
	}
	return rv;
}
