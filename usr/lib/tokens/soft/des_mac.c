/*
 * Triple-DES MACs of the soft backend: CKM_DES3_MAC and _MAC_GENERAL, the
 * CBC-MAC of FIPS 113 / ANSI X9.9 (the last block of a CBC encryption from
 * a zero IV, the data padded with zero bytes to whole blocks; no data is
 * one block of zeros), and CKM_DES3_CMAC and _CMAC_GENERAL (SP 800-38B)
 * through OpenSSL's CMAC.  The plain CBC-MAC is half a block, 4 bytes;
 * CMAC a whole block; the general forms take 1 to 8 bytes from
 * CK_MAC_GENERAL_PARAMS.  Verification recomputes the MAC and compares in
 * constant time; a signature of another length is CKR_SIGNATURE_LEN_RANGE.
 */
#include "des.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "fetch.h"
#include "secret.h"

/* Bytes of CBC output computed per call to OpenSSL and thrown away but the last block. */
#define DES_MAC_CHUNK 1024

struct des_mac_op {
	struct soft_op base;
	EVP_CIPHER_CTX *cbc;          /* CBC-MAC */
	EVP_MAC_CTX *cmac;            /* CMAC */
	CK_BYTE held[SOFT_DES_BLOCK]; /* CBC-MAC: input not run yet */
	size_t nheld;
	CK_BYTE last[SOFT_DES_BLOCK]; /* CBC-MAC: the last block put out */
	bool any;                     /* CBC-MAC: a block has been run */
	CK_ULONG len;                 /* bytes of MAC returned */
};

/* Runs whole blocks through the CBC context, keeping the last output block. */
static CK_RV cbc_run(struct des_mac_op *d, const CK_BYTE *in, size_t len)
{
	CK_BYTE out[DES_MAC_CHUNK];

	while (len > 0) {
		size_t n = len < sizeof(out) ? len : sizeof(out);
		int outl = 0;

		if (EVP_CipherUpdate(d->cbc, out, &outl, in, (int)n) != 1 || (size_t)outl != n)
			return soft_ossl_fail();
		memcpy(d->last, out + n - SOFT_DES_BLOCK, SOFT_DES_BLOCK);
		d->any = true;
		in += n;
		len -= n;
	}
	return CKR_OK;
}

static CK_RV cbc_update(struct des_mac_op *d, const CK_BYTE *in, size_t len)
{
	size_t whole;
	CK_RV rv;

	if (d->nheld + len < SOFT_DES_BLOCK) {
		memcpy(d->held + d->nheld, in, len);
		d->nheld += len;
		return CKR_OK;
	}
	if (d->nheld) {
		size_t take = SOFT_DES_BLOCK - d->nheld;

		memcpy(d->held + d->nheld, in, take);
		rv = cbc_run(d, d->held, SOFT_DES_BLOCK);
		if (rv != CKR_OK)
			return rv;
		d->nheld = 0;
		in += take;
		len -= take;
	}
	whole = len / SOFT_DES_BLOCK * SOFT_DES_BLOCK;
	rv = cbc_run(d, in, whole);
	memcpy(d->held, in + whole, len - whole);
	d->nheld = len - whole;
	return rv;
}

static CK_RV dmac_update(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                         CK_ULONG *outlen)
{
	struct des_mac_op *d = (struct des_mac_op *)op;

	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	if (d->cmac)
		return EVP_MAC_update(d->cmac, in, inlen) == 1 ? CKR_OK : soft_ossl_fail();
	return cbc_update(d, in, inlen);
}

/* Finishes the MAC into full (a block). */
static CK_RV dmac_compute(struct des_mac_op *d, CK_BYTE *full)
{
	size_t n = 0;
	CK_RV rv;

	if (d->cmac)
		return EVP_MAC_final(d->cmac, full, &n, SOFT_DES_BLOCK) == 1 && n == SOFT_DES_BLOCK
		           ? CKR_OK
		           : soft_ossl_fail();
	if (d->nheld || !d->any) {
		memset(d->held + d->nheld, 0, SOFT_DES_BLOCK - d->nheld);
		rv = cbc_run(d, d->held, SOFT_DES_BLOCK);
		if (rv != CKR_OK)
			return rv;
		d->nheld = 0;
	}
	memcpy(full, d->last, SOFT_DES_BLOCK);
	return CKR_OK;
}

static CK_RV dmac_sign_final(struct soft_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	struct des_mac_op *d = (struct des_mac_op *)op;
	CK_BYTE full[SOFT_DES_BLOCK];
	bool done;
	CK_RV rv = soft_out_check(out, outlen, d->len, &done);

	if (done)
		return rv;
	rv = dmac_compute(d, full);
	if (rv == CKR_OK) {
		memcpy(out, full, d->len);
		*outlen = d->len;
	}
	OPENSSL_cleanse(full, sizeof(full));
	return rv;
}

static CK_RV dmac_sign_single(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                              CK_ULONG *outlen)
{
	struct des_mac_op *d = (struct des_mac_op *)op;
	bool done;
	CK_RV rv = soft_out_check(out, outlen, d->len, &done);

	if (done)
		return rv;
	rv = dmac_update(op, in, inlen, NULL, NULL);
	return rv == CKR_OK ? dmac_sign_final(op, out, outlen) : rv;
}

static CK_RV dmac_verify_final(struct soft_op *op, const CK_BYTE *sig, CK_ULONG siglen)
{
	struct des_mac_op *d = (struct des_mac_op *)op;
	CK_BYTE full[SOFT_DES_BLOCK];
	CK_RV rv;

	if (!sig && siglen)
		return CKR_ARGUMENTS_BAD;
	if (siglen != d->len)
		return CKR_SIGNATURE_LEN_RANGE;
	rv = dmac_compute(d, full);
	if (rv == CKR_OK && CRYPTO_memcmp(full, sig, d->len) != 0)
		rv = CKR_SIGNATURE_INVALID;
	OPENSSL_cleanse(full, sizeof(full));
	return rv;
}

static CK_RV dmac_verify(struct soft_op *op, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                         CK_ULONG siglen)
{
	struct des_mac_op *d = (struct des_mac_op *)op;
	CK_RV rv;

	if (!sig && siglen)
		return CKR_ARGUMENTS_BAD;
	if (siglen != d->len)
		return CKR_SIGNATURE_LEN_RANGE;
	rv = dmac_update(op, data, len, NULL, NULL);
	return rv == CKR_OK ? dmac_verify_final(op, sig, siglen) : rv;
}

static void dmac_free(struct soft_op *op)
{
	struct des_mac_op *d = (struct des_mac_op *)op;

	EVP_CIPHER_CTX_free(d->cbc);
	EVP_MAC_CTX_free(d->cmac);
	OPENSSL_clear_free(d, sizeof(*d));
}

static const struct soft_op_ops dmac_sign_ops = {
    .single = dmac_sign_single,
    .update = dmac_update,
    .final = dmac_sign_final,
    .free = dmac_free,
};

static const struct soft_op_ops dmac_verify_ops = {
    .update = dmac_update,
    .verify = dmac_verify,
    .verify_final = dmac_verify_final,
    .free = dmac_free,
};

/* A new MAC operation of len bytes for kind, or NULL with *rv set. */
static struct des_mac_op *dmac_new(enum os_backend_op kind, CK_ULONG len, CK_RV *rv)
{
	struct des_mac_op *d;

	if (kind != OS_BACKEND_OP_SIGN && kind != OS_BACKEND_OP_VERIFY) {
		*rv = CKR_MECHANISM_INVALID;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		*rv = CKR_HOST_MEMORY;
		return NULL;
	}
	d->base.ops = kind == OS_BACKEND_OP_SIGN ? &dmac_sign_ops : &dmac_verify_ops;
	d->len = len;
	return d;
}

/* Keys a fresh operation's CBC or CMAC context with k (24 bytes). */
static CK_RV dmac_key(struct des_mac_op *d, bool cmac, const CK_BYTE *k)
{
	static const CK_BYTE zero_iv[SOFT_DES_BLOCK];
	const EVP_CIPHER *cbc = soft_des_cipher(false, true);
	EVP_MAC *mac = soft_fetch_mac(SOFT_MAC_CMAC);
	OSSL_PARAM params[2];

	if (!cbc || (cmac && !mac))
		return CKR_FUNCTION_FAILED;
	if (!cmac) {
		d->cbc = EVP_CIPHER_CTX_new();
		return d->cbc && EVP_EncryptInit_ex2(d->cbc, cbc, k, zero_iv, NULL) == 1 &&
		               EVP_CIPHER_CTX_set_padding(d->cbc, 0) == 1
		           ? CKR_OK
		           : soft_ossl_fail();
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, "DES-EDE3-CBC", 0);
	params[1] = OSSL_PARAM_construct_end();
	d->cmac = EVP_MAC_CTX_new(mac);
	return d->cmac && EVP_MAC_init(d->cmac, k, 24, params) == 1 ? CKR_OK : soft_ossl_fail();
}

static CK_RV dmac_init(enum os_backend_op kind, bool cmac, const CK_MECHANISM *mech, bool general,
                       const struct os_backend_key *key, struct soft_op **op)
{
	struct des_mac_op *d;
	CK_BYTE k[24];
	size_t klen;
	CK_ULONG len;
	CK_RV rv = soft_secret_mac_len(mech, general, SOFT_DES_BLOCK, &len);

	if (rv != CKR_OK)
		return rv;
	if (!cmac && !general)
		len = SOFT_DES_BLOCK / 2;
	rv = soft_des_key(key, false, k, &klen);
	if (rv != CKR_OK)
		return rv;
	d = dmac_new(kind, len, &rv);
	if (d)
		rv = dmac_key(d, cmac, k);
	OPENSSL_cleanse(k, sizeof(k));
	if (rv != CKR_OK) {
		if (d)
			dmac_free(&d->base);
		return rv;
	}
	*op = &d->base;
	return CKR_OK;
}

CK_RV soft_des_mac_init(const struct soft_mech *m, enum os_backend_op kind,
                        const CK_MECHANISM *mech, const struct os_backend_key *key,
                        struct soft_op **op)
{
	return dmac_init(kind, false, mech, m->type == CKM_DES3_MAC_GENERAL, key, op);
}

CK_RV soft_des_cmac_init(const struct soft_mech *m, enum os_backend_op kind,
                         const CK_MECHANISM *mech, const struct os_backend_key *key,
                         struct soft_op **op)
{
	return dmac_init(kind, true, mech, m->type == CKM_DES3_CMAC_GENERAL, key, op);
}
