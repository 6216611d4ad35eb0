/*
 * Fault injection into the token common layer (usr/lib/tokens/common/token
 * and store): a reader token follows a writer store in a fresh directory
 * while malloc, calloc and realloc fail at the Nth call, or read and pread
 * fail with EIO.  The libc functions are wrapped at link time
 * (-Wl,--wrap), so only the calls of the token and store code (and of this
 * file) are affected, never those of OpenSSL or cmocka.
 *
 * What must hold: a reload that fails keeps the object set it had, reports
 * CKR_HOST_MEMORY or CKR_DEVICE_ERROR, is not marked as seen and succeeds
 * when retried; a read error never makes an object count as damaged and
 * removes no file; logout and the close of a session leave none of their
 * objects behind even when no allocation succeeds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_idx.h"
#include "token.h"

#define SO_PIN      "so-secret-4711"
#define USER_PIN    "user-secret-0815"
#define CKA_COUNTER (CKA_VENDOR_DEFINED | 0x5354u)
#define MAX_IDS     64

/* ---- the faults --------------------------------------------------------- */

enum fault_kind { FAULT_NONE, FAULT_ALLOC, FAULT_READ, FAULT_PREAD };

static struct {
	enum fault_kind kind;
	unsigned at;    /* the call that fails (1: the first); 0: every call */
	unsigned calls; /* calls of that kind since armed */
	int err;        /* the errno of a failing read (EIO when 0) */
} fault;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __real_pread(int fd, void *buf, size_t n, off_t off);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off);

static void fault_arm(enum fault_kind kind, unsigned at)
{
	fault.calls = 0;
	fault.at = at;
	fault.err = 0;
	fault.kind = kind;
}

/* Disarms and tells whether the armed fault was hit. */
static bool fault_disarm(void)
{
	bool hit = fault.at == 0 ? fault.calls > 0 : fault.calls >= fault.at;

	fault.kind = FAULT_NONE;
	return hit;
}

static bool fault_now(enum fault_kind kind)
{
	if (fault.kind != kind)
		return false;
	fault.calls++;
	return fault.at == 0 || fault.calls == fault.at;
}

void *__wrap_malloc(size_t n)
{
	return fault_now(FAULT_ALLOC) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fault_now(FAULT_ALLOC) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fault_now(FAULT_ALLOC) ? NULL : __real_realloc(p, n);
}

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
	if (fault_now(FAULT_READ)) {
		errno = fault.err ? fault.err : EIO;
		return -1;
	}
	return __real_read(fd, buf, n);
}

ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off)
{
	if (fault_now(FAULT_PREAD)) {
		errno = EIO;
		return -1;
	}
	return __real_pread(fd, buf, n, off);
}

/* ---- a writer store and a reader token on it ----------------------------- */

static const struct tok_kdf_params cheap_kdf = {64, 1, 1};

struct fx {
	char dir[PATH_MAX / 2];
	int lock_fd;
	struct os_tokshm shm;
	struct tok_store *wst; /* the writer, as slotd */
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct tok_token t;
	bool token_open;
	unsigned damaged;
	uint64_t ids[MAX_IDS]; /* stored objects, oldest first */
	bool priv[MAX_IDS];
	size_t n_ids;
	CK_ULONG counter;
};

static const CK_UTF8CHAR *u(const char *s)
{
	return (const CK_UTF8CHAR *)s;
}

static CK_RV backend_login_key(void *ctx, const CK_BYTE *mk, size_t len)
{
	(void)ctx;
	(void)mk;
	(void)len;
	return CKR_OK;
}

static CK_RV backend_check_key(void *ctx, struct tok_attrs *key)
{
	(void)ctx;
	(void)key;
	return CKR_OK;
}

static void backend_key_cache_free(void *ctx, void *cache)
{
	(void)ctx;
	free(cache);
}

static const struct os_backend_ops test_ops = {
    .abi_version = OS_BACKEND_ABI_VERSION,
    .login_key = backend_login_key,
    .check_key = backend_check_key,
    .key_cache_free = backend_key_cache_free,
};

static CK_RV writer_login(void *ctx, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len,
                          uint8_t mk[TOK_STORE_KEY_LEN], bool *have_mk)
{
	struct fx *f = ctx;
	enum fault_kind kind = fault.kind;
	CK_RV rv;

	fault.kind = FAULT_NONE; /* slotd's side, another process: no faults */
	rv = tok_store_login(f->wst, user, pin, len, mk);
	fault.kind = kind;

	*have_mk = rv == CKR_OK && user == CKU_USER;
	return rv;
}

static CK_RV writer_logout(void *ctx)
{
	(void)ctx;
	return CKR_OK;
}

static struct tok_writer test_writer = {
    .login = writer_login,
    .logout = writer_logout,
};

static void count_damaged(void *arg, uint64_t id, CK_RV rv)
{
	struct fx *f = arg;

	(void)id;
	(void)rv;
	f->damaged++;
}

static void attrs_for(struct tok_attrs *a, CK_ULONG counter, bool private, size_t value_len)
{
	unsigned char value[9000];

	assert_true(value_len <= sizeof(value));
	memset(value, (int)(counter & 0xff), value_len);
	tok_attrs_init(a);
	assert_int_equal(tok_attrs_set_ulong(a, CKA_CLASS, CKO_DATA), CKR_OK);
	assert_int_equal(tok_attrs_set_bool(a, CKA_TOKEN, CK_TRUE), CKR_OK);
	assert_int_equal(tok_attrs_set_bool(a, CKA_PRIVATE, private), CKR_OK);
	assert_int_equal(tok_attrs_set_ulong(a, CKA_COUNTER, counter), CKR_OK);
	assert_int_equal(tok_attrs_set(a, CKA_VALUE, value, value_len), CKR_OK);
}

/* Saves object slot i of f->ids: a new one when its id is 0, else a new version. */
static void store_put(struct fx *f, size_t i)
{
	struct tok_store_entry e = {.id = f->ids[i], .private = f->priv[i]};
	struct tok_attrs a;

	attrs_for(&a, ++f->counter, f->priv[i], 16);
	assert_int_equal(tok_store_save_object(f->wst, &e, f->priv[i] ? f->mk : NULL, &a), CKR_OK);
	tok_attrs_free(&a);
	f->ids[i] = e.id;
}

static void store_add(struct fx *f, bool private)
{
	assert_true(f->n_ids < MAX_IDS);
	f->ids[f->n_ids] = 0;
	f->priv[f->n_ids] = private;
	store_put(f, f->n_ids++);
}

static void store_del_oldest(struct fx *f)
{
	assert_int_equal(tok_store_delete_object(f->wst, f->ids[0]), CKR_OK);
	memmove(f->ids, f->ids + 1, (f->n_ids - 1) * sizeof(f->ids[0]));
	memmove(f->priv, f->priv + 1, (f->n_ids - 1) * sizeof(f->priv[0]));
	f->n_ids--;
}

/* Another process's changes: one object changed, one added, one removed. */
static void store_mutate(struct fx *f, bool private)
{
	store_put(f, f->n_ids / 2);
	store_add(f, private);
	store_del_oldest(f);
}

static void token_open(struct fx *f)
{
	struct tok_token_place place = {
	    .data_dir = f->dir,
	    .lock_fd = f->lock_fd,
	    .shm = &f->shm,
	    .owner = (uid_t)-1,
	    .writer = &test_writer,
	    .damaged = count_damaged,
	    .damaged_arg = f,
	};
	char err[256];

	assert_int_equal(tok_token_open(&f->t, &test_ops, NULL, &place, 1, NULL, err, sizeof(err)),
	                 0);
	f->token_open = true;
}

static int setup_with(void **state, size_t inline_max)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct tok_shm_info info = {.flags = CKF_TOKEN_INITIALIZED, .min_pin = 4, .max_pin = 128};
	CK_UTF8CHAR label[32];
	char lock[PATH_MAX];
	char err[256];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-token-faults.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(lock, sizeof(lock), "%s/LCK..token", f->dir);
	f->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f->lock_fd < 0 ||
	    tok_store_open(f->dir, f->lock_fd, &f->shm, &f->wst, err, sizeof(err)) < 0)
		return -1;
	tok_store_set_kdf_params(f->wst, &cheap_kdf);
	tok_store_set_inline_max(f->wst, inline_max);
	memset(label, ' ', sizeof(label));
	if (tok_store_init_token(f->wst, u(SO_PIN), strlen(SO_PIN), label) != CKR_OK ||
	    tok_store_login(f->wst, CKU_SO, u(SO_PIN), strlen(SO_PIN), f->mk) != CKR_OK ||
	    tok_store_init_user_pin(f->wst, f->mk, u(USER_PIN), strlen(USER_PIN)) != CKR_OK)
		return -1;
	tok_shm_publish_info(&f->shm, &info);
	test_writer.ctx = f;
	for (int i = 0; i < 6; i++)
		store_add(f, i % 2 == 1);
	token_open(f);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, TOK_STORE_IDX_INLINE_MAX);
}

/* Objects live in their own files alone: loads read them with read(). */
static int setup_files_only(void **state)
{
	return setup_with(state, 0);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fault_disarm();
	if (f->token_open)
		tok_token_close(&f->t);
	tok_store_close(f->wst);
	close(f->lock_fd);
	nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- what the token holds ----------------------------------------------- */

struct snap {
	uint64_t id[MAX_IDS * 2];
	uint64_t gen[MAX_IDS * 2];
	size_t n;
	size_t n_private; /* private objects, token or session */
};

static bool snap_visit(struct tok_object *obj, void *arg)
{
	struct snap *s = arg;

	if (obj->private)
		s->n_private++;
	if (!obj->token)
		return true;
	assert_true(s->n < MAX_IDS * 2);
	s->id[s->n] = obj->store_id;
	s->gen[s->n++] = obj->generation;
	return true;
}

static void snap_sort(struct snap *s)
{
	for (size_t i = 1; i < s->n; i++)
		for (size_t k = i; k > 0 && s->id[k - 1] > s->id[k]; k--) {
			uint64_t id = s->id[k], gen = s->gen[k];
			s->id[k] = s->id[k - 1];
			s->gen[k] = s->gen[k - 1];
			s->id[k - 1] = id;
			s->gen[k - 1] = gen;
		}
}

/* The token objects the token holds (read without faults). */
static void snap_token(struct fx *f, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	tok_objects_candidates(&f->t.objects, NULL, 0, snap_visit, s);
	snap_sort(s);
}

/* What the token should hold: every stored object it may read. */
static void snap_store(struct fx *f, struct snap *s, bool with_private)
{
	struct tok_store_entry *e;
	size_t n;

	memset(s, 0, sizeof(*s));
	assert_int_equal(tok_store_list(f->wst, &e, &n), CKR_OK);
	for (size_t i = 0; i < n; i++) {
		if (e[i].private && !with_private)
			continue;
		s->id[s->n] = e[i].id;
		s->gen[s->n++] = e[i].generation;
	}
	free(e);
	snap_sort(s);
}

static void snap_equal(const struct snap *a, const struct snap *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->id[i], b->id[i]);
		assert_int_equal(a->gen[i], b->gen[i]);
	}
}

static void token_matches_store(struct fx *f, bool with_private)
{
	struct snap have, want;

	snap_token(f, &have);
	snap_store(f, &want, with_private);
	snap_equal(&have, &want);
}

static size_t count_object_files(struct fx *f)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/TOK_OBJ", f->dir);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".obj") != NULL;
	closedir(d);
	return n;
}

static void login_user(struct fx *f)
{
	assert_int_equal(tok_token_login(&f->t, CKU_USER, u(USER_PIN), strlen(USER_PIN)), CKR_OK);
	token_matches_store(f, true);
}

/*
 * For N = 1, 2, ...: another process changes the store, and the token's
 * reload runs with the Nth call of kind failing.  A failed reload keeps
 * the set it had, reports want, is not marked seen, and the retry brings
 * the token up to date.  full: every reload reconciles everything.
 * Returns how many reloads failed.
 */
static unsigned reload_each_step(struct fx *f, enum fault_kind kind, CK_RV want, bool with_private,
                                 bool full)
{
	unsigned failed = 0;

	for (unsigned at = 1; at < 10000; at++) {
		struct snap before, after;
		store_mutate(f, with_private && at % 2);
		if (full)
			f->t.seen_objects = UINT64_MAX; /* as after a login */
		snap_token(f, &before);
		fault_arm(kind, at);
		CK_RV rv = tok_token_sync(&f->t);
		bool hit = fault_disarm();
		if (!hit) {
			assert_int_equal(rv, CKR_OK);
			token_matches_store(f, with_private);
			break;
		}
		if (rv == CKR_OK) {
			/* A failure the reload could do without (a note of changes). */
			token_matches_store(f, with_private);
			continue;
		}
		failed++;
		assert_int_equal(rv, want);
		snap_token(f, &after);
		snap_equal(&before, &after);
		assert_int_not_equal(f->t.seen_objects, f->shm.objects_generation);
		assert_int_equal(tok_token_sync(&f->t), CKR_OK);
		assert_int_equal(f->t.seen_objects, f->shm.objects_generation);
		token_matches_store(f, with_private);
	}
	assert_int_equal(f->damaged, 0);
	return failed;
}

/* ---- reloads without memory ---------------------------------------------- */

static void test_reload_enomem_changes(void **state)
{
	struct fx *f = *state;

	token_matches_store(f, false);
	assert_true(reload_each_step(f, FAULT_ALLOC, CKR_HOST_MEMORY, false, false) > 3);
}

static void test_reload_enomem_full(void **state)
{
	struct fx *f = *state;

	assert_true(reload_each_step(f, FAULT_ALLOC, CKR_HOST_MEMORY, false, true) > 3);
}

static void test_reload_enomem_private(void **state)
{
	struct fx *f = *state;

	login_user(f);
	assert_true(reload_each_step(f, FAULT_ALLOC, CKR_HOST_MEMORY, true, false) > 3);
	assert_true(reload_each_step(f, FAULT_ALLOC, CKR_HOST_MEMORY, true, true) > 3);
}

/* A login whose private objects cannot be loaded stands; the next call loads them. */
static void test_login_enomem_retried(void **state)
{
	struct fx *f = *state;
	CK_OBJECT_HANDLE *found = NULL;
	size_t n = 0;

	fault_arm(FAULT_ALLOC, 0);
	CK_RV rv = tok_token_login(&f->t, CKU_USER, u(USER_PIN), strlen(USER_PIN));
	fault_disarm();
	assert_int_equal(rv, CKR_OK);
	assert_int_equal(tok_token_login_state(&f->t), CKU_USER);
	assert_int_equal(f->t.seen_objects, UINT64_MAX);
	token_matches_store(f, false);
	assert_int_equal(tok_token_find(&f->t, NULL, 0, &found, &n), CKR_OK);
	free(found);
	assert_int_equal(n, f->n_ids);
	token_matches_store(f, true);
}

/* ---- read errors ---------------------------------------------------------- */

static void test_reload_eio_obj_idx(void **state)
{
	struct fx *f = *state;
	size_t files = count_object_files(f);

	login_user(f);
	assert_true(reload_each_step(f, FAULT_PREAD, CKR_DEVICE_ERROR, true, false) >= 1);
	assert_true(reload_each_step(f, FAULT_PREAD, CKR_DEVICE_ERROR, true, true) >= 1);
	assert_int_equal(count_object_files(f), files);
}

/* Many objects: the load reads OBJ_IDX whole, and that read fails. */
static void test_reload_eio_obj_idx_whole(void **state)
{
	struct fx *f = *state;

	while (f->n_ids < 40)
		store_add(f, false);
	f->t.seen_objects = UINT64_MAX;
	fault_arm(FAULT_PREAD, 0);
	assert_int_equal(tok_token_sync(&f->t), CKR_DEVICE_ERROR);
	fault_disarm();
	assert_int_equal(f->damaged, 0);
	assert_int_equal(tok_token_sync(&f->t), CKR_OK);
	token_matches_store(f, false);
}

/*
 * An error that belongs to the file (no permission) makes that object
 * damaged: it is reported and skipped, and the other calls go on.
 */
static void test_reload_eacces_object_file(void **state)
{
	struct fx *f = *state;

	store_put(f, 0);
	fault_arm(FAULT_READ, 1);
	fault.err = EACCES;
	assert_int_equal(tok_token_sync(&f->t), CKR_OK);
	assert_true(fault_disarm());
	assert_int_equal(f->damaged, 1);
}

static void test_reload_eio_object_file(void **state)
{
	struct fx *f = *state;
	size_t files = count_object_files(f);

	assert_int_equal(files, f->n_ids);
	login_user(f);
	assert_true(reload_each_step(f, FAULT_READ, CKR_DEVICE_ERROR, true, false) >= 1);
	/* The changed and the new object are read, each failing once. */
	assert_int_equal(reload_each_step(f, FAULT_READ, CKR_DEVICE_ERROR, true, true), 2);
	assert_int_equal(count_object_files(f), f->n_ids);
}

/* Every read failing: nothing counts as damaged, nothing goes, all comes back. */
static void test_reload_eio_everything(void **state)
{
	struct fx *f = *state;
	struct snap before, after;

	login_user(f);
	snap_token(f, &before);
	store_mutate(f, true);
	fault_arm(FAULT_READ, 0);
	assert_int_equal(tok_token_sync(&f->t), CKR_DEVICE_ERROR);
	assert_int_equal(tok_token_sync(&f->t), CKR_DEVICE_ERROR);
	fault_disarm();
	fault_arm(FAULT_PREAD, 0);
	assert_int_equal(tok_token_sync(&f->t), CKR_DEVICE_ERROR);
	fault_disarm();
	snap_token(f, &after);
	snap_equal(&before, &after);
	assert_int_equal(f->damaged, 0);
	assert_int_equal(count_object_files(f), f->n_ids);
	assert_int_equal(tok_token_sync(&f->t), CKR_OK);
	token_matches_store(f, true);
}

/* A really damaged object file is still reported and skipped, alone. */
static void test_damage_still_skipped(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	struct snap have;
	FILE *fp;

	store_add(f, false);
	snprintf(path, sizeof(path), "%s/TOK_OBJ/%016llx.obj", f->dir,
	         (unsigned long long)f->ids[f->n_ids - 1]);
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 40, SEEK_SET), 0);
	assert_int_equal(fputc('X', fp), 'X');
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(tok_token_sync(&f->t), CKR_OK);
	assert_int_equal(f->damaged, 1);
	snap_token(f, &have);
	assert_int_equal(have.n, f->n_ids / 2); /* the public ones but the damaged */
}

/*
 * A damaged OBJ_IDX header fails the reload as a device error (never the
 * caller's CKR_DATA_INVALID), drops nothing, and nothing counts as a
 * damaged object.
 */
static void test_damaged_index_header(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	struct snap before, after;
	unsigned char magic[4], bad[4] = {'X', 'X', 'X', 'X'};
	int fd;

	snap_token(f, &before);
	snprintf(path, sizeof(path), "%s/TOK_OBJ/OBJ_IDX", f->dir);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, magic, sizeof(magic), 0), (ssize_t)sizeof(magic));
	assert_int_equal(pwrite(fd, bad, sizeof(bad), 0), (ssize_t)sizeof(bad));
	f->t.seen_objects = UINT64_MAX;
	assert_int_equal(tok_token_sync(&f->t), CKR_DEVICE_ERROR);
	snap_token(f, &after);
	snap_equal(&before, &after);
	assert_int_equal(f->damaged, 0);
	/* repaired, the same token reads it again */
	assert_int_equal(pwrite(fd, magic, sizeof(magic), 0), (ssize_t)sizeof(magic));
	assert_int_equal(close(fd), 0);
	assert_int_equal(tok_token_sync(&f->t), CKR_OK);
	token_matches_store(f, false);
}

/* The object calls report a reload that failed instead of using a stale set. */
static void test_calls_report_failure(void **state)
{
	struct fx *f = *state;
	CK_OBJECT_HANDLE *found = NULL;
	struct tok_object *key = NULL;
	struct tok_caller c = {.session = f, .rw = true};
	CK_ATTRIBUTE label = {CKA_LABEL, NULL, 0};
	CK_ULONG size;
	size_t n;
	struct snap have;

	snap_token(f, &have);
	assert_true(have.n > 0);
	CK_OBJECT_HANDLE h = tok_objects_find_stored(&f->t.objects, have.id[0])->handle;
	store_mutate(f, false);
	fault_arm(FAULT_PREAD, 0);
	assert_int_equal(tok_token_find(&f->t, NULL, 0, &found, &n), CKR_DEVICE_ERROR);
	assert_int_equal(tok_token_get_attrs(&f->t, h, &label, 1), CKR_DEVICE_ERROR);
	assert_int_equal(tok_token_object_size(&f->t, h, &size), CKR_DEVICE_ERROR);
	assert_int_equal(tok_token_key(&f->t, h, &key), CKR_DEVICE_ERROR);
	assert_null(key);
	assert_int_equal(tok_token_destroy(&f->t, &c, h), CKR_DEVICE_ERROR);
	fault_disarm();
	assert_int_equal(tok_token_find(&f->t, NULL, 0, &found, &n), CKR_OK);
	free(found);
	assert_int_equal(n, f->n_ids / 2);
	token_matches_store(f, false);
}

/* A token opened while its store cannot be read loads at the first call. */
static void test_open_eio_retried(void **state)
{
	struct fx *f = *state;
	CK_OBJECT_HANDLE *found = NULL;
	size_t n;

	tok_token_close(&f->t);
	f->token_open = false;
	fault_arm(FAULT_PREAD, 0);
	token_open(f);
	fault_disarm();
	assert_int_equal(f->t.objects.n, 0);
	assert_int_equal(f->t.seen_objects, UINT64_MAX);
	assert_int_equal(tok_token_find(&f->t, NULL, 0, &found, &n), CKR_OK);
	free(found);
	assert_int_equal(n, f->n_ids / 2);
	assert_int_equal(f->damaged, 0);
}

/* The identity and size of the OBJ_IDX now under the name. */
static void idx_stat(struct fx *f, struct stat *sb)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/TOK_OBJ/OBJ_IDX", f->dir);
	assert_int_equal(stat(path, sb), 0);
}

/*
 * Compaction (the writer's) with the Nth read of OBJ_IDX failing: it stops
 * with CKR_DEVICE_ERROR, leaving OBJ_IDX and every object file as they
 * were, rather than rewrite the index without the copy it could not read.
 */
static void test_compact_eio(void **state)
{
	struct fx *f = *state;
	struct tok_store_idx ix;
	unsigned failed = 0;
	char path[PATH_MAX];
	int dirfd, held;

	/* A reader holding the lock keeps the writer from compacting on its own. */
	snprintf(path, sizeof(path), "%s/LCK..token", f->dir);
	held = open(path, O_RDWR | O_CLOEXEC);
	assert_true(held >= 0);
	assert_int_equal(flock(held, LOCK_SH), 0);
	for (int i = 0; i < 80; i++)
		store_put(f, 0);
	assert_int_equal(flock(held, LOCK_UN), 0);
	close(held);
	snprintf(path, sizeof(path), "%s/TOK_OBJ", f->dir);
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);
	tok_store_idx_init(&ix);
	for (unsigned at = 1;; at++) {
		struct stat before, after;
		assert_int_equal(tok_store_idx_refresh(&ix, dirfd), CKR_OK);
		assert_true(tok_store_idx_wants_compact(&ix));
		idx_stat(f, &before);
		fault_arm(FAULT_PREAD, at);
		CK_RV rv = tok_store_idx_compact(&ix, dirfd);
		bool hit = fault_disarm();
		if (!hit) {
			assert_int_equal(rv, CKR_OK);
			break;
		}
		failed++;
		assert_int_equal(rv, CKR_DEVICE_ERROR);
		idx_stat(f, &after);
		assert_int_equal(after.st_ino, before.st_ino);
		assert_int_equal(after.st_size, before.st_size);
		assert_int_equal(count_object_files(f), f->n_ids);
	}
	tok_store_idx_free(&ix);
	close(dirfd);
	assert_true(failed >= 1);
	assert_int_equal(count_object_files(f), f->n_ids);
	assert_int_equal(tok_token_sync(&f->t), CKR_OK);
	token_matches_store(f, false);
	assert_int_equal(f->damaged, 0);
}

/* ---- logout and closed sessions without memory ---------------------------- */

static CK_OBJECT_HANDLE session_object(struct fx *f, const void *session, bool private)
{
	CK_BBOOL no = CK_FALSE, priv = private ? CK_TRUE : CK_FALSE;
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &klass, sizeof(klass)},
	    {CKA_TOKEN, &no, sizeof(no)},
	    {CKA_PRIVATE, &priv, sizeof(priv)},
	    {CKA_VALUE, "v", 1},
	};
	struct tok_caller c = {.session = session, .rw = true};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

	assert_int_equal(tok_token_create(&f->t, &c, tmpl, 4, &h), CKR_OK);
	return h;
}

static void test_logout_enomem(void **state)
{
	struct fx *f = *state;
	int session_a, session_b;
	struct snap s;

	for (unsigned at = 0; at < 4; at++) {
		login_user(f);
		session_object(f, &session_a, true);
		session_object(f, &session_b, true);
		session_object(f, &session_a, false);
		snap_token(f, &s);
		assert_int_equal(s.n_private, f->n_ids / 2 + 2);
		fault_arm(FAULT_ALLOC, at); /* 0: every allocation */
		assert_int_equal(tok_token_logout(&f->t), CKR_OK);
		fault_disarm();
		snap_token(f, &s);
		assert_int_equal(s.n_private, 0);
		assert_int_equal(tok_token_login_state(&f->t), TOK_NO_USER);
		assert_false(f->t.have_mk);
	}
	/* The public session object of each round stays. */
	assert_int_equal(f->t.objects.n, f->n_ids / 2 + 4);
}

static void test_session_closed_enomem(void **state)
{
	struct fx *f = *state;
	int session_a, session_b;
	CK_OBJECT_HANDLE a1, a2, b1;

	login_user(f);
	a1 = session_object(f, &session_a, true);
	a2 = session_object(f, &session_a, false);
	b1 = session_object(f, &session_b, true);
	fault_arm(FAULT_ALLOC, 0);
	tok_token_session_closed(&f->t, &session_a);
	fault_disarm();
	assert_null(tok_objects_find(&f->t.objects, a1));
	assert_null(tok_objects_find(&f->t.objects, a2));
	assert_non_null(tok_objects_find(&f->t.objects, b1));
	assert_false(tok_owned_any(&f->t, &session_a));
	assert_true(tok_owned_any(&f->t, &session_b));
	assert_int_equal(f->t.n_session_objects, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reload_enomem_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_enomem_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_enomem_private, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_login_enomem_retried, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_eio_obj_idx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_eio_obj_idx_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_eio_object_file, setup_files_only,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_reload_eio_everything, setup_files_only, teardown),
	    cmocka_unit_test_setup_teardown(test_damage_still_skipped, setup_files_only, teardown),
	    cmocka_unit_test_setup_teardown(test_calls_report_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_eio_retried, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_compact_eio, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_eacces_object_file, setup_files_only,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_index_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_logout_enomem, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_closed_enomem, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
