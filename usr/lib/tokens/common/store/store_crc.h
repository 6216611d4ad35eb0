/*
 * CRC-32 (IEEE 802.3, the value zlib's crc32() gives) of the token store's
 * index records, computed eight bytes at a time: a replay of OBJ_IDX checks
 * every byte of the file, so this sits on the start-up path of every
 * process that opens a token.
 */
#ifndef TOK_STORE_CRC_H
#define TOK_STORE_CRC_H

#include <stddef.h>
#include <stdint.h>

uint32_t tok_store_crc32(const void *data, size_t len);

#endif
