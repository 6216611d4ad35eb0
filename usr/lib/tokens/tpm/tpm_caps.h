/*
 * What a TPM says about itself through TPM2_GetCapability: its
 * manufacturer and firmware version, the algorithms it implements and its
 * ECC curves.  Read once, when the backend loads.
 */
#ifndef TPM_CAPS_H
#define TPM_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "tpm_conn.h"

#define TPM_CAPS_MAX_ALGS   128
#define TPM_CAPS_MAX_CURVES 16

struct tpm_caps {
	char manufacturer[5]; /* the four characters of TPM_PT_MANUFACTURER */
	char vendor[17];      /* TPM_PT_VENDOR_STRING_1..4 */
	uint32_t firmware;    /* TPM_PT_FIRMWARE_VERSION_1: major << 16 | minor */
	TPM2_ALG_ID algs[TPM_CAPS_MAX_ALGS];
	size_t n_algs;
	TPM2_ECC_CURVE curves[TPM_CAPS_MAX_CURVES];
	size_t n_curves;
	bool rsa_3072; /* TPM2_TestParms accepts RSA keys of 3072 bits */
};

/* Reads the capabilities; CKR_OK or the result of tpm_conn_rv(). */
CK_RV tpm_caps_read(struct tpm_conn *c, struct tpm_caps *caps);

bool tpm_caps_has_alg(const struct tpm_caps *caps, TPM2_ALG_ID alg);
bool tpm_caps_has_curve(const struct tpm_caps *caps, TPM2_ECC_CURVE curve);

#endif
