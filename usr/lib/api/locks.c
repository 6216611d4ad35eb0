/*
 * Lock files: <lock>/LCK..APIlock, held exclusively while a process sets up
 * per-token resources at C_Initialize, and <lock>/<token>/LCK..<token>,
 * which serialises writers of one token's store across processes.  Both
 * are flock() locks on files of mode 0660 in the openslot group (the
 * directories are setgid, made by slotd); a lock is held only around short
 * critical sections, never across a wait for another process.
 */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

static int locks_open(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (os_paths_join(path, sizeof(path), dir, name) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
	if (fd < 0) {
		api_trace(API_TRACE_ERROR, "cannot open lock file %s: %m", path);
		return -1;
	}
	/* umask may have taken group bits; the lock is shared by the group */
	fchmod(fd, 0660);
	return fd;
}

int api_locks_open_global(void)
{
	return locks_open(api_state.conf->lock_dir, "LCK..APIlock");
}

int api_locks_open_token(struct api_slot *slot)
{
	char name[OS_CONF_TOKEN_MAX + 8];

	snprintf(name, sizeof(name), "LCK..%s", slot->info.token);
	slot->lock_fd = locks_open(slot->lock_dir, name);
	return slot->lock_fd;
}
