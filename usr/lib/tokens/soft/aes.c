/*
 * The soft backend's AES family: the mechanism table, AES key generation,
 * and the pieces every mode shares.  Each operation owns one
 * EVP_CIPHER_CTX made from a cipher fetched once per process (fetch.c);
 * the modes themselves are in aes_modes.c, aes_aead.c and aes_wrap.c, and
 * AES-CMAC in mac.c.
 */
#include "aes.h"

#include "mac.h"
#include "secret.h"

CK_RV soft_aes_key(const struct os_backend_key *key, const CK_BYTE **val, CK_ULONG *len)
{
	CK_KEY_TYPE type;
	CK_RV rv = soft_secret_get(key ? key->attrs : NULL, &type, val, len);

	if (rv == CKR_KEY_TYPE_INCONSISTENT || (rv == CKR_OK && type != CKK_AES))
		return CKR_KEY_TYPE_INCONSISTENT;
	if (rv != CKR_OK || !soft_secret_len_ok(CKK_AES, *len))
		return CKR_KEY_SIZE_RANGE;
	return CKR_OK;
}

CK_RV soft_aes_ctx(enum soft_aes_mode mode, const struct os_backend_key *key, int enc,
                   const CK_BYTE *iv, EVP_CIPHER_CTX **ctx)
{
	const EVP_CIPHER *cipher;
	const CK_BYTE *val;
	CK_ULONG len;
	EVP_CIPHER_CTX *c;
	CK_RV rv = soft_aes_key(key, &val, &len);

	if (rv != CKR_OK)
		return rv;
	cipher = soft_fetch_aes(mode, len);
	if (!cipher)
		return CKR_FUNCTION_FAILED;
	c = EVP_CIPHER_CTX_new();
	if (!c)
		return CKR_HOST_MEMORY;
	if (mode == SOFT_AES_WRAP || mode == SOFT_AES_WRAP_PAD)
		EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_CipherInit_ex2(c, cipher, val, iv, enc, NULL) != 1 ||
	    ((mode == SOFT_AES_ECB || mode == SOFT_AES_CBC) &&
	     EVP_CIPHER_CTX_set_padding(c, 0) != 1)) {
		EVP_CIPHER_CTX_free(c);
		return soft_ossl_fail();
	}
	*ctx = c;
	return CKR_OK;
}

/* The largest piece handed to EVP_CipherUpdate at once: an int, whole blocks. */
#define AES_RUN_CHUNK ((size_t)1 << 30)

CK_RV soft_aes_run(EVP_CIPHER_CTX *ctx, const CK_BYTE *in, size_t len, CK_BYTE *out)
{
	while (len > 0) {
		size_t chunk = len < AES_RUN_CHUNK ? len : AES_RUN_CHUNK;
		int outl = 0;

		if (EVP_CipherUpdate(ctx, out, &outl, in, (int)chunk) != 1 || (size_t)outl != chunk)
			return soft_ossl_fail();
		in += chunk;
		out += chunk;
		len -= chunk;
	}
	return CKR_OK;
}

static CK_RV aes_key_gen(const CK_MECHANISM *mech, struct tok_attrs *key)
{
	return soft_secret_generate(mech, CKK_AES, key);
}

#define AES_CIPHER(t, fl, fn)                                                           \
	{                                                                               \
		.type = (t), .min_key = 16, .max_key = 32, .flags = (fl), .init = (fn), \
	}
#define AES_WRAPPING(t, fn)                                                               \
	{                                                                                 \
		.type = (t), .min_key = 16, .max_key = 32,                                \
		.flags = CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP, .init = (fn), \
		.wrap = soft_aes_wrap, .unwrap = soft_aes_unwrap,                         \
	}

/* Key sizes in bytes. */
const struct soft_mech soft_aes_mechs[] = {
    {.type = CKM_AES_KEY_GEN,
     .min_key = 16,
     .max_key = 32,
     .flags = CKF_GENERATE,
     .generate = aes_key_gen},
    AES_WRAPPING(CKM_AES_ECB, soft_aes_block_init),
    AES_WRAPPING(CKM_AES_CBC, soft_aes_block_init),
    AES_WRAPPING(CKM_AES_CBC_PAD, soft_aes_block_init),
    AES_CIPHER(CKM_AES_CTR, CKF_ENCRYPT | CKF_DECRYPT, soft_aes_ctr_init),
    AES_WRAPPING(CKM_AES_GCM, soft_aes_gcm_init),
    AES_CIPHER(CKM_AES_CCM, CKF_ENCRYPT | CKF_DECRYPT, soft_aes_ccm_init),
    AES_CIPHER(CKM_AES_CMAC, CKF_SIGN | CKF_VERIFY, soft_mac_cmac_init),
    AES_CIPHER(CKM_AES_CMAC_GENERAL, CKF_SIGN | CKF_VERIFY, soft_mac_cmac_init),
    AES_WRAPPING(CKM_AES_KEY_WRAP, soft_aes_kw_init),
    AES_WRAPPING(CKM_AES_KEY_WRAP_KWP, soft_aes_kw_init),
    {.type = CK_UNAVAILABLE_INFORMATION},
};
