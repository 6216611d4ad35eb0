/*
 * Signing with keys held by the TPM (see tpm_sign.h).
 */
#include "tpm_sign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tpm_call.h"
#include "tpm_der.h"
#include "tpm_keys.h"
#include "tpm_parent.h"

static const struct tpm_sign_mech sign_mechs[] = {
    {CKM_ECDSA, CKK_EC, NULL, false, false},
    {CKM_ECDSA_SHA256, CKK_EC, "SHA256", false, false},
    {CKM_ECDSA_SHA384, CKK_EC, "SHA384", false, false},
    {CKM_ECDSA_SHA512, CKK_EC, "SHA512", false, false},
    {CKM_RSA_PKCS, CKK_RSA, NULL, false, false},
    {CKM_SHA256_RSA_PKCS, CKK_RSA, "SHA256", true, false},
    {CKM_SHA384_RSA_PKCS, CKK_RSA, "SHA384", true, false},
    {CKM_SHA512_RSA_PKCS, CKK_RSA, "SHA512", true, false},
    {CKM_RSA_PKCS_PSS, CKK_RSA, NULL, false, true},
    {CKM_SHA256_RSA_PKCS_PSS, CKK_RSA, "SHA256", false, true},
    {CKM_SHA384_RSA_PKCS_PSS, CKK_RSA, "SHA384", false, true},
    {CKM_SHA512_RSA_PKCS_PSS, CKK_RSA, "SHA512", false, true},
};

#define SIGN_MAX_INPUT 512 /* an RSA modulus of 4096 bits */

struct sign_op {
	struct tpm_ctx *ctx;
	const struct tpm_sign_mech *mech;
	const struct tpm_keys_curve *curve; /* ECDSA */
	struct tpm_pss pss;                 /* RSA-PSS */
	size_t sig_len;
	EVP_MD_CTX *md; /* hashed mechanisms */
	CK_BYTE *pub, *priv;
	size_t pub_len, priv_len;
};

static const struct tpm_sign_mech *sign_mech_find(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < sizeof(sign_mechs) / sizeof(sign_mechs[0]); i++)
		if (sign_mechs[i].type == type)
			return &sign_mechs[i];
	return NULL;
}

static CK_RV sign_copy_blob(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_BYTE **out,
                            size_t *len)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(a, type);

	if (at == NULL || at->ulValueLen == 0)
		return CKR_KEY_TYPE_INCONSISTENT;
	*out = malloc(at->ulValueLen);
	if (*out == NULL)
		return CKR_HOST_MEMORY;
	memcpy(*out, at->pValue, at->ulValueLen);
	*len = at->ulValueLen;
	return CKR_OK;
}

/* The signature length, from the key's public attributes. */
static CK_RV sign_size(struct sign_op *op, const struct tok_attrs *a)
{
	const CK_ATTRIBUTE *at;

	if (op->mech->key_type == CKK_RSA) {
		at = tok_attrs_find(a, CKA_MODULUS);
		if (at == NULL || at->ulValueLen < 64 || at->ulValueLen > SIGN_MAX_INPUT)
			return CKR_KEY_TYPE_INCONSISTENT;
		op->sig_len = at->ulValueLen;
		return CKR_OK;
	}
	op->curve = tpm_keys_curve_by_params(a);
	if (op->curve == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	op->sig_len = 2 * op->curve->bytes;
	return CKR_OK;
}

CK_RV tpm_sign_check(const struct tpm_ctx *ctx, const CK_MECHANISM *mech,
                     const struct os_backend_key *key, CK_OBJECT_CLASS cls,
                     const struct tpm_sign_mech **m, struct tpm_pss *pss)
{
	CK_MECHANISM_INFO info;
	CK_OBJECT_CLASS kc;
	CK_KEY_TYPE kt;

	memset(pss, 0, sizeof(*pss));
	*m = sign_mech_find(mech->mechanism);
	if (*m == NULL || tpm_mechs_info(&ctx->mechs, mech->mechanism, &info) != CKR_OK)
		return CKR_MECHANISM_INVALID;
	if ((*m)->pss && tpm_pss_params(&ctx->caps, mech, (*m)->digest, pss) != CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!(*m)->pss && (mech->pParameter != NULL || mech->ulParameterLen != 0))
		return CKR_MECHANISM_PARAM_INVALID;
	if (key == NULL || !tok_attrs_get_ulong(key->attrs, CKA_CLASS, &kc) || kc != cls ||
	    !tok_attrs_get_ulong(key->attrs, CKA_KEY_TYPE, &kt) || kt != (*m)->key_type)
		return CKR_KEY_TYPE_INCONSISTENT;
	return CKR_OK;
}

CK_RV tpm_sign_init(struct tpm_ctx *ctx, const CK_MECHANISM *mech, const struct os_backend_key *key,
                    void **out)
{
	const struct tpm_sign_mech *m = NULL;
	struct tpm_pss pss;
	struct sign_op *op;
	CK_RV rv;

	rv = tpm_sign_check(ctx, mech, key, CKO_PRIVATE_KEY, &m, &pss);
	if (rv != CKR_OK)
		return rv;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return CKR_HOST_MEMORY;
	op->ctx = ctx;
	op->mech = m;
	op->pss = pss;
	rv = sign_size(op, key->attrs);
	if (rv == CKR_OK)
		rv = sign_copy_blob(key->attrs, TPM_KEYS_CKA_PUBLIC, &op->pub, &op->pub_len);
	if (rv == CKR_OK)
		rv = sign_copy_blob(key->attrs, TPM_KEYS_CKA_PRIVATE, &op->priv, &op->priv_len);
	if (rv == CKR_OK && m->digest != NULL) {
		op->md = EVP_MD_CTX_new();
		if (op->md == NULL ||
		    EVP_DigestInit_ex2(op->md, EVP_get_digestbyname(m->digest), NULL) != 1)
			rv = CKR_HOST_MEMORY;
	}
	if (rv != CKR_OK) {
		tpm_sign_free(op);
		return rv;
	}
	*out = op;
	return CKR_OK;
}

void tpm_sign_free(void *p)
{
	struct sign_op *op = p;

	if (op == NULL)
		return;
	EVP_MD_CTX_free(op->md);
	free(op->pub);
	free(op->priv);
	free(op);
}

/* Copies a TPM big-endian number into out, right-aligned in len bytes. */
static CK_RV sign_put(const BYTE *buf, UINT16 size, CK_BYTE *out, size_t len)
{
	if (size > len)
		return CKR_DEVICE_ERROR;
	memset(out, 0, len - size);
	memcpy(out + len - size, buf, size);
	return CKR_OK;
}

/*
 * ECDSA of a digest of the curve's size: a longer input is cut to its
 * leftmost bytes, a shorter one padded on the left with zeros (the same
 * number), as ECDSA takes the leftmost bits of the hash.
 */
static CK_RV sign_ecdsa(struct tpm_conn *c, const struct tpm_parent *parent, ESYS_TR key,
                        const struct sign_op *op, const CK_BYTE *in, size_t len, CK_BYTE *out)
{
	const size_t n = op->curve->bytes;
	TPM2B_DIGEST digest = {.size = (UINT16)n};
	TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_ECDSA};
	TPMT_TK_HASHCHECK check = {.tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL};
	TPMT_SIGNATURE *sig = NULL;
	CK_RV rv;

	scheme.details.ecdsa.hashAlg = op->curve->hash;
	if (len >= n)
		memcpy(digest.buffer, in, n);
	else if (len > 0)
		memcpy(digest.buffer + n - len, in, len);
	rv = tpm_conn_rv(Esys_Sign(c->esys, key, parent->session, ESYS_TR_NONE, ESYS_TR_NONE,
	                           &digest, &scheme, &check, &sig));
	if (rv == CKR_OK)
		rv = sign_put(sig->signature.ecdsa.signatureR.buffer,
		              sig->signature.ecdsa.signatureR.size, out, n);
	if (rv == CKR_OK)
		rv = sign_put(sig->signature.ecdsa.signatureS.buffer,
		              sig->signature.ecdsa.signatureS.size, out + n, n);
	Esys_Free(sig);
	return rv;
}

/* PKCS#1 v1.5 type 1 padding of t, then the raw RSA private operation. */
static CK_RV sign_rsa(struct tpm_conn *c, const struct tpm_parent *parent, ESYS_TR key,
                      const struct sign_op *op, const CK_BYTE *t, size_t len, CK_BYTE *out)
{
	const size_t k = op->sig_len;
	TPM2B_PUBLIC_KEY_RSA block = {.size = (UINT16)k};
	TPMT_RSA_DECRYPT scheme = {.scheme = TPM2_ALG_NULL};
	TPM2B_DATA label = {.size = 0};
	TPM2B_PUBLIC_KEY_RSA *sig = NULL;
	CK_RV rv;

	if (len + 11 > k)
		return CKR_DATA_LEN_RANGE;
	block.buffer[0] = 0x00;
	block.buffer[1] = 0x01;
	memset(block.buffer + 2, 0xff, k - len - 3);
	block.buffer[k - len - 1] = 0x00;
	if (len > 0)
		memcpy(block.buffer + k - len, t, len);
	rv = tpm_conn_rv(Esys_RSA_Decrypt(c->esys, key, parent->session, ESYS_TR_NONE, ESYS_TR_NONE,
	                                  &block, &scheme, &label, &sig));
	if (rv == CKR_OK)
		rv = sign_put(sig->buffer, sig->size, out, k);
	Esys_Free(sig);
	return rv;
}

/* RSASSA-PSS of a digest by the TPM (TPM2_Sign), its salt as long as the digest. */
static CK_RV sign_pss(struct tpm_conn *c, const struct tpm_parent *parent, ESYS_TR key,
                      const struct sign_op *op, const CK_BYTE *in, size_t len, CK_BYTE *out)
{
	TPM2B_DIGEST digest = {.size = (UINT16)len};
	TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_RSAPSS};
	TPMT_TK_HASHCHECK check = {.tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL};
	TPMT_SIGNATURE *sig = NULL;
	CK_RV rv;

	if (len != op->pss.len || len > sizeof(digest.buffer))
		return CKR_DATA_LEN_RANGE;
	scheme.details.rsapss.hashAlg = op->pss.hash;
	memcpy(digest.buffer, in, len);
	rv = tpm_conn_rv(Esys_Sign(c->esys, key, parent->session, ESYS_TR_NONE, ESYS_TR_NONE,
	                           &digest, &scheme, &check, &sig));
	if (rv == CKR_OK)
		rv = sign_put(sig->signature.rsapss.sig.buffer, sig->signature.rsapss.sig.size, out,
		              op->sig_len);
	Esys_Free(sig);
	return rv;
}

/* One signature on the key, loaded or found still loaded (tpm_call.h). */
static CK_RV sign_once(struct sign_op *op, const CK_BYTE *in, size_t len, CK_BYTE *out,
                       struct tpm_call *call)
{
	CK_RV rv = tpm_call_key(op->ctx, op->pub, op->pub_len, op->priv, op->priv_len, call);

	if (rv != CKR_OK)
		return rv;
	if (op->mech->key_type == CKK_EC)
		rv = sign_ecdsa(&call->conn, &call->parent, call->key, op, in, len, out);
	else if (op->mech->pss)
		rv = sign_pss(&call->conn, &call->parent, call->key, op, in, len, out);
	else
		rv = sign_rsa(&call->conn, &call->parent, call->key, op, in, len, out);
	return tpm_call_finish(call, rv);
}

/* A signature, tried once more on fresh state when the kept state failed. */
static CK_RV sign_run(struct sign_op *op, const CK_BYTE *in, size_t len, CK_BYTE *out)
{
	struct tpm_call call;
	CK_RV rv = sign_once(op, in, len, out, &call);

	if (tpm_call_retry(&call, rv))
		rv = sign_once(op, in, len, out, &call);
	return rv;
}

/* The output-length rules of PKCS#11; CKR_OK with *done false means "sign now". */
static CK_RV sign_room(const struct sign_op *op, CK_BYTE *out, CK_ULONG *outlen, bool *done)
{
	*done = true;
	if (outlen == NULL)
		return CKR_ARGUMENTS_BAD;
	if (out == NULL) {
		*outlen = op->sig_len;
		return CKR_OK;
	}
	if (*outlen < op->sig_len) {
		*outlen = op->sig_len;
		return CKR_BUFFER_TOO_SMALL;
	}
	*done = false;
	return CKR_OK;
}

CK_RV tpm_sign_digest_final(const struct tpm_sign_mech *m, EVP_MD_CTX *md,
                            CK_BYTE tbs[TPM_SIGN_TBS_MAX], size_t *len)
{
	CK_BYTE digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	if (EVP_DigestFinal_ex(md, m->digest_info ? digest : tbs, &dlen) != 1)
		return CKR_FUNCTION_FAILED;
	*len = dlen;
	if (m->digest_info)
		*len = tpm_der_digest_info(EVP_MD_get_type(EVP_MD_CTX_get0_md(md)), digest, dlen,
		                           tbs, TPM_SIGN_TBS_MAX);
	return *len > 0 ? CKR_OK : CKR_FUNCTION_FAILED;
}

/* Signs the digest in op->md (with its DigestInfo for RSA). */
static CK_RV sign_digest(struct sign_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	CK_BYTE t[TPM_SIGN_TBS_MAX];
	size_t len = 0;
	CK_RV rv = tpm_sign_digest_final(op->mech, op->md, t, &len);

	if (rv == CKR_OK)
		rv = sign_run(op, t, len, out);
	if (rv == CKR_OK)
		*outlen = op->sig_len;
	return rv;
}

CK_RV tpm_sign_single(void *p, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct sign_op *op = p;
	bool done;
	CK_RV rv = sign_room(op, out, outlen, &done);

	if (done)
		return rv;
	if (in == NULL && inlen > 0)
		return CKR_ARGUMENTS_BAD;
	if (op->md != NULL) {
		if (EVP_DigestUpdate(op->md, in, inlen) != 1)
			return CKR_FUNCTION_FAILED;
		return sign_digest(op, out, outlen);
	}
	if (op->mech->pss && inlen != op->pss.len)
		return CKR_DATA_LEN_RANGE;
	if (op->mech->key_type == CKK_RSA && inlen + 11 > op->sig_len)
		return CKR_DATA_LEN_RANGE;
	rv = sign_run(op, in, inlen, out);
	if (rv == CKR_OK)
		*outlen = op->sig_len;
	return rv;
}

CK_RV tpm_sign_update(void *p, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct sign_op *op = p;

	if (op->md == NULL)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (in == NULL && inlen > 0)
		return CKR_ARGUMENTS_BAD;
	return EVP_DigestUpdate(op->md, in, inlen) == 1 ? CKR_OK : CKR_FUNCTION_FAILED;
}

CK_RV tpm_sign_final(void *p, CK_BYTE *out, CK_ULONG *outlen)
{
	struct sign_op *op = p;
	bool done;
	CK_RV rv;

	if (op->md == NULL)
		return CKR_FUNCTION_NOT_SUPPORTED;
	rv = sign_room(op, out, outlen, &done);
	if (done)
		return rv;
	return sign_digest(op, out, outlen);
}
