/*
 * The DER the tpm backend reads and writes besides EC points and ECDSA
 * signatures (those go through the shared conversions of
 * usr/lib/tokens/common/der/der.h): the OBJECT IDENTIFIER of a named curve that
 * CKA_EC_PARAMS holds, and the DigestInfo that RSA PKCS#1 v1.5 signs.
 * All of it is encoded and decoded by OpenSSL; only DER is taken, an input
 * being accepted when it decodes whole and encodes back to the same bytes.
 */
#ifndef TPM_DER_H
#define TPM_DER_H

#include <stddef.h>

#include "openslot/pkcs11.h"

/* Longest CKA_EC_PARAMS tpm_der_curve_params writes for the curves a TPM offers. */
#define TPM_DER_PARAMS_MAX 16

/*
 * OpenSSL's NID of the OBJECT IDENTIFIER whose DER is exactly the len
 * bytes at der; NID_undef for anything else (another type, a BER form,
 * trailing bytes, an OID OpenSSL does not know).
 */
int tpm_der_curve_nid(const CK_BYTE *der, size_t len);

/* Writes the DER OBJECT IDENTIFIER of nid; its length, 0 if over cap or unknown. */
size_t tpm_der_curve_params(int nid, CK_BYTE *out, size_t cap);

/*
 * Writes the DER DigestInfo (RFC 8017, section 9.2) of the len-byte
 * digest made by the hash whose NID is md_nid, with NULL parameters; its
 * length, 0 if over cap or the hash has no OBJECT IDENTIFIER.
 */
size_t tpm_der_digest_info(int md_nid, const CK_BYTE *digest, size_t len, CK_BYTE *out, size_t cap);

#endif
