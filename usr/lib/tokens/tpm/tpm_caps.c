/*
 * Reading a TPM's capabilities (see tpm_caps.h).
 */
#include "tpm_caps.h"

#include <string.h>

/* Four characters packed big-endian in a property value; NULs and controls become nothing. */
static void caps_chars(uint32_t v, char *out)
{
	size_t n = strlen(out);

	for (int shift = 24; shift >= 0; shift -= 8) {
		char ch = (char)((v >> shift) & 0xff);
		if (ch >= 0x20 && ch < 0x7f)
			out[n++] = ch;
	}
	out[n] = '\0';
}

static void caps_property(struct tpm_caps *caps, const TPMS_TAGGED_PROPERTY *p)
{
	if (p->property == TPM2_PT_MANUFACTURER) {
		caps->manufacturer[0] = '\0';
		caps_chars(p->value, caps->manufacturer);
	} else if (p->property >= TPM2_PT_VENDOR_STRING_1 &&
	           p->property <= TPM2_PT_VENDOR_STRING_1 + 3 &&
	           strlen(caps->vendor) + 4 < sizeof(caps->vendor)) {
		caps_chars(p->value, caps->vendor);
	} else if (p->property == TPM2_PT_FIRMWARE_VERSION_1) {
		caps->firmware = p->value;
	} else if (p->property == TPM2_PT_INPUT_BUFFER) {
		caps->input_buffer = p->value;
	}
}

static CK_RV caps_get(struct tpm_conn *c, TPM2_CAP cap, UINT32 first, UINT32 count,
                      TPMS_CAPABILITY_DATA **data)
{
	TPMI_YES_NO more = TPM2_NO;

	return tpm_conn_rv(Esys_GetCapability(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                                      cap, first, count, &more, data));
}

static CK_RV caps_properties(struct tpm_conn *c, struct tpm_caps *caps)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	CK_RV rv =
	    caps_get(c, TPM2_CAP_TPM_PROPERTIES, TPM2_PT_FIXED, TPM2_MAX_TPM_PROPERTIES, &data);

	if (rv != CKR_OK)
		return rv;
	for (UINT32 i = 0; i < data->data.tpmProperties.count && i < TPM2_MAX_TPM_PROPERTIES; i++)
		caps_property(caps, &data->data.tpmProperties.tpmProperty[i]);
	Esys_Free(data);
	return CKR_OK;
}

static CK_RV caps_algs(struct tpm_conn *c, struct tpm_caps *caps)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	CK_RV rv = caps_get(c, TPM2_CAP_ALGS, TPM2_ALG_FIRST, TPM2_MAX_CAP_ALGS, &data);

	if (rv != CKR_OK)
		return rv;
	for (UINT32 i = 0; i < data->data.algorithms.count && i < TPM2_MAX_CAP_ALGS &&
	                   caps->n_algs < TPM_CAPS_MAX_ALGS;
	     i++)
		caps->algs[caps->n_algs++] = data->data.algorithms.algProperties[i].alg;
	Esys_Free(data);
	return CKR_OK;
}

static CK_RV caps_curves(struct tpm_conn *c, struct tpm_caps *caps)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	CK_RV rv;

	if (!tpm_caps_has_alg(caps, TPM2_ALG_ECC))
		return CKR_OK;
	rv = caps_get(c, TPM2_CAP_ECC_CURVES, TPM2_ECC_NONE, TPM2_MAX_ECC_CURVES, &data);
	if (rv != CKR_OK)
		return rv;
	for (UINT32 i = 0; i < data->data.eccCurves.count && i < TPM2_MAX_ECC_CURVES &&
	                   caps->n_curves < TPM_CAPS_MAX_CURVES;
	     i++)
		caps->curves[caps->n_curves++] = data->data.eccCurves.eccCurves[i];
	Esys_Free(data);
	return CKR_OK;
}

/*
 * Whether the TPM takes RSA keys of 3072 bits: TPM2_TestParms of such a
 * key's parameters.  A refusal is an answer (false), not an error.
 */
static CK_RV caps_rsa_3072(struct tpm_conn *c, struct tpm_caps *caps)
{
	TPMT_PUBLIC_PARMS parms = {.type = TPM2_ALG_RSA};
	TSS2_RC rc;

	if (!tpm_caps_has_alg(caps, TPM2_ALG_RSA))
		return CKR_OK;
	parms.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
	parms.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	parms.parameters.rsaDetail.keyBits = 3072;
	rc = Esys_TestParms(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &parms);
	caps->rsa_3072 = rc == TSS2_RC_SUCCESS;
	if (rc != TSS2_RC_SUCCESS && (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER)
		return CKR_OK;
	return tpm_conn_rv(rc);
}

static CK_RV caps_commands(struct tpm_conn *c, struct tpm_caps *caps)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	CK_RV rv = caps_get(c, TPM2_CAP_COMMANDS, TPM2_CC_FIRST, TPM2_MAX_CAP_CC, &data);

	if (rv != CKR_OK)
		return rv;
	for (UINT32 i = 0; i < data->data.command.count && i < TPM2_MAX_CAP_CC &&
	                   caps->n_cmds < TPM_CAPS_MAX_CMDS;
	     i++)
		caps->cmds[caps->n_cmds++] =
		    (uint16_t)(data->data.command.commandAttributes[i] & TPMA_CC_COMMANDINDEX_MASK);
	Esys_Free(data);
	return CKR_OK;
}

/* Whether TPM2_TestParms takes an unrestricted AES key of this size (any answer but yes is no). */
static bool caps_aes_bits(struct tpm_conn *c, UINT16 bits)
{
	TPMT_PUBLIC_PARMS parms = {.type = TPM2_ALG_SYMCIPHER};

	parms.parameters.symDetail.sym.algorithm = TPM2_ALG_AES;
	parms.parameters.symDetail.sym.keyBits.aes = bits;
	parms.parameters.symDetail.sym.mode.aes = TPM2_ALG_NULL;
	return Esys_TestParms(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &parms) ==
	       TSS2_RC_SUCCESS;
}

static CK_RV caps_secret(struct tpm_conn *c, struct tpm_caps *caps)
{
	CK_RV rv = caps_commands(c, caps);

	if (rv != CKR_OK || !tpm_caps_has_alg(caps, TPM2_ALG_AES))
		return rv;
	caps->aes192 = caps_aes_bits(c, 192);
	caps->aes256 = caps_aes_bits(c, 256);
	return CKR_OK;
}

CK_RV tpm_caps_read(struct tpm_conn *c, struct tpm_caps *caps)
{
	CK_RV rv;

	memset(caps, 0, sizeof(*caps));
	rv = caps_properties(c, caps);
	if (rv == CKR_OK)
		rv = caps_algs(c, caps);
	if (rv == CKR_OK)
		rv = caps_curves(c, caps);
	if (rv == CKR_OK)
		rv = caps_rsa_3072(c, caps);
	if (rv == CKR_OK)
		rv = caps_secret(c, caps);
	return rv;
}

bool tpm_caps_has_alg(const struct tpm_caps *caps, TPM2_ALG_ID alg)
{
	for (size_t i = 0; i < caps->n_algs; i++)
		if (caps->algs[i] == alg)
			return true;
	return false;
}

bool tpm_caps_has_curve(const struct tpm_caps *caps, TPM2_ECC_CURVE curve)
{
	for (size_t i = 0; i < caps->n_curves; i++)
		if (caps->curves[i] == curve)
			return true;
	return false;
}

bool tpm_caps_has_command(const struct tpm_caps *caps, TPM2_CC cc)
{
	for (size_t i = 0; i < caps->n_cmds; i++)
		if (caps->cmds[i] == cc)
			return true;
	return false;
}

size_t tpm_caps_chunk(const struct tpm_caps *caps)
{
	size_t n = TPM2_MAX_DIGEST_BUFFER;

	if (caps->input_buffer >= 16 && caps->input_buffer < n)
		n = caps->input_buffer;
	return n / 16 * 16;
}
