/*
 * ECDSA on brainpoolP256r1 and DH-2048 derivation, through PKCS#11 and on
 * raw OpenSSL (bench_agree.h).
 *
 * The signature is CKM_ECDSA over a 32-byte hash, against EVP_PKEY_sign on
 * a context made once.  The derivation is CKM_DH_PKCS_DERIVE of a 32-byte
 * generic secret from the other party's public value, with the new session
 * object destroyed again, against what an application does with OpenSSL
 * for the same bytes: the other party's value turned into a key
 * (EVP_PKEY_fromdata) and the secret derived, padded to the prime.  Both
 * sides use the group ffdhe2048; the module is given its prime and base in
 * the public template, so a module without CKM_DH_PKCS_PARAMETER_GEN is
 * measured too.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "bench_agree.h"
#include "bench_time.h"

#define AGREE_NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define AGREE_P_BYTES  256 /* ffdhe2048 */

/* The 1.3.36.3.3.2.8.1.1.7 of RFC 5639: brainpoolP256r1. */
static const CK_BYTE oid_bp256[] = {0x06, 0x09, 0x2b, 0x24, 0x03, 0x03,
                                    0x02, 0x08, 0x01, 0x01, 0x07};
static const CK_BYTE hash32[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* One case's state on the module side. */
struct agree_p11 {
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_BYTE peer[AGREE_P_BYTES]; /* DH: the other party's public value */
	CK_ULONG peer_len;
};

/* One case's state on raw OpenSSL. */
struct agree_ossl {
	EVP_PKEY *key;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY_CTX *import; /* DH: makes the other party's key */
	unsigned char peer[AGREE_P_BYTES];
	unsigned char out[AGREE_P_BYTES];
};

static void agree_ossl_free(struct agree_ossl *x)
{
	EVP_PKEY_CTX_free(x->ctx);
	EVP_PKEY_CTX_free(x->import);
	EVP_PKEY_free(x->key);
	memset(x, 0, sizeof(*x));
}

/* ---- ECDSA brainpoolP256r1 ---- */

static CK_RV p11_bp_sign(void *arg)
{
	struct agree_p11 *st = arg;
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	CK_BYTE sig[132];
	CK_ULONG len = sizeof(sig);
	CK_RV rv = st->f->C_SignInit(st->s, &mech, st->key);

	if (rv != CKR_OK)
		return rv;
	return st->f->C_Sign(st->s, (CK_BYTE_PTR)hash32, sizeof(hash32), sig, &len);
}

static CK_RV p11_bp_setup(struct bench_p11 *p, struct agree_p11 *st)
{
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pub[] = {
	    {CKA_TOKEN, &no, sizeof(no)},
	    {CKA_EC_PARAMS, (void *)oid_bp256, sizeof(oid_bp256)},
	    {CKA_VERIFY, &yes, sizeof(yes)},
	};
	CK_ATTRIBUTE priv[] = {
	    {CKA_TOKEN, &no, sizeof(no)},
	    {CKA_PRIVATE, &yes, sizeof(yes)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)},
	    {CKA_SIGN, &yes, sizeof(yes)},
	};
	CK_OBJECT_HANDLE pubkey;

	return p->f->C_GenerateKeyPair(p->session, &mech, pub, AGREE_NELEM(pub), priv,
	                               AGREE_NELEM(priv), &pubkey, &st->key);
}

static CK_RV ossl_bp_sign(void *arg)
{
	struct agree_ossl *x = arg;
	size_t len = sizeof(x->out);

	if (EVP_PKEY_sign_init(x->ctx) != 1)
		return CKR_FUNCTION_FAILED;
	return EVP_PKEY_sign(x->ctx, x->out, &len, hash32, sizeof(hash32)) == 1
	           ? CKR_OK
	           : CKR_FUNCTION_FAILED;
}

static bool ossl_bp_setup(struct agree_ossl *x)
{
	x->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
	x->ctx = x->key ? EVP_PKEY_CTX_new(x->key, NULL) : NULL;
	return x->ctx != NULL;
}

/* ---- DH ffdhe2048 ---- */

/* A key pair of the group on OpenSSL. */
static EVP_PKEY *ossl_dh_keygen(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "ffdhe2048", 0),
	    OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *pkey = NULL;

	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_params(ctx, params) != 1 ||
	    EVP_PKEY_generate(ctx, &pkey) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* A BIGNUM parameter of pkey, big-endian and padded to AGREE_P_BYTES. */
static bool ossl_bn_bytes(const EVP_PKEY *pkey, const char *name, unsigned char *out)
{
	BIGNUM *bn = NULL;
	bool ok = EVP_PKEY_get_bn_param(pkey, name, &bn) == 1 &&
	          BN_bn2binpad(bn, out, AGREE_P_BYTES) == AGREE_P_BYTES;

	BN_free(bn);
	return ok;
}

static CK_RV ossl_dh_derive(void *arg)
{
	struct agree_ossl *x = arg;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *y = BN_bin2bn(x->peer, AGREE_P_BYTES, NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY *peer = NULL;
	size_t len = sizeof(x->out);
	int ok = bld && y &&
	         OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "ffdhe2048", 0) &&
	         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) &&
	         (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	         EVP_PKEY_fromdata(x->import, &peer, EVP_PKEY_PUBLIC_KEY, params) == 1 &&
	         EVP_PKEY_derive_init(x->ctx) == 1 && EVP_PKEY_CTX_set_dh_pad(x->ctx, 1) == 1 &&
	         EVP_PKEY_derive_set_peer_ex(x->ctx, peer, 0) == 1 &&
	         EVP_PKEY_derive(x->ctx, x->out, &len) == 1;

	EVP_PKEY_free(peer);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	return ok ? CKR_OK : CKR_FUNCTION_FAILED;
}

static bool ossl_dh_setup(struct agree_ossl *x)
{
	EVP_PKEY *other = ossl_dh_keygen();
	bool ok;

	x->key = ossl_dh_keygen();
	x->ctx = x->key ? EVP_PKEY_CTX_new(x->key, NULL) : NULL;
	x->import = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	ok = other && x->ctx && x->import && EVP_PKEY_fromdata_init(x->import) == 1 &&
	     ossl_bn_bytes(other, OSSL_PKEY_PARAM_PUB_KEY, x->peer);
	EVP_PKEY_free(other);
	return ok;
}

static CK_RV p11_dh_derive(void *arg)
{
	struct agree_p11 *st = arg;
	CK_MECHANISM mech = {CKM_DH_PKCS_DERIVE, st->peer, st->peer_len};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ULONG len = 32;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},     {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_TOKEN, &no, sizeof(no)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)},
	};
	CK_OBJECT_HANDLE h;
	CK_RV rv = st->f->C_DeriveKey(st->s, &mech, st->key, t, AGREE_NELEM(t), &h);

	if (rv != CKR_OK)
		return rv;
	return st->f->C_DestroyObject(st->s, h);
}

/* A DH pair of the module over prime p and base 2; *pub and *priv its handles. */
static CK_RV p11_dh_pair(struct bench_p11 *p, const CK_BYTE *prime, CK_OBJECT_HANDLE *pubkey,
                         CK_OBJECT_HANDLE *privkey)
{
	CK_MECHANISM mech = {CKM_DH_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_BYTE base = 2;
	CK_ATTRIBUTE pub[] = {
	    {CKA_TOKEN, &no, sizeof(no)},
	    {CKA_PRIME, (void *)prime, AGREE_P_BYTES},
	    {CKA_BASE, &base, 1},
	};
	CK_ATTRIBUTE priv[] = {
	    {CKA_TOKEN, &no, sizeof(no)},
	    {CKA_PRIVATE, &yes, sizeof(yes)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)},
	    {CKA_DERIVE, &yes, sizeof(yes)},
	};

	return p->f->C_GenerateKeyPair(p->session, &mech, pub, AGREE_NELEM(pub), priv,
	                               AGREE_NELEM(priv), pubkey, privkey);
}

/* The module's own pair and the other party's public value. */
static CK_RV p11_dh_setup(struct bench_p11 *p, struct agree_p11 *st)
{
	EVP_PKEY *group = ossl_dh_keygen();
	CK_BYTE prime[AGREE_P_BYTES];
	CK_OBJECT_HANDLE pub, other_pub, other_priv;
	CK_ATTRIBUTE y = {CKA_VALUE, st->peer, sizeof(st->peer)};
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (group && ossl_bn_bytes(group, OSSL_PKEY_PARAM_FFC_P, prime))
		rv = p11_dh_pair(p, prime, &pub, &st->key);
	EVP_PKEY_free(group);
	if (rv == CKR_OK)
		rv = p11_dh_pair(p, prime, &other_pub, &other_priv);
	if (rv == CKR_OK)
		rv = p->f->C_GetAttributeValue(p->session, other_pub, &y, 1);
	st->peer_len = y.ulValueLen;
	return rv;
}

/* ---- the cases ---- */

struct agree_case {
	const char *id;
	const char *name;
	CK_MECHANISM_TYPE gen, mech; /* the module must list both */
	CK_RV (*p11_setup)(struct bench_p11 *p, struct agree_p11 *st);
	bench_op_fn p11_op;
	bool (*ossl_setup)(struct agree_ossl *x);
	bench_op_fn ossl_op;
};

static const struct agree_case agree_cases[] = {
    {"ecdsa-bp256-sign", "ECDSA brainpoolP256r1 sign ECDSA (hash)", CKM_EC_KEY_PAIR_GEN, CKM_ECDSA,
     p11_bp_setup, p11_bp_sign, ossl_bp_setup, ossl_bp_sign},
    {"dh2048-derive", "DH ffdhe2048 derive DH_PKCS_DERIVE", CKM_DH_PKCS_KEY_PAIR_GEN,
     CKM_DH_PKCS_DERIVE, p11_dh_setup, p11_dh_derive, ossl_dh_setup, ossl_dh_derive},
};

/* The module side of case c: NULL (with m filled) when it cannot run. */
static bench_op_fn agree_p11_ready(struct bench_p11 *p, const struct agree_case *c,
                                   struct agree_p11 *st, struct bench_measure *m)
{
	CK_MECHANISM_INFO info;
	CK_RV rv;

	if (p->f->C_GetMechanismInfo(p->slot, c->gen, &info) != CKR_OK ||
	    p->f->C_GetMechanismInfo(p->slot, c->mech, &info) != CKR_OK) {
		bench_measure_fail(m, CKR_MECHANISM_INVALID, "not listed");
		return NULL;
	}
	st->f = p->f;
	st->s = p->session;
	rv = c->p11_setup(p, st);
	if (rv != CKR_OK) {
		bench_measure_fail(m, rv, "no key");
		return NULL;
	}
	return c->p11_op;
}

static void agree_show(const struct bench_row *row)
{
	if (row->p11.status != BENCH_OK)
		bench_progress("%-18s %s %s", row->id,
		               row->p11.status == BENCH_UNSUPPORTED ? "unsupported" : "failed",
		               row->p11.why);
	else if (row->ossl.status == BENCH_OK)
		bench_progress("%-18s %12.0f ops/s  (OpenSSL %.0f, %.2fx)", row->id,
		               row->p11.median, row->ossl.median,
		               row->p11.median / row->ossl.median);
	else
		bench_progress("%-18s %12.0f ops/s", row->id, row->p11.median);
}

static void agree_measure(struct bench_p11 *p, const struct agree_case *c,
                          const struct bench_opts *o, struct bench_row *row)
{
	struct agree_p11 st;
	struct agree_ossl x;
	bench_op_fn mine, theirs = NULL;

	memset(&st, 0, sizeof(st));
	memset(&x, 0, sizeof(x));
	mine = agree_p11_ready(p, c, &st, &row->p11);
	if (!o->no_openssl) {
		if (c->ossl_setup(&x))
			theirs = c->ossl_op;
		else
			bench_measure_fail(&row->ossl, CKR_FUNCTION_FAILED, "OpenSSL set-up");
	}
	bench_measure_pair(mine, &st, theirs, &x, o, &row->p11, &row->ossl);
	agree_ossl_free(&x);
}

void bench_agree_run(struct bench_p11 *p, const struct bench_opts *o, struct bench_report *r)
{
	for (size_t i = 0; i < AGREE_NELEM(agree_cases); i++) {
		const struct agree_case *c = &agree_cases[i];
		struct bench_row *row;

		if (!bench_wanted(o, c->id) || r->nrows >= BENCH_MAX_ROWS)
			continue;
		row = &r->rows[r->nrows++];
		memset(row, 0, sizeof(*row));
		row->id = c->id;
		row->name = c->name;
		row->ossl.status = BENCH_SKIPPED;
		agree_measure(p, c, o, row);
		agree_show(row);
	}
}
