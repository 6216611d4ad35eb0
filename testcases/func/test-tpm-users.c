/*
 * Functional test of the per-user TPM tokens: a slotd started by root runs
 * as its own throwaway service user, with a tpm slot on a private swtpm
 * (and a second tpm slot on it, which has no tokens); users A and B are
 * members of its throwaway group.
 *
 * Each user initialises the token of the tpm slot with a label and PINs of
 * their own and stores objects; each then sees only their own label and
 * objects, and the other's PINs open nothing.  B cannot list or open
 * anything of A's under <data>/tpm/A or <lock>/tpm/A (EACCES), and A cannot
 * read their own MK_* files.  B initialising the token again over the
 * protocol wipes B's token, not A's.  A's open sessions are counted in
 * A's CK_TOKEN_INFO and not in B's.  The modes and POSIX ACLs of
 * everything slotd made, exactly.  Last, on a file system without ACLs
 * (a ramfs mounted on <data>/tpm) a third user's token is not present.
 *
 * Each user's part runs in a forked child as that user with its own copy of
 * the library (users_run_as); the tests run in order and share one slotd.
 * Needs root (it makes users); anyone else gets a SKIP.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "client.h"
#include "conf.h"
#include "harness.h"
#include "p11child.h"
#include "swtpm.h"
#include "users.h"

#define SLOT             0
#define SECOND           1 /* a second tpm slot on the same TPM: no tokens */
#define CHILD_TIMEOUT_MS 30000

struct fixture {
	struct harness h;
	struct swtpm tpm;
	char group[33];
	struct users_account slotd, a, b, c;
	char lib[PATH_MAX];
	char ramfs[PATH_MAX]; /* mounted by test_no_acl, or empty */
};

/* One user's token: who, PINs, label, the prefix of its objects' labels. */
struct part {
	const struct fixture *fx;
	const struct users_account *who, *other;
	const char *so_pin, *user_pin, *label, *tag;
	const char *other_so_pin, *other_user_pin, *other_label, *other_tag;
	int pipe_in, pipe_out; /* part_hold_sessions: waits on one, signals on the other */
};

/*
 * The TPM counts every wrong PIN, whoever's token it was for: the wrong
 * PINs this test tries on purpose must not lock the TPM, so the lockout
 * comes only after many and each failure is forgotten after a second.
 */
static int da_generous(const struct swtpm *tpm)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
	         "TPM2TOOLS_TCTI='%s' tpm2_dictionarylockout -s -n 1000 -t 1 -l 1 -c", tpm->tcti);
	return system(cmd) == 0 ? 0 : -1;
}

static int setup_instance(struct fixture *fx)
{
	char extra[96], slots[512];

	if (users_create_group("osl-g", fx->group, sizeof(fx->group)) == (gid_t)-1 ||
	    users_create("osl-d", NULL, &fx->slotd) < 0 ||
	    users_create("osl-a", fx->group, &fx->a) < 0 ||
	    users_create("osl-b", fx->group, &fx->b) < 0 ||
	    users_create("osl-c", fx->group, &fx->c) < 0 || harness_init(&fx->h) < 0 ||
	    swtpm_start(&fx->tpm, fx->h.dir) < 0 || da_generous(&fx->tpm) < 0)
		return -1;
	harness_set_group(&fx->h, fx->group);
	snprintf(fx->h.log, sizeof(fx->h.log), "%s/slotd.err", fx->h.dir);
	snprintf(extra, sizeof(extra), "user = \"%s\";", fx->slotd.name);
	snprintf(slots, sizeof(slots),
	         "{ id = %d; backend = \"tpm\"; token = \"tpm\"; options = { tcti = \"%s\"; "
	         "pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; }; },\n"
	         "{ id = %d; backend = \"tpm\"; token = \"second\"; "
	         "options = { tcti = \"%s\"; }; }",
	         SLOT, fx->tpm.tcti, SECOND, fx->tpm.tcti);
	if (harness_write_conf(&fx->h, extra, slots) < 0 ||
	    users_share_instance(&fx->h, fx->lib, sizeof(fx->lib)) < 0)
		return -1;
	return harness_start(&fx->h, NULL);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	char line[1024];
	FILE *fp;

	if (fx->ramfs[0])
		umount2(fx->ramfs, MNT_DETACH);
	harness_stop(&fx->h);
	/* slotd's standard error went to a file: show it, sanitizer reports included */
	fp = fopen(fx->h.log, "r");
	while (fp && fgets(line, sizeof(line), fp))
		fputs(line, stderr);
	if (fp)
		fclose(fp);
	harness_cleanup(&fx->h);
	swtpm_cleanup(&fx->tpm);
	users_remove_all();
	free(fx);
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	*state = fx;
	if (setup_instance(fx) == 0)
		return 0;
	fprintf(stderr, "cannot set up users, a swtpm and a slotd running as its user\n");
	teardown(state);
	return -1;
}

static CK_FUNCTION_LIST_3_0 *part_begin(const struct part *p)
{
	CK_FUNCTION_LIST_3_0 *f = p11child_load(p->fx->lib);

	if (!f || f->C_Initialize(NULL) != CKR_OK) {
		fprintf(stderr, "uid %ld: cannot load and initialise the library\n",
		        (long)getuid());
		return NULL;
	}
	return f;
}

static CK_RV open_rw(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE *s)
{
	return f->C_OpenSession(SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
}

static CK_RV login(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, CK_USER_TYPE u, const char *pin)
{
	return f->C_Login(s, u, (CK_UTF8CHAR_PTR)pin, strlen(pin));
}

static void pad(CK_UTF8CHAR out[32], const char *s)
{
	memset(out, ' ', 32);
	memcpy(out, s, strlen(s));
}

/* Whether the token in the slot has label (padded) and is initialised. */
static int has_label(CK_FUNCTION_LIST_3_0 *f, const char *label)
{
	CK_TOKEN_INFO info;
	CK_UTF8CHAR want[32];

	pad(want, label);
	return f->C_GetTokenInfo(SLOT, &info) == CKR_OK && (info.flags & CKF_TOKEN_INITIALIZED) &&
	       memcmp(info.label, want, 32) == 0;
}

static const char *tagged(char *buf, size_t len, const char *tag, const char *what)
{
	snprintf(buf, len, "%s-%s", tag, what);
	return buf;
}

/* The user initialises their own token, sets the user PIN and stores two objects. */
static int part_initialise(void *arg)
{
	const struct part *p = arg;
	CK_FUNCTION_LIST_3_0 *f = part_begin(p);
	CK_UTF8CHAR label[32];
	CK_TOKEN_INFO info;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	char l[64];

	P11CHILD_CHECK(f != NULL);
	/* another user's token, initialised or not, is not this user's */
	P11CHILD_EXPECT(f->C_GetTokenInfo(SLOT, &info), CKR_OK);
	P11CHILD_CHECK(!(info.flags & CKF_TOKEN_INITIALIZED));
	pad(label, p->label);
	P11CHILD_EXPECT(f->C_InitToken(SLOT, (CK_UTF8CHAR_PTR)p->so_pin, strlen(p->so_pin), label),
	                CKR_OK);
	P11CHILD_CHECK(has_label(f, p->label));
	P11CHILD_EXPECT(open_rw(f, &s), CKR_OK);
	P11CHILD_EXPECT(login(f, s, CKU_SO, p->so_pin), CKR_OK);
	P11CHILD_EXPECT(f->C_InitPIN(s, (CK_UTF8CHAR_PTR)p->user_pin, strlen(p->user_pin)), CKR_OK);
	P11CHILD_EXPECT(f->C_Logout(s), CKR_OK);
	P11CHILD_EXPECT(login(f, s, CKU_USER, p->user_pin), CKR_OK);
	P11CHILD_EXPECT(
	    p11child_create_data(f, s, tagged(l, sizeof(l), p->tag, "public"), CK_FALSE, &h),
	    CKR_OK);
	P11CHILD_EXPECT(
	    p11child_create_data(f, s, tagged(l, sizeof(l), p->tag, "private"), CK_TRUE, &h),
	    CKR_OK);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/*
 * The user sees their own label and objects only; the other's PINs open
 * nothing; the second tpm slot has no token.
 */
static int part_sees_own(void *arg)
{
	const struct part *p = arg;
	CK_FUNCTION_LIST_3_0 *f = part_begin(p);
	CK_SLOT_INFO slot;
	CK_SESSION_HANDLE s;
	char l[64];

	P11CHILD_CHECK(f != NULL);
	P11CHILD_CHECK(has_label(f, p->label));
	P11CHILD_CHECK(!has_label(f, p->other_label));
	P11CHILD_EXPECT(f->C_GetSlotInfo(SECOND, &slot), CKR_OK);
	P11CHILD_CHECK(!(slot.flags & CKF_TOKEN_PRESENT));
	P11CHILD_EXPECT(open_rw(f, &s), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, tagged(l, sizeof(l), p->tag, "public"), NULL) ==
	               1);
	P11CHILD_CHECK(
	    p11child_find_label(f, s, tagged(l, sizeof(l), p->other_tag, "public"), NULL) == 0);
	P11CHILD_EXPECT(login(f, s, CKU_USER, p->other_user_pin), CKR_PIN_INCORRECT);
	P11CHILD_EXPECT(login(f, s, CKU_SO, p->other_so_pin), CKR_PIN_INCORRECT);
	P11CHILD_EXPECT(login(f, s, CKU_USER, p->user_pin), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, tagged(l, sizeof(l), p->tag, "private"), NULL) ==
	               1);
	P11CHILD_CHECK(
	    p11child_find_label(f, s, tagged(l, sizeof(l), p->other_tag, "private"), NULL) == 0);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* <base>/tpm/<user>/<rest> of the instance, where base is "data" or "lock". */
static const char *path_of(char *buf, size_t len, const struct fixture *fx, const char *base,
                           const char *user, const char *rest)
{
	snprintf(buf, len, "%s/%s/tpm%s%s%s%s", fx->h.dir, base, user ? "/" : "", user ? user : "",
	         rest ? "/" : "", rest ? rest : "");
	return buf;
}

/* Whether open(path, flags) fails with EACCES. */
static int refused(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0) {
		close(fd);
		fprintf(stderr, "uid %ld opened %s\n", (long)getuid(), path);
		return 0;
	}
	if (errno != EACCES)
		fprintf(stderr, "uid %ld: %s: %s, not EACCES\n", (long)getuid(), path,
		        strerror(errno));
	return errno == EACCES;
}

/* B tries to list, read and change A's files directly: every attempt is EACCES. */
static int part_b_attacks_files(void *arg)
{
	const struct part *p = arg;
	const char *a = p->other->name;
	char path[PATH_MAX];

	P11CHILD_CHECK(refused(path_of(path, sizeof(path), p->fx, "data", NULL, NULL),
	                       O_RDONLY | O_DIRECTORY));
	P11CHILD_CHECK(refused(path_of(path, sizeof(path), p->fx, "lock", NULL, NULL),
	                       O_RDONLY | O_DIRECTORY));
	P11CHILD_CHECK(opendir(path_of(path, sizeof(path), p->fx, "data", a, NULL)) == NULL &&
	               errno == EACCES);
	P11CHILD_CHECK(refused(path, O_RDONLY | O_DIRECTORY));
	P11CHILD_CHECK(
	    refused(path_of(path, sizeof(path), p->fx, "data", a, "TOK_OBJ/OBJ_IDX"), O_RDONLY));
	P11CHILD_CHECK(
	    refused(path_of(path, sizeof(path), p->fx, "data", a, "TOK_OBJ/OBJ_IDX"), O_WRONLY));
	P11CHILD_CHECK(
	    refused(path_of(path, sizeof(path), p->fx, "data", a, "NVTOK.DAT"), O_RDONLY));
	P11CHILD_CHECK(refused(path_of(path, sizeof(path), p->fx, "data", a, "MK_USER"), O_RDONLY));
	P11CHILD_CHECK(
	    refused(path_of(path, sizeof(path), p->fx, "data", a, "planted"), O_WRONLY | O_CREAT));
	P11CHILD_CHECK(
	    refused(path_of(path, sizeof(path), p->fx, "lock", a, "LCK..tpm"), O_RDONLY));
	P11CHILD_CHECK(
	    refused(path_of(path, sizeof(path), p->fx, "lock", a, NULL), O_RDONLY | O_DIRECTORY));
	return 0;
}

/* A reads their own store, but not their master-key files (slotd's alone). */
static int part_a_reads_own(void *arg)
{
	const struct part *p = arg;
	char path[PATH_MAX];
	int fd;

	fd = open(path_of(path, sizeof(path), p->fx, "data", p->who->name, "TOK_OBJ/OBJ_IDX"),
	          O_RDONLY | O_CLOEXEC);
	P11CHILD_CHECK(fd >= 0);
	close(fd);
	P11CHILD_CHECK(
	    refused(path_of(path, sizeof(path), p->fx, "data", p->who->name, "MK_USER"), O_RDONLY));
	P11CHILD_CHECK(
	    refused(path_of(path, sizeof(path), p->fx, "data", p->who->name, "MK_SO"), O_RDONLY));
	P11CHILD_CHECK(refused(
	    path_of(path, sizeof(path), p->fx, "data", p->who->name, "TOK_OBJ/OBJ_IDX"), O_WRONLY));
	return 0;
}

/*
 * B speaks the protocol itself: the token of the tpm slot it opens and
 * initialises again is its own (A's SO PIN is wrong for it), whatever A's
 * token holds.
 */
static int part_b_raw(void *arg)
{
	const struct part *p = arg;
	struct os_conf *conf = NULL;
	struct os_client cl;
	char err[256];
	uid_t owner;
	int fd = -1;

	P11CHILD_CHECK(os_conf_load(p->fx->h.conf, &conf, err, sizeof(err)) == 0);
	P11CHILD_CHECK(os_client_connect_conf(&cl, conf, "test-tpm-users", err, sizeof(err)) == 0);
	P11CHILD_CHECK(os_client_open_token(&cl, SLOT, &fd, &owner) == CKR_OK && fd >= 0);
	P11CHILD_CHECK(owner == p->fx->slotd.uid);
	close(fd);
	/* A's SO PIN is checked against B's token */
	P11CHILD_EXPECT((CK_RV)harness_init_token(&cl, SLOT, p->other_so_pin), CKR_PIN_INCORRECT);
	P11CHILD_EXPECT((CK_RV)harness_init_token(&cl, SLOT, p->so_pin), CKR_OK);
	os_client_close(&cl);
	os_conf_free(conf);
	return 0;
}

/* The token's session count in this process, waiting (bounded) for want. */
static CK_ULONG session_count(CK_FUNCTION_LIST_3_0 *f, CK_ULONG want)
{
	CK_TOKEN_INFO info = {0};

	for (int i = 0; i < 1000; i++) {
		if (f->C_GetTokenInfo(SLOT, &info) != CKR_OK || info.ulSessionCount == want)
			break;
		usleep(10000);
	}
	return info.ulSessionCount;
}

/* A process of the user holding two sessions until its parent closes ready[1]. */
static int part_hold_sessions(void *arg)
{
	const struct part *p = arg;
	CK_FUNCTION_LIST_3_0 *f = part_begin(p);
	CK_SESSION_HANDLE s1, s2;
	char c;

	P11CHILD_CHECK(f != NULL);
	P11CHILD_EXPECT(open_rw(f, &s1), CKR_OK);
	P11CHILD_EXPECT(open_rw(f, &s2), CKR_OK);
	P11CHILD_CHECK(write(p->pipe_out, "r", 1) == 1);
	P11CHILD_CHECK(read(p->pipe_in, &c, 1) >= 0);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* Another process of the same user sees the two sessions. */
static int part_counts_two(void *arg)
{
	CK_FUNCTION_LIST_3_0 *f = part_begin(arg);

	P11CHILD_CHECK(f != NULL);
	P11CHILD_CHECK(session_count(f, 2) == 2);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* A process of the other user sees none of them. */
static int part_counts_none(void *arg)
{
	CK_FUNCTION_LIST_3_0 *f = part_begin(arg);
	CK_TOKEN_INFO info;

	P11CHILD_CHECK(f != NULL);
	P11CHILD_EXPECT(f->C_GetTokenInfo(SLOT, &info), CKR_OK);
	P11CHILD_CHECK(info.ulSessionCount == 0 && info.ulRwSessionCount == 0);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

static struct part part_of(const struct fixture *fx, bool a)
{
	struct part pa = {fx,
	                  &fx->a,
	                  &fx->b,
	                  "so-pin-of-a",
	                  "user-pin-of-a",
	                  "token of a",
	                  "a",
	                  "so-pin-of-b",
	                  "user-pin-of-b",
	                  "token of b",
	                  "b",
	                  -1,
	                  -1};
	struct part pb = {fx,
	                  &fx->b,
	                  &fx->a,
	                  "so-pin-of-b",
	                  "user-pin-of-b",
	                  "token of b",
	                  "b",
	                  "so-pin-of-a",
	                  "user-pin-of-a",
	                  "token of a",
	                  "a",
	                  -1,
	                  -1};

	return a ? pa : pb;
}

static void run_as(const struct fixture *fx, bool a, int (*fn)(void *))
{
	struct part p = part_of(fx, a);

	assert_int_equal(users_run_as(p.who, 022, CHILD_TIMEOUT_MS, fn, &p), 0);
}

static void test_each_initialises(void **state)
{
	run_as(*state, true, part_initialise);
	run_as(*state, false, part_initialise);
}

static void test_each_sees_own(void **state)
{
	run_as(*state, true, part_sees_own);
	run_as(*state, false, part_sees_own);
}

static void test_files_refused(void **state)
{
	run_as(*state, false, part_b_attacks_files);
	run_as(*state, true, part_a_reads_own);
}

/* B's raw C_InitToken on the slot: A's SO PIN fails, B's wipes B's token; A's stays. */
static void test_protocol_acts_on_own(void **state)
{
	run_as(*state, false, part_b_raw);
	run_as(*state, true, part_sees_own);
}

/* The ACL in xattr name of path as text ("user::rwx,user:NAME:r-x,..."), or "none". */
static void acl_text(const char *path, const char *name, char *out, size_t len)
{
	unsigned char buf[256];
	ssize_t n = getxattr(path, name, buf, sizeof(buf));
	size_t at = 0;

	snprintf(out, len, "none");
	if (n < (ssize_t)sizeof(struct posix_acl_xattr_header))
		return;
	for (size_t i = sizeof(struct posix_acl_xattr_header); i + 8 <= (size_t)n; i += 8) {
		struct posix_acl_xattr_entry e;
		memcpy(&e, buf + i, sizeof(e));
		unsigned tag = le16toh(e.e_tag), perm = le16toh(e.e_perm);
		struct passwd *pw = tag == ACL_USER ? getpwuid(le32toh(e.e_id)) : NULL;
		const char *kind = tag == ACL_USER_OBJ || tag == ACL_USER ? "user"
		                   : tag == ACL_MASK                      ? "mask"
		                   : tag == ACL_OTHER                     ? "other"
		                                                          : "group";
		at += (size_t)snprintf(out + at, len - at, "%s%s:%s:%c%c%c", at ? "," : "", kind,
		                       pw ? pw->pw_name : "", perm & 4 ? 'r' : '-',
		                       perm & 2 ? 'w' : '-', perm & 1 ? 'x' : '-');
	}
}

/* path's owner is slotd's user, its mode is mode, its ACLs are access and dflt. */
static void check_file(const struct fixture *fx, const char *path, mode_t mode, const char *access,
                       const char *dflt)
{
	struct stat st;
	char got[256];

	assert_int_equal(lstat(path, &st), 0);
	if (st.st_uid != fx->slotd.uid || (st.st_mode & 07777) != mode)
		fprintf(stderr, "%s: uid %ld mode %o\n", path, (long)st.st_uid,
		        (unsigned)(st.st_mode & 07777));
	assert_int_equal(st.st_uid, fx->slotd.uid);
	assert_int_equal(st.st_mode & 07777, mode);
	acl_text(path, "system.posix_acl_access", got, sizeof(got));
	assert_string_equal(got, access);
	acl_text(path, "system.posix_acl_default", got, sizeof(got));
	assert_string_equal(got, dflt);
}

/* Every object file of A's store: 0640, the ACL of the other files. */
static void check_objects(const struct fixture *fx, const char *file)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(path_of(dir, sizeof(dir), fx, "data", fx->a.name, "TOK_OBJ"));

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".obj") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		check_file(fx, path, 0640, file, "none");
		n++;
	}
	closedir(d);
	assert_int_equal(n, 2); /* a-public and a-private */
}

/* Everything slotd made for A, exactly. */
static void test_modes(void **state)
{
	const struct fixture *fx = *state;
	const char *a = fx->a.name;
	char path[PATH_MAX], dir[256], file[256], secret[256];

	snprintf(dir, sizeof(dir), "user::rwx,user:%s:r-x,group::---,mask::r-x,other::---", a);
	snprintf(file, sizeof(file), "user::rw-,user:%s:r-x,group::---,mask::r--,other::---", a);
	snprintf(secret, sizeof(secret), "user::rw-,user:%s:r-x,group::---,mask::---,other::---",
	         a);
	check_file(fx, path_of(path, sizeof(path), fx, "data", NULL, NULL), 0710, "none", "none");
	check_file(fx, path_of(path, sizeof(path), fx, "lock", NULL, NULL), 0710, "none", "none");
	check_file(fx, path_of(path, sizeof(path), fx, "data", a, NULL), 0750, dir, dir);
	check_file(fx, path_of(path, sizeof(path), fx, "lock", a, NULL), 0750, dir, dir);
	check_file(fx, path_of(path, sizeof(path), fx, "data", a, "TOK_OBJ"), 0750, dir, dir);
	check_file(fx, path_of(path, sizeof(path), fx, "data", a, "TOK_OBJ/OBJ_IDX"), 0640, file,
	           "none");
	check_objects(fx, file);
	check_file(fx, path_of(path, sizeof(path), fx, "data", a, "NVTOK.DAT"), 0600, secret,
	           "none");
	check_file(fx, path_of(path, sizeof(path), fx, "data", a, "MK_SO"), 0600, secret, "none");
	check_file(fx, path_of(path, sizeof(path), fx, "data", a, "MK_USER"), 0600, secret, "none");
	snprintf(file, sizeof(file), "user::rw-,user:%s:r--,group::---,mask::r--,other::---", a);
	check_file(fx, path_of(path, sizeof(path), fx, "lock", a, "LCK..tpm"), 0640, file, "none");
}

/*
 * While a process of A holds two sessions, another process of A counts
 * them in CK_TOKEN_INFO and a process of B counts none.
 */
static void test_session_counts(void **state)
{
	const struct fixture *fx = *state;
	struct part hold = part_of(fx, true);
	int ready[2], release[2], st;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	hold.pipe_out = ready[1];
	hold.pipe_in = release[0];
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(release[1]);
		_exit(users_run_as(hold.who, 022, CHILD_TIMEOUT_MS, part_hold_sessions, &hold));
	}
	close(ready[1]);
	close(release[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	run_as(fx, true, part_counts_two);
	run_as(fx, false, part_counts_none);
	close(release[1]);
	close(ready[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* C's tpm token, on a file system without ACLs, is not present. */
static int part_no_token(void *arg)
{
	CK_FUNCTION_LIST_3_0 *f = part_begin(arg);
	CK_TOKEN_INFO info;
	CK_SLOT_INFO slot;

	P11CHILD_CHECK(f != NULL);
	P11CHILD_EXPECT(f->C_GetSlotInfo(SLOT, &slot), CKR_OK);
	P11CHILD_CHECK(!(slot.flags & CKF_TOKEN_PRESENT));
	P11CHILD_EXPECT(f->C_GetTokenInfo(SLOT, &info), CKR_TOKEN_NOT_PRESENT);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* Whether slotd's standard error holds what. */
static int slotd_said(const struct fixture *fx, const char *what)
{
	char line[1024];
	int found = 0;
	FILE *fp = fopen(fx->h.log, "r");

	while (fp && !found && fgets(line, sizeof(line), fp))
		found = strstr(line, what) != NULL;
	if (fp)
		fclose(fp);
	return found;
}

/*
 * A ramfs (no xattrs, so no ACLs) mounted on <data>/tpm for slotd's user:
 * the token of a user who had none is not present, and slotd says why.
 * Runs last: it hides A's and B's directories.
 */
static void test_no_acl(void **state)
{
	struct fixture *fx = *state;
	struct users_account *c = &fx->c;
	struct part p = {fx, c, &fx->a, "", "", "", "", "", "", "", "", -1, -1};

	path_of(fx->ramfs, sizeof(fx->ramfs), fx, "data", NULL, NULL);
	if (mount("none", fx->ramfs, "ramfs", 0, "mode=0710") < 0) {
		fprintf(stderr, "cannot mount a ramfs (%s): not tested\n", strerror(errno));
		fx->ramfs[0] = '\0';
		skip();
	}
	assert_int_equal(chown(fx->ramfs, fx->slotd.uid, fx->slotd.gid), 0);
	assert_int_equal(users_run_as(c, 022, CHILD_TIMEOUT_MS, part_no_token, &p), 0);
	assert_true(slotd_said(fx, "does not support POSIX ACLs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_initialises), cmocka_unit_test(test_each_sees_own),
	    cmocka_unit_test(test_files_refused),    cmocka_unit_test(test_protocol_acts_on_own),
	    cmocka_unit_test(test_session_counts),   cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_no_acl),
	};

	users_require_root("test-tpm-users");
	return cmocka_run_group_tests(tests, setup, teardown);
}
