/*
 * PIN requests to slotd's token service: C_Login, C_Logout, C_InitToken,
 * C_InitPIN and C_SetPIN, and the SO's setting of the token's Argon2id
 * parameters for new PINs (SET_KDF, from pkcsconf).
 *
 * The checks that need no key derivation run on the event loop; the rest
 * runs as one job on the worker pool, which calls the store (its PIN
 * functions hold no lock while they derive, and count failures so that
 * concurrent guesses cannot pass the limit).  While a connection's job
 * runs, its further requests wait; its answer, and for a login the master
 * key, go to that connection only.  Every buffer that held a PIN or a key
 * is wiped.
 */
#include "tokens.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "proto.h"
#include "slotd.h"

struct pins_job {
	struct slotd_job base;
	struct slotd *sd;
	struct slotd_client *cl; /* NULL once the connection is gone */
	struct slotd_token *tok;
	uint16_t type;
	uint32_t serial;
	CK_USER_TYPE user;
	CK_RV rv;
	size_t pin_len, new_len;
	uint8_t pin[OS_PROTO_MAX_PIN];
	uint8_t new_pin[OS_PROTO_MAX_PIN];
	uint8_t label[32];
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct tok_kdf_params kdf; /* SET_KDF */
};

static void pins_work(struct slotd_job *base)
{
	struct pins_job *j = (struct pins_job *)base;
	struct tok_store *st = j->tok->store;

	switch (j->type) {
	case OS_MSG_LOGIN:
		j->rv = tok_store_login(st, j->user, j->pin, j->pin_len, j->mk);
		break;
	case OS_MSG_INIT_TOKEN:
		j->rv = tok_store_init_token(st, j->pin, j->pin_len, j->label);
		break;
	case OS_MSG_INIT_PIN:
		j->rv = tok_store_init_user_pin(st, j->mk, j->new_pin, j->new_len);
		break;
	case OS_MSG_SET_PIN:
		j->rv = tok_store_set_pin(st, j->user, j->pin, j->pin_len, j->new_pin, j->new_len);
		break;
	case OS_MSG_SET_KDF: /* no derivation, but a durable write: off the loop too */
		j->rv = tok_store_set_token_kdf(st, &j->kdf);
		break;
	default:
		j->rv = CKR_GENERAL_ERROR;
	}
	/* A damaged token file is the device's fault, not the caller's data. */
	if (j->rv == CKR_DATA_INVALID)
		j->rv = CKR_DEVICE_ERROR;
}

static int pins_send_login(struct slotd *sd, struct pins_job *j)
{
	struct os_buf buf;
	/* The SO has no use for the key: only the user's login reads private objects. */
	bool ok = j->rv == CKR_OK && j->user == CKU_USER;

	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_LOGIN_RESULT, j->serial);
	os_buf_add_u64(&buf, j->rv);
	os_buf_add_u64(&buf, j->user);
	os_buf_add_bytes(&buf, j->mk, ok ? sizeof(j->mk) : 0);
	int r = os_proto_end(&buf, at) == 0 ? slotd_server_queue(sd, j->cl, &buf) : -1;
	if (buf.data)
		OPENSSL_cleanse(buf.data, buf.cap);
	os_buf_free(&buf);
	return r;
}

/*
 * The token in the slot changed: every process that uses it hears of it
 * (of a per-user token, the processes of that user only, and the slot's
 * generation in slotd's segment, which every user reads, stays).
 */
static void pins_announce(struct slotd *sd, const struct slotd_token *tok)
{
	const struct slotd_event ev = {
	    .kind = OS_EVENT_TOKEN_CHANGED,
	    .slot_id = tok->slot_id,
	    .generation = tok->uid == (uid_t)-1 ? slotd_shm_token_changed(sd, tok->slot_id)
	                                        : tok_shm_load(&tok->shm.shm->token_generation)};
	struct slotd_client *cl, *next;

	for (cl = sd->clients; cl; cl = next) {
		next = cl->next;
		if (cl->greeted && !cl->dead && slotd_tokens_serves(tok, cl))
			slotd_events_post(sd, cl, &ev);
	}
}

/* On the event loop: applies the result and answers. */
static void pins_done(struct slotd_job *base)
{
	struct pins_job *j = (struct pins_job *)base;
	struct slotd *sd = j->sd;
	int r = 0;

	if (!j->tok->retired)
		slotd_tokens_publish(sd, j->tok);
	if (j->type == OS_MSG_INIT_TOKEN && j->rv == CKR_OK)
		slotd_tokens_drop_all_logins(sd, j->tok);
	if ((j->type == OS_MSG_INIT_TOKEN || j->type == OS_MSG_INIT_PIN) && j->rv == CKR_OK)
		pins_announce(sd, j->tok);
	if (j->cl) {
		j->cl->conn->job = NULL;
		if (j->type == OS_MSG_LOGIN && j->rv == CKR_OK &&
		    slotd_tokens_set_login(j->cl, j->tok->slot_id, j->user, j->mk) < 0)
			j->rv = CKR_HOST_MEMORY;
		r = j->type == OS_MSG_LOGIN ? pins_send_login(sd, j)
		                            : slotd_tokens_reply(sd, j->cl, j->serial, j->rv);
		if (r < 0)
			slotd_clients_remove(sd, j->cl, "cannot queue a reply");
		else
			slotd_server_resume(sd, j->cl);
	}
	slotd_tokens_job_done(sd, j->tok);
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
}

void slotd_tokens_orphan_job(struct slotd_job *job)
{
	((struct pins_job *)job)->cl = NULL;
}

/* Reads a PIN field into buf; false when it is too long for the protocol. */
static bool pins_read(struct os_reader *rd, uint8_t *buf, size_t *len)
{
	const unsigned char *p = os_reader_bytes(rd, len, OS_PROTO_MAX_PIN);

	if (!p)
		return false;
	memcpy(buf, p, *len);
	return true;
}

/* A new job for the request in hdr on the token of slot_id, or NULL with *rv. */
static struct pins_job *pins_job_new(struct slotd *sd, struct slotd_client *cl,
                                     const struct os_frame_header *hdr, uint64_t slot_id, CK_RV *rv)
{
	struct slotd_token *tok = slotd_tokens_get(sd, cl, slot_id, rv);
	struct pins_job *j;

	if (!tok)
		return NULL;
	if (!cl->conn && !(cl->conn = calloc(1, sizeof(*cl->conn)))) {
		*rv = CKR_HOST_MEMORY;
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		*rv = CKR_HOST_MEMORY;
		return NULL;
	}
	j->base.work = pins_work;
	j->base.done = pins_done;
	j->sd = sd;
	j->cl = cl;
	j->tok = tok;
	j->type = hdr->type;
	j->serial = hdr->serial;
	return j;
}

/* Submits j, or answers at once with rv when it is not CKR_OK. */
static int pins_submit(struct slotd *sd, struct slotd_client *cl, struct pins_job *j, CK_RV rv,
                       uint32_t serial)
{
	if (rv != CKR_OK || !j) {
		if (j && j->type == OS_MSG_LOGIN) {
			j->rv = rv;
			int r = pins_send_login(sd, j);
			OPENSSL_cleanse(j, sizeof(*j));
			free(j);
			return r < 0 ? -1 : 0;
		}
		if (j)
			OPENSSL_cleanse(j, sizeof(*j));
		free(j);
		return slotd_tokens_reply(sd, cl, serial, rv);
	}
	j->tok->jobs++;
	cl->conn->job = &j->base;
	slotd_pool_submit(&sd->tokens->pool, &j->base);
	return 1; /* the connection waits for its answer */
}

static CK_RV pins_check_new(const struct slotd_token *tok, size_t len)
{
	return len < tok->min_pin || len > OS_PROTO_MAX_PIN ? CKR_PIN_LEN_RANGE : CKR_OK;
}

int slotd_tokens_login_req(struct slotd *sd, struct slotd_client *cl,
                           const struct os_frame_header *hdr, struct os_reader *rd)
{
	uint64_t slot_id = os_reader_u64(rd);
	CK_USER_TYPE user = (CK_USER_TYPE)os_reader_u64(rd);
	CK_RV rv = CKR_OK;
	struct pins_job *j = pins_job_new(sd, cl, hdr, slot_id, &rv);
	const struct slotd_login *l = slotd_tokens_login(cl, slot_id);

	if (j) {
		j->user = user;
		if (!pins_read(rd, j->pin, &j->pin_len))
			rv = CKR_PIN_LEN_RANGE;
		else if (user != CKU_SO && user != CKU_USER)
			rv = CKR_USER_TYPE_INVALID;
		else if (l)
			rv = l->user == user ? CKR_USER_ALREADY_LOGGED_IN
			                     : CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	}
	if (!j) {
		struct pins_job tmp = {
		    .cl = cl, .serial = hdr->serial, .user = user, .type = OS_MSG_LOGIN, .rv = rv};
		return pins_send_login(sd, &tmp) < 0 ? -1 : 0;
	}
	return pins_submit(sd, cl, j, rv, hdr->serial);
}

int slotd_tokens_logout(struct slotd *sd, struct slotd_client *cl,
                        const struct os_frame_header *hdr, struct os_reader *rd)
{
	uint64_t slot_id = os_reader_u64(rd);
	CK_RV rv = slotd_tokens_login(cl, slot_id) ? CKR_OK : CKR_USER_NOT_LOGGED_IN;

	slotd_tokens_drop_login(cl, slot_id);
	return slotd_tokens_reply(sd, cl, hdr->serial, rv);
}

/* Whether a connection other than cl is logged in to tok. */
static bool pins_others_logged_in(struct slotd *sd, struct slotd_client *cl,
                                  const struct slotd_token *tok)
{
	for (struct slotd_client *o = sd->clients; o; o = o->next)
		if (o != cl && !o->dead && slotd_tokens_serves(tok, o) &&
		    slotd_tokens_login(o, tok->slot_id))
			return true;
	return false;
}

int slotd_tokens_init_token(struct slotd *sd, struct slotd_client *cl,
                            const struct os_frame_header *hdr, struct os_reader *rd)
{
	uint64_t slot_id = os_reader_u64(rd);
	CK_RV rv = CKR_OK;
	struct pins_job *j = pins_job_new(sd, cl, hdr, slot_id, &rv);
	size_t label_len;

	if (j) {
		bool pin_ok = pins_read(rd, j->pin, &j->pin_len);
		const unsigned char *label = os_reader_bytes(rd, &label_len, sizeof(j->label));
		if (!pin_ok || !label || label_len != sizeof(j->label))
			rv = CKR_ARGUMENTS_BAD;
		else
			memcpy(j->label, label, sizeof(j->label));
		if (rv == CKR_OK)
			rv = pins_check_new(j->tok, j->pin_len);
		/* Only a PIN holder can be logged in: no one else can hold this up. */
		if (rv == CKR_OK && pins_others_logged_in(sd, cl, j->tok))
			rv = CKR_SESSION_EXISTS;
	}
	return pins_submit(sd, cl, j, rv, hdr->serial);
}

int slotd_tokens_init_pin(struct slotd *sd, struct slotd_client *cl,
                          const struct os_frame_header *hdr, struct os_reader *rd)
{
	uint64_t slot_id = os_reader_u64(rd);
	CK_RV rv = CKR_OK;
	struct pins_job *j = pins_job_new(sd, cl, hdr, slot_id, &rv);
	const struct slotd_login *l = slotd_tokens_login(cl, slot_id);

	if (j) {
		if (!pins_read(rd, j->new_pin, &j->new_len))
			rv = CKR_PIN_LEN_RANGE;
		else if (!l || l->user != CKU_SO)
			rv = CKR_USER_NOT_LOGGED_IN;
		else
			rv = pins_check_new(j->tok, j->new_len);
		if (rv == CKR_OK)
			memcpy(j->mk, l->mk, sizeof(j->mk));
	}
	return pins_submit(sd, cl, j, rv, hdr->serial);
}

int slotd_tokens_set_pin(struct slotd *sd, struct slotd_client *cl,
                         const struct os_frame_header *hdr, struct os_reader *rd)
{
	uint64_t slot_id = os_reader_u64(rd);
	CK_RV rv = CKR_OK;
	struct pins_job *j = pins_job_new(sd, cl, hdr, slot_id, &rv);
	const struct slotd_login *l = slotd_tokens_login(cl, slot_id);

	if (j) {
		/* the SO changes the SO PIN; the user, or anyone not logged in, the user PIN */
		j->user = l && l->user == CKU_SO ? CKU_SO : CKU_USER;
		if (!pins_read(rd, j->pin, &j->pin_len) || !pins_read(rd, j->new_pin, &j->new_len))
			rv = CKR_PIN_LEN_RANGE;
		else
			rv = pins_check_new(j->tok, j->new_len);
	}
	return pins_submit(sd, cl, j, rv, hdr->serial);
}

/*
 * The range the SO may choose for the token's parameters.  The floor is
 * OWASP's minimum (m = 19 MiB, t = 2), the least the design promises a
 * PIN, unless the administrator configured lower slot options (a test
 * instance, a small machine), which are then the floor: the SO of a token
 * is trusted with that token, not with weakening its PINs below what root
 * chose for the slot.  The ceiling (1 GiB, 16 passes, or the slot options
 * when higher) keeps one token's SO from making the worker pool, which
 * every token shares, allocate or spin beyond measure at each login.
 */
#define PINS_KDF_MAX_M_KIB (1024u * 1024)
#define PINS_KDF_MAX_T     16u
#define PINS_MIN(a, b)     ((a) < (b) ? (a) : (b))
#define PINS_MAX(a, b)     ((a) > (b) ? (a) : (b))

static CK_RV pins_check_kdf(const struct slotd_token *tok, const struct tok_kdf_params *p)
{
	if (tok_store_kdf_params_unset(p))
		return CKR_OK; /* back to the slot options */
	if (!tok_store_kdf_params_valid(p))
		return CKR_ARGUMENTS_BAD;
	if (p->m_kib < PINS_MIN(TOK_STORE_KDF_DEFAULT_M_KIB, tok->kdf.m_kib) ||
	    p->t < PINS_MIN(TOK_STORE_KDF_DEFAULT_T, tok->kdf.t))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (p->m_kib > PINS_MAX(PINS_KDF_MAX_M_KIB, tok->kdf.m_kib) ||
	    p->t > PINS_MAX(PINS_KDF_MAX_T, tok->kdf.t))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return CKR_OK;
}

int slotd_tokens_set_kdf(struct slotd *sd, struct slotd_client *cl,
                         const struct os_frame_header *hdr, struct os_reader *rd)
{
	uint64_t slot_id = os_reader_u64(rd);
	uint64_t m = os_reader_u64(rd), t = os_reader_u64(rd), p = os_reader_u64(rd);
	CK_RV rv = CKR_OK;
	struct pins_job *j = pins_job_new(sd, cl, hdr, slot_id, &rv);
	const struct slotd_login *l = slotd_tokens_login(cl, slot_id);

	if (j) {
		/* Nothing about the parameters is said to anyone but the SO. */
		if (!l || l->user != CKU_SO)
			rv = CKR_USER_NOT_LOGGED_IN;
		else if (j->tok->tpm) /* the TPM keeps its PINs: no KDF to tune */
			rv = CKR_FUNCTION_NOT_SUPPORTED;
		else if (m > UINT32_MAX || t > UINT32_MAX || p > UINT32_MAX)
			rv = CKR_ARGUMENTS_BAD;
		else
			j->kdf = (struct tok_kdf_params){(uint32_t)m, (uint32_t)t, (uint32_t)p};
		if (rv == CKR_OK)
			rv = pins_check_kdf(j->tok, &j->kdf);
	}
	return pins_submit(sd, cl, j, rv, hdr->serial);
}
