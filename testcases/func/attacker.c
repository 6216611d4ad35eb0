/*
 * The raw protocol and the store reader for the attack tests (see
 * attacker.h).
 */
#include "attacker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"

int attacker_connect(struct os_client *cl, const char *conf_path)
{
	struct os_conf *conf;
	char err[512];
	int rc;

	if (os_conf_load(conf_path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "uid %ld: %s\n", (long)getuid(), err);
		return -1;
	}
	rc = os_client_connect_conf(cl, conf, "attacker", err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "uid %ld: %s\n", (long)getuid(), err);
	os_conf_free(conf);
	return rc;
}

/* Sends the request in buf and reads the first u64 (rv) of a reply of type want. */
static long attacker_call(struct os_client *cl, struct os_buf *buf, size_t at, uint16_t want,
                          struct os_buf *reply, struct os_reader *rd)
{
	if (os_client_call(cl, buf, at, want, reply) < 0)
		return -1;
	os_reader_init(rd, reply->data, reply->len);
	return (long)os_reader_u64(rd);
}

long attacker_login(struct os_client *cl, uint64_t slot, CK_USER_TYPE user, const char *pin,
                    uint8_t mk[TOK_STORE_KEY_LEN], size_t *mk_len)
{
	struct os_buf buf, reply;
	struct os_reader rd;
	size_t at = os_client_begin(cl, &buf, OS_MSG_LOGIN);

	*mk_len = 0;
	os_buf_add_u64(&buf, slot);
	os_buf_add_u64(&buf, user);
	os_buf_add_bytes(&buf, pin, strlen(pin));
	long rv = attacker_call(cl, &buf, at, OS_MSG_LOGIN_RESULT, &reply, &rd);
	if (rv < 0)
		return rv;
	os_reader_u64(&rd);
	const unsigned char *key = os_reader_bytes(&rd, mk_len, OS_PROTO_MAX_PAYLOAD);
	if (key && *mk_len == TOK_STORE_KEY_LEN)
		memcpy(mk, key, TOK_STORE_KEY_LEN);
	os_buf_free(&reply);
	return rv;
}

/* A request of type answered by a RESULT, its payload the slot id and extra. */
static long attacker_result(struct os_client *cl, uint16_t type, uint64_t slot, const void *extra,
                            size_t len, bool with_extra)
{
	struct os_buf buf, reply;
	struct os_reader rd;
	size_t at = os_client_begin(cl, &buf, type);

	os_buf_add_u64(&buf, slot);
	if (with_extra)
		os_buf_add_bytes(&buf, extra, len);
	long rv = attacker_call(cl, &buf, at, OS_MSG_RESULT, &reply, &rd);
	if (rv >= 0)
		os_buf_free(&reply);
	return rv;
}

long attacker_logout(struct os_client *cl, uint64_t slot)
{
	return attacker_result(cl, OS_MSG_LOGOUT, slot, NULL, 0, false);
}

long attacker_init_pin(struct os_client *cl, uint64_t slot, const char *pin, size_t len)
{
	return attacker_result(cl, OS_MSG_INIT_PIN, slot, pin, len, true);
}

/* Sends an object request (payload slot, id, then bytes when data) and reads OBJ_RESULT. */
static long attacker_object(struct os_client *cl, uint16_t type, uint64_t slot, uint64_t id,
                            const void *data, size_t len)
{
	struct os_buf buf, reply;
	struct os_reader rd;
	size_t at = os_client_begin(cl, &buf, type);

	os_buf_add_u64(&buf, slot);
	os_buf_add_u64(&buf, id);
	if (type == OS_MSG_OBJ_SAVE)
		os_buf_add_bytes(&buf, data, len);
	long rv = attacker_call(cl, &buf, at, OS_MSG_OBJ_RESULT, &reply, &rd);
	if (rv >= 0)
		os_buf_free(&reply);
	return rv;
}

long attacker_save_bytes(struct os_client *cl, uint64_t slot, uint64_t id, const void *data,
                         size_t len)
{
	return attacker_object(cl, OS_MSG_OBJ_SAVE, slot, id, data, len);
}

long attacker_save(struct os_client *cl, uint64_t slot, uint64_t id, const struct tok_attrs *attrs)
{
	struct os_buf body;

	os_buf_init(&body);
	tok_attrs_encode(attrs, &body);
	long rv =
	    os_buf_failed(&body) ? -1 : attacker_save_bytes(cl, slot, id, body.data, body.len);
	os_buf_free(&body);
	return rv;
}

long attacker_destroy(struct os_client *cl, uint64_t slot, uint64_t id)
{
	return attacker_object(cl, OS_MSG_OBJ_DESTROY, slot, id, NULL, 0);
}

int attacker_open_store(const char *data_dir, const char *lock_dir, const char *token, uid_t owner,
                        struct tok_store **st)
{
	char path[PATH_MAX], err[512];
	int lock_fd;

	snprintf(path, sizeof(path), "%s/%s/LCK..%s", lock_dir, token, token);
	lock_fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/%s", data_dir, token);
	if (lock_fd < 0 || tok_store_open_reader(path, lock_fd, owner, st, err, sizeof(err)) < 0) {
		fprintf(stderr, "uid %ld: cannot read the store in %s: %s\n", (long)getuid(), path,
		        lock_fd < 0 ? "no lock file" : err);
		if (lock_fd >= 0)
			close(lock_fd);
		return -1;
	}
	return 0;
}

void attacker_close_store(struct tok_store *st)
{
	tok_store_close(st);
}

static bool attacker_labelled(const struct tok_attrs *attrs, const char *label)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(attrs, CKA_LABEL);

	return at && at->ulValueLen == strlen(label) &&
	       memcmp(at->pValue, label, at->ulValueLen) == 0;
}

CK_RV attacker_find(struct tok_store *st, const uint8_t *mk, const char *label,
                    struct tok_store_entry *entry, struct tok_attrs *attrs)
{
	struct tok_store_entry *v;
	size_t n;
	CK_RV rv = tok_store_list(st, &v, &n);

	if (rv != CKR_OK)
		return rv;
	rv = CKR_OBJECT_HANDLE_INVALID;
	for (size_t i = 0; i < n && rv != CKR_OK; i++) {
		if (v[i].private && !mk)
			continue;
		tok_attrs_init(attrs);
		if (tok_store_load_object(st, &v[i], mk, attrs) == CKR_OK &&
		    attacker_labelled(attrs, label)) {
			*entry = v[i];
			rv = CKR_OK;
		} else {
			tok_attrs_free(attrs);
		}
	}
	free(v);
	if (rv != CKR_OK)
		tok_attrs_init(attrs);
	return rv;
}

uint64_t attacker_private_id(struct tok_store *st)
{
	struct tok_store_entry *v;
	uint64_t id = 0;
	size_t n;

	if (tok_store_list(st, &v, &n) != CKR_OK)
		return 0;
	for (size_t i = 0; i < n && !id; i++)
		if (v[i].private)
			id = v[i].id;
	free(v);
	return id;
}

/* The frames a fake slotd sends unasked: a handshake and a slot table. */
static void attacker_fake_answer(struct os_buf *buf, uint64_t slot, const char *token)
{
	size_t at = os_proto_begin(buf, OS_MSG_HELLO_OK, 1);

	os_buf_add_u32(buf, OS_PROTO_VERSION);
	os_buf_add_u64(buf, (uint64_t)getpid());
	os_buf_add_u64(buf, 4096);
	os_buf_add_u32(buf, 1);
	os_proto_end(buf, at);
	at = os_proto_begin(buf, OS_MSG_SLOTS, 2);
	os_buf_add_u64(buf, 1);
	os_buf_add_u32(buf, 1);
	os_buf_add_u64(buf, slot);
	os_buf_add_str(buf, "soft");
	os_buf_add_str(buf, token);
	os_buf_add_str(buf, "fake");
	os_buf_add_str(buf, "fake");
	for (int i = 0; i < 4; i++)
		os_buf_add_u32(buf, 0);
	os_proto_end(buf, at);
}

int attacker_fake_listen(struct attacker_fake *fk, const char *path, uint64_t slot,
                         const char *token)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(fk, 0, sizeof(*fk));
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(addr.sun_path, 0666) < 0 || listen(fd, 8) < 0) {
		fprintf(stderr, "uid %ld cannot serve %s: %s\n", (long)getuid(), path,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fk->pfd[1] = (struct pollfd){.fd = fd, .events = POLLIN};
	fk->n = 2;
	os_buf_init(&fk->answer);
	attacker_fake_answer(&fk->answer, slot, token);
	return os_buf_failed(&fk->answer) ? -1 : 0;
}

static void attacker_fake_accept(struct attacker_fake *fk)
{
	int fd = accept4(fk->pfd[1].fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	fk->accepted++;
	send(fd, fk->answer.data, fk->answer.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (fk->n < sizeof(fk->pfd) / sizeof(fk->pfd[0]))
		fk->pfd[fk->n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	else
		close(fd);
}

/* Counts what connection i sent; drops it at end of file. */
static void attacker_fake_read(struct attacker_fake *fk, nfds_t i)
{
	char buf[4096];
	ssize_t n = recv(fk->pfd[i].fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n > 0) {
		fk->received += (size_t)n;
		return;
	}
	close(fk->pfd[i].fd);
	fk->pfd[i] = fk->pfd[--fk->n];
}

void attacker_fake_serve(struct attacker_fake *fk, int stop_fd, int timeout_ms)
{
	fk->pfd[0] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
	while (poll(fk->pfd, fk->n, timeout_ms) > 0 && !fk->pfd[0].revents) {
		if (fk->pfd[1].revents)
			attacker_fake_accept(fk);
		for (nfds_t i = fk->n; i-- > 2;)
			if (fk->pfd[i].revents)
				attacker_fake_read(fk, i);
	}
	for (nfds_t i = 1; i < fk->n; i++)
		close(fk->pfd[i].fd);
	os_buf_free(&fk->answer);
}
