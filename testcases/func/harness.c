/*
 * Functional-test harness (see harness.h).
 */
#include "harness.h"

#include "client.h"
#include "proto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"

#define HARNESS_READY_MS 20000

long long harness_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void harness_child_signals(void)
{
	static const int sigs[] = {SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGSYS};

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

const char *harness_built(const char *name)
{
	static char path[PATH_MAX];
	const char *top = getenv("top_builddir");

	snprintf(path, sizeof(path), "%s/%s", top && *top ? top : ".", name);
	return path;
}

void harness_use_instance(struct harness *h)
{
	char dir[PATH_MAX];
	const char *top = getenv("top_builddir");

	snprintf(dir, sizeof(dir), "%s/.libs", top && *top ? top : ".");
	setenv("OPENSLOT_CONF", h->conf, 1);
	setenv("OPENSLOT_TOKEN_DIR", dir, 1);
}

const char *harness_library(void)
{
	return harness_built(".libs/libopenslot.so");
}

int harness_init(struct harness *h)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct group *gr = getgrgid(getegid());

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	snprintf(h->dir, sizeof(h->dir), "/tmp/osl-test-XXXXXX");
	if (!mkdtemp(h->dir) || !gr)
		return -1;
	snprintf(h->group, sizeof(h->group), "%s", gr->gr_name);
	snprintf(h->conf, sizeof(h->conf), "%s/openslot.conf", h->dir);
	snprintf(h->socket, sizeof(h->socket), "%s/run/%s", h->dir, OS_SOCKET_NAME);
	snprintf(h->notify, sizeof(h->notify), "%s/notify", h->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", h->notify);
	char run[PATH_MAX];
	snprintf(run, sizeof(run), "%s/run", h->dir);
	if (os_paths_shm_name(h->shm, sizeof(h->shm), run, "slotd") < 0)
		return -1;
	h->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->notify_fd < 0 || bind(h->notify_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -1;
	/* like systemd's, so a slotd that dropped privileges can still notify */
	if (chmod(h->notify, 0666) < 0)
		return -1;
	return 0;
}

void harness_set_group(struct harness *h, const char *group)
{
	snprintf(h->group, sizeof(h->group), "%s", group);
}

int harness_write_conf(struct harness *h, const char *extra, const char *slots)
{
	char tmp[PATH_MAX + 8];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.new", h->conf);
	fp = fopen(tmp, "w");
	if (!fp)
		return -1;
	fprintf(fp,
	        "run-dir = \"run\";\nlock-dir = \"lock\";\ndata-dir = \"data\";\n"
	        "log-dir = \"log\";\ngroup = \"%s\";\n%s\nslots = (\n%s\n);\n",
	        h->group, extra ? extra : "", slots);
	if (fclose(fp) != 0 || chmod(tmp, 0644) < 0)
		return -1;
	return rename(tmp, h->conf);
}

int harness_wait_notify(struct harness *h, const char *want, int timeout_ms)
{
	long long deadline = harness_now_ms() + timeout_ms;
	char buf[256];

	for (;;) {
		long long left = deadline - harness_now_ms();
		struct pollfd pfd = {.fd = h->notify_fd, .events = POLLIN};
		if (left <= 0 || poll(&pfd, 1, (int)(left > 200 ? 200 : left)) < 0)
			return -1;
		ssize_t n = recv(h->notify_fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			if (strstr(buf, want))
				return 0;
		}
		if (h->pid > 0 && waitpid(h->pid, NULL, WNOHANG) == h->pid) {
			h->pid = -1;
			return -1;
		}
	}
}

/* Applies the instance's resource limit and log file in the child. */
static void harness_child_setup(struct harness *h)
{
	if (h->nofile) {
		struct rlimit rl = {.rlim_cur = h->nofile, .rlim_max = h->nofile};
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(126);
	}
	if (h->log[0]) {
		int fd = open(h->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
	}
}

static void harness_exec_slotd(struct harness *h)
{
	harness_child_setup(h);
	setenv("NOTIFY_SOCKET", h->notify, 1);
	unsetenv("OPENSLOT_CONF");
	/* OPENSLOT_TEST_WRAPPER runs slotd under a tool, e.g. "valgrind -q --error-exitcode=70" */
	const char *wrapper = getenv("OPENSLOT_TEST_WRAPPER");
	if (wrapper && *wrapper) {
		char cmd[PATH_MAX * 2];
		snprintf(cmd, sizeof(cmd), "exec %s '%s' -f -c '%s'", wrapper,
		         harness_built("slotd"), h->conf);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	} else {
		execl(harness_built("slotd"), "slotd", "-f", "-c", h->conf, (char *)NULL);
	}
	_exit(127);
}

int harness_start(struct harness *h, int *status)
{
	char buf[64];
	int st;

	while (recv(h->notify_fd, buf, sizeof(buf), 0) > 0)
		; /* drop datagrams of an earlier instance */
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0)
		harness_exec_slotd(h);
	long long deadline = harness_now_ms() + HARNESS_READY_MS;
	while (harness_now_ms() < deadline) {
		struct pollfd pfd = {.fd = h->notify_fd, .events = POLLIN};
		poll(&pfd, 1, 100);
		ssize_t n = recv(h->notify_fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			if (strstr(buf, "READY=1"))
				return 0;
		}
		if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
			h->pid = -1;
			if (status)
				*status = st;
			return -1;
		}
	}
	kill(h->pid, SIGKILL);
	waitpid(h->pid, NULL, 0);
	h->pid = -1;
	return -1;
}

int harness_stop(struct harness *h)
{
	int st;

	if (h->pid <= 0)
		return -1;
	kill(h->pid, SIGTERM);
	if (waitpid(h->pid, &st, 0) != h->pid)
		st = -1;
	h->pid = -1;
	return st;
}

static int harness_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Per-token segments outlive every process by design; a test removes its own. */
static void harness_unlink_token_shm(const struct harness *h)
{
	char prefix[sizeof(h->dir) + 2];
	struct dirent *de;
	DIR *d;

	if (!h->dir[0] || os_paths_shm_name(prefix, sizeof(prefix), h->dir, NULL) < 0)
		return;
	strcat(prefix, ".");
	d = opendir("/dev/shm");
	if (!d)
		return;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix + 1, strlen(prefix + 1)) == 0) {
			char name[NAME_MAX + 2];
			snprintf(name, sizeof(name), "/%s", de->d_name);
			shm_unlink(name);
		}
	closedir(d);
}

void harness_cleanup(struct harness *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
	}
	if (h->notify_fd > 0)
		close(h->notify_fd);
	if (h->shm[0])
		shm_unlink(h->shm);
	harness_unlink_token_shm(h);
	if (h->dir[0])
		nftw(h->dir, harness_rm, 16, FTW_DEPTH | FTW_PHYS);
	memset(h, 0, sizeof(*h));
}

int harness_run(char *const argv[], char *out, size_t outlen)
{
	int pfd[2], st;
	size_t len = 0;

	if (pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char scratch[4096];
		bool full = len == outlen - 1;
		ssize_t n = full ? read(pfd[0], scratch, sizeof(scratch))
		                 : read(pfd[0], out + len, outlen - 1 - len);
		if (n <= 0)
			break;
		if (!full)
			len += (size_t)n;
	}
	out[len] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

long harness_init_token(struct os_client *cl, unsigned long slot, const char *so_pin)
{
	struct os_buf buf, reply;
	struct os_reader rd;
	char label[32];

	memset(label, ' ', sizeof(label));
	size_t at = os_client_begin(cl, &buf, OS_MSG_INIT_TOKEN);
	os_buf_add_u64(&buf, slot);
	os_buf_add_bytes(&buf, so_pin, strlen(so_pin));
	os_buf_add_bytes(&buf, label, sizeof(label));
	if (os_client_call(cl, &buf, at, OS_MSG_RESULT, &reply) < 0)
		return -1;
	os_reader_init(&rd, reply.data, reply.len);
	long rv = (long)os_reader_u64(&rd);
	os_buf_free(&reply);
	return rv;
}
