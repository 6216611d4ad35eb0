/*
 * Fuzz target for the decoding of token object files: the frame of an
 * object file (usr/lib/tokens/common/store/store_file.c, magic "OSOB") and the
 * attribute encoding of its body (attrs_codec.c).
 *
 * Every input is used four ways.  It is decoded as an attribute encoding:
 * a set that was accepted must encode back to exactly the input, and a
 * refused one must leave the set empty.  It is opened as a whole object
 * file, clear and as a private object under a fixed test master key (with
 * the raw key and the prepared one, which must agree); a body that opens is
 * decoded in turn.  Last, since a fuzzer cannot forge a SHA-256 or GCM
 * tag, the input is sealed here as the body of a clear and of an encrypted
 * frame: that frame must open to the same id, generation and body, and
 * must stop opening once one of its bytes is changed.  Any breach aborts.
 *
 * In `make check` the target runs from fuzz-driver.c over corpus-object/
 * (written by gen-corpus-object.py) and deterministic pseudo-random
 * inputs; testcases/fuzz/build-libfuzzer.sh builds it for libFuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "store_aead.h"
#include "store_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)         \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define FUZZ_OBJ_MAGIC "OSOB"

/* The master key of the private objects, a fixed test value. */
static const uint8_t fuzz_obj_key[32] = {
    0x6f, 0x70, 0x65, 0x6e, 0x73, 0x6c, 0x6f, 0x74, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6d, 0x6b,
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

static struct tok_store_aead *fuzz_obj_aead(void)
{
	static struct tok_store_aead *aead;

	if (!aead)
		aead = tok_store_aead_new(fuzz_obj_key);
	FUZZ_CHECK(aead);
	return aead;
}

/* Decodes an attribute encoding; what is accepted must encode back to the same bytes. */
static void fuzz_obj_decode(const uint8_t *data, size_t size)
{
	struct tok_attrs a;
	struct os_buf again;

	tok_attrs_init(&a);
	if (tok_attrs_decode(&a, data, size) != CKR_OK) {
		FUZZ_CHECK(a.n == 0 && a.v == NULL && a.block == NULL);
		return;
	}
	FUZZ_CHECK(a.n <= TOK_ATTRS_MAX_COUNT);
	for (size_t i = 0; i < a.n; i++) {
		FUZZ_CHECK(a.v[i].ulValueLen <= TOK_ATTRS_MAX_VALUE);
		FUZZ_CHECK(tok_attrs_find(&a, a.v[i].type) == &a.v[i]);
	}
	os_buf_init(&again);
	tok_attrs_encode(&a, &again);
	FUZZ_CHECK(!os_buf_failed(&again));
	FUZZ_CHECK(again.len == size && (size == 0 || memcmp(again.data, data, size) == 0));
	os_buf_free(&again);
	tok_attrs_free(&a);
}

/* Opens the input as an object file, clear (key NULL) or private. */
static void fuzz_obj_open(const uint8_t *data, size_t size, const uint8_t *key)
{
	struct tok_store_frame fr, fr2;
	struct os_buf body, body2;
	CK_RV rv, rv2;

	os_buf_init(&body);
	rv = tok_store_frame_open(FUZZ_OBJ_MAGIC, data, size, key, &fr, &body);
	if (key) {
		os_buf_init(&body2);
		rv2 = tok_store_frame_open_aead(FUZZ_OBJ_MAGIC, data, size, fuzz_obj_aead(), &fr2,
		                                &body2);
		FUZZ_CHECK(rv == rv2);
		if (rv == CKR_OK)
			FUZZ_CHECK(body.len == body2.len &&
			           (body.len == 0 || memcmp(body.data, body2.data, body.len) == 0));
		tok_store_file_wipe(&body2);
	}
	if (rv == CKR_OK) {
		FUZZ_CHECK(body.len + TOK_STORE_FRAME_HDR <= size);
		fuzz_obj_decode(body.data, body.len);
	}
	tok_store_file_wipe(&body);
}

/* Opens file, which must hold fr and body (want) unless damaged. */
static void fuzz_obj_reopen(const struct os_buf *file, const uint8_t *key,
                            const struct tok_store_frame *fr, const uint8_t *want, size_t size,
                            bool damaged)
{
	struct tok_store_frame got;
	struct os_buf body;
	CK_RV rv;

	os_buf_init(&body);
	rv = tok_store_frame_open(FUZZ_OBJ_MAGIC, file->data, file->len, key, &got, &body);
	if (damaged) {
		FUZZ_CHECK(rv == CKR_DATA_INVALID);
	} else {
		FUZZ_CHECK(rv == CKR_OK);
		FUZZ_CHECK(got.id == fr->id && got.generation == fr->generation);
		FUZZ_CHECK(body.len == size && (size == 0 || memcmp(body.data, want, size) == 0));
	}
	tok_store_file_wipe(&body);
}

/* Seals the input as an object body, opens it back, then damages one byte. */
static void fuzz_obj_seal(const uint8_t *data, size_t size, const uint8_t *key)
{
	struct tok_store_frame fr = {.id = size, .generation = size ? data[0] + 1u : 1};
	struct os_buf file;

	os_buf_init(&file);
	FUZZ_CHECK(tok_store_frame_seal(FUZZ_OBJ_MAGIC, &fr, data, size, key, &file) == CKR_OK);
	FUZZ_CHECK(file.len <= size + TOK_STORE_FRAME_OVERHEAD);
	fuzz_obj_reopen(&file, key, &fr, data, size, false);
	size_t at = (size * 31 + (size ? data[size - 1] : 0)) % file.len;
	file.data[at] ^= (uint8_t)(1u << (size % 8));
	fuzz_obj_reopen(&file, key, &fr, data, size, true);
	tok_store_file_wipe(&file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_obj_decode(data, size);
	fuzz_obj_open(data, size, NULL);
	fuzz_obj_open(data, size, fuzz_obj_key);
	fuzz_obj_seal(data, size, NULL);
	fuzz_obj_seal(data, size, fuzz_obj_key);
	return 0;
}
