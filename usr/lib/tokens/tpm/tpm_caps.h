/*
 * What a TPM says about itself through TPM2_GetCapability: its
 * manufacturer and firmware version, the algorithms it implements, its
 * ECC curves, its commands, the size of its data buffers and the AES key
 * sizes it takes.  Read once, when the backend loads.
 */
#ifndef TPM_CAPS_H
#define TPM_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "tpm_conn.h"

#define TPM_CAPS_MAX_ALGS   128
#define TPM_CAPS_MAX_CURVES 16
#define TPM_CAPS_MAX_CMDS   256

struct tpm_caps {
	char manufacturer[5]; /* the four characters of TPM_PT_MANUFACTURER */
	char vendor[17];      /* TPM_PT_VENDOR_STRING_1..4 */
	uint32_t firmware;    /* TPM_PT_FIRMWARE_VERSION_1: major << 16 | minor */
	TPM2_ALG_ID algs[TPM_CAPS_MAX_ALGS];
	size_t n_algs;
	TPM2_ECC_CURVE curves[TPM_CAPS_MAX_CURVES];
	size_t n_curves;
	bool rsa_3072; /* TPM2_TestParms accepts RSA keys of 3072 bits */
	/* For secret keys: the commands, the largest sized buffer, the AES key sizes. */
	uint16_t cmds[TPM_CAPS_MAX_CMDS]; /* command indices of TPM2_CAP_COMMANDS */
	size_t n_cmds;
	uint32_t input_buffer; /* TPM2_PT_INPUT_BUFFER, 0 when not reported */
	bool aes192, aes256;   /* TPM2_TestParms accepts AES keys of that size */
};

/* Reads the capabilities; CKR_OK or the result of tpm_conn_rv(). */
CK_RV tpm_caps_read(struct tpm_conn *c, struct tpm_caps *caps);

bool tpm_caps_has_alg(const struct tpm_caps *caps, TPM2_ALG_ID alg);
bool tpm_caps_has_curve(const struct tpm_caps *caps, TPM2_ECC_CURVE curve);
bool tpm_caps_has_command(const struct tpm_caps *caps, TPM2_CC cc);

/* The largest buffer of one command's data (at most TPM2_MAX_DIGEST_BUFFER), a multiple of 16. */
size_t tpm_caps_chunk(const struct tpm_caps *caps);

#endif
