/*
 * The curves pkcsconf generates, imports, lists and exports.
 *
 * CKA_EC_PARAMS is written as the curve's OBJECT IDENTIFIER; when reading,
 * the PrintableString form PKCS#11 3.0 allows for Edwards curves is
 * recognised too.  The DER goes through the conversions the token backends
 * share (der.h), which take only DER.
 */
#include "keys.h"

#include <string.h>
#include <strings.h>

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

/* The curve whose PrintableString form is name. */
static const struct pcf_curve *ec_curve_by_printable(const char *name)
{
	for (size_t i = 0; i < EC_NCURVES; i++)
		if (ec_curves[i].printable != NULL && strcmp(ec_curves[i].printable, name) == 0)
			return &ec_curves[i];
	return NULL;
}

const struct pcf_curve *pcf_curve_by_params(const unsigned char *der, size_t len)
{
	char name[32];
	int nid = tok_der_curve_nid(der, len);

	if (nid != -1)
		return ec_curve_by_nid(nid);
	return tok_der_printable(der, len, name, sizeof(name)) ? ec_curve_by_printable(name) : NULL;
}

size_t pcf_curve_params(const struct pcf_curve *cv, unsigned char *out, size_t size)
{
	return tok_der_curve_params(cv->nid, out, size);
}
