/*
 * The curve table of the soft backend (see ec_curves.h).
 */
#include "ec_curves.h"

#include <string.h>

#include "asym.h"

/* DER OBJECT IDENTIFIERs of the named curves. */
static const CK_BYTE oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE oid_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const CK_BYTE oid_p521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
static const CK_BYTE oid_k256[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
static const CK_BYTE oid_x25519[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
static const CK_BYTE oid_x448[] = {0x06, 0x03, 0x2b, 0x65, 0x6f};
static const CK_BYTE oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const CK_BYTE oid_ed448[] = {0x06, 0x03, 0x2b, 0x65, 0x71};

#define EC_OID(o) o, sizeof(o)

static const struct soft_ec_curve ec_curves[] = {
    {"prime256v1", "prime256v1", EC_OID(oid_p256), SOFT_EC_WEIERSTRASS, CKK_EC, 256, 32, 65, 64},
    {"secp384r1", "secp384r1", EC_OID(oid_p384), SOFT_EC_WEIERSTRASS, CKK_EC, 384, 48, 97, 96},
    {"secp521r1", "secp521r1", EC_OID(oid_p521), SOFT_EC_WEIERSTRASS, CKK_EC, 521, 66, 133, 132},
    {"secp256k1", "secp256k1", EC_OID(oid_k256), SOFT_EC_WEIERSTRASS, CKK_EC, 256, 32, 65, 64},
    {"ED25519", "edwards25519", EC_OID(oid_ed25519), SOFT_EC_EDWARDS, CKK_EC_EDWARDS, 255, 32, 32,
     64},
    {"ED448", "edwards448", EC_OID(oid_ed448), SOFT_EC_EDWARDS, CKK_EC_EDWARDS, 448, 57, 57, 114},
    {"X25519", "curve25519", EC_OID(oid_x25519), SOFT_EC_MONTGOMERY, CKK_EC_MONTGOMERY, 255, 32, 32,
     0},
    {"X448", "curve448", EC_OID(oid_x448), SOFT_EC_MONTGOMERY, CKK_EC_MONTGOMERY, 448, 56, 56, 0},
};

#define EC_CURVE_COUNT (sizeof(ec_curves) / sizeof(ec_curves[0]))

/* DER tags that CKA_EC_PARAMS may start with: OID, PrintableString, explicit parameters. */
#define DER_OID             0x06
#define DER_PRINTABLESTRING 0x13
#define DER_SEQUENCE        0x30

CK_RV soft_ec_curve_find(const CK_ATTRIBUTE *params, const struct soft_ec_curve **curve)
{
	const CK_BYTE *der;
	size_t len;

	*curve = NULL;
	if (!params)
		return CKR_TEMPLATE_INCOMPLETE;
	der = params->pValue;
	len = params->ulValueLen;
	if (len < 2 || (size_t)der[1] + 2 != len)
		return len > 2 && der[0] == DER_SEQUENCE ? CKR_CURVE_NOT_SUPPORTED
		                                         : CKR_ATTRIBUTE_VALUE_INVALID;
	for (size_t i = 0; i < EC_CURVE_COUNT; i++) {
		const struct soft_ec_curve *c = &ec_curves[i];

		if ((der[0] == DER_OID && len == c->oid_len && memcmp(der, c->oid, len) == 0) ||
		    (der[0] == DER_PRINTABLESTRING && len - 2 == strlen(c->printable) &&
		     memcmp(der + 2, c->printable, len - 2) == 0)) {
			*curve = c;
			return CKR_OK;
		}
	}
	if (der[0] == DER_OID || der[0] == DER_PRINTABLESTRING || der[0] == DER_SEQUENCE)
		return CKR_CURVE_NOT_SUPPORTED;
	return CKR_ATTRIBUTE_VALUE_INVALID;
}

/* Whether bytes are a public key of the curve as OpenSSL takes it. */
static bool ec_point_form_ok(const struct soft_ec_curve *curve, const CK_BYTE *p, size_t len)
{
	if (curve->family != SOFT_EC_WEIERSTRASS)
		return len == curve->point_len;
	if (len == curve->point_len)
		return p[0] == 0x04;
	return len == (curve->point_len + 1) / 2 && (p[0] == 0x02 || p[0] == 0x03);
}

const CK_BYTE *soft_ec_point_bytes(const struct soft_ec_curve *curve, const CK_BYTE *in, size_t len,
                                   size_t *out_len)
{
	const CK_BYTE *body;

	if (!in || len == 0)
		return NULL;
	if (ec_point_form_ok(curve, in, len)) {
		*out_len = len;
		return in;
	}
	body = soft_asym_der_octets(in, len, out_len);
	return body && ec_point_form_ok(curve, body, *out_len) ? body : NULL;
}
