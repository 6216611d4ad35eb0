/*
 * Secret keys unwrapped by the TPM (see tpm_unwrap.h).
 */
#include "tpm_unwrap.h"

#include <openssl/crypto.h>

#include "tpm_crypt.h"
#include "tpm_secret.h"

/* The decryption's errors as those of C_UnwrapKey. */
static CK_RV unwrap_rv(CK_RV rv)
{
	switch (rv) {
	case CKR_ENCRYPTED_DATA_INVALID:
		return CKR_WRAPPED_KEY_INVALID;
	case CKR_ENCRYPTED_DATA_LEN_RANGE:
		return CKR_WRAPPED_KEY_LEN_RANGE;
	case CKR_KEY_TYPE_INCONSISTENT:
		return CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	default:
		return rv;
	}
}

/* The new key's value: all of the plaintext, of a length its type and template allow. */
static CK_RV unwrap_value(const CK_BYTE *v, CK_ULONG len, struct tok_attrs *key)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ULONG want = len;

	tok_attrs_get_ulong(key, CKA_CLASS, &cls);
	tok_attrs_get_ulong(key, CKA_KEY_TYPE, &kt);
	tok_attrs_get_ulong(key, CKA_VALUE_LEN, &want);
	if (cls != CKO_SECRET_KEY || (kt != CKK_GENERIC_SECRET && kt != CKK_AES))
		return CKR_TEMPLATE_INCONSISTENT;
	if (len == 0 || want != len || (kt == CKK_AES && len != 16 && len != 24 && len != 32))
		return CKR_WRAPPED_KEY_INVALID;
	return tok_attrs_set(key, CKA_VALUE, v, len);
}

CK_RV tpm_unwrap_key(void *ctx, const CK_MECHANISM *mech, const struct os_backend_key *unwrapping,
                     const CK_BYTE *in, CK_ULONG inlen, struct tok_attrs *key)
{
	CK_BYTE value[512];
	CK_ULONG len = sizeof(value);
	void *op = NULL;
	CK_RV rv;

	if (ctx == NULL || mech == NULL || key == NULL || (in == NULL && inlen > 0))
		return CKR_ARGUMENTS_BAD;
	rv = tpm_crypt_init(ctx, OS_BACKEND_OP_DECRYPT, mech, unwrapping, &op);
	if (rv == CKR_OK)
		rv = tpm_crypt_single(op, in, inlen, value, &len);
	tpm_crypt_free(op);
	if (rv == CKR_OK)
		rv = unwrap_value(value, len, key);
	OPENSSL_cleanse(value, sizeof(value));
	if (rv == CKR_OK)
		rv = tpm_secret_adopt(ctx, key);
	return unwrap_rv(rv);
}
