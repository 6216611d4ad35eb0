/*
 * The soft backend's RSA mechanisms (see soft.h): the mechanism table and
 * the signature mechanisms.  Keys live in rsa_keys.c, encryption and key
 * wrapping in rsa_crypt.c, the signature operation itself in asym_sig.c.
 *
 * CKM_RSA_PKCS signs the DigestInfo it is given with PKCS#1 v1.5 padding,
 * CKM_RSA_X_509 applies the raw private operation to its input taken as a
 * big-endian number, CKM_RSA_PKCS_PSS signs a hash of the length its
 * parameters name; the CKM_<hash>_RSA_PKCS[_PSS] mechanisms hash the data
 * themselves, in one part or several.
 */
#include "soft.h"

#include <openssl/rsa.h>

#include "asym.h"
#include "asym_sig.h"
#include "rsa_crypt.h"
#include "rsa_keys.h"

/* Bytes of PKCS#1 v1.5 padding around a DigestInfo. */
#define RSA_PKCS1_OVERHEAD 11

/* How one signature mechanism signs. */
struct rsa_sig_mech {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_TYPE hash; /* hash-and-sign: the hash; else 0 */
	bool pss;
};

static const struct rsa_sig_mech rsa_sig_mechs[] = {
    {CKM_RSA_PKCS, 0, false},
    {CKM_RSA_X_509, 0, false},
    {CKM_RSA_PKCS_PSS, 0, true},
    {CKM_SHA1_RSA_PKCS, CKM_SHA_1, false},
    {CKM_SHA224_RSA_PKCS, CKM_SHA224, false},
    {CKM_SHA256_RSA_PKCS, CKM_SHA256, false},
    {CKM_SHA384_RSA_PKCS, CKM_SHA384, false},
    {CKM_SHA512_RSA_PKCS, CKM_SHA512, false},
    {CKM_SHA3_224_RSA_PKCS, CKM_SHA3_224, false},
    {CKM_SHA3_256_RSA_PKCS, CKM_SHA3_256, false},
    {CKM_SHA3_384_RSA_PKCS, CKM_SHA3_384, false},
    {CKM_SHA3_512_RSA_PKCS, CKM_SHA3_512, false},
    {CKM_SHA1_RSA_PKCS_PSS, CKM_SHA_1, true},
    {CKM_SHA224_RSA_PKCS_PSS, CKM_SHA224, true},
    {CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, true},
    {CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, true},
    {CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, true},
    {CKM_SHA3_224_RSA_PKCS_PSS, CKM_SHA3_224, true},
    {CKM_SHA3_256_RSA_PKCS_PSS, CKM_SHA3_256, true},
    {CKM_SHA3_384_RSA_PKCS_PSS, CKM_SHA3_384, true},
    {CKM_SHA3_512_RSA_PKCS_PSS, CKM_SHA3_512, true},
};

static const struct rsa_sig_mech *rsa_sig_find(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < sizeof(rsa_sig_mechs) / sizeof(rsa_sig_mechs[0]); i++)
		if (rsa_sig_mechs[i].type == type)
			return &rsa_sig_mechs[i];
	return NULL;
}

/* What a PSS mechanism's CK_RSA_PKCS_PSS_PARAMS ask for. */
struct rsa_pss {
	const struct soft_hash *hash, *mgf;
	CK_ULONG salt;
};

/*
 * Checks CK_RSA_PKCS_PSS_PARAMS: supported hashAlg (the mechanism's own
 * for the hash-and-sign ones) and MGF1 hash, and a salt that fits the
 * encoded message of a modulus of bits bits.
 */
static CK_RV rsa_pss_params(const CK_MECHANISM *mech, const struct rsa_sig_mech *sm, int bits,
                            struct rsa_pss *pss)
{
	const CK_RSA_PKCS_PSS_PARAMS *p;
	CK_ULONG em = ((CK_ULONG)bits - 1 + 7) / 8;
	CK_RV rv = soft_asym_param(mech, sizeof(*p), (const void **)&p);

	if (rv != CKR_OK)
		return rv;
	if (!p)
		return CKR_MECHANISM_PARAM_INVALID;
	pss->hash = soft_hash_by_mech(p->hashAlg);
	pss->mgf = soft_hash_by_mgf(p->mgf);
	if (!pss->hash || !pss->mgf || (sm->hash && p->hashAlg != sm->hash))
		return CKR_MECHANISM_PARAM_INVALID;
	if (em < pss->hash->len + 2 || p->sLen > em - pss->hash->len - 2)
		return CKR_MECHANISM_PARAM_INVALID;
	pss->salt = p->sLen;
	return CKR_OK;
}

static void rsa_sig_cfg(const struct rsa_sig_mech *sm, const struct rsa_pss *pss,
                        struct soft_sig_cfg *cfg)
{
	if (sm->hash) {
		cfg->mode = SOFT_SIG_DIGEST;
		cfg->md = soft_hash_md(soft_hash_by_mech(sm->hash));
	} else if (sm->pss) {
		cfg->exact_in = pss->hash->len;
	} else if (sm->type == CKM_RSA_X_509) {
		cfg->max_in = cfg->sig_len;
		cfg->pad_left = true;
	} else {
		cfg->max_in = cfg->sig_len - RSA_PKCS1_OVERHEAD;
	}
}

static CK_RV rsa_sig_padding(EVP_PKEY_CTX *pctx, const struct rsa_sig_mech *sm,
                             const struct rsa_pss *pss)
{
	int pad = sm->type == CKM_RSA_X_509 ? RSA_NO_PADDING : RSA_PKCS1_PADDING;

	if (!sm->pss)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, pad) == 1 ? CKR_OK : soft_ossl_fail();
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    (!sm->hash && EVP_PKEY_CTX_set_signature_md(pctx, soft_hash_md(pss->hash)) != 1) ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, soft_hash_md(pss->mgf)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, (int)pss->salt) != 1)
		return soft_ossl_fail();
	return CKR_OK;
}

static CK_RV rsa_sig_init(const struct rsa_sig_mech *sm, enum os_backend_op kind,
                          const CK_MECHANISM *mech, const struct os_backend_key *key,
                          struct soft_op **op)
{
	struct rsa_pss pss = {NULL, NULL, 0};
	struct soft_sig_cfg cfg = {.mode = SOFT_SIG_RAW};
	struct soft_sig_op *sig = NULL;
	EVP_PKEY *pkey;
	CK_RV rv;

	pkey = soft_rsa_key_pkey(key, kind, &rv);
	if (!pkey)
		return rv;
	cfg.sig_len = (CK_ULONG)EVP_PKEY_get_size(pkey);
	if (sm->pss)
		rv = rsa_pss_params(mech, sm, EVP_PKEY_get_bits(pkey), &pss);
	else
		rv = soft_asym_no_param(mech);
	if (rv == CKR_OK) {
		rsa_sig_cfg(sm, &pss, &cfg);
		rv = soft_sig_op_new(kind, key, pkey, &cfg, &sig);
	}
	soft_asym_pkey_release(key, pkey);
	if (rv == CKR_OK)
		rv = rsa_sig_padding(sig->pctx, sm, &pss);
	if (rv != CKR_OK) {
		if (sig)
			sig->base.ops->free(&sig->base);
		return rv;
	}
	*op = &sig->base;
	return CKR_OK;
}

static CK_RV rsa_init(const struct soft_mech *m, enum os_backend_op kind, const CK_MECHANISM *mech,
                      const struct os_backend_key *key, struct soft_op **op)
{
	const struct rsa_sig_mech *sm = rsa_sig_find(mech->mechanism);

	if (kind == OS_BACKEND_OP_ENCRYPT || kind == OS_BACKEND_OP_DECRYPT)
		return soft_rsa_crypt_init(m, kind, mech, key, op);
	if ((kind != OS_BACKEND_OP_SIGN && kind != OS_BACKEND_OP_VERIFY) || !sm)
		return CKR_MECHANISM_INVALID;
	return rsa_sig_init(sm, kind, mech, key, op);
}

#define RSA_CRYPT_FLAGS (CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP)
#define RSA_SIG_MECH(t)                                                                  \
	{                                                                                \
		.type = (t), .min_key = SOFT_RSA_MIN_BITS, .max_key = SOFT_RSA_MAX_BITS, \
		.flags = CKF_SIGN | CKF_VERIFY, .init = rsa_init                         \
	}

const struct soft_mech soft_rsa_mechs[] = {
    {
        .type = CKM_RSA_PKCS_KEY_PAIR_GEN,
        .min_key = SOFT_RSA_GEN_MIN_BITS,
        .max_key = SOFT_RSA_GEN_MAX_BITS,
        .flags = CKF_GENERATE_KEY_PAIR,
        .generate_pair = soft_rsa_generate_pair,
    },
    {
        .type = CKM_RSA_PKCS,
        .min_key = SOFT_RSA_MIN_BITS,
        .max_key = SOFT_RSA_MAX_BITS,
        .flags = CKF_SIGN | CKF_VERIFY | RSA_CRYPT_FLAGS,
        .init = rsa_init,
        .wrap = soft_rsa_wrap,
        .unwrap = soft_rsa_unwrap,
    },
    {
        .type = CKM_RSA_X_509,
        .min_key = SOFT_RSA_MIN_BITS,
        .max_key = SOFT_RSA_MAX_BITS,
        .flags = CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT,
        .init = rsa_init,
    },
    {
        .type = CKM_RSA_PKCS_OAEP,
        .min_key = SOFT_RSA_MIN_BITS,
        .max_key = SOFT_RSA_MAX_BITS,
        .flags = RSA_CRYPT_FLAGS,
        .init = rsa_init,
        .wrap = soft_rsa_wrap,
        .unwrap = soft_rsa_unwrap,
    },
    RSA_SIG_MECH(CKM_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA1_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA224_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA256_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA384_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA512_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA3_224_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA3_256_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA3_384_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA3_512_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA1_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA224_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA256_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA384_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA512_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA3_224_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA3_256_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA3_384_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA3_512_RSA_PKCS_PSS),
    {.type = CK_UNAVAILABLE_INFORMATION},
};
