/*
 * What the soft backend's secret-key mechanisms share (secret.c): reading a
 * secret key's value, checking mechanism parameters, and making the value
 * of a new key (generation, unwrapping, C_CreateObject checks).
 *
 * Key lengths are in bytes.  DES keys are 8 bytes, two-key triple-DES
 * keys 16 and three-key ones 24 (these types have no CKA_VALUE_LEN, and an
 * unwrapped value longer than theirs is cut to it); AES keys are 16, 24 or 32 bytes; generic
 * secrets and HMAC keys 1 to SOFT_SECRET_MAX bytes, the bound the
 * mechanism information announces.
 */
#ifndef SOFT_SECRET_H
#define SOFT_SECRET_H

#include <stdbool.h>

#include "soft.h"

#define SOFT_SECRET_MAX 512

/*
 * CK_MAC_GENERAL_PARAMS is a CK_ULONG holding the MAC length; the 2.40
 * header of p11-kit does not name it.
 */
typedef CK_ULONG soft_mac_general_params;

/* A mechanism without parameter: CKR_OK, or CKR_MECHANISM_PARAM_INVALID when one is given. */
CK_RV soft_secret_no_param(const CK_MECHANISM *mech);

/*
 * A parameter structure of exactly size bytes: *param points at it, or
 * CKR_MECHANISM_PARAM_INVALID for a NULL pointer or another length.
 */
CK_RV soft_secret_param(const CK_MECHANISM *mech, size_t size, const void **param);

/*
 * The length of a MAC: full for the plain mechanism (which takes no
 * parameter), the CK_MAC_GENERAL_PARAMS value for a general-length one,
 * which must lie in 1..full.
 */
CK_RV soft_secret_mac_len(const CK_MECHANISM *mech, bool general, CK_ULONG full, CK_ULONG *len);

/*
 * The key type and value of a secret key: CKR_KEY_TYPE_INCONSISTENT when
 * the object is not a secret key, CKR_KEY_SIZE_RANGE when it has no value.
 * The value points into attrs.
 */
CK_RV soft_secret_get(const struct tok_attrs *attrs, CK_KEY_TYPE *type, const CK_BYTE **val,
                      CK_ULONG *len);

/* Whether len bytes is a valid value length for a secret key type this backend knows. */
bool soft_secret_len_ok(CK_KEY_TYPE type, CK_ULONG len);

/*
 * C_GenerateKey of a secret key of the given type: checks that the
 * mechanism has no parameter, that the template's key type is type
 * (CKR_TEMPLATE_INCONSISTENT) and that CKA_VALUE_LEN is given
 * (CKR_TEMPLATE_INCOMPLETE) and valid (CKR_KEY_SIZE_RANGE), then adds a
 * random CKA_VALUE.
 */
CK_RV soft_secret_generate(const CK_MECHANISM *mech, CK_KEY_TYPE type, struct tok_attrs *key);

/*
 * C_UnwrapKey: sets the unwrapped bytes as the new secret key's value,
 * truncated to the template's CKA_VALUE_LEN when it has one, and sets
 * CKA_VALUE_LEN.  CKR_TEMPLATE_INCONSISTENT for an object this backend
 * cannot make from bytes, CKR_WRAPPED_KEY_LEN_RANGE for a value of a
 * length the key type does not allow.
 */
CK_RV soft_secret_unwrapped(struct tok_attrs *key, const CK_BYTE *val, CK_ULONG len);

#endif
