/*
 * `slotd --status`: asks the running slotd for its slot table over the
 * socket, as any client would, and reads the machine-wide session counts
 * from its shared memory.
 */
#include "slotd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "log.h"
#include "paths.h"

static void status_print(const struct os_client *cl, const struct os_client_slot *slots, size_t n,
                         const struct os_slotshm *shm)
{
	printf("slotd pid %" PRIu64 ", protocol %u\n", cl->slotd_pid, cl->version);
	printf("shared memory generation %" PRIu64 "\n", shm->generation);
	printf("%-6s %-8s %-16s %9s %9s  %s\n", "SLOT", "BACKEND", "TOKEN", "SESSIONS", "RW",
	       "DESCRIPTION");
	for (size_t i = 0; i < n; i++) {
		uint64_t sessions = 0, rw = 0;
		os_slotshm_counts(shm, slots[i].id, &sessions, &rw);
		printf("%-6" PRIu64 " %-8s %-16s %9" PRIu64 " %9" PRIu64 "  %s\n", slots[i].id,
		       slots[i].backend, slots[i].token, sessions, rw, slots[i].description);
	}
}

int slotd_status(const struct os_conf *conf)
{
	struct os_client cl;
	struct os_slotshm_map map;
	struct os_client_slot *slots;
	uint64_t gen;
	size_t n;
	char err[512];

	if (os_client_connect_conf(&cl, conf, "slotd-status", err, sizeof(err)) < 0)
		return os_log_fail(SLOTD_EXIT_RUNTIME, "%s", err);
	if (os_client_get_slots(&cl, &slots, &n, &gen) < 0) {
		os_client_close(&cl);
		return os_log_fail(SLOTD_EXIT_RUNTIME, "slotd did not send its slot table");
	}
	if (os_slotshm_attach_fd(cl.shm_fd, &map, err, sizeof(err)) < 0) {
		free(slots);
		os_client_close(&cl);
		return os_log_fail(SLOTD_EXIT_RUNTIME, "%s", err);
	}
	status_print(&cl, slots, n, map.shm);
	os_slotshm_detach(&map);
	free(slots);
	os_client_close(&cl);
	return 0;
}
