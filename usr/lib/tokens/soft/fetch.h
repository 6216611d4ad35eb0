/*
 * The OpenSSL algorithms of the soft backend's symmetric mechanisms and
 * digests, fetched once per process (fetch.c).
 *
 * Each getter returns the algorithm, fetched from the default library
 * context on first use and kept for later calls, or NULL when OpenSSL does
 * not offer it (the error queue is then cleared).  The returned pointer
 * stays valid until the backend is unloaded; callers never free it.
 */
#ifndef SOFT_FETCH_H
#define SOFT_FETCH_H

#include <stddef.h>

#include <openssl/evp.h>

enum soft_md {
	SOFT_MD_SHA1,
	SOFT_MD_SHA224,
	SOFT_MD_SHA256,
	SOFT_MD_SHA384,
	SOFT_MD_SHA512,
	SOFT_MD_SHA3_224,
	SOFT_MD_SHA3_256,
	SOFT_MD_SHA3_384,
	SOFT_MD_SHA3_512,
	SOFT_MD_COUNT,
};

enum soft_aes_mode {
	SOFT_AES_ECB,
	SOFT_AES_CBC,
	SOFT_AES_CTR,
	SOFT_AES_GCM,
	SOFT_AES_CCM,
	SOFT_AES_WRAP,
	SOFT_AES_WRAP_PAD,
	SOFT_AES_MODE_COUNT,
};

enum soft_mac {
	SOFT_MAC_HMAC,
	SOFT_MAC_CMAC,
	SOFT_MAC_COUNT,
};

const EVP_MD *soft_fetch_md(enum soft_md md);
/* The OpenSSL name of a digest, as the HMAC "digest" parameter takes it. */
const char *soft_fetch_md_name(enum soft_md md);

/* AES in mode with a key of keylen bytes (16, 24 or 32; anything else gives NULL). */
const EVP_CIPHER *soft_fetch_aes(enum soft_aes_mode mode, size_t keylen);
/* The OpenSSL name of that cipher, as the CMAC "cipher" parameter takes it. */
const char *soft_fetch_aes_name(enum soft_aes_mode mode, size_t keylen);

EVP_MAC *soft_fetch_mac(enum soft_mac mac);

#endif
