/*
 * Object sets of a token: handles and the find index (see objects.h).
 *
 * Token objects are also found by their store id, so that a process
 * following another's changes touches only the objects that changed.
 *
 * The three tables (by handle, by store id, and the index buckets by
 * attribute type and value) are hash tables of pointers (htab.h).
 */
#include "objects.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const CK_ATTRIBUTE_TYPE objects_indexed[] = {CKA_LABEL, CKA_ID, CKA_CLASS, CKA_KEY_TYPE};
#define OBJECTS_N_INDEXED (sizeof(objects_indexed) / sizeof(objects_indexed[0]))

struct tok_index_bucket {
	CK_ATTRIBUTE_TYPE type;
	CK_ULONG len;
	unsigned char *value;
	struct tok_object **objs; /* never empty while the bucket is in the index */
	size_t n;
	size_t cap;
};

static atomic_ulong objects_next_handle = 1;

void tok_objects_init(struct tok_objects *set)
{
	set->n = 0;
	os_htab_init(&set->handles, sizeof(struct tok_object *));
	os_htab_init(&set->stored, sizeof(struct tok_object *));
	os_htab_init(&set->buckets, sizeof(struct tok_index_bucket *));
}

/* ---- objects ---- */

struct tok_object *tok_object_new(struct tok_attrs *attrs)
{
	struct tok_object *obj = calloc(1, sizeof(*obj));

	if (!obj)
		return NULL;
	obj->attrs = *attrs;
	tok_attrs_init(attrs);
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

static bool objects_match_handle(const void *item, const void *key)
{
	return (*(struct tok_object *const *)item)->handle == *(const CK_OBJECT_HANDLE *)key;
}

static bool objects_match_store_id(const void *item, const void *key)
{
	return (*(struct tok_object *const *)item)->store_id == *(const uint64_t *)key;
}

static bool objects_match_ptr(const void *item, const void *key)
{
	return *(void *const *)item == key;
}

struct tok_object *tok_objects_find(const struct tok_objects *set, CK_OBJECT_HANDLE handle)
{
	struct tok_object **o =
	    os_htab_find(&set->handles, os_htab_hash_u64(handle), objects_match_handle, &handle);

	return o ? *o : NULL;
}

static int objects_put(struct tok_objects *set, struct tok_object *obj)
{
	if (!os_htab_insert(&set->handles, os_htab_hash_u64(obj->handle), &obj))
		return -1;
	set->n++;
	return 0;
}

static void objects_take(struct tok_objects *set, struct tok_object *obj)
{
	if (os_htab_remove(&set->handles, os_htab_hash_u64(obj->handle), objects_match_ptr, obj,
	                   NULL))
		set->n--;
}

/* ---- store id table ---- */

static bool objects_is_stored(const struct tok_object *obj)
{
	return obj->token && obj->store_id != 0;
}

struct tok_object *tok_objects_find_stored(const struct tok_objects *set, uint64_t store_id)
{
	if (!store_id)
		return NULL;
	struct tok_object **o = os_htab_find(&set->stored, os_htab_hash_u64(store_id),
	                                     objects_match_store_id, &store_id);
	return o ? *o : NULL;
}

static int objects_stored_put(struct tok_objects *set, struct tok_object *obj)
{
	if (!objects_is_stored(obj))
		return 0;
	return os_htab_insert(&set->stored, os_htab_hash_u64(obj->store_id), &obj) ? 0 : -1;
}

static void objects_stored_take(struct tok_objects *set, struct tok_object *obj)
{
	if (objects_is_stored(obj))
		os_htab_remove(&set->stored, os_htab_hash_u64(obj->store_id), objects_match_ptr,
		               obj, NULL);
}

/* ---- index ---- */

struct objects_value {
	CK_ATTRIBUTE_TYPE type;
	const void *value;
	CK_ULONG len;
};

static bool objects_match_value(const void *item, const void *key)
{
	const struct tok_index_bucket *b = *(struct tok_index_bucket *const *)item;
	const struct objects_value *v = key;

	return b->type == v->type && b->len == v->len &&
	       (v->len == 0 || memcmp(b->value, v->value, v->len) == 0);
}

static struct tok_index_bucket *objects_bucket_find(const struct tok_objects *set,
                                                    const struct objects_value *v, uint64_t hash)
{
	struct tok_index_bucket **b = os_htab_find(&set->buckets, hash, objects_match_value, v);

	return b ? *b : NULL;
}

static void objects_bucket_free(struct tok_index_bucket *b)
{
	free(b->value);
	free(b->objs);
	free(b);
}

/* A bucket for v with room for its first objects, or NULL. */
static struct tok_index_bucket *objects_bucket_new(const struct objects_value *v)
{
	struct tok_index_bucket *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->type = v->type;
	b->len = v->len;
	b->cap = 4;
	b->objs = malloc(b->cap * sizeof(*b->objs));
	if (b->len)
		b->value = malloc(b->len);
	if (!b->objs || (b->len && !b->value)) {
		objects_bucket_free(b);
		return NULL;
	}
	if (b->len)
		memcpy(b->value, v->value, b->len);
	return b;
}

/*
 * Adds obj to the bucket of v.  A new bucket enters the index only with
 * obj in it, so a failure leaves no empty bucket behind.
 */
static int objects_bucket_add(struct tok_objects *set, const struct objects_value *v,
                              struct tok_object *obj)
{
	uint64_t hash = os_htab_hash_bytes(v->type, v->value, v->len);
	struct tok_index_bucket *b = objects_bucket_find(set, v, hash);

	if (!b) {
		b = objects_bucket_new(v);
		if (!b)
			return -1;
		b->objs[b->n++] = obj;
		if (!os_htab_insert(&set->buckets, hash, &b)) {
			objects_bucket_free(b);
			return -1;
		}
		return 0;
	}
	if (b->n == b->cap) {
		if (b->cap > SIZE_MAX / 2 / sizeof(*b->objs))
			return -1;
		struct tok_object **objs = realloc(b->objs, b->cap * 2 * sizeof(*objs));
		if (!objs)
			return -1;
		b->objs = objs;
		b->cap *= 2;
	}
	b->objs[b->n++] = obj;
	return 0;
}

static int objects_index_one(struct tok_objects *set, struct tok_object *obj,
                             CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(&obj->attrs, type);

	if (!at)
		return 0;
	struct objects_value v = {type, at->pValue, at->ulValueLen};
	return objects_bucket_add(set, &v, obj);
}

static void objects_unindex_one(struct tok_objects *set, struct tok_object *obj,
                                CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(&obj->attrs, type);

	if (!at)
		return;
	struct objects_value v = {type, at->pValue, at->ulValueLen};
	uint64_t hash = os_htab_hash_bytes(type, v.value, v.len);
	struct tok_index_bucket *b = objects_bucket_find(set, &v, hash);
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		if (b->objs[i] == obj) {
			b->objs[i] = b->objs[--b->n];
			break;
		}
	}
	if (b->n == 0) {
		os_htab_remove(&set->buckets, hash, objects_match_ptr, b, NULL);
		objects_bucket_free(b);
	}
}

static void objects_unindex(struct tok_objects *set, struct tok_object *obj)
{
	for (size_t i = 0; i < OBJECTS_N_INDEXED; i++)
		objects_unindex_one(set, obj, objects_indexed[i]);
}

/* Indexes obj by the store id and every indexed attribute; all or nothing. */
static int objects_index(struct tok_objects *set, struct tok_object *obj)
{
	if (objects_stored_put(set, obj) < 0)
		return -1;
	for (size_t i = 0; i < OBJECTS_N_INDEXED; i++) {
		if (objects_index_one(set, obj, objects_indexed[i]) < 0) {
			for (size_t k = 0; k < i; k++)
				objects_unindex_one(set, obj, objects_indexed[k]);
			objects_stored_take(set, obj);
			return -1;
		}
	}
	return 0;
}

int tok_objects_add(struct tok_objects *set, struct tok_object *obj)
{
	if (objects_index(set, obj) < 0)
		return -1;
	if (objects_put(set, obj) < 0) {
		objects_unindex(set, obj);
		objects_stored_take(set, obj);
		return -1;
	}
	return 0;
}

void tok_objects_remove(struct tok_objects *set, struct tok_object *obj)
{
	objects_unindex(set, obj);
	objects_stored_take(set, obj);
	objects_take(set, obj);
	tok_object_unref(obj);
}

/*
 * new is indexed first, while old is still in the set (for a moment both
 * may share a store id and attribute buckets; removal goes by pointer), so
 * that running out of memory leaves old in place.  Only then does old
 * leave the indexes and new take its entry in the handle table, which
 * needs no memory.
 */
int tok_objects_replace(struct tok_objects *set, struct tok_object *old, struct tok_object *new)
{
	struct tok_object **entry =
	    os_htab_find(&set->handles, os_htab_hash_u64(old->handle), objects_match_ptr, old);

	if (!entry || old == new)
		return -1;
	if (objects_index(set, new) < 0)
		return -1;
	objects_unindex(set, old);
	objects_stored_take(set, old);
	/* The handle table did not change since the find: entry is still valid. */
	new->handle = old->handle;
	*entry = new;
	tok_object_unref(old); /* the set's reference */
	return 0;
}

void tok_objects_swap_handles(struct tok_objects *set, struct tok_object *a, struct tok_object *b)
{
	struct tok_object **ea =
	    os_htab_find(&set->handles, os_htab_hash_u64(a->handle), objects_match_ptr, a);
	struct tok_object **eb =
	    os_htab_find(&set->handles, os_htab_hash_u64(b->handle), objects_match_ptr, b);

	if (!ea || !eb || a == b)
		return;
	/* Each entry stays where its handle hashes to; only the object in it changes. */
	CK_OBJECT_HANDLE h = a->handle;
	a->handle = b->handle;
	b->handle = h;
	*ea = b;
	*eb = a;
}

void tok_objects_clear(struct tok_objects *set)
{
	struct tok_object **o;
	struct tok_index_bucket **b;
	size_t pos = 0;

	while ((o = os_htab_next(&set->handles, &pos)))
		tok_object_unref(*o);
	pos = 0;
	while ((b = os_htab_next(&set->buckets, &pos)))
		objects_bucket_free(*b);
	os_htab_free(&set->handles);
	os_htab_free(&set->stored);
	os_htab_free(&set->buckets);
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
		struct objects_value v = {tmpl[i].type, tmpl[i].pValue, tmpl[i].ulValueLen};
		const struct tok_index_bucket *b =
		    objects_bucket_find(set, &v, os_htab_hash_bytes(v.type, v.value, v.len));
		if (!b)
			return NULL; /* no object has that value */
		if (!best || b->n < best->n)
			best = b;
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
	struct tok_object **o;
	size_t pos = 0;

	while ((o = os_htab_next(&set->handles, &pos)))
		if (!fn(*o, arg))
			return;
}
