/*
 * Verification of the token's signature mechanisms, in software (OpenSSL)
 * with the public key object's attributes, as tpm2-pkcs11 does: the TPM
 * adds nothing to a public-key operation.  The entries are those of the
 * backend table (backend.h) for OS_BACKEND_OP_VERIFY.
 */
#ifndef TPM_VERIFY_H
#define TPM_VERIFY_H

#include <openssl/evp.h>

#include "tpm.h"

CK_RV tpm_verify_init(struct tpm_ctx *ctx, const CK_MECHANISM *mech,
                      const struct os_backend_key *key, void **op);
CK_RV tpm_verify_update(void *op, const CK_BYTE *in, CK_ULONG inlen);
CK_RV tpm_verify_single(void *op, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                        CK_ULONG siglen);
CK_RV tpm_verify_final(void *op, const CK_BYTE *sig, CK_ULONG siglen);
void tpm_verify_free(void *op);

/* An OpenSSL RSA public key from CKA_MODULUS and CKA_PUBLIC_EXPONENT, or NULL. */
EVP_PKEY *tpm_verify_rsa_pkey(const struct tok_attrs *a);

#endif
