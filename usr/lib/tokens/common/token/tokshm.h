/*
 * The per-token shared memory segment: state of one token shared by every
 * process that uses it.
 *
 * slotd creates one segment per token (an anonymous memfd, sealed against
 * resizing and against any write but through slotd's own mapping) and is
 * its only writer.  Clients receive a read-only descriptor of it over the
 * socket (SCM_RIGHTS) and map it PROT_READ; it is never opened by name, so
 * no other user can create it first, truncate it or write to it, not even
 * through a descriptor opened again from /proc.
 *
 * The counters only grow; slotd bumps them once a change to the token's
 * files is durable, objects_generation by exactly one per object change, so
 * a process that sees it grown by one since it sent its own change knows
 * that change is the only one.  A process compares them with what it saw
 * last to learn that the token changed.  The token information (label and the
 * CK_TOKEN_INFO flags slotd vouches for, PIN state included, since the file
 * that holds the PIN state is readable by slotd alone) is written under a
 * sequence lock.
 */
#ifndef OS_TOKSHM_H
#define OS_TOKSHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OS_TOKSHM_MAGIC   0x4f53544bu /* "OSTK" */
#define OS_TOKSHM_VERSION 2

struct os_tokshm {
	uint32_t magic;
	uint32_t version;
	uint64_t size;
	uint64_t token_generation;   /* token info or PINs changed */
	uint64_t objects_generation; /* a token object was created, changed or destroyed */
	uint64_t seq;                /* sequence lock over the fields below; odd while written */
	uint64_t flags;              /* CK_TOKEN_INFO flags from the token's files */
	uint32_t min_pin;
	uint32_t max_pin;
	char label[32]; /* blank padded */
	/* A per-user token's open sessions in all its user's processes (the
	 * counts of any other token are machine-wide, in slotd's segment). */
	uint64_t sessions;
	uint64_t rw_sessions;
	uint64_t reserved[19];
};

_Static_assert(sizeof(struct os_tokshm) == 256, "per-token shm layout");
_Static_assert(offsetof(struct os_tokshm, label) == 56, "per-token shm header");

struct tok_shm_map {
	struct os_tokshm *shm;
};

/* What a client reads of the token information. */
struct tok_shm_info {
	uint64_t flags;
	uint32_t min_pin;
	uint32_t max_pin;
	char label[32];
};

/*
 * slotd: creates a token's segment mapped read-write in *map, and a
 * read-only descriptor of it in *ro_fd to hand to clients.  Returns 0, or -1
 * with a reason in err.
 */
int tok_shm_create(struct tok_shm_map *map, int *ro_fd, char *err, size_t errlen);

/*
 * Client: maps the segment behind fd read-only and validates its size, magic
 * and version.  fd stays the caller's.  Returns 0, or -1 with a reason.
 */
int tok_shm_attach_fd(int fd, struct tok_shm_map *map, char *err, size_t errlen);
void tok_shm_detach(struct tok_shm_map *map);

/* slotd: publishes the token information (sequence lock) and bumps token_generation. */
void tok_shm_publish_info(struct os_tokshm *shm, const struct tok_shm_info *info);
/* Client: a consistent copy of the token information. */
void tok_shm_read_info(const struct os_tokshm *shm, struct tok_shm_info *info);

/* slotd: adds d and d_rw to the session counts, each kept within 0..UINT64_MAX. */
void tok_shm_add_sessions(struct os_tokshm *shm, int64_t d, int64_t d_rw);

/* Atomic reads and bumps of the counters. */
uint64_t tok_shm_load(const uint64_t *counter);
uint64_t tok_shm_bump(uint64_t *counter);
uint64_t tok_shm_add(uint64_t *counter, uint64_t n);

#endif
