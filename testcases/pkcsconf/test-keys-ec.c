/*
 * Unit tests of pkcsconf's curve table and DER OCTET STRING functions
 * (usr/sbin/pkcsconf/keys_ec.c): every spelling of a curve finds it, the
 * OID and PrintableString forms of CKA_EC_PARAMS name the right curve,
 * and wrapping and unwrapping round-trip across the short and long length
 * forms while malformed encodings are refused.
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

	assert_ptr_equal(pcf_curve_by_params(p384, sizeof(p384)), pcf_curve_by_name("secp384r1"));
	assert_ptr_equal(pcf_curve_by_params(ed25519, sizeof(ed25519)),
	                 pcf_curve_by_name("ed25519"));
	assert_ptr_equal(pcf_curve_by_params(printable, sizeof(printable) - 1),
	                 pcf_curve_by_name("ed25519"));
	assert_null(pcf_curve_by_params(short_oid, sizeof(short_oid)));
	assert_null(pcf_curve_by_params(NULL, 0));
}

static void check_round_trip(size_t len, size_t head)
{
	unsigned char in[300], out[310];
	const unsigned char *body;
	size_t n, body_len = 0;

	memset(in, 0x5a, sizeof(in));
	n = pcf_der_octets_wrap(out, sizeof(out), in, len);
	assert_int_equal(n, head + len);
	assert_int_equal(out[0], 0x04);
	body = pcf_der_octets_unwrap(out, n, &body_len);
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

	assert_null(pcf_der_octets_unwrap(wrong_tag, sizeof(wrong_tag), &len));
	assert_null(pcf_der_octets_unwrap(too_long, sizeof(too_long), &len));
	assert_null(pcf_der_octets_unwrap(not_minimal, sizeof(not_minimal), &len));
	assert_null(pcf_der_octets_unwrap(indefinite, sizeof(indefinite), &len));
	assert_null(pcf_der_octets_unwrap(NULL, 0, &len));
	assert_int_equal(pcf_der_octets_wrap(out, sizeof(out), out, 7), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_curve_names),
	    cmocka_unit_test(test_curve_params),
	    cmocka_unit_test(test_octets_round_trip),
	    cmocka_unit_test(test_octets_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
