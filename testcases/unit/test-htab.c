/*
 * Unit tests of the open-addressed hash table (usr/lib/common/htab.c):
 * many keys across several doublings, keys that share a hash or a home
 * slot (also across the end of the table), removal while and after the
 * table grows checked against a plain array, iteration, growth refused
 * when a size would overflow size_t, and a failed allocation while
 * growing that leaves the table as it was.
 *
 * malloc and calloc are wrapped (-Wl,--wrap) so that a test can make the
 * next allocations fail and can see whether any was attempted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "htab.h"

/* ---- allocation control ---- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);

static int alloc_fail_after = -1; /* allocations still allowed; -1: no limit */
static int alloc_calls;           /* allocations attempted */

static bool alloc_allowed(void)
{
	alloc_calls++;
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

/* ---- items ---- */

struct item {
	uint64_t key;
	uint64_t value;
};

static bool item_match(const void *item, const void *key)
{
	return ((const struct item *)item)->key == *(const uint64_t *)key;
}

static struct item *find(struct os_htab *t, uint64_t hash, uint64_t key)
{
	return os_htab_find(t, hash, item_match, &key);
}

static struct item *insert(struct os_htab *t, uint64_t hash, uint64_t key)
{
	struct item it = {key, key * 3 + 1};

	return os_htab_insert(t, hash, &it);
}

static bool remove_key(struct os_htab *t, uint64_t hash, uint64_t key, struct item *out)
{
	return os_htab_remove(t, hash, item_match, &key, out);
}

static size_t count_by_iteration(const struct os_htab *t)
{
	size_t pos = 0, n = 0;

	while (os_htab_next(t, &pos))
		n++;
	return n;
}

/* ---- tests ---- */

static void test_empty(void **state)
{
	struct os_htab t;
	struct item out;
	size_t pos = 0;

	(void)state;
	os_htab_init(&t, sizeof(struct item));
	assert_int_equal(os_htab_count(&t), 0);
	assert_null(find(&t, 1, 1));
	assert_false(remove_key(&t, 1, 1, &out));
	assert_null(os_htab_next(&t, &pos));
	os_htab_clear(&t);
	os_htab_free(&t);
	assert_int_equal(t.item_size, sizeof(struct item));
}

/* 100,000 keys: the table doubles eleven times; every key stays found. */
static void test_many_keys_through_growth(void **state)
{
	enum { N = 100000 };
	struct os_htab t;
	size_t last_cap = 0, doublings = 0;

	(void)state;
	os_htab_init(&t, sizeof(struct item));
	for (uint64_t k = 0; k < N; k++) {
		assert_null(find(&t, os_htab_hash_u64(k), k));
		struct item *it = insert(&t, os_htab_hash_u64(k), k);
		assert_non_null(it);
		assert_int_equal(it->key, k);
		if (t.cap != last_cap) {
			doublings += last_cap != 0;
			last_cap = t.cap;
		}
		assert_true(t.n * 2 <= t.cap);
	}
	assert_true(doublings >= 10);
	assert_int_equal(os_htab_count(&t), N);
	assert_int_equal(count_by_iteration(&t), N);
	for (uint64_t k = 0; k < N; k++) {
		struct item *it = find(&t, os_htab_hash_u64(k), k);
		assert_non_null(it);
		assert_int_equal(it->value, k * 3 + 1);
	}
	assert_null(find(&t, os_htab_hash_u64(N), N));
	/* Remove the even keys; the odd ones remain. */
	for (uint64_t k = 0; k < N; k += 2) {
		struct item out = {0};
		assert_true(remove_key(&t, os_htab_hash_u64(k), k, &out));
		assert_int_equal(out.key, k);
		assert_int_equal(out.value, k * 3 + 1);
		assert_false(remove_key(&t, os_htab_hash_u64(k), k, NULL));
	}
	assert_int_equal(os_htab_count(&t), N / 2);
	for (uint64_t k = 0; k < N; k++)
		assert_true((find(&t, os_htab_hash_u64(k), k) != NULL) == (k % 2 == 1));
	os_htab_clear(&t);
	assert_int_equal(os_htab_count(&t), 0);
	assert_null(find(&t, os_htab_hash_u64(1), 1));
	assert_int_equal(count_by_iteration(&t), 0);
	/* A cleared table is usable again. */
	assert_non_null(insert(&t, os_htab_hash_u64(5), 5));
	assert_non_null(find(&t, os_htab_hash_u64(5), 5));
	os_htab_free(&t);
}

/* Keys that all share one hash: found by the match function alone. */
static void test_same_hash(void **state)
{
	enum { N = 300 };
	struct os_htab t;

	(void)state;
	os_htab_init(&t, sizeof(struct item));
	for (uint64_t k = 1; k <= N; k++)
		assert_non_null(insert(&t, 42, k));
	for (uint64_t k = 1; k <= N; k++)
		assert_int_equal(find(&t, 42, k)->key, k);
	assert_null(find(&t, 42, N + 1));
	/* The same key under another hash is another entry. */
	assert_null(find(&t, 43, 1));
	for (uint64_t k = 1; k <= N; k += 3)
		assert_true(remove_key(&t, 42, k, NULL));
	for (uint64_t k = 1; k <= N; k++)
		assert_true((find(&t, 42, k) != NULL) == ((k - 1) % 3 != 0));
	os_htab_free(&t);
}

/*
 * A reference model: random inserts and removals of keys whose hashes
 * crowd into a few home slots, some of them at the end of the table so
 * that runs wrap around to slot 0.  After every step each key is found
 * exactly when the model holds it.
 */
static uint64_t crowded_hash(uint64_t key)
{
	/* Homes 61 .. 63, 0 and 1 of the first table, which has 64 slots. */
	return (uint64_t)(61 + key % 5);
}

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void check_model(struct os_htab *t, const bool *present, size_t nkeys)
{
	size_t n = 0;

	for (uint64_t k = 0; k < nkeys; k++) {
		struct item *it = find(t, crowded_hash(k), k);
		assert_true((it != NULL) == present[k]);
		if (it)
			assert_int_equal(it->value, k * 3 + 1);
		n += present[k];
	}
	assert_int_equal(os_htab_count(t), n);
	assert_int_equal(count_by_iteration(t), n);
}

static void test_model_with_wraparound(void **state)
{
	enum { NKEYS = 31, STEPS = 20000 };
	bool present[NKEYS] = {0};
	struct os_htab t;

	(void)state;
	os_htab_init(&t, sizeof(struct item));
	for (int step = 0; step < STEPS; step++) {
		uint64_t k = rng() % NKEYS;
		if (present[k]) {
			struct item out;
			assert_true(remove_key(&t, crowded_hash(k), k, &out));
			assert_int_equal(out.key, k);
		} else {
			assert_non_null(insert(&t, crowded_hash(k), k));
		}
		present[k] = !present[k];
		check_model(&t, present, NKEYS);
	}
	/* Still within the first table: the runs did wrap around its end. */
	assert_int_equal(t.cap, 64);
	os_htab_free(&t);
}

/* Removals interleaved with inserts while the table grows, then after. */
static void test_remove_during_and_after_growth(void **state)
{
	enum { NKEYS = 5000 };
	static bool present[NKEYS];
	struct os_htab t;
	size_t n = 0;

	(void)state;
	memset(present, 0, sizeof(present));
	os_htab_init(&t, sizeof(struct item));
	/* Insert in order, removing a random present key every third step. */
	for (uint64_t k = 0; k < NKEYS; k++) {
		/* Small hashes keep runs long in every table size. */
		assert_non_null(insert(&t, k / 4, k));
		present[k] = true;
		n++;
		if (k % 3 == 2) {
			uint64_t r = rng() % (k + 1);
			if (present[r]) {
				assert_true(remove_key(&t, r / 4, r, NULL));
				present[r] = false;
				n--;
			}
		}
	}
	assert_int_equal(os_htab_count(&t), n);
	for (uint64_t k = 0; k < NKEYS; k++)
		assert_true((find(&t, k / 4, k) != NULL) == present[k]);
	/* After growth: remove all, the table empties completely. */
	for (uint64_t k = 0; k < NKEYS; k++)
		assert_true(remove_key(&t, k / 4, k, NULL) == present[k]);
	assert_int_equal(os_htab_count(&t), 0);
	assert_int_equal(count_by_iteration(&t), 0);
	os_htab_free(&t);
}

/* Iteration visits every item exactly once. */
static void test_iteration(void **state)
{
	enum { N = 1000 };
	static unsigned seen[N];
	struct os_htab t;
	struct item *it;
	size_t pos = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	os_htab_init(&t, sizeof(struct item));
	for (uint64_t k = 0; k < N; k++)
		assert_non_null(insert(&t, os_htab_hash_u64(k), k));
	while ((it = os_htab_next(&t, &pos))) {
		assert_true(it->key < N);
		seen[it->key]++;
	}
	for (size_t k = 0; k < N; k++)
		assert_int_equal(seen[k], 1);
	os_htab_free(&t);
}

/*
 * A table that would need more than size_t can count: growth is refused
 * before any allocation, and the table is left as it was.  The tables are
 * faked (their memory is never touched when growth is refused).
 */
static void check_growth_refused(size_t cap, size_t item_size)
{
	static uint64_t dummy_hash;
	static unsigned char dummy_item[64];
	struct os_htab t = {
	    .hashes = &dummy_hash, .items = dummy_item, .item_size = item_size, .cap = cap};
	unsigned char item[64] = {0};

	t.n = cap / 2; /* one more needs a larger table */
	alloc_calls = 0;
	assert_null(os_htab_insert(&t, 1, item));
	assert_int_equal(alloc_calls, 0);
	assert_int_equal(t.cap, cap);
	assert_int_equal(t.n, cap / 2);
	assert_ptr_equal(t.hashes, &dummy_hash);
	assert_ptr_equal(t.items, dummy_item);
}

static void test_growth_overflow_refused(void **state)
{
	(void)state;
	/* Doubling the slot count itself overflows. */
	check_growth_refused((size_t)1 << (sizeof(size_t) * 8 - 1), 8);
	/* The doubled count fits, the bytes for its hashes do not. */
	check_growth_refused((size_t)1 << (sizeof(size_t) * 8 - 3), 8);
	/* The hashes fit, the items do not. */
	check_growth_refused((size_t)1 << (sizeof(size_t) * 8 - 20), 1u << 20);
	/* Large items overflow already for a modest table. */
	check_growth_refused((size_t)1 << 16, SIZE_MAX / 4);
	check_growth_refused(64, SIZE_MAX - 4);
}

/*
 * Each allocation of a doubling (the hashes, then the items) fails in
 * turn: the insert fails, the table keeps its size, items and count, and
 * the next insert, with memory back, succeeds.
 */
static void test_alloc_failure_during_growth(void **state)
{
	(void)state;
	for (int allowed = 0; allowed < 2; allowed++) {
		struct os_htab t;
		uint64_t k;

		os_htab_init(&t, sizeof(struct item));
		/* Fill up to the point where the next insert doubles the table. */
		for (k = 0; (k + 1) * 2 <= 128; k++)
			assert_non_null(insert(&t, os_htab_hash_u64(k), k));
		assert_int_equal(t.cap, 128);
		size_t n = os_htab_count(&t);

		alloc_fail_after = allowed;
		assert_null(insert(&t, os_htab_hash_u64(k), k));
		alloc_fail_after = -1;
		assert_int_equal(t.cap, 128);
		assert_int_equal(os_htab_count(&t), n);
		assert_null(find(&t, os_htab_hash_u64(k), k));
		for (uint64_t j = 0; j < k; j++)
			assert_non_null(find(&t, os_htab_hash_u64(j), j));
		assert_int_equal(count_by_iteration(&t), n);
		/* Removal still works on the old table, and so does the retry. */
		assert_true(remove_key(&t, os_htab_hash_u64(0), 0, NULL));
		assert_non_null(insert(&t, os_htab_hash_u64(0), 0));
		assert_non_null(insert(&t, os_htab_hash_u64(k), k));
		assert_int_equal(t.cap, 256);
		for (uint64_t j = 0; j <= k; j++)
			assert_non_null(find(&t, os_htab_hash_u64(j), j));
		os_htab_free(&t);
	}
	/* The very first allocation of an empty table fails the same way. */
	struct os_htab t;

	os_htab_init(&t, sizeof(struct item));
	alloc_fail_after = 0;
	assert_null(insert(&t, 1, 1));
	alloc_fail_after = -1;
	assert_int_equal(t.cap, 0);
	assert_int_equal(os_htab_count(&t), 0);
	assert_null(find(&t, 1, 1));
	assert_non_null(insert(&t, 1, 1));
	os_htab_free(&t);
}

static void test_hashes_spread(void **state)
{
	(void)state;
	/* Distinct small keys give distinct hashes, and byte hashes depend on the seed. */
	assert_int_not_equal(os_htab_hash_u64(1), os_htab_hash_u64(2));
	assert_int_not_equal(os_htab_hash_bytes(1, "abc", 3), os_htab_hash_bytes(2, "abc", 3));
	assert_int_not_equal(os_htab_hash_bytes(1, "abc", 3), os_htab_hash_bytes(1, "abd", 3));
	assert_int_equal(os_htab_hash_bytes(7, "abc", 3), os_htab_hash_bytes(7, "abc", 3));
	/* Consecutive keys land in many different home slots of a 64-slot table. */
	unsigned used[64] = {0};
	size_t homes = 0;
	for (uint64_t k = 0; k < 64; k++)
		used[os_htab_hash_u64(k) & 63]++;
	for (size_t i = 0; i < 64; i++)
		homes += used[i] != 0;
	assert_true(homes >= 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_many_keys_through_growth),
	    cmocka_unit_test(test_same_hash),
	    cmocka_unit_test(test_model_with_wraparound),
	    cmocka_unit_test(test_remove_during_and_after_growth),
	    cmocka_unit_test(test_iteration),
	    cmocka_unit_test(test_growth_overflow_refused),
	    cmocka_unit_test(test_alloc_failure_during_growth),
	    cmocka_unit_test(test_hashes_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
