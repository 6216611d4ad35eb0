/*
 * Pieces shared by the soft backend's RSA and EC families (see asym.h).
 */
#include "asym.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

struct asym_hash_row {
	struct soft_hash hash;
	const EVP_MD *(*md)(void);
};

/*
 * OpenSSL's static digest objects are used rather than fetched ones: they
 * need no reference kept across the process's life, and OpenSSL caches
 * the provider implementation behind them after the first use.
 */
static const struct asym_hash_row asym_hashes[] = {
    {{CKM_SHA_1, CKG_MGF1_SHA1, CKD_SHA1_KDF, "SHA1", 20}, EVP_sha1},
    {{CKM_SHA224, CKG_MGF1_SHA224, CKD_SHA224_KDF, "SHA2-224", 28}, EVP_sha224},
    {{CKM_SHA256, CKG_MGF1_SHA256, CKD_SHA256_KDF, "SHA2-256", 32}, EVP_sha256},
    {{CKM_SHA384, CKG_MGF1_SHA384, CKD_SHA384_KDF, "SHA2-384", 48}, EVP_sha384},
    {{CKM_SHA512, CKG_MGF1_SHA512, CKD_SHA512_KDF, "SHA2-512", 64}, EVP_sha512},
    {{CKM_SHA3_224, CKG_MGF1_SHA3_224, CKD_SHA3_224_KDF, "SHA3-224", 28}, EVP_sha3_224},
    {{CKM_SHA3_256, CKG_MGF1_SHA3_256, CKD_SHA3_256_KDF, "SHA3-256", 32}, EVP_sha3_256},
    {{CKM_SHA3_384, CKG_MGF1_SHA3_384, CKD_SHA3_384_KDF, "SHA3-384", 48}, EVP_sha3_384},
    {{CKM_SHA3_512, CKG_MGF1_SHA3_512, CKD_SHA3_512_KDF, "SHA3-512", 64}, EVP_sha3_512},
};

#define ASYM_HASH_COUNT (sizeof(asym_hashes) / sizeof(asym_hashes[0]))

const struct soft_hash *soft_hash_by_mech(CK_MECHANISM_TYPE mech)
{
	for (size_t i = 0; i < ASYM_HASH_COUNT; i++)
		if (asym_hashes[i].hash.mech == mech)
			return &asym_hashes[i].hash;
	return NULL;
}

const struct soft_hash *soft_hash_by_mgf(CK_ULONG mgf)
{
	for (size_t i = 0; i < ASYM_HASH_COUNT; i++)
		if (asym_hashes[i].hash.mgf == mgf)
			return &asym_hashes[i].hash;
	return NULL;
}

const struct soft_hash *soft_hash_by_kdf(CK_ULONG kdf)
{
	for (size_t i = 0; i < ASYM_HASH_COUNT; i++)
		if (asym_hashes[i].hash.kdf == kdf)
			return &asym_hashes[i].hash;
	return NULL;
}

const EVP_MD *soft_hash_md(const struct soft_hash *hash)
{
	const struct asym_hash_row *row = (const struct asym_hash_row *)hash;

	return row->md();
}

CK_RV soft_asym_param(const CK_MECHANISM *mech, size_t size, const void **param)
{
	*param = NULL;
	if (mech->ulParameterLen == 0)
		return CKR_OK;
	if (mech->pParameter == NULL || mech->ulParameterLen != size)
		return CKR_MECHANISM_PARAM_INVALID;
	*param = mech->pParameter;
	return CKR_OK;
}

CK_RV soft_asym_no_param(const CK_MECHANISM *mech)
{
	return mech->ulParameterLen == 0 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}

void soft_asym_pkey_release(const struct os_backend_key *key, EVP_PKEY *pkey)
{
	if (!key->cache)
		EVP_PKEY_free(pkey);
}

void soft_asym_params_free(OSSL_PARAM *params)
{
	for (OSSL_PARAM *p = params; p && p->key; p++)
		if (p->data)
			OPENSSL_cleanse(p->data, p->data_size);
	OSSL_PARAM_free(params);
}

bool soft_asym_rsa_too_large(void)
{
	unsigned long err;
	bool found = false;

	while ((err = ERR_get_error()) != 0)
		found |= ERR_GET_LIB(err) == ERR_LIB_RSA &&
		         ERR_GET_REASON(err) == RSA_R_DATA_TOO_LARGE_FOR_MODULUS;
	return found;
}

bool soft_asym_key_kind(const struct tok_attrs *attrs, CK_OBJECT_CLASS *cls, CK_KEY_TYPE *type)
{
	return tok_attrs_get_ulong(attrs, CKA_CLASS, cls) &&
	       tok_attrs_get_ulong(attrs, CKA_KEY_TYPE, type);
}

CK_OBJECT_CLASS soft_asym_class_for(enum os_backend_op kind)
{
	switch (kind) {
	case OS_BACKEND_OP_SIGN:
	case OS_BACKEND_OP_DECRYPT:
	case OS_BACKEND_OP_SIGN_RECOVER:
		return CKO_PRIVATE_KEY;
	default:
		return CKO_PUBLIC_KEY;
	}
}

CK_RV soft_asym_attr_bn(const struct tok_attrs *attrs, CK_ATTRIBUTE_TYPE type, BIGNUM **bn)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(attrs, type);

	*bn = NULL;
	if (!at)
		return CKR_TEMPLATE_INCOMPLETE;
	if (at->ulValueLen == 0 || at->ulValueLen > TOK_ATTRS_MAX_VALUE)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*bn = BN_bin2bn(at->pValue, (int)at->ulValueLen, NULL);
	return *bn ? CKR_OK : CKR_HOST_MEMORY;
}

CK_RV soft_asym_set_bn_param(struct tok_attrs *attrs, CK_ATTRIBUTE_TYPE type, const EVP_PKEY *pkey,
                             const char *name, size_t pad)
{
	BIGNUM *bn = NULL;
	CK_BYTE *buf;
	size_t len;
	CK_RV rv;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
		return soft_ossl_fail();
	len = (size_t)BN_num_bytes(bn);
	if (len < pad)
		len = pad;
	buf = OPENSSL_malloc(len ? len : 1);
	if (!buf) {
		BN_clear_free(bn);
		return CKR_HOST_MEMORY;
	}
	if (BN_bn2binpad(bn, buf, (int)len) < 0)
		rv = soft_ossl_fail();
	else
		rv = tok_attrs_set(attrs, type, buf, len);
	OPENSSL_clear_free(buf, len ? len : 1);
	BN_clear_free(bn);
	return rv;
}

CK_RV soft_asym_set_octets(struct tok_attrs *attrs, CK_ATTRIBUTE_TYPE type, const CK_BYTE *body,
                           size_t len)
{
	CK_BYTE der[4 + 256];
	size_t der_len;

	if (len > sizeof(der) - 4)
		return CKR_GENERAL_ERROR;
	der_len = tok_der_wrap_octets(body, len, der, sizeof(der));
	return der_len ? tok_attrs_set(attrs, type, der, der_len) : CKR_HOST_MEMORY;
}

/* Fixed value lengths of secret key types; 0 for the variable ones. */
static CK_ULONG asym_fixed_len(CK_KEY_TYPE type)
{
	switch (type) {
	case CKK_DES:
		return 8;
	case CKK_DES2:
		return 16;
	case CKK_DES3:
		return 24;
	default:
		return 0;
	}
}

CK_ULONG soft_asym_secret_len(const struct tok_attrs *key)
{
	CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	CK_ULONG len;

	if (tok_attrs_get_ulong(key, CKA_VALUE_LEN, &len))
		return len;
	tok_attrs_get_ulong(key, CKA_KEY_TYPE, &type);
	return asym_fixed_len(type);
}

CK_RV soft_asym_set_secret(struct tok_attrs *key, const CK_BYTE *value, CK_ULONG len)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	CK_ULONG want, fixed;
	CK_RV rv;

	tok_attrs_get_ulong(key, CKA_CLASS, &cls);
	tok_attrs_get_ulong(key, CKA_KEY_TYPE, &type);
	fixed = asym_fixed_len(type);
	if (cls != CKO_SECRET_KEY || len == 0 || (fixed && len != fixed))
		return CKR_TEMPLATE_INCONSISTENT;
	if (type == CKK_AES && len != 16 && len != 24 && len != 32)
		return CKR_TEMPLATE_INCONSISTENT;
	if (tok_attrs_get_ulong(key, CKA_VALUE_LEN, &want) && want != len)
		return CKR_TEMPLATE_INCONSISTENT;
	rv = tok_attrs_set(key, CKA_VALUE, value, len);
	if (rv == CKR_OK && !fixed)
		rv = tok_attrs_set_ulong(key, CKA_VALUE_LEN, len);
	return rv;
}
