/*
 * Names of PKCS#11 constants, for traces, call logs and pkcsconf.
 *
 * Forward lookups return the constant's specification name ("CKR_PIN_LOCKED")
 * or NULL when the value is not known; the *_str() variants format an unknown
 * value as hexadecimal into a caller buffer so a log line always has
 * something to print.  Reverse lookups accept the forms an administrator is
 * likely to type: any case, '-' for '_', with or without the prefix
 * ("CKM_SHA256_RSA_PKCS", "sha256-rsa-pkcs"), and the deprecated spellings
 * of renamed constants ("CKK_ECDSA").  All functions are thread-safe; the
 * returned names are static strings.
 */
#ifndef OS_P11NAMES_H
#define OS_P11NAMES_H

#include <stddef.h>

#include "openslot/pkcs11.h"

/* Enough room for "0x" and the hexadecimal digits of any CK_ULONG. */
#define OS_P11_STR_LEN (2 + 2 * sizeof(CK_ULONG) + 1)

/* "CKR_PIN_INCORRECT", or NULL when unknown. */
const char *os_p11_rv_name(CK_RV rv);
/* "CKM_SHA256_RSA_PKCS", or NULL when unknown. */
const char *os_p11_mech_name(CK_MECHANISM_TYPE m);
/* "CKA_LABEL", or NULL when unknown. */
const char *os_p11_attr_name(CK_ATTRIBUTE_TYPE a);
/* "CKO_PRIVATE_KEY", or NULL when unknown. */
const char *os_p11_class_name(CK_OBJECT_CLASS c);
/* "CKK_EC", or NULL when unknown. */
const char *os_p11_key_type_name(CK_KEY_TYPE k);
/* "CKU_SO", or NULL when unknown. */
const char *os_p11_user_name(CK_USER_TYPE u);

/*
 * Reverse lookups for the CLI: store the value named by name in *out and
 * return 0, or return -1 (leaving *out alone) when the name is unknown or
 * an argument is NULL.
 */
int os_p11_mech_from_name(const char *name, CK_MECHANISM_TYPE *out);
int os_p11_key_type_from_name(const char *name, CK_KEY_TYPE *out);
int os_p11_class_from_name(const char *name, CK_OBJECT_CLASS *out);

/*
 * The name of a known value; an unknown one is written to buf as "0x%08lx"
 * (truncated to len bytes, OS_P11_STR_LEN always suffices) and buf is
 * returned.  With no buffer (buf NULL or len 0) an unknown value yields "".
 */
const char *os_p11_rv_str(CK_RV rv, char *buf, size_t len);
const char *os_p11_mech_str(CK_MECHANISM_TYPE m, char *buf, size_t len);
const char *os_p11_attr_str(CK_ATTRIBUTE_TYPE a, char *buf, size_t len);

/*
 * Self-check for the unit tests: the number of table entries that break the
 * invariants lookups rely on (values strictly ascending, names carrying the
 * table's prefix).  0 when the tables are sound.
 */
size_t os_p11_names_check(void);

#endif
