/*
 * Unit tests of the token object store (usr/lib/tokens/common/store*.c):
 * token initialisation and PINs with their failure counters, saving,
 * listing, loading, updating and deleting public and private objects, what
 * the files may and may not contain, damaged files of every kind, the
 * index journal (torn tail, compaction, two handles on one store) and the
 * shared-memory counters.  Each test gets a fresh directory under /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "store_crc.h"
#include "store_idx.h"

#define SO_PIN        "so-secret-4711"
#define USER_PIN      "user-secret-0815"
#define USER_PIN2     "user-changed-9090"
#define MARKER        "private-marker-7f3a9c"
#define PUBLIC_MARKER "public-marker-52be01"
#define CKA_COUNTER   (CKA_VENDOR_DEFINED | 0x5354u)

/* Argon2id at its cheapest, for speed. */
static const struct tok_kdf_params cheap_kdf = {64, 1, 1};

struct fx {
	char dir[PATH_MAX / 2];
	int lock_fd;
	struct os_tokshm shm;
	struct tok_store *st;
	uint8_t mk[TOK_STORE_KEY_LEN];
};

static const CK_UTF8CHAR *u(const char *s)
{
	return (const CK_UTF8CHAR *)s;
}

static void padded_label(CK_UTF8CHAR label[32], const char *text)
{
	memset(label, ' ', 32);
	memcpy(label, text, strlen(text));
}

static struct tok_store *fx_open(struct fx *f)
{
	struct tok_store *st = NULL;
	char err[256];

	assert_int_equal(tok_store_open(f->dir, f->lock_fd, &f->shm, &st, err, sizeof(err)), 0);
	tok_store_set_kdf_params(st, &cheap_kdf);
	return st;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char lock[PATH_MAX];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test-store.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(lock, sizeof(lock), "%s/LCK..store", f->dir);
	f->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f->lock_fd < 0)
		return -1;
	f->st = fx_open(f);
	*state = f;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tok_store_close(f->st);
	close(f->lock_fd);
	nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* An initialised token with SO and user PIN; f->mk holds the master key. */
static int setup_token(void **state)
{
	CK_UTF8CHAR label[32];
	struct fx *f;

	if (setup(state) < 0)
		return -1;
	f = *state;
	padded_label(label, "unit token");
	if (tok_store_init_token(f->st, u(SO_PIN), strlen(SO_PIN), label) != CKR_OK ||
	    tok_store_login(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), f->mk) != CKR_OK ||
	    tok_store_init_user_pin(f->st, f->mk, u(USER_PIN), strlen(USER_PIN)) != CKR_OK)
		return -1;
	return 0;
}

static void path_of(const struct fx *f, const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", f->dir, name);
}

static void obj_path(const struct fx *f, uint64_t id, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/TOK_OBJ/%016llx.obj", f->dir, (unsigned long long)id);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *data;
	long size;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	rewind(fp);
	data = malloc((size_t)size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	*len = (size_t)size;
	return data;
}

static void spew(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void make_attrs(struct tok_attrs *a, CK_ULONG counter, bool private, const char *value)
{
	tok_attrs_init(a);
	assert_int_equal(tok_attrs_set_ulong(a, CKA_CLASS, CKO_DATA), CKR_OK);
	assert_int_equal(tok_attrs_set_bool(a, CKA_PRIVATE, private), CKR_OK);
	assert_int_equal(tok_attrs_set_ulong(a, CKA_COUNTER, counter), CKR_OK);
	assert_int_equal(tok_attrs_set(a, CKA_VALUE, value, strlen(value)), CKR_OK);
}

/* Saves a new object and returns its entry. */
static struct tok_store_entry save_new(struct fx *f, CK_ULONG counter, bool private,
                                       const char *value)
{
	struct tok_store_entry e = {.id = 0, .private = private};
	struct tok_attrs a;

	make_attrs(&a, counter, private, value);
	assert_int_equal(tok_store_save_object(f->st, &e, private ? f->mk : NULL, &a), CKR_OK);
	assert_int_not_equal(e.id, 0);
	assert_int_equal(e.generation, 1);
	tok_attrs_free(&a);
	return e;
}

/* Loads e and checks its counter and value. */
static void check_object(struct fx *f, const struct tok_store_entry *e, CK_ULONG counter,
                         const char *value)
{
	struct tok_attrs a;
	const CK_ATTRIBUTE *v;
	CK_ULONG got = 0;

	tok_attrs_init(&a);
	assert_int_equal(tok_store_load_object(f->st, e, e->private ? f->mk : NULL, &a), CKR_OK);
	assert_true(tok_attrs_get_ulong(&a, CKA_COUNTER, &got));
	assert_int_equal(got, counter);
	v = tok_attrs_find(&a, CKA_VALUE);
	assert_non_null(v);
	assert_int_equal(v->ulValueLen, strlen(value));
	assert_memory_equal(v->pValue, value, strlen(value));
	assert_int_equal(tok_attrs_get_bool(&a, CKA_PRIVATE, CK_TRUE), e->private);
	tok_attrs_free(&a);
}

static CK_RV load_rv(struct fx *f, const struct tok_store_entry *e)
{
	struct tok_attrs a;
	CK_RV rv;

	tok_attrs_init(&a);
	rv = tok_store_load_object(f->st, e, e->private ? f->mk : NULL, &a);
	assert_int_equal(a.n, rv == CKR_OK ? a.n : 0);
	tok_attrs_free(&a);
	return rv;
}

static size_t list_count(struct tok_store *st)
{
	struct tok_store_entry *v = NULL;
	size_t n = 0;

	assert_int_equal(tok_store_list(st, &v, &n), CKR_OK);
	free(v);
	return n;
}

static bool listed(struct tok_store *st, uint64_t id, struct tok_store_entry *out)
{
	struct tok_store_entry *v = NULL;
	size_t n = 0;
	bool found = false;

	assert_int_equal(tok_store_list(st, &v, &n), CKR_OK);
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id) {
			found = true;
			if (out)
				*out = v[i];
		}
	free(v);
	return found;
}

static struct tok_store_info info_of(struct fx *f)
{
	struct tok_store_info info;

	assert_int_equal(tok_store_read_info(f->st, &info), CKR_OK);
	return info;
}

static CK_RV login(struct fx *f, CK_USER_TYPE user, const char *pin)
{
	uint8_t mk[TOK_STORE_KEY_LEN];
	CK_RV rv = tok_store_login(f->st, user, u(pin), strlen(pin), mk);

	if (rv == CKR_OK)
		assert_memory_equal(mk, f->mk, sizeof(mk));
	return rv;
}

/* --- token and PINs ---------------------------------------------------- */

static void test_open_empty(void **state)
{
	struct fx *f = *state;
	struct tok_store_info info = info_of(f);
	uint8_t mk[TOK_STORE_KEY_LEN];
	char path[PATH_MAX];
	struct stat sb;

	path_of(f, "TOK_OBJ", path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_false(info.initialized);
	assert_false(info.user_pin_set);
	assert_string_equal(info.label, "");
	assert_int_equal(list_count(f->st), 0);
	assert_int_equal(tok_store_login(f->st, CKU_SO, u(SO_PIN), 3, mk),
	                 CKR_TOKEN_NOT_RECOGNIZED);
	assert_int_equal(tok_store_login(f->st, CKU_USER, u(USER_PIN), 3, mk),
	                 CKR_USER_PIN_NOT_INITIALIZED);
	assert_int_equal(tok_store_login(f->st, 7, u(SO_PIN), 3, mk), CKR_USER_TYPE_INVALID);
}

static void test_init_token(void **state)
{
	struct fx *f = *state;
	CK_UTF8CHAR label[32];
	uint64_t gen = f->shm.token_generation;
	struct tok_store_info info;

	padded_label(label, "My token");
	assert_int_equal(tok_store_init_token(f->st, u(SO_PIN), strlen(SO_PIN), label), CKR_OK);
	assert_true(f->shm.token_generation > gen);
	info = info_of(f);
	assert_true(info.initialized);
	assert_false(info.user_pin_set);
	assert_string_equal(info.label, "My token");
	assert_int_equal(info.so_failures, 0);
	assert_int_equal(tok_store_login(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), f->mk), CKR_OK);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_USER_PIN_NOT_INITIALIZED);
}

static void test_so_failures_and_lockout(void **state)
{
	struct fx *f = *state;

	assert_int_equal(login(f, CKU_SO, "wrong"), CKR_PIN_INCORRECT);
	assert_int_equal(login(f, CKU_SO, "wrong"), CKR_PIN_INCORRECT);
	assert_int_equal(info_of(f).so_failures, 2);
	assert_int_equal(info_of(f).user_failures, 0);
	assert_int_equal(login(f, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(info_of(f).so_failures, 0);
	for (int i = 1; i <= TOK_STORE_MAX_PIN_FAILS; i++) {
		assert_int_equal(login(f, CKU_SO, ""), CKR_PIN_INCORRECT);
		assert_int_equal(info_of(f).so_failures, i);
	}
	/* Locked: not even tried, not counted further. */
	assert_int_equal(login(f, CKU_SO, "wrong"), CKR_PIN_LOCKED);
	assert_int_equal(login(f, CKU_SO, SO_PIN), CKR_PIN_LOCKED);
	assert_int_equal(info_of(f).so_failures, TOK_STORE_MAX_PIN_FAILS);
	/* The user is not affected. */
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_OK);
}

static void test_user_pin(void **state)
{
	struct fx *f = *state;
	struct tok_store_info info = info_of(f);

	assert_true(info.user_pin_set);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(login(f, CKU_USER, SO_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(info_of(f).user_failures, 1);
	assert_int_equal(
	    tok_store_set_pin(f->st, CKU_USER, u("nope"), 4, u(USER_PIN2), strlen(USER_PIN2)),
	    CKR_PIN_INCORRECT);
	assert_int_equal(info_of(f).user_failures, 2);
	assert_int_equal(tok_store_set_pin(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN),
	                                   u(USER_PIN2), strlen(USER_PIN2)),
	                 CKR_OK);
	info = info_of(f);
	assert_int_equal(info.user_failures, 0);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(login(f, CKU_USER, USER_PIN2), CKR_OK);
	/* The SO resets the user PIN. */
	assert_int_equal(tok_store_init_user_pin(f->st, f->mk, u(USER_PIN), strlen(USER_PIN)),
	                 CKR_OK);
	assert_int_equal(login(f, CKU_USER, USER_PIN2), CKR_PIN_INCORRECT);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_OK);
	/* The SO PIN changes the same way. */
	assert_int_equal(
	    tok_store_set_pin(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), u("new-so"), 6), CKR_OK);
	assert_int_equal(login(f, CKU_SO, SO_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(login(f, CKU_SO, "new-so"), CKR_OK);
}

static void test_user_lockout_and_reset(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < TOK_STORE_MAX_PIN_FAILS; i++)
		assert_int_equal(login(f, CKU_USER, "bad"), CKR_PIN_INCORRECT);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_PIN_LOCKED);
	assert_int_equal(
	    tok_store_set_pin(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN), u("x"), 1),
	    CKR_PIN_LOCKED);
	/* C_InitPIN by the SO unlocks. */
	assert_int_equal(tok_store_init_user_pin(f->st, f->mk, u(USER_PIN2), strlen(USER_PIN2)),
	                 CKR_OK);
	assert_int_equal(info_of(f).user_failures, 0);
	assert_int_equal(login(f, CKU_USER, USER_PIN2), CKR_OK);
	/* A lower limit of the handle locks sooner; out-of-range limits are ignored. */
	tok_store_set_pin_limit(f->st, 2);
	tok_store_set_pin_limit(f->st, 0);
	tok_store_set_pin_limit(f->st, TOK_STORE_PIN_FAILS_MAX + 1);
	assert_int_equal(login(f, CKU_USER, "bad"), CKR_PIN_INCORRECT);
	assert_int_equal(login(f, CKU_USER, "bad"), CKR_PIN_INCORRECT);
	assert_int_equal(login(f, CKU_USER, USER_PIN2), CKR_PIN_LOCKED);
	assert_int_equal(info_of(f).user_failures, 2);
}

static uint32_t be32_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_kdf_params_recorded(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	unsigned char *data;
	size_t len;

	/* MK_USER: frame header (36), salt (16), then m, t and p. */
	path_of(f, "MK_USER", path, sizeof(path));
	data = slurp(path, &len);
	assert_int_equal(len, 36 + 88 + 32);
	assert_memory_equal(data, "OSMK", 4);
	assert_int_equal(be32_at(data + 52), cheap_kdf.m_kib);
	assert_int_equal(be32_at(data + 56), cheap_kdf.t);
	assert_int_equal(be32_at(data + 60), cheap_kdf.p);
	/* A handle that would use other parameters for new PINs still logs in. */
	tok_store_set_kdf_params(f->st, NULL);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_OK);
	tok_store_set_kdf_params(f->st, &cheap_kdf);
	/* Changing a parameter in the file breaks its integrity check. */
	data[59] ^= 1;
	spew(path, data, len);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_DATA_INVALID);
	assert_int_equal(info_of(f).user_failures, 0);
	free(data);
}

static void test_reinit_wipes(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry pub = save_new(f, 1, false, "pub");
	struct tok_store_entry priv = save_new(f, 2, true, "priv");
	uint64_t objgen = f->shm.objects_generation;
	CK_UTF8CHAR label[32];
	char path[PATH_MAX];

	padded_label(label, "again");
	assert_int_equal(tok_store_init_token(f->st, u("bad"), 3, label), CKR_PIN_INCORRECT);
	assert_int_equal(info_of(f).so_failures, 1);
	assert_int_equal(list_count(f->st), 2);
	assert_int_equal(tok_store_init_token(f->st, u(SO_PIN), strlen(SO_PIN), label), CKR_OK);
	assert_true(f->shm.objects_generation > objgen);
	assert_int_equal(list_count(f->st), 0);
	assert_int_equal(load_rv(f, &pub), CKR_DATA_INVALID);
	obj_path(f, priv.id, path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	path_of(f, "MK_USER", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	assert_false(info_of(f).user_pin_set);
	assert_int_equal(info_of(f).so_failures, 0);
	assert_string_equal(info_of(f).label, "again");
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_USER_PIN_NOT_INITIALIZED);
	/* A new master key: the old one no longer opens anything new. */
	uint8_t mk[TOK_STORE_KEY_LEN];
	assert_int_equal(tok_store_login(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), mk), CKR_OK);
	assert_memory_not_equal(mk, f->mk, sizeof(mk));
}

/* --- objects ----------------------------------------------------------- */

static void test_objects(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry pub = save_new(f, 10, false, PUBLIC_MARKER);
	struct tok_store_entry priv = save_new(f, 11, true, MARKER);
	struct tok_store_entry nomk = {.private = true};
	struct tok_store_entry got;
	struct tok_attrs a;
	uint8_t wrong[TOK_STORE_KEY_LEN];
	char path[PATH_MAX];
	unsigned char *data;
	size_t len;

	make_attrs(&a, 1, true, MARKER);
	assert_int_equal(tok_store_save_object(f->st, &nomk, NULL, &a), CKR_USER_NOT_LOGGED_IN);
	tok_attrs_free(&a);
	assert_int_equal(list_count(f->st), 2);
	assert_true(listed(f->st, priv.id, &got));
	assert_true(got.private);
	assert_int_equal(got.generation, 1);
	assert_true(listed(f->st, pub.id, &got));
	assert_false(got.private);
	check_object(f, &pub, 10, PUBLIC_MARKER);
	check_object(f, &priv, 11, MARKER);

	tok_attrs_init(&a);
	assert_int_equal(tok_store_load_object(f->st, &priv, NULL, &a), CKR_USER_NOT_LOGGED_IN);
	memset(wrong, 0x5a, sizeof(wrong));
	assert_int_equal(tok_store_load_object(f->st, &priv, wrong, &a), CKR_DATA_INVALID);
	assert_int_equal(a.n, 0);
	/* The public object is readable without the key, in clear on disk. */
	assert_int_equal(tok_store_load_object(f->st, &pub, NULL, &a), CKR_OK);
	tok_attrs_free(&a);
	obj_path(f, pub.id, path, sizeof(path));
	data = slurp(path, &len);
	assert_non_null(memmem(data, len, PUBLIC_MARKER, strlen(PUBLIC_MARKER)));
	free(data);
	obj_path(f, priv.id, path, sizeof(path));
	data = slurp(path, &len);
	assert_memory_equal(data, "OSOB", 4);
	assert_null(memmem(data, len, MARKER, strlen(MARKER)));
	free(data);
}

static void test_update_delete(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry e = save_new(f, 1, true, "first");
	struct tok_store_entry other = save_new(f, 1, false, "other");
	struct tok_store_entry stale = e, bogus = {.id = 42};
	uint64_t objgen = f->shm.objects_generation;
	struct tok_attrs a;
	char path[PATH_MAX];

	make_attrs(&a, 2, true, "second");
	assert_int_equal(tok_store_save_object(f->st, &e, f->mk, &a), CKR_OK);
	assert_int_equal(e.generation, 2);
	assert_true(f->shm.objects_generation > objgen);
	assert_true(listed(f->st, e.id, &stale));
	assert_int_equal(stale.generation, 2);
	check_object(f, &e, 2, "second");
	assert_int_equal(tok_store_save_object(f->st, &bogus, NULL, &a), CKR_OBJECT_HANDLE_INVALID);
	tok_attrs_free(&a);

	objgen = f->shm.objects_generation;
	assert_int_equal(tok_store_delete_object(f->st, e.id), CKR_OK);
	assert_true(f->shm.objects_generation > objgen);
	assert_false(listed(f->st, e.id, NULL));
	obj_path(f, e.id, path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(tok_store_delete_object(f->st, e.id), CKR_OBJECT_HANDLE_INVALID);
	check_object(f, &other, 1, "other");
}

static bool file_contains(const char *path, const char *needle)
{
	size_t len;
	unsigned char *data = slurp(path, &len);
	bool found = memmem(data, len, needle, strlen(needle)) != NULL;

	free(data);
	return found;
}

static int pin_scan_hits;

static int scan_for_pins(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	static const char *const pins[] = {SO_PIN, USER_PIN, USER_PIN2};

	if (flag != FTW_F)
		return 0;
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		if (file_contains(path, pins[i]))
			pin_scan_hits++;
	return 0;
}

static void test_no_pin_in_files(void **state)
{
	struct fx *f = *state;

	save_new(f, 1, true, "value");
	save_new(f, 1, false, "value");
	assert_int_equal(tok_store_set_pin(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN),
	                                   u(USER_PIN2), strlen(USER_PIN2)),
	                 CKR_OK);
	assert_int_equal(login(f, CKU_SO, "wrong"), CKR_PIN_INCORRECT);
	pin_scan_hits = 0;
	assert_int_equal(nftw(f->dir, scan_for_pins, 16, FTW_PHYS), 0);
	assert_int_equal(pin_scan_hits, 0);
}

/* --- damaged files ----------------------------------------------------- */

/* Every truncation and 200 single-byte changes of e's file are refused,
 * while the objects in keep still load. */
static void damage_object(struct fx *f, const struct tok_store_entry *e,
                          const struct tok_store_entry *keep, size_t nkeep)
{
	char path[PATH_MAX];
	unsigned char *orig;
	size_t len;

	obj_path(f, e->id, path, sizeof(path));
	orig = slurp(path, &len);
	for (size_t cut = 0; cut < len; cut++) {
		spew(path, orig, cut);
		assert_int_equal(load_rv(f, e), CKR_DATA_INVALID);
	}
	for (unsigned i = 0; i < 200; i++) {
		size_t pos = ((size_t)i * 7919u + 13u) % len;
		orig[pos] ^= (unsigned char)(1u + i % 255u);
		spew(path, orig, len);
		assert_int_equal(load_rv(f, e), CKR_DATA_INVALID);
		orig[pos] ^= (unsigned char)(1u + i % 255u);
	}
	/* Longer than it says it is. */
	unsigned char *longer = calloc(1, len + 1);
	memcpy(longer, orig, len);
	spew(path, longer, len + 1);
	assert_int_equal(load_rv(f, e), CKR_DATA_INVALID);
	free(longer);
	for (size_t i = 0; i < nkeep; i++)
		assert_int_equal(load_rv(f, &keep[i]), CKR_OK);
	spew(path, orig, len);
	assert_int_equal(load_rv(f, e), CKR_OK);
	free(orig);
}

static void test_corrupt_objects(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry v[3];

	tok_store_set_inline_max(f->st, 0); /* the object files alone */
	v[0] = save_new(f, 1, false, "a public object of some length");
	v[1] = save_new(f, 2, true, "a private object of some length");
	v[2] = save_new(f, 3, false, "c");
	damage_object(f, &v[0], &v[1], 2);
	damage_object(f, &v[1], &v[2], 1);
	damage_object(f, &v[2], &v[0], 2);
	assert_int_equal(list_count(f->st), 3);
}

static void test_corrupt_token_files(void **state)
{
	static const char *const names[] = {"NVTOK.DAT", "MK_SO", "MK_USER"};
	struct fx *f = *state;
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct tok_store_info info;
	char path[PATH_MAX];

	for (size_t k = 0; k < 3; k++) {
		unsigned char *orig;
		size_t len;

		path_of(f, names[k], path, sizeof(path));
		orig = slurp(path, &len);
		for (size_t pos = 0; pos < len; pos += 3) {
			orig[pos] ^= 0x20;
			spew(path, orig, len);
			orig[pos] ^= 0x20;
			CK_RV so = tok_store_login(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), mk);
			CK_RV user =
			    tok_store_login(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN), mk);
			if (k == 0) {
				assert_int_equal(tok_store_read_info(f->st, &info),
				                 CKR_DATA_INVALID);
				assert_int_equal(so, CKR_DATA_INVALID);
			}
			assert_int_equal(k == 2 ? user : so, CKR_DATA_INVALID);
		}
		spew(path, orig, len);
		free(orig);
		assert_int_equal(login(f, CKU_SO, SO_PIN), CKR_OK);
		assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_OK);
		assert_int_equal(info_of(f).so_failures, 0);
	}
}

static void test_foreign_files(void **state)
{
	struct fx *f = *state;
	tok_store_set_inline_max(f->st, 0);
	struct tok_store_entry a = save_new(f, 1, false, "a");
	struct tok_store_entry b = save_new(f, 2, false, "b");
	struct tok_store_entry ghost = {.id = 0x0123456789abcdefull};
	unsigned char junk[300];
	char path[PATH_MAX], pa[PATH_MAX];
	unsigned char *data;
	size_t len;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	obj_path(f, ghost.id, path, sizeof(path));
	spew(path, junk, sizeof(junk));
	assert_int_equal(list_count(f->st), 2);
	assert_int_equal(load_rv(f, &ghost), CKR_DATA_INVALID);
	/* A valid file under another object's name. */
	obj_path(f, a.id, pa, sizeof(pa));
	data = slurp(pa, &len);
	obj_path(f, b.id, path, sizeof(path));
	spew(path, data, len);
	free(data);
	assert_int_equal(load_rv(f, &b), CKR_DATA_INVALID);
	check_object(f, &a, 1, "a");
	/* Not a regular file: refused without blocking. */
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(load_rv(f, &b), CKR_DATA_INVALID);
	unlink(path);
	assert_int_equal(symlink(pa, path), 0);
	assert_int_equal(load_rv(f, &b), CKR_DATA_INVALID);
	check_object(f, &a, 1, "a");
}

/* The offset of the frame that the OBJ_IDX record of id carries (0: none). */
static size_t frame_in_index(struct fx *f, uint64_t id, size_t *frame_len)
{
	char path[PATH_MAX];
	unsigned char *data;
	size_t len, off = 28, found = 0;

	path_of(f, "TOK_OBJ/OBJ_IDX", path, sizeof(path));
	data = slurp(path, &len);
	while (off + 32 <= len) {
		uint64_t rid = 0;
		size_t flen = (size_t)data[8 + off] << 24 | (size_t)data[9 + off] << 16 |
		              (size_t)data[10 + off] << 8 | data[11 + off];
		for (int i = 0; i < 8; i++)
			rid = rid << 8 | data[off + 12 + i];
		if (rid == id && flen) {
			found = off + 32;
			*frame_len = flen;
		}
		off += 32 + (flen ? flen + 4 : 0);
	}
	assert_int_equal(off, len);
	free(data);
	return found;
}

static void flip_byte(const char *path, size_t at)
{
	int fd = open(path, O_RDWR);
	unsigned char byte;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &byte, 1, (off_t)at), 1);
	byte ^= 0x5a;
	assert_int_equal(pwrite(fd, &byte, 1, (off_t)at), 1);
	close(fd);
}

/* Objects are kept twice, in their file and in their index record: either
 * copy alone is enough, only losing both loses the object. */
static void test_index_copies(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry a = save_new(f, 1, false, "public a");
	struct tok_store_entry b = save_new(f, 2, true, "private b");
	struct tok_store_entry c = save_new(f, 3, true, "private c");
	char pa[PATH_MAX], pb[PATH_MAX], idx[PATH_MAX];
	unsigned char *orig_b;
	size_t len_b, flen = 0, at;

	obj_path(f, a.id, pa, sizeof(pa));
	obj_path(f, b.id, pb, sizeof(pb));
	path_of(f, "TOK_OBJ/OBJ_IDX", idx, sizeof(idx));
	orig_b = slurp(pb, &len_b);
	/* The files gone or cut: both load from the index, in this handle and a new one. */
	assert_int_equal(unlink(pa), 0);
	assert_int_equal(truncate(pb, 10), 0);
	check_object(f, &a, 1, "public a");
	check_object(f, &b, 2, "private b");
	struct tok_store *fresh = fx_open(f), *keep = f->st;
	f->st = fresh;
	check_object(f, &a, 1, "public a");
	check_object(f, &b, 2, "private b");
	f->st = keep;
	tok_store_close(fresh);
	/* b's copy in the index damaged, its file back: b loads from the file. */
	spew(pb, orig_b, len_b);
	at = frame_in_index(f, b.id, &flen);
	assert_true(at > 0 && flen == len_b);
	flip_byte(idx, at + flen / 2);
	check_object(f, &b, 2, "private b");
	fresh = fx_open(f);
	f->st = fresh;
	assert_int_equal(list_count(fresh), 3);
	check_object(f, &b, 2, "private b");
	/* Both copies damaged: b alone is lost. */
	assert_int_equal(truncate(pb, len_b - 1), 0);
	assert_int_equal(load_rv(f, &b), CKR_DATA_INVALID);
	f->st = keep;
	assert_int_equal(load_rv(f, &b), CKR_DATA_INVALID);
	check_object(f, &a, 1, "public a");
	check_object(f, &c, 3, "private c");
	tok_store_close(fresh);
	/* A damaged frame in the last record is a torn append: not applied. */
	at = frame_in_index(f, c.id, &flen);
	flip_byte(idx, at + 3);
	fresh = fx_open(f);
	assert_false(listed(fresh, c.id, NULL));
	assert_true(listed(fresh, b.id, NULL));
	tok_store_close(fresh);
	free(orig_b);
}

struct batch {
	size_t ok, bad;
	uint64_t bad_id;
	CK_RV bad_rv;
};

static void batch_take(void *arg, const struct tok_store_entry *e, CK_RV rv,
                       struct tok_attrs *attrs)
{
	struct batch *b = arg;

	if (rv == CKR_OK) {
		b->ok++;
		tok_attrs_free(attrs);
	} else {
		assert_int_equal(attrs->n, 0);
		b->bad++;
		b->bad_id = e->id;
		b->bad_rv = rv;
	}
}

/* Many objects at once come from OBJ_IDX read whole, with the same fallbacks. */
static void test_load_many(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry v[40];
	char path[PATH_MAX], idx[PATH_MAX];
	struct batch b = {0};
	size_t flen = 0, at;

	for (int i = 0; i < 40; i++)
		v[i] = save_new(f, (CK_ULONG)i, i % 2 == 0, "many");
	path_of(f, "TOK_OBJ/OBJ_IDX", idx, sizeof(idx));
	obj_path(f, v[3].id, path, sizeof(path));
	assert_int_equal(unlink(path), 0); /* v[3]: index copy only */
	at = frame_in_index(f, v[4].id, &flen);
	flip_byte(idx, at + 1); /* v[4]: file only */
	at = frame_in_index(f, v[5].id, &flen);
	flip_byte(idx, at + flen - 1);
	obj_path(f, v[5].id, path, sizeof(path));
	assert_int_equal(truncate(path, 0), 0); /* v[5]: lost */
	assert_int_equal(tok_store_load_objects(f->st, v, 40, f->mk, batch_take, &b), CKR_OK);
	assert_int_equal(b.ok, 39);
	assert_int_equal(b.bad, 1);
	assert_true(b.bad_id == v[5].id);
	assert_int_equal(b.bad_rv, CKR_DATA_INVALID);
	/* Without the master key the private ones are refused, the public ones load. */
	memset(&b, 0, sizeof(b));
	assert_int_equal(tok_store_load_objects(f->st, v + 10, 30, NULL, batch_take, &b), CKR_OK);
	assert_int_equal(b.ok, 15);
	assert_int_equal(b.bad, 15);
	assert_int_equal(b.bad_rv, CKR_USER_NOT_LOGGED_IN);
}

/* A load of thousands of objects is split over threads, with the same results. */
static void test_load_parallel(void **state)
{
	struct fx *f = *state;
	enum { N = 2600 };
	struct tok_store_entry *v = calloc(N, sizeof(*v));
	char path[PATH_MAX];
	struct batch b = {0};

	assert_non_null(v);
	for (int i = 0; i < N; i++)
		v[i] = save_new(f, (CK_ULONG)i, i % 3 != 0, "parallel");
	/* One lost object in the second half: both copies damaged. */
	size_t flen = 0, at = frame_in_index(f, v[2000].id, &flen);
	char idx[PATH_MAX];
	path_of(f, "TOK_OBJ/OBJ_IDX", idx, sizeof(idx));
	flip_byte(idx, at + 7);
	obj_path(f, v[2000].id, path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	for (unsigned threads = 1; threads <= 3; threads++) {
		memset(&b, 0, sizeof(b));
		tok_store_set_threads(f->st, threads);
		assert_int_equal(tok_store_load_objects(f->st, v, N, f->mk, batch_take, &b),
		                 CKR_OK);
		assert_int_equal(b.ok, N - 1);
		assert_int_equal(b.bad, 1);
		assert_true(b.bad_id == v[2000].id);
	}
	free(v);
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* An OBJ_IDX of another version (here 1, a layout never written by a
 * release) is refused as damaged, never read as if it were this one. */
static void test_index_other_version(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry v = save_new(f, 1, false, "one"), *list = NULL;
	unsigned char *file;
	char idx[PATH_MAX];
	size_t len, n = 0;

	path_of(f, "TOK_OBJ/OBJ_IDX", idx, sizeof(idx));
	file = slurp(idx, &len);
	assert_true(len > 28 && file[4] == 0 && file[5] == 2);
	put_be(file + 4, 1, 2);
	put_be(file + 24, tok_store_crc32(file, 24), 4);
	spew(idx, file, len);
	free(file);
	struct tok_store *fresh = fx_open(f);
	assert_int_equal(tok_store_list(fresh, &list, &n), CKR_DATA_INVALID);
	assert_null(list);
	tok_store_close(fresh);
	(void)v;
}

static void test_crc32(void **state)
{
	static const char check[] = "123456789";
	unsigned char data[1000];
	uint32_t slow;

	(void)state;
	assert_int_equal(tok_store_crc32(check, 9), 0xcbf43926u);
	assert_int_equal(tok_store_crc32("", 0), 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 131 + 7);
	/* Every length and alignment against the bitwise definition. */
	for (size_t start = 0; start < 9; start++)
		for (size_t len = 0; start + len <= 300; len++) {
			slow = 0xffffffffu;
			for (size_t i = start; i < start + len; i++) {
				slow ^= data[i];
				for (int bit = 0; bit < 8; bit++)
					slow = (slow >> 1) ^ (0xedb88320u & (0u - (slow & 1u)));
			}
			assert_int_equal(tok_store_crc32(data + start, len), ~slow);
		}
}

/* --- the index ---------------------------------------------------------- */

static off_t idx_size(struct fx *f)
{
	char path[PATH_MAX];
	struct stat sb;

	path_of(f, "TOK_OBJ/OBJ_IDX", path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static void test_torn_index(void **state)
{
	struct fx *f = *state;
	tok_store_set_inline_max(f->st, 0); /* records of 32 bytes */
	struct tok_store_entry a = save_new(f, 1, false, "a");
	struct tok_store_entry b = save_new(f, 2, true, "b");
	struct tok_store_entry c = save_new(f, 3, false, "c");
	struct tok_store *fresh;
	char path[PATH_MAX];
	off_t size = idx_size(f);

	path_of(f, "TOK_OBJ/OBJ_IDX", path, sizeof(path));
	assert_int_equal(truncate(path, size - 5), 0);
	fresh = fx_open(f);
	assert_int_equal(list_count(fresh), 2);
	assert_true(listed(fresh, a.id, NULL));
	assert_true(listed(fresh, b.id, NULL));
	tok_store_close(fresh);
	/* The handle that appended c notices the file shrank. */
	assert_false(listed(f->st, c.id, NULL));
	/* The next append overwrites the torn record. */
	struct tok_store_entry d = save_new(f, 4, false, "d");
	assert_int_equal(idx_size(f), size);
	assert_int_equal(list_count(f->st), 3);
	check_object(f, &d, 4, "d");
	check_object(f, &b, 2, "b");
	/* A damaged record in the middle costs only that record. */
	int fd = open(path, O_RDWR);
	unsigned char byte;
	assert_int_equal(pread(fd, &byte, 1, 28 + 32 + 10), 1);
	byte ^= 0xff;
	assert_int_equal(pwrite(fd, &byte, 1, 28 + 32 + 10), 1);
	close(fd);
	fresh = fx_open(f);
	assert_int_equal(list_count(fresh), 2);
	assert_false(listed(fresh, b.id, NULL));
	tok_store_close(fresh);
}

static size_t count_obj_files(struct fx *f)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	path_of(f, "TOK_OBJ", path, sizeof(path));
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* OBJ_IDX */
}

static void test_compaction(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry v[70];
	struct tok_store *other = fx_open(f);
	char path[PATH_MAX];
	unsigned char junk[64] = {1};

	tok_store_set_inline_max(f->st, 0); /* records of 32 bytes */
	for (int i = 0; i < 70; i++)
		v[i] = save_new(f, (CK_ULONG)i, i % 3 == 0, "x");
	assert_int_equal(list_count(other), 70);
	/* An orphan object file and a stale temporary file. */
	obj_path(f, 0xfeedull, path, sizeof(path));
	spew(path, junk, sizeof(junk));
	path_of(f, "TOK_OBJ/.OBJ_IDX.tmp.99999", path, sizeof(path));
	spew(path, junk, sizeof(junk));
	for (int i = 0; i < 60; i++)
		assert_int_equal(tok_store_delete_object(f->st, v[i].id), CKR_OK);
	/* 70 adds and 60 removes would be 130 records without compaction. */
	assert_true(idx_size(f) < 28 + 70 * 32);
	assert_int_equal(count_obj_files(f), 10);
	assert_int_equal(access(path, F_OK), -1);
	/* Exactly the live set, seen by this handle, another one and a new one. */
	struct tok_store *fresh = fx_open(f);
	struct tok_store *views[] = {f->st, other, fresh};
	for (size_t k = 0; k < 3; k++) {
		assert_int_equal(list_count(views[k]), 10);
		for (int i = 0; i < 70; i++)
			assert_int_equal(listed(views[k], v[i].id, NULL), i >= 60);
	}
	for (int i = 60; i < 70; i++)
		check_object(f, &v[i], (CK_ULONG)i, "x");
	/* The other handle keeps working on the rewritten file. */
	assert_int_equal(tok_store_delete_object(other, v[60].id), CKR_OK);
	assert_false(listed(f->st, v[60].id, NULL));
	tok_store_close(fresh);
	tok_store_close(other);
}

static void test_two_handles(void **state)
{
	struct fx *f = *state;
	struct tok_store *other = fx_open(f);
	struct tok_store_entry e = save_new(f, 1, false, "one"), seen;
	struct tok_attrs a;

	assert_true(listed(other, e.id, &seen));
	make_attrs(&a, 2, false, "two");
	assert_int_equal(tok_store_save_object(other, &seen, NULL, &a), CKR_OK);
	tok_attrs_free(&a);
	assert_true(listed(f->st, e.id, &e));
	assert_int_equal(e.generation, 2);
	check_object(f, &e, 2, "two");
	assert_int_equal(tok_store_delete_object(other, e.id), CKR_OK);
	assert_int_equal(tok_store_delete_object(f->st, e.id), CKR_OBJECT_HANDLE_INVALID);
	tok_store_close(other);
}

static void test_shm_counters(void **state)
{
	struct fx *f = *state;
	uint64_t tok = f->shm.token_generation, obj = f->shm.objects_generation;
	struct tok_store_entry e;

	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(f->shm.token_generation, tok); /* nothing written */
	assert_int_equal(login(f, CKU_USER, "bad"), CKR_PIN_INCORRECT);
	assert_int_equal(f->shm.token_generation, tok + 1);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(f->shm.token_generation, tok + 2);
	assert_int_equal(f->shm.objects_generation, obj);
	e = save_new(f, 1, false, "v");
	assert_int_equal(f->shm.objects_generation, obj + 1);
	assert_int_equal(tok_store_delete_object(f->st, e.id), CKR_OK);
	assert_int_equal(f->shm.objects_generation, obj + 2);
	assert_int_equal(f->shm.token_generation, tok + 2);
}

/* Durable creates per second (OPENSLOT_TEST_STORE_CREATES sets the count). */
static void test_create_rate(void **state)
{
	struct fx *f = *state;
	const char *env = getenv("OPENSLOT_TEST_STORE_CREATES");
	int n = env ? atoi(env) : 100;
	struct timespec t0, t1;
	struct tok_attrs a;

	make_attrs(&a, 1, true, "a value of a typical small object, some tens of bytes");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		struct tok_store_entry e = {.private = true};
		assert_int_equal(tok_store_save_object(f->st, &e, f->mk, &a), CKR_OK);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tok_attrs_free(&a);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("%d private objects created in %.3f s: %.0f per second\n", n, secs,
	              secs > 0 ? n / secs : 0.0);
	assert_int_equal(list_count(f->st), (size_t)n);
	/* One record per object, each carrying the object's frame. */
	off_t size = idx_size(f) - 28;
	assert_int_equal(size % n, 0);
	assert_true(size / n > 32 + 48 + 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_init_token, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_so_failures_and_lockout, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_user_pin, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_user_lockout_and_reset, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_kdf_params_recorded, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_reinit_wipes, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_objects, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_update_delete, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_no_pin_in_files, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_objects, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_token_files, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_files, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_index_copies, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_load_many, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_load_parallel, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_index_other_version, setup_token, teardown),
	    cmocka_unit_test(test_crc32),
	    cmocka_unit_test_setup_teardown(test_torn_index, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_compaction, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_two_handles, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_shm_counters, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_create_rate, setup_token, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
