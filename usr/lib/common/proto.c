/*
 * The slotd wire-protocol codec (see proto.h for the frame layout).
 *
 * The protocol is data: one table, indexed by message type, gives each
 * type's name, payload signature and largest legal payload.  A receiver
 * never trusts a length it was sent: os_proto_check_header() bounds the
 * payload by the type's maximum before it is read, and os_proto_validate()
 * walks the signature over the payload, checking every field, so that the
 * code reading the fields afterwards cannot run past the end or meet an
 * over-long string.  Reasons for refusing a frame are static strings, safe
 * to log as they are.
 */
#include "proto.h"
#include "bytes.h"

#include <string.h>

/* Encoded sizes of the signature elements, at their largest. */
#define PROTO_U         4u
#define PROTO_Q         8u
#define PROTO_S         (4u + OS_PROTO_MAX_STR)
#define PROTO_MIN(a, b) ((a) < (b) ? (a) : (b))

/* One SLOTS entry, "qssssuuuu". */
#define PROTO_SLOT_ENTRY (PROTO_Q + 4 * PROTO_S + 4 * PROTO_U)
#define PROTO_SLOTS_MAX                                                      \
	PROTO_MIN(PROTO_Q + PROTO_U + OS_PROTO_MAX_ARRAY * PROTO_SLOT_ENTRY, \
	          (unsigned)OS_PROTO_MAX_PAYLOAD)

struct proto_msg {
	const char *name;
	const char *sig;
	uint32_t max_len;
	bool fd; /* may carry a descriptor */
};

#define PROTO_B(n) (4u + (n))

static const struct proto_msg proto_msgs[OS_MSG_TYPE_COUNT] = {
    [OS_MSG_HELLO] = {"HELLO", "uus", 2 * PROTO_U + PROTO_S, false},
    [OS_MSG_HELLO_OK] = {"HELLO_OK", "uqqu", 2 * PROTO_U + 2 * PROTO_Q, true},
    [OS_MSG_ERROR] = {"ERROR", "us", PROTO_U + PROTO_S, false},
    [OS_MSG_GET_SLOTS] = {"GET_SLOTS", "", 0, false},
    [OS_MSG_SLOTS] = {"SLOTS", "q[qssssuuuu]", PROTO_SLOTS_MAX, false},
    [OS_MSG_SESSION_COUNT] = {"SESSION_COUNT", "qqq", 3 * PROTO_Q, false},
    [OS_MSG_EVENT] = {"EVENT", "uqq", PROTO_U + 2 * PROTO_Q, false},
    [OS_MSG_PING] = {"PING", "", 0, false},
    [OS_MSG_PONG] = {"PONG", "q", PROTO_Q, false},
    [OS_MSG_OPEN_TOKEN] = {"OPEN_TOKEN", "q", PROTO_Q, false},
    [OS_MSG_TOKEN] = {"TOKEN", "qqq", 3 * PROTO_Q, true},
    [OS_MSG_OBJ_SAVE] = {"OBJ_SAVE", "qqb", 2 * PROTO_Q + PROTO_B(OS_PROTO_MAX_OBJECT), false},
    [OS_MSG_OBJ_DESTROY] = {"OBJ_DESTROY", "qq", 2 * PROTO_Q, false},
    [OS_MSG_OBJ_RESULT] = {"OBJ_RESULT", "qqq", 3 * PROTO_Q, false},
    [OS_MSG_LOGIN] = {"LOGIN", "qqb", 2 * PROTO_Q + PROTO_B(OS_PROTO_MAX_PIN), false},
    [OS_MSG_LOGIN_RESULT] = {"LOGIN_RESULT", "qqb", 2 * PROTO_Q + PROTO_B(64), false},
    [OS_MSG_LOGOUT] = {"LOGOUT", "q", PROTO_Q, false},
    [OS_MSG_INIT_TOKEN] = {"INIT_TOKEN", "qbb", PROTO_Q + PROTO_B(OS_PROTO_MAX_PIN) + PROTO_B(32),
                           false},
    [OS_MSG_INIT_PIN] = {"INIT_PIN", "qb", PROTO_Q + PROTO_B(OS_PROTO_MAX_PIN), false},
    [OS_MSG_SET_PIN] = {"SET_PIN", "qbb", PROTO_Q + 2 * PROTO_B(OS_PROTO_MAX_PIN), false},
    [OS_MSG_RESULT] = {"RESULT", "q", PROTO_Q, false},
    [OS_MSG_SET_KDF] = {"SET_KDF", "qqqq", 4 * PROTO_Q, false},
};

_Static_assert(PROTO_SLOTS_MAX == OS_PROTO_MAX_PAYLOAD, "SLOTS is bounded by the frame limit");

/* The table entry of a known type, or NULL. */
static const struct proto_msg *proto_lookup(uint16_t type)
{
	if (type == OS_MSG_INVALID || type >= OS_MSG_TYPE_COUNT)
		return NULL;
	return &proto_msgs[type];
}

/* Stores a refusal reason (when the caller wants one) and returns -1. */
static int proto_refuse(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

const char *os_proto_type_name(uint16_t type)
{
	const struct proto_msg *msg = proto_lookup(type);
	return msg ? msg->name : "unknown";
}

const char *os_proto_signature(uint16_t type)
{
	const struct proto_msg *msg = proto_lookup(type);
	return msg ? msg->sig : NULL;
}

bool os_proto_carries_fd(uint16_t type)
{
	const struct proto_msg *msg = proto_lookup(type);
	return msg && msg->fd;
}

/*
 * The decoded fields are stored in *out (when non-NULL) even when the header
 * is refused, so that a caller can log the type and serial it was sent.
 */
int os_proto_check_header(const unsigned char hdr[OS_PROTO_HEADER_LEN], struct os_frame_header *out,
                          const char **why)
{
	struct os_reader rd;
	struct os_frame_header h;

	os_reader_init(&rd, hdr, OS_PROTO_HEADER_LEN);
	uint32_t magic = os_reader_u32(&rd);
	h.version = os_reader_u16(&rd);
	h.type = os_reader_u16(&rd);
	h.length = os_reader_u32(&rd);
	h.serial = os_reader_u32(&rd);
	if (out)
		*out = h;

	if (magic != OS_PROTO_MAGIC)
		return proto_refuse(why, "bad magic");
	if (h.version != OS_PROTO_VERSION)
		return proto_refuse(why, "unsupported version");
	const struct proto_msg *msg = proto_lookup(h.type);
	if (!msg)
		return proto_refuse(why, "unknown message type");
	if (h.length > msg->max_len)
		return proto_refuse(why, "payload too large");
	return 0;
}

/* Given sig just after a '[', returns the character after its matching ']'. */
static const char *proto_sig_group_end(const char *sig)
{
	int depth = 1;

	for (; *sig; sig++) {
		if (*sig == '[')
			depth++;
		else if (*sig == ']' && --depth == 0)
			return sig + 1;
	}
	return sig;
}

/* Checks a string in place: its length, its bytes, no NUL among them. */
static const char *proto_check_str(struct os_reader *rd)
{
	uint32_t n = os_reader_u32(rd);

	if (os_reader_failed(rd))
		return "truncated payload";
	if (n > OS_PROTO_MAX_STR)
		return "string too long";
	if (n > rd->len - rd->pos)
		return "truncated payload";
	if (memchr(rd->data + rd->pos, '\0', n))
		return "string contains NUL";
	rd->pos += n;
	return NULL;
}

/* Checks a byte string in place: its length fits in what is left. */
static const char *proto_check_bytes(struct os_reader *rd)
{
	uint32_t n = os_reader_u32(rd);

	if (os_reader_failed(rd) || n > rd->len - rd->pos)
		return "truncated payload";
	rd->pos += n;
	return NULL;
}

static const char *proto_check_fields(struct os_reader *rd, const char *sig);

/*
 * Checks an array: a count, then that many elements, each matching the
 * signature that starts at body and ends at the closing ']'.
 */
static const char *proto_check_array(struct os_reader *rd, const char *body)
{
	uint32_t count = os_reader_u32(rd);

	if (os_reader_failed(rd))
		return "truncated payload";
	if (count > OS_PROTO_MAX_ARRAY)
		return "array too long";
	for (uint32_t i = 0; i < count; i++) {
		const char *err = proto_check_fields(rd, body);
		if (err)
			return err;
	}
	return NULL;
}

/*
 * Walks the signature from sig up to its end or the ']' closing the current
 * group, checking each field; returns NULL or the reason of the first
 * refusal.
 */
static const char *proto_check_fields(struct os_reader *rd, const char *sig)
{
	const char *err = NULL;

	while (*sig && *sig != ']' && !err) {
		switch (*sig) {
		case 'u':
			os_reader_u32(rd);
			break;
		case 'q':
			os_reader_u64(rd);
			break;
		case 's':
			err = proto_check_str(rd);
			break;
		case 'b':
			err = proto_check_bytes(rd);
			break;
		case '[':
			err = proto_check_array(rd, sig + 1);
			sig = proto_sig_group_end(sig + 1) - 1;
			break;
		default: /* not reached: the table holds only the letters above */
			return "bad signature";
		}
		if (!err && os_reader_failed(rd))
			err = "truncated payload";
		sig++;
	}
	return err;
}

int os_proto_validate(uint16_t type, const void *payload, size_t len, const char **why)
{
	const struct proto_msg *msg = proto_lookup(type);
	struct os_reader rd;

	if (!msg)
		return proto_refuse(why, "unknown message type");
	if (len > msg->max_len)
		return proto_refuse(why, "payload too large");

	os_reader_init(&rd, payload, len);
	const char *err = proto_check_fields(&rd, msg->sig);
	if (err)
		return proto_refuse(why, err);
	if (!os_reader_done(&rd))
		return proto_refuse(why, "trailing bytes");
	return 0;
}

size_t os_proto_begin(struct os_buf *buf, uint16_t type, uint32_t serial)
{
	size_t offset = buf->len;

	os_buf_add_u32(buf, OS_PROTO_MAGIC);
	os_buf_add_u16(buf, OS_PROTO_VERSION);
	os_buf_add_u16(buf, type);
	os_buf_add_u32(buf, 0);
	os_buf_add_u32(buf, serial);
	return offset;
}

int os_proto_end(struct os_buf *buf, size_t offset)
{
	if (os_buf_failed(buf) || offset > buf->len || buf->len - offset < OS_PROTO_HEADER_LEN)
		return -1;

	unsigned char *hdr = buf->data + offset;
	const struct proto_msg *msg = proto_lookup((uint16_t)os_get_be(hdr + 6, 2));
	size_t len = buf->len - offset - OS_PROTO_HEADER_LEN;
	if (!msg || len > msg->max_len)
		return -1;

	for (int i = 0; i < 4; i++)
		hdr[8 + i] = (unsigned char)(len >> (24 - 8 * i));
	return 0;
}
