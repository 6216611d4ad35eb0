/*
 * Functional test of one token shared by several Unix users: a slotd
 * started by root runs as its own throwaway service user with a throwaway
 * group; users A and B are members of the group, C is not.
 *
 * A initialises the token and stores public and private objects; B, once
 * under umask 022 and once under 077, logs in and creates, changes and
 * destroys objects; each sees the other's public objects, and logged in the
 * private ones; C is refused with an error, never a hang.  Last, the modes
 * of everything under the data directory: nothing group-writable or open to
 * others, everything owned by slotd's user, MK_SO, MK_USER and NVTOK.DAT
 * readable by slotd alone.
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

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "p11child.h"
#include "users.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"
#define SLOT     0
#define TOKEN    "shared"

/* A child's whole part, C_Initialize to C_Finalize; Argon2id logins included. */
#define CHILD_TIMEOUT_MS 20000

struct fixture {
	struct harness h;
	char group[33];
	gid_t gid;
	struct users_account slotd, a, b, c;
	char lib[PATH_MAX];
};

/* What a child gets: the fixture and the suffix of the labels it uses. */
struct part {
	const struct fixture *fx;
	const char *tag;
};

static int setup_users(struct fixture *fx)
{
	fx->gid = users_create_group("osl-g", fx->group, sizeof(fx->group));
	if (fx->gid == (gid_t)-1 || users_create("osl-d", NULL, &fx->slotd) < 0 ||
	    users_create("osl-a", fx->group, &fx->a) < 0 ||
	    users_create("osl-b", fx->group, &fx->b) < 0 || users_create("osl-c", NULL, &fx->c) < 0)
		return -1;
	return 0;
}

/* Users, then the instance opened to them, then slotd running as its user. */
static int setup_instance(struct fixture *fx)
{
	char extra[96];

	if (setup_users(fx) < 0 || harness_init(&fx->h) < 0)
		return -1;
	harness_set_group(&fx->h, fx->group);
	snprintf(extra, sizeof(extra), "user = \"%s\";", fx->slotd.name);
	if (harness_write_conf(&fx->h, extra,
	                       "{ id = 0; backend = \"soft\"; token = \"" TOKEN "\"; }") < 0 ||
	    users_share_instance(&fx->h, fx->lib, sizeof(fx->lib)) < 0)
		return -1;
	return harness_start(&fx->h, NULL);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	harness_cleanup(&fx->h);
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
	fprintf(stderr, "cannot set up users and a slotd running as one of them\n");
	teardown(state);
	return -1;
}

/* Loads the library in the child and initialises it; NULL after printing why. */
static CK_FUNCTION_LIST_3_0 *part_begin(const struct part *p)
{
	CK_FUNCTION_LIST_3_0 *f = p11child_load(p->fx->lib);
	CK_RV rv;

	if (!f)
		return NULL;
	rv = f->C_Initialize(NULL);
	if (rv != CKR_OK) {
		fprintf(stderr, "uid %ld: C_Initialize returned 0x%lx\n", (long)getuid(), rv);
		return NULL;
	}
	return f;
}

static CK_RV open_rw(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE *s)
{
	return f->C_OpenSession(SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
}

static CK_RV login(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s)
{
	return f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN));
}

/* Label "<base>-<tag>" in buf. */
static const char *tagged(char *buf, size_t len, const char *base, const char *tag)
{
	snprintf(buf, len, "%s-%s", base, tag);
	return buf;
}

/* A private token AES-256 key generated in the token. */
static CK_RV generate_aes(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, const char *label)
{
	CK_MECHANISM mech = {CKM_AES_KEY_GEN, NULL, 0};
	CK_ULONG len = 32;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE tmpl[] = {{CKA_VALUE_LEN, &len, sizeof(len)},
	                       {CKA_TOKEN, &yes, 1},
	                       {CKA_PRIVATE, &yes, 1},
	                       {CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE h;

	return f->C_GenerateKey(s, &mech, tmpl, 4, &h);
}

/* Encrypts a block with key: proves the key's value reached this process. */
static CK_RV encrypt_with(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
	CK_BYTE iv[16] = {0}, ct[32];
	CK_ULONG ctlen = sizeof(ct);
	CK_MECHANISM mech = {CKM_AES_CBC_PAD, iv, sizeof(iv)};
	CK_RV rv = f->C_EncryptInit(s, &mech, key);

	return rv == CKR_OK ? f->C_Encrypt(s, (CK_BYTE_PTR) "plaintext", 9, ct, &ctlen) : rv;
}

static CK_RV set_label(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                       const char *label)
{
	CK_ATTRIBUTE attr = {CKA_LABEL, (void *)label, strlen(label)};

	return f->C_SetAttributeValue(s, h, &attr, 1);
}

/* A: initialises the token and stores a public, a private and a key object. */
static int part_a_initialise(void *arg)
{
	CK_FUNCTION_LIST_3_0 *f = part_begin(arg);
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;

	P11CHILD_CHECK(f != NULL);
	memset(label, ' ', sizeof(label));
	memcpy(label, "shared by a and b", 17);
	P11CHILD_EXPECT(f->C_InitToken(SLOT, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label),
	                CKR_OK);
	P11CHILD_EXPECT(open_rw(f, &s), CKR_OK);
	P11CHILD_EXPECT(f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
	P11CHILD_EXPECT(f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	P11CHILD_EXPECT(f->C_Logout(s), CKR_OK);
	P11CHILD_EXPECT(login(f, s), CKR_OK);
	P11CHILD_EXPECT(p11child_create_data(f, s, "a-public", CK_FALSE, &h), CKR_OK);
	P11CHILD_EXPECT(p11child_create_data(f, s, "a-private", CK_TRUE, &h), CKR_OK);
	P11CHILD_EXPECT(generate_aes(f, s, "a-aes"), CKR_OK);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* B: reads A's objects, then creates, renames and destroys its own. */
static int part_b_share(void *arg)
{
	const struct part *p = arg;
	CK_FUNCTION_LIST_3_0 *f = part_begin(p);
	CK_OBJECT_HANDLE h, key = CK_INVALID_HANDLE;
	CK_SESSION_HANDLE s;
	char l1[64], l2[64];

	P11CHILD_CHECK(f != NULL);
	P11CHILD_EXPECT(open_rw(f, &s), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, "a-public", NULL) == 1);
	P11CHILD_CHECK(p11child_find_label(f, s, "a-private", NULL) == 0);
	P11CHILD_EXPECT(login(f, s), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, "a-private", NULL) == 1);
	P11CHILD_CHECK(p11child_find_label(f, s, "a-aes", &key) == 1);
	P11CHILD_EXPECT(encrypt_with(f, s, key), CKR_OK);
	P11CHILD_EXPECT(
	    p11child_create_data(f, s, tagged(l1, sizeof(l1), "b-public", p->tag), CK_FALSE, &h),
	    CKR_OK);
	P11CHILD_EXPECT(
	    p11child_create_data(f, s, tagged(l1, sizeof(l1), "b-private", p->tag), CK_TRUE, &h),
	    CKR_OK);
	P11CHILD_EXPECT(generate_aes(f, s, tagged(l1, sizeof(l1), "b-aes", p->tag)), CKR_OK);
	P11CHILD_EXPECT(
	    p11child_create_data(f, s, tagged(l1, sizeof(l1), "b-scratch", p->tag), CK_TRUE, &h),
	    CKR_OK);
	P11CHILD_EXPECT(set_label(f, s, h, tagged(l2, sizeof(l2), "b-renamed", p->tag)), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, l1, NULL) == 0);
	P11CHILD_CHECK(p11child_find_label(f, s, l2, NULL) == 1);
	P11CHILD_EXPECT(f->C_DestroyObject(s, h), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, l2, NULL) == 0);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* A again: sees what B stored under both umasks, and changes B's objects. */
static int part_a_sees_b(void *arg)
{
	CK_FUNCTION_LIST_3_0 *f = part_begin(arg);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, key = CK_INVALID_HANDLE;
	CK_SESSION_HANDLE s;

	P11CHILD_CHECK(f != NULL);
	P11CHILD_EXPECT(open_rw(f, &s), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, "b-public-022", NULL) == 1);
	P11CHILD_CHECK(p11child_find_label(f, s, "b-public-077", NULL) == 1);
	P11CHILD_CHECK(p11child_find_label(f, s, "b-private-022", NULL) == 0);
	P11CHILD_EXPECT(login(f, s), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, "b-private-022", NULL) == 1);
	P11CHILD_CHECK(p11child_find_label(f, s, "b-aes-077", &key) == 1);
	P11CHILD_EXPECT(encrypt_with(f, s, key), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, "b-public-077", &h) == 1);
	P11CHILD_EXPECT(set_label(f, s, h, "b-public-077-seen-by-a"), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, "b-public-077-seen-by-a", NULL) == 1);
	P11CHILD_CHECK(p11child_find_label(f, s, "b-private-077", &h) == 1);
	P11CHILD_EXPECT(f->C_DestroyObject(s, h), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, "b-private-077", NULL) == 0);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* Whether this process can open name in the token's data directory. */
static bool can_read_token_file(const struct fixture *fx, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/data/" TOKEN "/%s", fx->h.dir, name);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* C, outside the group: refused by the library with an error, reads nothing. */
static int part_c_refused(void *arg)
{
	const struct part *p = arg;
	CK_FUNCTION_LIST_3_0 *f = p11child_load(p->fx->lib);
	CK_SESSION_HANDLE s;
	CK_RV rv;

	P11CHILD_CHECK(f != NULL);
	rv = f->C_Initialize(NULL);
	if (rv == CKR_OK) {
		/* a library that defers the connection refuses the first call instead */
		rv = f->C_OpenSession(SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s);
		f->C_Finalize(NULL);
	}
	fprintf(stderr, "user outside the group refused with 0x%lx\n", rv);
	P11CHILD_CHECK(rv != CKR_OK);
	P11CHILD_CHECK(!can_read_token_file(p->fx, "TOK_OBJ/OBJ_IDX"));
	P11CHILD_CHECK(!can_read_token_file(p->fx, "MK_USER"));
	P11CHILD_CHECK(!can_read_token_file(p->fx, "NVTOK.DAT"));
	return 0;
}

static void test_a_initialises(void **state)
{
	struct fixture *fx = *state;
	struct part p = {fx, "a"};

	assert_int_equal(users_run_as(&fx->a, 022, CHILD_TIMEOUT_MS, part_a_initialise, &p), 0);
}

static void test_b_umask_022(void **state)
{
	struct fixture *fx = *state;
	struct part p = {fx, "022"};

	assert_int_equal(users_run_as(&fx->b, 022, CHILD_TIMEOUT_MS, part_b_share, &p), 0);
}

static void test_b_umask_077(void **state)
{
	struct fixture *fx = *state;
	struct part p = {fx, "077"};

	assert_int_equal(users_run_as(&fx->b, 077, CHILD_TIMEOUT_MS, part_b_share, &p), 0);
}

static void test_a_sees_b(void **state)
{
	struct fixture *fx = *state;
	struct part p = {fx, "a"};

	assert_int_equal(users_run_as(&fx->a, 077, CHILD_TIMEOUT_MS, part_a_sees_b, &p), 0);
}

static void test_outsider_refused(void **state)
{
	struct fixture *fx = *state;
	struct part p = {fx, "c"};

	assert_int_equal(users_run_as(&fx->c, 022, CHILD_TIMEOUT_MS, part_c_refused, &p), 0);
}

/* What the walk of the data directory checks against, and what it found. */
static struct {
	uid_t owner;
	gid_t group;
	unsigned secrets;
	char report[4096];
} modes;

static void modes_complain(const char *path, const char *fmt, ...)
{
	size_t used = strlen(modes.report);
	va_list ap;

	if (used + 2 >= sizeof(modes.report))
		return;
	used +=
	    (size_t)snprintf(modes.report + used, sizeof(modes.report) - used, "\n  %s: ", path);
	if (used >= sizeof(modes.report))
		return;
	va_start(ap, fmt);
	vsnprintf(modes.report + used, sizeof(modes.report) - used, fmt, ap);
	va_end(ap);
}

static bool modes_is_secret(const char *base)
{
	return strcmp(base, "MK_SO") == 0 || strcmp(base, "MK_USER") == 0 ||
	       strcmp(base, "NVTOK.DAT") == 0;
}

static int modes_check(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	mode_t mode = st->st_mode & 07777;

	(void)flag;
	if (st->st_mode & S_IWGRP)
		modes_complain(path, "mode %04o is group-writable", mode);
	if (st->st_mode & S_IRWXO)
		modes_complain(path, "mode %04o is open to others", mode);
	if (st->st_uid != modes.owner)
		modes_complain(path, "owned by uid %ld, not slotd's user", (long)st->st_uid);
	if ((st->st_mode & S_IRGRP) && st->st_gid != modes.group)
		modes_complain(path, "readable by gid %ld, not the group", (long)st->st_gid);
	if (modes_is_secret(path + ftw->base)) {
		modes.secrets++;
		if (mode != 0600)
			modes_complain(path, "mode %04o, must be 0600 (slotd only)", mode);
	}
	return 0;
}

static void test_file_modes(void **state)
{
	struct fixture *fx = *state;
	char data[PATH_MAX];

	memset(&modes, 0, sizeof(modes));
	modes.owner = fx->slotd.uid;
	modes.group = fx->gid;
	snprintf(data, sizeof(data), "%s/data", fx->h.dir);
	assert_int_equal(nftw(data, modes_check, 16, FTW_PHYS), 0);
	if (modes.report[0]) {
		/* the whole list on stderr: cmocka's message would cut it short */
		fprintf(stderr, "under %s:%s\n", data, modes.report);
		fail_msg("files under %s break the modes of the design (listed above)", data);
	}
	assert_int_equal(modes.secrets, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_initialises),    cmocka_unit_test(test_b_umask_022),
	    cmocka_unit_test(test_b_umask_077),      cmocka_unit_test(test_a_sees_b),
	    cmocka_unit_test(test_outsider_refused), cmocka_unit_test(test_file_modes),
	};

	users_require_root("test-multiuser");
	return cmocka_run_group_tests_name("multiuser", tests, setup, teardown);
}
