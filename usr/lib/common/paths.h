/*
 * Names derived from the configured directories: socket and lock paths, and
 * POSIX shared-memory names.  A shm name is the directory with its leading
 * '/' kept and every later '/' turned into '.', plus ".<suffix>":
 *   os_paths_shm_name("/run/openslot", "slotd")      -> "/run.openslot.slotd"
 *   os_paths_shm_name("/var/lib/openslot/softtok", NULL) -> "/var.lib.openslot.softtok"
 *
 * A per-user token (the TPM slot's) lives in a directory named after the
 * Unix user below "tpm" in the data and lock directories:
 *   os_paths_user_dir(out, len, "/var/lib/openslot", "alice") -> "/var/lib/openslot/tpm/alice"
 * The user name comes from the password database for a uid, never from a
 * peer, and is checked to be a single tame path component.
 */
#ifndef OS_PATHS_H
#define OS_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define OS_SOCKET_NAME  "slotd.socket"
#define OS_PIDFILE_NAME "slotd.pid"

/* The directory of per-user tokens below the data and lock directories. */
#define OS_PATHS_USER_TOP "tpm"
/* The per-user token's lock file, in <lock>/tpm/<user>/. */
#define OS_PATHS_USER_LOCK "LCK..tpm"
/* Longest user name accepted for a per-user directory (characters). */
#define OS_PATHS_USER_MAX 32

/* out = dir "/" name; returns 0, or -1 when it does not fit. */
int os_paths_join(char *out, size_t outlen, const char *dir, const char *name);

/* Returns 0, or -1 when dir is not absolute or the name does not fit. */
int os_paths_shm_name(char *out, size_t outlen, const char *dir, const char *suffix);

/*
 * Whether user may name a per-user directory: 1..OS_PATHS_USER_MAX
 * printable ASCII characters, no '/', no "..", not starting with '.'.
 */
bool os_paths_user_ok(const char *user);

/* out = base "/tpm/" user; returns 0, or -1 when user is refused or it does not fit. */
int os_paths_user_dir(char *out, size_t outlen, const char *base, const char *user);

/*
 * The name of uid in the password database (thread-safe); returns 0, or -1
 * when there is none or os_paths_user_ok refuses it.
 */
int os_paths_user_name(uid_t uid, char *out, size_t outlen);

#endif
