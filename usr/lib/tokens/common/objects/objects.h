/*
 * The objects of one token as one process sees them: token objects
 * loaded from the store, and session objects, each behind a handle that is
 * unique in the process and stays valid for the object's life, across
 * sessions.  An index by CKA_LABEL, CKA_ID, CKA_CLASS and CKA_KEY_TYPE
 * answers C_FindObjects without looking at every object.
 *
 * Objects are reference counted: a caller that looked one up keeps it
 * alive (and its attributes unchanged: a modification replaces the object
 * behind the handle with a new one) until it drops its reference.
 */
#ifndef TOK_OBJECTS_H
#define TOK_OBJECTS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "attrs.h"
#include "backend.h"
#include "htab.h"

struct tok_object {
	CK_OBJECT_HANDLE handle;
	struct tok_attrs attrs;
	bool token;                       /* CKA_TOKEN */
	bool private;                     /* CKA_PRIVATE */
	uint64_t store_id;                /* token objects: id in the store */
	uint64_t generation;              /* token objects: store generation loaded */
	const void *owner;                /* session objects: the session that made them */
	void *cache;                      /* backend key cache (backend.h) */
	const struct os_backend_ops *ops; /* to free the cache */
	void *ops_ctx;
	atomic_int refs;
};

/* Index bucket: the objects with one value of one indexed attribute. */
struct tok_index_bucket;

struct tok_objects {
	size_t n;               /* objects in the set */
	struct os_htab handles; /* struct tok_object * by handle */
	struct os_htab stored;  /* token objects: struct tok_object * by store_id */
	struct os_htab buckets; /* struct tok_index_bucket * by (type, value) */
};

void tok_objects_init(struct tok_objects *set);
/* Drops every object (references held elsewhere keep theirs alive). */
void tok_objects_clear(struct tok_objects *set);

/* A new object with a fresh process-wide handle, taking over attrs. */
struct tok_object *tok_object_new(struct tok_attrs *attrs);
void tok_object_ref(struct tok_object *obj);
void tok_object_unref(struct tok_object *obj);
/* The backend key view of an object. */
struct os_backend_key tok_object_key(struct tok_object *obj);

/*
 * Adds (indexing it) or removes an object; the set holds one reference.
 * A failed add (-1, out of memory) leaves the set as it was.
 */
int tok_objects_add(struct tok_objects *set, struct tok_object *obj);
void tok_objects_remove(struct tok_objects *set, struct tok_object *obj);
/*
 * Replaces old by new under old's handle: new takes the handle and the
 * set's reference to old is dropped.  Returns -1, leaving old in the set
 * and new out of it (the caller keeps its reference), when old is not in
 * the set or memory runs out.
 */
int tok_objects_replace(struct tok_objects *set, struct tok_object *old, struct tok_object *new);
/*
 * Exchanges the handles of two objects of the set, which needs no memory:
 * a reload gives an object's new version the handle its old one had.
 * Does nothing unless both are in the set.
 */
void tok_objects_swap_handles(struct tok_objects *set, struct tok_object *a, struct tok_object *b);
struct tok_object *tok_objects_find(const struct tok_objects *set, CK_OBJECT_HANDLE handle);
/* The token object loaded from store object store_id, or NULL. */
struct tok_object *tok_objects_find_stored(const struct tok_objects *set, uint64_t store_id);

/*
 * Calls fn for each object that may match tmpl: all objects when tmpl
 * names no indexed attribute, else only those in the smallest bucket among
 * the indexed attributes it names.  fn returns false to stop.
 */
void tok_objects_candidates(const struct tok_objects *set, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                            bool (*fn)(struct tok_object *obj, void *arg), void *arg);

#endif
