/*
 * Functional-test harness: a private slotd instance per test.
 *
 * Each instance lives in its own mkdtemp directory (config, run, lock, data
 * and log directories), so shm names and sockets never collide between tests
 * running in parallel.  slotd runs in the foreground as a child; readiness is
 * the READY=1 datagram it sends to the harness's own $NOTIFY_SOCKET, so no
 * test sleeps to synchronise.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct harness {
	char dir[64];
	char conf[PATH_MAX];
	char socket[108];
	char notify[108];
	char shm[256];
	char group[64];
	int notify_fd;
	pid_t pid;
	/* Set before harness_start: slotd's RLIMIT_NOFILE (0: inherited), and a
	 * file that receives its standard error (empty: the test's). */
	unsigned long nofile;
	char log[PATH_MAX];
};

/* Makes the private directory and the notify socket. Returns 0 or -1. */
int harness_init(struct harness *h);

/*
 * Sets the group written into the config (harness_init takes this
 * process's group), e.g. a throwaway group shared by several test users.
 */
void harness_set_group(struct harness *h, const char *group);

/*
 * Writes the config file: the instance's directories and group, then extra
 * (top-level settings) and the slots list body (the text between "slots = ("
 * and ")").
 */
int harness_write_conf(struct harness *h, const char *extra, const char *slots);

/*
 * Starts slotd -f on the config and waits for READY=1.  Returns 0 when it
 * serves, else -1 with its exit status in *status (when not NULL).
 */
int harness_start(struct harness *h, int *status);

/* Waits for a notify datagram containing want; 0 when seen, -1 on timeout. */
int harness_wait_notify(struct harness *h, const char *want, int timeout_ms);

/* Sends SIGTERM and reaps slotd; returns its wait status, or -1. */
int harness_stop(struct harness *h);

/* Stops slotd if running and removes the private directory. */
void harness_cleanup(struct harness *h);

/*
 * Runs argv, collecting stdout and stderr together into out; returns the
 * wait status.
 */
int harness_run(char *const argv[], char *out, size_t outlen);

/* Path of a program built in the tree ($top_builddir/<name>). */
const char *harness_built(const char *name);

/*
 * Points this process (and its children) at the instance: OPENSLOT_CONF and
 * OPENSLOT_TOKEN_DIR (the backends built in the tree).
 */
void harness_use_instance(struct harness *h);

/* Path of the PKCS#11 library built in the tree. */
const char *harness_library(void);

/* Four slots as in the sample config: 0 soft, 1 tpm, 2 cca, 3 ep11. */
#define HARNESS_SLOTS_FOUR                                                                         \
	"{ id = 0; backend = \"soft\"; token = \"softtok\"; description = \"soft slot\"; "         \
	"log-calls = true; options = { pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; }; },\n"     \
	"{ id = 1; backend = \"tpm\"; token = \"tpm\"; options = { device = \"/nonexistent\"; }; " \
	"},\n"                                                                                     \
	"{ id = 2; backend = \"cca\"; token = \"ccatok\"; },\n"                                    \
	"{ id = 3; backend = \"ep11\"; token = \"ep11tok\"; }"

/*
 * Initialises the token of a slot over the protocol, as the library does
 * (label all blanks); returns slotd's PKCS#11 answer, or -1 when the
 * connection failed.
 */
struct os_client;
long harness_init_token(struct os_client *cl, unsigned long slot, const char *so_pin);

/*
 * In a forked child of a cmocka test: restores the default action of the
 * signals cmocka catches, so a crash ends the child (and the parent sees the
 * signal) instead of resuming the test run inside the child.
 */
void harness_child_signals(void);

/* Milliseconds on the monotonic clock. */
long long harness_now_ms(void);

#endif
