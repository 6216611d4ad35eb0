/*
 * Unit tests of the token store as slotd and its clients use it
 * (usr/lib/tokens/common/store*.c): PIN attempts from many threads at once
 * against the failure limit, object writes going on while a PIN key is
 * derived, file modes whatever the umask, planted FIFOs and symlinks,
 * reader handles (what they refuse, the owner check), a lock file held
 * forever by someone else, and a reader loading in a loop without any lock
 * while the writer appends, updates, deletes and compacts.
 * argon2id_hash_raw is wrapped to count the derivations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

#define SO_PIN      "so-secret-4711"
#define USER_PIN    "user-secret-0815"
#define CKA_COUNTER (CKA_VENDOR_DEFINED | 0x5354u)
#define ATTEMPTS    24

static unsigned derivations;

int __real_argon2id_hash_raw(const uint32_t t, const uint32_t m, const uint32_t p, const void *pwd,
                             const size_t pwdlen, const void *salt, const size_t saltlen,
                             void *hash, const size_t hashlen);
int __wrap_argon2id_hash_raw(const uint32_t t, const uint32_t m, const uint32_t p, const void *pwd,
                             const size_t pwdlen, const void *salt, const size_t saltlen,
                             void *hash, const size_t hashlen);

int __wrap_argon2id_hash_raw(const uint32_t t, const uint32_t m, const uint32_t p, const void *pwd,
                             const size_t pwdlen, const void *salt, const size_t saltlen,
                             void *hash, const size_t hashlen)
{
	__atomic_add_fetch(&derivations, 1, __ATOMIC_SEQ_CST);
	return __real_argon2id_hash_raw(t, m, p, pwd, pwdlen, salt, saltlen, hash, hashlen);
}

static const struct tok_kdf_params cheap = {64, 1, 1};

struct fx {
	char dir[PATH_MAX / 2];
	char lock[PATH_MAX];
	int lock_fd;
	struct os_tokshm shm;
	struct tok_store *st;
	uint8_t mk[TOK_STORE_KEY_LEN];
};

static const CK_UTF8CHAR *u(const char *s)
{
	return (const CK_UTF8CHAR *)s;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	CK_UTF8CHAR label[32];
	char err[256];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-store-rw.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->lock, sizeof(f->lock), "%s/LCK..store", f->dir);
	f->lock_fd = open(f->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f->lock_fd < 0 || tok_store_open(f->dir, f->lock_fd, &f->shm, &f->st, err, sizeof(err)))
		return -1;
	tok_store_set_kdf_params(f->st, &cheap);
	memset(label, ' ', sizeof(label));
	if (tok_store_init_token(f->st, u(SO_PIN), strlen(SO_PIN), label) != CKR_OK ||
	    tok_store_login(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), f->mk) != CKR_OK ||
	    tok_store_init_user_pin(f->st, f->mk, u(USER_PIN), strlen(USER_PIN)) != CKR_OK)
		return -1;
	*state = f;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tok_store_close(f->st);
	close(f->lock_fd);
	nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An object whose counter is generation and whose value repeats it. */
static void make_attrs(struct tok_attrs *a, uint64_t generation, size_t len)
{
	char *value = malloc(len);

	assert_non_null(value);
	for (size_t i = 0; i < len; i++)
		value[i] = (char)('a' + (generation * 7 + i) % 26);
	tok_attrs_init(a);
	assert_int_equal(tok_attrs_set_ulong(a, CKA_COUNTER, (CK_ULONG)generation), CKR_OK);
	assert_int_equal(tok_attrs_set(a, CKA_VALUE, value, len), CKR_OK);
	free(value);
}

/* Whether a holds a whole version: its value is that of its counter. */
static bool whole_version(const struct tok_attrs *a, CK_ULONG *generation)
{
	const CK_ATTRIBUTE *v = tok_attrs_find(a, CKA_VALUE);

	if (!v || !tok_attrs_get_ulong(a, CKA_COUNTER, generation))
		return false;
	for (size_t i = 0; i < v->ulValueLen; i++)
		if (((char *)v->pValue)[i] != (char)('a' + (*generation * 7 + i) % 26))
			return false;
	return true;
}

static CK_RV save(struct tok_store *st, struct tok_store_entry *e, size_t len)
{
	struct tok_attrs a;
	CK_RV rv;

	make_attrs(&a, e->id ? e->generation + 1 : 1, len);
	rv = tok_store_save_object(st, e, NULL, &a);
	tok_attrs_free(&a);
	return rv;
}

/* --- PINs from many threads ------------------------------------------- */

struct attempt {
	struct fx *f;
	pthread_barrier_t *go;
	CK_RV rv;
};

static void *wrong_login(void *arg)
{
	struct attempt *a = arg;
	uint8_t mk[TOK_STORE_KEY_LEN];

	pthread_barrier_wait(a->go);
	a->rv = tok_store_login(a->f->st, CKU_USER, u("wrong"), 5, mk);
	return NULL;
}

static void test_concurrent_wrong_logins(void **state)
{
	struct fx *f = *state;
	const struct tok_kdf_params slower = {2048, 1, 1};
	struct attempt a[ATTEMPTS];
	pthread_t threads[ATTEMPTS];
	pthread_barrier_t go;
	struct tok_store_info info;
	int incorrect = 0, locked = 0;

	tok_store_set_kdf_params(f->st, &slower); /* the attempts overlap */
	assert_int_equal(tok_store_init_user_pin(f->st, f->mk, u(USER_PIN), strlen(USER_PIN)),
	                 CKR_OK);
	derivations = 0;
	pthread_barrier_init(&go, NULL, ATTEMPTS);
	for (int i = 0; i < ATTEMPTS; i++) {
		a[i] = (struct attempt){f, &go, CKR_GENERAL_ERROR};
		assert_int_equal(pthread_create(&threads[i], NULL, wrong_login, &a[i]), 0);
	}
	for (int i = 0; i < ATTEMPTS; i++) {
		pthread_join(threads[i], NULL);
		incorrect += a[i].rv == CKR_PIN_INCORRECT;
		locked += a[i].rv == CKR_PIN_LOCKED;
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(incorrect, TOK_STORE_MAX_PIN_FAILS);
	assert_int_equal(locked, ATTEMPTS - TOK_STORE_MAX_PIN_FAILS);
	assert_int_equal(derivations, TOK_STORE_MAX_PIN_FAILS);
	assert_int_equal(tok_store_read_info(f->st, &info), CKR_OK);
	assert_int_equal(info.user_failures, TOK_STORE_MAX_PIN_FAILS);
	/* Locked now, even with the right PIN, and nothing more derived. */
	assert_int_equal(tok_store_login(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN), f->mk),
	                 CKR_PIN_LOCKED);
	assert_int_equal(derivations, TOK_STORE_MAX_PIN_FAILS);
}

static void *slow_login(void *arg)
{
	struct attempt *a = arg;
	uint8_t mk[TOK_STORE_KEY_LEN];

	a->rv = tok_store_login(a->f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN), mk);
	__atomic_store_n(&a->go, NULL, __ATOMIC_SEQ_CST); /* done */
	return NULL;
}

static void test_save_during_slow_login(void **state)
{
	struct fx *f = *state;
	const struct tok_kdf_params slow = {128 * 1024, 2, 1};
	pthread_barrier_t unused;
	struct attempt a = {f, &unused, CKR_GENERAL_ERROR};
	struct tok_store_entry e = {0};
	pthread_t thread;
	double t0;

	tok_store_set_kdf_params(f->st, &slow);
	assert_int_equal(tok_store_init_user_pin(f->st, f->mk, u(USER_PIN), strlen(USER_PIN)),
	                 CKR_OK);
	derivations = 0;
	t0 = now();
	assert_int_equal(pthread_create(&thread, NULL, slow_login, &a), 0);
	while (__atomic_load_n(&derivations, __ATOMIC_SEQ_CST) == 0)
		usleep(100);
	/* The login derives now: writes and reads of objects go on. */
	assert_int_equal(save(f->st, &e, 100), CKR_OK);
	assert_int_equal(save(f->st, &e, 20000), CKR_OK);
	assert_int_equal(tok_store_delete_object(f->st, e.id), CKR_OK);
	assert_non_null(__atomic_load_n(&a.go, __ATOMIC_SEQ_CST));
	print_message("objects written %.0f ms into a login\n", (now() - t0) * 1000);
	pthread_join(thread, NULL);
	assert_int_equal(a.rv, CKR_OK);
	print_message("the login took %.0f ms\n", (now() - t0) * 1000);
}

/* --- files ------------------------------------------------------------- */

static mode_t mode_of(struct fx *f, const char *name)
{
	char path[PATH_MAX + 64];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	assert_int_equal(lstat(path, &sb), 0);
	return sb.st_mode & 07777;
}

static void test_modes(void **state)
{
	static const mode_t masks[] = {0, 022, 077, 0777};
	struct fx *f = *state;
	char name[64];

	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		mode_t old = umask(masks[i]);
		struct tok_store_entry e = {0};
		assert_int_equal(tok_store_set_pin(f->st, CKU_USER, u(USER_PIN), strlen(USER_PIN),
		                                   u(USER_PIN), strlen(USER_PIN)),
		                 CKR_OK);
		assert_int_equal(save(f->st, &e, 20000), CKR_OK); /* a file of its own */
		umask(old);
		assert_int_equal(mode_of(f, "NVTOK.DAT"), 0600);
		assert_int_equal(mode_of(f, "MK_SO"), 0600);
		assert_int_equal(mode_of(f, "MK_USER"), 0600);
		assert_int_equal(mode_of(f, "TOK_OBJ"), 0750);
		assert_int_equal(mode_of(f, "TOK_OBJ/OBJ_IDX"), 0640);
		snprintf(name, sizeof(name), "TOK_OBJ/%016llx.obj", (unsigned long long)e.id);
		assert_int_equal(mode_of(f, name), 0640);
	}
}

static void test_planted_files(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry *v = NULL;
	struct tok_store_info info;
	char path[PATH_MAX + 64], real[PATH_MAX + 64];
	size_t n;

	/* A FIFO or a symlink where a token file belongs: refused, no hang. */
	snprintf(path, sizeof(path), "%s/NVTOK.DAT", f->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(tok_store_read_info(f->st, &info), CKR_DATA_INVALID);
	assert_int_equal(tok_store_login(f->st, CKU_SO, u(SO_PIN), strlen(SO_PIN), f->mk),
	                 CKR_DATA_INVALID);
	snprintf(path, sizeof(path), "%s/TOK_OBJ/OBJ_IDX", f->dir);
	snprintf(real, sizeof(real), "%s/TOK_OBJ/OBJ_IDX.real", f->dir);
	assert_int_equal(rename(path, real), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(tok_store_list(f->st, &v, &n), CKR_DATA_INVALID);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(real, path), 0);
	assert_int_equal(tok_store_list(f->st, &v, &n), CKR_DATA_INVALID);
}

/* --- readers ----------------------------------------------------------- */

static struct tok_store *open_reader(struct fx *f, uid_t owner, int *lock_fd)
{
	struct tok_store *r = NULL;
	char err[256];

	*lock_fd = open(f->lock, O_RDONLY | O_CLOEXEC);
	assert_true(*lock_fd >= 0);
	assert_int_equal(tok_store_open_reader(f->dir, *lock_fd, owner, &r, err, sizeof(err)), 0);
	return r;
}

static void test_reader_handle(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry e = {0}, *v = NULL;
	struct tok_store_info info;
	struct tok_attrs a;
	uint8_t mk[TOK_STORE_KEY_LEN];
	char err[256], empty[PATH_MAX];
	struct tok_store *r, *none = NULL;
	int lock_fd, other_fd;
	size_t n;

	assert_int_equal(save(f->st, &e, 100), CKR_OK);
	r = open_reader(f, getuid(), &lock_fd);
	assert_int_equal(tok_store_list(r, &v, &n), CKR_OK);
	assert_int_equal(n, 1);
	free(v);
	tok_attrs_init(&a);
	assert_int_equal(tok_store_load_object(r, &e, NULL, &a), CKR_OK);
	tok_attrs_free(&a);
	/* Nothing but reading. */
	assert_int_equal(save(r, &e, 100), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(tok_store_delete_object(r, e.id), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(tok_store_read_info(r, &info), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(tok_store_login(r, CKU_USER, u(USER_PIN), strlen(USER_PIN), mk),
	                 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(tok_store_set_pin(r, CKU_USER, u(USER_PIN), 3, u(USER_PIN), 3),
	                 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(tok_store_init_user_pin(r, mk, u(USER_PIN), 3),
	                 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(tok_store_init_token(r, u(SO_PIN), 3, u(SO_PIN "------------------")),
	                 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(tok_store_sync(r), CKR_FUNCTION_NOT_SUPPORTED);
	tok_store_close(r);
	close(lock_fd);
	/* Files of another owner are refused. */
	r = open_reader(f, getuid() + 1, &other_fd);
	assert_int_equal(tok_store_list(r, &v, &n), CKR_DATA_INVALID);
	tok_store_close(r);
	close(other_fd);
	/* A reader creates nothing: no TOK_OBJ, no store. */
	snprintf(empty, sizeof(empty), "%s/empty", f->dir);
	assert_int_equal(mkdir(empty, 0700), 0);
	assert_int_equal(
	    tok_store_open_reader(empty, f->lock_fd, (uid_t)-1, &none, err, sizeof(err)), -1);
	assert_null(none);
	assert_int_equal(rmdir(empty), 0);
}

/* Someone holds LOCK_EX on the lock file and never lets go. */
static void test_lock_held_forever(void **state)
{
	struct fx *f = *state;
	int hog = open(f->lock, O_RDONLY | O_CLOEXEC), lock_fd;
	struct tok_store_entry v[80], *list = NULL;
	struct tok_store *r;
	struct tok_attrs a;
	struct stat before, after;
	char idx[PATH_MAX + 64];
	size_t n;
	double t0;

	assert_int_equal(flock(hog, LOCK_EX), 0);
	snprintf(idx, sizeof(idx), "%s/TOK_OBJ/OBJ_IDX", f->dir);
	for (int i = 0; i < 80; i++) {
		v[i] = (struct tok_store_entry){0};
		assert_int_equal(save(f->st, &v[i], 50), CKR_OK);
	}
	assert_int_equal(stat(idx, &before), 0);
	for (int i = 0; i < 70; i++)
		assert_int_equal(tok_store_delete_object(f->st, v[i].id), CKR_OK);
	/* Compaction was due but skipped: the same file, grown. */
	assert_int_equal(stat(idx, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	r = open_reader(f, getuid(), &lock_fd);
	t0 = now();
	assert_int_equal(tok_store_list(r, &list, &n), CKR_OK);
	assert_int_equal(n, 10);
	free(list);
	tok_attrs_init(&a);
	assert_int_equal(tok_store_load_object(r, &v[75], NULL, &a), CKR_OK);
	tok_attrs_free(&a);
	assert_true(now() - t0 < 1.0); /* two bounded waits, not forever */
	/* Once the lock is free, the next write compacts. */
	flock(hog, LOCK_UN);
	assert_int_equal(tok_store_delete_object(f->st, v[70].id), CKR_OK);
	assert_int_equal(stat(idx, &after), 0);
	assert_int_not_equal(after.st_ino, before.st_ino);
	tok_store_close(r);
	close(lock_fd);
	close(hog);
}

/* --- a lock-free reader against a busy writer --------------------------- */

#define RW_OPS  3000
#define RW_LIVE 40

struct rw_state {
	struct fx *f;
	int done;
	unsigned compactions;
	unsigned loaded, vanished, bad;
};

static void rw_check(void *arg, const struct tok_store_entry *e, CK_RV rv, struct tok_attrs *a)
{
	struct rw_state *s = arg;
	CK_ULONG generation;

	if (rv == CKR_OK && whole_version(a, &generation) && generation >= e->generation)
		s->loaded++;
	else if (rv == CKR_DATA_INVALID)
		s->vanished++; /* changed or removed since the list: reported */
	else
		s->bad++;
	if (rv == CKR_OK)
		tok_attrs_free(a);
}

static void *rw_reader(void *arg)
{
	struct rw_state *s = arg;
	struct tok_store_entry *v;
	struct tok_store *r;
	int lock_fd;
	size_t n;

	r = open_reader(s->f, getuid(), &lock_fd);
	while (!__atomic_load_n(&s->done, __ATOMIC_SEQ_CST)) {
		v = NULL;
		if (tok_store_list(r, &v, &n) != CKR_OK ||
		    tok_store_load_objects(r, v, n, NULL, rw_check, s) != CKR_OK)
			s->bad++;
		free(v);
	}
	tok_store_close(r);
	close(lock_fd);
	return NULL;
}

/* One random change; counts compactions by the inode of OBJ_IDX. */
static void rw_write(struct rw_state *s, struct tok_store_entry *live, size_t *n, unsigned *seed)
{
	char idx[PATH_MAX + 64];
	struct stat before, after;
	size_t len = rand_r(seed) % 3 ? 100 : 10000; /* in its record, or a file alone */
	int dice = rand_r(seed) % 100;

	snprintf(idx, sizeof(idx), "%s/TOK_OBJ/OBJ_IDX", s->f->dir);
	assert_int_equal(stat(idx, &before), 0);
	if (*n < RW_LIVE / 2 || (dice < 40 && *n < RW_LIVE)) {
		live[*n] = (struct tok_store_entry){0};
		assert_int_equal(save(s->f->st, &live[*n], len), CKR_OK);
		(*n)++;
	} else if (dice < 70) {
		assert_int_equal(save(s->f->st, &live[rand_r(seed) % *n], len), CKR_OK);
	} else {
		size_t k = rand_r(seed) % *n;
		assert_int_equal(tok_store_delete_object(s->f->st, live[k].id), CKR_OK);
		live[k] = live[--*n];
	}
	assert_int_equal(stat(idx, &after), 0);
	s->compactions += after.st_ino != before.st_ino;
}

static void test_reader_against_writer(void **state)
{
	struct rw_state s = {.f = *state};
	struct tok_store_entry live[RW_LIVE];
	unsigned seed = 4711;
	pthread_t reader;
	size_t n = 0;

	/* Makes OBJ_IDX exist before the reader starts. */
	live[n] = (struct tok_store_entry){0};
	assert_int_equal(save(s.f->st, &live[n++], 100), CKR_OK);
	assert_int_equal(pthread_create(&reader, NULL, rw_reader, &s), 0);
	for (int i = 0; i < RW_OPS; i++)
		rw_write(&s, live, &n, &seed);
	__atomic_store_n(&s.done, 1, __ATOMIC_SEQ_CST);
	pthread_join(reader, NULL);
	print_message("%u compactions; reader: %u loaded, %u changed or gone under it\n",
	              s.compactions, s.loaded, s.vanished);
	assert_int_equal(s.bad, 0);
	assert_true(s.compactions > 0);
	assert_true(s.loaded > 0);
}

/*
 * Deferred sync: nothing shows in the counters before tok_store_sync, which
 * adds one per change it made durable (three here).
 */
static void test_deferred_sync(void **state)
{
	struct fx *f = *state;
	struct tok_store_entry a = {0}, b = {0};
	uint64_t gen = f->shm.objects_generation;
	char path[PATH_MAX + 64];

	tok_store_set_deferred_sync(f->st, true);
	assert_int_equal(tok_store_sync(f->st), CKR_OK); /* nothing pending */
	assert_int_equal(f->shm.objects_generation, gen);
	assert_int_equal(save(f->st, &a, 100), CKR_OK);
	assert_int_equal(save(f->st, &b, 10000), CKR_OK);
	assert_int_equal(tok_store_delete_object(f->st, b.id), CKR_OK);
	assert_int_equal(f->shm.objects_generation, gen);
	/* The file of the deleted object stays until its removal is durable. */
	snprintf(path, sizeof(path), "%s/TOK_OBJ/%016llx.obj", f->dir, (unsigned long long)b.id);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(tok_store_sync(f->st), CKR_OK);
	assert_int_equal(f->shm.objects_generation, gen + 3);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(tok_store_sync(f->st), CKR_OK);
	assert_int_equal(f->shm.objects_generation, gen + 3);
	tok_store_set_deferred_sync(f->st, false);
	assert_int_equal(save(f->st, &a, 100), CKR_OK);
	assert_int_equal(f->shm.objects_generation, gen + 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_concurrent_wrong_logins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_save_during_slow_login, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_planted_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reader_handle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock_held_forever, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reader_against_writer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deferred_sync, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
