/*
 * Functional tests of the operation rules of the entry layer through the
 * real library and slotd: the legacy parallel-function calls, errors that
 * end an operation, and the four dual-function updates, whose digest or
 * signature must see every byte exactly once even when the application
 * first asks for the output length or offers too small a buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openslot/pkcs11.h"
#include "harness.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"
#define DATA_LEN 64

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE aes;
	CK_OBJECT_HANDLE hmac;
	CK_BYTE data[DATA_LEN];
};

static CK_BYTE iv[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static CK_MECHANISM cbc = {CKM_AES_CBC, iv, sizeof(iv)};
static CK_MECHANISM sha256 = {CKM_SHA256, NULL, 0};
static CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};

static CK_OBJECT_HANDLE make_key(struct fixture *fx, CK_MECHANISM_TYPE gen)
{
	CK_MECHANISM m = {gen, NULL, 0};
	CK_ULONG len = 32;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_TOKEN, &no, 1},    {CKA_VALUE_LEN, &len, sizeof(len)},
	    {CKA_ENCRYPT, &yes, 1}, {CKA_DECRYPT, &yes, 1},
	    {CKA_SIGN, &yes, 1},    {CKA_VERIFY, &yes, 1},
	};
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	CK_ULONG n = 4;

	if (gen != CKM_AES_KEY_GEN) {
		tmpl[2] = tmpl[4];
		tmpl[3] = tmpl[5];
	}
	assert_int_equal(fx->f->C_GenerateKey(fx->s, &m, tmpl, n, &key), CKR_OK);
	return key;
}

static void fixture_token(struct fixture *fx)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	fx->s = s;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, HARNESS_SLOTS_FOUR), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	/* Before C_Initialize the legacy functions say so. */
	assert_int_equal(fx->f->C_GetFunctionStatus(0), CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_int_equal(fx->f->C_CancelFunction(0), CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	fixture_token(fx);
	fx->aes = make_key(fx, CKM_AES_KEY_GEN);
	fx->hmac = make_key(fx, CKM_GENERIC_SECRET_KEY_GEN);
	for (int i = 0; i < DATA_LEN; i++)
		fx->data[i] = (CK_BYTE)(i * 7 + 3);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	fx->f->C_Finalize(NULL);
	dlclose(fx->dl);
	harness_cleanup(&fx->h);
	free(fx);
	return 0;
}

static void test_legacy_functions(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE handles[] = {0, fx->s, 0xdeadbeef};

	for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
		assert_int_equal(fx->f->C_GetFunctionStatus(handles[i]), CKR_FUNCTION_NOT_PARALLEL);
		assert_int_equal(fx->f->C_CancelFunction(handles[i]), CKR_FUNCTION_NOT_PARALLEL);
	}
}

/* References, each from a fresh single-part operation. */
static void ref_encrypt(struct fixture *fx, const CK_BYTE *in, CK_BYTE *out)
{
	CK_ULONG len = DATA_LEN;

	assert_int_equal(fx->f->C_EncryptInit(fx->s, &cbc, fx->aes), CKR_OK);
	assert_int_equal(fx->f->C_Encrypt(fx->s, (CK_BYTE_PTR)in, DATA_LEN, out, &len), CKR_OK);
	assert_int_equal(len, DATA_LEN);
}

static void ref_digest(struct fixture *fx, CK_MECHANISM *m, CK_OBJECT_HANDLE key, const CK_BYTE *in,
                       CK_BYTE out[32])
{
	CK_ULONG len = 32;

	if (key == CK_INVALID_HANDLE) {
		assert_int_equal(fx->f->C_DigestInit(fx->s, m), CKR_OK);
		assert_int_equal(fx->f->C_Digest(fx->s, (CK_BYTE_PTR)in, DATA_LEN, out, &len),
		                 CKR_OK);
	} else {
		assert_int_equal(fx->f->C_SignInit(fx->s, m, key), CKR_OK);
		assert_int_equal(fx->f->C_Sign(fx->s, (CK_BYTE_PTR)in, DATA_LEN, out, &len),
		                 CKR_OK);
	}
	assert_int_equal(len, 32);
}

typedef CK_RV (*dual_fn)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);

/*
 * Runs a dual update over in the way a careful application does: a length
 * query, then too small a buffer, then the real call, in two halves.  buf
 * may be in itself (in-place).
 */
static void dual_run(struct fixture *fx, dual_fn fn, CK_BYTE *in, CK_BYTE *buf)
{
	for (int half = 0; half < 2; half++) {
		CK_BYTE *p = in + half * (DATA_LEN / 2);
		CK_BYTE *q = buf + half * (DATA_LEN / 2);
		CK_ULONG len = 0;

		assert_int_equal(fn(fx->s, p, DATA_LEN / 2, NULL, &len), CKR_OK);
		assert_int_equal(len, DATA_LEN / 2);
		len = 5;
		assert_int_equal(fn(fx->s, p, DATA_LEN / 2, q, &len), CKR_BUFFER_TOO_SMALL);
		assert_int_equal(len, DATA_LEN / 2);
		assert_int_equal(fn(fx->s, p, DATA_LEN / 2, q, &len), CKR_OK);
		assert_int_equal(len, DATA_LEN / 2);
	}
}

static void cipher_final(struct fixture *fx, bool encrypt)
{
	CK_BYTE rest[16];
	CK_ULONG len = sizeof(rest);

	if (encrypt)
		assert_int_equal(fx->f->C_EncryptFinal(fx->s, rest, &len), CKR_OK);
	else
		assert_int_equal(fx->f->C_DecryptFinal(fx->s, rest, &len), CKR_OK);
	assert_int_equal(len, 0);
}

/* C_DigestEncryptUpdate and C_SignEncryptUpdate, copying and in place. */
static void encrypt_side(struct fixture *fx, CK_MECHANISM *m, CK_OBJECT_HANDLE key, dual_fn fn)
{
	CK_BYTE want_ct[DATA_LEN], want_md[32], ct[DATA_LEN], md[32];
	CK_ULONG len = sizeof(md);

	ref_encrypt(fx, fx->data, want_ct);
	ref_digest(fx, m, key, fx->data, want_md);
	for (int in_place = 0; in_place < 2; in_place++) {
		CK_BYTE in[DATA_LEN];

		memcpy(in, fx->data, DATA_LEN);
		if (key == CK_INVALID_HANDLE)
			assert_int_equal(fx->f->C_DigestInit(fx->s, m), CKR_OK);
		else
			assert_int_equal(fx->f->C_SignInit(fx->s, m, key), CKR_OK);
		assert_int_equal(fx->f->C_EncryptInit(fx->s, &cbc, fx->aes), CKR_OK);
		dual_run(fx, fn, in, in_place ? in : ct);
		cipher_final(fx, true);
		len = sizeof(md);
		if (key == CK_INVALID_HANDLE)
			assert_int_equal(fx->f->C_DigestFinal(fx->s, md, &len), CKR_OK);
		else
			assert_int_equal(fx->f->C_SignFinal(fx->s, md, &len), CKR_OK);
		assert_memory_equal(in_place ? in : ct, want_ct, DATA_LEN);
		assert_memory_equal(md, want_md, 32);
	}
}

static void test_digest_encrypt(void **state)
{
	struct fixture *fx = *state;

	encrypt_side(fx, &sha256, CK_INVALID_HANDLE, fx->f->C_DigestEncryptUpdate);
}

static void test_sign_encrypt(void **state)
{
	struct fixture *fx = *state;

	encrypt_side(fx, &hmac, fx->hmac, fx->f->C_SignEncryptUpdate);
}

static void test_decrypt_digest(void **state)
{
	struct fixture *fx = *state;
	CK_BYTE ct[DATA_LEN], pt[DATA_LEN], want[32], md[32];
	CK_ULONG len = sizeof(md);

	ref_encrypt(fx, fx->data, ct);
	ref_digest(fx, &sha256, CK_INVALID_HANDLE, fx->data, want);
	assert_int_equal(fx->f->C_DecryptInit(fx->s, &cbc, fx->aes), CKR_OK);
	assert_int_equal(fx->f->C_DigestInit(fx->s, &sha256), CKR_OK);
	dual_run(fx, fx->f->C_DecryptDigestUpdate, ct, pt);
	cipher_final(fx, false);
	assert_int_equal(fx->f->C_DigestFinal(fx->s, md, &len), CKR_OK);
	assert_memory_equal(pt, fx->data, DATA_LEN);
	assert_memory_equal(md, want, 32);
}

static void test_decrypt_verify(void **state)
{
	struct fixture *fx = *state;
	CK_BYTE ct[DATA_LEN], pt[DATA_LEN], mac[32];

	ref_encrypt(fx, fx->data, ct);
	ref_digest(fx, &hmac, fx->hmac, fx->data, mac);
	assert_int_equal(fx->f->C_DecryptInit(fx->s, &cbc, fx->aes), CKR_OK);
	assert_int_equal(fx->f->C_VerifyInit(fx->s, &hmac, fx->hmac), CKR_OK);
	dual_run(fx, fx->f->C_DecryptVerifyUpdate, ct, pt);
	cipher_final(fx, false);
	assert_int_equal(fx->f->C_VerifyFinal(fx->s, mac, sizeof(mac)), CKR_OK);
	assert_memory_equal(pt, fx->data, DATA_LEN);
}

/* An error in a dual update other than a short buffer ends both operations. */
static void test_dual_error_ends_both(void **state)
{
	struct fixture *fx = *state;
	CK_BYTE out[DATA_LEN];
	CK_ULONG len = sizeof(out);

	assert_int_equal(fx->f->C_DigestInit(fx->s, &sha256), CKR_OK);
	assert_int_equal(fx->f->C_EncryptInit(fx->s, &cbc, fx->aes), CKR_OK);
	assert_int_equal(fx->f->C_DigestEncryptUpdate(fx->s, fx->data, DATA_LEN, out, NULL),
	                 CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->f->C_DigestUpdate(fx->s, fx->data, DATA_LEN),
	                 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(fx->f->C_EncryptUpdate(fx->s, fx->data, DATA_LEN, out, &len),
	                 CKR_OPERATION_NOT_INITIALIZED);
}

/* Errors in Update and Final forms end the operation; a second Init is refused. */
static void test_errors_end_operations(void **state)
{
	struct fixture *fx = *state;
	CK_BYTE out[DATA_LEN], mac[32];
	CK_ULONG len = sizeof(out);

	assert_int_equal(fx->f->C_EncryptInit(fx->s, &cbc, fx->aes), CKR_OK);
	assert_int_equal(fx->f->C_EncryptInit(fx->s, &cbc, fx->aes), CKR_OPERATION_ACTIVE);
	assert_int_equal(fx->f->C_EncryptUpdate(fx->s, fx->data, DATA_LEN, out, NULL),
	                 CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->f->C_EncryptFinal(fx->s, out, &len), CKR_OPERATION_NOT_INITIALIZED);

	assert_int_equal(fx->f->C_DigestInit(fx->s, &sha256), CKR_OK);
	assert_int_equal(fx->f->C_DigestUpdate(fx->s, fx->data, DATA_LEN), CKR_OK);
	assert_int_equal(fx->f->C_DigestFinal(fx->s, out, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->f->C_DigestFinal(fx->s, out, &len), CKR_OPERATION_NOT_INITIALIZED);

	assert_int_equal(fx->f->C_DigestInit(fx->s, &sha256), CKR_OK);
	assert_int_equal(fx->f->C_Digest(fx->s, fx->data, DATA_LEN, out, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->f->C_DigestUpdate(fx->s, fx->data, 1), CKR_OPERATION_NOT_INITIALIZED);

	ref_digest(fx, &hmac, fx->hmac, fx->data, mac);
	mac[0] ^= 1;
	assert_int_equal(fx->f->C_VerifyInit(fx->s, &hmac, fx->hmac), CKR_OK);
	assert_int_equal(fx->f->C_VerifyUpdate(fx->s, fx->data, DATA_LEN), CKR_OK);
	assert_int_equal(fx->f->C_VerifyFinal(fx->s, mac, sizeof(mac)), CKR_SIGNATURE_INVALID);
	assert_int_equal(fx->f->C_VerifyFinal(fx->s, mac, sizeof(mac)),
	                 CKR_OPERATION_NOT_INITIALIZED);
}

/* Known answers of FIPS 180-4 and FIPS 202 for "abc", and SHA-256 of nothing. */
struct digest_case {
	CK_MECHANISM_TYPE mech;
	const char *msg;
	const char *hex;
};

static const struct digest_case digest_cases[] = {
    {CKM_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {CKM_SHA_1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {CKM_SHA512, "abc",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {CKM_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {CKM_SHA3_256, "abc", "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
};

#define DIGEST_N_CASES (sizeof(digest_cases) / sizeof(digest_cases[0]))

static void hex_decode(const char *hex, CK_BYTE *out, CK_ULONG *len)
{
	*len = strlen(hex) / 2;
	for (CK_ULONG i = 0; i < *len; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (CK_BYTE)v;
	}
}

/*
 * One digest of a known answer, in one of four ways chosen by round: single
 * part; single part after a length query; Update and Final; and a digest
 * abandoned half-way by an error (with a key's value fed in first) before
 * the real one.  Each starts on the state the previous one left.
 */
static void digest_known(struct fixture *fx, const struct digest_case *c, int round)
{
	CK_MECHANISM m = {c->mech, NULL, 0};
	CK_BYTE want[64], got[64];
	CK_ULONG want_len, len = sizeof(got);
	CK_BYTE_PTR msg = (CK_BYTE_PTR)c->msg;
	CK_ULONG msg_len = strlen(c->msg);

	hex_decode(c->hex, want, &want_len);
	if (round % 4 == 3) {
		assert_int_equal(fx->f->C_DigestInit(fx->s, &m), CKR_OK);
		assert_int_equal(fx->f->C_DigestKey(fx->s, fx->hmac), CKR_OK);
		assert_int_equal(fx->f->C_DigestUpdate(fx->s, fx->data, DATA_LEN), CKR_OK);
		assert_int_equal(fx->f->C_DigestFinal(fx->s, got, NULL), CKR_ARGUMENTS_BAD);
	}
	assert_int_equal(fx->f->C_DigestInit(fx->s, &m), CKR_OK);
	if (round % 4 == 2) {
		assert_int_equal(fx->f->C_DigestUpdate(fx->s, msg, msg_len), CKR_OK);
		assert_int_equal(fx->f->C_DigestFinal(fx->s, got, &len), CKR_OK);
	} else {
		if (round % 4 == 1) {
			assert_int_equal(fx->f->C_Digest(fx->s, msg, msg_len, NULL, &len), CKR_OK);
			assert_int_equal(len, want_len);
		}
		assert_int_equal(fx->f->C_Digest(fx->s, msg, msg_len, got, &len), CKR_OK);
	}
	assert_int_equal(len, want_len);
	assert_memory_equal(got, want, want_len);
}

/*
 * A session reuses the state of an ended digest for the next C_DigestInit:
 * 1,000 digests in a row, changing algorithm and form each time, all give
 * the known answers, and none is disturbed by what came before.
 */
static void test_digest_reuse(void **state)
{
	struct fixture *fx = *state;

	for (int i = 0; i < 1000; i++)
		digest_known(fx, &digest_cases[i % DIGEST_N_CASES], i / DIGEST_N_CASES);
	/* a mechanism that is no digest is still refused after reuse */
	assert_int_equal(fx->f->C_DigestInit(fx->s, &cbc), CKR_MECHANISM_INVALID);
	digest_known(fx, &digest_cases[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_legacy_functions),
	    cmocka_unit_test(test_digest_encrypt),
	    cmocka_unit_test(test_sign_encrypt),
	    cmocka_unit_test(test_decrypt_digest),
	    cmocka_unit_test(test_decrypt_verify),
	    cmocka_unit_test(test_dual_error_ends_both),
	    cmocka_unit_test(test_errors_end_operations),
	    cmocka_unit_test(test_digest_reuse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
