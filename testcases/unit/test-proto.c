/*
 * Unit tests of the slotd wire-protocol codec (usr/lib/common/proto.c):
 * every message type round trips through os_proto_begin()/os_proto_end(),
 * os_proto_check_header() and os_proto_validate(); each refusal reason is
 * reached; sizes are checked at their limits; and a few thousand
 * deterministic pseudo-random and mutated payloads are validated, each
 * accepted one cross-checked by an independent walk with the readers.
 *
 * Payloads under validation are copied into buffers of exactly their length,
 * so that a read past the end shows up under valgrind or AddressSanitizer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* Largest legal payload of each type, worked out by hand from proto.h. */
static const struct {
	uint16_t type;
	const char *name;
	const char *sig;
	uint32_t max_len;
} expected[] = {
    {OS_MSG_HELLO, "HELLO", "uus", 4 + 4 + 4 + 256},
    {OS_MSG_HELLO_OK, "HELLO_OK", "uqqu", 4 + 8 + 8 + 4},
    {OS_MSG_ERROR, "ERROR", "us", 4 + 4 + 256},
    {OS_MSG_GET_SLOTS, "GET_SLOTS", "", 0},
    {OS_MSG_SLOTS, "SLOTS", "q[qssssuuuu]", 65536},
    {OS_MSG_SESSION_COUNT, "SESSION_COUNT", "qqq", 24},
    {OS_MSG_EVENT, "EVENT", "uqq", 20},
    {OS_MSG_PING, "PING", "", 0},
    {OS_MSG_PONG, "PONG", "q", 8},
    {OS_MSG_OPEN_TOKEN, "OPEN_TOKEN", "q", 8},
    {OS_MSG_TOKEN, "TOKEN", "qqq", 24},
    {OS_MSG_OBJ_SAVE, "OBJ_SAVE", "qqb", 8 + 8 + 4 + 1024 * 1024},
    {OS_MSG_OBJ_DESTROY, "OBJ_DESTROY", "qq", 16},
    {OS_MSG_OBJ_RESULT, "OBJ_RESULT", "qqq", 24},
    {OS_MSG_LOGIN, "LOGIN", "qqb", 8 + 8 + 4 + 128},
    {OS_MSG_LOGIN_RESULT, "LOGIN_RESULT", "qqb", 8 + 8 + 4 + 64},
    {OS_MSG_LOGOUT, "LOGOUT", "q", 8},
    {OS_MSG_INIT_TOKEN, "INIT_TOKEN", "qbb", 8 + 4 + 128 + 4 + 32},
    {OS_MSG_INIT_PIN, "INIT_PIN", "qb", 8 + 4 + 128},
    {OS_MSG_SET_PIN, "SET_PIN", "qbb", 8 + 2 * (4 + 128)},
    {OS_MSG_RESULT, "RESULT", "q", 8},
    {OS_MSG_SET_KDF, "SET_KDF", "qqqq", 32},
};
#define CKU_USER_VALUE 1
#define N_EXPECTED     (sizeof(expected) / sizeof(expected[0]))

/* Deterministic xorshift32 generator. */
static uint32_t rng_state = 0x12345678u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static int validate_copy(uint16_t type, const void *payload, size_t len, const char **why)
{
	unsigned char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, payload, len);
	*why = NULL;
	int rc = os_proto_validate(type, copy, len, why);
	free(copy);
	if (rc == 0)
		assert_null(*why);
	else
		assert_non_null(*why);
	return rc;
}

static void assert_refused(uint16_t type, const void *payload, size_t len, const char *reason)
{
	const char *why;

	assert_int_equal(validate_copy(type, payload, len, &why), -1);
	assert_string_equal(why, reason);
}

static void assert_accepted(uint16_t type, const void *payload, size_t len)
{
	const char *why;

	assert_int_equal(validate_copy(type, payload, len, &why), 0);
}

/* Returns the character after the ']' closing the group that starts at sig. */
static const char *sig_skip_group(const char *sig)
{
	int depth = 1;

	while (*sig && depth) {
		if (*sig == '[')
			depth++;
		else if (*sig == ']')
			depth--;
		sig++;
	}
	return sig;
}

/* The value of the seq-th integer field of a generated payload. */
static uint64_t field_value(uint32_t seq)
{
	uint32_t v = (seq + 1) * 0x9e3779b9u;
	return (uint64_t)v << 32 | (uint32_t)~v;
}

/* The seq-th string field: slen bytes, none of them NUL. */
static void field_string(uint32_t seq, size_t slen, char *out)
{
	for (size_t i = 0; i < slen; i++)
		out[i] = (char)('a' + (seq + i) % 26);
	out[slen] = '\0';
}

/*
 * Appends to buf a payload matching sig (up to its end or a closing ']'),
 * every field derived from *seq, every array n elements long and every
 * string slen bytes long.  Returns where the walk stopped in sig.
 */
static const char *encode_sig(struct os_buf *buf, const char *sig, uint32_t n, size_t slen,
                              uint32_t *seq)
{
	char s[OS_PROTO_MAX_STR + 2];

	for (; *sig && *sig != ']'; sig++) {
		if (*sig == 'u') {
			os_buf_add_u32(buf, (uint32_t)field_value((*seq)++));
		} else if (*sig == 'q') {
			os_buf_add_u64(buf, field_value((*seq)++));
		} else if (*sig == 's') {
			field_string((*seq)++, slen, s);
			os_buf_add_str(buf, s);
		} else if (*sig == 'b') {
			field_string((*seq)++, slen, s);
			os_buf_add_bytes(buf, s, slen);
		} else if (*sig == '[') {
			os_buf_add_u32(buf, n);
			for (uint32_t i = 0; i < n; i++)
				encode_sig(buf, sig + 1, n, slen, seq);
			sig = sig_skip_group(sig + 1) - 1;
		}
	}
	return sig;
}

/* Reads back what encode_sig() wrote, checking every field. */
static const char *decode_sig(struct os_reader *rd, const char *sig, uint32_t n, size_t slen,
                              uint32_t *seq)
{
	char want[OS_PROTO_MAX_STR + 2], got[OS_PROTO_MAX_STR + 1];

	for (; *sig && *sig != ']'; sig++) {
		if (*sig == 'u') {
			assert_int_equal(os_reader_u32(rd), (uint32_t)field_value((*seq)++));
		} else if (*sig == 'q') {
			assert_true(os_reader_u64(rd) == field_value((*seq)++));
		} else if (*sig == 's') {
			field_string((*seq)++, slen, want);
			os_reader_str(rd, got, sizeof(got), OS_PROTO_MAX_STR);
			assert_string_equal(got, want);
		} else if (*sig == 'b') {
			size_t len;
			field_string((*seq)++, slen, want);
			const unsigned char *p = os_reader_bytes(rd, &len, OS_PROTO_MAX_OBJECT);
			assert_non_null(p);
			assert_int_equal(len, slen);
			assert_memory_equal(p, want, slen);
		} else if (*sig == '[') {
			assert_int_equal(os_reader_u32(rd), n);
			for (uint32_t i = 0; i < n; i++)
				decode_sig(rd, sig + 1, n, slen, seq);
			sig = sig_skip_group(sig + 1) - 1;
		}
	}
	assert_false(os_reader_failed(rd));
	return sig;
}

/*
 * Walks any payload along sig with the plain readers, without the codec.
 * Used to cross-check that an accepted payload has exactly the fields its
 * signature describes.
 */
static const char *walk_sig(struct os_reader *rd, const char *sig)
{
	char s[OS_PROTO_MAX_STR + 1];

	for (; *sig && *sig != ']'; sig++) {
		if (*sig == 'u') {
			os_reader_u32(rd);
		} else if (*sig == 'q') {
			os_reader_u64(rd);
		} else if (*sig == 's') {
			os_reader_str(rd, s, sizeof(s), OS_PROTO_MAX_STR);
		} else if (*sig == 'b') {
			size_t len;
			os_reader_bytes(rd, &len, OS_PROTO_MAX_OBJECT);
		} else if (*sig == '[') {
			uint32_t n = os_reader_u32(rd);
			assert_true(n <= OS_PROTO_MAX_ARRAY);
			for (uint32_t i = 0; i < n && !os_reader_failed(rd); i++)
				walk_sig(rd, sig + 1);
			sig = sig_skip_group(sig + 1) - 1;
		}
	}
	return sig;
}

static void assert_walks_exactly(uint16_t type, const unsigned char *payload, size_t len)
{
	struct os_reader rd;

	os_reader_init(&rd, payload, len);
	walk_sig(&rd, os_proto_signature(type));
	assert_true(os_reader_done(&rd));
}

/* Appends a SLOTS payload of n slots whose strings are slen bytes long. */
static void build_slots(struct os_buf *buf, uint32_t n, size_t slen)
{
	uint32_t seq = 0;

	encode_sig(buf, "q[qssssuuuu]", n, slen, &seq);
	assert_false(os_buf_failed(buf));
}

static void put_header(unsigned char *hdr, uint32_t magic, uint16_t version, uint16_t type,
                       uint32_t length, uint32_t serial)
{
	const uint32_t words[] = {magic, (uint32_t)version << 16 | type, length, serial};

	for (int w = 0; w < 4; w++)
		for (int b = 0; b < 4; b++)
			hdr[4 * w + b] = (unsigned char)(words[w] >> (24 - 8 * b));
}

static int check_header(uint32_t magic, uint16_t version, uint16_t type, uint32_t length,
                        const char **why)
{
	unsigned char hdr[OS_PROTO_HEADER_LEN];
	struct os_frame_header h;

	put_header(hdr, magic, version, type, length, 77);
	*why = NULL;
	int rc = os_proto_check_header(hdr, &h, why);
	if (rc == 0) {
		assert_null(*why);
		assert_int_equal(h.version, version);
		assert_int_equal(h.type, type);
		assert_int_equal(h.length, length);
		assert_int_equal(h.serial, 77);
	} else {
		assert_non_null(*why);
	}
	return rc;
}

static void test_names_and_signatures(void **state)
{
	for (size_t i = 0; i < N_EXPECTED; i++) {
		assert_string_equal(os_proto_type_name(expected[i].type), expected[i].name);
		assert_string_equal(os_proto_signature(expected[i].type), expected[i].sig);
	}
	assert_int_equal(N_EXPECTED, OS_MSG_TYPE_COUNT - 1);

	const uint16_t unknown[] = {OS_MSG_INVALID, OS_MSG_TYPE_COUNT, 0x100, UINT16_MAX};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_string_equal(os_proto_type_name(unknown[i]), "unknown");
		assert_null(os_proto_signature(unknown[i]));
	}
}

static void test_frame_layout(void **state)
{
	static const unsigned char expect[] = {
	    0x4f, 0x53, 0x4c, 0x54, /* "OSLT" */
	    0x00, 0x02,             /* version */
	    0x00, 0x09,             /* PONG */
	    0x00, 0x00, 0x00, 0x08, /* length */
	    0xde, 0xad, 0xbe, 0xef, /* serial */
	    0,    0,    0,    0,    0, 0, 0x12, 0x34,
	};
	struct os_buf buf;

	os_buf_init(&buf);
	size_t off = os_proto_begin(&buf, OS_MSG_PONG, 0xdeadbeef);
	assert_int_equal(off, 0);
	assert_int_equal(buf.len, OS_PROTO_HEADER_LEN);
	os_buf_add_u64(&buf, 0x1234);
	assert_int_equal(os_proto_end(&buf, off), 0);
	assert_int_equal(buf.len, sizeof(expect));
	assert_memory_equal(buf.data, expect, sizeof(expect));
	os_buf_free(&buf);
}

/* Field lengths of the round trip: byte fields stay within their frame's limit. */
static size_t round_trip_len(size_t i)
{
	return strchr(expected[i].sig, 'b') ? 1 + i % 32 : 1 + i * 7;
}

/* Builds one frame of every type in a single stream, then parses the stream. */
static void test_round_trip_all_types(void **state)
{
	size_t offsets[N_EXPECTED];
	struct os_buf buf;
	uint32_t seq = 0;

	os_buf_init(&buf);
	os_buf_add(&buf, "junk", 4);
	for (size_t i = 0; i < N_EXPECTED; i++) {
		offsets[i] = os_proto_begin(&buf, expected[i].type, 1000 + (uint32_t)i);
		encode_sig(&buf, expected[i].sig, 3, round_trip_len(i), &seq);
		assert_int_equal(os_proto_end(&buf, offsets[i]), 0);
	}
	assert_false(os_buf_failed(&buf));
	assert_int_equal(offsets[0], 4);

	size_t pos = 4;
	seq = 0;
	for (size_t i = 0; i < N_EXPECTED; i++) {
		struct os_frame_header h;
		const char *why = NULL;
		assert_int_equal(pos, offsets[i]);
		assert_int_equal(os_proto_check_header(buf.data + pos, &h, &why), 0);
		assert_int_equal(h.version, OS_PROTO_VERSION);
		assert_int_equal(h.type, expected[i].type);
		assert_int_equal(h.serial, 1000 + i);
		pos += OS_PROTO_HEADER_LEN;
		assert_true(h.length <= buf.len - pos);
		assert_accepted(h.type, buf.data + pos, h.length);

		struct os_reader rd;
		os_reader_init(&rd, buf.data + pos, h.length);
		decode_sig(&rd, expected[i].sig, 3, round_trip_len(i), &seq);
		assert_true(os_reader_done(&rd));
		pos += h.length;
	}
	assert_int_equal(pos, buf.len);
	os_buf_free(&buf);
}

static void test_header_checks(void **state)
{
	const char *why;

	assert_int_equal(check_header(OS_PROTO_MAGIC, OS_PROTO_VERSION, OS_MSG_PING, 0, &why), 0);
	assert_int_equal(check_header(0x544c534f, 1, OS_MSG_PING, 0, &why), -1);
	assert_string_equal(why, "bad magic");
	for (int bit = 0; bit < 32; bit++) {
		assert_int_equal(check_header(OS_PROTO_MAGIC ^ 1u << bit, 1, OS_MSG_PING, 0, &why),
		                 -1);
		assert_string_equal(why, "bad magic");
	}

	const uint16_t versions[] = {0, 1, 7, UINT16_MAX};
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		assert_int_equal(check_header(OS_PROTO_MAGIC, versions[i], OS_MSG_PING, 0, &why),
		                 -1);
		assert_string_equal(why, "unsupported version");
	}

	const uint16_t types[] = {OS_MSG_INVALID, OS_MSG_TYPE_COUNT, 0x0100, UINT16_MAX};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(check_header(OS_PROTO_MAGIC, OS_PROTO_VERSION, types[i], 0, &why),
		                 -1);
		assert_string_equal(why, "unknown message type");
	}

	/* Each type's maximum is accepted, one byte more is not. */
	for (size_t i = 0; i < N_EXPECTED; i++) {
		uint16_t t = expected[i].type;
		uint32_t max = expected[i].max_len;
		assert_int_equal(check_header(OS_PROTO_MAGIC, OS_PROTO_VERSION, t, max, &why), 0);
		assert_int_equal(check_header(OS_PROTO_MAGIC, OS_PROTO_VERSION, t, max + 1, &why),
		                 -1);
		assert_string_equal(why, "payload too large");
		assert_int_equal(
		    check_header(OS_PROTO_MAGIC, OS_PROTO_VERSION, t, UINT32_MAX, &why), -1);
		assert_string_equal(why, "payload too large");
	}

	/* The fields are decoded even from a refused header; why may be NULL. */
	unsigned char hdr[OS_PROTO_HEADER_LEN];
	struct os_frame_header h;
	put_header(hdr, OS_PROTO_MAGIC, OS_PROTO_VERSION, 0x4242, 5, 0x01020304);
	assert_int_equal(os_proto_check_header(hdr, &h, NULL), -1);
	assert_int_equal(h.type, 0x4242);
	assert_int_equal(h.serial, 0x01020304);
}

/* Payloads of the largest size of each fixed-size type, and one byte more. */
static void test_max_size_payloads(void **state)
{
	struct os_buf buf;

	os_buf_init(&buf);
	for (size_t i = 0; i < N_EXPECTED; i++) {
		uint16_t t = expected[i].type;
		uint32_t seq = 0;
		/* byte fields are bounded by the frame alone: see test_byte_fields */
		if (t == OS_MSG_SLOTS || strchr(expected[i].sig, 'b'))
			continue;
		os_buf_reset(&buf);
		encode_sig(&buf, expected[i].sig, 0, OS_PROTO_MAX_STR, &seq);
		assert_int_equal(buf.len, expected[i].max_len);
		assert_accepted(t, buf.data, buf.len);
		os_buf_add(&buf, "", 1);
		assert_refused(t, buf.data, buf.len, "payload too large");
	}
	os_buf_free(&buf);
}

/*
 * SLOTS is bounded by the frame limit: 61 slots with the longest strings and
 * one with 145-byte strings fill exactly OS_PROTO_MAX_PAYLOAD bytes.
 */
static void test_slots_at_frame_limit(void **state)
{
	struct os_buf buf;
	uint32_t seq = 0;

	os_buf_init(&buf);
	size_t off = os_proto_begin(&buf, OS_MSG_SLOTS, 1);
	os_buf_add_u64(&buf, 9);
	os_buf_add_u32(&buf, 62);
	for (int i = 0; i < 62; i++)
		encode_sig(&buf, "qssssuuuu", 0, i < 61 ? OS_PROTO_MAX_STR : 145, &seq);
	assert_int_equal(buf.len - off - OS_PROTO_HEADER_LEN, OS_PROTO_MAX_PAYLOAD);
	assert_int_equal(os_proto_end(&buf, off), 0);
	assert_accepted(OS_MSG_SLOTS, buf.data + OS_PROTO_HEADER_LEN, OS_PROTO_MAX_PAYLOAD);

	os_buf_add(&buf, "", 1);
	assert_int_equal(os_proto_end(&buf, off), -1);
	assert_refused(OS_MSG_SLOTS, buf.data + OS_PROTO_HEADER_LEN, OS_PROTO_MAX_PAYLOAD + 1,
	               "payload too large");
	os_buf_free(&buf);

	/* 62 full slots cannot be framed at all. */
	os_buf_init(&buf);
	off = os_proto_begin(&buf, OS_MSG_SLOTS, 1);
	build_slots(&buf, 62, OS_PROTO_MAX_STR);
	assert_int_equal(os_proto_end(&buf, off), -1);
	os_buf_free(&buf);
}

static void test_truncated_slots(void **state)
{
	struct os_buf buf;

	os_buf_init(&buf);
	build_slots(&buf, 3, 11);
	assert_accepted(OS_MSG_SLOTS, buf.data, buf.len);
	for (size_t len = 0; len < buf.len; len++)
		assert_refused(OS_MSG_SLOTS, buf.data, len, "truncated payload");
	os_buf_free(&buf);
}

static void test_truncated_every_type(void **state)
{
	struct os_buf buf;

	os_buf_init(&buf);
	for (size_t i = 0; i < N_EXPECTED; i++) {
		uint32_t seq = 0;
		os_buf_reset(&buf);
		encode_sig(&buf, expected[i].sig, 2, 5, &seq);
		for (size_t len = 0; len < buf.len; len++)
			assert_refused(expected[i].type, buf.data, len, "truncated payload");
	}
	os_buf_free(&buf);
}

/* A byte field fills what the frame allows, and no more; its length must fit. */
static void test_byte_fields(void **state)
{
	static unsigned char big[OS_PROTO_MAX_OBJECT + 1];
	struct os_buf buf;

	os_buf_init(&buf);
	os_buf_add_u64(&buf, 1);
	os_buf_add_u64(&buf, 0);
	os_buf_add_bytes(&buf, big, OS_PROTO_MAX_OBJECT);
	assert_accepted(OS_MSG_OBJ_SAVE, buf.data, buf.len);
	os_buf_reset(&buf);
	os_buf_add_u64(&buf, 1);
	os_buf_add_u64(&buf, 0);
	os_buf_add_bytes(&buf, big, OS_PROTO_MAX_OBJECT + 1);
	assert_refused(OS_MSG_OBJ_SAVE, buf.data, buf.len, "payload too large");

	/* a length past the end of the payload */
	os_buf_reset(&buf);
	os_buf_add_u64(&buf, 1);
	os_buf_add_u64(&buf, CKU_USER_VALUE);
	os_buf_add_u32(&buf, 7);
	os_buf_add(&buf, "123456", 6);
	assert_refused(OS_MSG_LOGIN, buf.data, buf.len, "truncated payload");
	os_buf_reset(&buf);
	os_buf_add_u64(&buf, 1);
	os_buf_add_u64(&buf, CKU_USER_VALUE);
	os_buf_add_u32(&buf, UINT32_MAX);
	assert_refused(OS_MSG_LOGIN, buf.data, buf.len, "truncated payload");

	/* a PIN of the largest size, and one byte more */
	os_buf_reset(&buf);
	os_buf_add_u64(&buf, 1);
	os_buf_add_u64(&buf, CKU_USER_VALUE);
	os_buf_add_bytes(&buf, big, OS_PROTO_MAX_PIN);
	assert_accepted(OS_MSG_LOGIN, buf.data, buf.len);
	os_buf_reset(&buf);
	os_buf_add_u64(&buf, 1);
	os_buf_add_u64(&buf, CKU_USER_VALUE);
	os_buf_add_bytes(&buf, big, OS_PROTO_MAX_PIN + 1);
	assert_refused(OS_MSG_LOGIN, buf.data, buf.len, "payload too large");

	/* a reader bounds what it takes */
	struct os_reader rd;
	size_t n;
	os_reader_init(&rd, buf.data + 16, buf.len - 16);
	assert_null(os_reader_bytes(&rd, &n, OS_PROTO_MAX_PIN));
	assert_true(os_reader_failed(&rd));
	os_buf_free(&buf);
}

static void test_trailing_bytes(void **state)
{
	struct os_buf buf;
	const char *why;

	os_buf_init(&buf);
	for (size_t i = 0; i < N_EXPECTED; i++) {
		uint32_t seq = 0;
		os_buf_reset(&buf);
		encode_sig(&buf, expected[i].sig, 1, 3, &seq);
		assert_accepted(expected[i].type, buf.data, buf.len);
		os_buf_add(&buf, "\x01", 1);
		assert_int_equal(validate_copy(expected[i].type, buf.data, buf.len, &why), -1);
		/* Where the payload already had its largest size, it is now too large. */
		if (buf.len > expected[i].max_len)
			assert_string_equal(why, "payload too large");
		else
			assert_string_equal(why, "trailing bytes");
	}

	os_buf_reset(&buf);
	build_slots(&buf, 1, 4);
	os_buf_add_u32(&buf, 0);
	assert_refused(OS_MSG_SLOTS, buf.data, buf.len, "trailing bytes");
	os_buf_free(&buf);
}

static void test_strings(void **state)
{
	char s[OS_PROTO_MAX_STR + 2];
	struct os_buf buf;

	os_buf_init(&buf);
	memset(s, 'x', sizeof(s) - 1);
	s[OS_PROTO_MAX_STR + 1] = '\0';

	/* SLOTS leaves room for a string one byte over the limit, all bytes present. */
	os_buf_add_u64(&buf, 1);
	os_buf_add_u32(&buf, 1);
	os_buf_add_u64(&buf, 1);
	os_buf_add_str(&buf, s);
	assert_int_equal(buf.len, 20 + 4 + OS_PROTO_MAX_STR + 1);
	assert_refused(OS_MSG_SLOTS, buf.data, buf.len, "string too long");

	const uint32_t lengths[] = {OS_PROTO_MAX_STR + 1, 0x10000, UINT32_MAX};
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		os_buf_reset(&buf);
		os_buf_add_u32(&buf, 1);
		os_buf_add_u32(&buf, lengths[i]);
		os_buf_add(&buf, "abcd", 4);
		assert_refused(OS_MSG_ERROR, buf.data, buf.len, "string too long");
	}

	/* A length that runs past the end of the payload. */
	os_buf_reset(&buf);
	os_buf_add_u32(&buf, 1);
	os_buf_add_u32(&buf, 5);
	os_buf_add(&buf, "abcd", 4);
	assert_refused(OS_MSG_ERROR, buf.data, buf.len, "truncated payload");

	/* NUL anywhere inside a string. */
	for (size_t at = 0; at < 4; at++) {
		char bad[4] = {'a', 'b', 'c', 'd'};
		bad[at] = '\0';
		os_buf_reset(&buf);
		os_buf_add_u32(&buf, 1);
		os_buf_add_u32(&buf, 4);
		os_buf_add(&buf, bad, 4);
		assert_refused(OS_MSG_ERROR, buf.data, buf.len, "string contains NUL");
	}

	/* Empty strings are fine. */
	os_buf_reset(&buf);
	os_buf_add_u32(&buf, 1);
	os_buf_add_str(&buf, "");
	assert_accepted(OS_MSG_ERROR, buf.data, buf.len);
	os_buf_free(&buf);
}

static void test_arrays(void **state)
{
	struct os_buf buf;

	os_buf_init(&buf);
	build_slots(&buf, 0, 0);
	assert_int_equal(buf.len, 12);
	assert_accepted(OS_MSG_SLOTS, buf.data, buf.len);

	/* The longest array, of the smallest elements. */
	os_buf_reset(&buf);
	build_slots(&buf, OS_PROTO_MAX_ARRAY, 0);
	assert_accepted(OS_MSG_SLOTS, buf.data, buf.len);

	const uint32_t counts[] = {OS_PROTO_MAX_ARRAY + 1, 0x10000, UINT32_MAX};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		os_buf_reset(&buf);
		os_buf_add_u64(&buf, 1);
		os_buf_add_u32(&buf, counts[i]);
		assert_refused(OS_MSG_SLOTS, buf.data, buf.len, "array too long");
	}

	/* A count claiming more elements than are present. */
	os_buf_reset(&buf);
	build_slots(&buf, 2, 6);
	buf.data[11] = 3;
	assert_refused(OS_MSG_SLOTS, buf.data, buf.len, "truncated payload");
	buf.data[11] = OS_PROTO_MAX_ARRAY - 1;
	assert_refused(OS_MSG_SLOTS, buf.data, buf.len, "truncated payload");
	/* ... or fewer. */
	buf.data[11] = 1;
	assert_refused(OS_MSG_SLOTS, buf.data, buf.len, "trailing bytes");
	os_buf_free(&buf);
}

static void test_validate_unknown_type(void **state)
{
	assert_refused(OS_MSG_INVALID, "", 0, "unknown message type");
	assert_refused(OS_MSG_TYPE_COUNT, "", 0, "unknown message type");
	assert_refused(UINT16_MAX, "", 0, "unknown message type");
	assert_int_equal(os_proto_validate(OS_MSG_PING, NULL, 0, NULL), 0);
	assert_int_equal(os_proto_validate(OS_MSG_PONG, NULL, 0, NULL), -1);
}

static void test_end(void **state)
{
	struct os_buf buf;
	uint32_t seq = 0;

	os_buf_init(&buf);
	size_t off = os_proto_begin(&buf, OS_MSG_SESSION_COUNT, 1);
	encode_sig(&buf, "qqq", 0, 0, &seq);
	assert_int_equal(os_proto_end(&buf, off), 0);
	assert_memory_equal(buf.data + 8, "\x00\x00\x00\x18", 4);
	os_buf_add(&buf, "", 1);
	assert_int_equal(os_proto_end(&buf, off), -1);

	/* A second frame after the first. */
	size_t off2 = os_proto_begin(&buf, OS_MSG_PING, 2);
	assert_int_equal(off2, OS_PROTO_HEADER_LEN + 25);
	assert_int_equal(os_proto_end(&buf, off2), 0);
	os_buf_add(&buf, "", 1);
	assert_int_equal(os_proto_end(&buf, off2), -1);

	/* Offsets that leave no room for a header. */
	assert_int_equal(os_proto_end(&buf, buf.len + 1), -1);
	assert_int_equal(os_proto_end(&buf, buf.len - OS_PROTO_HEADER_LEN + 1), -1);
	assert_int_equal(os_proto_end(&buf, SIZE_MAX), -1);
	os_buf_free(&buf);

	/* Types without a table entry. */
	os_buf_init(&buf);
	off = os_proto_begin(&buf, OS_MSG_INVALID, 1);
	assert_int_equal(os_proto_end(&buf, off), -1);
	off = os_proto_begin(&buf, 0x4242, 1);
	assert_int_equal(os_proto_end(&buf, off), -1);
	os_buf_free(&buf);

	/* A failed buffer. */
	os_buf_init(&buf);
	off = os_proto_begin(&buf, OS_MSG_PING, 1);
	assert_null(os_buf_reserve(&buf, SIZE_MAX));
	assert_int_equal(os_proto_end(&buf, off), -1);
	os_buf_free(&buf);
}

/* Random bytes, with zero bytes common so that lengths and counts are often small. */
static void fill_random(unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint32_t r = rng();
		p[i] = (r & 0x300) ? 0 : (unsigned char)r;
	}
}

static void check_garbage(uint16_t type, const unsigned char *p, size_t len, unsigned *accepted)
{
	const char *why;

	if (validate_copy(type, p, len, &why) == 0) {
		assert_walks_exactly(type, p, len);
		(*accepted)++;
	}
}

static void test_garbage_payloads(void **state)
{
	unsigned char raw[600];
	unsigned accepted = 0;

	for (int i = 0; i < 3000; i++) {
		uint16_t type = (uint16_t)(rng() % (OS_MSG_TYPE_COUNT + 1));
		size_t len = rng() % sizeof(raw);
		fill_random(raw, len);
		if (i % 3 == 0)
			len = len % 32;
		check_garbage(type, raw, len, &accepted);
	}
	/* Payloads of exactly a fixed size are accepted whatever their bytes. */
	assert_true(accepted > 0);
}

static void test_mutated_payloads(void **state)
{
	struct os_buf buf;
	unsigned accepted = 0;

	os_buf_init(&buf);
	for (int i = 0; i < 3000; i++) {
		const unsigned idx = rng() % N_EXPECTED;
		uint32_t seq = rng();
		os_buf_reset(&buf);
		encode_sig(&buf, expected[idx].sig, rng() % 4, rng() % 20, &seq);
		unsigned flips = 1 + rng() % 4;
		for (unsigned f = 0; f < flips && buf.len; f++) {
			uint32_t r = rng();
			buf.data[r % buf.len] = (r >> 24) & 1 ? (unsigned char)(r >> 16) : 0;
		}
		size_t len = buf.len;
		if (rng() % 4 == 0 && len)
			len -= rng() % len;
		check_garbage(expected[idx].type, buf.data, len, &accepted);
	}
	assert_true(accepted > 0);
	os_buf_free(&buf);
}

static void test_garbage_headers(void **state)
{
	unsigned char hdr[OS_PROTO_HEADER_LEN];

	for (int i = 0; i < 3000; i++) {
		struct os_frame_header h;
		const char *why = NULL;
		fill_random(hdr, sizeof(hdr));
		if (i % 2)
			put_header(hdr, OS_PROTO_MAGIC, OS_PROTO_VERSION, rng() % 12,
			           rng() % 0x20000, rng());
		if (os_proto_check_header(hdr, &h, &why) != 0) {
			assert_non_null(why);
			continue;
		}
		assert_int_equal(h.version, OS_PROTO_VERSION);
		assert_true(h.type > OS_MSG_INVALID && h.type < OS_MSG_TYPE_COUNT);
		assert_true(h.length <= expected[h.type - 1].max_len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_and_signatures),
	    cmocka_unit_test(test_frame_layout),
	    cmocka_unit_test(test_round_trip_all_types),
	    cmocka_unit_test(test_header_checks),
	    cmocka_unit_test(test_max_size_payloads),
	    cmocka_unit_test(test_slots_at_frame_limit),
	    cmocka_unit_test(test_truncated_slots),
	    cmocka_unit_test(test_truncated_every_type),
	    cmocka_unit_test(test_trailing_bytes),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_arrays),
	    cmocka_unit_test(test_validate_unknown_type),
	    cmocka_unit_test(test_end),
	    cmocka_unit_test(test_garbage_payloads),
	    cmocka_unit_test(test_mutated_payloads),
	    cmocka_unit_test(test_garbage_headers),
	    cmocka_unit_test(test_byte_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
