/*
 * Throwaway users and groups for functional tests (see users.h).
 *
 * Accounts are made and removed with the shadow tools (groupadd, useradd,
 * userdel, groupdel), which lock the account files themselves; a run that
 * finds them locked by a parallel test, or picks a name already taken,
 * tries again with a new suffix.
 */
#include "users.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define USERS_MAX      16
#define USERS_ATTEMPTS 20
#define USERS_NAME_MAX 33

/* What this process created, for users_remove_all(); owner is its pid. */
static struct {
	pid_t owner;
	size_t n_users, n_groups;
	char users[USERS_MAX][USERS_NAME_MAX];
	char groups[USERS_MAX][USERS_NAME_MAX];
} users_made;

void users_require_root(const char *test)
{
	if (geteuid() == 0)
		return;
	printf("SKIP: %s needs root to create throwaway users and groups "
	       "(it runs as root in CI)\n",
	       test);
	exit(USERS_EXIT_SKIP);
}

/* The shadow tool's path: /usr/sbin on Debian, /sbin on older layouts. */
static const char *users_tool(const char *name, char *path, size_t len)
{
	snprintf(path, len, "/usr/sbin/%s", name);
	if (access(path, X_OK) < 0)
		snprintf(path, len, "/sbin/%s", name);
	return path;
}

/* Runs a shadow tool; returns 0, or -1 keeping its output in out. */
static int users_exec(const char *const argv[], char *out, size_t outlen)
{
	char path[64];
	const char *args[16];
	size_t i;

	args[0] = users_tool(argv[0], path, sizeof(path));
	for (i = 1; argv[i] && i < 15; i++)
		args[i] = argv[i];
	args[i] = NULL;
	fflush(NULL);
	int st = harness_run((char *const *)args, out, outlen);
	return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* prefix followed by six random characters of [a-z0-9]. */
static void users_random_name(const char *prefix, char *name, size_t len)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[6];
	char suffix[7];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, getpid() & 0xff, sizeof(rnd));
	for (size_t i = 0; i < sizeof(rnd); i++)
		suffix[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	suffix[6] = '\0';
	snprintf(name, len, "%.16s%s", prefix, suffix);
}

static void users_atexit(void)
{
	users_remove_all();
}

/* Records a name for removal; the first one registers the exit handler. */
static void users_remember(char (*list)[USERS_NAME_MAX], size_t *n, const char *name)
{
	if (users_made.owner != getpid()) {
		memset(&users_made, 0, sizeof(users_made));
		users_made.owner = getpid();
		atexit(users_atexit);
	}
	snprintf(list[(*n)++], USERS_NAME_MAX, "%s", name);
}

/*
 * Runs argv (whose name slot, argv[at], is filled here) until the tool
 * succeeds, with a new random name on every attempt.
 */
static int users_add_account(const char *prefix, const char **argv, size_t at, char *name)
{
	char out[1024] = "";

	if (users_made.n_users + users_made.n_groups >= USERS_MAX) {
		fprintf(stderr, "users: more than %d accounts requested\n", USERS_MAX);
		return -1;
	}
	for (int attempt = 0; attempt < USERS_ATTEMPTS; attempt++) {
		users_random_name(prefix, name, USERS_NAME_MAX);
		argv[at] = name;
		if (users_exec(argv, out, sizeof(out)) == 0)
			return 0;
		poll(NULL, 0, 50 + attempt * 20); /* account files locked by a parallel run */
	}
	fprintf(stderr, "users: %s %s failed: %s\n", argv[0], prefix, out);
	return -1;
}

gid_t users_create_group(const char *prefix, char *name, size_t len)
{
	char made[USERS_NAME_MAX];
	const char *argv[] = {"groupadd", "--system", NULL, NULL};
	struct group *gr;

	if (users_add_account(prefix, argv, 2, made) < 0)
		return (gid_t)-1;
	users_remember(users_made.groups, &users_made.n_groups, made);
	gr = getgrnam(made);
	if (!gr) {
		fprintf(stderr, "users: group %s made but not found\n", made);
		return (gid_t)-1;
	}
	snprintf(name, len, "%s", made);
	return gr->gr_gid;
}

int users_create(const char *prefix, const char *group, struct users_account *out)
{
	const char *argv[] = {"useradd",
	                      "--system",
	                      "--no-create-home",
	                      "--home-dir",
	                      "/nonexistent",
	                      "--shell",
	                      "/usr/sbin/nologin",
	                      "--user-group",
	                      NULL,
	                      NULL,
	                      NULL,
	                      NULL};
	size_t at = 8;
	struct passwd *pw;

	if (group) {
		argv[at++] = "--groups";
		argv[at++] = group;
	}
	memset(out, 0, sizeof(*out));
	if (users_add_account(prefix, argv, at, out->name) < 0)
		return -1;
	users_remember(users_made.users, &users_made.n_users, out->name);
	pw = getpwnam(out->name);
	if (!pw) {
		fprintf(stderr, "users: user %s made but not found\n", out->name);
		return -1;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	return 0;
}

/* Runs a removal, retrying while the account files are locked. */
static void users_delete(const char *tool, const char *name)
{
	const char *argv[] = {tool, name, NULL};
	char out[1024] = "";

	for (int attempt = 0; attempt < USERS_ATTEMPTS; attempt++) {
		if (users_exec(argv, out, sizeof(out)) == 0)
			return;
		poll(NULL, 0, 50 + attempt * 20);
	}
	fprintf(stderr, "users: %s %s failed: %s\n", tool, name, out);
}

void users_remove_all(void)
{
	if (users_made.owner != getpid())
		return;
	for (size_t i = users_made.n_users; i-- > 0;) {
		users_delete("userdel", users_made.users[i]);
		/* userdel removes the user's own group only when USERGROUPS_ENAB says so */
		if (getgrnam(users_made.users[i]))
			users_delete("groupdel", users_made.users[i]);
	}
	for (size_t i = users_made.n_groups; i-- > 0;)
		users_delete("groupdel", users_made.groups[i]);
	users_made.n_users = users_made.n_groups = 0;
}

/* In the child: takes on who's identity in the order groups, gid, uid. */
static void users_become(const struct users_account *who, mode_t mask)
{
	umask(mask);
	if (initgroups(who->name, who->gid) < 0 || setgid(who->gid) < 0 || setuid(who->uid) < 0) {
		fprintf(stderr, "cannot become user %s: %s\n", who->name, strerror(errno));
		_exit(USERS_EXIT_BECOME);
	}
}

/* Reaps pid within timeout_ms, killing it past the deadline. */
static int users_wait(pid_t pid, const char *name, int timeout_ms)
{
	long long deadline = harness_now_ms() + timeout_ms;
	pid_t got;
	int st;

	while ((got = waitpid(pid, &st, WNOHANG)) == 0 && harness_now_ms() < deadline)
		poll(NULL, 0, 10);
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fprintf(stderr, "child running as %s still busy after %d ms: killed\n", name,
		        timeout_ms);
		return USERS_CHILD_LOST;
	}
	if (got < 0) {
		fprintf(stderr, "waitpid for the child running as %s: %s\n", name, strerror(errno));
		return USERS_CHILD_LOST;
	}
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "child running as %s died of signal %d\n", name, WTERMSIG(st));
		return USERS_CHILD_LOST;
	}
	return WEXITSTATUS(st);
}

int users_run_as(const struct users_account *who, mode_t mask, int timeout_ms, int (*fn)(void *arg),
                 void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		return USERS_CHILD_LOST;
	}
	if (pid == 0) {
		harness_child_signals();
		users_become(who, mask);
		int rv = fn(arg);
		fflush(NULL);
		_exit(rv & 0xff);
	}
	return users_wait(pid, who->name, timeout_ms);
}

/* Copies src to dst, readable and executable by everyone. */
static int users_copy(const char *src, const char *dst)
{
	char buf[65536];
	ssize_t n = 0;
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);

	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	int rv = in >= 0 && out >= 0 && n == 0 && fchmod(out, 0755) == 0 ? 0 : -1;
	if (rv < 0)
		fprintf(stderr, "users: cannot copy %s to %s: %s\n", src, dst, strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		rv = -1;
	return rv;
}

/* Copies the library and every token backend of the build into lib_dir. */
static int users_copy_libraries(const char *lib_dir)
{
	char from[PATH_MAX], src[PATH_MAX + NAME_MAX + 2], dst[PATH_MAX + NAME_MAX + 2];
	struct dirent *de;
	int rv = 0;
	DIR *d;

	snprintf(from, sizeof(from), "%s", harness_built(".libs"));
	d = opendir(from);
	if (!d) {
		fprintf(stderr, "users: cannot list %s: %s\n", from, strerror(errno));
		return -1;
	}
	while (rv == 0 && (de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		if (!dot || strcmp(dot, ".so") != 0 ||
		    (strcmp(de->d_name, "libopenslot.so") != 0 &&
		     strncmp(de->d_name, "libtoken_", 9) != 0))
			continue;
		snprintf(src, sizeof(src), "%s/%s", from, de->d_name);
		snprintf(dst, sizeof(dst), "%s/%s", lib_dir, de->d_name);
		rv = users_copy(src, dst);
	}
	closedir(d);
	return rv;
}

int users_share_instance(struct harness *h, char *lib, size_t len)
{
	char lib_dir[PATH_MAX];

	snprintf(lib_dir, sizeof(lib_dir), "%s/lib", h->dir);
	if (chmod(h->dir, 0755) < 0 || chmod(h->conf, 0644) < 0 ||
	    (mkdir(lib_dir, 0755) < 0 && errno != EEXIST) || chmod(lib_dir, 0755) < 0) {
		fprintf(stderr, "users: cannot open %s to other users: %s\n", h->dir,
		        strerror(errno));
		return -1;
	}
	if (users_copy_libraries(lib_dir) < 0)
		return -1;
	setenv("OPENSLOT_CONF", h->conf, 1);
	setenv("OPENSLOT_TOKEN_DIR", lib_dir, 1);
	snprintf(lib, len, "%s/libopenslot.so", lib_dir);
	return 0;
}
