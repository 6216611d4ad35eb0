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
	OSSL_PARAM_BLD *bld;
	const CK_BYTE *q;

	if (curve == NULL || pt == NULL || pt->ulValueLen != 3 + 2 * curve->bytes)
		return CKR_KEY_TYPE_INCONSISTENT;
	q = pt->pValue;
	if (q[0] != 0x04 || q[1] != 1 + 2 * curve->bytes || q[2] != 0x04)
		return CKR_KEY_TYPE_INCONSISTENT;
	bld = OSSL_PARAM_BLD_new();
	if (bld != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl_name, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q + 2,
	                                     1 + 2 * curve->bytes))
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

/* ECDSA r || s as the DER OpenSSL verifies; NULL when out of memory. */
static unsigned char *verify_ecdsa_der(const struct verify_op *op, const CK_BYTE *sig, int *len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)op->half, NULL);
	BIGNUM *s = BN_bin2bn(sig + op->half, (int)op->half, NULL);
	unsigned char *der = NULL;

	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
	} else {
		*len = i2d_ECDSA_SIG(es, &der);
	}
	ECDSA_SIG_free(es);
	return *len > 0 ? der : NULL;
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
	EVP_PKEY_CTX *ctx;
	unsigned char *der = NULL;
	int der_len = 0, ok;

	if (siglen != op->sig_len)
		return CKR_SIGNATURE_LEN_RANGE;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, op->pkey, NULL);
	if (op->mech->key_type == CKK_EC) {
		der = verify_ecdsa_der(op, sig, &der_len);
		if (der == NULL) {
			EVP_PKEY_CTX_free(ctx);
			return CKR_HOST_MEMORY;
		}
	}
	ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 &&
	     (op->mech->key_type == CKK_EC || verify_rsa_padding(op, ctx)) &&
	     EVP_PKEY_verify(ctx, der != NULL ? der : sig, der != NULL ? (size_t)der_len : siglen,
	                     tbs, len) == 1;
	ERR_clear_error();
	OPENSSL_free(der);
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
	CK_BYTE t[32 + EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	size_t plen = op->mech->prefix_len;

	if (sig == NULL)
		return CKR_ARGUMENTS_BAD;
	if (plen > 0)
		memcpy(t, op->mech->prefix, plen);
	if (EVP_DigestFinal_ex(op->md, t + plen, &dlen) != 1)
		return CKR_FUNCTION_FAILED;
	return verify_tbs(op, t, plen + dlen, sig, siglen);
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
