/*
 * libopenslot internals: the process-wide state of the PKCS#11 library.
 *
 * One struct api_state holds everything between C_Initialize and
 * C_Finalize.  Its rwlock is taken for reading by every call for the
 * length of the call, so calls run in parallel and finalisation waits for
 * them; it is taken for writing by C_Initialize/C_Finalize and, briefly,
 * by the call that connects to slotd or loads a changed slot table
 * (api_enter).  The only locks held while waiting for another process
 * are client_lock, around one request to slotd, and the token's lock
 * while slotd makes one of this process's changes durable.
 *
 * Lock order.  A thread holding one of these locks takes only locks
 * further down the list, never one above it:
 *   1. init_lock: serialises C_Initialize and C_Finalize, which must see
 *      each other whole; nothing else takes it.
 *   2. event_lock: the single reader of slotd's events
 *      (C_WaitForSlotEvent), which must not hold the state lock while it
 *      waits, so that C_Finalize can wake it and go on.
 *   3. lock, the state lock: the slot table, the configuration and the
 *      connections exist while it is held for reading.
 *   4. api_slot.load_lock: one thread loads a slot's backend and token;
 *      the others wait for it rather than load twice.
 *   5. api_session.op_lock: one operation of a session at a time
 *      (PKCS#11 lets an application call from any thread).
 *   6. sessions_lock: the handle table and the per-slot counts, short,
 *      except that the logout of a slot's last session runs under it (a
 *      slotd round trip, bounded by the client timeout), so that no
 *      session opened meanwhile loses its login.
 *   7. tok_token.lock (token.h): the token's objects and login.
 *   8. client_lock: one request at a time on the counts connection, which
 *      the flusher thread shares; also guards the slot table pointer the
 *      flusher reads, so the table is replaced under it.
 *   9. flush_lock: only the flusher's wakeup.
 * Leaves, held around a few instructions: the trace and notice locks.
 * Lock files (LCK..APIlock, LCK..<token>) are flock()s held only while a
 * slot loads, with a bounded wait.
 *
 * Files: init.c (initialise, finalise, fork, entering a call),
 * slots_table.c (the link to slotd and the slot table, loaded on first use
 * and after a reload), slots_load.c (a slot's backend and token, loaded on
 * first use), slots.c (slot functions), sessions.c (session handles and
 * counts), events.c (the connections to slotd and the counts),
 * events_wait.c (C_WaitForSlotEvent), interface.c (function lists),
 * calls.c (the traced functions the lists point at), trace.c (trace
 * file and per-slot call logs), notice.c (syslog lines for problems a
 * person must fix), locks.c (lock files), entry_state.c (saved operation
 * state), entry.c (the remaining PKCS#11 functions).
 */
#ifndef API_H
#define API_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "openslot/pkcs11.h"
#include "backend.h"
#include "client.h"
#include "conf.h"
#include "slotshm.h"
#include "token.h"
#include "tokshm.h"

/*
 * A slot of the table.  The table holds pointers, so a slot stays where it
 * is while slots are added and removed around it (sessions point at it).
 * Its backend is loaded on the first call that needs it (api_slot_ready);
 * until then only id and info are set.
 */
struct api_slot {
	CK_SLOT_ID id;
	struct os_client_slot info;       /* as slotd described it */
	pthread_mutex_t load_lock;        /* held while the backend loads */
	int loaded;                       /* atomic: api_slot_ready has run */
	const struct os_backend_ops *ops; /* &table, or NULL when the backend did not load */
	struct os_backend_ops table;      /* the backend's table, completed */
	void *dl;
	void *ctx;
	char error[PATH_MAX + 512]; /* why the backend is missing, for traces */
	char data_dir[PATH_MAX];
	char lock_dir[PATH_MAX];
	struct os_backend_option *options;
	struct os_backend_env env;
	char lock_name[OS_CONF_TOKEN_MAX + 8]; /* LCK..<token>, or LCK..tpm per user */
	bool per_user;             /* the token is this user's (tpm): its counts are in tokshm */
	int lock_fd;               /* <lock>/<token>/LCK..<token> */
	struct tok_shm_map tokshm; /* per-token shared memory, read-only */
	struct tok_writer writer;  /* slotd, for the token's changes */
	int login_lost;            /* atomic: slotd forgot this process's login */
	struct tok_token token;    /* objects and login, when has_token */
	bool has_token;
	/* The following are guarded by api_state.sessions_lock. */
	uint64_t n_sessions;
	uint64_t n_rw_sessions;
	/* Counts changed since they were last sent (atomic). */
	int counts_dirty;
};

enum api_op_kind {
	API_OP_ENCRYPT,
	API_OP_DECRYPT,
	API_OP_DIGEST,
	API_OP_SIGN,
	API_OP_VERIFY,
	API_OP_SIGN_RECOVER,
	API_OP_VERIFY_RECOVER,
	API_OP_COUNT
};

/* An operation in progress in a session: the backend's state and its key. */
struct api_op {
	void *state;
	struct tok_object *key;
	bool keyed; /* a digest that took a key's value (C_DigestKey): freed, never kept */
};

struct api_session {
	CK_SESSION_HANDLE handle;
	struct api_slot *slot;
	CK_FLAGS flags;
	CK_VOID_PTR application;
	CK_NOTIFY notify;
	atomic_int refs;
	pthread_mutex_t op_lock; /* guards the operation state below */
	struct api_op ops[API_OP_COUNT];
	void *digest_spare; /* an ended digest's state for the next one (op_reinit), or NULL */
	/*
	 * Set (atomic) once the session was named to the token layer as the
	 * owner of new objects (entry_caller); a session never named owns no
	 * session objects, so closing it asks nothing of the token.
	 */
	bool may_own;
	/*
	 * Closed by C_CloseSession or C_CloseAllSessions: its session objects
	 * go when its last reference does, after any call still running on it
	 * has made what it was making.
	 */
	bool closed;
	struct api_session *closing_next; /* C_CloseAllSessions' list, under sessions_lock */
	bool find_active;
	CK_OBJECT_HANDLE *found; /* C_FindObjects results, taken at init */
	size_t n_found;
	size_t pos_found;
};

/* Session handle table: slots of a growing array, handles carry a generation. */
struct api_handle_entry {
	struct api_session *session;
	uint32_t generation;
	uint32_t next_free;
};

struct api_state {
	pthread_rwlock_t lock;
	pthread_mutex_t init_lock; /* serialises C_Initialize and C_Finalize */
	bool initialized;
	bool may_create_threads; /* CKF_LIBRARY_CANT_CREATE_OS_THREADS was not given */
	pid_t pid;
	struct os_conf *conf;
	char socket_path[108];
	int api_lock_fd; /* <lock>/LCK..APIlock */

	/*
	 * Two connections to slotd: one carries this process's session counts
	 * (senders take client_lock), the other receives pushed events (its
	 * single reader holds event_lock, possibly blocked in poll).  Each
	 * reconnects on its own after slotd restarts.
	 */
	pthread_mutex_t client_lock;
	struct os_client client;
	bool client_ok;
	int64_t
	    link_checked_ns; /* last good look at the link, 0: none; atomic, set under client_lock */
	struct os_slotshm_map shm;
	struct os_slotshm_map old_shm[4]; /* mappings replaced on reconnect */
	unsigned n_old_shm;

	/*
	 * The flusher thread sends changed counts to slotd at most every
	 * EVENTS_FLUSH_US, so opening and closing sessions costs no system
	 * call each.  Without it (CKF_LIBRARY_CANT_CREATE_OS_THREADS) counts
	 * are sent as they change.
	 */
	pthread_mutex_t flush_lock;
	pthread_cond_t flush_cond;
	pthread_t flusher;
	bool flusher_running;
	bool flush_stop;
	int flush_pending; /* atomic */

	/*
	 * The slot table, loaded from slotd by the first call that needs it
	 * (connected), and loaded again, under the state lock held for
	 * writing, once slotd's segment shows another table (a reload, or a
	 * slotd restarted) than the one loaded (table_generation of slotd
	 * table_pid).  Changing it also takes client_lock (the flusher reads
	 * it).  Backends point into the configuration they were loaded with:
	 * configurations replaced by a reload stay in old_confs until
	 * C_Finalize.
	 */
	bool connected;
	uint64_t table_generation;
	uint64_t table_pid;
	struct api_slot **slots;
	size_t n_slots;
	struct os_conf **old_confs;
	size_t n_old_confs;

	pthread_mutex_t sessions_lock;
	struct api_handle_entry *handles;
	uint32_t n_handles;
	uint32_t cap_handles;
	uint32_t free_head; /* index + 1 of the first free entry, 0 when none */
	uint64_t n_live;

	pthread_mutex_t event_lock; /* the single reader of slotd events */
	struct os_client events;
	bool events_ok;
	struct os_slotshm_map events_shm; /* slotd's segment, from the events connection */
	int wake_fd; /* eventfd: wakes blocked C_WaitForSlotEvent at C_Finalize */
	atomic_bool finalizing;
	uint64_t init_count; /* C_Initialize calls that succeeded, ever */
};

extern struct api_state api_state;

/*
 * Takes the state lock for reading; fails when not initialised (or
 * forked).  When the slot table is loaded and slotd's differs, the table is
 * brought up to date first (api_slots_sync).
 */
CK_RV api_enter(void);
/*
 * api_enter, and the slot table loaded (connecting to slotd on the first
 * call that needs it): CKR_DEVICE_ERROR when slotd cannot be reached.
 */
CK_RV api_enter_slots(void);
void api_leave(void);

/* slots_table.c: with the state lock held for writing */
/* Connects to slotd and loads the slot table (no backend yet). */
CK_RV api_slots_connect(void);
/* Whether slotd's table differs from the one loaded (state lock held either way). */
bool api_slots_stale(void);
/* Loads the table again: new slots added, removed ones closed. */
void api_slots_sync(void);
/* Unloads every slot and disconnects. */
void api_slots_disconnect(void);

/* slots_load.c */
/* Loads the slot's backend and opens its token, once; state lock held for reading. */
void api_slot_ready(struct api_slot *slot);
/* A new slot of the table, not loaded; NULL when out of memory. */
struct api_slot *api_slot_new(const struct os_client_slot *info);
void api_slot_free(struct api_slot *slot);

/* slots.c */
struct api_slot *api_slot_find(CK_SLOT_ID id);
/* The slot when its token is present, or the error to return. */
CK_RV api_slot_token(CK_SLOT_ID id, struct api_slot **slot);

/* sessions.c */
CK_RV api_session_get(CK_SESSION_HANDLE h, struct api_session **s);
void api_session_put(struct api_session *s);
void api_sessions_clear(void);
/* With the state lock held for writing: drops the sessions of a slot leaving the table. */
void api_sessions_drop_slot(struct api_slot *slot);
CK_STATE api_session_state(struct api_session *s);
/* Ends an operation of a session (op_lock held): frees the backend state and key. */
void api_session_end_op(struct api_session *s, enum api_op_kind kind);
/*
 * After a successful C_Login on s's slot: the login stands only if the
 * slot still has a session (one closed during the login takes the login
 * with it) and, for the SO, no read-only one opened meanwhile.
 */
CK_RV api_sessions_after_login(struct api_session *s, CK_USER_TYPE user);

/* events.c */
CK_RV api_events_connect(void);
void api_events_start_flusher(void);
void api_events_disconnect(void);
/*
 * Tells slotd this process's current counts on a slot, reconnecting once if
 * slotd restarted; CKR_DEVICE_ERROR when it cannot be reached.
 */
CK_RV api_events_report_counts(struct api_slot *slot);
/*
 * Before a session opens: checks that slotd is still there (reconnecting
 * if it restarted).  CKR_DEVICE_ERROR when it cannot be reached.
 */
CK_RV api_events_check_link(void);
/* In a forked child: the flusher thread does not exist there. */
void api_events_forget_flusher(void);
/*
 * With client_lock held: the counts connection failed.  It is closed and
 * every slot's login marked lost (slotd forgot them with the connection).
 */
void api_events_lost_client_inlock(void);
/* With client_lock held: a new counts connection; 0 or -1. */
int api_events_reconnect_client_inlock(void);

/* interface.c: C_GetInfo of the 3.0 function list. */
CK_RV api_interface_get_info_30(CK_INFO_PTR info);
void api_events_wake(void);

/*
 * events_wait.c: C_WaitForSlotEvent.  Its state is guarded by event_lock,
 * or by the state lock held for writing while no waiter can run (connecting,
 * finalising).
 */
/* The events connection is new: maps its segment; its table is the one known. */
void api_events_wait_connected(void);
/* Unmaps the segment and forgets pending events and the known table. */
void api_events_wait_disconnect(void);
/* Queues the slots an event from slotd concerns. */
void api_events_wait_mark(const struct os_client_event *ev);

/* remote.c: the writer of a slot's token, slotd over the counts connection. */
void api_remote_writer(struct api_slot *slot, struct tok_writer *w);

/* locks.c */
int api_locks_open_global(void);
int api_locks_open_token(struct api_slot *slot);
/*
 * Takes a shared flock on fd, trying again every few milliseconds for up to
 * timeout_ms: 0, or -1 with errno (ETIMEDOUT when the lock stayed busy).
 * Never blocks longer, whoever holds the lock.
 */
int api_locks_shared_timed(int fd, int timeout_ms);
/* How long C_Initialize waits for LCK..APIlock before going on without it. */
#define API_LOCKS_WAIT_MS 1000

/* trace.c */
void api_trace_open(void);
void api_trace_close(void);
/* The level of OPENSLOT_TRACE_LEVEL in force (0: off). */
int api_trace_level(void);
/*
 * A line at level (API_TRACE_*).  An error traced during a call (see
 * api_trace_span_begin) becomes that call's reason instead.
 */
void api_trace(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void api_trace_v(int level, const char *fmt, va_list ap);
/*
 * Notes that the running call reached slot: when the slot's config sets
 * log-calls, the call's line is written whatever the level.  The call's
 * name, result and arguments are written by calls.c, which wraps the
 * entry points; nothing here names a function.
 */
void api_trace_slot(const struct api_slot *slot);

/* One PKCS#11 call being traced (calls.c). */
struct api_trace_span {
	struct timespec start;
	const char *fn;
	CK_RV rv;
	long us;    /* how long the call took, when timed */
	bool timed; /* at level 3, or with log-calls */
	int level;
};
/* Starts a call's span; false when no trace is open (the call is then not traced). */
bool api_trace_span_begin(struct api_trace_span *sp);
/*
 * Ends the span of fn with rv: true when its line is due, to be written
 * with api_trace_span_write (a reason gathered for a call whose line is not
 * due is written on its own).
 */
bool api_trace_span_end(struct api_trace_span *sp, const char *fn, CK_RV rv);
void api_trace_span_write(const struct api_trace_span *sp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define API_TRACE_ERROR 1
#define API_TRACE_WARN  2
#define API_TRACE_INFO  3
#define API_TRACE_DEBUG 4

#endif
