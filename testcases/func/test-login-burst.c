/*
 * Functional test of logins in a burst: 50 processes at once each
 * initialise the library, log in with the user PIN, store and find a private
 * object and finalise, and all must succeed.  Logins derive a key with
 * Argon2id in slotd's bounded worker pool, so the burst is also a test that
 * slotd stays responsive and its memory bounded under it:
 *
 * - a monitor client in this process keeps making cheap calls that reach
 *   slotd (C_Initialize's handshake, C_GetTokenInfo, C_OpenSession,
 *   C_CloseSession, C_Finalize) and must get answers during the burst, none
 *   taking longer than MONITOR_CALL_LIMIT_MS (a liveness check, not a
 *   performance one);
 * - slotd's peak resident memory (VmHWM) afterwards stays under a bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "p11child.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"
#define SLOT     0
#define WORKERS  50

/* Failure bounds, far above what a healthy run takes (a few seconds). */
#define BURST_DEADLINE_MS     60000
#define MONITOR_CALL_LIMIT_MS 2000
#define MONITOR_START_MS      10000
#define MONITOR_PAUSE_MS      5

/*
 * Bound on slotd's VmHWM.  slotd runs Argon2id with m = 19 MiB per KDF on a
 * bounded pool of a few workers, whatever the number of clients waiting.
 * Allowing 8 KDFs at once (19 MiB each, 152 MiB) plus 40 MiB for slotd
 * itself gives 192 MiB, while one KDF per waiting client would need at least
 * 50 x 19 = 950 MiB.  Under AddressSanitizer freed blocks stay resident in
 * its quarantine (256 MiB by default) and the shadow adds an eighth, so the
 * bound there grows by 288 MiB: still half of what an unbounded pool needs.
 */
#define SLOTD_HWM_LIMIT_KIB (192 * 1024 + BURST_ASAN_EXTRA_KIB)
#if defined(__SANITIZE_ADDRESS__)
#define BURST_ASAN_EXTRA_KIB (288 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BURST_ASAN_EXTRA_KIB (288 * 1024)
#endif
#endif
#ifndef BURST_ASAN_EXTRA_KIB
#define BURST_ASAN_EXTRA_KIB 0
#endif

/* The monitor client: a thread of this process, and what it saw. */
struct monitor {
	CK_FUNCTION_LIST_3_0 *f;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool burst; /* set while the workers run */
	atomic_ulong answers, answers_in_burst;
	atomic_llong worst_ms;
	const char *_Atomic worst_call;
	atomic_ulong failed_rv;
	const char *_Atomic failed_call;
};

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
	pid_t workers[WORKERS];
	struct monitor mon;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(
	    harness_write_conf(&fx->h, NULL, "{ id = 0; backend = \"soft\"; token = \"burst\"; }"),
	    0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	if (!fx->dl)
		fail_msg("dlopen: %s", dlerror());
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_non_null(get);
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	for (int i = 0; i < WORKERS; i++)
		if (fx->workers[i] > 0) {
			kill(fx->workers[i], SIGKILL);
			waitpid(fx->workers[i], NULL, 0);
		}
	fx->f->C_Finalize(NULL);
	dlclose(fx->dl);
	harness_cleanup(&fx->h);
	free(fx);
	return 0;
}

static void init_token(struct fixture *fx)
{
	CK_FUNCTION_LIST_3_0 *f = fx->f;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	memcpy(label, "burst", 5);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	assert_int_equal(f->C_InitToken(SLOT, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label),
	                 CKR_OK);
	assert_int_equal(
	    f->C_OpenSession(SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
	assert_int_equal(f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
}

/* One worker's whole life in the library; its result is the exit code. */
static int worker_run(CK_FUNCTION_LIST_3_0 *f, int index)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	char label[32];

	snprintf(label, sizeof(label), "burst-%d", index);
	P11CHILD_EXPECT(f->C_Initialize(NULL), CKR_OK);
	P11CHILD_EXPECT(f->C_OpenSession(SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	                CKR_OK);
	P11CHILD_EXPECT(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)),
	                CKR_OK);
	P11CHILD_EXPECT(p11child_create_data(f, s, label, CK_TRUE, &h), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, label, NULL) == 1);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* Forks the workers; each waits until the write end of gate closes. */
static void workers_fork(struct fixture *fx, int gate[2])
{
	for (int i = 0; i < WORKERS; i++) {
		fflush(NULL);
		fx->workers[i] = fork();
		assert_true(fx->workers[i] >= 0);
		if (fx->workers[i] == 0) {
			char byte;
			harness_child_signals();
			/* the workers' own CPU use must not starve the monitor: slotd is what is watched */
			if (nice(10) < 0)
				_exit(98);
			close(gate[1]);
			while (read(gate[0], &byte, 1) < 0 && errno == EINTR)
				;
			int rv = worker_run(fx->f, i);
			fflush(NULL);
			_exit(rv);
		}
	}
}

/* Reaps every worker by the deadline; returns how many failed or hung. */
static int workers_reap(struct fixture *fx, long long deadline)
{
	int failed = 0, left = WORKERS;

	while (left > 0 && harness_now_ms() < deadline) {
		for (int i = 0; i < WORKERS; i++) {
			int st;
			if (fx->workers[i] <= 0 || waitpid(fx->workers[i], &st, WNOHANG) == 0)
				continue;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "worker %d ended with status 0x%x\n", i, st);
				failed++;
			}
			fx->workers[i] = 0;
			left--;
		}
		poll(NULL, 0, 10);
	}
	if (left > 0)
		fprintf(stderr, "%d workers still busy after the deadline\n", left);
	return failed + left; /* teardown kills the ones left */
}

/* Times one monitor call; false (and the failure recorded) unless CKR_OK. */
static bool monitor_call(struct monitor *m, const char *name, CK_RV rv, long long started)
{
	long long took = harness_now_ms() - started;

	if (took > atomic_load(&m->worst_ms)) {
		atomic_store(&m->worst_ms, took);
		atomic_store(&m->worst_call, name);
	}
	if (rv != CKR_OK) {
		atomic_store(&m->failed_rv, rv);
		atomic_store(&m->failed_call, name);
		return false;
	}
	atomic_fetch_add(&m->answers, 1);
	if (atomic_load(&m->burst))
		atomic_fetch_add(&m->answers_in_burst, 1);
	return true;
}

/* Times call with t0, a local of the caller. */
#define MONITOR_CALL(m, call) (t0 = harness_now_ms(), monitor_call((m), #call, (call), t0))

static void *monitor_main(void *arg)
{
	struct monitor *m = arg;
	CK_FUNCTION_LIST_3_0 *f = m->f;
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	long long t0;

	while (!atomic_load(&m->stop)) {
		if (!MONITOR_CALL(m, f->C_Initialize(NULL)))
			break;
		bool ok =
		    MONITOR_CALL(m, f->C_GetTokenInfo(SLOT, &ti)) &&
		    MONITOR_CALL(m, f->C_OpenSession(SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s)) &&
		    MONITOR_CALL(m, f->C_CloseSession(s));
		if (!MONITOR_CALL(m, f->C_Finalize(NULL)) || !ok)
			break;
		poll(NULL, 0, MONITOR_PAUSE_MS);
	}
	return NULL;
}

/* Starts the monitor and waits for its first answer. */
static void monitor_start(struct fixture *fx)
{
	long long deadline = harness_now_ms() + MONITOR_START_MS;

	fx->mon.f = fx->f;
	assert_int_equal(pthread_create(&fx->mon.thread, NULL, monitor_main, &fx->mon), 0);
	while (atomic_load(&fx->mon.answers) == 0 && !atomic_load(&fx->mon.failed_call) &&
	       harness_now_ms() < deadline)
		poll(NULL, 0, 5);
	assert_true(atomic_load(&fx->mon.answers) > 0);
}

static void monitor_stop(struct fixture *fx)
{
	atomic_store(&fx->mon.stop, true);
	assert_int_equal(pthread_join(fx->mon.thread, NULL), 0);
}

/* A "Vm...:" line of /proc/<pid>/status in KiB, or -1. */
static long proc_status_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	long kib = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	fp = fopen(path, "re");
	if (!fp)
		return -1;
	while (kib < 0 && fgets(line, sizeof(line), fp))
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			kib = strtol(line + len + 1, NULL, 10);
	fclose(fp);
	return kib;
}

static void test_login_burst(void **state)
{
	struct fixture *fx = *state;
	int gate[2];

	init_token(fx);
	assert_int_equal(pipe(gate), 0);
	workers_fork(fx, gate);
	close(gate[0]);
	monitor_start(fx);
	long long started = harness_now_ms();
	atomic_store(&fx->mon.burst, true);
	close(gate[1]); /* go */
	int failed = workers_reap(fx, started + BURST_DEADLINE_MS);
	atomic_store(&fx->mon.burst, false);
	long long took = harness_now_ms() - started;
	monitor_stop(fx);

	long hwm = proc_status_kib(fx->h.pid, "VmHWM");
	fprintf(stderr,
	        "burst of %d logins: %lld ms; monitor: %lu answers during it, slowest "
	        "%s %lld ms; slotd VmHWM %ld KiB (bound %d KiB)\n",
	        WORKERS, took, atomic_load(&fx->mon.answers_in_burst),
	        atomic_load(&fx->mon.worst_call), atomic_load(&fx->mon.worst_ms), hwm,
	        SLOTD_HWM_LIMIT_KIB);
	assert_int_equal(failed, 0);
	if (atomic_load(&fx->mon.failed_call))
		fail_msg("monitor: %s returned 0x%lx", atomic_load(&fx->mon.failed_call),
		         atomic_load(&fx->mon.failed_rv));
	assert_true(atomic_load(&fx->mon.answers_in_burst) > 0);
	assert_true(atomic_load(&fx->mon.worst_ms) <= MONITOR_CALL_LIMIT_MS);
	assert_true(hwm > 0);
	assert_true(hwm < SLOTD_HWM_LIMIT_KIB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_login_burst, setup, teardown),
	};

	return cmocka_run_group_tests_name("login-burst", tests, NULL, NULL);
}
