/*
 * The soft backend's KDF family (see kdf.h): the mechanism table, the
 * KDF algorithms fetched once per process, the output rules the KDF
 * mechanisms share, HKDF, and the X9.63 KDF that ECDH applies.
 *
 * HKDF (RFC 5869) follows PKCS#11 3.0: CK_HKDF_PARAMS picks extract,
 * expand or both; the salt is absent (the RFC's zero salt), given as data,
 * or the value of a second key that the common layer has resolved and
 * checked for CKA_DERIVE.  The base key is a CKK_GENERIC_SECRET or
 * CKK_HKDF key.  CKM_HKDF_DATA makes a data object instead of a key.
 */
#include "kdf.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>

#include "asym.h"
#include "digest.h"
#include "secret.h"

static const char *const kdf_names[SOFT_KDF_COUNT] = {
    [SOFT_KDF_HKDF] = "HKDF",
    [SOFT_KDF_PBKDF2] = "PBKDF2",
    [SOFT_KDF_KBKDF] = "KBKDF",
    [SOFT_KDF_X963] = "X963KDF",
};

/* The one state of this file: the KDFs fetched so far, published with a compare-and-swap. */
static struct {
	EVP_KDF *kdf[SOFT_KDF_COUNT];
} kdf_cache;

static EVP_KDF *kdf_fetch(enum soft_kdf which)
{
	EVP_KDF *kdf = __atomic_load_n(&kdf_cache.kdf[which], __ATOMIC_ACQUIRE);
	EVP_KDF *expected = NULL;

	if (kdf)
		return kdf;
	kdf = EVP_KDF_fetch(NULL, kdf_names[which], NULL);
	if (!kdf)
		return NULL;
	if (!__atomic_compare_exchange_n(&kdf_cache.kdf[which], &expected, kdf, false,
	                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		EVP_KDF_free(kdf);
		kdf = expected;
	}
	return kdf;
}

/* As fetch.c: nothing is freed once OpenSSL has cleaned itself up at exit. */
__attribute__((destructor)) static void kdf_unload(void)
{
	bool alive = false;

	for (size_t i = 0; i < SOFT_KDF_COUNT; i++) {
		if (!kdf_cache.kdf[i])
			continue;
		if (!alive && OPENSSL_init_crypto(0, NULL) != 1)
			return;
		alive = true;
		EVP_KDF_free(kdf_cache.kdf[i]);
		kdf_cache.kdf[i] = NULL;
	}
}

CK_RV soft_kdf_run(enum soft_kdf which, const OSSL_PARAM *params, CK_BYTE *out, size_t len)
{
	EVP_KDF *kdf = kdf_fetch(which);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int ok = ctx && EVP_KDF_derive(ctx, out, len, params) == 1;

	EVP_KDF_CTX_free(ctx);
	return ok ? CKR_OK : soft_ossl_fail();
}

CK_RV soft_kdf_x963(const char *digest, const CK_BYTE *z, size_t zlen, const CK_BYTE *info,
                    size_t infolen, CK_BYTE *out, size_t len)
{
	OSSL_PARAM params[4], *q = params;

	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, zlen);
	if (infolen)
		*q++ =
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, infolen);
	*q = OSSL_PARAM_construct_end();
	return soft_kdf_run(SOFT_KDF_X963, params, out, len);
}

CK_RV soft_kdf_out_len(const struct tok_attrs *obj, CK_ULONG dflt, CK_ULONG *len)
{
	CK_ULONG want = soft_asym_secret_len(obj);

	if (tok_attrs_get_ulong(obj, CKA_VALUE_LEN, len) && *len == 0)
		return CKR_TEMPLATE_INCONSISTENT;
	*len = want ? want : dflt;
	if (*len == 0)
		return CKR_TEMPLATE_INCOMPLETE;
	return *len >= 1 && *len <= SOFT_KDF_OUT_MAX ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
}

CK_RV soft_kdf_set_value(struct tok_attrs *obj, const CK_BYTE *val, CK_ULONG len)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_GENERIC_SECRET;

	tok_attrs_get_ulong(obj, CKA_CLASS, &cls);
	if (cls == CKO_DATA)
		return tok_attrs_set(obj, CKA_VALUE, val, len);
	tok_attrs_get_ulong(obj, CKA_KEY_TYPE, &type);
	if ((type == CKK_GENERIC_SECRET || type == CKK_HKDF || soft_digest_by_key_type(type)) &&
	    len > SOFT_SECRET_MAX)
		return CKR_TEMPLATE_INCONSISTENT;
	return soft_asym_set_secret(obj, val, len);
}

/* The digest of CK_HKDF_PARAMS.prfHashMechanism, or NULL. */
static const struct soft_digest_info *kdf_hkdf_digest(CK_MECHANISM_TYPE mech)
{
	const struct soft_digest_info *d = soft_digest_find(mech);

	return d && d->digest == mech ? d : NULL;
}

/* The salt of the extract step: NULL/0 for CKF_HKDF_SALT_NULL. */
static CK_RV kdf_hkdf_salt(const CK_HKDF_PARAMS *p, const struct os_backend_key *salt_key,
                           const CK_BYTE **salt, CK_ULONG *len)
{
	CK_KEY_TYPE type;

	*salt = NULL;
	*len = 0;
	switch (p->ulSaltType) {
	case CKF_HKDF_SALT_NULL:
		return CKR_OK;
	case CKF_HKDF_SALT_DATA:
		if (!p->pSalt || p->ulSaltLen == 0)
			return CKR_MECHANISM_PARAM_INVALID;
		*salt = p->pSalt;
		*len = p->ulSaltLen;
		return CKR_OK;
	case CKF_HKDF_SALT_KEY:
		if (!salt_key)
			return CKR_MECHANISM_PARAM_INVALID;
		return soft_secret_get(salt_key->attrs, &type, salt, len);
	}
	return CKR_MECHANISM_PARAM_INVALID;
}

/* The HKDF mode and output length the parameters and the template ask for. */
static CK_RV kdf_hkdf_mode(const CK_HKDF_PARAMS *p, const struct soft_digest_info *d,
                           const struct tok_attrs *obj, int *mode, CK_ULONG *len)
{
	CK_RV rv = soft_kdf_out_len(obj, d->size, len);

	if (rv != CKR_OK)
		return rv;
	if (p->bExtract && !p->bExpand) {
		*mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
		return *len == d->size ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
	}
	*mode = p->bExtract ? EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND : EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	return *len <= 255 * d->size ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
}

/* Checks CK_HKDF_PARAMS apart from the salt. */
static CK_RV kdf_hkdf_params(const CK_MECHANISM *mech, const CK_HKDF_PARAMS **p,
                             const struct soft_digest_info **d)
{
	CK_RV rv = soft_secret_param(mech, sizeof(**p), (const void **)p);

	if (rv != CKR_OK)
		return rv;
	if ((!(*p)->bExtract && !(*p)->bExpand) || ((*p)->ulInfoLen && !(*p)->pInfo) ||
	    (*p)->ulInfoLen > TOK_ATTRS_MAX_VALUE || (*p)->ulSaltLen > TOK_ATTRS_MAX_VALUE)
		return CKR_MECHANISM_PARAM_INVALID;
	*d = kdf_hkdf_digest((*p)->prfHashMechanism);
	return *d ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}

/* The base key's value: a generic secret or HKDF key. */
static CK_RV kdf_hkdf_base(const struct os_backend_key *base, const CK_BYTE **val, CK_ULONG *len)
{
	CK_KEY_TYPE type;
	CK_RV rv = soft_secret_get(base->attrs, &type, val, len);

	if (rv == CKR_OK && type != CKK_GENERIC_SECRET && type != CKK_HKDF)
		rv = CKR_KEY_TYPE_INCONSISTENT;
	return rv;
}

static CK_RV kdf_hkdf_derive(const CK_MECHANISM *mech, const struct os_backend_key *base,
                             const struct os_backend_key *salt_key, struct tok_attrs *obj)
{
	const CK_HKDF_PARAMS *p;
	const struct soft_digest_info *d;
	const CK_BYTE *ikm, *salt = NULL;
	CK_ULONG ikmlen, saltlen = 0, len;
	CK_BYTE out[SOFT_KDF_OUT_MAX];
	OSSL_PARAM params[6], *q = params;
	int mode;
	CK_RV rv = kdf_hkdf_params(mech, &p, &d);

	if (rv == CKR_OK)
		rv = kdf_hkdf_base(base, &ikm, &ikmlen);
	if (rv == CKR_OK && p->bExtract)
		rv = kdf_hkdf_salt(p, salt_key, &salt, &saltlen);
	if (rv == CKR_OK)
		rv = kdf_hkdf_mode(p, d, obj, &mode, &len);
	if (rv != CKR_OK)
		return rv;
	if (mode == EVP_KDF_HKDF_MODE_EXPAND_ONLY && ikmlen < d->size)
		return CKR_KEY_SIZE_RANGE;
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	                                        (char *)soft_fetch_md_name(d->md), 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen);
	if (saltlen)
		*q++ =
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
	if (p->bExpand && p->ulInfoLen)
		*q++ =
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, p->pInfo, p->ulInfoLen);
	*q = OSSL_PARAM_construct_end();
	rv = soft_kdf_run(SOFT_KDF_HKDF, params, out, len);
	if (rv == CKR_OK)
		rv = soft_kdf_set_value(obj, out, len);
	OPENSSL_cleanse(out, len);
	return rv;
}

static CK_RV kdf_hkdf_key_gen(const CK_MECHANISM *mech, struct tok_attrs *key)
{
	return soft_secret_generate(mech, CKK_HKDF, key);
}

/* Key sizes in bytes. */
const struct soft_mech soft_kdf_mechs[] = {
    {.type = CKM_PKCS5_PBKD2,
     .min_key = 1,
     .max_key = SOFT_SECRET_MAX,
     .flags = CKF_GENERATE,
     .generate = soft_kdf_pbkdf2_generate},
    {.type = CKM_SP800_108_COUNTER_KDF,
     .min_key = 1,
     .max_key = SOFT_SECRET_MAX,
     .flags = CKF_DERIVE,
     .derive = soft_kdf_kbkdf_derive},
    {.type = CKM_HKDF_DERIVE,
     .min_key = 1,
     .max_key = SOFT_SECRET_MAX,
     .flags = CKF_DERIVE,
     .derive_keyed = kdf_hkdf_derive},
    {.type = CKM_HKDF_DATA,
     .min_key = 1,
     .max_key = SOFT_SECRET_MAX,
     .flags = CKF_DERIVE,
     .derive_keyed = kdf_hkdf_derive},
    {.type = CKM_HKDF_KEY_GEN,
     .min_key = 1,
     .max_key = SOFT_SECRET_MAX,
     .flags = CKF_GENERATE,
     .generate = kdf_hkdf_key_gen},
    {.type = CK_UNAVAILABLE_INFORMATION},
};
