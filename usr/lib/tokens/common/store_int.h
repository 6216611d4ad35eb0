/*
 * The state of an open token store, shared by store.c (objects, token
 * initialisation) and store_pin.c (PINs and the master key).
 */
#ifndef TOK_STORE_INT_H
#define TOK_STORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "store_idx.h"

#define TOK_STORE_OBJ_MAGIC  "OSOB"
#define TOK_STORE_MAX_OBJECT (16u * 1024 * 1024) /* largest object body */

struct tok_store {
	int data_fd; /* the token's data directory */
	int obj_fd;  /* its TOK_OBJ directory */
	int lock_fd; /* the token's lock file (flock) */
	struct os_tokshm *shm;
	uint32_t kdf_iterations; /* for PINs set through this handle */
	unsigned threads;        /* 1..TOK_STORE_MAX_THREADS, see tok_store_set_threads */
	/*
	 * Serialises the threads of this process: flock() does not exclude
	 * threads that share lock_fd, and the cached index is per handle.
	 */
	pthread_mutex_t mutex;
	struct tok_store_idx idx; /* cached live set of OBJ_IDX */
	bool token_changed;       /* bump token_generation at unlock */
	bool objects_changed;     /* bump objects_generation at unlock */
};

/*
 * Takes the handle's mutex, then the token lock (LOCK_SH to read, LOCK_EX to
 * change anything).  CKR_OK, or CKR_DEVICE_ERROR with nothing held.
 */
CK_RV tok_store_lock(struct tok_store *st, int how);

/*
 * Bumps the shared counters of what changed under the lock (so a process
 * that sees the new value and then locks finds the new state), then
 * releases the token lock and the mutex.
 */
void tok_store_unlock(struct tok_store *st);

#endif
