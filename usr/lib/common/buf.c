/*
 * Byte buffers with a sticky failure flag (see buf.h).  All multi-byte
 * integers are written and read big-endian, byte by byte, so nothing here
 * depends on alignment or host byte order.
 */
#include "buf.h"
#include "bytes.h"

#include <stdlib.h>
#include <string.h>

void os_buf_init(struct os_buf *buf)
{
	memset(buf, 0, sizeof(*buf));
}

void os_buf_free(struct os_buf *buf)
{
	free(buf->data);
	os_buf_init(buf);
}

void os_buf_reset(struct os_buf *buf)
{
	buf->len = 0;
	buf->failed = false;
}

bool os_buf_failed(const struct os_buf *buf)
{
	return buf->failed;
}

unsigned char *os_buf_reserve(struct os_buf *buf, size_t n)
{
	if (buf->failed)
		return NULL;
	if (n > SIZE_MAX / 2 - buf->len) {
		buf->failed = true;
		return NULL;
	}
	/* Allocates even for n == 0, so success never returns NULL. */
	if (buf->len + n > buf->cap || !buf->data) {
		size_t cap = buf->cap ? buf->cap : 256;
		while (cap < buf->len + n)
			cap *= 2;
		unsigned char *data = realloc(buf->data, cap);
		if (!data) {
			buf->failed = true;
			return NULL;
		}
		buf->data = data;
		buf->cap = cap;
	}
	unsigned char *at = buf->data + buf->len;
	buf->len += n;
	return at;
}

void os_buf_add(struct os_buf *buf, const void *data, size_t n)
{
	unsigned char *at = os_buf_reserve(buf, n);
	if (at && n)
		memcpy(at, data, n);
}

static void buf_add_be(struct os_buf *buf, uint64_t v, int bytes)
{
	unsigned char *at = os_buf_reserve(buf, (size_t)bytes);
	if (at)
		os_put_be(at, v, (size_t)bytes);
}

void os_buf_add_u16(struct os_buf *buf, uint16_t v)
{
	buf_add_be(buf, v, 2);
}

void os_buf_add_u32(struct os_buf *buf, uint32_t v)
{
	buf_add_be(buf, v, 4);
}

void os_buf_add_u64(struct os_buf *buf, uint64_t v)
{
	buf_add_be(buf, v, 8);
}

void os_buf_add_str(struct os_buf *buf, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > UINT32_MAX) {
		buf->failed = true;
		return;
	}
	os_buf_add_u32(buf, (uint32_t)n);
	os_buf_add(buf, s, n);
}

void os_buf_add_bytes(struct os_buf *buf, const void *data, size_t n)
{
	if (n > UINT32_MAX) {
		buf->failed = true;
		return;
	}
	os_buf_add_u32(buf, (uint32_t)n);
	os_buf_add(buf, data, n);
}

void os_buf_consume(struct os_buf *buf, size_t n)
{
	if (n >= buf->len) {
		buf->len = 0;
		return;
	}
	memmove(buf->data, buf->data + n, buf->len - n);
	buf->len -= n;
}

void os_reader_init(struct os_reader *rd, const void *data, size_t len)
{
	rd->data = data;
	rd->len = len;
	rd->pos = 0;
	rd->failed = false;
}

bool os_reader_failed(const struct os_reader *rd)
{
	return rd->failed;
}

bool os_reader_done(const struct os_reader *rd)
{
	return !rd->failed && rd->pos == rd->len;
}

static const unsigned char *reader_take(struct os_reader *rd, size_t n)
{
	if (rd->failed || n > rd->len - rd->pos) {
		rd->failed = true;
		return NULL;
	}
	const unsigned char *at = rd->data + rd->pos;
	rd->pos += n;
	return at;
}

static uint64_t reader_be(struct os_reader *rd, int bytes)
{
	const unsigned char *at = reader_take(rd, (size_t)bytes);

	return at ? os_get_be(at, (size_t)bytes) : 0;
}

uint16_t os_reader_u16(struct os_reader *rd)
{
	return (uint16_t)reader_be(rd, 2);
}

uint32_t os_reader_u32(struct os_reader *rd)
{
	return (uint32_t)reader_be(rd, 4);
}

uint64_t os_reader_u64(struct os_reader *rd)
{
	return reader_be(rd, 8);
}

void os_reader_str(struct os_reader *rd, char *out, size_t outlen, size_t max)
{
	uint32_t n = os_reader_u32(rd);
	if (outlen)
		out[0] = '\0';
	if (rd->failed)
		return;
	if (n > max || outlen == 0 || n > outlen - 1) {
		rd->failed = true;
		return;
	}
	const unsigned char *at = reader_take(rd, n);
	if (!at)
		return;
	if (memchr(at, '\0', n)) {
		rd->failed = true;
		return;
	}
	memcpy(out, at, n);
	out[n] = '\0';
}

const unsigned char *os_reader_bytes(struct os_reader *rd, size_t *n, size_t max)
{
	uint32_t len = os_reader_u32(rd);

	*n = 0;
	if (rd->failed)
		return NULL;
	if (len > max) {
		rd->failed = true;
		return NULL;
	}
	const unsigned char *at = reader_take(rd, len);
	if (at)
		*n = len;
	return at;
}
