/*
 * Completing a backend's ops table.
 *
 * A backend may leave any entry of its table NULL.  The library copies the
 * table it loads into one of its own and fills every NULL entry with the
 * default below, so that everything above calls entries without checking
 * them.  The defaults, entry by entry:
 *
 *   load             sets *ctx to NULL, CKR_OK
 *   unload, op_free, key_cache_free   do nothing
 *   slot_info, token_info             leave info as the library filled it, CKR_OK
 *   token_present    CKR_TOKEN_NOT_PRESENT
 *   login_key, check_key              nothing to do, CKR_OK
 *   mechanism_list   sets *count to 0, CKR_OK
 *   mechanism_info, generate_key, generate_key_pair, op_init, wrap_key,
 *   unwrap_key, derive_key            CKR_MECHANISM_INVALID
 *   generate_random  CKR_RANDOM_NO_RNG
 *   seed_random      CKR_RANDOM_SEED_NOT_SUPPORTED
 *   op_single, op_update, op_final, op_verify, op_verify_final, op_reinit
 *                    CKR_FUNCTION_NOT_SUPPORTED
 *   op_digest_key    CKR_KEY_INDIGESTIBLE
 *   op_get_state     CKR_STATE_UNSAVEABLE
 *   op_set_state     sets *op to NULL, CKR_SAVED_STATE_INVALID
 *
 * op_init and op_set_state set *op to NULL as well, so no operation state
 * is ever made by a default.
 */
#ifndef TOK_BACKEND_FILL_H
#define TOK_BACKEND_FILL_H

#include "backend.h"

/* Copies in to out (abi_version and name included), filling every NULL entry. */
void tok_backend_fill(struct os_backend_ops *out, const struct os_backend_ops *in);

#endif
