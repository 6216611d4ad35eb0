/*
 * OBJ_IDX, the index of token objects: an append-only journal.
 *
 *   header   magic "OSIX", u16 version 1, u16 flags 0, u32 header length
 *            (28), u32 record length (24), u64 nonce (random, new with every
 *            rewrite of the file), u32 CRC-32 of the preceding 24 bytes
 *   records  u8 op (1 add, 2 update, 3 remove), u8 flags (bit 0: private),
 *            u16 zero, u64 id, u64 generation, u32 CRC-32 of the preceding
 *            20 bytes
 *
 * A record is appended with one write and an fdatasync.  Replaying the
 * records in order gives the live set; a record whose CRC or fields are
 * wrong (a torn last append, a damaged sector) is skipped, and a partial
 * record at the end is ignored and overwritten by the next append.  When
 * more records are dead than alive the file is rewritten with one add per
 * live object (compaction), and object files nobody lists are removed.
 *
 * Each process caches the live set and remembers how far it replayed the
 * file; the nonce tells it when another process rewrote the file, so a
 * refresh normally reads only the records appended since.
 */
#ifndef TOK_STORE_IDX_H
#define TOK_STORE_IDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openslot/pkcs11.h"
#include "store.h"

#define TOK_STORE_IDX_NAME "OBJ_IDX"
/* "<id as 16 lowercase hex digits>.obj" and its terminator. */
#define TOK_STORE_OBJ_NAME_SIZE 21

/* The file name of object id. */
void tok_store_idx_object_name(uint64_t id, char name[TOK_STORE_OBJ_NAME_SIZE]);

enum tok_store_idx_op {
	TOK_STORE_IDX_ADD = 1,
	TOK_STORE_IDX_UPDATE = 2,
	TOK_STORE_IDX_REMOVE = 3,
};

struct tok_store_idx {
	struct tok_store_entry *slots; /* open addressing by id; id 0 marks a free slot */
	size_t cap;                    /* a power of two, or 0 */
	size_t live;
	bool present;     /* OBJ_IDX existed at the last refresh */
	uint64_t nonce;   /* of the file replayed */
	uint64_t offset;  /* bytes replayed, always at a record boundary */
	uint64_t records; /* whole records replayed, valid or not */
};

void tok_store_idx_init(struct tok_store_idx *ix);
void tok_store_idx_free(struct tok_store_idx *ix);

/*
 * Brings the cached live set up to date with OBJ_IDX in the object
 * directory (token lock held, shared or exclusive).  A missing OBJ_IDX is an
 * empty store.  CKR_OK, CKR_DATA_INVALID (damaged header), CKR_HOST_MEMORY
 * or CKR_DEVICE_ERROR.
 */
CK_RV tok_store_idx_refresh(struct tok_store_idx *ix, int dirfd);

/* The live entry of id, or NULL. */
const struct tok_store_entry *tok_store_idx_find(const struct tok_store_idx *ix, uint64_t id);

/* A random id that is neither 0 nor live. */
CK_RV tok_store_idx_new_id(const struct tok_store_idx *ix, uint64_t *id);

/* The live set sorted by id (malloc'ed). */
CK_RV tok_store_idx_list(const struct tok_store_idx *ix, struct tok_store_entry **out, size_t *n);

/*
 * Appends one record durably and applies it to the cache (token lock held
 * exclusively, right after a refresh).  Creates OBJ_IDX when missing.
 */
CK_RV tok_store_idx_append(struct tok_store_idx *ix, int dirfd, enum tok_store_idx_op op,
                           const struct tok_store_entry *e);

/*
 * Compacts OBJ_IDX when dead records outnumber live ones and there are more
 * than 64, then removes orphan object files and stale temporary files
 * (token lock held exclusively).
 */
CK_RV tok_store_idx_maybe_compact(struct tok_store_idx *ix, int dirfd);

/*
 * Replaces OBJ_IDX with an empty one, then removes every object file
 * (C_InitToken; token lock held exclusively).
 */
CK_RV tok_store_idx_reset(struct tok_store_idx *ix, int dirfd);

/* Removes the stale temporary files (".<name>.tmp.<pid>") in dirfd. */
void tok_store_idx_sweep_temp(int dirfd);

#endif
