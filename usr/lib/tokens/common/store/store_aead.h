/*
 * A store key prepared for opening many encrypted frames in a row: the
 * AES-256-GCM key schedule is computed once, and each frame then only sets
 * its nonce.  Used where a process loads all private objects at login.
 */
#ifndef TOK_STORE_AEAD_H
#define TOK_STORE_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_crypt.h"

struct tok_store_aead;

/* A prepared copy of key (32 bytes), or NULL when out of memory. */
struct tok_store_aead *tok_store_aead_new(const uint8_t key[32]);
void tok_store_aead_free(struct tok_store_aead *k);

/* As tok_store_crypt_open(), with the prepared key. */
bool tok_store_aead_open(struct tok_store_aead *k, const uint8_t iv[TOK_STORE_IV_LEN],
                         const void *aad, size_t aadlen, const void *in, size_t len, void *out,
                         const uint8_t tag[TOK_STORE_TAG_LEN]);

#endif
