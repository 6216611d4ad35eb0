/*
 * The key derivation of the token store's PINs: PBKDF2-HMAC-SHA512, split
 * into lanes that run in parallel (as scrypt's p or Argon2's lanes).
 *
 * With L lanes and a total iteration count N, lane i (i = 1..L) computes
 * PBKDF2-HMAC-SHA512(PIN, salt || byte i, ceil(N / L), 64 bytes), and the
 * key is the first 32 bytes of SHA-512(lane 1 || lane 2 || ... || lane L).
 * An attacker pays at least N iterations per guess whatever L is; a defender
 * with L CPUs waits about N / L.  With L = 1 the key is exactly
 * PBKDF2-HMAC-SHA512(PIN, salt, N, 32 bytes).
 */
#ifndef TOK_STORE_KDF_H
#define TOK_STORE_KDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOK_STORE_KDF_KEY_LEN   32
#define TOK_STORE_KDF_MAX_LANES 4
#define TOK_STORE_KDF_LANES     2 /* for PINs set from now on */

/* Whether L = lanes is 1..TOK_STORE_KDF_MAX_LANES and N = iterations >= L. */
bool tok_store_kdf_params_valid(uint32_t iterations, uint32_t lanes);

/*
 * PBKDF2-HMAC-SHA512 (RFC 8018) of pin and salt into outlen bytes of out,
 * the same bytes as OpenSSL's PKCS5_PBKDF2_HMAC.  iterations must be at
 * least 1; pin and salt may be NULL when their length is 0.
 */
bool tok_store_kdf_pbkdf2(const void *pin, size_t pinlen, const uint8_t *salt, size_t saltlen,
                          uint32_t iterations, uint8_t *out, size_t outlen);

/*
 * The key of a PIN with lanes lanes and iterations iterations in total, as
 * the top of this file describes.  Lanes 2..L each run on a thread of their
 * own while the calling thread computes lane 1; a lane whose thread cannot
 * be created is computed on the calling thread, with the same result.
 * False for parameters tok_store_kdf_params_valid refuses.
 */
bool tok_store_kdf_derive(const void *pin, size_t pinlen, const uint8_t *salt, size_t saltlen,
                          uint32_t iterations, uint32_t lanes, uint8_t key[TOK_STORE_KDF_KEY_LEN]);

/* The same, on at most threads threads in all (the calling one included):
 * 1 computes every lane on the calling thread, with the same result. */
bool tok_store_kdf_derive_threads(const void *pin, size_t pinlen, const uint8_t *salt,
                                  size_t saltlen, uint32_t iterations, uint32_t lanes,
                                  unsigned threads, uint8_t key[TOK_STORE_KDF_KEY_LEN]);

#endif
