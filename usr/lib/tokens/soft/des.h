/*
 * The DES family of the soft backend (des.c, des_mac.c): triple DES with
 * three-key (CKK_DES3, 24 bytes) and two-key (CKK_DES2, 16 bytes, used as
 * K1 K2 K1) keys, and single DES (CKK_DES, 8 bytes) when OpenSSL's legacy
 * provider loads.  Every mechanism here is legacy: a slot whose options
 * say legacy-mechanisms = false neither lists nor runs any of them.
 */
#ifndef SOFT_DES_H
#define SOFT_DES_H

#include <stdbool.h>

#include "soft.h"

#define SOFT_DES_BLOCK 8

/* The DES mechanisms (ends with CK_UNAVAILABLE_INFORMATION). */
extern const struct soft_mech soft_des_mechs[];

/*
 * The slot option legacy-mechanisms ("true", the default, or "false") from
 * the slot's options; CKR_ARGUMENTS_BAD for any other value.
 */
CK_RV soft_des_option(const struct os_backend_env *env, bool *legacy);

/*
 * Whether a slot offers a mechanism: every mechanism outside this family
 * is offered; the family only when legacy is true, and single DES only
 * when, besides, the legacy provider has loaded.
 */
bool soft_des_offered(bool legacy, CK_MECHANISM_TYPE type);

/*
 * The value of a DES-family key as a three-key triple-DES key (a two-key
 * value extended to K1 K2 K1) in key24, or the 8 bytes of a single-DES key
 * when des is true: CKR_KEY_TYPE_INCONSISTENT for a key of another type
 * (for des: not CKK_DES; otherwise: not CKK_DES2 or CKK_DES3),
 * CKR_KEY_SIZE_RANGE for a value of the wrong length.  *len is 24 or 8.
 */
CK_RV soft_des_key(const struct os_backend_key *key, bool des, CK_BYTE key24[24], size_t *len);

/* The inits of CKM_DES3_MAC(_GENERAL) and CKM_DES3_CMAC(_GENERAL) (des_mac.c). */
CK_RV soft_des_mac_init(const struct soft_mech *m, enum os_backend_op kind,
                        const CK_MECHANISM *mech, const struct os_backend_key *key,
                        struct soft_op **op);
CK_RV soft_des_cmac_init(const struct soft_mech *m, enum os_backend_op kind,
                         const CK_MECHANISM *mech, const struct os_backend_key *key,
                         struct soft_op **op);

/* The triple-DES cipher in ECB (cbc false) or CBC mode, fetched once; NULL if OpenSSL lacks it. */
const EVP_CIPHER *soft_des_cipher(bool des, bool cbc);

#endif
