/*
 * The client side of the slotd protocol (see client.h).
 *
 * Every read waits with poll() and a deadline; frames are checked with the
 * same codec slotd uses before any field is read, and a bad frame from slotd
 * is treated like a lost connection.  Nothing is read before the peer on the
 * socket has proved with SO_PEERCRED that it runs as a trusted user, so a
 * member of the group who manages to serve the socket path cannot feed a
 * client anything.  Descriptors slotd sends beside a frame are queued in
 * arrival order and taken by the reader of the frame that announced one.
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "proto.h"

struct client_frame {
	struct os_frame_header hdr;
	unsigned char *payload; /* points into cl->in, valid until the next read */
};

static int64_t client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int client_send(struct os_client *cl, const struct os_buf *buf)
{
	size_t off = 0;

	while (off < buf->len) {
		ssize_t n = send(cl->fd, buf->data + off, buf->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = cl->fd, .events = POLLOUT};
			if (poll(&pfd, 1, OS_CLIENT_TIMEOUT_MS) <= 0)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Builds a frame with the payload produced by fill (may be NULL) and sends it. */
static int client_request(struct os_client *cl, uint16_t type,
                          void (*fill)(struct os_buf *, const uint64_t *), const uint64_t *args)
{
	struct os_buf buf;
	int rv;

	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, type, ++cl->serial);
	if (fill)
		fill(&buf, args);
	rv = os_proto_end(&buf, at) == 0 ? client_send(cl, &buf) : -1;
	os_buf_free(&buf);
	return rv;
}

/* Drops the frame at the head of cl->in once its handler is done with it. */
static void client_consume(struct os_client *cl, const struct client_frame *fr)
{
	os_buf_consume(&cl->in, OS_PROTO_HEADER_LEN + fr->hdr.length);
}

/*
 * Returns 1 when a whole valid frame is at the head of cl->in, 0 when more
 * bytes are needed, -1 on a protocol error.
 */
static int client_parse(struct os_client *cl, struct client_frame *fr)
{
	const char *why;

	if (cl->in.len < OS_PROTO_HEADER_LEN)
		return 0;
	if (os_proto_check_header(cl->in.data, &fr->hdr, &why) < 0)
		return -1;
	if (cl->in.len < OS_PROTO_HEADER_LEN + (size_t)fr->hdr.length)
		return 0;
	fr->payload = cl->in.data + OS_PROTO_HEADER_LEN;
	if (os_proto_validate(fr->hdr.type, fr->payload, fr->hdr.length, &why) < 0)
		return -1;
	return 1;
}

/* Queues descriptors that came with received bytes; extra ones are closed. */
static void client_take_fds(struct os_client *cl, struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (cl->n_fds < OS_CLIENT_MAX_FDS)
				cl->fds[cl->n_fds++] = fd;
			else
				close(fd);
		}
	}
}

/* The oldest received descriptor, or -1. */
static int client_pop_fd(struct os_client *cl)
{
	if (cl->n_fds == 0)
		return -1;
	int fd = cl->fds[0];
	memmove(cl->fds, cl->fds + 1, (cl->n_fds - 1) * sizeof(int));
	cl->n_fds--;
	return fd;
}

static ssize_t client_recv(struct os_client *cl, unsigned char *at, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(OS_CLIENT_MAX_FDS * sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = at, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = ctl.buf,
	                     .msg_controllen = sizeof(ctl)};

	ssize_t n = recvmsg(cl->fd, &msg, MSG_CMSG_CLOEXEC);
	if (n > 0)
		client_take_fds(cl, &msg);
	return n;
}

/* Reads more bytes, waiting until deadline (-1: forever). 1 ok, 0 timeout, -1 error. */
static int client_fill(struct os_client *cl, int64_t deadline)
{
	struct pollfd pfd = {.fd = cl->fd, .events = POLLIN};
	int timeout = -1;

	if (deadline >= 0) {
		int64_t left = deadline - client_now_ms();
		timeout = left > 0 ? (int)left : 0;
	}
	int r = poll(&pfd, 1, timeout);
	if (r < 0)
		return errno == EINTR ? 1 : -1;
	if (r == 0)
		return 0;
	unsigned char *at = os_buf_reserve(&cl->in, 4096);
	if (!at)
		return -1;
	cl->in.len -= 4096;
	ssize_t n = client_recv(cl, at, 4096);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return -1;
	cl->in.len += (size_t)n;
	return 1;
}

static int client_queue_event(struct os_client *cl, const struct client_frame *fr)
{
	struct os_reader rd;

	if (cl->n_events == cl->cap_events) {
		size_t cap = cl->cap_events ? cl->cap_events * 2 : 8;
		void *ev = realloc(cl->events, cap * sizeof(*cl->events));
		if (!ev)
			return -1;
		cl->events = ev;
		cl->cap_events = cap;
	}
	os_reader_init(&rd, fr->payload, fr->hdr.length);
	struct os_client_event *ev = &cl->events[cl->n_events++];
	ev->kind = os_reader_u32(&rd);
	ev->slot_id = os_reader_u64(&rd);
	ev->generation = os_reader_u64(&rd);
	return 0;
}

/*
 * Waits for the next frame that is not an event, queueing events met on the
 * way.  The frame stays at the head of cl->in until client_consume().
 */
static int client_wait_reply(struct os_client *cl, struct client_frame *fr, int64_t deadline)
{
	for (;;) {
		int r = client_parse(cl, fr);
		if (r < 0)
			return -1;
		if (r > 0 && fr->hdr.type == OS_MSG_EVENT) {
			if (client_queue_event(cl, fr) < 0)
				return -1;
			client_consume(cl, fr);
			continue;
		}
		if (r > 0)
			return 0;
		r = client_fill(cl, deadline);
		if (r <= 0)
			return -1;
	}
}

static int client_send_hello(struct os_client *cl, const char *name)
{
	struct os_buf buf;
	char shortname[OS_PROTO_MAX_STR + 1];
	int rv;

	snprintf(shortname, sizeof(shortname), "%s", name ? name : "");
	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_HELLO, ++cl->serial);
	os_buf_add_u32(&buf, OS_PROTO_VERSION);
	os_buf_add_u32(&buf, OS_PROTO_VERSION);
	os_buf_add_str(&buf, shortname);
	rv = os_proto_end(&buf, at) == 0 ? client_send(cl, &buf) : -1;
	os_buf_free(&buf);
	return rv;
}

static int client_read_hello(struct os_client *cl, char *err, size_t errlen)
{
	struct client_frame fr;
	struct os_reader rd;
	char msg[OS_PROTO_MAX_STR + 1];

	if (client_wait_reply(cl, &fr, client_now_ms() + OS_CLIENT_TIMEOUT_MS) < 0) {
		snprintf(err, errlen, "slotd closed the connection during the handshake");
		return -1;
	}
	os_reader_init(&rd, fr.payload, fr.hdr.length);
	if (fr.hdr.type == OS_MSG_ERROR) {
		os_reader_u32(&rd);
		os_reader_str(&rd, msg, sizeof(msg), OS_PROTO_MAX_STR);
		snprintf(err, errlen, "slotd refused the connection: %s", msg);
		return -1;
	}
	if (fr.hdr.type != OS_MSG_HELLO_OK) {
		snprintf(err, errlen, "unexpected %s reply from slotd",
		         os_proto_type_name(fr.hdr.type));
		return -1;
	}
	cl->version = os_reader_u32(&rd);
	cl->slotd_pid = os_reader_u64(&rd);
	cl->shm_size = os_reader_u64(&rd);
	cl->n_slots = os_reader_u32(&rd);
	client_consume(cl, &fr);
	cl->shm_fd = client_pop_fd(cl);
	if (os_reader_failed(&rd) || cl->shm_fd < 0) {
		snprintf(err, errlen, "malformed handshake reply from slotd");
		return -1;
	}
	return 0;
}

static int client_open_socket(struct os_client *cl, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	cl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cl->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(cl->fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return 0;
	cl->failure_errno = errno;
	if (errno == ENOENT || errno == ECONNREFUSED)
		cl->failure = OS_CLIENT_FAIL_ABSENT;
	else if (errno == EACCES || errno == EPERM)
		cl->failure = OS_CLIENT_FAIL_DENIED;
	if (errno == ENOENT || errno == ECONNREFUSED)
		snprintf(err, errlen, "slotd is not running (no listener on %s)", path);
	else if (errno == EACCES || errno == EPERM)
		snprintf(err, errlen, "permission denied on %s: is this user in the pkcs11 group?",
		         path);
	else
		snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
	return -1;
}

/* SO_PEERCRED: the server must be root, ourselves or the trusted user. */
static int client_check_peer(struct os_client *cl, const char *path, uid_t trusted, char *err,
                             size_t errlen)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(cl->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		snprintf(err, errlen, "cannot read the credentials of %s: %s", path,
		         strerror(errno));
		return -1;
	}
	if (cred.uid == 0 || cred.uid == geteuid() ||
	    (trusted != (uid_t)-1 && cred.uid == trusted)) {
		cl->slotd_uid = cred.uid;
		return 0;
	}
	cl->failure = OS_CLIENT_FAIL_PEER;
	snprintf(err, errlen,
	         "refusing the server on %s: it runs as uid %ld, not as slotd's user (pid %ld)",
	         path, (long)cred.uid, (long)cred.pid);
	return -1;
}

int os_client_connect_trusting(struct os_client *cl, const char *path, const char *name,
                               uid_t trusted_uid, char *err, size_t errlen)
{
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
	cl->shm_fd = -1;
	os_buf_init(&cl->in);
	if (client_open_socket(cl, path, err, errlen) < 0 ||
	    client_check_peer(cl, path, trusted_uid, err, errlen) < 0)
		goto fail;
	if (client_send_hello(cl, name) < 0) {
		snprintf(err, errlen, "cannot send to slotd: %s", strerror(errno));
		goto fail;
	}
	if (client_read_hello(cl, err, errlen) < 0)
		goto fail;
	return 0;
fail:;
	enum os_client_failure failure = cl->failure;
	int failure_errno = cl->failure_errno;
	os_client_close(cl);
	cl->failure = failure;
	cl->failure_errno = failure_errno;
	return -1;
}

int os_client_connect_conf(struct os_client *cl, const struct os_conf *conf, const char *name,
                           char *err, size_t errlen)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uid_t trusted = (uid_t)-1;

	if (os_paths_join(path, sizeof(path), conf->run_dir, OS_SOCKET_NAME) < 0) {
		snprintf(err, errlen, "socket path %s/%s is too long", conf->run_dir,
		         OS_SOCKET_NAME);
		return -1;
	}
	if (conf->user) {
		struct passwd pw, *res = NULL;
		char buf[1024];
		if (getpwnam_r(conf->user, &pw, buf, sizeof(buf), &res) == 0 && res)
			trusted = res->pw_uid;
	}
	return os_client_connect_trusting(cl, path, name, trusted, err, errlen);
}

int os_client_connect(struct os_client *cl, const char *path, const char *name, char *err,
                      size_t errlen)
{
	return os_client_connect_trusting(cl, path, name, (uid_t)-1, err, errlen);
}

void os_client_close(struct os_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	if (cl->shm_fd >= 0)
		close(cl->shm_fd);
	while (cl->n_fds)
		close(client_pop_fd(cl));
	os_buf_free(&cl->in);
	free(cl->events);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
	cl->shm_fd = -1;
}

int os_client_take_shm_fd(struct os_client *cl)
{
	int fd = cl->shm_fd;

	cl->shm_fd = -1;
	return fd;
}

static void client_read_slot(struct os_reader *rd, struct os_client_slot *s)
{
	uint32_t hw, fw;

	s->id = os_reader_u64(rd);
	os_reader_str(rd, s->backend, sizeof(s->backend), OS_CONF_BACKEND_MAX);
	os_reader_str(rd, s->token, sizeof(s->token), OS_CONF_TOKEN_MAX);
	os_reader_str(rd, s->description, sizeof(s->description), OS_CONF_DESCRIPTION_MAX);
	os_reader_str(rd, s->manufacturer, sizeof(s->manufacturer), OS_CONF_MANUFACTURER_MAX);
	hw = os_reader_u32(rd);
	fw = os_reader_u32(rd);
	s->hw_major = (uint8_t)(hw >> 8);
	s->hw_minor = (uint8_t)hw;
	s->fw_major = (uint8_t)(fw >> 8);
	s->fw_minor = (uint8_t)fw;
	s->flags = os_reader_u32(rd);
	s->log_calls = os_reader_u32(rd) != 0;
}

int os_client_get_slots(struct os_client *cl, struct os_client_slot **slots, size_t *n,
                        uint64_t *generation)
{
	struct client_frame fr;
	struct os_reader rd;
	uint32_t count;

	*slots = NULL;
	*n = 0;
	if (client_request(cl, OS_MSG_GET_SLOTS, NULL, NULL) < 0 ||
	    client_wait_reply(cl, &fr, client_now_ms() + OS_CLIENT_TIMEOUT_MS) < 0)
		return -1;
	if (fr.hdr.type != OS_MSG_SLOTS) {
		client_consume(cl, &fr);
		return -1;
	}
	os_reader_init(&rd, fr.payload, fr.hdr.length);
	*generation = os_reader_u64(&rd);
	count = os_reader_u32(&rd);
	*slots = calloc(count ? count : 1, sizeof(**slots));
	if (!*slots) {
		client_consume(cl, &fr);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++)
		client_read_slot(&rd, &(*slots)[i]);
	client_consume(cl, &fr);
	if (!os_reader_done(&rd)) {
		free(*slots);
		*slots = NULL;
		return -1;
	}
	*n = count;
	return 0;
}

static void client_fill_u64s(struct os_buf *buf, const uint64_t *args)
{
	for (int i = 1; i <= (int)args[0]; i++)
		os_buf_add_u64(buf, args[i]);
}

int os_client_session_count(struct os_client *cl, uint64_t slot_id, uint64_t sessions,
                            uint64_t rw_sessions)
{
	const uint64_t args[] = {3, slot_id, sessions, rw_sessions};

	return client_request(cl, OS_MSG_SESSION_COUNT, client_fill_u64s, args);
}

int os_client_ping(struct os_client *cl, uint64_t *generation)
{
	struct client_frame fr;
	struct os_reader rd;

	if (client_request(cl, OS_MSG_PING, NULL, NULL) < 0 ||
	    client_wait_reply(cl, &fr, client_now_ms() + OS_CLIENT_TIMEOUT_MS) < 0)
		return -1;
	os_reader_init(&rd, fr.payload, fr.hdr.length);
	uint64_t gen = os_reader_u64(&rd);
	int ok = fr.hdr.type == OS_MSG_PONG && os_reader_done(&rd);
	client_consume(cl, &fr);
	if (!ok)
		return -1;
	if (generation)
		*generation = gen;
	return 0;
}

static bool client_pop_event(struct os_client *cl, struct os_client_event *ev)
{
	if (cl->n_events == 0)
		return false;
	*ev = cl->events[0];
	memmove(cl->events, cl->events + 1, (cl->n_events - 1) * sizeof(*ev));
	cl->n_events--;
	return true;
}

int os_client_next_event(struct os_client *cl, int timeout_ms, struct os_client_event *ev)
{
	int64_t deadline = timeout_ms < 0 ? -1 : client_now_ms() + timeout_ms;
	struct client_frame fr;

	for (;;) {
		if (client_pop_event(cl, ev))
			return 1;
		int r = client_parse(cl, &fr);
		if (r < 0)
			return -1;
		if (r > 0) {
			/* Only events arrive unrequested; anything else is a stray reply. */
			if (fr.hdr.type == OS_MSG_EVENT && client_queue_event(cl, &fr) < 0)
				return -1;
			client_consume(cl, &fr);
			continue;
		}
		r = client_fill(cl, deadline);
		if (r <= 0)
			return r;
	}
}

size_t os_client_begin(struct os_client *cl, struct os_buf *buf, uint16_t type)
{
	os_buf_init(buf);
	return os_proto_begin(buf, type, ++cl->serial);
}

int os_client_call(struct os_client *cl, struct os_buf *buf, size_t at, uint16_t reply_type,
                   struct os_buf *reply)
{
	struct client_frame fr;
	int rv = os_proto_end(buf, at) == 0 ? client_send(cl, buf) : -1;

	/* requests may carry PINs */
	if (buf->data)
		explicit_bzero(buf->data, buf->cap);
	os_buf_free(buf);
	os_buf_init(reply);
	if (rv < 0 || client_wait_reply(cl, &fr, client_now_ms() + OS_CLIENT_CALL_TIMEOUT_MS) < 0)
		return -1;
	if (fr.hdr.type == reply_type)
		os_buf_add(reply, fr.payload, fr.hdr.length);
	client_consume(cl, &fr);
	if (fr.hdr.type != reply_type || os_buf_failed(reply)) {
		os_buf_free(reply);
		return -1;
	}
	return 0;
}

long os_client_open_token(struct os_client *cl, uint64_t slot_id, int *fd, uid_t *owner)
{
	struct os_buf buf, reply;
	struct os_reader rd;

	*fd = -1;
	size_t at = os_client_begin(cl, &buf, OS_MSG_OPEN_TOKEN);
	os_buf_add_u64(&buf, slot_id);
	if (os_client_call(cl, &buf, at, OS_MSG_TOKEN, &reply) < 0)
		return -1;
	os_reader_init(&rd, reply.data, reply.len);
	uint64_t id = os_reader_u64(&rd);
	uint64_t rv = os_reader_u64(&rd);
	*owner = (uid_t)os_reader_u64(&rd);
	os_buf_free(&reply);
	if (id != slot_id)
		return -1;
	if (rv != 0)
		return (long)rv;
	*fd = client_pop_fd(cl);
	return *fd < 0 ? -1 : 0;
}
