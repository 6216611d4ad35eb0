/*
 * ECDH derivation in the TPM (see tpm_derive.h).
 */
#include "tpm_derive.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>

#include "der.h"
#include "tpm_call.h"
#include "tpm_keys.h"
#include "tpm_secret.h"

/* The TPM's format-one error numbers, without the handle or parameter they name. */
static TSS2_RC derive_tpm_error(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return 0;
	return (rc & TPM2_RC_FMT1) ? rc & (TPM2_RC_FMT1 | 0x3f) : rc & 0xfff;
}

/* CK_ECDH1_DERIVE_PARAMS with CKD_NULL, no shared data and a public value. */
static CK_RV derive_params(const CK_MECHANISM *mech, const CK_ECDH1_DERIVE_PARAMS **p)
{
	*p = mech->pParameter;
	if (*p == NULL || mech->ulParameterLen != sizeof(**p))
		return CKR_MECHANISM_PARAM_INVALID;
	if ((*p)->kdf != CKD_NULL || (*p)->ulSharedDataLen != 0 || (*p)->pPublicData == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

/*
 * The peer's point, uncompressed, either bare (04 || x || y) or in a DER
 * OCTET STRING as CKA_EC_POINT holds it.
 */
static CK_RV derive_peer(const struct tpm_keys_curve *curve, const CK_ECDH1_DERIVE_PARAMS *p,
                         TPM2B_ECC_POINT *q)
{
	const size_t n = curve->bytes;
	const CK_BYTE *v = p->pPublicData;
	size_t len = p->ulPublicDataLen;

	if (len != 1 + 2 * n)
		v = tok_der_octets(v, len, &len);
	if (v == NULL || len != 1 + 2 * n || v[0] != POINT_CONVERSION_UNCOMPRESSED)
		return CKR_MECHANISM_PARAM_INVALID;
	memset(q, 0, sizeof(*q));
	q->point.x.size = (UINT16)n;
	q->point.y.size = (UINT16)n;
	memcpy(q->point.x.buffer, v + 1, n);
	memcpy(q->point.y.buffer, v + 1 + n, n);
	return CKR_OK;
}

/* The base key: an EC private key of the token on a curve it offers. */
static CK_RV derive_base(const struct os_backend_key *base, const struct tpm_keys_curve **curve,
                         const CK_ATTRIBUTE **pub, const CK_ATTRIBUTE **priv)
{
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE kt;

	if (base == NULL || !tok_attrs_get_ulong(base->attrs, CKA_CLASS, &cls) ||
	    cls != CKO_PRIVATE_KEY || !tok_attrs_get_ulong(base->attrs, CKA_KEY_TYPE, &kt) ||
	    kt != CKK_EC)
		return CKR_KEY_TYPE_INCONSISTENT;
	*curve = tpm_keys_curve_by_params(base->attrs);
	*pub = tok_attrs_find(base->attrs, TPM_KEYS_CKA_PUBLIC);
	*priv = tok_attrs_find(base->attrs, TPM_KEYS_CKA_PRIVATE);
	if (*curve == NULL || *pub == NULL || *priv == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	return CKR_OK;
}

/* Z, the x coordinate of the shared point, as n bytes; in the TPM. */
static CK_RV derive_zgen(struct tpm_ctx *ctx, const CK_ATTRIBUTE *pub, const CK_ATTRIBUTE *priv,
                         const TPM2B_ECC_POINT *peer, CK_BYTE *z, size_t n)
{
	struct tpm_call call;
	TPM2B_ECC_POINT *out = NULL;
	TSS2_RC rc, err;
	CK_RV rv =
	    tpm_call_key(ctx, pub->pValue, pub->ulValueLen, priv->pValue, priv->ulValueLen, &call);

	if (rv != CKR_OK)
		return rv;
	rc = Esys_ECDH_ZGen(call.conn.esys, call.key, call.parent.session, ESYS_TR_NONE,
	                    ESYS_TR_NONE, peer, &out);
	tpm_call_finish(&call, tpm_conn_rv(rc));
	err = derive_tpm_error(rc);
	if (err == TPM2_RC_ECC_POINT || err == TPM2_RC_NO_RESULT)
		return CKR_MECHANISM_PARAM_INVALID;
	if (err == TPM2_RC_ATTRIBUTES || err == TPM2_RC_KEY || err == TPM2_RC_SCHEME)
		return CKR_KEY_FUNCTION_NOT_PERMITTED; /* a key made without decrypt */
	rv = tpm_conn_rv(rc);
	if (rv == CKR_OK && out->point.x.size > n)
		rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK) {
		memset(z, 0, n - out->point.x.size);
		memcpy(z + n - out->point.x.size, out->point.x.buffer, out->point.x.size);
	}
	if (out != NULL)
		OPENSSL_cleanse(out, sizeof(*out));
	Esys_Free(out);
	return rv;
}

/* The new key's value: the rightmost CKA_VALUE_LEN bytes of Z, or all of it. */
static CK_RV derive_value(const CK_BYTE *z, size_t n, struct tok_attrs *key)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ULONG len = n;

	tok_attrs_get_ulong(key, CKA_CLASS, &cls);
	tok_attrs_get_ulong(key, CKA_KEY_TYPE, &kt);
	if (!tok_attrs_get_ulong(key, CKA_VALUE_LEN, &len) && kt == CKK_AES)
		len = n < 32 ? n : 32;
	if (cls != CKO_SECRET_KEY || (kt != CKK_GENERIC_SECRET && kt != CKK_AES) || len == 0 ||
	    len > n || (kt == CKK_AES && len != 16 && len != 24 && len != 32))
		return CKR_TEMPLATE_INCONSISTENT;
	return tok_attrs_set(key, CKA_VALUE, z + n - len, len);
}

CK_RV tpm_derive_key(void *p, const CK_MECHANISM *mech, const struct os_backend_key *base,
                     const struct os_backend_key *param_key, struct tok_attrs *key)
{
	struct tpm_ctx *ctx = p;
	const CK_ECDH1_DERIVE_PARAMS *params;
	const struct tpm_keys_curve *curve;
	const CK_ATTRIBUTE *pub, *priv;
	TPM2B_ECC_POINT peer;
	CK_BYTE z[66];
	CK_RV rv;

	if (ctx == NULL || mech == NULL || key == NULL || param_key != NULL)
		return CKR_ARGUMENTS_BAD;
	if (mech->mechanism != CKM_ECDH1_DERIVE ||
	    tpm_mechs_info(&ctx->mechs, mech->mechanism, &(CK_MECHANISM_INFO){0}) != CKR_OK)
		return CKR_MECHANISM_INVALID;
	rv = derive_params(mech, &params);
	if (rv == CKR_OK)
		rv = derive_base(base, &curve, &pub, &priv);
	if (rv == CKR_OK)
		rv = derive_peer(curve, params, &peer);
	if (rv == CKR_OK)
		rv = derive_zgen(ctx, pub, priv, &peer, z, curve->bytes);
	if (rv == CKR_OK)
		rv = derive_value(z, curve->bytes, key);
	OPENSSL_cleanse(z, sizeof(z));
	if (rv == CKR_OK)
		rv = tpm_secret_adopt(ctx, key);
	return rv;
}
