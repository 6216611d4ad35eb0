/*
 * The slotd event loop: the listening socket, the signalfd and one
 * connection per client, all on one epoll set.
 *
 * Input is gathered per client until a whole frame is there; the header and
 * then the payload are checked against the protocol table before a handler
 * sees them, and any failure drops that client only.  Output is queued per
 * client and flushed as the socket accepts it.  Its size is bounded without
 * dropping anyone: while a client's queue holds SLOTD_OUT_HIGH bytes its
 * requests are neither read nor handled (backpressure), and events are
 * coalesced (events.c).  Deadlines (HELLO, the accept back-off) are the
 * epoll_wait timeout; there is no timer per client.
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
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "proto.h"

/* No reply or event pushes a queue past this: replies stop at SLOTD_OUT_HIGH. */
#define SERVER_MAX_QUEUED (SLOTD_OUT_HIGH + OS_PROTO_HEADER_LEN + OS_PROTO_MAX_PAYLOAD)
#define SERVER_READ_CHUNK 16384
/* Connections taken from the backlog per wake-up, so accepting never starves clients. */
#define SERVER_ACCEPT_BATCH 64
/* Running out of descriptors is logged at most this often. */
#define SERVER_ACCEPT_WARN_MS 60000

long long slotd_server_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Binds the socket in the run directory opened by setup: mode 0660, the group's. */
static int server_bind(struct slotd *sd, const struct sockaddr_un *addr)
{
	struct stat st;
	mode_t old = umask(0117);
	int rv = bind(sd->listen_fd, (const struct sockaddr *)addr, sizeof(*addr));

	umask(old);
	if (rv < 0)
		return os_log_fail(-1, "cannot bind %s: %s", sd->socket_path, strerror(errno));
	if (fchownat(sd->run_fd, OS_SOCKET_NAME, sd->run_uid, sd->run_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return os_log_fail(-1, "cannot give %s to group %s: %s", sd->socket_path,
		                   sd->conf->group, strerror(errno));
	if (fstatat(sd->run_fd, OS_SOCKET_NAME, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISSOCK(st.st_mode) || (st.st_mode & 07777) != 0660)
		return os_log_fail(-1, "%s did not come out as a socket of mode 0660",
		                   sd->socket_path);
	return 0;
}

int slotd_server_listen(struct slotd *sd)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	if (os_paths_join(sd->socket_path, sizeof(sd->socket_path), sd->conf->run_dir,
	                  OS_SOCKET_NAME) < 0)
		return os_log_fail(-1, "socket path %s/%s is too long", sd->conf->run_dir,
		                   OS_SOCKET_NAME);
	strcpy(addr.sun_path, sd->socket_path);
	if (unlinkat(sd->run_fd, OS_SOCKET_NAME, 0) == 0)
		os_log(LOG_NOTICE, "removed stale socket %s", sd->socket_path);
	sd->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sd->listen_fd < 0)
		return os_log_fail(-1, "socket: %s", strerror(errno));
	if (server_bind(sd, &addr) < 0)
		return -1;
	if (listen(sd->listen_fd, 128) < 0)
		return os_log_fail(-1, "listen: %s", strerror(errno));
	return 0;
}

static int server_watch(struct slotd *sd, int fd, uint32_t events, void *ptr, int op)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};

	return epoll_ctl(sd->epoll_fd, op, fd, &ev);
}

/*
 * Asks epoll for what the client can use now: input only while its output
 * queue is under SLOTD_OUT_HIGH and no answer it waits for is pending
 * (paused), output while anything is queued.
 */
static void server_rearm(struct slotd *sd, struct slotd_client *cl)
{
	uint32_t want = cl->out.len < SLOTD_OUT_HIGH && !cl->paused ? EPOLLIN | EPOLLRDHUP : 0;

	if (cl->out.len > 0)
		want |= EPOLLOUT;
	if (want == cl->watching || cl->dead)
		return;
	cl->watching = want;
	server_watch(sd, cl->fd, want, cl, EPOLL_CTL_MOD);
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
	} ctl = {0};
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

/* Writes what the socket takes now. */
static int server_flush(struct slotd_client *cl)
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
	return 0;
}

int slotd_server_queue(struct slotd *sd, struct slotd_client *cl, const struct os_buf *frame)
{
	if (os_buf_failed(frame) || cl->out.len + frame->len > SERVER_MAX_QUEUED)
		return -1;
	os_buf_add(&cl->out, frame->data, frame->len);
	if (os_buf_failed(&cl->out) || server_flush(cl) < 0)
		return -1;
	server_rearm(sd, cl);
	return 0;
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
	const struct slotd_event ev = {.kind = kind, .slot_id = slot_id, .generation = generation};
	struct slotd_client *cl, *next;

	for (cl = sd->clients; cl; cl = next) {
		next = cl->next;
		if (cl != except && cl->greeted && !cl->dead)
			slotd_events_post(sd, cl, &ev);
	}
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

/*
 * Handles the whole frames in cl->in while the client's output has room;
 * the rest waits until it drains.  -1 means drop the client.
 */
static int server_process_input(struct slotd *sd, struct slotd_client *cl)
{
	struct os_frame_header hdr;
	const char *why;

	while (cl->in.len >= OS_PROTO_HEADER_LEN && cl->out.len < SLOTD_OUT_HIGH && !cl->dead &&
	       !cl->paused) {
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
		if (r > 0)
			cl->paused = true;
	}
	return 0;
}

void slotd_server_resume(struct slotd *sd, struct slotd_client *cl)
{
	if (cl->dead || !cl->paused)
		return;
	cl->paused = false;
	if (server_process_input(sd, cl) < 0) {
		slotd_clients_remove(sd, cl, "protocol error");
		return;
	}
	server_rearm(sd, cl);
}

/* Reads one chunk; -1 when the client hung up or failed (it is removed). */
static int server_read(struct slotd *sd, struct slotd_client *cl)
{
	unsigned char *at = os_buf_reserve(&cl->in, SERVER_READ_CHUNK);

	if (!at) {
		slotd_clients_remove(sd, cl, "out of memory");
		return -1;
	}
	cl->in.len -= SERVER_READ_CHUNK;
	ssize_t n = recv(cl->fd, at, SERVER_READ_CHUNK, MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		slotd_clients_remove(sd, cl, NULL);
		return -1;
	}
	cl->in.len += (size_t)n;
	return 0;
}

static void server_client_event(struct slotd *sd, struct slotd_client *cl, uint32_t events)
{
	if (cl->dead)
		return;
	if (events & EPOLLOUT && server_flush(cl) < 0) {
		slotd_clients_remove(sd, cl, "write failed");
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
		if (!(cl->watching & EPOLLIN)) {
			/* hung up while its output was held back: nobody is left to read it */
			slotd_clients_remove(sd, cl, NULL);
			return;
		}
		if (server_read(sd, cl) < 0)
			return;
	}
	if (server_process_input(sd, cl) < 0) {
		slotd_clients_remove(sd, cl, "protocol error");
		return;
	}
	slotd_events_resume(sd, cl);
	if (!cl->dead)
		server_rearm(sd, cl);
}

/*
 * Stops watching the listening socket for a while (out of descriptors).
 * The condition is logged once per SERVER_ACCEPT_WARN_MS, not per pause.
 */
static void server_pause_accept(struct slotd *sd, int err)
{
	long long now = slotd_server_now_ms();

	if (!sd->accept_warned || now - sd->accept_warned >= SERVER_ACCEPT_WARN_MS) {
		os_log(LOG_WARNING, "accept: %s; pausing %d ms at a time until it passes",
		       strerror(err), SLOTD_ACCEPT_BACKOFF_MS);
		sd->accept_warned = now;
	}
	sd->accept_resume = now + SLOTD_ACCEPT_BACKOFF_MS;
	server_watch(sd, sd->listen_fd, 0, &sd->listen_fd, EPOLL_CTL_MOD);
}

static void server_resume_accept(struct slotd *sd, long long now)
{
	if (sd->accept_resume == 0 || now < sd->accept_resume)
		return;
	sd->accept_resume = 0;
	server_watch(sd, sd->listen_fd, EPOLLIN, &sd->listen_fd, EPOLL_CTL_MOD);
}

static void server_accept(struct slotd *sd)
{
	for (int i = 0; i < SERVER_ACCEPT_BATCH; i++) {
		int fd = accept4(sd->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 &&
		    (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
			server_pause_accept(sd, errno);
			return;
		}
		if (fd < 0 && errno == ECONNABORTED)
			continue;
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
		cl->watching = EPOLLIN | EPOLLRDHUP;
		if (server_watch(sd, fd, cl->watching, cl, EPOLL_CTL_ADD) < 0)
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

/* The epoll_wait timeout: the nearest deadline, -1 when there is none. */
static int server_timeout(struct slotd *sd, long long now)
{
	long long next = slotd_clients_expire(sd, now);

	if (sd->accept_resume && (next < 0 || sd->accept_resume - now < next))
		next = sd->accept_resume > now ? sd->accept_resume - now : 0;
	if (os_log_suppressed() && (next < 0 || next > 1000))
		next = 1000; /* to report what the rate limit held back */
	if (slotd_tokens_pending(sd))
		next = 0; /* changes made by clients resumed during the last commit */
	return next < 0 ? -1 : (int)next;
}

static void server_dispatch_events(struct slotd *sd, struct epoll_event *evs, int n)
{
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
}

int slotd_server_run(struct slotd *sd)
{
	struct epoll_event evs[64];

	if (server_setup_loop(sd) < 0)
		return -1;
	while (!sd->stopping) {
		int n =
		    epoll_wait(sd->epoll_fd, evs, 64, server_timeout(sd, slotd_server_now_ms()));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return os_log_fail(-1, "epoll_wait: %s", strerror(errno));
		server_resume_accept(sd, slotd_server_now_ms());
		server_dispatch_events(sd, evs, n);
		slotd_tokens_commit(sd);
		os_log_tick();
		slotd_clients_reap(sd);
	}
	slotd_server_broadcast(sd, NULL, OS_EVENT_SHUTDOWN, 0, slotd_shm_generation(sd));
	return 0;
}
