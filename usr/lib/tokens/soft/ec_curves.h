/*
 * The curves of the soft backend's EC, EdDSA and Montgomery keys: how
 * CKA_EC_PARAMS names them and how CKA_EC_POINT carries their points.
 */
#ifndef SOFT_EC_CURVES_H
#define SOFT_EC_CURVES_H

#include <stddef.h>

#include "soft.h"

enum soft_ec_family {
	SOFT_EC_WEIERSTRASS = 1, /* CKK_EC: ECDSA, ECDH */
	SOFT_EC_EDWARDS = 2,     /* CKK_EC_EDWARDS: EdDSA */
	SOFT_EC_MONTGOMERY = 4,  /* CKK_EC_MONTGOMERY: ECDH (X25519, X448) */
};

/* Longest public key or point (P-521 uncompressed) and private value of the curves. */
#define SOFT_EC_POINT_MAX 133
#define SOFT_EC_VALUE_MAX 66

struct soft_ec_curve {
	int nid;               /* OpenSSL's NID of the named curve's OBJECT IDENTIFIER */
	const char *ossl;      /* OpenSSL group (Weierstrass) or key type name */
	const char *printable; /* the PrintableString form of CKA_EC_PARAMS */
	enum soft_ec_family family;
	CK_KEY_TYPE key_type;
	CK_ULONG bits;    /* key size in CK_MECHANISM_INFO terms */
	size_t value_len; /* private value bytes (for Weierstrass: of the order) */
	size_t point_len; /* public key bytes: an uncompressed point, or the raw key */
	size_t sig_len;   /* signature bytes: r || s, or EdDSA's */
};

/*
 * The curve CKA_EC_PARAMS names, as the DER of a named curve's OID or the
 * DER PrintableString of its name (PKCS#11 3.0): the name in the table
 * ("brainpoolP256r1", "edwards25519"), OpenSSL's short name of the curve
 * ("prime256v1", "ED25519"), its NIST name ("P-256") or its SEC 2 name
 * ("secp256r1").  CKR_TEMPLATE_INCOMPLETE when absent,
 * CKR_CURVE_NOT_SUPPORTED for well-formed parameters of another curve (or
 * explicit ones), CKR_ATTRIBUTE_VALUE_INVALID for anything else.
 */
CK_RV soft_ec_curve_find(const CK_ATTRIBUTE *params, const struct soft_ec_curve **curve);

/*
 * The public key bytes OpenSSL takes, from a CKA_EC_POINT or the public
 * data of ECDH: a DER OCTET STRING holding them, or the bare bytes.  For
 * Weierstrass curves these are an uncompressed or compressed point.  NULL
 * when the length or form fits neither.
 */
const CK_BYTE *soft_ec_point_bytes(const struct soft_ec_curve *curve, const CK_BYTE *in, size_t len,
                                   size_t *out_len);

#endif
