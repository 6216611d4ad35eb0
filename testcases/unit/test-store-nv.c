/*
 * Unit tests of the token record NVTOK.DAT (usr/lib/tokens/common/store/store_mk.c)
 * and of the token's own Argon2id parameters for new PINs
 * (tok_store_set_token_kdf): the exact body length, parameters that are
 * neither unset nor valid refused as damage, the parameters C_InitPIN and
 * C_SetPIN record in MK_*, the handle's when the token has none, and
 * C_InitToken forgetting them.  Each test gets a fresh directory under /tmp.
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
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_file.h"
#include "store_mk.h"

#define SO_PIN    "so-secret-4711"
#define USER_PIN  "user-secret-0815"
#define USER_PIN2 "user-changed-9090"

/* Frame header and trailer around a body (see store_file.h). */
#define FRAME_HEAD 36
#define FRAME_TAIL 32

/* Argon2id at its cheapest, for speed: the handle's (the slot options). */
static const struct tok_kdf_params handle_kdf = {64, 1, 1};
/* The token's own, cheap too but told apart from the handle's. */
static const struct tok_kdf_params token_kdf = {96, 2, 1};

struct fx {
	char dir[PATH_MAX / 2];
	int lock_fd;
	int dir_fd;
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

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char lock[PATH_MAX], err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test-store-nv.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(lock, sizeof(lock), "%s/LCK..store", f->dir);
	f->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	f->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->lock_fd < 0 || f->dir_fd < 0 ||
	    tok_store_open(f->dir, f->lock_fd, NULL, &f->st, err, sizeof(err)) < 0)
		return -1;
	tok_store_set_kdf_params(f->st, &handle_kdf);
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
	close(f->dir_fd);
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
	padded_label(label, "nv token");
	if (tok_store_init_token(f->st, u(SO_PIN), strlen(SO_PIN), label) != CKR_OK ||
	    tok_store_login(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), f->mk) != CKR_OK ||
	    tok_store_init_user_pin(f->st, f->mk, u(USER_PIN), strlen(USER_PIN)) != CKR_OK)
		return -1;
	return 0;
}

static uint32_t be32_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned char *slurp(const struct fx *f, const char *name, size_t *len)
{
	char path[PATH_MAX];
	struct stat sb;
	unsigned char *data;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fstat(fileno(fp), &sb), 0);
	data = malloc((size_t)sb.st_size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)sb.st_size, fp), (size_t)sb.st_size);
	fclose(fp);
	*len = (size_t)sb.st_size;
	return data;
}

/* The parameters recorded in the master-key file of user. */
static struct tok_kdf_params mk_params(const struct fx *f, CK_USER_TYPE user)
{
	size_t len;
	unsigned char *data = slurp(f, tok_store_mk_name(user), &len);
	/* frame header, salt (16), then m, t and p */
	struct tok_kdf_params p = {be32_at(data + FRAME_HEAD + 16), be32_at(data + FRAME_HEAD + 20),
	                           be32_at(data + FRAME_HEAD + 24)};

	assert_int_equal(len, FRAME_HEAD + 88 + FRAME_TAIL);
	free(data);
	return p;
}

static void assert_params(struct tok_kdf_params got, const struct tok_kdf_params *want)
{
	assert_int_equal(got.m_kib, want->m_kib);
	assert_int_equal(got.t, want->t);
	assert_int_equal(got.p, want->p);
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

	return tok_store_login(f->st, user, u(pin), strlen(pin), mk);
}

static void test_body_layout(void **state)
{
	static const struct tok_kdf_params none;
	struct fx *f = *state;
	unsigned char *data;
	size_t len;

	data = slurp(f, TOK_STORE_NV_NAME, &len);
	assert_int_equal(len, FRAME_HEAD + 56 + FRAME_TAIL);
	free(data);
	assert_params(info_of(f).kdf, &none);

	assert_int_equal(tok_store_set_token_kdf(f->st, &token_kdf), CKR_OK);
	data = slurp(f, TOK_STORE_NV_NAME, &len);
	assert_int_equal(len, FRAME_HEAD + 56 + FRAME_TAIL);
	assert_int_equal(be32_at(data + FRAME_HEAD + 44), token_kdf.m_kib);
	assert_int_equal(be32_at(data + FRAME_HEAD + 48), token_kdf.t);
	assert_int_equal(be32_at(data + FRAME_HEAD + 52), token_kdf.p);
	free(data);
	assert_params(info_of(f).kdf, &token_kdf);
	assert_string_equal(info_of(f).label, "nv token");
	assert_true(info_of(f).user_pin_set);
}

/* Writes a well-sealed NVTOK.DAT whose body is len bytes of body. */
static void write_nv_body(struct fx *f, const void *body, size_t len)
{
	static const struct tok_store_frame fr = {0, 0};
	struct os_buf file;

	os_buf_init(&file);
	assert_int_equal(tok_store_frame_seal("OSNV", &fr, body, len, NULL, &file), CKR_OK);
	assert_int_equal(
	    tok_store_file_write(f->dir_fd, TOK_STORE_NV_NAME, file.data, file.len, 0600), CKR_OK);
	os_buf_free(&file);
}

static void test_body_checked(void **state)
{
	static const struct tok_kdf_params bad[] = {
	    {0, 0, 1}, {64, 0, 0}, {4, 1, 1}, {64, 1, 17}, {64, 1001, 1}, {(4u << 20) + 1, 1, 1}};
	struct fx *f = *state;
	struct tok_store_info info = info_of(f), got;
	unsigned char body[60];
	size_t len;
	unsigned char *orig = slurp(f, TOK_STORE_NV_NAME, &len);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		info.kdf = bad[i];
		assert_int_equal(tok_store_nv_write(f->dir_fd, &info), CKR_OK);
		assert_int_equal(tok_store_read_info(f->st, &got), CKR_DATA_INVALID);
		assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_DATA_INVALID);
	}
	/* The body of the format before the parameters, and one byte more or less. */
	memcpy(body, orig + FRAME_HEAD, 56);
	memset(body + 56, 0, 4);
	for (size_t n = 44; n <= 60; n += (n == 44 ? 11 : 1)) {
		if (n == 56)
			continue;
		write_nv_body(f, body, n);
		assert_int_equal(tok_store_read_info(f->st, &got), CKR_DATA_INVALID);
	}
	write_nv_body(f, body, 56);
	assert_int_equal(tok_store_read_info(f->st, &got), CKR_OK);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_OK);
	free(orig);
}

/*
 * No PIN is marked to be changed: C_InitToken and C_InitPIN write only the
 * initialised and PIN-set flags (0x1, 0x2).  The marks earlier files carry
 * (0x4 user, 0x8 SO) are still read, and dropped at the next PIN change.
 */
static void test_no_pin_to_be_changed(void **state)
{
	struct fx *f = *state;
	unsigned char body[56], *data;
	size_t len;

	data = slurp(f, TOK_STORE_NV_NAME, &len);
	assert_int_equal(be32_at(data + FRAME_HEAD), 0x3);
	memcpy(body, data + FRAME_HEAD, sizeof(body));
	free(data);
	body[3] |= 0xc;
	write_nv_body(f, body, sizeof(body));
	assert_true(info_of(f).user_pin_set);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(
	    tok_store_set_pin(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN), u("135790"), 6),
	    CKR_OK);
	data = slurp(f, TOK_STORE_NV_NAME, &len);
	assert_int_equal(be32_at(data + FRAME_HEAD), 0x3);
	free(data);
}

static void test_new_pins_use_token_params(void **state)
{
	struct fx *f = *state;

	assert_params(mk_params(f, CKU_USER), &handle_kdf);
	assert_int_equal(tok_store_set_token_kdf(f->st, &token_kdf), CKR_OK);
	/* Nothing already set changes until it is set again. */
	assert_params(mk_params(f, CKU_USER), &handle_kdf);
	assert_params(mk_params(f, CKU_SO), &handle_kdf);

	assert_int_equal(tok_store_set_pin(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN),
	                                   u(USER_PIN2), strlen(USER_PIN2)),
	                 CKR_OK);
	assert_params(mk_params(f, CKU_USER), &token_kdf);
	assert_int_equal(login(f, CKU_USER, USER_PIN2), CKR_OK);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_PIN_INCORRECT);

	assert_int_equal(
	    tok_store_set_pin(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), u(SO_PIN), strlen(SO_PIN)),
	    CKR_OK);
	assert_params(mk_params(f, CKU_SO), &token_kdf);

	assert_int_equal(tok_store_init_user_pin(f->st, f->mk, u(USER_PIN), strlen(USER_PIN)),
	                 CKR_OK);
	assert_params(mk_params(f, CKU_USER), &token_kdf);
	assert_int_equal(login(f, CKU_USER, USER_PIN), CKR_OK);
	/* C_InitPIN cleared the failure counted above and kept the parameters. */
	assert_int_equal(info_of(f).user_failures, 0);
	assert_params(info_of(f).kdf, &token_kdf);
}

static void test_forget_params(void **state)
{
	static const struct tok_kdf_params none;
	struct fx *f = *state;

	assert_int_equal(tok_store_set_token_kdf(f->st, &token_kdf), CKR_OK);
	assert_int_equal(tok_store_set_token_kdf(f->st, NULL), CKR_OK);
	assert_params(info_of(f).kdf, &none);
	assert_int_equal(tok_store_set_token_kdf(f->st, &token_kdf), CKR_OK);
	assert_int_equal(tok_store_set_token_kdf(f->st, &none), CKR_OK);
	assert_int_equal(tok_store_set_pin(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN),
	                                   u(USER_PIN2), strlen(USER_PIN2)),
	                 CKR_OK);
	assert_params(mk_params(f, CKU_USER), &handle_kdf);
}

static void test_refused(void **state)
{
	static const struct tok_kdf_params bad[] = {
	    {0, 1, 1}, {64, 0, 1}, {4, 1, 1}, {64, 1, 17}, {64, 1001, 1}, {(4u << 20) + 1, 1, 1}};
	struct fx *f = *state;
	unsigned char *before, *after;
	size_t len, len2;

	assert_int_equal(tok_store_set_token_kdf(f->st, &token_kdf), CKR_OK);
	before = slurp(f, TOK_STORE_NV_NAME, &len);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tok_store_set_token_kdf(f->st, &bad[i]), CKR_ARGUMENTS_BAD);
	assert_int_equal(tok_store_set_token_kdf(NULL, &token_kdf), CKR_ARGUMENTS_BAD);
	after = slurp(f, TOK_STORE_NV_NAME, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(before, after, len);
	free(before);
	free(after);
}

static void test_not_initialised(void **state)
{
	struct fx *f = *state;
	struct tok_store *rd = NULL;
	char err[256];

	assert_int_equal(tok_store_set_token_kdf(f->st, &token_kdf), CKR_TOKEN_NOT_RECOGNIZED);
	assert_int_equal(
	    tok_store_open_reader(f->dir, f->lock_fd, (uid_t)-1, &rd, err, sizeof(err)), 0);
	assert_int_equal(tok_store_set_token_kdf(rd, &token_kdf), CKR_FUNCTION_NOT_SUPPORTED);
	tok_store_close(rd);
}

static void test_init_token_forgets(void **state)
{
	static const struct tok_kdf_params none;
	struct fx *f = *state;
	CK_UTF8CHAR label[32];

	assert_int_equal(tok_store_set_token_kdf(f->st, &token_kdf), CKR_OK);
	padded_label(label, "again");
	assert_int_equal(tok_store_init_token(f->st, u(SO_PIN), strlen(SO_PIN), label), CKR_OK);
	assert_params(info_of(f).kdf, &none);
	assert_params(mk_params(f, CKU_SO), &handle_kdf);
	assert_int_equal(tok_store_login(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), f->mk), CKR_OK);
	assert_int_equal(tok_store_init_user_pin(f->st, f->mk, u(USER_PIN), strlen(USER_PIN)),
	                 CKR_OK);
	assert_params(mk_params(f, CKU_USER), &handle_kdf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_body_layout, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_body_checked, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_no_pin_to_be_changed, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_new_pins_use_token_params, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_forget_params, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_not_initialised, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_init_token_forgets, setup_token, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
