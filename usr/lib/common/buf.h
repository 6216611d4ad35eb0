/*
 * Growable byte buffers with a sticky failure flag, used to build and parse
 * the frames exchanged between slotd and its clients.
 *
 * Writers append in network byte order; once any append fails (allocation)
 * the buffer is marked failed and every later call is a no-op, so a caller
 * checks os_buf_failed() once at the end.  Readers walk a const byte range
 * with a cursor; a read past the end marks the reader failed in the same way
 * and yields zeroes, never touching memory outside the range.
 */
#ifndef OS_BUF_H
#define OS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct os_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
	bool failed;
};

void os_buf_init(struct os_buf *buf);
void os_buf_free(struct os_buf *buf);
void os_buf_reset(struct os_buf *buf);
bool os_buf_failed(const struct os_buf *buf);

/* Makes room for n more bytes and returns where they go, or NULL on failure. */
unsigned char *os_buf_reserve(struct os_buf *buf, size_t n);
void os_buf_add(struct os_buf *buf, const void *data, size_t n);
void os_buf_add_u16(struct os_buf *buf, uint16_t v);
void os_buf_add_u32(struct os_buf *buf, uint32_t v);
void os_buf_add_u64(struct os_buf *buf, uint64_t v);
/* A string is a u32 byte count followed by the bytes, no terminator. */
void os_buf_add_str(struct os_buf *buf, const char *s);
/* Bytes of any value the same way: a u32 count, then the bytes. */
void os_buf_add_bytes(struct os_buf *buf, const void *data, size_t n);
/* Drops the first n bytes (consumed input). */
void os_buf_consume(struct os_buf *buf, size_t n);

struct os_reader {
	const unsigned char *data;
	size_t len;
	size_t pos;
	bool failed;
};

void os_reader_init(struct os_reader *rd, const void *data, size_t len);
bool os_reader_failed(const struct os_reader *rd);
/* True when every byte was consumed and nothing failed. */
bool os_reader_done(const struct os_reader *rd);
uint16_t os_reader_u16(struct os_reader *rd);
uint32_t os_reader_u32(struct os_reader *rd);
uint64_t os_reader_u64(struct os_reader *rd);
/*
 * Reads a string into out (NUL-terminated).  Fails when the encoded length
 * exceeds max or outlen - 1, or runs past the end of the data.
 */
void os_reader_str(struct os_reader *rd, char *out, size_t outlen, size_t max);
/*
 * Reads a byte string of at most max bytes: returns where its bytes start
 * in the data (not copied) and their count in *n, or NULL (reader failed).
 */
const unsigned char *os_reader_bytes(struct os_reader *rd, size_t *n, size_t max);

#endif
