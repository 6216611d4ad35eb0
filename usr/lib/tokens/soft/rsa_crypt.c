/*
 * RSA encryption and decryption of the soft backend (see rsa_crypt.h).
 *
 * Encryption and decryption are single-part.  OpenSSL writes only into
 * buffers of the modulus size: a decryption whose caller offers less
 * (enough for the message, which is shorter) goes through a buffer on the
 * stack that is wiped afterwards.
 */
#include "rsa_crypt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

#include "asym.h"
#include "rsa_keys.h"

#define RSA_MAX_BYTES (SOFT_RSA_MAX_BITS / 8)
/* Bytes of PKCS#1 v1.5 padding around a message. */
#define RSA_PKCS1_OVERHEAD 11

struct rsa_crypt_op {
	struct soft_op base;
	EVP_PKEY_CTX *pctx;
	CK_ULONG k;       /* modulus bytes: the ciphertext length */
	CK_ULONG max_msg; /* longest message */
	bool raw;         /* CKM_RSA_X_509: messages are left-padded with zeros */
};

static void rsa_crypt_free(struct soft_op *base)
{
	struct rsa_crypt_op *op = (struct rsa_crypt_op *)base;

	EVP_PKEY_CTX_free(op->pctx);
	free(op);
}

static CK_RV rsa_encrypt(struct soft_op *base, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                         CK_ULONG *outlen)
{
	struct rsa_crypt_op *op = (struct rsa_crypt_op *)base;
	CK_BYTE pad[RSA_MAX_BYTES];
	size_t len = op->k;
	bool done;
	CK_RV rv;

	if (inlen > op->max_msg)
		return CKR_DATA_LEN_RANGE;
	rv = soft_out_check(out, outlen, op->k, &done);
	if (done)
		return rv;
	if (op->raw) {
		memset(pad, 0, op->k - inlen);
		memcpy(pad + op->k - inlen, in, inlen);
		in = pad;
		inlen = op->k;
	}
	if (EVP_PKEY_encrypt(op->pctx, out, &len, in, inlen) != 1) {
		/* A raw message can still be too large: not below the modulus. */
		if (op->raw && soft_asym_rsa_too_large())
			return CKR_DATA_LEN_RANGE;
		return soft_ossl_fail();
	}
	*outlen = len;
	return CKR_OK;
}

static CK_RV rsa_decrypt(struct soft_op *base, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                         CK_ULONG *outlen)
{
	struct rsa_crypt_op *op = (struct rsa_crypt_op *)base;
	CK_BYTE tmp[RSA_MAX_BYTES];
	size_t len = op->k;
	bool direct;
	CK_RV rv = CKR_OK;

	if (!outlen)
		return CKR_ARGUMENTS_BAD;
	if (inlen != op->k)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (!out) {
		*outlen = op->max_msg;
		return CKR_OK;
	}
	direct = *outlen >= op->k;
	if (EVP_PKEY_decrypt(op->pctx, direct ? out : tmp, &len, in, inlen) != 1) {
		soft_ossl_fail();
		return CKR_ENCRYPTED_DATA_INVALID;
	}
	if (!direct) {
		if (len > *outlen)
			rv = CKR_BUFFER_TOO_SMALL;
		else
			memcpy(out, tmp, len);
		OPENSSL_cleanse(tmp, op->k);
	}
	*outlen = len;
	return rv;
}

static const struct soft_op_ops rsa_encrypt_ops = {
    .single = rsa_encrypt,
    .free = rsa_crypt_free,
};

static const struct soft_op_ops rsa_decrypt_ops = {
    .single = rsa_decrypt,
    .free = rsa_crypt_free,
};

/* Sets the OAEP label; OpenSSL takes ownership of its own copy. */
static CK_RV rsa_oaep_label(EVP_PKEY_CTX *ctx, const CK_RSA_PKCS_OAEP_PARAMS *p)
{
	unsigned char *label;

	if (p->ulSourceDataLen == 0)
		return CKR_OK;
	label = OPENSSL_memdup(p->pSourceData, p->ulSourceDataLen);
	if (!label)
		return CKR_HOST_MEMORY;
	if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, (int)p->ulSourceDataLen) != 1) {
		OPENSSL_free(label);
		return soft_ossl_fail();
	}
	return CKR_OK;
}

/*
 * CK_RSA_PKCS_OAEP_PARAMS: hashAlg and mgf among the supported hashes,
 * source CKZ_DATA_SPECIFIED with an optional label (a source of 0 is
 * taken as no label).
 */
static CK_RV rsa_oaep_setup(struct rsa_crypt_op *op, const CK_MECHANISM *mech)
{
	const CK_RSA_PKCS_OAEP_PARAMS *p;
	const struct soft_hash *hash, *mgf;
	CK_RV rv = soft_asym_param(mech, sizeof(*p), (const void **)&p);

	if (rv != CKR_OK)
		return rv;
	if (!p)
		return CKR_MECHANISM_PARAM_INVALID;
	hash = soft_hash_by_mech(p->hashAlg);
	mgf = soft_hash_by_mgf(p->mgf);
	if (!hash || !mgf || !soft_hash_md(hash) || !soft_hash_md(mgf))
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->source != CKZ_DATA_SPECIFIED && (p->source != 0 || p->ulSourceDataLen != 0))
		return CKR_MECHANISM_PARAM_INVALID;
	if ((p->ulSourceDataLen && !p->pSourceData) || p->ulSourceDataLen > TOK_ATTRS_MAX_VALUE)
		return CKR_MECHANISM_PARAM_INVALID;
	if (op->k < 2 * hash->len + 2)
		return CKR_KEY_SIZE_RANGE;
	op->max_msg = op->k - 2 * hash->len - 2;
	if (EVP_PKEY_CTX_set_rsa_padding(op->pctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(op->pctx, soft_hash_md(hash)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(op->pctx, soft_hash_md(mgf)) != 1)
		return soft_ossl_fail();
	return rsa_oaep_label(op->pctx, p);
}

static CK_RV rsa_crypt_setup(struct rsa_crypt_op *op, const CK_MECHANISM *mech)
{
	int pad;
	CK_RV rv;

	if (mech->mechanism == CKM_RSA_PKCS_OAEP)
		return rsa_oaep_setup(op, mech);
	rv = soft_asym_no_param(mech);
	if (rv != CKR_OK)
		return rv;
	op->raw = mech->mechanism == CKM_RSA_X_509;
	op->max_msg = op->raw ? op->k : op->k - RSA_PKCS1_OVERHEAD;
	pad = op->raw ? RSA_NO_PADDING : RSA_PKCS1_PADDING;
	return EVP_PKEY_CTX_set_rsa_padding(op->pctx, pad) == 1 ? CKR_OK : soft_ossl_fail();
}

static CK_RV rsa_crypt_new(const CK_MECHANISM *mech, const struct os_backend_key *key, bool encrypt,
                           struct rsa_crypt_op **out)
{
	enum os_backend_op kind = encrypt ? OS_BACKEND_OP_ENCRYPT : OS_BACKEND_OP_DECRYPT;
	struct rsa_crypt_op *op;
	EVP_PKEY *pkey;
	CK_RV rv;
	int ok = 0;

	pkey = soft_rsa_key_pkey(key, kind, &rv);
	if (!pkey)
		return rv;
	op = calloc(1, sizeof(*op));
	if (!op) {
		soft_asym_pkey_release(key, pkey);
		return CKR_HOST_MEMORY;
	}
	op->base.ops = encrypt ? &rsa_encrypt_ops : &rsa_decrypt_ops;
	op->k = (CK_ULONG)EVP_PKEY_get_size(pkey);
	op->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	soft_asym_pkey_release(key, pkey);
	if (op->pctx)
		ok = encrypt ? EVP_PKEY_encrypt_init(op->pctx) : EVP_PKEY_decrypt_init(op->pctx);
	rv = op->pctx && ok == 1 ? rsa_crypt_setup(op, mech) : soft_ossl_fail();
	if (rv != CKR_OK) {
		rsa_crypt_free(&op->base);
		return rv;
	}
	*out = op;
	return CKR_OK;
}

CK_RV soft_rsa_crypt_init(const struct soft_mech *m, enum os_backend_op kind,
                          const CK_MECHANISM *mech, const struct os_backend_key *key,
                          struct soft_op **op)
{
	struct rsa_crypt_op *crypt;
	CK_RV rv;

	if (kind != OS_BACKEND_OP_ENCRYPT && kind != OS_BACKEND_OP_DECRYPT)
		return CKR_MECHANISM_INVALID;
	rv = rsa_crypt_new(mech, key, kind == OS_BACKEND_OP_ENCRYPT, &crypt);
	if (rv == CKR_OK)
		*op = &crypt->base;
	return rv;
}

CK_RV soft_rsa_wrap(const CK_MECHANISM *mech, const struct os_backend_key *wrapping,
                    const struct tok_attrs *key, CK_BYTE *out, CK_ULONG *outlen)
{
	const CK_ATTRIBUTE *value = tok_attrs_find(key, CKA_VALUE);
	CK_OBJECT_CLASS cls;
	struct rsa_crypt_op *op;
	CK_RV rv;

	if (!tok_attrs_get_ulong(key, CKA_CLASS, &cls) || cls != CKO_SECRET_KEY || !value ||
	    value->ulValueLen == 0)
		return CKR_KEY_NOT_WRAPPABLE;
	rv = rsa_crypt_new(mech, wrapping, true, &op);
	if (rv == CKR_KEY_TYPE_INCONSISTENT)
		return CKR_WRAPPING_KEY_TYPE_INCONSISTENT;
	if (rv != CKR_OK)
		return rv;
	rv = rsa_encrypt(&op->base, value->pValue, value->ulValueLen, out, outlen);
	rsa_crypt_free(&op->base);
	return rv == CKR_DATA_LEN_RANGE ? CKR_KEY_SIZE_RANGE : rv;
}

CK_RV soft_rsa_unwrap(const CK_MECHANISM *mech, const struct os_backend_key *unwrapping,
                      const CK_BYTE *in, CK_ULONG inlen, struct tok_attrs *key)
{
	CK_BYTE value[RSA_MAX_BYTES];
	CK_ULONG len = sizeof(value);
	struct rsa_crypt_op *op;
	CK_RV rv = rsa_crypt_new(mech, unwrapping, false, &op);

	if (rv == CKR_KEY_TYPE_INCONSISTENT)
		return CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	if (rv != CKR_OK)
		return rv;
	rv = rsa_decrypt(&op->base, in, inlen, value, &len);
	rsa_crypt_free(&op->base);
	if (rv == CKR_ENCRYPTED_DATA_LEN_RANGE)
		return CKR_WRAPPED_KEY_LEN_RANGE;
	if (rv == CKR_ENCRYPTED_DATA_INVALID)
		return CKR_WRAPPED_KEY_INVALID;
	if (rv == CKR_OK)
		rv = soft_asym_set_secret(key, value, len);
	OPENSSL_cleanse(value, sizeof(value));
	return rv;
}
