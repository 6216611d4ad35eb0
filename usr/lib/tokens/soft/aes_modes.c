/*
 * AES in ECB, CBC, CBC with PKCS#7 padding (CBC_PAD) and CTR mode, single
 * and multi-part.
 *
 * The block modes keep the input that does not yet fill a block in the
 * operation, and hand OpenSSL whole blocks only, with its padding off; so
 * the output of every call is known before the call runs, and the size
 * query of PKCS#11 answers the exact length.  CBC_PAD decryption also
 * holds back the last full block until C_DecryptFinal, where the padding
 * is checked (in constant time) and removed.
 *
 * The block modes serve DES as well (des.c), with 8-byte blocks.
 *
 * CTR increments only the low ulCounterBits bits of the counter block: at
 * the end of their range the counter wraps to zero (the bits above it are
 * left alone), and an operation refuses input that would bring the
 * counter back to its first value, which would reuse key stream.
 */
#include "aes.h"
#include "bytes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "secret.h"

static CK_RV aes_len_error(bool encrypt)
{
	return encrypt ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
}

/* The encryption direction of an operation kind: 1, 0, or -1 for a kind AES does not do. */
static int aes_direction(enum os_backend_op kind)
{
	if (kind == OS_BACKEND_OP_ENCRYPT)
		return 1;
	return kind == OS_BACKEND_OP_DECRYPT ? 0 : -1;
}

struct aes_block_op {
	struct soft_op base;
	EVP_CIPHER_CTX *ctx;
	bool encrypt;
	bool pad;                     /* CBC_PAD */
	size_t bs;                    /* the cipher's block: 16 (AES) or 8 (DES) */
	CK_BYTE held[SOFT_AES_BLOCK]; /* input not run yet */
	size_t nheld;                 /* < bs; for CBC_PAD decryption 1..bs once data came */
	CK_BYTE iv[SOFT_AES_BLOCK];   /* the initial vector (CBC) */
	CK_BYTE last[SOFT_AES_BLOCK]; /* CBC_PAD decryption: the last block, decrypted */
	CK_ULONG nlast;               /* its bytes left after unpadding */
	bool have_last;
};

/* How many bytes an update of inlen more bytes puts out. */
static size_t block_out_len(const struct aes_block_op *b, size_t inlen)
{
	size_t total = b->nheld + inlen;

	if (b->pad && !b->encrypt)
		return total ? (total - 1) / b->bs * b->bs : 0;
	return total / b->bs * b->bs;
}

/*
 * Runs the held bytes and in through the cipher, n bytes of output to out
 * (n a multiple of the block size, from block_out_len), and keeps the rest
 * of the input.
 */
static CK_RV block_feed(struct aes_block_op *b, const CK_BYTE *in, size_t inlen, CK_BYTE *out,
                        size_t n)
{
	CK_RV rv;

	if (inlen == 0)
		return CKR_OK;
	if (n > 0 && b->nheld > 0) {
		size_t take = b->bs - b->nheld;

		memcpy(b->held + b->nheld, in, take);
		rv = soft_aes_run(b->ctx, b->held, b->bs, out);
		if (rv != CKR_OK)
			return rv;
		b->nheld = 0;
		in += take;
		inlen -= take;
		out += b->bs;
		n -= b->bs;
	}
	rv = soft_aes_run(b->ctx, in, n, out);
	if (rv == CKR_OK && inlen > n) {
		memcpy(b->held + b->nheld, in + n, inlen - n);
		b->nheld += inlen - n;
	}
	return rv;
}

/* Checks PKCS#7 padding of a block in constant time; *len is what it leaves. */
static bool block_unpad(const CK_BYTE *blk, size_t bs, CK_ULONG *len)
{
	unsigned int pad = blk[bs - 1];
	unsigned int bad = (pad == 0) | (pad > bs);

	for (unsigned int i = 0; i < bs; i++)
		bad |= (i + pad >= bs) & (blk[i] != pad);
	*len = bad ? 0 : bs - pad;
	return !bad;
}

static CK_RV block_update(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                          CK_ULONG *outlen)
{
	struct aes_block_op *b = (struct aes_block_op *)op;
	size_t n;
	bool done;
	CK_RV rv;

	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	if (inlen > SIZE_MAX - b->bs)
		return aes_len_error(b->encrypt);
	n = block_out_len(b, inlen);
	rv = soft_out_check(out, outlen, n, &done);
	if (done)
		return rv;
	rv = block_feed(b, in, inlen, out, n);
	if (rv == CKR_OK)
		*outlen = n;
	return rv;
}

/* CBC_PAD encryption: pads the held bytes to a block and encrypts it. */
static CK_RV block_final_pad(struct aes_block_op *b, CK_BYTE *out, CK_ULONG *outlen)
{
	CK_BYTE blk[SOFT_AES_BLOCK];
	size_t fill = b->bs - b->nheld;
	bool done;
	CK_RV rv = soft_out_check(out, outlen, b->bs, &done);

	if (done)
		return rv;
	memcpy(blk, b->held, b->nheld);
	memset(blk + b->nheld, (int)fill, fill);
	rv = soft_aes_run(b->ctx, blk, b->bs, out);
	OPENSSL_cleanse(blk, sizeof(blk));
	if (rv == CKR_OK) {
		b->nheld = 0;
		*outlen = b->bs;
	}
	return rv;
}

/* CBC_PAD decryption: decrypts the held block once, then returns what its padding leaves. */
static CK_RV block_final_unpad(struct aes_block_op *b, CK_BYTE *out, CK_ULONG *outlen)
{
	bool done;
	CK_RV rv;

	if (!b->have_last) {
		if (b->nheld != b->bs)
			return CKR_ENCRYPTED_DATA_LEN_RANGE;
		rv = soft_aes_run(b->ctx, b->held, b->bs, b->last);
		if (rv != CKR_OK)
			return rv;
		if (!block_unpad(b->last, b->bs, &b->nlast))
			return CKR_ENCRYPTED_DATA_INVALID;
		b->have_last = true;
	}
	rv = soft_out_check(out, outlen, b->nlast, &done);
	if (done)
		return rv;
	memcpy(out, b->last, b->nlast);
	*outlen = b->nlast;
	return CKR_OK;
}

static CK_RV block_final(struct soft_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	struct aes_block_op *b = (struct aes_block_op *)op;
	bool done;
	CK_RV rv;

	if (b->pad)
		return b->encrypt ? block_final_pad(b, out, outlen)
		                  : block_final_unpad(b, out, outlen);
	if (b->nheld)
		return aes_len_error(b->encrypt);
	rv = soft_out_check(out, outlen, 0, &done);
	if (!done)
		*outlen = 0;
	return rv;
}

/*
 * The exact plaintext length of a whole CBC_PAD ciphertext, found by
 * decrypting its last block alone (chained to the block before it) and
 * restoring the context to the initial vector afterwards.
 */
static CK_RV block_unpad_len(struct aes_block_op *b, const CK_BYTE *in, CK_ULONG inlen,
                             CK_ULONG *len)
{
	const CK_BYTE *prev = inlen > b->bs ? in + inlen - 2 * b->bs : b->iv;
	CK_BYTE blk[SOFT_AES_BLOCK];
	CK_ULONG tail;
	CK_RV rv;

	if (EVP_CipherInit_ex2(b->ctx, NULL, NULL, prev, 0, NULL) != 1)
		return soft_ossl_fail();
	rv = soft_aes_run(b->ctx, in + inlen - b->bs, b->bs, blk);
	if (EVP_CipherInit_ex2(b->ctx, NULL, NULL, b->iv, 0, NULL) != 1 && rv == CKR_OK)
		rv = soft_ossl_fail();
	if (rv == CKR_OK && !block_unpad(blk, b->bs, &tail))
		rv = CKR_ENCRYPTED_DATA_INVALID;
	OPENSSL_cleanse(blk, sizeof(blk));
	if (rv == CKR_OK)
		*len = inlen - b->bs + tail;
	return rv;
}

/*
 * C_Decrypt with CBC_PAD.  A buffer of inlen - 1 bytes holds any
 * plaintext; a size query or a smaller buffer learns the exact length.
 */
static CK_RV block_single_unpad(struct aes_block_op *b, const CK_BYTE *in, CK_ULONG inlen,
                                CK_BYTE *out, CK_ULONG *outlen)
{
	CK_ULONG need = 0, tail;
	bool done;
	CK_RV rv;

	if (inlen == 0 || inlen % b->bs)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (!outlen)
		return CKR_ARGUMENTS_BAD;
	if (!out || *outlen < inlen - 1) {
		rv = block_unpad_len(b, in, inlen, &need);
		if (rv != CKR_OK)
			return rv;
		rv = soft_out_check(out, outlen, need, &done);
		if (done)
			return rv;
	}
	rv = block_feed(b, in, inlen, out, inlen - b->bs);
	if (rv != CKR_OK)
		return rv;
	tail = *outlen - (inlen - b->bs);
	rv = block_final_unpad(b, out + inlen - b->bs, &tail);
	if (rv == CKR_OK)
		*outlen = inlen - b->bs + tail;
	return rv;
}

static CK_RV block_single(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                          CK_ULONG *outlen)
{
	struct aes_block_op *b = (struct aes_block_op *)op;
	CK_ULONG whole = inlen / b->bs * b->bs, tail = b->bs;
	bool done;
	CK_RV rv;

	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	if (b->pad && !b->encrypt)
		return block_single_unpad(b, in, inlen, out, outlen);
	if (!b->pad && whole != inlen)
		return aes_len_error(b->encrypt);
	if (b->pad && whole > (CK_ULONG)-1 - b->bs)
		return CKR_DATA_LEN_RANGE;
	rv = soft_out_check(out, outlen, b->pad ? whole + b->bs : inlen, &done);
	if (done)
		return rv;
	rv = block_feed(b, in, inlen, out, whole);
	if (rv == CKR_OK && b->pad)
		rv = block_final_pad(b, out + whole, &tail);
	if (rv == CKR_OK)
		*outlen = b->pad ? whole + b->bs : inlen;
	return rv;
}

static void block_free(struct soft_op *op)
{
	struct aes_block_op *b = (struct aes_block_op *)op;

	EVP_CIPHER_CTX_free(b->ctx);
	OPENSSL_clear_free(b, sizeof(*b));
}

static const struct soft_op_ops block_ops = {
    .single = block_single,
    .update = block_update,
    .final = block_final,
    .free = block_free,
};

CK_RV soft_aes_block_start(const struct soft_block_mode *mode, enum os_backend_op kind,
                           const CK_MECHANISM *mech, const struct os_backend_key *key,
                           struct soft_op **op)
{
	int enc = aes_direction(kind);
	const void *iv = NULL;
	struct aes_block_op *b;
	CK_RV rv;

	if (enc < 0)
		return CKR_MECHANISM_INVALID;
	if (mode->cbc)
		rv = soft_secret_param(mech, mode->bs, &iv);
	else
		rv = soft_secret_no_param(mech);
	if (rv != CKR_OK)
		return rv;
	b = calloc(1, sizeof(*b));
	if (!b)
		return CKR_HOST_MEMORY;
	b->base.ops = &block_ops;
	b->encrypt = enc;
	b->pad = mode->pad;
	b->bs = mode->bs;
	if (iv)
		memcpy(b->iv, iv, mode->bs);
	rv = mode->ctx(key, mode->cbc, enc, iv, &b->ctx);
	if (rv != CKR_OK) {
		block_free(&b->base);
		return rv;
	}
	*op = &b->base;
	return CKR_OK;
}

static CK_RV aes_block_ctx(const struct os_backend_key *key, bool cbc, int enc, const CK_BYTE *iv,
                           EVP_CIPHER_CTX **ctx)
{
	return soft_aes_ctx(cbc ? SOFT_AES_CBC : SOFT_AES_ECB, key, enc, iv, ctx);
}

CK_RV soft_aes_block_init(const struct soft_mech *m, enum os_backend_op kind,
                          const CK_MECHANISM *mech, const struct os_backend_key *key,
                          struct soft_op **op)
{
	const struct soft_block_mode mode = {
	    .bs = SOFT_AES_BLOCK,
	    .cbc = m->type != CKM_AES_ECB,
	    .pad = m->type == CKM_AES_CBC_PAD,
	    .ctx = aes_block_ctx,
	};

	return soft_aes_block_start(&mode, kind, mech, key, op);
}

struct aes_ctr_op {
	struct soft_op base;
	EVP_CIPHER_CTX *ctx;
	bool encrypt;
	bool wrapped;               /* the counter went past its top and restarted at zero */
	CK_BYTE cb[SOFT_AES_BLOCK]; /* the counter block with the counter bits zero */
	uint64_t used;              /* bytes run so far */
	uint64_t wrap_at;           /* bytes after which the counter wraps (UINT64_MAX: never) */
	uint64_t limit;             /* bytes before it would return to its first value */
};

static uint64_t ctr_mask(CK_ULONG bits)
{
	return bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
}

/* Bytes of key stream before a bits-wide counter starting at cb wraps; saturates at UINT64_MAX. */
static uint64_t ctr_bytes_to_wrap(const CK_BYTE *cb, CK_ULONG bits)
{
	uint64_t lo = os_get_be(cb + 8, 8) & ctr_mask(bits), blocks;

	if (bits > 64 && (os_get_be(cb, 8) & ctr_mask(bits - 64)) != ctr_mask(bits - 64))
		return UINT64_MAX; /* 2^64 blocks or more */
	if (bits >= 64)
		blocks = 0 - lo; /* 2^64 - lo; 0 stands for 2^64 */
	else
		blocks = ((uint64_t)1 << bits) - lo;
	if (blocks == 0 || blocks > UINT64_MAX / SOFT_AES_BLOCK)
		return UINT64_MAX;
	return blocks * SOFT_AES_BLOCK;
}

static CK_RV ctr_run(struct aes_ctr_op *c, const CK_BYTE *in, size_t len, CK_BYTE *out)
{
	CK_RV rv;

	if (!c->wrapped && len > c->wrap_at - c->used) {
		size_t first = c->wrap_at - c->used;

		rv = soft_aes_run(c->ctx, in, first, out);
		if (rv != CKR_OK)
			return rv;
		if (EVP_CipherInit_ex2(c->ctx, NULL, NULL, c->cb, c->encrypt, NULL) != 1)
			return soft_ossl_fail();
		c->wrapped = true;
		c->used += first;
		in += first;
		out += first;
		len -= first;
	}
	rv = soft_aes_run(c->ctx, in, len, out);
	if (rv == CKR_OK)
		c->used += len;
	return rv;
}

static CK_RV ctr_update(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                        CK_ULONG *outlen)
{
	struct aes_ctr_op *c = (struct aes_ctr_op *)op;
	bool done;
	CK_RV rv;

	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	if (inlen > c->limit - c->used)
		return aes_len_error(c->encrypt);
	rv = soft_out_check(out, outlen, inlen, &done);
	if (done)
		return rv;
	rv = ctr_run(c, in, inlen, out);
	if (rv == CKR_OK)
		*outlen = inlen;
	return rv;
}

static CK_RV ctr_final(struct soft_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	bool done;
	CK_RV rv = soft_out_check(out, outlen, 0, &done);

	if (!done)
		*outlen = 0;
	return rv;
}

static void ctr_free(struct soft_op *op)
{
	struct aes_ctr_op *c = (struct aes_ctr_op *)op;

	EVP_CIPHER_CTX_free(c->ctx);
	OPENSSL_clear_free(c, sizeof(*c));
}

static const struct soft_op_ops ctr_ops = {
    .single = ctr_update,
    .update = ctr_update,
    .final = ctr_final,
    .free = ctr_free,
};

/* Fills in the counter arithmetic of an operation from its parameters. */
static void ctr_setup(struct aes_ctr_op *c, const CK_AES_CTR_PARAMS *p)
{
	CK_ULONG bits = p->ulCounterBits;
	int i = SOFT_AES_BLOCK - 1;

	c->wrap_at = ctr_bytes_to_wrap(p->cb, bits);
	c->limit = bits >= 60 ? UINT64_MAX : ((uint64_t)SOFT_AES_BLOCK << bits);
	memcpy(c->cb, p->cb, SOFT_AES_BLOCK);
	for (; bits >= 8; bits -= 8)
		c->cb[i--] = 0;
	if (bits)
		c->cb[i] &= (CK_BYTE) ~((1u << bits) - 1);
}

CK_RV soft_aes_ctr_init(const struct soft_mech *m, enum os_backend_op kind,
                        const CK_MECHANISM *mech, const struct os_backend_key *key,
                        struct soft_op **op)
{
	int enc = aes_direction(kind);
	const CK_AES_CTR_PARAMS *p;
	struct aes_ctr_op *c;
	CK_RV rv;

	if (enc < 0)
		return CKR_MECHANISM_INVALID;
	rv = soft_secret_param(mech, sizeof(*p), (const void **)&p);
	if (rv != CKR_OK)
		return rv;
	if (p->ulCounterBits < 1 || p->ulCounterBits > 128)
		return CKR_MECHANISM_PARAM_INVALID;
	c = calloc(1, sizeof(*c));
	if (!c)
		return CKR_HOST_MEMORY;
	c->base.ops = &ctr_ops;
	c->encrypt = enc;
	ctr_setup(c, p);
	rv = soft_aes_ctx(SOFT_AES_CTR, key, enc, p->cb, &c->ctx);
	if (rv != CKR_OK) {
		ctr_free(&c->base);
		return rv;
	}
	*op = &c->base;
	return CKR_OK;
}
