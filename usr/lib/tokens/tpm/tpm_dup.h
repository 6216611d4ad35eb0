/*
 * TPM2_Import of a key made outside the TPM (TPM 2.0 Part 1, "Protected
 * Storage", duplication): the key's TPMT_SENSITIVE goes to the TPM inside
 * an inner wrapper only, with no outer wrapper (no seed): integrity, the
 * name-algorithm hash of the marshalled TPM2B_SENSITIVE and the key's
 * name, then AES-128-CFB with a zero IV under a fresh random key.  That
 * key is the command's first parameter, which the parent's session
 * encrypts (tpm_parent.h), so the private key never crosses the bus in
 * clear.  The imported object must have fixedTPM, fixedParent and
 * encryptedDuplication clear, and nameAlg SHA-256.
 */
#ifndef TPM_DUP_H
#define TPM_DUP_H

#include "tpm_call.h"

/* Imports under the call's parent; *priv is the TPM's, to Esys_Free. */
CK_RV tpm_dup_import(struct tpm_call *call, const TPM2B_PUBLIC *pub, const TPMT_SENSITIVE *sens,
                     TPM2B_PRIVATE **priv);

#endif
