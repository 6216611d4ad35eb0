/*
 * Open-addressed hash table of inline items (see htab.h).
 */
#include "htab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Stored hashes have the top bit set, so that none is 0 (a free slot). */
#define HTAB_USED (1ull << 63)

void os_htab_init(struct os_htab *t, size_t item_size)
{
	memset(t, 0, sizeof(*t));
	t->item_size = item_size;
}

void os_htab_free(struct os_htab *t)
{
	free(t->hashes);
	free(t->items);
	os_htab_init(t, t->item_size);
}

void os_htab_clear(struct os_htab *t)
{
	if (t->cap)
		memset(t->hashes, 0, t->cap * sizeof(*t->hashes));
	t->n = 0;
}

uint64_t os_htab_hash_u64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

uint64_t os_htab_hash_bytes(uint64_t seed, const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull ^ seed;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return os_htab_hash_u64(h);
}

static unsigned char *htab_item(const struct os_htab *t, size_t i)
{
	return t->items + i * t->item_size;
}

/* The slot holding a match, or the free slot that ends the probe run. */
static size_t htab_slot(const struct os_htab *t, uint64_t h, os_htab_match_fn match,
                        const void *key)
{
	size_t mask = t->cap - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		uint64_t s = t->hashes[i];
		if (!s || (s == h && match(htab_item(t, i), key)))
			return i;
	}
}

void *os_htab_find(const struct os_htab *t, uint64_t hash, os_htab_match_fn match, const void *key)
{
	if (!t->n)
		return NULL;
	size_t i = htab_slot(t, hash | HTAB_USED, match, key);
	return t->hashes[i] ? htab_item(t, i) : NULL;
}

/* Places a stored hash and its item in the first free slot of its run. */
static size_t htab_place(struct os_htab *t, uint64_t h, const void *item)
{
	size_t mask = t->cap - 1, i = (size_t)h & mask;

	while (t->hashes[i])
		i = (i + 1) & mask;
	t->hashes[i] = h;
	memcpy(htab_item(t, i), item, t->item_size);
	return i;
}

/*
 * Whether a table of cap slots can be sized without size_t overflowing: each
 * slot holds a stored hash and an item.
 */
static bool htab_cap_fits(size_t cap, size_t item_size)
{
	return item_size <= SIZE_MAX - sizeof(uint64_t) &&
	       cap <= SIZE_MAX / (sizeof(uint64_t) + item_size);
}

/* Doubles the table; on failure (no memory, or a size too large) it is unchanged. */
static bool htab_grow(struct os_htab *t)
{
	struct os_htab big = *t;

	big.cap = t->cap ? t->cap * 2 : 64;
	if (t->cap > SIZE_MAX / 2 || !htab_cap_fits(big.cap, t->item_size))
		return false;
	big.hashes = calloc(big.cap, sizeof(*big.hashes));
	big.items = malloc(big.cap * t->item_size);
	if (!big.hashes || !big.items) {
		free(big.hashes);
		free(big.items);
		return false;
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->hashes[i])
			htab_place(&big, t->hashes[i], htab_item(t, i));
	free(t->hashes);
	free(t->items);
	*t = big;
	return true;
}

void *os_htab_insert(struct os_htab *t, uint64_t hash, const void *item)
{
	if ((t->n + 1) * 2 > t->cap && !htab_grow(t))
		return NULL;
	t->n++;
	return htab_item(t, htab_place(t, hash | HTAB_USED, item));
}

/* Empties slot i and moves later entries of its run back to close the gap. */
static void htab_shift_back(struct os_htab *t, size_t i)
{
	size_t mask = t->cap - 1;

	t->hashes[i] = 0;
	for (size_t j = (i + 1) & mask; t->hashes[j]; j = (j + 1) & mask) {
		size_t k = (size_t)t->hashes[j] & mask;
		/* The entry at j stays unless its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (k > i && k <= j) : (k > i || k <= j);
		if (stays)
			continue;
		t->hashes[i] = t->hashes[j];
		memcpy(htab_item(t, i), htab_item(t, j), t->item_size);
		t->hashes[j] = 0;
		i = j;
	}
}

bool os_htab_remove(struct os_htab *t, uint64_t hash, os_htab_match_fn match, const void *key,
                    void *out)
{
	if (!t->n)
		return false;
	size_t i = htab_slot(t, hash | HTAB_USED, match, key);
	if (!t->hashes[i])
		return false;
	if (out)
		memcpy(out, htab_item(t, i), t->item_size);
	htab_shift_back(t, i);
	t->n--;
	return true;
}

void *os_htab_next(const struct os_htab *t, size_t *pos)
{
	for (; *pos < t->cap; (*pos)++)
		if (t->hashes[*pos])
			return htab_item(t, (*pos)++);
	return NULL;
}
