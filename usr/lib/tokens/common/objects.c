/*
 * Object sets of a token: handles and the find index (see objects.h).
 *
 * Token objects are also found by their store id, so that a process
 * following another's changes touches only the objects that changed.
 *
 * All tables are open-addressed with linear probing; a removed entry
 * leaves a tombstone that lookups step over and inserts reuse, and a table
 * is rebuilt at twice the size when live entries and tombstones fill 70%.
 */
#include "objects.h"

#include <stdlib.h>
#include <string.h>

#define OBJECTS_TOMBSTONE ((void *)1)

static const CK_ATTRIBUTE_TYPE objects_indexed[] = {CKA_LABEL, CKA_ID, CKA_CLASS, CKA_KEY_TYPE};
#define OBJECTS_N_INDEXED (sizeof(objects_indexed) / sizeof(objects_indexed[0]))

struct tok_index_bucket {
	CK_ATTRIBUTE_TYPE type;
	uint64_t hash;
	CK_ULONG len;
	unsigned char *value;
	struct tok_object **objs;
	size_t n;
	size_t cap;
};

static atomic_ulong objects_next_handle = 1;

static uint64_t objects_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static uint64_t objects_hash_value(CK_ATTRIBUTE_TYPE type, const void *value, CK_ULONG len)
{
	uint64_t h = 1469598103934665603ULL ^ type;
	const unsigned char *p = value;

	for (CK_ULONG i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return objects_mix(h);
}

static bool objects_live(const void *p)
{
	return p && p != OBJECTS_TOMBSTONE;
}

void tok_objects_init(struct tok_objects *set)
{
	memset(set, 0, sizeof(*set));
}

/* ---- objects ---- */

struct tok_object *tok_object_new(struct tok_attrs *attrs)
{
	struct tok_object *obj = calloc(1, sizeof(*obj));
	CK_ULONG klass = CK_UNAVAILABLE_INFORMATION;

	if (!obj)
		return NULL;
	obj->attrs = *attrs;
	tok_attrs_init(attrs);
	tok_attrs_get_ulong(&obj->attrs, CKA_CLASS, &klass);
	obj->klass = klass;
	obj->token = tok_attrs_get_bool(&obj->attrs, CKA_TOKEN, CK_FALSE);
	obj->private = tok_attrs_get_bool(&obj->attrs, CKA_PRIVATE, CK_FALSE);
	obj->handle = atomic_fetch_add(&objects_next_handle, 1);
	atomic_init(&obj->refs, 1);
	return obj;
}

void tok_object_ref(struct tok_object *obj)
{
	atomic_fetch_add(&obj->refs, 1);
}

void tok_object_unref(struct tok_object *obj)
{
	if (!obj || atomic_fetch_sub(&obj->refs, 1) != 1)
		return;
	if (obj->cache && obj->ops)
		obj->ops->key_cache_free(obj->ops_ctx, obj->cache);
	tok_attrs_free(&obj->attrs);
	free(obj);
}

struct os_backend_key tok_object_key(struct tok_object *obj)
{
	struct os_backend_key key = {.attrs = &obj->attrs, .cache = &obj->cache};

	return key;
}

/* ---- handle table ---- */

static size_t objects_probe(const struct tok_objects *set, CK_OBJECT_HANDLE handle)
{
	return objects_mix(handle) & (set->cap - 1);
}

/* Rebuilds the table at cap slots, dropping tombstones. */
static int objects_rehash(struct tok_objects *set, size_t cap)
{
	struct tok_object **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	struct tok_object **old = set->slots;
	size_t old_cap = set->cap;
	set->slots = slots;
	set->cap = cap;
	set->tombstones = 0;
	for (size_t i = 0; i < old_cap; i++) {
		if (!objects_live(old[i]))
			continue;
		size_t j = objects_probe(set, old[i]->handle);
		while (set->slots[j])
			j = (j + 1) & (cap - 1);
		set->slots[j] = old[i];
	}
	free(old);
	return 0;
}

struct tok_object *tok_objects_find(const struct tok_objects *set, CK_OBJECT_HANDLE handle)
{
	if (!set->cap)
		return NULL;
	for (size_t j = objects_probe(set, handle);; j = (j + 1) & (set->cap - 1)) {
		struct tok_object *o = set->slots[j];
		if (!o)
			return NULL;
		if (o != OBJECTS_TOMBSTONE && o->handle == handle)
			return o;
	}
}

static int objects_put(struct tok_objects *set, struct tok_object *obj)
{
	if ((set->n + set->tombstones + 1) * 10 >= set->cap * 7) {
		size_t cap = set->cap ? set->cap : 64;
		if ((set->n + 1) * 10 >= cap * 5 || !set->cap)
			cap *= 2;
		if (objects_rehash(set, cap) < 0)
			return -1;
	}
	size_t j = objects_probe(set, obj->handle);
	while (objects_live(set->slots[j]))
		j = (j + 1) & (set->cap - 1);
	if (set->slots[j] == OBJECTS_TOMBSTONE)
		set->tombstones--;
	set->slots[j] = obj;
	set->n++;
	return 0;
}

static void objects_take(struct tok_objects *set, struct tok_object *obj)
{
	for (size_t j = objects_probe(set, obj->handle);; j = (j + 1) & (set->cap - 1)) {
		if (!set->slots[j])
			return;
		if (set->slots[j] == obj) {
			set->slots[j] = OBJECTS_TOMBSTONE;
			set->n--;
			set->tombstones++;
			return;
		}
	}
}

/* ---- store id table ---- */

static bool objects_is_stored(const struct tok_object *obj)
{
	return obj->token && obj->store_id != 0;
}

static size_t objects_stored_probe(const struct tok_objects *set, uint64_t id)
{
	return objects_mix(id) & (set->stored_cap - 1);
}

static int objects_stored_rehash(struct tok_objects *set, size_t cap)
{
	struct tok_object **slots = calloc(cap, sizeof(*slots));
	struct tok_object **old = set->stored;
	size_t old_cap = set->stored_cap;

	if (!slots)
		return -1;
	set->stored = slots;
	set->stored_cap = cap;
	set->stored_tombstones = 0;
	for (size_t i = 0; i < old_cap; i++) {
		if (!objects_live(old[i]))
			continue;
		size_t j = objects_stored_probe(set, old[i]->store_id);
		while (set->stored[j])
			j = (j + 1) & (cap - 1);
		set->stored[j] = old[i];
	}
	free(old);
	return 0;
}

struct tok_object *tok_objects_find_stored(const struct tok_objects *set, uint64_t store_id)
{
	if (!set->stored_cap || !store_id)
		return NULL;
	for (size_t j = objects_stored_probe(set, store_id);; j = (j + 1) & (set->stored_cap - 1)) {
		struct tok_object *o = set->stored[j];
		if (!o)
			return NULL;
		if (o != OBJECTS_TOMBSTONE && o->store_id == store_id)
			return o;
	}
}

static int objects_stored_put(struct tok_objects *set, struct tok_object *obj)
{
	if (!objects_is_stored(obj))
		return 0;
	if ((set->n_stored + set->stored_tombstones + 1) * 10 >= set->stored_cap * 7) {
		size_t cap = set->stored_cap ? set->stored_cap : 64;
		if ((set->n_stored + 1) * 10 >= cap * 5 || !set->stored_cap)
			cap *= 2;
		if (objects_stored_rehash(set, cap) < 0)
			return -1;
	}
	size_t j = objects_stored_probe(set, obj->store_id);
	while (objects_live(set->stored[j]))
		j = (j + 1) & (set->stored_cap - 1);
	if (set->stored[j] == OBJECTS_TOMBSTONE)
		set->stored_tombstones--;
	set->stored[j] = obj;
	set->n_stored++;
	return 0;
}

static void objects_stored_take(struct tok_objects *set, struct tok_object *obj)
{
	if (!objects_is_stored(obj) || !set->stored_cap)
		return;
	for (size_t j = objects_stored_probe(set, obj->store_id);;
	     j = (j + 1) & (set->stored_cap - 1)) {
		if (!set->stored[j])
			return;
		if (set->stored[j] == obj) {
			set->stored[j] = OBJECTS_TOMBSTONE;
			set->n_stored--;
			set->stored_tombstones++;
			return;
		}
	}
}

/* ---- index ---- */

static struct tok_index_bucket **objects_bucket_slot(const struct tok_objects *set,
                                                     CK_ATTRIBUTE_TYPE type, const void *value,
                                                     CK_ULONG len, uint64_t hash)
{
	struct tok_index_bucket **free_slot = NULL;

	for (size_t j = hash & (set->bucket_cap - 1);; j = (j + 1) & (set->bucket_cap - 1)) {
		struct tok_index_bucket *b = set->buckets[j];
		if (!b)
			return free_slot ? free_slot : &set->buckets[j];
		if (b == OBJECTS_TOMBSTONE) {
			if (!free_slot)
				free_slot = &set->buckets[j];
			continue;
		}
		if (b->hash == hash && b->type == type && b->len == len &&
		    (len == 0 || memcmp(b->value, value, len) == 0))
			return &set->buckets[j];
	}
}

static int objects_buckets_rehash(struct tok_objects *set)
{
	size_t cap = set->bucket_cap ? set->bucket_cap : 64;
	if ((set->n_buckets + 1) * 10 >= cap * 5 || !set->bucket_cap)
		cap *= 2;
	struct tok_index_bucket **buckets = calloc(cap, sizeof(*buckets));

	if (!buckets)
		return -1;
	struct tok_index_bucket **old = set->buckets;
	size_t old_cap = set->bucket_cap;
	set->buckets = buckets;
	set->bucket_cap = cap;
	set->bucket_tombstones = 0;
	for (size_t i = 0; i < old_cap; i++) {
		if (!objects_live(old[i]))
			continue;
		size_t j = old[i]->hash & (cap - 1);
		while (set->buckets[j])
			j = (j + 1) & (cap - 1);
		set->buckets[j] = old[i];
	}
	free(old);
	return 0;
}

static struct tok_index_bucket *objects_bucket_new(CK_ATTRIBUTE_TYPE type, const CK_ATTRIBUTE *at,
                                                   uint64_t hash)
{
	struct tok_index_bucket *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->type = type;
	b->hash = hash;
	b->len = at->ulValueLen;
	if (b->len) {
		b->value = malloc(b->len);
		if (!b->value) {
			free(b);
			return NULL;
		}
		memcpy(b->value, at->pValue, b->len);
	}
	return b;
}

static int objects_index_one(struct tok_objects *set, struct tok_object *obj,
                             CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(&obj->attrs, type);

	if (!at)
		return 0;
	if ((set->n_buckets + set->bucket_tombstones + 1) * 10 >= set->bucket_cap * 7 &&
	    objects_buckets_rehash(set) < 0)
		return -1;
	uint64_t hash = objects_hash_value(type, at->pValue, at->ulValueLen);
	struct tok_index_bucket **slot =
	    objects_bucket_slot(set, type, at->pValue, at->ulValueLen, hash);
	if (!objects_live(*slot)) {
		struct tok_index_bucket *b = objects_bucket_new(type, at, hash);
		if (!b)
			return -1;
		if (*slot == OBJECTS_TOMBSTONE)
			set->bucket_tombstones--;
		*slot = b;
		set->n_buckets++;
	}
	struct tok_index_bucket *b = *slot;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4;
		struct tok_object **objs = realloc(b->objs, cap * sizeof(*objs));
		if (!objs)
			return -1;
		b->objs = objs;
		b->cap = cap;
	}
	b->objs[b->n++] = obj;
	return 0;
}

static void objects_bucket_free(struct tok_index_bucket *b)
{
	free(b->value);
	free(b->objs);
	free(b);
}

static void objects_unindex_one(struct tok_objects *set, struct tok_object *obj,
                                CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(&obj->attrs, type);

	if (!at || !set->bucket_cap)
		return;
	uint64_t hash = objects_hash_value(type, at->pValue, at->ulValueLen);
	struct tok_index_bucket **slot =
	    objects_bucket_slot(set, type, at->pValue, at->ulValueLen, hash);
	struct tok_index_bucket *b = *slot;
	if (!objects_live(b))
		return;
	for (size_t i = 0; i < b->n; i++) {
		if (b->objs[i] == obj) {
			b->objs[i] = b->objs[--b->n];
			break;
		}
	}
	if (b->n == 0) {
		objects_bucket_free(b);
		*slot = OBJECTS_TOMBSTONE;
		set->n_buckets--;
		set->bucket_tombstones++;
	}
}

int tok_objects_add(struct tok_objects *set, struct tok_object *obj)
{
	if (objects_put(set, obj) < 0)
		return -1;
	if (objects_stored_put(set, obj) < 0) {
		objects_take(set, obj);
		return -1;
	}
	for (size_t i = 0; i < OBJECTS_N_INDEXED; i++) {
		if (objects_index_one(set, obj, objects_indexed[i]) < 0) {
			for (size_t k = 0; k < i; k++)
				objects_unindex_one(set, obj, objects_indexed[k]);
			objects_stored_take(set, obj);
			objects_take(set, obj);
			return -1;
		}
	}
	return 0;
}

void tok_objects_remove(struct tok_objects *set, struct tok_object *obj)
{
	for (size_t i = 0; i < OBJECTS_N_INDEXED; i++)
		objects_unindex_one(set, obj, objects_indexed[i]);
	objects_stored_take(set, obj);
	objects_take(set, obj);
	tok_object_unref(obj);
}

int tok_objects_replace(struct tok_objects *set, struct tok_object *old, struct tok_object *new)
{
	CK_OBJECT_HANDLE handle = old->handle;

	tok_objects_remove(set, old); /* drops the set's reference to old */
	new->handle = handle;
	return tok_objects_add(set, new);
}

void tok_objects_clear(struct tok_objects *set)
{
	for (size_t i = 0; i < set->cap; i++)
		if (objects_live(set->slots[i]))
			tok_object_unref(set->slots[i]);
	for (size_t i = 0; i < set->bucket_cap; i++)
		if (objects_live(set->buckets[i]))
			objects_bucket_free(set->buckets[i]);
	free(set->slots);
	free(set->buckets);
	free(set->stored);
	tok_objects_init(set);
}

static const struct tok_index_bucket *
objects_smallest(const struct tok_objects *set, const CK_ATTRIBUTE *tmpl, CK_ULONG n, bool *indexed)
{
	const struct tok_index_bucket *best = NULL;

	*indexed = false;
	for (CK_ULONG i = 0; i < n; i++) {
		bool is_indexed = false;
		for (size_t k = 0; k < OBJECTS_N_INDEXED; k++)
			is_indexed |= tmpl[i].type == objects_indexed[k];
		if (!is_indexed || (!tmpl[i].pValue && tmpl[i].ulValueLen))
			continue;
		*indexed = true;
		if (!set->bucket_cap)
			return NULL;
		uint64_t hash =
		    objects_hash_value(tmpl[i].type, tmpl[i].pValue, tmpl[i].ulValueLen);
		struct tok_index_bucket *const *slot = objects_bucket_slot(
		    set, tmpl[i].type, tmpl[i].pValue, tmpl[i].ulValueLen, hash);
		if (!objects_live(*slot))
			return NULL; /* no object has that value */
		if (!best || (*slot)->n < best->n)
			best = *slot;
	}
	return best;
}

void tok_objects_candidates(const struct tok_objects *set, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                            bool (*fn)(struct tok_object *obj, void *arg), void *arg)
{
	bool indexed;
	const struct tok_index_bucket *b = objects_smallest(set, tmpl, n, &indexed);

	if (indexed) {
		for (size_t i = 0; b && i < b->n; i++)
			if (!fn(b->objs[i], arg))
				return;
		return;
	}
	for (size_t i = 0; i < set->cap; i++)
		if (objects_live(set->slots[i]) && !fn(set->slots[i], arg))
			return;
}
