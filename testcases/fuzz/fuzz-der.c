/*
 * Fuzz target for the DER conversions the backends share
 * (usr/lib/tokens/common/der/der.c) and the soft backend's reading of CKA_EC_PARAMS and
 * CKA_EC_POINT (usr/lib/tokens/soft/ec_curves.c).
 *
 * The first byte of an input picks the conversion, the rest is its data:
 *
 *   0  a DER OCTET STRING: when accepted, the contents lie inside the input
 *      and encode back to exactly the input;
 *   1  bytes to wrap in an OCTET STRING: the DER must decode back to them;
 *   2  an ECDSA-Sig-Value for r and s of n bytes (n from the next byte):
 *      when accepted, r || s must encode back to exactly the input;
 *   3  r || s of n bytes each (n from the next byte): the DER must decode
 *      back to the same r || s, and fit TOK_ECDSA_DER_MAX for the curves'
 *      sizes;
 *   4  CKA_EC_PARAMS: accepted only as the DER of a listed curve's OID or
 *      the DER PrintableString of a name, each in its one exact encoding;
 *   5  CKA_EC_POINT for a curve picked by the next byte: the bytes returned
 *      lie inside the input, have the curve's form, and are either the
 *      input itself or the contents of its exact DER OCTET STRING.
 *
 * Any breach aborts.  In `make check` the target runs from fuzz-driver.c
 * over corpus-der/ (written by gen-corpus-der.py); build-libfuzzer.sh
 * builds it for libFuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/objects.h>

#include "der.h"
#include "ec_curves.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)         \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* Longest DER of r || s for n up to 0x7c: two INTEGERs of 0x7d bytes in a SEQUENCE. */
#define FUZZ_DER_SIG_CAP 272

/* The named curves, by NID, that case 5 picks from (an unknown one last). */
static const int fuzz_der_nids[] = {
    NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1, NID_secp224r1, NID_brainpoolP512t1,
    NID_ED25519,          NID_ED448,     NID_X25519,    NID_X448,      NID_X9_62_prime239v1,
};

#define FUZZ_DER_NID_COUNT (sizeof(fuzz_der_nids) / sizeof(fuzz_der_nids[0]))

static void fuzz_der_octets(const uint8_t *data, size_t size)
{
	size_t body_len = 0;
	const CK_BYTE *body = tok_der_octets(data, size, &body_len);
	CK_BYTE *der;

	if (!body)
		return;
	FUZZ_CHECK(body >= data && body_len <= size && body + body_len == data + size);
	der = malloc(size);
	FUZZ_CHECK(der);
	FUZZ_CHECK(tok_der_wrap_octets(body, body_len, der, size) == size);
	FUZZ_CHECK(memcmp(der, data, size) == 0);
	free(der);
}

static void fuzz_der_octets_wrap(const uint8_t *data, size_t size)
{
	CK_BYTE der[1024];
	size_t body_len = 0;
	size_t len = tok_der_wrap_octets(data, size, der, sizeof(der));
	const CK_BYTE *body;

	/* Tag, a length of at most three bytes, the contents. */
	FUZZ_CHECK(len == 0 ? size + 4 > sizeof(der) : len > size && len <= size + 4);
	if (!len)
		return;
	body = tok_der_octets(der, len, &body_len);
	FUZZ_CHECK(body && body_len == size && memcmp(body, data, size) == 0);
	FUZZ_CHECK(tok_der_wrap_octets(data, size, der, len - 1) == 0);
}

/* n for cases 2 and 3: 1 to 0x7c, now and then an invalid 0 or 0x7d. */
static size_t fuzz_der_n(uint8_t b)
{
	return b % 0x7e;
}

static void fuzz_der_sig(const uint8_t *data, size_t size)
{
	CK_BYTE rs[2 * 0x7d], der[FUZZ_DER_SIG_CAP];
	size_t n;

	if (size < 1)
		return;
	n = fuzz_der_n(data[0]);
	if (!tok_der_ecdsa_from_der(data + 1, size - 1, rs, n))
		return;
	FUZZ_CHECK(n > 0 && n <= 0x7c);
	FUZZ_CHECK(tok_der_ecdsa_to_der(rs, n, der, sizeof(der)) == size - 1);
	FUZZ_CHECK(memcmp(der, data + 1, size - 1) == 0);
}

static void fuzz_der_rs(const uint8_t *data, size_t size)
{
	CK_BYTE back[2 * 0x7c], der[FUZZ_DER_SIG_CAP];
	size_t n, len;

	if (size < 1)
		return;
	n = fuzz_der_n(data[0]);
	if (size - 1 < 2 * n)
		return;
	len = tok_der_ecdsa_to_der(data + 1, n, der, sizeof(der));
	FUZZ_CHECK((len == 0) == (n == 0 || n > 0x7c));
	if (!len)
		return;
	FUZZ_CHECK(n > 66 || len <= TOK_ECDSA_DER_MAX);
	FUZZ_CHECK(tok_der_ecdsa_from_der(der, len, back, n));
	FUZZ_CHECK(memcmp(back, data + 1, 2 * n) == 0);
	/* r and s fit one byte less exactly when both start with a zero byte. */
	if (n > 1)
		FUZZ_CHECK(tok_der_ecdsa_from_der(der, len, back, n - 1) ==
		           (data[1] == 0 && data[1 + n] == 0));
}

/* Whether params is exactly the DER of the curve's OID, built here from its NID. */
static int fuzz_der_is_oid(const struct soft_ec_curve *curve, const uint8_t *params, size_t len)
{
	unsigned char *enc = NULL;
	int enc_len = i2d_ASN1_OBJECT(OBJ_nid2obj(curve->nid), &enc);
	int same = enc_len > 0 && (size_t)enc_len == len && memcmp(enc, params, len) == 0;

	OPENSSL_free(enc);
	return same;
}

/* Whether params is a PrintableString of fewer than 128 bytes in short form, without NUL. */
static int fuzz_der_is_name(const uint8_t *params, size_t len)
{
	return len >= 3 && params[0] == 0x13 && params[1] == len - 2 && len - 2 < 0x80 &&
	       !memchr(params + 2, 0, len - 2);
}

static void fuzz_der_params(const uint8_t *data, size_t size)
{
	CK_ATTRIBUTE attr = {CKA_EC_PARAMS, (void *)data, size};
	const struct soft_ec_curve *curve = (const void *)1;
	CK_RV rv = soft_ec_curve_find(&attr, &curve);

	if (rv != CKR_OK) {
		FUZZ_CHECK(!curve);
		FUZZ_CHECK(rv == CKR_CURVE_NOT_SUPPORTED || rv == CKR_ATTRIBUTE_VALUE_INVALID);
		return;
	}
	FUZZ_CHECK(curve && curve->point_len <= SOFT_EC_POINT_MAX &&
	           curve->value_len <= SOFT_EC_VALUE_MAX);
	FUZZ_CHECK(fuzz_der_is_oid(curve, data, size) || fuzz_der_is_name(data, size));
}

/* The curve of fuzz_der_nids[i % count], or NULL for one the table does not list. */
static const struct soft_ec_curve *fuzz_der_curve(uint8_t i)
{
	unsigned char *enc = NULL;
	int nid = fuzz_der_nids[i % FUZZ_DER_NID_COUNT];
	int len = i2d_ASN1_OBJECT(OBJ_nid2obj(nid), &enc);
	const struct soft_ec_curve *curve = NULL;
	CK_ATTRIBUTE attr = {CKA_EC_PARAMS, enc, len > 0 ? (CK_ULONG)len : 0};
	CK_RV rv = soft_ec_curve_find(&attr, &curve);

	FUZZ_CHECK(rv == CKR_OK || (rv == CKR_CURVE_NOT_SUPPORTED && nid == NID_X9_62_prime239v1));
	OPENSSL_free(enc);
	return curve;
}

/* Whether p, len bytes, is a public key of the curve in a form OpenSSL takes. */
static int fuzz_der_point_form(const struct soft_ec_curve *curve, const CK_BYTE *p, size_t len)
{
	if (curve->family != SOFT_EC_WEIERSTRASS)
		return len == curve->point_len;
	if (len == curve->point_len)
		return p[0] == 0x04;
	return len == curve->point_len / 2 + 1 && (p[0] == 0x02 || p[0] == 0x03);
}

static void fuzz_der_point(const uint8_t *data, size_t size)
{
	const struct soft_ec_curve *curve;
	const CK_BYTE *point;
	size_t len = 0;

	if (size < 1)
		return;
	curve = fuzz_der_curve(data[0]);
	if (!curve)
		return;
	point = soft_ec_point_bytes(curve, data + 1, size - 1, &len);
	if (!point)
		return;
	FUZZ_CHECK(point >= data + 1 && point + len <= data + size);
	FUZZ_CHECK(fuzz_der_point_form(curve, point, len));
	if (point == data + 1 && len == size - 1)
		return;
	FUZZ_CHECK(point + len == data + size);
	fuzz_der_octets(data + 1, size - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 6) {
	case 0:
		fuzz_der_octets(data + 1, size - 1);
		break;
	case 1:
		fuzz_der_octets_wrap(data + 1, size - 1);
		break;
	case 2:
		fuzz_der_sig(data + 1, size - 1);
		break;
	case 3:
		fuzz_der_rs(data + 1, size - 1);
		break;
	case 4:
		fuzz_der_params(data + 1, size - 1);
		break;
	default:
		fuzz_der_point(data + 1, size - 1);
		break;
	}
	return 0;
}
