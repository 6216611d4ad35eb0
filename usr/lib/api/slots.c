/*
 * The slot table and the token backends behind it.
 *
 * The table comes from slotd (ids and texts from the configuration, so they
 * are the same in every process and across C_Initialize calls).  Each
 * slot's backend is loaded with dlopen from the token directory and checked
 * for its ABI version; a slot whose backend does not load stays in the list
 * without a token, with the reason in the trace.  This file is the one place
 * that turns a missing backend entry into a PKCS#11 error.
 */
#include "api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "notice.h"
#include "paths.h"

static const char *slots_token_dir(void)
{
	const char *dir = secure_getenv("OPENSLOT_TOKEN_DIR");

	return dir && *dir ? dir : OS_LIBDIR "/openslot/tokens";
}

static int slots_dlopen(struct api_slot *slot)
{
	char path[PATH_MAX];
	os_backend_entry_fn entry;
	const struct os_backend_ops *ops;

	snprintf(path, sizeof(path), "%s/libtoken_%s.so", slots_token_dir(), slot->info.backend);
	slot->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!slot->dl) {
		snprintf(slot->error, sizeof(slot->error), "cannot load %s: %s", path, dlerror());
		return -1;
	}
	entry = (os_backend_entry_fn)dlsym(slot->dl, OS_BACKEND_ENTRY_SYMBOL);
	ops = entry ? entry() : NULL;
	if (!ops) {
		snprintf(slot->error, sizeof(slot->error), "%s has no %s", path,
		         OS_BACKEND_ENTRY_SYMBOL);
		return -1;
	}
	if (ops->abi_version != OS_BACKEND_ABI_VERSION) {
		snprintf(slot->error, sizeof(slot->error),
		         "%s has backend ABI version %u, this library needs %u", path,
		         ops->abi_version, OS_BACKEND_ABI_VERSION);
		return -1;
	}
	slot->ops = ops;
	return 0;
}

/*
 * Paths and names come from this process's own configuration, never from
 * slotd's table: a server that lies cannot point this process at another
 * directory.  A slot the local configuration does not list gets no token.
 */
static int slots_make_env(struct api_slot *slot)
{
	const struct os_slot_conf *conf = os_conf_slot(api_state.conf, slot->id);

	if (!conf) {
		snprintf(slot->error, sizeof(slot->error), "slot %lu is not in %s", slot->id,
		         api_state.conf->path);
		return -1;
	}
	snprintf(slot->info.token, sizeof(slot->info.token), "%s", conf->token);
	snprintf(slot->info.backend, sizeof(slot->info.backend), "%s", conf->backend);
	if (os_paths_join(slot->data_dir, sizeof(slot->data_dir), api_state.conf->data_dir,
	                  conf->token) < 0 ||
	    os_paths_join(slot->lock_dir, sizeof(slot->lock_dir), api_state.conf->lock_dir,
	                  conf->token) < 0) {
		snprintf(slot->error, sizeof(slot->error), "token directory path too long");
		return -1;
	}
	slot->env.slot_id = slot->id;
	slot->env.token_name = slot->info.token;
	slot->env.data_dir = slot->data_dir;
	slot->env.lock_dir = slot->lock_dir;
	slot->env.trace = api_trace_v;
	if (conf->n_options == 0)
		return 0;
	slot->options = calloc(conf->n_options, sizeof(*slot->options));
	if (!slot->options)
		return 0;
	for (size_t i = 0; i < conf->n_options; i++) {
		slot->options[i].name = conf->options[i].name;
		slot->options[i].value = conf->options[i].value;
	}
	slot->env.options = slot->options;
	slot->env.n_options = conf->n_options;
	return 0;
}

/*
 * Threads a token store may use: one per CPU up to its limit, none of its
 * own when the application said the library may not create threads.
 */
static unsigned slots_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!api_state.may_create_threads || cpus < 2)
		return 1;
	return cpus > TOK_STORE_MAX_THREADS ? TOK_STORE_MAX_THREADS : (unsigned)cpus;
}

/* The token's segment from slotd (which also makes its lock file). */
static int slots_open_segment(struct api_slot *slot, uid_t *owner)
{
	char err[256];
	int fd = -1;

	pthread_mutex_lock(&api_state.client_lock);
	long rv = api_state.client_ok
	              ? os_client_open_token(&api_state.client, slot->id, &fd, owner)
	              : -1;
	pthread_mutex_unlock(&api_state.client_lock);
	if (rv != 0) {
		snprintf(slot->error, sizeof(slot->error), "slotd cannot open the token (0x%lx)",
		         rv);
		return -1;
	}
	int r = tok_shm_attach_fd(fd, &slot->tokshm, err, sizeof(err));
	close(fd);
	if (r < 0)
		snprintf(slot->error, sizeof(slot->error), "%s", err);
	return r;
}

/* Lock file and per-token shared memory of a slot whose token is present. */
static int slots_attach_token(struct api_slot *slot)
{
	char err[256];
	uid_t owner;

	if (slots_open_segment(slot, &owner) < 0)
		return -1;
	if (api_locks_open_token(slot) < 0) {
		snprintf(slot->error, sizeof(slot->error), "cannot open the lock file in %s",
		         slot->lock_dir);
		return -1;
	}
	api_remote_writer(slot, &slot->writer);
	struct tok_token_place place = {
	    .data_dir = slot->data_dir,
	    .lock_fd = slot->lock_fd,
	    .shm = slot->tokshm.shm,
	    .owner = owner,
	    .writer = &slot->writer,
	    .damaged = api_notice_damaged_object,
	    .damaged_arg = slot,
	};
	if (tok_token_open(&slot->token, slot->ops, slot->ctx, &place, slots_threads(), api_trace,
	                   err, sizeof(err)) < 0) {
		snprintf(slot->error, sizeof(slot->error), "%s", err);
		api_notice_token(slot->info.token, slot->data_dir, err);
		return -1;
	}
	slot->has_token = true;
	return 0;
}

static void slots_load_one(struct api_slot *slot)
{
	CK_RV rv;

	slot->lock_fd = -1;
	if (slots_make_env(slot) < 0 || slots_dlopen(slot) < 0)
		goto fail;
	if (slot->ops->load) {
		rv = slot->ops->load(&slot->env, &slot->ctx);
		if (rv != CKR_OK) {
			snprintf(slot->error, sizeof(slot->error),
			         "backend %s failed to load: 0x%lx", slot->info.backend, rv);
			goto fail;
		}
	}
	if (slot->ops->token_present && slot->ops->token_present(slot->ctx) == CKR_OK &&
	    slots_attach_token(slot) < 0)
		goto fail_loaded;
	return;
fail_loaded:
	if (slot->ops->unload)
		slot->ops->unload(slot->ctx);
	slot->ctx = NULL;
fail:
	slot->ops = NULL;
	api_trace(API_TRACE_ERROR, "slot %lu has no token: %s", slot->id, slot->error);
}

CK_RV api_slots_load(void)
{
	struct os_client_slot *table;
	uint64_t gen;
	size_t n;

	if (os_client_get_slots(&api_state.client, &table, &n, &gen) < 0) {
		api_trace(API_TRACE_ERROR, "slotd did not send the slot table");
		return CKR_DEVICE_ERROR;
	}
	api_state.slots = calloc(n ? n : 1, sizeof(*api_state.slots));
	if (!api_state.slots) {
		free(table);
		return CKR_HOST_MEMORY;
	}
	api_state.n_slots = n;
	if (api_locks_shared_timed(api_state.api_lock_fd, API_LOCKS_WAIT_MS) < 0)
		api_trace(API_TRACE_WARN, "LCK..APIlock is busy: loading the slots without it");
	for (size_t i = 0; i < n; i++) {
		api_state.slots[i].id = table[i].id;
		api_state.slots[i].info = table[i];
		slots_load_one(&api_state.slots[i]);
	}
	flock(api_state.api_lock_fd, LOCK_UN);
	free(table);
	return CKR_OK;
}

void api_slots_unload(void)
{
	for (size_t i = 0; i < api_state.n_slots; i++) {
		struct api_slot *s = &api_state.slots[i];
		if (s->has_token)
			tok_token_close(&s->token);
		if (s->ops && s->ops->unload)
			s->ops->unload(s->ctx);
		tok_shm_detach(&s->tokshm);
		if (s->lock_fd >= 0)
			close(s->lock_fd);
		if (s->dl)
			dlclose(s->dl);
		free(s->options);
	}
	free(api_state.slots);
	api_state.slots = NULL;
	api_state.n_slots = 0;
}

struct api_slot *api_slot_find(CK_SLOT_ID id)
{
	for (size_t i = 0; i < api_state.n_slots; i++)
		if (api_state.slots[i].id == id)
			return &api_state.slots[i];
	return NULL;
}

static bool slots_present(const struct api_slot *slot)
{
	return slot->ops && slot->ops->token_present &&
	       slot->ops->token_present(slot->ctx) == CKR_OK;
}

CK_RV api_slot_token(CK_SLOT_ID id, struct api_slot **slot)
{
	*slot = api_slot_find(id);
	if (!*slot)
		return CKR_SLOT_ID_INVALID;
	return slots_present(*slot) ? CKR_OK : CKR_TOKEN_NOT_PRESENT;
}

CK_RV C_GetSlotList(CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv = api_enter();
	CK_ULONG n = 0;

	if (rv != CKR_OK)
		return rv;
	if (!count) {
		api_leave();
		return CKR_ARGUMENTS_BAD;
	}
	for (size_t i = 0; i < api_state.n_slots; i++) {
		if (token_present && !slots_present(&api_state.slots[i]))
			continue;
		if (list && n < *count)
			list[n] = api_state.slots[i].id;
		n++;
	}
	if (list && n > *count)
		rv = CKR_BUFFER_TOO_SMALL;
	*count = n;
	api_leave();
	return rv;
}

static void slots_fill_slot_info(const struct api_slot *slot, CK_SLOT_INFO *info)
{
	memset(info, 0, sizeof(*info));
	api_pad(info->slotDescription, sizeof(info->slotDescription), slot->info.description);
	api_pad(info->manufacturerID, sizeof(info->manufacturerID), slot->info.manufacturer);
	info->hardwareVersion.major = slot->info.hw_major;
	info->hardwareVersion.minor = slot->info.hw_minor;
	info->firmwareVersion.major = slot->info.fw_major;
	info->firmwareVersion.minor = slot->info.fw_minor;
}

CK_RV C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	CK_RV rv = api_enter();
	struct api_slot *slot;

	if (rv != CKR_OK)
		return rv;
	slot = api_slot_find(id);
	if (!slot)
		rv = CKR_SLOT_ID_INVALID;
	else if (!info)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK) {
		slots_fill_slot_info(slot, info);
		if (slots_present(slot))
			info->flags |= CKF_TOKEN_PRESENT;
		if (slot->ops && slot->ops->slot_info)
			rv = slot->ops->slot_info(slot->ctx, info);
	}
	api_trace_call(slot, "C_GetSlotInfo", rv, "%lu", id);
	api_leave();
	return rv;
}

static void slots_fill_token_info(const struct api_slot *slot, CK_TOKEN_INFO *info)
{
	uint64_t sessions = 0, rw = 0;
	const struct os_slotshm *shm = __atomic_load_n(&api_state.shm.shm, __ATOMIC_ACQUIRE);

	if (shm)
		os_slotshm_counts(shm, slot->id, &sessions, &rw);
	/* slotd may not have applied this process's latest report yet */
	uint64_t own = __atomic_load_n(&slot->n_sessions, __ATOMIC_ACQUIRE);
	uint64_t own_rw = __atomic_load_n(&slot->n_rw_sessions, __ATOMIC_ACQUIRE);
	sessions = sessions > own ? sessions : own;
	rw = rw > own_rw ? rw : own_rw;
	memset(info, 0, sizeof(*info));
	api_pad(info->label, sizeof(info->label), slot->info.token);
	api_pad(info->manufacturerID, sizeof(info->manufacturerID), slot->info.manufacturer);
	api_pad(info->model, sizeof(info->model), slot->info.backend);
	api_pad(info->serialNumber, sizeof(info->serialNumber), "");
	api_pad(info->utcTime, sizeof(info->utcTime), "");
	info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulSessionCount = (CK_ULONG)sessions;
	info->ulRwSessionCount = (CK_ULONG)rw;
	info->ulMaxPinLen = 128;
	info->ulMinPinLen = 4;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
}

CK_RV C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = api_enter();
	struct api_slot *slot = NULL;

	if (rv != CKR_OK)
		return rv;
	rv = api_slot_token(id, &slot);
	if (rv == CKR_OK && !info)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK) {
		slots_fill_token_info(slot, info);
		if (slot->has_token)
			tok_token_info(&slot->token, info);
		if (slot->ops->token_info)
			rv = slot->ops->token_info(slot->ctx, info);
	}
	api_trace_call(slot, "C_GetTokenInfo", rv, "%lu", id);
	api_leave();
	return rv;
}

CK_RV C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv = api_enter();
	struct api_slot *slot = NULL;

	if (rv != CKR_OK)
		return rv;
	rv = api_slot_token(id, &slot);
	if (rv == CKR_OK && !count)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK && slot->ops->mechanism_list) {
		rv = slot->ops->mechanism_list(slot->ctx, list, count);
	} else if (rv == CKR_OK) {
		*count = 0;
	}
	api_trace_call(slot, "C_GetMechanismList", rv, "%lu, %s", id, list ? "list" : "NULL");
	api_leave();
	return rv;
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	CK_RV rv = api_enter();
	struct api_slot *slot = NULL;

	if (rv != CKR_OK)
		return rv;
	rv = api_slot_token(id, &slot);
	if (rv == CKR_OK && !info)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK)
		rv = slot->ops->mechanism_info ? slot->ops->mechanism_info(slot->ctx, type, info)
		                               : CKR_MECHANISM_INVALID;
	api_trace_call(slot, "C_GetMechanismInfo", rv, "%lu, 0x%lx", id, type);
	api_leave();
	return rv;
}
