/*
 * The slotd event loop: the listening socket, the signalfd and one
 * connection per client, all on one epoll set.
 *
 * Input is gathered per client until a whole frame is there; the header and
 * then the payload are checked against the protocol table before a handler
 * sees them, and any failure drops that client only.  Output is queued per
 * client and flushed as the socket accepts it; a client that lets more than
 * SERVER_MAX_QUEUED bytes pile up is dropped rather than let slotd grow.
 */
#include "slotd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "proto.h"

#define SERVER_MAX_QUEUED (1024 * 1024)
#define SERVER_READ_CHUNK 16384

int slotd_server_listen(struct slotd *sd)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	if (os_paths_join(sd->socket_path, sizeof(sd->socket_path), sd->conf->run_dir,
	                  OS_SOCKET_NAME) < 0)
		return os_log_fail(-1, "socket path %s/%s is too long", sd->conf->run_dir,
		                   OS_SOCKET_NAME);
	strcpy(addr.sun_path, sd->socket_path);
	if (unlink(sd->socket_path) == 0)
		os_log(LOG_NOTICE, "removed stale socket %s", sd->socket_path);
	sd->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sd->listen_fd < 0)
		return os_log_fail(-1, "socket: %s", strerror(errno));
	if (bind(sd->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return os_log_fail(-1, "cannot bind %s: %s", sd->socket_path, strerror(errno));
	if (chown(sd->socket_path, sd->run_uid, sd->run_gid) < 0 ||
	    chmod(sd->socket_path, 0660) < 0)
		return os_log_fail(-1, "cannot set owner/mode of %s: %s", sd->socket_path,
		                   strerror(errno));
	if (listen(sd->listen_fd, 128) < 0)
		return os_log_fail(-1, "listen: %s", strerror(errno));
	return 0;
}

static int server_watch(struct slotd *sd, int fd, uint32_t events, void *ptr, int op)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};

	return epoll_ctl(sd->epoll_fd, op, fd, &ev);
}

/* The events a client is watched for: no input while it is paused. */
static void server_rearm(struct slotd *sd, struct slotd_client *cl)
{
	uint32_t ev = (cl->paused ? 0 : EPOLLIN | EPOLLRDHUP) | (cl->want_out ? EPOLLOUT : 0);

	server_watch(sd, cl->fd, ev, cl, EPOLL_CTL_MOD);
}

/*
 * Sends up to len bytes of the queue; the pending descriptor goes with the
 * first of them when it is due now, and no byte after it is sent before it.
 */
static ssize_t server_send(struct slotd_client *cl, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = cl->out.data, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	if (cl->out_fd >= 0 && cl->out_fd_at > 0 && cl->out_fd_at < len)
		iov.iov_len = cl->out_fd_at;
	if (cl->out_fd >= 0 && cl->out_fd_at == 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &cl->out_fd, sizeof(int));
	}
	ssize_t n = sendmsg(cl->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0 && cl->out_fd >= 0) {
		if (cl->out_fd_at == 0)
			cl->out_fd = -1; /* sent: slotd keeps its own copy */
		else
			cl->out_fd_at -= (size_t)n;
	}
	return n;
}

/* Writes what the socket takes now; arms EPOLLOUT for the rest. */
static int server_flush(struct slotd *sd, struct slotd_client *cl)
{
	while (cl->out.len > 0) {
		ssize_t n = server_send(cl, cl->out.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -1;
		os_buf_consume(&cl->out, (size_t)n);
	}
	bool want = cl->out.len > 0;
	if (want != cl->want_out) {
		cl->want_out = want;
		server_rearm(sd, cl);
	}
	return 0;
}

int slotd_server_queue(struct slotd *sd, struct slotd_client *cl, const struct os_buf *frame)
{
	if (os_buf_failed(frame) || cl->out.len + frame->len > SERVER_MAX_QUEUED)
		return -1;
	os_buf_add(&cl->out, frame->data, frame->len);
	if (os_buf_failed(&cl->out))
		return -1;
	return server_flush(sd, cl);
}

int slotd_server_queue_fd(struct slotd *sd, struct slotd_client *cl, const struct os_buf *frame,
                          int fd)
{
	/* One descriptor in flight per client: requests are answered in turn. */
	if (fd >= 0 && cl->out_fd >= 0)
		return -1;
	if (fd >= 0) {
		cl->out_fd = fd;
		cl->out_fd_at = cl->out.len;
	}
	return slotd_server_queue(sd, cl, frame);
}

int slotd_server_reply_error(struct slotd *sd, struct slotd_client *cl, uint32_t serial,
                             uint32_t code, const char *msg)
{
	struct os_buf buf;

	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_ERROR, serial);
	os_buf_add_u32(&buf, code);
	os_buf_add_str(&buf, msg);
	os_proto_end(&buf, at);
	slotd_server_queue(sd, cl, &buf);
	os_buf_free(&buf);
	return -1; /* the caller drops the client after an error reply */
}

void slotd_server_broadcast(struct slotd *sd, const struct slotd_client *except, uint32_t kind,
                            uint64_t slot_id, uint64_t generation)
{
	struct slotd_client *cl, *next;
	struct os_buf buf;

	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_EVENT, 0);
	os_buf_add_u32(&buf, kind);
	os_buf_add_u64(&buf, slot_id);
	os_buf_add_u64(&buf, generation);
	os_proto_end(&buf, at);
	for (cl = sd->clients; cl; cl = next) {
		next = cl->next;
		if (cl == except || !cl->greeted || cl->dead)
			continue;
		if (slotd_server_queue(sd, cl, &buf) < 0)
			slotd_clients_remove(sd, cl, "not reading its events");
	}
	os_buf_free(&buf);
}

static int server_dispatch(struct slotd *sd, struct slotd_client *cl,
                           const struct os_frame_header *hdr, const unsigned char *payload)
{
	struct os_reader rd;
	const char *why;

	if (os_proto_validate(hdr->type, payload, hdr->length, &why) < 0) {
		os_log(LOG_WARNING, "client pid %ld sent a bad %s: %s", (long)cl->pid,
		       os_proto_type_name(hdr->type), why);
		return -1;
	}
	if (hdr->type >= OS_MSG_TYPE_COUNT || !slotd_handlers[hdr->type]) {
		os_log(LOG_WARNING, "client pid %ld sent %s, which only slotd sends", (long)cl->pid,
		       os_proto_type_name(hdr->type));
		return -1;
	}
	if (!cl->greeted && hdr->type != OS_MSG_HELLO)
		return slotd_server_reply_error(sd, cl, hdr->serial, OS_PROTO_ERR_STATE,
		                                "HELLO must come first");
	os_reader_init(&rd, payload, hdr->length);
	return slotd_handlers[hdr->type](sd, cl, hdr, &rd);
}

/* Handles every whole frame in cl->in; -1 means drop the client. */
static int server_process_input(struct slotd *sd, struct slotd_client *cl)
{
	struct os_frame_header hdr;
	const char *why;

	while (cl->in.len >= OS_PROTO_HEADER_LEN) {
		if (os_proto_check_header(cl->in.data, &hdr, &why) < 0) {
			os_log(LOG_WARNING, "client pid %ld sent a bad frame header: %s",
			       (long)cl->pid, why);
			return -1;
		}
		size_t total = OS_PROTO_HEADER_LEN + (size_t)hdr.length;
		if (cl->in.len < total)
			break;
		int r = server_dispatch(sd, cl, &hdr, cl->in.data + OS_PROTO_HEADER_LEN);
		if (r < 0)
			return -1;
		os_buf_consume(&cl->in, total);
		if (r > 0) {
			cl->paused = true;
			server_rearm(sd, cl);
			break;
		}
	}
	return 0;
}

void slotd_server_resume(struct slotd *sd, struct slotd_client *cl)
{
	if (cl->dead || !cl->paused)
		return;
	cl->paused = false;
	server_rearm(sd, cl);
	if (server_process_input(sd, cl) < 0)
		slotd_clients_remove(sd, cl, "protocol error");
}

static void server_client_event(struct slotd *sd, struct slotd_client *cl, uint32_t events)
{
	if (cl->dead)
		return;
	if (events & EPOLLOUT && server_flush(sd, cl) < 0) {
		slotd_clients_remove(sd, cl, "write failed");
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)))
		return;
	if (cl->paused && !(events & (EPOLLHUP | EPOLLERR))) /* its answer is on the way */
		return;
	unsigned char *at = os_buf_reserve(&cl->in, SERVER_READ_CHUNK);
	if (!at) {
		slotd_clients_remove(sd, cl, "out of memory");
		return;
	}
	cl->in.len -= SERVER_READ_CHUNK;
	ssize_t n = recv(cl->fd, at, SERVER_READ_CHUNK, MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		slotd_clients_remove(sd, cl, NULL);
		return;
	}
	cl->in.len += (size_t)n;
	if (server_process_input(sd, cl) < 0)
		slotd_clients_remove(sd, cl, "protocol error");
}

static void server_accept(struct slotd *sd)
{
	for (;;) {
		int fd = accept4(sd->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				os_log(LOG_WARNING, "accept: %s", strerror(errno));
			return;
		}
		struct slotd_client *cl = slotd_clients_add(sd, fd);
		if (!cl) {
			close(fd);
			continue;
		}
		if (server_watch(sd, fd, EPOLLIN | EPOLLRDHUP, cl, EPOLL_CTL_ADD) < 0)
			slotd_clients_remove(sd, cl, "cannot watch connection");
	}
}

static int server_signal(struct slotd *sd)
{
	struct signalfd_siginfo si;

	while (read(sd->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			slotd_reload(sd);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			os_log(LOG_INFO, "signal %u: shutting down", si.ssi_signo);
			sd->stopping = true;
		}
	}
	return 0;
}

static int server_setup_loop(struct slotd *sd)
{
	sigset_t set;

	/* main() blocked these before start-up, so none is lost in between */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sd->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	sd->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (sd->signal_fd < 0 || sd->epoll_fd < 0)
		return os_log_fail(-1, "cannot set up the event loop: %s", strerror(errno));
	if (server_watch(sd, sd->listen_fd, EPOLLIN, &sd->listen_fd, EPOLL_CTL_ADD) < 0 ||
	    server_watch(sd, sd->signal_fd, EPOLLIN, &sd->signal_fd, EPOLL_CTL_ADD) < 0 ||
	    server_watch(sd, sd->tokens->pool.event_fd, EPOLLIN, &sd->tokens->pool.event_fd,
	                 EPOLL_CTL_ADD) < 0)
		return os_log_fail(-1, "epoll_ctl: %s", strerror(errno));
	return 0;
}

int slotd_server_run(struct slotd *sd)
{
	struct epoll_event evs[64];

	if (server_setup_loop(sd) < 0)
		return -1;
	while (!sd->stopping) {
		int n = epoll_wait(sd->epoll_fd, evs, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return os_log_fail(-1, "epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n && !sd->stopping; i++) {
			if (evs[i].data.ptr == &sd->listen_fd)
				server_accept(sd);
			else if (evs[i].data.ptr == &sd->signal_fd)
				server_signal(sd);
			else if (evs[i].data.ptr == &sd->tokens->pool.event_fd)
				slotd_pool_reap(&sd->tokens->pool);
			else
				server_client_event(sd, evs[i].data.ptr, evs[i].events);
		}
		slotd_tokens_commit(sd);
		slotd_clients_reap(sd);
	}
	slotd_server_broadcast(sd, NULL, OS_EVENT_SHUTDOWN, 0, slotd_shm_generation(sd));
	return 0;
}
