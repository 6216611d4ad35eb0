/*
 * EC, Edwards and Montgomery keys of the soft backend: pair generation,
 * the cached EVP_PKEY of a key object, peer public keys of ECDH and the
 * checks of C_CreateObject.
 */
#ifndef SOFT_EC_KEYS_H
#define SOFT_EC_KEYS_H

#include "ec_curves.h"
#include "soft.h"

/*
 * struct soft_mech.generate_pair of CKM_EC_KEY_PAIR_GEN,
 * CKM_EC_EDWARDS_KEY_PAIR_GEN and CKM_EC_MONTGOMERY_KEY_PAIR_GEN: the
 * curve of the public template's CKA_EC_PARAMS must be of the family the
 * mechanism makes (else CKR_CURVE_NOT_SUPPORTED).
 */
CK_RV soft_ec_generate_pair(const CK_MECHANISM *mech, struct tok_attrs *pub,
                            struct tok_attrs *priv);

/*
 * The cached EVP_PKEY and curve of an EC-family key whose family is in
 * families (a mask of enum soft_ec_family) and whose class is
 * cls, owned by the key's cache (see soft_asym_pkey_release()).  NULL with
 * *rv CKR_KEY_TYPE_INCONSISTENT for another key, or the error of building
 * it.
 */
EVP_PKEY *soft_ec_key_pkey(const struct os_backend_key *key, CK_OBJECT_CLASS cls, int families,
                           const struct soft_ec_curve **curve, CK_RV *rv);

/*
 * A public key of the curve from the bytes of a CKA_EC_POINT or ECDH
 * public data (see soft_ec_point_bytes()); the caller frees it.  NULL for
 * bytes that are not a valid public key of the curve.
 */
EVP_PKEY *soft_ec_public_pkey(const struct soft_ec_curve *curve, const CK_BYTE *point, size_t len);

#endif
