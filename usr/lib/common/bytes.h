/*
 * Byte-level helpers every part shares: big-endian integers of 1 to 8
 * bytes, and the blank-padded fixed fields of PKCS#11 (labels, model,
 * manufacturer, descriptions: no NUL, text cut to the field).
 */
#ifndef OS_BYTES_H
#define OS_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Writes the low n bytes of v at p, most significant first; returns p + n. */
static inline unsigned char *os_put_be(void *p, uint64_t v, size_t n)
{
	unsigned char *b = p;

	for (size_t i = n; i > 0; i--, v >>= 8)
		b[i - 1] = (unsigned char)v;
	return b + n;
}

/* The n-byte big-endian integer at p. */
static inline uint64_t os_get_be(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

/* Fills a fixed field of size bytes with the first len bytes of text, then blanks. */
static inline void os_pad_field(void *field, size_t size, const char *text, size_t len)
{
	if (len > size)
		len = size;
	memcpy(field, text, len);
	memset((unsigned char *)field + len, ' ', size - len);
}

/* os_pad_field with text up to its first NUL (at most size bytes of it). */
static inline void os_pad_text(void *field, size_t size, const char *text)
{
	size_t len = 0;

	while (len < size && text[len] != '\0')
		len++;
	os_pad_field(field, size, text, len);
}

#endif
