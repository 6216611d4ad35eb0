/*
 * The per-token shared memory segment: state of one token shared by every
 * process that uses it.
 *
 * Named from the token's data directory ("/var/lib/openslot/softtok" gives
 * "/var.lib.openslot.softtok"), mode 0660, group of the openslot group.  It
 * is created by the first process that needs it, under the token's lock
 * file, and validated by every later one: a segment of the wrong size, mode
 * or group is refused, never reinitialised, since another process may be
 * using it.  Counters only grow; a process compares them with what it saw
 * last to learn that another process changed the token.
 */
#ifndef OS_TOKSHM_H
#define OS_TOKSHM_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OS_TOKSHM_MAGIC   0x4f53544bu /* "OSTK" */
#define OS_TOKSHM_VERSION 1

struct os_tokshm {
	uint32_t magic;
	uint32_t version;
	uint64_t size;
	uint64_t token_generation;   /* token info or PINs changed */
	uint64_t objects_generation; /* a token object was created, changed or destroyed */
	uint64_t reserved[28];
};

_Static_assert(sizeof(struct os_tokshm) == 256, "per-token shm layout");

struct tok_shm_map {
	struct os_tokshm *shm;
	char name[NAME_MAX + 1];
};

/*
 * Attaches (creating when missing) the segment of data_dir.  lock_fd is the
 * token's lock file, held exclusively while the segment is created; gid is
 * the group the segment must belong to.  Returns 0, or -1 with a reason in
 * err.
 */
int tok_shm_attach(const char *data_dir, int lock_fd, gid_t gid, struct tok_shm_map *map, char *err,
                   size_t errlen);
void tok_shm_detach(struct tok_shm_map *map);

/* Atomic reads and bumps of the counters. */
uint64_t tok_shm_load(const uint64_t *counter);
uint64_t tok_shm_bump(uint64_t *counter);

#endif
