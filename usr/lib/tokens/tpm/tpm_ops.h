/*
 * The operation entries of the tpm backend's table: each operation state
 * records its kind and hands the call to signing (tpm_sign.h, in the TPM),
 * verification (tpm_verify.h, in software) or RSA encryption and
 * decryption (tpm_crypt.h); the mechanisms of secret keys (AES, HMAC) go
 * to tpm_symops.h.  Digests and the recover kinds are
 * CKR_MECHANISM_INVALID at init.
 */
#ifndef TPM_OPS_H
#define TPM_OPS_H

#include "tpm.h"

CK_RV tpm_ops_init(void *ctx, enum os_backend_op kind, const CK_MECHANISM *mech,
                   const struct os_backend_key *key, void **op);
CK_RV tpm_ops_single(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_ops_update(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_ops_final(void *op, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_ops_verify(void *op, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                     CK_ULONG siglen);
CK_RV tpm_ops_verify_final(void *op, const CK_BYTE *sig, CK_ULONG siglen);
void tpm_ops_free(void *op);

#endif
