/*
 * RSA keys of the soft backend: pair generation, the EVP_PKEY of a key
 * object (built from its attributes once and cached), and the checks of
 * C_CreateObject.
 */
#ifndef SOFT_RSA_KEYS_H
#define SOFT_RSA_KEYS_H

#include "soft.h"

/* Modulus sizes: generated keys, and keys the operations accept. */
#define SOFT_RSA_GEN_MIN_BITS 1024
#define SOFT_RSA_GEN_MAX_BITS 8192
#define SOFT_RSA_MIN_BITS     1024
#define SOFT_RSA_MAX_BITS     16384

/* CKM_RSA_PKCS_KEY_PAIR_GEN (struct soft_mech.generate_pair). */
CK_RV soft_rsa_generate_pair(const CK_MECHANISM *mech, struct tok_attrs *pub,
                             struct tok_attrs *priv);

/*
 * The cached EVP_PKEY of an RSA key used for kind (a private key to sign
 * and decrypt, a public one to verify and encrypt), owned by the key's
 * cache.  NULL with *rv CKR_KEY_TYPE_INCONSISTENT for another key type or
 * class, CKR_KEY_SIZE_RANGE outside SOFT_RSA_MIN_BITS..SOFT_RSA_MAX_BITS,
 * or the error of building it.
 */
EVP_PKEY *soft_rsa_key_pkey(const struct os_backend_key *key, enum os_backend_op kind, CK_RV *rv);

#endif
