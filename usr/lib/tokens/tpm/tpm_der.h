/*
 * The DER the tpm backend writes besides what the backends share
 * (usr/lib/tokens/common/der/der.h: EC points, ECDSA signatures, curve
 * OIDs): the DigestInfo that RSA PKCS#1 v1.5 signs, encoded by OpenSSL.
 */
#ifndef TPM_DER_H
#define TPM_DER_H

#include <stddef.h>

#include "openslot/pkcs11.h"

/*
 * Writes the DER DigestInfo (RFC 8017, section 9.2) of the len-byte
 * digest made by the hash whose NID is md_nid, with NULL parameters; its
 * length, 0 if over cap or the hash has no OBJECT IDENTIFIER.
 */
size_t tpm_der_digest_info(int md_nid, const CK_BYTE *digest, size_t len, CK_BYTE *out, size_t cap);

#endif
