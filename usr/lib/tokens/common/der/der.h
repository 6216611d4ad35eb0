/*
 * DER conversions the token backends share, all through OpenSSL's ASN.1 codecs:
 * the OCTET STRING that wraps CKA_EC_POINT and the ECDSA-Sig-Value that
 * OpenSSL signs into, which PKCS#11 carries as r || s.  Only DER is taken:
 * an input is accepted when it decodes whole and encodes back to the same
 * bytes.
 */
#ifndef OPENSLOT_TOK_DER_H
#define OPENSLOT_TOK_DER_H

#include <stdbool.h>
#include <stddef.h>

#include "openslot/pkcs11.h"

/*
 * The contents of a DER OCTET STRING that is exactly len bytes long (a
 * pointer into der); NULL when the bytes are not one.
 */
const CK_BYTE *tok_der_octets(const CK_BYTE *der, size_t len, size_t *body_len);

/* Writes the DER OCTET STRING holding body; its length, 0 if over cap. */
size_t tok_der_wrap_octets(const CK_BYTE *body, size_t len, CK_BYTE *der, size_t cap);

/*
 * Named curves in CKA_EC_PARAMS.  curve_nid: OpenSSL's NID of the OBJECT
 * IDENTIFIER whose DER is exactly the len bytes at der, NID_undef for one
 * OpenSSL does not know, -1 when the bytes are not exactly one DER OID.
 * curve_params writes the DER OID of nid: its length, 0 if over cap or
 * unknown.  printable: the contents of a DER PrintableString that is
 * exactly len bytes (the form PKCS#11 3.0 allows for a curve name), copied
 * NUL-terminated into name; false when the bytes are not one, or its
 * contents hold a NUL or do not fit.
 */
/* Longest CKA_EC_PARAMS tok_der_curve_params writes for the curves the tokens know. */
#define TOK_DER_CURVE_PARAMS_MAX 16

int tok_der_curve_nid(const CK_BYTE *der, size_t len);
size_t tok_der_curve_params(int nid, CK_BYTE *out, size_t cap);
bool tok_der_printable(const CK_BYTE *der, size_t len, char *name, size_t cap);

/* Longest DER ECDSA-Sig-Value of the supported curves. */
#define TOK_ECDSA_DER_MAX 160

/*
 * ECDSA signatures: PKCS#11 carries r || s, each n bytes; OpenSSL the DER
 * ECDSA-Sig-Value.  from_der fails on an encoding that is not DER, a
 * negative integer or one longer than n; to_der returns the DER length
 * (0 if n is over 0x7c or cap too small).
 */
bool tok_der_ecdsa_from_der(const CK_BYTE *der, size_t der_len, CK_BYTE *rs, size_t n);
size_t tok_der_ecdsa_to_der(const CK_BYTE *rs, size_t n, CK_BYTE *der, size_t cap);

#endif
