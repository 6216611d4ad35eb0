/*
 * The soft backend's EC mechanisms (see soft.h): the mechanism table and
 * the signature mechanisms ECDSA and EdDSA.  Keys and curves live in
 * ec_keys.c and ec_curves.c, ECDH in ec_derive.c, the signature operation
 * itself in asym_sig.c.
 *
 * CKM_ECDSA signs the hash it is given; the CKM_ECDSA_<hash> mechanisms
 * hash the data themselves, in one part or several.  Signatures are
 * r || s, each as long as the curve's order.  CKM_EDDSA is single-part
 * and offers pure Ed25519 and Ed448.
 */
#include "soft.h"

#include "asym.h"
#include "asym_sig.h"
#include "ec_curves.h"
#include "ec_derive.h"
#include "ec_keys.h"

/* ECDSA mechanisms and the hash each applies first (0: the caller hashed). */
static const struct {
	CK_MECHANISM_TYPE type, hash;
} ecdsa_mechs[] = {
    {CKM_ECDSA, 0},
    {CKM_ECDSA_SHA1, CKM_SHA_1},
    {CKM_ECDSA_SHA224, CKM_SHA224},
    {CKM_ECDSA_SHA256, CKM_SHA256},
    {CKM_ECDSA_SHA384, CKM_SHA384},
    {CKM_ECDSA_SHA512, CKM_SHA512},
    {CKM_ECDSA_SHA3_224, CKM_SHA3_224},
    {CKM_ECDSA_SHA3_256, CKM_SHA3_256},
    {CKM_ECDSA_SHA3_384, CKM_SHA3_384},
    {CKM_ECDSA_SHA3_512, CKM_SHA3_512},
};

static bool ec_is_sig_kind(enum os_backend_op kind)
{
	return kind == OS_BACKEND_OP_SIGN || kind == OS_BACKEND_OP_VERIFY;
}

static CK_RV ec_sig_start(enum os_backend_op kind, const struct os_backend_key *key, EVP_PKEY *pkey,
                          const struct soft_sig_cfg *cfg, struct soft_op **op)
{
	struct soft_sig_op *sig;
	CK_RV rv = soft_sig_op_new(kind, key, pkey, cfg, &sig);

	soft_asym_pkey_release(key, pkey);
	if (rv == CKR_OK)
		*op = &sig->base;
	return rv;
}

static CK_RV ecdsa_init(const struct soft_mech *m, enum os_backend_op kind,
                        const CK_MECHANISM *mech, const struct os_backend_key *key,
                        struct soft_op **op)
{
	struct soft_sig_cfg cfg = {.mode = SOFT_SIG_RAW, .ecdsa = true};
	const struct soft_ec_curve *curve;
	CK_MECHANISM_TYPE hash = 0;
	bool found = false;
	EVP_PKEY *pkey;
	CK_RV rv;

	for (size_t i = 0; !found && i < sizeof(ecdsa_mechs) / sizeof(ecdsa_mechs[0]); i++) {
		found = ecdsa_mechs[i].type == mech->mechanism;
		hash = ecdsa_mechs[i].hash;
	}
	if (!found || !ec_is_sig_kind(kind))
		return CKR_MECHANISM_INVALID;
	rv = soft_asym_no_param(mech);
	if (rv != CKR_OK)
		return rv;
	pkey = soft_ec_key_pkey(key, soft_asym_class_for(kind), SOFT_EC_WEIERSTRASS, &curve, &rv);
	if (!pkey)
		return rv;
	if (hash) {
		cfg.mode = SOFT_SIG_DIGEST;
		cfg.md = soft_hash_md(soft_hash_by_mech(hash));
	}
	cfg.sig_len = curve->sig_len;
	return ec_sig_start(kind, key, pkey, &cfg, op);
}

/*
 * CK_EDDSA_PARAMS: OpenSSL 3.0 offers neither the pre-hashed variants nor
 * contexts, so the only parameters accepted are those that mean pure
 * Ed448 (no pre-hash, empty context).  For Ed25519 any parameters select
 * Ed25519ctx or Ed25519ph, which differ from pure Ed25519.
 */
static CK_RV eddsa_params(const CK_MECHANISM *mech, const struct soft_ec_curve *curve)
{
	const CK_EDDSA_PARAMS *p;
	CK_RV rv = soft_asym_param(mech, sizeof(*p), (const void **)&p);

	if (rv != CKR_OK || !p)
		return rv;
	if (curve->key_type == CKK_EC_EDWARDS && curve->bits == 448 && !p->phFlag &&
	    p->ulContextDataLen == 0)
		return CKR_OK;
	return CKR_MECHANISM_PARAM_INVALID;
}

static CK_RV eddsa_init(const struct soft_mech *m, enum os_backend_op kind,
                        const CK_MECHANISM *mech, const struct os_backend_key *key,
                        struct soft_op **op)
{
	struct soft_sig_cfg cfg = {.mode = SOFT_SIG_ONESHOT};
	const struct soft_ec_curve *curve;
	EVP_PKEY *pkey;
	CK_RV rv;

	if (!ec_is_sig_kind(kind))
		return CKR_MECHANISM_INVALID;
	pkey = soft_ec_key_pkey(key, soft_asym_class_for(kind), SOFT_EC_EDWARDS, &curve, &rv);
	if (!pkey)
		return rv;
	rv = eddsa_params(mech, curve);
	if (rv != CKR_OK) {
		soft_asym_pkey_release(key, pkey);
		return rv;
	}
	cfg.sig_len = curve->sig_len;
	return ec_sig_start(kind, key, pkey, &cfg, op);
}

/* Key sizes (bits) of the curves, as CK_MECHANISM_INFO gives them. */
#define EC_MIN_BITS  224
#define EC_MAX_BITS  521
#define ECX_MIN_BITS 255
#define ECX_MAX_BITS 448

/* Curves over prime fields, named by OID or by name; EC points uncompressed. */
#define EC_CURVE_FLAGS  (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_CURVENAME | CKF_EC_UNCOMPRESS)
#define ECX_CURVE_FLAGS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_CURVENAME)

#define ECDSA_MECH(t)                                                               \
	{                                                                           \
		.type = (t), .min_key = EC_MIN_BITS, .max_key = EC_MAX_BITS,        \
		.flags = CKF_SIGN | CKF_VERIFY | EC_CURVE_FLAGS, .init = ecdsa_init \
	}

const struct soft_mech soft_ec_mechs[] = {
    {
        .type = CKM_EC_KEY_PAIR_GEN,
        .min_key = EC_MIN_BITS,
        .max_key = EC_MAX_BITS,
        .flags = CKF_GENERATE_KEY_PAIR | EC_CURVE_FLAGS,
        .generate_pair = soft_ec_generate_pair,
    },
    ECDSA_MECH(CKM_ECDSA),
    ECDSA_MECH(CKM_ECDSA_SHA1),
    ECDSA_MECH(CKM_ECDSA_SHA224),
    ECDSA_MECH(CKM_ECDSA_SHA256),
    ECDSA_MECH(CKM_ECDSA_SHA384),
    ECDSA_MECH(CKM_ECDSA_SHA512),
    ECDSA_MECH(CKM_ECDSA_SHA3_224),
    ECDSA_MECH(CKM_ECDSA_SHA3_256),
    ECDSA_MECH(CKM_ECDSA_SHA3_384),
    ECDSA_MECH(CKM_ECDSA_SHA3_512),
    {
        .type = CKM_ECDH1_DERIVE,
        .min_key = EC_MIN_BITS,
        .max_key = EC_MAX_BITS,
        .flags = CKF_DERIVE | EC_CURVE_FLAGS,
        .derive = soft_ec_derive,
    },
    {
        .type = CKM_ECDH1_COFACTOR_DERIVE,
        .min_key = EC_MIN_BITS,
        .max_key = EC_MAX_BITS,
        .flags = CKF_DERIVE | EC_CURVE_FLAGS,
        .derive = soft_ec_derive,
    },
    {
        .type = CKM_EC_EDWARDS_KEY_PAIR_GEN,
        .min_key = ECX_MIN_BITS,
        .max_key = ECX_MAX_BITS,
        .flags = CKF_GENERATE_KEY_PAIR | ECX_CURVE_FLAGS,
        .generate_pair = soft_ec_generate_pair,
    },
    {
        .type = CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
        .min_key = ECX_MIN_BITS,
        .max_key = ECX_MAX_BITS,
        .flags = CKF_GENERATE_KEY_PAIR | ECX_CURVE_FLAGS,
        .generate_pair = soft_ec_generate_pair,
    },
    {
        .type = CKM_EDDSA,
        .min_key = ECX_MIN_BITS,
        .max_key = ECX_MAX_BITS,
        .flags = CKF_SIGN | CKF_VERIFY | ECX_CURVE_FLAGS,
        .init = eddsa_init,
    },
    {.type = CK_UNAVAILABLE_INFORMATION},
};
