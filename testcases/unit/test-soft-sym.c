/*
 * Unit tests of the soft backend's symmetric mechanisms, digests and MACs
 * (usr/lib/tokens/soft: aes*.c, digest.c, mac.c, secret.c, fetch.c).
 *
 * libtoken_soft.so is loaded with dlopen() from $top_builddir/.libs and
 * driven through its ops table as the library drives it (soft-sym-util.c).
 * The answers are checked against published vectors (NIST SP 800-38A/B/C,
 * the GCM specification, RFC 3394, RFC 5649, RFC 4493, FIPS 180 and 202,
 * RFC 2202, RFC 4231), runs in parts cut at random places against
 * single-part ones, and CBC_PAD against the openssl command.  This file
 * holds the block modes, CTR, key generation and checks, and the
 * mechanism information; soft-sym-aead.c and soft-sym-mac.c the rest.
 */
#include "soft-sym.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

struct block_kat {
	CK_MECHANISM_TYPE mech;
	const char *key;
	const char *cipher;
};

/* F.1 (ECB), F.2 (CBC), F.5 (CTR), each with 128, 192 and 256-bit keys. */
static const struct block_kat sp38a_kats[] = {
    {CKM_AES_ECB, SP38A_K128,
     "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf"
     "43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4"},
    {CKM_AES_ECB, SP38A_K192,
     "bd334f1d6e45f25ff712a214571fa5cc974104846d0ad3ad7734ecb3ecee4eef"
     "ef7afd2270e2e60adce0ba2face6444e9a4b41ba738d6c72fb16691603c18e0e"},
    {CKM_AES_ECB, SP38A_K256,
     "f3eed1bdb5d2a03c064b5a7e3db181f8591ccb10d410ed26dc5ba74a31362870"
     "b6ed21b99ca6f4f9f153e7b1beafed1d23304b7a39f9f3ff067d8d8f9e24ecc7"},
    {CKM_AES_CBC, SP38A_K128,
     "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
     "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"},
    {CKM_AES_CBC, SP38A_K192,
     "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
     "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
    {CKM_AES_CBC, SP38A_K256,
     "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
     "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
    {CKM_AES_CTR, SP38A_K128,
     "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
     "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"},
    {CKM_AES_CTR, SP38A_K192,
     "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94"
     "1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050"},
    {CKM_AES_CTR, SP38A_K256,
     "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
     "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6"},
};

static void test_sp38a(void **state)
{
	CK_BYTE plain[BUF_MAX], cipher[BUF_MAX];
	size_t plen = unhex(SP38A_PLAIN, plain);

	for (size_t i = 0; i < N_ELEM(sp38a_kats); i++) {
		const struct block_kat *k = &sp38a_kats[i];
		const char *iv = k->mech == CKM_AES_CBC ? SP38A_IV : SP38A_CTR;
		struct tmech t;
		struct tkey key;

		tkey_hex(&key, CKK_AES, k->key);
		tmech_make(&t, k->mech, k->mech == CKM_AES_ECB ? NULL : iv, 128);
		crypt_both_ways(&t.m, &key, plain, plen, cipher, unhex(k->cipher, cipher));
		tkey_free(&key);
	}
}

/* Writes len bytes to path. */
static void write_file(const char *path, const CK_BYTE *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* What `openssl enc -aes-128-cbc` makes of in; false when the command is not there. */
static bool openssl_cbc(const CK_BYTE *key, const CK_BYTE *iv, const CK_BYTE *in, size_t inlen,
                        CK_BYTE *out, size_t *outlen)
{
	char cmd[PATH_MAX * 3], kx[33], ivx[33], inp[PATH_MAX], outp[PATH_MAX];
	FILE *fp;

	for (int i = 0; i < 16; i++) {
		snprintf(kx + 2 * i, 3, "%02x", key[i]);
		snprintf(ivx + 2 * i, 3, "%02x", iv[i]);
	}
	snprintf(inp, sizeof(inp), "%s/plain", be.dir);
	snprintf(outp, sizeof(outp), "%s/cipher", be.dir);
	write_file(inp, in, inlen);
	snprintf(cmd, sizeof(cmd),
	         "openssl enc -aes-128-cbc -K %s -iv %s -in %s -out %s 2>/dev/null", kx, ivx, inp,
	         outp);
	if (system(cmd) != 0)
		return false;
	fp = fopen(outp, "rb");
	assert_non_null(fp);
	*outlen = fread(out, 1, BUF_MAX, fp);
	fclose(fp);
	return true;
}

/* CBC_PAD with every length from 0 to 33, against the openssl command where it is installed. */
static void test_cbc_pad_lengths(void **state)
{
	CK_BYTE k[16], plain[64], ref[BUF_MAX];
	struct tmech t;
	struct tkey key;
	bool have_cli = true;

	assert_int_equal(RAND_bytes(k, sizeof(k)), 1);
	assert_int_equal(RAND_bytes(plain, sizeof(plain)), 1);
	tkey_make(&key, CKO_SECRET_KEY, CKK_AES, k, sizeof(k));
	tmech_make(&t, CKM_AES_CBC_PAD, SP38A_IV, 0);
	for (size_t len = 0; len <= 33; len++) {
		CK_BYTE cipher[64];
		CK_ULONG clen = sizeof(cipher);
		size_t rlen;

		assert_int_equal(
		    one_shot(OS_BACKEND_OP_ENCRYPT, &t.m, &key, plain, len, cipher, &clen), CKR_OK);
		assert_int_equal(clen, (len / 16 + 1) * 16);
		crypt_both_ways(&t.m, &key, plain, len, cipher, clen);
		if (have_cli && openssl_cbc(k, t.iv, plain, len, ref, &rlen)) {
			assert_int_equal(rlen, clen);
			assert_memory_equal(ref, cipher, clen);
		} else if (have_cli) {
			have_cli = false;
			print_message("openssl command not found: CBC_PAD not compared with it\n");
		}
	}
	tkey_free(&key);
}

/* Bad padding, and lengths that are not whole blocks. */
static void test_block_errors(void **state)
{
	static const CK_BYTE tails[][2] = {{0x00, 0x00}, {0x03, 0x11}, {0x01, 0x02}, {0x02, 0x03}};
	CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
	CK_BYTE plain[48] = {0}, cipher[64], out[64];
	CK_ULONG outlen = sizeof(out);
	struct tmech cbc, pad;
	struct tkey key;
	void *op;

	tkey_hex(&key, CKK_AES, SP38A_K128);
	tmech_make(&cbc, CKM_AES_CBC, SP38A_IV, 0);
	tmech_make(&pad, CKM_AES_CBC_PAD, SP38A_IV, 0);
	for (size_t i = 0; i < N_ELEM(tails); i++) {
		memcpy(plain + 30, tails[i], 2);
		encrypt_with(&cbc.m, &key, plain, 32, cipher);
		for (int parts = 0; parts < 2; parts++)
			assert_int_equal(
			    crypt_rv(OS_BACKEND_OP_DECRYPT, &pad.m, &key, cipher, 32, parts),
			    CKR_ENCRYPTED_DATA_INVALID);
	}
	/* A block of sixteen 0x10 is all padding. */
	memset(plain, 0x10, 16);
	encrypt_with(&cbc.m, &key, plain, 16, cipher);
	assert_int_equal(one_shot(OS_BACKEND_OP_DECRYPT, &pad.m, &key, cipher, 16, out, &outlen),
	                 CKR_OK);
	assert_int_equal(outlen, 0);

	for (CK_ULONG len = 0; len < 48; len += 15) {
		CK_RV enc = len % 16 ? CKR_DATA_LEN_RANGE : CKR_OK;
		CK_RV dec = len % 16 ? CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_OK;

		assert_int_equal(crypt_rv(OS_BACKEND_OP_ENCRYPT, &ecb, &key, plain, len, 0), enc);
		assert_int_equal(crypt_rv(OS_BACKEND_OP_ENCRYPT, &cbc.m, &key, plain, len, 1), enc);
		assert_int_equal(crypt_rv(OS_BACKEND_OP_DECRYPT, &ecb, &key, plain, len, 1), dec);
		if (dec != CKR_OK || len == 0)
			assert_int_equal(
			    crypt_rv(OS_BACKEND_OP_DECRYPT, &pad.m, &key, plain, len, 0),
			    CKR_ENCRYPTED_DATA_LEN_RANGE);
	}

	/* A pending partial block is refused at the final call, not before. */
	assert_int_equal(op_start(OS_BACKEND_OP_ENCRYPT, &cbc.m, &key, &op), CKR_OK);
	outlen = sizeof(out);
	assert_int_equal(be.ops->op_update(op, plain, 20, out, &outlen), CKR_OK);
	assert_int_equal(outlen, 16);
	outlen = sizeof(out);
	assert_int_equal(be.ops->op_final(op, out, &outlen), CKR_DATA_LEN_RANGE);
	be.ops->op_free(op);
	tkey_free(&key);
}

/* Increments the low bits bits of a counter block, as CKM_AES_CTR counts. */
static void ctr_add(CK_BYTE *cb, unsigned int bits)
{
	for (int i = 15; i >= 0 && bits > 0; i--) {
		unsigned int width = bits < 8 ? bits : 8;
		unsigned int mask = (1u << width) - 1;
		unsigned int v = ((cb[i] & mask) + 1) & mask;

		cb[i] = (CK_BYTE)((cb[i] & ~mask) | v);
		bits -= width;
		if (v != 0)
			break;
	}
}

/* The counter wraps within its bits and never comes back to where it started. */
static void test_ctr_counter(void **state)
{
	static const struct {
		CK_ULONG bits;
		const char *cb;
		unsigned int blocks; /* what the counter allows; 0: more than tried here */
	} cases[] = {
	    {8, "000102030405060708090a0b0c0d0efe", 256},
	    {2, "ffffffffffffffffffffffffffffff02", 4},
	    {13, "0000000000000000000000000000fffe", 8192},
	    {64, "0123456789abcdefffffffffffffffff", 0},
	    {128, "ffffffffffffffffffffffffffffffff", 0},
	};
	CK_BYTE plain[BUF_MAX] = {0}, stream[BUF_MAX], cbs[BUF_MAX];
	CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
	struct tkey key;

	tkey_hex(&key, CKK_AES, SP38A_K256);
	for (size_t i = 0; i < N_ELEM(cases); i++) {
		unsigned int n = cases[i].blocks && cases[i].blocks < 8 ? cases[i].blocks : 8;
		CK_BYTE cb[16];
		struct tmech t;

		tmech_make(&t, CKM_AES_CTR, cases[i].cb, cases[i].bits);
		unhex(cases[i].cb, cb);
		for (unsigned int b = 0; b < n; b++) {
			memcpy(cbs + 16 * b, cb, 16);
			ctr_add(cb, (unsigned int)cases[i].bits);
		}
		encrypt_with(&ecb, &key, cbs, 16 * n, stream);
		crypt_both_ways(&t.m, &key, plain, 16 * n - 3, stream, 16 * n - 3);
		if (cases[i].blocks != n)
			continue;
		assert_int_equal(crypt_rv(OS_BACKEND_OP_ENCRYPT, &t.m, &key, plain, 16 * n + 1, 0),
		                 CKR_DATA_LEN_RANGE);
		assert_int_equal(crypt_rv(OS_BACKEND_OP_DECRYPT, &t.m, &key, plain, 16 * n + 1, 1),
		                 CKR_ENCRYPTED_DATA_LEN_RANGE);
	}
	tkey_free(&key);
}

/* C_GenerateKey: the template as the common layer builds it, then the backend's part. */
static CK_RV generate(CK_MECHANISM_TYPE type, CK_KEY_TYPE key_type, CK_ULONG value_len,
                      struct tok_attrs *key)
{
	CK_MECHANISM mech = {type, NULL, 0};

	tok_attrs_init(key);
	assert_int_equal(tok_attrs_set_ulong(key, CKA_CLASS, CKO_SECRET_KEY), CKR_OK);
	assert_int_equal(tok_attrs_set_ulong(key, CKA_KEY_TYPE, key_type), CKR_OK);
	if (value_len != (CK_ULONG)-1)
		assert_int_equal(tok_attrs_set_ulong(key, CKA_VALUE_LEN, value_len), CKR_OK);
	return be.ops->generate_key(be.ctx, &mech, key);
}

static void assert_generated(struct tok_attrs *key, CK_ULONG len)
{
	const CK_ATTRIBUTE *val = tok_attrs_find(key, CKA_VALUE);
	CK_ULONG vlen = 0;

	assert_non_null(val);
	assert_int_equal(val->ulValueLen, len);
	assert_true(tok_attrs_get_ulong(key, CKA_VALUE_LEN, &vlen));
	assert_int_equal(vlen, len);
}

static void test_key_generation(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE mech;
		CK_KEY_TYPE type;
		CK_ULONG len;
		CK_RV rv;
	} cases[] = {
	    {CKM_AES_KEY_GEN, CKK_AES, 16, CKR_OK},
	    {CKM_AES_KEY_GEN, CKK_AES, 24, CKR_OK},
	    {CKM_AES_KEY_GEN, CKK_AES, 32, CKR_OK},
	    {CKM_AES_KEY_GEN, CKK_AES, 20, CKR_KEY_SIZE_RANGE},
	    {CKM_AES_KEY_GEN, CKK_AES, 0, CKR_KEY_SIZE_RANGE},
	    {CKM_AES_KEY_GEN, CKK_AES, 64, CKR_KEY_SIZE_RANGE},
	    {CKM_AES_KEY_GEN, CKK_AES, (CK_ULONG)-1, CKR_TEMPLATE_INCOMPLETE},
	    {CKM_AES_KEY_GEN, CKK_GENERIC_SECRET, 16, CKR_TEMPLATE_INCONSISTENT},
	    {CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 1, CKR_OK},
	    {CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 512, CKR_OK},
	    {CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 0, CKR_KEY_SIZE_RANGE},
	    {CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 513, CKR_KEY_SIZE_RANGE},
	    {CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, (CK_ULONG)-1, CKR_TEMPLATE_INCOMPLETE},
	    {CKM_SHA_1_KEY_GEN, CKK_SHA_1_HMAC, 20, CKR_OK},
	    {CKM_SHA256_KEY_GEN, CKK_SHA256_HMAC, 32, CKR_OK},
	    {CKM_SHA512_KEY_GEN, CKK_SHA512_HMAC, 128, CKR_OK},
	    {CKM_SHA3_256_KEY_GEN, CKK_SHA3_256_HMAC, 32, CKR_OK},
	    {CKM_SHA256_KEY_GEN, CKK_SHA384_HMAC, 32, CKR_TEMPLATE_INCONSISTENT},
	};
	CK_MECHANISM with_param = {CKM_AES_KEY_GEN, "x", 1};
	struct tok_attrs a, b;

	for (size_t i = 0; i < N_ELEM(cases); i++) {
		assert_int_equal(generate(cases[i].mech, cases[i].type, cases[i].len, &a),
		                 cases[i].rv);
		if (cases[i].rv == CKR_OK)
			assert_generated(&a, cases[i].len);
		else
			assert_null(tok_attrs_find(&a, CKA_VALUE));
		tok_attrs_free(&a);
	}
	/* Two keys differ. */
	assert_int_equal(generate(CKM_AES_KEY_GEN, CKK_AES, 32, &a), CKR_OK);
	assert_int_equal(generate(CKM_AES_KEY_GEN, CKK_AES, 32, &b), CKR_OK);
	assert_memory_not_equal(tok_attrs_find(&a, CKA_VALUE)->pValue,
	                        tok_attrs_find(&b, CKA_VALUE)->pValue, 32);
	tok_attrs_free(&a);
	tok_attrs_free(&b);
	tok_attrs_init(&a);
	assert_int_equal(tok_attrs_set_ulong(&a, CKA_VALUE_LEN, 16), CKR_OK);
	assert_int_equal(be.ops->generate_key(be.ctx, &with_param, &a),
	                 CKR_MECHANISM_PARAM_INVALID);
	tok_attrs_free(&a);
}

/* C_CreateObject of secret keys: the value length is checked and CKA_VALUE_LEN set. */
static void test_check_key(void **state)
{
	static const struct {
		CK_KEY_TYPE type;
		size_t len;
		CK_RV rv;
	} cases[] = {
	    {CKK_AES, 16, CKR_OK},
	    {CKK_AES, 24, CKR_OK},
	    {CKK_AES, 32, CKR_OK},
	    {CKK_AES, 17, CKR_ATTRIBUTE_VALUE_INVALID},
	    {CKK_AES, 8, CKR_ATTRIBUTE_VALUE_INVALID},
	    {CKK_GENERIC_SECRET, 1, CKR_OK},
	    {CKK_GENERIC_SECRET, 513, CKR_ATTRIBUTE_VALUE_INVALID},
	    {CKK_SHA256_HMAC, 64, CKR_OK},
	    {CKK_SHA3_512_HMAC, 512, CKR_OK},
	    {CKK_DES3, 24, CKR_OK}, /* not a type of this backend: left alone */
	};
	CK_BYTE val[600] = {0};

	for (size_t i = 0; i < N_ELEM(cases); i++) {
		struct tkey key;
		CK_ULONG vlen = 0;
		bool mine = cases[i].type != CKK_DES3;

		tkey_make(&key, CKO_SECRET_KEY, cases[i].type, val, cases[i].len);
		assert_int_equal(be.ops->check_key(be.ctx, &key.attrs), cases[i].rv);
		assert_int_equal(tok_attrs_get_ulong(&key.attrs, CKA_VALUE_LEN, &vlen),
		                 mine && cases[i].rv == CKR_OK);
		if (mine && cases[i].rv == CKR_OK)
			assert_int_equal(vlen, cases[i].len);
		tkey_free(&key);
	}
}

/* Every AES mechanism refuses keys of another type or of a bad length. */
static void test_aes_key_errors(void **state)
{
	static const struct ccm_kat ccm_any = {"10111213141516", "0001020304050607", NULL, NULL, 4};
	static const CK_MECHANISM_TYPE mechs[] = {
	    CKM_AES_ECB,  CKM_AES_CBC,         CKM_AES_CBC_PAD,  CKM_AES_CTR,
	    CKM_AES_GCM,  CKM_AES_CCM,         CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_KWP,
	    CKM_AES_CMAC, CKM_AES_CMAC_GENERAL};
	CK_BYTE val[32] = {0};
	struct tkey generic, short_aes, priv;

	tkey_make(&generic, CKO_SECRET_KEY, CKK_GENERIC_SECRET, val, 16);
	tkey_make(&short_aes, CKO_SECRET_KEY, CKK_AES, val, 15);
	tkey_make(&priv, CKO_PRIVATE_KEY, CKK_AES, val, 16);
	for (size_t i = 0; i < N_ELEM(mechs); i++) {
		bool mac = mechs[i] == CKM_AES_CMAC || mechs[i] == CKM_AES_CMAC_GENERAL;
		enum os_backend_op kind = mac ? OS_BACKEND_OP_SIGN : OS_BACKEND_OP_ENCRYPT;
		bool iv = mechs[i] == CKM_AES_CBC || mechs[i] == CKM_AES_CBC_PAD ||
		          mechs[i] == CKM_AES_CTR;
		struct tmech t;

		if (mechs[i] == CKM_AES_GCM)
			gcm_mech(&t, GCM_IV, NULL, 128);
		else if (mechs[i] == CKM_AES_CCM)
			ccm_mech(&t, &ccm_any, 4);
		else
			tmech_make(&t, mechs[i], iv ? SP38A_IV : NULL, 128);
		if (mechs[i] == CKM_AES_CMAC_GENERAL)
			t.m = (CK_MECHANISM){CKM_AES_CMAC_GENERAL, &t.general, sizeof(t.general)};
		t.general = 8;
		assert_int_equal(init_rv(kind, &t.m, &generic), CKR_KEY_TYPE_INCONSISTENT);
		assert_int_equal(init_rv(kind, &t.m, &priv), CKR_KEY_TYPE_INCONSISTENT);
		assert_int_equal(init_rv(kind, &t.m, &short_aes), CKR_KEY_SIZE_RANGE);
		assert_int_equal(init_rv(OS_BACKEND_OP_DIGEST, &t.m, NULL), CKR_MECHANISM_INVALID);
		assert_int_equal(
		    init_rv(mac ? OS_BACKEND_OP_DECRYPT : OS_BACKEND_OP_SIGN, &t.m, &short_aes),
		    CKR_MECHANISM_INVALID);
	}
	tkey_free(&generic);
	tkey_free(&short_aes);
	tkey_free(&priv);
}

/* IVs of every length but 16, counter widths outside 1..128, parameters where none belong. */
static void test_aes_iv_errors(void **state)
{
	const enum os_backend_op enc = OS_BACKEND_OP_ENCRYPT, dec = OS_BACKEND_OP_DECRYPT;
	struct tkey key;

	tkey_hex(&key, CKK_AES, SP38A_K128);
	for (CK_ULONG len = 0; len <= 17; len += 1) {
		CK_BYTE iv[17] = {0};
		CK_MECHANISM cbc = {CKM_AES_CBC, iv, len}, pad = {CKM_AES_CBC_PAD, iv, len};
		CK_MECHANISM ecb = {CKM_AES_ECB, iv, len}, cmac = {CKM_AES_CMAC, iv, len};
		CK_AES_CTR_PARAMS ctr = {.ulCounterBits = len * 8};
		CK_MECHANISM ctr_mech = {CKM_AES_CTR, &ctr, sizeof(ctr)};

		assert_int_equal(init_rv(enc, &cbc, &key),
		                 len == 16 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID);
		assert_int_equal(init_rv(dec, &pad, &key),
		                 len == 16 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID);
		assert_int_equal(init_rv(enc, &ecb, &key),
		                 len == 0 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID);
		assert_int_equal(init_rv(OS_BACKEND_OP_SIGN, &cmac, &key),
		                 len == 0 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID);
		assert_int_equal(init_rv(dec, &ctr_mech, &key),
		                 len >= 1 && len <= 16 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID);
		ctr_mech.ulParameterLen = sizeof(ctr) - 1;
		assert_int_equal(init_rv(dec, &ctr_mech, &key), CKR_MECHANISM_PARAM_INVALID);
		cbc.pParameter = NULL;
		cbc.ulParameterLen = 16;
		assert_int_equal(init_rv(dec, &cbc, &key), CKR_MECHANISM_PARAM_INVALID);
	}
	tkey_free(&key);
}

/* What C_GetMechanismInfo says of each mechanism of this family. */
static void test_mechanism_info(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE type;
		CK_ULONG min, max;
		CK_FLAGS flags;
	} want[] = {
	    {CKM_AES_KEY_GEN, 16, 32, CKF_GENERATE},
	    {CKM_AES_ECB, 16, 32, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP},
	    {CKM_AES_CBC, 16, 32, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP},
	    {CKM_AES_CBC_PAD, 16, 32, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP},
	    {CKM_AES_CTR, 16, 32, CKF_ENCRYPT | CKF_DECRYPT},
	    {CKM_AES_GCM, 16, 32, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP},
	    {CKM_AES_CCM, 16, 32, CKF_ENCRYPT | CKF_DECRYPT},
	    {CKM_AES_KEY_WRAP, 16, 32, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP},
	    {CKM_AES_KEY_WRAP_KWP, 16, 32, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP},
	    {CKM_AES_CMAC, 16, 32, CKF_SIGN | CKF_VERIFY},
	    {CKM_AES_CMAC_GENERAL, 16, 32, CKF_SIGN | CKF_VERIFY},
	    {CKM_SHA_1, 0, 0, CKF_DIGEST},
	    {CKM_SHA256, 0, 0, CKF_DIGEST},
	    {CKM_SHA3_512, 0, 0, CKF_DIGEST},
	    {CKM_SHA256_HMAC, 1, 512, CKF_SIGN | CKF_VERIFY},
	    {CKM_SHA3_384_HMAC_GENERAL, 1, 512, CKF_SIGN | CKF_VERIFY},
	    {CKM_SHA512_KEY_GEN, 1, 512, CKF_GENERATE},
	    {CKM_GENERIC_SECRET_KEY_GEN, 8, 4096, CKF_GENERATE},
	};
	CK_MECHANISM_TYPE list[512];
	CK_ULONG count = 0;

	assert_int_equal(be.ops->mechanism_list(be.ctx, NULL, &count), CKR_OK);
	assert_true(count >= 48 && count <= N_ELEM(list));
	assert_int_equal(be.ops->mechanism_list(be.ctx, list, &count), CKR_OK);
	for (size_t i = 0; i < N_ELEM(want); i++) {
		CK_MECHANISM_INFO info;
		bool listed = false;

		for (CK_ULONG j = 0; j < count; j++)
			listed |= list[j] == want[i].type;
		assert_true(listed);
		assert_int_equal(be.ops->mechanism_info(be.ctx, want[i].type, &info), CKR_OK);
		assert_int_equal(info.ulMinKeySize, want[i].min);
		assert_int_equal(info.ulMaxKeySize, want[i].max);
		assert_int_equal(info.flags, want[i].flags);
	}
	assert_int_equal(be.ops->mechanism_info(be.ctx, CKM_AES_XCBC_MAC, &(CK_MECHANISM_INFO){0}),
	                 CKR_MECHANISM_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mechanism_info),
	    cmocka_unit_test(test_sp38a),
	    cmocka_unit_test(test_cbc_pad_lengths),
	    cmocka_unit_test(test_block_errors),
	    cmocka_unit_test(test_ctr_counter),
	    cmocka_unit_test(test_gcm_vectors),
	    cmocka_unit_test(test_gcm_forgery),
	    cmocka_unit_test(test_gcm_params),
	    cmocka_unit_test(test_ccm),
	    cmocka_unit_test(test_ccm_params),
	    cmocka_unit_test(test_key_wrap_vectors),
	    cmocka_unit_test(test_key_wrap_errors),
	    cmocka_unit_test(test_wrap_unwrap),
	    cmocka_unit_test(test_wrap_errors),
	    cmocka_unit_test(test_unwrap_values),
	    cmocka_unit_test(test_cmac),
	    cmocka_unit_test(test_digests),
	    cmocka_unit_test(test_digest_key),
	    cmocka_unit_test(test_hmac_vectors),
	    cmocka_unit_test(test_hmac_families),
	    cmocka_unit_test(test_hmac_errors),
	    cmocka_unit_test(test_key_generation),
	    cmocka_unit_test(test_check_key),
	    cmocka_unit_test(test_aes_key_errors),
	    cmocka_unit_test(test_aes_iv_errors),
	    cmocka_unit_test(test_performance),
	};

	return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
