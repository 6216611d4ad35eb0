/*
 * Unit tests of pkcsconf's curve table and DER OCTET STRING functions
 * (usr/sbin/pkcsconf/keys_ec.c): every spelling of a curve finds it, the
 * OID and PrintableString forms of CKA_EC_PARAMS name the right curve
 * (in DER only), the OID written is the published one, and wrapping and
 * unwrapping round-trip across the short and long length forms while
 * malformed encodings are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "keys.h"

static void test_curve_names(void **state)
{
	const struct pcf_curve *p256 = pcf_curve_by_name("prime256v1");

	assert_non_null(p256);
	assert_int_equal(p256->bits, 256);
	assert_ptr_equal(pcf_curve_by_name("P-256"), p256);
	assert_ptr_equal(pcf_curve_by_name("secp256r1"), p256);
	assert_ptr_equal(pcf_curve_by_name("PRIME256V1"), p256);
	assert_ptr_equal(pcf_curve_by_ossl("prime256v1"), p256);
	assert_int_equal(pcf_curve_by_name("p-384")->bits, 384);
	assert_int_equal(pcf_curve_by_name("secp521r1")->scalar_len, 66);
	assert_int_equal(pcf_curve_by_name("ed25519")->key_type, CKK_EC_EDWARDS);
	assert_ptr_equal(pcf_curve_by_ossl("ED448"), pcf_curve_by_name("ed448"));
	assert_int_equal(pcf_curve_by_name("brainpoolP384t1")->scalar_len, 48);
	assert_int_equal(pcf_curve_by_name("P-224")->bits, 224);
	assert_null(pcf_curve_by_name("brainpoolP320r1"));
	assert_null(pcf_curve_by_name(""));
}

static void test_curve_params(void **state)
{
	static const unsigned char p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
	static const unsigned char ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
	static const unsigned char printable[] = "\x13\x0c"
	                                         "edwards25519";
	static const unsigned char short_oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00};
	/* DER only: no long length form, no trailing byte, no other string type */
	static const unsigned char long_oid[] = {0x06, 0x81, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
	static const unsigned char trailing[] = {0x06, 0x03, 0x2b, 0x65, 0x70, 0x00};
	static const unsigned char utf8[] = "\x0c\x0c"
	                                    "edwards25519";
	static const unsigned char long_printable[] = "\x13\x81\x0c"
	                                              "edwards25519";
	static const unsigned char unknown_oid[] = {0x06, 0x03, 0x2a, 0x03, 0x04};

	assert_ptr_equal(pcf_curve_by_params(p384, sizeof(p384)), pcf_curve_by_name("secp384r1"));
	assert_ptr_equal(pcf_curve_by_params(ed25519, sizeof(ed25519)),
	                 pcf_curve_by_name("ed25519"));
	assert_ptr_equal(pcf_curve_by_params(printable, sizeof(printable) - 1),
	                 pcf_curve_by_name("ed25519"));
	assert_null(pcf_curve_by_params(short_oid, sizeof(short_oid)));
	assert_null(pcf_curve_by_params(NULL, 0));
	assert_null(pcf_curve_by_params(long_oid, sizeof(long_oid)));
	assert_null(pcf_curve_by_params(trailing, sizeof(trailing)));
	assert_null(pcf_curve_by_params(utf8, sizeof(utf8) - 1));
	assert_null(pcf_curve_by_params(long_printable, sizeof(long_printable) - 1));
	assert_null(pcf_curve_by_params(unknown_oid, sizeof(unknown_oid)));
}

/* The CKA_EC_PARAMS written: the DER of the OID (RFC 5480, RFC 5639, RFC 8410). */
static void test_curve_params_written(void **state)
{
	static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
	                                     0xce, 0x3d, 0x03, 0x01, 0x07};
	static const unsigned char bp512t1[] = {0x06, 0x09, 0x2b, 0x24, 0x03, 0x03,
	                                        0x02, 0x08, 0x01, 0x01, 0x0e};
	static const unsigned char ed448[] = {0x06, 0x03, 0x2b, 0x65, 0x71};
	static const char *const names[] = {
	    "prime256v1",      "secp384r1",       "secp521r1",       "secp256k1",
	    "secp224r1",       "brainpoolP256r1", "brainpoolP256t1", "brainpoolP384r1",
	    "brainpoolP384t1", "brainpoolP512r1", "brainpoolP512t1", "ed25519",
	    "ed448",
	};
	unsigned char out[TOK_DER_CURVE_PARAMS_MAX];
	size_t n;

	n = pcf_curve_params(pcf_curve_by_name("P-256"), out, sizeof(out));
	assert_int_equal(n, sizeof(p256));
	assert_memory_equal(out, p256, n);
	n = pcf_curve_params(pcf_curve_by_name("brainpoolP512t1"), out, sizeof(out));
	assert_int_equal(n, sizeof(bp512t1));
	assert_memory_equal(out, bp512t1, n);
	n = pcf_curve_params(pcf_curve_by_name("ed448"), out, sizeof(out));
	assert_int_equal(n, sizeof(ed448));
	assert_memory_equal(out, ed448, n);
	/* every curve's parameters name it back */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct pcf_curve *cv = pcf_curve_by_name(names[i]);

		assert_non_null(cv);
		n = pcf_curve_params(cv, out, sizeof(out));
		assert_true(n > 2);
		assert_ptr_equal(pcf_curve_by_params(out, n), cv);
	}
	assert_int_equal(pcf_curve_params(pcf_curve_by_name("P-256"), out, sizeof(p256) - 1), 0);
}

static void check_round_trip(size_t len, size_t head)
{
	unsigned char in[300], out[310];
	const unsigned char *body;
	size_t n, body_len = 0;

	memset(in, 0x5a, sizeof(in));
	n = tok_der_wrap_octets(in, len, out, sizeof(out));
	assert_int_equal(n, head + len);
	assert_int_equal(out[0], 0x04);
	body = tok_der_octets(out, n, &body_len);
	assert_ptr_equal(body, out + head);
	assert_int_equal(body_len, len);
}

static void test_octets_round_trip(void **state)
{
	check_round_trip(0, 2);
	check_round_trip(65, 2);
	check_round_trip(127, 2);
	check_round_trip(128, 3);
	check_round_trip(133, 3);
	check_round_trip(255, 3);
	check_round_trip(256, 4);
	check_round_trip(300, 4);
}

static void test_octets_refused(void **state)
{
	static const unsigned char wrong_tag[] = {0x03, 0x01, 0x00};
	static const unsigned char too_long[] = {0x04, 0x03, 0x00};
	static const unsigned char not_minimal[] = {0x04, 0x81, 0x01, 0x00};
	static const unsigned char indefinite[] = {0x04, 0x80, 0x00, 0x00};
	unsigned char out[8];
	size_t len;

	assert_null(tok_der_octets(wrong_tag, sizeof(wrong_tag), &len));
	assert_null(tok_der_octets(too_long, sizeof(too_long), &len));
	assert_null(tok_der_octets(not_minimal, sizeof(not_minimal), &len));
	assert_null(tok_der_octets(indefinite, sizeof(indefinite), &len));
	assert_null(tok_der_octets(NULL, 0, &len));
	assert_int_equal(tok_der_wrap_octets(out, 7, out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_curve_names),          cmocka_unit_test(test_curve_params),
	    cmocka_unit_test(test_curve_params_written), cmocka_unit_test(test_octets_round_trip),
	    cmocka_unit_test(test_octets_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
