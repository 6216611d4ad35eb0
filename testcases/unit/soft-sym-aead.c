/*
 * The authenticated modes and key wrapping of the soft backend: AES-GCM
 * against the test cases of the GCM specification (every tag length SP
 * 800-38D allows), AES-CCM against SP 800-38C, CKM_AES_KEY_WRAP and
 * CKM_AES_KEY_WRAP_KWP against RFC 3394 and RFC 5649, C_WrapKey and
 * C_UnwrapKey through every mechanism that wraps, and what must fail.
 */
#include "soft-sym.h"

#include <string.h>

#include <openssl/rand.h>

/* Test cases of the GCM specification (McGrew and Viega), 1 to 6 and 16. */
#define GCM_P60                                                            \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_P64  GCM_P60 "1aafd255"
#define GCM_Z128 "00000000000000000000000000000000"

struct gcm_kat {
	const char *key, *iv, *aad, *plain, *cipher, *tag;
};

static const struct gcm_kat gcm_kats[] = {
    {GCM_Z128, "000000000000000000000000", NULL, NULL, NULL, "58e2fccefa7e3061367f1d57a4e7455a"},
    {GCM_Z128, "000000000000000000000000", NULL, GCM_Z128, "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {GCM_K, GCM_IV, NULL, GCM_P64,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {GCM_K, GCM_IV, GCM_AAD, GCM_P60,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {GCM_K, "cafebabefacedbad", GCM_AAD, GCM_P60,
     "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c7423"
     "73806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598",
     "3612d2e79e3b0785561be14aaca2fccb"},
    {GCM_K,
     "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
     "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
     GCM_AAD, GCM_P60,
     "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca7"
     "01e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5",
     "619cc5aefffe0bfa462af43c1699d050"},
    {GCM_K GCM_K, GCM_IV, GCM_AAD, GCM_P60,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

/* The vectors with the full tag, then with each shorter tag SP 800-38D allows. */
void test_gcm_vectors(void **state)
{
	static const CK_ULONG tag_bits[] = {128, 120, 112, 104, 96, 64, 32};
	CK_BYTE plain[BUF_MAX], sealed[BUF_MAX];

	for (size_t i = 0; i < N_ELEM(gcm_kats); i++) {
		const struct gcm_kat *k = &gcm_kats[i];
		size_t plen = unhex(k->plain, plain), clen = unhex(k->cipher, sealed);
		struct tmech t;
		struct tkey key;

		unhex(k->tag, sealed + clen);
		tkey_hex(&key, CKK_AES, k->key);
		for (size_t b = 0; b < N_ELEM(tag_bits); b++) {
			gcm_mech(&t, k->iv, k->aad, tag_bits[b]);
			crypt_both_ways(&t.m, &key, plain, plen, sealed, clen + tag_bits[b] / 8);
		}
		/* PKCS#11 2.40 applications often leave ulIvBits zero. */
		gcm_mech(&t, k->iv, k->aad, 128);
		t.gcm.ulIvBits = 0;
		crypt_both_ways(&t.m, &key, plain, plen, sealed, clen + 16);
		tkey_free(&key);
	}
}

/* Fills out with 0xa5, decrypts sealed, and checks that nothing of the plaintext came out. */
static void gcm_expect_invalid(const CK_MECHANISM *mech, struct tkey *key, const CK_BYTE *sealed,
                               size_t len, const CK_BYTE *plain, size_t plen, bool parts)
{
	CK_BYTE out[BUF_MAX];
	CK_ULONG outlen = sizeof(out);

	memset(out, 0xa5, sizeof(out));
	assert_int_equal(
	    parts ? in_parts(OS_BACKEND_OP_DECRYPT, mech, key, sealed, len, out, &outlen)
	          : one_shot(OS_BACKEND_OP_DECRYPT, mech, key, sealed, len, out, &outlen),
	    CKR_ENCRYPTED_DATA_INVALID);
	for (size_t i = 0; i + 4 <= plen; i++)
		assert_memory_not_equal(out + i, plain + i, 4);
}

/* A tag or ciphertext that does not verify releases no plaintext. */
void test_gcm_forgery(void **state)
{
	const struct gcm_kat *k = &gcm_kats[3];
	CK_BYTE plain[BUF_MAX], sealed[BUF_MAX], out[BUF_MAX];
	size_t plen = unhex(k->plain, plain), clen = unhex(k->cipher, sealed);
	CK_ULONG got;
	struct tmech t;
	struct tkey key;
	void *op;

	unhex(k->tag, sealed + clen);
	tkey_hex(&key, CKK_AES, k->key);
	gcm_mech(&t, k->iv, k->aad, 128);
	sealed[clen + 15] ^= 0x01;
	gcm_expect_invalid(&t.m, &key, sealed, clen + 16, plain, plen, false);
	gcm_expect_invalid(&t.m, &key, sealed, clen + 16, plain, plen, true);
	sealed[clen + 15] ^= 0x01;
	sealed[7] ^= 0x80;
	gcm_expect_invalid(&t.m, &key, sealed, clen + 16, plain, plen, false);
	sealed[7] ^= 0x80;
	gcm_mech(&t, k->iv, "feedface", 128);
	gcm_expect_invalid(&t.m, &key, sealed, clen + 16, plain, plen, true);

	/* Decryption updates return nothing; everything comes at the final call. */
	gcm_mech(&t, k->iv, k->aad, 128);
	assert_int_equal(op_start(OS_BACKEND_OP_DECRYPT, &t.m, &key, &op), CKR_OK);
	assert_int_equal(step(op, false, sealed, 40, out, sizeof(out), &got), CKR_OK);
	assert_int_equal(got, 0);
	assert_int_equal(step(op, false, sealed + 40, clen + 16 - 40, out, sizeof(out), &got),
	                 CKR_OK);
	assert_int_equal(got, 0);
	assert_int_equal(step(op, true, NULL, 0, out, sizeof(out), &got), CKR_OK);
	assert_int_equal(got, plen);
	assert_memory_equal(out, plain, plen);
	be.ops->op_free(op);

	/* Shorter than the tag. */
	assert_int_equal(crypt_rv(OS_BACKEND_OP_DECRYPT, &t.m, &key, sealed, 15, false),
	                 CKR_ENCRYPTED_DATA_LEN_RANGE);
	tkey_free(&key);
}

/* Every malformed CK_GCM_PARAMS. */
void test_gcm_params(void **state)
{
	static const CK_ULONG bad_tags[] = {0, 8, 24, 40, 72, 95, 136, 256};
	const enum os_backend_op enc = OS_BACKEND_OP_ENCRYPT;
	struct tmech t;
	struct tkey key;

	tkey_hex(&key, CKK_AES, GCM_K);
	for (size_t i = 0; i < N_ELEM(bad_tags); i++)
		assert_int_equal(init_rv(enc, gcm_mech(&t, GCM_IV, GCM_AAD, bad_tags[i]), &key),
		                 CKR_MECHANISM_PARAM_INVALID);
	gcm_mech(&t, GCM_IV, GCM_AAD, 128);
	t.gcm.ulIvLen = t.gcm.ulIvBits = 0;
	assert_int_equal(init_rv(enc, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	gcm_mech(&t, GCM_IV, GCM_AAD, 128);
	t.gcm.pIv = NULL;
	assert_int_equal(init_rv(OS_BACKEND_OP_DECRYPT, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	gcm_mech(&t, GCM_IV, GCM_AAD, 128);
	t.gcm.ulIvLen = 129;
	t.gcm.ulIvBits = 0;
	assert_int_equal(init_rv(enc, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	gcm_mech(&t, GCM_IV, GCM_AAD, 128);
	t.gcm.ulIvBits = 95;
	assert_int_equal(init_rv(enc, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	gcm_mech(&t, GCM_IV, GCM_AAD, 128);
	t.gcm.pAAD = NULL;
	assert_int_equal(init_rv(enc, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	gcm_mech(&t, GCM_IV, GCM_AAD, 128);
	t.m.ulParameterLen--;
	assert_int_equal(init_rv(enc, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	t.m.ulParameterLen++;
	t.m.pParameter = NULL;
	assert_int_equal(init_rv(enc, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	tkey_free(&key);
}

/* SP 800-38C, appendix C, examples 1 to 3. */
#define CCM_K "404142434445464748494a4b4c4d4e4f"

static const struct ccm_kat ccm_kats[] = {
    {"10111213141516", "0001020304050607", "20212223", "7162015b4dac255d", 4},
    {"1011121314151617", "000102030405060708090a0b0c0d0e0f", "202122232425262728292a2b2c2d2e2f",
     "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd", 6},
    {"101112131415161718191a1b", "000102030405060708090a0b0c0d0e0f10111213",
     "202122232425262728292a2b2c2d2e2f3031323334353637",
     "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951", 8},
};

void test_ccm(void **state)
{
	CK_BYTE plain[BUF_MAX], sealed[BUF_MAX], out[BUF_MAX];
	CK_ULONG outlen;
	struct tmech t;
	struct tkey key;

	tkey_hex(&key, CKK_AES, CCM_K);
	for (size_t i = 0; i < N_ELEM(ccm_kats); i++) {
		const struct ccm_kat *k = &ccm_kats[i];
		size_t plen = unhex(k->plain, plain), slen = unhex(k->sealed, sealed);

		ccm_mech(&t, k, plen);
		crypt_both_ways(&t.m, &key, plain, plen, sealed, slen);
		sealed[slen - 1] ^= 0x40;
		outlen = sizeof(out);
		memset(out, 0xa5, sizeof(out));
		assert_int_equal(
		    one_shot(OS_BACKEND_OP_DECRYPT, &t.m, &key, sealed, slen, out, &outlen),
		    CKR_ENCRYPTED_DATA_INVALID);
		assert_memory_not_equal(out, plain, plen);
		assert_int_equal(crypt_rv(OS_BACKEND_OP_DECRYPT, &t.m, &key, sealed, slen, true),
		                 CKR_ENCRYPTED_DATA_INVALID);
		/* The payload must have the announced length. */
		assert_int_equal(
		    crypt_rv(OS_BACKEND_OP_ENCRYPT, &t.m, &key, plain, plen - 1, false),
		    CKR_DATA_LEN_RANGE);
		assert_int_equal(crypt_rv(OS_BACKEND_OP_ENCRYPT, &t.m, &key, plain, plen + 1, true),
		                 CKR_DATA_LEN_RANGE);
		assert_int_equal(
		    crypt_rv(OS_BACKEND_OP_DECRYPT, &t.m, &key, sealed, slen - 1, false),
		    CKR_ENCRYPTED_DATA_LEN_RANGE);
	}
	tkey_free(&key);
}

void test_ccm_params(void **state)
{
	static const struct {
		CK_ULONG nonce_len, mac_len, data_len;
	} bad[] = {
	    {6, 8, 4}, {14, 8, 4}, {12, 3, 4}, {12, 5, 4}, {12, 18, 4}, {12, 0, 4}, {13, 8, 65536},
	};
	const enum os_backend_op enc = OS_BACKEND_OP_ENCRYPT;
	struct tmech t;
	struct tkey key;

	tkey_hex(&key, CKK_AES, CCM_K);
	for (size_t i = 0; i < N_ELEM(bad); i++) {
		ccm_mech(&t, &ccm_kats[2], bad[i].data_len);
		t.ccm.ulNonceLen = bad[i].nonce_len;
		t.ccm.ulMACLen = bad[i].mac_len;
		assert_int_equal(init_rv(enc, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	}
	ccm_mech(&t, &ccm_kats[2], 65535);
	t.ccm.ulNonceLen = 13;
	assert_int_equal(init_rv(enc, &t.m, &key), CKR_OK);
	ccm_mech(&t, &ccm_kats[0], 4);
	t.ccm.pNonce = NULL;
	assert_int_equal(init_rv(OS_BACKEND_OP_DECRYPT, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	ccm_mech(&t, &ccm_kats[0], 4);
	t.ccm.pAAD = NULL;
	assert_int_equal(init_rv(OS_BACKEND_OP_DECRYPT, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	ccm_mech(&t, &ccm_kats[0], 4);
	t.m.ulParameterLen = sizeof(CK_GCM_PARAMS) + 8;
	assert_int_equal(init_rv(enc, &t.m, &key), CKR_MECHANISM_PARAM_INVALID);
	tkey_free(&key);
}

/* RFC 3394, section 4, and RFC 5649, section 6. */
#define KW_KEK  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KW_DATA "00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f"

static const struct {
	size_t kek_len, data_len;
	const char *wrapped;
} kw_kats[] = {
    {16, 16, "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"},
    {24, 16, "96778b25ae6ca435f92b5b97c050aed2468ab8a17ad84e5d"},
    {32, 16, "64e8c3f9ce0f5ba263e9777905818a2a93c8191e7d6e8ae7"},
    {24, 24, "031d33264e15d33268f24ec260743edce1c6c7ddee725a936ba814915c6762d2"},
    {32, 24, "a8f9bc1612c68b3ff6e6f4fbe30e71e4769c8b80a32cb8958cd5d17d6b254da1"},
    {32, 32, "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21"},
};

#define KWP_KEK "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"

static const struct {
	const char *data, *wrapped;
} kwp_kats[] = {
    {"c37b7e6492584340bed12207808941155068f738",
     "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
    {"466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
};

void test_key_wrap_vectors(void **state)
{
	CK_BYTE default_iv[8] = {0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6};
	CK_BYTE default_aiv[4] = {0xa6, 0x59, 0x59, 0xa6};
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0}, kwp = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
	CK_MECHANISM kw_iv = {CKM_AES_KEY_WRAP, default_iv, sizeof(default_iv)};
	CK_MECHANISM kwp_iv = {CKM_AES_KEY_WRAP_KWP, default_aiv, sizeof(default_aiv)};
	CK_BYTE kek[64], data[64], wrapped[64], standard[64];
	struct tkey key;
	size_t wlen, dlen;

	unhex(KW_KEK, kek);
	unhex(KW_DATA, data);
	for (size_t i = 0; i < N_ELEM(kw_kats); i++) {
		tkey_make(&key, CKO_SECRET_KEY, CKK_AES, kek, kw_kats[i].kek_len);
		wlen = unhex(kw_kats[i].wrapped, wrapped);
		crypt_once(&kw, &key, data, kw_kats[i].data_len, wrapped, wlen);
		crypt_once(&kw_iv, &key, data, kw_kats[i].data_len, wrapped, wlen);
		wrapped[3] ^= 1;
		assert_int_equal(crypt_rv(OS_BACKEND_OP_DECRYPT, &kw, &key, wrapped, wlen, false),
		                 CKR_ENCRYPTED_DATA_INVALID);
		tkey_free(&key);
	}
	tkey_hex(&key, CKK_AES, KWP_KEK);
	for (size_t i = 0; i < N_ELEM(kwp_kats); i++) {
		dlen = unhex(kwp_kats[i].data, data);
		wlen = unhex(kwp_kats[i].wrapped, wrapped);
		crypt_once(&kwp, &key, data, dlen, wrapped, wlen);
		crypt_once(&kwp_iv, &key, data, dlen, wrapped, wlen);
		wrapped[wlen - 1] ^= 1;
		assert_int_equal(crypt_rv(OS_BACKEND_OP_DECRYPT, &kwp, &key, wrapped, wlen, false),
		                 CKR_ENCRYPTED_DATA_INVALID);
	}
	/* Another initial value wraps differently, and unwraps only with itself. */
	default_iv[0] = default_aiv[0] = 0x5a;
	dlen = unhex(kwp_kats[0].data, data);
	assert_int_equal(encrypt_with(&kwp_iv, &key, data, dlen, wrapped), 32);
	unhex(kwp_kats[0].wrapped, standard);
	assert_memory_not_equal(wrapped, standard, 32);
	assert_int_equal(crypt_rv(OS_BACKEND_OP_DECRYPT, &kwp, &key, wrapped, 32, false),
	                 CKR_ENCRYPTED_DATA_INVALID);
	assert_int_equal(encrypt_with(&kw_iv, &key, data, 16, wrapped), 24);
	crypt_once(&kw_iv, &key, data, 16, wrapped, 24);
	tkey_free(&key);
}

void test_key_wrap_errors(void **state)
{
	CK_BYTE data[64] = {0}, out[64], iv5[5] = {0};
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0}, kwp = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
	const enum os_backend_op enc = OS_BACKEND_OP_ENCRYPT, dec = OS_BACKEND_OP_DECRYPT;
	CK_ULONG outlen = sizeof(out);
	struct tkey key;
	void *op;

	tkey_hex(&key, CKK_AES, SP38A_K128);
	for (size_t len = 0; len <= 24; len++) {
		bool semi = len % 8 == 0;

		assert_int_equal(crypt_rv(enc, &kw, &key, data, len, false),
		                 semi && len >= 16 ? CKR_OK : CKR_DATA_LEN_RANGE);
		assert_int_equal(crypt_rv(dec, &kw, &key, data, len, false),
		                 semi && len >= 24 ? CKR_ENCRYPTED_DATA_INVALID
		                                   : CKR_ENCRYPTED_DATA_LEN_RANGE);
		assert_int_equal(crypt_rv(dec, &kwp, &key, data, len, false),
		                 semi && len >= 16 ? CKR_ENCRYPTED_DATA_INVALID
		                                   : CKR_ENCRYPTED_DATA_LEN_RANGE);
	}
	assert_int_equal(crypt_rv(enc, &kwp, &key, data, 0, false), CKR_DATA_LEN_RANGE);
	/* Key wrap is single-part only. */
	assert_int_equal(op_start(enc, &kw, &key, &op), CKR_OK);
	assert_int_equal(be.ops->op_update(op, data, 16, out, &outlen), CKR_FUNCTION_NOT_SUPPORTED);
	be.ops->op_free(op);
	kw.pParameter = iv5;
	kw.ulParameterLen = sizeof(iv5);
	assert_int_equal(init_rv(enc, &kw, &key), CKR_MECHANISM_PARAM_INVALID);
	kw.ulParameterLen = 4;
	assert_int_equal(init_rv(enc, &kw, &key), CKR_MECHANISM_PARAM_INVALID);
	kw.pParameter = NULL;
	kw.ulParameterLen = 8;
	assert_int_equal(init_rv(enc, &kw, &key), CKR_MECHANISM_PARAM_INVALID);
	kwp.pParameter = iv5;
	kwp.ulParameterLen = 8;
	assert_int_equal(init_rv(enc, &kwp, &key), CKR_MECHANISM_PARAM_INVALID);
	tkey_free(&key);
}

/* The attributes C_UnwrapKey hands the backend: class, key type, maybe CKA_VALUE_LEN. */
static void unwrap_template(struct tok_attrs *a, CK_OBJECT_CLASS cls, CK_KEY_TYPE type,
                            CK_ULONG value_len)
{
	tok_attrs_init(a);
	assert_int_equal(tok_attrs_set_ulong(a, CKA_CLASS, cls), CKR_OK);
	assert_int_equal(tok_attrs_set_ulong(a, CKA_KEY_TYPE, type), CKR_OK);
	if (value_len)
		assert_int_equal(tok_attrs_set_ulong(a, CKA_VALUE_LEN, value_len), CKR_OK);
}

/* Wraps target with mech and unwraps it again into a key of the same type. */
static void wrap_round_trip(const CK_MECHANISM *mech, struct tkey *kek, struct tkey *target,
                            bool give_len)
{
	const CK_ATTRIBUTE *val = tok_attrs_find(&target->attrs, CKA_VALUE), *got;
	CK_BYTE wrapped[BUF_MAX];
	CK_ULONG wlen = 0, small, type = 0, vlen = 0;
	struct tok_attrs made;

	assert_true(tok_attrs_get_ulong(&target->attrs, CKA_KEY_TYPE, &type));
	assert_int_equal(be.ops->wrap_key(be.ctx, mech, &kek->k, &target->attrs, NULL, &wlen),
	                 CKR_OK);
	small = wlen - 1;
	assert_int_equal(be.ops->wrap_key(be.ctx, mech, &kek->k, &target->attrs, wrapped, &small),
	                 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(small, wlen);
	assert_int_equal(be.ops->wrap_key(be.ctx, mech, &kek->k, &target->attrs, wrapped, &wlen),
	                 CKR_OK);
	unwrap_template(&made, CKO_SECRET_KEY, type, give_len ? val->ulValueLen : 0);
	assert_int_equal(be.ops->unwrap_key(be.ctx, mech, &kek->k, wrapped, wlen, &made), CKR_OK);
	got = tok_attrs_find(&made, CKA_VALUE);
	assert_non_null(got);
	assert_int_equal(got->ulValueLen, val->ulValueLen);
	assert_memory_equal(got->pValue, val->pValue, val->ulValueLen);
	assert_true(tok_attrs_get_ulong(&made, CKA_VALUE_LEN, &vlen));
	assert_int_equal(vlen, val->ulValueLen);
	tok_attrs_free(&made);
}

void test_wrap_unwrap(void **state)
{
	static const CK_MECHANISM_TYPE mechs[] = {CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_KWP,
	                                          CKM_AES_ECB,      CKM_AES_CBC,
	                                          CKM_AES_CBC_PAD,  CKM_AES_GCM};
	static const struct {
		CK_KEY_TYPE type;
		size_t len;
	} targets[] = {{CKK_AES, 16},
	               {CKK_AES, 24},
	               {CKK_AES, 32},
	               {CKK_GENERIC_SECRET, 5},
	               {CKK_GENERIC_SECRET, 33},
	               {CKK_SHA256_HMAC, 64}};
	CK_BYTE val[64];
	struct tkey kek, target;

	tkey_hex(&kek, CKK_AES, SP38A_K256);
	assert_int_equal(RAND_bytes(val, sizeof(val)), 1);
	for (size_t m = 0; m < N_ELEM(mechs); m++) {
		for (size_t i = 0; i < N_ELEM(targets); i++) {
			struct tmech t;
			/* Zero padding leaves the length to the template. */
			bool give_len = (mechs[m] == CKM_AES_KEY_WRAP || mechs[m] == CKM_AES_ECB ||
			                 mechs[m] == CKM_AES_CBC) &&
			                targets[i].len % 16 != 0;

			if (mechs[m] == CKM_AES_GCM)
				gcm_mech(&t, GCM_IV, GCM_AAD, 96);
			else
				tmech_make(&t, mechs[m],
				           mechs[m] == CKM_AES_CBC || mechs[m] == CKM_AES_CBC_PAD
				               ? SP38A_IV
				               : NULL,
				           0);
			tkey_make(&target, CKO_SECRET_KEY, targets[i].type, val, targets[i].len);
			wrap_round_trip(&t.m, &kek, &target, give_len);
			tkey_free(&target);
		}
	}
	tkey_free(&kek);
}

/* The errors of C_WrapKey and C_UnwrapKey that concern the keys. */
void test_wrap_errors(void **state)
{
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0}, ctr = {CKM_AES_CTR, NULL, 0};
	CK_BYTE val[40] = {1, 2, 3}, wrapped[64] = {0};
	CK_ULONG wlen = sizeof(wrapped);
	struct tkey kek, generic, pub, target;
	struct tok_attrs made;

	tkey_hex(&kek, CKK_AES, SP38A_K128);
	tkey_make(&generic, CKO_SECRET_KEY, CKK_GENERIC_SECRET, val, 16);
	tkey_make(&pub, CKO_PUBLIC_KEY, CKK_EC, val, 16);
	tkey_make(&target, CKO_SECRET_KEY, CKK_GENERIC_SECRET, val, sizeof(val));
	assert_int_equal(be.ops->wrap_key(be.ctx, &kw, &generic.k, &target.attrs, wrapped, &wlen),
	                 CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
	assert_int_equal(be.ops->wrap_key(be.ctx, &kw, &kek.k, &pub.attrs, wrapped, &wlen),
	                 CKR_KEY_NOT_WRAPPABLE);
	assert_int_equal(be.ops->wrap_key(be.ctx, &ctr, &kek.k, &target.attrs, wrapped, &wlen),
	                 CKR_MECHANISM_INVALID);
	unwrap_template(&made, CKO_SECRET_KEY, CKK_AES, 0);
	assert_int_equal(be.ops->unwrap_key(be.ctx, &kw, &generic.k, wrapped, 24, &made),
	                 CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
	assert_int_equal(be.ops->unwrap_key(be.ctx, &ctr, &kek.k, wrapped, 24, &made),
	                 CKR_MECHANISM_INVALID);
	tok_attrs_free(&made);
	tkey_free(&kek);
	tkey_free(&generic);
	tkey_free(&pub);
	tkey_free(&target);
}

/* Unwraps into a template of class cls, key type type and value_len (0: none). */
static CK_RV unwrap_into(const CK_MECHANISM *mech, struct tkey *kek, const CK_BYTE *wrapped,
                         CK_ULONG wlen, CK_OBJECT_CLASS cls, CK_KEY_TYPE type, CK_ULONG value_len,
                         const CK_BYTE *want)
{
	const CK_ATTRIBUTE *val;
	struct tok_attrs made;
	CK_RV rv;

	unwrap_template(&made, cls, type, value_len);
	rv = be.ops->unwrap_key(be.ctx, mech, &kek->k, wrapped, wlen, &made);
	val = tok_attrs_find(&made, CKA_VALUE);
	assert_true(rv == CKR_OK ? val != NULL : val == NULL);
	if (rv == CKR_OK)
		assert_memory_equal(val->pValue, want, val->ulValueLen);
	tok_attrs_free(&made);
	return rv;
}

/* What the unwrapped value must be: the length its key type allows or the template asks. */
void test_unwrap_values(void **state)
{
	CK_MECHANISM kwp = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
	CK_BYTE val[40] = {1, 2, 3}, wrapped[64];
	CK_ULONG wlen = sizeof(wrapped);
	const CK_OBJECT_CLASS sec = CKO_SECRET_KEY;
	struct tkey kek, target;

	tkey_hex(&kek, CKK_AES, SP38A_K128);
	tkey_make(&target, CKO_SECRET_KEY, CKK_GENERIC_SECRET, val, sizeof(val));
	assert_int_equal(be.ops->wrap_key(be.ctx, &kwp, &kek.k, &target.attrs, wrapped, &wlen),
	                 CKR_OK);
	/* 40 bytes of value are no AES key, unless the template asks for fewer. */
	assert_int_equal(unwrap_into(&kwp, &kek, wrapped, wlen, sec, CKK_AES, 0, val),
	                 CKR_WRAPPED_KEY_LEN_RANGE);
	assert_int_equal(unwrap_into(&kwp, &kek, wrapped, wlen, sec, CKK_AES, 32, val), CKR_OK);
	assert_int_equal(unwrap_into(&kwp, &kek, wrapped, wlen, sec, CKK_AES, 20, val),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(unwrap_into(&kwp, &kek, wrapped, wlen, sec, CKK_GENERIC_SECRET, 41, val),
	                 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(unwrap_into(&kwp, &kek, wrapped, wlen, CKO_PRIVATE_KEY, CKK_EC, 0, val),
	                 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(unwrap_into(&kwp, &kek, wrapped, wlen, sec, CKK_BLOWFISH, 0, val),
	                 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(unwrap_into(&kwp, &kek, wrapped, wlen, sec, CKK_GENERIC_SECRET, 0, val),
	                 CKR_OK);
	assert_int_equal(unwrap_into(&kwp, &kek, wrapped, 12, sec, CKK_GENERIC_SECRET, 0, val),
	                 CKR_WRAPPED_KEY_LEN_RANGE);
	wrapped[0] ^= 1;
	assert_int_equal(unwrap_into(&kwp, &kek, wrapped, wlen, sec, CKK_GENERIC_SECRET, 0, val),
	                 CKR_WRAPPED_KEY_INVALID);
	tkey_free(&kek);
	tkey_free(&target);
}
