/*
 * Unit tests of the soft backend's DER conversions (usr/lib/tokens/soft/
 * der.c): the OCTET STRING of CKA_EC_POINT and the ECDSA-Sig-Value, which
 * must take DER only: no long form where the short one fits, no leading
 * zero on an integer, no trailing bytes, no integer longer than the order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "der.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_octets_round_trip(void **state)
{
	CK_BYTE body[200], der[256];
	const CK_BYTE *p;
	size_t n, len;

	(void)state;
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (CK_BYTE)(i * 7 + 1);
	for (size_t blen = 0; blen <= sizeof(body); blen += 1) {
		n = tok_der_wrap_octets(body, blen, der, sizeof(der));
		assert_int_equal(n, blen + (blen < 0x80 ? 2 : 3));
		assert_int_equal(der[0], 0x04);
		p = tok_der_octets(der, n, &len);
		assert_non_null(p);
		assert_int_equal(len, blen);
		if (blen > 0)
			assert_memory_equal(p, body, blen);
		assert_null(tok_der_octets(der, n - 1, &len));
	}
	assert_int_equal(tok_der_wrap_octets(body, 100, der, 101), 0);
}

static void test_octets_refused(void **state)
{
	static const CK_BYTE long_form[] = {0x04, 0x81, 0x02, 0xaa, 0xbb};
	static const CK_BYTE trailing[] = {0x04, 0x02, 0xaa, 0xbb, 0x00};
	static const CK_BYTE short_body[] = {0x04, 0x03, 0xaa, 0xbb};
	static const CK_BYTE wrong_tag[] = {0x03, 0x02, 0xaa, 0xbb};
	static const CK_BYTE constructed[] = {0x24, 0x04, 0x04, 0x02, 0xaa, 0xbb};
	static const CK_BYTE indefinite[] = {0x24, 0x80, 0x04, 0x02, 0xaa, 0xbb, 0x00, 0x00};
	static const struct {
		const CK_BYTE *der;
		size_t len;
	} bad[] = {
	    {long_form, sizeof(long_form)},     {trailing, sizeof(trailing)},
	    {short_body, sizeof(short_body)},   {wrong_tag, sizeof(wrong_tag)},
	    {constructed, sizeof(constructed)}, {indefinite, sizeof(indefinite)},
	};
	size_t len;

	(void)state;
	for (size_t i = 0; i < LEN(bad); i++)
		assert_null(tok_der_octets(bad[i].der, bad[i].len, &len));
	assert_null(tok_der_octets(NULL, 4, &len));
}

/* r = 0x80 (sign byte needed), s = 1 (leading zeros dropped), n = 2. */
static void test_ecdsa_round_trip(void **state)
{
	static const CK_BYTE rs[] = {0x00, 0x80, 0x00, 0x01};
	static const CK_BYTE want[] = {0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01};
	CK_BYTE der[TOK_ECDSA_DER_MAX], back[4];
	size_t n;

	(void)state;
	n = tok_der_ecdsa_to_der(rs, 2, der, sizeof(der));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(der, want, sizeof(want));
	assert_true(tok_der_ecdsa_from_der(der, n, back, 2));
	assert_memory_equal(back, rs, sizeof(rs));
	assert_int_equal(tok_der_ecdsa_to_der(rs, 2, der, sizeof(want) - 1), 0);
}

/* The largest curve: P-521, 66-byte integers, a two-byte length. */
static void test_ecdsa_p521(void **state)
{
	CK_BYTE rs[132], der[TOK_ECDSA_DER_MAX], back[132];
	size_t n;

	(void)state;
	memset(rs, 0xff, sizeof(rs));
	rs[0] = rs[66] = 0x01;
	n = tok_der_ecdsa_to_der(rs, 66, der, sizeof(der));
	assert_int_equal(n, 3 + 2 * (2 + 66));
	assert_int_equal(der[1], 0x81);
	assert_true(tok_der_ecdsa_from_der(der, n, back, 66));
	assert_memory_equal(back, rs, sizeof(rs));
	/* 66-byte integers do not fit a 65-byte order. */
	assert_false(tok_der_ecdsa_from_der(der, n, back, 65));
}

static void test_ecdsa_refused(void **state)
{
	static const CK_BYTE ok[] = {0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07};
	static const CK_BYTE long_len[] = {0x30, 0x81, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07};
	static const CK_BYTE lead_zero[] = {0x30, 0x07, 0x02, 0x02, 0x00, 0x05, 0x02, 0x01, 0x07};
	static const CK_BYTE negative[] = {0x30, 0x06, 0x02, 0x01, 0x85, 0x02, 0x01, 0x07};
	static const CK_BYTE trailing[] = {0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07, 0x00};
	static const CK_BYTE inner_trail[] = {0x30, 0x07, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07, 0x00};
	static const CK_BYTE one_int[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	static const CK_BYTE empty_int[] = {0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x07};
	static const CK_BYTE too_long[] = {0x30, 0x08, 0x02, 0x03, 0x01,
	                                   0x02, 0x03, 0x02, 0x01, 0x07};
	static const struct {
		const CK_BYTE *der;
		size_t len;
	} bad[] = {
	    {long_len, sizeof(long_len)},       {lead_zero, sizeof(lead_zero)},
	    {negative, sizeof(negative)},       {trailing, sizeof(trailing)},
	    {inner_trail, sizeof(inner_trail)}, {one_int, sizeof(one_int)},
	    {empty_int, sizeof(empty_int)},     {too_long, sizeof(too_long)},
	};
	CK_BYTE rs[4];

	(void)state;
	assert_true(tok_der_ecdsa_from_der(ok, sizeof(ok), rs, 2));
	assert_memory_equal(rs, "\x00\x05\x00\x07", 4);
	for (size_t i = 0; i < LEN(bad); i++)
		assert_false(tok_der_ecdsa_from_der(bad[i].der, bad[i].len, rs, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_octets_round_trip), cmocka_unit_test(test_octets_refused),
	    cmocka_unit_test(test_ecdsa_round_trip),  cmocka_unit_test(test_ecdsa_p521),
	    cmocka_unit_test(test_ecdsa_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
