/*
 * The TPM's dictionary-attack state, which counts the wrong PINs of a TPM
 * token: every failed authorisation of a DA-protected object (the objects
 * that seal the token's master key under its PINs) increments the TPM's
 * lockout counter, and at TPM_PT_MAX_AUTH_FAIL the TPM refuses every such
 * authorisation until the counter decays (TPM_PT_LOCKOUT_INTERVAL) or the
 * lockout hierarchy resets it.  The counter is the TPM's, shared by every
 * user of the TPM, so the PIN state flags follow it for both roles.
 */
#ifndef TPM_LOCKOUT_H
#define TPM_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "tpm_conn.h"

struct tpm_lockout {
	uint32_t counter; /* TPM_PT_LOCKOUT_COUNTER */
	uint32_t max;     /* TPM_PT_MAX_AUTH_FAIL */
	bool in_lockout;  /* TPMA_PERMANENT inLockout */
};

/* Reads the state with one TPM2_GetCapability. */
CK_RV tpm_lockout_read(struct tpm_conn *c, struct tpm_lockout *out);

/*
 * flags (CK_TOKEN_INFO.flags) with the PIN state bits replaced by those
 * the state gives, for each role that has a PIN: COUNT_LOW after a failure,
 * FINAL_TRY when one is left, LOCKED in lockout.
 */
CK_FLAGS tpm_lockout_flags(const struct tpm_lockout *l, CK_FLAGS flags);

#endif
