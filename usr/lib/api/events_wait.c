/*
 * C_WaitForSlotEvent, from the events slotd pushes on the events connection.
 *
 * The waiter keeps the slot table it last knew (a copy of the entries of
 * slotd's segment, mapped from the events connection) and a queue of slot
 * ids with an event not yet returned.  A token change queues its slot.  A
 * configuration reload queues every slot that was added, removed or
 * changed, found by comparing the segment's table with the known one; ids
 * of unchanged slots are not queued.  Anything else (slotd restarted, or
 * events merged because this process did not read them) queues every slot
 * known before and after.  Everything here is guarded by api_state.event_lock,
 * which the one reader of the connection holds, possibly blocked in poll.
 */
#include "api.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

/* How long a blocked waiter keeps trying to reach a restarting slotd. */
#define WAIT_RECONNECT_MS 5000
#define WAIT_MAX_PENDING  (2 * OS_SLOTSHM_MAX_SLOTS)

static struct {
	struct os_slotshm_slot known[OS_SLOTSHM_MAX_SLOTS];
	uint32_t n_known;
	CK_SLOT_ID pending[WAIT_MAX_PENDING]; /* oldest first, each id once */
	size_t n_pending;
	struct os_slotshm table; /* scratch copy of the segment */
} wait_state;

static void wait_queue(CK_SLOT_ID id)
{
	for (size_t i = 0; i < wait_state.n_pending; i++)
		if (wait_state.pending[i] == id)
			return;
	if (wait_state.n_pending < WAIT_MAX_PENDING)
		wait_state.pending[wait_state.n_pending++] = id;
}

static const struct os_slotshm_slot *wait_find(const struct os_slotshm_slot *v, uint32_t n,
                                               uint64_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/*
 * Reads the table from slotd's segment, queues the slots that differ from
 * the known table (every known and current slot when all is set), and
 * makes it the known table.
 */
static void wait_compare(bool all)
{
	const struct os_slotshm *shm = api_state.events_shm.shm;
	struct os_slotshm *t = &wait_state.table;

	if (!shm)
		return;
	os_slotshm_snapshot(shm, t);
	if (t->n_slots > OS_SLOTSHM_MAX_SLOTS)
		t->n_slots = OS_SLOTSHM_MAX_SLOTS;
	for (uint32_t i = 0; i < wait_state.n_known; i++)
		if (all || !wait_find(t->slots, t->n_slots, wait_state.known[i].id))
			wait_queue(wait_state.known[i].id);
	for (uint32_t i = 0; i < t->n_slots; i++) {
		const struct os_slotshm_slot *k =
		    wait_find(wait_state.known, wait_state.n_known, t->slots[i].id);
		if (all || !k || !os_slotshm_slot_same(k, &t->slots[i]))
			wait_queue(t->slots[i].id);
	}
	memcpy(wait_state.known, t->slots, t->n_slots * sizeof(t->slots[0]));
	wait_state.n_known = t->n_slots;
}

void api_events_wait_mark(const struct os_client_event *ev)
{
	if (ev->kind == OS_EVENT_TOKEN_CHANGED)
		wait_queue(ev->slot_id);
	else
		wait_compare(ev->kind != OS_EVENT_CONFIG_RELOADED);
}

/* Maps the segment slotd sent on the events connection (replacing the old one). */
static void wait_map_shm(void)
{
	struct os_slotshm_map map = {0};
	char err[256];
	int fd = os_client_take_shm_fd(&api_state.events);

	if (fd >= 0 && os_slotshm_attach_fd(fd, &map, err, sizeof(err)) < 0)
		api_trace(API_TRACE_ERROR, "events connection: %s", err);
	if (fd >= 0)
		close(fd);
	os_slotshm_detach(&api_state.events_shm);
	api_state.events_shm = map;
}

void api_events_wait_connected(void)
{
	wait_map_shm();
	wait_state.n_known = 0;
	wait_state.n_pending = 0;
	wait_compare(false);
	wait_state.n_pending = 0; /* the table at connection is the baseline */
}

void api_events_wait_disconnect(void)
{
	os_slotshm_detach(&api_state.events_shm);
	wait_state.n_known = 0;
	wait_state.n_pending = 0;
}

static bool wait_take(CK_SLOT_ID *slot)
{
	if (wait_state.n_pending == 0)
		return false;
	*slot = wait_state.pending[0];
	memmove(wait_state.pending, wait_state.pending + 1,
	        --wait_state.n_pending * sizeof(wait_state.pending[0]));
	return true;
}

/* Drains what slotd has sent without waiting. Returns -1 when the connection is gone. */
static int wait_drain(void)
{
	struct os_client_event ev;
	int r;

	if (!api_state.events_ok)
		return -1;
	while ((r = os_client_next_event(&api_state.events, 0, &ev)) == 1)
		api_events_wait_mark(&ev);
	return r;
}

/* After slotd went away: reconnect (retrying for a while) and flag every slot. */
static CK_RV wait_reconnect(void)
{
	struct timespec pause = {0, 100 * 1000 * 1000};

	if (api_state.events_ok)
		os_client_close(&api_state.events);
	api_state.events_ok = false;
	api_trace(API_TRACE_DEBUG, "openslot-events: reconnecting to slotd");
	for (int waited = 0; waited < WAIT_RECONNECT_MS; waited += 100) {
		char err[512];
		if (api_state.finalizing)
			return CKR_CRYPTOKI_NOT_INITIALIZED;
		if (os_client_connect_conf(&api_state.events, api_state.conf, "openslot-events",
		                           err, sizeof(err)) == 0) {
			api_state.events_ok = true;
			wait_map_shm();
			wait_compare(true);
			return CKR_OK;
		}
		nanosleep(&pause, NULL);
	}
	api_trace(API_TRACE_ERROR, "slotd is gone and did not come back");
	return CKR_DEVICE_ERROR;
}

/* Blocks until slotd sends something or C_Finalize wakes us. */
static CK_RV wait_block(void)
{
	struct pollfd pfd[2] = {
	    {.fd = api_state.events.fd, .events = POLLIN},
	    {.fd = api_state.wake_fd, .events = POLLIN},
	};

	while (poll(pfd, 2, -1) < 0)
		if (errno != EINTR)
			return CKR_DEVICE_ERROR;
	if (api_state.finalizing)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (wait_drain() < 0)
		return wait_reconnect();
	return CKR_OK;
}

static CK_RV wait_inlock(CK_FLAGS flags, CK_SLOT_ID *slot)
{
	CK_RV rv;

	for (;;) {
		if (api_state.finalizing)
			return CKR_CRYPTOKI_NOT_INITIALIZED;
		if (wait_drain() < 0) {
			rv = wait_reconnect();
			if (rv != CKR_OK)
				return rv;
		}
		if (wait_take(slot))
			return CKR_OK;
		if (flags & CKF_DONT_BLOCK)
			return CKR_NO_EVENT;
		rv = wait_block();
		if (rv != CKR_OK)
			return rv;
	}
}

/*
 * With event_lock held: whether the library is still the one initialised
 * when the caller started (init_count) and not finalising.  The state lock
 * is taken after event_lock here and never the other way round, so a
 * thread that holds the state lock never waits for event_lock.
 */
static bool wait_still_current(uint64_t init_count)
{
	pthread_rwlock_rdlock(&api_state.lock);
	bool ok = api_state.initialized && api_state.init_count == init_count &&
	          api_state.connected && !api_state.finalizing;
	pthread_rwlock_unlock(&api_state.lock);
	return ok;
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved)
{
	CK_RV rv = api_enter_slots();
	uint64_t init_count;

	if (rv != CKR_OK)
		return rv;
	init_count = api_state.init_count;
	api_leave();
	if (!slot || reserved)
		return CKR_ARGUMENTS_BAD;
	if (flags & CKF_DONT_BLOCK) {
		if (pthread_mutex_trylock(&api_state.event_lock) != 0)
			return CKR_NO_EVENT; /* another thread is reading events */
	} else {
		pthread_mutex_lock(&api_state.event_lock);
	}
	/* The waiter holds event_lock, not the state lock: C_Finalize can start. */
	rv = wait_still_current(init_count) ? wait_inlock(flags, slot)
	                                    : CKR_CRYPTOKI_NOT_INITIALIZED;
	pthread_mutex_unlock(&api_state.event_lock);
	return rv;
}
