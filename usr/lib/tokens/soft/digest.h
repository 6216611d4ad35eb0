/*
 * The digests the soft backend knows (digest.c), with the mechanisms and
 * key type that go with each: the digest itself, its HMAC and general-length
 * HMAC, and the generation of keys bound to that HMAC.
 */
#ifndef SOFT_DIGEST_H
#define SOFT_DIGEST_H

#include "soft.h"
#include "fetch.h"

struct soft_digest_info {
	CK_MECHANISM_TYPE digest;       /* CKM_SHA256 */
	CK_MECHANISM_TYPE hmac;         /* CKM_SHA256_HMAC */
	CK_MECHANISM_TYPE hmac_general; /* CKM_SHA256_HMAC_GENERAL */
	CK_MECHANISM_TYPE key_gen;      /* CKM_SHA256_KEY_GEN */
	CK_KEY_TYPE hmac_key;           /* CKK_SHA256_HMAC */
	enum soft_md md;
	CK_ULONG size; /* output bytes */
};

/* The digest one of whose four mechanisms is type, or NULL. */
const struct soft_digest_info *soft_digest_find(CK_MECHANISM_TYPE type);
/* The digest whose HMAC key type is type, or NULL. */
const struct soft_digest_info *soft_digest_by_key_type(CK_KEY_TYPE type);

#endif
