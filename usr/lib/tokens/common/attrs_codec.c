/*
 * The binary encoding of attribute sets (see attrs.h), kept apart from
 * attrs.c so that backends link the sets without the buffer code.
 *
 * Layout, all integers big-endian: u32 count, then count times
 * { u64 type, u32 length, length bytes }.  Decoding trusts nothing: the
 * count and every length are bounded, every length is checked against the
 * bytes that remain, a type may appear once, and nothing may follow the
 * last attribute.  A set is encoded in its own order, so decoding and
 * encoding again gives back the same bytes.
 */
#include "attrs.h"

#include <stdint.h>

/*
 * A set the decoder would refuse (too many attributes, a value too long) is
 * not encoded: the buffer is marked failed instead, so that nothing is
 * written that could not be read back.
 */
void tok_attrs_encode(const struct tok_attrs *a, struct os_buf *out)
{
	if (a->n > TOK_ATTRS_MAX_COUNT) {
		out->failed = true;
		return;
	}
	os_buf_add_u32(out, (uint32_t)a->n);
	for (size_t i = 0; i < a->n; i++) {
		const CK_ATTRIBUTE *at = &a->v[i];
		if (at->ulValueLen > TOK_ATTRS_MAX_VALUE) {
			out->failed = true;
			return;
		}
		os_buf_add_u64(out, at->type);
		os_buf_add_u32(out, (uint32_t)at->ulValueLen);
		os_buf_add(out, at->pValue, at->ulValueLen);
	}
}

/* Reads one attribute into a; CKR_DATA_INVALID when it breaks a rule of the encoding. */
static CK_RV attrs_decode_one(struct tok_attrs *a, struct os_reader *rd)
{
	uint64_t type = os_reader_u64(rd);
	uint32_t len = os_reader_u32(rd);

	if (os_reader_failed(rd) || (CK_ATTRIBUTE_TYPE)type != type || len > TOK_ATTRS_MAX_VALUE ||
	    len > rd->len - rd->pos)
		return CKR_DATA_INVALID;
	if (tok_attrs_find(a, (CK_ATTRIBUTE_TYPE)type))
		return CKR_DATA_INVALID;
	CK_RV rv = tok_attrs_set(a, (CK_ATTRIBUTE_TYPE)type, rd->data + rd->pos, len);
	rd->pos += len;
	return rv;
}

CK_RV tok_attrs_decode(struct tok_attrs *a, const void *data, size_t len)
{
	struct os_reader rd;
	uint32_t count;
	CK_RV rv = CKR_OK;

	os_reader_init(&rd, data, len);
	count = os_reader_u32(&rd);
	if (os_reader_failed(&rd) || count > TOK_ATTRS_MAX_COUNT)
		rv = CKR_DATA_INVALID;
	for (uint32_t i = 0; i < count && rv == CKR_OK; i++)
		rv = attrs_decode_one(a, &rd);
	if (rv == CKR_OK && !os_reader_done(&rd))
		rv = CKR_DATA_INVALID;
	if (rv != CKR_OK)
		tok_attrs_free(a);
	return rv;
}
