/*
 * C_UnwrapKey on the TPM token: a secret key wrapped under one of the
 * token's RSA keys, with CKM_RSA_PKCS or CKM_RSA_PKCS_OAEP (the parameters
 * tpm_crypt.h takes).  The TPM decrypts (TPM2_RSA_Decrypt, in the salted
 * session); the value becomes a secret key object of the token, a generic
 * secret or an AES key of 16, 24 or 32 bytes, held as a derived key is
 * (tpm_derive.h).  A ciphertext the TPM refuses is CKR_WRAPPED_KEY_INVALID,
 * one of the wrong length CKR_WRAPPED_KEY_LEN_RANGE, an unwrapping key that
 * is not an RSA private key of the token CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT.
 * The entry is the backend table's unwrap_key.
 */
#ifndef TPM_UNWRAP_H
#define TPM_UNWRAP_H

#include "tpm.h"

CK_RV tpm_unwrap_key(void *ctx, const CK_MECHANISM *mech, const struct os_backend_key *unwrapping,
                     const CK_BYTE *in, CK_ULONG inlen, struct tok_attrs *key);

#endif
