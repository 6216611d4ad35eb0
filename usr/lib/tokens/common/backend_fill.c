/*
 * The defaults that complete a backend's ops table (see backend_fill.h):
 * one function per entry signature, each with the answer the entry's
 * callers give a backend that lacks it.
 */
#include "backend_fill.h"

#include <stddef.h>

/*
 * Every entry after name is a function pointer, and tok_backend_fill fills
 * each of them: a new entry must be added to both, and this count with it.
 */
#define FILL_ENTRIES 28
_Static_assert(sizeof(struct os_backend_ops) - offsetof(struct os_backend_ops, load) ==
                   FILL_ENTRIES * sizeof(void (*)(void)),
               "tok_backend_fill does not know every entry of struct os_backend_ops");

static CK_RV fill_load(const struct os_backend_env *env, void **ctx)
{
	*ctx = NULL;
	return CKR_OK;
}

static void fill_nothing(void *p)
{
}

static void fill_key_cache_free(void *ctx, void *cache)
{
}

static CK_RV fill_slot_info(void *ctx, CK_SLOT_INFO *info)
{
	return CKR_OK;
}

static CK_RV fill_token_present(void *ctx)
{
	return CKR_TOKEN_NOT_PRESENT;
}

static CK_RV fill_token_info(void *ctx, CK_TOKEN_INFO *info)
{
	return CKR_OK;
}

static CK_RV fill_login_key(void *ctx, const CK_BYTE *mk, size_t len)
{
	return CKR_OK;
}

static CK_RV fill_mechanism_list(void *ctx, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	*count = 0;
	return CKR_OK;
}

static CK_RV fill_mechanism_info(void *ctx, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	return CKR_MECHANISM_INVALID;
}

static CK_RV fill_generate_random(void *ctx, CK_BYTE *out, CK_ULONG len)
{
	return CKR_RANDOM_NO_RNG;
}

static CK_RV fill_seed_random(void *ctx, const CK_BYTE *seed, CK_ULONG len)
{
	return CKR_RANDOM_SEED_NOT_SUPPORTED;
}

static CK_RV fill_generate_key(void *ctx, const CK_MECHANISM *mech, struct tok_attrs *key)
{
	return CKR_MECHANISM_INVALID;
}

static CK_RV fill_generate_key_pair(void *ctx, const CK_MECHANISM *mech, struct tok_attrs *pub,
                                    struct tok_attrs *priv)
{
	return CKR_MECHANISM_INVALID;
}

static CK_RV fill_check_key(void *ctx, struct tok_attrs *key)
{
	return CKR_OK;
}

static CK_RV fill_op_init(void *ctx, enum os_backend_op kind, const CK_MECHANISM *mech,
                          const struct os_backend_key *key, void **op)
{
	*op = NULL;
	return CKR_MECHANISM_INVALID;
}

/* op_single and op_update. */
static CK_RV fill_op_data(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                          CK_ULONG *outlen)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV fill_op_final(void *op, CK_BYTE *out, CK_ULONG *outlen)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV fill_op_verify(void *op, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                            CK_ULONG siglen)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV fill_op_verify_final(void *op, const CK_BYTE *sig, CK_ULONG siglen)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV fill_op_digest_key(void *op, const struct os_backend_key *key)
{
	return CKR_KEY_INDIGESTIBLE;
}

static CK_RV fill_op_reinit(void *ctx, enum os_backend_op kind, const CK_MECHANISM *mech, void *op)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV fill_wrap_key(void *ctx, const CK_MECHANISM *mech,
                           const struct os_backend_key *wrapping, const struct tok_attrs *key,
                           CK_BYTE *out, CK_ULONG *outlen)
{
	return CKR_MECHANISM_INVALID;
}

static CK_RV fill_unwrap_key(void *ctx, const CK_MECHANISM *mech,
                             const struct os_backend_key *unwrapping, const CK_BYTE *in,
                             CK_ULONG inlen, struct tok_attrs *key)
{
	return CKR_MECHANISM_INVALID;
}

static CK_RV fill_derive_key(void *ctx, const CK_MECHANISM *mech, const struct os_backend_key *base,
                             const struct os_backend_key *param_key, struct tok_attrs *key)
{
	return CKR_MECHANISM_INVALID;
}

static CK_RV fill_op_get_state(void *op, CK_MECHANISM_TYPE *mech, CK_BYTE *out, CK_ULONG *outlen)
{
	return CKR_STATE_UNSAVEABLE;
}

static CK_RV fill_op_set_state(void *ctx, enum os_backend_op kind, CK_MECHANISM_TYPE mech,
                               const CK_BYTE *state, CK_ULONG len, const struct os_backend_key *key,
                               void **op)
{
	*op = NULL;
	return CKR_SAVED_STATE_INVALID;
}

#define FILL(entry, fn)                    \
	do {                               \
		if (out->entry == NULL)    \
			out->entry = (fn); \
	} while (0)

void tok_backend_fill(struct os_backend_ops *out, const struct os_backend_ops *in)
{
	*out = *in;
	FILL(load, fill_load);
	FILL(unload, fill_nothing);
	FILL(slot_info, fill_slot_info);
	FILL(token_present, fill_token_present);
	FILL(token_info, fill_token_info);
	FILL(login_key, fill_login_key);
	FILL(mechanism_list, fill_mechanism_list);
	FILL(mechanism_info, fill_mechanism_info);
	FILL(generate_random, fill_generate_random);
	FILL(seed_random, fill_seed_random);
	FILL(generate_key, fill_generate_key);
	FILL(generate_key_pair, fill_generate_key_pair);
	FILL(check_key, fill_check_key);
	FILL(op_init, fill_op_init);
	FILL(op_single, fill_op_data);
	FILL(op_update, fill_op_data);
	FILL(op_final, fill_op_final);
	FILL(op_verify, fill_op_verify);
	FILL(op_verify_final, fill_op_verify_final);
	FILL(op_digest_key, fill_op_digest_key);
	FILL(op_free, fill_nothing);
	FILL(op_reinit, fill_op_reinit);
	FILL(wrap_key, fill_wrap_key);
	FILL(unwrap_key, fill_unwrap_key);
	FILL(derive_key, fill_derive_key);
	FILL(key_cache_free, fill_key_cache_free);
	FILL(op_get_state, fill_op_get_state);
	FILL(op_set_state, fill_op_set_state);
}
