/*
 * Functional tests of triple DES through the real library and a real
 * slotd: a key made with CKM_DES3_KEY_GEN has odd parity and encrypts,
 * decrypts and wraps as OpenSSL's DES-EDE3 does; keys imported with
 * C_CreateObject meet the CMAC examples of SP 800-38B; the attribute rules
 * hold the DES key types to their lengths; and a slot whose options say
 * legacy-mechanisms = false neither lists nor runs any DES mechanism
 * (CKR_MECHANISM_INVALID), while a slot beside it still does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "openslot/pkcs11.h"
#include "harness.h"

#define SO_PIN    "87654321"
#define USER_PIN  "123456"
#define SLOT_ON   0
#define SLOT_OFF  5
#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

#define SLOT_OPTS "pin-kdf-memory = \"64\"; pin-kdf-time = \"1\";"
#define SLOTS                                                                                  \
	"{ id = 0; backend = \"soft\"; token = \"softtok\"; options = { " SLOT_OPTS " }; },\n" \
	"{ id = 5; backend = \"soft\"; token = \"oldtok\"; options = { " SLOT_OPTS             \
	" legacy-mechanisms = false; }; }"

static const CK_MECHANISM_TYPE des_family[] = {
    CKM_DES3_KEY_GEN,      CKM_DES2_KEY_GEN, CKM_DES3_ECB,         CKM_DES3_CBC,
    CKM_DES3_CBC_PAD,      CKM_DES3_MAC,     CKM_DES3_MAC_GENERAL, CKM_DES3_CMAC,
    CKM_DES3_CMAC_GENERAL, CKM_DES_KEY_GEN,  CKM_DES_ECB,          CKM_DES_CBC,
    CKM_DES_CBC_PAD,
};

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret = CKO_SECRET_KEY;

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, SLOTS), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
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

/* Initialises the token of slot and returns a R/W session logged in as its user. */
static CK_SESSION_HANDLE user_session(struct fixture *fx, CK_SLOT_ID slot)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	return s;
}

static bool listed(struct fixture *fx, CK_SLOT_ID slot, CK_MECHANISM_TYPE type)
{
	CK_MECHANISM_TYPE list[512];
	CK_ULONG n = N_ELEM(list);
	bool found = false;

	assert_int_equal(fx->f->C_GetMechanismList(slot, list, &n), CKR_OK);
	for (CK_ULONG i = 0; i < n; i++)
		found |= list[i] == type;
	return found;
}

/* A session key of type made by mechanism, usable for everything and extractable. */
static CK_RV generate(struct fixture *fx, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mechanism,
                      CK_OBJECT_HANDLE *key)
{
	CK_MECHANISM m = {mechanism, NULL, 0};
	CK_ATTRIBUTE t[] = {
	    {CKA_TOKEN, &no, 1},    {CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1},
	    {CKA_ENCRYPT, &yes, 1}, {CKA_DECRYPT, &yes, 1},  {CKA_WRAP, &yes, 1},
	    {CKA_UNWRAP, &yes, 1},
	};

	return fx->f->C_GenerateKey(s, &m, t, N_ELEM(t), key);
}

/* Imports a triple-DES key of type with the value given. */
static CK_RV import(struct fixture *fx, CK_SESSION_HANDLE s, CK_KEY_TYPE type, const CK_BYTE *val,
                    CK_ULONG len, CK_OBJECT_HANDLE *key)
{
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &secret, sizeof(secret)},
	    {CKA_KEY_TYPE, &type, sizeof(type)},
	    {CKA_VALUE, (void *)val, len},
	    {CKA_TOKEN, &no, 1},
	    {CKA_SIGN, &yes, 1},
	    {CKA_VERIFY, &yes, 1},
	    {CKA_ENCRYPT, &yes, 1},
	};

	return fx->f->C_CreateObject(s, t, N_ELEM(t), key);
}

static CK_ULONG value_of(struct fixture *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
                         CK_BYTE *val, CK_ULONG room)
{
	CK_ATTRIBUTE a = {CKA_VALUE, val, room};

	assert_int_equal(fx->f->C_GetAttributeValue(s, key, &a, 1), CKR_OK);
	return a.ulValueLen;
}

/* Encrypts data with DES-EDE3-CBC and PKCS#7 padding in OpenSSL: the reference. */
static int reference_cbc_pad(const CK_BYTE *key, const CK_BYTE *iv, const CK_BYTE *in, int len,
                             CK_BYTE *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0;

	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex2(c, EVP_des_ede3_cbc(), key, iv, NULL), 1);
	assert_int_equal(EVP_EncryptUpdate(c, out, &n1, in, len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, out + n1, &n2), 1);
	EVP_CIPHER_CTX_free(c);
	return n1 + n2;
}

static void test_generated_key(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s = user_session(fx, SLOT_ON);
	CK_OBJECT_HANDLE des3, des2;
	CK_BYTE val[32], iv[8] = {1, 2, 3, 4, 5, 6, 7, 8}, data[37], ct[64], want[64], pt[64];
	CK_MECHANISM cbc = {CKM_DES3_CBC_PAD, iv, sizeof(iv)};
	CK_ULONG ctlen = sizeof(ct), ptlen = sizeof(pt), len;
	CK_MECHANISM_INFO info;

	for (size_t i = 0; i < 9; i++)
		assert_true(listed(fx, SLOT_ON, des_family[i]));
	assert_int_equal(fx->f->C_GetMechanismInfo(SLOT_ON, CKM_DES3_KEY_GEN, &info), CKR_OK);
	assert_int_equal(info.ulMinKeySize, 24);
	assert_int_equal(info.flags, CKF_GENERATE);

	assert_int_equal(generate(fx, s, CKM_DES3_KEY_GEN, &des3), CKR_OK);
	len = value_of(fx, s, des3, val, sizeof(val));
	assert_int_equal(len, 24);
	for (CK_ULONG i = 0; i < len; i++)
		assert_int_equal(__builtin_popcount(val[i]) & 1, 1);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (CK_BYTE)(i * 7);
	assert_int_equal(fx->f->C_EncryptInit(s, &cbc, des3), CKR_OK);
	assert_int_equal(fx->f->C_Encrypt(s, data, sizeof(data), ct, &ctlen), CKR_OK);
	assert_int_equal(ctlen, 40);
	assert_int_equal(reference_cbc_pad(val, iv, data, sizeof(data), want), 40);
	assert_memory_equal(ct, want, 40);
	assert_int_equal(fx->f->C_DecryptInit(s, &cbc, des3), CKR_OK);
	assert_int_equal(fx->f->C_Decrypt(s, ct, ctlen, pt, &ptlen), CKR_OK);
	assert_int_equal(ptlen, sizeof(data));
	assert_memory_equal(pt, data, sizeof(data));

	/* DES keys have no CKA_VALUE_LEN: their type fixes the length. */
	{
		CK_MECHANISM m = {CKM_DES3_KEY_GEN, NULL, 0};
		CK_ULONG l24 = 24;
		CK_ATTRIBUTE t[] = {{CKA_VALUE_LEN, &l24, sizeof(l24)}};
		CK_OBJECT_HANDLE h;

		assert_int_equal(fx->f->C_GenerateKey(s, &m, t, 1, &h), CKR_ATTRIBUTE_TYPE_INVALID);
	}
	assert_int_equal(generate(fx, s, CKM_DES2_KEY_GEN, &des2), CKR_OK);
	len = value_of(fx, s, des2, val, sizeof(val));
	assert_int_equal(len, 16);
	for (CK_ULONG i = 0; i < len; i++)
		assert_int_equal(__builtin_popcount(val[i]) & 1, 1);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

/* C_WrapKey of an AES key under a generated triple-DES key, and back. */
static void test_wrap(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s = user_session(fx, SLOT_ON);
	CK_OBJECT_HANDLE kek, aes, back;
	CK_BYTE iv[8] = {9}, wrapped[64], v1[32], v2[32];
	CK_MECHANISM wrap = {CKM_DES3_CBC_PAD, iv, sizeof(iv)};
	CK_MECHANISM agen = {CKM_AES_KEY_GEN, NULL, 0};
	CK_ULONG vlen = 32, wlen = sizeof(wrapped);
	CK_KEY_TYPE aes_type = CKK_AES;
	CK_ATTRIBUTE at[] = {{CKA_VALUE_LEN, &vlen, sizeof(vlen)},
	                     {CKA_EXTRACTABLE, &yes, 1},
	                     {CKA_SENSITIVE, &no, 1}};
	CK_ATTRIBUTE ut[] = {{CKA_CLASS, &secret, sizeof(secret)},
	                     {CKA_KEY_TYPE, &aes_type, sizeof(aes_type)},
	                     {CKA_SENSITIVE, &no, 1},
	                     {CKA_EXTRACTABLE, &yes, 1}};

	assert_int_equal(generate(fx, s, CKM_DES3_KEY_GEN, &kek), CKR_OK);
	assert_int_equal(fx->f->C_GenerateKey(s, &agen, at, N_ELEM(at), &aes), CKR_OK);
	assert_int_equal(fx->f->C_WrapKey(s, &wrap, kek, aes, wrapped, &wlen), CKR_OK);
	assert_int_equal(wlen, 40);
	assert_int_equal(fx->f->C_UnwrapKey(s, &wrap, kek, wrapped, wlen, ut, N_ELEM(ut), &back),
	                 CKR_OK);
	assert_int_equal(value_of(fx, s, aes, v1, sizeof(v1)), 32);
	assert_int_equal(value_of(fx, s, back, v2, sizeof(v2)), 32);
	assert_memory_equal(v1, v2, 32);
	/* A token key: slotd checks it against the same rules and stores it. */
	{
		CK_MECHANISM m = {CKM_DES3_KEY_GEN, NULL, 0};
		CK_ATTRIBUTE t[] = {{CKA_TOKEN, &yes, 1}, {CKA_WRAP, &yes, 1}};
		CK_OBJECT_HANDLE tok;
		CK_ULONG tlen = sizeof(wrapped);

		assert_int_equal(fx->f->C_GenerateKey(s, &m, t, 2, &tok), CKR_OK);
		assert_int_equal(fx->f->C_WrapKey(s, &wrap, tok, aes, wrapped, &tlen), CKR_OK);
		assert_int_equal(tlen, 40);
		assert_int_equal(fx->f->C_DestroyObject(s, tok), CKR_OK);
	}
	wlen = sizeof(wrapped);
	assert_int_equal(fx->f->C_WrapKey(s, &wrap, kek, aes, wrapped, &wlen), CKR_OK);
	wrapped[wlen - 1] ^= 1; /* the padding no longer checks */
	assert_int_equal(fx->f->C_UnwrapKey(s, &wrap, kek, wrapped, wlen, ut, N_ELEM(ut), &back),
	                 CKR_WRAPPED_KEY_INVALID);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

/* Imported keys: SP 800-38B's TDEA examples 12 and 16, and the lengths the key types fix. */
static void test_imported_cmac(void **state)
{
	static const CK_BYTE k3[] = {0x8a, 0xa8, 0x3b, 0xf8, 0xcb, 0xda, 0x10, 0x62,
	                             0x0b, 0xc1, 0xbf, 0x19, 0xfb, 0xb6, 0xcd, 0x58,
	                             0xbc, 0x31, 0x3d, 0x4a, 0x37, 0x1c, 0xa8, 0xb5};
	static const CK_BYTE k2[] = {0x4c, 0xf1, 0x51, 0x34, 0xa2, 0x85, 0x0d, 0xd5,
	                             0x8a, 0x3d, 0x10, 0xba, 0x80, 0x57, 0x0d, 0x38};
	static const CK_BYTE msg[] = {0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
	                              0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
	                              0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c,
	                              0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51};
	static const CK_BYTE t3[] = {0x33, 0xe6, 0xb1, 0x09, 0x24, 0x00, 0xea, 0xe5};
	static const CK_BYTE t2[] = {0x31, 0xb1, 0xe4, 0x31, 0xda, 0xbc, 0x4e, 0xb8};
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s = user_session(fx, SLOT_ON);
	CK_MECHANISM cmac = {CKM_DES3_CMAC, NULL, 0};
	CK_OBJECT_HANDLE h3, h2, bad;
	CK_BYTE tag[8];
	CK_ULONG taglen = sizeof(tag);

	assert_int_equal(import(fx, s, CKK_DES3, k3, sizeof(k3), &h3), CKR_OK);
	assert_int_equal(import(fx, s, CKK_DES2, k2, sizeof(k2), &h2), CKR_OK);
	assert_int_equal(fx->f->C_SignInit(s, &cmac, h3), CKR_OK);
	assert_int_equal(fx->f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof(msg), tag, &taglen), CKR_OK);
	assert_int_equal(taglen, 8);
	assert_memory_equal(tag, t3, 8);
	assert_int_equal(fx->f->C_VerifyInit(s, &cmac, h2), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR)msg, sizeof(msg), (CK_BYTE_PTR)t2, 8),
	                 CKR_OK);
	assert_int_equal(import(fx, s, CKK_DES3, k3, 16, &bad), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import(fx, s, CKK_DES2, k3, 24, &bad), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

/* The slot with legacy-mechanisms = false: nothing of the family, and the other slot unaffected. */
static void test_legacy_off(void **state)
{
	static const CK_BYTE k3[24] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s = user_session(fx, SLOT_OFF);
	CK_MECHANISM ecb = {CKM_DES3_ECB, NULL, 0}, cmac = {CKM_DES3_CMAC, NULL, 0};
	CK_OBJECT_HANDLE key, aes;
	CK_MECHANISM_INFO info;
	CK_BYTE out[64];
	CK_ULONG outlen = sizeof(out);

	for (size_t i = 0; i < N_ELEM(des_family); i++) {
		assert_false(listed(fx, SLOT_OFF, des_family[i]));
		assert_int_equal(fx->f->C_GetMechanismInfo(SLOT_OFF, des_family[i], &info),
		                 CKR_MECHANISM_INVALID);
	}
	assert_true(listed(fx, SLOT_OFF, CKM_AES_CBC_PAD));
	assert_true(listed(fx, SLOT_ON, CKM_DES3_CBC));
	assert_int_equal(generate(fx, s, CKM_DES3_KEY_GEN, &key), CKR_MECHANISM_INVALID);
	assert_int_equal(import(fx, s, CKK_DES3, k3, sizeof(k3), &key), CKR_OK);
	assert_int_equal(fx->f->C_EncryptInit(s, &ecb, key), CKR_MECHANISM_INVALID);
	assert_int_equal(fx->f->C_SignInit(s, &cmac, key), CKR_MECHANISM_INVALID);
	assert_int_equal(generate(fx, s, CKM_AES_KEY_GEN, &aes), CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(fx->f->C_WrapKey(s, &ecb, key, key, out, &outlen), CKR_MECHANISM_INVALID);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_generated_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_imported_cmac, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_legacy_off, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
