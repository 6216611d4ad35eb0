/*
 * One token as one process uses it: its store, its objects, the login
 * state of the process, and the backend that does its cryptography.  This
 * is the token common layer's face to the library: the library handles
 * sessions and argument checks, then calls these functions.
 *
 * The process reads the token's store directly (a reader handle: it never
 * writes a token file) and sends every change through its writer (struct
 * tok_writer: slotd, in the library), which checks it again, writes it and
 * answers once it is durable.  The token information (label, flags, PIN
 * state) comes from the token's shared memory, which slotd keeps.
 *
 * Locking: t->lock (a rwlock) guards the object set, the login state and
 * the master key.  Lookups take it for reading; changes for writing.  Before
 * every object call the token compares the per-token shared memory
 * counters with what it saw last and, when another process changed the
 * store, reloads just the objects that changed (tok_token_sync).  Backend
 * cryptography runs outside the lock, on referenced objects.
 */
#ifndef TOK_TOKEN_H
#define TOK_TOKEN_H

#include <pthread.h>
#include <stdbool.h>

#include "backend.h"
#include "objects.h"
#include "store.h"
#include "tokshm.h"

#define TOK_NO_USER ((CK_USER_TYPE)-1)
#define TOK_MAX_PIN 128

/*
 * Where a token's changes go: the one writer of its files.  Each function
 * returns the PKCS#11 result of the change, which is durable when CKR_OK.
 */
struct tok_writer {
	void *ctx;
	/* A token object: *id 0 makes a new one; *id and *generation are set on success. */
	CK_RV (*save)(void *ctx, uint64_t *id, uint64_t *generation, const struct tok_attrs *attrs);
	CK_RV (*destroy)(void *ctx, uint64_t id);
	/* mk gets the master key for a user login (*have_mk true), nothing for the SO. */
	CK_RV(*login)
	(void *ctx, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len,
	 uint8_t mk[TOK_STORE_KEY_LEN], bool *have_mk);
	CK_RV (*logout)(void *ctx);
	CK_RV(*init_token)
	(void *ctx, const CK_UTF8CHAR *pin, CK_ULONG len, const CK_UTF8CHAR label[32]);
	CK_RV (*init_pin)(void *ctx, const CK_UTF8CHAR *pin, CK_ULONG len);
	CK_RV(*set_pin)
	(void *ctx, const CK_UTF8CHAR *old, CK_ULONG old_len, const CK_UTF8CHAR *pin, CK_ULONG len);
};

/* The number of session objects one session owns. */
struct tok_owned {
	const void *session;
	size_t n;
};

struct tok_token {
	pthread_rwlock_t lock;
	const struct os_backend_ops *ops;
	void *ctx;
	struct tok_store *store; /* a reader handle */
	const struct tok_writer *writer;
	const struct os_tokshm *shm;
	struct tok_objects objects;
	uint64_t seen_objects;
	uint64_t seen_token;
	struct tok_shm_info info;
	CK_USER_TYPE login;
	bool have_mk;
	uint8_t mk[TOK_STORE_KEY_LEN];
	size_t n_session_objects;
	struct tok_owned *owned; /* session objects per owning session */
	size_t n_owned, cap_owned;
	bool owned_lost; /* a count could not be kept: walk on every close */
	void (*trace)(int level, const char *fmt, ...);
	void (*damaged)(void *arg, uint64_t id, CK_RV rv);
	void *damaged_arg;
};

/* What the library tells the token about the calling session. */
struct tok_caller {
	const void *session; /* owner of session objects */
	bool rw;             /* a read/write session */
	bool so;             /* the security officer is logged in */
};

/* How a token is opened: where its files are and who may have written them. */
struct tok_token_place {
	const char *data_dir;
	int lock_fd;
	const struct os_tokshm *shm; /* mapped read-only */
	uid_t owner;                 /* the token files' owner (slotd's user) */
	const struct tok_writer *writer;
	/* Told of each stored object skipped as damaged (optional). */
	void (*damaged)(void *arg, uint64_t id, CK_RV rv);
	void *damaged_arg;
};

/*
 * Opens the token's store for reading and loads its public objects.
 * threads: how many threads the store may use (1: none of its own, for a
 * caller that set CKF_LIBRARY_CANT_CREATE_OS_THREADS; see
 * tok_store_set_threads).
 */
int tok_token_open(struct tok_token *t, const struct os_backend_ops *ops, void *ctx,
                   const struct tok_token_place *place, unsigned threads,
                   void (*trace)(int level, const char *fmt, ...), char *err, size_t errlen);
void tok_token_close(struct tok_token *t);

/*
 * Brings the object set up to date with the store (other processes'
 * changes).  On failure (CKR_DEVICE_ERROR, CKR_HOST_MEMORY, ...) the
 * change is not marked as seen, so the next call tries again.
 */
CK_RV tok_token_sync(struct tok_token *t);

/* Fills label, flags and PIN lengths of CK_TOKEN_INFO. */
void tok_token_info(struct tok_token *t, CK_TOKEN_INFO *info);

CK_RV tok_token_init(struct tok_token *t, const CK_UTF8CHAR *pin, CK_ULONG len,
                     const CK_UTF8CHAR *label);
CK_RV tok_token_login(struct tok_token *t, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len);
CK_RV tok_token_logout(struct tok_token *t);
/* The writer lost this process's login (slotd restarted): forget it here too. */
void tok_token_forget_login(struct tok_token *t);
CK_USER_TYPE tok_token_login_state(struct tok_token *t);
CK_RV tok_token_init_pin(struct tok_token *t, const CK_UTF8CHAR *pin, CK_ULONG len);
CK_RV tok_token_set_pin(struct tok_token *t, const CK_UTF8CHAR *old, CK_ULONG old_len,
                        const CK_UTF8CHAR *pin, CK_ULONG len);

/* Objects (token_objects.c). */
CK_RV tok_token_create(struct tok_token *t, const struct tok_caller *c, const CK_ATTRIBUTE *tmpl,
                       CK_ULONG n, CK_OBJECT_HANDLE *out);
CK_RV tok_token_generate_key(struct tok_token *t, const struct tok_caller *c,
                             const CK_MECHANISM *mech, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                             CK_OBJECT_HANDLE *out);
CK_RV tok_token_generate_key_pair(struct tok_token *t, const struct tok_caller *c,
                                  const CK_MECHANISM *mech, const CK_ATTRIBUTE *pub_tmpl,
                                  CK_ULONG n_pub, const CK_ATTRIBUTE *priv_tmpl, CK_ULONG n_priv,
                                  CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv);
CK_RV tok_token_unwrap(struct tok_token *t, const struct tok_caller *c, const CK_MECHANISM *mech,
                       CK_OBJECT_HANDLE unwrapping, const CK_BYTE *in, CK_ULONG inlen,
                       const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out);
CK_RV tok_token_derive(struct tok_token *t, const struct tok_caller *c, const CK_MECHANISM *mech,
                       CK_OBJECT_HANDLE base, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                       CK_OBJECT_HANDLE *out);
CK_RV tok_token_wrap(struct tok_token *t, const CK_MECHANISM *mech, CK_OBJECT_HANDLE wrapping,
                     CK_OBJECT_HANDLE key, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tok_token_copy(struct tok_token *t, const struct tok_caller *c, CK_OBJECT_HANDLE h,
                     const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out);
CK_RV tok_token_destroy(struct tok_token *t, const struct tok_caller *c, CK_OBJECT_HANDLE h);
CK_RV tok_token_get_attrs(struct tok_token *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE *tmpl, CK_ULONG n);
CK_RV tok_token_set_attrs(struct tok_token *t, const struct tok_caller *c, CK_OBJECT_HANDLE h,
                          const CK_ATTRIBUTE *tmpl, CK_ULONG n);
CK_RV tok_token_object_size(struct tok_token *t, CK_OBJECT_HANDLE h, CK_ULONG *size);
/* The handles of visible objects matching tmpl (malloc'ed; free it). */
CK_RV tok_token_find(struct tok_token *t, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                     CK_OBJECT_HANDLE **found, size_t *count);
/* A referenced, visible key object for an operation (CKR_KEY_HANDLE_INVALID when none). */
CK_RV tok_token_key(struct tok_token *t, CK_OBJECT_HANDLE h, struct tok_object **obj);
/* Counts of session objects per owner (t->lock held for writing). */
void tok_owned_add(struct tok_token *t, const void *session);
void tok_owned_sub(struct tok_token *t, const void *session, size_t n);
bool tok_owned_any(struct tok_token *t, const void *session);
void tok_owned_free(struct tok_token *t);
/* Destroys the session objects of a closed session. */
void tok_token_session_closed(struct tok_token *t, const void *session);

#endif
