/*
 * The directories of a per-user token (the tpm backend's): each Unix user
 * has a store of their own in <data>/tpm/<user>/ and a lock file
 * <lock>/tpm/<user>/LCK..tpm.  The user is the uid the kernel gave for the
 * connection (SO_PEERCRED), named by the password database here; a client
 * never names it.
 *
 * slotd owns and alone writes both directories.  The user reads their own
 * store directly, as every client reads its token's, through a POSIX ACL:
 * each directory is mode 0750 with the access and default ACL
 *
 *   user::rwx  user:<uid>:r-x  group::---  mask::r-x  other::---
 *
 * so files slotd creates in it inherit read access for that uid alone, cut
 * down by the mask to what the file's group bits allow (0640 files and
 * TOK_OBJ are readable by the user, 0600 ones such as MK_* are not); the
 * group entry gives the pkcs11 group nothing.  The ACLs are written on the
 * open descriptors as the kernel's xattrs (<linux/posix_acl_xattr.h>), and
 * again on every open, so a directory made before keeps them.  When the
 * user is slotd's own (a private instance), the directories are mode 0700
 * and need no ACL.  A file system without ACLs leaves the other users'
 * tokens not present, with the reason in the log.
 */
#include "tokens.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "slotd.h"

#define USER_ACL_ACCESS    "system.posix_acl_access"
#define USER_ACL_DEFAULT   "system.posix_acl_default"
#define USER_MODE_DIR      0750
#define USER_MODE_DIR_SELF 0700
#define USER_MODE_LOCK     0640
#define USER_PERM_RX       (ACL_READ | ACL_EXECUTE)
#define USER_PERM_RWX      (ACL_READ | ACL_WRITE | ACL_EXECUTE)
#define USER_PERM_RW       (ACL_READ | ACL_WRITE)

/* An ACL of five entries in the kernel's xattr form. */
struct user_acl {
	struct posix_acl_xattr_header head;
	struct posix_acl_xattr_entry e[5];
};
_Static_assert(sizeof(struct user_acl) == 4 + 5 * 8, "the xattr form has no padding");

static struct posix_acl_xattr_entry user_acl_entry(unsigned tag, unsigned perm, uint32_t id)
{
	return (struct posix_acl_xattr_entry){
	    .e_tag = htole16(tag), .e_perm = htole16(perm), .e_id = htole32(id)};
}

/* Writes owner, user:uid:perm, group none, mask perm, other none to xattr name of fd. */
static int user_acl_set(int fd, const char *name, unsigned owner, uid_t uid, unsigned perm)
{
	const uint32_t none = (uint32_t)ACL_UNDEFINED_ID;
	struct user_acl acl = {
	    .head = {.a_version = htole32(POSIX_ACL_XATTR_VERSION)},
	    .e = {user_acl_entry(ACL_USER_OBJ, owner, none), user_acl_entry(ACL_USER, perm, uid),
	          user_acl_entry(ACL_GROUP_OBJ, 0, none), user_acl_entry(ACL_MASK, perm, none),
	          user_acl_entry(ACL_OTHER, 0, none)},
	};

	return fsetxattr(fd, name, &acl, sizeof(acl), 0);
}

/* Gives uid read access to the open directory (and what it will hold) or file fd. */
static CK_RV user_grant(int fd, bool dir, uid_t uid, const char *user, const char *path)
{
	int r = dir ? user_acl_set(fd, USER_ACL_ACCESS, USER_PERM_RWX, uid, USER_PERM_RX)
	            : user_acl_set(fd, USER_ACL_ACCESS, USER_PERM_RW, uid, ACL_READ);

	if (r == 0 && dir)
		r = user_acl_set(fd, USER_ACL_DEFAULT, USER_PERM_RWX, uid, USER_PERM_RX);
	if (r == 0)
		return CKR_OK;
	if (errno == EOPNOTSUPP) {
		os_log(LOG_ERR,
		       "the tpm token of user %s is not present: the file system of %s does not "
		       "support POSIX ACLs, which give the user read access to their own store",
		       user, path);
		return CKR_TOKEN_NOT_PRESENT;
	}
	os_log(LOG_ERR, "cannot set the ACL of %s: %s", path, strerror(errno));
	return CKR_DEVICE_ERROR;
}

/* Opens (creating) base/tpm/user, slotd's, with its mode and ACL; -1 on failure (logged). */
static int user_open_dir(const char *base, const char *user, uid_t uid, char *path, size_t len,
                         CK_RV *rv)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	const mode_t mode = uid == geteuid() ? USER_MODE_DIR_SELF : USER_MODE_DIR;
	char top[PATH_MAX];
	struct stat st;
	int tfd, fd = -1;

	*rv = CKR_DEVICE_ERROR;
	if (os_paths_join(top, sizeof(top), base, OS_PATHS_USER_TOP) < 0 ||
	    os_paths_user_dir(path, len, base, user) < 0)
		return os_log_fail(-1, "the tpm token directory of user %s: path too long", user);
	tfd = open(top, flags);
	if (tfd >= 0 && (mkdirat(tfd, user, mode) == 0 || errno == EEXIST))
		fd = openat(tfd, user, flags);
	if (tfd >= 0)
		close(tfd);
	if (fd < 0)
		return os_log_fail(-1, "cannot open directory %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || fchmod(fd, mode) < 0) {
		os_log(LOG_ERR, "%s is not a directory of slotd's user: refused", path);
		close(fd);
		return -1;
	}
	*rv = uid == geteuid() ? CKR_OK : user_grant(fd, true, uid, user, path);
	if (*rv != CKR_OK) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Opens (creating) LCK..tpm in the user's lock directory dfd, readable by the user. */
static CK_RV user_open_lock(int dfd, const char *user, uid_t uid, const char *dir, int *lock_fd)
{
	char path[PATH_MAX];
	struct stat st;
	CK_RV rv = CKR_DEVICE_ERROR;
	int fd = openat(dfd, OS_PATHS_USER_LOCK,
	                O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, USER_MODE_LOCK);

	if (os_paths_join(path, sizeof(path), dir, OS_PATHS_USER_LOCK) < 0)
		snprintf(path, sizeof(path), "%s", OS_PATHS_USER_LOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    fchmod(fd, USER_MODE_LOCK) < 0)
		os_log(LOG_ERR, "cannot open lock file %s: refused or %s", path, strerror(errno));
	else
		rv = uid == geteuid() ? CKR_OK : user_grant(fd, false, uid, user, path);
	if (rv != CKR_OK && fd >= 0)
		close(fd);
	*lock_fd = rv == CKR_OK ? fd : -1;
	return rv;
}

CK_RV slotd_tokens_user_open(const struct slotd *sd, uid_t uid, char *data, size_t datalen,
                             int *lock_fd)
{
	char user[OS_PATHS_USER_MAX + 1], lock[PATH_MAX];
	CK_RV rv;
	int fd;

	*lock_fd = -1;
	if (os_paths_user_name(uid, user, sizeof(user)) < 0) {
		os_log(LOG_ERR, "uid %lu has no user name a tpm token directory can have",
		       (unsigned long)uid);
		return CKR_TOKEN_NOT_PRESENT;
	}
	fd = user_open_dir(sd->conf->lock_dir, user, uid, lock, sizeof(lock), &rv);
	if (fd < 0)
		return rv;
	rv = user_open_lock(fd, user, uid, lock, lock_fd);
	close(fd);
	if (rv != CKR_OK)
		return rv;
	fd = user_open_dir(sd->conf->data_dir, user, uid, data, datalen, &rv);
	if (fd < 0) {
		close(*lock_fd);
		*lock_fd = -1;
		return rv;
	}
	close(fd);
	return CKR_OK;
}
