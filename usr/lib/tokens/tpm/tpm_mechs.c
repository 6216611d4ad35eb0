/*
 * The TPM token's mechanism table (see tpm_mechs.h).
 */
#include "tpm_mechs.h"

#include <string.h>

#include "tpm_secret.h"

struct mechs_row {
	CK_MECHANISM_TYPE type;
	TPM2_ALG_ID needs[3]; /* TPM2_ALG_NULL ends the list */
	TPM2_ECC_CURVE curve; /* TPM2_ECC_NONE: none needed */
	CK_MECHANISM_INFO info;
};

#define MECHS_EC_FLAGS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
#define MECHS_RSA                           \
	{                                   \
		TPM2_ALG_RSA, TPM2_ALG_NULL \
	}
#define MECHS_ECDSA                                           \
	{                                                     \
		TPM2_ALG_ECC, TPM2_ALG_ECDSA, TPM2_ALG_SHA256 \
	}

/* Secret keys: AES modes and HMAC-SHA256 (see the last rows). */
#define MECHS_AES(mode)                                  \
	{                                                \
		TPM2_ALG_AES, TPM2_ALG_SYMCIPHER, (mode) \
	}
#define MECHS_HMAC                                                 \
	{                                                          \
		TPM2_ALG_KEYEDHASH, TPM2_ALG_HMAC, TPM2_ALG_SHA256 \
	}
#define MECHS_AES_ROW(type, mode, flags)                \
	{                                               \
		(type), MECHS_AES(mode), TPM2_ECC_NONE, \
		{                                       \
			16, 32, CKF_HW | (flags)        \
		}                                       \
	}
#define MECHS_HMAC_ROW(type, min, max, flags)          \
	{                                              \
		(type), MECHS_HMAC, TPM2_ECC_NONE,     \
		{                                      \
			(min), (max), CKF_HW | (flags) \
		}                                      \
	}

/* The commands some mechanisms need besides their algorithms. */
static const struct {
	CK_MECHANISM_TYPE type;
	TPM2_CC cc;
} mechs_cmds[] = {
    {CKM_AES_KEY_GEN, TPM2_CC_EncryptDecrypt2}, {CKM_AES_ECB, TPM2_CC_EncryptDecrypt2},
    {CKM_AES_CBC, TPM2_CC_EncryptDecrypt2},     {CKM_AES_CBC_PAD, TPM2_CC_EncryptDecrypt2},
    {CKM_AES_CFB128, TPM2_CC_EncryptDecrypt2},  {CKM_GENERIC_SECRET_KEY_GEN, TPM2_CC_HMAC},
    {CKM_SHA256_KEY_GEN, TPM2_CC_HMAC},         {CKM_SHA256_HMAC, TPM2_CC_HMAC},
    {CKM_SHA256_HMAC_GENERAL, TPM2_CC_HMAC},
};

/*
 * Signing runs in the TPM; the digests of the hashed mechanisms and
 * verification are computed in software, so they need only what the raw
 * signing mechanism needs.
 * RSA signatures are the raw RSA operation of TPM2_RSA_Decrypt;
 * decryption is TPM2_RSA_Decrypt with the TPM's own padding schemes, and
 * encryption runs in software.
 */
static const struct mechs_row mechs_table[] = {
    {CKM_RSA_PKCS_KEY_PAIR_GEN,
     MECHS_RSA,
     TPM2_ECC_NONE,
     {2048, 2048, CKF_HW | CKF_GENERATE_KEY_PAIR}},
    {CKM_RSA_PKCS,
     {TPM2_ALG_RSA, TPM2_ALG_RSAES, TPM2_ALG_NULL},
     TPM2_ECC_NONE,
     {2048, 2048, CKF_HW | CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT | CKF_UNWRAP}},
    {CKM_RSA_PKCS_OAEP,
     {TPM2_ALG_RSA, TPM2_ALG_OAEP, TPM2_ALG_NULL},
     TPM2_ECC_NONE,
     {2048, 2048, CKF_HW | CKF_ENCRYPT | CKF_DECRYPT | CKF_UNWRAP}},
    {CKM_SHA256_RSA_PKCS, MECHS_RSA, TPM2_ECC_NONE, {2048, 2048, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    {CKM_SHA384_RSA_PKCS, MECHS_RSA, TPM2_ECC_NONE, {2048, 2048, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    {CKM_SHA512_RSA_PKCS, MECHS_RSA, TPM2_ECC_NONE, {2048, 2048, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    /* RSA-PSS: TPM2_Sign with the TPM's RSASSA-PSS of a digest of one of its hashes */
    {CKM_RSA_PKCS_PSS,
     {TPM2_ALG_RSA, TPM2_ALG_RSAPSS, TPM2_ALG_NULL},
     TPM2_ECC_NONE,
     {2048, 2048, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    {CKM_SHA256_RSA_PKCS_PSS,
     {TPM2_ALG_RSA, TPM2_ALG_RSAPSS, TPM2_ALG_SHA256},
     TPM2_ECC_NONE,
     {2048, 2048, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    {CKM_SHA384_RSA_PKCS_PSS,
     {TPM2_ALG_RSA, TPM2_ALG_RSAPSS, TPM2_ALG_SHA384},
     TPM2_ECC_NONE,
     {2048, 2048, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    {CKM_SHA512_RSA_PKCS_PSS,
     {TPM2_ALG_RSA, TPM2_ALG_RSAPSS, TPM2_ALG_SHA512},
     TPM2_ECC_NONE,
     {2048, 2048, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    {CKM_EC_KEY_PAIR_GEN,
     {TPM2_ALG_ECC, TPM2_ALG_NULL},
     TPM2_ECC_NIST_P256,
     {256, 256, CKF_HW | CKF_GENERATE_KEY_PAIR | MECHS_EC_FLAGS}},
    {CKM_ECDSA,
     MECHS_ECDSA,
     TPM2_ECC_NIST_P256,
     {256, 256, CKF_HW | CKF_SIGN | CKF_VERIFY | MECHS_EC_FLAGS}},
    {CKM_ECDSA_SHA256,
     MECHS_ECDSA,
     TPM2_ECC_NIST_P256,
     {256, 256, CKF_HW | CKF_SIGN | CKF_VERIFY | MECHS_EC_FLAGS}},
    {CKM_ECDSA_SHA384,
     MECHS_ECDSA,
     TPM2_ECC_NIST_P256,
     {256, 256, CKF_HW | CKF_SIGN | CKF_VERIFY | MECHS_EC_FLAGS}},
    {CKM_ECDSA_SHA512,
     MECHS_ECDSA,
     TPM2_ECC_NIST_P256,
     {256, 256, CKF_HW | CKF_SIGN | CKF_VERIFY | MECHS_EC_FLAGS}},
    /* ECDH: TPM2_ECDH_ZGen with the token's key, the KDF (CKD_NULL only) here */
    {CKM_ECDH1_DERIVE,
     {TPM2_ALG_ECC, TPM2_ALG_ECDH, TPM2_ALG_NULL},
     TPM2_ECC_NIST_P256,
     {256, 256, CKF_HW | CKF_DERIVE | MECHS_EC_FLAGS}},
    /*
     * Secret keys in the TPM (tpm_secret.h): AES through
     * TPM2_EncryptDecrypt2 in the TPM's ECB, CBC and CFB modes (CBC_PAD pads
     * in software around CBC), HMAC-SHA256 through TPM2_HMAC and its
     * sequences.  AES key sizes are bytes, cut to what the TPM takes; HMAC
     * keys up to TPM_SECRET_HMAC_MAX bytes; CKM_GENERIC_SECRET_KEY_GEN counts
     * bits as PKCS#11 says.
     */
    MECHS_AES_ROW(CKM_AES_KEY_GEN, TPM2_ALG_NULL, CKF_GENERATE),
    MECHS_AES_ROW(CKM_AES_ECB, TPM2_ALG_ECB, CKF_ENCRYPT | CKF_DECRYPT),
    MECHS_AES_ROW(CKM_AES_CBC, TPM2_ALG_CBC, CKF_ENCRYPT | CKF_DECRYPT),
    MECHS_AES_ROW(CKM_AES_CBC_PAD, TPM2_ALG_CBC, CKF_ENCRYPT | CKF_DECRYPT),
    MECHS_AES_ROW(CKM_AES_CFB128, TPM2_ALG_CFB, CKF_ENCRYPT | CKF_DECRYPT),
    MECHS_HMAC_ROW(CKM_GENERIC_SECRET_KEY_GEN, 256, 256, CKF_GENERATE),
    MECHS_HMAC_ROW(CKM_SHA256_KEY_GEN, 32, 32, CKF_GENERATE),
    MECHS_HMAC_ROW(CKM_SHA256_HMAC, 1, TPM_SECRET_HMAC_MAX, CKF_SIGN | CKF_VERIFY),
    MECHS_HMAC_ROW(CKM_SHA256_HMAC_GENERAL, 1, TPM_SECRET_HMAC_MAX, CKF_SIGN | CKF_VERIFY),
};

static bool mechs_met(const struct tpm_caps *caps, const struct mechs_row *row)
{
	for (size_t i = 0; i < 3 && row->needs[i] != TPM2_ALG_NULL; i++)
		if (!tpm_caps_has_alg(caps, row->needs[i]))
			return false;
	for (size_t i = 0; i < sizeof(mechs_cmds) / sizeof(mechs_cmds[0]); i++)
		if (mechs_cmds[i].type == row->type &&
		    !tpm_caps_has_command(caps, mechs_cmds[i].cc))
			return false;
	return row->curve == TPM2_ECC_NONE || tpm_caps_has_curve(caps, row->curve);
}

/* The largest AES key the TPM takes (the AES rows say 32 bytes). */
static void mechs_aes_max(const struct tpm_caps *caps, const struct mechs_row *row,
                          CK_MECHANISM_INFO *info)
{
	if (row->needs[0] == TPM2_ALG_AES && !caps->aes256)
		info->ulMaxKeySize = caps->aes192 ? 24 : 16;
}

void tpm_mechs_select(const struct tpm_caps *caps, struct tpm_mechs *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(mechs_table) / sizeof(mechs_table[0]); i++) {
		if (!mechs_met(caps, &mechs_table[i]) || out->n == TPM_MECHS_MAX)
			continue;
		out->type[out->n] = mechs_table[i].type;
		out->info[out->n] = mechs_table[i].info;
		/* P-384 keys too when the TPM has that curve and SHA-384 */
		if (mechs_table[i].curve == TPM2_ECC_NIST_P256 &&
		    tpm_caps_has_curve(caps, TPM2_ECC_NIST_P384) &&
		    tpm_caps_has_alg(caps, TPM2_ALG_SHA384))
			out->info[out->n].ulMaxKeySize = 384;
		/* RSA keys of 3072 bits too when TPM2_TestParms takes them */
		if (mechs_table[i].needs[0] == TPM2_ALG_RSA && caps->rsa_3072)
			out->info[out->n].ulMaxKeySize = 3072;
		mechs_aes_max(caps, &mechs_table[i], &out->info[out->n]);
		out->n++;
	}
}

CK_RV tpm_mechs_list(const struct tpm_mechs *m, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	CK_RV rv = CKR_OK;

	if (list != NULL && *count < m->n)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (list != NULL)
		memcpy(list, m->type, m->n * sizeof(*list));
	*count = m->n;
	return rv;
}

CK_RV tpm_mechs_info(const struct tpm_mechs *m, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->type[i] == type) {
			*info = m->info[i];
			return CKR_OK;
		}
	}
	return CKR_MECHANISM_INVALID;
}
