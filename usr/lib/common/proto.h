/*
 * The slotd wire protocol.
 *
 * Every message is a frame: a fixed 16-byte header followed by a payload.
 *
 *   offset  size  field
 *        0     4  magic    OS_PROTO_MAGIC
 *        4     2  version  OS_PROTO_VERSION
 *        6     2  type     enum os_msg_type
 *       8     4  length   payload bytes that follow (<= the type's maximum)
 *       12     4  serial   chosen by the requester, echoed in the reply
 *
 * All integers are big-endian.  The payload of each type is described by a
 * signature in a table (see proto.c):
 *
 *   'u'  u32            'q'  u64
 *   's'  string: u32 length, then that many bytes (no NUL); at most
 *        OS_PROTO_MAX_STR bytes and no embedded NUL
 *   'b'  bytes: u32 length, then that many bytes of any value; bounded
 *        only by the frame (PINs, keys, encoded attribute sets)
 *   '['  u32 count N (<= OS_PROTO_MAX_ARRAY), then N repetitions of the
 *        signature up to the matching ']'
 *
 * A receiver checks the header with os_proto_check_header() and the payload
 * with os_proto_validate() before reading any field; a frame that fails
 * either check is a protocol error and the peer is dropped.  Nothing is ever
 * sent as a raw C struct.
 *
 * File descriptors travel beside a frame as SCM_RIGHTS ancillary data, only
 * from slotd to a client and only with the types marked "+fd" below; slotd
 * never accepts a descriptor from a client.
 *
 * Requests that change token state (OBJ_SAVE to SET_PIN, SET_KDF) are answered in
 * the order they were sent; slotd holds the reply of a change until the
 * change is durable.
 */
#ifndef OS_PROTO_H
#define OS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define OS_PROTO_MAGIC       0x4f534c54u /* "OSLT" */
#define OS_PROTO_VERSION     2
#define OS_PROTO_HEADER_LEN  16
#define OS_PROTO_MAX_PAYLOAD (64 * 1024)
#define OS_PROTO_MAX_STR     256
#define OS_PROTO_MAX_ARRAY   256
/* The largest encoded attribute set an OBJ_SAVE may carry. */
#define OS_PROTO_MAX_OBJECT (1024 * 1024)
#define OS_PROTO_MAX_PIN    128

enum os_msg_type {
	OS_MSG_INVALID = 0,
	/* client -> slotd: "uus" min version, max version, client name */
	OS_MSG_HELLO = 1,
	/*
	 * slotd -> client, +fd (the slotd segment, read-only): "uqqu" version,
	 * slotd pid, shm size, n slots
	 */
	OS_MSG_HELLO_OK = 2,
	/* slotd -> client: "us" error code (enum os_proto_err), message */
	OS_MSG_ERROR = 3,
	/* client -> slotd: "" ask for the slot table */
	OS_MSG_GET_SLOTS = 4,
	/*
	 * slotd -> client: "q[qssssuuuu]" table generation, then per slot:
	 * id, backend, token name, description, manufacturer,
	 * hw version (major << 8 | minor), fw version, flags, log_calls
	 */
	OS_MSG_SLOTS = 5,
	/*
	 * client -> slotd: "qqq" slot id, this client's open sessions on the
	 * slot, of which read/write.  Absolute counts, so repeats are harmless.
	 * No reply.
	 */
	OS_MSG_SESSION_COUNT = 6,
	/* slotd -> client, unsolicited: "uqq" event kind, slot id, generation */
	OS_MSG_EVENT = 7,
	/* client -> slotd: "" round trip; slotd answers PONG after all earlier
	 * messages from this client were applied */
	OS_MSG_PING = 8,
	/* slotd -> client: "q" shm generation after earlier messages applied */
	OS_MSG_PONG = 9,
	/* client -> slotd: "q" slot id: the token's shared memory, please */
	OS_MSG_OPEN_TOKEN = 10,
	/*
	 * slotd -> client, +fd when rv is CKR_OK (the token segment,
	 * read-only): "qqq" slot id, rv, uid owning the token files
	 */
	OS_MSG_TOKEN = 11,
	/*
	 * client -> slotd: "qqb" slot id, object id (0: a new object), the
	 * object's attributes (tok_attrs encoding)
	 */
	OS_MSG_OBJ_SAVE = 12,
	/* client -> slotd: "qq" slot id, object id */
	OS_MSG_OBJ_DESTROY = 13,
	/* slotd -> client: "qqq" rv, object id, generation */
	OS_MSG_OBJ_RESULT = 14,
	/* client -> slotd: "qqb" slot id, user type, PIN */
	OS_MSG_LOGIN = 15,
	/* slotd -> client: "qqb" rv, user type, master key (empty unless rv is CKR_OK) */
	OS_MSG_LOGIN_RESULT = 16,
	/* client -> slotd: "q" slot id */
	OS_MSG_LOGOUT = 17,
	/* client -> slotd: "qbb" slot id, SO PIN, label (32 bytes, blank padded) */
	OS_MSG_INIT_TOKEN = 18,
	/* client -> slotd: "qb" slot id, new user PIN (the SO is logged in) */
	OS_MSG_INIT_PIN = 19,
	/* client -> slotd: "qbb" slot id, old PIN, new PIN */
	OS_MSG_SET_PIN = 20,
	/* slotd -> client: "q" rv of LOGOUT, INIT_TOKEN, INIT_PIN, SET_PIN, SET_KDF */
	OS_MSG_RESULT = 21,
	/*
	 * client -> slotd: "qqqq" slot id, Argon2id m (KiB), t, p for the
	 * token's new PINs (all zero: back to the slot options).  Only for a
	 * connection logged in as the SO on that token.
	 */
	OS_MSG_SET_KDF = 22,
	OS_MSG_TYPE_COUNT
};

enum os_event_kind {
	OS_EVENT_SLOT_CHANGED = 1,
	OS_EVENT_TOKEN_CHANGED = 2,
	OS_EVENT_CONFIG_RELOADED = 3,
	OS_EVENT_SHUTDOWN = 4,
};

enum os_proto_err {
	OS_PROTO_ERR_VERSION = 1,    /* no common protocol version */
	OS_PROTO_ERR_PERMISSION = 2, /* peer not allowed (SO_PEERCRED check) */
	OS_PROTO_ERR_STATE = 3,      /* message not allowed before HELLO */
	OS_PROTO_ERR_UNKNOWN_SLOT = 4,
};

struct os_frame_header {
	uint16_t version;
	uint16_t type;
	uint32_t length;
	uint32_t serial;
};

/* Name of a message type for logs ("HELLO"), or "unknown". */
const char *os_proto_type_name(uint16_t type);

/* Signature string of a type, or NULL for an unknown type. */
const char *os_proto_signature(uint16_t type);

/* Whether a frame of this type may carry a file descriptor (slotd -> client). */
bool os_proto_carries_fd(uint16_t type);

/*
 * Decodes and checks a 16-byte header: magic, version, known type and length
 * within OS_PROTO_MAX_PAYLOAD.  Returns 0, or -1 with a reason in *why.
 */
int os_proto_check_header(const unsigned char hdr[OS_PROTO_HEADER_LEN], struct os_frame_header *out,
                          const char **why);

/*
 * Checks that a payload matches its type's signature exactly: every field
 * present, every length within bounds, no bytes left over.  Returns 0, or -1
 * with a reason in *why.
 */
int os_proto_validate(uint16_t type, const void *payload, size_t len, const char **why);

/*
 * Starts a frame of the given type in buf: writes a header with a zero
 * length and returns the offset of the header, to pass to os_proto_end().
 */
size_t os_proto_begin(struct os_buf *buf, uint16_t type, uint32_t serial);

/*
 * Finishes the frame begun at offset: patches the payload length into the
 * header.  Returns -1 when the buffer failed or the payload is too large.
 */
int os_proto_end(struct os_buf *buf, size_t offset);

#endif
