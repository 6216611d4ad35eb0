/*
 * Fuzz target for the slotd wire-protocol codec (usr/lib/common/proto.c).
 *
 * An input is a frame as it would arrive on the socket: the first 16 bytes
 * are the header (zero-padded when the input is shorter), the rest is the
 * payload.  The header is checked, the payload is validated against the
 * type the header names, and a payload that was accepted is walked again
 * with the plain readers and re-encoded: the walk must consume exactly the
 * payload, and the re-encoded frame must equal the input.  Any breach of
 * those rules aborts, so a fuzzer reports it as a crash.
 *
 * In `make check` the target runs from fuzz-driver.c over the seed corpus in
 * corpus-proto/ and over deterministic pseudo-random inputs.  For real
 * fuzzing, build it with libFuzzer from the top of the source tree:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iusr/lib/common \
 *         testcases/fuzz/fuzz-proto.c usr/lib/common/proto.c \
 *         usr/lib/common/buf.c -o fuzz-proto
 *   mkdir -p corpus && ./fuzz-proto corpus testcases/fuzz/corpus-proto
 *
 * The seed corpus holds valid frames (SLOTS with two slots, object saves,
 * logins, PIN changes, KDF parameters) and a few broken ones: bad magic, bad version, a
 * truncated SLOTS, a string with a NUL, an over-long array count, a byte
 * field longer than the payload, trailing bytes, and a header length that
 * does not match the payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)         \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* Returns where sig's group ends; see proto.h for the signature letters. */
static const char *fuzz_skip_group(const char *sig)
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

/* Reads the payload along sig with the readers, copying every field into out. */
static const char *fuzz_walk(struct os_reader *rd, const char *sig, struct os_buf *out)
{
	char s[OS_PROTO_MAX_STR + 1];

	for (; *sig && *sig != ']'; sig++) {
		if (*sig == 'u') {
			os_buf_add_u32(out, os_reader_u32(rd));
		} else if (*sig == 'q') {
			os_buf_add_u64(out, os_reader_u64(rd));
		} else if (*sig == 's') {
			os_reader_str(rd, s, sizeof(s), OS_PROTO_MAX_STR);
			os_buf_add_str(out, s);
		} else if (*sig == 'b') {
			size_t n;
			const unsigned char *p = os_reader_bytes(rd, &n, UINT32_MAX);
			FUZZ_CHECK(p || os_reader_failed(rd));
			os_buf_add_bytes(out, p, n);
		} else if (*sig == '[') {
			uint32_t n = os_reader_u32(rd);
			FUZZ_CHECK(n <= OS_PROTO_MAX_ARRAY);
			os_buf_add_u32(out, n);
			for (uint32_t i = 0; i < n; i++)
				fuzz_walk(rd, sig + 1, out);
			sig = fuzz_skip_group(sig + 1) - 1;
		}
	}
	return sig;
}

/* Re-encodes an accepted frame field by field and compares it with the input. */
static void fuzz_reencode(const struct os_frame_header *h, const uint8_t *frame, size_t size)
{
	struct os_reader rd;
	struct os_buf out;

	os_buf_init(&out);
	size_t off = os_proto_begin(&out, h->type, h->serial);
	os_reader_init(&rd, frame + OS_PROTO_HEADER_LEN, h->length);
	fuzz_walk(&rd, os_proto_signature(h->type), &out);
	FUZZ_CHECK(os_reader_done(&rd));
	FUZZ_CHECK(os_proto_end(&out, off) == 0);
	FUZZ_CHECK(out.len == size && memcmp(out.data, frame, size) == 0);
	os_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char hdr[OS_PROTO_HEADER_LEN] = {0};
	struct os_frame_header h;
	const char *why = NULL;

	if (size)
		memcpy(hdr, data, size < sizeof(hdr) ? size : sizeof(hdr));
	int hdr_ok = os_proto_check_header(hdr, &h, &why) == 0;
	FUZZ_CHECK(hdr_ok ? why == NULL : why != NULL);

	const uint8_t *payload = size > OS_PROTO_HEADER_LEN ? data + OS_PROTO_HEADER_LEN : NULL;
	size_t len = size > OS_PROTO_HEADER_LEN ? size - OS_PROTO_HEADER_LEN : 0;
	why = NULL;
	int payload_ok = os_proto_validate(h.type, payload, len, &why) == 0;
	FUZZ_CHECK(payload_ok ? why == NULL : why != NULL);
	if (payload_ok)
		FUZZ_CHECK(os_proto_signature(h.type) != NULL);

	if (hdr_ok && payload_ok && h.length == len && size >= OS_PROTO_HEADER_LEN)
		fuzz_reencode(&h, data, size);
	return 0;
}
