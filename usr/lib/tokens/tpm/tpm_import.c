/*
 * Private keys imported into the TPM (see tpm_import.h).
 */
#include "tpm_import.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rand.h>

#include <tss2/tss2_mu.h>

#include "tpm_call.h"
#include "tpm_dup.h"
#include "tpm_keys.h"

/* The clear private values, removed once the TPM holds the key. */
static const CK_ATTRIBUTE_TYPE import_secret_attrs[] = {
    CKA_PRIVATE_EXPONENT, CKA_PRIME_1,     CKA_PRIME_2, CKA_EXPONENT_1,
    CKA_EXPONENT_2,       CKA_COEFFICIENT, CKA_VALUE,
};

/* What every imported key is: duplicable in form only, usable with its auth. */
#define IMPORT_ATTRS (TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT)

static BIGNUM *import_bn(const struct tok_attrs *key, CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *a = tok_attrs_find(key, type);

	if (a == NULL || a->ulValueLen == 0 || a->ulValueLen > TPM2_MAX_RSA_KEY_BYTES)
		return NULL;
	return BN_bin2bn(a->pValue, (int)a->ulValueLen, NULL);
}

/* d * e = 1 modulo p - 1 and q - 1, when d is given. */
static bool import_rsa_d_ok(const BIGNUM *d, const BIGNUM *e, const BIGNUM *p, const BIGNUM *q,
                            BN_CTX *bc)
{
	BIGNUM *de = BN_new(), *m = BN_new(), *r = BN_new();
	bool ok = de != NULL && m != NULL && r != NULL && BN_mul(de, d, e, bc) == 1;

	for (int i = 0; ok && i < 2; i++)
		ok = BN_sub(m, i == 0 ? p : q, BN_value_one()) == 1 && BN_mod(r, de, m, bc) == 1 &&
		     BN_is_one(r);
	BN_free(de);
	BN_free(m);
	BN_clear_free(r);
	return ok;
}

/*
 * Checks the RSA numbers: a size the token offers, an exponent that fits
 * the TPM's 32 bits, a prime dividing the modulus into halves, and d.
 */
static CK_RV import_rsa_check(const struct tpm_ctx *ctx, const BIGNUM *n, const BIGNUM *e,
                              const BIGNUM *p, const BIGNUM *d, BN_CTX *bc)
{
	int bits = BN_num_bits(n);
	BIGNUM *q = BN_new(), *r = BN_new();
	CK_RV rv = CKR_OK;

	if (bits != 2048 && (bits != 3072 || !ctx->caps.rsa_3072))
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	else if (BN_num_bits(e) > 32 || BN_num_bits(e) < 2 || !BN_is_odd(e))
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	else if (q == NULL || r == NULL || BN_div(q, r, n, p, bc) != 1)
		rv = CKR_HOST_MEMORY;
	else if (!BN_is_zero(r) || BN_num_bits(p) != bits / 2 || BN_num_bits(q) != bits / 2)
		rv = CKR_TEMPLATE_INCONSISTENT;
	else if (d != NULL && !import_rsa_d_ok(d, e, p, q, bc))
		rv = CKR_TEMPLATE_INCONSISTENT;
	BN_clear_free(q);
	BN_free(r);
	return rv;
}

static CK_RV import_rsa(const struct tpm_ctx *ctx, const struct tok_attrs *key, TPMT_PUBLIC *pub,
                        TPMT_SENSITIVE *sens)
{
	BIGNUM *n = import_bn(key, CKA_MODULUS), *e = import_bn(key, CKA_PUBLIC_EXPONENT);
	BIGNUM *p = import_bn(key, CKA_PRIME_1), *d = import_bn(key, CKA_PRIVATE_EXPONENT);
	BN_CTX *bc = BN_CTX_new();
	CK_RV rv = CKR_OK;
	int bytes;

	if (p == NULL)
		p = import_bn(key, CKA_PRIME_2);
	if (n == NULL || e == NULL || p == NULL)
		rv = CKR_TEMPLATE_INCOMPLETE;
	else if (bc == NULL)
		rv = CKR_HOST_MEMORY;
	else
		rv = import_rsa_check(ctx, n, e, p, d, bc);
	if (rv == CKR_OK) {
		bytes = BN_num_bytes(n);
		pub->type = TPM2_ALG_RSA;
		pub->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		pub->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		pub->parameters.rsaDetail.keyBits = (TPMI_RSA_KEY_BITS)(8 * bytes);
		pub->parameters.rsaDetail.exponent =
		    BN_get_word(e) == 65537 ? 0 : (UINT32)BN_get_word(e);
		pub->unique.rsa.size = (UINT16)bytes;
		BN_bn2binpad(n, pub->unique.rsa.buffer, bytes);
		sens->sensitiveType = TPM2_ALG_RSA;
		sens->sensitive.rsa.size = (UINT16)(bytes / 2);
		BN_bn2binpad(p, sens->sensitive.rsa.buffer, bytes / 2);
	}
	BN_free(n);
	BN_free(e);
	BN_clear_free(p);
	BN_clear_free(d);
	BN_CTX_free(bc);
	return rv;
}

/* The public point d * G, checking 0 < d < order. */
static CK_RV import_ec_point(const struct tpm_keys_curve *curve, const BIGNUM *d, TPMS_ECC_POINT *q)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(curve->nid);
	EC_POINT *pt = g != NULL ? EC_POINT_new(g) : NULL;
	BIGNUM *x = BN_new(), *y = BN_new();
	CK_RV rv = CKR_OK;

	if (pt == NULL || x == NULL || y == NULL)
		rv = CKR_HOST_MEMORY;
	else if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0)
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	else if (EC_POINT_mul(g, pt, d, NULL, NULL, NULL) != 1 ||
	         EC_POINT_get_affine_coordinates(g, pt, x, y, NULL) != 1)
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK) {
		q->x.size = q->y.size = (UINT16)curve->bytes;
		BN_bn2binpad(x, q->x.buffer, (int)curve->bytes);
		BN_bn2binpad(y, q->y.buffer, (int)curve->bytes);
	}
	BN_free(x);
	BN_free(y);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return rv;
}

static CK_RV import_ec(const struct tpm_ctx *ctx, const struct tok_attrs *key, TPMT_PUBLIC *pub,
                       TPMT_SENSITIVE *sens)
{
	const struct tpm_keys_curve *curve = tpm_keys_curve_by_params(key);
	const CK_ATTRIBUTE *v = tok_attrs_find(key, CKA_VALUE);
	BIGNUM *d;
	CK_RV rv;

	if (tok_attrs_find(key, CKA_EC_PARAMS) == NULL || v == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if (curve == NULL || !tpm_caps_has_curve(&ctx->caps, curve->id))
		return CKR_CURVE_NOT_SUPPORTED;
	if (v->ulValueLen == 0 || v->ulValueLen > curve->bytes)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	d = BN_bin2bn(v->pValue, (int)v->ulValueLen, NULL);
	if (d == NULL)
		return CKR_HOST_MEMORY;
	rv = import_ec_point(curve, d, &pub->unique.ecc);
	if (rv == CKR_OK) {
		pub->type = TPM2_ALG_ECC;
		pub->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		pub->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		pub->parameters.eccDetail.curveID = curve->id;
		pub->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		sens->sensitiveType = TPM2_ALG_ECC;
		sens->sensitive.ecc.size = (UINT16)curve->bytes;
		BN_bn2binpad(d, sens->sensitive.ecc.buffer, (int)curve->bytes);
	}
	BN_clear_free(d);
	return rv;
}

/* The TPM blobs in place of the clear values, and the flags of an imported key. */
static CK_RV import_attrs(const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv, struct tok_attrs *key)
{
	uint8_t buf[sizeof(TPM2B_PUBLIC) + sizeof(TPM2B_PRIVATE)];
	size_t off = 0;
	CK_RV rv;

	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return CKR_FUNCTION_FAILED;
	rv = tok_attrs_set(key, TPM_KEYS_CKA_PUBLIC, buf, off);
	off = 0;
	if (rv == CKR_OK &&
	    Tss2_MU_TPM2B_PRIVATE_Marshal(priv, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK)
		rv = tok_attrs_set(key, TPM_KEYS_CKA_PRIVATE, buf, off);
	for (size_t i = 0; rv == CKR_OK && i < sizeof(import_secret_attrs) / sizeof(CK_ULONG); i++)
		tok_attrs_remove(key, import_secret_attrs[i]);
	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(key, CKA_SENSITIVE, CK_TRUE);
	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(key, CKA_ALWAYS_SENSITIVE, CK_FALSE);
	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(key, CKA_EXTRACTABLE, CK_FALSE);
	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(key, CKA_NEVER_EXTRACTABLE, CK_FALSE);
	if (rv == CKR_OK)
		rv = tok_attrs_set_bool(key, CKA_LOCAL, CK_FALSE);
	return rv;
}

/* TPM2_Import with the token's key auth, then a load that proves the blobs good. */
static CK_RV import_run(struct tpm_ctx *ctx, const TPM2B_PUBLIC *pub, TPMT_SENSITIVE *sens,
                        struct tok_attrs *key)
{
	struct tpm_call call;
	TPM2B_PRIVATE *priv = NULL;
	CK_RV rv = tpm_call_begin(ctx, &call);

	if (rv != CKR_OK)
		return rv;
	/* as for keys made here: none without the auth a user login gives */
	if (ctx->key_auth.size == 0) {
		tpm_call_end(&call);
		return CKR_USER_NOT_LOGGED_IN;
	}
	sens->authValue = ctx->key_auth;
	sens->seedValue.size = 32;
	if (RAND_bytes(sens->seedValue.buffer, 32) != 1)
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK)
		rv = tpm_dup_import(&call, pub, sens, &priv);
	/* a key whose halves do not match fails here (TPM_RC_BINDING) */
	if (rv == CKR_OK &&
	    Esys_Load(call.conn.esys, call.parent.primary, call.parent.session, ESYS_TR_NONE,
	              ESYS_TR_NONE, priv, pub, &call.key) != TSS2_RC_SUCCESS)
		rv = CKR_TEMPLATE_INCONSISTENT;
	/* loaded only to be checked: never kept */
	tpm_conn_flush(&call.conn, &call.key);
	rv = tpm_call_finish(&call, rv);
	if (rv == CKR_OK)
		rv = import_attrs(pub, priv, key);
	Esys_Free(priv);
	return rv;
}

CK_RV tpm_import_key(struct tpm_ctx *ctx, struct tok_attrs *key)
{
	TPM2B_PUBLIC pub;
	TPMT_SENSITIVE sens;
	CK_KEY_TYPE kt;
	CK_RV rv;

	if (!ctx->present)
		return CKR_TOKEN_NOT_PRESENT;
	memset(&pub, 0, sizeof(pub));
	memset(&sens, 0, sizeof(sens));
	pub.publicArea.nameAlg = TPM2_ALG_SHA256;
	pub.publicArea.objectAttributes = IMPORT_ATTRS;
	if (!tok_attrs_get_ulong(key, CKA_KEY_TYPE, &kt))
		return CKR_TEMPLATE_INCOMPLETE;
	if (kt == CKK_RSA && tpm_mechs_info(&ctx->mechs, CKM_RSA_PKCS_KEY_PAIR_GEN,
	                                    &(CK_MECHANISM_INFO){0}) == CKR_OK)
		rv = import_rsa(ctx, key, &pub.publicArea, &sens);
	else if (kt == CKK_EC && tpm_mechs_info(&ctx->mechs, CKM_EC_KEY_PAIR_GEN,
	                                        &(CK_MECHANISM_INFO){0}) == CKR_OK)
		rv = import_ec(ctx, key, &pub.publicArea, &sens);
	else
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK)
		rv = import_run(ctx, &pub, &sens, key);
	OPENSSL_cleanse(&sens, sizeof(sens));
	return rv;
}
