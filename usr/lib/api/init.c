/*
 * C_Initialize, C_Finalize and what happens across fork().
 *
 * Initialisation reads the configuration, opens the trace, the global lock
 * file and the connections to slotd, maps slotd's shared memory and loads a
 * backend per slot.  Any failure undoes what was done and returns an error
 * at once; nothing waits for slotd to appear.
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
#include <sys/eventfd.h>
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

bool api_in_forked_child(void)
{
	return init_forked;
}

/*
 * Runs in the child, where only the forking thread exists: locks that other
 * threads of the parent held are made usable again; the state itself is
 * left for C_Initialize to discard.
 */
static void init_atfork_child(void)
{
	pthread_rwlock_init(&api_state.lock, NULL);
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

CK_RV api_enter(void)
{
	pthread_rwlock_rdlock(&api_state.lock);
	if (!api_state.initialized) {
		pthread_rwlock_unlock(&api_state.lock);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	return CKR_OK;
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
	/* first: the flusher thread reads the slots until it is stopped */
	api_events_disconnect();
	api_slots_unload();
	if (api_state.wake_fd >= 0)
		close(api_state.wake_fd);
	api_state.wake_fd = -1;
	if (api_state.api_lock_fd >= 0)
		close(api_state.api_lock_fd);
	api_state.api_lock_fd = -1;
	api_trace_close();
	os_conf_free(api_state.conf);
	api_state.conf = NULL;
	api_state.finalizing = false;
}

static CK_RV init_load(const CK_C_INITIALIZE_ARGS *args)
{
	char err[512];
	CK_RV rv;

	if (os_conf_load(os_conf_default_path(), &api_state.conf, err, sizeof(err)) < 0)
		return init_fail(CKR_FUNCTION_FAILED, err);
	api_trace_open();
	api_state.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (api_state.wake_fd < 0)
		return init_fail(CKR_HOST_MEMORY, strerror(errno));
	/* slotd first: it tells a user outside the group so most clearly */
	rv = api_events_connect();
	if (rv != CKR_OK)
		return rv;
	api_state.api_lock_fd = api_locks_open_global();
	if (api_state.api_lock_fd < 0)
		return init_fail(CKR_FUNCTION_FAILED, "cannot open the global lock file");
	api_state.may_create_threads =
	    !(args && (args->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS));
	rv = api_slots_load();
	if (rv == CKR_OK && api_state.may_create_threads)
		api_events_start_flusher();
	return rv;
}

CK_RV C_Initialize(CK_VOID_PTR init_args)
{
	CK_RV rv = init_check_args(init_args);

	if (rv != CKR_OK)
		return rv;
	pthread_once(&init_once, init_register_atfork);
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
	api_state.initialized = true;
	api_trace(API_TRACE_INFO, "initialised: %zu slots", api_state.n_slots);
out:
	pthread_rwlock_unlock(&api_state.lock);
	return rv;
}

CK_RV C_Finalize(CK_VOID_PTR reserved)
{
	if (reserved)
		return CKR_ARGUMENTS_BAD;
	/* Wake a blocked C_WaitForSlotEvent first: it holds no state lock. */
	if (api_enter() != CKR_OK)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	api_state.finalizing = true;
	api_events_wake();
	api_leave();
	pthread_mutex_lock(&api_state.event_lock);
	pthread_mutex_unlock(&api_state.event_lock);

	pthread_rwlock_wrlock(&api_state.lock);
	if (!api_state.initialized) {
		pthread_rwlock_unlock(&api_state.lock);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	api_trace(API_TRACE_INFO, "finalising");
	init_discard();
	api_state.initialized = false;
	pthread_rwlock_unlock(&api_state.lock);
	return CKR_OK;
}
