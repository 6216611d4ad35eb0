/*
 * Start-up chores of slotd: resolving the configured user and group,
 * creating the directories and lock files it owns, the pid lock that keeps
 * one slotd per run directory, and the privilege drop.
 *
 * Order at start-up (main.c): ids, directories, pid lock, shm, socket, then
 * the privilege drop in the fixed order supplementary groups, gid, uid.
 *
 * Directories are reached through fds only (setup_walk): nothing is stat'ed, chown'ed or chmod'ed by path, so a group member who
 * swaps a directory for a symbolic link cannot steer slotd's fchown/fchmod
 * to a file of their choice.  The owned directories and lock files get
 * their owner, group and mode on the open fd:
 *   run dir 0750, lock dir and token lock dirs 0750, data dir and token
 *   data dirs 0750, log dir 01770; lock files 0640; <lock>/tpm and
 *   <data>/tpm, the parents of the per-user tokens, 0710.
 */
#include "slotd.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"

#define SETUP_MODE_RUN      0750
#define SETUP_MODE_LOCK     0750
#define SETUP_MODE_DATA     0750
#define SETUP_MODE_LOG      01770
#define SETUP_MODE_LOCKFILE 0640
#define SETUP_MODE_USER_TOP 0710
#define SETUP_LOCK_API      "LCK..APIlock"

int slotd_setup_ids(struct slotd *sd)
{
	struct group *gr = getgrnam(sd->conf->group);

	if (!gr)
		return os_log_fail(-1, "group '%s' does not exist (create it with: groupadd %s)",
		                   sd->conf->group, sd->conf->group);
	sd->run_gid = gr->gr_gid;
	sd->run_uid = geteuid();
	if (sd->conf->user && geteuid() == 0) {
		struct passwd *pw = getpwnam(sd->conf->user);
		if (!pw)
			return os_log_fail(-1, "user '%s' does not exist", sd->conf->user);
		sd->run_uid = pw->pw_uid;
	}
	return 0;
}

/*
 * Gives the open directory or file fd the run owner, the group and mode.
 * A directory that belongs to another user when slotd is not root (made by
 * tmpfiles.d, say) is left as it is.
 */
static int setup_own(const struct slotd *sd, int fd, const char *path, mode_t mode)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return os_log_fail(-1, "cannot stat %s: %s", path, strerror(errno));
	if (st.st_uid != geteuid() && geteuid() != 0)
		return 0;
	if (fchown(fd, sd->run_uid, sd->run_gid) < 0)
		return os_log_fail(-1, "cannot give %s to group %s: %s", path, sd->conf->group,
		                   strerror(errno));
	if (fchmod(fd, mode) < 0)
		return os_log_fail(-1, "cannot chmod %s: %s", path, strerror(errno));
	return 0;
}

/*
 * Opens the directory name below dirfd without following a symbolic link,
 * creating it with mode when missing.  *created tells whether it was made
 * here.  Returns the fd or -1 (logged, naming path).
 */
static int setup_open_dir(int dirfd, const char *name, const char *path, mode_t mode, bool *created)
{
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dirfd, name, flags);

	*created = false;
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
			return os_log_fail(-1, "cannot create directory %s: %s", path,
			                   strerror(errno));
		*created = true;
		fd = openat(dirfd, name, flags);
	}
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return os_log_fail(-1, "%s is a symbolic link or not a directory: refused", path);
	if (fd < 0)
		return os_log_fail(-1, "cannot open directory %s: %s", path, strerror(errno));
	return fd;
}

/*
 * A symbolic link among the parents of a configured directory is followed
 * only when root made it in a directory that only root can change (like
 * /var/lock -> /run/lock): nobody else can have planted or swapped it.
 */
static bool setup_trusted_link(int dirfd, const char *name)
{
	struct stat dir, link;

	if (fstat(dirfd, &dir) < 0 || fstatat(dirfd, name, &link, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return S_ISLNK(link.st_mode) && link.st_uid == 0 && dir.st_uid == 0 &&
	       !(dir.st_mode & (S_IWGRP | S_IWOTH));
}

static int setup_walk(int dirfd, const char *path, int depth);

/* Follows the trusted link name in dirfd; returns an fd of its target. */
static int setup_follow(int dirfd, const char *name, const char *path, int depth)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	int fd;

	if (n < 0 || depth >= 8)
		return os_log_fail(-1, "cannot follow the link %s", path);
	target[n] = '\0';
	if (target[0] == '/')
		return setup_walk(-1, target, depth + 1);
	fd = dup(dirfd);
	return fd < 0 ? -1 : setup_walk(fd, target, depth + 1);
}

/* One parent component: an fd of name below dirfd (which it closes). */
static int setup_step(int dirfd, const char *name, const char *path, int depth)
{
	bool created = false;
	int fd;

	if (setup_trusted_link(dirfd, name))
		fd = setup_follow(dirfd, name, path, depth);
	else
		fd = setup_open_dir(dirfd, name, path, 0755, &created);
	if (fd >= 0 && created && fchmod(fd, 0755) < 0) {
		close(fd);
		fd = os_log_fail(-1, "cannot chmod %s: %s", path, strerror(errno));
	}
	close(dirfd);
	return fd;
}

/*
 * Walks path component by component from dirfd (closed here; -1 for an
 * absolute path, started at "/"), creating missing directories with mode
 * 0755.  Returns an fd of the last directory, or -1.
 */
static int setup_walk(int dirfd, const char *path, int depth)
{
	char buf[PATH_MAX], *save = NULL;
	int fd = dirfd;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return os_log_fail(-1, "path too long: %s", path);
	if (fd < 0)
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return os_log_fail(-1, "cannot open /: %s", strerror(errno));
	for (char *c = strtok_r(buf, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save))
		if (strcmp(c, ".") != 0)
			fd = setup_step(fd, c, path, depth);
	return fd;
}

/*
 * Opens the configured directory path: its parents through setup_walk, the
 * directory itself never through a link.  It gets the run owner, group and
 * mode.  Returns the fd or -1.
 */
static int setup_owned_dir(const struct slotd *sd, const char *path, mode_t mode)
{
	char parent[PATH_MAX], *slash;
	bool created;
	int pfd, fd;

	if (path[0] != '/' || snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent))
		return os_log_fail(-1, "not an absolute path: %s", path);
	while ((slash = strrchr(parent, '/')) && slash[1] == '\0' && slash != parent)
		*slash = '\0';
	slash = strrchr(parent, '/');
	if (slash[1] == '\0')
		return os_log_fail(-1, "not a directory slotd can own: %s", path);
	*slash = '\0';
	pfd = setup_walk(-1, parent, 0);
	if (pfd < 0)
		return -1;
	fd = setup_open_dir(pfd, slash + 1, path, mode, &created);
	close(pfd);
	if (fd >= 0 && setup_own(sd, fd, path, mode) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Creates (or opens) the lock file name in dirfd, readable by the group. */
static int setup_lock_file(const struct slotd *sd, int dirfd, const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rv = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = openat(dirfd, name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	            SETUP_MODE_LOCKFILE);
	if (fd < 0)
		return os_log_fail(-1, "cannot create lock file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		os_log(LOG_ERR, "%s is not a regular file: refused", path);
	else
		rv = setup_own(sd, fd, path, SETUP_MODE_LOCKFILE);
	close(fd);
	return rv;
}

/* <lock>/<token>/ with LCK..<token> in it, and <data>/<token>/. */
static int setup_token(const struct slotd *sd, int lock_fd, int data_fd, const char *token)
{
	const struct os_conf *c = sd->conf;
	char path[PATH_MAX], name[OS_CONF_TOKEN_MAX + 8];
	bool created;
	int fd, rv;

	snprintf(path, sizeof(path), "%s/%s", c->lock_dir, token);
	fd = setup_open_dir(lock_fd, token, path, SETUP_MODE_LOCK, &created);
	if (fd < 0 || setup_own(sd, fd, path, SETUP_MODE_LOCK) < 0)
		goto fail;
	snprintf(name, sizeof(name), "LCK..%s", token);
	rv = setup_lock_file(sd, fd, path, name);
	close(fd);
	if (rv < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", c->data_dir, token);
	fd = setup_open_dir(data_fd, token, path, SETUP_MODE_DATA, &created);
	if (fd < 0 || setup_own(sd, fd, path, SETUP_MODE_DATA) < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* dir/tpm, which the group may traverse but not list (see tokens_user.c). */
static int setup_user_top(const struct slotd *sd, int dirfd, const char *dir)
{
	char path[PATH_MAX];
	bool created;
	int fd, rv;

	snprintf(path, sizeof(path), "%s/%s", dir, OS_PATHS_USER_TOP);
	fd = setup_open_dir(dirfd, OS_PATHS_USER_TOP, path, SETUP_MODE_USER_TOP, &created);
	if (fd < 0)
		return -1;
	rv = setup_own(sd, fd, path, SETUP_MODE_USER_TOP);
	close(fd);
	return rv;
}

static int setup_tokens(const struct slotd *sd, int lock_fd, int data_fd)
{
	const struct os_conf *c = sd->conf;
	bool per_user = false;

	if (setup_lock_file(sd, lock_fd, c->lock_dir, SETUP_LOCK_API) < 0)
		return -1;
	for (size_t i = 0; i < c->n_slots; i++) {
		if (os_conf_slot_per_user(&c->slots[i]))
			per_user = true;
		else if (setup_token(sd, lock_fd, data_fd, c->slots[i].token) < 0)
			return -1;
	}
	if (per_user && (setup_user_top(sd, lock_fd, c->lock_dir) < 0 ||
	                 setup_user_top(sd, data_fd, c->data_dir) < 0))
		return -1;
	return 0;
}

static void setup_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * Makes the four directories of sd->conf, each token's directories and the
 * lock files.  The run directory's fd is kept in sd->run_fd (the socket and
 * pid file are made relative to it); an earlier one is replaced.
 */
int slotd_setup_dirs(struct slotd *sd)
{
	const struct os_conf *c = sd->conf;
	int run_fd, lock_fd = -1, data_fd = -1, log_fd = -1, rv = -1;

	run_fd = setup_owned_dir(sd, c->run_dir, SETUP_MODE_RUN);
	if (run_fd < 0)
		return -1;
	lock_fd = setup_owned_dir(sd, c->lock_dir, SETUP_MODE_LOCK);
	data_fd = lock_fd < 0 ? -1 : setup_owned_dir(sd, c->data_dir, SETUP_MODE_DATA);
	log_fd = data_fd < 0 ? -1 : setup_owned_dir(sd, c->log_dir, SETUP_MODE_LOG);
	if (log_fd >= 0)
		rv = setup_tokens(sd, lock_fd, data_fd);
	if (rv == 0) {
		if (sd->run_fd >= 0)
			close(sd->run_fd);
		sd->run_fd = run_fd;
		run_fd = -1;
	}
	setup_close(run_fd);
	setup_close(lock_fd);
	setup_close(data_fd);
	setup_close(log_fd);
	return rv;
}

static pid_t setup_read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

/* Opens the pid file in the run directory: a regular file, never a link. */
static int setup_open_pidfile(struct slotd *sd)
{
	struct stat st;

	if (os_paths_join(sd->pid_path, sizeof(sd->pid_path), sd->conf->run_dir, OS_PIDFILE_NAME) <
	    0)
		return os_log_fail(-1, "run directory path too long");
	sd->pid_fd = openat(sd->run_fd, OS_PIDFILE_NAME,
	                    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0640);
	if (sd->pid_fd < 0)
		return os_log_fail(-1, "cannot open %s: %s", sd->pid_path, strerror(errno));
	if (fstat(sd->pid_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(sd->pid_fd);
		sd->pid_fd = -1;
		return os_log_fail(-1, "%s is not a regular file", sd->pid_path);
	}
	return 0;
}

int slotd_setup_pidlock(struct slotd *sd)
{
	char buf[32];
	int n;

	if (setup_open_pidfile(sd) < 0)
		return -1;
	if (flock(sd->pid_fd, LOCK_EX | LOCK_NB) < 0) {
		pid_t other = setup_read_pid(sd->pid_fd);
		close(sd->pid_fd);
		sd->pid_fd = -1;
		return os_log_fail(-1, "another slotd (pid %ld) is serving %s", (long)other,
		                   sd->conf->run_dir);
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(sd->pid_fd, 0) < 0 || pwrite(sd->pid_fd, buf, (size_t)n, 0) != n)
		return os_log_fail(-1, "cannot write %s: %s", sd->pid_path, strerror(errno));
	if (fchmod(sd->pid_fd, 0640) < 0 ||
	    (fchown(sd->pid_fd, sd->run_uid, sd->run_gid) < 0 && geteuid() == 0))
		return os_log_fail(-1, "cannot set owner/mode of %s: %s", sd->pid_path,
		                   strerror(errno));
	return 0;
}

int slotd_setup_drop_privileges(struct slotd *sd)
{
	if (geteuid() != 0 || sd->run_uid == 0)
		return 0;
	if (setgroups(1, &sd->run_gid) < 0 || setgid(sd->run_gid) < 0 || setuid(sd->run_uid) < 0)
		return os_log_fail(-1, "cannot drop privileges to %s: %s", sd->conf->user,
		                   strerror(errno));
	if (setuid(0) == 0)
		return os_log_fail(-1, "privileges could be regained after dropping them");
	os_log(LOG_INFO, "running as user %s, group %s", sd->conf->user, sd->conf->group);
	return 0;
}

/* Removes the socket and pid file; the pid lock goes with the process. */
void slotd_setup_cleanup(struct slotd *sd)
{
	if (sd->socket_path[0] && sd->run_fd >= 0)
		unlinkat(sd->run_fd, OS_SOCKET_NAME, 0);
	if (sd->pid_fd >= 0) {
		if (sd->run_fd >= 0)
			unlinkat(sd->run_fd, OS_PIDFILE_NAME, 0);
		close(sd->pid_fd);
		sd->pid_fd = -1;
	}
	if (sd->run_fd >= 0)
		close(sd->run_fd);
	sd->run_fd = -1;
}
