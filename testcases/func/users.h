/*
 * Throwaway Unix users and groups for functional tests that need several
 * users sharing one slotd (a group member, an outsider, slotd's own user).
 *
 * Only root can make users: users_require_root() turns a run by anyone else
 * into a clean SKIP (exit code 77, which automake's test driver reports as
 * such).  Names carry a random suffix so parallel runs never collide.
 * Everything created is deleted by users_remove_all(), which also runs at
 * exit of the process that created it, so a failed test leaves nothing.
 *
 * users_run_as() runs a function in a forked child under another identity;
 * the parent waits with a deadline and kills a child that outlives it.
 */
#ifndef USERS_H
#define USERS_H

#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

/* Exit code automake's test driver reports as SKIP. */
#define USERS_EXIT_SKIP 77

/* What users_run_as() returns for a child that timed out or died of a signal. */
#define USERS_CHILD_LOST (-1)

/* Exit code of a child that could not take on the user's identity. */
#define USERS_EXIT_BECOME 125

struct users_account {
	char name[33];
	uid_t uid;
	gid_t gid; /* primary group: the user's own throwaway group */
};

/* Prints why the test cannot run and exits with USERS_EXIT_SKIP unless root. */
void users_require_root(const char *test);

/*
 * Creates a group named "<prefix><random>" (prefix at most 16 characters)
 * and stores its name in name.  Returns its gid, or (gid_t)-1 after
 * printing why.
 */
gid_t users_create_group(const char *prefix, char *name, size_t len);

/*
 * Creates a system user "<prefix><random>" without a home directory or a
 * login shell, with its own primary group and, when group is not NULL, that
 * group as a supplementary one.  Returns 0, or -1 after printing why.
 */
int users_create(const char *prefix, const char *group, struct users_account *out);

/*
 * Deletes every user, then every group, this process created.  Safe to call
 * more than once; a forked child calling it (or exiting) deletes nothing.
 */
void users_remove_all(void);

/*
 * Runs fn(arg) in a forked child as who (supplementary groups from the
 * group database, then gid, then uid) with umask mask, and waits at most
 * timeout_ms.  The child ends with _exit, so no atexit handler of the test
 * runs in it.  Returns the child's exit code: fn's return value (0..255), or
 * USERS_EXIT_BECOME when it could not become who; or USERS_CHILD_LOST when
 * it died of a signal or outlived the deadline (it is then killed).  Every
 * failure is explained on stderr.
 */
int users_run_as(const struct users_account *who, mode_t mask, int timeout_ms, int (*fn)(void *arg),
                 void *arg);

/*
 * Opens the instance to other users: its directory 0755 and config 0644, and
 * a copy of the library and the token backends in <dir>/lib (the build tree
 * may sit where they cannot reach).  Points OPENSLOT_CONF and
 * OPENSLOT_TOKEN_DIR of this process (and so of its children) at them and
 * stores the library's path in lib.  Call it after harness_write_conf.
 * Returns 0, or -1 after printing why.
 */
int users_share_instance(struct harness *h, char *lib, size_t len);

#endif
