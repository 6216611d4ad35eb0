/*
 * The writer of this process's tokens: slotd, over the counts connection
 * (see struct tok_writer in token.h).
 *
 * Each change is one request and one answer on api_state.client, with
 * client_lock held; slotd answers once the change is durable, or with the
 * PKCS#11 error it found.  A connection that fails is the device's error:
 * it is reconnected at the next use, and since slotd keeps logins per
 * connection, every login of this process is forgotten with it.  PINs and
 * the master key are wiped from every buffer they passed through.
 */
#include "api.h"

#include <string.h>

#include <openssl/crypto.h>

#include "proto.h"

/* Frees a buffer that held a secret. */
static void remote_wipe(struct os_buf *buf)
{
	if (buf->data)
		OPENSSL_cleanse(buf->data, buf->cap);
	os_buf_free(buf);
}

/*
 * Sends the request remote_begin() started in buf, reads the answer of
 * reply_type into *reply and releases client_lock.  CKR_DEVICE_ERROR when
 * slotd cannot be reached; the connection is then dropped and the logins
 * forgotten.
 */
static CK_RV remote_call(struct os_buf *buf, size_t at, uint16_t reply_type, struct os_buf *reply)
{
	CK_RV rv = CKR_OK;

	if (!api_state.client_ok) {
		api_trace(API_TRACE_ERROR, "the change was not sent to slotd");
		remote_wipe(buf);
		rv = CKR_DEVICE_ERROR;
	} else if (os_client_call(&api_state.client, buf, at, reply_type, reply) < 0) {
		api_trace(API_TRACE_ERROR, "lost the connection to slotd during a change");
		api_events_lost_client_inlock();
		rv = CKR_DEVICE_ERROR;
	}
	pthread_mutex_unlock(&api_state.client_lock);
	return rv;
}

/* A request whose answer is a RESULT; build it with remote_begin(). */
static CK_RV remote_result(struct os_buf *buf, size_t at)
{
	struct os_buf reply;
	struct os_reader rd;

	CK_RV rv = remote_call(buf, at, OS_MSG_RESULT, &reply);

	if (rv != CKR_OK)
		return rv;
	os_reader_init(&rd, reply.data, reply.len);
	rv = os_reader_u64(&rd);
	os_buf_free(&reply);
	return rv;
}

/* Takes client_lock (remote_call releases it) and starts a request for slot. */
static size_t remote_begin(struct os_buf *buf, uint16_t type, const struct api_slot *slot)
{
	pthread_mutex_lock(&api_state.client_lock);
	if (!api_state.client_ok)
		api_events_reconnect_client_inlock();
	size_t at = os_client_begin(&api_state.client, buf, type);
	os_buf_add_u64(buf, slot->id);
	return at;
}

static CK_RV remote_object_result(struct os_buf *buf, size_t at, uint64_t *id, uint64_t *gen)
{
	struct os_buf reply;
	struct os_reader rd;

	CK_RV rv = remote_call(buf, at, OS_MSG_OBJ_RESULT, &reply);

	if (rv != CKR_OK)
		return rv;
	os_reader_init(&rd, reply.data, reply.len);
	rv = os_reader_u64(&rd);
	uint64_t new_id = os_reader_u64(&rd);
	uint64_t new_gen = os_reader_u64(&rd);
	os_buf_free(&reply);
	if (rv == CKR_OK && id) {
		*id = new_id;
		*gen = new_gen;
	}
	return rv;
}

static CK_RV remote_save(void *ctx, uint64_t *id, uint64_t *generation,
                         const struct tok_attrs *attrs)
{
	struct os_buf buf, body;

	os_buf_init(&body);
	tok_attrs_encode(attrs, &body);
	if (os_buf_failed(&body)) {
		remote_wipe(&body);
		return CKR_HOST_MEMORY;
	}
	if (body.len > OS_PROTO_MAX_OBJECT) {
		remote_wipe(&body);
		return CKR_DEVICE_MEMORY;
	}
	size_t at = remote_begin(&buf, OS_MSG_OBJ_SAVE, ctx);
	os_buf_add_u64(&buf, *id);
	os_buf_add_bytes(&buf, body.data, body.len);
	remote_wipe(&body);
	return remote_object_result(&buf, at, id, generation);
}

static CK_RV remote_destroy(void *ctx, uint64_t id)
{
	struct os_buf buf;
	size_t at = remote_begin(&buf, OS_MSG_OBJ_DESTROY, ctx);

	os_buf_add_u64(&buf, id);
	return remote_object_result(&buf, at, NULL, NULL);
}

static CK_RV remote_login(void *ctx, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len,
                          uint8_t mk[TOK_STORE_KEY_LEN], bool *have_mk)
{
	struct os_buf buf, reply;
	struct os_reader rd;
	size_t mklen;
	size_t at = remote_begin(&buf, OS_MSG_LOGIN, ctx);

	os_buf_add_u64(&buf, user);
	os_buf_add_bytes(&buf, pin, len);
	CK_RV rv = remote_call(&buf, at, OS_MSG_LOGIN_RESULT, &reply);

	*have_mk = false;
	if (rv != CKR_OK)
		return rv;
	os_reader_init(&rd, reply.data, reply.len);
	rv = os_reader_u64(&rd);
	os_reader_u64(&rd);
	const unsigned char *key = os_reader_bytes(&rd, &mklen, TOK_STORE_KEY_LEN);
	if (rv == CKR_OK && key && mklen == TOK_STORE_KEY_LEN) {
		memcpy(mk, key, TOK_STORE_KEY_LEN);
		*have_mk = true;
	} else if (rv == CKR_OK && (user == CKU_USER || !key)) {
		rv = CKR_DEVICE_ERROR; /* a user login without its key is of no use */
	}
	remote_wipe(&reply);
	return rv;
}

static CK_RV remote_logout(void *ctx)
{
	struct os_buf buf;

	return remote_result(&buf, remote_begin(&buf, OS_MSG_LOGOUT, ctx));
}

static CK_RV remote_init_token(void *ctx, const CK_UTF8CHAR *pin, CK_ULONG len,
                               const CK_UTF8CHAR label[32])
{
	struct os_buf buf;
	size_t at = remote_begin(&buf, OS_MSG_INIT_TOKEN, ctx);

	os_buf_add_bytes(&buf, pin, len);
	os_buf_add_bytes(&buf, label, 32);
	return remote_result(&buf, at);
}

static CK_RV remote_init_pin(void *ctx, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	struct os_buf buf;
	size_t at = remote_begin(&buf, OS_MSG_INIT_PIN, ctx);

	os_buf_add_bytes(&buf, pin, len);
	return remote_result(&buf, at);
}

static CK_RV remote_set_pin(void *ctx, const CK_UTF8CHAR *old, CK_ULONG old_len,
                            const CK_UTF8CHAR *pin, CK_ULONG len)
{
	struct os_buf buf;
	size_t at = remote_begin(&buf, OS_MSG_SET_PIN, ctx);

	os_buf_add_bytes(&buf, old, old_len);
	os_buf_add_bytes(&buf, pin, len);
	return remote_result(&buf, at);
}

void api_remote_writer(struct api_slot *slot, struct tok_writer *w)
{
	*w = (struct tok_writer){
	    .ctx = slot,
	    .save = remote_save,
	    .destroy = remote_destroy,
	    .login = remote_login,
	    .logout = remote_logout,
	    .init_token = remote_init_token,
	    .init_pin = remote_init_pin,
	    .set_pin = remote_set_pin,
	};
}
