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
#include <stdlib.h>
#include <string.h>

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

/*
 * First pass: checks the whole encoding (count, every length, nothing after
 * the last attribute) and sums the value lengths.  Types are checked for
 * repeats in the second pass.
 */
static CK_RV attrs_measure(const void *data, size_t len, uint32_t *count, size_t *total)
{
	struct os_reader rd;

	os_reader_init(&rd, data, len);
	*count = os_reader_u32(&rd);
	*total = 0;
	if (os_reader_failed(&rd) || *count > TOK_ATTRS_MAX_COUNT)
		return CKR_DATA_INVALID;
	for (uint32_t i = 0; i < *count; i++) {
		uint64_t type = os_reader_u64(&rd);
		uint32_t vlen = os_reader_u32(&rd);
		if (os_reader_failed(&rd) || (CK_ATTRIBUTE_TYPE)type != type ||
		    vlen > TOK_ATTRS_MAX_VALUE || vlen > rd.len - rd.pos)
			return CKR_DATA_INVALID;
		rd.pos += vlen;
		*total += vlen;
	}
	return os_reader_done(&rd) ? CKR_OK : CKR_DATA_INVALID;
}

/*
 * Decodes into a, which must be empty: one array for the attributes and
 * one block for all values, so a stored object costs two allocations.
 */
CK_RV tok_attrs_decode(struct tok_attrs *a, const void *data, size_t len)
{
	struct os_reader rd;
	uint32_t count;
	size_t total, at = 0;
	CK_RV rv;

	if (a->n)
		return CKR_GENERAL_ERROR;
	rv = attrs_measure(data, len, &count, &total);
	if (rv != CKR_OK || count == 0)
		return rv; /* the empty set allocates nothing */
	a->v = malloc(count * sizeof(*a->v));
	a->block = total ? malloc(total) : NULL;
	if (!a->v || (total && !a->block)) {
		tok_attrs_free(a);
		return CKR_HOST_MEMORY;
	}
	a->cap = count;
	a->block_len = total;
	os_reader_init(&rd, data, len);
	os_reader_u32(&rd);
	for (uint32_t i = 0; i < count; i++) {
		CK_ATTRIBUTE_TYPE type = (CK_ATTRIBUTE_TYPE)os_reader_u64(&rd);
		uint32_t vlen = os_reader_u32(&rd);
		if (tok_attrs_find(a, type)) {
			tok_attrs_free(a);
			return CKR_DATA_INVALID;
		}
		CK_ATTRIBUTE *attr = &a->v[a->n++];
		attr->type = type;
		attr->ulValueLen = vlen;
		attr->pValue = vlen ? a->block + at : NULL;
		if (vlen)
			memcpy(a->block + at, rd.data + rd.pos, vlen);
		rd.pos += vlen;
		at += vlen;
	}
	return CKR_OK;
}
