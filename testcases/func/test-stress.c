/*
 * Stress test of one token under many writers: PROCS processes, each with
 * THREADS threads on sessions of their own, create, change, destroy and
 * find token objects (public and private data objects) on one soft token
 * for a while.  Every thread owns a few object names and writes down, in
 * memory shared with the test, what the library told it: that the object
 * exists with a given value, or that it is gone.  Threads also search the
 * whole token while the others write.  At the end a fresh process lists the
 * token: every object a thread was told exists is there once, with the last
 * value it was told was set, and no other object is.
 *
 * The run lasts OPENSLOT_STRESS_SECONDS (STRESS_SECONDS by default; make
 * check-long runs a minute).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "p11child.h"

#define SO_PIN         "87654321"
#define USER_PIN       "123456"
#define SLOT           0
#define PROCS          16
#define THREADS        4
#define NAMES          6 /* objects each thread owns */
#define STRESS_SECONDS 5
#define VALUE_MAX      32
#define FIND_MAX       (PROCS * THREADS * NAMES + 16)

/* What one thread was last told about one of its names. */
struct known {
	uint32_t exists;
	uint32_t version; /* of the value last set */
};

struct shared {
	struct known k[PROCS][THREADS][NAMES];
	atomic_ulong ops;
	atomic_ulong finds;
};

struct worker {
	CK_FUNCTION_LIST_3_0 *f;
	struct shared *sh;
	int proc, thread;
	long long deadline;
	unsigned seed;
	int failed;
};

static void name_of(int p, int t, int n, char *out, size_t len)
{
	snprintf(out, len, "stress-%d-%d-%d", p, t, n);
}

static void value_of(int p, int t, int n, uint32_t version, char *out, size_t len)
{
	snprintf(out, len, "v%d.%d.%d.%u", p, t, n, version);
}

/* The objects labelled label (at most max) in *h; the count, or -1. */
static long find_label(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, const char *label,
                       CK_OBJECT_HANDLE *h, CK_ULONG max)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                    {CKA_LABEL, (void *)label, label ? strlen(label) : 0}};
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, t, label ? 2 : 1) != CKR_OK)
		return -1;
	CK_RV rv = f->C_FindObjects(s, h, max, &n);
	if (f->C_FindObjectsFinal(s) != CKR_OK || rv != CKR_OK)
		return -1;
	return (long)n;
}

static CK_RV read_value(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, char *out,
                        size_t len)
{
	CK_ATTRIBUTE a = {CKA_VALUE, out, len - 1};
	CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1);

	out[rv == CKR_OK ? a.ulValueLen : 0] = '\0';
	return rv;
}

static int op_create(struct worker *w, CK_SESSION_HANDLE s, int n, struct known *k)
{
	char label[48], value[VALUE_MAX];
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE, priv = (n & 1) ? CK_TRUE : CK_FALSE;
	CK_OBJECT_HANDLE h;

	name_of(w->proc, w->thread, n, label, sizeof(label));
	value_of(w->proc, w->thread, n, k->version + 1, value, sizeof(value));
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                    {CKA_TOKEN, &yes, sizeof(yes)},
	                    {CKA_PRIVATE, &priv, sizeof(priv)},
	                    {CKA_LABEL, label, strlen(label)},
	                    {CKA_VALUE, value, strlen(value)}};
	P11CHILD_EXPECT(w->f->C_CreateObject(s, t, 5, &h), CKR_OK);
	k->version++;
	k->exists = 1;
	return 0;
}

/* Finds the one object of name n, checks its value, and changes or destroys it. */
static int op_change(struct worker *w, CK_SESSION_HANDLE s, int n, struct known *k, bool destroy)
{
	char label[48], want[VALUE_MAX], got[VALUE_MAX];
	CK_OBJECT_HANDLE h[4];

	name_of(w->proc, w->thread, n, label, sizeof(label));
	P11CHILD_CHECK(find_label(w->f, s, label, h, 4) == 1);
	value_of(w->proc, w->thread, n, k->version, want, sizeof(want));
	P11CHILD_EXPECT(read_value(w->f, s, h[0], got, sizeof(got)), CKR_OK);
	P11CHILD_CHECK(strcmp(got, want) == 0);
	if (destroy) {
		P11CHILD_EXPECT(w->f->C_DestroyObject(s, h[0]), CKR_OK);
		k->exists = 0;
		return 0;
	}
	value_of(w->proc, w->thread, n, k->version + 1, want, sizeof(want));
	CK_ATTRIBUTE a = {CKA_VALUE, want, strlen(want)};
	P11CHILD_EXPECT(w->f->C_SetAttributeValue(s, h[0], &a, 1), CKR_OK);
	k->version++;
	return 0;
}

/* A search of the whole token while others write: it must work. */
static int op_find_all(struct worker *w, CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE h[FIND_MAX];
	long n = find_label(w->f, s, NULL, h, FIND_MAX);

	P11CHILD_CHECK(n >= 0 && n < FIND_MAX);
	atomic_fetch_add(&w->sh->finds, 1);
	return 0;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	CK_SESSION_HANDLE s;

	w->failed = 1;
	CK_RV rv = w->f->C_OpenSession(SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK) {
		fprintf(stderr, "stress %d/%d: C_OpenSession: 0x%lx\n", w->proc, w->thread, rv);
		return NULL;
	}
	while (harness_now_ms() < w->deadline) {
		int n = rand_r(&w->seed) % NAMES, r = rand_r(&w->seed) % 10;
		struct known *k = &w->sh->k[w->proc][w->thread][n];
		int rc;

		if (r == 0)
			rc = op_find_all(w, s);
		else if (!k->exists)
			rc = op_create(w, s, n, k);
		else
			rc = op_change(w, s, n, k, r < 4);
		if (rc != 0)
			return NULL;
		atomic_fetch_add(&w->sh->ops, 1);
	}
	w->failed = w->f->C_CloseSession(s) != CKR_OK;
	return NULL;
}

static int process_run(struct shared *sh, int proc, long long deadline)
{
	CK_FUNCTION_LIST_3_0 *f = p11child_load(harness_library());
	struct worker w[THREADS];
	pthread_t th[THREADS];
	CK_SESSION_HANDLE s;
	int failed = 0;

	if (!f)
		return 1;
	P11CHILD_EXPECT(f->C_Initialize(NULL), CKR_OK);
	P11CHILD_EXPECT(f->C_OpenSession(SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	                CKR_OK);
	P11CHILD_EXPECT(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)),
	                CKR_OK);
	for (int t = 0; t < THREADS; t++) {
		w[t] = (struct worker){.f = f,
		                       .sh = sh,
		                       .proc = proc,
		                       .thread = t,
		                       .deadline = deadline,
		                       .seed = (unsigned)(proc * 131 + t * 7 + 1)};
		P11CHILD_CHECK(pthread_create(&th[t], NULL, worker_thread, &w[t]) == 0);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		failed |= w[t].failed;
	}
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return failed;
}

/* After the run, in a fresh process: the token holds exactly what was told. */
static int check_run(struct shared *sh)
{
	CK_FUNCTION_LIST_3_0 *f = p11child_load(harness_library());
	static CK_OBJECT_HANDLE h[FIND_MAX];
	char label[48], want[VALUE_MAX], got[VALUE_MAX];
	CK_SESSION_HANDLE s;
	long expected = 0;

	if (!f)
		return 1;
	P11CHILD_EXPECT(f->C_Initialize(NULL), CKR_OK);
	P11CHILD_EXPECT(f->C_OpenSession(SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	P11CHILD_EXPECT(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)),
	                CKR_OK);
	for (int p = 0; p < PROCS; p++)
		for (int t = 0; t < THREADS; t++)
			for (int n = 0; n < NAMES; n++) {
				const struct known *k = &sh->k[p][t][n];
				name_of(p, t, n, label, sizeof(label));
				long c = find_label(f, s, label, h, 4);
				P11CHILD_CHECK(c == (k->exists ? 1 : 0));
				if (!k->exists)
					continue;
				expected++;
				value_of(p, t, n, k->version, want, sizeof(want));
				P11CHILD_EXPECT(read_value(f, s, h[0], got, sizeof(got)), CKR_OK);
				P11CHILD_CHECK(strcmp(got, want) == 0);
			}
	P11CHILD_CHECK(find_label(f, s, NULL, h, FIND_MAX) == expected);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	fprintf(stderr, "stress: %ld objects at the end\n", expected);
	return 0;
}

static int wait_child(pid_t pid)
{
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static pid_t spawn(int (*fn)(struct shared *, int, long long), struct shared *sh, int arg,
                   long long deadline)
{
	pid_t pid = fork();

	if (pid == 0) {
		harness_child_signals();
		_exit(fn(sh, arg, deadline));
	}
	return pid;
}

static int check_entry(struct shared *sh, int arg, long long deadline)
{
	(void)arg;
	(void)deadline;
	return check_run(sh);
}

static int init_entry(struct shared *sh, int arg, long long deadline)
{
	CK_FUNCTION_LIST_3_0 *f = p11child_load(harness_library());
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	(void)sh;
	(void)arg;
	(void)deadline;
	if (!f)
		return 1;
	memset(label, ' ', sizeof(label));
	memcpy(label, "stress", 6);
	P11CHILD_EXPECT(f->C_Initialize(NULL), CKR_OK);
	P11CHILD_EXPECT(f->C_InitToken(SLOT, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label),
	                CKR_OK);
	P11CHILD_EXPECT(f->C_OpenSession(SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	                CKR_OK);
	P11CHILD_EXPECT(f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
	P11CHILD_EXPECT(f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

static void test_stress(void **state)
{
	struct harness h;
	struct shared *sh;
	pid_t procs[PROCS];
	const char *env = getenv("OPENSLOT_STRESS_SECONDS");
	long seconds = env ? strtol(env, NULL, 10) : STRESS_SECONDS;
	int failed = 0;

	(void)state;
	if (seconds < 1)
		seconds = 1;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	assert_int_equal(harness_init(&h), 0);
	assert_int_equal(harness_write_conf(&h, NULL,
	                                    "{ id = 0; backend = \"soft\"; token = \"stress\"; "
	                                    "options = { pin-kdf-memory = \"64\"; "
	                                    "pin-kdf-time = \"1\"; }; }"),
	                 0);
	assert_int_equal(harness_start(&h, NULL), 0);
	harness_use_instance(&h);
	assert_int_equal(wait_child(spawn(init_entry, sh, 0, 0)), 0);
	long long deadline = harness_now_ms() + seconds * 1000;
	for (int p = 0; p < PROCS; p++)
		procs[p] = spawn(process_run, sh, p, deadline);
	for (int p = 0; p < PROCS; p++) {
		int rc = wait_child(procs[p]);
		if (rc != 0) {
			print_message("stress: process %d ended with %d\n", p, rc);
			failed++;
		}
	}
	print_message("stress: %d processes x %d threads, %ld s: %lu operations, %lu searches\n",
	              PROCS, THREADS, seconds, atomic_load(&sh->ops), atomic_load(&sh->finds));
	assert_int_equal(failed, 0);
	assert_true(atomic_load(&sh->ops) > (unsigned long)PROCS * THREADS);
	assert_int_equal(wait_child(spawn(check_entry, sh, 0, 0)), 0);
	harness_cleanup(&h);
	munmap(sh, sizeof(*sh));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
