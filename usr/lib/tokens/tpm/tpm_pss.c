/*
 * RSA-PSS parameters on the TPM token (see tpm_pss.h).
 */
#include "tpm_pss.h"

#include <string.h>

struct pss_hash {
	CK_MECHANISM_TYPE hash;
	CK_RSA_PKCS_MGF_TYPE mgf;
	TPM2_ALG_ID alg;
	const char *md;
	size_t len;
};

static const struct pss_hash pss_hashes[] = {
    {CKM_SHA_1, CKG_MGF1_SHA1, TPM2_ALG_SHA1, "SHA1", 20},
    {CKM_SHA256, CKG_MGF1_SHA256, TPM2_ALG_SHA256, "SHA256", 32},
    {CKM_SHA384, CKG_MGF1_SHA384, TPM2_ALG_SHA384, "SHA384", 48},
    {CKM_SHA512, CKG_MGF1_SHA512, TPM2_ALG_SHA512, "SHA512", 64},
};

CK_RV tpm_pss_params(const struct tpm_caps *caps, const CK_MECHANISM *mech, const char *digest,
                     struct tpm_pss *out)
{
	const CK_RSA_PKCS_PSS_PARAMS *p = mech->pParameter;

	if (p == NULL || mech->ulParameterLen != sizeof(*p))
		return CKR_MECHANISM_PARAM_INVALID;
	for (size_t i = 0; i < sizeof(pss_hashes) / sizeof(pss_hashes[0]); i++) {
		const struct pss_hash *h = &pss_hashes[i];

		if (h->hash != p->hashAlg)
			continue;
		if (p->mgf != h->mgf || p->sLen != h->len || !tpm_caps_has_alg(caps, h->alg) ||
		    (digest != NULL && strcmp(digest, h->md) != 0))
			return CKR_MECHANISM_PARAM_INVALID;
		out->hash = h->alg;
		out->md = h->md;
		out->len = h->len;
		return CKR_OK;
	}
	return CKR_MECHANISM_PARAM_INVALID;
}
