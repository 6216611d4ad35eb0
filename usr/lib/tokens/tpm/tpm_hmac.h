/*
 * HMAC-SHA256 with the token's secret keys, in the TPM: CKM_SHA256_HMAC
 * and CKM_SHA256_HMAC_GENERAL (the leading bytes of the MAC) sign and
 * verify, with a CKK_GENERIC_SECRET or CKK_SHA256_HMAC key of the token.
 *
 * The data is kept until the MAC is asked for, then sent in one call on
 * the key: TPM2_HMAC when it fits one buffer (tpm_caps_chunk), otherwise
 * an HMAC sequence (TPM2_HMAC_Start, TPM2_SequenceUpdate per chunk,
 * TPM2_SequenceComplete).  A sequence cannot outlive the connection, so
 * multi-part input cannot be fed to the TPM as it comes.  Verification
 * computes the MAC and compares it in constant time; a signature of
 * another length is CKR_SIGNATURE_LEN_RANGE before anything is sent.
 */
#ifndef TPM_HMAC_H
#define TPM_HMAC_H

#include "tpm.h"

bool tpm_hmac_claims(CK_MECHANISM_TYPE type);

/*
 * Checks the mechanism (listed for this TPM; no parameter, or for the
 * general one a CK_MAC_GENERAL_PARAMS of 1 to 32, else
 * CKR_MECHANISM_PARAM_INVALID) and the key (CKR_KEY_TYPE_INCONSISTENT).
 */
CK_RV tpm_hmac_init(struct tpm_ctx *ctx, bool sign, const CK_MECHANISM *mech,
                    const struct os_backend_key *key, void **op);
CK_RV tpm_hmac_sign(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_hmac_update(void *op, const CK_BYTE *in, CK_ULONG inlen);
CK_RV tpm_hmac_sign_final(void *op, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_hmac_verify(void *op, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                      CK_ULONG siglen);
CK_RV tpm_hmac_verify_final(void *op, const CK_BYTE *sig, CK_ULONG siglen);
void tpm_hmac_free(void *op);

#endif
