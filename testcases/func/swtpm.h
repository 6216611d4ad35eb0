/*
 * A private swtpm for functional tests: a TPM 2.0 simulator listening on
 * a free pair of TCP ports of 127.0.0.1, its state in a directory of the
 * test's own.  The test points a tpm slot at it with the TCTI string
 * swtpm_tcti() returns.
 */
#ifndef SWTPM_H
#define SWTPM_H

#include <limits.h>
#include <sys/types.h>

struct swtpm {
	char state[PATH_MAX]; /* absolute: swtpm changes directory when it daemonises */
	char pidfile[PATH_MAX];
	char tcti[64];
	int port; /* the command port; port + 1 is the control port */
	pid_t pid;
};

/*
 * Starts a fresh swtpm with its state under dir (made absolute) on a free
 * port pair, already started (TPM2_Startup(CLEAR)), and waits until it
 * accepts connections.  Returns 0, or -1 (swtpm missing or not starting).
 */
int swtpm_start(struct swtpm *t, const char *dir);

/* Starts it again on the same state and ports after swtpm_kill. */
int swtpm_restart(struct swtpm *t);

/* Kills it with SIGKILL and waits until its port refuses connections. */
int swtpm_kill(struct swtpm *t);

/* Kills it when it runs; the state directory is left to the caller. */
void swtpm_cleanup(struct swtpm *t);

#endif
