/*
 * The token object store (see store.h): opening a token's directory as its
 * writer or as a reader, the handle's settings and its locking.  Saving,
 * listing and deleting objects are in store_obj.c, loading in store_load.c,
 * PINs and C_InitToken in store_pin.c, the token files in store_mk.c, the
 * index journal in store_idx.c, the file framing and durable writes in
 * store_file.c.
 *
 * Why a crash at any moment leaves a loadable store
 * -------------------------------------------------
 * 1. A file under its real name is always complete.  NVTOK.DAT, MK_SO,
 *    MK_USER, rewritten OBJ_IDX files and the files of objects too large for
 *    an index record are written under a temporary name, fsync'ed, renamed
 *    over the old name and the directory fsync'ed; rename replaces the name
 *    atomically, so a reader finds the whole old file or the whole new one.
 *    Temporary names are random and created O_EXCL; leftovers are never
 *    read and are removed at the next compaction or C_InitToken.
 * 2. OBJ_IDX grows only by appends of one record, written with pwrite and
 *    made durable with fdatasync (with deferred sync, one fdatasync in
 *    tok_store_sync covers every record since the last one).  A crash can
 *    tear only records not yet flushed; a torn record fails a checksum or
 *    is shorter than it says, is not applied on replay, and is overwritten
 *    by the next append.
 * 3. The record of an object up to TOK_STORE_IDX_INLINE_MAX bytes carries
 *    the object's frame, so its fdatasync alone makes the change durable;
 *    the object's file is written and renamed before it but not flushed
 *    (unless the version it replaces lives only in that file: then the
 *    new file is flushed first, as for a large object).
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
 *      - delete: the remove record comes first, then the unlink (with
 *        deferred sync, after the record is flushed in tok_store_sync); a
 *        crash in between leaves an orphan file, again removed at
 *        compaction.
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
 *
 * Why readers need no lock
 * ------------------------
 * Only the writer changes files, under its mutex; readers in other
 * processes may read at any moment (the token lock, LOCK_SH for a bounded
 * time, only spares them work).  A reader sees a whole file under every
 * name (1), never applies a record that is not whole yet (2: it reads it
 * again at its next refresh), and takes each frame from the very OBJ_IDX it
 * replayed, which stays intact while it is open even after a compaction
 * renamed another file over it (4; the next refresh sees another inode and
 * replays the new file).  An object whose file the writer removed since
 * the reader's refresh (delete, compaction) is reported for that object
 * alone, and a file newer than the reader's record is a whole later
 * version (3).  The shared-memory counters are bumped only once a change is
 * durable, so a reader that reloads on a new counter value never gets a
 * change a crash could take back.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_idx.h"
#include "store_int.h"
#include "store_kdf.h"
#include "store_mk.h"

#define STORE_OBJ_DIR "TOK_OBJ"
/* A reader waits for LOCK_SH 1, 2, 4 ... 64 ms: at most 127 ms in all. */
#define STORE_LOCK_WAIT_STEPS 7

static int store_fail(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
	return -1;
}

/* Opens (the writer: creating) TOK_OBJ, mode 0750 set on the open directory. */
static int store_open_obj_dir(struct tok_store *st, const char *data_dir, char *err, size_t errlen)
{
	bool created = false;

	if (!st->reader) {
		created = mkdirat(st->data_fd, STORE_OBJ_DIR, TOK_STORE_MODE_DIR) == 0;
		if (!created && errno != EEXIST)
			return store_fail(err, errlen, "cannot create TOK_OBJ in", data_dir);
	}
	st->obj_fd =
	    openat(st->data_fd, STORE_OBJ_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (st->obj_fd < 0)
		return store_fail(err, errlen, "cannot open TOK_OBJ in", data_dir);
	if (st->reader)
		return 0;
	/* Set on every open: a directory left from elsewhere gets the mode too. */
	if (fchmod(st->obj_fd, TOK_STORE_MODE_DIR) < 0 && created)
		return store_fail(err, errlen, "cannot set the mode of TOK_OBJ in", data_dir);
	if (created && fsync(st->data_fd) < 0)
		return store_fail(err, errlen, "cannot sync", data_dir);
	return 0;
}

static void store_free(struct tok_store *st)
{
	if (st->obj_fd >= 0)
		close(st->obj_fd);
	if (st->data_fd >= 0)
		close(st->data_fd);
	tok_store_idx_free(&st->idx);
	free(st->doomed);
	free(st);
}

static int store_open(const char *data_dir, int lock_fd, bool reader, uid_t owner,
                      struct tok_store **out, char *err, size_t errlen)
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
	st->obj_fd = -1;
	st->lock_fd = lock_fd;
	st->reader = reader;
	st->owner = owner;
	st->pin_limit = TOK_STORE_MAX_PIN_FAILS;
	st->kdf = (struct tok_kdf_params){TOK_STORE_KDF_DEFAULT_M_KIB, TOK_STORE_KDF_DEFAULT_T,
	                                  TOK_STORE_KDF_DEFAULT_P};
	st->threads = 1;
	tok_store_idx_init(&st->idx);
	st->idx.owner = owner;
	st->data_fd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (st->data_fd < 0 ? store_fail(err, errlen, "cannot open token directory", data_dir)
	                    : store_open_obj_dir(st, data_dir, err, errlen)) {
		store_free(st);
		return -1;
	}
	pthread_mutex_init(&st->mutex, NULL);
	*out = st;
	return 0;
}

int tok_store_open(const char *data_dir, int lock_fd, struct os_tokshm *shm, struct tok_store **out,
                   char *err, size_t errlen)
{
	int rc = store_open(data_dir, lock_fd, false, (uid_t)-1, out, err, errlen);

	if (rc == 0)
		(*out)->shm = shm;
	return rc;
}

int tok_store_open_reader(const char *data_dir, int lock_fd, uid_t owner, struct tok_store **out,
                          char *err, size_t errlen)
{
	return store_open(data_dir, lock_fd, true, owner, out, err, errlen);
}

void tok_store_close(struct tok_store *st)
{
	if (!st)
		return;
	pthread_mutex_destroy(&st->mutex);
	store_free(st);
}

void tok_store_set_inline_max(struct tok_store *st, size_t max)
{
	tok_store_lock(st);
	st->idx.inline_max = max < TOK_STORE_IDX_INLINE_MAX ? max : TOK_STORE_IDX_INLINE_MAX;
	tok_store_unlock(st);
}

void tok_store_set_threads(struct tok_store *st, unsigned threads)
{
	pthread_mutex_lock(&st->mutex);
	st->threads = threads < 1                       ? 1
	              : threads > TOK_STORE_MAX_THREADS ? TOK_STORE_MAX_THREADS
	                                                : threads;
	pthread_mutex_unlock(&st->mutex);
}

void tok_store_set_trace(struct tok_store *st, void (*trace)(int level, const char *fmt, ...))
{
	pthread_mutex_lock(&st->mutex);
	st->trace = trace;
	pthread_mutex_unlock(&st->mutex);
}

void tok_store_set_kdf_params(struct tok_store *st, const struct tok_kdf_params *p)
{
	static const struct tok_kdf_params dflt = {
	    TOK_STORE_KDF_DEFAULT_M_KIB, TOK_STORE_KDF_DEFAULT_T, TOK_STORE_KDF_DEFAULT_P};

	if (p && !tok_store_kdf_params_valid(p))
		return;
	pthread_mutex_lock(&st->mutex);
	st->kdf = p ? *p : dflt;
	pthread_mutex_unlock(&st->mutex);
}

void tok_store_set_sealer(struct tok_store *st, const struct tok_store_sealer *s)
{
	pthread_mutex_lock(&st->mutex);
	if (s)
		st->sealer = *s;
	else
		memset(&st->sealer, 0, sizeof(st->sealer));
	pthread_mutex_unlock(&st->mutex);
}

void tok_store_set_pin_limit(struct tok_store *st, unsigned limit)
{
	if (limit < 1 || limit > TOK_STORE_PIN_FAILS_MAX)
		return;
	pthread_mutex_lock(&st->mutex);
	st->pin_limit = limit;
	pthread_mutex_unlock(&st->mutex);
}

/*
 * LOCK_SH for a reader, waiting a bounded time: false when still busy.
 * *waited_ms: how long the sleeps between tries lasted.
 */
static bool store_try_shared(int lock_fd, int *waited_ms)
{
	int delay = 1;

	*waited_ms = 0;
	for (int i = 0;; i++) {
		if (flock(lock_fd, LOCK_SH | LOCK_NB) == 0)
			return true;
		if ((errno != EWOULDBLOCK && errno != EINTR) || i == STORE_LOCK_WAIT_STEPS)
			return false;
		poll(NULL, 0, delay);
		*waited_ms += delay;
		delay *= 2;
	}
}

/* A reader takes the token lock, and traces the wait when it had to wait. */
static void store_lock_reader(struct tok_store *st)
{
	int waited;

	st->flocked = store_try_shared(st->lock_fd, &waited);
	if (st->trace && (waited || !st->flocked))
		st->trace(4, "token lock: %s after waiting %d ms",
		          st->flocked ? "taken shared" : "still busy, reading without it", waited);
}

void tok_store_lock(struct tok_store *st)
{
	pthread_mutex_lock(&st->mutex);
	st->flocked = false;
	if (st->reader)
		store_lock_reader(st);
	st->token_changed = false;
	st->objects_changed = 0;
}

void tok_store_unlock(struct tok_store *st)
{
	if (st->shm && st->token_changed)
		tok_shm_bump(&st->shm->token_generation);
	if (st->shm && st->objects_changed)
		tok_shm_add(&st->shm->objects_generation, st->objects_changed);
	if (st->flocked)
		flock(st->lock_fd, LOCK_UN);
	st->flocked = false;
	pthread_mutex_unlock(&st->mutex);
}

void tok_store_tidy_inlock(struct tok_store *st)
{
	if (!tok_store_idx_wants_compact(&st->idx))
		return;
	/* Readers holding the lock would only have to replay again: let them. */
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return;
	tok_store_idx_compact(&st->idx, st->obj_fd); /* only tidies: failure is harmless */
	flock(st->lock_fd, LOCK_UN);
}

CK_RV tok_store_read_info(struct tok_store *st, struct tok_store_info *info)
{
	CK_RV rv;

	if (!st || !info)
		return CKR_ARGUMENTS_BAD;
	if (st->reader)
		return CKR_FUNCTION_NOT_SUPPORTED;
	tok_store_lock(st);
	rv = tok_store_nv_read(st->data_fd, info);
	tok_store_unlock(st);
	return rv;
}
