/*
 * RSA encryption, decryption, key wrapping and unwrapping in the soft
 * backend: CKM_RSA_PKCS, CKM_RSA_X_509 and CKM_RSA_PKCS_OAEP.
 */
#ifndef SOFT_RSA_CRYPT_H
#define SOFT_RSA_CRYPT_H

#include "soft.h"

/* The init entry (struct soft_mech.init) for OS_BACKEND_OP_ENCRYPT and _DECRYPT. */
CK_RV soft_rsa_crypt_init(const struct soft_mech *m, enum os_backend_op kind,
                          const CK_MECHANISM *mech, const struct os_backend_key *key,
                          struct soft_op **op);

/* C_WrapKey of a secret key's value with an RSA public key. */
CK_RV soft_rsa_wrap(const CK_MECHANISM *mech, const struct os_backend_key *wrapping,
                    const struct tok_attrs *key, CK_BYTE *out, CK_ULONG *outlen);

/* C_UnwrapKey into a secret key with an RSA private key. */
CK_RV soft_rsa_unwrap(const CK_MECHANISM *mech, const struct os_backend_key *unwrapping,
                      const CK_BYTE *in, CK_ULONG inlen, struct tok_attrs *key);

#endif
