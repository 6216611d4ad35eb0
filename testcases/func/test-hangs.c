/*
 * Functional tests: files another user can plant or lock never hang the
 * library.  A FIFO or a symbolic link planted as a process's trace file,
 * and a lock file held exclusively by another process, must leave
 * C_Initialize and C_GetSlotList returning promptly, and nothing may be
 * written through the link.
 *
 * The library runs in a forked child, so that a hang shows as a timeout
 * here instead of hanging the test.  The token's own lock file is not in
 * the held set yet: the shared memory set-up and the store still take it
 * with a blocking flock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openslot/pkcs11.h"
#include "harness.h"

/* How long the library may take in a test where something is in its way. */
#define HANGS_DEADLINE_MS 8000

static int setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	assert_int_equal(harness_init(h), 0);
	assert_int_equal(harness_write_conf(h, NULL, HARNESS_SLOTS_FOUR), 0);
	assert_int_equal(harness_start(h, NULL), 0);
	harness_use_instance(h);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct harness *h = *state;

	unsetenv("OPENSLOT_TRACE_LEVEL");
	harness_cleanup(h);
	free(h);
	return 0;
}

/*
 * In the child: C_Initialize, C_GetSlotList, a token initialised (slotd
 * writes), a session that searches the store (this process reads it),
 * C_Finalize; the exit status says how it went.
 */
static int child_use_library(void)
{
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST *f;
	CK_ULONG n = 0;
	void *dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);

	if (!dl)
		return 10;
	get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	if (!get || get(&f) != CKR_OK)
		return 11;
	if (f->C_Initialize(NULL) != CKR_OK)
		return 12;
	if (f->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_OK || n != 4)
		return 13;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE found;
	memset(label, ' ', sizeof(label));
	if (f->C_InitToken(0, (CK_UTF8CHAR_PTR) "87654321", 8, label) != CKR_OK)
		return 15;
	if (f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK ||
	    f->C_FindObjectsInit(s, NULL, 0) != CKR_OK ||
	    f->C_FindObjects(s, &found, 1, &n) != CKR_OK || f->C_FindObjectsFinal(s) != CKR_OK)
		return 16;
	if (f->C_Finalize(NULL) != CKR_OK)
		return 14;
	return 0;
}

/* A child that uses the library once a byte arrives on go[0]. */
static pid_t start_user(int go[2])
{
	pid_t pid;
	char c;

	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 ? child_use_library() : 20);
	}
	close(go[0]);
	return pid;
}

/* Lets the child go and waits for it: its exit status, or -1 when it hung (it is killed). */
static int wait_user(pid_t pid, int go[2])
{
	long long deadline = harness_now_ms() + HANGS_DEADLINE_MS;
	int status = 0;
	pid_t got;

	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 && harness_now_ms() < deadline)
		poll(NULL, 0, 20);
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* The name of a file in <dir>/log starting with prefix, in out; whether there is one. */
static bool find_trace(const struct harness *h, const char *prefix, char *out, size_t len)
{
	char dir[PATH_MAX];
	struct dirent *e;
	bool found = false;

	snprintf(dir, sizeof(dir), "%s/log", h->dir);
	DIR *d = opendir(dir);
	assert_non_null(d);
	while (!found && (e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
			found = snprintf(out, len, "%s/%s", dir, e->d_name) < (int)len;
		}
	closedir(d);
	return found;
}

static void test_trace_fifo(void **state)
{
	struct harness *h = *state;
	char path[2 * PATH_MAX], prefix[64];
	struct stat st;
	int go[2];
	pid_t pid;

	setenv("OPENSLOT_TRACE_LEVEL", "4", 1);
	pid = start_user(go);
	snprintf(path, sizeof(path), "%s/log/trace.%ld", h->dir, (long)pid);
	assert_int_equal(mkfifo(path, 0666), 0);
	assert_int_equal(wait_user(pid, go), 0);

	/* The FIFO is left alone; the trace went to a file of its own, private. */
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	snprintf(prefix, sizeof(prefix), "trace.%ld.", (long)pid);
	assert_true(find_trace(h, prefix, path, sizeof(path)));
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(st.st_size > 0);
}

static void test_trace_symlink(void **state)
{
	struct harness *h = *state;
	char path[2 * PATH_MAX], victim[PATH_MAX + 64], prefix[64];
	struct stat st;
	int go[2], fd;
	pid_t pid;

	snprintf(victim, sizeof(victim), "%s/victim", h->dir);
	fd = open(victim, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	setenv("OPENSLOT_TRACE_LEVEL", "4", 1);
	pid = start_user(go);
	snprintf(path, sizeof(path), "%s/log/trace.%ld", h->dir, (long)pid);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(wait_user(pid, go), 0);

	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	snprintf(prefix, sizeof(prefix), "trace.%ld.", (long)pid);
	assert_true(find_trace(h, prefix, path, sizeof(path)));
}

/* A process that holds LOCK_EX on each file of names (under <dir>/lock) until killed. */
static pid_t start_holder(const struct harness *h, const char *const *names, size_t n)
{
	int ready[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		for (size_t i = 0; i < n; i++) {
			char path[PATH_MAX + 64];
			snprintf(path, sizeof(path), "%s/lock/%s", h->dir, names[i]);
			int fd = open(path, O_RDONLY | O_CREAT, 0640);
			if (fd < 0 || flock(fd, LOCK_EX) < 0)
				_exit(1);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void test_held_locks(void **state)
{
	static const char *const held[] = {"LCK..APIlock", "softtok/LCK..softtok"};
	struct harness *h = *state;
	pid_t holder = start_holder(h, held, sizeof(held) / sizeof(held[0]));
	long long start = harness_now_ms();
	int go[2], status;
	pid_t pid = start_user(go);

	status = wait_user(pid, go);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	assert_int_equal(status, 0);
	assert_true(harness_now_ms() - start < HANGS_DEADLINE_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_trace_fifo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_trace_symlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_held_locks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
