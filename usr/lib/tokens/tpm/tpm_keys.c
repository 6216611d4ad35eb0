/*
 * Key pairs generated inside the TPM (see tpm_keys.h).
 */
#include "tpm_keys.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <tss2/tss2_mu.h>

#include "der.h"
#include "tpm_call.h"
#include "tpm_der.h"
#include "tpm_parent.h"

static const struct tpm_keys_curve keys_curves[] = {
    {TPM2_ECC_NIST_P256, NID_X9_62_prime256v1, 32, TPM2_ALG_SHA256, "P-256"},
    {TPM2_ECC_NIST_P384, NID_secp384r1, 48, TPM2_ALG_SHA384, "P-384"},
};

const struct tpm_keys_curve *tpm_keys_curve_by_id(TPM2_ECC_CURVE id)
{
	for (size_t i = 0; i < sizeof(keys_curves) / sizeof(keys_curves[0]); i++)
		if (keys_curves[i].id == id)
			return &keys_curves[i];
	return NULL;
}

const struct tpm_keys_curve *tpm_keys_curve_by_params(const struct tok_attrs *a)
{
	const CK_ATTRIBUTE *params = tok_attrs_find(a, CKA_EC_PARAMS);
	int nid;

	if (params == NULL)
		return NULL;
	nid = tok_der_curve_nid(params->pValue, params->ulValueLen);
	for (size_t i = 0; nid > 0 && i < sizeof(keys_curves) / sizeof(keys_curves[0]); i++)
		if (keys_curves[i].nid == nid)
			return &keys_curves[i];
	return NULL;
}

/* What every key of the token is: made in this TPM, under this parent, usable with its auth. */
#define KEYS_ATTRS                                                                          \
	(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
	 TPMA_OBJECT_USERWITHAUTH)

/*
 * RSA keys of 2048 bits, and of 3072 where the TPM takes them; every other
 * size is CKR_KEY_SIZE_RANGE.
 */
static CK_RV keys_rsa_template(const struct tpm_ctx *ctx, const struct tok_attrs *pub,
                               TPM2B_PUBLIC *t)
{
	static const CK_BYTE f4[] = {0x01, 0x00, 0x01};
	const CK_ATTRIBUTE *e = tok_attrs_find(pub, CKA_PUBLIC_EXPONENT);
	CK_ULONG bits;

	if (!tok_attrs_get_ulong(pub, CKA_MODULUS_BITS, &bits))
		return CKR_TEMPLATE_INCOMPLETE;
	if (bits != 2048 && (bits != 3072 || !ctx->caps.rsa_3072))
		return CKR_KEY_SIZE_RANGE;
	/* The TPM makes keys with exponent 65537 only (0 in the template). */
	if (e != NULL && (e->ulValueLen != sizeof(f4) || memcmp(e->pValue, f4, sizeof(f4)) != 0))
		return CKR_TEMPLATE_INCONSISTENT;
	t->publicArea.type = TPM2_ALG_RSA;
	t->publicArea.objectAttributes =
	    KEYS_ATTRS | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT;
	t->publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
	t->publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	t->publicArea.parameters.rsaDetail.keyBits = (TPMI_RSA_KEY_BITS)bits;
	return CKR_OK;
}

static CK_RV keys_ecc_template(const struct tpm_ctx *ctx, const struct tok_attrs *pub,
                               TPM2B_PUBLIC *t)
{
	const struct tpm_keys_curve *curve = tpm_keys_curve_by_params(pub);

	if (tok_attrs_find(pub, CKA_EC_PARAMS) == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if (curve == NULL || !tpm_caps_has_curve(&ctx->caps, curve->id))
		return CKR_CURVE_NOT_SUPPORTED;
	t->publicArea.type = TPM2_ALG_ECC;
	/*
	 * Both signing (ECDSA) and decryption (ECDH, TPM2_ECDH_ZGen), which the
	 * TPM allows together for an unrestricted key without a scheme; which
	 * of the two a key may do is its CKA_SIGN and CKA_DERIVE, modifiable
	 * attributes checked by the common layer.
	 */
	t->publicArea.objectAttributes =
	    KEYS_ATTRS | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT;
	t->publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	t->publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	t->publicArea.parameters.eccDetail.curveID = curve->id;
	t->publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	return CKR_OK;
}

CK_RV tpm_keys_create_value(struct tpm_call *call, const TPM2B_PUBLIC *t,
                            const TPM2B_SENSITIVE_DATA *value, TPM2B_PUBLIC **pub,
                            TPM2B_PRIVATE **priv)
{
	TPM2B_SENSITIVE_CREATE sensitive;
	TPM2B_DATA outside;
	TPML_PCR_SELECTION pcrs;
	TPM2B_CREATION_DATA *data = NULL;
	TPM2B_DIGEST *hash = NULL;
	TPMT_TK_CREATION *ticket = NULL;
	TSS2_RC rc;

	/* A key with no auth value would serve anyone who reads its blobs. */
	if (call->ctx->key_auth.size == 0)
		return CKR_USER_NOT_LOGGED_IN;
	memset(&sensitive, 0, sizeof(sensitive));
	if (value != NULL)
		sensitive.sensitive.data = *value;
	memset(&outside, 0, sizeof(outside));
	memset(&pcrs, 0, sizeof(pcrs));
	sensitive.sensitive.userAuth = call->ctx->key_auth;
	rc = Esys_Create(call->conn.esys, call->parent.primary, call->parent.session, ESYS_TR_NONE,
	                 ESYS_TR_NONE, &sensitive, t, &outside, &pcrs, priv, pub, &data, &hash,
	                 &ticket);
	Esys_Free(data);
	Esys_Free(hash);
	Esys_Free(ticket);
	OPENSSL_cleanse(&sensitive, sizeof(sensitive));
	return tpm_conn_rv(rc);
}

CK_RV tpm_keys_create(struct tpm_call *call, const TPM2B_PUBLIC *t, TPM2B_PUBLIC **pub,
                      TPM2B_PRIVATE **priv)
{
	return tpm_keys_create_value(call, t, NULL, pub, priv);
}

/* CKA_EC_POINT: the uncompressed point (04 || x || y) in a DER OCTET STRING. */
static CK_RV keys_ec_point(const TPMS_ECC_POINT *q, const struct tpm_keys_curve *curve,
                           struct tok_attrs *pub)
{
	CK_BYTE point[1 + 2 * 66], der[8 + sizeof(point)];
	size_t n = curve->bytes, len;

	if (q->x.size > n || q->y.size > n || 1 + 2 * n > sizeof(point))
		return CKR_DEVICE_ERROR;
	memset(point, 0, sizeof(point));
	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1 + n - q->x.size, q->x.buffer, q->x.size);
	memcpy(point + 1 + 2 * n - q->y.size, q->y.buffer, q->y.size);
	len = tok_der_wrap_octets(point, 1 + 2 * n, der, sizeof(der));
	return len > 0 ? tok_attrs_set(pub, CKA_EC_POINT, der, len) : CKR_HOST_MEMORY;
}

/* The public halves' attributes, on both objects as PKCS#11 users expect. */
static CK_RV keys_public_attrs(const TPMT_PUBLIC *area, struct tok_attrs *pub,
                               struct tok_attrs *priv)
{
	static const CK_BYTE f4[] = {0x01, 0x00, 0x01};
	const struct tpm_keys_curve *curve;
	const TPM2B_PUBLIC_KEY_RSA *n = &area->unique.rsa;
	CK_BYTE params[TOK_DER_CURVE_PARAMS_MAX];
	size_t params_len;
	CK_RV rv;

	if (area->type == TPM2_ALG_RSA) {
		rv = tok_attrs_set(pub, CKA_MODULUS, n->buffer, n->size);
		if (rv == CKR_OK)
			rv = tok_attrs_set(pub, CKA_PUBLIC_EXPONENT, f4, sizeof(f4));
		if (rv == CKR_OK)
			rv = tok_attrs_set(priv, CKA_MODULUS, n->buffer, n->size);
		if (rv == CKR_OK)
			rv = tok_attrs_set(priv, CKA_PUBLIC_EXPONENT, f4, sizeof(f4));
		return rv;
	}
	curve = tpm_keys_curve_by_id(area->parameters.eccDetail.curveID);
	params_len = curve != NULL ? tok_der_curve_params(curve->nid, params, sizeof(params)) : 0;
	if (params_len == 0)
		return CKR_DEVICE_ERROR;
	rv = keys_ec_point(&area->unique.ecc, curve, pub);
	if (rv == CKR_OK)
		rv = tok_attrs_set(priv, CKA_EC_PARAMS, params, params_len);
	return rv;
}

/* The blobs and the flags of a key that never leaves the TPM. */
CK_RV tpm_keys_private_attrs(const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv,
                             struct tok_attrs *out)
{
	uint8_t buf[sizeof(TPM2B_PUBLIC) + sizeof(TPM2B_PRIVATE)];
	size_t off = 0;
	CK_RV rv;

	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return CKR_DEVICE_ERROR;
	rv = tok_attrs_set(out, TPM_KEYS_CKA_PUBLIC, buf, off);
	off = 0;
	if (rv == CKR_OK &&
	    Tss2_MU_TPM2B_PRIVATE_Marshal(priv, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK)
		rv = tok_attrs_set(out, TPM_KEYS_CKA_PRIVATE, buf, off);
	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(out, CKA_SENSITIVE, CK_TRUE);
	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(out, CKA_ALWAYS_SENSITIVE, CK_TRUE);
	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(out, CKA_EXTRACTABLE, CK_FALSE);
	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(out, CKA_NEVER_EXTRACTABLE, CK_TRUE);
	return rv;
}

static CK_RV keys_template(struct tpm_ctx *ctx, const CK_MECHANISM *mech,
                           const struct tok_attrs *pub, TPM2B_PUBLIC *t)
{
	memset(t, 0, sizeof(*t));
	t->publicArea.nameAlg = TPM2_ALG_SHA256;
	if (mech->pParameter != NULL || mech->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (mech->mechanism == CKM_RSA_PKCS_KEY_PAIR_GEN &&
	    tpm_mechs_info(&ctx->mechs, mech->mechanism, &(CK_MECHANISM_INFO){0}) == CKR_OK)
		return keys_rsa_template(ctx, pub, t);
	if (mech->mechanism == CKM_EC_KEY_PAIR_GEN &&
	    tpm_mechs_info(&ctx->mechs, mech->mechanism, &(CK_MECHANISM_INFO){0}) == CKR_OK)
		return keys_ecc_template(ctx, pub, t);
	return CKR_MECHANISM_INVALID;
}

CK_RV tpm_keys_generate_pair(void *p, const CK_MECHANISM *mech, struct tok_attrs *pub,
                             struct tok_attrs *priv)
{
	struct tpm_ctx *ctx = p;
	struct tpm_call call;
	TPM2B_PUBLIC t, *out_pub = NULL;
	TPM2B_PRIVATE *out_priv = NULL;
	CK_RV rv;

	if (ctx == NULL || mech == NULL || pub == NULL || priv == NULL)
		return CKR_ARGUMENTS_BAD;
	rv = keys_template(ctx, mech, pub, &t);
	if (rv != CKR_OK)
		return rv;
	for (int tries = 0; tries < 2; tries++) {
		rv = tpm_call_begin(ctx, &call);
		if (rv != CKR_OK)
			return rv;
		rv = tpm_call_finish(&call, tpm_keys_create(&call, &t, &out_pub, &out_priv));
		if (!tpm_call_retry(&call, rv))
			break;
	}
	if (rv == CKR_OK)
		rv = keys_public_attrs(&out_pub->publicArea, pub, priv);
	if (rv == CKR_OK)
		rv = tpm_keys_private_attrs(out_pub, out_priv, priv);
	Esys_Free(out_pub);
	Esys_Free(out_priv);
	return rv;
}

CK_RV tpm_keys_load(struct tpm_conn *c, const struct tpm_parent *p, const CK_BYTE *pub,
                    size_t pub_len, const CK_BYTE *priv, size_t priv_len, ESYS_TR *key,
                    TPM2B_PUBLIC *public_out)
{
	TPM2B_PRIVATE private_in;
	size_t off = 0;

	memset(public_out, 0, sizeof(*public_out));
	memset(&private_in, 0, sizeof(private_in));
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(pub, pub_len, &off, public_out) != TSS2_RC_SUCCESS ||
	    off != pub_len)
		return CKR_KEY_TYPE_INCONSISTENT;
	off = 0;
	if (Tss2_MU_TPM2B_PRIVATE_Unmarshal(priv, priv_len, &off, &private_in) != TSS2_RC_SUCCESS ||
	    off != priv_len)
		return CKR_KEY_TYPE_INCONSISTENT;
	*key = ESYS_TR_NONE;
	return tpm_conn_rv(Esys_Load(c->esys, p->primary, p->session, ESYS_TR_NONE, ESYS_TR_NONE,
	                             &private_in, public_out, key));
}
