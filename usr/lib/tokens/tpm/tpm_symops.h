/*
 * Operations with the token's secret keys (tpm_secret.h): AES encryption
 * and decryption (tpm_aes.h) and HMAC signing and verification
 * (tpm_hmac.h), both in the TPM.  The entries mirror the backend table's
 * operation entries; tpm_ops.c hands them every operation whose mechanism
 * tpm_symops_claims.  Each TPM command runs inside one tpm_call on the
 * key, opened and closed by the PKCS#11 call that needs it.
 */
#ifndef TPM_SYMOPS_H
#define TPM_SYMOPS_H

#include "tpm.h"

/* A secret key's blobs, copied at init so that the operation outlives the object. */
struct tpm_symops_key {
	struct tpm_ctx *ctx;
	CK_BYTE *pub, *priv;
	size_t pub_len, priv_len;
};

/*
 * Checks that key is a secret key of one of the types (n of them) and
 * copies its blobs; CKR_KEY_TYPE_INCONSISTENT otherwise.
 */
CK_RV tpm_symops_key_copy(struct tpm_ctx *ctx, const struct os_backend_key *key,
                          const CK_KEY_TYPE *types, size_t n, struct tpm_symops_key *out);
void tpm_symops_key_free(struct tpm_symops_key *k);

/* tpm_call_key on the key. */
struct tpm_call;
CK_RV tpm_symops_call(const struct tpm_symops_key *k, struct tpm_call *call);

/* The PKCS#11 output rule: a size query or a short buffer sets *outlen and is done. */
bool tpm_symops_out(CK_BYTE *out, CK_ULONG *outlen, CK_ULONG need, CK_RV *rv);

/* Whether the mechanism is one of the secret keys' (the operation is then theirs). */
bool tpm_symops_claims(CK_MECHANISM_TYPE type);

CK_RV tpm_symops_init(struct tpm_ctx *ctx, enum os_backend_op kind, const CK_MECHANISM *mech,
                      const struct os_backend_key *key, void **op);
CK_RV tpm_symops_single(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                        CK_ULONG *outlen);
CK_RV tpm_symops_update(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                        CK_ULONG *outlen);
CK_RV tpm_symops_final(void *op, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_symops_verify(void *op, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                        CK_ULONG siglen);
CK_RV tpm_symops_verify_final(void *op, const CK_BYTE *sig, CK_ULONG siglen);
void tpm_symops_free(void *op);

#endif
