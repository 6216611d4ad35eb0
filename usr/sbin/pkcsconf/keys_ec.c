/*
 * The curves pkcsconf generates, imports, lists and exports, and the DER
 * OCTET STRING that carries an EC public point in CKA_EC_POINT.
 *
 * CKA_EC_PARAMS is written as the curve's OBJECT IDENTIFIER; when reading,
 * the PrintableString form PKCS#11 3.0 allows for Edwards curves is
 * recognised too.  All DER goes through OpenSSL's codecs, and only DER is
 * read: an input is taken when it decodes whole and encodes back to the
 * same bytes.
 */
#include "keys.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>

static const struct pcf_curve ec_curves[] = {
    {"prime256v1", "secp256r1", CKK_EC, 256, NID_X9_62_prime256v1, NULL, "prime256v1", 32},
    {"secp384r1", "p-384", CKK_EC, 384, NID_secp384r1, NULL, "secp384r1", 48},
    {"secp521r1", "p-521", CKK_EC, 521, NID_secp521r1, NULL, "secp521r1", 66},
    {"secp256k1", NULL, CKK_EC, 256, NID_secp256k1, NULL, "secp256k1", 32},
    {"secp224r1", "p-224", CKK_EC, 224, NID_secp224r1, NULL, "secp224r1", 28},
    {"brainpoolP256r1", NULL, CKK_EC, 256, NID_brainpoolP256r1, NULL, "brainpoolP256r1", 32},
    {"brainpoolP256t1", NULL, CKK_EC, 256, NID_brainpoolP256t1, NULL, "brainpoolP256t1", 32},
    {"brainpoolP384r1", NULL, CKK_EC, 384, NID_brainpoolP384r1, NULL, "brainpoolP384r1", 48},
    {"brainpoolP384t1", NULL, CKK_EC, 384, NID_brainpoolP384t1, NULL, "brainpoolP384t1", 48},
    {"brainpoolP512r1", NULL, CKK_EC, 512, NID_brainpoolP512r1, NULL, "brainpoolP512r1", 64},
    {"brainpoolP512t1", NULL, CKK_EC, 512, NID_brainpoolP512t1, NULL, "brainpoolP512t1", 64},
    {"ed25519", NULL, CKK_EC_EDWARDS, 255, NID_ED25519, "edwards25519", "ED25519", 32},
    {"ed448", NULL, CKK_EC_EDWARDS, 448, NID_ED448, "edwards448", "ED448", 57},
};

#define EC_NCURVES (sizeof(ec_curves) / sizeof(ec_curves[0]))

/*
 * The value of type it that the len bytes at der are the DER of, all of
 * them; NULL when they are anything else.  Freed with ASN1_item_free.
 */
static ASN1_VALUE *ec_der_decode(const ASN1_ITEM *it, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	unsigned char *enc = NULL;
	ASN1_VALUE *v;
	int enc_len = -1;

	if (der == NULL || len < 2 || len > INT_MAX)
		return NULL;
	v = ASN1_item_d2i(NULL, &p, (long)len, it);
	if (v != NULL && p == der + len)
		enc_len = ASN1_item_i2d(v, &enc, it);
	if (enc_len < 0 || (size_t)enc_len != len || memcmp(enc, der, len) != 0) {
		ASN1_item_free(v, it);
		v = NULL;
	}
	OPENSSL_free(enc);
	ERR_clear_error();
	return v;
}

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

static const struct pcf_curve *ec_curve_by_nid(int nid)
{
	for (size_t i = 0; nid != NID_undef && i < EC_NCURVES; i++)
		if (ec_curves[i].nid == nid)
			return &ec_curves[i];
	return NULL;
}

/* The curve whose PrintableString form is the contents of str. */
static const struct pcf_curve *ec_curve_by_printable(const ASN1_STRING *str)
{
	size_t len = (size_t)ASN1_STRING_length(str);

	for (size_t i = 0; i < EC_NCURVES; i++) {
		const char *name = ec_curves[i].printable;

		if (name != NULL && strlen(name) == len &&
		    memcmp(ASN1_STRING_get0_data(str), name, len) == 0)
			return &ec_curves[i];
	}
	return NULL;
}

const struct pcf_curve *pcf_curve_by_params(const unsigned char *der, size_t len)
{
	const ASN1_ITEM *oid_it = ASN1_ITEM_rptr(ASN1_OBJECT);
	const ASN1_ITEM *str_it = ASN1_ITEM_rptr(ASN1_PRINTABLESTRING);
	const struct pcf_curve *cv = NULL;
	ASN1_VALUE *v = ec_der_decode(oid_it, der, len);

	if (v != NULL) {
		cv = ec_curve_by_nid(OBJ_obj2nid((const ASN1_OBJECT *)v));
		ASN1_item_free(v, oid_it);
	} else if ((v = ec_der_decode(str_it, der, len)) != NULL) {
		cv = ec_curve_by_printable((const ASN1_STRING *)v);
		ASN1_item_free(v, str_it);
	}
	return cv;
}

size_t pcf_curve_params(const struct pcf_curve *cv, unsigned char *out, size_t size)
{
	const ASN1_OBJECT *obj = OBJ_nid2obj(cv->nid);
	unsigned char *p = out;
	size_t n = 0;
	int len;

	if (obj != NULL && OBJ_length(obj) > 0) {
		len = i2d_ASN1_OBJECT(obj, NULL);
		if (len > 0 && (size_t)len <= size && i2d_ASN1_OBJECT(obj, &p) == len)
			n = (size_t)len;
	}
	ERR_clear_error();
	return n;
}

size_t pcf_der_octets_wrap(unsigned char *out, size_t size, const unsigned char *in, size_t len)
{
	ASN1_OCTET_STRING *str = ASN1_OCTET_STRING_new();
	unsigned char *p = out;
	size_t n = 0;
	int enc;

	if (str != NULL && len <= INT_MAX && ASN1_OCTET_STRING_set(str, in, (int)len) == 1) {
		enc = i2d_ASN1_OCTET_STRING(str, NULL);
		if (enc > 0 && (size_t)enc <= size && i2d_ASN1_OCTET_STRING(str, &p) == enc)
			n = (size_t)enc;
	}
	ASN1_OCTET_STRING_free(str);
	ERR_clear_error();
	return n;
}

const unsigned char *pcf_der_octets_unwrap(const unsigned char *in, size_t len, size_t *out_len)
{
	const ASN1_ITEM *it = ASN1_ITEM_rptr(ASN1_OCTET_STRING);
	ASN1_VALUE *v = ec_der_decode(it, in, len);

	if (v == NULL)
		return NULL;
	/* DER puts the contents last */
	*out_len = (size_t)ASN1_STRING_length((const ASN1_STRING *)v);
	ASN1_item_free(v, it);
	return in + len - *out_len;
}
