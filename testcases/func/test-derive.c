/*
 * Functional tests of the key derivation mechanisms through the real
 * library and a real slotd: HKDF with its salt taken from a second key
 * named by handle (and the checks that key gets), CKM_HKDF_DATA making a
 * data object, HKDF keys from CKM_HKDF_KEY_GEN, PBKDF2 keys from
 * C_GenerateKey, the SP 800-108 counter KDF, and ECDH with the X9.63 KDF
 * agreeing on both sides.  The values are RFC 5869 test case 1, RFC 6070
 * and NIST CAVP KDFCTR vectors, read back from extractable objects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "openslot/pkcs11.h"
#include "harness.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"
#define N(a)     (sizeof(a) / sizeof((a)[0]))

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
	CK_SESSION_HANDLE s;
};

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY, data_class = CKO_DATA;
static CK_KEY_TYPE generic = CKK_GENERIC_SECRET, aes_type = CKK_AES, hkdf_type = CKK_HKDF;

/* RFC 5869, test case 1. */
static const CK_BYTE tc1_ikm[22] = {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                    0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                    0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};
static const CK_BYTE tc1_salt[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const CK_BYTE tc1_info[10] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9};
static const CK_BYTE tc1_okm[42] = {
    0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36,
    0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56,
    0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_INTERFACE *iface;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

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
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	memset(label, ' ', sizeof(label));
	memcpy(label, "derive", 6);
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	fx->s = s;
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

/* A session secret key of the given type and value, usable for derivation (derive). */
static CK_OBJECT_HANDLE secret(struct fixture *fx, CK_KEY_TYPE *type, const void *val, CK_ULONG len,
                               CK_BBOOL *derive)
{
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &secret_class, sizeof(secret_class)},
	                    {CKA_KEY_TYPE, type, sizeof(*type)},
	                    {CKA_VALUE, (void *)val, len},
	                    {CKA_DERIVE, derive, 1}};
	CK_OBJECT_HANDLE h;

	assert_int_equal(fx->f->C_CreateObject(fx->s, t, N(t), &h), CKR_OK);
	return h;
}

/* CKA_VALUE of h must be want. */
static void assert_value(struct fixture *fx, CK_OBJECT_HANDLE h, const void *want, CK_ULONG len)
{
	CK_BYTE got[256];
	CK_ATTRIBUTE a = {CKA_VALUE, got, sizeof(got)};

	assert_int_equal(fx->f->C_GetAttributeValue(fx->s, h, &a, 1), CKR_OK);
	assert_int_equal(a.ulValueLen, len);
	assert_memory_equal(got, want, len);
}

static CK_HKDF_PARAMS tc1_params(CK_ULONG salt_type, CK_OBJECT_HANDLE salt_key)
{
	CK_HKDF_PARAMS p = {CK_TRUE, CK_TRUE,  CKM_SHA256,          salt_type,       NULL,
	                    0,       salt_key, (CK_BYTE *)tc1_info, sizeof(tc1_info)};

	if (salt_type == CKF_HKDF_SALT_DATA) {
		p.pSalt = (CK_BYTE *)tc1_salt;
		p.ulSaltLen = sizeof(tc1_salt);
	}
	return p;
}

static CK_RV hkdf_key(struct fixture *fx, CK_OBJECT_HANDLE base, CK_HKDF_PARAMS *p, CK_ULONG len,
                      CK_OBJECT_HANDLE *out)
{
	CK_MECHANISM m = {CKM_HKDF_DERIVE, p, sizeof(*p)};
	CK_ATTRIBUTE t[] = {{CKA_KEY_TYPE, &generic, sizeof(generic)},
	                    {CKA_VALUE_LEN, &len, sizeof(len)},
	                    {CKA_EXTRACTABLE, &yes, 1},
	                    {CKA_SENSITIVE, &no, 1}};

	return fx->f->C_DeriveKey(fx->s, &m, base, t, N(t), out);
}

static void test_hkdf_salt_key(void **state)
{
	struct fixture *fx = *state;
	CK_OBJECT_HANDLE ikm = secret(fx, &generic, tc1_ikm, sizeof(tc1_ikm), &yes);
	CK_OBJECT_HANDLE salt = secret(fx, &generic, tc1_salt, sizeof(tc1_salt), &yes);
	CK_OBJECT_HANDLE locked = secret(fx, &generic, tc1_salt, sizeof(tc1_salt), &no);
	CK_OBJECT_HANDLE out;
	CK_HKDF_PARAMS p = tc1_params(CKF_HKDF_SALT_DATA, 0);

	assert_int_equal(hkdf_key(fx, ikm, &p, 42, &out), CKR_OK);
	assert_value(fx, out, tc1_okm, sizeof(tc1_okm));
	p = tc1_params(CKF_HKDF_SALT_KEY, salt);
	assert_int_equal(hkdf_key(fx, ikm, &p, 42, &out), CKR_OK);
	assert_value(fx, out, tc1_okm, sizeof(tc1_okm));
	/* The salt key is checked as the base key is. */
	p = tc1_params(CKF_HKDF_SALT_KEY, locked);
	assert_int_equal(hkdf_key(fx, ikm, &p, 42, &out), CKR_KEY_FUNCTION_NOT_PERMITTED);
	p = tc1_params(CKF_HKDF_SALT_KEY, 0x7777);
	assert_int_equal(hkdf_key(fx, ikm, &p, 42, &out), CKR_KEY_HANDLE_INVALID);
	/* Without extraction the salt key is not used, so not looked at. */
	p.bExtract = CK_FALSE;
	assert_int_equal(hkdf_key(fx, salt, &p, 42, &out), CKR_KEY_SIZE_RANGE);
	p = tc1_params(CKF_HKDF_SALT_KEY, salt);
	assert_int_equal(hkdf_key(fx, locked, &p, 42, &out), CKR_KEY_FUNCTION_NOT_PERMITTED);
}

static void test_hkdf_data(void **state)
{
	struct fixture *fx = *state;
	CK_OBJECT_HANDLE ikm = secret(fx, &generic, tc1_ikm, sizeof(tc1_ikm), &yes);
	CK_HKDF_PARAMS p = tc1_params(CKF_HKDF_SALT_DATA, 0);
	CK_MECHANISM m = {CKM_HKDF_DATA, &p, sizeof(p)};
	CK_ULONG len = 42, got_len;
	CK_OBJECT_CLASS cls;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &data_class, sizeof(data_class)},
	                    {CKA_VALUE_LEN, &len, sizeof(len)},
	                    {CKA_LABEL, "okm", 3}};
	CK_ATTRIBUTE tok[] = {{CKA_LABEL, "okm", 3}, {CKA_TOKEN, &yes, 1}};
	CK_ATTRIBUTE q[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_VALUE_LEN, &got_len, sizeof(len)}};
	CK_OBJECT_HANDLE out;

	assert_int_equal(fx->f->C_DeriveKey(fx->s, &m, ikm, t, N(t), &out), CKR_OK);
	assert_value(fx, out, tc1_okm, sizeof(tc1_okm));
	assert_int_equal(fx->f->C_GetAttributeValue(fx->s, out, q, 2), CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(cls, CKO_DATA);
	assert_int_equal(q[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	/* The class is implied; without a length the hash length is made.  A token object too. */
	assert_int_equal(fx->f->C_DeriveKey(fx->s, &m, ikm, tok, N(tok), &out), CKR_OK);
	assert_value(fx, out, tc1_okm, 32);
	/* A data object only from CKM_HKDF_DATA, a key never from it. */
	m.mechanism = CKM_HKDF_DERIVE;
	assert_int_equal(fx->f->C_DeriveKey(fx->s, &m, ikm, t, 1, &out), CKR_TEMPLATE_INCONSISTENT);
	m.mechanism = CKM_HKDF_DATA;
	assert_int_equal(
	    fx->f->C_DeriveKey(fx->s, &m, ikm,
	                       (CK_ATTRIBUTE[]){{CKA_CLASS, &secret_class, sizeof(secret_class)}},
	                       1, &out),
	    CKR_TEMPLATE_INCONSISTENT);
}

static void test_hkdf_key_gen(void **state)
{
	struct fixture *fx = *state;
	CK_MECHANISM gen = {CKM_HKDF_KEY_GEN, NULL, 0};
	CK_ULONG len = 32;
	CK_KEY_TYPE type;
	CK_ATTRIBUTE t[] = {{CKA_KEY_TYPE, &hkdf_type, sizeof(hkdf_type)},
	                    {CKA_DERIVE, &yes, 1},
	                    {CKA_VALUE_LEN, &len, sizeof(len)}};
	CK_ATTRIBUTE q = {CKA_KEY_TYPE, &type, sizeof(type)};
	CK_HKDF_PARAMS p = tc1_params(CKF_HKDF_SALT_NULL, 0);
	CK_OBJECT_HANDLE key, out;

	assert_int_equal(fx->f->C_GenerateKey(fx->s, &gen, t, N(t), &key), CKR_OK);
	assert_int_equal(fx->f->C_GetAttributeValue(fx->s, key, &q, 1), CKR_OK);
	assert_int_equal(type, CKK_HKDF);
	assert_int_equal(hkdf_key(fx, key, &p, 16, &out), CKR_OK);
	assert_int_equal(fx->f->C_GenerateKey(fx->s, &gen, t, 2, &key), CKR_TEMPLATE_INCOMPLETE);
}

static void test_pbkdf2(void **state)
{
	struct fixture *fx = *state;
	/* RFC 6070: "password", "salt", 2 iterations. */
	static const CK_BYTE want[20] = {0xea, 0x6c, 0x01, 0x4d, 0xc7, 0x2d, 0x6f,
	                                 0x8c, 0xcd, 0x1e, 0xd9, 0x2a, 0xce, 0x1d,
	                                 0x41, 0xf0, 0xd8, 0xde, 0x89, 0x57};
	CK_ULONG pwlen = 8, len = 20, len16 = 16;
	CK_PKCS5_PBKD2_PARAMS2 p2 = {
	    CKZ_SALT_SPECIFIED,        "salt", 4, 2, CKP_PKCS5_PBKD2_HMAC_SHA1, NULL, 0,
	    (CK_UTF8CHAR *)"password", pwlen};
	CK_PKCS5_PBKD2_PARAMS p1 = {
	    CKZ_SALT_SPECIFIED,        "salt", 4, 2, CKP_PKCS5_PBKD2_HMAC_SHA1, NULL, 0,
	    (CK_UTF8CHAR *)"password", &pwlen};
	CK_MECHANISM m = {CKM_PKCS5_PBKD2, &p2, sizeof(p2)};
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &secret_class, sizeof(secret_class)},
	                    {CKA_KEY_TYPE, &generic, sizeof(generic)},
	                    {CKA_VALUE_LEN, &len, sizeof(len)},
	                    {CKA_EXTRACTABLE, &yes, 1},
	                    {CKA_SENSITIVE, &no, 1}};
	CK_OBJECT_HANDLE key;

	assert_int_equal(fx->f->C_GenerateKey(fx->s, &m, t, N(t), &key), CKR_OK);
	assert_value(fx, key, want, sizeof(want));
	m.pParameter = &p1;
	assert_int_equal(fx->f->C_GenerateKey(fx->s, &m, t, N(t), &key), CKR_OK);
	assert_value(fx, key, want, sizeof(want));
	t[1].pValue = &aes_type;
	t[2].pValue = &len16;
	assert_int_equal(fx->f->C_GenerateKey(fx->s, &m, t, N(t), &key), CKR_OK);
	assert_value(fx, key, want, 16);
	assert_int_equal(fx->f->C_GenerateKey(fx->s, &m, t, 2, &key), CKR_TEMPLATE_INCOMPLETE);
	p1.prf = 0x99;
	assert_int_equal(fx->f->C_GenerateKey(fx->s, &m, t, N(t), &key),
	                 CKR_MECHANISM_PARAM_INVALID);
}

static void test_sp800_108_counter(void **state)
{
	struct fixture *fx = *state;
	/* NIST CAVP KDFCTR, HMAC_SHA256, counter before the fixed input, 32 bits, COUNT 0. */
	static const CK_BYTE ki[32] = {0xdd, 0x1d, 0x91, 0xb7, 0xd9, 0x0b, 0x2b, 0xd3,
	                               0x13, 0x85, 0x33, 0xce, 0x92, 0xb2, 0x72, 0xfb,
	                               0xf8, 0xa3, 0x69, 0x31, 0x6a, 0xef, 0xe2, 0x42,
	                               0xe6, 0x59, 0xcc, 0x0a, 0xe2, 0x38, 0xaf, 0xe0};
	static const CK_BYTE fixed[60] = {
	    0x01, 0x32, 0x2b, 0x96, 0xb3, 0x0a, 0xcd, 0x19, 0x79, 0x79, 0x44, 0x4e,
	    0x46, 0x8e, 0x1c, 0x5c, 0x68, 0x59, 0xbf, 0x1b, 0x1c, 0xf9, 0x51, 0xb7,
	    0xe7, 0x25, 0x30, 0x3e, 0x23, 0x7e, 0x46, 0xb8, 0x64, 0xa1, 0x45, 0xfa,
	    0xb2, 0x5e, 0x51, 0x7b, 0x08, 0xf8, 0x68, 0x3d, 0x03, 0x15, 0xbb, 0x29,
	    0x11, 0xd8, 0x0a, 0x0e, 0x8a, 0xba, 0x17, 0xf3, 0xb4, 0x13, 0xfa, 0xac};
	static const CK_BYTE ko[16] = {0x10, 0x62, 0x13, 0x42, 0xbf, 0xb0, 0xfd, 0x40,
	                               0x04, 0x6c, 0x0e, 0x29, 0xf2, 0xcf, 0xdb, 0xf0};
	CK_SP800_108_COUNTER_FORMAT ctr = {CK_FALSE, 32};
	CK_PRF_DATA_PARAM data[] = {{CK_SP800_108_ITERATION_VARIABLE, &ctr, sizeof(ctr)},
	                            {CK_SP800_108_BYTE_ARRAY, (void *)fixed, sizeof(fixed)}};
	CK_SP800_108_KDF_PARAMS p = {CKM_SHA256_HMAC, 2, data, 0, NULL};
	CK_MECHANISM m = {CKM_SP800_108_COUNTER_KDF, &p, sizeof(p)};
	CK_ULONG len = 16;
	CK_ATTRIBUTE t[] = {{CKA_KEY_TYPE, &aes_type, sizeof(aes_type)},
	                    {CKA_VALUE_LEN, &len, sizeof(len)},
	                    {CKA_EXTRACTABLE, &yes, 1},
	                    {CKA_SENSITIVE, &no, 1}};
	CK_OBJECT_HANDLE base = secret(fx, &generic, ki, sizeof(ki), &yes), out;

	assert_int_equal(fx->f->C_DeriveKey(fx->s, &m, base, t, N(t), &out), CKR_OK);
	assert_value(fx, out, ko, sizeof(ko));
	ctr.bLittleEndian = CK_TRUE;
	assert_int_equal(fx->f->C_DeriveKey(fx->s, &m, base, t, N(t), &out),
	                 CKR_MECHANISM_PARAM_INVALID);
}

/* A P-256 key pair for derivation; *point gets CKA_EC_POINT (DER OCTET STRING). */
static CK_OBJECT_HANDLE ec_pair(struct fixture *fx, CK_BYTE *point, CK_ULONG *len)
{
	static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256, sizeof(p256)}};
	CK_ATTRIBUTE st[] = {{CKA_DERIVE, &yes, 1}};
	CK_ATTRIBUTE q = {CKA_EC_POINT, point, *len};
	CK_OBJECT_HANDLE pub, priv;

	assert_int_equal(fx->f->C_GenerateKeyPair(fx->s, &gen, pt, 1, st, 1, &pub, &priv), CKR_OK);
	assert_int_equal(fx->f->C_GetAttributeValue(fx->s, pub, &q, 1), CKR_OK);
	*len = q.ulValueLen;
	return priv;
}

static void ecdh_value(struct fixture *fx, CK_OBJECT_HANDLE priv, CK_BYTE *peer, CK_ULONG peerlen,
                       CK_EC_KDF_TYPE kdf, CK_BYTE *value)
{
	CK_ECDH1_DERIVE_PARAMS p = {kdf, 6, (CK_BYTE *)"shared", peerlen, peer};
	CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof(p)};
	CK_ULONG len = 40;
	CK_ATTRIBUTE t[] = {{CKA_KEY_TYPE, &generic, sizeof(generic)},
	                    {CKA_VALUE_LEN, &len, sizeof(len)},
	                    {CKA_EXTRACTABLE, &yes, 1},
	                    {CKA_SENSITIVE, &no, 1}};
	CK_ATTRIBUTE q = {CKA_VALUE, value, 40};
	CK_OBJECT_HANDLE out;

	assert_int_equal(fx->f->C_DeriveKey(fx->s, &m, priv, t, N(t), &out), CKR_OK);
	assert_int_equal(fx->f->C_GetAttributeValue(fx->s, out, &q, 1), CKR_OK);
	assert_int_equal(q.ulValueLen, 40);
}

static void test_ecdh_kdf_agrees(void **state)
{
	struct fixture *fx = *state;
	static const CK_EC_KDF_TYPE kdfs[] = {CKD_SHA1_KDF, CKD_SHA224_KDF, CKD_SHA256_KDF,
	                                      CKD_SHA384_KDF, CKD_SHA512_KDF};
	CK_BYTE a_pt[128], b_pt[128], a_val[40], b_val[40], prev[40] = {0};
	CK_ULONG a_len = sizeof(a_pt), b_len = sizeof(b_pt);
	CK_OBJECT_HANDLE a = ec_pair(fx, a_pt, &a_len), b = ec_pair(fx, b_pt, &b_len);

	for (size_t i = 0; i < N(kdfs); i++) {
		ecdh_value(fx, a, b_pt, b_len, kdfs[i], a_val);
		ecdh_value(fx, b, a_pt, a_len, kdfs[i], b_val);
		assert_memory_equal(a_val, b_val, sizeof(a_val));
		assert_memory_not_equal(a_val, prev, sizeof(a_val));
		memcpy(prev, a_val, sizeof(prev));
	}
}

static void test_mechanism_info(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		CK_MECHANISM_TYPE type;
		CK_FLAGS flag;
	} want[] = {{CKM_HKDF_DERIVE, CKF_DERIVE},           {CKM_HKDF_DATA, CKF_DERIVE},
	            {CKM_HKDF_KEY_GEN, CKF_GENERATE},        {CKM_PKCS5_PBKD2, CKF_GENERATE},
	            {CKM_SP800_108_COUNTER_KDF, CKF_DERIVE}, {CKM_ECDH1_DERIVE, CKF_DERIVE}};
	CK_MECHANISM_INFO info;

	for (size_t i = 0; i < N(want); i++) {
		assert_int_equal(fx->f->C_GetMechanismInfo(0, want[i].type, &info), CKR_OK);
		assert_true(info.flags & want[i].flag);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mechanism_info),  cmocka_unit_test(test_hkdf_salt_key),
	    cmocka_unit_test(test_hkdf_data),       cmocka_unit_test(test_hkdf_key_gen),
	    cmocka_unit_test(test_pbkdf2),          cmocka_unit_test(test_sp800_108_counter),
	    cmocka_unit_test(test_ecdh_kdf_agrees),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
