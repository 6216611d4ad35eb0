/*
 * Unit tests of the PIN key derivation of the token store
 * (usr/lib/tokens/common/store/store_kdf.c) and of its fields in the master-key
 * files (store_mk.c):
 *   - libargon2 against the Argon2id test vector of RFC 9106 (section 5.3),
 *     through argon2_ctx, the only call that takes its secret and
 *     associated data;
 *   - the wrapper against tags computed by the argon2 command-line tool and
 *     against argon2_ctx with the same inputs, with parameters that are all
 *     different (a swapped m, t or p would show);
 *   - the parameter limits;
 *   - master-key files built here by hand, byte by byte from the format in
 *     store_mk.h, as login sees them: the right PIN unwraps the key, and a
 *     file whose parameters were changed (outer checksum recomputed) fails,
 *     with out-of-bounds parameters refused before any derivation.
 * argon2id_hash_raw is wrapped to count the derivations.
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

#include <argon2.h>

#include "store.h"
#include "store_crypt.h"
#include "store_file.h"
#include "store_kdf.h"

#define SO_PIN   "so-secret-4711"
#define USER_PIN "user-secret-0815"
#define SALT_LEN 16

/* Derivations since the last reset, counted through the linker's --wrap. */
static unsigned derivations;

int __real_argon2id_hash_raw(const uint32_t t, const uint32_t m, const uint32_t p, const void *pwd,
                             const size_t pwdlen, const void *salt, const size_t saltlen,
                             void *hash, const size_t hashlen);
int __wrap_argon2id_hash_raw(const uint32_t t, const uint32_t m, const uint32_t p, const void *pwd,
                             const size_t pwdlen, const void *salt, const size_t saltlen,
                             void *hash, const size_t hashlen);

int __wrap_argon2id_hash_raw(const uint32_t t, const uint32_t m, const uint32_t p, const void *pwd,
                             const size_t pwdlen, const void *salt, const size_t saltlen,
                             void *hash, const size_t hashlen)
{
	__atomic_add_fetch(&derivations, 1, __ATOMIC_SEQ_CST);
	return __real_argon2id_hash_raw(t, m, p, pwd, pwdlen, salt, saltlen, hash, hashlen);
}

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Argon2id of argon2_ctx, the reference call of libargon2. */
static void reference_argon2id(const void *pwd, size_t pwdlen, const void *salt, size_t saltlen,
                               const void *secret, size_t secretlen, const void *ad, size_t adlen,
                               const struct tok_kdf_params *p, uint8_t out[32])
{
	argon2_context ctx = {
	    .out = out,
	    .outlen = 32,
	    .pwd = (uint8_t *)pwd,
	    .pwdlen = (uint32_t)pwdlen,
	    .salt = (uint8_t *)salt,
	    .saltlen = (uint32_t)saltlen,
	    .secret = (uint8_t *)secret,
	    .secretlen = (uint32_t)secretlen,
	    .ad = (uint8_t *)ad,
	    .adlen = (uint32_t)adlen,
	    .t_cost = p->t,
	    .m_cost = p->m_kib,
	    .lanes = p->p,
	    .threads = p->p,
	    .version = ARGON2_VERSION_13,
	    .flags = ARGON2_DEFAULT_FLAGS,
	};

	assert_int_equal(argon2_ctx(&ctx, Argon2_id), ARGON2_OK);
}

static void test_rfc9106_vector(void **state)
{
	const struct tok_kdf_params p = {32, 3, 4};
	uint8_t pwd[32], salt[16], secret[8], ad[12], want[32], got[32];

	memset(pwd, 0x01, sizeof(pwd));
	memset(salt, 0x02, sizeof(salt));
	memset(secret, 0x03, sizeof(secret));
	memset(ad, 0x04, sizeof(ad));
	unhex("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659", want, 32);
	reference_argon2id(pwd, sizeof(pwd), salt, sizeof(salt), secret, sizeof(secret), ad,
	                   sizeof(ad), &p, got);
	assert_memory_equal(got, want, 32);
}

/* Tags from the argon2 tool of Debian's argon2 package (-id -r -l 32). */
static const struct {
	const char *pin;
	size_t pinlen;
	const char *salt;
	struct tok_kdf_params p;
	const char *tag;
} cli_vectors[] = {
    /* RFC 9106's password and salt, without secret and associated data. */
    {"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
     "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01",
     32,
     "\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02",
     {32, 3, 4},
     "03aab965c12001c9d7d0d2de33192c0494b684bb148196d73c1df1acaf6d0c2e"},
    {"user-secret",
     11,
     "0123456789abcdef",
     {64, 2, 1},
     "c0746b8a1d643e6370b7ed9b6d93ce9d5f5591d5316ce31ab4d71966f1a023f2"},
};

static void test_derive_matches_references(void **state)
{
	uint8_t want[32], got[32], ref[32];

	for (size_t i = 0; i < sizeof(cli_vectors) / sizeof(cli_vectors[0]); i++) {
		const struct tok_kdf_params *p = &cli_vectors[i].p;
		const uint8_t *salt = (const uint8_t *)cli_vectors[i].salt;

		unhex(cli_vectors[i].tag, want, 32);
		assert_true(
		    tok_store_kdf_derive(cli_vectors[i].pin, cli_vectors[i].pinlen, salt, p, got));
		assert_memory_equal(got, want, 32);
		reference_argon2id(cli_vectors[i].pin, cli_vectors[i].pinlen, salt, SALT_LEN, NULL,
		                   0, NULL, 0, p, ref);
		assert_memory_equal(ref, want, 32);
	}
}

static void test_params_valid(void **state)
{
	static const struct {
		struct tok_kdf_params p;
		bool ok;
	} cases[] = {
	    {{TOK_STORE_KDF_DEFAULT_M_KIB, TOK_STORE_KDF_DEFAULT_T, TOK_STORE_KDF_DEFAULT_P}, true},
	    {{8, 1, 1}, true},
	    {{7, 1, 1}, false},
	    {{127, 1, 16}, false},
	    {{128, 1, 16}, true},
	    {{128, 1, 17}, false},
	    {{64, 1, 0}, false},
	    {{64, 0, 1}, false},
	    {{64, 1000, 1}, true},
	    {{64, 1001, 1}, false},
	    {{4u * 1024 * 1024, 1, 1}, true},
	    {{4u * 1024 * 1024 + 1, 1, 1}, false},
	    {{UINT32_MAX, UINT32_MAX, UINT32_MAX}, false},
	};
	uint8_t key[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(tok_store_kdf_params_valid(&cases[i].p), cases[i].ok);
	assert_false(tok_store_kdf_params_valid(NULL));
	/* Refused parameters derive nothing and leave no key behind. */
	derivations = 0;
	memset(key, 0xaa, sizeof(key));
	assert_false(
	    tok_store_kdf_derive("pin", 3, (const uint8_t *)"0123456789abcdef", &cases[2].p, key));
	assert_int_equal(derivations, 0);
	for (size_t i = 0; i < sizeof(key); i++)
		assert_int_equal(key[i], 0);
	/* An empty PIN is a PIN. */
	assert_true(
	    tok_store_kdf_derive(NULL, 0, (const uint8_t *)"0123456789abcdef", &cases[1].p, key));
}

/* --- master-key files, as login sees them ----------------------------- */

struct fx {
	char dir[PATH_MAX / 2];
	char mk_user[PATH_MAX];
	int lock_fd;
	struct os_tokshm shm;
	struct tok_store *st;
	uint8_t mk[TOK_STORE_KEY_LEN];
};

static const struct tok_kdf_params cheap = {64, 1, 1};

static int setup_token(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	CK_UTF8CHAR label[32];
	char lock[PATH_MAX], err[256];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-store-kdf.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(lock, sizeof(lock), "%s/LCK..store", f->dir);
	snprintf(f->mk_user, sizeof(f->mk_user), "%s/MK_USER", f->dir);
	f->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f->lock_fd < 0 ||
	    tok_store_open(f->dir, f->lock_fd, &f->shm, &f->st, err, sizeof(err)) != 0)
		return -1;
	tok_store_set_kdf_params(f->st, &cheap);
	memset(label, ' ', sizeof(label));
	if (tok_store_init_token(f->st, (const CK_UTF8CHAR *)SO_PIN, strlen(SO_PIN), label) !=
	        CKR_OK ||
	    tok_store_login(f->st, CKU_SO, (const CK_UTF8CHAR *)SO_PIN, strlen(SO_PIN), f->mk) !=
	        CKR_OK ||
	    tok_store_init_user_pin(f->st, f->mk, (const CK_UTF8CHAR *)USER_PIN,
	                            strlen(USER_PIN)) != CKR_OK)
		return -1;
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

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void spew(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/*
 * Writes MK_USER wrapping f->mk under USER_PIN with the parameters p, then
 * states the parameters stored in the file as stored (the same, or changed
 * afterwards, as an attacker would, with the outer checksum recomputed).
 */
static void write_mk_user(struct fx *f, const struct tok_kdf_params *p,
                          const struct tok_kdf_params *stored)
{
	uint8_t body[88], aad[36], kek[32], salt[SALT_LEN], iv[TOK_STORE_IV_LEN];
	struct tok_store_frame fr = {1, 0};
	struct os_buf file;

	memset(salt, 0x5a, sizeof(salt));
	memset(iv, 0xa5, sizeof(iv));
	reference_argon2id(USER_PIN, strlen(USER_PIN), salt, SALT_LEN, NULL, 0, NULL, 0, p, kek);
	memcpy(aad, "OSMK", 4);
	put_be32(aad + 4, 1);
	memcpy(aad + 8, salt, SALT_LEN);
	put_be32(aad + 24, p->m_kib);
	put_be32(aad + 28, p->t);
	put_be32(aad + 32, p->p);
	memcpy(body, salt, SALT_LEN);
	put_be32(body + 16, stored->m_kib);
	put_be32(body + 20, stored->t);
	put_be32(body + 24, stored->p);
	memcpy(body + 28, iv, sizeof(iv));
	assert_true(tok_store_crypt_seal(kek, iv, aad, sizeof(aad), f->mk, TOK_STORE_KEY_LEN,
	                                 body + 40, body + 72));
	os_buf_init(&file);
	assert_int_equal(tok_store_frame_seal("OSMK", &fr, body, sizeof(body), NULL, &file),
	                 CKR_OK);
	spew(f->mk_user, file.data, file.len);
	os_buf_free(&file);
}

static CK_RV user_login(struct fx *f, uint8_t mk[TOK_STORE_KEY_LEN])
{
	return tok_store_login(f->st, CKU_USER, (const CK_UTF8CHAR *)USER_PIN, strlen(USER_PIN),
	                       mk);
}

static uint32_t user_failures(struct fx *f)
{
	struct tok_store_info info;

	assert_int_equal(tok_store_read_info(f->st, &info), CKR_OK);
	return info.user_failures;
}

static void test_hand_built_file(void **state)
{
	struct fx *f = *state;
	const struct tok_kdf_params p = {96, 2, 3};
	uint8_t mk[TOK_STORE_KEY_LEN];

	write_mk_user(f, &p, &p);
	derivations = 0;
	assert_int_equal(user_login(f, mk), CKR_OK);
	assert_memory_equal(mk, f->mk, sizeof(mk));
	assert_int_equal(derivations, 1);
}

static void test_changed_parameters_fail(void **state)
{
	struct fx *f = *state;
	const struct tok_kdf_params p = {96, 2, 3};
	const struct tok_kdf_params changed[] = {{64, 2, 3}, {96, 1, 3}, {96, 2, 1}};
	uint8_t mk[TOK_STORE_KEY_LEN];

	/* Valid parameters other than those the key was wrapped with: the
	 * right PIN no longer opens the file. */
	for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		write_mk_user(f, &p, &changed[i]);
		assert_int_equal(user_login(f, mk), CKR_PIN_INCORRECT);
	}
	assert_int_equal(user_failures(f), 3);
	write_mk_user(f, &p, &p);
	assert_int_equal(user_login(f, mk), CKR_OK);
	assert_int_equal(user_failures(f), 0);
}

static void test_absurd_parameters_refused(void **state)
{
	struct fx *f = *state;
	const struct tok_kdf_params p = {96, 2, 3};
	const struct tok_kdf_params absurd[] = {
	    {UINT32_MAX, 2, 3}, {8u * 1024 * 1024, 1, 1}, {96, 0, 3}, {96, 1u << 30, 3},
	    {96, 2, 0},         {4096, 2, 1000},          {16, 2, 3},
	};
	uint8_t mk[TOK_STORE_KEY_LEN];

	derivations = 0;
	for (size_t i = 0; i < sizeof(absurd) / sizeof(absurd[0]); i++) {
		write_mk_user(f, &p, &absurd[i]);
		assert_int_equal(user_login(f, mk), CKR_DATA_INVALID);
	}
	/* Refused from the file alone: nothing derived, nothing counted. */
	assert_int_equal(derivations, 0);
	assert_int_equal(user_failures(f), 0);
}

static void test_set_params(void **state)
{
	struct fx *f = *state;
	const struct tok_kdf_params bad = {4, 1, 1};
	uint8_t mk[TOK_STORE_KEY_LEN];

	/* Refused parameters leave the handle's as they were: still cheap. */
	tok_store_set_kdf_params(f->st, &bad);
	assert_int_equal(
	    tok_store_init_user_pin(f->st, f->mk, (const CK_UTF8CHAR *)USER_PIN, strlen(USER_PIN)),
	    CKR_OK);
	derivations = 0;
	assert_int_equal(user_login(f, mk), CKR_OK);
	assert_int_equal(derivations, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc9106_vector),
	    cmocka_unit_test(test_derive_matches_references),
	    cmocka_unit_test(test_params_valid),
	    cmocka_unit_test_setup_teardown(test_hand_built_file, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_changed_parameters_fail, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_absurd_parameters_refused, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_set_params, setup_token, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
