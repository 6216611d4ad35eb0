/*
 * SIGHUP: re-reading the configuration.
 *
 * The new file is parsed into a fresh struct; when it is refused, or when it
 * changes something only a restart can apply (directories, group, user), the
 * running configuration stays untouched.  Otherwise the new one is swapped
 * in once its directories are set up (a directory that cannot be, such as
 * one swapped for a symbolic link, refuses the reload), the slot table
 * republished, the counts rebuilt from the connected
 * clients and every client told with a CONFIG_RELOADED event.
 *
 * Slots may come and go: ids come from the file, so a slot that stays
 * keeps its id, its open token and its clients' logins and counts; a slot
 * that left has its token closed and its logins dropped (tokens.c); a new
 * slot's token is opened by its first request.  Clients notice from the
 * table generation in the segment and the event.
 */
#include "slotd.h"

#include <string.h>

#include "log.h"
#include "proto.h"

static bool reload_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static const char *reload_needs_restart(const struct os_conf *old, const struct os_conf *new)
{
	if (!reload_same(old->run_dir, new->run_dir))
		return "run-dir";
	if (!reload_same(old->lock_dir, new->lock_dir))
		return "lock-dir";
	if (!reload_same(old->data_dir, new->data_dir))
		return "data-dir";
	if (!reload_same(old->log_dir, new->log_dir))
		return "log-dir";
	if (!reload_same(old->group, new->group))
		return "group";
	if (!reload_same(old->user, new->user))
		return "user";
	return NULL;
}

/* Makes the directories of conf (new token directories); sd->conf is kept. */
static int reload_setup_dirs(struct slotd *sd, struct os_conf *conf)
{
	struct os_conf *old = sd->conf;
	int rv;

	sd->conf = conf;
	rv = slotd_setup_dirs(sd);
	sd->conf = old;
	return rv;
}

void slotd_reload(struct slotd *sd)
{
	struct os_conf *conf;
	const char *what;
	char err[512];

	slotd_notify("RELOADING=1");
	if (os_conf_load(sd->conf_path, &conf, err, sizeof(err)) < 0) {
		os_log(LOG_ERR, "reload refused, keeping the running configuration: %s", err);
		goto out;
	}
	what = reload_needs_restart(sd->conf, conf);
	if (what) {
		os_log(LOG_ERR, "reload refused: changing '%s' needs a restart of slotd", what);
		os_conf_free(conf);
		goto out;
	}
	if (reload_setup_dirs(sd, conf) < 0) {
		os_log(LOG_ERR, "reload refused: the directories of the new configuration could "
		                "not be set up; keeping the running configuration");
		os_conf_free(conf);
		goto out;
	}
	os_conf_free(sd->conf);
	sd->conf = conf;
	slotd_shm_publish_table(sd);
	slotd_tokens_reload(sd);
	slotd_clients_recount(sd);
	os_log(LOG_INFO, "configuration reloaded from %s: %zu slots", sd->conf_path,
	       sd->conf->n_slots);
	slotd_server_broadcast(sd, NULL, OS_EVENT_CONFIG_RELOADED, 0, sd->shm->table_generation);
out:
	slotd_notify("READY=1");
}
