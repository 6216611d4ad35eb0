/*
 * Diffie-Hellman (PKCS #3) in the soft backend: CKM_DH_PKCS_KEY_PAIR_GEN,
 * CKM_DH_PKCS_DERIVE and CKM_DH_PKCS_PARAMETER_GEN over primes of 2048 to
 * 8192 bits, and the checks of CKK_DH keys and domain parameters given to
 * C_CreateObject.
 */
#ifndef SOFT_DH_H
#define SOFT_DH_H

#include "soft.h"

/* Sizes of the prime (bits) the family takes, as CK_MECHANISM_INFO gives them. */
#define SOFT_DH_MIN_BITS 2048
#define SOFT_DH_MAX_BITS 8192

/* The DH mechanisms (ends with an entry of type CK_UNAVAILABLE_INFORMATION). */
extern const struct soft_mech soft_dh_mechs[];

/*
 * C_CreateObject checks of CKK_DH public and private keys and domain
 * parameters: a prime of SOFT_DH_MIN_BITS to SOFT_DH_MAX_BITS bits, a base
 * and a value OpenSSL's checks accept (CKR_ATTRIBUTE_VALUE_INVALID
 * otherwise).  CKR_OK for any other object.
 */
CK_RV soft_dh_check_key(struct tok_attrs *key);

#endif
