/*
 * A private swtpm for functional tests (see swtpm.h).
 *
 * swtpm runs as a daemon of its own (--daemon, --pid file=), so it is not
 * this process's child: its death is seen as its port refusing
 * connections, which does not depend on who reaps it.
 */
#include "swtpm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SWTPM_TRIES   20
#define SWTPM_WAIT_MS 20000
#define SWTPM_POLL_MS 10

static void swtpm_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* A TCP socket on 127.0.0.1:port; with listen, bound; else connected.  -1 on failure. */
static int swtpm_socket(int port, int listen_it)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	/*
	 * As swtpm binds: a port whose only sockets wait in TIME_WAIT (left by
	 * earlier tests' connections) is free for it.
	 */
	int one = 1;
	if (listen_it && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		close(fd);
		return -1;
	}
	r = listen_it ? bind(fd, (struct sockaddr *)&sa, sizeof(sa))
	              : connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A port p such that p and p + 1 are free right now (the kernel picks p). */
static int swtpm_free_ports(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = swtpm_socket(0, 1), fd2, port = -1;

	if (fd < 0)
		return -1;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (port <= 0 || port >= 65535) {
		close(fd);
		return -1;
	}
	fd2 = swtpm_socket(port + 1, 1);
	close(fd);
	if (fd2 < 0)
		return -1;
	close(fd2);
	return port;
}

static int swtpm_accepts(int port)
{
	int fd = swtpm_socket(port, 0);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Runs swtpm socket ... --daemon and waits for the daemon's pid file and ports. */
static int swtpm_launch(struct swtpm *t)
{
	char state[PATH_MAX + 16], server[64], ctrl[64], pid[PATH_MAX + 16];
	int st;

	snprintf(state, sizeof(state), "dir=%s", t->state);
	snprintf(server, sizeof(server), "type=tcp,port=%d", t->port);
	snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%d", t->port + 1);
	snprintf(pid, sizeof(pid), "file=%s", t->pidfile);
	unlink(t->pidfile);
	pid_t child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		execlp("swtpm", "swtpm", "socket", "--tpm2", "--tpmstate", state, "--server",
		       server, "--ctrl", ctrl, "--flags", "not-need-init,startup-clear", "--daemon",
		       "--pid", pid, (char *)NULL);
		_exit(127);
	}
	if (waitpid(child, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	for (int waited = 0; waited < SWTPM_WAIT_MS; waited += SWTPM_POLL_MS) {
		FILE *fp = fopen(t->pidfile, "r");
		long v = 0;
		if (fp != NULL && fscanf(fp, "%ld", &v) == 1 && v > 0 && swtpm_accepts(t->port) &&
		    swtpm_accepts(t->port + 1)) {
			fclose(fp);
			t->pid = (pid_t)v;
			return 0;
		}
		if (fp != NULL)
			fclose(fp);
		swtpm_sleep_ms(SWTPM_POLL_MS);
	}
	return -1;
}

int swtpm_start(struct swtpm *t, const char *dir)
{
	char abs[PATH_MAX];

	memset(t, 0, sizeof(*t));
	if (realpath(dir, abs) == NULL || strlen(abs) + 16 > sizeof(t->state))
		return -1;
	snprintf(t->state, sizeof(t->state), "%.*s/swtpm", PATH_MAX - 16, abs);
	snprintf(t->pidfile, sizeof(t->pidfile), "%.*s/swtpm.pid", PATH_MAX - 16, abs);
	if (mkdir(t->state, 0700) < 0 && errno != EEXIST)
		return -1;
	/* Another program may take the ports between the check and swtpm's bind: try again. */
	for (int i = 0; i < SWTPM_TRIES; i++) {
		t->port = swtpm_free_ports();
		if (t->port > 0 && swtpm_launch(t) == 0) {
			snprintf(t->tcti, sizeof(t->tcti), "swtpm:host=127.0.0.1,port=%d", t->port);
			return 0;
		}
	}
	return -1;
}

int swtpm_restart(struct swtpm *t)
{
	return t->pid == 0 ? swtpm_launch(t) : -1;
}

int swtpm_kill(struct swtpm *t)
{
	if (t->pid <= 0)
		return -1;
	kill(t->pid, SIGKILL);
	t->pid = 0;
	for (int waited = 0; waited < SWTPM_WAIT_MS; waited += SWTPM_POLL_MS) {
		if (!swtpm_accepts(t->port))
			return 0;
		swtpm_sleep_ms(SWTPM_POLL_MS);
	}
	return -1;
}

void swtpm_cleanup(struct swtpm *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGCONT);
		swtpm_kill(t);
	}
}
