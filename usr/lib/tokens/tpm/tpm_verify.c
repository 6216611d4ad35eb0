/*
 * Software verification of the token's signatures (see tpm_verify.h).
 */
#include "tpm_verify.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "der.h"
#include "tpm_keys.h"
#include "tpm_sign.h"

struct verify_op {
	const struct tpm_sign_mech *mech;
	struct tpm_pss pss; /* RSA-PSS */
	EVP_PKEY *pkey;
	EVP_MD_CTX *md; /* hashed mechanisms */
	size_t half;    /* ECDSA: bytes of r and of s */
	size_t sig_len;
};

static EVP_PKEY *verify_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, type, NULL) : NULL;
	EVP_PKEY *pkey = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

EVP_PKEY *tpm_verify_rsa_pkey(const struct tok_attrs *a)
{
	const CK_ATTRIBUTE *n = tok_attrs_find(a, CKA_MODULUS);
	const CK_ATTRIBUTE *e = tok_attrs_find(a, CKA_PUBLIC_EXPONENT);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY *pkey = NULL;

	if (n != NULL && e != NULL && n->ulValueLen > 0 && e->ulValueLen > 0) {
		bn = BN_bin2bn(n->pValue, (int)n->ulValueLen, NULL);
		be = BN_bin2bn(e->pValue, (int)e->ulValueLen, NULL);
	}
	if (bld != NULL && bn != NULL && be != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		pkey = verify_fromdata("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return pkey;
}

static CK_RV verify_rsa_key(struct verify_op *op, const struct tok_attrs *a)
{
	op->pkey = tpm_verify_rsa_pkey(a);
	if (op->pkey == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	op->sig_len = (size_t)EVP_PKEY_get_size(op->pkey);
	return CKR_OK;
}

/* CKA_EC_POINT as a DER OCTET STRING of an uncompressed point of the curve. */
static CK_RV verify_ec_key(struct verify_op *op, const struct tok_attrs *a)
{
	const CK_ATTRIBUTE *pt = tok_attrs_find(a, CKA_EC_POINT);
	const struct tpm_keys_curve *curve = tpm_keys_curve_by_params(a);
	const CK_BYTE *q = NULL;
	OSSL_PARAM_BLD *bld;
	size_t len = 0;

	if (curve != NULL && pt != NULL)
		q = tok_der_octets(pt->pValue, pt->ulValueLen, &len);
	if (q == NULL || len != 1 + 2 * curve->bytes || q[0] != POINT_CONVERSION_UNCOMPRESSED)
		return CKR_KEY_TYPE_INCONSISTENT;
	bld = OSSL_PARAM_BLD_new();
	if (bld != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl_name, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, len))
		op->pkey = verify_fromdata("EC", bld);
	OSSL_PARAM_BLD_free(bld);
	if (op->pkey == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	op->half = curve->bytes;
	op->sig_len = 2 * curve->bytes;
	return CKR_OK;
}

CK_RV tpm_verify_init(struct tpm_ctx *ctx, const CK_MECHANISM *mech,
                      const struct os_backend_key *key, void **out)
{
	const struct tpm_sign_mech *m = NULL;
	struct verify_op *op;
	struct tpm_pss pss;
	CK_RV rv = tpm_sign_check(ctx, mech, key, CKO_PUBLIC_KEY, &m, &pss);

	if (rv != CKR_OK)
		return rv;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return CKR_HOST_MEMORY;
	op->mech = m;
	op->pss = pss;
	rv =
	    m->key_type == CKK_RSA ? verify_rsa_key(op, key->attrs) : verify_ec_key(op, key->attrs);
	if (rv == CKR_OK && m->digest != NULL) {
		op->md = EVP_MD_CTX_new();
		if (op->md == NULL ||
		    EVP_DigestInit_ex2(op->md, EVP_get_digestbyname(m->digest), NULL) != 1)
			rv = CKR_HOST_MEMORY;
	}
	if (rv != CKR_OK) {
		tpm_verify_free(op);
		return rv;
	}
	*out = op;
	return CKR_OK;
}

/* The RSA padding of the mechanism: PKCS#1 v1.5, or PSS with the TPM's parameters. */
static bool verify_rsa_padding(const struct verify_op *op, EVP_PKEY_CTX *ctx)
{
	const EVP_MD *md;

	if (!op->mech->pss)
		return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
	md = EVP_get_digestbyname(op->pss.md);
	return md != NULL && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	       EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, (int)op->pss.len) == 1;
}

/* Verifies tbs (a digest, a DigestInfo, or CKM_RSA_PKCS data) against sig. */
static CK_RV verify_tbs(const struct verify_op *op, const CK_BYTE *tbs, size_t len,
                        const CK_BYTE *sig, CK_ULONG siglen)
{
	CK_BYTE der[TOK_ECDSA_DER_MAX];
	EVP_PKEY_CTX *ctx;
	int ok;

	if (siglen != op->sig_len)
		return CKR_SIGNATURE_LEN_RANGE;
	/* ECDSA: r || s as the DER ECDSA-Sig-Value OpenSSL verifies */
	if (op->mech->key_type == CKK_EC) {
		siglen = tok_der_ecdsa_to_der(sig, op->half, der, sizeof(der));
		if (siglen == 0)
			return CKR_HOST_MEMORY;
		sig = der;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, op->pkey, NULL);
	ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 &&
	     (op->mech->key_type == CKK_EC || verify_rsa_padding(op, ctx)) &&
	     EVP_PKEY_verify(ctx, sig, siglen, tbs, len) == 1;
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return ok ? CKR_OK : CKR_SIGNATURE_INVALID;
}

CK_RV tpm_verify_update(void *p, const CK_BYTE *in, CK_ULONG inlen)
{
	struct verify_op *op = p;

	if (op->md == NULL)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (in == NULL && inlen > 0)
		return CKR_ARGUMENTS_BAD;
	return EVP_DigestUpdate(op->md, in, inlen) == 1 ? CKR_OK : CKR_FUNCTION_FAILED;
}

static CK_RV verify_digest(struct verify_op *op, const CK_BYTE *sig, CK_ULONG siglen)
{
	CK_BYTE t[TPM_SIGN_TBS_MAX];
	size_t len = 0;
	CK_RV rv;

	if (sig == NULL)
		return CKR_ARGUMENTS_BAD;
	rv = tpm_sign_digest_final(op->mech, op->md, t, &len);
	return rv == CKR_OK ? verify_tbs(op, t, len, sig, siglen) : rv;
}

CK_RV tpm_verify_single(void *p, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                        CK_ULONG siglen)
{
	struct verify_op *op = p;
	CK_RV rv;

	if ((data == NULL && len > 0) || sig == NULL)
		return CKR_ARGUMENTS_BAD;
	if (op->md == NULL)
		return verify_tbs(op, data, len, sig, siglen);
	rv = tpm_verify_update(op, data, len);
	return rv == CKR_OK ? verify_digest(op, sig, siglen) : rv;
}

CK_RV tpm_verify_final(void *p, const CK_BYTE *sig, CK_ULONG siglen)
{
	struct verify_op *op = p;

	if (op->md == NULL)
		return CKR_FUNCTION_NOT_SUPPORTED;
	return verify_digest(op, sig, siglen);
}

void tpm_verify_free(void *p)
{
	struct verify_op *op = p;

	if (op == NULL)
		return;
	EVP_MD_CTX_free(op->md);
	EVP_PKEY_free(op->pkey);
	free(op);
}
