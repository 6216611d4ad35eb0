/*
 * Names derived from the configured directories: socket and lock paths, and
 * POSIX shared-memory names.  A shm name is the directory with its leading
 * '/' kept and every later '/' turned into '.', plus ".<suffix>":
 *   os_paths_shm_name("/run/openslot", "slotd")      -> "/run.openslot.slotd"
 *   os_paths_shm_name("/var/lib/openslot/softtok", NULL) -> "/var.lib.openslot.softtok"
 */
#ifndef OS_PATHS_H
#define OS_PATHS_H

#include <stddef.h>

#define OS_SOCKET_NAME  "slotd.socket"
#define OS_PIDFILE_NAME "slotd.pid"

/* out = dir "/" name; returns 0, or -1 when it does not fit. */
int os_paths_join(char *out, size_t outlen, const char *dir, const char *name);

/* Returns 0, or -1 when dir is not absolute or the name does not fit. */
int os_paths_shm_name(char *out, size_t outlen, const char *dir, const char *suffix);

#endif
