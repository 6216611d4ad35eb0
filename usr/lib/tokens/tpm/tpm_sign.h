/*
 * Signing with keys held by the TPM: ECDSA through TPM2_Sign, RSA PKCS#1
 * v1.5 through TPM2_RSA_Decrypt of a block padded here (the raw RSA
 * operation, which serves CKM_RSA_PKCS for any input as well as the
 * hashed mechanisms).  Digests of the hashed mechanisms are computed in
 * software (OpenSSL).  Each signature opens its own connection, loads the
 * key under the storage key, signs, and flushes everything before it
 * returns.  The entries are those of the backend table (backend.h).
 */
#ifndef TPM_SIGN_H
#define TPM_SIGN_H

#include "tpm.h"

CK_RV tpm_sign_init(void *ctx, enum os_backend_op kind, const CK_MECHANISM *mech,
                    const struct os_backend_key *key, void **op);
CK_RV tpm_sign_single(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_sign_update(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_sign_final(void *op, CK_BYTE *out, CK_ULONG *outlen);
void tpm_sign_free(void *op);

#endif
