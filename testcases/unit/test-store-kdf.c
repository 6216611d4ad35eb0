/*
 * Unit tests of the PIN key derivation of the token store
 * (usr/lib/tokens/common/store_kdf.c) and of its fields in the master-key
 * files (store_pin.c): PBKDF2 byte for byte against OpenSSL's
 * PKCS5_PBKDF2_HMAC over PIN, salt, iteration and output lengths; lanes
 * against a reference built on PKCS5_PBKDF2_HMAC, with and without their
 * threads; parameters refused; and master-key files of both layouts, built
 * here by hand, as login sees them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store.h"
#include "store_crypt.h"
#include "store_file.h"
#include "store_kdf.h"

#define SO_PIN    "so-secret-4711"
#define USER_PIN  "user-secret-0815"
#define TEST_ITER 1000
#define SALT_LEN  16
#define FRAME_HDR 36 /* a clear frame's header; its SHA-256 tag follows the body */

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 3));
}

static void reference_pbkdf2(const uint8_t *pin, size_t pinlen, const uint8_t *salt, size_t saltlen,
                             uint32_t iter, uint8_t *out, size_t outlen)
{
	assert_int_equal(PKCS5_PBKDF2_HMAC((const char *)pin, (int)pinlen, salt, (int)saltlen,
	                                   (int)iter, EVP_sha512(), (int)outlen, out),
	                 1);
}

/* The lanes of store_kdf.h, computed with OpenSSL alone. */
static void reference_derive(const uint8_t *pin, size_t pinlen, const uint8_t *salt, size_t saltlen,
                             uint32_t iter, uint32_t lanes, uint8_t key[32])
{
	uint8_t lanesalt[64], out[TOK_STORE_KDF_MAX_LANES * 64], digest[64];
	unsigned int dlen = 0;

	if (lanes == 1) {
		reference_pbkdf2(pin, pinlen, salt, saltlen, iter, key, 32);
		return;
	}
	assert_true(saltlen < sizeof(lanesalt));
	memcpy(lanesalt, salt, saltlen);
	for (uint32_t i = 0; i < lanes; i++) {
		lanesalt[saltlen] = (uint8_t)(i + 1);
		reference_pbkdf2(pin, pinlen, lanesalt, saltlen + 1, (iter + lanes - 1) / lanes,
		                 out + 64 * i, 64);
	}
	assert_int_equal(EVP_Digest(out, 64 * lanes, digest, &dlen, EVP_sha512(), NULL), 1);
	memcpy(key, digest, 32);
}

/*
 * Thread creation as store_kdf.c sees it: the test is linked with
 * --wrap=pthread_create, so it can count the threads and make them fail.
 */
static unsigned threads_created;
static bool threads_fail;

int __real_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                          void *arg);
int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                          void *arg);

int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                          void *arg)
{
	if (threads_fail)
		return EAGAIN;
	__atomic_add_fetch(&threads_created, 1, __ATOMIC_RELAXED);
	return __real_pthread_create(thread, attr, start, arg);
}

/* --- PBKDF2 ------------------------------------------------------------ */

static void test_pbkdf2_matches_openssl(void **state)
{
	static const size_t pinlens[] = {0, 1, 6, 64, 127, 128, 129, 200, 300};
	static const size_t saltlens[] = {0, 1, 16, 17, 129};
	static const uint32_t iters[] = {1, 2, 1000};
	static const size_t outlens[] = {1, 20, 32, 63, 64, 65, 100, 128};
	uint8_t pin[300], salt[129], want[128], got[128];

	(void)state;
	for (size_t a = 0; a < sizeof(pinlens) / sizeof(pinlens[0]); a++) {
		fill(pin, pinlens[a], (unsigned)a);
		for (size_t b = 0; b < sizeof(saltlens) / sizeof(saltlens[0]); b++) {
			fill(salt, saltlens[b], (unsigned)(100 + b));
			for (size_t c = 0; c < sizeof(iters) / sizeof(iters[0]); c++)
				for (size_t d = 0; d < sizeof(outlens) / sizeof(outlens[0]); d++) {
					size_t n = outlens[d];

					reference_pbkdf2(pin, pinlens[a], salt, saltlens[b],
					                 iters[c], want, n);
					memset(got, 0xaa, sizeof(got));
					assert_true(tok_store_kdf_pbkdf2(
					    pin, pinlens[a], salt, saltlens[b], iters[c], got, n));
					assert_memory_equal(got, want, n);
					/* Nothing written past the output. */
					for (size_t i = n; i < sizeof(got); i++)
						assert_int_equal(got[i], 0xaa);
				}
		}
	}
}

static void test_pbkdf2_args(void **state)
{
	uint8_t salt[SALT_LEN], want[64], got[64];

	(void)state;
	fill(salt, sizeof(salt), 1);
	/* An empty PIN and salt may be NULL. */
	reference_pbkdf2((const uint8_t *)"", 0, (const uint8_t *)"", 0, 3, want, 64);
	assert_true(tok_store_kdf_pbkdf2(NULL, 0, NULL, 0, 3, got, 64));
	assert_memory_equal(got, want, 64);
	assert_false(tok_store_kdf_pbkdf2("1234", 4, salt, sizeof(salt), 0, got, 64));
	assert_false(tok_store_kdf_pbkdf2(NULL, 4, salt, sizeof(salt), 1, got, 64));
	assert_false(tok_store_kdf_pbkdf2("1234", 4, NULL, 1, 1, got, 64));
	assert_false(tok_store_kdf_pbkdf2("1234", 4, salt, sizeof(salt), 1, NULL, 64));
}

/* --- lanes ------------------------------------------------------------- */

static void test_derive_one_lane_is_pbkdf2(void **state)
{
	static const uint32_t iters[] = {1, 2, 1000, 1001};
	uint8_t pin[200], salt[SALT_LEN], want[32], got[32];

	(void)state;
	fill(pin, sizeof(pin), 5);
	fill(salt, sizeof(salt), 6);
	for (size_t i = 0; i < sizeof(iters) / sizeof(iters[0]); i++)
		for (size_t pinlen = 0; pinlen <= sizeof(pin); pinlen += 50) {
			reference_pbkdf2(pin, pinlen, salt, sizeof(salt), iters[i], want, 32);
			assert_true(tok_store_kdf_derive(pin, pinlen, salt, sizeof(salt), iters[i],
			                                 1, got));
			assert_memory_equal(got, want, 32);
		}
}

static void test_derive_lanes(void **state)
{
	static const uint32_t iters[] = {4, 7, 1000, 1001};
	uint8_t pin[200], salt[SALT_LEN], want[32], got[32], one[32];

	(void)state;
	fill(pin, sizeof(pin), 7);
	fill(salt, sizeof(salt), 8);
	for (uint32_t lanes = 2; lanes <= TOK_STORE_KDF_MAX_LANES; lanes++)
		for (size_t i = 0; i < sizeof(iters) / sizeof(iters[0]); i++)
			for (size_t pinlen = 0; pinlen <= sizeof(pin); pinlen += 100) {
				reference_derive(pin, pinlen, salt, sizeof(salt), iters[i], lanes,
				                 want);
				assert_true(tok_store_kdf_derive(pin, pinlen, salt, sizeof(salt),
				                                 iters[i], lanes, got));
				assert_memory_equal(got, want, 32);
				/* The lanes give another key than one lane. */
				assert_true(tok_store_kdf_derive(pin, pinlen, salt, sizeof(salt),
				                                 iters[i], 1, one));
				assert_memory_not_equal(got, one, 32);
			}
	/* The smallest count: one iteration per lane. */
	reference_derive(pin, 6, salt, sizeof(salt), 2, 2, want);
	assert_true(tok_store_kdf_derive(pin, 6, salt, sizeof(salt), 2, 2, got));
	assert_memory_equal(got, want, 32);
}

/* Lanes 2..L get a thread each; without threads the key is the same. */
static void test_derive_threads(void **state)
{
	uint8_t salt[SALT_LEN], want[32], got[32];

	(void)state;
	fill(salt, sizeof(salt), 13);
	for (uint32_t lanes = 1; lanes <= TOK_STORE_KDF_MAX_LANES; lanes++) {
		reference_derive((const uint8_t *)USER_PIN, strlen(USER_PIN), salt, sizeof(salt),
		                 1000, lanes, want);
		threads_created = 0;
		assert_true(tok_store_kdf_derive(USER_PIN, strlen(USER_PIN), salt, sizeof(salt),
		                                 1000, lanes, got));
		assert_int_equal(threads_created, lanes - 1);
		assert_memory_equal(got, want, 32);
		threads_fail = true;
		memset(got, 0, sizeof(got));
		assert_true(tok_store_kdf_derive(USER_PIN, strlen(USER_PIN), salt, sizeof(salt),
		                                 1000, lanes, got));
		threads_fail = false;
		assert_memory_equal(got, want, 32);
	}
}

static void test_derive_refused(void **state)
{
	uint8_t salt[SALT_LEN], key[32];

	(void)state;
	fill(salt, sizeof(salt), 9);
	assert_true(tok_store_kdf_params_valid(1, 1));
	assert_true(tok_store_kdf_params_valid(4, 4));
	assert_false(tok_store_kdf_params_valid(0, 1));
	assert_false(tok_store_kdf_params_valid(1000, 0));
	assert_false(tok_store_kdf_params_valid(1000, TOK_STORE_KDF_MAX_LANES + 1));
	assert_false(tok_store_kdf_params_valid(3, 4));
	assert_false(tok_store_kdf_derive("1234", 4, salt, sizeof(salt), 1000, 0, key));
	assert_false(tok_store_kdf_derive("1234", 4, salt, sizeof(salt), 1000, 5, key));
	assert_false(tok_store_kdf_derive("1234", 4, salt, sizeof(salt), 1, 2, key));
	assert_false(tok_store_kdf_derive("1234", 4, salt, sizeof(salt), 0, 1, key));
	assert_false(tok_store_kdf_derive(NULL, 4, salt, sizeof(salt), 1000, 2, key));
}

struct derive_job {
	pthread_t thread;
	uint8_t key[32];
	bool ok;
};

static void *derive_thread(void *arg)
{
	struct derive_job *job = arg;
	uint8_t salt[SALT_LEN];

	fill(salt, sizeof(salt), 10);
	job->ok =
	    tok_store_kdf_derive(USER_PIN, strlen(USER_PIN), salt, sizeof(salt), 3001, 3, job->key);
	return NULL;
}

/* Several logins at once, each with its lane threads, agree. */
static void test_derive_concurrent(void **state)
{
	struct derive_job jobs[6];
	uint8_t salt[SALT_LEN], want[32];

	(void)state;
	fill(salt, sizeof(salt), 10);
	reference_derive((const uint8_t *)USER_PIN, strlen(USER_PIN), salt, sizeof(salt), 3001, 3,
	                 want);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&jobs[i].thread, NULL, derive_thread, &jobs[i]), 0);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(jobs[i].thread, NULL), 0);
		assert_true(jobs[i].ok);
		assert_memory_equal(jobs[i].key, want, 32);
	}
}

/* --- master-key files -------------------------------------------------- */

struct fx {
	char dir[PATH_MAX / 2];
	char mk_user[PATH_MAX];
	int lock_fd;
	struct os_tokshm shm;
	struct tok_store *st;
	uint8_t mk[TOK_STORE_KEY_LEN];
};

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
	tok_store_set_kdf_iterations(f->st, TEST_ITER);
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

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *data = malloc(4096);

	assert_non_null(fp);
	assert_non_null(data);
	*len = fread(data, 1, 4096, fp);
	fclose(fp);
	return data;
}

static void spew(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* How a hand-built MK_USER is to be made. */
struct mk_spec {
	int layout;         /* 1: no lanes field; 2: with it */
	uint32_t iter;      /* recorded */
	uint32_t lanes;     /* recorded (layout 2) */
	uint32_t kdf_lanes; /* used to derive the key */
	bool aad_lanes;     /* the AAD covers the lanes (layout 2) */
	size_t extra;       /* junk bytes appended to the body */
};

/*
 * Writes MK_USER wrapping f->mk under USER_PIN as spec says, sealed in a
 * valid frame, so only the body decides the outcome.
 */
static void write_mk_user(struct fx *f, const struct mk_spec *spec)
{
	uint8_t body[128], aad[36], kek[32], salt[SALT_LEN], iv[TOK_STORE_IV_LEN];
	struct tok_store_frame fr = {1, 0};
	size_t blen = 0, alen;
	struct os_buf file;

	fill(salt, sizeof(salt), 11);
	fill(iv, sizeof(iv), 12);
	/* A key from parameters the reader would refuse is never needed. */
	if (!tok_store_kdf_derive(USER_PIN, strlen(USER_PIN), salt, sizeof(salt), spec->iter,
	                          spec->kdf_lanes, kek))
		memset(kek, 0, sizeof(kek));
	memcpy(aad, "OSMK", 4);
	put_be32(aad + 4, 1);
	memcpy(aad + 8, salt, SALT_LEN);
	put_be32(aad + 8 + SALT_LEN, spec->iter);
	put_be32(aad + 12 + SALT_LEN, spec->lanes);
	alen = spec->layout == 2 && spec->aad_lanes ? 32 : 28;

	memcpy(body, salt, SALT_LEN);
	blen += SALT_LEN;
	put_be32(body + blen, spec->iter);
	blen += 4;
	if (spec->layout == 2) {
		put_be32(body + blen, spec->lanes);
		blen += 4;
	}
	memcpy(body + blen, iv, sizeof(iv));
	blen += sizeof(iv);
	assert_true(tok_store_crypt_seal(kek, iv, aad, alen, f->mk, TOK_STORE_KEY_LEN, body + blen,
	                                 body + blen + TOK_STORE_KEY_LEN));
	blen += TOK_STORE_KEY_LEN + TOK_STORE_TAG_LEN;
	memset(body + blen, 0, spec->extra);
	blen += spec->extra;

	os_buf_init(&file);
	assert_int_equal(tok_store_frame_seal("OSMK", &fr, body, blen, NULL, &file), CKR_OK);
	spew(f->mk_user, file.data, file.len);
	os_buf_free(&file);
}

static CK_RV user_login(struct fx *f, const char *pin, uint8_t mk[TOK_STORE_KEY_LEN])
{
	return tok_store_login(f->st, CKU_USER, (const CK_UTF8CHAR *)pin, strlen(pin), mk);
}

static uint32_t user_failures(struct fx *f)
{
	struct tok_store_info info;

	assert_int_equal(tok_store_read_info(f->st, &info), CKR_OK);
	return info.user_failures;
}

static void test_new_pin_layout(void **state)
{
	struct fx *f = *state;
	uint8_t mk[TOK_STORE_KEY_LEN];
	unsigned char *data;
	size_t len;

	/* Frame header, 84-byte body (salt, N, L, IV, key, tag), SHA-256. */
	data = slurp(f->mk_user, &len);
	assert_int_equal(len, FRAME_HDR + 84 + 32);
	assert_int_equal(be32(data + FRAME_HDR + SALT_LEN), TEST_ITER);
	assert_int_equal(be32(data + FRAME_HDR + SALT_LEN + 4), TOK_STORE_KDF_LANES);
	free(data);
	assert_int_equal(user_login(f, USER_PIN, mk), CKR_OK);
	assert_memory_equal(mk, f->mk, sizeof(mk));

	/* A count smaller than TOK_STORE_KDF_LANES gets one lane per iteration. */
	tok_store_set_kdf_iterations(f->st, 1);
	assert_int_equal(
	    tok_store_init_user_pin(f->st, f->mk, (const CK_UTF8CHAR *)USER_PIN, strlen(USER_PIN)),
	    CKR_OK);
	data = slurp(f->mk_user, &len);
	assert_int_equal(be32(data + FRAME_HDR + SALT_LEN), 1);
	assert_int_equal(be32(data + FRAME_HDR + SALT_LEN + 4), 1);
	free(data);
	assert_int_equal(user_login(f, USER_PIN, mk), CKR_OK);
	assert_memory_equal(mk, f->mk, sizeof(mk));
}

static void test_hand_built_files(void **state)
{
	struct fx *f = *state;
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct mk_spec spec;

	/* The layout written before lanes: one lane, AAD without them. */
	spec = (struct mk_spec){.layout = 1, .iter = 1000, .lanes = 1, .kdf_lanes = 1};
	write_mk_user(f, &spec);
	assert_int_equal(user_login(f, USER_PIN, mk), CKR_OK);
	assert_memory_equal(mk, f->mk, sizeof(mk));
	assert_int_equal(user_login(f, "wrong", mk), CKR_PIN_INCORRECT);
	assert_int_equal(user_failures(f), 1);
	assert_int_equal(user_login(f, USER_PIN, mk), CKR_OK);

	/* Layout 2 with each count of lanes, an odd N among them. */
	for (uint32_t lanes = 1; lanes <= TOK_STORE_KDF_MAX_LANES; lanes++) {
		spec = (struct mk_spec){.layout = 2,
		                        .iter = 1001,
		                        .lanes = lanes,
		                        .kdf_lanes = lanes,
		                        .aad_lanes = true};
		write_mk_user(f, &spec);
		assert_int_equal(user_login(f, USER_PIN, mk), CKR_OK);
		assert_memory_equal(mk, f->mk, sizeof(mk));
	}
	assert_int_equal(user_failures(f), 0);
}

static void test_lanes_bound(void **state)
{
	struct fx *f = *state;
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct mk_spec spec;

	/* The AAD must cover the lanes: a wrap without them does not open. */
	spec = (struct mk_spec){.layout = 2, .iter = 1000, .lanes = 2, .kdf_lanes = 2};
	write_mk_user(f, &spec);
	assert_int_equal(user_login(f, USER_PIN, mk), CKR_PIN_INCORRECT);
	/* Other lanes recorded than used give another key. */
	spec = (struct mk_spec){
	    .layout = 2, .iter = 1000, .lanes = 1, .kdf_lanes = 2, .aad_lanes = true};
	write_mk_user(f, &spec);
	assert_int_equal(user_login(f, USER_PIN, mk), CKR_PIN_INCORRECT);
	/* A layout-1 file is one lane. */
	spec = (struct mk_spec){.layout = 1, .iter = 1000, .lanes = 2, .kdf_lanes = 2};
	write_mk_user(f, &spec);
	assert_int_equal(user_login(f, USER_PIN, mk), CKR_PIN_INCORRECT);
	assert_int_equal(user_failures(f), 3);
}

static void test_bad_parameters_refused(void **state)
{
	static const struct mk_spec bad[] = {
	    {.layout = 2, .iter = 1000, .lanes = 0, .kdf_lanes = 1, .aad_lanes = true},
	    {.layout = 2, .iter = 1000, .lanes = 5, .kdf_lanes = 4, .aad_lanes = true},
	    {.layout = 2, .iter = 1000, .lanes = 0xffffffffu, .kdf_lanes = 4, .aad_lanes = true},
	    {.layout = 2, .iter = 1, .lanes = 2, .kdf_lanes = 1, .aad_lanes = true},
	    {.layout = 2, .iter = 3, .lanes = 4, .kdf_lanes = 3, .aad_lanes = true},
	    {.layout = 2, .iter = 0, .lanes = 1, .kdf_lanes = 1, .aad_lanes = true},
	    {.layout = 1, .iter = 0, .lanes = 1, .kdf_lanes = 1},
	    {.layout = 2, .iter = 10000001, .lanes = 4, .kdf_lanes = 4, .aad_lanes = true},
	    /* Bodies of neither length. */
	    {.layout = 2, .iter = 1000, .lanes = 2, .kdf_lanes = 2, .aad_lanes = true, .extra = 4},
	    {.layout = 1, .iter = 1000, .lanes = 1, .kdf_lanes = 1, .extra = 1},
	};
	struct fx *f = *state;
	uint8_t mk[TOK_STORE_KEY_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Skip the 10-million-iteration derivation: the reader refuses first. */
		struct mk_spec spec = bad[i];

		if (spec.iter > 1000000)
			spec.kdf_lanes = 0;
		write_mk_user(f, &spec);
		assert_int_equal(user_login(f, USER_PIN, mk), CKR_DATA_INVALID);
	}
	assert_int_equal(user_failures(f), 0);
	/* Nothing was damaged for the SO. */
	assert_int_equal(
	    tok_store_login(f->st, CKU_SO, (const CK_UTF8CHAR *)SO_PIN, strlen(SO_PIN), mk),
	    CKR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pbkdf2_matches_openssl),
	    cmocka_unit_test(test_pbkdf2_args),
	    cmocka_unit_test(test_derive_one_lane_is_pbkdf2),
	    cmocka_unit_test(test_derive_lanes),
	    cmocka_unit_test(test_derive_threads),
	    cmocka_unit_test(test_derive_refused),
	    cmocka_unit_test(test_derive_concurrent),
	    cmocka_unit_test_setup_teardown(test_new_pin_layout, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_hand_built_files, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_lanes_bound, setup_token, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_parameters_refused, setup_token, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
