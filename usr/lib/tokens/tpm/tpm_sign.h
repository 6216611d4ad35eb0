/*
 * Signing with keys held by the TPM: ECDSA and RSA-PSS through TPM2_Sign,
 * RSA PKCS#1 v1.5 through TPM2_RSA_Decrypt of a block padded here (the raw RSA
 * operation, which serves CKM_RSA_PKCS for any input as well as the
 * hashed mechanisms).  Digests of the hashed mechanisms are computed in
 * software (OpenSSL).  Each signature opens its own connection, loads the
 * key under the storage key, signs, and flushes everything before it
 * returns.  The entries are those of the backend table (backend.h).
 */
#ifndef TPM_SIGN_H
#define TPM_SIGN_H

#include "tpm.h"
#include "tpm_pss.h"

/* A signature mechanism of the token. */
struct tpm_sign_mech {
	CK_MECHANISM_TYPE type;
	CK_KEY_TYPE key_type;
	const char *digest;    /* OpenSSL name, NULL for the raw mechanisms */
	const CK_BYTE *prefix; /* RSA: the DigestInfo before the digest */
	size_t prefix_len;
	bool pss; /* RSA-PSS, with a CK_RSA_PKCS_PSS_PARAMS (tpm_pss.h) */
};

/*
 * Checks a signature mechanism listed for this TPM, without parameter
 * (RSA-PSS: with the parameters tpm_pss_params takes, set in *pss),
 * against a key of class cls and the mechanism's key type; *m is its row.
 */
CK_RV tpm_sign_check(const struct tpm_ctx *ctx, const CK_MECHANISM *mech,
                     const struct os_backend_key *key, CK_OBJECT_CLASS cls,
                     const struct tpm_sign_mech **m, struct tpm_pss *pss);

CK_RV tpm_sign_init(struct tpm_ctx *ctx, const CK_MECHANISM *mech, const struct os_backend_key *key,
                    void **op);
CK_RV tpm_sign_single(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_sign_update(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_sign_final(void *op, CK_BYTE *out, CK_ULONG *outlen);
void tpm_sign_free(void *op);

#endif
