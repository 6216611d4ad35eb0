/*
 * Unit tests of a token's object set (usr/lib/tokens/common/objects/objects.c):
 * add, find by handle and by store id, remove, replace, the candidates of a
 * find (through the index and without it), many objects, and running out
 * of memory at every allocation of an add or a replace: the set is left as
 * it was, with no empty index bucket and no entry that points at the
 * object that was not added.
 *
 * malloc, calloc and realloc are wrapped (-Wl,--wrap) so that a test can
 * make the allocations after the first n fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objects.h"

/* ---- allocation control ---- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_realloc(void *p, size_t size);

static int alloc_fail_after = -1; /* allocations still allowed; -1: no limit */

static bool alloc_allowed(void)
{
	if (alloc_fail_after < 0)
		return true;
	if (alloc_fail_after == 0)
		return false;
	alloc_fail_after--;
	return true;
}

void *__wrap_malloc(size_t size)
{
	return alloc_allowed() ? __real_malloc(size) : NULL;
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_allowed() ? __real_calloc(n, size) : NULL;
}

void *__wrap_realloc(void *p, size_t size)
{
	return alloc_allowed() ? __real_realloc(p, size) : NULL;
}

/* ---- objects ---- */

/* A data object (or a secret key when key_type is not -1) with a label and an id. */
static struct tok_object *make(const char *label, CK_ULONG id, long key_type, bool token,
                               uint64_t store_id)
{
	struct tok_attrs a;

	tok_attrs_init(&a);
	assert_int_equal(
	    tok_attrs_set_ulong(&a, CKA_CLASS,
	                        key_type < 0 ? (CK_ULONG)CKO_DATA : (CK_ULONG)CKO_SECRET_KEY),
	    CKR_OK);
	if (key_type >= 0)
		assert_int_equal(tok_attrs_set_ulong(&a, CKA_KEY_TYPE, (CK_ULONG)key_type), CKR_OK);
	if (label)
		assert_int_equal(tok_attrs_set(&a, CKA_LABEL, label, strlen(label)), CKR_OK);
	assert_int_equal(tok_attrs_set(&a, CKA_ID, &id, sizeof(id)), CKR_OK);
	assert_int_equal(tok_attrs_set_bool(&a, CKA_TOKEN, token), CKR_OK);
	struct tok_object *obj = tok_object_new(&a);
	assert_non_null(obj);
	assert_int_equal(a.n, 0); /* taken over */
	obj->store_id = store_id;
	return obj;
}

struct collect {
	struct tok_object *seen[64];
	size_t n;
	size_t stop_after; /* 0: never stop */
};

static bool collect_fn(struct tok_object *obj, void *arg)
{
	struct collect *c = arg;

	if (c->n < sizeof(c->seen) / sizeof(c->seen[0]))
		c->seen[c->n] = obj;
	c->n++;
	return c->stop_after == 0 || c->n < c->stop_after;
}

static size_t count_label(const struct tok_objects *set, const char *label)
{
	CK_ATTRIBUTE tmpl[] = {{CKA_LABEL, (void *)label, strlen(label)}};
	struct collect c = {0};

	tok_objects_candidates(set, tmpl, 1, collect_fn, &c);
	return c.n;
}

static bool label_has(const struct tok_objects *set, const char *label, struct tok_object *obj)
{
	CK_ATTRIBUTE tmpl[] = {{CKA_LABEL, (void *)label, strlen(label)}};
	struct collect c = {0};

	tok_objects_candidates(set, tmpl, 1, collect_fn, &c);
	for (size_t i = 0; i < c.n && i < 64; i++)
		if (c.seen[i] == obj)
			return true;
	return false;
}

static size_t count_all(const struct tok_objects *set)
{
	struct collect c = {0};

	tok_objects_candidates(set, NULL, 0, collect_fn, &c);
	return c.n;
}

/*
 * The index holds exactly one bucket per distinct indexed value among the
 * objects in the set, none empty: the number of buckets is the number of
 * distinct (type, value) pairs.
 */
static void check_buckets(const struct tok_objects *set)
{
	static const CK_ATTRIBUTE_TYPE types[] = {CKA_LABEL, CKA_ID, CKA_CLASS, CKA_KEY_TYPE};
	struct tok_object **o;
	size_t pos = 0, distinct = 0, n = 0;
	struct tok_object *objs[512];

	while ((o = os_htab_next(&set->handles, &pos))) {
		assert_true(n < 512);
		objs[n++] = *o;
	}
	assert_int_equal(n, set->n);
	for (size_t t = 0; t < 4; t++) {
		for (size_t i = 0; i < n; i++) {
			const CK_ATTRIBUTE *a = tok_attrs_find(&objs[i]->attrs, types[t]);
			bool first = a != NULL;
			for (size_t j = 0; first && j < i; j++) {
				const CK_ATTRIBUTE *b = tok_attrs_find(&objs[j]->attrs, types[t]);
				if (b && b->ulValueLen == a->ulValueLen &&
				    memcmp(b->pValue, a->pValue, a->ulValueLen) == 0)
					first = false;
			}
			distinct += first;
		}
	}
	assert_int_equal(os_htab_count(&set->buckets), distinct);
}

/* ---- tests ---- */

static void test_add_find_remove(void **state)
{
	struct tok_objects set;

	(void)state;
	tok_objects_init(&set);
	struct tok_object *a = make("a", 1, -1, true, 10);
	struct tok_object *b = make("b", 2, CKK_AES, false, 0);
	assert_int_not_equal(a->handle, b->handle);
	assert_true(a->token);
	assert_false(b->token);
	assert_int_equal(tok_objects_add(&set, a), 0);
	assert_int_equal(tok_objects_add(&set, b), 0);
	assert_int_equal(set.n, 2);
	assert_ptr_equal(tok_objects_find(&set, a->handle), a);
	assert_ptr_equal(tok_objects_find(&set, b->handle), b);
	assert_null(tok_objects_find(&set, b->handle + 1000));
	assert_ptr_equal(tok_objects_find_stored(&set, 10), a);
	assert_null(tok_objects_find_stored(&set, 0));
	assert_null(tok_objects_find_stored(&set, 11));
	assert_int_equal(count_label(&set, "a"), 1);
	assert_int_equal(count_label(&set, "c"), 0);
	check_buckets(&set);

	CK_OBJECT_HANDLE ha = a->handle;
	tok_object_ref(a);
	tok_objects_remove(&set, a);
	assert_int_equal(atomic_load(&a->refs), 1); /* the set's reference went */
	assert_int_equal(set.n, 1);
	assert_null(tok_objects_find(&set, ha));
	assert_null(tok_objects_find_stored(&set, 10));
	assert_int_equal(count_label(&set, "a"), 0);
	check_buckets(&set);
	tok_object_unref(a);
	tok_objects_clear(&set);
	assert_int_equal(set.n, 0);
	assert_int_equal(os_htab_count(&set.buckets), 0);
}

/* Handles are unique in the process and never 0. */
static void test_handles_unique(void **state)
{
	CK_OBJECT_HANDLE prev = 0;

	(void)state;
	for (int i = 0; i < 100; i++) {
		struct tok_object *o = make("x", 1, -1, false, 0);
		assert_int_not_equal(o->handle, 0);
		assert_true(o->handle > prev);
		prev = o->handle;
		tok_object_unref(o);
	}
}

/* 500 objects in 7 labels and 3 key types; finds go through the smallest bucket. */
static void test_many_objects(void **state)
{
	enum { N = 500 };
	static struct tok_object *objs[N];
	struct tok_objects set;
	char label[16];

	(void)state;
	tok_objects_init(&set);
	for (int i = 0; i < N; i++) {
		snprintf(label, sizeof(label), "L%d", i % 7);
		objs[i] = make(label, (CK_ULONG)i, i % 2 ? (long)CKK_AES : -1, i % 3 == 0,
		               (uint64_t)i + 1);
		assert_int_equal(tok_objects_add(&set, objs[i]), 0);
	}
	assert_int_equal(set.n, N);
	check_buckets(&set);
	for (int i = 0; i < N; i++) {
		assert_ptr_equal(tok_objects_find(&set, objs[i]->handle), objs[i]);
		assert_ptr_equal(tok_objects_find_stored(&set, (uint64_t)i + 1),
		                 i % 3 == 0 ? objs[i] : NULL);
	}
	assert_int_equal(count_all(&set), N);
	assert_int_equal(count_label(&set, "L3"), (N + 7 - 1 - 3) / 7);

	/* Label and id together: the id's bucket holds one object. */
	CK_ULONG id = 44;
	CK_ATTRIBUTE two[] = {{CKA_LABEL, "L2", 2}, {CKA_ID, &id, sizeof(id)}};
	struct collect c = {0};
	tok_objects_candidates(&set, two, 2, collect_fn, &c);
	assert_int_equal(c.n, 1);
	assert_ptr_equal(c.seen[0], objs[44]);
	/* A value no object has: no candidate at all. */
	id = N + 5;
	c.n = 0;
	tok_objects_candidates(&set, two, 2, collect_fn, &c);
	assert_int_equal(c.n, 0);
	/* An attribute that is not indexed: every object is a candidate. */
	CK_BBOOL t = CK_TRUE;
	CK_ATTRIBUTE unindexed[] = {{CKA_TOKEN, &t, sizeof(t)}};
	c.n = 0;
	tok_objects_candidates(&set, unindexed, 1, collect_fn, &c);
	assert_int_equal(c.n, N);
	/* The callback stops the walk, indexed or not. */
	c = (struct collect){.stop_after = 3};
	tok_objects_candidates(&set, NULL, 0, collect_fn, &c);
	assert_int_equal(c.n, 3);
	c = (struct collect){.stop_after = 2};
	tok_objects_candidates(&set, two, 1, collect_fn, &c);
	assert_int_equal(c.n, 2);

	/* Remove every object of label L0 and the odd ones. */
	for (int i = 0; i < N; i++)
		if (i % 7 == 0 || i % 2)
			tok_objects_remove(&set, objs[i]);
	assert_int_equal(count_label(&set, "L0"), 0);
	assert_int_equal(count_all(&set), set.n);
	check_buckets(&set);
	for (int i = 0; i < N; i++)
		if (!(i % 7 == 0 || i % 2))
			assert_ptr_equal(tok_objects_find(&set, objs[i]->handle), objs[i]);
	tok_objects_clear(&set);
	assert_int_equal(count_all(&set), 0);
}

/* Swapped handles: each handle finds the other object, and both still go cleanly. */
static void test_swap_handles(void **state)
{
	struct tok_objects set;

	(void)state;
	tok_objects_init(&set);
	struct tok_object *a = make("a", 1, -1, true, 5);
	struct tok_object *b = make("b", 1, -1, true, 6);
	struct tok_object *out = make("c", 1, -1, true, 7);
	for (int i = 0; i < 40; i++) /* enough to make the handle table grow */
		assert_int_equal(tok_objects_add(&set, make("x", 2, -1, false, 0)), 0);
	assert_int_equal(tok_objects_add(&set, a), 0);
	assert_int_equal(tok_objects_add(&set, b), 0);
	CK_OBJECT_HANDLE ha = a->handle, hb = b->handle;
	tok_objects_swap_handles(&set, a, b);
	assert_int_equal(a->handle, hb);
	assert_int_equal(b->handle, ha);
	assert_ptr_equal(tok_objects_find(&set, ha), b);
	assert_ptr_equal(tok_objects_find(&set, hb), a);
	/* an object outside the set changes nothing */
	tok_objects_swap_handles(&set, a, out);
	assert_int_equal(a->handle, hb);
	assert_ptr_equal(tok_objects_find(&set, hb), a);
	tok_objects_remove(&set, a);
	assert_null(tok_objects_find(&set, hb));
	assert_ptr_equal(tok_objects_find(&set, ha), b);
	check_buckets(&set);
	tok_object_unref(out);
	tok_objects_clear(&set);
}

static void test_replace(void **state)
{
	struct tok_objects set;

	(void)state;
	tok_objects_init(&set);
	struct tok_object *other = make("old", 9, -1, true, 9);
	struct tok_object *old = make("old", 1, -1, true, 5);
	struct tok_object *new = make("new", 1, -1, true, 5);
	assert_int_equal(tok_objects_add(&set, other), 0);
	assert_int_equal(tok_objects_add(&set, old), 0);
	CK_OBJECT_HANDLE h = old->handle;
	tok_object_ref(old);
	assert_int_equal(tok_objects_replace(&set, old, new), 0);
	assert_int_equal(new->handle, h);
	assert_int_equal(atomic_load(&old->refs), 1);
	assert_int_equal(set.n, 2);
	assert_ptr_equal(tok_objects_find(&set, h), new);
	assert_ptr_equal(tok_objects_find_stored(&set, 5), new);
	assert_false(label_has(&set, "old", old));
	assert_true(label_has(&set, "old", other));
	assert_true(label_has(&set, "new", new));
	check_buckets(&set);
	tok_object_unref(old);

	/* A token object replaced by a session object leaves the store id table. */
	struct tok_object *session = make("s", 1, -1, false, 0);
	assert_int_equal(tok_objects_replace(&set, new, session), 0);
	assert_int_equal(session->handle, h);
	assert_null(tok_objects_find_stored(&set, 5));
	assert_int_equal(os_htab_count(&set.stored), 1);
	check_buckets(&set);

	/* Replacing an object that is not in the set fails and adds nothing. */
	struct tok_object *outside = make("out", 3, -1, false, 0);
	struct tok_object *repl = make("repl", 3, -1, false, 0);
	CK_OBJECT_HANDLE repl_handle = repl->handle;
	assert_int_equal(tok_objects_replace(&set, outside, repl), -1);
	assert_int_equal(repl->handle, repl_handle);
	assert_int_equal(set.n, 2);
	assert_int_equal(count_label(&set, "repl"), 0);
	check_buckets(&set);
	/* Nor can an object replace itself. */
	assert_int_equal(tok_objects_replace(&set, session, session), -1);
	assert_ptr_equal(tok_objects_find(&set, h), session);
	tok_object_unref(outside);
	tok_object_unref(repl);
	tok_objects_clear(&set);
}

/* Fills set with n objects whose labels, ids and store ids all differ. */
static void fill(struct tok_objects *set, int n)
{
	char label[16];

	tok_objects_init(set);
	for (int i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "f%d", i);
		assert_int_equal(tok_objects_add(set, make(label, 1000 + i, -1, true, 100 + i)), 0);
	}
}

/*
 * Every allocation of an add fails in turn, for sets of many sizes (so
 * that every table is met on the verge of doubling): a failed add leaves
 * the set as it was, and once the object is freed nothing in the set
 * points at it (the sanitizer build would see it used).
 */
static void test_add_alloc_failure(void **state)
{
	(void)state;
	for (int size = 0; size < 70; size++) {
		bool added = false;
		for (int allowed = 0; !added; allowed++) {
			struct tok_objects set;
			fill(&set, size);
			size_t buckets = os_htab_count(&set.buckets);
			struct tok_object *obj = make("fresh", 7, CKK_AES, true, 7);
			CK_OBJECT_HANDLE h = obj->handle;

			alloc_fail_after = allowed;
			int rv = tok_objects_add(&set, obj);
			alloc_fail_after = -1;
			added = rv == 0;
			if (!added) {
				assert_int_equal(rv, -1);
				assert_int_equal(set.n, (size_t)size);
				assert_int_equal(os_htab_count(&set.handles), (size_t)size);
				assert_int_equal(os_htab_count(&set.stored), (size_t)size);
				assert_int_equal(os_htab_count(&set.buckets), buckets);
				assert_null(tok_objects_find(&set, h));
				assert_null(tok_objects_find_stored(&set, 7));
				tok_object_unref(obj);
				assert_int_equal(count_label(&set, "fresh"), 0);
			} else {
				assert_ptr_equal(tok_objects_find(&set, h), obj);
				assert_int_equal(count_label(&set, "fresh"), 1);
			}
			check_buckets(&set);
			assert_int_equal(count_all(&set), set.n);
			tok_objects_clear(&set);
		}
	}
}

/*
 * Every allocation of a replace fails in turn: a failed replace leaves the
 * old object in the set, found by its handle, its store id and its
 * attributes, and nothing of the new one.
 */
static void test_replace_alloc_failure(void **state)
{
	(void)state;
	for (int size = 0; size < 70; size++) {
		for (int same_store_id = 0; same_store_id < 2; same_store_id++) {
			bool replaced = false;
			for (int allowed = 0; !replaced; allowed++) {
				struct tok_objects set;
				fill(&set, size);
				struct tok_object *old = make("was", 7, -1, true, 7);
				assert_int_equal(tok_objects_add(&set, old), 0);
				size_t buckets = os_htab_count(&set.buckets);
				CK_OBJECT_HANDLE h = old->handle;
				uint64_t id = same_store_id ? 7 : 8;
				struct tok_object *new = make("is", 8, CKK_AES, true, id);

				alloc_fail_after = allowed;
				int rv = tok_objects_replace(&set, old, new);
				alloc_fail_after = -1;
				replaced = rv == 0;
				assert_int_equal(set.n, (size_t)size + 1);
				if (!replaced) {
					assert_int_equal(rv, -1);
					assert_ptr_equal(tok_objects_find(&set, h), old);
					assert_ptr_equal(tok_objects_find_stored(&set, 7), old);
					assert_null(tok_objects_find_stored(&set, 8));
					assert_true(label_has(&set, "was", old));
					assert_int_equal(os_htab_count(&set.stored),
					                 (size_t)size + 1);
					assert_int_equal(os_htab_count(&set.buckets), buckets);
					tok_object_unref(new);
					assert_int_equal(count_label(&set, "is"), 0);
				} else {
					assert_ptr_equal(tok_objects_find(&set, h), new);
					assert_ptr_equal(tok_objects_find_stored(&set, id), new);
					if (!same_store_id)
						assert_null(tok_objects_find_stored(&set, 7));
					assert_int_equal(count_label(&set, "was"), 0);
					assert_true(label_has(&set, "is", new));
				}
				check_buckets(&set);
				assert_int_equal(count_all(&set), set.n);
				tok_objects_clear(&set);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_find_remove),       cmocka_unit_test(test_handles_unique),
	    cmocka_unit_test(test_many_objects),          cmocka_unit_test(test_replace),
	    cmocka_unit_test(test_swap_handles),          cmocka_unit_test(test_add_alloc_failure),
	    cmocka_unit_test(test_replace_alloc_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
