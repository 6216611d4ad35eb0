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

#include "store_aead.h"

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

/* Sets up ctx to encrypt with AES-256-GCM and feeds the aad. */
static bool crypt_seal_start(EVP_CIPHER_CTX *ctx, const uint8_t key[32],
                             const uint8_t iv[TOK_STORE_IV_LEN], const void *aad, size_t aadlen)
{
	int outl = 0;

	if (aadlen > INT_MAX)
		return false;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, TOK_STORE_IV_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) != 1)
		return false;
	return aadlen == 0 || EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aadlen) == 1;
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
	if (!crypt_seal_start(ctx, key, iv, aad, aadlen))
		goto out;
	if (len && EVP_EncryptUpdate(ctx, out, &outl, in, (int)len) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, (unsigned char *)out + outl, &finl) != 1 ||
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
	struct tok_store_aead *k = tok_store_aead_new(key);
	bool ok = k && tok_store_aead_open(k, iv, aad, aadlen, in, len, out, tag);

	tok_store_aead_free(k);
	return ok;
}
