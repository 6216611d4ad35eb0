/*
 * Functional tests of the library under the real p11-kit, against a private
 * slotd instance per test.
 *
 * Managed callers: p11_kit_module_load() gives each caller its own wrapper
 * of the one loaded library.  Callers initialise, open and close sessions
 * and finalise concurrently from several threads, and C_CloseAllSessions of
 * one caller leaves the sessions of another alone.
 *
 * Registered module: p11-kit's proxy module loads the modules its
 * configuration registers.  In this process that configuration is pointed
 * at a directory of the instance with p11_kit_override_system_files(), so
 * the proxy sees our module alone; p11-kit's call logger and a module run in
 * another process by "p11-kit remote" are exercised the same way.  The
 * p11-kit program lists the module from a registration of its own (see
 * struct listing).
 */
#define P11_KIT_FUTURE_UNSTABLE_API 1

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <p11-kit/p11-kit.h>

#include "harness.h"
#include "slotshm.h"

#ifndef P11KIT_PROXY_MODULE
#define P11KIT_PROXY_MODULE ""
#endif
#ifndef P11KIT_PROGRAM
#define P11KIT_PROGRAM "/usr/bin/p11-kit"
#endif
#ifndef P11KIT_MODULE_CONFIGS
#define P11KIT_MODULE_CONFIGS "/usr/share/p11-kit/modules"
#endif

#define SOFT_SLOT          0
#define OUR_SLOTS          4
#define ROUNDS             200
#define MAX_LOADED         9
#define WAIT_MS            10000
#define OUTPUT_MAX         (64 * 1024)
#define SOFT_DESCRIPTION   "soft slot"
#define OUR_MANUFACTURER   "openslot"
#define OUR_LIBRARY_PREFIX "openslot"

struct fixture {
	struct harness h;
	char library[PATH_MAX]; /* absolute: p11-kit resolves relative names elsewhere */
	char registered[PATH_MAX + NAME_MAX]; /* a module file outside the instance, or "" */
	CK_FUNCTION_LIST *loaded[MAX_LOADED];
	int n_loaded;
};

/*
 * What every test shares.  The paths are those of the configuration p11-kit
 * reads in this process during a test: p11-kit keeps the pointers it is
 * given, so the strings live here, rewritten by each test's setup.
 */
static struct {
	char system_conf[PATH_MAX];
	char modules[PATH_MAX];
	char absent[PATH_MAX];
	bool preloaded; /* programs started here get the sanitizer runtime preloaded */
} suite;

/* ---- where p11-kit lives ---- */

static const char *proxy_path(void)
{
	static char beside[PATH_MAX];
	Dl_info info;

	if (P11KIT_PROXY_MODULE[0] && access(P11KIT_PROXY_MODULE, R_OK) == 0)
		return P11KIT_PROXY_MODULE;
	/* p11-kit installs the proxy next to libp11-kit itself */
	if (dladdr((void *)p11_kit_module_load, &info) && info.dli_fname) {
		snprintf(beside, sizeof(beside), "%s", info.dli_fname);
		char *slash = strrchr(beside, '/');
		if (slash) {
			snprintf(slash + 1, sizeof(beside) - (size_t)(slash + 1 - beside),
			         "p11-kit-proxy.so");
			if (access(beside, R_OK) == 0)
				return beside;
		}
	}
	return "p11-kit-proxy.so";
}

static const char *p11kit_program(void)
{
	static const char *const candidates[] = {P11KIT_PROGRAM, "/usr/bin/p11-kit",
	                                         "/usr/local/bin/p11-kit"};

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return P11KIT_PROGRAM;
}

static int sanitizer_find(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	if (!base || strncmp(base + 1, "libasan.so", 10) != 0)
		return 0;
	snprintf(data, PATH_MAX, "%s", info->dlpi_name);
	return 1;
}

/*
 * A library built with AddressSanitizer needs the sanitizer's runtime loaded
 * first in any program that loads it: when this program carries that runtime,
 * the p11-kit programs it starts get it preloaded.
 */
static void sanitizer_preload(void)
{
	char path[PATH_MAX] = "", value[2 * PATH_MAX];
	const char *old = getenv("LD_PRELOAD");

	dl_iterate_phdr(sanitizer_find, path);
	if (!path[0])
		return;
	snprintf(value, sizeof(value), "%s%s%s", path, old && *old ? " " : "", old ? old : "");
	setenv("LD_PRELOAD", value, 1);
	suite.preloaded = true;
}

/* ---- fixture ---- */

static int write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

static void module_name(char *name, size_t len, const char *test)
{
	snprintf(name, len, "openslot-test-%ld-%s", (long)getpid(), test);
}

/* Registers a module for this process's p11-kit under the test's name. */
static void module_register_private(const char *test, const char *settings)
{
	char name[NAME_MAX - 8], path[PATH_MAX + NAME_MAX];

	module_name(name, sizeof(name), test);
	snprintf(path, sizeof(path), "%s/%s.module", suite.modules, name);
	if (write_file(path, settings) < 0)
		fail_msg("%s: %s", path, strerror(errno));
}

static int config_prepare(struct fixture *f)
{
	char dir[sizeof(f->h.dir) + 16];

	snprintf(dir, sizeof(dir), "%s/p11-kit", f->h.dir);
	snprintf(suite.system_conf, sizeof(suite.system_conf), "%s/pkcs11.conf", dir);
	snprintf(suite.modules, sizeof(suite.modules), "%s/modules", dir);
	snprintf(suite.absent, sizeof(suite.absent), "%s/absent", dir);
	if (mkdir(dir, 0700) < 0 || mkdir(suite.modules, 0700) < 0)
		return -1;
	return write_file(suite.system_conf, "user-config: none\n");
}

/* A failed setup gets no teardown: it cleans up itself, slotd included. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	if (!realpath(harness_library(), f->library)) {
		free(f);
		fail_msg("%s: %s", harness_library(), strerror(errno));
	}
	if (harness_init(&f->h) < 0 || harness_write_conf(&f->h, NULL, HARNESS_SLOTS_FOUR) < 0 ||
	    harness_start(&f->h, NULL) < 0 || config_prepare(f) < 0) {
		harness_cleanup(&f->h);
		free(f);
		fail_msg("no private slotd instance");
	}
	harness_use_instance(&f->h);
	*state = f;
	return 0;
}

/* What a failed test left behind: its loaded modules and its module file. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < f->n_loaded; i++) {
		f->loaded[i]->C_Finalize(NULL);
		p11_kit_module_release(f->loaded[i]);
	}
	if (f->registered[0])
		unlink(f->registered);
	harness_cleanup(&f->h);
	free(f);
	return 0;
}

/* ---- managed callers ---- */

static CK_FUNCTION_LIST *caller_load(struct fixture *f)
{
	CK_FUNCTION_LIST *module;

	assert_true(f->n_loaded < MAX_LOADED);
	/*
	 * No flags: managed (no P11_KIT_MODULE_UNMANAGED), so each load is a
	 * caller of its own.  P11_KIT_MODULE_CRITICAL would change nothing:
	 * p11-kit counts a module loaded by path as critical anyway.
	 */
	module = p11_kit_module_load(f->library, 0);
	if (!module)
		fail_msg("p11_kit_module_load %s: %s", f->library, p11_kit_message());
	assert_int_equal(p11_kit_module_get_flags(module) & P11_KIT_MODULE_UNMANAGED, 0);
	for (int i = 0; i < f->n_loaded; i++)
		assert_ptr_not_equal(f->loaded[i], module);
	f->loaded[f->n_loaded++] = module;
	return module;
}

static void callers_release(struct fixture *f)
{
	for (int i = 0; i < f->n_loaded; i++)
		p11_kit_module_release(f->loaded[i]);
	f->n_loaded = 0;
}

/*
 * p11-kit 0.24.1 counts the initialisations of the library across callers
 * and calls the library's own C_Finalize when the count drops to zero, but
 * does so after releasing its lock: another caller's p11_kit_module_initialize
 * that slips in between still sees the library initialised, returns CKR_OK,
 * and is then left with a finalised library (CKR_CRYPTOKI_NOT_INITIALIZED on
 * its next call).  Any module shows it (SoftHSM 2.6 does too).  So the tests
 * below never let a caller's initialisation meet the library's last
 * finalisation: either one more caller keeps the library initialised
 * throughout (ANCHORED), or the callers take turns for these two calls
 * (SERIALISED), which lets the library's own C_Initialize and C_Finalize run
 * many times over.
 */
enum cycle { ANCHORED, SERIALISED };

struct caller {
	CK_FUNCTION_LIST *module;
	pthread_barrier_t barrier;
	pthread_mutex_t *turn; /* SERIALISED: held around initialise and finalise */
};

struct worker {
	pthread_t thread;
	struct caller *caller;
	int index; /* thread 0 of a caller initialises and finalises it */
	const char *failed;
	CK_RV rv;
	int round;
};

static void worker_check(struct worker *w, const char *call, CK_RV rv, int round)
{
	if (rv == CKR_OK || w->failed)
		return;
	w->failed = call;
	w->rv = rv;
	w->round = round;
}

static void worker_cycle(struct worker *w, bool initialise, int round)
{
	CK_FUNCTION_LIST *m = w->caller->module;
	pthread_mutex_t *turn = w->caller->turn;

	if (turn)
		pthread_mutex_lock(turn);
	if (initialise)
		worker_check(w, "p11_kit_module_initialize", p11_kit_module_initialize(m), round);
	else
		worker_check(w, "p11_kit_module_finalize", p11_kit_module_finalize(m), round);
	if (turn)
		pthread_mutex_unlock(turn);
}

static void worker_session(struct worker *w, int round)
{
	CK_FUNCTION_LIST *m = w->caller->module;
	CK_FLAGS flags = CKF_SERIAL_SESSION | (w->index % 2 ? CKF_RW_SESSION : 0);
	CK_SESSION_HANDLE session;
	CK_SESSION_INFO info;
	CK_RV rv;

	rv = m->C_OpenSession(SOFT_SLOT, flags, NULL, NULL, &session);
	worker_check(w, "C_OpenSession", rv, round);
	if (rv != CKR_OK)
		return;
	rv = m->C_GetSessionInfo(session, &info);
	worker_check(w, "C_GetSessionInfo", rv, round);
	if (rv == CKR_OK && (info.slotID != SOFT_SLOT || info.flags != flags))
		worker_check(w, "C_GetSessionInfo (slot or flags wrong)", CKR_GENERAL_ERROR, round);
	worker_check(w, "C_CloseSession", m->C_CloseSession(session), round);
}

/*
 * One round per iteration: thread 0 initialises the caller, every thread of
 * the caller opens and closes a session, thread 0 finalises.  A caller is
 * initialised once (a second C_Initialize is CKR_CRYPTOKI_ALREADY_INITIALIZED,
 * and its C_Finalize closes all of that caller's sessions), so the threads of
 * one caller meet at a barrier around their sessions, while different callers
 * run freely against each other.
 */
static void *worker_run(void *arg)
{
	struct worker *w = arg;

	for (int round = 0; round < ROUNDS; round++) {
		if (w->index == 0)
			worker_cycle(w, true, round);
		pthread_barrier_wait(&w->caller->barrier);
		worker_session(w, round);
		pthread_barrier_wait(&w->caller->barrier);
		if (w->index == 0)
			worker_cycle(w, false, round);
	}
	return NULL;
}

static void run_workers(struct caller *callers, int n_callers, int per_caller, char *failure,
                        size_t len)
{
	struct worker workers[MAX_LOADED * 4];
	int n = n_callers * per_caller;

	assert_true(n <= MAX_LOADED * 4);
	for (int i = 0; i < n; i++) {
		workers[i] =
		    (struct worker){.caller = &callers[i / per_caller], .index = i % per_caller};
		assert_int_equal(pthread_create(&workers[i].thread, NULL, worker_run, &workers[i]),
		                 0);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(workers[i].thread, NULL);
		if (workers[i].failed && !failure[0])
			snprintf(failure, len, "caller %d thread %d round %d: %s: %s",
			         i / per_caller, i % per_caller, workers[i].round,
			         workers[i].failed, p11_kit_strerror(workers[i].rv));
	}
}

static void run_callers(struct fixture *f, int n_callers, int per_caller, enum cycle cycle)
{
	pthread_mutex_t turn = PTHREAD_MUTEX_INITIALIZER;
	struct caller callers[MAX_LOADED];
	CK_FUNCTION_LIST *anchor = NULL;
	char failure[256] = "";

	assert_true(n_callers < MAX_LOADED);
	if (cycle == ANCHORED) {
		anchor = caller_load(f);
		assert_int_equal(p11_kit_module_initialize(anchor), CKR_OK);
	}
	for (int c = 0; c < n_callers; c++) {
		callers[c].module = caller_load(f);
		callers[c].turn = cycle == SERIALISED ? &turn : NULL;
		pthread_barrier_init(&callers[c].barrier, NULL, (unsigned)per_caller);
	}
	run_workers(callers, n_callers, per_caller, failure, sizeof(failure));
	for (int c = 0; c < n_callers; c++)
		pthread_barrier_destroy(&callers[c].barrier);
	if (failure[0])
		fail_msg("%s", failure);
	if (anchor)
		assert_int_equal(p11_kit_module_finalize(anchor), CKR_OK);
	callers_release(f);
}

static void test_two_callers_four_threads_each(void **state)
{
	run_callers(*state, 2, 4, ANCHORED);
}

static void test_eight_callers_taking_turns(void **state)
{
	run_callers(*state, 8, 1, SERIALISED);
}

static void test_close_all_sessions_per_caller(void **state)
{
	struct fixture *f = *state;
	CK_FUNCTION_LIST *a = caller_load(f), *b = caller_load(f);
	CK_SESSION_HANDLE sa[3], sb[2];
	CK_SESSION_INFO info;

	assert_int_equal(p11_kit_module_initialize(a), CKR_OK);
	assert_int_equal(p11_kit_module_initialize(b), CKR_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(a->C_OpenSession(SOFT_SLOT,
		                                  CKF_SERIAL_SESSION | (i ? 0 : CKF_RW_SESSION),
		                                  NULL, NULL, &sa[i]),
		                 CKR_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(b->C_OpenSession(SOFT_SLOT,
		                                  CKF_SERIAL_SESSION | (i ? CKF_RW_SESSION : 0),
		                                  NULL, NULL, &sb[i]),
		                 CKR_OK);
	assert_int_equal(a->C_CloseAllSessions(SOFT_SLOT), CKR_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(a->C_GetSessionInfo(sa[i], &info), CKR_SESSION_HANDLE_INVALID);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(b->C_GetSessionInfo(sb[i], &info), CKR_OK);
		assert_int_equal(info.slotID, SOFT_SLOT);
	}
	/* A goes on working, and B's own C_CloseAllSessions closes B's */
	assert_int_equal(a->C_OpenSession(SOFT_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &sa[0]),
	                 CKR_OK);
	assert_int_equal(b->C_CloseAllSessions(SOFT_SLOT), CKR_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(b->C_GetSessionInfo(sb[i], &info), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(a->C_GetSessionInfo(sa[0], &info), CKR_OK);
	assert_int_equal(p11_kit_module_finalize(a), CKR_OK);
	assert_int_equal(p11_kit_module_finalize(b), CKR_OK);
	callers_release(f);
}

/* ---- the proxy module ---- */

typedef void (*override_files)(const char *system_conf, const char *user_conf,
                               const char *package_modules, const char *system_modules,
                               const char *user_modules);

/*
 * One use of the proxy, written to run in a forked child as well: no
 * assertions, a message in err on failure.
 */
struct proxy_run {
	bool remote;         /* the module runs in a process the proxy starts */
	const char *library; /* when remote: the file that process maps */
	const char *shm;     /* when remote: slotd's segment, to read its counts */
	char err[512];
};

static int run_fail(struct proxy_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int run_fail(struct proxy_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(run->err, sizeof(run->err), fmt, ap);
	va_end(ap);
	return -1;
}

static bool field_is(const CK_UTF8CHAR *field, size_t size, const char *want)
{
	size_t n = strlen(want);

	if (n > size || memcmp(field, want, n) != 0)
		return false;
	for (; n < size; n++)
		if (field[n] != ' ')
			return false;
	return true;
}

/* Checks our slots among the proxy's and finds the soft one. */
static int proxy_find_soft(CK_FUNCTION_LIST *fl, struct proxy_run *run, CK_SLOT_ID *soft)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = sizeof(slots) / sizeof(slots[0]), ours = 0;
	CK_SLOT_INFO info;
	bool found = false;
	CK_RV rv;

	rv = fl->C_GetSlotList(CK_FALSE, slots, &n);
	if (rv != CKR_OK)
		return run_fail(run, "C_GetSlotList: %s", p11_kit_strerror(rv));
	for (CK_ULONG i = 0; i < n; i++) {
		rv = fl->C_GetSlotInfo(slots[i], &info);
		if (rv != CKR_OK)
			return run_fail(run, "C_GetSlotInfo(%lu): %s", slots[i],
			                p11_kit_strerror(rv));
		if (!field_is(info.manufacturerID, sizeof(info.manufacturerID), OUR_MANUFACTURER))
			continue;
		ours++;
		bool soft_slot =
		    field_is(info.slotDescription, sizeof(info.slotDescription), SOFT_DESCRIPTION);
		if (soft_slot != !!(info.flags & CKF_TOKEN_PRESENT))
			return run_fail(run, "slot %lu (%.20s...): token present is %d", slots[i],
			                info.slotDescription, !!(info.flags & CKF_TOKEN_PRESENT));
		if (soft_slot) {
			*soft = slots[i];
			found = true;
		}
	}
	if (ours != OUR_SLOTS || !found)
		return run_fail(run,
		                "%lu of the proxy's %lu slots are openslot's, expected %d "
		                "with a soft one",
		                ours, n, OUR_SLOTS);
	return 0;
}

/* The parent pid of pid, or -1. */
static pid_t proc_parent(pid_t pid)
{
	char path[64], buf[512];
	ssize_t len;
	int fd, ppid;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	/* "pid (comm) state ppid ...": comm may hold anything but ends at the last ')' */
	char *end = strrchr(buf, ')');
	if (!end || sscanf(end + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

static bool proc_maps(pid_t pid, const char *file)
{
	char path[64], line[PATH_MAX + 128];
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
	fp = fopen(path, "re");
	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp))
		found = strstr(line, file) != NULL;
	fclose(fp);
	return found;
}

/* A descendant of this process that has file mapped, or -1. */
static pid_t descendant_mapping(const char *file)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	pid_t found = -1;

	if (!dir)
		return -1;
	while (found < 0 && (e = readdir(dir))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		pid_t up = (pid_t)pid;
		while (up > 1 && up != getpid())
			up = proc_parent(up);
		if (up == getpid() && proc_maps((pid_t)pid, file))
			found = (pid_t)pid;
	}
	closedir(dir);
	return found;
}

/*
 * With a session open through a remote module: the library runs in a
 * process of its own, and slotd counts that process's session.
 */
static int remote_check(struct proxy_run *run)
{
	struct os_slotshm_map map;
	uint64_t sessions = 0, rw = 0;
	char err[256];

	if (descendant_mapping(run->library) < 0)
		return run_fail(run, "no process started by the proxy has %s loaded", run->library);
	if (os_slotshm_attach(run->shm, &map, err, sizeof(err)) < 0)
		return run_fail(run, "slotd shm: %s", err);
	long long deadline = harness_now_ms() + WAIT_MS;
	while (harness_now_ms() < deadline) {
		if (!os_slotshm_counts(map.shm, SOFT_SLOT, &sessions, &rw) || sessions == 1)
			break;
		poll(NULL, 0, 5);
	}
	os_slotshm_detach(&map);
	if (sessions != 1)
		return run_fail(run, "slotd counts %llu sessions on slot %d, expected 1",
		                (unsigned long long)sessions, SOFT_SLOT);
	return 0;
}

static int proxy_session(CK_FUNCTION_LIST *fl, CK_SLOT_ID slot, struct proxy_run *run)
{
	CK_BYTE random[32] = {0}, zero[32] = {0};
	CK_SESSION_HANDLE session;
	CK_SESSION_INFO info;
	int ret = -1;
	CK_RV rv;

	rv = fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &session);
	if (rv != CKR_OK)
		return run_fail(run, "C_OpenSession(%lu): %s", slot, p11_kit_strerror(rv));
	if ((rv = fl->C_GetSessionInfo(session, &info)) != CKR_OK)
		run_fail(run, "C_GetSessionInfo: %s", p11_kit_strerror(rv));
	else if (info.slotID != slot || info.state != CKS_RO_PUBLIC_SESSION)
		run_fail(run, "session on slot %lu in state %lu", info.slotID, info.state);
	else if ((rv = fl->C_GenerateRandom(session, random, sizeof(random))) != CKR_OK)
		run_fail(run, "C_GenerateRandom: %s", p11_kit_strerror(rv));
	else if (memcmp(random, zero, sizeof(random)) == 0)
		run_fail(run, "C_GenerateRandom left the buffer zero");
	else if (!run->remote || remote_check(run) == 0)
		ret = 0;
	rv = fl->C_CloseSession(session);
	if (rv != CKR_OK && ret == 0)
		ret = run_fail(run, "C_CloseSession: %s", p11_kit_strerror(rv));
	return ret;
}

/*
 * Loads the proxy, points the p11-kit it belongs to at the private
 * configuration, and uses our soft slot through it.
 */
static int proxy_exercise(struct proxy_run *run)
{
	CK_C_GetFunctionList get_list;
	CK_FUNCTION_LIST *fl;
	override_files override;
	CK_SLOT_ID soft = 0;
	const char *msg;
	void *dl;
	int ret = -1;
	CK_RV rv;

	dl = dlopen(proxy_path(), RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		return run_fail(run, "dlopen %s: %s", proxy_path(), dlerror());
	override = (override_files)dlsym(dl, "p11_kit_override_system_files");
	get_list = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	if (!override || !get_list) {
		run_fail(run, "%s lacks p11_kit_override_system_files or C_GetFunctionList",
		         proxy_path());
		goto out;
	}
	override(suite.system_conf, suite.absent, suite.absent, suite.modules, suite.absent);
	if ((rv = get_list(&fl)) != CKR_OK) {
		run_fail(run, "proxy C_GetFunctionList: %s", p11_kit_strerror(rv));
		goto out;
	}
	if ((rv = fl->C_Initialize(NULL)) != CKR_OK) {
		msg = p11_kit_message();
		run_fail(run, "proxy C_Initialize: %s (%s)", p11_kit_strerror(rv), msg ? msg : "");
		goto out;
	}
	if (proxy_find_soft(fl, run, &soft) == 0 && proxy_session(fl, soft, run) == 0)
		ret = 0;
	rv = fl->C_Finalize(NULL);
	if (rv != CKR_OK && ret == 0)
		ret = run_fail(run, "proxy C_Finalize: %s", p11_kit_strerror(rv));
out:
	dlclose(dl);
	return ret;
}

/* Reads fd to its end or until buf is full, and closes it. */
static void read_file_fd(int fd, char *buf, size_t len)
{
	size_t have = 0;
	ssize_t n;

	while (have < len - 1 && (n = read(fd, buf + have, len - 1 - have)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	close(fd);
}

static void read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	buf[0] = '\0';
	if (fd >= 0)
		read_file_fd(fd, buf, len);
}

/* In the child: the proxy, with stderr sent to log when set. */
static void proxy_child(struct proxy_run *run, const char *log, int report)
{
	int ret;

	if (log) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(2);
	}
	ret = proxy_exercise(run);
	if (ret < 0 && write(report, run->err, strlen(run->err)) < 0)
		_exit(3);
	fflush(stderr);
	_exit(ret < 0 ? 1 : 0);
}

/*
 * Uses the proxy in a child process: the proxy keeps the modules it loaded
 * until its process ends, so each use of a configuration needs a process of
 * its own.  With log set, the child's stderr (where p11-kit logs calls) goes
 * to that file.
 */
static void proxy_in_child(struct proxy_run *run, const char *log)
{
	int pfd[2], status;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		proxy_child(run, log, pfd[1]);
	}
	close(pfd[1]);
	read_file_fd(pfd[0], run->err, sizeof(run->err));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("through the proxy: %s (child status %#x)", run->err, status);
}

static void test_proxy(void **state)
{
	struct fixture *f = *state;
	struct proxy_run run = {0};
	char settings[PATH_MAX + 64];

	snprintf(settings, sizeof(settings), "module: %s\ncritical: yes\n", f->library);
	module_register_private("proxy", settings);
	proxy_in_child(&run, NULL);
}

static void test_proxy_log_calls(void **state)
{
	struct fixture *f = *state;
	struct proxy_run run = {0};
	char settings[PATH_MAX + 64], path[PATH_MAX], log[OUTPUT_MAX];

	snprintf(settings, sizeof(settings), "module: %s\ncritical: yes\nlog-calls: yes\n",
	         f->library);
	module_register_private("log", settings);
	snprintf(path, sizeof(path), "%s/p11-kit-calls.log", f->h.dir);
	proxy_in_child(&run, path);
	read_file(path, log, sizeof(log));
	/* each call is logged by name, its arguments, then "<name> = <result>" */
	if (!strstr(log, "\nC_OpenSession\n") || !strstr(log, "\nC_OpenSession = CKR_OK\n") ||
	    !strstr(log, "\nC_GenerateRandom\n") || !strstr(log, "\nC_GenerateRandom = CKR_OK\n") ||
	    !strstr(log, "\nC_CloseSession = CKR_OK\n"))
		fail_msg("p11-kit's call log lacks the calls made:\n%s", log);
}

static void test_proxy_remote(void **state)
{
	struct fixture *f = *state;
	struct proxy_run run = {.remote = true, .library = f->library, .shm = f->h.shm};
	char settings[2 * PATH_MAX + 64];

	/* p11-kit splits the command as a shell would, and runs it without one */
	snprintf(settings, sizeof(settings), "remote: |'%s' remote '%s'\ncritical: yes\n",
	         p11kit_program(), f->library);
	module_register_private("remote", settings);
	proxy_in_child(&run, NULL);
}

/* ---- the p11-kit program ---- */

/* The module file's block in list-modules output: from its line to the next module's. */
static const char *listed_block(char *out, const char *name, const char *library)
{
	char head[NAME_MAX + PATH_MAX + 8];

	snprintf(head, sizeof(head), "%s: %s\n", name, library);
	char *at = strstr(out, head);
	if (!at || (at != out && at[-1] != '\n'))
		return NULL;
	for (char *nl = strchr(at, '\n'); nl; nl = strchr(nl + 1, '\n')) {
		if (nl[1] != ' ' && nl[1] != '\t') {
			nl[1] = '\0';
			break;
		}
	}
	return at;
}

/*
 * How the p11-kit program, another process, is made to list our module.
 * p11-kit reads module files from its own directories and, for users other
 * than root, from ~/.config/pkcs11/modules.
 *
 * As root the file goes to p11-kit's module directory, with "enable-in"
 * naming a program name only this test uses: no other program on the
 * machine loads it, and teardown removes it.
 *
 * Otherwise, and also as root where the sanitizer runtime is preloaded, the
 * program runs with a private home whose configuration registers our module
 * alone ("user-config: only"), as an unprivileged user in the instance's
 * group when this process is root.  A preloaded runtime rules out root's
 * configuration: with libasan.so.8 preloaded and glibc 2.36, a program one
 * of whose libraries calls newlocale() in its constructor (libp11-kit does)
 * deadlocks on glibc's locale lock at the next newlocale() or freelocale()
 * once main() has called setlocale().  The p11-kit program hangs so in the
 * p11-kit-trust module's constructor, which root's configuration loads, and
 * in libp11-kit's destructor at exit ("p11-kit --help" never returns either).
 * There the program's output is line buffered and it runs under timeout(1),
 * whose stopping it after that output counts as an ending.
 */
struct listing {
	char name[NAME_MAX - 8];
	char program[PATH_MAX]; /* a link named like the module, to p11-kit */
	char home[PATH_MAX];
	bool private_home;
	bool unprivileged;
};

#define LISTING_UID     65534
#define TIMEOUT_EXPIRED 124

static void listing_private_home(struct fixture *f, struct listing *l, char *dir, size_t len)
{
	static const char *const subs[] = {"", "/.config", "/.config/pkcs11",
	                                   "/.config/pkcs11/modules"};
	char conf[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(dir, len, "%s%s", l->home, subs[i]);
		if (mkdir(dir, 0750) < 0)
			fail_msg("%s: %s", dir, strerror(errno));
	}
	snprintf(conf, sizeof(conf), "%s/.config/pkcs11/pkcs11.conf", l->home);
	if (write_file(conf, "user-config: only\n") < 0)
		fail_msg("%s: %s", conf, strerror(errno));
	/* the unprivileged user reaches the instance through its group */
	if (l->unprivileged)
		assert_int_equal(chmod(f->h.dir, 0710), 0);
}

static void listing_prepare(struct fixture *f, struct listing *l)
{
	char dir[PATH_MAX], settings[PATH_MAX + NAME_MAX + 64];

	module_name(l->name, sizeof(l->name), "list");
	snprintf(l->program, sizeof(l->program), "%s/%s", f->h.dir, l->name);
	assert_int_equal(symlink(p11kit_program(), l->program), 0);
	snprintf(l->home, sizeof(l->home), "%s/home", f->h.dir);
	l->private_home = geteuid() != 0 || suite.preloaded;
	l->unprivileged = geteuid() == 0 && l->private_home;
	if (l->private_home)
		listing_private_home(f, l, dir, sizeof(dir));
	else
		snprintf(dir, sizeof(dir), "%s", P11KIT_MODULE_CONFIGS);
	snprintf(f->registered, sizeof(f->registered), "%s/%s.module", dir, l->name);
	snprintf(settings, sizeof(settings), "module: %s\nenable-in: %s\n", f->library, l->name);
	if (write_file(f->registered, settings) < 0)
		fail_msg("%s: %s", f->registered, strerror(errno));
}

static int listing_run(const struct listing *l, char *out, size_t len)
{
	char home_env[PATH_MAX + 8], xdg_env[PATH_MAX + 32], reuid[32], regid[32];
	char *argv[20];
	int n = 0, status;

	snprintf(home_env, sizeof(home_env), "HOME=%s", l->home);
	snprintf(xdg_env, sizeof(xdg_env), "XDG_CONFIG_HOME=%s/.config", l->home);
	snprintf(reuid, sizeof(reuid), "--reuid=%d", LISTING_UID);
	snprintf(regid, sizeof(regid), "--regid=%ld", (long)getegid());
	if (suite.preloaded) {
		argv[n++] = "/usr/bin/timeout";
		argv[n++] = "5";
	}
	if (l->unprivileged) {
		argv[n++] = "/usr/bin/setpriv";
		argv[n++] = reuid;
		argv[n++] = regid;
		argv[n++] = "--clear-groups";
	}
	argv[n++] = "/usr/bin/env";
	argv[n++] = home_env;
	argv[n++] = xdg_env;
	if (suite.preloaded) {
		argv[n++] = "/usr/bin/stdbuf";
		argv[n++] = "-oL";
	}
	argv[n++] = (char *)l->program;
	argv[n++] = "list-modules";
	argv[n] = NULL;
	status = harness_run(argv, out, len);
	if (suite.preloaded && WIFEXITED(status) && WEXITSTATUS(status) == TIMEOUT_EXPIRED)
		return 0;
	return status;
}

static void test_list_modules(void **state)
{
	struct fixture *f = *state;
	struct listing listing;
	char out[OUTPUT_MAX];
	int status;

	listing_prepare(f, &listing);
	status = listing_run(&listing, out, sizeof(out));
	unlink(f->registered);
	f->registered[0] = '\0';

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("p11-kit list-modules: status %#x:\n%s", status, out);
	const char *block = listed_block(out, listing.name, f->library);
	if (!block)
		fail_msg("p11-kit list-modules does not list %s:\n%s", listing.name, out);
	if (!strstr(block, "library-manufacturer: " OUR_MANUFACTURER "\n") ||
	    !strstr(block, "library-description: " OUR_LIBRARY_PREFIX))
		fail_msg("p11-kit list-modules lists %s without our library's info:\n%s",
		         listing.name, block);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_two_callers_four_threads_each, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_eight_callers_taking_turns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_all_sessions_per_caller, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_proxy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_proxy_log_calls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_proxy_remote, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_modules, setup, teardown),
	};

	sanitizer_preload();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
