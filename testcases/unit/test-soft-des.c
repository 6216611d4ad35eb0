/*
 * The soft backend's DES family, through its ops table: triple DES in ECB,
 * CBC and CBC_PAD against the example of SP 800-67 and the variable-text
 * known answers of the DES validation tests (which triple DES with K1 = K2
 * = K3 reproduces), CKM_DES3_CMAC against the TDEA examples of SP 800-38B,
 * the CBC-MAC against those same known answers, key generation with odd
 * parity, wrapping, single DES as far as OpenSSL's legacy provider allows,
 * and the slot option legacy-mechanisms.
 */
#include "soft-sym.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

/* SP 800-67 rev. 2, the example of appendix B: three keys and "The qufck brown fox jump". */
#define SP67_KEY "0123456789abcdef23456789abcdef01456789abcdef0123"
#define SP67_PLAIN         \
	"5468652071756663" \
	"6b2062726f776e20" \
	"666f78206a756d70"
#define SP67_ECB           \
	"a826fd8ce53b855f" \
	"cce21c8112256fe6" \
	"68d5c05dd9b6b900"

/*
 * The variable-plaintext known answers under the key 01..01: 80..00, 40..00
 * and 20..00 encrypt to the three blocks below.  Chained, they are a CBC
 * vector: each plaintext block after the first is the known plaintext
 * XOR the ciphertext block before it.
 */
#define VT_KEY8 "0101010101010101"
#define VT_CIPHER          \
	"95f8a5e5dd31d900" \
	"dd7f121ca5015619" \
	"2e8653104f3834ea"
#define VT_ECB_PLAIN       \
	"8000000000000000" \
	"4000000000000000" \
	"2000000000000000"
#define VT_CBC_PLAIN       \
	"8000000000000000" \
	"d5f8a5e5dd31d900" \
	"fd7f121ca5015619"

/* SP 800-38B, appendix D.4 (three keys) and D.5 (two keys): message prefixes of 0, 8, 20, 32 bytes. */
#define CMAC_MSG "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
#define CMAC_K3  "8aa83bf8cbda10620bc1bf19fbb6cd58bc313d4a371ca8b5"
#define CMAC_K2  "4cf15134a2850dd58a3d10ba80570d38"

static const CK_OBJECT_CLASS sec = CKO_SECRET_KEY;

/* A mechanism with an 8-byte IV from hex (NULL: no parameter). */
static const CK_MECHANISM *des_mech(CK_MECHANISM *m, CK_BYTE iv[8], CK_MECHANISM_TYPE type,
                                    const char *ivhex)
{
	CK_BYTE buf[BUF_MAX];

	m->mechanism = type;
	m->pParameter = NULL;
	m->ulParameterLen = 0;
	if (ivhex) {
		assert_int_equal(unhex(ivhex, buf), 8);
		memcpy(iv, buf, 8);
		m->pParameter = iv;
		m->ulParameterLen = 8;
	}
	return m;
}

static void test_des3_ecb_cbc(void **state)
{
	CK_BYTE plain[BUF_MAX], want[BUF_MAX], iv[8];
	size_t plen = unhex(SP67_PLAIN, plain), wlen = unhex(SP67_ECB, want);
	CK_MECHANISM m;
	struct tkey key;

	tkey_hex(&key, CKK_DES3, SP67_KEY);
	crypt_both_ways(des_mech(&m, iv, CKM_DES3_ECB, NULL), &key, plain, plen, want, wlen);
	tkey_free(&key);

	tkey_hex(&key, CKK_DES3, VT_KEY8 VT_KEY8 VT_KEY8);
	plen = unhex(VT_ECB_PLAIN, plain);
	wlen = unhex(VT_CIPHER, want);
	crypt_both_ways(des_mech(&m, iv, CKM_DES3_ECB, NULL), &key, plain, plen, want, wlen);
	plen = unhex(VT_CBC_PLAIN, plain);
	crypt_both_ways(des_mech(&m, iv, CKM_DES3_CBC, "0000000000000000"), &key, plain, plen, want,
	                wlen);
	/* The IV is used: 00..00 under the IV 80..00 is the first known answer. */
	plen = unhex("0000000000000000", plain);
	crypt_both_ways(des_mech(&m, iv, CKM_DES3_CBC, "8000000000000000"), &key, plain, plen, want,
	                8);
	tkey_free(&key);

	/* A two-key value K1 K2 is K1 K2 K1. */
	tkey_hex(&key, CKK_DES2, VT_KEY8 VT_KEY8);
	plen = unhex(VT_CBC_PLAIN, plain);
	crypt_both_ways(des_mech(&m, iv, CKM_DES3_CBC, "0000000000000000"), &key, plain, plen, want,
	                wlen);
	tkey_free(&key);
}

/* CBC_PAD against OpenSSL's own padding, for every length over two blocks. */
static void test_des3_cbc_pad(void **state)
{
	CK_BYTE k[24], plain[BUF_MAX], want[BUF_MAX], iv[8];
	const EVP_CIPHER *cipher = EVP_des_ede3_cbc();
	CK_MECHANISM m;
	struct tkey key;

	unhex(SP67_KEY, k);
	unhex(SP67_PLAIN, plain);
	tkey_hex(&key, CKK_DES3, SP67_KEY);
	des_mech(&m, iv, CKM_DES3_CBC_PAD, "1032547698badcfe");
	for (int len = 0; len <= 17; len++) {
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		int n1 = 0, n2 = 0;

		assert_non_null(c);
		assert_int_equal(EVP_EncryptInit_ex2(c, cipher, k, iv, NULL), 1);
		assert_int_equal(EVP_EncryptUpdate(c, want, &n1, plain, len), 1);
		assert_int_equal(EVP_EncryptFinal_ex(c, want + n1, &n2), 1);
		EVP_CIPHER_CTX_free(c);
		assert_int_equal(n1 + n2, (len / 8 + 1) * 8);
		crypt_both_ways(&m, &key, plain, (size_t)len, want, (size_t)(n1 + n2));
	}
	tkey_free(&key);
}

static void test_des3_errors(void **state)
{
	CK_BYTE iv[16] = {0};
	CK_MECHANISM ecb = {CKM_DES3_ECB, NULL, 0}, cbc = {CKM_DES3_CBC, iv, 16};
	const enum os_backend_op enc = OS_BACKEND_OP_ENCRYPT;
	struct tkey key;

	tkey_hex(&key, CKK_AES, SP38A_K192);
	assert_int_equal(init_rv(enc, &ecb, &key), CKR_KEY_TYPE_INCONSISTENT);
	tkey_free(&key);
	tkey_hex(&key, CKK_DES3, SP67_KEY "00");
	assert_int_equal(init_rv(enc, &ecb, &key), CKR_KEY_SIZE_RANGE);
	tkey_free(&key);
	tkey_hex(&key, CKK_DES, VT_KEY8);
	assert_int_equal(init_rv(enc, &ecb, &key), CKR_KEY_TYPE_INCONSISTENT);
	tkey_free(&key);

	tkey_hex(&key, CKK_DES3, SP67_KEY);
	assert_int_equal(init_rv(enc, &cbc, &key), CKR_MECHANISM_PARAM_INVALID);
	cbc.ulParameterLen = 8;
	assert_int_equal(init_rv(OS_BACKEND_OP_SIGN, &cbc, &key), CKR_MECHANISM_INVALID);
	ecb.pParameter = iv;
	ecb.ulParameterLen = 8;
	assert_int_equal(init_rv(enc, &ecb, &key), CKR_MECHANISM_PARAM_INVALID);
	ecb.pParameter = NULL;
	ecb.ulParameterLen = 0;
	assert_int_equal(crypt_rv(enc, &ecb, &key, iv, 12, false), CKR_DATA_LEN_RANGE);
	assert_int_equal(crypt_rv(OS_BACKEND_OP_DECRYPT, &cbc, &key, iv, 12, true),
	                 CKR_ENCRYPTED_DATA_LEN_RANGE);
	tkey_free(&key);
}

static void test_des3_cmac(void **state)
{
	static const struct {
		const char *key;
		size_t len;
		const char *tag;
	} kats[] = {
	    {CMAC_K3, 0, "b7a688e122ffaf95"},  {CMAC_K3, 8, "8e8f293136283797"},
	    {CMAC_K3, 20, "743ddbe0ce2dc2ed"}, {CMAC_K3, 32, "33e6b1092400eae5"},
	    {CMAC_K2, 0, "bd2ebf9a3ba00361"},  {CMAC_K2, 8, "4ff2ab813c53ce83"},
	    {CMAC_K2, 20, "62dd1b471902bd4e"}, {CMAC_K2, 32, "31b1e431dabc4eb8"},
	};
	CK_BYTE msg[BUF_MAX], tag[BUF_MAX];
	CK_ULONG general = 4;
	CK_MECHANISM plain = {CKM_DES3_CMAC, NULL, 0};
	CK_MECHANISM gen = {CKM_DES3_CMAC_GENERAL, &general, sizeof(general)};

	unhex(CMAC_MSG, msg);
	for (size_t i = 0; i < N_ELEM(kats); i++) {
		struct tkey key;

		tkey_hex(&key, strlen(kats[i].key) == 32 ? CKK_DES2 : CKK_DES3, kats[i].key);
		unhex(kats[i].tag, tag);
		mac_both_ways(&plain, &key, msg, kats[i].len, tag, 8);
		mac_both_ways(&gen, &key, msg, kats[i].len, tag, general);
		tkey_free(&key);
	}
}

/* The CBC-MAC is the last CBC block of the zero-padded data: the chained known answers again. */
static void test_des3_mac(void **state)
{
	CK_BYTE msg[BUF_MAX], tag[BUF_MAX];
	size_t len = unhex(VT_CBC_PLAIN, msg);
	CK_ULONG general = 8;
	CK_MECHANISM plain = {CKM_DES3_MAC, NULL, 0};
	CK_MECHANISM gen = {CKM_DES3_MAC_GENERAL, &general, sizeof(general)};
	struct tkey key;

	unhex(VT_CIPHER, tag);
	tkey_hex(&key, CKK_DES3, VT_KEY8 VT_KEY8 VT_KEY8);
	mac_both_ways(&plain, &key, msg, len, tag + 16, 4);
	mac_both_ways(&gen, &key, msg, len, tag + 16, 8);
	/* 80 alone, zero-padded, is the first block: 80..00. */
	general = 3;
	mac_both_ways(&gen, &key, msg, 1, tag, 3);
	mac_both_ways(&gen, &key, msg, 8, tag, 3);
	general = 9;
	assert_int_equal(init_rv(OS_BACKEND_OP_SIGN, &gen, &key), CKR_MECHANISM_PARAM_INVALID);
	general = 0;
	assert_int_equal(init_rv(OS_BACKEND_OP_SIGN, &gen, &key), CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(init_rv(OS_BACKEND_OP_ENCRYPT, &plain, &key), CKR_MECHANISM_INVALID);
	tkey_free(&key);
}

static CK_RV generate(CK_MECHANISM_TYPE type, CK_KEY_TYPE key_type, struct tok_attrs *key)
{
	CK_MECHANISM mech = {type, NULL, 0};

	tok_attrs_init(key);
	assert_int_equal(tok_attrs_set_ulong(key, CKA_CLASS, CKO_SECRET_KEY), CKR_OK);
	if (key_type != CK_UNAVAILABLE_INFORMATION)
		assert_int_equal(tok_attrs_set_ulong(key, CKA_KEY_TYPE, key_type), CKR_OK);
	return be.ops->generate_key(be.ctx, &mech, key);
}

/* Every byte has an odd number of one bits. */
static void assert_parity(const CK_BYTE *val, size_t len)
{
	for (size_t i = 0; i < len; i++)
		assert_int_equal(__builtin_popcount(val[i]) & 1, 1);
}

static void test_des_generation(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE mech;
		CK_KEY_TYPE type;
		size_t len;
	} cases[] = {
	    {CKM_DES3_KEY_GEN, CKK_DES3, 24},
	    {CKM_DES2_KEY_GEN, CKK_DES2, 16},
	};

	for (size_t i = 0; i < N_ELEM(cases); i++) {
		for (int round = 0; round < 32; round++) {
			struct tok_attrs key;
			const CK_ATTRIBUTE *v;
			CK_KEY_TYPE type = 0;

			assert_int_equal(
			    generate(cases[i].mech,
			             round % 2 ? cases[i].type : CK_UNAVAILABLE_INFORMATION, &key),
			    CKR_OK);
			v = tok_attrs_find(&key, CKA_VALUE);
			assert_non_null(v);
			assert_int_equal(v->ulValueLen, cases[i].len);
			assert_parity(v->pValue, v->ulValueLen);
			assert_memory_not_equal(v->pValue, (CK_BYTE *)v->pValue + 8, 8);
			assert_null(tok_attrs_find(&key, CKA_VALUE_LEN));
			assert_true(tok_attrs_get_ulong(&key, CKA_KEY_TYPE, &type));
			assert_int_equal(type, cases[i].type);
			tok_attrs_free(&key);
		}
	}
	{
		struct tok_attrs key;

		assert_int_equal(generate(CKM_DES3_KEY_GEN, CKK_DES2, &key),
		                 CKR_TEMPLATE_INCONSISTENT);
		tok_attrs_free(&key);
		assert_int_equal(generate(CKM_DES2_KEY_GEN, CKK_AES, &key),
		                 CKR_TEMPLATE_INCONSISTENT);
		tok_attrs_free(&key);
	}
}

/* C_CreateObject: the value length the key type fixes, and no CKA_VALUE_LEN added. */
static void test_des_check_key(void **state)
{
	static const struct {
		CK_KEY_TYPE type;
		size_t len;
		CK_RV rv;
	} cases[] = {
	    {CKK_DES3, 24, CKR_OK}, {CKK_DES3, 16, CKR_ATTRIBUTE_VALUE_INVALID},
	    {CKK_DES2, 16, CKR_OK}, {CKK_DES2, 24, CKR_ATTRIBUTE_VALUE_INVALID},
	    {CKK_DES, 8, CKR_OK},   {CKK_DES, 7, CKR_ATTRIBUTE_VALUE_INVALID},
	};
	CK_BYTE val[24] = {0};

	for (size_t i = 0; i < N_ELEM(cases); i++) {
		struct tkey key;

		tkey_make(&key, sec, cases[i].type, val, cases[i].len);
		assert_int_equal(be.ops->check_key(be.ctx, &key.attrs), cases[i].rv);
		assert_null(tok_attrs_find(&key.attrs, CKA_VALUE_LEN));
		tkey_free(&key);
	}
}

/* Unwraps wrapped into a new secret key of type and checks its value. */
static void unwrap_expect(const CK_MECHANISM *m, struct tkey *kek, const CK_BYTE *wrapped,
                          CK_ULONG wlen, CK_KEY_TYPE type, const CK_BYTE *want, size_t len)
{
	struct tok_attrs made;
	const CK_ATTRIBUTE *v;

	tok_attrs_init(&made);
	assert_int_equal(tok_attrs_set_ulong(&made, CKA_CLASS, sec), CKR_OK);
	assert_int_equal(tok_attrs_set_ulong(&made, CKA_KEY_TYPE, type), CKR_OK);
	assert_int_equal(be.ops->unwrap_key(be.ctx, m, &kek->k, wrapped, wlen, &made), CKR_OK);
	v = tok_attrs_find(&made, CKA_VALUE);
	assert_non_null(v);
	assert_int_equal(v->ulValueLen, len);
	assert_memory_equal(v->pValue, want, len);
	tok_attrs_free(&made);
}

static void test_des_wrap(void **state)
{
	static const CK_MECHANISM_TYPE mechs[] = {CKM_DES3_ECB, CKM_DES3_CBC, CKM_DES3_CBC_PAD};
	CK_BYTE aes[16], des[24], wrapped[64], iv[8];
	struct tkey kek, aes_key, des_key;

	unhex(SP38A_K128, aes);
	unhex(SP67_KEY, des);
	tkey_hex(&kek, CKK_DES2, CMAC_K2);
	tkey_make(&aes_key, sec, CKK_AES, aes, sizeof(aes));
	tkey_make(&des_key, sec, CKK_DES3, des, sizeof(des));
	for (size_t i = 0; i < N_ELEM(mechs); i++) {
		CK_MECHANISM m;
		CK_ULONG wlen = sizeof(wrapped);

		des_mech(&m, iv, mechs[i], mechs[i] == CKM_DES3_ECB ? NULL : "0011223344556677");
		assert_int_equal(
		    be.ops->wrap_key(be.ctx, &m, &kek.k, &aes_key.attrs, wrapped, &wlen), CKR_OK);
		assert_int_equal(wlen, mechs[i] == CKM_DES3_CBC_PAD ? 24 : 16);
		unwrap_expect(&m, &kek, wrapped, wlen, CKK_AES, aes, sizeof(aes));
		wlen = sizeof(wrapped);
		assert_int_equal(
		    be.ops->wrap_key(be.ctx, &m, &kek.k, &des_key.attrs, wrapped, &wlen), CKR_OK);
		unwrap_expect(&m, &kek, wrapped, wlen, CKK_DES3, des, sizeof(des));
	}
	/* A two-key value wrapped by AES-ECB (padded to 16 bytes) comes back as 16 bytes. */
	{
		CK_MECHANISM m = {CKM_AES_ECB, NULL, 0};
		CK_ULONG wlen = sizeof(wrapped);
		struct tkey two;

		tkey_make(&two, sec, CKK_DES2, des, 16);
		assert_int_equal(
		    be.ops->wrap_key(be.ctx, &m, &aes_key.k, &two.attrs, wrapped, &wlen), CKR_OK);
		assert_int_equal(wlen, 16);
		unwrap_expect(&m, &aes_key, wrapped, wlen, CKK_DES2, des, 16);
		tkey_free(&two);
	}
	tkey_free(&kek);
	tkey_free(&aes_key);
	tkey_free(&des_key);
}

/* Whether the legacy provider loads into a fresh library context of this process. */
static bool legacy_loads(void)
{
	OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
	OSSL_PROVIDER *p = lc ? OSSL_PROVIDER_try_load(lc, "legacy", 0) : NULL;
	bool ok = p != NULL;

	if (p)
		OSSL_PROVIDER_unload(p);
	OSSL_LIB_CTX_free(lc);
	return ok;
}

static bool listed(void *ctx, CK_MECHANISM_TYPE type)
{
	CK_MECHANISM_TYPE list[512];
	CK_ULONG count = N_ELEM(list);
	bool found = false;

	assert_int_equal(be.ops->mechanism_list(ctx, list, &count), CKR_OK);
	for (CK_ULONG i = 0; i < count; i++)
		found |= list[i] == type;
	return found;
}

/*
 * Single DES is listed exactly when the legacy provider loads, and then
 * meets the known answers; the application's default context never gets
 * that provider.
 */
static void test_des_single(void **state)
{
	CK_BYTE plain[BUF_MAX], want[BUF_MAX], iv[8];
	size_t plen = unhex(VT_CBC_PLAIN, plain), wlen = unhex(VT_CIPHER, want);
	CK_MECHANISM m;
	struct tok_attrs gen;
	struct tkey key;
	bool legacy = legacy_loads();
	const CK_MECHANISM_TYPE single[] = {CKM_DES_KEY_GEN, CKM_DES_ECB, CKM_DES_CBC,
	                                    CKM_DES_CBC_PAD};

	/* test-soft-des-nolegacy.sh runs this with the provider out of reach. */
	if (getenv("OS_TEST_NO_LEGACY"))
		assert_false(legacy);
	for (size_t i = 0; i < N_ELEM(single); i++)
		assert_int_equal(listed(be.ctx, single[i]), legacy);
	tkey_hex(&key, CKK_DES, VT_KEY8);
	des_mech(&m, iv, CKM_DES_CBC, "0000000000000000");
	if (!legacy) {
		assert_int_equal(init_rv(OS_BACKEND_OP_ENCRYPT, &m, &key), CKR_MECHANISM_INVALID);
		tkey_free(&key);
		return;
	}
	crypt_both_ways(&m, &key, plain, plen, want, wlen);
	plen = unhex(VT_ECB_PLAIN, plain);
	crypt_both_ways(des_mech(&m, iv, CKM_DES_ECB, NULL), &key, plain, plen, want, wlen);
	tkey_free(&key);
	assert_int_equal(generate(CKM_DES_KEY_GEN, CKK_DES, &gen), CKR_OK);
	assert_int_equal(tok_attrs_find(&gen, CKA_VALUE)->ulValueLen, 8);
	assert_parity(tok_attrs_find(&gen, CKA_VALUE)->pValue, 8);
	tok_attrs_free(&gen);
	assert_int_equal(OSSL_PROVIDER_available(NULL, "legacy"), 0);
}

/* Loads a second slot context with one value of the option legacy-mechanisms. */
static CK_RV load_with(const char *value, void **ctx)
{
	struct os_backend_option opt = {"legacy-mechanisms", value};
	struct os_backend_env env = {
	    .slot_id = 2,
	    .token_name = "destok",
	    .data_dir = be.dir,
	    .lock_dir = be.dir,
	    .options = &opt,
	    .n_options = 1,
	};

	return be.ops->load(&env, ctx);
}

static void test_legacy_option(void **state)
{
	static const CK_MECHANISM_TYPE family[] = {
	    CKM_DES3_KEY_GEN,      CKM_DES2_KEY_GEN, CKM_DES3_ECB,         CKM_DES3_CBC,
	    CKM_DES3_CBC_PAD,      CKM_DES3_MAC,     CKM_DES3_MAC_GENERAL, CKM_DES3_CMAC,
	    CKM_DES3_CMAC_GENERAL, CKM_DES_KEY_GEN,  CKM_DES_ECB,          CKM_DES_CBC,
	    CKM_DES_CBC_PAD,
	};
	CK_MECHANISM ecb = {CKM_DES3_ECB, NULL, 0}, gen = {CKM_DES3_KEY_GEN, NULL, 0};
	CK_MECHANISM_INFO info;
	CK_BYTE out[64];
	CK_ULONG outlen = sizeof(out);
	struct tok_attrs made;
	struct tkey key;
	void *off = NULL, *on = NULL, *op = NULL;

	assert_int_equal(load_with("maybe", &off), CKR_ARGUMENTS_BAD);
	assert_int_equal(load_with("true", &on), CKR_OK);
	assert_int_equal(load_with("false", &off), CKR_OK);
	assert_true(listed(on, CKM_DES3_CBC));
	for (size_t i = 0; i < N_ELEM(family); i++) {
		assert_false(listed(off, family[i]));
		assert_int_equal(be.ops->mechanism_info(off, family[i], &info),
		                 CKR_MECHANISM_INVALID);
	}
	assert_true(listed(off, CKM_AES_CBC));
	tkey_hex(&key, CKK_DES3, SP67_KEY);
	assert_int_equal(be.ops->op_init(off, OS_BACKEND_OP_ENCRYPT, &ecb, &key.k, &op),
	                 CKR_MECHANISM_INVALID);
	assert_null(op);
	assert_int_equal(be.ops->wrap_key(off, &ecb, &key.k, &key.attrs, out, &outlen),
	                 CKR_MECHANISM_INVALID);
	tok_attrs_init(&made);
	assert_int_equal(tok_attrs_set_ulong(&made, CKA_CLASS, sec), CKR_OK);
	assert_int_equal(be.ops->generate_key(off, &gen, &made), CKR_MECHANISM_INVALID);
	assert_int_equal(be.ops->unwrap_key(off, &ecb, &key.k, out, 24, &made),
	                 CKR_MECHANISM_INVALID);
	tok_attrs_free(&made);
	/* The other slot is not affected. */
	assert_int_equal(be.ops->op_init(on, OS_BACKEND_OP_ENCRYPT, &ecb, &key.k, &op), CKR_OK);
	be.ops->op_free(op);
	tkey_free(&key);
	be.ops->unload(off);
	be.ops->unload(on);
}

static void test_des_mechanism_info(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE type;
		CK_ULONG min, max;
		CK_FLAGS flags;
	} want[] = {
	    {CKM_DES3_KEY_GEN, 24, 24, CKF_GENERATE},
	    {CKM_DES2_KEY_GEN, 16, 16, CKF_GENERATE},
	    {CKM_DES3_ECB, 16, 24, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP},
	    {CKM_DES3_CBC, 16, 24, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP},
	    {CKM_DES3_CBC_PAD, 16, 24, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP},
	    {CKM_DES3_MAC, 16, 24, CKF_SIGN | CKF_VERIFY},
	    {CKM_DES3_MAC_GENERAL, 16, 24, CKF_SIGN | CKF_VERIFY},
	    {CKM_DES3_CMAC, 16, 24, CKF_SIGN | CKF_VERIFY},
	    {CKM_DES3_CMAC_GENERAL, 16, 24, CKF_SIGN | CKF_VERIFY},
	};

	for (size_t i = 0; i < N_ELEM(want); i++) {
		CK_MECHANISM_INFO info;

		assert_true(listed(be.ctx, want[i].type));
		assert_int_equal(be.ops->mechanism_info(be.ctx, want[i].type, &info), CKR_OK);
		assert_int_equal(info.ulMinKeySize, want[i].min);
		assert_int_equal(info.ulMaxKeySize, want[i].max);
		assert_int_equal(info.flags, want[i].flags);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_des_mechanism_info), cmocka_unit_test(test_des3_ecb_cbc),
	    cmocka_unit_test(test_des3_cbc_pad),       cmocka_unit_test(test_des3_errors),
	    cmocka_unit_test(test_des3_cmac),          cmocka_unit_test(test_des3_mac),
	    cmocka_unit_test(test_des_generation),     cmocka_unit_test(test_des_check_key),
	    cmocka_unit_test(test_des_wrap),           cmocka_unit_test(test_des_single),
	    cmocka_unit_test(test_legacy_option),
	};

	return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
