/*
 * The curve table of the soft backend (see ec_curves.h).
 */
#include "ec_curves.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "asym.h"

/*
 * CKA_EC_PARAMS is decoded by OpenSSL (d2i_ASN1_OBJECT,
 * d2i_ASN1_PRINTABLESTRING) and the curve found by its NID.  OpenSSL's
 * decoders also take BER (long-form lengths, constructed strings), so the
 * value is taken only when it encodes back to the same bytes: a curve has
 * one accepted encoding per form.
 */
#define EC_W(nid, name, bits, n)                                                            \
	{                                                                                   \
		nid, name, name, SOFT_EC_WEIERSTRASS, CKK_EC, bits, n, 2 * (n) + 1, 2 * (n) \
	}

static const struct soft_ec_curve ec_curves[] = {
    EC_W(NID_X9_62_prime256v1, "prime256v1", 256, 32),
    EC_W(NID_secp384r1, "secp384r1", 384, 48),
    EC_W(NID_secp521r1, "secp521r1", 521, 66),
    EC_W(NID_secp224r1, "secp224r1", 224, 28),
    EC_W(NID_secp256k1, "secp256k1", 256, 32),
    EC_W(NID_brainpoolP256r1, "brainpoolP256r1", 256, 32),
    EC_W(NID_brainpoolP256t1, "brainpoolP256t1", 256, 32),
    EC_W(NID_brainpoolP384r1, "brainpoolP384r1", 384, 48),
    EC_W(NID_brainpoolP384t1, "brainpoolP384t1", 384, 48),
    EC_W(NID_brainpoolP512r1, "brainpoolP512r1", 512, 64),
    EC_W(NID_brainpoolP512t1, "brainpoolP512t1", 512, 64),
    {NID_ED25519, "ED25519", "edwards25519", SOFT_EC_EDWARDS, CKK_EC_EDWARDS, 255, 32, 32, 64},
    {NID_ED448, "ED448", "edwards448", SOFT_EC_EDWARDS, CKK_EC_EDWARDS, 448, 57, 57, 114},
    {NID_X25519, "X25519", "curve25519", SOFT_EC_MONTGOMERY, CKK_EC_MONTGOMERY, 255, 32, 32, 0},
    {NID_X448, "X448", "curve448", SOFT_EC_MONTGOMERY, CKK_EC_MONTGOMERY, 448, 56, 56, 0},
};

#define EC_CURVE_COUNT (sizeof(ec_curves) / sizeof(ec_curves[0]))

static const struct soft_ec_curve *ec_curve_by_nid(int nid)
{
	for (size_t i = 0; nid != NID_undef && i < EC_CURVE_COUNT; i++)
		if (ec_curves[i].nid == nid)
			return &ec_curves[i];
	return NULL;
}

/* The NID of a curve name: the table's, OpenSSL's short name, the NIST or SEC 2 name. */
static int ec_name_nid(const char *name)
{
	int nid;

	for (size_t i = 0; i < EC_CURVE_COUNT; i++)
		if (strcmp(name, ec_curves[i].printable) == 0)
			return ec_curves[i].nid;
	if (strcmp(name, "secp256r1") == 0)
		return NID_X9_62_prime256v1;
	nid = OBJ_sn2nid(name);
	return nid != NID_undef ? nid : EC_curve_nist2nid(name);
}

/*
 * The NID the DER of an OID or of a PrintableString names, all of der
 * taken (tok_der_curve_nid, tok_der_printable); NID_undef for a
 * well-formed OID or name OpenSSL does not know, -1 when der is neither.
 */
static int ec_params_nid(const CK_BYTE *der, long len)
{
	int nid = tok_der_curve_nid(der, (size_t)len);
	char name[64];

	if (nid != -1)
		return nid;
	return tok_der_printable(der, (size_t)len, name, sizeof(name)) ? ec_name_nid(name) : -1;
}

/*
 * Whether der starts as a universal SEQUENCE, the form of explicit curve
 * parameters, which no token supports.
 */
static bool ec_params_explicit(const CK_BYTE *der, long len)
{
	const unsigned char *p = der;
	long body;
	int tag = -1, cls = -1;
	int ret = ASN1_get_object(&p, &body, &tag, &cls, len);

	return !(ret & 0x80) && (ret & V_ASN1_CONSTRUCTED) && tag == V_ASN1_SEQUENCE &&
	       cls == V_ASN1_UNIVERSAL;
}

CK_RV soft_ec_curve_find(const CK_ATTRIBUTE *params, const struct soft_ec_curve **curve)
{
	int nid;

	*curve = NULL;
	if (!params)
		return CKR_TEMPLATE_INCOMPLETE;
	if (!params->pValue || params->ulValueLen < 2 || params->ulValueLen > TOK_ATTRS_MAX_VALUE)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	nid = ec_params_nid(params->pValue, (long)params->ulValueLen);
	ERR_clear_error();
	if (nid == -1)
		return ec_params_explicit(params->pValue, (long)params->ulValueLen)
		           ? CKR_CURVE_NOT_SUPPORTED
		           : CKR_ATTRIBUTE_VALUE_INVALID;
	*curve = ec_curve_by_nid(nid);
	return *curve ? CKR_OK : CKR_CURVE_NOT_SUPPORTED;
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
	body = tok_der_octets(in, len, out_len);
	return body && ec_point_form_ok(curve, body, *out_len) ? body : NULL;
}
