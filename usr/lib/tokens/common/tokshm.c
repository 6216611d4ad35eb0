/*
 * Per-token shared memory: attach, create and validate (see tokshm.h).
 */
#include "tokshm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

/* Returns 0 when created, 1 when it already existed, -1 on error. */
static int tokshm_create(const char *name, gid_t gid, char *err, size_t errlen)
{
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0660);

	if (fd < 0 && errno == EEXIST)
		return 1;
	if (fd < 0) {
		snprintf(err, errlen, "cannot create shared memory %s: %s", name, strerror(errno));
		return -1;
	}
	struct os_tokshm init = {
	    .magic = OS_TOKSHM_MAGIC,
	    .version = OS_TOKSHM_VERSION,
	    .size = sizeof(struct os_tokshm),
	};
	if (fchown(fd, (uid_t)-1, gid) < 0 || fchmod(fd, 0660) < 0 ||
	    pwrite(fd, &init, sizeof(init), 0) != (ssize_t)sizeof(init)) {
		snprintf(err, errlen, "cannot set up shared memory %s: %s", name, strerror(errno));
		close(fd);
		shm_unlink(name);
		return -1;
	}
	close(fd);
	return 0;
}

static int tokshm_check(int fd, const char *name, gid_t gid, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat shared memory %s: %s", name, strerror(errno));
		return -1;
	}
	if ((size_t)st.st_size != sizeof(struct os_tokshm) || st.st_gid != gid ||
	    (st.st_mode & 0777) != 0660) {
		snprintf(err, errlen,
		         "shared memory /dev/shm%s has size %lld, group %ld, mode %03o "
		         "(expected %zu, %ld, 660); refusing it: remove it when no openslot "
		         "process is running",
		         name, (long long)st.st_size, (long)st.st_gid, st.st_mode & 0777,
		         sizeof(struct os_tokshm), (long)gid);
		return -1;
	}
	return 0;
}

static int tokshm_map(const char *name, gid_t gid, struct tok_shm_map *map, char *err,
                      size_t errlen)
{
	int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	void *addr;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open shared memory %s: %s", name, strerror(errno));
		return -1;
	}
	if (tokshm_check(fd, name, gid, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	addr = mmap(NULL, sizeof(struct os_tokshm), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (addr == MAP_FAILED) {
		snprintf(err, errlen, "cannot map shared memory %s: %s", name, strerror(errno));
		return -1;
	}
	map->shm = addr;
	if (map->shm->magic != OS_TOKSHM_MAGIC || map->shm->version != OS_TOKSHM_VERSION ||
	    map->shm->size != sizeof(struct os_tokshm)) {
		snprintf(err, errlen, "shared memory %s is not an openslot v%d token segment", name,
		         OS_TOKSHM_VERSION);
		tok_shm_detach(map);
		return -1;
	}
	return 0;
}

int tok_shm_attach(const char *data_dir, int lock_fd, gid_t gid, struct tok_shm_map *map, char *err,
                   size_t errlen)
{
	int rv;

	memset(map, 0, sizeof(*map));
	if (os_paths_shm_name(map->name, sizeof(map->name), data_dir, NULL) < 0) {
		snprintf(err, errlen, "data directory %s gives no valid shm name", data_dir);
		return -1;
	}
	if (flock(lock_fd, LOCK_EX) < 0) {
		snprintf(err, errlen, "cannot lock the token: %s", strerror(errno));
		return -1;
	}
	/* 0: made it now, 1: it existed; either way map and validate it */
	rv = tokshm_create(map->name, gid, err, errlen);
	if (rv >= 0)
		rv = tokshm_map(map->name, gid, map, err, errlen);
	flock(lock_fd, LOCK_UN);
	return rv < 0 ? -1 : 0;
}

void tok_shm_detach(struct tok_shm_map *map)
{
	if (map->shm)
		munmap(map->shm, sizeof(struct os_tokshm));
	map->shm = NULL;
}

uint64_t tok_shm_load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_ACQUIRE);
}

uint64_t tok_shm_bump(uint64_t *counter)
{
	return __atomic_add_fetch(counter, 1, __ATOMIC_ACQ_REL);
}
