/*
 * ECDH key derivation of the soft backend (see ec_derive.h).
 */
#include "ec_derive.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/kdf.h>

#include "asym.h"
#include "ec_keys.h"
#include "kdf.h"

/* Longest value a KDF is asked for. */
#define EC_DERIVED_MAX 1024

/* Checks CK_ECDH1_DERIVE_PARAMS; *kdf is NULL for CKD_NULL. */
static CK_RV ec_derive_params(const CK_MECHANISM *mech, const CK_ECDH1_DERIVE_PARAMS **p,
                              const struct soft_hash **kdf)
{
	CK_RV rv = soft_asym_param(mech, sizeof(**p), (const void **)p);

	if (rv != CKR_OK)
		return rv;
	if (!*p)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!(*p)->pPublicData || (*p)->ulPublicDataLen == 0 ||
	    ((*p)->ulSharedDataLen && !(*p)->pSharedData) ||
	    (*p)->ulSharedDataLen > TOK_ATTRS_MAX_VALUE)
		return CKR_MECHANISM_PARAM_INVALID;
	*kdf = NULL;
	if ((*p)->kdf == CKD_NULL)
		return (*p)->ulSharedDataLen ? CKR_MECHANISM_PARAM_INVALID : CKR_OK;
	*kdf = soft_hash_by_kdf((*p)->kdf);
	return *kdf ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}

/* Z, the shared secret of pkey and peer; a peer OpenSSL refuses is a bad parameter. */
static CK_RV ec_shared_secret(EVP_PKEY *pkey, EVP_PKEY *peer, bool cofactor, CK_BYTE *z,
                              size_t *zlen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	CK_RV rv = CKR_OK;

	if (!ctx || EVP_PKEY_derive_init(ctx) != 1 ||
	    (cofactor && EVP_PKEY_CTX_set_ecdh_cofactor_mode(ctx, 1) != 1))
		rv = soft_ossl_fail();
	else if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) != 1 ||
	         EVP_PKEY_derive(ctx, z, zlen) != 1)
		rv = CKR_MECHANISM_PARAM_INVALID;
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

/* Turns Z into the new key's value. */
static CK_RV ec_derive_value(const struct soft_hash *kdf, const CK_ECDH1_DERIVE_PARAMS *p,
                             const CK_BYTE *z, size_t zlen, struct tok_attrs *key)
{
	CK_BYTE out[EC_DERIVED_MAX];
	CK_ULONG len = soft_asym_secret_len(key);
	CK_RV rv;

	if (len == 0)
		len = zlen;
	if (len > (kdf ? EC_DERIVED_MAX : zlen))
		return CKR_TEMPLATE_INCONSISTENT;
	if (!kdf)
		return soft_asym_set_secret(key, z + zlen - len, len);
	rv = soft_kdf_x963(kdf->name, z, zlen, p->pSharedData, p->ulSharedDataLen, out, len);
	if (rv == CKR_OK)
		rv = soft_asym_set_secret(key, out, len);
	OPENSSL_cleanse(out, len);
	return rv;
}

CK_RV soft_ec_derive(const CK_MECHANISM *mech, const struct os_backend_key *base,
                     struct tok_attrs *key)
{
	bool cofactor = mech->mechanism == CKM_ECDH1_COFACTOR_DERIVE;
	int families = cofactor ? SOFT_EC_WEIERSTRASS : SOFT_EC_WEIERSTRASS | SOFT_EC_MONTGOMERY;
	const CK_ECDH1_DERIVE_PARAMS *p;
	const struct soft_hash *kdf;
	const struct soft_ec_curve *curve;
	CK_BYTE z[SOFT_EC_VALUE_MAX];
	size_t zlen = sizeof(z);
	EVP_PKEY *pkey, *peer;
	CK_RV rv = ec_derive_params(mech, &p, &kdf);

	if (rv != CKR_OK)
		return rv;
	pkey = soft_ec_key_pkey(base, CKO_PRIVATE_KEY, families, &curve, &rv);
	if (!pkey)
		return rv;
	peer = soft_ec_public_pkey(curve, p->pPublicData, p->ulPublicDataLen);
	if (!peer)
		rv = CKR_MECHANISM_PARAM_INVALID;
	else
		rv = ec_shared_secret(pkey, peer, cofactor, z, &zlen);
	EVP_PKEY_free(peer);
	soft_asym_pkey_release(base, pkey);
	if (rv == CKR_OK)
		rv = ec_derive_value(kdf, p, z, zlen, key);
	OPENSSL_cleanse(z, sizeof(z));
	return rv;
}
