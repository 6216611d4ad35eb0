/*
 * The token object store (see store.h): opening a token's directory, the
 * token lock, C_InitToken, and saving, listing and deleting token objects.
 * Loading is in store_load.c, PINs in store_pin.c, the index journal in
 * store_idx.c, the file framing and durable writes in store_file.c.
 *
 * Why a crash at any moment leaves a loadable store
 * -------------------------------------------------
 * 1. A file under its real name is always complete.  NVTOK.DAT, MK_SO,
 *    MK_USER, rewritten OBJ_IDX files and the files of objects too large for
 *    an index record are written under a temporary name, fsync'ed, renamed
 *    over the old name and the directory fsync'ed; rename replaces the name
 *    atomically, so a reader finds the whole old file or the whole new one.
 *    Leftover temporary files are never read and are removed at the next
 *    compaction or C_InitToken.
 * 2. OBJ_IDX grows only by appends of one record, written with pwrite and
 *    made durable with fdatasync.  A crash can tear only the last record;
 *    a torn record fails a checksum or is shorter than it says, is not
 *    applied on replay, and is overwritten by the next append.
 * 3. The record of an object up to TOK_STORE_IDX_INLINE_MAX bytes carries
 *    the object's frame, so its fdatasync alone makes the change durable;
 *    the object's file is written and renamed before it but not flushed.
 *    Readers take that frame from the record, and the file only when the
 *    record's copy is damaged.  A larger object's file is made durable by
 *    step 1 before its record is appended.  So every object the index lists
 *    has a complete copy, as new as the record (or, in its file, newer):
 *      - create: a crash before the record leaves at most an orphan file
 *        that no index lists (the object does not exist); compaction
 *        removes it;
 *      - update: before the record, the old record's frame (or the old
 *        file) is still what readers use; after it, the new one.  A newer
 *        file than the record is whole and, since processes key their
 *        caches on index generations, which only grow, the next update
 *        makes every process reload;
 *      - delete: the remove record comes first, then the unlink; a crash in
 *        between leaves an orphan file, again removed at compaction.
 * 4. Compaction writes the live set, frames included, to a new OBJ_IDX by
 *    step 1 and only then removes the files it does not list; old and new
 *    index give the same live set.
 * 5. A PIN change replaces one master-key file by a single rename; the master
 *    key itself never changes, so objects stay readable and exactly one of
 *    the old and new PIN works.  NVTOK.DAT (flags, counters) is written
 *    after; a crash in between only leaves a stale "to be changed" flag.
 * 6. C_InitToken first replaces OBJ_IDX with an empty one (every object is
 *    gone at once), then removes MK_USER and the object files, writes MK_SO
 *    under the new SO PIN and finally NVTOK.DAT.  Interrupted, it leaves an
 *    empty token that still opens with the old SO PIN (before MK_SO is
 *    replaced) or the new one (after), and no user PIN.
 * Every change is made under the exclusive token lock and every read under
 * the shared one, so other processes never observe a change in progress.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "store_crypt.h"
#include "store_file.h"
#include "store_idx.h"
#include "store_int.h"
#include "store_pin.h"

#define STORE_OBJ_DIR "TOK_OBJ"

static int store_fail(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
	return -1;
}

static int store_open_dirs(struct tok_store *st, const char *data_dir, char *err, size_t errlen)
{
	st->data_fd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->data_fd < 0)
		return store_fail(err, errlen, "cannot open token directory", data_dir);
	if (mkdirat(st->data_fd, STORE_OBJ_DIR, 0770) == 0) {
		if (fsync(st->data_fd) < 0)
			return store_fail(err, errlen, "cannot sync", data_dir);
	} else if (errno != EEXIST) {
		return store_fail(err, errlen, "cannot create TOK_OBJ in", data_dir);
	}
	st->obj_fd =
	    openat(st->data_fd, STORE_OBJ_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (st->obj_fd < 0)
		return store_fail(err, errlen, "cannot open TOK_OBJ in", data_dir);
	return 0;
}

int tok_store_open(const char *data_dir, int lock_fd, struct os_tokshm *shm, struct tok_store **out,
                   char *err, size_t errlen)
{
	struct tok_store *st;

	*out = NULL;
	if (!data_dir || lock_fd < 0) {
		snprintf(err, errlen, "token store needs a directory and a lock file");
		return -1;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->data_fd = st->obj_fd = -1;
	st->lock_fd = lock_fd;
	st->shm = shm;
	st->kdf_iterations = TOK_STORE_DEFAULT_ITER;
	st->threads = 1;
	tok_store_idx_init(&st->idx);
	if (store_open_dirs(st, data_dir, err, errlen) < 0) {
		if (st->data_fd >= 0)
			close(st->data_fd);
		free(st);
		return -1;
	}
	pthread_mutex_init(&st->mutex, NULL);
	*out = st;
	return 0;
}

void tok_store_close(struct tok_store *st)
{
	if (!st)
		return;
	close(st->obj_fd);
	close(st->data_fd);
	tok_store_idx_free(&st->idx);
	pthread_mutex_destroy(&st->mutex);
	free(st);
}

void tok_store_set_inline_max(struct tok_store *st, size_t max)
{
	pthread_mutex_lock(&st->mutex);
	st->idx.inline_max = max < TOK_STORE_IDX_INLINE_MAX ? max : TOK_STORE_IDX_INLINE_MAX;
	pthread_mutex_unlock(&st->mutex);
}

void tok_store_set_threads(struct tok_store *st, unsigned threads)
{
	pthread_mutex_lock(&st->mutex);
	st->threads = threads < 1                       ? 1
	              : threads > TOK_STORE_MAX_THREADS ? TOK_STORE_MAX_THREADS
	                                                : threads;
	pthread_mutex_unlock(&st->mutex);
}

void tok_store_set_kdf_iterations(struct tok_store *st, uint32_t iterations)
{
	if (iterations == 0)
		iterations = TOK_STORE_DEFAULT_ITER;
	if (iterations > TOK_STORE_MAX_ITER)
		iterations = TOK_STORE_MAX_ITER;
	pthread_mutex_lock(&st->mutex);
	st->kdf_iterations = iterations;
	pthread_mutex_unlock(&st->mutex);
}

CK_RV tok_store_lock(struct tok_store *st, int how)
{
	int rc;

	pthread_mutex_lock(&st->mutex);
	do
		rc = flock(st->lock_fd, how);
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		pthread_mutex_unlock(&st->mutex);
		return CKR_DEVICE_ERROR;
	}
	st->token_changed = false;
	st->objects_changed = false;
	return CKR_OK;
}

void tok_store_unlock(struct tok_store *st)
{
	if (st->shm && st->token_changed)
		tok_shm_bump(&st->shm->token_generation);
	if (st->shm && st->objects_changed)
		tok_shm_bump(&st->shm->objects_generation);
	flock(st->lock_fd, LOCK_UN);
	pthread_mutex_unlock(&st->mutex);
}

CK_RV tok_store_read_info(struct tok_store *st, struct tok_store_info *info)
{
	CK_RV rv;

	if (!st || !info)
		return CKR_ARGUMENTS_BAD;
	rv = tok_store_lock(st, LOCK_SH);
	if (rv != CKR_OK)
		return rv;
	rv = tok_store_nv_read(st->data_fd, info);
	tok_store_unlock(st);
	return rv;
}

/* Steps 6 of the comment at the top, after the SO PIN was checked. */
static CK_RV store_reinit_inlock(struct tok_store *st, const CK_UTF8CHAR *so_pin, CK_ULONG so_len,
                                 const CK_UTF8CHAR label[32])
{
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct tok_store_info nv;
	size_t n = 32;
	CK_RV rv;

	st->objects_changed = true;
	st->token_changed = true;
	rv = tok_store_idx_reset(&st->idx, st->obj_fd);
	if (rv == CKR_OK)
		rv = tok_store_file_remove(st->data_fd, TOK_STORE_MK_USER_NAME);
	if (rv != CKR_OK)
		return rv;
	rv = tok_store_crypt_random(mk, sizeof(mk)) ? CKR_OK : CKR_FUNCTION_FAILED;
	if (rv == CKR_OK)
		rv = tok_store_mk_write(st, CKU_SO, mk, so_pin, so_len);
	OPENSSL_cleanse(mk, sizeof(mk));
	if (rv != CKR_OK)
		return rv;
	memset(&nv, 0, sizeof(nv));
	nv.initialized = true;
	while (n > 0 && label[n - 1] == ' ')
		n--;
	memcpy(nv.label, label, n);
	rv = tok_store_nv_write(st->data_fd, &nv);
	tok_store_idx_sweep_temp(st->data_fd);
	return rv;
}

CK_RV tok_store_init_token(struct tok_store *st, const CK_UTF8CHAR *so_pin, CK_ULONG so_len,
                           const CK_UTF8CHAR label[32])
{
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct tok_store_info nv;
	CK_RV rv;

	if (!st || !label || (!so_pin && so_len))
		return CKR_ARGUMENTS_BAD;
	rv = tok_store_lock(st, LOCK_EX);
	if (rv != CKR_OK)
		return rv;
	rv = tok_store_nv_read(st->data_fd, &nv);
	/* An initialised token is re-initialised only by its SO. */
	if (rv == CKR_OK && nv.initialized)
		rv = tok_store_pin_check_inlock(st, CKU_SO, so_pin, so_len, mk, &nv);
	OPENSSL_cleanse(mk, sizeof(mk));
	if (rv == CKR_OK)
		rv = store_reinit_inlock(st, so_pin, so_len, label);
	tok_store_unlock(st);
	return rv;
}

CK_RV tok_store_list(struct tok_store *st, struct tok_store_entry **entries, size_t *n)
{
	CK_RV rv;

	if (!st || !entries || !n)
		return CKR_ARGUMENTS_BAD;
	*entries = NULL;
	*n = 0;
	rv = tok_store_lock(st, LOCK_SH);
	if (rv != CKR_OK)
		return rv;
	rv = tok_store_idx_refresh(&st->idx, st->obj_fd);
	if (rv == CKR_OK)
		rv = tok_store_idx_list(&st->idx, entries, n);
	tok_store_unlock(st);
	return rv;
}

/* Encodes attrs into body, allocated once at the exact size so the plaintext
 * of a private object is never left behind in a freed block. */
static CK_RV store_encode(const struct tok_attrs *attrs, struct os_buf *body)
{
	size_t size = 4;

	for (size_t i = 0; i < attrs->n; i++)
		size += 12 + attrs->v[i].ulValueLen;
	if (!os_buf_reserve(body, size))
		return CKR_HOST_MEMORY;
	body->len = 0;
	tok_attrs_encode(attrs, body);
	if (os_buf_failed(body))
		return CKR_HOST_MEMORY;
	return body->len > TOK_STORE_MAX_OBJECT ? CKR_DEVICE_MEMORY : CKR_OK;
}

/* Picks the id and generation of the write (token lock held exclusively). */
static CK_RV store_next_version_inlock(struct tok_store *st, struct tok_store_entry *next,
                                       enum tok_store_idx_op *op)
{
	const struct tok_store_entry *cur;
	CK_RV rv;

	rv = tok_store_idx_refresh(&st->idx, st->obj_fd);
	if (rv != CKR_OK)
		return rv;
	if (next->id == 0) {
		*op = TOK_STORE_IDX_ADD;
		next->generation = 1;
		return tok_store_idx_new_id(&st->idx, &next->id);
	}
	cur = tok_store_idx_find(&st->idx, next->id);
	if (!cur)
		return CKR_OBJECT_HANDLE_INVALID;
	*op = TOK_STORE_IDX_UPDATE;
	next->generation = cur->generation + 1;
	return CKR_OK;
}

/*
 * Step 3 of the comment at the top: the file first, then its record.  A
 * frame small enough travels in the record, whose flush then makes both
 * durable; a larger one is flushed in its file first.
 */
static CK_RV store_write_inlock(struct tok_store *st, struct tok_store_entry *next,
                                const uint8_t *mk, const struct os_buf *body)
{
	struct tok_store_frame fr;
	char name[TOK_STORE_OBJ_NAME_SIZE];
	enum tok_store_idx_op op;
	struct os_buf file;
	bool inl;
	CK_RV rv;

	rv = store_next_version_inlock(st, next, &op);
	if (rv != CKR_OK)
		return rv;
	fr.id = next->id;
	fr.generation = next->generation;
	os_buf_init(&file);
	rv = tok_store_frame_seal(TOK_STORE_OBJ_MAGIC, &fr, body->data, body->len,
	                          next->private ? mk : NULL, &file);
	inl = file.len <= st->idx.inline_max;
	tok_store_idx_object_name(next->id, name);
	if (rv == CKR_OK)
		rv = tok_store_file_put(st->obj_fd, name, file.data, file.len, !inl);
	if (rv == CKR_OK) {
		st->objects_changed = true;
		rv = tok_store_idx_append(&st->idx, st->obj_fd, op, next, inl ? file.data : NULL,
		                          inl ? file.len : 0);
	}
	os_buf_free(&file);
	if (rv == CKR_OK)
		tok_store_idx_maybe_compact(&st->idx, st->obj_fd); /* only tidies */
	return rv;
}

CK_RV tok_store_save_object(struct tok_store *st, struct tok_store_entry *entry, const uint8_t *mk,
                            const struct tok_attrs *attrs)
{
	struct tok_store_entry next;
	struct os_buf body;
	CK_RV rv;

	if (!st || !entry || !attrs)
		return CKR_ARGUMENTS_BAD;
	if (entry->private && !mk)
		return CKR_USER_NOT_LOGGED_IN;
	os_buf_init(&body);
	rv = store_encode(attrs, &body);
	if (rv != CKR_OK)
		goto out;
	rv = tok_store_lock(st, LOCK_EX);
	if (rv != CKR_OK)
		goto out;
	next = *entry;
	rv = store_write_inlock(st, &next, mk, &body);
	tok_store_unlock(st);
	if (rv == CKR_OK)
		*entry = next;
out:
	tok_store_file_wipe(&body);
	return rv;
}

CK_RV tok_store_delete_object(struct tok_store *st, uint64_t id)
{
	char name[TOK_STORE_OBJ_NAME_SIZE];
	struct tok_store_entry gone;
	const struct tok_store_entry *cur;
	CK_RV rv;

	if (!st)
		return CKR_ARGUMENTS_BAD;
	rv = tok_store_lock(st, LOCK_EX);
	if (rv != CKR_OK)
		return rv;
	rv = tok_store_idx_refresh(&st->idx, st->obj_fd);
	cur = rv == CKR_OK ? tok_store_idx_find(&st->idx, id) : NULL;
	if (rv == CKR_OK && !cur)
		rv = CKR_OBJECT_HANDLE_INVALID;
	if (rv != CKR_OK)
		goto out;
	gone = *cur;
	gone.generation++;
	/* Step 3: the record first; a crash before the unlink leaves an orphan. */
	rv = tok_store_idx_append(&st->idx, st->obj_fd, TOK_STORE_IDX_REMOVE, &gone, NULL, 0);
	if (rv != CKR_OK)
		goto out;
	st->objects_changed = true;
	tok_store_idx_object_name(id, name);
	tok_store_file_remove(st->obj_fd, name); /* a leftover is swept later */
	tok_store_idx_maybe_compact(&st->idx, st->obj_fd);
out:
	tok_store_unlock(st);
	return rv;
}
