/*
 * DER conversions the token backends share, through OpenSSL (see der.h).
 */
#include "der.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

/* Whether enc, the encoding of what der decoded to, is exactly those len bytes. */
static bool der_canonical(int enc_len, const unsigned char *enc, const CK_BYTE *der, size_t len)
{
	return enc_len > 0 && (size_t)enc_len == len && memcmp(enc, der, len) == 0;
}

const CK_BYTE *tok_der_octets(const CK_BYTE *der, size_t len, size_t *body_len)
{
	const unsigned char *p = der;
	unsigned char *enc = NULL;
	ASN1_OCTET_STRING *str;
	const CK_BYTE *body = NULL;
	int enc_len;

	if (!der || len < 2 || len > 0x7fffffff)
		return NULL;
	str = d2i_ASN1_OCTET_STRING(NULL, &p, (long)len);
	if (str && p == der + len) {
		enc_len = i2d_ASN1_OCTET_STRING(str, &enc);
		/* A canonical encoding ends with the contents. */
		if (der_canonical(enc_len, enc, der, len)) {
			*body_len = (size_t)ASN1_STRING_length(str);
			body = der + len - *body_len;
		}
		OPENSSL_free(enc);
	}
	ASN1_OCTET_STRING_free(str);
	ERR_clear_error();
	return body;
}

size_t tok_der_wrap_octets(const CK_BYTE *body, size_t len, CK_BYTE *der, size_t cap)
{
	ASN1_OCTET_STRING *str = ASN1_OCTET_STRING_new();
	unsigned char *p = der;
	size_t out = 0;
	int n;

	if (str && len <= 0x7fffffff && ASN1_OCTET_STRING_set(str, body, (int)len)) {
		n = i2d_ASN1_OCTET_STRING(str, NULL);
		if (n > 0 && (size_t)n <= cap && i2d_ASN1_OCTET_STRING(str, &p) == n)
			out = (size_t)n;
	}
	ASN1_OCTET_STRING_free(str);
	ERR_clear_error();
	return out;
}

int tok_der_curve_nid(const CK_BYTE *der, size_t len)
{
	const unsigned char *p = der;
	unsigned char *enc = NULL;
	ASN1_OBJECT *obj;
	int nid = -1;

	if (!der || len < 2 || len > 0x7fffffff)
		return -1;
	obj = d2i_ASN1_OBJECT(NULL, &p, (long)len);
	if (obj && p == der + len) {
		int enc_len = i2d_ASN1_OBJECT(obj, &enc);
		if (der_canonical(enc_len, enc, der, len))
			nid = OBJ_obj2nid(obj);
	}
	OPENSSL_free(enc);
	ASN1_OBJECT_free(obj);
	ERR_clear_error();
	return nid;
}

size_t tok_der_curve_params(int nid, CK_BYTE *out, size_t cap)
{
	const ASN1_OBJECT *obj = OBJ_nid2obj(nid);
	unsigned char *p = out;
	size_t n = 0;
	int len;

	if (obj && OBJ_length(obj) > 0) {
		len = i2d_ASN1_OBJECT(obj, NULL);
		if (len > 0 && (size_t)len <= cap && i2d_ASN1_OBJECT(obj, &p) == len)
			n = (size_t)len;
	}
	ERR_clear_error();
	return n;
}

bool tok_der_printable(const CK_BYTE *der, size_t len, char *name, size_t cap)
{
	const unsigned char *p = der;
	unsigned char *enc = NULL;
	ASN1_PRINTABLESTRING *str;
	bool ok = false;

	if (!der || len < 2 || len > 0x7fffffff)
		return false;
	str = d2i_ASN1_PRINTABLESTRING(NULL, &p, (long)len);
	int enc_len = str && p == der + len ? i2d_ASN1_PRINTABLESTRING(str, &enc) : -1;
	if (der_canonical(enc_len, enc, der, len)) {
		size_t n = (size_t)ASN1_STRING_length(str);
		const unsigned char *text = ASN1_STRING_get0_data(str);
		if (n < cap && !memchr(text, 0, n)) {
			memcpy(name, text, n);
			name[n] = '\0';
			ok = true;
		}
	}
	OPENSSL_free(enc);
	ASN1_STRING_free(str);
	ERR_clear_error();
	return ok;
}

/* Writes the non-negative bn as n big-endian bytes; false if it is longer. */
static bool der_bn_out(const BIGNUM *bn, CK_BYTE *out, size_t n)
{
	return !BN_is_negative(bn) && BN_bn2binpad(bn, out, (int)n) == (int)n;
}

bool tok_der_ecdsa_from_der(const CK_BYTE *der, size_t der_len, CK_BYTE *rs, size_t n)
{
	const unsigned char *p = der;
	unsigned char *enc = NULL;
	const BIGNUM *r, *s;
	ECDSA_SIG *sig;
	bool ok = false;

	if (!der || der_len < 2 || der_len > 0x7fffffff || n == 0 || n > 0x7c)
		return false;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (sig && p == der + der_len) {
		int enc_len = i2d_ECDSA_SIG(sig, &enc);

		if (der_canonical(enc_len, enc, der, der_len)) {
			ECDSA_SIG_get0(sig, &r, &s);
			ok = der_bn_out(r, rs, n) && der_bn_out(s, rs + n, n);
		}
	}
	OPENSSL_free(enc);
	ECDSA_SIG_free(sig);
	ERR_clear_error();
	return ok;
}

size_t tok_der_ecdsa_to_der(const CK_BYTE *rs, size_t n, CK_BYTE *der, size_t cap)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *r, *s;
	unsigned char *p = der;
	size_t out = 0;
	int len;

	if (n == 0 || n > 0x7c)
		return 0;
	r = BN_bin2bn(rs, (int)n, NULL);
	s = BN_bin2bn(rs + n, (int)n, NULL);
	if (r && s)
		sig = ECDSA_SIG_new();
	if (sig && ECDSA_SIG_set0(sig, r, s)) {
		r = s = NULL;
		len = i2d_ECDSA_SIG(sig, NULL);
		if (len > 0 && (size_t)len <= cap && i2d_ECDSA_SIG(sig, &p) == len)
			out = (size_t)len;
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	ERR_clear_error();
	return out;
}
