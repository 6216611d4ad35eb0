/*
 * The single-operation measurements through PKCS#11.  Each case names its
 * mechanism, key, kind of call and input length; the case id is shared with
 * the OpenSSL counterpart in bench_ossl.c.  A mechanism the module does not
 * list (C_GetMechanismInfo fails) or a key it could not make for want of a
 * mechanism is reported as unsupported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_ops.h"

enum ops_key { KEY_NONE, KEY_RSA, KEY_RSA_PUB, KEY_EC, KEY_ED, KEY_AES, KEY_HMAC };
enum ops_kind { KIND_SESSION, KIND_SIGN, KIND_VERIFY, KIND_ENCRYPT, KIND_DIGEST, KIND_KEYGEN };

struct ops_case {
	const char *id;
	const char *name;
	CK_MECHANISM_TYPE mech;
	enum ops_key key;
	enum ops_kind kind;
	size_t len;  /* input bytes of one operation */
	bool stream; /* bulk data: MB/s applies */
};

static const struct ops_case ops_cases[] = {
    {"session", "open+close session", 0, KEY_NONE, KIND_SESSION, 0, false},
    {"rsa-pkcs-sign", "RSA-2048 sign RSA_PKCS (DigestInfo)", CKM_RSA_PKCS, KEY_RSA, KIND_SIGN, 51,
     false},
    {"rsa-sha256-sign", "RSA-2048 sign SHA256_RSA_PKCS", CKM_SHA256_RSA_PKCS, KEY_RSA, KIND_SIGN,
     64, false},
    {"rsa-pss-sign", "RSA-2048 sign SHA256_RSA_PKCS_PSS", CKM_SHA256_RSA_PKCS_PSS, KEY_RSA,
     KIND_SIGN, 64, false},
    {"rsa-verify", "RSA-2048 verify SHA256_RSA_PKCS", CKM_SHA256_RSA_PKCS, KEY_RSA_PUB, KIND_VERIFY,
     64, false},
    {"ecdsa-sign", "ECDSA P-256 sign ECDSA (hash)", CKM_ECDSA, KEY_EC, KIND_SIGN, 32, false},
    {"ecdsa-sha256-sign", "ECDSA P-256 sign ECDSA_SHA256", CKM_ECDSA_SHA256, KEY_EC, KIND_SIGN, 64,
     false},
    {"ed25519-sign", "Ed25519 sign EDDSA", CKM_EDDSA, KEY_ED, KIND_SIGN, 64, false},
    {"aes-gcm-1k", "AES-256-GCM encrypt 1 KiB", CKM_AES_GCM, KEY_AES, KIND_ENCRYPT, 1024, true},
    {"aes-gcm-16k", "AES-256-GCM encrypt 16 KiB", CKM_AES_GCM, KEY_AES, KIND_ENCRYPT, 16384, true},
    {"aes-cbc-1k", "AES-256-CBC encrypt 1 KiB", CKM_AES_CBC, KEY_AES, KIND_ENCRYPT, 1024, true},
    {"aes-cbc-16k", "AES-256-CBC encrypt 16 KiB", CKM_AES_CBC, KEY_AES, KIND_ENCRYPT, 16384, true},
    {"sha256-64", "SHA-256 64 B", CKM_SHA256, KEY_NONE, KIND_DIGEST, 64, true},
    {"sha256-1m", "SHA-256 1 MiB", CKM_SHA256, KEY_NONE, KIND_DIGEST, 1 << 20, true},
    {"hmac-sha256-64", "HMAC-SHA256 64 B", CKM_SHA256_HMAC, KEY_HMAC, KIND_SIGN, 64, true},
    {"rsa-keygen", "RSA-2048 key pair generation (and destroy)", CKM_RSA_PKCS_KEY_PAIR_GEN,
     KEY_NONE, KIND_KEYGEN, 0, false},
    {"ec-keygen", "P-256 key pair generation (and destroy)", CKM_EC_KEY_PAIR_GEN, KEY_NONE,
     KIND_KEYGEN, 0, false},
};

/* The GCM parameters as the 2.40 header had them before ulIvBits was added. */
struct ops_gcm_v1 {
	CK_BYTE_PTR iv;
	CK_ULONG iv_len;
	CK_BYTE_PTR aad;
	CK_ULONG aad_len;
	CK_ULONG tag_bits;
};

/* The SHA-256 DigestInfo prefix (PKCS#1 v2.2, section 9.2, note 1). */
static const CK_BYTE sha256_prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

struct ops_state {
	struct bench_p11 *p;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_MECHANISM mech;
	CK_OBJECT_HANDLE key;
	CK_BYTE *in;
	CK_ULONG inlen;
	CK_BYTE *out;
	CK_ULONG outcap;
	CK_BYTE sig[512];
	CK_ULONG siglen;
	CK_BYTE iv[16];
	CK_GCM_PARAMS gcm;
	struct ops_gcm_v1 gcm_v1;
	CK_RSA_PKCS_PSS_PARAMS pss;
};

static CK_RV op_session(void *arg)
{
	struct ops_state *st = arg;
	CK_SESSION_HANDLE s;
	CK_RV rv = st->f->C_OpenSession(st->slot, CKF_SERIAL_SESSION, NULL, NULL, &s);

	if (rv != CKR_OK)
		return rv;
	return st->f->C_CloseSession(s);
}

static CK_RV op_sign(void *arg)
{
	struct ops_state *st = arg;
	CK_ULONG len = st->outcap;
	CK_RV rv = st->f->C_SignInit(st->s, &st->mech, st->key);

	if (rv != CKR_OK)
		return rv;
	return st->f->C_Sign(st->s, st->in, st->inlen, st->out, &len);
}

static CK_RV op_verify(void *arg)
{
	struct ops_state *st = arg;
	CK_RV rv = st->f->C_VerifyInit(st->s, &st->mech, st->key);

	if (rv != CKR_OK)
		return rv;
	return st->f->C_Verify(st->s, st->in, st->inlen, st->sig, st->siglen);
}

static CK_RV op_encrypt(void *arg)
{
	struct ops_state *st = arg;
	CK_ULONG len = st->outcap;
	CK_RV rv = st->f->C_EncryptInit(st->s, &st->mech, st->key);

	if (rv != CKR_OK)
		return rv;
	return st->f->C_Encrypt(st->s, st->in, st->inlen, st->out, &len);
}

static CK_RV op_digest(void *arg)
{
	struct ops_state *st = arg;
	CK_ULONG len = st->outcap;
	CK_RV rv = st->f->C_DigestInit(st->s, &st->mech);

	if (rv != CKR_OK)
		return rv;
	return st->f->C_Digest(st->s, st->in, st->inlen, st->out, &len);
}

/* A key pair made and destroyed again, so that the token does not grow. */
static CK_RV op_keygen(void *arg)
{
	struct ops_state *st = arg;
	struct bench_key k;
	CK_RV rv = bench_p11_pair(st->p, st->s, st->mech.mechanism, &k);

	if (rv != CKR_OK)
		return rv;
	rv = st->f->C_DestroyObject(st->s, k.priv);
	if (rv == CKR_OK)
		rv = st->f->C_DestroyObject(st->s, k.pub);
	return rv;
}

CK_RV bench_ops_ecdsa(void *arg)
{
	static const CK_BYTE hash[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	struct bench_ecdsa *e = arg;
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	CK_BYTE sig[132];
	CK_ULONG len = sizeof(sig);
	CK_RV rv = e->f->C_SignInit(e->s, &mech, e->key);

	if (rv != CKR_OK)
		return rv;
	return e->f->C_Sign(e->s, (CK_BYTE_PTR)hash, sizeof(hash), sig, &len);
}

static const struct bench_key *ops_key(const struct bench_p11 *p, enum ops_key k)
{
	switch (k) {
	case KEY_RSA:
	case KEY_RSA_PUB:
		return &p->rsa;
	case KEY_EC:
		return &p->ec;
	case KEY_ED:
		return &p->ed;
	case KEY_AES:
		return &p->aes;
	case KEY_HMAC:
		return &p->hmac;
	case KEY_NONE:
		break;
	}
	return NULL;
}

static bench_op_fn ops_fn(enum ops_kind kind)
{
	switch (kind) {
	case KIND_SESSION:
		return op_session;
	case KIND_SIGN:
		return op_sign;
	case KIND_VERIFY:
		return op_verify;
	case KIND_ENCRYPT:
		return op_encrypt;
	case KIND_KEYGEN:
		return op_keygen;
	case KIND_DIGEST:
		break;
	}
	return op_digest;
}

/* The mechanism parameters of case c. */
static void ops_params(struct ops_state *st, const struct ops_case *c)
{
	memset(st->iv, 0x3c, sizeof(st->iv));
	if (c->mech == CKM_AES_GCM) {
		st->gcm =
		    (CK_GCM_PARAMS){.pIv = st->iv, .ulIvLen = 12, .ulIvBits = 96, .ulTagBits = 128};
		st->mech.pParameter = &st->gcm;
		st->mech.ulParameterLen = sizeof(st->gcm);
	} else if (c->mech == CKM_AES_CBC) {
		st->mech.pParameter = st->iv;
		st->mech.ulParameterLen = 16;
	} else if (c->mech == CKM_SHA256_RSA_PKCS_PSS) {
		st->pss = (CK_RSA_PKCS_PSS_PARAMS){CKM_SHA256, CKG_MGF1_SHA256, 32};
		st->mech.pParameter = &st->pss;
		st->mech.ulParameterLen = sizeof(st->pss);
	}
}

/* A signature over the input to verify, made with the private key. */
static CK_RV ops_presign(struct ops_state *st, const struct bench_key *k)
{
	CK_RV rv = st->f->C_SignInit(st->s, &st->mech, k->priv);

	st->siglen = sizeof(st->sig);
	if (rv == CKR_OK)
		rv = st->f->C_Sign(st->s, st->in, st->inlen, st->sig, &st->siglen);
	return rv;
}

/*
 * Prepares st for case c: input, output, parameters and key.  Returns CKR_OK
 * or the reason the case cannot run, explained in m.
 */
static CK_RV ops_setup(struct ops_state *st, const struct ops_case *c, struct bench_p11 *p,
                       struct bench_measure *m)
{
	const struct bench_key *k = ops_key(p, c->key);
	CK_MECHANISM_INFO info;
	CK_RV rv;

	if (c->kind != KIND_SESSION) {
		rv = p->f->C_GetMechanismInfo(p->slot, c->mech, &info);
		if (rv != CKR_OK) {
			bench_measure_fail(m, CKR_MECHANISM_INVALID, "not listed");
			return CKR_MECHANISM_INVALID;
		}
	}
	if (k && k->rv != CKR_OK) {
		bench_measure_fail(m, k->rv, "no key");
		return k->rv;
	}
	st->p = p;
	st->f = p->f;
	st->slot = p->slot;
	st->s = p->session;
	st->mech = (CK_MECHANISM){c->mech, NULL, 0};
	st->key = k ? (c->key == KEY_RSA_PUB ? k->pub : k->priv) : CK_INVALID_HANDLE;
	st->inlen = c->len;
	st->outcap = c->len + 512;
	st->in = malloc(c->len + 1);
	st->out = malloc(st->outcap);
	if (!st->in || !st->out) {
		bench_measure_fail(m, CKR_HOST_MEMORY, "buffers");
		return CKR_HOST_MEMORY;
	}
	for (size_t i = 0; i < c->len; i++)
		st->in[i] = (CK_BYTE)(i * 31 + 7);
	if (c->mech == CKM_RSA_PKCS)
		memcpy(st->in, sha256_prefix, sizeof(sha256_prefix));
	ops_params(st, c);
	if (c->kind == KIND_VERIFY && (rv = ops_presign(st, k)) != CKR_OK) {
		bench_measure_fail(m, rv, "making the signature");
		return rv;
	}
	return CKR_OK;
}

/*
 * Modules built on the earlier 2.40 header take the GCM parameters without
 * ulIvBits and refuse the current layout: switch to theirs when the current
 * one is refused.
 */
static void ops_gcm_layout(struct ops_state *st)
{
	if (op_encrypt(st) != CKR_MECHANISM_PARAM_INVALID)
		return;
	st->gcm_v1 = (struct ops_gcm_v1){.iv = st->iv, .iv_len = 12, .tag_bits = 128};
	st->mech.pParameter = &st->gcm_v1;
	st->mech.ulParameterLen = sizeof(st->gcm_v1);
}

/* The row of case c: the module and, when counterpart is set, raw OpenSSL. */
static void ops_measure(struct bench_p11 *p, const struct ops_case *c, bench_op_fn counterpart,
                        void *ossl, const struct bench_opts *o, struct bench_row *row)
{
	struct ops_state st;
	bench_op_fn mine = NULL;

	memset(&st, 0, sizeof(st));
	if (ops_setup(&st, c, p, &row->p11) == CKR_OK) {
		if (c->mech == CKM_AES_GCM)
			ops_gcm_layout(&st);
		mine = ops_fn(c->kind);
	}
	bench_measure_pair(mine, &st, counterpart, ossl, o, &row->p11, &row->ossl);
	free(st.in);
	free(st.out);
}

static void ops_show(const struct bench_row *row)
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

void bench_ops_run(struct bench_p11 *p, struct bench_ossl *ossl, const struct bench_opts *o,
                   struct bench_report *r)
{
	for (size_t i = 0; i < sizeof(ops_cases) / sizeof(ops_cases[0]); i++) {
		const struct ops_case *c = &ops_cases[i];
		bench_op_fn counterpart = bench_ossl_op(c->id);
		struct bench_row *row;

		if (!bench_wanted(o, c->id) || r->nrows >= BENCH_MAX_ROWS)
			continue;
		row = &r->rows[r->nrows++];
		memset(row, 0, sizeof(*row));
		row->id = c->id;
		row->name = c->name;
		row->bytes = c->stream ? c->len : 0;
		row->ossl.status = BENCH_SKIPPED;
		if (!ossl || o->no_openssl)
			counterpart = NULL;
		ops_measure(p, c, counterpart, ossl, o, row);
		ops_show(row);
	}
}
