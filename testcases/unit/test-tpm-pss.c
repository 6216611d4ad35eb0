/*
 * Unit tests of the RSA-PSS parameter rules of the tpm backend
 * (tpm_pss.h): what a TPM's RSASSA-PSS can honour, and nothing else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tpm_pss.h"

/* The capability lookup, as tpm_caps.c answers it, without a TPM to read. */
bool tpm_caps_has_alg(const struct tpm_caps *caps, TPM2_ALG_ID alg)
{
	for (size_t i = 0; i < caps->n_algs; i++)
		if (caps->algs[i] == alg)
			return true;
	return false;
}

/* A TPM with SHA-1 and SHA-256 but not SHA-384 or SHA-512. */
static void caps_small(struct tpm_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	caps->algs[caps->n_algs++] = TPM2_ALG_RSA;
	caps->algs[caps->n_algs++] = TPM2_ALG_RSAPSS;
	caps->algs[caps->n_algs++] = TPM2_ALG_SHA1;
	caps->algs[caps->n_algs++] = TPM2_ALG_SHA256;
}

static CK_RV check(const struct tpm_caps *caps, CK_MECHANISM_TYPE type, CK_MECHANISM_TYPE hash,
                   CK_RSA_PKCS_MGF_TYPE mgf, CK_ULONG slen, const char *digest, struct tpm_pss *out)
{
	CK_RSA_PKCS_PSS_PARAMS p = {hash, mgf, slen};
	CK_MECHANISM mech = {type, &p, sizeof(p)};

	return tpm_pss_params(caps, &mech, digest, out);
}

static void test_accepted(void **state)
{
	struct tpm_caps caps;
	struct tpm_pss pss;

	(void)state;
	caps_small(&caps);
	assert_int_equal(
	    check(&caps, CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32, "SHA256", &pss),
	    CKR_OK);
	assert_int_equal(pss.hash, TPM2_ALG_SHA256);
	assert_string_equal(pss.md, "SHA256");
	assert_int_equal(pss.len, 32);
	assert_int_equal(check(&caps, CKM_RSA_PKCS_PSS, CKM_SHA_1, CKG_MGF1_SHA1, 20, NULL, &pss),
	                 CKR_OK);
	assert_int_equal(pss.hash, TPM2_ALG_SHA1);
	assert_int_equal(pss.len, 20);
}

static void test_refused(void **state)
{
	struct tpm_caps caps;
	struct tpm_pss pss;
	CK_MECHANISM none = {CKM_RSA_PKCS_PSS, NULL, 0};
	CK_RSA_PKCS_PSS_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256, 32};
	CK_MECHANISM shortp = {CKM_RSA_PKCS_PSS, &p, sizeof(p) - 1};

	(void)state;
	caps_small(&caps);
	assert_int_equal(tpm_pss_params(&caps, &none, NULL, &pss), CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(tpm_pss_params(&caps, &shortp, NULL, &pss), CKR_MECHANISM_PARAM_INVALID);
	/* a salt other than the digest's length, either way */
	assert_int_equal(check(&caps, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 0, NULL, &pss),
	                 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(
	    check(&caps, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 222, NULL, &pss),
	    CKR_MECHANISM_PARAM_INVALID);
	/* MGF1 of another hash; a hash the TPM lacks; one PKCS#11 has but the TPM never does */
	assert_int_equal(check(&caps, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA1, 32, NULL, &pss),
	                 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(
	    check(&caps, CKM_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA384, 48, NULL, &pss),
	    CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(
	    check(&caps, CKM_RSA_PKCS_PSS, CKM_SHA224, CKG_MGF1_SHA224, 28, NULL, &pss),
	    CKR_MECHANISM_PARAM_INVALID);
	/* the hashed mechanism's own hash only */
	assert_int_equal(
	    check(&caps, CKM_SHA256_RSA_PKCS_PSS, CKM_SHA_1, CKG_MGF1_SHA1, 20, "SHA256", &pss),
	    CKR_MECHANISM_PARAM_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepted),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
