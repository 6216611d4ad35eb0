/*
 * DigestInfo through OpenSSL (see tpm_der.h).
 */
#include "tpm_der.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

size_t tpm_der_digest_info(int md_nid, const CK_BYTE *digest, size_t len, CK_BYTE *out, size_t cap)
{
	X509_SIG *sig = X509_SIG_new();
	ASN1_OBJECT *oid = OBJ_nid2obj(md_nid);
	ASN1_OCTET_STRING *octets;
	X509_ALGOR *alg;
	unsigned char *p = out;
	size_t n = 0;
	int enc;

	if (sig != NULL && oid != NULL && OBJ_length(oid) > 0 && len <= INT_MAX) {
		X509_SIG_getm(sig, &alg, &octets);
		/* OBJ_nid2obj's object is OpenSSL's own: set0 and free leave it be. */
		if (X509_ALGOR_set0(alg, oid, V_ASN1_NULL, NULL) == 1 &&
		    ASN1_OCTET_STRING_set(octets, digest, (int)len) == 1) {
			enc = i2d_X509_SIG(sig, NULL);
			if (enc > 0 && (size_t)enc <= cap && i2d_X509_SIG(sig, &p) == enc)
				n = (size_t)enc;
		}
	}
	X509_SIG_free(sig);
	ERR_clear_error();
	return n;
}
