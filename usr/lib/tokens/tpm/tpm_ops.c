/*
 * The tpm backend's operation entries (see tpm_ops.h).
 */
#include "tpm_ops.h"

#include <stdlib.h>

#include "tpm_crypt.h"
#include "tpm_sign.h"
#include "tpm_symops.h"
#include "tpm_verify.h"

struct ops_state {
	enum os_backend_op kind;
	bool secret; /* a secret key's mechanism: tpm_symops.h */
	void *impl;
};

CK_RV tpm_ops_init(void *ctx, enum os_backend_op kind, const CK_MECHANISM *mech,
                   const struct os_backend_key *key, void **out)
{
	struct ops_state *op;
	CK_RV rv;

	if (ctx == NULL || mech == NULL || out == NULL)
		return CKR_ARGUMENTS_BAD;
	if (kind != OS_BACKEND_OP_SIGN && kind != OS_BACKEND_OP_VERIFY &&
	    kind != OS_BACKEND_OP_ENCRYPT && kind != OS_BACKEND_OP_DECRYPT)
		return CKR_MECHANISM_INVALID;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return CKR_HOST_MEMORY;
	op->kind = kind;
	op->secret = tpm_symops_claims(mech->mechanism);
	if (op->secret)
		rv = tpm_symops_init(ctx, kind, mech, key, &op->impl);
	else if (kind == OS_BACKEND_OP_SIGN)
		rv = tpm_sign_init(ctx, mech, key, &op->impl);
	else if (kind == OS_BACKEND_OP_VERIFY)
		rv = tpm_verify_init(ctx, mech, key, &op->impl);
	else
		rv = tpm_crypt_init(ctx, kind, mech, key, &op->impl);
	if (rv != CKR_OK) {
		free(op);
		return rv;
	}
	*out = op;
	return CKR_OK;
}

CK_RV tpm_ops_single(void *p, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct ops_state *op = p;

	if (op->secret)
		return tpm_symops_single(op->impl, in, inlen, out, outlen);
	if (op->kind == OS_BACKEND_OP_SIGN)
		return tpm_sign_single(op->impl, in, inlen, out, outlen);
	if (op->kind == OS_BACKEND_OP_VERIFY)
		return CKR_FUNCTION_NOT_SUPPORTED;
	return tpm_crypt_single(op->impl, in, inlen, out, outlen);
}

CK_RV tpm_ops_update(void *p, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct ops_state *op = p;

	if (op->secret)
		return tpm_symops_update(op->impl, in, inlen, out, outlen);
	if (op->kind == OS_BACKEND_OP_SIGN)
		return tpm_sign_update(op->impl, in, inlen, out, outlen);
	if (op->kind == OS_BACKEND_OP_VERIFY)
		return tpm_verify_update(op->impl, in, inlen);
	return CKR_FUNCTION_NOT_SUPPORTED; /* RSA encryption is single-part */
}

CK_RV tpm_ops_final(void *p, CK_BYTE *out, CK_ULONG *outlen)
{
	struct ops_state *op = p;

	if (op->secret)
		return tpm_symops_final(op->impl, out, outlen);
	if (op->kind != OS_BACKEND_OP_SIGN)
		return CKR_FUNCTION_NOT_SUPPORTED;
	return tpm_sign_final(op->impl, out, outlen);
}

CK_RV tpm_ops_verify(void *p, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                     CK_ULONG siglen)
{
	struct ops_state *op = p;

	if (op->secret)
		return tpm_symops_verify(op->impl, data, len, sig, siglen);
	if (op->kind != OS_BACKEND_OP_VERIFY)
		return CKR_FUNCTION_NOT_SUPPORTED;
	return tpm_verify_single(op->impl, data, len, sig, siglen);
}

CK_RV tpm_ops_verify_final(void *p, const CK_BYTE *sig, CK_ULONG siglen)
{
	struct ops_state *op = p;

	if (op->secret)
		return tpm_symops_verify_final(op->impl, sig, siglen);
	if (op->kind != OS_BACKEND_OP_VERIFY)
		return CKR_FUNCTION_NOT_SUPPORTED;
	return tpm_verify_final(op->impl, sig, siglen);
}

void tpm_ops_free(void *p)
{
	struct ops_state *op = p;

	if (op == NULL)
		return;
	if (op->secret)
		tpm_symops_free(op->impl);
	else if (op->kind == OS_BACKEND_OP_SIGN)
		tpm_sign_free(op->impl);
	else if (op->kind == OS_BACKEND_OP_VERIFY)
		tpm_verify_free(op->impl);
	else
		tpm_crypt_free(op->impl);
	free(op);
}
