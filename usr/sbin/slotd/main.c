/*
 * slotd entry point: command line, start-up order, and shutdown.
 *
 * Start-up runs in a fixed order: configuration, (daemonize), ids,
 * directories, pid lock, shared memory, socket, privilege drop, then
 * readiness is announced (to systemd, or to the launching process through a
 * pipe so that `slotd` returns only once it serves).  From then on the log
 * is rate-limited, as peers can provoke messages.
 */
#include "slotd.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* Once serving, what peers can make slotd log is rate-limited to this. */
#define MAIN_LOG_BURST   20
#define MAIN_LOG_PER_SEC 5

struct main_opts {
	const char *conf_path;
	bool foreground, check, verbose, debug, status;
};

static void main_usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: slotd [-f] [-d] [-c FILE]\n"
	        "       slotd -n [-v] [-c FILE]\n"
	        "       slotd -s [-c FILE]\n"
	        "  -c, --config FILE  configuration file (default $OPENSLOT_CONF or %s)\n"
	        "  -f, --foreground   stay in the foreground, log to stderr too\n"
	        "  -d, --debug        log debug messages\n"
	        "  -n, --check        check the configuration and exit\n"
	        "  -v, --verbose      with -n, print the normalised configuration\n"
	        "  -s, --status       show the running slotd's slots and session counts\n"
	        "  -V, --version      print the version\n"
	        "  -h, --help         this help\n",
	        os_conf_default_path());
}

static int main_parse(int argc, char **argv, struct main_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {"check", no_argument, NULL, 'n'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"status", no_argument, NULL, 's'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:fdnvsVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'n':
			o->check = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 's':
			o->status = true;
			break;
		case 'V':
			printf("slotd (openslot) %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			main_usage(stdout);
			exit(0);
		default:
			main_usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		main_usage(stderr);
		return -1;
	}
	if (!o->conf_path)
		o->conf_path = os_conf_default_path();
	return 0;
}

/*
 * Forks; the parent waits until the child reports readiness on the pipe
 * (exit 0) or dies (its exit status).  Returns the write end in the child.
 */
static int main_daemonize(void)
{
	int pfd[2], status;
	char c;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		exit(os_log_fail(SLOTD_EXIT_RUNTIME, "pipe: %s", strerror(errno)));
	pid_t pid = fork();
	if (pid < 0)
		exit(os_log_fail(SLOTD_EXIT_RUNTIME, "fork: %s", strerror(errno)));
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &c, 1) == 1)
			_exit(0);
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
			_exit(WEXITSTATUS(status));
		_exit(SLOTD_EXIT_RUNTIME);
	}
	close(pfd[0]);
	setsid();
	return pfd[1];
}

static void main_detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/*
 * Signals are blocked from the start and read from a signalfd by the event
 * loop, so one that arrives during start-up waits there instead of killing
 * the half-started daemon.
 */
static void main_block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int main_start(struct slotd *sd)
{
	if (slotd_setup_ids(sd) < 0 || slotd_setup_dirs(sd) < 0 || slotd_setup_pidlock(sd) < 0 ||
	    slotd_shm_create(sd) < 0 || slotd_server_listen(sd) < 0 ||
	    slotd_setup_drop_privileges(sd) < 0 || slotd_tokens_start(sd) < 0)
		return -1;
	return 0;
}

static void main_stop(struct slotd *sd)
{
	slotd_notify("STOPPING=1");
	slotd_tokens_stop(sd);
	slotd_clients_remove_all(sd);
	slotd_shm_destroy(sd);
	slotd_setup_cleanup(sd);
	if (sd->listen_fd >= 0)
		close(sd->listen_fd);
	if (sd->epoll_fd >= 0)
		close(sd->epoll_fd);
	if (sd->signal_fd >= 0)
		close(sd->signal_fd);
	os_conf_free(sd->conf);
}

static int main_check(const struct main_opts *o, const struct os_conf *conf)
{
	if (o->verbose)
		os_conf_dump(conf, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct main_opts o = {0};
	struct slotd sd = {.epoll_fd = -1,
	                   .listen_fd = -1,
	                   .signal_fd = -1,
	                   .pid_fd = -1,
	                   .run_fd = -1,
	                   .shm_ro_fd = -1};
	char err[1024];
	int ready_fd = -1, rv;

	if (main_parse(argc, argv, &o) < 0)
		return SLOTD_EXIT_USAGE;
	os_log_open("slotd", o.check || o.status ? OS_LOG_STDERR : OS_LOG_SYSLOG | OS_LOG_STDERR);
	os_log_set_level(o.debug ? LOG_DEBUG : LOG_INFO);
	if (os_conf_load(o.conf_path, &sd.conf, err, sizeof(err)) < 0)
		return os_log_fail(SLOTD_EXIT_CONFIG, "%s", err);
	if (o.check || o.status) {
		rv = o.check ? main_check(&o, sd.conf) : slotd_status(sd.conf);
		os_conf_free(sd.conf);
		return rv;
	}
	snprintf(sd.conf_path, sizeof(sd.conf_path), "%s", sd.conf->path);
	main_block_signals();
	if (!o.foreground)
		ready_fd = main_daemonize();
	if (main_start(&sd) < 0) {
		main_stop(&sd);
		return SLOTD_EXIT_RUNTIME;
	}
	os_log(LOG_INFO, "serving %zu slots on %s", sd.conf->n_slots, sd.socket_path);
	os_log_set_rate(MAIN_LOG_BURST, MAIN_LOG_PER_SEC);
	slotd_notify("READY=1");
	if (ready_fd >= 0) {
		os_log_open("slotd", OS_LOG_SYSLOG);
		main_detach_stdio();
		if (write(ready_fd, "R", 1) != 1)
			return SLOTD_EXIT_RUNTIME;
		close(ready_fd);
	}
	rv = slotd_server_run(&sd) < 0 ? SLOTD_EXIT_RUNTIME : 0;
	main_stop(&sd);
	return rv;
}
