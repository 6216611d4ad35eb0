/*
 * Unit tests of the tpm backend's DigestInfo (usr/lib/tokens/tpm/tpm_der.c)
 * and of the curve OIDs it reads and writes (common/der/der.c): the encodings match the published
 * bytes, a DigestInfo signs to what OpenSSL's own PKCS#1 v1.5 signing
 * gives, and CKA_EC_PARAMS is taken as DER only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>

#include "der.h"
#include "tpm_der.h"

/* The DigestInfo prefixes of RFC 8017, section 9.2, note 1. */
static const CK_BYTE di_sha1[] = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                  0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
static const CK_BYTE di_sha224[] = {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c};
static const CK_BYTE di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const CK_BYTE di_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
static const CK_BYTE di_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

/* The named curves' OBJECT IDENTIFIERs (RFC 5480, section 2.1.1.1). */
static const CK_BYTE oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE oid_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

static void check_digest_info(int nid, const CK_BYTE *prefix, size_t plen, size_t dlen)
{
	CK_BYTE digest[64], out[128];
	size_t n;

	for (size_t i = 0; i < dlen; i++)
		digest[i] = (CK_BYTE)(0xa5 ^ i);
	n = tpm_der_digest_info(nid, digest, dlen, out, sizeof(out));
	assert_int_equal(n, plen + dlen);
	assert_memory_equal(out, prefix, plen);
	assert_memory_equal(out + plen, digest, dlen);
	/* one byte short of room */
	assert_int_equal(tpm_der_digest_info(nid, digest, dlen, out, n - 1), 0);
}

static void test_digest_info_rfc8017(void **state)
{
	(void)state;
	check_digest_info(NID_sha1, di_sha1, sizeof(di_sha1), 20);
	check_digest_info(NID_sha224, di_sha224, sizeof(di_sha224), 28);
	check_digest_info(NID_sha256, di_sha256, sizeof(di_sha256), 32);
	check_digest_info(NID_sha384, di_sha384, sizeof(di_sha384), 48);
	check_digest_info(NID_sha512, di_sha512, sizeof(di_sha512), 64);
}

static void test_digest_info_refused(void **state)
{
	CK_BYTE digest[32] = {0}, out[128];

	(void)state;
	assert_int_equal(tpm_der_digest_info(NID_undef, digest, 32, out, sizeof(out)), 0);
	assert_int_equal(tpm_der_digest_info(-5, digest, 32, out, sizeof(out)), 0);
	assert_int_equal(tpm_der_digest_info(NID_sha256, digest, 32, out, 0), 0);
}

/* A PKCS#1 v1.5 signature of tbs by key; md NULL signs tbs as it is. */
static size_t rsa_sign(EVP_PKEY *key, const EVP_MD *md, const CK_BYTE *tbs, size_t len,
                       CK_BYTE *sig, size_t cap)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	size_t n = cap;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
	if (md != NULL)
		assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, md), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &n, tbs, len), 1);
	EVP_PKEY_CTX_free(ctx);
	return n;
}

/* Signing our DigestInfo raw gives OpenSSL's signature of the digest. */
static void test_digest_info_as_openssl_signs(void **state)
{
	static const char *const names[] = {"SHA1", "SHA256", "SHA384", "SHA512"};
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	CK_BYTE digest[EVP_MAX_MD_SIZE], di[128], want[128], got[128];
	unsigned int dlen;
	size_t n, wlen, glen;

	(void)state;
	assert_non_null(key);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const EVP_MD *md = EVP_get_digestbyname(names[i]);

		assert_non_null(md);
		assert_int_equal(EVP_Digest("openslot", 8, digest, &dlen, md, NULL), 1);
		n = tpm_der_digest_info(EVP_MD_get_type(md), digest, dlen, di, sizeof(di));
		assert_true(n > dlen);
		wlen = rsa_sign(key, md, digest, dlen, want, sizeof(want));
		glen = rsa_sign(key, NULL, di, n, got, sizeof(got));
		assert_int_equal(glen, wlen);
		assert_memory_equal(got, want, wlen);
	}
	EVP_PKEY_free(key);
}

static void test_curve_nid(void **state)
{
	static const CK_BYTE ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
	static const CK_BYTE unknown[] = {0x06, 0x03, 0x2a, 0x03, 0x04}; /* 1.2.3.4 */

	(void)state;
	assert_int_equal(tok_der_curve_nid(oid_p256, sizeof(oid_p256)), NID_X9_62_prime256v1);
	assert_int_equal(tok_der_curve_nid(oid_p384, sizeof(oid_p384)), NID_secp384r1);
	assert_int_equal(tok_der_curve_nid(ed25519, sizeof(ed25519)), NID_ED25519);
	assert_int_equal(tok_der_curve_nid(unknown, sizeof(unknown)), NID_undef);
}

static void test_curve_nid_refused(void **state)
{
	static const CK_BYTE long_form[] = {0x06, 0x81, 0x08, 0x2a, 0x86, 0x48,
	                                    0xce, 0x3d, 0x03, 0x01, 0x07};
	static const CK_BYTE padded_arc[] = {0x06, 0x09, 0x2a, 0x80, 0x86, 0x48,
	                                     0xce, 0x3d, 0x03, 0x01, 0x07};
	static const CK_BYTE printable[] = {0x13, 0x05, 'P', '-', '2', '5', '6'};
	static const CK_BYTE octets[] = {0x04, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
	CK_BYTE trailing[sizeof(oid_p256) + 1];

	(void)state;
	memcpy(trailing, oid_p256, sizeof(oid_p256));
	trailing[sizeof(oid_p256)] = 0;
	assert_int_equal(tok_der_curve_nid(long_form, sizeof(long_form)), -1);
	assert_int_equal(tok_der_curve_nid(padded_arc, sizeof(padded_arc)), -1);
	assert_int_equal(tok_der_curve_nid(printable, sizeof(printable)), -1);
	assert_int_equal(tok_der_curve_nid(octets, sizeof(octets)), -1);
	assert_int_equal(tok_der_curve_nid(trailing, sizeof(trailing)), -1);
	assert_int_equal(tok_der_curve_nid(oid_p256, sizeof(oid_p256) - 1), -1);
	assert_int_equal(tok_der_curve_nid(oid_p256, 1), -1);
	assert_int_equal(tok_der_curve_nid(NULL, 10), -1);
}

static void test_curve_params(void **state)
{
	static const int nids[] = {NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1,
	                           NID_brainpoolP512t1, NID_ED448};
	CK_BYTE out[TOK_DER_CURVE_PARAMS_MAX];
	size_t n;

	(void)state;
	n = tok_der_curve_params(NID_X9_62_prime256v1, out, sizeof(out));
	assert_int_equal(n, sizeof(oid_p256));
	assert_memory_equal(out, oid_p256, n);
	n = tok_der_curve_params(NID_secp384r1, out, sizeof(out));
	assert_int_equal(n, sizeof(oid_p384));
	assert_memory_equal(out, oid_p384, n);
	for (size_t i = 0; i < sizeof(nids) / sizeof(nids[0]); i++) {
		n = tok_der_curve_params(nids[i], out, sizeof(out));
		assert_true(n > 2);
		assert_int_equal(tok_der_curve_nid(out, n), nids[i]);
	}
	assert_int_equal(tok_der_curve_params(NID_X9_62_prime256v1, out, sizeof(oid_p256) - 1), 0);
	assert_int_equal(tok_der_curve_params(NID_undef, out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_digest_info_rfc8017),
	    cmocka_unit_test(test_digest_info_refused),
	    cmocka_unit_test(test_digest_info_as_openssl_signs),
	    cmocka_unit_test(test_curve_nid),
	    cmocka_unit_test(test_curve_nid_refused),
	    cmocka_unit_test(test_curve_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
