/*
 * RSA encryption with the token's keys: decryption in the TPM
 * (TPM2_RSA_Decrypt with the RSAES or OAEP scheme), encryption in software
 * with the public key object (OpenSSL), as tpm2-pkcs11 does.  Mechanisms:
 * CKM_RSA_PKCS and CKM_RSA_PKCS_OAEP (hash and MGF1 hash the same, SHA-1
 * or SHA-256, no label: the TPM would add a terminating zero to a label
 * that lacks one).  Both are single-part.
 */
#ifndef TPM_CRYPT_H
#define TPM_CRYPT_H

#include "tpm.h"

CK_RV tpm_crypt_init(struct tpm_ctx *ctx, enum os_backend_op kind, const CK_MECHANISM *mech,
                     const struct os_backend_key *key, void **op);
CK_RV tpm_crypt_single(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
void tpm_crypt_free(void *op);

#endif
