/*
 * RSA encryption and decryption with the token's keys (see tpm_crypt.h).
 */
#include "tpm_crypt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "tpm_call.h"
#include "tpm_keys.h"
#include "tpm_parent.h"
#include "tpm_verify.h"

#define CRYPT_MAX_MODULUS 512

struct crypt_op {
	struct tpm_ctx *ctx;
	enum os_backend_op kind;
	CK_MECHANISM_TYPE mech;
	TPM2_ALG_ID hash;    /* OAEP */
	const char *md_name; /* OAEP, for OpenSSL */
	size_t k;            /* modulus bytes */
	EVP_PKEY *pkey;      /* encryption */
	CK_BYTE *pub, *priv; /* decryption: the key's blobs */
	size_t pub_len, priv_len;
};

/* The OAEP parameters the TPM can honour: one hash for both, no label. */
static CK_RV crypt_oaep(const CK_MECHANISM *mech, struct crypt_op *op)
{
	const CK_RSA_PKCS_OAEP_PARAMS *p = mech->pParameter;

	if (p == NULL || mech->ulParameterLen != sizeof(*p))
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->hashAlg == CKM_SHA_1 && p->mgf == CKG_MGF1_SHA1) {
		op->hash = TPM2_ALG_SHA1;
		op->md_name = "SHA1";
	} else if (p->hashAlg == CKM_SHA256 && p->mgf == CKG_MGF1_SHA256) {
		op->hash = TPM2_ALG_SHA256;
		op->md_name = "SHA256";
	} else {
		return CKR_MECHANISM_PARAM_INVALID;
	}
	if ((p->source != 0 && p->source != CKZ_DATA_SPECIFIED) || p->ulSourceDataLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!tpm_caps_has_alg(&op->ctx->caps, op->hash))
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

static CK_RV crypt_check(struct crypt_op *op, const CK_MECHANISM *mech,
                         const struct os_backend_key *key)
{
	CK_OBJECT_CLASS want = op->kind == OS_BACKEND_OP_DECRYPT ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY;
	CK_MECHANISM_INFO info;
	const CK_ATTRIBUTE *n;
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE kt;
	CK_RV rv = CKR_OK;

	if ((mech->mechanism != CKM_RSA_PKCS && mech->mechanism != CKM_RSA_PKCS_OAEP) ||
	    tpm_mechs_info(&op->ctx->mechs, mech->mechanism, &info) != CKR_OK)
		return CKR_MECHANISM_INVALID;
	if (mech->mechanism == CKM_RSA_PKCS_OAEP)
		rv = crypt_oaep(mech, op);
	else if (mech->pParameter != NULL || mech->ulParameterLen != 0)
		rv = CKR_MECHANISM_PARAM_INVALID;
	if (rv != CKR_OK)
		return rv;
	if (key == NULL || !tok_attrs_get_ulong(key->attrs, CKA_CLASS, &cls) || cls != want ||
	    !tok_attrs_get_ulong(key->attrs, CKA_KEY_TYPE, &kt) || kt != CKK_RSA)
		return CKR_KEY_TYPE_INCONSISTENT;
	n = tok_attrs_find(key->attrs, CKA_MODULUS);
	if (n == NULL || n->ulValueLen < 64 || n->ulValueLen > CRYPT_MAX_MODULUS)
		return CKR_KEY_TYPE_INCONSISTENT;
	op->k = n->ulValueLen;
	return CKR_OK;
}

static CK_RV crypt_blob(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_BYTE **out,
                        size_t *len)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(a, type);

	if (at == NULL || at->ulValueLen == 0)
		return CKR_KEY_TYPE_INCONSISTENT;
	*out = OPENSSL_memdup(at->pValue, at->ulValueLen);
	*len = at->ulValueLen;
	return *out != NULL ? CKR_OK : CKR_HOST_MEMORY;
}

CK_RV tpm_crypt_init(struct tpm_ctx *ctx, enum os_backend_op kind, const CK_MECHANISM *mech,
                     const struct os_backend_key *key, void **out)
{
	struct crypt_op *op = calloc(1, sizeof(*op));
	CK_RV rv;

	if (op == NULL)
		return CKR_HOST_MEMORY;
	op->ctx = ctx;
	op->kind = kind;
	op->mech = mech->mechanism;
	rv = crypt_check(op, mech, key);
	if (rv == CKR_OK && kind == OS_BACKEND_OP_ENCRYPT) {
		op->pkey = tpm_verify_rsa_pkey(key->attrs);
		if (op->pkey == NULL)
			rv = CKR_KEY_TYPE_INCONSISTENT;
	} else if (rv == CKR_OK) {
		rv = crypt_blob(key->attrs, TPM_KEYS_CKA_PUBLIC, &op->pub, &op->pub_len);
		if (rv == CKR_OK)
			rv = crypt_blob(key->attrs, TPM_KEYS_CKA_PRIVATE, &op->priv, &op->priv_len);
	}
	if (rv != CKR_OK) {
		tpm_crypt_free(op);
		return rv;
	}
	*out = op;
	return CKR_OK;
}

static CK_RV crypt_encrypt(const struct crypt_op *op, const CK_BYTE *in, size_t inlen, CK_BYTE *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, op->pkey, NULL);
	size_t len = op->k;
	int ok = ctx != NULL && EVP_PKEY_encrypt_init(ctx) == 1;

	if (ok && op->mech == CKM_RSA_PKCS_OAEP)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, op->md_name, NULL) == 1 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, op->md_name, NULL) == 1;
	else if (ok)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
	ok = ok && EVP_PKEY_encrypt(ctx, out, &len, in, inlen) == 1 && len == op->k;
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return ok ? CKR_OK : CKR_FUNCTION_FAILED;
}

/* The TPM refusing a ciphertext (bad padding, a value too large) is the caller's error. */
static CK_RV crypt_rv(TSS2_RC rc)
{
	if (rc != TSS2_RC_SUCCESS && (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER)
		return CKR_ENCRYPTED_DATA_INVALID;
	return tpm_conn_rv(rc);
}

/* TPM2_RSA_Decrypt of in; the plaintext goes to msg (op->k bytes at most). */
static CK_RV crypt_decrypt(struct crypt_op *op, const CK_BYTE *in, size_t inlen, CK_BYTE *msg,
                           size_t *msglen)
{
	TPM2B_PUBLIC_KEY_RSA c = {.size = (UINT16)inlen};
	TPMT_RSA_DECRYPT scheme = {.scheme = TPM2_ALG_RSAES};
	TPM2B_DATA label = {.size = 0};
	TPM2B_PUBLIC_KEY_RSA *m = NULL;
	struct tpm_call call;
	CK_RV rv;

	if (op->mech == CKM_RSA_PKCS_OAEP) {
		scheme.scheme = TPM2_ALG_OAEP;
		scheme.details.oaep.hashAlg = op->hash;
	}
	memcpy(c.buffer, in, inlen);
	for (int tries = 0; tries < 2; tries++) {
		rv = tpm_call_key(op->ctx, op->pub, op->pub_len, op->priv, op->priv_len, &call);
		if (rv != CKR_OK)
			return rv;
		rv = tpm_call_finish(
		    &call, crypt_rv(Esys_RSA_Decrypt(call.conn.esys, call.key, call.parent.session,
		                                     ESYS_TR_NONE, ESYS_TR_NONE, &c, &scheme,
		                                     &label, &m)));
		if (!tpm_call_retry(&call, rv))
			break;
	}
	if (rv == CKR_OK && m->size <= op->k) {
		memcpy(msg, m->buffer, m->size);
		*msglen = m->size;
	} else if (rv == CKR_OK) {
		rv = CKR_DEVICE_ERROR;
	}
	if (m != NULL) {
		OPENSSL_cleanse(m->buffer, sizeof(m->buffer));
		Esys_Free(m);
	}
	return rv;
}

static CK_RV crypt_decrypt_out(struct crypt_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                               CK_ULONG *outlen)
{
	CK_BYTE msg[CRYPT_MAX_MODULUS];
	size_t len = 0;
	CK_RV rv;

	if (inlen != op->k)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (out == NULL) {
		*outlen = op->k;
		return CKR_OK;
	}
	rv = crypt_decrypt(op, in, inlen, msg, &len);
	if (rv == CKR_OK && *outlen < len)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (rv == CKR_OK)
		memcpy(out, msg, len);
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*outlen = len;
	OPENSSL_cleanse(msg, sizeof(msg));
	return rv;
}

static CK_RV crypt_encrypt_out(struct crypt_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                               CK_ULONG *outlen)
{
	size_t over = op->mech == CKM_RSA_PKCS ? 11 : 2 * (op->hash == TPM2_ALG_SHA1 ? 20 : 32) + 2;
	CK_RV rv;

	if (inlen + over > op->k)
		return CKR_DATA_LEN_RANGE;
	if (out == NULL) {
		*outlen = op->k;
		return CKR_OK;
	}
	if (*outlen < op->k) {
		*outlen = op->k;
		return CKR_BUFFER_TOO_SMALL;
	}
	rv = crypt_encrypt(op, in, inlen, out);
	if (rv == CKR_OK)
		*outlen = op->k;
	return rv;
}

CK_RV tpm_crypt_single(void *p, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct crypt_op *op = p;

	if (outlen == NULL || (in == NULL && inlen > 0))
		return CKR_ARGUMENTS_BAD;
	if (op->kind == OS_BACKEND_OP_DECRYPT)
		return crypt_decrypt_out(op, in, inlen, out, outlen);
	return crypt_encrypt_out(op, in, inlen, out, outlen);
}

void tpm_crypt_free(void *p)
{
	struct crypt_op *op = p;

	if (op == NULL)
		return;
	EVP_PKEY_free(op->pkey);
	OPENSSL_free(op->pub);
	OPENSSL_free(op->priv);
	free(op);
}
