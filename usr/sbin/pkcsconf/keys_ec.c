/*
 * The curves pkcsconf generates, imports, lists and exports, and the DER
 * OCTET STRING that carries an EC public point in CKA_EC_POINT.
 *
 * CKA_EC_PARAMS is written as the curve's OBJECT IDENTIFIER; when reading,
 * the PrintableString form PKCS#11 3.0 allows for Edwards curves is
 * recognised too.
 */
#include "keys.h"

#include <string.h>
#include <strings.h>

static const unsigned char oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                         0xce, 0x3d, 0x03, 0x01, 0x07};
static const unsigned char oid_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const unsigned char oid_p521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
static const unsigned char oid_k256[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
static const unsigned char oid_p224[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x21};
/* brainpoolP256r1 .. brainpoolP512t1: 1.3.36.3.3.2.8.1.1.7 .. 14 (RFC 5639). */
#define OID_BRAINPOOL(last)                                                        \
	{                                                                          \
		0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, (last) \
	}
static const unsigned char oid_bp256r1[] = OID_BRAINPOOL(0x07);
static const unsigned char oid_bp256t1[] = OID_BRAINPOOL(0x08);
static const unsigned char oid_bp384r1[] = OID_BRAINPOOL(0x0b);
static const unsigned char oid_bp384t1[] = OID_BRAINPOOL(0x0c);
static const unsigned char oid_bp512r1[] = OID_BRAINPOOL(0x0d);
static const unsigned char oid_bp512t1[] = OID_BRAINPOOL(0x0e);
static const unsigned char oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const unsigned char oid_ed448[] = {0x06, 0x03, 0x2b, 0x65, 0x71};

#define CURVE_OID(o) o, sizeof(o)

static const struct pcf_curve ec_curves[] = {
    {"prime256v1", "secp256r1", CKK_EC, 256, CURVE_OID(oid_p256), NULL, "prime256v1", 32},
    {"secp384r1", "p-384", CKK_EC, 384, CURVE_OID(oid_p384), NULL, "secp384r1", 48},
    {"secp521r1", "p-521", CKK_EC, 521, CURVE_OID(oid_p521), NULL, "secp521r1", 66},
    {"secp256k1", NULL, CKK_EC, 256, CURVE_OID(oid_k256), NULL, "secp256k1", 32},
    {"secp224r1", "p-224", CKK_EC, 224, CURVE_OID(oid_p224), NULL, "secp224r1", 28},
    {"brainpoolP256r1", NULL, CKK_EC, 256, CURVE_OID(oid_bp256r1), NULL, "brainpoolP256r1", 32},
    {"brainpoolP256t1", NULL, CKK_EC, 256, CURVE_OID(oid_bp256t1), NULL, "brainpoolP256t1", 32},
    {"brainpoolP384r1", NULL, CKK_EC, 384, CURVE_OID(oid_bp384r1), NULL, "brainpoolP384r1", 48},
    {"brainpoolP384t1", NULL, CKK_EC, 384, CURVE_OID(oid_bp384t1), NULL, "brainpoolP384t1", 48},
    {"brainpoolP512r1", NULL, CKK_EC, 512, CURVE_OID(oid_bp512r1), NULL, "brainpoolP512r1", 64},
    {"brainpoolP512t1", NULL, CKK_EC, 512, CURVE_OID(oid_bp512t1), NULL, "brainpoolP512t1", 64},
    {"ed25519", NULL, CKK_EC_EDWARDS, 255, CURVE_OID(oid_ed25519), "edwards25519", "ED25519", 32},
    {"ed448", NULL, CKK_EC_EDWARDS, 448, CURVE_OID(oid_ed448), "edwards448", "ED448", 57},
};

#define EC_NCURVES (sizeof(ec_curves) / sizeof(ec_curves[0]))

#define DER_OCTET_STRING     0x04
#define DER_PRINTABLE_STRING 0x13

const struct pcf_curve *pcf_curve_by_name(const char *name)
{
	for (size_t i = 0; i < EC_NCURVES; i++) {
		const struct pcf_curve *cv = &ec_curves[i];

		if (strcasecmp(name, cv->name) == 0 ||
		    (cv->alias != NULL && strcasecmp(name, cv->alias) == 0))
			return cv;
	}
	/* "P-256" is the name most people know prime256v1 by */
	if (strcasecmp(name, "p-256") == 0)
		return &ec_curves[0];
	return NULL;
}

const struct pcf_curve *pcf_curve_by_ossl(const char *name)
{
	for (size_t i = 0; i < EC_NCURVES; i++)
		if (strcasecmp(name, ec_curves[i].ossl_name) == 0)
			return &ec_curves[i];
	return NULL;
}

const struct pcf_curve *pcf_curve_by_params(const unsigned char *der, size_t len)
{
	for (size_t i = 0; der != NULL && i < EC_NCURVES; i++) {
		const struct pcf_curve *cv = &ec_curves[i];
		size_t plen = cv->printable != NULL ? strlen(cv->printable) : 0;

		if (len == cv->oid_len && memcmp(der, cv->oid, len) == 0)
			return cv;
		if (plen > 0 && len == plen + 2 && der[0] == DER_PRINTABLE_STRING &&
		    der[1] == plen && memcmp(der + 2, cv->printable, plen) == 0)
			return cv;
	}
	return NULL;
}

size_t pcf_der_octets_wrap(unsigned char *out, size_t size, const unsigned char *in, size_t len)
{
	size_t head = len < 0x80 ? 2 : len < 0x100 ? 3 : 4;

	if (len > 0xffff || head + len > size)
		return 0;
	out[0] = DER_OCTET_STRING;
	if (head == 2) {
		out[1] = (unsigned char)len;
	} else if (head == 3) {
		out[1] = 0x81;
		out[2] = (unsigned char)len;
	} else {
		out[1] = 0x82;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
	}
	memcpy(out + head, in, len);
	return head + len;
}

const unsigned char *pcf_der_octets_unwrap(const unsigned char *in, size_t len, size_t *out_len)
{
	size_t head, body;

	if (in == NULL || len < 2 || in[0] != DER_OCTET_STRING)
		return NULL;
	if (in[1] < 0x80) {
		head = 2;
		body = in[1];
	} else if (in[1] == 0x81 && len >= 3 && in[2] >= 0x80) {
		head = 3;
		body = in[2];
	} else if (in[1] == 0x82 && len >= 4 && in[2] != 0) {
		head = 4;
		body = (size_t)in[2] << 8 | in[3];
	} else {
		return NULL;
	}
	if (head + body != len)
		return NULL;
	*out_len = body;
	return in + head;
}
