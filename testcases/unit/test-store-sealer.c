/*
 * Unit tests of a store whose PINs a device keeps (tok_store_set_sealer):
 * new PINs written as "OSMT" records the sealer built, logins through its
 * unseal, no failure counted in NVTOK.DAT for a sealed record and the
 * device's CKR_PIN_LOCKED passed on, C_SetPIN sealing anew, an Argon2id
 * record of before still opening (and counting) with its PIN, and a sealed
 * record refused by a handle without the sealer.  The sealer here is a
 * mock that keeps the PIN in its record; each test gets a fresh directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "store.h"

#define SO_PIN   "so-secret-4711"
#define USER_PIN "user-secret-0815"
#define NEW_PIN  "user-changed-9090"

static const struct tok_kdf_params cheap = {64, 1, 1};

/* The mock device: a record is role, PIN length, PIN, key XOR 0x5a. */
struct mock {
	bool locked; /* answer CKR_PIN_LOCKED to every unseal */
	unsigned seals, unseals;
};

struct fx {
	char dir[PATH_MAX / 2];
	int lock_fd;
	struct tok_store *st;
	struct mock mock;
	struct tok_store_sealer sealer;
	uint8_t mk[TOK_STORE_KEY_LEN];
};

static CK_RV mock_seal(void *ctx, CK_USER_TYPE user, const uint8_t *key, size_t key_len,
                       const CK_UTF8CHAR *pin, CK_ULONG len, struct os_buf *record)
{
	struct mock *m = ctx;
	uint8_t head[2] = {user == CKU_SO ? 0 : 1, (uint8_t)len}, b;

	m->seals++;
	os_buf_add(record, head, 2);
	os_buf_add(record, pin, len);
	for (size_t i = 0; i < key_len; i++) {
		b = key[i] ^ 0x5a;
		os_buf_add(record, &b, 1);
	}
	return CKR_OK;
}

static CK_RV mock_unseal(void *ctx, CK_USER_TYPE user, const uint8_t *record, size_t record_len,
                         const CK_UTF8CHAR *pin, CK_ULONG len, uint8_t *key, size_t key_len)
{
	struct mock *m = ctx;

	m->unseals++;
	if (m->locked)
		return CKR_PIN_LOCKED;
	assert_true(record_len == 2 + record[1] + key_len);
	assert_int_equal(record[0], user == CKU_SO ? 0 : 1);
	if (record[1] != len || memcmp(record + 2, pin, len) != 0)
		return CKR_PIN_INCORRECT;
	for (size_t i = 0; i < key_len; i++)
		key[i] = record[2 + len + i] ^ 0x5a;
	return CKR_OK;
}

static const CK_UTF8CHAR *u(const char *s)
{
	return (const CK_UTF8CHAR *)s;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char lock[PATH_MAX], err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test-store-sealer.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(lock, sizeof(lock), "%s/LCK..store", f->dir);
	f->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f->lock_fd < 0 ||
	    tok_store_open(f->dir, f->lock_fd, NULL, &f->st, err, sizeof(err)) < 0)
		return -1;
	tok_store_set_kdf_params(f->st, &cheap);
	tok_store_set_pin_limit(f->st, 3);
	f->sealer = (struct tok_store_sealer){&f->mock, mock_seal, mock_unseal};
	*state = f;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
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

/* Initialises the token and sets the user PIN; f->mk gets the master key. */
static void init_token(struct fx *f)
{
	CK_UTF8CHAR label[32];

	memset(label, ' ', sizeof(label));
	assert_int_equal(tok_store_init_token(f->st, u(SO_PIN), strlen(SO_PIN), label), CKR_OK);
	assert_int_equal(tok_store_login(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), f->mk), CKR_OK);
	assert_int_equal(tok_store_init_user_pin(f->st, f->mk, u(USER_PIN), strlen(USER_PIN)),
	                 CKR_OK);
}

/* The first four bytes of a token file. */
static void magic_of(const struct fx *f, const char *name, char out[5])
{
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(out, 1, 4, fp), 4);
	out[4] = '\0';
	fclose(fp);
}

static CK_RV login(struct fx *f, CK_USER_TYPE user, const char *pin, uint8_t *mk)
{
	return tok_store_login(f->st, user, u(pin), strlen(pin), mk);
}

/* New PINs are sealed records; a login unseals the same master key. */
static void test_sealed_roundtrip(void **state)
{
	struct fx *f = *state;
	uint8_t mk[TOK_STORE_KEY_LEN];
	char magic[5];

	tok_store_set_sealer(f->st, &f->sealer);
	init_token(f);
	assert_int_equal(f->mock.seals, 2);
	magic_of(f, "MK_SO", magic);
	assert_string_equal(magic, "OSMT");
	magic_of(f, "MK_USER", magic);
	assert_string_equal(magic, "OSMT");
	assert_int_equal(login(f, CKU_USER, USER_PIN, mk), CKR_OK);
	assert_memory_equal(mk, f->mk, sizeof(mk));
	assert_int_equal(f->mock.unseals, 2);
}

/* Wrong PINs on sealed records are the device's to count: none in NVTOK.DAT, no limit here. */
static void test_failures_not_counted(void **state)
{
	struct fx *f = *state;
	struct tok_store_info info;
	uint8_t mk[TOK_STORE_KEY_LEN];

	tok_store_set_sealer(f->st, &f->sealer);
	init_token(f);
	for (int i = 0; i < 5; i++) /* past the handle's limit of 3 */
		assert_int_equal(login(f, CKU_USER, "wrong-pin", mk), CKR_PIN_INCORRECT);
	assert_int_equal(login(f, CKU_SO, "wrong-pin", mk), CKR_PIN_INCORRECT);
	assert_int_equal(tok_store_read_info(f->st, &info), CKR_OK);
	assert_int_equal(info.user_failures, 0);
	assert_int_equal(info.so_failures, 0);
	f->mock.locked = true;
	assert_int_equal(login(f, CKU_USER, USER_PIN, mk), CKR_PIN_LOCKED);
	f->mock.locked = false;
	assert_int_equal(login(f, CKU_USER, USER_PIN, mk), CKR_OK);
	assert_memory_equal(mk, f->mk, sizeof(mk));
}

/* C_SetPIN unseals with the old PIN and seals with the new one. */
static void test_set_pin(void **state)
{
	struct fx *f = *state;
	uint8_t mk[TOK_STORE_KEY_LEN];

	tok_store_set_sealer(f->st, &f->sealer);
	init_token(f);
	assert_int_equal(
	    tok_store_set_pin(f->st, CKU_USER, u("nope"), 4, u(NEW_PIN), strlen(NEW_PIN)),
	    CKR_PIN_INCORRECT);
	assert_int_equal(tok_store_set_pin(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN),
	                                   u(NEW_PIN), strlen(NEW_PIN)),
	                 CKR_OK);
	assert_int_equal(login(f, CKU_USER, USER_PIN, mk), CKR_PIN_INCORRECT);
	assert_int_equal(login(f, CKU_USER, NEW_PIN, mk), CKR_OK);
	assert_memory_equal(mk, f->mk, sizeof(mk));
}

/* An Argon2id record of before opens with its PIN, counts, and is sealed at the next change. */
static void test_argon2_record_kept(void **state)
{
	struct fx *f = *state;
	struct tok_store_info info;
	uint8_t mk[TOK_STORE_KEY_LEN];
	char magic[5];

	init_token(f);
	tok_store_set_sealer(f->st, &f->sealer);
	magic_of(f, "MK_USER", magic);
	assert_string_equal(magic, "OSMK");
	assert_int_equal(login(f, CKU_USER, "wrong-pin", mk), CKR_PIN_INCORRECT);
	assert_int_equal(tok_store_read_info(f->st, &info), CKR_OK);
	assert_int_equal(info.user_failures, 1);
	assert_int_equal(login(f, CKU_USER, USER_PIN, mk), CKR_OK);
	assert_int_equal(f->mock.unseals, 0);
	assert_int_equal(tok_store_set_pin(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN),
	                                   u(NEW_PIN), strlen(NEW_PIN)),
	                 CKR_OK);
	magic_of(f, "MK_USER", magic);
	assert_string_equal(magic, "OSMT");
	assert_int_equal(login(f, CKU_USER, NEW_PIN, mk), CKR_OK);
	assert_memory_equal(mk, f->mk, sizeof(mk));
}

/* A sealed record means nothing to a handle without the sealer. */
static void test_sealed_without_sealer(void **state)
{
	struct fx *f = *state;
	uint8_t mk[TOK_STORE_KEY_LEN];

	tok_store_set_sealer(f->st, &f->sealer);
	init_token(f);
	tok_store_set_sealer(f->st, NULL);
	assert_int_equal(login(f, CKU_USER, USER_PIN, mk), CKR_DATA_INVALID);
	assert_int_equal(f->mock.unseals, 1); /* the SO's login in init_token only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sealed_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures_not_counted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_pin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_argon2_record_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sealed_without_sealer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
