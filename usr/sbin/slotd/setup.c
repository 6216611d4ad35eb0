/*
 * Start-up chores of slotd: resolving the configured user and group,
 * creating the directories it owns, the pid lock that keeps one slotd per
 * run directory, and the privilege drop.
 *
 * Order at start-up (main.c): ids, directories, pid lock, shm, socket, then
 * the privilege drop in the fixed order supplementary groups, gid, uid.
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
 * Creates dir (one level) if missing and gives it the run owner and group.
 * Directories are setgid so files made in them by clients get the group.
 */
static int setup_dir(struct slotd *sd, const char *dir, mode_t mode)
{
	struct stat st;

	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return os_log_fail(-1, "cannot create directory %s: %s", dir, strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return os_log_fail(-1, "%s is not a directory", dir);
	if (st.st_uid != geteuid() && geteuid() != 0)
		return 0; /* someone else's (e.g. made by tmpfiles.d): leave it */
	if (chown(dir, sd->run_uid, sd->run_gid) < 0)
		return os_log_fail(-1, "cannot give %s to group %s: %s", dir, sd->conf->group,
		                   strerror(errno));
	if (chmod(dir, mode) < 0)
		return os_log_fail(-1, "cannot chmod %s: %s", dir, strerror(errno));
	return 0;
}

static int setup_dir_parents(struct slotd *sd, const char *dir, mode_t mode)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return os_log_fail(-1, "path too long: %s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return os_log_fail(-1, "cannot create directory %s: %s", path,
			                   strerror(errno));
		*p = '/';
	}
	return setup_dir(sd, path, mode);
}

static int setup_token_dir(struct slotd *sd, const char *base, const char *token)
{
	char path[PATH_MAX];

	if (os_paths_join(path, sizeof(path), base, token) < 0)
		return os_log_fail(-1, "path too long: %s/%s", base, token);
	return setup_dir(sd, path, 02770);
}

int slotd_setup_dirs(struct slotd *sd)
{
	const struct os_conf *c = sd->conf;

	umask(007);
	if (setup_dir_parents(sd, c->run_dir, 0770) < 0 ||
	    setup_dir_parents(sd, c->lock_dir, 02770) < 0 ||
	    setup_dir_parents(sd, c->data_dir, 02770) < 0 ||
	    setup_dir_parents(sd, c->log_dir, 02770) < 0)
		return -1;
	for (size_t i = 0; i < c->n_slots; i++) {
		if (setup_token_dir(sd, c->lock_dir, c->slots[i].token) < 0 ||
		    setup_token_dir(sd, c->data_dir, c->slots[i].token) < 0)
			return -1;
	}
	return 0;
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

int slotd_setup_pidlock(struct slotd *sd)
{
	char buf[32];
	int n;

	if (os_paths_join(sd->pid_path, sizeof(sd->pid_path), sd->conf->run_dir, OS_PIDFILE_NAME) <
	    0)
		return os_log_fail(-1, "run directory path too long");
	sd->pid_fd = open(sd->pid_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (sd->pid_fd < 0)
		return os_log_fail(-1, "cannot open %s: %s", sd->pid_path, strerror(errno));
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
	if (fchown(sd->pid_fd, sd->run_uid, sd->run_gid) < 0 && geteuid() == 0)
		return os_log_fail(-1, "cannot chown %s: %s", sd->pid_path, strerror(errno));
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
	if (sd->socket_path[0])
		unlink(sd->socket_path);
	if (sd->pid_fd >= 0) {
		unlink(sd->pid_path);
		close(sd->pid_fd);
		sd->pid_fd = -1;
	}
}
