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
#include <sys/types.h>

#include "buf.h"
#include "conf.h"

#define OS_CLIENT_TIMEOUT_MS 5000
/* Changes wait for slotd's KDF and disk: a longer deadline. */
#define OS_CLIENT_CALL_TIMEOUT_MS 60000

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

#define OS_CLIENT_MAX_FDS 4

/* Why a connect failed, for a message that tells a person what to do. */
enum os_client_failure {
	OS_CLIENT_FAIL_OTHER = 0,
	OS_CLIENT_FAIL_ABSENT, /* no socket, or no listener on it: slotd is not running */
	OS_CLIENT_FAIL_DENIED, /* the socket's permissions refuse this user */
	OS_CLIENT_FAIL_PEER,   /* the server on the socket is not slotd's user */
};

struct os_client {
	int fd;
	uint32_t serial;
	uint32_t version;
	uint64_t slotd_pid;
	uid_t slotd_uid; /* SO_PEERCRED of the socket, checked at connect */
	int shm_fd;      /* the slotd segment, read-only, from HELLO_OK (-1: taken) */
	uint64_t shm_size;
	uint32_t n_slots;
	struct os_buf in;           /* bytes received, not yet a whole frame */
	int fds[OS_CLIENT_MAX_FDS]; /* descriptors received, oldest first */
	size_t n_fds;
	struct os_client_event *events;
	size_t n_events;
	size_t cap_events;
	/* After a failed connect (the rest is cleared): why, and errno then. */
	enum os_client_failure failure;
	int failure_errno;
};

/*
 * Connects to the slotd socket at path and performs the handshake.  Before
 * a byte is read the server is authenticated with SO_PEERCRED: it must run
 * as root, as this process's effective user, or as trusted_uid (pass
 * (uid_t)-1 for none: slotd's configured user).  Returns 0, or -1 with a
 * one-line reason in err (slotd not running, permission denied: not in the
 * group, an impostor on the socket, version mismatch, timeout); cl->failure
 * and cl->failure_errno then tell the cause.
 */
int os_client_connect_trusting(struct os_client *cl, const char *path, const char *name,
                               uid_t trusted_uid, char *err, size_t errlen);
/*
 * The same for the slotd of a configuration: its socket in the run
 * directory, trusting its configured user.
 */
int os_client_connect_conf(struct os_client *cl, const struct os_conf *conf, const char *name,
                           char *err, size_t errlen);
/* The same, trusting root and this process's effective user only. */
int os_client_connect(struct os_client *cl, const char *path, const char *name, char *err,
                      size_t errlen);
void os_client_close(struct os_client *cl);

/* Takes the slotd segment's descriptor received at connect (the caller closes it); -1 if none. */
int os_client_take_shm_fd(struct os_client *cl);

/*
 * Asks for a token's shared memory: returns CKR_OK (0) with *fd a
 * read-only descriptor of the segment and *owner the uid owning the token
 * files, a PKCS#11 error slotd gave, or -1 when the connection failed.
 */
long os_client_open_token(struct os_client *cl, uint64_t slot_id, int *fd, uid_t *owner);

/*
 * A request that changes token state, answered by an OS_MSG_RESULT: build
 * its payload with os_client_begin(), add fields, then os_client_call().
 */
size_t os_client_begin(struct os_client *cl, struct os_buf *buf, uint16_t type);
/*
 * Sends the frame in buf (freed) and waits for the reply of type
 * reply_type; its payload is copied to *reply (caller frees with
 * os_buf_free).  Returns 0, or -1 when the connection failed or slotd
 * answered with something else (then the connection is unusable).
 */
int os_client_call(struct os_client *cl, struct os_buf *buf, size_t at, uint16_t reply_type,
                   struct os_buf *reply);

/* Fetches the slot table; *slots is malloc'ed (free it). Returns 0 or -1. */
int os_client_get_slots(struct os_client *cl, struct os_client_slot **slots, size_t *n,
                        uint64_t *generation);

/* Tells slotd this client's session counts on a slot (no reply). */
int os_client_session_count(struct os_client *cl, uint64_t slot_id, uint64_t sessions,
                            uint64_t rw_sessions);

/* Round trip: returns once slotd has applied every earlier message. */
int os_client_ping(struct os_client *cl, uint64_t *generation);

/*
 * Waits up to timeout_ms (-1: no limit, 0: do not wait) for a pushed event.
 * Returns 1 with *ev filled, 0 on timeout, -1 when the connection failed
 * (slotd gone).
 */
int os_client_next_event(struct os_client *cl, int timeout_ms, struct os_client_event *ev);

#endif
