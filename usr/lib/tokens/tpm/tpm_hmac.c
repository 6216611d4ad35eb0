/*
 * HMAC-SHA256 in the TPM with the token's secret keys (see tpm_hmac.h).
 */
#include "tpm_hmac.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tpm_call.h"
#include "tpm_symops.h"

#define HMAC_LEN 32 /* SHA-256 */

struct hmac_op {
	struct tpm_symops_key key;
	CK_ULONG len;  /* bytes of the MAC returned or compared */
	CK_BYTE *data; /* the input so far */
	size_t n, cap;
};

bool tpm_hmac_claims(CK_MECHANISM_TYPE type)
{
	return type == CKM_SHA256_HMAC || type == CKM_SHA256_HMAC_GENERAL;
}

/* The MAC length: CK_MAC_GENERAL_PARAMS, a CK_ULONG, for the general mechanism. */
static CK_RV hmac_len(const CK_MECHANISM *mech, CK_ULONG *len)
{
	if (mech->mechanism == CKM_SHA256_HMAC) {
		*len = HMAC_LEN;
		return mech->pParameter == NULL && mech->ulParameterLen == 0
		           ? CKR_OK
		           : CKR_MECHANISM_PARAM_INVALID;
	}
	if (mech->pParameter == NULL || mech->ulParameterLen != sizeof(CK_ULONG))
		return CKR_MECHANISM_PARAM_INVALID;
	memcpy(len, mech->pParameter, sizeof(*len));
	return *len >= 1 && *len <= HMAC_LEN ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}

CK_RV tpm_hmac_init(struct tpm_ctx *ctx, bool sign, const CK_MECHANISM *mech,
                    const struct os_backend_key *key, void **out)
{
	static const CK_KEY_TYPE types[] = {CKK_GENERIC_SECRET, CKK_SHA256_HMAC};
	CK_MECHANISM_INFO info;
	struct hmac_op *op;
	CK_ULONG len;
	CK_RV rv;

	(void)sign; /* signing and verification keep the same state */
	if (!tpm_hmac_claims(mech->mechanism) ||
	    tpm_mechs_info(&ctx->mechs, mech->mechanism, &info) != CKR_OK)
		return CKR_MECHANISM_INVALID;
	rv = hmac_len(mech, &len);
	if (rv != CKR_OK)
		return rv;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return CKR_HOST_MEMORY;
	op->len = len;
	rv = tpm_symops_key_copy(ctx, key, types, sizeof(types) / sizeof(types[0]), &op->key);
	if (rv != CKR_OK) {
		tpm_hmac_free(op);
		return rv;
	}
	*out = op;
	return CKR_OK;
}

/* Keeps more input; the old buffer is wiped when it grows. */
static CK_RV hmac_append(struct hmac_op *op, const CK_BYTE *in, size_t inlen)
{
	size_t cap = op->cap ? op->cap : 256;
	CK_BYTE *grown;

	if (inlen == 0)
		return CKR_OK;
	if (inlen > SIZE_MAX / 2 - op->n)
		return CKR_DATA_LEN_RANGE;
	if (op->n + inlen > op->cap) {
		while (cap < op->n + inlen)
			cap *= 2;
		grown = OPENSSL_malloc(cap);
		if (grown == NULL)
			return CKR_HOST_MEMORY;
		if (op->n > 0)
			memcpy(grown, op->data, op->n);
		OPENSSL_clear_free(op->data, op->cap);
		op->data = grown;
		op->cap = cap;
	}
	memcpy(op->data + op->n, in, inlen);
	op->n += inlen;
	return CKR_OK;
}

/* TPM2_HMAC of input that fits one buffer. */
static CK_RV hmac_once(struct tpm_call *call, const CK_BYTE *in, size_t n, TPM2B_DIGEST **mac)
{
	TPM2B_MAX_BUFFER buf = {.size = (UINT16)n};
	CK_RV rv;

	if (n > 0)
		memcpy(buf.buffer, in, n);
	rv = tpm_conn_rv(Esys_HMAC(call->conn.esys, call->key, call->parent.session, ESYS_TR_NONE,
	                           ESYS_TR_NONE, &buf, TPM2_ALG_SHA256, mac));
	OPENSSL_cleanse(&buf, sizeof(buf));
	return rv;
}

/* An HMAC sequence over n > chunk bytes: every chunk but the last by TPM2_SequenceUpdate. */
static CK_RV hmac_sequence(struct tpm_call *call, const CK_BYTE *in, size_t n, size_t chunk,
                           TPM2B_DIGEST **mac)
{
	ESYS_CONTEXT *esys = call->conn.esys;
	TPM2B_AUTH auth = {.size = 0};
	TPMT_TK_HASHCHECK *ticket = NULL;
	ESYS_TR seq = ESYS_TR_NONE;
	TPM2B_MAX_BUFFER buf;
	size_t off = 0;
	CK_RV rv;

	rv = tpm_conn_rv(Esys_HMAC_Start(esys, call->key, call->parent.session, ESYS_TR_NONE,
	                                 ESYS_TR_NONE, &auth, TPM2_ALG_SHA256, &seq));
	if (rv == CKR_OK)
		rv = tpm_conn_rv(Esys_TR_SetAuth(esys, seq, &auth));
	for (; rv == CKR_OK && n - off > chunk; off += chunk) {
		buf.size = (UINT16)chunk;
		memcpy(buf.buffer, in + off, chunk);
		rv = tpm_conn_rv(Esys_SequenceUpdate(esys, seq, call->parent.session, ESYS_TR_NONE,
		                                     ESYS_TR_NONE, &buf));
	}
	if (rv == CKR_OK) {
		buf.size = (UINT16)(n - off);
		memcpy(buf.buffer, in + off, n - off);
		rv = tpm_conn_rv(Esys_SequenceComplete(esys, seq, call->parent.session,
		                                       ESYS_TR_NONE, ESYS_TR_NONE, &buf,
		                                       ESYS_TR_RH_NULL, mac, &ticket));
		if (rv == CKR_OK)
			seq = ESYS_TR_NONE; /* the TPM ended the sequence */
	}
	tpm_conn_flush(&call->conn, &seq);
	Esys_Free(ticket);
	OPENSSL_cleanse(&buf, sizeof(buf));
	return rv;
}

/* The MAC of all the input, in one call on the key. */
static CK_RV hmac_compute(struct hmac_op *op, CK_BYTE mac[HMAC_LEN])
{
	size_t chunk = tpm_caps_chunk(&op->key.ctx->caps);
	TPM2B_DIGEST *d = NULL;
	struct tpm_call call;
	CK_RV rv = tpm_symops_call(&op->key, &call);

	if (rv != CKR_OK)
		return rv;
	if (op->n <= chunk)
		rv = hmac_once(&call, op->data, op->n, &d);
	else
		rv = hmac_sequence(&call, op->data, op->n, chunk, &d);
	rv = tpm_call_finish(&call, rv);
	if (rv == CKR_OK && d->size != HMAC_LEN)
		rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK)
		memcpy(mac, d->buffer, HMAC_LEN);
	if (d != NULL)
		OPENSSL_cleanse(d, sizeof(*d));
	Esys_Free(d);
	return rv;
}

CK_RV tpm_hmac_update(void *p, const CK_BYTE *in, CK_ULONG inlen)
{
	return hmac_append(p, in, inlen);
}

CK_RV tpm_hmac_sign_final(void *p, CK_BYTE *out, CK_ULONG *outlen)
{
	struct hmac_op *op = p;
	CK_BYTE mac[HMAC_LEN];
	CK_RV rv;

	if (tpm_symops_out(out, outlen, op->len, &rv))
		return rv;
	rv = hmac_compute(op, mac);
	if (rv == CKR_OK) {
		memcpy(out, mac, op->len);
		*outlen = op->len;
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	return rv;
}

CK_RV tpm_hmac_sign(void *p, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct hmac_op *op = p;
	CK_RV rv;

	if (tpm_symops_out(out, outlen, op->len, &rv))
		return rv;
	rv = hmac_append(op, in, inlen);
	return rv == CKR_OK ? tpm_hmac_sign_final(op, out, outlen) : rv;
}

CK_RV tpm_hmac_verify_final(void *p, const CK_BYTE *sig, CK_ULONG siglen)
{
	struct hmac_op *op = p;
	CK_BYTE mac[HMAC_LEN];
	CK_RV rv;

	if (siglen != op->len)
		return CKR_SIGNATURE_LEN_RANGE;
	rv = hmac_compute(op, mac);
	if (rv == CKR_OK && CRYPTO_memcmp(mac, sig, op->len) != 0)
		rv = CKR_SIGNATURE_INVALID;
	OPENSSL_cleanse(mac, sizeof(mac));
	return rv;
}

CK_RV tpm_hmac_verify(void *p, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                      CK_ULONG siglen)
{
	struct hmac_op *op = p;
	CK_RV rv;

	if (siglen != op->len)
		return CKR_SIGNATURE_LEN_RANGE;
	rv = hmac_append(op, data, len);
	return rv == CKR_OK ? tpm_hmac_verify_final(op, sig, siglen) : rv;
}

void tpm_hmac_free(void *p)
{
	struct hmac_op *op = p;

	if (op == NULL)
		return;
	tpm_symops_key_free(&op->key);
	OPENSSL_clear_free(op->data, op->cap);
	free(op);
}
