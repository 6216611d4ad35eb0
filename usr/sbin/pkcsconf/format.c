/*
 * Flag names and field functions shared by the text and JSON displays.
 *
 * Flags are named as openCryptoki's pkcsconf names them: the constant
 * without its CKF_ prefix.  The tables end with a NULL name.
 */
#include "pkcsconf.h"

/* A token flag of PKCS#11 2.40 that the p11-kit header lacks. */
#ifndef CKF_ERROR_STATE
#define CKF_ERROR_STATE 0x01000000UL
#endif

#define PCF_FLAG(f, n)   \
	{                \
		(f), (n) \
	}

const struct pcf_flag_name pcf_slot_flags[] = {
    PCF_FLAG(CKF_TOKEN_PRESENT, "TOKEN_PRESENT"),
    PCF_FLAG(CKF_REMOVABLE_DEVICE, "REMOVABLE_DEVICE"),
    PCF_FLAG(CKF_HW_SLOT, "HW_SLOT"),
    PCF_FLAG(0, NULL),
};

const struct pcf_flag_name pcf_token_flags[] = {
    PCF_FLAG(CKF_RNG, "RNG"),
    PCF_FLAG(CKF_WRITE_PROTECTED, "WRITE_PROTECTED"),
    PCF_FLAG(CKF_LOGIN_REQUIRED, "LOGIN_REQUIRED"),
    PCF_FLAG(CKF_USER_PIN_INITIALIZED, "USER_PIN_INITIALIZED"),
    PCF_FLAG(CKF_RESTORE_KEY_NOT_NEEDED, "RESTORE_KEY_NOT_NEEDED"),
    PCF_FLAG(CKF_CLOCK_ON_TOKEN, "CLOCK_ON_TOKEN"),
    PCF_FLAG(CKF_PROTECTED_AUTHENTICATION_PATH, "PROTECTED_AUTHENTICATION_PATH"),
    PCF_FLAG(CKF_DUAL_CRYPTO_OPERATIONS, "DUAL_CRYPTO_OPERATIONS"),
    PCF_FLAG(CKF_TOKEN_INITIALIZED, "TOKEN_INITIALIZED"),
    PCF_FLAG(CKF_SECONDARY_AUTHENTICATION, "SECONDARY_AUTHENTICATION"),
    PCF_FLAG(CKF_USER_PIN_COUNT_LOW, "USER_PIN_COUNT_LOW"),
    PCF_FLAG(CKF_USER_PIN_FINAL_TRY, "USER_PIN_FINAL_TRY"),
    PCF_FLAG(CKF_USER_PIN_LOCKED, "USER_PIN_LOCKED"),
    PCF_FLAG(CKF_USER_PIN_TO_BE_CHANGED, "USER_PIN_TO_BE_CHANGED"),
    PCF_FLAG(CKF_SO_PIN_COUNT_LOW, "SO_PIN_COUNT_LOW"),
    PCF_FLAG(CKF_SO_PIN_FINAL_TRY, "SO_PIN_FINAL_TRY"),
    PCF_FLAG(CKF_SO_PIN_LOCKED, "SO_PIN_LOCKED"),
    PCF_FLAG(CKF_SO_PIN_TO_BE_CHANGED, "SO_PIN_TO_BE_CHANGED"),
    PCF_FLAG(CKF_ERROR_STATE, "ERROR_STATE"),
    PCF_FLAG(0, NULL),
};

const struct pcf_flag_name pcf_mech_flags[] = {
    PCF_FLAG(CKF_HW, "HW"),
    PCF_FLAG(CKF_MESSAGE_ENCRYPT, "MESSAGE_ENCRYPT"),
    PCF_FLAG(CKF_MESSAGE_DECRYPT, "MESSAGE_DECRYPT"),
    PCF_FLAG(CKF_MESSAGE_SIGN, "MESSAGE_SIGN"),
    PCF_FLAG(CKF_MESSAGE_VERIFY, "MESSAGE_VERIFY"),
    PCF_FLAG(CKF_MULTI_MESSAGE, "MULTI_MESSAGE"),
    PCF_FLAG(CKF_FIND_OBJECTS, "FIND_OBJECTS"),
    PCF_FLAG(CKF_ENCRYPT, "ENCRYPT"),
    PCF_FLAG(CKF_DECRYPT, "DECRYPT"),
    PCF_FLAG(CKF_DIGEST, "DIGEST"),
    PCF_FLAG(CKF_SIGN, "SIGN"),
    PCF_FLAG(CKF_SIGN_RECOVER, "SIGN_RECOVER"),
    PCF_FLAG(CKF_VERIFY, "VERIFY"),
    PCF_FLAG(CKF_VERIFY_RECOVER, "VERIFY_RECOVER"),
    PCF_FLAG(CKF_GENERATE, "GENERATE"),
    PCF_FLAG(CKF_GENERATE_KEY_PAIR, "GENERATE_KEY_PAIR"),
    PCF_FLAG(CKF_WRAP, "WRAP"),
    PCF_FLAG(CKF_UNWRAP, "UNWRAP"),
    PCF_FLAG(CKF_DERIVE, "DERIVE"),
    PCF_FLAG(CKF_EC_F_P, "EC_F_P"),
    PCF_FLAG(CKF_EC_F_2M, "EC_F_2M"),
    PCF_FLAG(CKF_EC_ECPARAMETERS, "EC_ECPARAMETERS"),
    PCF_FLAG(CKF_EC_OID, "EC_OID"),
    PCF_FLAG(CKF_EC_UNCOMPRESS, "EC_UNCOMPRESS"),
    PCF_FLAG(CKF_EC_COMPRESS, "EC_COMPRESS"),
    PCF_FLAG(CKF_EC_CURVENAME, "EC_CURVENAME"),
    PCF_FLAG(CKF_EXTENSION, "EXTENSION"),
    PCF_FLAG(0, NULL),
};

void pcf_flags_print(FILE *fp, CK_FLAGS flags, const struct pcf_flag_name *names)
{
	CK_FLAGS rest = flags;
	const char *sep = " (";

	fprintf(fp, "0x%lX", flags);
	for (; names->name != NULL; names++) {
		if ((flags & names->flag) == 0)
			continue;
		fprintf(fp, "%s%s", sep, names->name);
		rest &= ~names->flag;
		sep = "|";
	}
	if (rest != 0)
		fprintf(fp, "%s0x%lX", sep, rest);
	if (flags != 0)
		fputc(')', fp);
}

size_t pcf_field_len(const CK_UTF8CHAR *field, size_t size)
{
	while (size > 0 && (field[size - 1] == ' ' || field[size - 1] == '\0'))
		size--;
	return size;
}

void pcf_field_print(FILE *fp, const CK_UTF8CHAR *field, size_t size)
{
	size_t len = pcf_field_len(field, size);

	for (size_t i = 0; i < len; i++)
		fputc(field[i] < 0x20 || field[i] == 0x7f ? '?' : field[i], fp);
}

void pcf_hex_print(FILE *fp, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(fp, "%02x", p[i]);
}

void pcf_hex_format(char *out, const unsigned char *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}
