/*
 * The token object store: the files of one token in its data directory.
 *
 *   NVTOK.DAT        token record: label, flags, PIN failure counters, the
 *                    token's Argon2id parameters for new PINs (0600)
 *   MK_SO, MK_USER   the token master key (32 random bytes), wrapped with
 *                    AES-256-GCM under a key derived from the SO / user PIN
 *                    with Argon2id (RFC 9106, libargon2; store_kdf.h); the
 *                    salt and the parameters m, t, p of that PIN are kept in
 *                    the same file and bound by the GCM additional data (0600)
 *   TOK_OBJ/         the object directory (0750)
 *   TOK_OBJ/OBJ_IDX  the index of token objects (append-only journal of
 *                    add/update/remove records, compacted when mostly
 *                    dead); records of objects up to 8 KiB carry them too
 *                    (0640)
 *   TOK_OBJ/<id>.obj one file per object: public objects in clear with an
 *                    integrity tag (SHA-256 over header and body); private
 *                    objects encrypted with AES-256-GCM under the master
 *                    key, the header as additional data (0640)
 *
 * Every file starts with a magic, a format version and its length, and is
 * validated before use; an object with both copies damaged is reported
 * and skipped without touching the others.  Modes are set on the open file
 * (fchmod), never left to the umask; files are opened relative to the
 * directory with O_NOFOLLOW, read with O_NONBLOCK and used only when fstat
 * says they are regular files.
 *
 * Writer and readers.  One process, slotd, writes a token (a handle of
 * tok_store_open); any number of processes read it at the same time
 * (handles of tok_store_open_reader), without waiting for the writer and
 * without the writer ever waiting for them.  The writer serialises its own
 * threads with a mutex and takes the token's lock file only with
 * LOCK_EX|LOCK_NB, for compaction, which it skips while the lock is taken;
 * a reader takes LOCK_SH for at most about 130 ms and then reads without
 * it.  The format is safe for such lock-free readers (store.c, store_idx.h):
 * a record still being appended is not used until it is whole, a compacted
 * OBJ_IDX is recognised and replayed from its start, and an object whose
 * file vanished is reported for that object alone.  Writes are ordered so
 * that a crash leaves either the old or the new state (see store.c).  The
 * writer bumps the per-token shared memory counters once a change is
 * durable, so readers know when to reload.
 *
 * PINs are never stored: only the key Argon2id derives from them is used, to
 * unwrap the master key; a wrong PIN fails the GCM tag.  Readers never open
 * NVTOK.DAT or the MK_* files.
 */
#ifndef TOK_STORE_H
#define TOK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "attrs.h"
#include "tokshm.h"

#define TOK_STORE_KEY_LEN       32
#define TOK_STORE_MAX_PIN_FAILS 10  /* the default limit of consecutive wrong PINs */
#define TOK_STORE_PIN_FAILS_MAX 100 /* the highest limit a handle accepts */

/*
 * Argon2id parameters of a PIN: memory m_kib in KiB, t passes, p lanes.
 * The default is OWASP's (19 MiB, 2 passes, 1 lane).
 */
struct tok_kdf_params {
	uint32_t m_kib, t, p;
};
#define TOK_STORE_KDF_DEFAULT_M_KIB 19456
#define TOK_STORE_KDF_DEFAULT_T     2
#define TOK_STORE_KDF_DEFAULT_P     1

/*
 * Whether p is within the limits the store accepts, from a caller or from a
 * master-key file: 1 <= p <= 16, 1 <= t <= 1000, 8 * p <= m_kib <= 4 GiB
 * (in KiB).
 */
bool tok_store_kdf_params_valid(const struct tok_kdf_params *p);

/* Whether p is all zero: no parameters recorded for the token. */
static inline bool tok_store_kdf_params_unset(const struct tok_kdf_params *p)
{
	return p->m_kib == 0 && p->t == 0 && p->p == 0;
}

struct tok_store;

/* The token record (NVTOK.DAT) as the common layer sees it. */
struct tok_store_info {
	bool initialized;       /* C_InitToken was done */
	bool user_pin_set;      /* C_InitPIN was done */
	char label[33];         /* NUL-terminated, at most 32 bytes */
	uint32_t user_failures; /* consecutive wrong user PINs */
	uint32_t so_failures;
	/*
	 * The token's Argon2id parameters for new PINs (tok_store_set_token_kdf);
	 * all zero when none are recorded: the handle's apply.
	 */
	struct tok_kdf_params kdf;
};

/*
 * Opens the store in data_dir as its writer (slotd), creating TOK_OBJ when
 * missing.  lock_fd is the token's lock file, taken only with
 * LOCK_EX|LOCK_NB (compaction); shm the token's shared memory (counters
 * bumped after every durable change; NULL for a tool that needs no
 * notification).  Returns 0 or -1 with a reason in err.
 *
 * There must be one writer per token at a time: writer handles exclude
 * each other only within a process (through their mutex when they are one
 * handle; several handles are used one after the other).  One handle may be
 * used from several threads; PIN operations run their key derivation
 * without holding the handle's mutex, so object writes and other logins
 * proceed meanwhile.  Token files that are damaged (NVTOK.DAT, MK_SO,
 * MK_USER, a broken OBJ_IDX header) give CKR_DATA_INVALID from whatever
 * needed them; that is never counted as a PIN failure.
 */
int tok_store_open(const char *data_dir, int lock_fd, struct os_tokshm *shm, struct tok_store **out,
                   char *err, size_t errlen);

/*
 * Opens the store in data_dir for reading only (a client process): creates
 * and writes nothing; TOK_OBJ must exist (opened O_DIRECTORY|O_NOFOLLOW).
 * Every file it reads must be a regular file owned by owner ((uid_t)-1:
 * any owner), else that file is refused (CKR_DATA_INVALID: the object is
 * skipped, or the store is unreadable when it is OBJ_IDX).  lock_fd is the
 * token's lock file, taken LOCK_SH for at most about 130 ms around a read,
 * then read without it.  On a reader handle tok_store_list,
 * tok_store_load_objects and tok_store_load_object work; every other call
 * returns CKR_FUNCTION_NOT_SUPPORTED (tok_store_read_info included:
 * NVTOK.DAT is for the writer alone) and the setters other than
 * tok_store_set_threads and tok_store_set_inline_max do nothing.
 * Returns 0 or -1 with a reason in err.
 */
int tok_store_open_reader(const char *data_dir, int lock_fd, uid_t owner, struct tok_store **out,
                          char *err, size_t errlen);
void tok_store_close(struct tok_store *st);

/*
 * Argon2id parameters for PINs set from now on through this handle
 * (TOK_STORE_KDF_DEFAULT_* until changed; NULL restores them; parameters
 * tok_store_kdf_params_valid refuses are ignored): slotd's slot options.
 * They apply to the SO PIN of C_InitToken always, and to the PINs of
 * C_InitPIN and C_SetPIN unless the token records its own
 * (tok_store_set_token_kdf).  PINs already set keep the parameters
 * recorded in their file.  Tests lower them for speed.
 */
void tok_store_set_kdf_params(struct tok_store *st, const struct tok_kdf_params *p);

/*
 * The number of consecutive wrong PINs after which a role's PIN is locked
 * through this handle (TOK_STORE_MAX_PIN_FAILS until changed; values
 * outside 1..TOK_STORE_PIN_FAILS_MAX are ignored): slotd's slot option.
 * Counters already recorded stay; a lower limit may lock a PIN at once.
 */
void tok_store_set_pin_limit(struct tok_store *st, unsigned limit);

/*
 * Another keeper of the master key under the PINs, for a token whose PINs
 * a device checks (the TPM): seal builds the record of a role (opaque to
 * the store, at most TOK_STORE_SEALED_MAX bytes) that keeps key under pin;
 * unseal gets the key back from such a record: CKR_PIN_INCORRECT for a
 * wrong PIN, CKR_PIN_LOCKED when the device refuses to try, any other
 * error as it comes.  The device counts the failures: a store with a
 * sealer keeps no failure count of its own for sealed records.  Both are
 * called from any thread, without the store's mutex, and take as long as
 * the device does.
 */
#define TOK_STORE_SEALED_MAX 2048
struct os_buf;
struct tok_store_sealer {
	void *ctx;
	CK_RV(*seal)
	(void *ctx, CK_USER_TYPE user, const uint8_t *key, size_t key_len, const CK_UTF8CHAR *pin,
	 CK_ULONG len, struct os_buf *record);
	CK_RV(*unseal)
	(void *ctx, CK_USER_TYPE user, const uint8_t *record, size_t record_len,
	 const CK_UTF8CHAR *pin, CK_ULONG len, uint8_t *key, size_t key_len);
};

/*
 * Makes new PINs of the writer handle st sealed by s (copied; NULL goes
 * back to Argon2id).  Records already written are read as what they are:
 * an Argon2id record still opens with its PIN (and counts its failures in
 * NVTOK.DAT), a sealed one needs the sealer.  Set before any PIN request.
 */
void tok_store_set_sealer(struct tok_store *st, const struct tok_store_sealer *s);

/*
 * Records in NVTOK.DAT (durably, before returning) the Argon2id parameters
 * for the PINs C_InitPIN and C_SetPIN set from now on on this token, in
 * place of the handle's; NULL or all zero forgets them (the handle's apply
 * again).  C_InitToken forgets them too: a re-initialised token starts
 * from the slot options.  Writer handles only (CKR_FUNCTION_NOT_SUPPORTED
 * otherwise); CKR_ARGUMENTS_BAD for parameters tok_store_kdf_params_valid
 * refuses, CKR_TOKEN_NOT_RECOGNIZED on a token never initialised.  No PIN
 * already set changes: each keeps the parameters in its MK_* file until it
 * is set again.  Policy (who may, which floor) is the caller's.
 */
CK_RV tok_store_set_token_kdf(struct tok_store *st, const struct tok_kdf_params *p);

/*
 * How many threads the store may use at once (1, the default: none of its
 * own) for loading many objects.  Argon2id with p > 1 always runs its lanes
 * on threads of libargon2's own.
 */
#define TOK_STORE_MAX_THREADS 4
void tok_store_set_threads(struct tok_store *st, unsigned threads);

/*
 * Where a reader handle traces its waits for the token lock (level 4, as
 * OPENSLOT_TRACE_LEVEL counts); NULL for none, the default.
 */
void tok_store_set_trace(struct tok_store *st, void (*trace)(int level, const char *fmt, ...));

/*
 * Objects whose stored frame is at most max bytes (capped at
 * TOK_STORE_IDX_INLINE_MAX, the default) are written into their OBJ_IDX
 * record as well as their file.  Tests set 0 to exercise object files alone.
 */
void tok_store_set_inline_max(struct tok_store *st, size_t max);

/*
 * Group commit.  With deferred sync on (off by default),
 * tok_store_save_object and tok_store_delete_object append their record
 * without flushing it (object files too large for a record are still made
 * durable before their record), remove no object file, and leave the shared
 * memory counters alone; tok_store_sync then makes every change since the
 * last sync durable with one fdatasync of OBJ_IDX, removes the files of
 * the objects deleted meanwhile and bumps the counters.  A crash before
 * tok_store_sync may lose any of the changes since the last one (each
 * object that survives is a whole version).  Turning it off does not sync:
 * call tok_store_sync first.
 */
void tok_store_set_deferred_sync(struct tok_store *st, bool on);
CK_RV tok_store_sync(struct tok_store *st);

/*
 * Reads NVTOK.DAT (writer handles only); a token never initialised reads as
 * all false/zero.  What slotd publishes to clients as token info.
 */
CK_RV tok_store_read_info(struct tok_store *st, struct tok_store_info *info);

/*
 * C_InitToken: destroys every object and both master-key files, makes a new
 * master key, wraps it under the SO PIN, writes a fresh NVTOK.DAT with the
 * label (blank-padded 32 bytes given, trailing blanks trimmed).  On an
 * already initialised token the SO PIN must be right (CKR_PIN_INCORRECT
 * otherwise, counted).
 */
CK_RV tok_store_init_token(struct tok_store *st, const CK_UTF8CHAR *so_pin, CK_ULONG so_len,
                           const CK_UTF8CHAR label[32]);

/*
 * Login: derives the PIN key, unwraps the master key into mk.  Wrong PIN:
 * counts the failure in NVTOK.DAT (durably, before returning) and returns
 * CKR_PIN_INCORRECT; a right one resets the counter.  An attempt is refused
 * with CKR_PIN_LOCKED, without deriving anything, when the failures so far
 * plus the attempts of that user still deriving on other threads reach
 * the handle's limit (tok_store_set_pin_limit): concurrent attempts never get more guesses than
 * the limit.  CKR_USER_PIN_NOT_INITIALIZED when the user PIN was never set
 * (or the token never initialised); CKR_TOKEN_NOT_RECOGNIZED for the SO of a
 * token never initialised, which has no SO PIN yet; CKR_USER_TYPE_INVALID
 * for anyone but CKU_SO and CKU_USER.  On any failure mk is wiped.
 */
CK_RV tok_store_login(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len,
                      uint8_t mk[TOK_STORE_KEY_LEN]);

/*
 * C_InitPIN (SO logged in, mk known): wraps mk under the new user PIN and
 * clears the user's failure counter, which unlocks a locked user PIN.  The
 * PIN is the SO's choice, not the token's: it is not marked to be changed.
 * CKR_TOKEN_NOT_RECOGNIZED on a token never initialised.
 */
CK_RV tok_store_init_user_pin(struct tok_store *st, const uint8_t mk[TOK_STORE_KEY_LEN],
                              const CK_UTF8CHAR *pin, CK_ULONG len);

/*
 * C_SetPIN: checks the old PIN (counted like a login, same codes) and wraps
 * mk under the new one.
 */
CK_RV tok_store_set_pin(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *old_pin,
                        CK_ULONG old_len, const CK_UTF8CHAR *new_pin, CK_ULONG new_len);

/* One token object as listed in OBJ_IDX. */
struct tok_store_entry {
	uint64_t id;         /* file name is <id as 16 hex digits>.obj */
	uint64_t generation; /* bumped on every rewrite of the object */
	bool private;
	/* Where OBJ_IDX holds the object's frame (frame_len 0: only in its file);
	 * kept by the store, ignored when passed in. */
	uint64_t frame_off;
	uint32_t frame_len;
};

/* The live objects, from OBJ_IDX, in no particular order (malloc'ed array; free it). */
CK_RV tok_store_list(struct tok_store *st, struct tok_store_entry **entries, size_t *n);

/*
 * The objects changed since the last call, for a process that follows
 * other processes' changes: their current entries (generation 0: removed)
 * in *entries (malloc'ed; free it), sorted by id.  *all is set instead
 * when they cannot be told (the first call, a rewritten OBJ_IDX, very many
 * changes): the caller must then take every object as changed
 * (tok_store_list).
 */
CK_RV tok_store_changes(struct tok_store *st, struct tok_store_entry **entries, size_t *n,
                        bool *all);

/* The index entry of one object; CKR_OBJECT_HANDLE_INVALID when not listed. */
CK_RV tok_store_lookup(struct tok_store *st, uint64_t id, struct tok_store_entry *entry);

/*
 * Loads the listed objects in one pass under the handle's mutex: for each entry,
 * cb(arg, current entry, rv, attrs) with rv CKR_OK (cb then owns attrs),
 * CKR_DATA_INVALID (damaged, vanished, not a regular file of the reader's
 * owner, or no longer listed; attrs empty),
 * CKR_USER_NOT_LOGGED_IN (private, mk NULL), CKR_HOST_MEMORY or
 * CKR_DEVICE_ERROR (a read failed: nothing is known about the object, which
 * must not be taken as damaged).  The
 * entry given to cb is the index's current one (a newer generation than
 * the one asked for, if the object changed since it was listed).
 * Returns CKR_OK unless the store could not be read at all (CKR_DEVICE_ERROR
 * when a read of OBJ_IDX failed, CKR_HOST_MEMORY, CKR_DATA_INVALID for a
 * damaged OBJ_IDX header).
 */
typedef void tok_store_load_cb(void *arg, const struct tok_store_entry *e, CK_RV rv,
                               struct tok_attrs *attrs);
CK_RV tok_store_load_objects(struct tok_store *st, const struct tok_store_entry *entries, size_t n,
                             const uint8_t *mk, tok_store_load_cb *cb, void *arg);

/*
 * Reads one object.  mk is required for a private object (NULL:
 * CKR_USER_NOT_LOGGED_IN).  A missing, truncated, corrupted or foreign file
 * gives CKR_DATA_INVALID (the caller traces and skips it).
 */
CK_RV tok_store_load_object(struct tok_store *st, const struct tok_store_entry *entry,
                            const uint8_t *mk, struct tok_attrs *attrs);

/*
 * Writes an object: a new one when entry->id is 0 (the id is assigned and
 * entry->generation set to 1), else replaces it (generation bumped;
 * CKR_OBJECT_HANDLE_INVALID when no such object is listed any more).
 * Private objects need mk (CKR_USER_NOT_LOGGED_IN).  CKR_DEVICE_MEMORY when
 * the object is over 16 MiB encoded or the disk is full.  entry is updated
 * only on success.
 */
CK_RV tok_store_save_object(struct tok_store *st, struct tok_store_entry *entry, const uint8_t *mk,
                            const struct tok_attrs *attrs);

/* Removes an object; CKR_OBJECT_HANDLE_INVALID when it is not listed. */
CK_RV tok_store_delete_object(struct tok_store *st, uint64_t id);

#endif
