/*
 * The parameters of the RSA-PSS mechanisms on the TPM token.  The TPM's
 * RSASSA-PSS (TPM2_Sign with TPM_ALG_RSAPSS) hashes with one algorithm,
 * uses MGF1 with that same algorithm, and takes a salt as long as the
 * digest (TPM 2.0 Part 1, B.7; a TPM may take a longer one, which the
 * verification here would refuse, so no other length is offered).  So a
 * CK_RSA_PKCS_PSS_PARAMS is accepted only when hashAlg is a hash the TPM
 * implements, mgf is MGF1 of the same hash, sLen is the digest's length,
 * and, for the hashed mechanisms, hashAlg is the mechanism's own hash.
 */
#ifndef TPM_PSS_H
#define TPM_PSS_H

#include "tpm_caps.h"

struct tpm_pss {
	TPM2_ALG_ID hash; /* the TPM's name of the hash */
	const char *md;   /* OpenSSL's */
	size_t len;       /* of the digest and of the salt */
};

/*
 * Checks the mechanism's CK_RSA_PKCS_PSS_PARAMS; digest is the OpenSSL
 * name of the hashed mechanism's hash, NULL for CKM_RSA_PKCS_PSS.
 * CKR_MECHANISM_PARAM_INVALID when they are missing, malformed, or not
 * what the TPM does.
 */
CK_RV tpm_pss_params(const struct tpm_caps *caps, const CK_MECHANISM *mech, const char *digest,
                     struct tpm_pss *out);

#endif
