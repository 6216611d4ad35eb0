/*
 * Lock files: <lock>/LCK..APIlock, taken shared while a process sets up
 * per-token resources at C_Initialize, and <lock>/<token>/LCK..<token>
 * (<lock>/tpm/<user>/LCK..tpm for a per-user token), which the token store
 * uses across processes.  Both are flock() locks.
 *
 * Any member of the group can open these files and flock them, even read
 * only, so the library never waits on one without end: it opens them read
 * only, without following a link and without blocking (a planted FIFO
 * must not hang it), keeps them only when they are regular files, and takes
 * the API lock shared with a bounded wait, going on without it when a
 * holder does not let go.  slotd creates the files; until it does, a
 * missing one is created here with mode 0640 set on the open fd.
 */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long a sleep between two tries of a busy lock lasts. */
#define LOCKS_POLL_MS 10

/* Opens (creating when missing) name in dir_fd read only; -1 unless a regular file. */
static int locks_open_at(int dir_fd, const char *name)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	int fd = openat(dir_fd, name, flags | O_CREAT | O_EXCL, 0640);
	struct stat st;

	if (fd >= 0 && fchmod(fd, 0640) < 0) {
		close(fd);
		return -1;
	}
	if (fd < 0 && errno == EEXIST)
		fd = openat(dir_fd, name, flags);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

static int locks_open(const char *dir, const char *name)
{
	int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int fd = dir_fd < 0 ? -1 : locks_open_at(dir_fd, name);

	if (fd < 0)
		api_trace(API_TRACE_ERROR, "cannot open lock file %s/%s: %m", dir, name);
	if (dir_fd >= 0)
		close(dir_fd);
	return fd;
}

int api_locks_open_global(void)
{
	return locks_open(api_state.conf->lock_dir, "LCK..APIlock");
}

int api_locks_open_token(struct api_slot *slot)
{
	slot->lock_fd = locks_open(slot->lock_dir, slot->lock_name);
	return slot->lock_fd;
}

static long long locks_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int locks_shared_wait(int fd, long long deadline)
{
	struct timespec pause = {0, LOCKS_POLL_MS * 1000000L};

	for (;;) {
		if (flock(fd, LOCK_SH | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (locks_now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

int api_locks_shared_timed(int fd, int timeout_ms)
{
	long long start = locks_now_ms();
	int r = locks_shared_wait(fd, start + (timeout_ms > 0 ? timeout_ms : 0));
	int saved = errno;

	api_trace(API_TRACE_DEBUG, "lock file: shared lock %s after %lld ms",
	          r == 0 ? "taken" : "not taken", locks_now_ms() - start);
	errno = saved;
	return r;
}
