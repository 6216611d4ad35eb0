/*
 * Unit tests of the byte buffers (usr/lib/common/buf.c): big-endian layout,
 * round trips through the readers, the sticky failure flag of writers and
 * readers, the limits of os_reader_str() and os_buf_consume().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"

static void test_layout_big_endian(void **state)
{
	static const unsigned char expect[] = {
	    0x01, 0x02,                                     /* u16 */
	    0x03, 0x04, 0x05, 0x06,                         /* u32 */
	    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, /* u64 */
	    0x00, 0x00, 0x00, 0x02, 'a',  'b',              /* "ab" */
	    0x00, 0x00, 0x00, 0x00,                         /* NULL string */
	    0xff, 0xfe,                                     /* raw */
	};
	static const unsigned char raw[] = {0xff, 0xfe};
	struct os_buf buf;

	os_buf_init(&buf);
	os_buf_add_u16(&buf, 0x0102);
	os_buf_add_u32(&buf, 0x03040506);
	os_buf_add_u64(&buf, 0x0708090a0b0c0d0eull);
	os_buf_add_str(&buf, "ab");
	os_buf_add_str(&buf, NULL);
	os_buf_add(&buf, raw, sizeof(raw));
	assert_false(os_buf_failed(&buf));
	assert_int_equal(buf.len, sizeof(expect));
	for (size_t i = 0; i < sizeof(expect); i++)
		assert_int_equal(buf.data[i], expect[i]);
	os_buf_free(&buf);
}

static void test_round_trip(void **state)
{
	struct os_buf buf;
	struct os_reader rd;
	char s[16];

	os_buf_init(&buf);
	os_buf_add_u16(&buf, 0);
	os_buf_add_u16(&buf, UINT16_MAX);
	os_buf_add_u32(&buf, UINT32_MAX);
	os_buf_add_u64(&buf, UINT64_MAX);
	os_buf_add_u64(&buf, 0x8000000000000001ull);
	os_buf_add_str(&buf, "softtok");
	os_buf_add_str(&buf, "");
	assert_false(os_buf_failed(&buf));

	os_reader_init(&rd, buf.data, buf.len);
	assert_int_equal(os_reader_u16(&rd), 0);
	assert_int_equal(os_reader_u16(&rd), UINT16_MAX);
	assert_int_equal(os_reader_u32(&rd), UINT32_MAX);
	assert_true(os_reader_u64(&rd) == UINT64_MAX);
	assert_true(os_reader_u64(&rd) == 0x8000000000000001ull);
	assert_false(os_reader_done(&rd));
	os_reader_str(&rd, s, sizeof(s), 15);
	assert_string_equal(s, "softtok");
	os_reader_str(&rd, s, sizeof(s), 15);
	assert_string_equal(s, "");
	assert_false(os_reader_failed(&rd));
	assert_true(os_reader_done(&rd));
	os_buf_free(&buf);
}

static void test_growth(void **state)
{
	struct os_buf buf;

	os_buf_init(&buf);
	for (uint32_t i = 0; i < 10000; i++)
		os_buf_add_u32(&buf, i);
	assert_false(os_buf_failed(&buf));
	assert_int_equal(buf.len, 40000);
	assert_true(buf.cap >= buf.len);

	struct os_reader rd;
	os_reader_init(&rd, buf.data, buf.len);
	for (uint32_t i = 0; i < 10000; i++)
		assert_int_equal(os_reader_u32(&rd), i);
	assert_true(os_reader_done(&rd));

	os_buf_free(&buf);
	assert_null(buf.data);
	assert_int_equal(buf.len, 0);
	assert_int_equal(buf.cap, 0);
}

static void test_reserve(void **state)
{
	struct os_buf buf;

	os_buf_init(&buf);
	unsigned char *at = os_buf_reserve(&buf, 0);
	assert_non_null(at);
	assert_false(os_buf_failed(&buf));
	assert_int_equal(buf.len, 0);

	at = os_buf_reserve(&buf, 3);
	assert_non_null(at);
	memcpy(at, "xyz", 3);
	assert_int_equal(buf.len, 3);
	assert_memory_equal(buf.data, "xyz", 3);
	os_buf_free(&buf);
}

static void test_sticky_failure(void **state)
{
	struct os_buf buf;

	os_buf_init(&buf);
	os_buf_add_u32(&buf, 42);
	assert_null(os_buf_reserve(&buf, SIZE_MAX));
	assert_true(os_buf_failed(&buf));
	assert_int_equal(buf.len, 4);

	/* Every later write is a no-op, even a small one. */
	os_buf_add_u16(&buf, 1);
	os_buf_add_u32(&buf, 2);
	os_buf_add_u64(&buf, 3);
	os_buf_add_str(&buf, "x");
	os_buf_add(&buf, "y", 1);
	assert_null(os_buf_reserve(&buf, 1));
	assert_true(os_buf_failed(&buf));
	assert_int_equal(buf.len, 4);

	os_buf_reset(&buf);
	assert_false(os_buf_failed(&buf));
	assert_int_equal(buf.len, 0);
	os_buf_add_u32(&buf, 7);
	assert_false(os_buf_failed(&buf));
	assert_int_equal(buf.len, 4);
	os_buf_free(&buf);
}

static void test_read_past_end(void **state)
{
	static const unsigned char data[] = {1, 2, 3, 4, 5, 6, 7};
	struct os_reader rd;

	os_reader_init(&rd, data, 3);
	assert_int_equal(os_reader_u32(&rd), 0);
	assert_true(os_reader_failed(&rd));
	assert_false(os_reader_done(&rd));
	/* Sticky: two bytes are there, but the reader has failed. */
	assert_int_equal(os_reader_u16(&rd), 0);
	assert_true(os_reader_failed(&rd));

	os_reader_init(&rd, data, 7);
	assert_int_equal(os_reader_u64(&rd), 0);
	assert_true(os_reader_failed(&rd));

	os_reader_init(&rd, data, 5);
	assert_int_equal(os_reader_u32(&rd), 0x01020304);
	assert_int_equal(os_reader_u16(&rd), 0);
	assert_true(os_reader_failed(&rd));

	os_reader_init(&rd, NULL, 0);
	assert_true(os_reader_done(&rd));
	assert_int_equal(os_reader_u16(&rd), 0);
	assert_true(os_reader_failed(&rd));
	assert_false(os_reader_done(&rd));
}

/* Reads one encoded string from data; returns whether the reader is still good. */
static bool read_str(const void *data, size_t len, char *out, size_t outlen, size_t max)
{
	struct os_reader rd;

	os_reader_init(&rd, data, len);
	os_reader_str(&rd, out, outlen, max);
	return !os_reader_failed(&rd);
}

static void test_reader_str_limits(void **state)
{
	struct os_buf buf;
	char out[8];

	os_buf_init(&buf);
	os_buf_add_str(&buf, "abcd");

	assert_true(read_str(buf.data, buf.len, out, sizeof(out), 4));
	assert_string_equal(out, "abcd");
	/* Longer than max. */
	memset(out, 'z', sizeof(out));
	assert_false(read_str(buf.data, buf.len, out, sizeof(out), 3));
	assert_string_equal(out, "");
	/* Exactly fills out, terminator included; one byte less is refused. */
	assert_true(read_str(buf.data, buf.len, out, 5, 100));
	assert_string_equal(out, "abcd");
	assert_false(read_str(buf.data, buf.len, out, 4, 100));
	assert_string_equal(out, "");
	assert_false(read_str(buf.data, buf.len, out, 0, 100));
	/* Bytes missing, or even the length missing. */
	assert_false(read_str(buf.data, buf.len - 1, out, sizeof(out), 100));
	assert_false(read_str(buf.data, 3, out, sizeof(out), 100));
	os_buf_free(&buf);

	static const unsigned char nul[] = {0, 0, 0, 3, 'a', 0, 'b'};
	assert_false(read_str(nul, sizeof(nul), out, sizeof(out), 100));
	assert_string_equal(out, "");

	static const unsigned char huge[] = {0xff, 0xff, 0xff, 0xff, 'a'};
	assert_false(read_str(huge, sizeof(huge), out, sizeof(out), SIZE_MAX));
}

static void test_reader_str_sticky(void **state)
{
	static const unsigned char data[] = {0, 0, 0, 9, 'x', 0, 0, 0, 1, 'y'};
	struct os_reader rd;
	char out[16];

	os_reader_init(&rd, data, sizeof(data));
	os_reader_str(&rd, out, sizeof(out), 100);
	assert_true(os_reader_failed(&rd));
	os_reader_str(&rd, out, sizeof(out), 100);
	assert_true(os_reader_failed(&rd));
	assert_string_equal(out, "");
}

static void test_consume(void **state)
{
	struct os_buf buf;

	os_buf_init(&buf);
	os_buf_consume(&buf, 0);
	os_buf_consume(&buf, 5);
	assert_int_equal(buf.len, 0);

	os_buf_add(&buf, "abcdef", 6);
	os_buf_consume(&buf, 0);
	assert_int_equal(buf.len, 6);
	os_buf_consume(&buf, 2);
	assert_int_equal(buf.len, 4);
	assert_memory_equal(buf.data, "cdef", 4);
	os_buf_add(&buf, "gh", 2);
	assert_memory_equal(buf.data, "cdefgh", 6);
	os_buf_consume(&buf, 6);
	assert_int_equal(buf.len, 0);
	os_buf_add(&buf, "ij", 2);
	os_buf_consume(&buf, 100);
	assert_int_equal(buf.len, 0);
	assert_false(os_buf_failed(&buf));
	os_buf_free(&buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_big_endian),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_reserve),
	    cmocka_unit_test(test_sticky_failure),
	    cmocka_unit_test(test_read_past_end),
	    cmocka_unit_test(test_reader_str_limits),
	    cmocka_unit_test(test_reader_str_sticky),
	    cmocka_unit_test(test_consume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
