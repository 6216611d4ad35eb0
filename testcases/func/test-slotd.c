/*
 * Functional tests of slotd: a real daemon on a private directory, real
 * clients over its socket, its shared memory read as a client reads it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "openslot/pkcs11.h"
#include "harness.h"
#include "proto.h"
#include "slotshm.h"

#define SLOTS_TWO                                                                         \
	"{ id = 0; backend = \"soft\"; token = \"softtok\"; description = \"soft one\"; " \
	"options = { pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; }; },\n"              \
	"{ id = 3; backend = \"cca\"; token = \"ccatok\"; hw-version = \"2.5\"; }"
#define SLOTS_THREE SLOTS_TWO ",\n{ id = 5; backend = \"ep11\"; token = \"ep11tok\"; }"

static int setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	assert_int_equal(harness_init(h), 0);
	assert_int_equal(harness_write_conf(h, NULL, SLOTS_TWO), 0);
	assert_int_equal(harness_start(h, NULL), 0);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct harness *h = *state;

	harness_cleanup(h);
	free(h);
	return 0;
}

static void connect_client(struct harness *h, struct os_client *cl)
{
	char err[256];

	if (os_client_connect(cl, h->socket, "test", err, sizeof(err)) < 0)
		fail_msg("connect: %s", err);
}

/* Waits until the slot's machine-wide counts reach the given values. */
static void wait_counts(const struct os_slotshm *shm, uint64_t slot, uint64_t want,
                        uint64_t want_rw)
{
	long long deadline = harness_now_ms() + 10000;
	uint64_t s = 0, rw = 0;

	while (harness_now_ms() < deadline) {
		assert_true(os_slotshm_counts(shm, slot, &s, &rw));
		if (s == want && rw == want_rw)
			return;
		poll(NULL, 0, 5);
	}
	fail_msg("slot %llu: %llu/%llu sessions, expected %llu/%llu", (unsigned long long)slot,
	         (unsigned long long)s, (unsigned long long)rw, (unsigned long long)want,
	         (unsigned long long)want_rw);
}

static void test_start_creates_resources(void **state)
{
	struct harness *h = *state;
	struct stat st;
	struct os_slotshm_map map;
	char err[256], path[PATH_MAX + 32], buf[32];

	assert_int_equal(stat(h->socket, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(os_slotshm_attach(h->shm, &map, err, sizeof(err)), 0);
	assert_int_equal(map.shm->magic, OS_SLOTSHM_MAGIC);
	assert_int_equal(map.shm->n_slots, 2);
	assert_int_equal(map.shm->slotd_pid, (uint64_t)h->pid);
	os_slotshm_detach(&map);
	snprintf(path, sizeof(path), "%s/run/slotd.pid", h->dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_int_equal(atol(buf), h->pid);
	snprintf(path, sizeof(path), "%s/data/softtok", h->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/lock/ccatok", h->dir);
	assert_int_equal(stat(path, &st), 0);

	int status = harness_stop(h);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stat(h->socket, &st), -1);
	assert_int_equal(os_slotshm_attach(h->shm, &map, err, sizeof(err)), -1);
	snprintf(path, sizeof(path), "%s/run/slotd.pid", h->dir);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_second_slotd_refused(void **state)
{
	struct harness *h = *state;
	char out[1024];
	char *argv[] = {(char *)harness_built("slotd"), "-f", "-c", h->conf, NULL};

	int status = harness_run(argv, out, sizeof(out));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
	assert_non_null(strstr(out, "another slotd"));
	/* the first one still serves */
	struct os_client cl;
	connect_client(h, &cl);
	assert_int_equal(os_client_ping(&cl, NULL), 0);
	os_client_close(&cl);
}

static void test_slot_table(void **state)
{
	struct harness *h = *state;
	struct os_client cl;
	struct os_client_slot *slots;
	struct os_slotshm_map map;
	size_t n;
	uint64_t gen;
	char err[256];

	connect_client(h, &cl);
	assert_int_equal(cl.version, OS_PROTO_VERSION);
	assert_int_equal(cl.slotd_pid, (uint64_t)h->pid);
	assert_true(cl.shm_fd >= 0);
	assert_int_equal(os_client_get_slots(&cl, &slots, &n, &gen), 0);
	assert_int_equal(n, 2);
	assert_int_equal(slots[0].id, 0);
	assert_string_equal(slots[0].backend, "soft");
	assert_string_equal(slots[0].token, "softtok");
	assert_string_equal(slots[0].description, "soft one");
	assert_int_equal(slots[1].id, 3);
	assert_string_equal(slots[1].backend, "cca");
	assert_int_equal(slots[1].hw_major, 2);
	assert_int_equal(slots[1].hw_minor, 5);
	assert_int_equal(os_slotshm_attach_fd(cl.shm_fd, &map, err, sizeof(err)), 0);
	assert_int_equal(map.shm->table_generation, gen);
	assert_int_equal(map.shm->slots[1].id, 3);
	assert_string_equal(map.shm->slots[1].token, "ccatok");
	os_slotshm_detach(&map);
	free(slots);
	os_client_close(&cl);
}

/*
 * A child that connects, reports counts, tells the parent through ready_fd
 * and waits for the parent to close hold_fd before it exits.
 */
static pid_t spawn_counter(struct harness *h, uint64_t slot, uint64_t s, uint64_t rw, int *hold_wr)
{
	int ready[2], hold[2];
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct os_client cl;
		char err[256];
		close(ready[0]);
		close(hold[1]);
		if (os_client_connect(&cl, h->socket, "counter", err, sizeof(err)) < 0 ||
		    os_client_session_count(&cl, slot, s, rw) < 0 || os_client_ping(&cl, NULL) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		if (read(hold[0], &c, 1) < 0)
			_exit(1);
		os_client_close(&cl);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*hold_wr = hold[1];
	return pid;
}

static void test_counts_two_processes(void **state)
{
	struct harness *h = *state;
	struct os_slotshm_map map;
	char err[256];
	int hold_a, hold_b, st;

	assert_int_equal(os_slotshm_attach(h->shm, &map, err, sizeof(err)), 0);
	pid_t a = spawn_counter(h, 0, 3, 1, &hold_a);
	pid_t b = spawn_counter(h, 0, 2, 2, &hold_b);
	wait_counts(map.shm, 0, 5, 3);
	wait_counts(map.shm, 3, 0, 0);

	/* kill -9 one client: its share vanishes at once, the other's stays */
	kill(a, SIGKILL);
	assert_int_equal(waitpid(a, &st, 0), a);
	wait_counts(map.shm, 0, 2, 2);

	/* a clean exit withdraws the rest */
	close(hold_b);
	assert_int_equal(waitpid(b, &st, 0), b);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	wait_counts(map.shm, 0, 0, 0);
	close(hold_a);
	os_slotshm_detach(&map);
}

static void test_counts_update_and_unknown_slot(void **state)
{
	struct harness *h = *state;
	struct os_client cl;
	struct os_slotshm_map map;
	uint64_t s, rw;
	char err[256];

	assert_int_equal(os_slotshm_attach(h->shm, &map, err, sizeof(err)), 0);
	connect_client(h, &cl);
	assert_int_equal(os_client_session_count(&cl, 3, 4, 9), 0);  /* rw clamped to 4 */
	assert_int_equal(os_client_session_count(&cl, 77, 4, 1), 0); /* no such slot */
	assert_int_equal(os_client_ping(&cl, NULL), 0);
	assert_true(os_slotshm_counts(map.shm, 3, &s, &rw));
	assert_int_equal(s, 4);
	assert_int_equal(rw, 4);
	assert_false(os_slotshm_counts(map.shm, 77, &s, &rw));
	assert_int_equal(os_client_session_count(&cl, 3, 1, 0), 0);
	assert_int_equal(os_client_ping(&cl, NULL), 0);
	assert_true(os_slotshm_counts(map.shm, 3, &s, &rw));
	assert_int_equal(s, 1);
	assert_int_equal(rw, 0);
	os_client_close(&cl);
	wait_counts(map.shm, 3, 0, 0);
	os_slotshm_detach(&map);
}

static int raw_connect(struct harness *h)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", h->socket);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

/* Sends bytes and expects slotd to close the connection; returns what came back. */
static size_t expect_dropped(struct harness *h, const void *data, size_t len, unsigned char *reply,
                             size_t replylen)
{
	int fd = raw_connect(h);
	size_t got = 0;

	assert_int_equal(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&pfd, 1, 10000), 1);
		ssize_t n = recv(fd, reply + got, replylen - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		assert_true(got < replylen);
	}
	close(fd);
	return got;
}

static void build_hello(struct os_buf *b, uint32_t min, uint32_t max)
{
	size_t at = os_proto_begin(b, OS_MSG_HELLO, 1);
	os_buf_add_u32(b, min);
	os_buf_add_u32(b, max);
	os_buf_add_str(b, "raw");
	assert_int_equal(os_proto_end(b, at), 0);
}

static void assert_error_frame(const unsigned char *reply, size_t len, uint32_t code)
{
	struct os_frame_header hdr;
	struct os_reader rd;
	const char *why;

	assert_true(len >= OS_PROTO_HEADER_LEN);
	assert_int_equal(os_proto_check_header(reply, &hdr, &why), 0);
	assert_int_equal(hdr.type, OS_MSG_ERROR);
	os_reader_init(&rd, reply + OS_PROTO_HEADER_LEN, len - OS_PROTO_HEADER_LEN);
	assert_int_equal(os_reader_u32(&rd), code);
}

static void test_bad_frames_drop_only_that_client(void **state)
{
	struct harness *h = *state;
	struct os_client good;
	struct os_buf b;
	unsigned char reply[4096], garbage[300];

	connect_client(h, &good);
	assert_int_equal(os_client_session_count(&good, 0, 1, 0), 0);

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 37 + 11);
	assert_int_equal(expect_dropped(h, garbage, sizeof(garbage), reply, sizeof(reply)), 0);

	/* a header announcing a payload far over the limit */
	os_buf_init(&b);
	size_t at = os_proto_begin(&b, OS_MSG_HELLO, 1);
	(void)at;
	b.data[8] = 0x40; /* length = 0x40000000 */
	assert_int_equal(expect_dropped(h, b.data, b.len, reply, sizeof(reply)), 0);

	/* a well-framed message whose payload does not match its type */
	os_buf_reset(&b);
	build_hello(&b, OS_PROTO_VERSION, OS_PROTO_VERSION);
	at = os_proto_begin(&b, OS_MSG_SESSION_COUNT, 2);
	os_buf_add_u64(&b, 0);
	os_buf_add_u16(&b, 1);
	assert_int_equal(os_proto_end(&b, at), 0);
	size_t n = expect_dropped(h, b.data, b.len, reply, sizeof(reply));
	assert_true(n > OS_PROTO_HEADER_LEN); /* the HELLO_OK came back first */

	/* anything before HELLO */
	os_buf_reset(&b);
	at = os_proto_begin(&b, OS_MSG_GET_SLOTS, 1);
	assert_int_equal(os_proto_end(&b, at), 0);
	n = expect_dropped(h, b.data, b.len, reply, sizeof(reply));
	assert_error_frame(reply, n, OS_PROTO_ERR_STATE);

	/* no common version */
	os_buf_reset(&b);
	build_hello(&b, OS_PROTO_VERSION + 1, 9);
	n = expect_dropped(h, b.data, b.len, reply, sizeof(reply));
	assert_error_frame(reply, n, OS_PROTO_ERR_VERSION);

	/* a message type only slotd sends */
	os_buf_reset(&b);
	build_hello(&b, OS_PROTO_VERSION, OS_PROTO_VERSION);
	at = os_proto_begin(&b, OS_MSG_PONG, 2);
	os_buf_add_u64(&b, 1);
	assert_int_equal(os_proto_end(&b, at), 0);
	expect_dropped(h, b.data, b.len, reply, sizeof(reply));
	os_buf_free(&b);

	/* the well-behaved client was not disturbed, nor were its counts */
	uint64_t gen;
	assert_int_equal(os_client_ping(&good, &gen), 0);
	struct os_slotshm_map map;
	char err[256];
	uint64_t s, rw;
	assert_int_equal(os_slotshm_attach(h->shm, &map, err, sizeof(err)), 0);
	assert_true(os_slotshm_counts(map.shm, 0, &s, &rw));
	assert_int_equal(s, 1);
	os_slotshm_detach(&map);
	os_client_close(&good);
}

static void test_reload(void **state)
{
	struct harness *h = *state;
	struct os_client cl;
	struct os_client_event ev;
	struct os_client_slot *slots;
	size_t n;
	uint64_t gen;

	connect_client(h, &cl);
	assert_int_equal(os_client_session_count(&cl, 3, 2, 1), 0);
	assert_int_equal(harness_write_conf(h, NULL, SLOTS_THREE), 0);
	kill(h->pid, SIGHUP);
	assert_int_equal(os_client_next_event(&cl, 10000, &ev), 1);
	assert_int_equal(ev.kind, OS_EVENT_CONFIG_RELOADED);
	assert_int_equal(harness_wait_notify(h, "READY=1", 10000), 0);
	assert_int_equal(os_client_get_slots(&cl, &slots, &n, &gen), 0);
	assert_int_equal(n, 3);
	assert_int_equal(slots[2].id, 5);
	assert_string_equal(slots[2].backend, "ep11");
	free(slots);

	/* counts survive the reload */
	struct os_slotshm_map map;
	char err[256];
	assert_int_equal(os_slotshm_attach(h->shm, &map, err, sizeof(err)), 0);
	wait_counts(map.shm, 3, 2, 1);

	/* a broken file is refused and the running table stays */
	FILE *fp = fopen(h->conf, "w");
	assert_non_null(fp);
	fputs("slots = ( { id = 0; backend = \"soft\" ", fp);
	fclose(fp);
	kill(h->pid, SIGHUP);
	assert_int_equal(harness_wait_notify(h, "READY=1", 10000), 0);
	assert_int_equal(os_client_get_slots(&cl, &slots, &n, &gen), 0);
	assert_int_equal(n, 3);
	free(slots);
	assert_int_equal(os_client_next_event(&cl, 0, &ev), 0);

	/* a change only a restart can apply is refused too */
	assert_int_equal(
	    harness_write_conf(h, "", "{ id = 9; backend = \"soft\"; token = \"t\"; }"), 0);
	fp = fopen(h->conf, "a");
	fputs("user = \"nobody\";\n", fp);
	fclose(fp);
	kill(h->pid, SIGHUP);
	assert_int_equal(harness_wait_notify(h, "READY=1", 10000), 0);
	assert_int_equal(os_client_get_slots(&cl, &slots, &n, &gen), 0);
	assert_int_equal(n, 3);
	free(slots);
	wait_counts(map.shm, 3, 2, 1);
	os_slotshm_detach(&map);
	os_client_close(&cl);
}

static void test_token_changed_event(void **state)
{
	struct harness *h = *state;
	struct os_client a, b;
	struct os_client_event ev;
	struct os_slotshm_map map;
	char err[256];

	connect_client(h, &a);
	connect_client(h, &b);
	assert_int_equal(os_slotshm_attach(h->shm, &map, err, sizeof(err)), 0);
	assert_int_equal(map.shm->slots[0].token_generation, 0);
	/* a PIN shorter than the token's minimum changes nothing */
	assert_int_equal(harness_init_token(&a, 0, "1234"), CKR_PIN_LEN_RANGE);
	assert_int_equal(harness_init_token(&a, 0, "87654321"), CKR_OK);
	assert_int_equal(os_client_next_event(&b, 10000, &ev), 1);
	assert_int_equal(ev.kind, OS_EVENT_TOKEN_CHANGED);
	assert_int_equal(ev.slot_id, 0);
	assert_int_equal(ev.generation, 1);
	assert_int_equal(map.shm->slots[0].token_generation, 1);
	os_slotshm_detach(&map);
	os_client_close(&a);
	os_client_close(&b);
}

static void test_shutdown_event_and_stale_recovery(void **state)
{
	struct harness *h = *state;
	struct os_client cl;
	struct os_client_event ev;
	struct stat st;

	connect_client(h, &cl);
	assert_int_equal(os_client_ping(&cl, NULL), 0);
	harness_stop(h);
	assert_int_equal(os_client_next_event(&cl, 10000, &ev), 1);
	assert_int_equal(ev.kind, OS_EVENT_SHUTDOWN);
	assert_int_equal(os_client_next_event(&cl, 10000, &ev), -1);
	os_client_close(&cl);

	/* kill -9 leaves socket and shm behind; the next start recovers */
	assert_int_equal(harness_start(h, NULL), 0);
	kill(h->pid, SIGKILL);
	waitpid(h->pid, NULL, 0);
	h->pid = -1;
	assert_int_equal(stat(h->socket, &st), 0);
	assert_int_equal(harness_start(h, NULL), 0);
	connect_client(h, &cl);
	assert_int_equal(os_client_ping(&cl, NULL), 0);
	os_client_close(&cl);
}

static void test_not_running(void **state)
{
	struct harness *h = *state;
	struct os_client cl;
	char err[256];

	harness_stop(h);
	assert_int_equal(os_client_connect(&cl, h->socket, "t", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not running"));
}

/* Runs fn in a child as an unprivileged user outside the group; returns its exit code. */
static int as_outsider(void (*fn)(struct harness *), struct harness *h)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		gid_t g = 65534;
		if (setgroups(1, &g) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(99);
		fn(h);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 98;
}

static void outsider_connect(struct harness *h)
{
	struct os_client cl;
	char err[256];

	if (os_client_connect(&cl, h->socket, "t", err, sizeof(err)) == 0)
		_exit(1);
	if (strstr(err, getenv("EXPECT_ERR")) == NULL) {
		fprintf(stderr, "unexpected error: %s\n", err);
		_exit(2);
	}
}

static void test_outsider_refused(void **state)
{
	struct harness *h = *state;
	char run[PATH_MAX + 8];

	if (geteuid() != 0)
		skip(); /* needs root to become another user */
	/* the socket's mode keeps an outsider out */
	snprintf(run, sizeof(run), "%s/run", h->dir);
	assert_int_equal(chmod(h->dir, 0711), 0);
	assert_int_equal(chmod(run, 0771), 0);
	setenv("EXPECT_ERR", "permission denied", 1);
	assert_int_equal(as_outsider(outsider_connect, h), 0);
	/* with the socket opened up, SO_PEERCRED still refuses it */
	assert_int_equal(chmod(h->socket, 0666), 0);
	setenv("EXPECT_ERR", "not a member", 1);
	assert_int_equal(as_outsider(outsider_connect, h), 0);
	struct os_client cl;
	connect_client(h, &cl);
	assert_int_equal(os_client_ping(&cl, NULL), 0);
	os_client_close(&cl);
}

static void test_privilege_drop(void **state)
{
	struct harness *h = *state;
	struct os_client cl;
	struct stat st;
	char path[PATH_MAX + 32], line[256];
	long uid = -1;

	if (geteuid() != 0)
		skip(); /* only root can drop to another user */
	harness_stop(h);
	assert_int_equal(chmod(h->dir, 0711), 0);
	assert_int_equal(harness_write_conf(h, "user = \"nobody\";", SLOTS_TWO), 0);
	assert_int_equal(harness_start(h, NULL), 0);
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)h->pid);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "Uid: %*d %ld", &uid) == 1)
			break;
	fclose(fp);
	assert_int_equal(uid, 65534);
	assert_int_equal(stat(h->socket, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	connect_client(h, &cl);
	assert_int_equal(os_client_ping(&cl, NULL), 0);
	os_client_close(&cl);
	/* the unprivileged daemon still removes what it made when it stops */
	int status = harness_stop(h);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(stat(h->socket, &st), -1);
	assert_int_equal(shm_open(h->shm, O_RDONLY, 0), -1);
}

/* Mode (with type bits masked off), owner and group of path, not following links. */
static void assert_owned(const char *dir, const char *rel, mode_t mode, gid_t gid)
{
	char path[PATH_MAX + 64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (lstat(path, &st) < 0)
		fail_msg("%s: %s", path, strerror(errno));
	if ((st.st_mode & 07777) != mode || st.st_uid != geteuid() || st.st_gid != gid)
		fail_msg("%s: mode %04o uid %ld gid %ld, expected %04o uid %ld gid %ld", path,
		         (unsigned)(st.st_mode & 07777), (long)st.st_uid, (long)st.st_gid,
		         (unsigned)mode, (long)geteuid(), (long)gid);
}

static void test_directory_modes(void **state)
{
	struct harness *h = *state;
	gid_t g = getegid();

	/* made under a umask that would take every group bit: modes never come from it */
	harness_stop(h);
	mode_t old = umask(077);
	FILE *fp = fopen(h->conf, "w");
	assert_non_null(fp);
	fprintf(fp,
	        "run-dir = \"run\"; lock-dir = \"lock\"; data-dir = \"deep/er/data\";\n"
	        "log-dir = \"log\"; group = \"%s\";\nslots = (\n%s\n);\n",
	        h->group, SLOTS_TWO);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(harness_start(h, NULL), 0);
	umask(old);
	assert_owned(h->dir, "run", 0750, g);
	assert_owned(h->dir, "run/slotd.socket", 0660, g);
	assert_owned(h->dir, "run/slotd.pid", 0640, g);
	assert_owned(h->dir, "lock", 0750, g);
	assert_owned(h->dir, "lock/LCK..APIlock", 0640, g);
	assert_owned(h->dir, "lock/softtok", 0750, g);
	assert_owned(h->dir, "lock/softtok/LCK..softtok", 0640, g);
	assert_owned(h->dir, "lock/ccatok/LCK..ccatok", 0640, g);
	assert_owned(h->dir, "log", 01770, g);
	assert_owned(h->dir, "deep/er/data", 0750, g);
	assert_owned(h->dir, "deep/er/data/softtok", 0750, g);
	assert_owned(h->dir, "deep/er/data/ccatok", 0750, g);
	/* parents slotd made are 0755, whatever the umask */
	struct stat st;
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/deep/er", h->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
}

/* A directory of our own elsewhere, the would-be victim of a planted link. */
struct victim {
	char dir[64];
	struct stat before;
};

static void victim_make(struct victim *v)
{
	snprintf(v->dir, sizeof(v->dir), "/tmp/osl-victim-XXXXXX");
	assert_non_null(mkdtemp(v->dir));
	assert_int_equal(chmod(v->dir, 0700), 0);
	/* as root, owned by someone else, so a chown to slotd's user shows */
	if (geteuid() == 0)
		assert_int_equal(chown(v->dir, 65534, 65534), 0);
	assert_int_equal(lstat(v->dir, &v->before), 0);
}

static void victim_check_and_remove(struct victim *v)
{
	struct stat st;

	assert_int_equal(lstat(v->dir, &st), 0);
	assert_int_equal(st.st_uid, v->before.st_uid);
	assert_int_equal(st.st_gid, v->before.st_gid);
	assert_int_equal(st.st_mode, v->before.st_mode);
	assert_int_equal(rmdir(v->dir), 0);
}

/* Replaces the (empty) directory rel of the instance by a link to target. */
static void plant_link(struct harness *h, const char *rel, const char *target)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", h->dir, rel);
	if (rmdir(path) < 0 && errno != ENOENT)
		fail_msg("rmdir %s: %s", path, strerror(errno));
	assert_int_equal(symlink(target, path), 0);
}

/* Starts slotd expecting it to refuse rel; its messages go to a log file. */
static void expect_start_refused(struct harness *h, const char *rel)
{
	char out[4096];
	int status = 0;

	snprintf(h->log, sizeof(h->log), "%s/slotd.log", h->dir);
	unlink(h->log);
	if (harness_start(h, &status) == 0)
		fail_msg("slotd started with %s a link", rel);
	FILE *fp = fopen(h->log, "r");
	h->log[0] = '\0';
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
	assert_non_null(fp);
	size_t n = fread(out, 1, sizeof(out) - 1, fp);
	fclose(fp);
	out[n] = '\0';
	if (!strstr(out, rel) || !strstr(out, "symbolic link"))
		fail_msg("slotd did not name %s as a link: %s", rel, out);
}

static void test_symlink_refused_at_start(void **state)
{
	struct harness *h = *state;
	const char *dirs[] = {"data/softtok", "lock/ccatok", "data", "log"};
	struct victim v;

	harness_stop(h);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char saved[PATH_MAX + 80], path[PATH_MAX + 64];
		victim_make(&v);
		snprintf(path, sizeof(path), "%s/%s", h->dir, dirs[i]);
		snprintf(saved, sizeof(saved), "%s.saved", path);
		assert_int_equal(rename(path, saved), 0);
		plant_link(h, dirs[i], v.dir);
		expect_start_refused(h, dirs[i]);
		victim_check_and_remove(&v);
		assert_int_equal(unlink(path), 0);
		assert_int_equal(rename(saved, path), 0);
	}
	/* with the links gone, slotd starts again */
	assert_int_equal(harness_start(h, NULL), 0);
}

static void test_symlink_refused_at_reload(void **state)
{
	struct harness *h = *state;
	struct os_client cl;
	struct os_client_slot *slots;
	struct os_client_event ev;
	struct victim v;
	size_t n;
	uint64_t gen;

	connect_client(h, &cl);
	victim_make(&v);
	/* a member swaps a token's data directory for a link, then a reload comes */
	plant_link(h, "data/softtok", v.dir);
	assert_int_equal(harness_write_conf(h, NULL, SLOTS_THREE), 0);
	kill(h->pid, SIGHUP);
	assert_int_equal(harness_wait_notify(h, "READY=1", 10000), 0);
	victim_check_and_remove(&v);
	/* the reload was refused: the old table serves on */
	assert_int_equal(os_client_get_slots(&cl, &slots, &n, &gen), 0);
	assert_int_equal(n, 2);
	free(slots);
	assert_int_equal(os_client_next_event(&cl, 0, &ev), 0);
	os_client_close(&cl);
}

static void test_session_counts_bounded(void **state)
{
	struct harness *h = *state;
	struct os_client a, b;
	struct os_slotshm_map map;
	char err[256];

	assert_int_equal(os_slotshm_attach(h->shm, &map, err, sizeof(err)), 0);
	connect_client(h, &a);
	connect_client(h, &b);
	assert_int_equal(os_client_session_count(&a, 0, UINT64_MAX, UINT64_MAX), 0);
	assert_int_equal(os_client_session_count(&b, 0, (uint64_t)1 << 62, 3), 0);
	assert_int_equal(os_client_ping(&a, NULL), 0);
	assert_int_equal(os_client_ping(&b, NULL), 0);
	wait_counts(map.shm, 0, (uint64_t)2 << 20, ((uint64_t)1 << 20) + 3);
	os_client_close(&a);
	wait_counts(map.shm, 0, (uint64_t)1 << 20, 3);
	os_client_close(&b);
	wait_counts(map.shm, 0, 0, 0);
	os_slotshm_detach(&map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_start_creates_resources, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_second_slotd_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slot_table, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counts_two_processes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counts_update_and_unknown_slot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_frames_drop_only_that_client, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_changed_event, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shutdown_event_and_stale_recovery, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_not_running, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outsider_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_privilege_drop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_directory_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlink_refused_at_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlink_refused_at_reload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_counts_bounded, setup, teardown),
	};

	return cmocka_run_group_tests_name("slotd", tests, NULL, NULL);
}
