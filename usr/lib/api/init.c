/*
 * C_Initialize, C_Finalize and what happens across fork().
 *
 * Initialisation only reads the configuration and opens the trace, so
 * C_Initialize and C_Finalize cost little: the connections to slotd, the
 * slot table (slots_table.c) and each slot's backend and token
 * (slots_load.c) come with the first call that needs them, and a failure
 * there is that call's error.  C_Initialize and C_Finalize are serialised
 * by init_lock: a C_Initialize that arrives while a C_Finalize runs waits
 * for it and initialises afresh, so concurrent callers see exactly one
 * success and CKR_CRYPTOKI_ALREADY_INITIALIZED or
 * CKR_CRYPTOKI_NOT_INITIALIZED otherwise.  A C_Finalize waits, through the
 * state lock, for the calls in progress.
 *
 * In a child after fork() the library counts as not initialised: every call
 * returns CKR_CRYPTOKI_NOT_INITIALIZED until the child calls C_Initialize,
 * which drops the inherited state without telling slotd or the backends
 * anything (they belong to the parent) and starts afresh.
 */
#include "api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notice.h"

struct api_state api_state = {
    .lock = PTHREAD_RWLOCK_INITIALIZER,
    .client_lock = PTHREAD_MUTEX_INITIALIZER,
    .sessions_lock = PTHREAD_MUTEX_INITIALIZER,
    .event_lock = PTHREAD_MUTEX_INITIALIZER,
    .api_lock_fd = -1,
    .wake_fd = -1,
};

/* Set in a forked child until its C_Initialize cleans the inherited state. */
static volatile bool init_forked;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/*
 * Runs in the child, where only the forking thread exists: locks that other
 * threads of the parent held are made usable again; the state itself is
 * left for C_Initialize to discard.
 */
static void init_atfork_child(void)
{
	pthread_rwlock_init(&api_state.lock, NULL);
	pthread_mutex_init(&api_state.init_lock, NULL);
	pthread_mutex_init(&api_state.client_lock, NULL);
	pthread_mutex_init(&api_state.sessions_lock, NULL);
	pthread_mutex_init(&api_state.event_lock, NULL);
	pthread_mutex_init(&api_state.flush_lock, NULL);
	pthread_cond_init(&api_state.flush_cond, NULL);
	api_events_forget_flusher();
	if (api_state.initialized) {
		api_state.initialized = false;
		init_forked = true;
	}
}

/*
 * Around fork() the counts connection is held, so the flusher thread is
 * never caught halfway through a send (its buffers would be orphaned in
 * the child).
 */
static void init_atfork_prepare(void)
{
	pthread_mutex_lock(&api_state.client_lock);
}

static void init_atfork_parent(void)
{
	pthread_mutex_unlock(&api_state.client_lock);
}

static void init_register_atfork(void)
{
	pthread_atfork(init_atfork_prepare, init_atfork_parent, init_atfork_child);
}

/*
 * Swaps the read lock for the write lock to run fn when need() still holds,
 * and back; CKR_CRYPTOKI_NOT_INITIALIZED when a C_Finalize came in between.
 */
static CK_RV init_upgrade(bool (*need)(void), CK_RV (*fn)(void))
{
	CK_RV rv = CKR_OK;

	pthread_rwlock_unlock(&api_state.lock);
	pthread_rwlock_wrlock(&api_state.lock);
	if (api_state.initialized && need())
		rv = fn();
	pthread_rwlock_unlock(&api_state.lock);
	pthread_rwlock_rdlock(&api_state.lock);
	if (rv == CKR_OK && !api_state.initialized)
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	if (rv != CKR_OK)
		pthread_rwlock_unlock(&api_state.lock);
	return rv;
}

static CK_RV init_sync(void)
{
	api_slots_sync();
	return CKR_OK;
}

static bool init_not_connected(void)
{
	return !api_state.connected;
}

CK_RV api_enter(void)
{
	pthread_rwlock_rdlock(&api_state.lock);
	if (!api_state.initialized) {
		pthread_rwlock_unlock(&api_state.lock);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	if (api_slots_stale())
		return init_upgrade(api_slots_stale, init_sync);
	return CKR_OK;
}

CK_RV api_enter_slots(void)
{
	for (;;) {
		CK_RV rv = api_enter();
		if (rv != CKR_OK || api_state.connected)
			return rv;
		rv = init_upgrade(init_not_connected, api_slots_connect);
		if (rv != CKR_OK || api_state.connected)
			return rv;
		/* finalised and initialised again meanwhile */
		api_leave();
	}
}

void api_leave(void)
{
	pthread_rwlock_unlock(&api_state.lock);
}

/*
 * The rules of PKCS#11 for CK_C_INITIALIZE_ARGS: the four mutex callbacks
 * all or none; with callbacks but without CKF_OS_LOCKING_OK the application
 * demands its own locking, which this library cannot use; pReserved NULL.
 */
static CK_RV init_check_args(const CK_C_INITIALIZE_ARGS *args)
{
	if (!args)
		return CKR_OK;
	if (args->pReserved)
		return CKR_ARGUMENTS_BAD;
	int n =
	    !!args->CreateMutex + !!args->DestroyMutex + !!args->LockMutex + !!args->UnlockMutex;
	if (n != 0 && n != 4)
		return CKR_ARGUMENTS_BAD;
	if (n == 4 && !(args->flags & CKF_OS_LOCKING_OK))
		return CKR_CANT_LOCK;
	return CKR_OK;
}

static CK_RV init_fail(CK_RV rv, const char *what)
{
	api_notice(API_NOTICE_INIT, "C_Initialize failed: %s", what);
	api_trace(API_TRACE_ERROR, "C_Initialize failed: %s", what);
	return rv;
}

/*
 * Releases everything.  It only closes and frees (no message to slotd, no
 * lock released explicitly), so a forked child can use it on the state it
 * inherited without disturbing the parent: closing its copies of the
 * sockets and lock files leaves the parent's open.
 */
static void init_discard(void)
{
	api_sessions_clear();
	api_slots_disconnect();
	api_trace_close();
	os_conf_free(api_state.conf);
	api_state.conf = NULL;
	api_state.finalizing = false;
}

static CK_RV init_load(const CK_C_INITIALIZE_ARGS *args)
{
	char err[512];

	if (os_conf_load(os_conf_default_path(), &api_state.conf, err, sizeof(err)) < 0)
		return init_fail(CKR_FUNCTION_FAILED, err);
	api_trace_open();
	api_state.may_create_threads =
	    !(args && (args->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS));
	return CKR_OK;
}

CK_RV C_Initialize(CK_VOID_PTR init_args)
{
	CK_RV rv = init_check_args(init_args);

	if (rv != CKR_OK)
		return rv;
	pthread_once(&init_once, init_register_atfork);
	pthread_mutex_lock(&api_state.init_lock);
	pthread_rwlock_wrlock(&api_state.lock);
	if (api_state.initialized) {
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
		goto out;
	}
	if (init_forked) {
		init_discard();
		init_forked = false;
	}
	rv = init_load(init_args);
	if (rv != CKR_OK) {
		init_discard();
		goto out;
	}
	api_state.pid = getpid();
	api_state.init_count++;
	api_state.initialized = true;
	api_trace(API_TRACE_INFO, "initialised");
out:
	pthread_rwlock_unlock(&api_state.lock);
	pthread_mutex_unlock(&api_state.init_lock);
	return rv;
}

/*
 * A blocked C_WaitForSlotEvent holds event_lock and no state lock: it is
 * woken first, and the state lock taken once it has let go.
 */
CK_RV C_Finalize(CK_VOID_PTR reserved)
{
	if (reserved)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&api_state.init_lock);
	pthread_rwlock_rdlock(&api_state.lock);
	bool initialized = api_state.initialized;
	if (initialized) {
		api_state.finalizing = true;
		api_events_wake();
	}
	pthread_rwlock_unlock(&api_state.lock);
	if (!initialized) {
		pthread_mutex_unlock(&api_state.init_lock);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	pthread_mutex_lock(&api_state.event_lock);
	pthread_mutex_unlock(&api_state.event_lock);

	pthread_rwlock_wrlock(&api_state.lock);
	api_trace(API_TRACE_INFO, "finalising");
	init_discard();
	api_state.initialized = false;
	pthread_rwlock_unlock(&api_state.lock);
	pthread_mutex_unlock(&api_state.init_lock);
	return CKR_OK;
}
