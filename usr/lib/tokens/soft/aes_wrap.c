/*
 * AES key wrap: CKM_AES_KEY_WRAP (RFC 3394, with an optional 8-byte
 * initial value as parameter) and CKM_AES_KEY_WRAP_KWP (RFC 5649, with an
 * optional 4-byte one), as single-part encryption and decryption; and
 * C_WrapKey / C_UnwrapKey of secret keys for every AES and DES mechanism
 * that wraps, through that mechanism's single-part encryption.
 *
 * Wrapping encrypts the key's CKA_VALUE.  ECB and CBC pad it with zero
 * bytes to whole blocks and CKM_AES_KEY_WRAP to whole 8-byte semiblocks
 * (two at least), as PKCS#11 specifies; unwrapping truncates the result to
 * the template's CKA_VALUE_LEN when it gives one.
 */
#include "aes.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "des.h"
#include "secret.h"

#define KW_SEMIBLOCK 8

struct aes_kw_op {
	struct soft_op base;
	EVP_CIPHER_CTX *ctx;
	bool encrypt;
	bool pad;       /* KWP */
	CK_BYTE *plain; /* KWP decryption: the result, unwrapped once */
	size_t nplain;
	size_t cap;
};

/* Runs the whole input through the wrap cipher; *outl is what it wrote. */
static CK_RV kw_run(struct aes_kw_op *k, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                    size_t *outl)
{
	int n = 0;

	if (EVP_CipherUpdate(k->ctx, out, &n, in, (int)inlen) != 1 || n < 0) {
		ERR_clear_error();
		return k->encrypt ? CKR_FUNCTION_FAILED : CKR_ENCRYPTED_DATA_INVALID;
	}
	*outl = (size_t)n;
	return CKR_OK;
}

static CK_RV kw_seal(struct aes_kw_op *k, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                     CK_ULONG *outlen)
{
	CK_ULONG need;
	size_t n;
	bool done;
	CK_RV rv;

	if (k->pad ? inlen == 0 : (inlen % KW_SEMIBLOCK || inlen < 2 * KW_SEMIBLOCK))
		return CKR_DATA_LEN_RANGE;
	if (inlen > INT_MAX - 2 * KW_SEMIBLOCK)
		return CKR_DATA_LEN_RANGE;
	need = (inlen + KW_SEMIBLOCK - 1) / KW_SEMIBLOCK * KW_SEMIBLOCK + KW_SEMIBLOCK;
	rv = soft_out_check(out, outlen, need, &done);
	if (done)
		return rv;
	rv = kw_run(k, in, inlen, out, &n);
	if (rv == CKR_OK && n != need)
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK)
		*outlen = need;
	return rv;
}

/* KWP decryption: the plaintext length is known once unwrapped, so that is done first, once. */
static CK_RV kw_open_pad(struct aes_kw_op *k, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                         CK_ULONG *outlen)
{
	bool done;
	CK_RV rv;

	if (!k->plain) {
		k->cap = inlen;
		k->plain = malloc(k->cap);
		if (!k->plain)
			return CKR_HOST_MEMORY;
		rv = kw_run(k, in, inlen, k->plain, &k->nplain);
		if (rv == CKR_OK && k->nplain > inlen - KW_SEMIBLOCK)
			rv = CKR_FUNCTION_FAILED;
		if (rv != CKR_OK) {
			OPENSSL_clear_free(k->plain, k->cap);
			k->plain = NULL;
			return rv;
		}
	}
	rv = soft_out_check(out, outlen, k->nplain, &done);
	if (done)
		return rv;
	memcpy(out, k->plain, k->nplain);
	*outlen = k->nplain;
	return CKR_OK;
}

static CK_RV kw_open(struct aes_kw_op *k, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                     CK_ULONG *outlen)
{
	size_t n;
	bool done;
	CK_RV rv;

	if (inlen % KW_SEMIBLOCK || inlen < (k->pad ? 2 : 3) * KW_SEMIBLOCK || inlen > INT_MAX)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (k->pad)
		return kw_open_pad(k, in, inlen, out, outlen);
	rv = soft_out_check(out, outlen, inlen - KW_SEMIBLOCK, &done);
	if (done)
		return rv;
	rv = kw_run(k, in, inlen, out, &n);
	if (rv == CKR_OK && n != inlen - KW_SEMIBLOCK)
		rv = CKR_FUNCTION_FAILED;
	if (rv != CKR_OK) {
		OPENSSL_cleanse(out, inlen - KW_SEMIBLOCK);
		return rv;
	}
	*outlen = n;
	return CKR_OK;
}

static CK_RV kw_single(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                       CK_ULONG *outlen)
{
	struct aes_kw_op *k = (struct aes_kw_op *)op;

	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	return k->encrypt ? kw_seal(k, in, inlen, out, outlen) : kw_open(k, in, inlen, out, outlen);
}

static void kw_free(struct soft_op *op)
{
	struct aes_kw_op *k = (struct aes_kw_op *)op;

	EVP_CIPHER_CTX_free(k->ctx);
	OPENSSL_clear_free(k->plain, k->cap);
	free(k);
}

/* Key wrap is single-part only. */
static const struct soft_op_ops kw_ops = {
    .single = kw_single,
    .free = kw_free,
};

CK_RV soft_aes_kw_init(const struct soft_mech *m, enum os_backend_op kind, const CK_MECHANISM *mech,
                       const struct os_backend_key *key, struct soft_op **op)
{
	bool pad = m->type == CKM_AES_KEY_WRAP_KWP;
	CK_ULONG ivlen = pad ? 4 : KW_SEMIBLOCK;
	struct aes_kw_op *k;
	CK_RV rv;

	if (kind != OS_BACKEND_OP_ENCRYPT && kind != OS_BACKEND_OP_DECRYPT)
		return CKR_MECHANISM_INVALID;
	if (mech->ulParameterLen != 0 && (mech->ulParameterLen != ivlen || !mech->pParameter))
		return CKR_MECHANISM_PARAM_INVALID;
	k = calloc(1, sizeof(*k));
	if (!k)
		return CKR_HOST_MEMORY;
	k->base.ops = &kw_ops;
	k->encrypt = kind == OS_BACKEND_OP_ENCRYPT;
	k->pad = pad;
	rv = soft_aes_ctx(pad ? SOFT_AES_WRAP_PAD : SOFT_AES_WRAP, key, k->encrypt,
	                  mech->ulParameterLen ? mech->pParameter : NULL, &k->ctx);
	if (rv != CKR_OK) {
		kw_free(&k->base);
		return rv;
	}
	*op = &k->base;
	return CKR_OK;
}

/* The wrapping mechanism of the AES or DES table. */
static const struct soft_mech *wrap_mech(CK_MECHANISM_TYPE type)
{
	static const struct soft_mech *const tables[] = {soft_aes_mechs, soft_des_mechs};

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct soft_mech *m = tables[t]; m->type != CK_UNAVAILABLE_INFORMATION;
		     m++)
			if (m->type == type && (m->flags & CKF_WRAP))
				return m;
	return NULL;
}

/* The length a key value is zero-padded to before wrapping with a mechanism. */
static CK_ULONG wrap_padded_len(CK_MECHANISM_TYPE type, CK_ULONG len)
{
	if (type == CKM_AES_ECB || type == CKM_AES_CBC)
		return (len + SOFT_AES_BLOCK - 1) / SOFT_AES_BLOCK * SOFT_AES_BLOCK;
	if (type == CKM_DES3_ECB || type == CKM_DES3_CBC || type == CKM_DES_ECB ||
	    type == CKM_DES_CBC)
		return (len + SOFT_DES_BLOCK - 1) / SOFT_DES_BLOCK * SOFT_DES_BLOCK;
	if (type == CKM_AES_KEY_WRAP) {
		len = (len + KW_SEMIBLOCK - 1) / KW_SEMIBLOCK * KW_SEMIBLOCK;
		return len < 2 * KW_SEMIBLOCK ? 2 * KW_SEMIBLOCK : len;
	}
	return len;
}

/* The error of C_WrapKey / C_UnwrapKey for an error of the (un)wrapping key's operation init. */
static CK_RV wrap_init_error(CK_RV rv, bool wrap)
{
	if (rv == CKR_KEY_TYPE_INCONSISTENT)
		return wrap ? CKR_WRAPPING_KEY_TYPE_INCONSISTENT
		            : CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	if (rv == CKR_KEY_SIZE_RANGE)
		return wrap ? CKR_WRAPPING_KEY_SIZE_RANGE : CKR_UNWRAPPING_KEY_SIZE_RANGE;
	return rv;
}

CK_RV soft_aes_wrap(const CK_MECHANISM *mech, const struct os_backend_key *wrapping,
                    const struct tok_attrs *key, CK_BYTE *out, CK_ULONG *outlen)
{
	const struct soft_mech *m = wrap_mech(mech->mechanism);
	struct soft_op *op = NULL;
	const CK_BYTE *val;
	CK_BYTE *padded = NULL;
	CK_KEY_TYPE type;
	CK_ULONG len, plen;
	CK_RV rv;

	if (!m)
		return CKR_MECHANISM_INVALID;
	if (soft_secret_get(key, &type, &val, &len) != CKR_OK)
		return CKR_KEY_NOT_WRAPPABLE;
	plen = wrap_padded_len(m->type, len);
	if (plen != len) {
		padded = calloc(1, plen);
		if (!padded)
			return CKR_HOST_MEMORY;
		memcpy(padded, val, len);
		val = padded;
	}
	rv = wrap_init_error(m->init(m, OS_BACKEND_OP_ENCRYPT, mech, wrapping, &op), true);
	if (rv == CKR_OK) {
		rv = op->ops->single(op, val, plen, out, outlen);
		if (rv == CKR_DATA_LEN_RANGE)
			rv = CKR_KEY_SIZE_RANGE;
		op->ops->free(op);
	}
	OPENSSL_clear_free(padded, plen);
	return rv;
}

/* The error of C_UnwrapKey for an error of decrypting the wrapped key. */
static CK_RV unwrap_error(CK_RV rv)
{
	if (rv == CKR_ENCRYPTED_DATA_INVALID)
		return CKR_WRAPPED_KEY_INVALID;
	if (rv == CKR_ENCRYPTED_DATA_LEN_RANGE)
		return CKR_WRAPPED_KEY_LEN_RANGE;
	return rv;
}

CK_RV soft_aes_unwrap(const CK_MECHANISM *mech, const struct os_backend_key *unwrapping,
                      const CK_BYTE *in, CK_ULONG inlen, struct tok_attrs *key)
{
	const struct soft_mech *m = wrap_mech(mech->mechanism);
	struct soft_op *op = NULL;
	CK_BYTE *plain = NULL;
	CK_ULONG len = 0, cap = 0;
	CK_RV rv;

	if (!m)
		return CKR_MECHANISM_INVALID;
	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	rv = wrap_init_error(m->init(m, OS_BACKEND_OP_DECRYPT, mech, unwrapping, &op), false);
	if (rv != CKR_OK)
		return rv;
	rv = op->ops->single(op, in, inlen, NULL, &cap);
	if (rv == CKR_OK) {
		plain = malloc(cap ? cap : 1);
		len = cap;
		rv = plain ? op->ops->single(op, in, inlen, plain, &len) : CKR_HOST_MEMORY;
	}
	op->ops->free(op);
	rv = unwrap_error(rv);
	if (rv == CKR_OK)
		rv = soft_secret_unwrapped(key, plain, len);
	OPENSSL_clear_free(plain, cap);
	return rv;
}
