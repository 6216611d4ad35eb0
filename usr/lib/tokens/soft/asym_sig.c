/*
 * Signature operations of the soft backend (see asym_sig.h).
 *
 * Only what an operation must keep is allocated: the state, and OpenSSL's
 * EVP_PKEY_CTX or EVP_MD_CTX made from the key's cached EVP_PKEY.  Data to
 * pad and ECDSA encodings to convert go through buffers on the stack.
 *
 * A fresh context fetches its algorithm from OpenSSL's store, under a lock
 * that all threads share.  So the first operation of a configuration
 * (direction, mode, hash) on a cached key prepares a context and keeps it
 * in the key's cache (struct soft_key_proto); later operations copy it
 * (EVP_PKEY_CTX_dup, EVP_MD_CTX_copy_ex), which fetches nothing and only
 * reads the prepared context, so sessions of many threads share it.
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
		if (!tok_der_ecdsa_from_der(der, len, out, op->cfg.sig_len / 2))
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
	CK_BYTE pad[SOFT_SIG_MAX], der[TOK_ECDSA_DER_MAX];
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
	len = tok_der_ecdsa_to_der(*sig, op->cfg.sig_len / 2, der, TOK_ECDSA_DER_MAX);
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
	CK_BYTE pad[SOFT_SIG_MAX], der[TOK_ECDSA_DER_MAX];
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
	CK_BYTE der[TOK_ECDSA_DER_MAX];
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
	CK_BYTE der[TOK_ECDSA_DER_MAX];

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
	CK_BYTE der[TOK_ECDSA_DER_MAX];

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

static const struct soft_op_ops *sig_ops_for(bool sign, enum soft_sig_mode mode)
{
	if (mode == SOFT_SIG_RAW)
		return &sig_raw_ops;
	if (sign)
		return mode == SOFT_SIG_ONESHOT ? &sig_sign_oneshot_ops : &sig_sign_digest_ops;
	return mode == SOFT_SIG_ONESHOT ? &sig_verify_oneshot_ops : &sig_verify_digest_ops;
}

/*
 * Makes op's context from pkey: an EVP_PKEY_CTX in SOFT_SIG_RAW, else an
 * EVP_MD_CTX.  EVP_MD_CTX_FLAG_FINALISE spares OpenSSL a copy of the
 * context at the final step, which is the last use.  Whatever was made
 * stays in op for sig_free(), also on failure.
 */
static CK_RV sig_ctx_new(struct soft_sig_op *op, bool sign, EVP_PKEY *pkey)
{
	int ok;

	if (op->cfg.mode == SOFT_SIG_RAW) {
		op->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
		if (!op->pctx)
			return soft_ossl_fail();
		ok = sign ? EVP_PKEY_sign_init(op->pctx) : EVP_PKEY_verify_init(op->pctx);
		return ok == 1 ? CKR_OK : soft_ossl_fail();
	}
	op->mctx = EVP_MD_CTX_new();
	if (!op->mctx)
		return CKR_HOST_MEMORY;
	EVP_MD_CTX_set_flags(op->mctx, EVP_MD_CTX_FLAG_FINALISE);
	if (sign)
		ok = EVP_DigestSignInit(op->mctx, &op->pctx, op->cfg.md, NULL, pkey);
	else
		ok = EVP_DigestVerifyInit(op->mctx, &op->pctx, op->cfg.md, NULL, pkey);
	return ok == 1 ? CKR_OK : soft_ossl_fail();
}

/* Makes op's context as a copy of the prepared p, which is only read. */
static CK_RV sig_ctx_dup(struct soft_sig_op *op, const struct soft_key_proto *p)
{
	if (p->pctx) {
		op->pctx = EVP_PKEY_CTX_dup(p->pctx);
		return op->pctx ? CKR_OK : soft_ossl_fail();
	}
	op->mctx = EVP_MD_CTX_new();
	if (!op->mctx)
		return CKR_HOST_MEMORY;
	if (EVP_MD_CTX_copy_ex(op->mctx, p->mctx) != 1)
		return soft_ossl_fail();
	op->pctx = EVP_MD_CTX_get_pkey_ctx(op->mctx);
	return CKR_OK;
}

static bool sig_proto_matches(const struct soft_key_proto *p, bool sign,
                              const struct soft_sig_cfg *cfg)
{
	return p->sign == sign && p->md == cfg->md && !p->mctx == (cfg->mode == SOFT_SIG_RAW);
}

/* A context prepared for cfg over pkey, not yet published; NULL on failure. */
static struct soft_key_proto *sig_proto_new(bool sign, const struct soft_sig_cfg *cfg,
                                            EVP_PKEY *pkey)
{
	struct soft_sig_op tmp = {.cfg = *cfg};
	struct soft_key_proto *p = calloc(1, sizeof(*p));

	if (p && sig_ctx_new(&tmp, sign, pkey) == CKR_OK) {
		p->sign = sign;
		p->md = cfg->md;
		p->pctx = tmp.mctx ? NULL : tmp.pctx;
		p->mctx = tmp.mctx;
		return p;
	}
	free(p);
	if (tmp.mctx)
		EVP_MD_CTX_free(tmp.mctx);
	else
		EVP_PKEY_CTX_free(tmp.pctx);
	return NULL;
}

/*
 * The key's context prepared for cfg, made and published in the first free
 * entry on first use.  Entries are only ever added, so a lookup needs no
 * lock: a thread that loses the race for an entry looks at the winner's
 * and goes on.  NULL when every entry holds another configuration or the
 * context cannot be made; the caller then makes a context of its own.
 */
static const struct soft_key_proto *sig_proto_get(struct soft_key_cache *c, bool sign,
                                                  const struct soft_sig_cfg *cfg)
{
	struct soft_key_proto *mine = NULL, *p;

	for (size_t i = 0; i < SOFT_KEY_PROTOS; i++) {
		p = __atomic_load_n(&c->protos[i], __ATOMIC_ACQUIRE);
		if (!p) {
			if (!mine)
				mine = sig_proto_new(sign, cfg, c->pkey);
			if (!mine)
				return NULL;
			if (__atomic_compare_exchange_n(&c->protos[i], &p, mine, false,
			                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return mine;
		}
		if (sig_proto_matches(p, sign, cfg))
			break;
		p = NULL;
	}
	if (mine) {
		EVP_MD_CTX_free(mine->mctx);
		EVP_PKEY_CTX_free(mine->pctx);
		free(mine);
	}
	return p;
}

CK_RV soft_sig_op_new(enum os_backend_op kind, const struct os_backend_key *key, EVP_PKEY *pkey,
                      const struct soft_sig_cfg *cfg, struct soft_sig_op **out)
{
	struct soft_key_cache *cache = soft_key_cache(key);
	const struct soft_key_proto *proto = NULL;
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
	op->base.ops = sig_ops_for(sign, cfg->mode);
	if (cache && cache->pkey == pkey)
		proto = sig_proto_get(cache, sign, cfg);
	rv = proto ? sig_ctx_dup(op, proto) : sig_ctx_new(op, sign, pkey);
	if (rv != CKR_OK) {
		sig_free(&op->base);
		return rv;
	}
	*out = op;
	return CKR_OK;
}
