/*
 * AES-GCM and AES-CCM, the authenticated modes.
 *
 * GCM encryption streams: each C_EncryptUpdate returns as many bytes as
 * it was given, and C_EncryptFinal returns the tag.  GCM decryption never
 * releases plaintext before the tag is verified: C_DecryptUpdate gathers
 * the ciphertext (returning nothing) and C_DecryptFinal decrypts and
 * verifies it at once; C_Decrypt does the same in one call.  A tag that
 * does not verify gives CKR_ENCRYPTED_DATA_INVALID and leaves no
 * plaintext in the caller's buffer.
 *
 * CCM needs the payload length before it starts (ulDataLen of
 * CK_CCM_PARAMS: the length of the plaintext, in both directions), so the
 * nonce, length and associated data are all run at C_*Init and the payload
 * at once in C_Encrypt / C_Decrypt or the final call, updates gathering it.
 *
 * CK_GCM_PARAMS comes in two layouts: the one of the PKCS#11 2.40 and 3.0
 * headers, with ulIvBits after ulIvLen, and an older one without that
 * member (pIv, ulIvLen, pAAD, ulAADLen, ulTagBits), which applications
 * written against openCryptoki's headers still pass.  The two differ in
 * size on every ABI, so ulParameterLen tells which one the caller meant;
 * any other length is CKR_MECHANISM_PARAM_INVALID.  CK_CCM_PARAMS has
 * only ever had one layout (ulDataLen, pNonce, ulNonceLen, pAAD, ulAADLen,
 * ulMACLen), and a parameter of another length is refused the same way.
 */
#include "aes.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "secret.h"

/* CK_GCM_PARAMS as headers before PKCS#11 2.40 declared it: no ulIvBits. */
struct aead_gcm_params_old {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulTagBits;
};

_Static_assert(sizeof(struct aead_gcm_params_old) != sizeof(CK_GCM_PARAMS),
               "the two CK_GCM_PARAMS layouts must differ in size");

/* The longest GCM IV OpenSSL takes, in bytes. */
#define AEAD_GCM_IV_MAX 128

struct aes_aead_op {
	struct soft_op base;
	EVP_CIPHER_CTX *ctx;
	bool encrypt;
	CK_ULONG taglen;  /* bytes */
	CK_ULONG datalen; /* CCM: the payload length of the parameters */
	CK_BYTE *buf;     /* input gathered by updates */
	size_t len;
	size_t cap;
	size_t most; /* the most input the operation can take */
};

static void aead_free(struct soft_op *op)
{
	struct aes_aead_op *a = (struct aes_aead_op *)op;

	EVP_CIPHER_CTX_free(a->ctx);
	OPENSSL_clear_free(a->buf, a->cap);
	free(a);
}

/* An update that gathers its input for the final call and outputs nothing. */
static CK_RV aead_gather(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                         CK_ULONG *outlen)
{
	struct aes_aead_op *a = (struct aes_aead_op *)op;
	bool done;
	CK_RV rv;

	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	rv = soft_out_check(out, outlen, 0, &done);
	if (done)
		return rv;
	if (inlen > a->most - a->len)
		return a->encrypt ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (a->len + inlen > a->cap) {
		size_t cap = a->cap ? a->cap : 256;
		CK_BYTE *grown;

		while (cap < a->len + inlen)
			cap *= 2;
		grown = malloc(cap);
		if (!grown)
			return CKR_HOST_MEMORY;
		if (a->len)
			memcpy(grown, a->buf, a->len);
		OPENSSL_clear_free(a->buf, a->cap);
		a->buf = grown;
		a->cap = cap;
	}
	if (inlen)
		memcpy(a->buf + a->len, in, inlen);
	a->len += inlen;
	*outlen = 0;
	return CKR_OK;
}

static CK_RV gcm_seal_final(struct soft_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	struct aes_aead_op *a = (struct aes_aead_op *)op;
	CK_BYTE tag[SOFT_AES_BLOCK];
	int outl = 0;
	bool done;
	CK_RV rv = soft_out_check(out, outlen, a->taglen, &done);

	if (done)
		return rv;
	if (EVP_CipherFinal_ex(a->ctx, tag, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, (int)a->taglen, tag) != 1)
		return soft_ossl_fail();
	memcpy(out, tag, a->taglen);
	*outlen = a->taglen;
	return CKR_OK;
}

static CK_RV gcm_seal_update(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                             CK_ULONG *outlen)
{
	struct aes_aead_op *a = (struct aes_aead_op *)op;
	bool done;
	CK_RV rv;

	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	rv = soft_out_check(out, outlen, inlen, &done);
	if (done)
		return rv;
	rv = soft_aes_run(a->ctx, in, inlen, out);
	if (rv == CKR_OK)
		*outlen = inlen;
	return rv;
}

static CK_RV gcm_seal(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                      CK_ULONG *outlen)
{
	struct aes_aead_op *a = (struct aes_aead_op *)op;
	CK_ULONG tail = a->taglen;
	bool done;
	CK_RV rv;

	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	if (inlen > (CK_ULONG)-1 - a->taglen)
		return CKR_DATA_LEN_RANGE;
	rv = soft_out_check(out, outlen, inlen + a->taglen, &done);
	if (done)
		return rv;
	rv = soft_aes_run(a->ctx, in, inlen, out);
	if (rv == CKR_OK)
		rv = gcm_seal_final(op, out + inlen, &tail);
	if (rv == CKR_OK)
		*outlen = inlen + a->taglen;
	return rv;
}

/* Decrypts ciphertext-and-tag data into out, verifying the tag before returning CKR_OK. */
static CK_RV gcm_open_data(struct aes_aead_op *a, const CK_BYTE *data, CK_ULONG len, CK_BYTE *out,
                           CK_ULONG *outlen)
{
	CK_BYTE scratch[SOFT_AES_BLOCK];
	CK_ULONG n;
	int outl = 0;
	bool done;
	CK_RV rv;

	if (len < a->taglen)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	n = len - a->taglen;
	rv = soft_out_check(out, outlen, n, &done);
	if (done)
		return rv;
	if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)a->taglen,
	                        (void *)(data + n)) != 1)
		return soft_ossl_fail();
	rv = soft_aes_run(a->ctx, data, n, out);
	if (rv == CKR_OK && EVP_CipherFinal_ex(a->ctx, scratch, &outl) != 1) {
		ERR_clear_error();
		rv = CKR_ENCRYPTED_DATA_INVALID;
	}
	if (rv != CKR_OK) {
		OPENSSL_cleanse(out, n);
		return rv;
	}
	*outlen = n;
	return CKR_OK;
}

static CK_RV gcm_open(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                      CK_ULONG *outlen)
{
	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	return gcm_open_data((struct aes_aead_op *)op, in, inlen, out, outlen);
}

static CK_RV gcm_open_final(struct soft_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	struct aes_aead_op *a = (struct aes_aead_op *)op;

	return gcm_open_data(a, a->buf, a->len, out, outlen);
}

static const struct soft_op_ops gcm_seal_ops = {
    .single = gcm_seal,
    .update = gcm_seal_update,
    .final = gcm_seal_final,
    .free = aead_free,
};

static const struct soft_op_ops gcm_open_ops = {
    .single = gcm_open,
    .update = aead_gather,
    .final = gcm_open_final,
    .free = aead_free,
};

/* Feeds associated data, in pieces an int can count. */
static CK_RV aead_aad(EVP_CIPHER_CTX *ctx, const CK_BYTE *aad, CK_ULONG len)
{
	while (len > 0) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len, outl = 0;

		if (EVP_CipherUpdate(ctx, NULL, &outl, aad, chunk) != 1)
			return soft_ossl_fail();
		aad += chunk;
		len -= (CK_ULONG)chunk;
	}
	return CKR_OK;
}

/* The tag lengths of SP 800-38D, in bits. */
static bool gcm_tag_bits_ok(CK_ULONG bits)
{
	return bits == 32 || bits == 64 || (bits >= 96 && bits <= 128 && bits % 8 == 0);
}

static CK_RV gcm_check(const CK_GCM_PARAMS *p)
{
	if (!p->pIv || p->ulIvLen < 1 || p->ulIvLen > AEAD_GCM_IV_MAX)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulIvBits != 0 && p->ulIvBits != p->ulIvLen * 8)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!p->pAAD && p->ulAADLen)
		return CKR_MECHANISM_PARAM_INVALID;
	return gcm_tag_bits_ok(p->ulTagBits) ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}

/* Keys the context and runs the IV and associated data; the default 12-byte IV in one step. */
static CK_RV gcm_start(struct aes_aead_op *a, const CK_GCM_PARAMS *p,
                       const struct os_backend_key *key)
{
	bool std_iv = p->ulIvLen == 12;
	CK_RV rv = soft_aes_ctx(SOFT_AES_GCM, key, a->encrypt, std_iv ? p->pIv : NULL, &a->ctx);

	if (rv != CKR_OK)
		return rv;
	if (!std_iv &&
	    (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_IVLEN, (int)p->ulIvLen, NULL) != 1 ||
	     EVP_CipherInit_ex2(a->ctx, NULL, NULL, p->pIv, a->encrypt, NULL) != 1))
		return soft_ossl_fail();
	return aead_aad(a->ctx, p->pAAD, p->ulAADLen);
}

/* A new operation for kind, or NULL with *rv set (CKR_MECHANISM_INVALID for a kind AEAD does not do). */
static struct aes_aead_op *aead_new(enum os_backend_op kind, CK_RV *rv)
{
	struct aes_aead_op *a;

	if (kind != OS_BACKEND_OP_ENCRYPT && kind != OS_BACKEND_OP_DECRYPT) {
		*rv = CKR_MECHANISM_INVALID;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		*rv = CKR_HOST_MEMORY;
		return NULL;
	}
	a->encrypt = kind == OS_BACKEND_OP_ENCRYPT;
	a->most = SIZE_MAX / 2;
	return a;
}

/*
 * The GCM parameters of mech in the current layout, copied into *out; an
 * old-layout parameter, recognised by its length, gets ulIvBits 0.
 */
static CK_RV gcm_params(const CK_MECHANISM *mech, CK_GCM_PARAMS *out)
{
	const struct aead_gcm_params_old *old;
	const CK_GCM_PARAMS *cur;

	if (soft_secret_param(mech, sizeof(*cur), (const void **)&cur) == CKR_OK) {
		*out = *cur;
		return CKR_OK;
	}
	if (soft_secret_param(mech, sizeof(*old), (const void **)&old) != CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	*out = (CK_GCM_PARAMS){
	    .pIv = old->pIv,
	    .ulIvLen = old->ulIvLen,
	    .ulIvBits = 0, /* not given: ulIvLen alone sizes the IV */
	    .pAAD = old->pAAD,
	    .ulAADLen = old->ulAADLen,
	    .ulTagBits = old->ulTagBits,
	};
	return CKR_OK;
}

CK_RV soft_aes_gcm_init(const struct soft_mech *m, enum os_backend_op kind,
                        const CK_MECHANISM *mech, const struct os_backend_key *key,
                        struct soft_op **op)
{
	CK_GCM_PARAMS params, *p = &params;
	struct aes_aead_op *a;
	CK_RV rv = gcm_params(mech, &params);

	if (rv == CKR_OK)
		rv = gcm_check(p);
	if (rv != CKR_OK)
		return rv;
	a = aead_new(kind, &rv);
	if (!a)
		return rv;
	a->base.ops = a->encrypt ? &gcm_seal_ops : &gcm_open_ops;
	a->taglen = p->ulTagBits / 8;
	rv = gcm_start(a, p, key);
	if (rv != CKR_OK) {
		aead_free(&a->base);
		return rv;
	}
	*op = &a->base;
	return CKR_OK;
}

/*
 * Runs the whole CCM payload: plaintext to ciphertext and tag, or
 * ciphertext and tag to verified plaintext.
 */
static CK_RV ccm_run(struct aes_aead_op *a, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                     CK_ULONG *outlen)
{
	static const CK_BYTE none[1];
	CK_ULONG need = a->encrypt ? a->datalen + a->taglen : a->datalen;
	int outl = 0;
	bool done;
	CK_RV rv;

	if (inlen != (a->encrypt ? a->datalen : a->datalen + a->taglen))
		return a->encrypt ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
	rv = soft_out_check(out, outlen, need, &done);
	if (done)
		return rv;
	if (!a->encrypt && EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)a->taglen,
	                                       (void *)(in + a->datalen)) != 1)
		return soft_ossl_fail();
	if (EVP_CipherUpdate(a->ctx, out, &outl, a->datalen ? in : none, (int)a->datalen) != 1) {
		ERR_clear_error();
		OPENSSL_cleanse(out, a->datalen);
		return a->encrypt ? CKR_FUNCTION_FAILED : CKR_ENCRYPTED_DATA_INVALID;
	}
	if (a->encrypt && EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, (int)a->taglen,
	                                      out + a->datalen) != 1)
		return soft_ossl_fail();
	*outlen = need;
	return CKR_OK;
}

static CK_RV ccm_single(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                        CK_ULONG *outlen)
{
	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	return ccm_run((struct aes_aead_op *)op, in, inlen, out, outlen);
}

static CK_RV ccm_final(struct soft_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	struct aes_aead_op *a = (struct aes_aead_op *)op;

	return ccm_run(a, a->buf, a->len, out, outlen);
}

static const struct soft_op_ops ccm_ops = {
    .single = ccm_single,
    .update = aead_gather,
    .final = ccm_final,
    .free = aead_free,
};

static CK_RV ccm_check(const CK_CCM_PARAMS *p)
{
	CK_ULONG lsize;

	if (!p->pNonce || p->ulNonceLen < 7 || p->ulNonceLen > 13)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulMACLen < 4 || p->ulMACLen > 16 || p->ulMACLen % 2)
		return CKR_MECHANISM_PARAM_INVALID;
	if ((!p->pAAD && p->ulAADLen) || p->ulAADLen > INT_MAX || p->ulDataLen > INT_MAX - 16)
		return CKR_MECHANISM_PARAM_INVALID;
	lsize = 15 - p->ulNonceLen; /* bytes of the length field, 2..8 */
	if (lsize < 4 && p->ulDataLen >> (8 * lsize))
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

/*
 * OpenSSL takes the nonce and tag lengths before the key, then the nonce,
 * the payload length, and the associated data.
 */
static CK_RV ccm_start(struct aes_aead_op *a, const CK_CCM_PARAMS *p,
                       const struct os_backend_key *key)
{
	const CK_BYTE *val;
	CK_ULONG vlen;
	int outl = 0;
	CK_RV rv = soft_aes_key(key, &val, &vlen);

	if (rv != CKR_OK)
		return rv;
	a->ctx = EVP_CIPHER_CTX_new();
	if (!a->ctx)
		return CKR_HOST_MEMORY;
	if (EVP_CipherInit_ex2(a->ctx, soft_fetch_aes(SOFT_AES_CCM, vlen), NULL, NULL, a->encrypt,
	                       NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_IVLEN, (int)p->ulNonceLen, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)p->ulMACLen, NULL) != 1 ||
	    EVP_CipherInit_ex2(a->ctx, NULL, val, p->pNonce, a->encrypt, NULL) != 1 ||
	    EVP_CipherUpdate(a->ctx, NULL, &outl, NULL, (int)p->ulDataLen) != 1)
		return soft_ossl_fail();
	return aead_aad(a->ctx, p->pAAD, p->ulAADLen);
}

CK_RV soft_aes_ccm_init(const struct soft_mech *m, enum os_backend_op kind,
                        const CK_MECHANISM *mech, const struct os_backend_key *key,
                        struct soft_op **op)
{
	const CK_CCM_PARAMS *p;
	struct aes_aead_op *a;
	CK_RV rv = soft_secret_param(mech, sizeof(*p), (const void **)&p);

	if (rv == CKR_OK)
		rv = ccm_check(p);
	if (rv != CKR_OK)
		return rv;
	a = aead_new(kind, &rv);
	if (!a)
		return rv;
	a->base.ops = &ccm_ops;
	a->taglen = p->ulMACLen;
	a->datalen = p->ulDataLen;
	a->most = a->encrypt ? a->datalen : a->datalen + a->taglen;
	rv = ccm_start(a, p, key);
	if (rv != CKR_OK) {
		aead_free(&a->base);
		return rv;
	}
	*op = &a->base;
	return CKR_OK;
}
