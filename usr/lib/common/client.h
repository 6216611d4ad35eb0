/*
 * The client side of the slotd protocol, shared by the PKCS#11 library,
 * pkcsconf, `slotd --status` and the tests.
 *
 * A connection is one Unix stream socket kept open for the life of the
 * client: slotd learns of the client's death from the hang-up and pushes
 * events on it.  Requests wait for their reply with a timeout, so a stuck or
 * vanished slotd gives an error, never a hang.  Events that arrive while a
 * reply is awaited are queued and handed out by os_client_next_event().
 *
 * A struct os_client is not locked: callers that share one between threads
 * serialise the calls themselves.
 */
#ifndef OS_CLIENT_H
#define OS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"

#define OS_CLIENT_TIMEOUT_MS 5000

struct os_client_slot {
	uint64_t id;
	char backend[OS_CONF_BACKEND_MAX + 1];
	char token[OS_CONF_TOKEN_MAX + 1];
	char description[OS_CONF_DESCRIPTION_MAX + 1];
	char manufacturer[OS_CONF_MANUFACTURER_MAX + 1];
	uint8_t hw_major, hw_minor, fw_major, fw_minor;
	uint32_t flags;
	bool log_calls;
};

struct os_client_event {
	uint32_t kind; /* enum os_event_kind */
	uint64_t slot_id;
	uint64_t generation;
};

struct os_client {
	int fd;
	uint32_t serial;
	uint32_t version;
	uint64_t slotd_pid;
	char shm_name[OS_CONF_OPTION_MAX + 1];
	uint64_t shm_size;
	uint32_t n_slots;
	struct os_buf in; /* bytes received, not yet a whole frame */
	struct os_client_event *events;
	size_t n_events;
	size_t cap_events;
};

/*
 * Connects to the slotd socket at path and performs the handshake.
 * Returns 0, or -1 with a one-line reason in err (slotd not running,
 * permission denied: not in the group, version mismatch, timeout).
 */
int os_client_connect(struct os_client *cl, const char *path, const char *name, char *err,
                      size_t errlen);
void os_client_close(struct os_client *cl);

/* Fetches the slot table; *slots is malloc'ed (free it). Returns 0 or -1. */
int os_client_get_slots(struct os_client *cl, struct os_client_slot **slots, size_t *n,
                        uint64_t *generation);

/* Tells slotd this client's session counts on a slot (no reply). */
int os_client_session_count(struct os_client *cl, uint64_t slot_id, uint64_t sessions,
                            uint64_t rw_sessions);

/* Tells slotd this client changed the token in a slot (no reply). */
int os_client_token_changed(struct os_client *cl, uint64_t slot_id);

/* Round trip: returns once slotd has applied every earlier message. */
int os_client_ping(struct os_client *cl, uint64_t *generation);

/*
 * Waits up to timeout_ms (-1: no limit, 0: do not wait) for a pushed event.
 * Returns 1 with *ev filled, 0 on timeout, -1 when the connection failed
 * (slotd gone).
 */
int os_client_next_event(struct os_client *cl, int timeout_ms, struct os_client_event *ev);

#endif
