/*
 * The token store's cryptography (see store_crypt.h).  AES-256-GCM always
 * uses a 12-byte nonce and a 16-byte tag; callers supply a fresh random
 * nonce for every encryption, since a key is used for many files.
 */
#include "store_crypt.h"

#include <limits.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

bool tok_store_crypt_random(void *out, size_t len)
{
	return len <= INT_MAX && RAND_bytes(out, (int)len) == 1;
}

bool tok_store_crypt_sha256(const void *data, size_t len, uint8_t out[TOK_STORE_SHA256_LEN])
{
	unsigned int outlen = 0;

	return EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) == 1 &&
	       outlen == TOK_STORE_SHA256_LEN;
}

/* Sets up ctx for AES-256-GCM in the given direction and feeds the aad. */
static bool crypt_gcm_start(EVP_CIPHER_CTX *ctx, int enc, const uint8_t key[32],
                            const uint8_t iv[TOK_STORE_IV_LEN], const void *aad, size_t aadlen)
{
	int outl = 0;

	if (aadlen > INT_MAX)
		return false;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, TOK_STORE_IV_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, enc) != 1)
		return false;
	return aadlen == 0 || EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aadlen) == 1;
}

bool tok_store_crypt_seal(const uint8_t key[32], const uint8_t iv[TOK_STORE_IV_LEN],
                          const void *aad, size_t aadlen, const void *in, size_t len, void *out,
                          uint8_t tag[TOK_STORE_TAG_LEN])
{
	EVP_CIPHER_CTX *ctx;
	int outl = 0, finl = 0;
	bool ok = false;

	if (len > INT_MAX || !(ctx = EVP_CIPHER_CTX_new()))
		return false;
	if (!crypt_gcm_start(ctx, 1, key, iv, aad, aadlen))
		goto out;
	if (len && EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, (unsigned char *)out + outl, &finl) != 1 ||
	    (size_t)outl + (size_t)finl != len)
		goto out;
	ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TOK_STORE_TAG_LEN, tag) == 1;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool tok_store_crypt_open(const uint8_t key[32], const uint8_t iv[TOK_STORE_IV_LEN],
                          const void *aad, size_t aadlen, const void *in, size_t len, void *out,
                          const uint8_t tag[TOK_STORE_TAG_LEN])
{
	uint8_t tagcopy[TOK_STORE_TAG_LEN];
	EVP_CIPHER_CTX *ctx;
	int outl = 0, finl = 0;
	bool ok = false;

	if (len > INT_MAX || !(ctx = EVP_CIPHER_CTX_new()))
		return false;
	for (size_t i = 0; i < sizeof(tagcopy); i++)
		tagcopy[i] = tag[i];
	if (!crypt_gcm_start(ctx, 0, key, iv, aad, aadlen))
		goto out;
	if (len && EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TOK_STORE_TAG_LEN, tagcopy) != 1)
		goto out;
	ok = EVP_CipherFinal_ex(ctx, (unsigned char *)out + outl, &finl) == 1 &&
	     (size_t)outl + (size_t)finl == len;
out:
	if (!ok && len)
		OPENSSL_cleanse(out, len);
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

uint32_t tok_store_crypt_crc32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}
