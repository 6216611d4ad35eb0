/*
 * Prepared AES-256-GCM decryption keys of the token store (see
 * store_aead.h).  One OpenSSL cipher context holds the key; every frame
 * re-initialises it with its own nonce only, which keeps the key schedule.
 */
#include "store_aead.h"

#include <limits.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

struct tok_store_aead {
	EVP_CIPHER_CTX *ctx;
};

struct tok_store_aead *tok_store_aead_new(const uint8_t key[32])
{
	struct tok_store_aead *k = calloc(1, sizeof(*k));

	if (!k || !(k->ctx = EVP_CIPHER_CTX_new()))
		goto fail;
	if (EVP_DecryptInit_ex(k->ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_GCM_SET_IVLEN, TOK_STORE_IV_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(k->ctx, NULL, NULL, key, NULL) != 1)
		goto fail;
	return k;
fail:
	tok_store_aead_free(k);
	return NULL;
}

void tok_store_aead_free(struct tok_store_aead *k)
{
	if (!k)
		return;
	EVP_CIPHER_CTX_free(k->ctx); /* also clears the key schedule */
	free(k);
}

bool tok_store_aead_open(struct tok_store_aead *k, const uint8_t iv[TOK_STORE_IV_LEN],
                         const void *aad, size_t aadlen, const void *in, size_t len, void *out,
                         const uint8_t tag[TOK_STORE_TAG_LEN])
{
	uint8_t tagcopy[TOK_STORE_TAG_LEN];
	int aadl = 0, outl = 0, finl = 0;
	bool ok = false;

	if (len > INT_MAX || aadlen > INT_MAX)
		return false;
	for (size_t i = 0; i < sizeof(tagcopy); i++)
		tagcopy[i] = tag[i];
	if (EVP_DecryptInit_ex(k->ctx, NULL, NULL, NULL, iv) != 1 ||
	    (aadlen && EVP_DecryptUpdate(k->ctx, NULL, &aadl, aad, (int)aadlen) != 1))
		goto out;
	/* outl counts the body alone: an empty body decrypts to nothing. */
	if (len && EVP_DecryptUpdate(k->ctx, out, &outl, in, (int)len) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_GCM_SET_TAG, TOK_STORE_TAG_LEN, tagcopy) != 1)
		goto out;
	ok = EVP_DecryptFinal_ex(k->ctx, (unsigned char *)out + outl, &finl) == 1 &&
	     (size_t)outl + (size_t)finl == len;
out:
	if (!ok && len)
		OPENSSL_cleanse(out, len);
	return ok;
}
