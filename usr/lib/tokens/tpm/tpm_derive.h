/*
 * Key derivation on the TPM token: CKM_ECDH1_DERIVE with an EC private key
 * of the token and CKD_NULL.  The TPM computes the shared point
 * (TPM2_ECDH_ZGen, which needs the key's decrypt attribute: every EC key
 * the token makes has it, see tpm_keys.c); its x coordinate Z is the
 * secret.  The derived key is a secret key object of the token holding
 * its value like any key made by C_CreateObject: the rightmost
 * CKA_VALUE_LEN bytes of Z (all of Z by default), a generic secret or an
 * AES key.  Shared data and the other KDFs are refused
 * (CKR_MECHANISM_PARAM_INVALID), as is a peer point the TPM finds off the
 * curve.  The entry is the backend table's derive_key.
 */
#ifndef TPM_DERIVE_H
#define TPM_DERIVE_H

#include "tpm.h"

CK_RV tpm_derive_key(void *ctx, const CK_MECHANISM *mech, const struct os_backend_key *base,
                     const struct os_backend_key *param_key, struct tok_attrs *key);

#endif
