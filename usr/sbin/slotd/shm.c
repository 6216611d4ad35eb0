/*
 * The slotd shared-memory segment, writer side (layout in slotshm.h).
 *
 * slotd is its only writer.  Each change runs inside the sequence lock so a
 * client never reads a half-updated slot.  A segment left behind by a slotd
 * that was killed is removed and made anew at start-up: the pid lock (held
 * before this runs) proves no other slotd owns it.
 */
#include "slotd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"

int slotd_shm_create(struct slotd *sd)
{
	int fd;
	void *addr;

	if (os_paths_shm_name(sd->shm_name, sizeof(sd->shm_name), sd->conf->run_dir, "slotd") < 0)
		return os_log_fail(-1, "run directory %s gives no valid shm name",
		                   sd->conf->run_dir);
	if (shm_unlink(sd->shm_name) == 0)
		os_log(LOG_NOTICE, "removed stale shared memory %s", sd->shm_name);
	fd = shm_open(sd->shm_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return os_log_fail(-1, "cannot create shared memory %s: %s", sd->shm_name,
		                   strerror(errno));
	if (fchown(fd, sd->run_uid, sd->run_gid) < 0 || fchmod(fd, 0640) < 0 ||
	    ftruncate(fd, sizeof(struct os_slotshm)) < 0) {
		int err = errno;
		close(fd);
		shm_unlink(sd->shm_name);
		return os_log_fail(-1, "cannot set up shared memory %s: %s", sd->shm_name,
		                   strerror(err));
	}
	addr = mmap(NULL, sizeof(struct os_slotshm), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	/* Clients get this descriptor over the socket and never open the name. */
	sd->shm_ro_fd = shm_open(sd->shm_name, O_RDONLY | O_CLOEXEC, 0);
	if (sd->shm_ro_fd < 0 && addr != MAP_FAILED) {
		munmap(addr, sizeof(struct os_slotshm));
		addr = MAP_FAILED;
	}
	if (addr == MAP_FAILED) {
		shm_unlink(sd->shm_name);
		return os_log_fail(-1, "cannot map shared memory %s: %s", sd->shm_name,
		                   strerror(errno));
	}
	sd->shm = addr;
	sd->shm->magic = OS_SLOTSHM_MAGIC;
	sd->shm->version = OS_SLOTSHM_VERSION;
	sd->shm->size = sizeof(struct os_slotshm);
	sd->shm->slotd_pid = (uint64_t)getpid();
	slotd_shm_publish_table(sd);
	return 0;
}

static void shm_fill_slot(struct os_slotshm_slot *s, const struct os_slot_conf *c)
{
	memset(s, 0, sizeof(*s));
	s->id = c->id;
	s->flags = c->log_calls ? OS_SLOTSHM_SLOT_LOG_CALLS : 0;
	s->hw_major = c->hw_major;
	s->hw_minor = c->hw_minor;
	s->fw_major = c->fw_major;
	s->fw_minor = c->fw_minor;
	snprintf(s->backend, sizeof(s->backend), "%s", c->backend);
	snprintf(s->token, sizeof(s->token), "%s", c->token);
	snprintf(s->description, sizeof(s->description), "%s", c->description);
	snprintf(s->manufacturer, sizeof(s->manufacturer), "%s", c->manufacturer);
}

/*
 * Writes the slot table of the current configuration with all counts at
 * zero; the caller recounts from the clients afterwards (clients.c).
 */
void slotd_shm_publish_table(struct slotd *sd)
{
	struct os_slotshm *shm = sd->shm;
	struct os_slotshm_slot old[OS_SLOTSHM_MAX_SLOTS];
	uint32_t n_old = shm->n_slots;

	memcpy(old, shm->slots, sizeof(old));
	os_slotshm_write_begin(shm);
	shm->n_slots = (uint32_t)sd->conf->n_slots;
	for (size_t i = 0; i < sd->conf->n_slots; i++) {
		uint64_t token_gen = 0;
		for (uint32_t j = 0; j < n_old; j++)
			if (old[j].id == sd->conf->slots[i].id)
				token_gen = old[j].token_generation;
		shm_fill_slot(&shm->slots[i], &sd->conf->slots[i]);
		shm->slots[i].token_generation = token_gen;
	}
	memset(&shm->slots[sd->conf->n_slots], 0,
	       (OS_SLOTSHM_MAX_SLOTS - sd->conf->n_slots) * sizeof(shm->slots[0]));
	shm->table_generation++;
	os_slotshm_write_end(shm);
}

static struct os_slotshm_slot *shm_slot(struct slotd *sd, uint64_t slot_id)
{
	for (uint32_t i = 0; i < sd->shm->n_slots; i++)
		if (sd->shm->slots[i].id == slot_id)
			return &sd->shm->slots[i];
	return NULL;
}

/* v + d, saturating at 0 and at UINT64_MAX instead of wrapping. */
static uint64_t shm_apply(uint64_t v, int64_t d)
{
	uint64_t m = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;

	if (d < 0)
		return m > v ? 0 : v - m;
	return m > UINT64_MAX - v ? UINT64_MAX : v + m;
}

void slotd_shm_add_counts(struct slotd *sd, uint64_t slot_id, int64_t d_sessions, int64_t d_rw)
{
	struct os_slotshm_slot *s = shm_slot(sd, slot_id);

	if (!s || (d_sessions == 0 && d_rw == 0))
		return;
	os_slotshm_write_begin(sd->shm);
	s->sessions = shm_apply(s->sessions, d_sessions);
	s->rw_sessions = shm_apply(s->rw_sessions, d_rw);
	os_slotshm_write_end(sd->shm);
}

uint64_t slotd_shm_token_changed(struct slotd *sd, uint64_t slot_id)
{
	struct os_slotshm_slot *s = shm_slot(sd, slot_id);

	if (!s)
		return 0;
	os_slotshm_write_begin(sd->shm);
	s->token_generation++;
	os_slotshm_write_end(sd->shm);
	return s->token_generation;
}

uint64_t slotd_shm_generation(const struct slotd *sd)
{
	return sd->shm->generation;
}

void slotd_shm_destroy(struct slotd *sd)
{
	if (!sd->shm)
		return;
	munmap(sd->shm, sizeof(struct os_slotshm));
	sd->shm = NULL;
	if (sd->shm_ro_fd >= 0)
		close(sd->shm_ro_fd);
	sd->shm_ro_fd = -1;
	shm_unlink(sd->shm_name);
}
