/*
 * The cryptography of the token store, over OpenSSL's libcrypto: random
 * bytes, SHA-256 and AES-256-GCM (the key derivation of PINs is
 * store_kdf.h, the CRC-32 of index records store_crc.h).  Every function returns false on any
 * failure and never leaves unauthenticated plaintext in its output.
 */
#ifndef TOK_STORE_CRYPT_H
#define TOK_STORE_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOK_STORE_IV_LEN     12 /* GCM nonce */
#define TOK_STORE_TAG_LEN    16 /* GCM tag */
#define TOK_STORE_SHA256_LEN 32

bool tok_store_crypt_random(void *out, size_t len);
bool tok_store_crypt_sha256(const void *data, size_t len, uint8_t out[TOK_STORE_SHA256_LEN]);

/* Encrypts len bytes of in into out (same length), authenticating aad too. */
bool tok_store_crypt_seal(const uint8_t key[32], const uint8_t iv[TOK_STORE_IV_LEN],
                          const void *aad, size_t aadlen, const void *in, size_t len, void *out,
                          uint8_t tag[TOK_STORE_TAG_LEN]);

/*
 * Decrypts and checks the tag.  On failure (wrong key, altered data) out is
 * wiped, so a caller never sees plaintext that failed authentication.  A
 * key used for many messages is better prepared once (store_aead.h).
 */
bool tok_store_crypt_open(const uint8_t key[32], const uint8_t iv[TOK_STORE_IV_LEN],
                          const void *aad, size_t aadlen, const void *in, size_t len, void *out,
                          const uint8_t tag[TOK_STORE_TAG_LEN]);

#endif
