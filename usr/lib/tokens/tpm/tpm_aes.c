/*
 * AES in the TPM with the token's secret keys (see tpm_aes.h).
 */
#include "tpm_aes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tpm_call.h"
#include "tpm_symops.h"

#define AES_BLOCK 16

struct aes_mode {
	CK_MECHANISM_TYPE type;
	TPM2_ALG_ID mode; /* the TPM's */
	bool pad;         /* PKCS#7 padding done here */
};

static const struct aes_mode aes_modes[] = {
    {CKM_AES_ECB, TPM2_ALG_ECB, false},
    {CKM_AES_CBC, TPM2_ALG_CBC, false},
    {CKM_AES_CBC_PAD, TPM2_ALG_CBC, true},
    {CKM_AES_CFB128, TPM2_ALG_CFB, false},
};

struct aes_op {
	struct tpm_symops_key key;
	const struct aes_mode *m;
	bool encrypt;
	CK_BYTE iv[AES_BLOCK];   /* the IV of the next command */
	CK_BYTE held[AES_BLOCK]; /* input not run yet */
	size_t nheld;            /* < 16; for CBC_PAD decryption 1..16 once data came */
	CK_BYTE last[AES_BLOCK]; /* CBC_PAD decryption: the last block, decrypted */
	CK_ULONG nlast;          /* its bytes left after unpadding */
	bool have_last;
};

static const struct aes_mode *aes_mode_find(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < sizeof(aes_modes) / sizeof(aes_modes[0]); i++)
		if (aes_modes[i].type == type)
			return &aes_modes[i];
	return NULL;
}

bool tpm_aes_claims(CK_MECHANISM_TYPE type)
{
	return aes_mode_find(type) != NULL;
}

static CK_RV aes_len_error(const struct aes_op *op)
{
	return op->encrypt ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
}

/* Whether a mode needs whole blocks (CFB takes a partial last block). */
static bool aes_blocks_only(const struct aes_op *op)
{
	return op->m->mode != TPM2_ALG_CFB;
}

/* One TPM2_EncryptDecrypt2 of n bytes (n at most a chunk); iv goes in and comes out. */
static CK_RV aes_command(struct tpm_call *call, const struct aes_op *op, const CK_BYTE *in,
                         size_t n, CK_BYTE *out, CK_BYTE *iv)
{
	TPM2B_MAX_BUFFER data = {.size = (UINT16)n};
	TPM2B_IV iv_in = {.size = op->m->mode == TPM2_ALG_ECB ? 0 : AES_BLOCK};
	TPM2B_MAX_BUFFER *res = NULL;
	TPM2B_IV *iv_out = NULL;
	CK_RV rv;

	memcpy(data.buffer, in, n);
	memcpy(iv_in.buffer, iv, AES_BLOCK);
	rv = tpm_conn_rv(Esys_EncryptDecrypt2(
	    call->conn.esys, call->key, call->parent.session, ESYS_TR_NONE, ESYS_TR_NONE, &data,
	    op->encrypt ? TPM2_NO : TPM2_YES, op->m->mode, &iv_in, &res, &iv_out));
	if (rv == CKR_OK && (res->size != n || (iv_in.size != 0 && iv_out->size != AES_BLOCK)))
		rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK) {
		memcpy(out, res->buffer, n);
		if (iv_in.size != 0)
			memcpy(iv, iv_out->buffer, AES_BLOCK);
	}
	if (res != NULL)
		OPENSSL_cleanse(res, sizeof(*res));
	Esys_Free(res);
	Esys_Free(iv_out);
	OPENSSL_cleanse(&data, sizeof(data));
	return rv;
}

/*
 * Runs len bytes through the TPM in one call on the key, in commands of a
 * chunk each (in and out may be the same buffer), chaining iv.
 */
static CK_RV aes_run(const struct aes_op *op, const CK_BYTE *in, size_t len, CK_BYTE *out,
                     CK_BYTE *iv)
{
	size_t chunk = tpm_caps_chunk(&op->key.ctx->caps);
	struct tpm_call call;
	CK_RV rv;

	if (len == 0)
		return CKR_OK;
	rv = tpm_symops_call(&op->key, &call);
	if (rv != CKR_OK)
		return rv;
	for (size_t off = 0; rv == CKR_OK && off < len; off += chunk)
		rv = aes_command(&call, op, in + off, len - off < chunk ? len - off : chunk,
		                 out + off, iv);
	rv = tpm_call_finish(&call, rv);
	return rv;
}

/* Checks PKCS#7 padding of a block without a branch on its bytes; *len is what it leaves. */
static bool aes_unpad(const CK_BYTE *blk, CK_ULONG *len)
{
	unsigned int pad = blk[AES_BLOCK - 1];
	unsigned int diff = (pad - 1u) >= AES_BLOCK; /* pad 0 wraps to a large value */

	for (unsigned int i = 0; i < AES_BLOCK; i++) {
		unsigned int in_pad = (AES_BLOCK - 1u - i) < pad;
		diff |= in_pad * (unsigned int)(blk[i] ^ pad);
	}
	*len = diff ? 0 : AES_BLOCK - pad;
	return diff == 0;
}

CK_RV tpm_aes_init(struct tpm_ctx *ctx, bool encrypt, const CK_MECHANISM *mech,
                   const struct os_backend_key *key, void **out)
{
	static const CK_KEY_TYPE types[] = {CKK_AES};
	const struct aes_mode *m = aes_mode_find(mech->mechanism);
	CK_MECHANISM_INFO info;
	struct aes_op *op;
	CK_RV rv;

	if (m == NULL || tpm_mechs_info(&ctx->mechs, m->type, &info) != CKR_OK)
		return CKR_MECHANISM_INVALID;
	if (m->mode == TPM2_ALG_ECB ? mech->pParameter != NULL || mech->ulParameterLen != 0
	                            : mech->pParameter == NULL || mech->ulParameterLen != AES_BLOCK)
		return CKR_MECHANISM_PARAM_INVALID;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return CKR_HOST_MEMORY;
	op->m = m;
	op->encrypt = encrypt;
	if (m->mode != TPM2_ALG_ECB)
		memcpy(op->iv, mech->pParameter, AES_BLOCK);
	rv = tpm_symops_key_copy(ctx, key, types, 1, &op->key);
	if (rv != CKR_OK) {
		tpm_aes_free(op);
		return rv;
	}
	*out = op;
	return CKR_OK;
}

/* C_Decrypt with CBC_PAD: a size query gets inlen, enough for any plaintext. */
static CK_RV aes_single_unpad(struct aes_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                              CK_ULONG *outlen)
{
	CK_BYTE iv[AES_BLOCK], *buf;
	CK_ULONG tail = 0, need;
	CK_RV rv;

	if (inlen == 0 || inlen % AES_BLOCK != 0)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (out == NULL) {
		*outlen = inlen;
		return CKR_OK;
	}
	buf = malloc(inlen);
	if (buf == NULL)
		return CKR_HOST_MEMORY;
	memcpy(iv, op->iv, AES_BLOCK);
	rv = aes_run(op, in, inlen, buf, iv);
	if (rv == CKR_OK && !aes_unpad(buf + inlen - AES_BLOCK, &tail))
		rv = CKR_ENCRYPTED_DATA_INVALID;
	need = inlen - AES_BLOCK + tail;
	if (rv == CKR_OK && *outlen < need)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (rv == CKR_OK)
		memcpy(out, buf, need);
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*outlen = need;
	OPENSSL_clear_free(buf, inlen);
	return rv;
}

/* C_Encrypt with CBC_PAD: the padded input run in one call. */
static CK_RV aes_single_pad(struct aes_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                            CK_ULONG *outlen)
{
	CK_ULONG need = inlen / AES_BLOCK * AES_BLOCK + AES_BLOCK;
	CK_BYTE iv[AES_BLOCK], *buf;
	CK_RV rv;

	if (inlen > (CK_ULONG)SIZE_MAX - 2 * AES_BLOCK)
		return CKR_DATA_LEN_RANGE;
	if (tpm_symops_out(out, outlen, need, &rv))
		return rv;
	buf = malloc(need);
	if (buf == NULL)
		return CKR_HOST_MEMORY;
	if (inlen > 0)
		memcpy(buf, in, inlen);
	memset(buf + inlen, (int)(need - inlen), need - inlen);
	memcpy(iv, op->iv, AES_BLOCK);
	rv = aes_run(op, buf, need, out, iv);
	OPENSSL_clear_free(buf, need);
	if (rv == CKR_OK)
		*outlen = need;
	return rv;
}

CK_RV tpm_aes_single(void *p, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct aes_op *op = p;
	CK_BYTE iv[AES_BLOCK];
	CK_RV rv;

	if (op->m->pad)
		return op->encrypt ? aes_single_pad(op, in, inlen, out, outlen)
		                   : aes_single_unpad(op, in, inlen, out, outlen);
	if (aes_blocks_only(op) && inlen % AES_BLOCK != 0)
		return aes_len_error(op);
	if (tpm_symops_out(out, outlen, inlen, &rv))
		return rv;
	memcpy(iv, op->iv, AES_BLOCK);
	rv = aes_run(op, in, inlen, out, iv);
	if (rv == CKR_OK)
		*outlen = inlen;
	return rv;
}

/* How many bytes an update puts out when total bytes are held and given. */
static size_t aes_update_len(const struct aes_op *op, size_t total)
{
	if (op->m->pad && !op->encrypt)
		return total ? (total - 1) / AES_BLOCK * AES_BLOCK : 0;
	return total / AES_BLOCK * AES_BLOCK;
}

/* Runs the held bytes and the first n - nheld bytes of in (n > 0) to out. */
static CK_RV aes_update_run(struct aes_op *op, const CK_BYTE *in, size_t n, CK_BYTE *out)
{
	CK_BYTE iv[AES_BLOCK], *buf = malloc(n);
	CK_RV rv;

	if (buf == NULL)
		return CKR_HOST_MEMORY;
	memcpy(buf, op->held, op->nheld);
	memcpy(buf + op->nheld, in, n - op->nheld);
	memcpy(iv, op->iv, AES_BLOCK);
	rv = aes_run(op, buf, n, out, iv);
	OPENSSL_clear_free(buf, n);
	if (rv == CKR_OK)
		memcpy(op->iv, iv, AES_BLOCK);
	return rv;
}

CK_RV tpm_aes_update(void *p, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct aes_op *op = p;
	size_t total, n, used;
	CK_RV rv;

	if (inlen > (CK_ULONG)SIZE_MAX - AES_BLOCK)
		return aes_len_error(op);
	total = op->nheld + inlen;
	n = aes_update_len(op, total);
	if (tpm_symops_out(out, outlen, n, &rv))
		return rv;
	used = 0;
	if (n > 0) {
		rv = aes_update_run(op, in, n, out);
		if (rv != CKR_OK)
			return rv;
		used = n - op->nheld;
		op->nheld = 0;
	}
	if (inlen > used)
		memcpy(op->held + op->nheld, in + used, inlen - used);
	op->nheld += inlen - used;
	*outlen = n;
	return CKR_OK;
}

/* CBC_PAD encryption: pads the held bytes to a block and encrypts it. */
static CK_RV aes_final_pad(struct aes_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	size_t fill = AES_BLOCK - op->nheld;
	CK_BYTE blk[AES_BLOCK];
	CK_RV rv;

	if (tpm_symops_out(out, outlen, AES_BLOCK, &rv))
		return rv;
	memcpy(blk, op->held, op->nheld);
	memset(blk + op->nheld, (int)fill, fill);
	rv = aes_run(op, blk, AES_BLOCK, out, op->iv);
	OPENSSL_cleanse(blk, sizeof(blk));
	if (rv == CKR_OK) {
		op->nheld = 0;
		*outlen = AES_BLOCK;
	}
	return rv;
}

/* CBC_PAD decryption: decrypts the held block once, then returns what its padding leaves. */
static CK_RV aes_final_unpad(struct aes_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	CK_RV rv;

	if (!op->have_last) {
		if (op->nheld != AES_BLOCK)
			return CKR_ENCRYPTED_DATA_LEN_RANGE;
		rv = aes_run(op, op->held, AES_BLOCK, op->last, op->iv);
		if (rv != CKR_OK)
			return rv;
		if (!aes_unpad(op->last, &op->nlast))
			return CKR_ENCRYPTED_DATA_INVALID;
		op->have_last = true;
	}
	if (tpm_symops_out(out, outlen, op->nlast, &rv))
		return rv;
	memcpy(out, op->last, op->nlast);
	*outlen = op->nlast;
	return CKR_OK;
}

CK_RV tpm_aes_final(void *p, CK_BYTE *out, CK_ULONG *outlen)
{
	struct aes_op *op = p;
	CK_RV rv;

	if (op->m->pad)
		return op->encrypt ? aes_final_pad(op, out, outlen)
		                   : aes_final_unpad(op, out, outlen);
	if (aes_blocks_only(op) && op->nheld != 0)
		return aes_len_error(op);
	if (tpm_symops_out(out, outlen, op->nheld, &rv))
		return rv;
	/* CFB128: the partial last block */
	rv = aes_run(op, op->held, op->nheld, out, op->iv);
	if (rv == CKR_OK) {
		*outlen = op->nheld;
		op->nheld = 0;
	}
	return rv;
}

void tpm_aes_free(void *p)
{
	struct aes_op *op = p;

	if (op == NULL)
		return;
	tpm_symops_key_free(&op->key);
	OPENSSL_clear_free(op, sizeof(*op));
}
