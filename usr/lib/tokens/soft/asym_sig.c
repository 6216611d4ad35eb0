/*
 * Signature operations of the soft backend (see asym_sig.h).
 *
 * Only what an operation must keep is allocated: the state, and OpenSSL's
 * EVP_PKEY_CTX or EVP_MD_CTX made from the key's cached EVP_PKEY.  Data to
 * pad and ECDSA encodings to convert go through buffers on the stack.
 */
#include "asym_sig.h"

#include <stdlib.h>
#include <string.h>

#include "asym.h"

static void sig_free(struct soft_op *base)
{
	struct soft_sig_op *op = (struct soft_sig_op *)base;

	if (op->mctx)
		EVP_MD_CTX_free(op->mctx);
	else
		EVP_PKEY_CTX_free(op->pctx);
	free(op);
}

/* Checks a single-part input's length; *in is replaced by its padded copy where needed. */
static CK_RV sig_raw_input(const struct soft_sig_op *op, const CK_BYTE **in, CK_ULONG *inlen,
                           CK_BYTE *pad)
{
	const struct soft_sig_cfg *cfg = &op->cfg;

	if ((cfg->exact_in && *inlen != cfg->exact_in) || (cfg->max_in && *inlen > cfg->max_in))
		return CKR_DATA_LEN_RANGE;
	if (cfg->pad_left) {
		memset(pad, 0, cfg->sig_len - *inlen);
		memcpy(pad + cfg->sig_len - *inlen, *in, *inlen);
		*in = pad;
		*inlen = cfg->sig_len;
	}
	return CKR_OK;
}

/* Moves OpenSSL's signature (der, len) to out in the PKCS#11 form. */
static CK_RV sig_output(const struct soft_sig_op *op, const CK_BYTE *der, size_t len, CK_BYTE *out,
                        CK_ULONG *outlen)
{
	if (op->cfg.ecdsa) {
		if (!soft_asym_ecdsa_from_der(der, len, out, op->cfg.sig_len / 2))
			return CKR_FUNCTION_FAILED;
		len = op->cfg.sig_len;
	} else if (der != out) {
		memcpy(out, der, len);
	}
	*outlen = len;
	return CKR_OK;
}

/* A raw RSA input can be too large although of the right length: not below the modulus. */
static CK_RV sig_raw_fail(const struct soft_sig_op *op)
{
	if (op->cfg.pad_left && soft_asym_rsa_too_large())
		return CKR_DATA_LEN_RANGE;
	return soft_ossl_fail();
}

static CK_RV sig_raw_single(struct soft_op *base, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                            CK_ULONG *outlen)
{
	struct soft_sig_op *op = (struct soft_sig_op *)base;
	CK_BYTE pad[SOFT_SIG_MAX], der[SOFT_ECDSA_DER_MAX];
	CK_BYTE *dst = op->cfg.ecdsa ? der : out;
	size_t len = op->cfg.ecdsa ? sizeof(der) : op->cfg.sig_len;
	bool done;
	CK_RV rv = sig_raw_input(op, &in, &inlen, pad);

	if (rv != CKR_OK)
		return rv;
	rv = soft_out_check(out, outlen, op->cfg.sig_len, &done);
	if (done)
		return rv;
	if (EVP_PKEY_sign(op->pctx, dst, &len, in, inlen) != 1)
		return sig_raw_fail(op);
	return sig_output(op, dst, len, out, outlen);
}

/* Converts a PKCS#11 signature into what OpenSSL verifies; false when it cannot be one. */
static bool sig_input(const struct soft_sig_op *op, const CK_BYTE **sig, CK_ULONG *siglen,
                      CK_BYTE *der)
{
	size_t len;

	if (!op->cfg.ecdsa)
		return true;
	len = soft_asym_ecdsa_to_der(*sig, op->cfg.sig_len / 2, der, SOFT_ECDSA_DER_MAX);
	*sig = der;
	*siglen = len;
	return len > 0;
}

/* OpenSSL's verdict as PKCS#11 states it; a malformed signature is just invalid. */
static CK_RV sig_verdict(int ok)
{
	if (ok == 1)
		return CKR_OK;
	soft_ossl_fail();
	return CKR_SIGNATURE_INVALID;
}

static CK_RV sig_raw_verify(struct soft_op *base, const CK_BYTE *data, CK_ULONG len,
                            const CK_BYTE *sig, CK_ULONG siglen)
{
	struct soft_sig_op *op = (struct soft_sig_op *)base;
	CK_BYTE pad[SOFT_SIG_MAX], der[SOFT_ECDSA_DER_MAX];
	CK_RV rv = sig_raw_input(op, &data, &len, pad);

	if (rv != CKR_OK)
		return rv;
	if (siglen != op->cfg.sig_len)
		return CKR_SIGNATURE_LEN_RANGE;
	if (!sig_input(op, &sig, &siglen, der))
		return CKR_SIGNATURE_INVALID;
	return sig_verdict(EVP_PKEY_verify(op->pctx, sig, siglen, data, len));
}

/* Signs what mctx holds (final) or data (one-shot) into out. */
static CK_RV sig_digest_out(struct soft_sig_op *op, const CK_BYTE *data, CK_ULONG datalen,
                            bool oneshot, CK_BYTE *out, CK_ULONG *outlen)
{
	CK_BYTE der[SOFT_ECDSA_DER_MAX];
	CK_BYTE *dst = op->cfg.ecdsa ? der : out;
	size_t len = op->cfg.ecdsa ? sizeof(der) : op->cfg.sig_len;
	bool done;
	int ok;
	CK_RV rv = soft_out_check(out, outlen, op->cfg.sig_len, &done);

	if (done)
		return rv;
	if (oneshot)
		ok = EVP_DigestSign(op->mctx, dst, &len, data, datalen);
	else
		ok = EVP_DigestSignFinal(op->mctx, dst, &len);
	if (ok != 1)
		return soft_ossl_fail();
	return sig_output(op, dst, len, out, outlen);
}

static CK_RV sig_digest_single(struct soft_op *base, const CK_BYTE *in, CK_ULONG inlen,
                               CK_BYTE *out, CK_ULONG *outlen)
{
	return sig_digest_out((struct soft_sig_op *)base, in, inlen, true, out, outlen);
}

static CK_RV sig_digest_update(struct soft_op *base, const CK_BYTE *in, CK_ULONG inlen,
                               CK_BYTE *out, CK_ULONG *outlen)
{
	struct soft_sig_op *op = (struct soft_sig_op *)base;

	return EVP_DigestSignUpdate(op->mctx, in, inlen) == 1 ? CKR_OK : soft_ossl_fail();
}

static CK_RV sig_digest_final(struct soft_op *base, CK_BYTE *out, CK_ULONG *outlen)
{
	return sig_digest_out((struct soft_sig_op *)base, NULL, 0, false, out, outlen);
}

static CK_RV sig_digest_verify(struct soft_op *base, const CK_BYTE *data, CK_ULONG len,
                               const CK_BYTE *sig, CK_ULONG siglen)
{
	struct soft_sig_op *op = (struct soft_sig_op *)base;
	CK_BYTE der[SOFT_ECDSA_DER_MAX];

	if (siglen != op->cfg.sig_len)
		return CKR_SIGNATURE_LEN_RANGE;
	if (!sig_input(op, &sig, &siglen, der))
		return CKR_SIGNATURE_INVALID;
	return sig_verdict(EVP_DigestVerify(op->mctx, sig, siglen, data, len));
}

static CK_RV sig_verify_update(struct soft_op *base, const CK_BYTE *in, CK_ULONG inlen,
                               CK_BYTE *out, CK_ULONG *outlen)
{
	struct soft_sig_op *op = (struct soft_sig_op *)base;

	return EVP_DigestVerifyUpdate(op->mctx, in, inlen) == 1 ? CKR_OK : soft_ossl_fail();
}

static CK_RV sig_verify_final(struct soft_op *base, const CK_BYTE *sig, CK_ULONG siglen)
{
	struct soft_sig_op *op = (struct soft_sig_op *)base;
	CK_BYTE der[SOFT_ECDSA_DER_MAX];

	if (siglen != op->cfg.sig_len)
		return CKR_SIGNATURE_LEN_RANGE;
	if (!sig_input(op, &sig, &siglen, der))
		return CKR_SIGNATURE_INVALID;
	return sig_verdict(EVP_DigestVerifyFinal(op->mctx, sig, siglen));
}

static const struct soft_op_ops sig_raw_ops = {
    .single = sig_raw_single,
    .verify = sig_raw_verify,
    .free = sig_free,
};

static const struct soft_op_ops sig_sign_digest_ops = {
    .single = sig_digest_single,
    .update = sig_digest_update,
    .final = sig_digest_final,
    .free = sig_free,
};

static const struct soft_op_ops sig_verify_digest_ops = {
    .update = sig_verify_update,
    .verify = sig_digest_verify,
    .verify_final = sig_verify_final,
    .free = sig_free,
};

static const struct soft_op_ops sig_sign_oneshot_ops = {
    .single = sig_digest_single,
    .free = sig_free,
};

static const struct soft_op_ops sig_verify_oneshot_ops = {
    .verify = sig_digest_verify,
    .free = sig_free,
};

static CK_RV sig_raw_start(struct soft_sig_op *op, bool sign, EVP_PKEY *pkey)
{
	op->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!op->pctx)
		return soft_ossl_fail();
	if ((sign ? EVP_PKEY_sign_init(op->pctx) : EVP_PKEY_verify_init(op->pctx)) != 1)
		return soft_ossl_fail();
	op->base.ops = &sig_raw_ops;
	return CKR_OK;
}

/*
 * A context signed or verified once: EVP_MD_CTX_FLAG_FINALISE spares
 * OpenSSL a copy of the context at the final step, which is the last use.
 */
static CK_RV sig_digest_start(struct soft_sig_op *op, bool sign, EVP_PKEY *pkey)
{
	bool oneshot = op->cfg.mode == SOFT_SIG_ONESHOT;
	int ok;

	op->mctx = EVP_MD_CTX_new();
	if (!op->mctx)
		return CKR_HOST_MEMORY;
	EVP_MD_CTX_set_flags(op->mctx, EVP_MD_CTX_FLAG_FINALISE);
	if (sign)
		ok = EVP_DigestSignInit(op->mctx, &op->pctx, op->cfg.md, NULL, pkey);
	else
		ok = EVP_DigestVerifyInit(op->mctx, &op->pctx, op->cfg.md, NULL, pkey);
	if (ok != 1)
		return soft_ossl_fail();
	if (sign)
		op->base.ops = oneshot ? &sig_sign_oneshot_ops : &sig_sign_digest_ops;
	else
		op->base.ops = oneshot ? &sig_verify_oneshot_ops : &sig_verify_digest_ops;
	return CKR_OK;
}

CK_RV soft_sig_op_new(enum os_backend_op kind, EVP_PKEY *pkey, const struct soft_sig_cfg *cfg,
                      struct soft_sig_op **out)
{
	struct soft_sig_op *op;
	bool sign = kind == OS_BACKEND_OP_SIGN;
	CK_RV rv;

	*out = NULL;
	if ((!sign && kind != OS_BACKEND_OP_VERIFY) || cfg->sig_len == 0 ||
	    cfg->sig_len > SOFT_SIG_MAX || (cfg->pad_left && cfg->max_in != cfg->sig_len))
		return CKR_FUNCTION_FAILED;
	op = calloc(1, sizeof(*op));
	if (!op)
		return CKR_HOST_MEMORY;
	op->cfg = *cfg;
	op->base.ops = &sig_raw_ops;
	if (cfg->mode == SOFT_SIG_RAW)
		rv = sig_raw_start(op, sign, pkey);
	else
		rv = sig_digest_start(op, sign, pkey);
	if (rv != CKR_OK) {
		sig_free(&op->base);
		return rv;
	}
	*out = op;
	return CKR_OK;
}
