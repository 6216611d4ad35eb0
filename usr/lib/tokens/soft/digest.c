/*
 * The soft backend's digest family: SHA-1, SHA-2 and SHA-3 digests, the
 * HMACs over them (whose operations live in mac.c), generic secret keys
 * and the generation of keys bound to one HMAC.
 *
 * A digest operation is one EVP_MD_CTX initialised from an EVP_MD fetched
 * once per process (fetch.c), so that hashing a short message costs little
 * more than the hash itself.
 */
#include "digest.h"

#include <stdlib.h>

#include "mac.h"
#include "secret.h"

static const struct soft_digest_info digest_infos[] = {
    {CKM_SHA_1, CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL, CKM_SHA_1_KEY_GEN, CKK_SHA_1_HMAC,
     SOFT_MD_SHA1, 20},
    {CKM_SHA224, CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL, CKM_SHA224_KEY_GEN, CKK_SHA224_HMAC,
     SOFT_MD_SHA224, 28},
    {CKM_SHA256, CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, CKM_SHA256_KEY_GEN, CKK_SHA256_HMAC,
     SOFT_MD_SHA256, 32},
    {CKM_SHA384, CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL, CKM_SHA384_KEY_GEN, CKK_SHA384_HMAC,
     SOFT_MD_SHA384, 48},
    {CKM_SHA512, CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL, CKM_SHA512_KEY_GEN, CKK_SHA512_HMAC,
     SOFT_MD_SHA512, 64},
    {CKM_SHA3_224, CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL, CKM_SHA3_224_KEY_GEN,
     CKK_SHA3_224_HMAC, SOFT_MD_SHA3_224, 28},
    {CKM_SHA3_256, CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL, CKM_SHA3_256_KEY_GEN,
     CKK_SHA3_256_HMAC, SOFT_MD_SHA3_256, 32},
    {CKM_SHA3_384, CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL, CKM_SHA3_384_KEY_GEN,
     CKK_SHA3_384_HMAC, SOFT_MD_SHA3_384, 48},
    {CKM_SHA3_512, CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL, CKM_SHA3_512_KEY_GEN,
     CKK_SHA3_512_HMAC, SOFT_MD_SHA3_512, 64},
};

#define DIGEST_N_INFOS (sizeof(digest_infos) / sizeof(digest_infos[0]))

const struct soft_digest_info *soft_digest_find(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < DIGEST_N_INFOS; i++) {
		const struct soft_digest_info *d = &digest_infos[i];

		if (d->digest == type || d->hmac == type || d->hmac_general == type ||
		    d->key_gen == type)
			return d;
	}
	return NULL;
}

const struct soft_digest_info *soft_digest_by_key_type(CK_KEY_TYPE type)
{
	for (size_t i = 0; i < DIGEST_N_INFOS; i++)
		if (digest_infos[i].hmac_key == type)
			return &digest_infos[i];
	return NULL;
}

struct digest_op {
	struct soft_op base;
	EVP_MD_CTX *ctx;
	CK_ULONG size;
};

static CK_RV digest_update(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                           CK_ULONG *outlen)
{
	struct digest_op *d = (struct digest_op *)op;

	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	return EVP_DigestUpdate(d->ctx, in, inlen) == 1 ? CKR_OK : soft_ossl_fail();
}

static CK_RV digest_final(struct soft_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	struct digest_op *d = (struct digest_op *)op;
	unsigned int n = 0;
	bool done;
	CK_RV rv = soft_out_check(out, outlen, d->size, &done);

	if (done)
		return rv;
	if (EVP_DigestFinal_ex(d->ctx, out, &n) != 1)
		return soft_ossl_fail();
	*outlen = n;
	return CKR_OK;
}

static CK_RV digest_single(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                           CK_ULONG *outlen)
{
	struct digest_op *d = (struct digest_op *)op;
	bool done;
	CK_RV rv = soft_out_check(out, outlen, d->size, &done);

	if (done)
		return rv;
	rv = digest_update(op, in, inlen, NULL, NULL);
	return rv == CKR_OK ? digest_final(op, out, outlen) : rv;
}

/* C_DigestKey: only the value of a secret key can be digested. */
static CK_RV digest_key(struct soft_op *op, const struct os_backend_key *key)
{
	struct digest_op *d = (struct digest_op *)op;
	const CK_BYTE *val;
	CK_KEY_TYPE type;
	CK_ULONG len;

	if (!key || soft_secret_get(key->attrs, &type, &val, &len) != CKR_OK)
		return CKR_KEY_INDIGESTIBLE;
	return EVP_DigestUpdate(d->ctx, val, len) == 1 ? CKR_OK : soft_ossl_fail();
}

static void digest_free(struct soft_op *op)
{
	struct digest_op *d = (struct digest_op *)op;

	EVP_MD_CTX_free(d->ctx);
	free(d);
}

/*
 * Starts the digest of mechanism m in d's context, which may hold an ended
 * digest of any algorithm: EVP_DigestInit_ex2 resets it, so the state of a
 * digest (of a key's value too, after C_DigestKey) does not outlive it.
 */
static CK_RV digest_start(struct digest_op *d, const struct soft_mech *m, const CK_MECHANISM *mech)
{
	const struct soft_digest_info *info = soft_digest_find(m->type);
	const EVP_MD *md = info ? soft_fetch_md(info->md) : NULL;

	if (!md)
		return CKR_MECHANISM_INVALID;
	if (soft_secret_no_param(mech) != CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	if (EVP_DigestInit_ex2(d->ctx, md, NULL) != 1)
		return soft_ossl_fail();
	d->size = info->size;
	return CKR_OK;
}

static CK_RV digest_reinit(struct soft_op *op, const struct soft_mech *m, const CK_MECHANISM *mech)
{
	return digest_start((struct digest_op *)op, m, mech);
}

static const struct soft_op_ops digest_ops = {
    .single = digest_single,
    .update = digest_update,
    .final = digest_final,
    .digest_key = digest_key,
    .free = digest_free,
    .reinit = digest_reinit,
};

static CK_RV digest_init(const struct soft_mech *m, enum os_backend_op kind,
                         const CK_MECHANISM *mech, const struct os_backend_key *key,
                         struct soft_op **op)
{
	struct digest_op *d = calloc(1, sizeof(*d));
	CK_RV rv;

	if (!d)
		return CKR_HOST_MEMORY;
	d->base.ops = &digest_ops;
	d->ctx = EVP_MD_CTX_new();
	rv = d->ctx ? digest_start(d, m, mech) : CKR_HOST_MEMORY;
	if (rv != CKR_OK) {
		digest_free(&d->base);
		return rv;
	}
	*op = &d->base;
	return CKR_OK;
}

static CK_RV digest_generic_key_gen(const CK_MECHANISM *mech, struct tok_attrs *key)
{
	return soft_secret_generate(mech, CKK_GENERIC_SECRET, key);
}

static CK_RV digest_hmac_key_gen(const CK_MECHANISM *mech, struct tok_attrs *key)
{
	const struct soft_digest_info *info = soft_digest_find(mech->mechanism);

	if (!info)
		return CKR_MECHANISM_INVALID;
	return soft_secret_generate(mech, info->hmac_key, key);
}

#define DIGEST_MECH(t)                                                \
	{                                                             \
		.type = (t), .flags = CKF_DIGEST, .init = digest_init \
	}
#define DIGEST_HMAC(t)                                                      \
	{                                                                   \
		.type = (t), .min_key = 1, .max_key = SOFT_SECRET_MAX,      \
		.flags = CKF_SIGN | CKF_VERIFY, .init = soft_mac_hmac_init, \
	}
#define DIGEST_KEY_GEN(t)                                                                     \
	{                                                                                     \
		.type = (t), .min_key = 1, .max_key = SOFT_SECRET_MAX, .flags = CKF_GENERATE, \
		.generate = digest_hmac_key_gen,                                              \
	}
#define DIGEST_FAMILY(dig, hmac, general, key_gen) \
	DIGEST_MECH(dig), DIGEST_HMAC(hmac), DIGEST_HMAC(general), DIGEST_KEY_GEN(key_gen)

/*
 * Key sizes: bytes for the HMACs and HMAC key generation; bits for
 * CKM_GENERIC_SECRET_KEY_GEN, as PKCS#11 specifies for that mechanism.
 */
const struct soft_mech soft_digest_mechs[] = {
    DIGEST_FAMILY(CKM_SHA_1, CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL, CKM_SHA_1_KEY_GEN),
    DIGEST_FAMILY(CKM_SHA224, CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL, CKM_SHA224_KEY_GEN),
    DIGEST_FAMILY(CKM_SHA256, CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, CKM_SHA256_KEY_GEN),
    DIGEST_FAMILY(CKM_SHA384, CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL, CKM_SHA384_KEY_GEN),
    DIGEST_FAMILY(CKM_SHA512, CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL, CKM_SHA512_KEY_GEN),
    DIGEST_FAMILY(CKM_SHA3_224, CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL, CKM_SHA3_224_KEY_GEN),
    DIGEST_FAMILY(CKM_SHA3_256, CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL, CKM_SHA3_256_KEY_GEN),
    DIGEST_FAMILY(CKM_SHA3_384, CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL, CKM_SHA3_384_KEY_GEN),
    DIGEST_FAMILY(CKM_SHA3_512, CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL, CKM_SHA3_512_KEY_GEN),
    {.type = CKM_GENERIC_SECRET_KEY_GEN,
     .min_key = 8,
     .max_key = 8 * SOFT_SECRET_MAX,
     .flags = CKF_GENERATE,
     .generate = digest_generic_key_gen},
    {.type = CK_UNAVAILABLE_INFORMATION},
};
