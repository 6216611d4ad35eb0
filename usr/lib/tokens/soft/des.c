/*
 * The soft backend's DES family: the mechanism table, key values and their
 * generation with odd parity, the ciphers, and the slot option that turns
 * the family off.
 *
 * Triple DES comes from OpenSSL's default provider, as DES-EDE3 in ECB and
 * CBC mode; a two-key value K1 K2 is run as the three-key K1 K2 K1, which
 * is the same cipher.  Single DES lives only in the legacy provider, which
 * is loaded here into a library context of this backend's own, never into
 * the application's default context: an application that never asked for
 * legacy algorithms does not get them from loading a PKCS#11 module.  When
 * that provider does not load, the single-DES mechanisms are not listed.
 *
 * The block modes are those of the AES family (aes_modes.c) with 8-byte
 * blocks; C_WrapKey and C_UnwrapKey go through aes_wrap.c as well.
 */
#include "des.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "aes.h"
#include "secret.h"

/* The one state of this file: the ciphers, fetched once, and the legacy library context. */
static struct {
	pthread_once_t once;
	OSSL_LIB_CTX *libctx;     /* holds the legacy provider only */
	OSSL_PROVIDER *legacy;    /* NULL when it did not load */
	EVP_CIPHER *cipher[2][2]; /* [des][cbc] */
} des_state = {.once = PTHREAD_ONCE_INIT};

static void des_load(void)
{
	des_state.cipher[0][0] = EVP_CIPHER_fetch(NULL, "DES-EDE3-ECB", NULL);
	des_state.cipher[0][1] = EVP_CIPHER_fetch(NULL, "DES-EDE3-CBC", NULL);
	des_state.libctx = OSSL_LIB_CTX_new();
	if (des_state.libctx)
		des_state.legacy = OSSL_PROVIDER_try_load(des_state.libctx, "legacy", 0);
	if (des_state.legacy) {
		des_state.cipher[1][0] = EVP_CIPHER_fetch(des_state.libctx, "DES-ECB", NULL);
		des_state.cipher[1][1] = EVP_CIPHER_fetch(des_state.libctx, "DES-CBC", NULL);
	}
	ERR_clear_error();
}

const EVP_CIPHER *soft_des_cipher(bool des, bool cbc)
{
	pthread_once(&des_state.once, des_load);
	return des_state.cipher[des][cbc];
}

/* Frees what des_load() made, unless OpenSSL has already cleaned up at exit (see fetch.c). */
__attribute__((destructor)) static void des_unload(void)
{
	if (!des_state.libctx && !des_state.cipher[0][0] && !des_state.cipher[0][1])
		return;
	if (OPENSSL_init_crypto(0, NULL) != 1)
		return;
	for (int i = 0; i < 4; i++)
		EVP_CIPHER_free(des_state.cipher[i / 2][i % 2]);
	if (des_state.legacy)
		OSSL_PROVIDER_unload(des_state.legacy);
	OSSL_LIB_CTX_free(des_state.libctx);
	memset(&des_state.cipher, 0, sizeof(des_state.cipher));
	des_state.legacy = NULL;
	des_state.libctx = NULL;
}

static bool des_single(CK_MECHANISM_TYPE type)
{
	return type == CKM_DES_KEY_GEN || type == CKM_DES_ECB || type == CKM_DES_CBC ||
	       type == CKM_DES_CBC_PAD;
}

bool soft_des_offered(bool legacy, CK_MECHANISM_TYPE type)
{
	if (des_single(type))
		return legacy && soft_des_cipher(true, true);
	if (legacy)
		return true; /* the common case, on every lookup: no scan */
	for (const struct soft_mech *m = soft_des_mechs; m->type != CK_UNAVAILABLE_INFORMATION; m++)
		if (m->type == type)
			return false;
	return true;
}

CK_RV soft_des_option(const struct os_backend_env *env, bool *legacy)
{
	*legacy = true;
	for (size_t i = 0; env->options && i < env->n_options; i++) {
		const struct os_backend_option *o = &env->options[i];

		if (!o->name || strcmp(o->name, "legacy-mechanisms") != 0)
			continue;
		if (o->value && strcmp(o->value, "true") == 0)
			*legacy = true;
		else if (o->value && strcmp(o->value, "false") == 0)
			*legacy = false;
		else
			return CKR_ARGUMENTS_BAD;
	}
	return CKR_OK;
}

CK_RV soft_des_key(const struct os_backend_key *key, bool des, CK_BYTE key24[24], size_t *len)
{
	const CK_BYTE *val;
	CK_KEY_TYPE type;
	CK_ULONG vlen;
	CK_RV rv = soft_secret_get(key ? key->attrs : NULL, &type, &val, &vlen);

	if (rv == CKR_KEY_TYPE_INCONSISTENT ||
	    (rv == CKR_OK && (des ? type != CKK_DES : type != CKK_DES2 && type != CKK_DES3)))
		return CKR_KEY_TYPE_INCONSISTENT;
	if (rv != CKR_OK || !soft_secret_len_ok(type, vlen))
		return CKR_KEY_SIZE_RANGE;
	memcpy(key24, val, vlen);
	if (type == CKK_DES2)
		memcpy(key24 + 16, val, 8);
	*len = des ? 8 : 24;
	return CKR_OK;
}

/* A cipher context of the family for a block mode, padding off. */
static CK_RV des_ctx(const struct os_backend_key *key, bool des, bool cbc, int enc,
                     const CK_BYTE *iv, EVP_CIPHER_CTX **ctx)
{
	const EVP_CIPHER *cipher;
	CK_BYTE k[24];
	size_t len;
	EVP_CIPHER_CTX *c;
	CK_RV rv = soft_des_key(key, des, k, &len);

	if (rv != CKR_OK)
		return rv;
	cipher = soft_des_cipher(des, cbc);
	c = cipher ? EVP_CIPHER_CTX_new() : NULL;
	if (!c)
		rv = cipher ? CKR_HOST_MEMORY : CKR_MECHANISM_INVALID;
	else if (EVP_CipherInit_ex2(c, cipher, k, iv, enc, NULL) != 1 ||
	         EVP_CIPHER_CTX_set_padding(c, 0) != 1)
		rv = soft_ossl_fail();
	OPENSSL_cleanse(k, sizeof(k));
	if (rv != CKR_OK) {
		EVP_CIPHER_CTX_free(c);
		return rv;
	}
	*ctx = c;
	return CKR_OK;
}

static CK_RV des3_block_ctx(const struct os_backend_key *key, bool cbc, int enc, const CK_BYTE *iv,
                            EVP_CIPHER_CTX **ctx)
{
	return des_ctx(key, false, cbc, enc, iv, ctx);
}

static CK_RV des1_block_ctx(const struct os_backend_key *key, bool cbc, int enc, const CK_BYTE *iv,
                            EVP_CIPHER_CTX **ctx)
{
	return des_ctx(key, true, cbc, enc, iv, ctx);
}

static CK_RV des_block_init(const struct soft_mech *m, enum os_backend_op kind,
                            const CK_MECHANISM *mech, const struct os_backend_key *key,
                            struct soft_op **op)
{
	bool des = des_single(m->type);
	const struct soft_block_mode mode = {
	    .bs = SOFT_DES_BLOCK,
	    .cbc = m->type != CKM_DES3_ECB && m->type != CKM_DES_ECB,
	    .pad = m->type == CKM_DES3_CBC_PAD || m->type == CKM_DES_CBC_PAD,
	    .ctx = des ? des1_block_ctx : des3_block_ctx,
	};

	return soft_aes_block_start(&mode, kind, mech, key, op);
}

/* Gives every byte odd parity in its low bit, as DES keys carry it. */
static void des_set_parity(CK_BYTE *val, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned int b = val[i] >> 1, ones = 0;

		for (; b; b >>= 1)
			ones += b & 1;
		val[i] = (CK_BYTE)((val[i] & 0xfe) | !(ones & 1));
	}
}

/* Whether two of the 8-byte keys in a row are equal, which would collapse to fewer keys. */
static bool des_degenerate(const CK_BYTE *val, size_t len)
{
	for (size_t i = 8; i < len; i += 8)
		if (CRYPTO_memcmp(val + i - 8, val + i, 8) == 0)
			return true;
	return false;
}

/*
 * C_GenerateKey of a DES-family key: no parameter, the template's key type
 * (if any) that of the mechanism, and a random value of the type's length
 * with odd parity and no two neighbouring keys equal.
 */
static CK_RV des_generate(const CK_MECHANISM *mech, struct tok_attrs *key)
{
	CK_KEY_TYPE type = mech->mechanism == CKM_DES3_KEY_GEN   ? CKK_DES3
	                   : mech->mechanism == CKM_DES2_KEY_GEN ? CKK_DES2
	                                                         : CKK_DES;
	size_t len = type == CKK_DES3 ? 24 : type == CKK_DES2 ? 16 : 8;
	CK_KEY_TYPE given;
	CK_BYTE val[24];
	CK_RV rv;

	if (soft_secret_no_param(mech) != CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	if (tok_attrs_get_ulong(key, CKA_KEY_TYPE, &given) && given != type)
		return CKR_TEMPLATE_INCONSISTENT;
	do {
		if (RAND_priv_bytes(val, (int)len) != 1)
			return soft_ossl_fail();
		des_set_parity(val, len);
	} while (des_degenerate(val, len));
	rv = tok_attrs_set_ulong(key, CKA_KEY_TYPE, type);
	if (rv == CKR_OK)
		rv = soft_secret_unwrapped(key, val, len);
	OPENSSL_cleanse(val, sizeof(val));
	return rv;
}

#define DES_GEN(t, len)                                                                 \
	{                                                                               \
		.type = (t), .min_key = (len), .max_key = (len), .flags = CKF_GENERATE, \
		.generate = des_generate                                                \
	}
#define DES_CIPHER(t, lo, hi)                                                             \
	{                                                                                 \
		.type = (t), .min_key = (lo), .max_key = (hi),                            \
		.flags = CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP,               \
		.init = des_block_init, .wrap = soft_aes_wrap, .unwrap = soft_aes_unwrap, \
	}
#define DES_MAC(t, fn)                                                                     \
	{                                                                                  \
		.type = (t), .min_key = 16, .max_key = 24, .flags = CKF_SIGN | CKF_VERIFY, \
		.init = (fn)                                                               \
	}

/*
 * Key sizes in bytes, as openCryptoki reports them: the triple-DES
 * mechanisms take two-key (16) and three-key (24) values.
 */
const struct soft_mech soft_des_mechs[] = {
    DES_GEN(CKM_DES3_KEY_GEN, 24),
    DES_GEN(CKM_DES2_KEY_GEN, 16),
    DES_CIPHER(CKM_DES3_ECB, 16, 24),
    DES_CIPHER(CKM_DES3_CBC, 16, 24),
    DES_CIPHER(CKM_DES3_CBC_PAD, 16, 24),
    DES_MAC(CKM_DES3_MAC, soft_des_mac_init),
    DES_MAC(CKM_DES3_MAC_GENERAL, soft_des_mac_init),
    DES_MAC(CKM_DES3_CMAC, soft_des_cmac_init),
    DES_MAC(CKM_DES3_CMAC_GENERAL, soft_des_cmac_init),
    DES_GEN(CKM_DES_KEY_GEN, 8),
    DES_CIPHER(CKM_DES_ECB, 8, 8),
    DES_CIPHER(CKM_DES_CBC, 8, 8),
    DES_CIPHER(CKM_DES_CBC_PAD, 8, 8),
    {.type = CK_UNAVAILABLE_INFORMATION},
};
