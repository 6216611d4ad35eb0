/*
 * RSA keys of the soft backend (see rsa_keys.h).
 *
 * A key object's EVP_PKEY is built with EVP_PKEY_fromdata() from its
 * attributes: the modulus and public exponent, and for a private key the
 * private exponent with, when all five are there, the CRT numbers that
 * make private operations fast.  A private key without its public
 * exponent gets one computed from the private exponent and the primes.
 */
#include "rsa_keys.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "asym.h"

/*
 * RSA keys are named by the OID of rsaEncryption: OpenSSL 3.0 looks up an
 * engine registered as default for the name "RSA" (the pkcs11 engine, say,
 * in a process that loaded it) and then builds no provider key at all.
 */
#define RSA_KEY_TYPE "1.2.840.113549.1.1.1"

/* Sizes a key made by C_CreateObject may have (the operations ask more). */
#define RSA_IMPORT_MIN_BITS 512

/* The numbers of an RSA key: attribute, OpenSSL parameter. */
static const struct {
	CK_ATTRIBUTE_TYPE type;
	const char *name;
} rsa_parts[] = {
    {CKA_MODULUS, OSSL_PKEY_PARAM_RSA_N},
    {CKA_PUBLIC_EXPONENT, OSSL_PKEY_PARAM_RSA_E},
    {CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D},
    {CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1},
    {CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2},
    {CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1},
    {CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2},
    {CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
};

enum { RSA_N, RSA_E, RSA_D, RSA_P, RSA_Q, RSA_PARTS = 8, RSA_PUBLIC_PARTS = 2 };

static void rsa_parts_free(BIGNUM **bn)
{
	for (size_t i = 0; i < RSA_PARTS; i++) {
		BN_clear_free(bn[i]);
		bn[i] = NULL;
	}
}

/* The public exponent of a new key: the template's, else 65537. */
static CK_RV rsa_gen_exponent(const struct tok_attrs *pub, BIGNUM **e)
{
	CK_RV rv;

	if (!tok_attrs_find(pub, CKA_PUBLIC_EXPONENT)) {
		*e = BN_new();
		if (!*e || !BN_set_word(*e, RSA_F4)) {
			BN_free(*e);
			return CKR_HOST_MEMORY;
		}
		return CKR_OK;
	}
	rv = soft_asym_attr_bn(pub, CKA_PUBLIC_EXPONENT, e);
	if (rv == CKR_OK && (!BN_is_odd(*e) || BN_is_one(*e) || BN_num_bits(*e) > 64)) {
		BN_free(*e);
		*e = NULL;
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	}
	return rv;
}

static EVP_PKEY *rsa_keygen(CK_ULONG bits, BIGNUM *e, CK_RV *rv)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, RSA_KEY_TYPE, NULL);
	EVP_PKEY *pkey = NULL;

	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) != 1 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) != 1 ||
	    EVP_PKEY_generate(ctx, &pkey) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		*rv = soft_ossl_fail();
	}
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

CK_RV soft_rsa_generate_pair(const CK_MECHANISM *mech, struct tok_attrs *pub,
                             struct tok_attrs *priv)
{
	CK_ULONG bits;
	BIGNUM *e = NULL;
	EVP_PKEY *pkey;
	CK_RV rv = soft_asym_no_param(mech);

	if (rv != CKR_OK)
		return rv;
	if (!tok_attrs_get_ulong(pub, CKA_MODULUS_BITS, &bits))
		return CKR_TEMPLATE_INCOMPLETE;
	if (bits < SOFT_RSA_GEN_MIN_BITS || bits > SOFT_RSA_GEN_MAX_BITS)
		return CKR_KEY_SIZE_RANGE;
	rv = rsa_gen_exponent(pub, &e);
	if (rv != CKR_OK)
		return rv;
	pkey = rsa_keygen(bits, e, &rv);
	BN_free(e);
	if (!pkey)
		return rv;
	for (size_t i = 0; rv == CKR_OK && i < RSA_PARTS; i++) {
		rv = soft_asym_set_bn_param(priv, rsa_parts[i].type, pkey, rsa_parts[i].name, 0);
		if (rv == CKR_OK && i < RSA_PUBLIC_PARTS)
			rv = soft_asym_set_bn_param(pub, rsa_parts[i].type, pkey, rsa_parts[i].name,
			                            0);
	}
	EVP_PKEY_free(pkey);
	return rv;
}

/* e = d^-1 mod lcm(p-1, q-1): a public exponent that undoes d. */
static BIGNUM *rsa_derive_e(const BIGNUM *d, const BIGNUM *p, const BIGNUM *q)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p1, *q1, *g, *lambda, *e = NULL;

	if (!ctx)
		return NULL;
	BN_CTX_start(ctx);
	p1 = BN_CTX_get(ctx);
	q1 = BN_CTX_get(ctx);
	g = BN_CTX_get(ctx);
	lambda = BN_CTX_get(ctx);
	if (lambda && BN_sub(p1, p, BN_value_one()) && BN_sub(q1, q, BN_value_one()) &&
	    BN_gcd(g, p1, q1, ctx) && BN_mul(lambda, p1, q1, ctx) &&
	    BN_div(lambda, NULL, lambda, g, ctx))
		e = BN_mod_inverse(NULL, d, lambda, ctx);
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	ERR_clear_error();
	return e;
}

/* Reads the key's numbers into bn[] (rsa_parts order); the CRT ones only when all are there. */
static CK_RV rsa_read_parts(const struct tok_attrs *attrs, bool priv, BIGNUM **bn)
{
	size_t count = priv ? RSA_PARTS : RSA_PUBLIC_PARTS, crt = 0;

	for (size_t i = 0; i < count; i++) {
		CK_RV rv = soft_asym_attr_bn(attrs, rsa_parts[i].type, &bn[i]);

		if (rv == CKR_TEMPLATE_INCOMPLETE && priv && (i == RSA_E || i >= RSA_P))
			continue;
		if (rv != CKR_OK)
			return rv;
		crt += i >= RSA_P;
	}
	if (priv && !bn[RSA_E]) {
		if (!bn[RSA_P] || !bn[RSA_Q])
			return CKR_TEMPLATE_INCOMPLETE;
		bn[RSA_E] = rsa_derive_e(bn[RSA_D], bn[RSA_P], bn[RSA_Q]);
		if (!bn[RSA_E])
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	for (size_t i = RSA_P; crt != RSA_PARTS - RSA_P && i < RSA_PARTS; i++) {
		BN_clear_free(bn[i]);
		bn[i] = NULL;
	}
	return CKR_OK;
}

static EVP_PKEY *rsa_fromdata(BIGNUM **bn, bool priv, CK_RV *rv)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int ok = bld != NULL;

	for (size_t i = 0; ok && i < RSA_PARTS; i++)
		if (bn[i])
			ok = OSSL_PARAM_BLD_push_BN(bld, rsa_parts[i].name, bn[i]);
	if (ok)
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, RSA_KEY_TYPE, NULL);
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
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

/* Builds the EVP_PKEY of an RSA key object (the build function of soft_key_pkey()). */
static EVP_PKEY *rsa_build(const struct tok_attrs *attrs, CK_RV *rv)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	BIGNUM *bn[RSA_PARTS] = {NULL};
	EVP_PKEY *pkey = NULL;
	bool priv;

	tok_attrs_get_ulong(attrs, CKA_CLASS, &cls);
	priv = cls == CKO_PRIVATE_KEY;
	*rv = rsa_read_parts(attrs, priv, bn);
	if (*rv == CKR_OK)
		pkey = rsa_fromdata(bn, priv, rv);
	rsa_parts_free(bn);
	return pkey;
}

EVP_PKEY *soft_rsa_key_pkey(const struct os_backend_key *key, enum os_backend_op kind, CK_RV *rv)
{
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	EVP_PKEY *pkey;
	int bits;

	if (!key || !soft_asym_key_kind(key->attrs, &cls, &type) || type != CKK_RSA ||
	    cls != soft_asym_class_for(kind)) {
		*rv = CKR_KEY_TYPE_INCONSISTENT;
		return NULL;
	}
	pkey = soft_key_pkey(key, rsa_build, rv);
	if (!pkey)
		return NULL;
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < SOFT_RSA_MIN_BITS || bits > SOFT_RSA_MAX_BITS) {
		soft_asym_pkey_release(key, pkey);
		*rv = CKR_KEY_SIZE_RANGE;
		return NULL;
	}
	return pkey;
}

/* Whether 1 < e < n with n and e odd. */
static bool rsa_numbers_ok(const EVP_PKEY *pkey)
{
	BIGNUM *n = NULL, *e = NULL;
	bool ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
	          EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1 && BN_is_odd(n) &&
	          BN_is_odd(e) && !BN_is_one(e) && BN_cmp(e, n) < 0;

	BN_free(n);
	BN_free(e);
	ERR_clear_error();
	return ok;
}

/* Checks that the private exponent undoes the public one: (2^e)^d = 2 mod n. */
static CK_RV rsa_check_pair(EVP_PKEY *pkey)
{
	CK_BYTE two[SOFT_RSA_MAX_BITS / 8] = {0}, c[sizeof(two)], m[sizeof(two)];
	size_t k = (size_t)EVP_PKEY_get_size(pkey), clen = k, mlen = k;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	CK_RV rv = CKR_ATTRIBUTE_VALUE_INVALID;

	two[k - 1] = 2;
	if (ctx && EVP_PKEY_encrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_encrypt(ctx, c, &clen, two, k) == 1 && EVP_PKEY_decrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_decrypt(ctx, m, &mlen, c, clen) == 1 && mlen == k && memcmp(m, two, k) == 0)
		rv = CKR_OK;
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_cleanse(m, sizeof(m));
	return rv;
}

/* A public key states its size: CKA_MODULUS_BITS is added, or must agree. */
static CK_RV rsa_check_bits(struct tok_attrs *key, int bits)
{
	CK_ULONG have;

	if (!tok_attrs_find(key, CKA_MODULUS_BITS))
		return tok_attrs_set_ulong(key, CKA_MODULUS_BITS, (CK_ULONG)bits);
	if (!tok_attrs_get_ulong(key, CKA_MODULUS_BITS, &have) || have != (CK_ULONG)bits)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return CKR_OK;
}

CK_RV soft_rsa_check_key(struct tok_attrs *key)
{
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	EVP_PKEY *pkey;
	CK_RV rv;
	int bits;

	if (!soft_asym_key_kind(key, &cls, &type) || type != CKK_RSA ||
	    (cls != CKO_PUBLIC_KEY && cls != CKO_PRIVATE_KEY))
		return CKR_OK;
	pkey = rsa_build(key, &rv);
	if (!pkey)
		return rv;
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < RSA_IMPORT_MIN_BITS || bits > SOFT_RSA_MAX_BITS || !rsa_numbers_ok(pkey))
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	else if (cls == CKO_PRIVATE_KEY)
		rv = rsa_check_pair(pkey);
	else
		rv = rsa_check_bits(key, bits);
	EVP_PKEY_free(pkey);
	return rv;
}
