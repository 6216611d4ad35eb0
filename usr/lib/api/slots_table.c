/*
 * This process's slot table, and its link to slotd.
 *
 * C_Initialize only reads the configuration.  The first call that needs the
 * slot table (C_GetSlotList, a call naming a slot, C_WaitForSlotEvent)
 * connects to slotd and loads the table: ids and texts from the
 * configuration, the same in every process and across C_Initialize calls.
 * No backend is loaded then: each slot's is loaded by its own first use
 * (slots_load.c).
 *
 * slotd's segment carries the generation of its table.  When it moves (slotd
 * reloaded its configuration, or a restarted slotd serves another one), the
 * next call reads this process's configuration again and loads the table
 * again: a slot that stays keeps its backend, token, sessions and login; a
 * slot that left is closed, its sessions with it, and its id answers
 * CKR_SLOT_ID_INVALID; a new slot is loaded on first use.  All of this runs
 * with the state lock held for writing, so no call is in progress meanwhile.
 */
#include "api.h"
#include "notice.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* slotd's table, from the counts connection (reconnecting once); 0 or -1. */
static int table_fetch(struct os_client_slot **table, size_t *n)
{
	uint64_t gen;
	int r = -1;

	pthread_mutex_lock(&api_state.client_lock);
	if (api_state.client_ok)
		r = os_client_get_slots(&api_state.client, table, n, &gen);
	if (r < 0 && api_events_reconnect_client_inlock() == 0)
		r = os_client_get_slots(&api_state.client, table, n, &gen);
	if (r == 0) {
		api_state.table_generation = gen;
		api_state.table_pid = api_state.client.slotd_pid;
	}
	pthread_mutex_unlock(&api_state.client_lock);
	return r;
}

static CK_RV table_load(void)
{
	struct os_client_slot *table;
	size_t n;

	if (table_fetch(&table, &n) < 0) {
		api_trace(API_TRACE_ERROR, "slotd did not send the slot table");
		return CKR_DEVICE_ERROR;
	}
	api_state.slots = calloc(n ? n : 1, sizeof(*api_state.slots));
	if (!api_state.slots) {
		free(table);
		return CKR_HOST_MEMORY;
	}
	for (size_t i = 0; i < n; i++) {
		api_state.slots[i] = api_slot_new(&table[i]);
		if (!api_state.slots[i]) {
			free(table);
			return CKR_HOST_MEMORY;
		}
		api_state.n_slots++;
	}
	free(table);
	return CKR_OK;
}

static CK_RV table_fail(CK_RV rv, const char *what)
{
	api_notice(API_NOTICE_INIT, "cannot set up the link to slotd: %s", what);
	api_trace(API_TRACE_ERROR, "cannot set up the link to slotd: %s", what);
	return rv;
}

CK_RV api_slots_connect(void)
{
	CK_RV rv;

	api_state.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (api_state.wake_fd < 0)
		return table_fail(CKR_HOST_MEMORY, strerror(errno));
	/* slotd first: it tells a user outside the group so most clearly */
	rv = api_events_connect();
	if (rv != CKR_OK)
		goto fail;
	api_state.api_lock_fd = api_locks_open_global();
	if (api_state.api_lock_fd < 0) {
		rv = table_fail(CKR_FUNCTION_FAILED, "cannot open the global lock file");
		goto fail;
	}
	rv = table_load();
	if (rv != CKR_OK)
		goto fail;
	if (api_state.may_create_threads)
		api_events_start_flusher();
	api_state.connected = true;
	api_trace(API_TRACE_INFO, "connected to slotd: %zu slots", api_state.n_slots);
	return CKR_OK;
fail:
	api_slots_disconnect();
	return rv;
}

bool api_slots_stale(void)
{
	const struct os_slotshm *shm = __atomic_load_n(&api_state.shm.shm, __ATOMIC_ACQUIRE);

	if (!api_state.connected || !shm)
		return false;
	return __atomic_load_n(&shm->table_generation, __ATOMIC_ACQUIRE) !=
	           api_state.table_generation ||
	       __atomic_load_n(&shm->slotd_pid, __ATOMIC_RELAXED) != api_state.table_pid;
}

/* Reads this process's configuration again; the old one stays for its slots. */
static void table_reread_conf(void)
{
	struct os_conf *conf;
	char err[512];
	void *v;

	if (os_conf_load(api_state.conf->path, &conf, err, sizeof(err)) < 0) {
		api_trace(API_TRACE_WARN, "keeping the configuration read before: %s", err);
		return;
	}
	v = realloc(api_state.old_confs,
	            (api_state.n_old_confs + 1) * sizeof(*api_state.old_confs));
	if (!v) {
		os_conf_free(conf);
		return;
	}
	api_state.old_confs = v;
	api_state.old_confs[api_state.n_old_confs++] = api_state.conf;
	api_state.conf = conf;
}

/* The slot of rest (a copy of the loaded table) that e describes unchanged, taken from it. */
static struct api_slot *table_take_same(const struct os_client_slot *e, struct api_slot **rest)
{
	for (size_t i = 0; i < api_state.n_slots; i++) {
		struct api_slot *s = rest[i];
		if (s && s->id == e->id && strcmp(s->info.token, e->token) == 0 &&
		    strcmp(s->info.backend, e->backend) == 0) {
			rest[i] = NULL;
			return s;
		}
	}
	return NULL;
}

/* Whether s is one of the loaded table's slots. */
static bool table_has(const struct api_slot *s)
{
	for (size_t i = 0; i < api_state.n_slots; i++)
		if (api_state.slots[i] == s)
			return true;
	return false;
}

/*
 * Builds the new table from slotd's, taking unchanged slots out of rest, a
 * copy of the loaded table: the loaded table itself stays whole until it is
 * replaced, since the flusher thread reads it under client_lock only.
 */
static struct api_slot **table_merge(const struct os_client_slot *table, size_t n,
                                     struct api_slot **rest)
{
	struct api_slot **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		v[i] = table_take_same(&table[i], rest);
		if (v[i]) {
			v[i]->info = table[i]; /* texts may have changed */
			continue;
		}
		v[i] = api_slot_new(&table[i]);
		if (!v[i]) {
			while (i-- > 0)
				if (!table_has(v[i]))
					api_slot_free(v[i]);
			free(v);
			return NULL;
		}
	}
	return v;
}

void api_slots_sync(void)
{
	const struct os_slotshm *shm = api_state.shm.shm;
	struct os_client_slot *table;
	struct api_slot **old = api_state.slots, **rest, **v;
	size_t n, n_old = api_state.n_slots;

	table_reread_conf();
	if (table_fetch(&table, &n) < 0) {
		/* slotd is gone: ask again once its segment moves */
		api_state.table_generation = shm->table_generation;
		api_state.table_pid = shm->slotd_pid;
		api_trace(API_TRACE_WARN, "slotd's table changed but it did not send it");
		return;
	}
	rest = calloc(n_old ? n_old : 1, sizeof(*rest));
	if (rest && n_old)
		memcpy(rest, old, n_old * sizeof(*rest));
	v = rest ? table_merge(table, n, rest) : NULL;
	free(table);
	if (!v) {
		free(rest);
		return;
	}
	pthread_mutex_lock(&api_state.client_lock);
	api_state.slots = v;
	api_state.n_slots = n;
	pthread_mutex_unlock(&api_state.client_lock);
	for (size_t i = 0; i < n_old; i++) {
		if (!rest[i])
			continue;
		api_trace(API_TRACE_INFO, "slot %lu left the table", rest[i]->id);
		api_sessions_drop_slot(rest[i]);
		api_slot_free(rest[i]);
	}
	free(rest);
	free(old);
	api_trace(API_TRACE_INFO, "slot table reloaded: %zu slots", n);
}

void api_slots_disconnect(void)
{
	/* first: the flusher thread reads the slots until it is stopped */
	api_events_disconnect();
	for (size_t i = 0; i < api_state.n_slots; i++)
		api_slot_free(api_state.slots[i]);
	free(api_state.slots);
	api_state.slots = NULL;
	api_state.n_slots = 0;
	for (size_t i = 0; i < api_state.n_old_confs; i++)
		os_conf_free(api_state.old_confs[i]);
	free(api_state.old_confs);
	api_state.old_confs = NULL;
	api_state.n_old_confs = 0;
	if (api_state.wake_fd >= 0)
		close(api_state.wake_fd);
	api_state.wake_fd = -1;
	if (api_state.api_lock_fd >= 0)
		close(api_state.api_lock_fd);
	api_state.api_lock_fd = -1;
	api_state.connected = false;
}
