/*
 * Per-token shared memory: creation by slotd, read-only attachment by
 * clients, and the sequence lock over the token information (see tokshm.h).
 */
#include "tokshm.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A read-only open file description of the memfd behind fd. */
static int tokshm_reopen_ro(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int tok_shm_create(struct tok_shm_map *map, int *ro_fd, char *err, size_t errlen)
{
	const size_t size = sizeof(struct os_tokshm);
	int fd = memfd_create("openslot-token", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *addr = MAP_FAILED;

	map->shm = NULL;
	*ro_fd = -1;
	/*
	 * The memfd's mode lets anyone who holds a descriptor open it again for
	 * writing through /proc, so the seals, not the descriptor's mode, keep
	 * clients out: once slotd's own mapping exists, no descriptor can write
	 * or map the segment writable again, nor resize it.
	 */
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0 ||
	    (addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED ||
	    fcntl(fd, F_ADD_SEALS,
	          F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) < 0 ||
	    (*ro_fd = tokshm_reopen_ro(fd)) < 0) {
		snprintf(err, errlen, "cannot create a token segment: %s", strerror(errno));
		if (addr != MAP_FAILED)
			munmap(addr, size);
		if (*ro_fd >= 0)
			close(*ro_fd);
		*ro_fd = -1;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	map->shm = addr;
	map->shm->magic = OS_TOKSHM_MAGIC;
	map->shm->version = OS_TOKSHM_VERSION;
	map->shm->size = size;
	return 0;
}

int tok_shm_attach_fd(int fd, struct tok_shm_map *map, char *err, size_t errlen)
{
	struct stat st;
	void *addr;

	map->shm = NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != sizeof(struct os_tokshm)) {
		snprintf(err, errlen, "the token segment slotd sent is not %zu bytes",
		         sizeof(struct os_tokshm));
		return -1;
	}
	addr = mmap(NULL, sizeof(struct os_tokshm), PROT_READ, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the token segment: %s", strerror(errno));
		return -1;
	}
	map->shm = addr;
	if (map->shm->magic != OS_TOKSHM_MAGIC || map->shm->version != OS_TOKSHM_VERSION ||
	    map->shm->size != sizeof(struct os_tokshm)) {
		snprintf(err, errlen, "the token segment is not an openslot v%d segment",
		         OS_TOKSHM_VERSION);
		tok_shm_detach(map);
		return -1;
	}
	return 0;
}

void tok_shm_detach(struct tok_shm_map *map)
{
	if (map->shm)
		munmap(map->shm, sizeof(struct os_tokshm));
	map->shm = NULL;
}

void tok_shm_publish_info(struct os_tokshm *shm, const struct tok_shm_info *info)
{
	__atomic_add_fetch(&shm->seq, 1, __ATOMIC_ACQ_REL);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	shm->flags = info->flags;
	shm->min_pin = info->min_pin;
	shm->max_pin = info->max_pin;
	memcpy(shm->label, info->label, sizeof(shm->label));
	__atomic_add_fetch(&shm->seq, 1, __ATOMIC_RELEASE);
	tok_shm_bump(&shm->token_generation);
}

void tok_shm_read_info(const struct os_tokshm *shm, struct tok_shm_info *info)
{
	/* slotd never dies inside the few stores above for long: retry a while, then take what is there. */
	for (int tries = 0; tries < 1000; tries++) {
		uint64_t seq = __atomic_load_n(&shm->seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			sched_yield();
			continue;
		}
		info->flags = shm->flags;
		info->min_pin = shm->min_pin;
		info->max_pin = shm->max_pin;
		memcpy(info->label, shm->label, sizeof(info->label));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&shm->seq, __ATOMIC_RELAXED) == seq)
			return;
	}
}

uint64_t tok_shm_load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_ACQUIRE);
}

uint64_t tok_shm_bump(uint64_t *counter)
{
	return tok_shm_add(counter, 1);
}

uint64_t tok_shm_add(uint64_t *counter, uint64_t n)
{
	return __atomic_add_fetch(counter, n, __ATOMIC_ACQ_REL);
}

static uint64_t tokshm_apply(uint64_t v, int64_t d)
{
	uint64_t m = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;

	if (d < 0)
		return m > v ? 0 : v - m;
	return m > UINT64_MAX - v ? UINT64_MAX : v + m;
}

void tok_shm_add_sessions(struct os_tokshm *shm, int64_t d, int64_t d_rw)
{
	/* slotd is the only writer: a load and a store need no read-modify-write */
	__atomic_store_n(&shm->sessions, tokshm_apply(tok_shm_load(&shm->sessions), d),
	                 __ATOMIC_RELEASE);
	__atomic_store_n(&shm->rw_sessions, tokshm_apply(tok_shm_load(&shm->rw_sessions), d_rw),
	                 __ATOMIC_RELEASE);
}
