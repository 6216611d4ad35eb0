/*
 * Private keys given in clear to C_CreateObject, imported into the TPM.
 *
 * An RSA key (CKA_MODULUS, CKA_PUBLIC_EXPONENT, a prime; CKA_PRIVATE_EXPONENT
 * checked against them when given) of a size the token generates, or an EC
 * key (CKA_EC_PARAMS of a curve the TPM has, CKA_VALUE) becomes a TPM key
 * under the token's storage key: its TPM2B_SENSITIVE (the prime or the
 * scalar, and the token's key auth) is sent to TPM2_Import inside an inner
 * duplication wrapper (AES-128-CFB under a fresh key that the salted
 * session encrypts on the bus), and the TPM2B_PRIVATE the TPM returns is
 * stored with the TPM2B_PUBLIC in the attributes generated keys use
 * (tpm_keys.h).  The clear private values are removed from the object
 * before it is stored.  The key is CKA_SENSITIVE and not CKA_EXTRACTABLE,
 * but neither CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE nor CKA_LOCAL.
 * Like every imported TPM object it has fixedTPM and fixedParent clear;
 * its empty authPolicy leaves no way to satisfy TPM2_Duplicate, so the
 * blob is still usable only under this TPM's storage key.
 */
#ifndef TPM_IMPORT_H
#define TPM_IMPORT_H

#include "tpm.h"

/* The check_key entry for a CKO_PRIVATE_KEY: imports it and rewrites key. */
CK_RV tpm_import_key(struct tpm_ctx *ctx, struct tok_attrs *key);

#endif
