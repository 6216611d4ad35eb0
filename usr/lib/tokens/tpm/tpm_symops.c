/*
 * Operations with the token's secret keys (see tpm_symops.h).
 */
#include "tpm_symops.h"

#include <stdlib.h>

#include <openssl/crypto.h>

#include "tpm_aes.h"
#include "tpm_call.h"
#include "tpm_hmac.h"
#include "tpm_keys.h"

struct symops_state {
	enum os_backend_op kind; /* encrypt, decrypt: AES; sign, verify: HMAC */
	void *impl;
};

static CK_RV symops_blob(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_BYTE **out,
                         size_t *len)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(a, type);

	if (at == NULL || at->ulValueLen == 0)
		return CKR_KEY_TYPE_INCONSISTENT;
	*out = OPENSSL_memdup(at->pValue, at->ulValueLen);
	*len = at->ulValueLen;
	return *out != NULL ? CKR_OK : CKR_HOST_MEMORY;
}

CK_RV tpm_symops_key_copy(struct tpm_ctx *ctx, const struct os_backend_key *key,
                          const CK_KEY_TYPE *types, size_t n, struct tpm_symops_key *out)
{
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE kt;
	size_t i;
	CK_RV rv;

	out->ctx = ctx;
	if (key == NULL || !tok_attrs_get_ulong(key->attrs, CKA_CLASS, &cls) ||
	    cls != CKO_SECRET_KEY || !tok_attrs_get_ulong(key->attrs, CKA_KEY_TYPE, &kt))
		return CKR_KEY_TYPE_INCONSISTENT;
	for (i = 0; i < n && types[i] != kt; i++)
		;
	if (i == n)
		return CKR_KEY_TYPE_INCONSISTENT;
	rv = symops_blob(key->attrs, TPM_KEYS_CKA_PUBLIC, &out->pub, &out->pub_len);
	if (rv == CKR_OK)
		rv = symops_blob(key->attrs, TPM_KEYS_CKA_PRIVATE, &out->priv, &out->priv_len);
	return rv;
}

void tpm_symops_key_free(struct tpm_symops_key *k)
{
	OPENSSL_free(k->pub);
	OPENSSL_free(k->priv);
	k->pub = k->priv = NULL;
}

CK_RV tpm_symops_call(const struct tpm_symops_key *k, struct tpm_call *call)
{
	return tpm_call_key(k->ctx, k->pub, k->pub_len, k->priv, k->priv_len, call);
}

bool tpm_symops_out(CK_BYTE *out, CK_ULONG *outlen, CK_ULONG need, CK_RV *rv)
{
	if (out != NULL && *outlen >= need)
		return false;
	*rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
	*outlen = need;
	return true;
}

bool tpm_symops_claims(CK_MECHANISM_TYPE type)
{
	return tpm_aes_claims(type) || tpm_hmac_claims(type);
}

CK_RV tpm_symops_init(struct tpm_ctx *ctx, enum os_backend_op kind, const CK_MECHANISM *mech,
                      const struct os_backend_key *key, void **out)
{
	struct symops_state *op;
	CK_RV rv;

	if (tpm_aes_claims(mech->mechanism) && kind != OS_BACKEND_OP_ENCRYPT &&
	    kind != OS_BACKEND_OP_DECRYPT)
		return CKR_MECHANISM_INVALID;
	if (tpm_hmac_claims(mech->mechanism) && kind != OS_BACKEND_OP_SIGN &&
	    kind != OS_BACKEND_OP_VERIFY)
		return CKR_MECHANISM_INVALID;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return CKR_HOST_MEMORY;
	op->kind = kind;
	if (tpm_aes_claims(mech->mechanism))
		rv = tpm_aes_init(ctx, kind == OS_BACKEND_OP_ENCRYPT, mech, key, &op->impl);
	else
		rv = tpm_hmac_init(ctx, kind == OS_BACKEND_OP_SIGN, mech, key, &op->impl);
	if (rv != CKR_OK) {
		free(op);
		return rv;
	}
	*out = op;
	return CKR_OK;
}

static bool symops_aes(const struct symops_state *op)
{
	return op->kind == OS_BACKEND_OP_ENCRYPT || op->kind == OS_BACKEND_OP_DECRYPT;
}

CK_RV tpm_symops_single(void *p, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct symops_state *op = p;

	if (outlen == NULL || (in == NULL && inlen > 0))
		return CKR_ARGUMENTS_BAD;
	if (symops_aes(op))
		return tpm_aes_single(op->impl, in, inlen, out, outlen);
	if (op->kind == OS_BACKEND_OP_SIGN)
		return tpm_hmac_sign(op->impl, in, inlen, out, outlen);
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV tpm_symops_update(void *p, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct symops_state *op = p;

	if (in == NULL && inlen > 0)
		return CKR_ARGUMENTS_BAD;
	if (!symops_aes(op))
		return tpm_hmac_update(op->impl, in, inlen);
	if (outlen == NULL)
		return CKR_ARGUMENTS_BAD;
	return tpm_aes_update(op->impl, in, inlen, out, outlen);
}

CK_RV tpm_symops_final(void *p, CK_BYTE *out, CK_ULONG *outlen)
{
	struct symops_state *op = p;

	if (outlen == NULL)
		return CKR_ARGUMENTS_BAD;
	if (symops_aes(op))
		return tpm_aes_final(op->impl, out, outlen);
	if (op->kind == OS_BACKEND_OP_SIGN)
		return tpm_hmac_sign_final(op->impl, out, outlen);
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV tpm_symops_verify(void *p, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                        CK_ULONG siglen)
{
	struct symops_state *op = p;

	if (op->kind != OS_BACKEND_OP_VERIFY)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if ((data == NULL && len > 0) || (sig == NULL && siglen > 0))
		return CKR_ARGUMENTS_BAD;
	return tpm_hmac_verify(op->impl, data, len, sig, siglen);
}

CK_RV tpm_symops_verify_final(void *p, const CK_BYTE *sig, CK_ULONG siglen)
{
	struct symops_state *op = p;

	if (op->kind != OS_BACKEND_OP_VERIFY)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (sig == NULL && siglen > 0)
		return CKR_ARGUMENTS_BAD;
	return tpm_hmac_verify_final(op->impl, sig, siglen);
}

void tpm_symops_free(void *p)
{
	struct symops_state *op = p;

	if (op == NULL)
		return;
	if (symops_aes(op))
		tpm_aes_free(op->impl);
	else
		tpm_hmac_free(op->impl);
	free(op);
}
