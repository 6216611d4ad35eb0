/*
 * The soft backend: a token kept in software, with OpenSSL 3 as its
 * cryptography.
 *
 * This file holds what is not a mechanism: the token's description, random
 * numbers, the joined mechanism table (the families in rsa.c, ec.c, aes.c,
 * digest.c and des.c) and the dispatch of the backend entries to them.  The
 * objects themselves are kept by the token common layer.
 */
#include "soft.h"
#include "bytes.h"
#include "kdf.h"
#include "state.h"

#include <pthread.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "des.h"
#include "dh.h"

#define SOFT_MODEL "openslot soft"

struct soft_token {
	CK_UTF8CHAR serial[sizeof(((CK_TOKEN_INFO *)0)->serialNumber)];
	bool legacy; /* slot option legacy-mechanisms: offer the DES family */
};

/*
 * The serial number is the slot id in decimal.  Slot ids from the config
 * fit in 32 bits; should one ever need more than 16 digits, the last 16
 * are kept so that serials still differ between neighbouring slots.
 */
static void soft_serial(struct soft_token *tok, CK_SLOT_ID slot_id)
{
	char digits[3 * sizeof(CK_SLOT_ID) + 1];
	int n = snprintf(digits, sizeof(digits), "%lu", (unsigned long)slot_id);
	size_t skip = (size_t)n > sizeof(tok->serial) ? (size_t)n - sizeof(tok->serial) : 0;

	os_pad_text(tok->serial, sizeof(tok->serial), digits + skip);
}

static CK_RV soft_load(const struct os_backend_env *env, void **ctx)
{
	struct soft_token *tok;

	if (env == NULL || ctx == NULL)
		return CKR_ARGUMENTS_BAD;
	tok = calloc(1, sizeof(*tok));
	if (tok == NULL)
		return CKR_HOST_MEMORY;
	soft_serial(tok, env->slot_id);
	if (soft_des_option(env, &tok->legacy) != CKR_OK) {
		free(tok);
		return CKR_ARGUMENTS_BAD;
	}
	*ctx = tok;
	return CKR_OK;
}

static void soft_unload(void *ctx)
{
	free(ctx);
}

/* Keeps the description from the config: a software slot that always holds its token. */
static CK_RV soft_slot_info(void *ctx, CK_SLOT_INFO *info)
{
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	info->flags &= ~(CK_FLAGS)CKF_HW_SLOT;
	info->flags |= CKF_TOKEN_PRESENT;
	return CKR_OK;
}

static CK_RV soft_token_present(void *ctx)
{
	return CKR_OK;
}

static CK_RV soft_token_info(void *ctx, CK_TOKEN_INFO *info)
{
	const struct soft_token *tok = ctx;

	if (tok == NULL || info == NULL)
		return CKR_ARGUMENTS_BAD;
	os_pad_text(info->model, sizeof(info->model), SOFT_MODEL);
	memcpy(info->serialNumber, tok->serial, sizeof(info->serialNumber));
	info->hardwareVersion.major = 0;
	info->hardwareVersion.minor = 1;
	info->firmwareVersion.major = 0;
	info->firmwareVersion.minor = 1;
	info->flags |= CKF_RNG;
	return CKR_OK;
}

/* One family per line. */
/* clang-format off */
static const struct soft_mech *const soft_tables[] = {
    soft_rsa_mechs,
    soft_ec_mechs,
    soft_dh_mechs,
    soft_aes_mechs,
    soft_digest_mechs,
    soft_des_mechs,
    soft_kdf_mechs,
};
/* clang-format on */

#define SOFT_MAX_MECHS 512

/* All mechanisms, sorted by type for lookup; built once. */
static struct {
	pthread_once_t once;
	const struct soft_mech *all[SOFT_MAX_MECHS];
	size_t n;
} soft_index = {.once = PTHREAD_ONCE_INIT};

static int soft_mech_cmp(const void *a, const void *b)
{
	CK_MECHANISM_TYPE x = (*(const struct soft_mech *const *)a)->type;
	CK_MECHANISM_TYPE y = (*(const struct soft_mech *const *)b)->type;

	return x < y ? -1 : x > y;
}

static void soft_index_build(void)
{
	for (size_t t = 0; t < sizeof(soft_tables) / sizeof(soft_tables[0]); t++)
		for (const struct soft_mech *m = soft_tables[t];
		     m->type != CK_UNAVAILABLE_INFORMATION && soft_index.n < SOFT_MAX_MECHS; m++)
			soft_index.all[soft_index.n++] = m;
	qsort(soft_index.all, soft_index.n, sizeof(soft_index.all[0]), soft_mech_cmp);
}

/* Whether the slot of ctx offers m (its options may turn some off). */
static bool soft_mech_offered(const void *ctx, const struct soft_mech *m)
{
	const struct soft_token *tok = ctx;

	return soft_des_offered(!tok || tok->legacy, m->type);
}

/* The mechanism of that type the slot of ctx offers, or NULL. */
static const struct soft_mech *soft_mech_find(const void *ctx, CK_MECHANISM_TYPE type)
{
	size_t lo = 0, hi;

	pthread_once(&soft_index.once, soft_index_build);
	hi = soft_index.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		CK_MECHANISM_TYPE t = soft_index.all[mid]->type;
		if (t == type)
			return soft_mech_offered(ctx, soft_index.all[mid]) ? soft_index.all[mid]
			                                                   : NULL;
		if (t < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static CK_RV soft_mechanism_list(void *ctx, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	CK_ULONG n = 0;

	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_once(&soft_index.once, soft_index_build);
	for (size_t i = 0; i < soft_index.n; i++)
		n += soft_mech_offered(ctx, soft_index.all[i]);
	if (list && *count < n) {
		*count = n;
		return CKR_BUFFER_TOO_SMALL;
	}
	*count = n;
	for (size_t i = 0, j = 0; list && i < soft_index.n; i++)
		if (soft_mech_offered(ctx, soft_index.all[i]))
			list[j++] = soft_index.all[i]->type;
	return CKR_OK;
}

static CK_RV soft_mechanism_info(void *ctx, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	const struct soft_mech *m = soft_mech_find(ctx, type);

	if (!m)
		return CKR_MECHANISM_INVALID;
	info->ulMinKeySize = m->min_key;
	info->ulMaxKeySize = m->max_key;
	info->flags = m->flags;
	return CKR_OK;
}

/* RAND_bytes() takes an int length, so a longer request is served in pieces. */
static CK_RV soft_generate_random(void *ctx, CK_BYTE *out, CK_ULONG len)
{
	if (out == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	while (len > 0) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(out, chunk) != 1) {
			ERR_clear_error();
			return CKR_FUNCTION_FAILED;
		}
		out += chunk;
		len -= (CK_ULONG)chunk;
	}
	return CKR_OK;
}

/*
 * In OpenSSL 3, RAND_seed(buf, num) is RAND_add(buf, num, num).  With the
 * default random method and an operating-system entropy source (the usual
 * build) it reseeds the process's primary DRBG: the DRBG draws fresh
 * entropy from that source and takes buf only as additional input.  The
 * seed is thus mixed into the state but never counted as entropy, so a
 * poor or hostile seed cannot weaken the output, and it cannot be
 * recovered from later output.  The DRBGs that RAND_bytes() reads see the
 * primary's reseed and reseed themselves before their next output, so the
 * seed takes effect at once.  RAND_seed() reports nothing, hence CKR_OK.
 */
static CK_RV soft_seed_random(void *ctx, const CK_BYTE *seed, CK_ULONG len)
{
	if (seed == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	while (len > 0) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len;

		RAND_seed(seed, chunk);
		seed += chunk;
		len -= (CK_ULONG)chunk;
	}
	return CKR_OK;
}

static CK_RV soft_generate_key(void *ctx, const CK_MECHANISM *mech, struct tok_attrs *key)
{
	const struct soft_mech *m = soft_mech_find(ctx, mech->mechanism);

	return m && m->generate ? m->generate(mech, key) : CKR_MECHANISM_INVALID;
}

static CK_RV soft_generate_key_pair(void *ctx, const CK_MECHANISM *mech, struct tok_attrs *pub,
                                    struct tok_attrs *priv)
{
	const struct soft_mech *m = soft_mech_find(ctx, mech->mechanism);

	return m && m->generate_pair ? m->generate_pair(mech, pub, priv) : CKR_MECHANISM_INVALID;
}

static CK_RV soft_check_key(void *ctx, struct tok_attrs *key)
{
	CK_RV rv = soft_rsa_check_key(key);

	if (rv == CKR_OK)
		rv = soft_ec_check_key(key);
	if (rv == CKR_OK)
		rv = soft_dh_check_key(key);
	if (rv == CKR_OK)
		rv = soft_secret_check_key(key);
	return rv;
}

/* The mechanism flag each operation needs. */
static CK_FLAGS soft_op_flag(enum os_backend_op kind)
{
	switch (kind) {
	case OS_BACKEND_OP_ENCRYPT:
		return CKF_ENCRYPT;
	case OS_BACKEND_OP_DECRYPT:
		return CKF_DECRYPT;
	case OS_BACKEND_OP_SIGN:
		return CKF_SIGN;
	case OS_BACKEND_OP_VERIFY:
		return CKF_VERIFY;
	case OS_BACKEND_OP_DIGEST:
		return CKF_DIGEST;
	case OS_BACKEND_OP_SIGN_RECOVER:
		return CKF_SIGN_RECOVER;
	case OS_BACKEND_OP_VERIFY_RECOVER:
		return CKF_VERIFY_RECOVER;
	}
	return 0;
}

static CK_RV soft_op_init(void *ctx, enum os_backend_op kind, const CK_MECHANISM *mech,
                          const struct os_backend_key *key, void **op)
{
	const struct soft_mech *m = soft_mech_find(ctx, mech->mechanism);

	CK_RV rv;

	if (!m || !m->init || !(m->flags & soft_op_flag(kind)))
		return CKR_MECHANISM_INVALID;
	rv = m->init(m, kind, mech, key, (struct soft_op **)op);
	if (rv == CKR_OK)
		soft_state_begin(*op, kind, mech);
	return rv;
}

/* A digest in the state of an ended one, when its family knows how (digest.c). */
static CK_RV soft_op_reinit(void *ctx, enum os_backend_op kind, const CK_MECHANISM *mech, void *op)
{
	const struct soft_mech *m = soft_mech_find(ctx, mech->mechanism);
	struct soft_op *o = op;
	CK_RV rv;

	if (!m || !(m->flags & soft_op_flag(kind)) || !o->ops->reinit)
		return CKR_FUNCTION_NOT_SUPPORTED;
	soft_state_forget(o);
	rv = o->ops->reinit(o, m, mech);
	if (rv == CKR_OK)
		soft_state_begin(o, kind, mech);
	return rv;
}

static CK_RV soft_op_single(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                            CK_ULONG *outlen)
{
	struct soft_op *o = op;
	CK_RV rv =
	    o->ops->single ? o->ops->single(o, in, inlen, out, outlen) : CKR_FUNCTION_NOT_SUPPORTED;

	/* Done (not a length query): the input kept for a saved state goes now. */
	if (rv == CKR_OK && out)
		soft_state_forget(o);
	return rv;
}

static CK_RV soft_op_update(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                            CK_ULONG *outlen)
{
	struct soft_op *o = op;
	CK_RV rv;

	if (!o->ops->update)
		return CKR_FUNCTION_NOT_SUPPORTED;
	rv = o->ops->update(o, in, inlen, out, outlen);
	if (rv == CKR_OK && o->saved.saveable)
		soft_state_absorb(o, in, inlen);
	return rv;
}

static CK_RV soft_op_final(void *op, CK_BYTE *out, CK_ULONG *outlen)
{
	struct soft_op *o = op;
	CK_RV rv = o->ops->final ? o->ops->final(o, out, outlen) : CKR_FUNCTION_NOT_SUPPORTED;

	if (rv == CKR_OK && out)
		soft_state_forget(o);
	return rv;
}

static CK_RV soft_op_verify(void *op, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                            CK_ULONG siglen)
{
	struct soft_op *o = op;

	return o->ops->verify ? o->ops->verify(o, data, len, sig, siglen)
	                      : CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV soft_op_verify_final(void *op, const CK_BYTE *sig, CK_ULONG siglen)
{
	struct soft_op *o = op;

	return o->ops->verify_final ? o->ops->verify_final(o, sig, siglen)
	                            : CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV soft_op_digest_key(void *op, const struct os_backend_key *key)
{
	struct soft_op *o = op;

	soft_state_forget(o); /* a saved state never holds a key's value */
	return o->ops->digest_key ? o->ops->digest_key(o, key) : CKR_KEY_INDIGESTIBLE;
}

static void soft_op_free(void *op)
{
	struct soft_op *o = op;

	if (o) {
		soft_state_forget(o);
		o->ops->free(o);
	}
}

static CK_RV soft_op_get_state(void *op, CK_MECHANISM_TYPE *mech, CK_BYTE *out, CK_ULONG *outlen)
{
	return soft_state_get(op, mech, out, outlen);
}

static CK_RV soft_op_set_state(void *ctx, enum os_backend_op kind, CK_MECHANISM_TYPE mech,
                               const CK_BYTE *state, CK_ULONG len, const struct os_backend_key *key,
                               void **op)
{
	const struct soft_mech *m = soft_mech_find(ctx, mech);

	if (!m || !m->init || !(m->flags & soft_op_flag(kind)))
		return CKR_SAVED_STATE_INVALID;
	return soft_state_restore(m, kind, state, len, key, (struct soft_op **)op);
}

static CK_RV soft_wrap_key(void *ctx, const CK_MECHANISM *mech,
                           const struct os_backend_key *wrapping, const struct tok_attrs *key,
                           CK_BYTE *out, CK_ULONG *outlen)
{
	const struct soft_mech *m = soft_mech_find(ctx, mech->mechanism);

	return m && m->wrap ? m->wrap(mech, wrapping, key, out, outlen) : CKR_MECHANISM_INVALID;
}

static CK_RV soft_unwrap_key(void *ctx, const CK_MECHANISM *mech,
                             const struct os_backend_key *unwrapping, const CK_BYTE *in,
                             CK_ULONG inlen, struct tok_attrs *key)
{
	const struct soft_mech *m = soft_mech_find(ctx, mech->mechanism);

	return m && m->unwrap ? m->unwrap(mech, unwrapping, in, inlen, key) : CKR_MECHANISM_INVALID;
}

static CK_RV soft_derive_key(void *ctx, const CK_MECHANISM *mech, const struct os_backend_key *base,
                             const struct os_backend_key *param_key, struct tok_attrs *key)
{
	const struct soft_mech *m = soft_mech_find(ctx, mech->mechanism);

	if (m && m->derive_keyed)
		return m->derive_keyed(mech, base, param_key, key);
	if (param_key)
		return CKR_MECHANISM_PARAM_INVALID;
	return m && m->derive ? m->derive(mech, base, key) : CKR_MECHANISM_INVALID;
}

static void soft_key_cache_free(void *ctx, void *cache)
{
	struct soft_key_cache *c = cache;

	for (size_t i = 0; i < SOFT_KEY_PROTOS; i++) {
		struct soft_key_proto *p = c->protos[i];

		if (!p)
			continue;
		EVP_MD_CTX_free(p->mctx);
		EVP_PKEY_CTX_free(p->pctx);
		free(p);
	}
	EVP_PKEY_free(c->pkey);
	free(c);
}

struct soft_key_cache *soft_key_cache(const struct os_backend_key *key)
{
	return key->cache ? __atomic_load_n((struct soft_key_cache **)key->cache, __ATOMIC_ACQUIRE)
	                  : NULL;
}

/*
 * Publishes a cache holding pkey in the key's slot.  Returns the slot's
 * EVP_PKEY: pkey, or the one of a cache another thread published first
 * (pkey is then freed), or NULL with *rv set when out of memory.
 */
static EVP_PKEY *soft_key_publish(void **slot, EVP_PKEY *pkey, CK_RV *rv)
{
	struct soft_key_cache *c = calloc(1, sizeof(*c)), *expected = NULL;

	if (!c) {
		EVP_PKEY_free(pkey);
		*rv = CKR_HOST_MEMORY;
		return NULL;
	}
	c->pkey = pkey;
	if (__atomic_compare_exchange_n((struct soft_key_cache **)slot, &expected, c, false,
	                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return pkey;
	soft_key_cache_free(NULL, c);
	return expected->pkey;
}

EVP_PKEY *soft_key_pkey(const struct os_backend_key *key,
                        EVP_PKEY *(*build)(const struct tok_attrs *attrs, CK_RV *rv), CK_RV *rv)
{
	struct soft_key_cache *c = soft_key_cache(key);
	EVP_PKEY *pkey;

	if (c)
		return c->pkey;
	pkey = build(key->attrs, rv);
	if (!pkey || !key->cache)
		return pkey; /* without a slot the caller owns it; no key has none */
	return soft_key_publish(key->cache, pkey, rv);
}

CK_RV soft_out_check(CK_BYTE *out, CK_ULONG *outlen, CK_ULONG need, bool *done)
{
	*done = true;
	if (!outlen)
		return CKR_ARGUMENTS_BAD;
	if (!out) {
		*outlen = need;
		return CKR_OK;
	}
	if (*outlen < need) {
		*outlen = need;
		return CKR_BUFFER_TOO_SMALL;
	}
	*done = false;
	return CKR_OK;
}

CK_RV soft_ossl_fail(void)
{
	ERR_clear_error();
	return CKR_FUNCTION_FAILED;
}

static const struct os_backend_ops soft_ops = {
    .abi_version = OS_BACKEND_ABI_VERSION,
    .name = "soft",
    .load = soft_load,
    .unload = soft_unload,
    .slot_info = soft_slot_info,
    .token_present = soft_token_present,
    .token_info = soft_token_info,
    .mechanism_list = soft_mechanism_list,
    .mechanism_info = soft_mechanism_info,
    .generate_random = soft_generate_random,
    .seed_random = soft_seed_random,
    .generate_key = soft_generate_key,
    .generate_key_pair = soft_generate_key_pair,
    .check_key = soft_check_key,
    .op_init = soft_op_init,
    .op_single = soft_op_single,
    .op_update = soft_op_update,
    .op_final = soft_op_final,
    .op_verify = soft_op_verify,
    .op_verify_final = soft_op_verify_final,
    .op_digest_key = soft_op_digest_key,
    .op_free = soft_op_free,
    .op_reinit = soft_op_reinit,
    .wrap_key = soft_wrap_key,
    .unwrap_key = soft_unwrap_key,
    .derive_key = soft_derive_key,
    .key_cache_free = soft_key_cache_free,
    .op_get_state = soft_op_get_state,
    .op_set_state = soft_op_set_state,
};

const struct os_backend_ops *os_backend_entry(void)
{
	return &soft_ops;
}
