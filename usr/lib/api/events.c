/*
 * The library's connections to slotd.
 *
 * The counts connection carries this process's session counts and token
 * changes; the events connection receives what slotd pushes, for
 * C_WaitForSlotEvent (events_wait.c).  Both are opened by the first call
 * that needs slotd.  When slotd restarts, each one reconnects on first use
 * and the counts are sent again; a slotd that does not come back turns into
 * CKR_DEVICE_ERROR, never a hang.
 */
#include "api.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "notice.h"
#include "paths.h"
#include "proto.h"
#include "thread.h"

/* Changed counts are sent after at most this delay. */
#define EVENTS_FLUSH_US 1000

static void *events_flusher(void *arg);

static CK_RV events_open(struct os_client *cl, const char *name)
{
	char err[512];

	if (os_client_connect_conf(cl, api_state.conf, name, err, sizeof(err)) == 0) {
		api_trace(API_TRACE_DEBUG, "%s: connected to slotd at %s (pid %llu)", name,
		          api_state.socket_path, (unsigned long long)cl->slotd_pid);
		return CKR_OK;
	}
	api_notice_connect(cl, api_state.socket_path, err);
	api_trace(API_TRACE_ERROR, "%s", err);
	return CKR_DEVICE_ERROR;
}

static CK_RV events_map_shm(void)
{
	struct os_slotshm_map map;
	char err[256];
	int fd = os_client_take_shm_fd(&api_state.client);
	int rc = fd >= 0 ? os_slotshm_attach_fd(fd, &map, err, sizeof(err)) : -1;

	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		api_trace(API_TRACE_ERROR, "%s", fd >= 0 ? err : "slotd sent no shared memory");
		return CKR_DEVICE_ERROR;
	}
	/* Readers may still hold the old mapping: keep it until C_Finalize. */
	if (api_state.shm.shm) {
		if (api_state.n_old_shm == sizeof(api_state.old_shm) / sizeof(api_state.old_shm[0]))
			os_slotshm_detach(&api_state.old_shm[--api_state.n_old_shm]);
		api_state.old_shm[api_state.n_old_shm++] = api_state.shm;
	}
	__atomic_store_n(&api_state.shm.shm, map.shm, __ATOMIC_RELEASE);
	api_state.shm.size = map.size;
	return CKR_OK;
}

CK_RV api_events_connect(void)
{
	CK_RV rv;

	if (os_paths_join(api_state.socket_path, sizeof(api_state.socket_path),
	                  api_state.conf->run_dir, OS_SOCKET_NAME) < 0)
		return CKR_FUNCTION_FAILED;
	rv = events_open(&api_state.client, "openslot");
	if (rv != CKR_OK)
		return rv;
	api_state.client_ok = true;
	rv = events_open(&api_state.events, "openslot-events");
	if (rv != CKR_OK)
		return rv;
	api_state.events_ok = true;
	api_events_wait_connected();
	return events_map_shm();
}

/*
 * Started once the slot table is loaded: from then on only the flusher and
 * callers holding client_lock touch the counts connection.
 */
void api_events_start_flusher(void)
{
	api_state.flush_stop = false;
	api_state.flush_pending = 0;
	api_state.flusher_running = os_thread_start(&api_state.flusher, events_flusher, NULL) == 0;
}

static void events_stop_flusher(void)
{
	if (!api_state.flusher_running)
		return;
	pthread_mutex_lock(&api_state.flush_lock);
	api_state.flush_stop = true;
	pthread_cond_signal(&api_state.flush_cond);
	pthread_mutex_unlock(&api_state.flush_lock);
	pthread_join(api_state.flusher, NULL);
	api_state.flusher_running = false;
}

void api_events_forget_flusher(void)
{
	api_state.flusher_running = false;
}

void api_events_disconnect(void)
{
	events_stop_flusher();
	if (api_state.client_ok)
		os_client_close(&api_state.client);
	if (api_state.events_ok)
		os_client_close(&api_state.events);
	api_state.client_ok = api_state.events_ok = false;
	__atomic_store_n(&api_state.link_checked_ns, 0, __ATOMIC_RELEASE);
	api_events_wait_disconnect();
	os_slotshm_detach(&api_state.shm);
	while (api_state.n_old_shm)
		os_slotshm_detach(&api_state.old_shm[--api_state.n_old_shm]);
}

/*
 * Sends the counts of the slots marked dirty (all slots with sessions when
 * all is set), with client_lock held.  The counts are read under the lock,
 * so the last sender always sends the latest values.
 */
static int events_send_counts_inlock(bool all)
{
	for (size_t i = 0; i < api_state.n_slots; i++) {
		struct api_slot *s = api_state.slots[i];
		bool dirty = __atomic_exchange_n(&s->counts_dirty, 0, __ATOMIC_ACQ_REL);
		uint64_t n = __atomic_load_n(&s->n_sessions, __ATOMIC_ACQUIRE);
		uint64_t rw = __atomic_load_n(&s->n_rw_sessions, __ATOMIC_ACQUIRE);
		if (!dirty && !(all && n))
			continue;
		if (os_client_session_count(&api_state.client, s->id, n, rw) < 0) {
			__atomic_store_n(&s->counts_dirty, 1, __ATOMIC_RELEASE);
			return -1;
		}
	}
	return 0;
}

/* Discards what slotd pushed on the counts connection; -1 when it hung up. */
static int events_drain_client_inlock(void)
{
	struct os_client_event ev;
	int r;

	while ((r = os_client_next_event(&api_state.client, 0, &ev)) == 1)
		continue;
	return r;
}

void api_events_lost_client_inlock(void)
{
	if (api_state.client_ok)
		os_client_close(&api_state.client);
	api_state.client_ok = false;
	__atomic_store_n(&api_state.link_checked_ns, 0, __ATOMIC_RELEASE);
	/* slotd keeps logins per connection: this process's are gone with it */
	for (size_t i = 0; i < api_state.n_slots; i++)
		__atomic_store_n(&api_state.slots[i]->login_lost, 1, __ATOMIC_RELEASE);
}

int api_events_reconnect_client_inlock(void)
{
	api_trace(API_TRACE_DEBUG, "openslot: reconnecting to slotd");
	api_events_lost_client_inlock();
	if (events_open(&api_state.client, "openslot") != CKR_OK)
		return -1;
	api_state.client_ok = true;
	api_trace(API_TRACE_WARN, "reconnected to slotd (pid %llu)",
	          (unsigned long long)api_state.client.slotd_pid);
	if (events_map_shm() != CKR_OK)
		return -1;
	return events_send_counts_inlock(true);
}

/* Sends now, reconnecting once; with client_lock held. */
static CK_RV events_flush_inlock(void)
{
	if (api_state.client_ok && events_drain_client_inlock() == 0 &&
	    events_send_counts_inlock(false) == 0)
		return CKR_OK;
	return api_events_reconnect_client_inlock() == 0 ? CKR_OK : CKR_DEVICE_ERROR;
}

static void *events_flusher(void *arg)
{
	struct timespec delay = {0, EVENTS_FLUSH_US * 1000};

	pthread_mutex_lock(&api_state.flush_lock);
	for (;;) {
		while (!__atomic_load_n(&api_state.flush_pending, __ATOMIC_ACQUIRE) &&
		       !api_state.flush_stop)
			pthread_cond_wait(&api_state.flush_cond, &api_state.flush_lock);
		if (api_state.flush_stop)
			break;
		pthread_mutex_unlock(&api_state.flush_lock);
		nanosleep(&delay, NULL); /* let changes gather */
		__atomic_store_n(&api_state.flush_pending, 0, __ATOMIC_RELEASE);
		pthread_mutex_lock(&api_state.client_lock);
		if (events_flush_inlock() != CKR_OK)
			api_trace(API_TRACE_WARN, "cannot send session counts: slotd is gone");
		pthread_mutex_unlock(&api_state.client_lock);
		pthread_mutex_lock(&api_state.flush_lock);
	}
	pthread_mutex_unlock(&api_state.flush_lock);
	return arg;
}

CK_RV api_events_report_counts(struct api_slot *slot)
{
	CK_RV rv;

	__atomic_store_n(&slot->counts_dirty, 1, __ATOMIC_RELEASE);
	if (api_state.flusher_running) {
		if (!__atomic_exchange_n(&api_state.flush_pending, 1, __ATOMIC_ACQ_REL)) {
			pthread_mutex_lock(&api_state.flush_lock);
			pthread_cond_signal(&api_state.flush_cond);
			pthread_mutex_unlock(&api_state.flush_lock);
		}
		return CKR_OK;
	}
	pthread_mutex_lock(&api_state.client_lock);
	rv = events_flush_inlock();
	pthread_mutex_unlock(&api_state.client_lock);
	return rv;
}

static int64_t events_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * True when the counts connection was found good less than EVENTS_FLUSH_US
 * ago: a hang-up since then is found by the flusher, which reconnects and
 * sends every count again, as the next look would.  Read without
 * client_lock, so session churn costs neither a system call nor a lock per
 * C_OpenSession; losing the connection clears link_checked_ns.
 */
static bool events_link_fresh(int64_t now)
{
	int64_t checked = __atomic_load_n(&api_state.link_checked_ns, __ATOMIC_ACQUIRE);

	return api_state.flusher_running && checked != 0 && now - checked < EVENTS_FLUSH_US * 1000;
}

CK_RV api_events_check_link(void)
{
	int64_t now = events_now_ns();
	CK_RV rv = CKR_OK;

	if (events_link_fresh(now))
		return CKR_OK;
	pthread_mutex_lock(&api_state.client_lock);
	if (!api_state.client_ok)
		rv = api_events_reconnect_client_inlock() == 0 ? CKR_OK : CKR_DEVICE_ERROR;
	else if (events_link_fresh(now))
		rv = CKR_OK; /* another thread looked meanwhile */
	else if (events_drain_client_inlock() < 0)
		rv = api_events_reconnect_client_inlock() == 0 ? CKR_OK : CKR_DEVICE_ERROR;
	else /* only a look that found the link good makes it fresh */
		__atomic_store_n(&api_state.link_checked_ns, now, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&api_state.client_lock);
	return rv;
}

void api_events_wake(void)
{
	uint64_t one = 1;

	if (api_state.wake_fd >= 0 && write(api_state.wake_fd, &one, sizeof(one)) < 0)
		api_trace(API_TRACE_WARN, "cannot wake event waiters: %m");
}
