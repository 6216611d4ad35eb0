/*
 * Secret keys made in, or given to, the TPM (see tpm_secret.h).
 */
#include "tpm_secret.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tpm_call.h"
#include "tpm_keys.h"

/* Every secret key: bound to this TPM and parent, used with its auth value. */
#define SECRET_ATTRS (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_USERWITHAUTH)

/* Whether the TPM takes AES keys of len bytes. */
static bool secret_aes_len_ok(const struct tpm_ctx *ctx, CK_ULONG len)
{
	return len == 16 || (len == 24 && ctx->caps.aes192) || (len == 32 && ctx->caps.aes256);
}

static bool secret_listed(const struct tpm_ctx *ctx, CK_MECHANISM_TYPE type)
{
	CK_MECHANISM_INFO info;

	return tpm_mechs_info(&ctx->mechs, type, &info) == CKR_OK;
}

static void secret_aes_template(CK_ULONG len, TPM2B_PUBLIC *t)
{
	TPMT_SYM_DEF_OBJECT *sym = &t->publicArea.parameters.symDetail.sym;

	memset(t, 0, sizeof(*t));
	t->publicArea.type = TPM2_ALG_SYMCIPHER;
	t->publicArea.nameAlg = TPM2_ALG_SHA256;
	t->publicArea.objectAttributes =
	    SECRET_ATTRS | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_SIGN_ENCRYPT;
	sym->algorithm = TPM2_ALG_AES;
	sym->keyBits.aes = (TPMI_AES_KEY_BITS)(len * 8);
	sym->mode.aes = TPM2_ALG_NULL;
}

static void secret_hmac_template(TPM2B_PUBLIC *t)
{
	TPMT_KEYEDHASH_SCHEME *scheme = &t->publicArea.parameters.keyedHashDetail.scheme;

	memset(t, 0, sizeof(*t));
	t->publicArea.type = TPM2_ALG_KEYEDHASH;
	t->publicArea.nameAlg = TPM2_ALG_SHA256;
	t->publicArea.objectAttributes = SECRET_ATTRS | TPMA_OBJECT_SIGN_ENCRYPT;
	scheme->scheme = TPM2_ALG_HMAC;
	scheme->details.hmac.hashAlg = TPM2_ALG_SHA256;
}

/* TPM2_Create of t (with value, or made by the TPM) and the blobs set on key. */
static CK_RV secret_create(struct tpm_ctx *ctx, const TPM2B_PUBLIC *t,
                           const TPM2B_SENSITIVE_DATA *value, struct tok_attrs *key)
{
	TPM2B_PUBLIC *out_pub = NULL;
	TPM2B_PRIVATE *out_priv = NULL;
	struct tpm_call call;
	CK_RV rv = tpm_call_begin(ctx, &call);

	if (rv != CKR_OK)
		return rv;
	rv = tpm_keys_create_value(&call, t, value, &out_pub, &out_priv);
	rv = tpm_call_finish(&call, rv);
	if (rv == CKR_OK)
		rv = tpm_keys_private_attrs(out_pub, out_priv, key);
	Esys_Free(out_pub);
	Esys_Free(out_priv);
	return rv;
}

CK_RV tpm_secret_generate(void *p, const CK_MECHANISM *mech, struct tok_attrs *key)
{
	struct tpm_ctx *ctx = p;
	TPM2B_PUBLIC t;
	CK_ULONG len;

	if (ctx == NULL || mech == NULL || key == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!ctx->present)
		return CKR_TOKEN_NOT_PRESENT;
	if ((mech->mechanism != CKM_AES_KEY_GEN && mech->mechanism != CKM_GENERIC_SECRET_KEY_GEN &&
	     mech->mechanism != CKM_SHA256_KEY_GEN) ||
	    !secret_listed(ctx, mech->mechanism))
		return CKR_MECHANISM_INVALID;
	if (mech->pParameter != NULL || mech->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!tok_attrs_get_ulong(key, CKA_VALUE_LEN, &len))
		return CKR_TEMPLATE_INCOMPLETE;
	if (mech->mechanism == CKM_AES_KEY_GEN) {
		if (!secret_aes_len_ok(ctx, len))
			return CKR_KEY_SIZE_RANGE;
		secret_aes_template(len, &t);
	} else {
		/* the TPM makes HMAC keys as long as the digest */
		if (len != 32)
			return CKR_KEY_SIZE_RANGE;
		secret_hmac_template(&t);
	}
	t.publicArea.objectAttributes |= TPMA_OBJECT_SENSITIVEDATAORIGIN;
	return secret_create(ctx, &t, NULL, key);
}

/* The template for a key of this type and value length given in clear. */
static CK_RV secret_import_template(const struct tpm_ctx *ctx, CK_KEY_TYPE kt, CK_ULONG len,
                                    TPM2B_PUBLIC *t)
{
	if (kt == CKK_AES && secret_listed(ctx, CKM_AES_ECB)) {
		if (!secret_aes_len_ok(ctx, len))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		secret_aes_template(len, t);
		return CKR_OK;
	}
	if ((kt == CKK_GENERIC_SECRET || kt == CKK_SHA256_HMAC) &&
	    secret_listed(ctx, CKM_SHA256_HMAC)) {
		if (len == 0 || len > TPM_SECRET_HMAC_MAX)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		secret_hmac_template(t);
		return CKR_OK;
	}
	return CKR_TEMPLATE_INCONSISTENT;
}

/* What PKCS#11 says of a key given in clear, and what this token makes of it. */
static CK_RV secret_import_flags(struct tok_attrs *key)
{
	CK_RV rv = tok_attrs_set_bool(key, CKA_ALWAYS_SENSITIVE, CK_FALSE);

	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(key, CKA_NEVER_EXTRACTABLE, CK_FALSE);
	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(key, CKA_LOCAL, CK_FALSE);
	return rv;
}

/* The value sent to the TPM: the key, or the digest of an HMAC key longer than a block. */
static CK_RV secret_value(const TPM2B_PUBLIC *t, const CK_ATTRIBUTE *v, TPM2B_SENSITIVE_DATA *out)
{
	unsigned int n = 0;

	memset(out, 0, sizeof(*out));
	if (t->publicArea.type != TPM2_ALG_KEYEDHASH || v->ulValueLen <= TPM_SECRET_HMAC_BLOCK) {
		out->size = (UINT16)v->ulValueLen;
		memcpy(out->buffer, v->pValue, v->ulValueLen);
		return CKR_OK;
	}
	if (EVP_Digest(v->pValue, v->ulValueLen, out->buffer, &n, EVP_sha256(), NULL) != 1)
		return CKR_FUNCTION_FAILED;
	out->size = (UINT16)n;
	return CKR_OK;
}

CK_RV tpm_secret_import(struct tpm_ctx *ctx, struct tok_attrs *key)
{
	const CK_ATTRIBUTE *v = tok_attrs_find(key, CKA_VALUE);
	TPM2B_SENSITIVE_DATA value;
	TPM2B_PUBLIC t;
	CK_KEY_TYPE kt;
	CK_RV rv;

	if (ctx == NULL || key == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!ctx->present)
		return CKR_TOKEN_NOT_PRESENT;
	if (!tok_attrs_get_ulong(key, CKA_KEY_TYPE, &kt))
		return CKR_TEMPLATE_INCOMPLETE;
	if (v == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	rv = secret_import_template(ctx, kt, v->ulValueLen, &t);
	if (rv != CKR_OK)
		return rv;
	rv = secret_value(&t, v, &value);
	if (rv == CKR_OK)
		rv = secret_create(ctx, &t, &value, key);
	OPENSSL_cleanse(&value, sizeof(value));
	if (rv == CKR_OK)
		rv = secret_import_flags(key);
	if (rv == CKR_OK)
		tok_attrs_remove(key, CKA_VALUE);
	return rv;
}

CK_RV tpm_secret_adopt(struct tpm_ctx *ctx, struct tok_attrs *key)
{
	if (!tok_attrs_get_bool(key, CKA_SENSITIVE, CK_FALSE) &&
	    tok_attrs_get_bool(key, CKA_EXTRACTABLE, CK_TRUE))
		return CKR_OK;
	return tpm_secret_import(ctx, key);
}
