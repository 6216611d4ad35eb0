#include "tpm_call.h"

#include <string.h>

#include "tpm_keys.h"

CK_RV tpm_call_begin(struct tpm_ctx *ctx, struct tpm_call *call)
{
	CK_RV rv;

	memset(call, 0, sizeof(*call));
	call->ctx = ctx;
	call->key = ESYS_TR_NONE;
	rv = tpm_begin(ctx, &call->conn);
	if (rv != CKR_OK)
		return rv;
	rv = tpm_parent_open(&call->conn, &call->parent);
	if (rv != CKR_OK)
		tpm_end(ctx, &call->conn);
	return rv;
}

CK_RV tpm_call_key(struct tpm_ctx *ctx, const CK_BYTE *pub, size_t pub_len, const CK_BYTE *priv,
                   size_t priv_len, struct tpm_call *call)
{
	CK_RV rv = tpm_call_begin(ctx, call);

	if (rv != CKR_OK)
		return rv;
	rv = tpm_keys_load(&call->conn, &call->parent, pub, pub_len, priv, priv_len, &call->key,
	                   &call->pub);
	if (rv == CKR_OK)
		rv = tpm_conn_rv(Esys_TR_SetAuth(call->conn.esys, call->key, &ctx->key_auth));
	if (rv != CKR_OK)
		tpm_call_end(call);
	return rv;
}

void tpm_call_end(struct tpm_call *call)
{
	tpm_conn_flush(&call->conn, &call->key);
	tpm_parent_close(&call->conn, &call->parent);
	tpm_end(call->ctx, &call->conn);
}
