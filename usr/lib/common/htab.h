/*
 * A small open-addressed hash table of fixed-size items, stored inline.
 *
 * The caller computes each item's 64-bit hash and says how an item matches
 * a key; the table keeps the hash beside the item, so growing never calls
 * back and a probe compares hashes before it calls the match function.
 * Probing is linear; removal shifts later entries back (no tombstones), so
 * probe runs stay as short as if the removed items had never been there.
 * The table doubles when it would become more than half full, and refuses
 * to grow to a size that size_t cannot count in bytes.
 *
 * Pointers to items stay valid only until the next insert or remove.
 */
#ifndef OS_HTAB_H
#define OS_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct os_htab {
	uint64_t *hashes;     /* 0 marks a free slot */
	unsigned char *items; /* cap items of item_size bytes */
	size_t item_size;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

/* Whether item matches key (whatever the caller's keys are). */
typedef bool (*os_htab_match_fn)(const void *item, const void *key);

void os_htab_init(struct os_htab *t, size_t item_size);
/* Frees the table's memory (not anything the items point to). */
void os_htab_free(struct os_htab *t);
/* Empties the table, keeping its memory. */
void os_htab_clear(struct os_htab *t);

/* A well-mixed hash of a 64-bit key (ids, handles). */
uint64_t os_htab_hash_u64(uint64_t key);
/* A hash of a byte string, seeded (e.g. with an attribute type). */
uint64_t os_htab_hash_bytes(uint64_t seed, const void *p, size_t len);

/* The item with this hash that matches key, or NULL. */
void *os_htab_find(const struct os_htab *t, uint64_t hash, os_htab_match_fn match, const void *key);
/*
 * Copies item into the table under hash and returns the stored copy, or
 * NULL when memory runs out or the table cannot grow (the table is then
 * unchanged).  The caller
 * makes sure no equal item is present (find first).
 */
void *os_htab_insert(struct os_htab *t, uint64_t hash, const void *item);
/* Removes the item that find would return, copying it to out if out is not NULL. */
bool os_htab_remove(struct os_htab *t, uint64_t hash, os_htab_match_fn match, const void *key,
                    void *out);
/*
 * Iteration: start with *pos = 0; returns the next item, or NULL at the
 * end.  The table must not change during an iteration.
 */
void *os_htab_next(const struct os_htab *t, size_t *pos);

static inline size_t os_htab_count(const struct os_htab *t)
{
	return t->n;
}

#endif
