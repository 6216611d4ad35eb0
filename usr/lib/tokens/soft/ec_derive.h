/*
 * ECDH key derivation of the soft backend: CKM_ECDH1_DERIVE with EC and
 * Montgomery (X25519, X448) keys, and CKM_ECDH1_COFACTOR_DERIVE with EC
 * keys.
 */
#ifndef SOFT_EC_DERIVE_H
#define SOFT_EC_DERIVE_H

#include "soft.h"

/*
 * struct soft_mech.derive: CK_ECDH1_DERIVE_PARAMS with kdf CKD_NULL (no
 * shared data) or CKD_<hash>_KDF (ANSI X9.63 KDF with the shared data as
 * SharedInfo), and the peer's public key as its raw bytes or a DER OCTET
 * STRING.  The new secret key's value has its CKA_VALUE_LEN (or its key
 * type's fixed length), else the whole shared secret's length; CKD_NULL
 * keeps the rightmost bytes of the shared secret.
 */
CK_RV soft_ec_derive(const CK_MECHANISM *mech, const struct os_backend_key *base,
                     struct tok_attrs *key);

#endif
