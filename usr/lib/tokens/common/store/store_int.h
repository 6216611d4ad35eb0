/*
 * The state of an open token store, shared by store.c (opening, locking,
 * token initialisation), store_obj.c (saving and deleting objects),
 * store_load.c (loading them) and store_pin.c (PINs and the master key).
 */
#ifndef TOK_STORE_INT_H
#define TOK_STORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "store.h"
#include "store_idx.h"

#define TOK_STORE_OBJ_MAGIC   "OSOB"
#define TOK_STORE_MAX_OBJECT  (16u * 1024 * 1024) /* largest object body */
#define TOK_STORE_MODE_SHARED 0640                /* OBJ_IDX and object files */
#define TOK_STORE_MODE_SECRET 0600                /* NVTOK.DAT, MK_SO, MK_USER */
#define TOK_STORE_MODE_DIR    0750                /* TOK_OBJ */

/* Index of a role in per-role arrays: 0 the SO, 1 the user. */
#define TOK_STORE_ROLE(user) ((user) == CKU_SO ? 0 : 1)

struct tok_store {
	int data_fd;  /* the token's data directory */
	int obj_fd;   /* its TOK_OBJ directory */
	int lock_fd;  /* the token's lock file (flock) */
	bool reader;  /* opened by tok_store_open_reader */
	bool flocked; /* a reader holds LOCK_SH on lock_fd */
	uid_t owner;  /* required owner of files read, (uid_t)-1: any */
	struct os_tokshm *shm;
	struct tok_kdf_params kdf; /* for PINs set through this handle */
	unsigned pin_limit;        /* consecutive wrong PINs that lock, tok_store_set_pin_limit */
	unsigned threads;          /* 1..TOK_STORE_MAX_THREADS, see tok_store_set_threads */
	void (*trace)(int level, const char *fmt, ...); /* NULL: none (tok_store_set_trace) */
	/*
	 * Serialises the threads of this process over the cached index and
	 * the token files; never held while a PIN key is derived.
	 */
	pthread_mutex_t mutex;
	struct tok_store_idx idx; /* cached live set of OBJ_IDX */
	bool token_changed;       /* bump token_generation at unlock */
	uint32_t objects_changed; /* add to objects_generation at unlock: one per change */
	/* Group commit (tok_store_set_deferred_sync). */
	bool deferred;
	uint32_t sync_pending; /* changes appended since the last flush */
	uint64_t *doomed;      /* object files to remove once the sync is done */
	size_t n_doomed, cap_doomed;
	/* PIN attempts deriving now, per role, and a count of MK_* rewrites. */
	unsigned inflight[2];
	uint64_t mk_epoch;
	struct tok_store_sealer sealer; /* seal NULL: Argon2id (tok_store_set_sealer) */
};

/*
 * Takes the handle's mutex and, on a reader handle, tries the token lock
 * LOCK_SH for a bounded time (going on without it).  Never fails.
 */
void tok_store_lock(struct tok_store *st);

/*
 * Bumps the shared counters of what changed durably under the mutex, then
 * releases the token lock (if held) and the mutex.
 */
void tok_store_unlock(struct tok_store *st);

/*
 * Compacts OBJ_IDX when it is worth it and the token lock is free
 * (LOCK_EX|LOCK_NB), else leaves it for a later write.  Mutex held, writer.
 */
void tok_store_tidy_inlock(struct tok_store *st);

#endif
