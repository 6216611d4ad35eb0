/*
 * EC-family keys of the soft backend (see ec_keys.h).
 *
 * Attributes, as PKCS#11 and its users (pkcs11-tool, OpenSC) have them:
 * CKA_EC_PARAMS names the curve; a public key's CKA_EC_POINT is a DER
 * OCTET STRING holding the uncompressed point (Weierstrass curves) or the
 * raw public key (Edwards, Montgomery), and the bare bytes are accepted
 * too; a private key's CKA_VALUE is the scalar, big-endian and padded to
 * the order's size, or the raw private key of RFC 8032 / RFC 7748.
 */
#include "ec_keys.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "asym.h"

static enum soft_ec_family ec_gen_family(CK_MECHANISM_TYPE type)
{
	switch (type) {
	case CKM_EC_KEY_PAIR_GEN:
		return SOFT_EC_WEIERSTRASS;
	case CKM_EC_EDWARDS_KEY_PAIR_GEN:
		return SOFT_EC_EDWARDS;
	default:
		return SOFT_EC_MONTGOMERY;
	}
}

/*
 * EC keys are named by the OID of id-ecPublicKey: OpenSSL 3.0 looks up an
 * engine registered as default for the name "EC" (the pkcs11 engine, say,
 * in a process that loaded it) and then builds no provider key at all.
 */
static const char *ec_type_name(const struct soft_ec_curve *curve)
{
	return curve->family == SOFT_EC_WEIERSTRASS ? "1.2.840.10045.2.1" : curve->ossl;
}

static EVP_PKEY *ec_keygen(const struct soft_ec_curve *curve, CK_RV *rv)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, ec_type_name(curve), NULL);
	EVP_PKEY *pkey = NULL;

	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 ||
	    (curve->family == SOFT_EC_WEIERSTRASS &&
	     EVP_PKEY_CTX_set_group_name(ctx, curve->ossl) != 1) ||
	    EVP_PKEY_generate(ctx, &pkey) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		*rv = soft_ossl_fail();
	}
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* Sets a private key's CKA_VALUE from a generated key. */
static CK_RV ec_export_value(const struct soft_ec_curve *curve, const EVP_PKEY *pkey,
                             struct tok_attrs *priv)
{
	CK_BYTE value[SOFT_EC_VALUE_MAX];
	size_t len = 0;
	CK_RV rv;

	if (curve->family == SOFT_EC_WEIERSTRASS)
		return soft_asym_set_bn_param(priv, CKA_VALUE, pkey, OSSL_PKEY_PARAM_PRIV_KEY,
		                              curve->value_len);
	if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, value, sizeof(value),
	                                    &len) != 1 ||
	    len != curve->value_len)
		rv = soft_ossl_fail();
	else
		rv = tok_attrs_set(priv, CKA_VALUE, value, len);
	OPENSSL_cleanse(value, sizeof(value));
	return rv;
}

static CK_RV ec_export(const struct soft_ec_curve *curve, const EVP_PKEY *pkey,
                       const CK_ATTRIBUTE *params, struct tok_attrs *pub, struct tok_attrs *priv)
{
	CK_BYTE point[SOFT_EC_POINT_MAX];
	size_t len = 0;
	CK_RV rv;

	if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
	                                    &len) != 1 ||
	    len != curve->point_len)
		return soft_ossl_fail();
	rv = soft_asym_set_octets(pub, CKA_EC_POINT, point, len);
	if (rv == CKR_OK)
		rv = ec_export_value(curve, pkey, priv);
	if (rv == CKR_OK)
		rv = tok_attrs_set(priv, CKA_EC_PARAMS, params->pValue, params->ulValueLen);
	return rv;
}

/* The templates must agree with the curve: key types, and the private one's CKA_EC_PARAMS. */
static CK_RV ec_gen_consistent(const struct soft_ec_curve *curve, const CK_ATTRIBUTE *params,
                               const struct tok_attrs *pub, const struct tok_attrs *priv)
{
	const CK_ATTRIBUTE *other = tok_attrs_find(priv, CKA_EC_PARAMS);
	CK_KEY_TYPE type;

	if ((tok_attrs_get_ulong(pub, CKA_KEY_TYPE, &type) && type != curve->key_type) ||
	    (tok_attrs_get_ulong(priv, CKA_KEY_TYPE, &type) && type != curve->key_type))
		return CKR_TEMPLATE_INCONSISTENT;
	if (other && (other->ulValueLen != params->ulValueLen ||
	              memcmp(other->pValue, params->pValue, params->ulValueLen) != 0))
		return CKR_TEMPLATE_INCONSISTENT;
	return CKR_OK;
}

CK_RV soft_ec_generate_pair(const CK_MECHANISM *mech, struct tok_attrs *pub, struct tok_attrs *priv)
{
	const CK_ATTRIBUTE *params = tok_attrs_find(pub, CKA_EC_PARAMS);
	const struct soft_ec_curve *curve;
	EVP_PKEY *pkey;
	CK_RV rv = soft_asym_no_param(mech);

	if (rv == CKR_OK)
		rv = soft_ec_curve_find(params, &curve);
	if (rv != CKR_OK)
		return rv;
	if (curve->family != ec_gen_family(mech->mechanism))
		return CKR_CURVE_NOT_SUPPORTED;
	rv = ec_gen_consistent(curve, params, pub, priv);
	if (rv != CKR_OK)
		return rv;
	pkey = ec_keygen(curve, &rv);
	if (!pkey)
		return rv;
	rv = ec_export(curve, pkey, params, pub, priv);
	EVP_PKEY_free(pkey);
	return rv;
}

static EVP_PKEY *ec_fromdata(const struct soft_ec_curve *curve, OSSL_PARAM_BLD *bld, bool priv,
                             CK_RV *rv)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (params)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, ec_type_name(curve), NULL);
	if (!ctx) {
		*rv = soft_ossl_fail();
	} else if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	           EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
	                             params) != 1) {
		ERR_clear_error();
		pkey = NULL;
		*rv = CKR_ATTRIBUTE_VALUE_INVALID;
	}
	EVP_PKEY_CTX_free(ctx);
	soft_asym_params_free(params);
	return pkey;
}

/*
 * Pushes a private key's CKA_VALUE: a scalar no longer than the order, or
 * the raw key.  The builder refers to *bn, which the caller frees after
 * OSSL_PARAM_BLD_to_param().
 */
static CK_RV ec_push_value(const struct soft_ec_curve *curve, const struct tok_attrs *attrs,
                           OSSL_PARAM_BLD *bld, BIGNUM **bn)
{
	const CK_ATTRIBUTE *value = tok_attrs_find(attrs, CKA_VALUE);
	CK_RV rv;

	if (curve->family != SOFT_EC_WEIERSTRASS) {
		if (!value)
			return CKR_TEMPLATE_INCOMPLETE;
		if (value->ulValueLen != curve->value_len)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		return OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PRIV_KEY,
		                                        value->pValue, value->ulValueLen)
		           ? CKR_OK
		           : soft_ossl_fail();
	}
	rv = soft_asym_attr_bn(attrs, CKA_VALUE, bn);
	if (rv != CKR_OK)
		return rv;
	if ((size_t)BN_num_bytes(*bn) > curve->value_len || BN_is_zero(*bn))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, *bn) ? CKR_OK
	                                                                  : soft_ossl_fail();
}

static CK_RV ec_push_point(const struct soft_ec_curve *curve, const CK_BYTE *in, size_t len,
                           OSSL_PARAM_BLD *bld)
{
	size_t point_len;
	const CK_BYTE *point = soft_ec_point_bytes(curve, in, len, &point_len);

	if (!point)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len)
	           ? CKR_OK
	           : soft_ossl_fail();
}

static OSSL_PARAM_BLD *ec_bld_new(const struct soft_ec_curve *curve)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

	if (bld && curve->family == SOFT_EC_WEIERSTRASS &&
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl, 0)) {
		OSSL_PARAM_BLD_free(bld);
		bld = NULL;
	}
	return bld;
}

EVP_PKEY *soft_ec_public_pkey(const struct soft_ec_curve *curve, const CK_BYTE *point, size_t len)
{
	OSSL_PARAM_BLD *bld = ec_bld_new(curve);
	EVP_PKEY *pkey = NULL;
	CK_RV rv;

	if (bld && ec_push_point(curve, point, len, bld) == CKR_OK)
		pkey = ec_fromdata(curve, bld, false, &rv);
	OSSL_PARAM_BLD_free(bld);
	ERR_clear_error();
	return pkey;
}

/* Builds the EVP_PKEY of a key object (the build function of soft_key_pkey()). */
static EVP_PKEY *ec_build(const struct tok_attrs *attrs, CK_RV *rv)
{
	const struct soft_ec_curve *curve;
	const CK_ATTRIBUTE *point;
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	OSSL_PARAM_BLD *bld;
	EVP_PKEY *pkey = NULL;
	BIGNUM *scalar = NULL;
	bool priv;

	*rv = soft_ec_curve_find(tok_attrs_find(attrs, CKA_EC_PARAMS), &curve);
	if (*rv != CKR_OK)
		return NULL;
	tok_attrs_get_ulong(attrs, CKA_CLASS, &cls);
	priv = cls == CKO_PRIVATE_KEY;
	point = tok_attrs_find(attrs, CKA_EC_POINT);
	if (!priv && !point) {
		*rv = CKR_TEMPLATE_INCOMPLETE;
		return NULL;
	}
	bld = ec_bld_new(curve);
	if (!bld)
		*rv = CKR_HOST_MEMORY;
	else if (priv)
		*rv = ec_push_value(curve, attrs, bld, &scalar);
	else
		*rv = ec_push_point(curve, point->pValue, point->ulValueLen, bld);
	if (*rv == CKR_OK)
		pkey = ec_fromdata(curve, bld, priv, rv);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(scalar);
	return pkey;
}

EVP_PKEY *soft_ec_key_pkey(const struct os_backend_key *key, CK_OBJECT_CLASS cls, int families,
                           const struct soft_ec_curve **curve, CK_RV *rv)
{
	CK_OBJECT_CLASS kc;
	CK_KEY_TYPE kt;

	if (!key || !soft_asym_key_kind(key->attrs, &kc, &kt) || kc != cls ||
	    soft_ec_curve_find(tok_attrs_find(key->attrs, CKA_EC_PARAMS), curve) != CKR_OK ||
	    !((*curve)->family & families) || (*curve)->key_type != kt) {
		*rv = CKR_KEY_TYPE_INCONSISTENT;
		return NULL;
	}
	return soft_key_pkey(key, ec_build, rv);
}

/* OpenSSL's own checks of a Weierstrass key: the point on the curve, the scalar in range. */
static CK_RV ec_validate(EVP_PKEY *pkey, bool priv)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int ok = ctx && (priv ? EVP_PKEY_private_check(ctx) : EVP_PKEY_public_check(ctx)) == 1;

	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

CK_RV soft_ec_check_key(struct tok_attrs *key)
{
	const struct soft_ec_curve *curve;
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	EVP_PKEY *pkey;
	CK_RV rv;

	if (!soft_asym_key_kind(key, &cls, &type) ||
	    (type != CKK_EC && type != CKK_EC_EDWARDS && type != CKK_EC_MONTGOMERY) ||
	    (cls != CKO_PUBLIC_KEY && cls != CKO_PRIVATE_KEY))
		return CKR_OK;
	rv = soft_ec_curve_find(tok_attrs_find(key, CKA_EC_PARAMS), &curve);
	if (rv != CKR_OK)
		return rv;
	if (curve->key_type != type)
		return CKR_TEMPLATE_INCONSISTENT;
	pkey = ec_build(key, &rv);
	if (!pkey)
		return rv;
	if (curve->family == SOFT_EC_WEIERSTRASS)
		rv = ec_validate(pkey, cls == CKO_PRIVATE_KEY);
	EVP_PKEY_free(pkey);
	return rv;
}
