/*
 * Argon2id for PINs (see store_kdf.h): the parameter limits and one call of
 * libargon2.
 */
#include "store_kdf.h"

#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>

bool tok_store_kdf_params_valid(const struct tok_kdf_params *p)
{
	if (!p || p->p < 1 || p->p > TOK_STORE_KDF_MAX_P)
		return false;
	if (p->t < 1 || p->t > TOK_STORE_KDF_MAX_T)
		return false;
	/* Argon2 needs 8 KiB per lane at least (RFC 9106, section 3.1). */
	return p->m_kib >= 8 * p->p && p->m_kib <= TOK_STORE_KDF_MAX_M_KIB;
}

bool tok_store_kdf_derive(const void *pin, size_t pinlen,
                          const uint8_t salt[TOK_STORE_KDF_SALT_LEN],
                          const struct tok_kdf_params *p, uint8_t key[TOK_STORE_KDF_KEY_LEN])
{
	int rc;

	if (!tok_store_kdf_params_valid(p) || (!pin && pinlen) || pinlen > UINT32_MAX) {
		OPENSSL_cleanse(key, TOK_STORE_KDF_KEY_LEN);
		return false;
	}
	rc = argon2id_hash_raw(p->t, p->m_kib, p->p, pin, pinlen, salt, TOK_STORE_KDF_SALT_LEN, key,
	                       TOK_STORE_KDF_KEY_LEN);
	if (rc != ARGON2_OK) {
		OPENSSL_cleanse(key, TOK_STORE_KDF_KEY_LEN);
		return false;
	}
	return true;
}
