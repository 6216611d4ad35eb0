/*
 * Unit tests of attribute sets (usr/lib/tokens/common/objects/attrs.c) and their
 * binary encoding (attrs_codec.c): the set, replace, remove and lookup
 * helpers, the refusals of tok_attrs_from_template(), matching, deep
 * copies, the exact byte layout, and a decoder that refuses every
 * truncation, duplicate, oversized length and trailing byte, and never
 * accepts an inconsistent set from random input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "attrs.h"

/* A decoded set refused by the decoder must be left empty. */
static void assert_set_empty(const struct tok_attrs *a)
{
	assert_int_equal(a->n, 0);
	assert_null(a->v);
}

static void test_set_replace_remove(void **state)
{
	struct tok_attrs a;
	const CK_ATTRIBUTE *at;

	tok_attrs_init(&a);
	assert_int_equal(tok_attrs_set(&a, CKA_LABEL, "abc", 3), CKR_OK);
	assert_int_equal(tok_attrs_set(&a, CKA_ID, NULL, 0), CKR_OK);
	assert_int_equal(a.n, 2);
	at = tok_attrs_find(&a, CKA_LABEL);
	assert_non_null(at);
	assert_int_equal(at->ulValueLen, 3);
	assert_memory_equal(at->pValue, "abc", 3);
	at = tok_attrs_find(&a, CKA_ID);
	assert_non_null(at);
	assert_int_equal(at->ulValueLen, 0);
	assert_null(at->pValue);

	/* Replacing keeps one entry, with the new length. */
	assert_int_equal(tok_attrs_set(&a, CKA_LABEL, "longer label", 12), CKR_OK);
	assert_int_equal(a.n, 2);
	at = tok_attrs_find(&a, CKA_LABEL);
	assert_int_equal(at->ulValueLen, 12);
	assert_memory_equal(at->pValue, "longer label", 12);
	assert_int_equal(tok_attrs_set(&a, CKA_LABEL, NULL, 0), CKR_OK);
	assert_int_equal(tok_attrs_find(&a, CKA_LABEL)->ulValueLen, 0);

	tok_attrs_remove(&a, CKA_VALUE); /* absent: nothing happens */
	assert_int_equal(a.n, 2);
	tok_attrs_remove(&a, CKA_LABEL);
	assert_int_equal(a.n, 1);
	assert_null(tok_attrs_find(&a, CKA_LABEL));
	assert_non_null(tok_attrs_find(&a, CKA_ID));
	tok_attrs_free(&a);
	assert_set_empty(&a);
}

static void test_grow_and_remove_middle(void **state)
{
	struct tok_attrs a;

	tok_attrs_init(&a);
	for (CK_ULONG i = 0; i < 100; i++)
		assert_int_equal(tok_attrs_set_ulong(&a, CKA_VENDOR_DEFINED + i, i * 7), CKR_OK);
	assert_int_equal(a.n, 100);
	tok_attrs_remove(&a, CKA_VENDOR_DEFINED + 50);
	assert_int_equal(a.n, 99);
	for (CK_ULONG i = 0; i < 100; i++) {
		CK_ULONG v = 0;
		bool found = tok_attrs_get_ulong(&a, CKA_VENDOR_DEFINED + i, &v);
		assert_int_equal(found, i != 50);
		if (found)
			assert_int_equal(v, i * 7);
	}
	tok_attrs_free(&a);
}

static void test_typed_getters(void **state)
{
	struct tok_attrs a;
	CK_ULONG v = 99;
	unsigned char two = 2;

	tok_attrs_init(&a);
	assert_int_equal(tok_attrs_set_ulong(&a, CKA_CLASS, CKO_SECRET_KEY), CKR_OK);
	assert_int_equal(tok_attrs_set_bool(&a, CKA_SIGN, CK_TRUE), CKR_OK);
	assert_int_equal(tok_attrs_set_bool(&a, CKA_VERIFY, CK_FALSE), CKR_OK);
	assert_int_equal(tok_attrs_set(&a, CKA_KEY_TYPE, "ab", 2), CKR_OK);
	assert_int_equal(tok_attrs_set(&a, CKA_DERIVE, "xy", 2), CKR_OK);
	assert_int_equal(tok_attrs_set(&a, CKA_WRAP, &two, 1), CKR_OK);

	assert_true(tok_attrs_get_ulong(&a, CKA_CLASS, &v));
	assert_int_equal(v, CKO_SECRET_KEY);
	assert_false(tok_attrs_get_ulong(&a, CKA_KEY_TYPE, &v));  /* wrong size */
	assert_false(tok_attrs_get_ulong(&a, CKA_VALUE_LEN, &v)); /* absent */
	assert_int_equal(v, CKO_SECRET_KEY);

	assert_int_equal(tok_attrs_get_bool(&a, CKA_SIGN, CK_FALSE), CK_TRUE);
	assert_int_equal(tok_attrs_get_bool(&a, CKA_VERIFY, CK_TRUE), CK_FALSE);
	assert_int_equal(tok_attrs_get_bool(&a, CKA_ENCRYPT, CK_TRUE), CK_TRUE);
	assert_int_equal(tok_attrs_get_bool(&a, CKA_ENCRYPT, CK_FALSE), CK_FALSE);
	assert_int_equal(tok_attrs_get_bool(&a, CKA_DERIVE, CK_FALSE), CK_FALSE); /* malformed */
	assert_int_equal(tok_attrs_get_bool(&a, CKA_WRAP, CK_FALSE), CK_TRUE);    /* non-zero */
	tok_attrs_free(&a);
}

static void test_from_template(void **state)
{
	static CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE ok[] = {
	    {CKA_TOKEN, &yes, sizeof(yes)},
	    {CKA_LABEL, "key", 3},
	    {CKA_ID, NULL, 0},
	};
	CK_ATTRIBUTE null_value[] = {{CKA_LABEL, NULL, 3}};
	CK_ATTRIBUTE huge[] = {{CKA_LABEL, "x", TOK_ATTRS_MAX_VALUE + 1}};
	CK_ATTRIBUTE unavailable[] = {{CKA_LABEL, "x", CK_UNAVAILABLE_INFORMATION}};
	CK_ATTRIBUTE twice[] = {{CKA_LABEL, "a", 1}, {CKA_ID, "b", 1}, {CKA_LABEL, "a", 1}};
	struct tok_attrs a;

	tok_attrs_init(&a);
	assert_int_equal(tok_attrs_from_template(&a, ok, 3), CKR_OK);
	assert_int_equal(a.n, 3);
	assert_true(tok_attrs_match(&a, ok, 3));
	tok_attrs_free(&a);

	assert_int_equal(tok_attrs_from_template(&a, NULL, 0), CKR_OK);
	assert_int_equal(a.n, 0);
	assert_int_equal(tok_attrs_from_template(&a, NULL, 1), CKR_ARGUMENTS_BAD);
	assert_int_equal(tok_attrs_from_template(&a, null_value, 1), CKR_ATTRIBUTE_VALUE_INVALID);
	tok_attrs_free(&a);
	assert_int_equal(tok_attrs_from_template(&a, huge, 1), CKR_ATTRIBUTE_VALUE_INVALID);
	tok_attrs_free(&a);
	assert_int_equal(tok_attrs_from_template(&a, unavailable, 1), CKR_ATTRIBUTE_VALUE_INVALID);
	tok_attrs_free(&a);
	assert_int_equal(tok_attrs_from_template(&a, twice, 3), CKR_TEMPLATE_INCONSISTENT);
	tok_attrs_free(&a);

	CK_ATTRIBUTE *many = calloc(TOK_ATTRS_MAX_COUNT + 1, sizeof(*many));
	assert_non_null(many);
	for (CK_ULONG i = 0; i <= TOK_ATTRS_MAX_COUNT; i++)
		many[i].type = CKA_VENDOR_DEFINED + i;
	assert_int_equal(tok_attrs_from_template(&a, many, TOK_ATTRS_MAX_COUNT + 1),
	                 CKR_TEMPLATE_INCONSISTENT);
	tok_attrs_free(&a);
	assert_int_equal(tok_attrs_from_template(&a, many, TOK_ATTRS_MAX_COUNT), CKR_OK);
	assert_int_equal(a.n, TOK_ATTRS_MAX_COUNT);
	tok_attrs_free(&a);
	free(many);
}

static void test_match(void **state)
{
	static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	struct tok_attrs a;

	tok_attrs_init(&a);
	assert_int_equal(tok_attrs_set_bool(&a, CKA_TOKEN, CK_TRUE), CKR_OK);
	assert_int_equal(tok_attrs_set(&a, CKA_LABEL, "key", 3), CKR_OK);
	assert_int_equal(tok_attrs_set(&a, CKA_ID, NULL, 0), CKR_OK);

	CK_ATTRIBUTE same[] = {{CKA_LABEL, "key", 3}, {CKA_TOKEN, &yes, 1}, {CKA_ID, NULL, 0}};
	CK_ATTRIBUTE other_value[] = {{CKA_TOKEN, &no, 1}};
	CK_ATTRIBUTE other_len[] = {{CKA_LABEL, "ke", 2}};
	CK_ATTRIBUTE absent[] = {{CKA_SUBJECT, NULL, 0}};
	CK_ATTRIBUTE null_value[] = {{CKA_LABEL, NULL, 3}};

	assert_true(tok_attrs_match(&a, NULL, 0));
	assert_true(tok_attrs_match(&a, same, 3));
	assert_false(tok_attrs_match(&a, other_value, 1));
	assert_false(tok_attrs_match(&a, other_len, 1));
	assert_false(tok_attrs_match(&a, absent, 1));
	assert_false(tok_attrs_match(&a, null_value, 1));
	tok_attrs_free(&a);
}

static void test_copy_is_deep(void **state)
{
	struct tok_attrs src, dst;

	tok_attrs_init(&src);
	tok_attrs_init(&dst);
	assert_int_equal(tok_attrs_set(&src, CKA_VALUE, "secret", 6), CKR_OK);
	assert_int_equal(tok_attrs_set(&src, CKA_LABEL, NULL, 0), CKR_OK);
	assert_int_equal(tok_attrs_set(&dst, CKA_ID, "1", 1), CKR_OK);
	assert_int_equal(tok_attrs_copy(&dst, &src), CKR_OK);
	assert_int_equal(dst.n, 3);
	assert_ptr_not_equal(tok_attrs_find(&dst, CKA_VALUE)->pValue,
	                     tok_attrs_find(&src, CKA_VALUE)->pValue);
	tok_attrs_free(&src);
	assert_memory_equal(tok_attrs_find(&dst, CKA_VALUE)->pValue, "secret", 6);
	assert_int_equal(tok_attrs_find(&dst, CKA_LABEL)->ulValueLen, 0);
	tok_attrs_free(&dst);
}

/* A set of three attributes and its expected encoding. */
static void sample_set(struct tok_attrs *a)
{
	tok_attrs_init(a);
	assert_int_equal(tok_attrs_set(a, CKA_LABEL, "ab", 2), CKR_OK);
	assert_int_equal(tok_attrs_set(a, CKA_ID, NULL, 0), CKR_OK);
	assert_int_equal(tok_attrs_set(a, CKA_VENDOR_DEFINED | 0x1234, "\x01\x02\x03", 3), CKR_OK);
}

static const unsigned char sample_bytes[] = {
    0x00, 0x00, 0x00, 0x03,                         /* count */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, /* CKA_LABEL */
    0x00, 0x00, 0x00, 0x02, 'a',  'b',              /* length, value */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, /* CKA_ID */
    0x00, 0x00, 0x00, 0x00,                         /* empty */
    0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x12, 0x34, /* vendor */
    0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03,       /* length, value */
};

static void test_encode_layout_and_round_trip(void **state)
{
	struct tok_attrs a, b;
	struct os_buf buf;

	sample_set(&a);
	os_buf_init(&buf);
	tok_attrs_encode(&a, &buf);
	assert_false(os_buf_failed(&buf));
	assert_int_equal(buf.len, sizeof(sample_bytes));
	assert_memory_equal(buf.data, sample_bytes, sizeof(sample_bytes));

	tok_attrs_init(&b);
	assert_int_equal(tok_attrs_decode(&b, buf.data, buf.len), CKR_OK);
	assert_int_equal(b.n, a.n);
	for (size_t i = 0; i < a.n; i++) {
		assert_int_equal(b.v[i].type, a.v[i].type);
		assert_int_equal(b.v[i].ulValueLen, a.v[i].ulValueLen);
		if (a.v[i].ulValueLen)
			assert_memory_equal(b.v[i].pValue, a.v[i].pValue, a.v[i].ulValueLen);
	}
	assert_true(tok_attrs_match(&b, a.v, a.n));
	tok_attrs_free(&a);
	tok_attrs_free(&b);

	/* The empty set. */
	os_buf_reset(&buf);
	tok_attrs_encode(&a, &buf);
	assert_int_equal(buf.len, 4);
	assert_int_equal(tok_attrs_decode(&b, buf.data, buf.len), CKR_OK);
	assert_int_equal(b.n, 0);
	os_buf_free(&buf);
}

static void test_round_trip_large(void **state)
{
	struct tok_attrs a, b;
	struct os_buf buf;
	unsigned char *big = malloc(TOK_ATTRS_MAX_VALUE);

	assert_non_null(big);
	for (size_t i = 0; i < TOK_ATTRS_MAX_VALUE; i++)
		big[i] = (unsigned char)(i * 31);
	tok_attrs_init(&a);
	for (CK_ULONG i = 0; i < TOK_ATTRS_MAX_COUNT - 1; i++)
		assert_int_equal(tok_attrs_set_ulong(&a, CKA_VENDOR_DEFINED + i, i), CKR_OK);
	assert_int_equal(tok_attrs_set(&a, CKA_VALUE, big, TOK_ATTRS_MAX_VALUE), CKR_OK);
	os_buf_init(&buf);
	tok_attrs_encode(&a, &buf);
	assert_false(os_buf_failed(&buf));
	tok_attrs_init(&b);
	assert_int_equal(tok_attrs_decode(&b, buf.data, buf.len), CKR_OK);
	assert_int_equal(b.n, TOK_ATTRS_MAX_COUNT);
	assert_true(tok_attrs_match(&b, a.v, a.n));
	tok_attrs_free(&a);
	tok_attrs_free(&b);
	os_buf_free(&buf);
	free(big);
}

/* What the decoder would refuse is not encoded either. */
static void test_encode_refuses_oversize(void **state)
{
	static const unsigned char byte = 1;
	struct tok_attrs a;
	struct os_buf buf;

	tok_attrs_init(&a);
	os_buf_init(&buf);
	for (CK_ULONG i = 0; i <= TOK_ATTRS_MAX_COUNT; i++)
		assert_int_equal(tok_attrs_set(&a, CKA_VENDOR_DEFINED + i, &byte, 1), CKR_OK);
	tok_attrs_encode(&a, &buf);
	assert_true(os_buf_failed(&buf));
	tok_attrs_free(&a);

	/* A value one byte too long (its bytes are never read). */
	os_buf_reset(&buf);
	assert_int_equal(tok_attrs_set(&a, CKA_VALUE, NULL, 0), CKR_OK);
	a.v[0].ulValueLen = TOK_ATTRS_MAX_VALUE + 1;
	tok_attrs_encode(&a, &buf);
	assert_true(os_buf_failed(&buf));
	a.v[0].ulValueLen = 0;
	tok_attrs_free(&a);
	os_buf_free(&buf);
}

static void test_decode_truncations(void **state)
{
	struct tok_attrs b;

	tok_attrs_init(&b);
	for (size_t len = 0; len < sizeof(sample_bytes); len++) {
		assert_int_equal(tok_attrs_decode(&b, sample_bytes, len), CKR_DATA_INVALID);
		assert_set_empty(&b);
	}
	assert_int_equal(tok_attrs_decode(&b, NULL, 0), CKR_DATA_INVALID);
	assert_set_empty(&b);
	assert_int_equal(tok_attrs_decode(&b, sample_bytes, sizeof(sample_bytes)), CKR_OK);
	tok_attrs_free(&b);
}

static void test_decode_trailing_bytes(void **state)
{
	unsigned char data[sizeof(sample_bytes) + 1];
	struct tok_attrs b;

	memcpy(data, sample_bytes, sizeof(sample_bytes));
	data[sizeof(sample_bytes)] = 0;
	tok_attrs_init(&b);
	assert_int_equal(tok_attrs_decode(&b, data, sizeof(data)), CKR_DATA_INVALID);
	assert_set_empty(&b);

	/* A count lower than the attributes present leaves trailing bytes too. */
	memcpy(data, sample_bytes, sizeof(sample_bytes));
	data[3] = 2;
	assert_int_equal(tok_attrs_decode(&b, data, sizeof(sample_bytes)), CKR_DATA_INVALID);
	assert_set_empty(&b);
}

static void test_decode_duplicates(void **state)
{
	unsigned char data[sizeof(sample_bytes)];
	struct tok_attrs b;

	/* The vendor attribute renamed CKA_LABEL: the first attribute again. */
	memcpy(data, sample_bytes, sizeof(sample_bytes));
	memcpy(data + 30, "\x00\x00\x00\x00\x00\x00\x00\x03", 8);
	tok_attrs_init(&b);
	assert_int_equal(tok_attrs_decode(&b, data, sizeof(data)), CKR_DATA_INVALID);
	assert_set_empty(&b);
}

static void test_decode_huge_lengths(void **state)
{
	unsigned char data[sizeof(sample_bytes)];
	static const unsigned char big_count[] = {0x00, 0x00, 0x01, 0x01}; /* 257 */
	static const unsigned char max_count[] = {0xff, 0xff, 0xff, 0xff};
	static const unsigned char big_type[] = {
	    0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	};
	struct tok_attrs b;

	tok_attrs_init(&b);
	assert_int_equal(tok_attrs_decode(&b, big_count, sizeof(big_count)), CKR_DATA_INVALID);
	assert_int_equal(tok_attrs_decode(&b, max_count, sizeof(max_count)), CKR_DATA_INVALID);
	/* A type of all ones fits a 64-bit CK_ULONG: accepted there. */
	CK_RV rv = tok_attrs_decode(&b, big_type, sizeof(big_type));
	assert_int_equal(rv, sizeof(CK_ULONG) >= 8 ? CKR_OK : CKR_DATA_INVALID);
	tok_attrs_free(&b);

	static const uint32_t lens[] = {
	    TOK_ATTRS_MAX_VALUE + 1, 0x80000000u, 0xffffffffu, 4, 3 + 1,
	};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memcpy(data, sample_bytes, sizeof(sample_bytes));
		/* The last attribute's length, big-endian, at offset 38. */
		data[38] = (unsigned char)(lens[i] >> 24);
		data[39] = (unsigned char)(lens[i] >> 16);
		data[40] = (unsigned char)(lens[i] >> 8);
		data[41] = (unsigned char)lens[i];
		assert_int_equal(tok_attrs_decode(&b, data, sizeof(data)), CKR_DATA_INVALID);
		assert_set_empty(&b);
	}
}

/* xorshift64*: a fixed sequence, so every run tests the same buffers. */
static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* Every rule of the encoding holds for a set the decoder accepted. */
static void assert_consistent(const struct tok_attrs *b, const unsigned char *data, size_t len)
{
	struct os_buf buf;

	assert_true(b->n <= TOK_ATTRS_MAX_COUNT);
	for (size_t i = 0; i < b->n; i++) {
		assert_true(b->v[i].ulValueLen <= TOK_ATTRS_MAX_VALUE);
		for (size_t j = 0; j < i; j++)
			assert_true(b->v[i].type != b->v[j].type);
	}
	/* The encoding is canonical: the accepted bytes are exactly the set's. */
	os_buf_init(&buf);
	tok_attrs_encode(b, &buf);
	assert_int_equal(buf.len, len);
	assert_memory_equal(buf.data, data, len);
	os_buf_free(&buf);
}

/* A random buffer: pure noise, or the sample with a few bytes changed or cut. */
static size_t random_buffer(uint64_t *s, unsigned char *out, size_t cap)
{
	size_t len;

	if (rnd_next(s) % 3 == 0) {
		len = rnd_next(s) % cap;
		for (size_t i = 0; i < len; i++)
			out[i] = (unsigned char)rnd_next(s);
		/* A small count keeps some noise decodable past the first field. */
		if (len >= 4 && rnd_next(s) % 2)
			memcpy(out, "\x00\x00\x00\x01", 4);
		return len;
	}
	memcpy(out, sample_bytes, sizeof(sample_bytes));
	len = sizeof(sample_bytes);
	for (uint64_t k = rnd_next(s) % 4; k > 0; k--)
		out[rnd_next(s) % len] = (unsigned char)rnd_next(s);
	if (rnd_next(s) % 4 == 0)
		len = rnd_next(s) % (len + 1);
	return len;
}

static void test_decode_random(void **state)
{
	uint64_t seed = 0x6f70656e736c6f74ull;
	unsigned char data[96];
	struct tok_attrs b;
	int accepted = 0;

	tok_attrs_init(&b);
	for (int i = 0; i < 2000; i++) {
		size_t len = random_buffer(&seed, data, sizeof(data));
		CK_RV rv = tok_attrs_decode(&b, data, len);
		if (rv == CKR_OK) {
			accepted++;
			assert_consistent(&b, data, len);
			tok_attrs_free(&b);
		} else {
			assert_int_equal(rv, CKR_DATA_INVALID);
			assert_set_empty(&b);
		}
	}
	/* Some mutations only change values: the accepting path was taken too. */
	assert_true(accepted > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_replace_remove),
	    cmocka_unit_test(test_grow_and_remove_middle),
	    cmocka_unit_test(test_typed_getters),
	    cmocka_unit_test(test_from_template),
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_copy_is_deep),
	    cmocka_unit_test(test_encode_layout_and_round_trip),
	    cmocka_unit_test(test_round_trip_large),
	    cmocka_unit_test(test_encode_refuses_oversize),
	    cmocka_unit_test(test_decode_truncations),
	    cmocka_unit_test(test_decode_trailing_bytes),
	    cmocka_unit_test(test_decode_duplicates),
	    cmocka_unit_test(test_decode_huge_lengths),
	    cmocka_unit_test(test_decode_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
