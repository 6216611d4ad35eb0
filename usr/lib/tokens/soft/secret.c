/*
 * Secret keys of the soft backend: their values, the parameter checks the
 * secret-key mechanisms share, and the making of new values by generation,
 * unwrapping and C_CreateObject.  The attribute rules of the common layer
 * have run before any of this; what is checked here is what depends on the
 * key type: the length of the value.
 */
#include "secret.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "digest.h"

CK_RV soft_secret_no_param(const CK_MECHANISM *mech)
{
	return mech->ulParameterLen == 0 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}

CK_RV soft_secret_param(const CK_MECHANISM *mech, size_t size, const void **param)
{
	if (!mech->pParameter || mech->ulParameterLen != size)
		return CKR_MECHANISM_PARAM_INVALID;
	*param = mech->pParameter;
	return CKR_OK;
}

CK_RV soft_secret_mac_len(const CK_MECHANISM *mech, bool general, CK_ULONG full, CK_ULONG *len)
{
	const soft_mac_general_params *want;
	CK_RV rv;

	if (!general) {
		*len = full;
		return soft_secret_no_param(mech);
	}
	rv = soft_secret_param(mech, sizeof(*want), (const void **)&want);
	if (rv != CKR_OK)
		return rv;
	if (*want < 1 || *want > full)
		return CKR_MECHANISM_PARAM_INVALID;
	*len = *want;
	return CKR_OK;
}

CK_RV soft_secret_get(const struct tok_attrs *attrs, CK_KEY_TYPE *type, const CK_BYTE **val,
                      CK_ULONG *len)
{
	CK_OBJECT_CLASS cls;
	const CK_ATTRIBUTE *v;

	if (!attrs || !tok_attrs_get_ulong(attrs, CKA_CLASS, &cls) || cls != CKO_SECRET_KEY ||
	    !tok_attrs_get_ulong(attrs, CKA_KEY_TYPE, type))
		return CKR_KEY_TYPE_INCONSISTENT;
	v = tok_attrs_find(attrs, CKA_VALUE);
	if (!v || v->ulValueLen == 0 || !v->pValue)
		return CKR_KEY_SIZE_RANGE;
	*val = v->pValue;
	*len = v->ulValueLen;
	return CKR_OK;
}

/* The one length of a DES-family key type (which has no CKA_VALUE_LEN), or 0. */
static CK_ULONG secret_fixed_len(CK_KEY_TYPE type)
{
	switch (type) {
	case CKK_DES:
		return 8;
	case CKK_DES2:
		return 16;
	case CKK_DES3:
		return 24;
	}
	return 0;
}

bool soft_secret_len_ok(CK_KEY_TYPE type, CK_ULONG len)
{
	if (secret_fixed_len(type))
		return len == secret_fixed_len(type);
	if (type == CKK_AES)
		return len == 16 || len == 24 || len == 32;
	if (type == CKK_GENERIC_SECRET || type == CKK_HKDF || soft_digest_by_key_type(type))
		return len >= 1 && len <= SOFT_SECRET_MAX;
	return false;
}

static bool secret_type_known(CK_KEY_TYPE type)
{
	return type == CKK_AES || type == CKK_GENERIC_SECRET || type == CKK_HKDF ||
	       soft_digest_by_key_type(type) || secret_fixed_len(type);
}

/* Sets CKA_VALUE and, for the key types that have it, CKA_VALUE_LEN. */
static CK_RV secret_set(struct tok_attrs *key, CK_KEY_TYPE type, const CK_BYTE *val, CK_ULONG len)
{
	CK_RV rv = tok_attrs_set(key, CKA_VALUE, val, len);

	if (rv == CKR_OK && !secret_fixed_len(type))
		rv = tok_attrs_set_ulong(key, CKA_VALUE_LEN, len);
	return rv;
}

CK_RV soft_secret_generate(const CK_MECHANISM *mech, CK_KEY_TYPE type, struct tok_attrs *key)
{
	CK_BYTE val[SOFT_SECRET_MAX];
	CK_KEY_TYPE given;
	CK_ULONG len;
	CK_RV rv;

	if (soft_secret_no_param(mech) != CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	if (tok_attrs_get_ulong(key, CKA_KEY_TYPE, &given) && given != type)
		return CKR_TEMPLATE_INCONSISTENT;
	if (!tok_attrs_get_ulong(key, CKA_VALUE_LEN, &len))
		return CKR_TEMPLATE_INCOMPLETE;
	if (!soft_secret_len_ok(type, len))
		return CKR_KEY_SIZE_RANGE;
	if (RAND_priv_bytes(val, (int)len) != 1)
		return soft_ossl_fail();
	rv = secret_set(key, type, val, len);
	OPENSSL_cleanse(val, len);
	return rv;
}

CK_RV soft_secret_unwrapped(struct tok_attrs *key, const CK_BYTE *val, CK_ULONG len)
{
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	CK_ULONG want;

	if (!tok_attrs_get_ulong(key, CKA_CLASS, &cls) || cls != CKO_SECRET_KEY ||
	    !tok_attrs_get_ulong(key, CKA_KEY_TYPE, &type) || !secret_type_known(type))
		return CKR_TEMPLATE_INCONSISTENT;
	if (secret_fixed_len(type) && len >= secret_fixed_len(type))
		len = secret_fixed_len(type); /* ECB and CBC wrapping pad with zero bytes */
	else if (tok_attrs_get_ulong(key, CKA_VALUE_LEN, &want)) {
		if (!soft_secret_len_ok(type, want))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (want > len)
			return CKR_TEMPLATE_INCONSISTENT;
		len = want;
	}
	if (!soft_secret_len_ok(type, len))
		return CKR_WRAPPED_KEY_LEN_RANGE;
	return secret_set(key, type, val, len);
}

/*
 * C_CreateObject of a secret key: the value must suit the key type, and
 * CKA_VALUE_LEN is set from it.  Objects of other classes, and secret keys
 * of types this backend does not know, are left alone.
 */
CK_RV soft_secret_check_key(struct tok_attrs *key)
{
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	const CK_ATTRIBUTE *v;

	if (!key || !tok_attrs_get_ulong(key, CKA_CLASS, &cls) || cls != CKO_SECRET_KEY ||
	    !tok_attrs_get_ulong(key, CKA_KEY_TYPE, &type) || !secret_type_known(type))
		return CKR_OK;
	v = tok_attrs_find(key, CKA_VALUE);
	if (!v)
		return CKR_TEMPLATE_INCOMPLETE;
	if (!soft_secret_len_ok(type, v->ulValueLen))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (secret_fixed_len(type))
		return CKR_OK;
	return tok_attrs_set_ulong(key, CKA_VALUE_LEN, v->ulValueLen);
}
