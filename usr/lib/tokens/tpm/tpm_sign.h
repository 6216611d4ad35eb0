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

#include <openssl/evp.h>

#include "tpm.h"
#include "tpm_pss.h"

/* A signature mechanism of the token. */
struct tpm_sign_mech {
	CK_MECHANISM_TYPE type;
	CK_KEY_TYPE key_type;
	const char *digest; /* OpenSSL name, NULL for the raw mechanisms */
	bool digest_info;   /* RSA PKCS#1 v1.5: the digest is signed in its DigestInfo */
	bool pss;           /* RSA-PSS, with a CK_RSA_PKCS_PSS_PARAMS (tpm_pss.h) */
};

/* Longest input tpm_sign_digest_final writes: a DigestInfo of the longest digest. */
#define TPM_SIGN_TBS_MAX (32 + EVP_MAX_MD_SIZE)

/*
 * Finishes the digest of a hashed mechanism m into tbs, in its DER
 * DigestInfo when m signs one (tpm_der.h); *len is its length.
 */
CK_RV tpm_sign_digest_final(const struct tpm_sign_mech *m, EVP_MD_CTX *md,
                            CK_BYTE tbs[TPM_SIGN_TBS_MAX], size_t *len);

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
