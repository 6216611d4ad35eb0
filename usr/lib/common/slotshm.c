/*
 * Reading the slotd shared-memory segment, and the sequence lock both sides
 * use (see slotshm.h).
 */
#include "slotshm.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int os_slotshm_attach_fd(int fd, struct os_slotshm_map *map, char *err, size_t errlen)
{
	struct stat st;
	void *addr;

	memset(map, 0, sizeof(*map));
	if (fstat(fd, &st) < 0 || (size_t)st.st_size != sizeof(struct os_slotshm)) {
		snprintf(err, errlen, "slotd's shared memory has size %lld, expected %zu",
		         (long long)st.st_size, sizeof(struct os_slotshm));
		return -1;
	}
	addr = mmap(NULL, sizeof(struct os_slotshm), PROT_READ, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		snprintf(err, errlen, "cannot map slotd's shared memory: %s", strerror(errno));
		return -1;
	}
	map->shm = addr;
	map->size = sizeof(struct os_slotshm);
	if (map->shm->magic != OS_SLOTSHM_MAGIC || map->shm->version != OS_SLOTSHM_VERSION ||
	    map->shm->size != sizeof(struct os_slotshm)) {
		snprintf(err, errlen, "slotd's shared memory is not an openslot v%d segment",
		         OS_SLOTSHM_VERSION);
		os_slotshm_detach(map);
		return -1;
	}
	return 0;
}

int os_slotshm_attach(const char *name, struct os_slotshm_map *map, char *err, size_t errlen)
{
	int fd = shm_open(name, O_RDONLY, 0);

	memset(map, 0, sizeof(*map));
	if (fd < 0) {
		snprintf(err, errlen, "cannot open shared memory %s: %s", name, strerror(errno));
		return -1;
	}
	int rv = os_slotshm_attach_fd(fd, map, err, errlen);
	close(fd);
	return rv;
}

void os_slotshm_detach(struct os_slotshm_map *map)
{
	if (map->shm)
		munmap((void *)map->shm, map->size);
	memset(map, 0, sizeof(*map));
}

/*
 * A writer that died inside its critical section leaves seq odd for good;
 * after a bounded number of attempts the reader takes what is there rather
 * than spin forever.
 */
#define SEQ_MAX_TRIES 1000

struct seq_reader {
	const struct os_slotshm *shm;
	uint64_t seq;
	int tries;
};

static void seq_read_begin(struct seq_reader *rd)
{
	while (((rd->seq = __atomic_load_n(&rd->shm->seq, __ATOMIC_ACQUIRE)) & 1) &&
	       rd->tries++ < SEQ_MAX_TRIES)
		sched_yield();
}

static bool seq_read_retry(struct seq_reader *rd)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&rd->shm->seq, __ATOMIC_RELAXED) == rd->seq && !(rd->seq & 1))
		return false;
	return rd->tries++ < SEQ_MAX_TRIES;
}

void os_slotshm_snapshot(const struct os_slotshm *shm, struct os_slotshm *copy)
{
	struct seq_reader rd = {.shm = shm};

	do {
		seq_read_begin(&rd);
		memcpy(copy, shm, sizeof(*copy));
	} while (seq_read_retry(&rd));
}

bool os_slotshm_slot_same(const struct os_slotshm_slot *a, const struct os_slotshm_slot *b)
{
	return a->id == b->id && a->flags == b->flags && a->hw_major == b->hw_major &&
	       a->hw_minor == b->hw_minor && a->fw_major == b->fw_major &&
	       a->fw_minor == b->fw_minor &&
	       strncmp(a->backend, b->backend, sizeof(a->backend)) == 0 &&
	       strncmp(a->token, b->token, sizeof(a->token)) == 0 &&
	       strncmp(a->description, b->description, sizeof(a->description)) == 0 &&
	       strncmp(a->manufacturer, b->manufacturer, sizeof(a->manufacturer)) == 0;
}

bool os_slotshm_counts(const struct os_slotshm *shm, uint64_t slot_id, uint64_t *sessions,
                       uint64_t *rw_sessions)
{
	struct seq_reader rd = {.shm = shm};
	bool found;

	do {
		seq_read_begin(&rd);
		uint32_t n = __atomic_load_n(&shm->n_slots, __ATOMIC_RELAXED);
		found = false;
		*sessions = *rw_sessions = 0;
		for (uint32_t i = 0; i < n && i < OS_SLOTSHM_MAX_SLOTS; i++) {
			const struct os_slotshm_slot *s = &shm->slots[i];
			if (__atomic_load_n(&s->id, __ATOMIC_RELAXED) != slot_id)
				continue;
			*sessions = __atomic_load_n(&s->sessions, __ATOMIC_RELAXED);
			*rw_sessions = __atomic_load_n(&s->rw_sessions, __ATOMIC_RELAXED);
			found = true;
			break;
		}
	} while (seq_read_retry(&rd));
	return found;
}

void os_slotshm_write_begin(struct os_slotshm *shm)
{
	__atomic_store_n(&shm->seq, shm->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

void os_slotshm_write_end(struct os_slotshm *shm)
{
	__atomic_store_n(&shm->generation, shm->generation + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&shm->seq, shm->seq + 1, __ATOMIC_RELEASE);
}
