/*
 * Diffie-Hellman in the soft backend (see dh.h).
 *
 * Attributes, as PKCS#11 has them: CKA_PRIME (p) and CKA_BASE (g) on
 * every key and on domain parameters, big-endian; a public key's
 * CKA_VALUE is y, a private key's CKA_VALUE is x, and its CKA_VALUE_BITS
 * the bits of x.
 *
 * Choices where PKCS#11 leaves room:
 * - Primes below 2048 bits are refused: CKR_KEY_SIZE_RANGE when
 *   generating, CKR_ATTRIBUTE_VALUE_INVALID for C_CreateObject.
 * - CKM_DH_PKCS_PARAMETER_GEN hands out the RFC 7919 group (ffdhe2048 ..
 *   ffdhe8192) whose size CKA_PRIME_BITS names; generating a fresh safe
 *   prime of that size takes minutes, so any other size is refused
 *   (CKR_KEY_SIZE_RANGE outside 2048..8192, CKR_ATTRIBUTE_VALUE_INVALID
 *   inside).
 * - A key pair's private value has the length OpenSSL chooses for the
 *   group (twice the group's security strength for the RFC 7919 groups),
 *   or CKA_VALUE_BITS when the private template gives it.
 * - CKM_DH_PKCS_DERIVE checks the other party's value with 1 < y < p - 1,
 *   which for a safe prime such as those of RFC 7919 is all it takes
 *   (RFC 7919 section 5.1), and pads the shared secret to the length of
 *   p.  The new key takes its CKA_VALUE_LEN (or its key type's length)
 *   from the rightmost bytes, else the whole secret.
 */
#include "dh.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "asym.h"

/* Longest shared secret: the bytes of the largest prime. */
#define DH_SECRET_MAX (SOFT_DH_MAX_BITS / 8)

/* The bits of a big-endian integer attribute; 0 when absent or zero. */
static CK_ULONG dh_attr_bits(const struct tok_attrs *attrs, CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(attrs, type);
	const CK_BYTE *p;
	CK_ULONG i = 0, bits;

	if (!at || !at->pValue)
		return 0;
	p = at->pValue;
	while (i < at->ulValueLen && p[i] == 0)
		i++;
	if (i == at->ulValueLen)
		return 0;
	bits = (at->ulValueLen - i) * 8;
	for (CK_BYTE top = p[i]; !(top & 0x80); top <<= 1)
		bits--;
	return bits;
}

static bool dh_bits_ok(CK_ULONG bits)
{
	return bits >= SOFT_DH_MIN_BITS && bits <= SOFT_DH_MAX_BITS;
}

/*
 * Pushes CKA_PRIME and CKA_BASE of attrs as p and g; the builder refers to
 * bn[0] and bn[1], which the caller frees after OSSL_PARAM_BLD_to_param().
 */
static CK_RV dh_push_domain(const struct tok_attrs *attrs, OSSL_PARAM_BLD *bld, BIGNUM *bn[2])
{
	CK_RV rv = soft_asym_attr_bn(attrs, CKA_PRIME, &bn[0]);

	if (rv == CKR_OK)
		rv = soft_asym_attr_bn(attrs, CKA_BASE, &bn[1]);
	if (rv != CKR_OK)
		return rv;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, bn[0]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, bn[1]))
		return soft_ossl_fail();
	return CKR_OK;
}

/* An EVP_PKEY of selection (EVP_PKEY_KEY_PARAMETERS, ...) from what bld holds. */
static EVP_PKEY *dh_fromdata(OSSL_PARAM_BLD *bld, int selection, CK_RV *rv)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL) : NULL;
	EVP_PKEY *pkey = NULL;

	if (!ctx) {
		*rv = soft_ossl_fail();
	} else if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	           EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1) {
		ERR_clear_error();
		pkey = NULL;
		*rv = CKR_ATTRIBUTE_VALUE_INVALID;
	}
	EVP_PKEY_CTX_free(ctx);
	soft_asym_params_free(params);
	return pkey;
}

/* y = g^x mod p, the public value of a private key, for OpenSSL, which wants both. */
static BIGNUM *dh_public_of(const BIGNUM *p, const BIGNUM *g, const BIGNUM *x)
{
	BN_CTX *bctx = BN_CTX_new();
	BIGNUM *y = BN_new();

	if (!bctx || !y || !BN_mod_exp_mont_consttime(y, g, x, p, bctx, NULL)) {
		BN_free(y);
		y = NULL;
	}
	BN_CTX_free(bctx);
	return y;
}

/* Pushes a key's values: y of a public key, x and its y of a private key. */
static CK_RV dh_push_value(const struct tok_attrs *attrs, bool priv, BIGNUM *bn[4],
                           OSSL_PARAM_BLD *bld)
{
	CK_RV rv = soft_asym_attr_bn(attrs, CKA_VALUE, &bn[2]);

	if (rv != CKR_OK)
		return rv;
	if (!priv)
		return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, bn[2])
		           ? CKR_OK
		           : soft_ossl_fail();
	if (BN_is_zero(bn[2]) || BN_cmp(bn[2], bn[0]) >= 0)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	bn[3] = dh_public_of(bn[0], bn[1], bn[2]);
	if (!bn[3])
		return soft_ossl_fail();
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn[2]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, bn[3]))
		return soft_ossl_fail();
	return CKR_OK;
}

/* The EVP_PKEY of attrs taken as an object of class cls: its domain, and its value for a key. */
static EVP_PKEY *dh_build_as(const struct tok_attrs *attrs, CK_OBJECT_CLASS cls, CK_RV *rv)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn[4] = {NULL, NULL, NULL, NULL};
	EVP_PKEY *pkey = NULL;
	int selection = EVP_PKEY_KEY_PARAMETERS;

	*rv = bld ? dh_push_domain(attrs, bld, bn) : CKR_HOST_MEMORY;
	if (*rv == CKR_OK && !dh_bits_ok((CK_ULONG)BN_num_bits(bn[0])))
		*rv = CKR_ATTRIBUTE_VALUE_INVALID;
	if (*rv == CKR_OK && cls != CKO_DOMAIN_PARAMETERS) {
		*rv = dh_push_value(attrs, cls == CKO_PRIVATE_KEY, bn, bld);
		selection = cls == CKO_PRIVATE_KEY ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
	}
	if (*rv == CKR_OK)
		pkey = dh_fromdata(bld, selection, rv);
	OSSL_PARAM_BLD_free(bld);
	for (size_t i = 0; i < 4; i++)
		BN_clear_free(bn[i]);
	return pkey;
}

/*
 * The EVP_PKEY of a CKK_DH key or domain parameters object (the build
 * function of soft_key_pkey()).
 */
static EVP_PKEY *dh_build(const struct tok_attrs *attrs, CK_RV *rv)
{
	CK_OBJECT_CLASS cls = CKO_DOMAIN_PARAMETERS;

	tok_attrs_get_ulong(attrs, CKA_CLASS, &cls);
	return dh_build_as(attrs, cls, rv);
}

/* OpenSSL's quick checks: p odd, 1 < g < p - 1, and for a public key 1 < y < p - 1. */
static CK_RV dh_validate(EVP_PKEY *pkey, bool pub)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int ok = ctx && EVP_PKEY_param_check_quick(ctx) == 1 &&
	         (!pub || EVP_PKEY_public_check_quick(ctx) == 1);

	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

CK_RV soft_dh_check_key(struct tok_attrs *key)
{
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	EVP_PKEY *pkey;
	CK_RV rv;

	if (!soft_asym_key_kind(key, &cls, &type) || type != CKK_DH ||
	    (cls != CKO_PUBLIC_KEY && cls != CKO_PRIVATE_KEY && cls != CKO_DOMAIN_PARAMETERS))
		return CKR_OK;
	pkey = dh_build(key, &rv);
	if (!pkey)
		return rv;
	rv = dh_validate(pkey, cls == CKO_PUBLIC_KEY);
	EVP_PKEY_free(pkey);
	return rv;
}

/* ---- key pair generation ---- */

/* The domain of the public template, checked: p of a size the family takes, g in range. */
static EVP_PKEY *dh_gen_domain(const struct tok_attrs *pub, CK_RV *rv)
{
	CK_ULONG bits = dh_attr_bits(pub, CKA_PRIME);
	EVP_PKEY *params;

	if (bits && !dh_bits_ok(bits)) {
		*rv = CKR_KEY_SIZE_RANGE;
		return NULL;
	}
	params = dh_build_as(pub, CKO_DOMAIN_PARAMETERS, rv);
	if (params) {
		*rv = dh_validate(params, false);
		if (*rv != CKR_OK) {
			EVP_PKEY_free(params);
			params = NULL;
		}
	}
	return params;
}

static EVP_PKEY *dh_keygen(EVP_PKEY *params, const struct tok_attrs *priv, CK_RV *rv)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	EVP_PKEY *pkey = NULL;
	CK_ULONG bits = 0;
	int ok = ctx && EVP_PKEY_keygen_init(ctx) == 1, priv_len;

	*rv = CKR_OK;
	if (ok && tok_attrs_get_ulong(priv, CKA_VALUE_BITS, &bits)) {
		OSSL_PARAM len[2] = {
		    OSSL_PARAM_construct_int(OSSL_PKEY_PARAM_DH_PRIV_LEN, &priv_len),
		    OSSL_PARAM_construct_end(),
		};

		priv_len = bits > SOFT_DH_MAX_BITS ? 0 : (int)bits;
		ok = priv_len > 0 && EVP_PKEY_CTX_set_params(ctx, len) == 1;
	}
	if (!ok || EVP_PKEY_generate(ctx, &pkey) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		*rv = bits ? CKR_ATTRIBUTE_VALUE_INVALID : CKR_FUNCTION_FAILED;
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* Copies an attribute (CKA_PRIME, CKA_BASE) of one template into the other. */
static CK_RV dh_copy_attr(const struct tok_attrs *from, struct tok_attrs *to,
                          CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(from, type);

	return at ? tok_attrs_set(to, type, at->pValue, at->ulValueLen) : CKR_TEMPLATE_INCOMPLETE;
}

static CK_RV dh_export(const EVP_PKEY *pkey, struct tok_attrs *pub, struct tok_attrs *priv)
{
	CK_RV rv = soft_asym_set_bn_param(pub, CKA_VALUE, pkey, OSSL_PKEY_PARAM_PUB_KEY, 0);

	if (rv == CKR_OK)
		rv = soft_asym_set_bn_param(priv, CKA_VALUE, pkey, OSSL_PKEY_PARAM_PRIV_KEY, 0);
	if (rv == CKR_OK)
		rv = dh_copy_attr(pub, priv, CKA_PRIME);
	if (rv == CKR_OK)
		rv = dh_copy_attr(pub, priv, CKA_BASE);
	if (rv == CKR_OK && !tok_attrs_find(priv, CKA_VALUE_BITS))
		rv = tok_attrs_set_ulong(priv, CKA_VALUE_BITS, dh_attr_bits(priv, CKA_VALUE));
	return rv;
}

/* struct soft_mech.generate_pair of CKM_DH_PKCS_KEY_PAIR_GEN. */
static CK_RV dh_generate_pair(const CK_MECHANISM *mech, struct tok_attrs *pub,
                              struct tok_attrs *priv)
{
	EVP_PKEY *params, *pkey;
	CK_RV rv = soft_asym_no_param(mech);

	if (rv != CKR_OK)
		return rv;
	params = dh_gen_domain(pub, &rv);
	if (!params)
		return rv;
	pkey = dh_keygen(params, priv, &rv);
	EVP_PKEY_free(params);
	if (!pkey)
		return rv;
	rv = dh_export(pkey, pub, priv);
	EVP_PKEY_free(pkey);
	return rv;
}

/* ---- domain parameters ---- */

/*
 * struct soft_mech.generate of CKM_DH_PKCS_PARAMETER_GEN: the RFC 7919
 * group of CKA_PRIME_BITS bits as CKA_PRIME and CKA_BASE.
 */
static CK_RV dh_generate_params(const CK_MECHANISM *mech, struct tok_attrs *key)
{
	char group[16];
	OSSL_PARAM_BLD *bld;
	EVP_PKEY *pkey = NULL;
	CK_ULONG bits = 0;
	CK_RV rv = soft_asym_no_param(mech);

	if (rv != CKR_OK)
		return rv;
	if (!tok_attrs_get_ulong(key, CKA_PRIME_BITS, &bits))
		return CKR_TEMPLATE_INCOMPLETE;
	if (!dh_bits_ok(bits))
		return CKR_KEY_SIZE_RANGE;
	if (bits != 2048 && bits != 3072 && bits != 4096 && bits != 6144 && bits != 8192)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	snprintf(group, sizeof(group), "ffdhe%lu", (unsigned long)bits);
	bld = OSSL_PARAM_BLD_new();
	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0))
		pkey = dh_fromdata(bld, EVP_PKEY_KEY_PARAMETERS, &rv);
	else
		rv = CKR_HOST_MEMORY;
	OSSL_PARAM_BLD_free(bld);
	if (!pkey)
		return rv == CKR_OK ? CKR_FUNCTION_FAILED : rv;
	rv = soft_asym_set_bn_param(key, CKA_PRIME, pkey, OSSL_PKEY_PARAM_FFC_P, 0);
	if (rv == CKR_OK)
		rv = soft_asym_set_bn_param(key, CKA_BASE, pkey, OSSL_PKEY_PARAM_FFC_G, 0);
	EVP_PKEY_free(pkey);
	return rv;
}

/* ---- derivation ---- */

/* The other party's public key: y of the mechanism parameter, over the base key's domain. */
static EVP_PKEY *dh_peer(const struct tok_attrs *base, const CK_MECHANISM *mech, CK_RV *rv)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn[3] = {NULL, NULL, NULL};
	EVP_PKEY *peer = NULL;

	*rv = bld ? dh_push_domain(base, bld, bn) : CKR_HOST_MEMORY;
	if (*rv == CKR_OK) {
		bn[2] = BN_bin2bn(mech->pParameter, (int)mech->ulParameterLen, NULL);
		if (!bn[2] || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, bn[2]))
			*rv = soft_ossl_fail();
	}
	if (*rv == CKR_OK)
		peer = dh_fromdata(bld, EVP_PKEY_PUBLIC_KEY, rv);
	if (peer && dh_validate(peer, true) != CKR_OK) {
		EVP_PKEY_free(peer);
		peer = NULL;
	}
	if (!peer && *rv != CKR_HOST_MEMORY)
		*rv = CKR_MECHANISM_PARAM_INVALID;
	OSSL_PARAM_BLD_free(bld);
	for (size_t i = 0; i < 3; i++)
		BN_free(bn[i]);
	return peer;
}

/* Z, the shared secret of pkey and peer, padded to the length of p. */
static CK_RV dh_shared_secret(EVP_PKEY *pkey, EVP_PKEY *peer, CK_BYTE *z, size_t *zlen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	CK_RV rv = CKR_OK;

	if (!ctx || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_CTX_set_dh_pad(ctx, 1) != 1)
		rv = soft_ossl_fail();
	else if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) != 1 ||
	         EVP_PKEY_derive(ctx, z, zlen) != 1)
		rv = CKR_MECHANISM_PARAM_INVALID;
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

static bool dh_is_private_dh(const struct os_backend_key *key)
{
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;

	return key && soft_asym_key_kind(key->attrs, &cls, &type) && cls == CKO_PRIVATE_KEY &&
	       type == CKK_DH;
}

/* struct soft_mech.derive of CKM_DH_PKCS_DERIVE: the parameter is y of the other party. */
static CK_RV dh_derive(const CK_MECHANISM *mech, const struct os_backend_key *base,
                       struct tok_attrs *key)
{
	CK_BYTE z[DH_SECRET_MAX];
	size_t zlen = sizeof(z);
	CK_ULONG len;
	EVP_PKEY *pkey, *peer;
	CK_RV rv;

	if (!mech->pParameter || mech->ulParameterLen == 0 || mech->ulParameterLen > DH_SECRET_MAX)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!dh_is_private_dh(base))
		return CKR_KEY_TYPE_INCONSISTENT;
	pkey = soft_key_pkey(base, dh_build, &rv);
	if (!pkey)
		return rv;
	peer = dh_peer(base->attrs, mech, &rv);
	if (peer)
		rv = dh_shared_secret(pkey, peer, z, &zlen);
	EVP_PKEY_free(peer);
	soft_asym_pkey_release(base, pkey);
	len = soft_asym_secret_len(key);
	if (rv == CKR_OK && len > zlen)
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK)
		rv = soft_asym_set_secret(key, z + zlen - (len ? len : zlen), len ? len : zlen);
	OPENSSL_cleanse(z, sizeof(z));
	return rv;
}

const struct soft_mech soft_dh_mechs[] = {
    {
        .type = CKM_DH_PKCS_KEY_PAIR_GEN,
        .min_key = SOFT_DH_MIN_BITS,
        .max_key = SOFT_DH_MAX_BITS,
        .flags = CKF_GENERATE_KEY_PAIR,
        .generate_pair = dh_generate_pair,
    },
    {
        .type = CKM_DH_PKCS_DERIVE,
        .min_key = SOFT_DH_MIN_BITS,
        .max_key = SOFT_DH_MAX_BITS,
        .flags = CKF_DERIVE,
        .derive = dh_derive,
    },
    {
        .type = CKM_DH_PKCS_PARAMETER_GEN,
        .min_key = SOFT_DH_MIN_BITS,
        .max_key = SOFT_DH_MAX_BITS,
        .flags = CKF_GENERATE,
        .generate = dh_generate_params,
    },
    {.type = CK_UNAVAILABLE_INFORMATION},
};
