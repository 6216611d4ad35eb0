/*
 * The slotd shared-memory segment: the slot table and the machine-wide
 * session counts, written only by slotd and mapped read-only by clients.
 *
 * Its name comes from the run directory (os_paths_shm_name(run, "slotd")),
 * its mode is 0640 with the configured group; clients map the read-only
 * descriptor slotd sends them at connect and never open the name.  Writers follow a sequence
 * lock: slotd makes seq odd, changes fields, makes seq even again; a reader
 * copies what it needs and retries when seq was odd or changed meanwhile.
 * The layout is fixed by the _Static_asserts below; any change bumps
 * OS_SLOTSHM_VERSION.
 */
#ifndef OS_SLOTSHM_H
#define OS_SLOTSHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define OS_SLOTSHM_MAGIC     0x4f53534du /* "OSSM" */
#define OS_SLOTSHM_VERSION   1
#define OS_SLOTSHM_MAX_SLOTS OS_CONF_MAX_SLOTS

/* Slot flags in the table. */
#define OS_SLOTSHM_SLOT_LOG_CALLS 0x1u

struct os_slotshm_slot {
	uint64_t id;
	uint64_t sessions;         /* open sessions, all processes */
	uint64_t rw_sessions;      /* of which read/write */
	uint64_t token_generation; /* bumped when a client reports a token change */
	uint32_t flags;
	uint8_t hw_major, hw_minor, fw_major, fw_minor;
	char backend[16];
	char token[40];
	char description[72];
	char manufacturer[40];
};

struct os_slotshm {
	uint32_t magic;
	uint32_t version;
	uint64_t size;             /* sizeof(struct os_slotshm) */
	uint64_t seq;              /* sequence lock, odd while slotd writes */
	uint64_t generation;       /* bumped on every change */
	uint64_t table_generation; /* bumped when the slot table changes */
	uint64_t slotd_pid;
	uint32_t n_slots;
	uint32_t reserved;
	struct os_slotshm_slot slots[OS_SLOTSHM_MAX_SLOTS];
};

_Static_assert(sizeof(struct os_slotshm_slot) == 208, "slot entry layout");
_Static_assert(offsetof(struct os_slotshm, slots) == 56, "shm header layout");
_Static_assert(sizeof(struct os_slotshm) == 56 + 208 * OS_SLOTSHM_MAX_SLOTS, "shm layout");

/* A read-only mapping of the segment, as a client holds it. */
struct os_slotshm_map {
	const struct os_slotshm *shm;
	size_t size;
};

/*
 * Opens and maps the named segment read-only and validates magic, version
 * and size.  Returns 0, or -1 with a reason in err.
 */
int os_slotshm_attach(const char *name, struct os_slotshm_map *map, char *err, size_t errlen);
/* The same for the descriptor slotd sends at connect (left open). */
int os_slotshm_attach_fd(int fd, struct os_slotshm_map *map, char *err, size_t errlen);
void os_slotshm_detach(struct os_slotshm_map *map);

/* A consistent copy of the whole segment (sequence-lock read). */
void os_slotshm_snapshot(const struct os_slotshm *shm, struct os_slotshm *copy);

/*
 * Consistent session counts of one slot; returns false when the slot is not
 * in the table.
 */
bool os_slotshm_counts(const struct os_slotshm *shm, uint64_t slot_id, uint64_t *sessions,
                       uint64_t *rw_sessions);

/*
 * Whether two entries describe the same slot (id, token, backend, texts,
 * versions and flags); the counts and token generation are not compared.
 */
bool os_slotshm_slot_same(const struct os_slotshm_slot *a, const struct os_slotshm_slot *b);

/* Sequence-lock helpers for the writer (slotd). */
void os_slotshm_write_begin(struct os_slotshm *shm);
void os_slotshm_write_end(struct os_slotshm *shm);

#endif
