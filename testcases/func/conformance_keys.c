/*
 * The key table of the conformance walker: per key generation mechanism,
 * the key type it makes, the template attribute that sets the size (and
 * the unit CK_MECHANISM_INFO gives it in), and which kind of key the walker
 * keeps from it for the operation checks.  A new key type is one row.
 */
#include <stdio.h>
#include <string.h>

#include "conformance.h"
#include "p11names.h"

struct conf_gen {
	CK_MECHANISM_TYPE mech;
	enum conf_key kind; /* the kind kept for operations, CONF_KEY_NONE: none */
	CK_KEY_TYPE type;
	CK_ATTRIBUTE_TYPE size_attr; /* CKA_VALUE_LEN, CKA_MODULUS_BITS, or 0: fixed size */
	CK_ULONG info_per_unit; /* info sizes per template unit (8: info in bits, value in bytes) */
	CK_ULONG size;          /* the size the kept key gets */
	const CK_BYTE *ec_params;
	CK_ULONG ec_params_len;
};

static const CK_BYTE conf_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE conf_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const CK_BYTE conf_x25519[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};

#define CONF_SECRET(m, k, t, unit)                        \
	{                                                 \
		m, k, t, CKA_VALUE_LEN, unit, 32, NULL, 0 \
	}
#define CONF_FIXED(m, k, t)               \
	{                                 \
		m, k, t, 0, 1, 0, NULL, 0 \
	}
#define CONF_CURVE(m, k, t, p)                 \
	{                                      \
		m, k, t, 0, 1, 0, p, sizeof(p) \
	}

static const struct conf_gen conf_gens[] = {
    CONF_SECRET(CKM_AES_KEY_GEN, CONF_KEY_AES, CKK_AES, 1),
    CONF_SECRET(CKM_GENERIC_SECRET_KEY_GEN, CONF_KEY_GENERIC, CKK_GENERIC_SECRET, 8),
    CONF_SECRET(CKM_SHA_1_KEY_GEN, CONF_KEY_NONE, CKK_SHA_1_HMAC, 1),
    CONF_SECRET(CKM_SHA224_KEY_GEN, CONF_KEY_NONE, CKK_SHA224_HMAC, 1),
    CONF_SECRET(CKM_SHA256_KEY_GEN, CONF_KEY_NONE, CKK_SHA256_HMAC, 1),
    CONF_SECRET(CKM_SHA384_KEY_GEN, CONF_KEY_NONE, CKK_SHA384_HMAC, 1),
    CONF_SECRET(CKM_SHA512_KEY_GEN, CONF_KEY_NONE, CKK_SHA512_HMAC, 1),
    CONF_SECRET(CKM_SHA3_224_KEY_GEN, CONF_KEY_NONE, CKK_SHA3_224_HMAC, 1),
    CONF_SECRET(CKM_SHA3_256_KEY_GEN, CONF_KEY_NONE, CKK_SHA3_256_HMAC, 1),
    CONF_SECRET(CKM_SHA3_384_KEY_GEN, CONF_KEY_NONE, CKK_SHA3_384_HMAC, 1),
    CONF_SECRET(CKM_SHA3_512_KEY_GEN, CONF_KEY_NONE, CKK_SHA3_512_HMAC, 1),
    CONF_FIXED(CKM_DES3_KEY_GEN, CONF_KEY_DES3, CKK_DES3),
    CONF_FIXED(CKM_DES2_KEY_GEN, CONF_KEY_NONE, CKK_DES2),
    CONF_FIXED(CKM_DES_KEY_GEN, CONF_KEY_DES, CKK_DES),
    {CKM_RSA_PKCS_KEY_PAIR_GEN, CONF_KEY_RSA, CKK_RSA, CKA_MODULUS_BITS, 1, 2048, NULL, 0},
    CONF_CURVE(CKM_EC_KEY_PAIR_GEN, CONF_KEY_EC, CKK_EC, conf_p256),
    CONF_CURVE(CKM_EC_EDWARDS_KEY_PAIR_GEN, CONF_KEY_ED, CKK_EC_EDWARDS, conf_ed25519),
    CONF_CURVE(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CONF_KEY_NONE, CKK_EC_MONTGOMERY, conf_x25519),
};

#define CONF_N_GENS (sizeof(conf_gens) / sizeof(conf_gens[0]))

static const enum conf_key conf_wrong[CONF_KEY_COUNT] = {
    [CONF_KEY_AES] = CONF_KEY_GENERIC, [CONF_KEY_GENERIC] = CONF_KEY_AES,
    [CONF_KEY_DES3] = CONF_KEY_AES,    [CONF_KEY_DES] = CONF_KEY_AES,
    [CONF_KEY_RSA] = CONF_KEY_AES,     [CONF_KEY_EC] = CONF_KEY_RSA,
    [CONF_KEY_ED] = CONF_KEY_EC,
};

enum conf_key conf_keys_wrong(enum conf_key k)
{
	return conf_wrong[k];
}

static const struct conf_gen *conf_gen_find(CK_MECHANISM_TYPE m)
{
	for (size_t i = 0; i < CONF_N_GENS; i++)
		if (conf_gens[i].mech == m)
			return &conf_gens[i];
	return NULL;
}

/* A secret key of g's type: every usage its type may carry. */
static CK_RV conf_gen_secret(struct conf *c, const struct conf_gen *g, CK_ULONG size,
                             CK_OBJECT_HANDLE *key)
{
	CK_MECHANISM m = {g->mech, NULL, 0};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
	    {CKA_TOKEN, &no, 1},    {CKA_SIGN, &yes, 1},    {CKA_VERIFY, &yes, 1},
	    {CKA_ENCRYPT, &yes, 1}, {CKA_DECRYPT, &yes, 1}, {g->size_attr, &size, sizeof(size)},
	};
	bool cipher = g->type != CKK_GENERIC_SECRET && g->kind != CONF_KEY_NONE;
	CK_ULONG n = cipher ? 5 : 3;

	if (g->size_attr)
		t[n++] = t[5];
	return c->f->C_GenerateKey(c->s, &m, t, n, key);
}

/* A key pair of g's type: the public key encrypts and verifies, the private key the reverse. */
static CK_RV conf_gen_pair(struct conf *c, const struct conf_gen *g, CK_ULONG size,
                           struct conf_keypair *kp)
{
	CK_MECHANISM m = {g->mech, NULL, 0};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BYTE exp[] = {1, 0, 1};
	bool rsa = g->type == CKK_RSA;
	CK_ATTRIBUTE pub[] = {
	    {CKA_TOKEN, &no, 1},
	    {CKA_VERIFY, &yes, 1},
	    {CKA_ENCRYPT, &yes, 1},
	    {CKA_PUBLIC_EXPONENT, exp, sizeof(exp)},
	    {CKA_MODULUS_BITS, &size, sizeof(size)},
	};
	CK_ATTRIBUTE ec_pub[] = {
	    {CKA_TOKEN, &no, 1},
	    {CKA_VERIFY, &yes, 1},
	    {CKA_EC_PARAMS, (void *)g->ec_params, g->ec_params_len},
	};
	CK_ATTRIBUTE priv[] = {
	    {CKA_TOKEN, &no, 1},
	    {CKA_SIGN, &yes, 1},
	    {CKA_DECRYPT, &yes, 1},
	};

	if (g->type == CKK_EC_MONTGOMERY) {
		ec_pub[1].type = CKA_DERIVE;
		priv[1].type = CKA_DERIVE;
	}
	return c->f->C_GenerateKeyPair(c->s, &m, rsa ? pub : ec_pub, rsa ? 5 : 3, priv, rsa ? 3 : 2,
	                               &kp->pub, &kp->priv);
}

static CK_RV conf_gen_one(struct conf *c, const struct conf_gen *g, CK_ULONG size,
                          struct conf_keypair *kp)
{
	CK_RV rv;

	if (g->type == CKK_RSA || g->ec_params)
		return conf_gen_pair(c, g, size, kp);
	rv = conf_gen_secret(c, g, size, &kp->priv);
	kp->pub = kp->priv;
	return rv;
}

void conf_keys_make(struct conf *c)
{
	char name[64];

	for (size_t i = 0; i < CONF_N_GENS; i++) {
		const struct conf_gen *g = &conf_gens[i];
		struct conf_keypair *kp = &c->keys[g->kind];

		if (g->kind == CONF_KEY_NONE || !conf_has_mech(c, g->mech))
			continue;
		c->mech_name = os_p11_mech_str(g->mech, name, sizeof(name));
		if (!conf_expect(c, conf_gen_one(c, g, g->size, kp), CKR_OK, CKR_OK,
		                 "key for checks"))
			kp->priv = kp->pub = CK_INVALID_HANDLE;
	}
}

/* Generates at size (in template units) and checks the answer; destroys what it made. */
static void conf_gen_at(struct conf *c, const struct conf_gen *g, CK_ULONG size, bool good)
{
	struct conf_keypair kp = {CK_INVALID_HANDLE, CK_INVALID_HANDLE};
	char what[96];
	CK_RV rv = conf_gen_one(c, g, size, &kp);

	snprintf(what, sizeof(what), "generation at size %lu", size);
	if (good)
		conf_expect(c, rv, CKR_OK, CKR_OK, what);
	else
		conf_expect(c, rv, CKR_KEY_SIZE_RANGE, CKR_ATTRIBUTE_VALUE_INVALID, what);
	if (rv == CKR_OK) {
		c->f->C_DestroyObject(c->s, kp.priv);
		if (kp.pub != kp.priv)
			c->f->C_DestroyObject(c->s, kp.pub);
	}
}

bool conf_keys_check_gen(struct conf *c, CK_MECHANISM_TYPE m, const CK_MECHANISM_INFO *info)
{
	const struct conf_gen *g = conf_gen_find(m);

	if (!g)
		return false;
	if (!g->size_attr) {
		/* Fixed-size types and curves: one key, made as the table says. */
		conf_gen_at(c, g, 0, true);
		return true;
	}
	CK_ULONG min = (info->ulMinKeySize + g->info_per_unit - 1) / g->info_per_unit;
	CK_ULONG max = info->ulMaxKeySize / g->info_per_unit;

	conf_gen_at(c, g, min, true);
	if (g->type != CKK_RSA) /* a maximal RSA key takes too long to make */
		conf_gen_at(c, g, max, true);
	if (min > 0)
		conf_gen_at(c, g, min - 1, false);
	conf_gen_at(c, g, max + 1, false);
	return true;
}
