/*
 * Saved operation state of the soft backend (state.c): which operations
 * can be saved, what they keep for it, and how a saved state becomes an
 * operation again.
 */
#ifndef SOFT_STATE_H
#define SOFT_STATE_H

#include "soft.h"

/* Most input an operation keeps; beyond it the operation can no longer be saved. */
#define SOFT_STATE_INPUT_MAX (64 * 1024)

/*
 * Called once op was made for mech: marks it saveable when it is a
 * multi-part digest, signature or verification whose parameter (if any)
 * is a few CK_ULONG words, and records the mechanism and parameter.
 */
void soft_state_begin(struct soft_op *op, enum os_backend_op kind, const CK_MECHANISM *mech);

/* Keeps input the operation absorbed (after a successful update). */
void soft_state_absorb(struct soft_op *op, const CK_BYTE *in, CK_ULONG len);

/*
 * The operation absorbed something that may not be saved (C_DigestKey
 * feeds a key's value), or ends: it is no longer saveable and its kept
 * input is wiped and freed.
 */
void soft_state_forget(struct soft_op *op);

/* op_get_state of backend.h for a soft operation. */
CK_RV soft_state_get(const struct soft_op *op, CK_MECHANISM_TYPE *mech, CK_BYTE *out,
                     CK_ULONG *outlen);

/*
 * op_set_state of backend.h once the mechanism m is known to allow kind:
 * m->init with the saved parameter and key, then the saved input replayed.
 */
CK_RV soft_state_restore(const struct soft_mech *m, enum os_backend_op kind, const CK_BYTE *state,
                         CK_ULONG len, const struct os_backend_key *key, struct soft_op **op);

#endif
