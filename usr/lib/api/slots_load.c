/*
 * One slot's backend and token, loaded on the first call that needs them.
 *
 * The backend is loaded with dlopen from the token directory and checked
 * for its ABI version, and its ops table is copied into the slot with every
 * NULL entry filled (backend_fill.h); a slot whose backend does not load
 * stays in the table without a token, with the reason in the trace.  Paths
 * and names come from this process's own configuration.  Loading happens
 * once per slot, under the slot's load_lock, while the state lock is held
 * for reading: other slots' calls go on meanwhile.
 */
#include "api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "backend_fill.h"
#include "notice.h"
#include "paths.h"

static const char *load_token_dir(void)
{
	const char *dir = secure_getenv("OPENSLOT_TOKEN_DIR");

	return dir && *dir ? dir : OS_LIBDIR "/openslot/tokens";
}

static int load_dlopen(struct api_slot *slot)
{
	char path[PATH_MAX];
	os_backend_entry_fn entry;
	const struct os_backend_ops *ops;

	snprintf(path, sizeof(path), "%s/libtoken_%s.so", load_token_dir(), slot->info.backend);
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
	tok_backend_fill(&slot->table, ops);
	slot->ops = &slot->table;
	return 0;
}

/*
 * The token's directories and lock file name: <data>/<token>/ and
 * <lock>/<token>/LCK..<token>, or for a per-user slot (tpm) the ones of
 * this process's user, <data>/tpm/<user>/ and <lock>/tpm/<user>/LCK..tpm,
 * which slotd makes readable by that user alone.
 */
static int load_make_dirs(struct api_slot *slot, const struct os_slot_conf *conf)
{
	const struct os_conf *c = api_state.conf;
	char user[OS_PATHS_USER_MAX + 1];
	int r;

	if (!os_conf_slot_per_user(conf)) {
		snprintf(slot->lock_name, sizeof(slot->lock_name), "LCK..%s", conf->token);
		r = os_paths_join(slot->data_dir, sizeof(slot->data_dir), c->data_dir,
		                  conf->token) |
		    os_paths_join(slot->lock_dir, sizeof(slot->lock_dir), c->lock_dir, conf->token);
	} else if (os_paths_user_name(geteuid(), user, sizeof(user)) < 0) {
		snprintf(slot->error, sizeof(slot->error),
		         "uid %lu has no user name a tpm token directory can have",
		         (unsigned long)geteuid());
		return -1;
	} else {
		slot->per_user = true;
		snprintf(slot->lock_name, sizeof(slot->lock_name), "%s", OS_PATHS_USER_LOCK);
		r = os_paths_user_dir(slot->data_dir, sizeof(slot->data_dir), c->data_dir, user) |
		    os_paths_user_dir(slot->lock_dir, sizeof(slot->lock_dir), c->lock_dir, user);
	}
	if (r < 0)
		snprintf(slot->error, sizeof(slot->error), "token directory path too long");
	return r < 0 ? -1 : 0;
}

/*
 * Paths and names come from this process's own configuration, never from
 * slotd's table: a server that lies cannot point this process at another
 * directory.  A slot the local configuration does not list gets no token.
 */
static int load_make_env(struct api_slot *slot)
{
	const struct os_slot_conf *conf = os_conf_slot(api_state.conf, slot->id);

	if (!conf) {
		snprintf(slot->error, sizeof(slot->error), "slot %lu is not in %s", slot->id,
		         api_state.conf->path);
		return -1;
	}
	snprintf(slot->info.token, sizeof(slot->info.token), "%s", conf->token);
	snprintf(slot->info.backend, sizeof(slot->info.backend), "%s", conf->backend);
	if (load_make_dirs(slot, conf) < 0)
		return -1;
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
static unsigned load_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!api_state.may_create_threads || cpus < 2)
		return 1;
	return cpus > TOK_STORE_MAX_THREADS ? TOK_STORE_MAX_THREADS : (unsigned)cpus;
}

/* The token's segment from slotd (which also makes its lock file). */
static int load_open_segment(struct api_slot *slot, uid_t *owner)
{
	char err[256];
	int fd = -1;

	pthread_mutex_lock(&api_state.client_lock);
	long rv = api_state.client_ok
	              ? os_client_open_token(&api_state.client, slot->id, &fd, owner)
	              : -1;
	pthread_mutex_unlock(&api_state.client_lock);
	if (rv == CKR_TOKEN_NOT_PRESENT) {
		snprintf(slot->error, sizeof(slot->error),
		         "slotd has no token in this slot for this user (its log says why)");
		return -1;
	}
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
static int load_attach_token(struct api_slot *slot)
{
	char err[256];
	uid_t owner;

	if (load_open_segment(slot, &owner) < 0)
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
	if (tok_token_open(&slot->token, slot->ops, slot->ctx, &place, load_threads(), api_trace,
	                   err, sizeof(err)) < 0) {
		snprintf(slot->error, sizeof(slot->error), "%s", err);
		api_notice_token(slot->info.token, slot->data_dir, err);
		return -1;
	}
	slot->has_token = true;
	return 0;
}

static void load_one(struct api_slot *slot)
{
	CK_RV rv;

	if (load_make_env(slot) < 0 || load_dlopen(slot) < 0)
		goto fail;
	rv = slot->ops->load(&slot->env, &slot->ctx);
	if (rv != CKR_OK) {
		snprintf(slot->error, sizeof(slot->error), "backend %s failed to load: 0x%lx",
		         slot->info.backend, rv);
		goto fail;
	}
	if (slot->ops->token_present(slot->ctx) == CKR_OK && load_attach_token(slot) < 0)
		goto fail_loaded;
	return;
fail_loaded:
	slot->ops->unload(slot->ctx);
	slot->ctx = NULL;
fail:
	slot->ops = NULL;
	api_trace(API_TRACE_ERROR, "slot %lu has no token: %s", slot->id, slot->error);
}

/*
 * LCK..APIlock is held shared while a slot's per-token resources are set
 * up, for at most API_LOCKS_WAIT_MS: a holder that does not let go only
 * costs this process that wait.
 */
void api_slot_ready(struct api_slot *slot)
{
	if (__atomic_load_n(&slot->loaded, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&slot->load_lock);
	if (!__atomic_load_n(&slot->loaded, __ATOMIC_ACQUIRE)) {
		int fd = api_state.api_lock_fd;
		if (api_locks_shared_timed(fd, API_LOCKS_WAIT_MS) < 0)
			api_trace(API_TRACE_WARN,
			          "LCK..APIlock is busy: loading slot %lu without it", slot->id);
		load_one(slot);
		flock(fd, LOCK_UN);
		__atomic_store_n(&slot->loaded, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&slot->load_lock);
}

struct api_slot *api_slot_new(const struct os_client_slot *info)
{
	struct api_slot *slot = calloc(1, sizeof(*slot));

	if (!slot)
		return NULL;
	slot->id = info->id;
	slot->info = *info;
	slot->lock_fd = -1;
	pthread_mutex_init(&slot->load_lock, NULL);
	return slot;
}

void api_slot_free(struct api_slot *slot)
{
	if (!slot)
		return;
	if (slot->has_token)
		tok_token_close(&slot->token);
	if (slot->ops)
		slot->ops->unload(slot->ctx);
	tok_shm_detach(&slot->tokshm);
	if (slot->lock_fd >= 0)
		close(slot->lock_fd);
	if (slot->dl)
		dlclose(slot->dl);
	free(slot->options);
	pthread_mutex_destroy(&slot->load_lock);
	free(slot);
}
