/*
 * The key derivation of the token store's PINs: Argon2id (RFC 9106) through
 * libargon2, with the parameters recorded in each master-key file.
 *
 * The key of a PIN is the 32-byte Argon2id tag of the PIN and its salt with
 * the parameters m (KiB), t and p, without secret or associated data, as
 * argon2id_hash_raw computes it.  Parameters
 * read from a file are checked against the limits below before any memory
 * is spent on them, so a planted file cannot make the store allocate
 * gigabytes or spin for hours.
 */
#ifndef TOK_STORE_KDF_H
#define TOK_STORE_KDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define TOK_STORE_KDF_KEY_LEN  32
#define TOK_STORE_KDF_SALT_LEN 16
/* The limits of tok_store_kdf_params_valid. */
#define TOK_STORE_KDF_MAX_M_KIB (4u * 1024 * 1024) /* 4 GiB */
#define TOK_STORE_KDF_MAX_T     1000
#define TOK_STORE_KDF_MAX_P     16

/*
 * Derives the key of pin (pinlen bytes; NULL when 0) with salt
 * (TOK_STORE_KDF_SALT_LEN bytes) and p.  libargon2 runs the p lanes on
 * threads of its own when p > 1.  False for parameters
 * tok_store_kdf_params_valid refuses, or when libargon2 fails (out of
 * memory); key is then wiped.
 */
bool tok_store_kdf_derive(const void *pin, size_t pinlen,
                          const uint8_t salt[TOK_STORE_KDF_SALT_LEN],
                          const struct tok_kdf_params *p, uint8_t key[TOK_STORE_KDF_KEY_LEN]);

#endif
