/*
 * Functional tests of libopenslot.so: the real library loaded with dlopen,
 * talking to a real slotd on a private directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openslot/pkcs11.h"
#include "client.h"
#include "harness.h"
#include "paths.h"

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_C_GetInterface get_interface;
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, HARNESS_SLOTS_FOUR), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	if (!fx->dl)
		fail_msg("dlopen: %s", dlerror());
	get_interface = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_non_null(get_interface);
	assert_int_equal(get_interface(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	fx->f->C_Finalize(NULL);
	dlclose(fx->dl);
	harness_cleanup(&fx->h);
	free(fx);
	return 0;
}

static void init(struct fixture *fx)
{
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
}

static void wait_token_sessions(struct fixture *fx, CK_ULONG want, CK_ULONG want_rw)
{
	long long deadline = harness_now_ms() + 10000;
	CK_TOKEN_INFO ti;

	while (harness_now_ms() < deadline) {
		assert_int_equal(fx->f->C_GetTokenInfo(0, &ti), CKR_OK);
		if (ti.ulSessionCount == want && ti.ulRwSessionCount == want_rw)
			return;
		poll(NULL, 0, 5);
	}
	fail_msg("token shows %lu/%lu sessions, expected %lu/%lu", ti.ulSessionCount,
	         ti.ulRwSessionCount, want, want_rw);
}

static bool padded_has(const CK_UTF8CHAR *field, size_t len, const char *text)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%.*s", (int)len, (const char *)field);
	return strstr(buf, text) != NULL;
}

static void test_interfaces(void **state)
{
	struct fixture *fx = *state;
	CK_C_GetInterfaceList get_list = (CK_C_GetInterfaceList)dlsym(fx->dl, "C_GetInterfaceList");
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	CK_C_GetFunctionList get_fl = (CK_C_GetFunctionList)dlsym(fx->dl, "C_GetFunctionList");
	CK_INTERFACE list[4], *iface;
	CK_FUNCTION_LIST *fl;
	CK_ULONG n = 0;
	CK_VERSION v240 = {2, 40}, v30 = {3, 0}, v99 = {9, 9};
	CK_INFO info;

	assert_int_equal(get_list(NULL, &n), CKR_OK);
	assert_int_equal(n, 2);
	n = 1;
	assert_int_equal(get_list(list, &n), CKR_BUFFER_TOO_SMALL);
	n = 4;
	assert_int_equal(get_list(list, &n), CKR_OK);
	assert_int_equal(n, 2);
	for (int i = 0; i < 2; i++) {
		assert_string_equal((char *)list[i].pInterfaceName, "PKCS 11");
		assert_true(list[i].flags & CKF_INTERFACE_FORK_SAFE);
	}
	assert_int_equal(((CK_VERSION *)list[0].pFunctionList)->major, 3);
	assert_int_equal(get((CK_UTF8CHAR_PTR) "PKCS 11", &v240, &iface, 0), CKR_OK);
	assert_int_equal(((CK_FUNCTION_LIST *)iface->pFunctionList)->version.minor, 40);
	assert_int_equal(get((CK_UTF8CHAR_PTR) "PKCS 11", &v30, &iface, CKF_INTERFACE_FORK_SAFE),
	                 CKR_OK);
	assert_int_equal(get((CK_UTF8CHAR_PTR) "PKCS 11", &v99, &iface, 0), CKR_ARGUMENTS_BAD);
	assert_int_equal(get((CK_UTF8CHAR_PTR) "Vendor", NULL, &iface, 0), CKR_ARGUMENTS_BAD);
	assert_int_equal(get(NULL, NULL, &iface, 0x80), CKR_ARGUMENTS_BAD);
	assert_int_equal(get(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
	assert_int_equal(get_fl(&fl), CKR_OK);
	assert_int_equal(fl->version.major, 2);
	assert_int_equal(fl->version.minor, 40);
	assert_int_equal(get_fl(NULL), CKR_ARGUMENTS_BAD);

	/* each table's C_GetInfo reports its own version */
	assert_int_equal(fx->f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	init(fx);
	assert_int_equal(fx->f->C_GetInfo(&info), CKR_OK);
	assert_int_equal(info.cryptokiVersion.major, 3);
	assert_true(padded_has(info.manufacturerID, 32, "openslot"));
	assert_int_equal(fl->C_GetInfo(&info), CKR_OK);
	assert_int_equal(info.cryptokiVersion.major, 2);
	assert_int_equal(info.cryptokiVersion.minor, 40);
	/* the 2.40 table reaches the same state */
	CK_ULONG count;
	assert_int_equal(fl->C_GetSlotList(CK_FALSE, NULL, &count), CKR_OK);
	assert_int_equal(count, 4);
}

static CK_RV mutex_create(CK_VOID_PTR_PTR m)
{
	*m = NULL;
	return CKR_OK;
}

static CK_RV mutex_other(CK_VOID_PTR m)
{
	(void)m;
	return CKR_OK;
}

static void test_initialize_args(void **state)
{
	struct fixture *fx = *state;
	CK_C_INITIALIZE_ARGS args;
	CK_ULONG count;

	assert_int_equal(fx->f->C_GetSlotList(CK_FALSE, NULL, &count),
	                 CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);

	memset(&args, 0, sizeof(args));
	args.pReserved = &args;
	assert_int_equal(fx->f->C_Initialize(&args), CKR_ARGUMENTS_BAD);

	memset(&args, 0, sizeof(args));
	args.CreateMutex = mutex_create;
	assert_int_equal(fx->f->C_Initialize(&args), CKR_ARGUMENTS_BAD);

	args.DestroyMutex = mutex_other;
	args.LockMutex = mutex_other;
	args.UnlockMutex = mutex_other;
	assert_int_equal(fx->f->C_Initialize(&args), CKR_CANT_LOCK);

	/* what p11-kit passes: OS locking together with all four callbacks */
	args.flags = CKF_OS_LOCKING_OK;
	assert_int_equal(fx->f->C_Initialize(&args), CKR_OK);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	assert_int_equal(fx->f->C_Finalize(&args), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);

	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK | CKF_LIBRARY_CANT_CREATE_OS_THREADS;
	assert_int_equal(fx->f->C_Initialize(&args), CKR_OK);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fx->f->C_GetSlotList(CK_FALSE, NULL, &count),
	                 CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void test_slots_and_stubs(void **state)
{
	struct fixture *fx = *state;
	CK_SLOT_ID slots[8];
	CK_ULONG n = 8;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;

	init(fx);
	assert_int_equal(fx->f->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
	assert_int_equal(n, 4);
	for (CK_ULONG i = 0; i < 4; i++)
		assert_int_equal(slots[i], i);
	n = 2;
	assert_int_equal(fx->f->C_GetSlotList(CK_FALSE, slots, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 4);
	n = 8;
	assert_int_equal(fx->f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(slots[0], 0);
	assert_int_equal(fx->f->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);

	assert_int_equal(fx->f->C_GetSlotInfo(0, &si), CKR_OK);
	assert_true(si.flags & CKF_TOKEN_PRESENT);
	assert_true(padded_has(si.slotDescription, 64, "soft slot"));
	assert_int_equal(fx->f->C_GetTokenInfo(0, &ti), CKR_OK);

	static const char *const why[] = {"no TPM device", "no CCA coprocessor",
	                                  "no EP11 coprocessor"};
	for (CK_SLOT_ID id = 1; id <= 3; id++) {
		CK_ULONG m = 0;
		assert_int_equal(fx->f->C_GetSlotInfo(id, &si), CKR_OK);
		assert_false(si.flags & CKF_TOKEN_PRESENT);
		assert_true(padded_has(si.slotDescription, 64, why[id - 1]));
		assert_int_equal(fx->f->C_GetTokenInfo(id, &ti), CKR_TOKEN_NOT_PRESENT);
		assert_int_equal(fx->f->C_GetMechanismList(id, NULL, &m), CKR_TOKEN_NOT_PRESENT);
		assert_int_equal(fx->f->C_OpenSession(id, CKF_SERIAL_SESSION, NULL, NULL, &s),
		                 CKR_TOKEN_NOT_PRESENT);
		assert_int_equal(
		    fx->f->C_InitToken(id, (CK_UTF8CHAR_PTR) "1234", 4, (CK_UTF8CHAR_PTR) "x"),
		    CKR_TOKEN_NOT_PRESENT);
	}
	assert_int_equal(fx->f->C_GetSlotInfo(77, &si), CKR_SLOT_ID_INVALID);
	assert_int_equal(fx->f->C_GetTokenInfo(77, &ti), CKR_SLOT_ID_INVALID);
	assert_int_equal(fx->f->C_OpenSession(77, CKF_SERIAL_SESSION, NULL, NULL, &s),
	                 CKR_SLOT_ID_INVALID);
}

static void test_sessions(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE ro, rw, other, again;
	CK_SESSION_INFO info;
	CK_BYTE rnd[32] = {0}, zero[32] = {0};

	init(fx);
	assert_int_equal(fx->f->C_OpenSession(0, 0, NULL, NULL, &ro),
	                 CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, NULL),
	                 CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw), CKR_OK);
	assert_int_not_equal(ro, rw);
	assert_int_equal(fx->f->C_GetSessionInfo(ro, &info), CKR_OK);
	assert_int_equal(info.slotID, 0);
	assert_int_equal(info.state, CKS_RO_PUBLIC_SESSION);
	assert_int_equal(fx->f->C_GetSessionInfo(rw, &info), CKR_OK);
	assert_int_equal(info.state, CKS_RW_PUBLIC_SESSION);
	assert_true(info.flags & CKF_RW_SESSION);
	wait_token_sessions(fx, 2, 1);

	assert_int_equal(fx->f->C_GenerateRandom(rw, rnd, sizeof(rnd)), CKR_OK);
	assert_memory_not_equal(rnd, zero, sizeof(rnd));
	assert_int_equal(fx->f->C_FindObjectsInit(ro, NULL, 0), CKR_OK);
	CK_OBJECT_HANDLE objs[4];
	CK_ULONG found = 99;
	assert_int_equal(fx->f->C_FindObjects(ro, objs, 4, &found), CKR_OK);
	assert_int_equal(found, 0);
	assert_int_equal(fx->f->C_FindObjectsFinal(ro), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(ro), CKR_OPERATION_NOT_INITIALIZED);
	/* a digest through the token: SHA-256("abc") from FIPS 180 */
	static const CK_BYTE abc_sha256[] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
	                                     0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
	                                     0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
	                                     0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	CK_MECHANISM mech = {CKM_SHA256, NULL, 0}, bogus = {0x7fff0000, NULL, 0};
	CK_BYTE md[32];
	CK_ULONG mdlen = sizeof(md);
	assert_int_equal(fx->f->C_DigestInit(ro, &bogus), CKR_MECHANISM_INVALID);
	assert_int_equal(fx->f->C_DigestInit(ro, &mech), CKR_OK);
	assert_int_equal(fx->f->C_DigestInit(ro, &mech), CKR_OPERATION_ACTIVE);
	assert_int_equal(fx->f->C_Digest(ro, (CK_BYTE_PTR) "abc", 3, md, &mdlen), CKR_OK);
	assert_int_equal(mdlen, 32);
	assert_memory_equal(md, abc_sha256, 32);
	assert_int_equal(fx->f->C_Digest(ro, (CK_BYTE_PTR) "abc", 3, md, &mdlen),
	                 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(fx->f->C_Sign(ro, rnd, 4, rnd, &found), CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(fx->f->C_Logout(ro), CKR_USER_NOT_LOGGED_IN);

	/* a closed handle stays invalid, also after new sessions reuse its entry */
	assert_int_equal(fx->f->C_CloseSession(ro), CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(ro), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &again), CKR_OK);
	assert_int_not_equal(again, ro);
	assert_int_equal(fx->f->C_GetSessionInfo(ro, &info), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->f->C_GetSessionInfo(0, &info), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->f->C_GetSessionInfo(0xdeadbeef, &info), CKR_SESSION_HANDLE_INVALID);

	/* C_CloseAllSessions closes every session of the slot */
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &other), CKR_OK);
	assert_int_equal(fx->f->C_CloseAllSessions(0), CKR_OK);
	assert_int_equal(fx->f->C_GetSessionInfo(rw, &info), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->f->C_GetSessionInfo(other, &info), CKR_SESSION_HANDLE_INVALID);
	wait_token_sessions(fx, 0, 0);
	assert_int_equal(fx->f->C_CloseAllSessions(2), CKR_TOKEN_NOT_PRESENT);
}

static void *thread_sessions(void *arg)
{
	struct fixture *fx = arg;
	CK_SESSION_INFO info;

	for (int i = 0; i < 2000; i++) {
		CK_SESSION_HANDLE s;
		CK_FLAGS flags = CKF_SERIAL_SESSION | (i % 3 ? 0 : CKF_RW_SESSION);
		if (fx->f->C_OpenSession(0, flags, NULL, NULL, &s) != CKR_OK)
			return (void *)1;
		if (fx->f->C_GetSessionInfo(s, &info) != CKR_OK || info.flags != flags)
			return (void *)2;
		if (fx->f->C_CloseSession(s) != CKR_OK)
			return (void *)3;
		if (fx->f->C_GetSessionInfo(s, &info) != CKR_SESSION_HANDLE_INVALID)
			return (void *)4;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *fx = *state;
	pthread_t t[8];
	CK_SESSION_HANDLE keep;

	init(fx);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &keep), CKR_OK);
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_sessions, fx), 0);
	for (int i = 0; i < 8; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		assert_int_equal((intptr_t)ret, 0);
	}
	wait_token_sessions(fx, 1, 0);
	CK_SESSION_INFO info;
	assert_int_equal(fx->f->C_GetSessionInfo(keep, &info), CKR_OK);
}

static void *thread_init_finalize(void *arg)
{
	struct fixture *fx = arg;

	for (int i = 0; i < 300; i++) {
		CK_RV rv = fx->f->C_Initialize(NULL);
		if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
			return (void *)(uintptr_t)(0x1000 | rv);
		CK_ULONG n;
		rv = fx->f->C_GetSlotList(CK_FALSE, NULL, &n);
		if (rv != CKR_OK && rv != CKR_CRYPTOKI_NOT_INITIALIZED)
			return (void *)2;
		if (rv == CKR_OK && n != 4)
			return (void *)(uintptr_t)(0x300 | n);
		CK_SESSION_HANDLE s;
		rv = fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s);
		if (rv != CKR_OK && rv != CKR_CRYPTOKI_NOT_INITIALIZED)
			return (void *)4;
		rv = fx->f->C_Finalize(NULL);
		if (rv != CKR_OK && rv != CKR_CRYPTOKI_NOT_INITIALIZED)
			return (void *)5;
	}
	return NULL;
}

/* Many threads initialising and finalising at once: each call gets a valid answer. */
static void test_concurrent_initialize_finalize(void **state)
{
	struct fixture *fx = *state;
	pthread_t t[8];

	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_init_finalize, fx), 0);
	for (int i = 0; i < 8; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		assert_int_equal((intptr_t)ret, 0);
	}
	/* whatever the interleaving, the library ends usable */
	CK_RV rv = fx->f->C_Initialize(NULL);
	assert_true(rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED);
	wait_token_sessions(fx, 0, 0);
}

struct racer {
	struct fixture *fx;
	pthread_barrier_t *start;
	bool finalize;
	CK_RV rv;
};

static void *thread_race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	r->rv = r->finalize ? r->fx->f->C_Finalize(NULL) : r->fx->f->C_Initialize(NULL);
	return NULL;
}

/* Eight threads make the same call at once; returns how many got CKR_OK. */
static int race(struct fixture *fx, bool finalize, CK_RV others)
{
	pthread_barrier_t start;
	struct racer r[8];
	pthread_t t[8];
	int ok = 0;

	pthread_barrier_init(&start, NULL, 8);
	for (int i = 0; i < 8; i++) {
		r[i] = (struct racer){.fx = fx, .start = &start, .finalize = finalize};
		assert_int_equal(pthread_create(&t[i], NULL, thread_race, &r[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		if (r[i].rv == CKR_OK)
			ok++;
		else
			assert_int_equal(r[i].rv, others);
	}
	pthread_barrier_destroy(&start);
	return ok;
}

/* Of eight simultaneous C_Initialize (or C_Finalize) calls exactly one succeeds. */
static void test_initialize_race(void **state)
{
	struct fixture *fx = *state;
	CK_ULONG n;

	for (int round = 0; round < 20; round++) {
		assert_int_equal(race(fx, false, CKR_CRYPTOKI_ALREADY_INITIALIZED), 1);
		/* every other round with slotd reached, sessions and backends loaded */
		if (round % 2) {
			CK_SESSION_HANDLE s;
			assert_int_equal(fx->f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
			assert_int_equal(
			    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
		}
		assert_int_equal(race(fx, true, CKR_CRYPTOKI_NOT_INITIALIZED), 1);
	}
	assert_int_equal(fx->f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
}

/* A second process on the same instance: counts add up machine-wide. */
static void test_two_processes_and_kill(void **state)
{
	struct fixture *fx = *state;
	int ready[2];
	char c;
	CK_SESSION_HANDLE s;

	init(fx);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* the inherited library is not initialised in the child */
		CK_ULONG n;
		if (fx->f->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_CRYPTOKI_NOT_INITIALIZED)
			_exit(1);
		if (fx->f->C_Initialize(NULL) != CKR_OK)
			_exit(2);
		for (int i = 0; i < 2; i++)
			if (fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
			                         &s) != CKR_OK)
				_exit(3);
		if (write(ready[1], "x", 1) != 1)
			_exit(4);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	wait_token_sessions(fx, 3, 2);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	wait_token_sessions(fx, 1, 0);
	close(ready[0]);
	close(ready[1]);
}

static void test_fork_child_leaves_parent_alone(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO info;
	int st;

	init(fx);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	wait_token_sessions(fx, 1, 0);
	pid_t pid = fork();
	if (pid == 0) {
		CK_SESSION_HANDLE mine;
		if (fx->f->C_GetSessionInfo(s, &info) != CKR_CRYPTOKI_NOT_INITIALIZED)
			_exit(1);
		if (fx->f->C_CloseSession(s) != CKR_CRYPTOKI_NOT_INITIALIZED)
			_exit(2);
		if (fx->f->C_Initialize(NULL) != CKR_OK) /* no C_Finalize first */
			_exit(3);
		if (fx->f->C_GetSessionInfo(s, &info) != CKR_SESSION_HANDLE_INVALID)
			_exit(4);
		if (fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &mine) != CKR_OK)
			_exit(5);
		if (fx->f->C_CloseAllSessions(0) != CKR_OK || fx->f->C_Finalize(NULL) != CKR_OK)
			_exit(6);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(fx->f->C_GetSessionInfo(s, &info), CKR_OK);
	wait_token_sessions(fx, 1, 0);
	/* the parent's connection to slotd still works */
	CK_SESSION_HANDLE s2;
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK);
	wait_token_sessions(fx, 2, 0);
}

static void test_slotd_absent(void **state)
{
	struct fixture *fx = *state;

	harness_stop(&fx->h);
	/* C_Initialize does not reach for slotd: the first call that needs it fails */
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	CK_ULONG n;
	CK_SESSION_HANDLE s;
	assert_int_equal(fx->f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_DEVICE_ERROR);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
	                 CKR_DEVICE_ERROR);
	/* and a slotd that comes later is found by the next call */
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	assert_int_equal(fx->f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK);
	assert_int_equal(n, 4);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
}

static void test_slotd_restart(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE a, b, c;
	CK_SESSION_INFO info;

	init(fx);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &a), CKR_OK);
	harness_stop(&fx->h);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	/* reconnects, and slotd learns of the session opened before */
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &b), CKR_OK);
	wait_token_sessions(fx, 2, 0);
	harness_stop(&fx->h);
	/* without slotd no session can be counted: a clear error, no hang */
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &c),
	                 CKR_DEVICE_ERROR);
	assert_int_equal(fx->f->C_CloseSession(a), CKR_OK);
	assert_int_equal(fx->f->C_GetSessionInfo(b, &info), CKR_OK);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
}

static void test_outsider(void **state)
{
	struct fixture *fx = *state;
	char run[PATH_MAX + 8];
	int st;

	if (geteuid() != 0)
		skip(); /* needs root to become another user */
	snprintf(run, sizeof(run), "%s/run", fx->h.dir);
	assert_int_equal(chmod(fx->h.dir, 0711), 0);
	assert_int_equal(chmod(run, 0771), 0);
	pid_t pid = fork();
	if (pid == 0) {
		gid_t g = 65534;
		if (setgroups(1, &g) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(99);
		CK_ULONG n;
		CK_RV rv = fx->f->C_Initialize(NULL);
		if (rv == CKR_OK)
			rv = fx->f->C_GetSlotList(CK_FALSE, NULL, &n);
		_exit(rv == CKR_DEVICE_ERROR ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

struct waiter {
	struct fixture *fx;
	CK_FLAGS flags;
	CK_SLOT_ID slot;
	CK_RV rv;
};

static void *thread_wait(void *arg)
{
	struct waiter *w = arg;

	w->rv = w->fx->f->C_WaitForSlotEvent(w->flags, &w->slot, NULL);
	return NULL;
}

static void test_wait_for_slot_event(void **state)
{
	struct fixture *fx = *state;
	struct waiter w = {.fx = fx};
	struct os_client other;
	CK_SLOT_ID slot;
	pthread_t t;
	char err[256];

	init(fx);
	assert_int_equal(fx->f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
	assert_int_equal(fx->f->C_WaitForSlotEvent(0, NULL, NULL), CKR_ARGUMENTS_BAD);

	/* another process initialises the token in slot 0: a blocked waiter wakes */
	assert_int_equal(pthread_create(&t, NULL, thread_wait, &w), 0);
	assert_int_equal(os_client_connect(&other, fx->h.socket, "other", err, sizeof(err)), 0);
	assert_int_equal(harness_init_token(&other, 0, "87654321"), CKR_OK);
	pthread_join(t, NULL);
	assert_int_equal(w.rv, CKR_OK);
	assert_int_equal(w.slot, 0);
	assert_int_equal(fx->f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);

	/* a non-blocking poll sees an event that is waiting */
	assert_int_equal(harness_init_token(&other, 0, "87654321"), CKR_OK);
	assert_int_equal(os_client_ping(&other, NULL), 0);
	long long deadline = harness_now_ms() + 10000;
	CK_RV rv;
	while ((rv = fx->f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL)) == CKR_NO_EVENT &&
	       harness_now_ms() < deadline)
		poll(NULL, 0, 5);
	assert_int_equal(rv, CKR_OK);
	assert_int_equal(slot, 0);
	os_client_close(&other);

	/* C_Finalize releases a blocked waiter */
	w.flags = 0;
	assert_int_equal(pthread_create(&t, NULL, thread_wait, &w), 0);
	poll(NULL, 0, 50);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	pthread_join(t, NULL);
	assert_int_equal(w.rv, CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void test_lock_files_shm_and_trace(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX + 64], shm[256], line[512];
	struct stat st;
	CK_SESSION_HANDLE s;
	bool logged = false;

	setenv("OPENSLOT_TRACE_LEVEL", "2", 1);
	init(fx);
	unsetenv("OPENSLOT_TRACE_LEVEL");
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	snprintf(path, sizeof(path), "%s/lock/LCK..APIlock", fx->h.dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	snprintf(path, sizeof(path), "%s/lock/softtok/LCK..softtok", fx->h.dir);
	assert_int_equal(stat(path, &st), 0);
	/* the token segment has no name anyone could take first or open */
	snprintf(path, sizeof(path), "%s/data/softtok", fx->h.dir);
	assert_int_equal(os_paths_shm_name(shm, sizeof(shm), path, NULL), 0);
	snprintf(path, sizeof(path), "/dev/shm%s", shm);
	assert_int_equal(stat(path, &st), -1);

	/* log-calls on slot 0 writes each call to the trace file */
	snprintf(path, sizeof(path), "%s/log/trace.%ld", fx->h.dir, (long)getpid());
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "CALL slot 0 C_OpenSession"))
			logged = true;
	fclose(fp);
	assert_true(logged);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);

	/* a segment planted under the old-style name changes nothing */
	int fd = shm_open(shm, O_RDWR | O_CREAT | O_EXCL, 0666);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1), 0);
	close(fd);
	init(fx);
	CK_SLOT_INFO si;
	assert_int_equal(fx->f->C_GetSlotInfo(0, &si), CKR_OK);
	assert_true(si.flags & CKF_TOKEN_PRESENT);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	shm_unlink(shm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_interfaces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initialize_args, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slots_and_stubs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_initialize_finalize, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initialize_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_processes_and_kill, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fork_child_leaves_parent_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slotd_absent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slotd_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outsider, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wait_for_slot_event, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock_files_shm_and_trace, setup, teardown),
	};

	return cmocka_run_group_tests_name("libopenslot", tests, NULL, NULL);
}
