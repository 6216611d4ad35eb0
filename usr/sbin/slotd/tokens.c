/*
 * The token service of slotd (see tokens.h): opening tokens, the logins
 * each connection holds, the token information published to the token
 * segments, and the commit at the end of each pass of the event loop.
 */
#include "tokens.h"
#include "bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"
#include "paths.h"
#include "proto.h"
#include "slotd.h"
#include "tokens_tpm.h"

#define TOKENS_MAX_PIN     128
#define TOKENS_DEFAULT_MIN 6

int slotd_tokens_start(struct slotd *sd)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	sd->tokens = calloc(1, sizeof(*sd->tokens));
	if (!sd->tokens)
		return os_log_fail(-1, "out of memory");
	sd->tokens->pending_tail = &sd->tokens->pending;
	if (slotd_pool_start(&sd->tokens->pool, cpus > 1 ? (unsigned)cpus : 1) < 0)
		return os_log_fail(-1, "cannot start the PIN workers: %s", strerror(errno));
	return 0;
}

static void tokens_close_one(struct slotd_token *tok)
{
	if (tok->store)
		tok_store_close(tok->store);
	slotd_tokens_tpm_detach(tok);
	tok_shm_detach(&tok->shm);
	if (tok->shm_ro_fd >= 0)
		close(tok->shm_ro_fd);
	if (tok->lock_fd >= 0)
		close(tok->lock_fd);
	memset(tok, 0, sizeof(*tok));
	tok->shm_ro_fd = tok->lock_fd = -1;
}

void slotd_tokens_stop(struct slotd *sd)
{
	if (!sd->tokens)
		return;
	slotd_pool_stop(&sd->tokens->pool);
	slotd_tokens_commit(sd);
	for (size_t i = 0; i < sd->tokens->n; i++) {
		tokens_close_one(sd->tokens->v[i]);
		free(sd->tokens->v[i]);
	}
	free(sd->tokens->v);
	free(sd->tokens);
	sd->tokens = NULL;
}

/* A slot option as an unsigned number within [min, max], else dflt (logged). */
static unsigned long tokens_option(const struct os_slot_conf *slot, const char *name,
                                   unsigned long dflt, unsigned long min, unsigned long max)
{
	const char *v = os_conf_slot_option(slot, name);
	char *end;

	if (!v)
		return dflt;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end || end == v || n < min || n > max) {
		os_log(LOG_WARNING, "slot %lu: option %s = %s ignored (%lu..%lu)", slot->id, name,
		       v, min, max);
		return dflt;
	}
	return n;
}

static void tokens_apply_conf(struct slotd_token *tok, const struct os_slot_conf *slot)
{
	const struct tok_kdf_params d = {TOK_STORE_KDF_DEFAULT_M_KIB, TOK_STORE_KDF_DEFAULT_T,
	                                 TOK_STORE_KDF_DEFAULT_P};

	tok->kdf.m_kib = (uint32_t)tokens_option(slot, "pin-kdf-memory", d.m_kib, 8, 4u << 20);
	tok->kdf.t = (uint32_t)tokens_option(slot, "pin-kdf-time", d.t, 1, 1000);
	tok->kdf.p = (uint32_t)tokens_option(slot, "pin-kdf-parallelism", d.p, 1, 16);
	if (tok->kdf.m_kib < 8 * tok->kdf.p)
		tok->kdf.m_kib = 8 * tok->kdf.p;
	tok->min_pin =
	    (unsigned)tokens_option(slot, "min-pin-length", TOKENS_DEFAULT_MIN, 1, TOKENS_MAX_PIN);
	tok->pin_limit = (unsigned)tokens_option(slot, "pin-max-failures", TOK_STORE_MAX_PIN_FAILS,
	                                         1, TOK_STORE_PIN_FAILS_MAX);
	if (tok->store) {
		tok_store_set_kdf_params(tok->store, &tok->kdf);
		tok_store_set_pin_limit(tok->store, tok->pin_limit);
	}
}

/* Opens <lock>/<token>/LCK..<token>, made by slotd, never following a link. */
static int tokens_open_lock(const struct slotd *sd, const char *token)
{
	char dir[PATH_MAX], name[OS_CONF_TOKEN_MAX + 8];
	int dfd, fd;

	snprintf(name, sizeof(name), "LCK..%s", token);
	if (os_paths_join(dir, sizeof(dir), sd->conf->lock_dir, token) < 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
	close(dfd);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || fchmod(fd, 0640) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The lock file and data directory of a slot's token (of uid's, for a per-user slot). */
static CK_RV tokens_place(struct slotd *sd, const struct os_slot_conf *slot, uid_t uid, char *data,
                          size_t len, int *lock_fd)
{
	if (uid != (uid_t)-1)
		return slotd_tokens_user_open(sd, uid, data, len, lock_fd);
	*lock_fd = tokens_open_lock(sd, slot->token);
	if (*lock_fd < 0 || os_paths_join(data, len, sd->conf->data_dir, slot->token) < 0) {
		os_log(LOG_ERR, "token %s: cannot open its lock file: %s", slot->token,
		       strerror(errno));
		return CKR_DEVICE_ERROR;
	}
	return CKR_OK;
}

static CK_RV tokens_open_one(struct slotd *sd, const struct os_slot_conf *slot, uid_t uid,
                             struct slotd_token *tok)
{
	char data[PATH_MAX], err[512];
	CK_RV rv;

	memset(tok, 0, sizeof(*tok));
	tok->shm_ro_fd = -1;
	tok->slot_id = slot->id;
	tok->uid = uid;
	snprintf(tok->name, sizeof(tok->name), "%s", slot->token);
	rv = tokens_place(sd, slot, uid, data, sizeof(data), &tok->lock_fd);
	if (rv != CKR_OK) {
		tokens_close_one(tok);
		return rv;
	}
	if (tok_shm_create(&tok->shm, &tok->shm_ro_fd, err, sizeof(err)) < 0 ||
	    tok_store_open(data, tok->lock_fd, tok->shm.shm, &tok->store, err, sizeof(err)) < 0) {
		os_log(LOG_ERR, "token %s: %s", slot->token, err);
		goto fail;
	}
	tok_store_set_deferred_sync(tok->store, true);
	if (slotd_tokens_tpm_attach(tok, slot) < 0)
		goto fail;
	tokens_apply_conf(tok, slot);
	slotd_tokens_publish(sd, tok);
	return CKR_OK;
fail:
	tokens_close_one(tok);
	return CKR_DEVICE_ERROR;
}

/*
 * The per-user tokens live in one place, <data>/tpm/<user>/, so only the
 * first per-user (tpm) slot of the configuration has them.
 */
static bool tokens_user_slot_ok(const struct os_conf *conf, const struct os_slot_conf *slot)
{
	for (size_t i = 0; i < conf->n_slots; i++)
		if (os_conf_slot_per_user(&conf->slots[i]))
			return &conf->slots[i] == slot;
	return false;
}

/* Whose token the client gets in slot: its uid's for a per-user slot, else the one token. */
static uid_t tokens_owner(const struct os_slot_conf *slot, const struct slotd_client *cl)
{
	return os_conf_slot_per_user(slot) ? cl->uid : (uid_t)-1;
}

bool slotd_tokens_serves(const struct slotd_token *tok, const struct slotd_client *cl)
{
	return tok->uid == (uid_t)-1 || tok->uid == cl->uid;
}

struct slotd_token *slotd_tokens_find(struct slotd *sd, const struct slotd_client *cl,
                                      uint64_t slot_id)
{
	const struct os_slot_conf *slot = os_conf_slot(sd->conf, slot_id);
	struct slotd_tokens *ts = sd->tokens;
	uid_t uid;

	if (!slot || !ts)
		return NULL;
	uid = tokens_owner(slot, cl);
	for (size_t i = 0; i < ts->n; i++)
		if (ts->v[i]->slot_id == slot_id && ts->v[i]->uid == uid && !ts->v[i]->retired)
			return ts->v[i];
	return NULL;
}

struct slotd_token *slotd_tokens_get(struct slotd *sd, const struct slotd_client *cl,
                                     uint64_t slot_id, CK_RV *rv)
{
	struct slotd_tokens *ts = sd->tokens;
	const struct os_slot_conf *slot = os_conf_slot(sd->conf, slot_id);

	if (!slot) {
		*rv = CKR_SLOT_ID_INVALID;
		return NULL;
	}
	uid_t uid = tokens_owner(slot, cl);
	if (uid != (uid_t)-1 && !tokens_user_slot_ok(sd->conf, slot)) {
		os_log(LOG_ERR, "slot %lu: only the first tpm slot has the per-user tokens",
		       slot->id);
		*rv = CKR_TOKEN_NOT_PRESENT;
		return NULL;
	}
	struct slotd_token *found = slotd_tokens_find(sd, cl, slot_id);
	if (found)
		return found;
	void *v = realloc(ts->v, (ts->n + 1) * sizeof(*ts->v));
	struct slotd_token *tok = malloc(sizeof(*tok));
	if (v)
		ts->v = v;
	if (!v || !tok) {
		free(tok);
		*rv = CKR_HOST_MEMORY;
		return NULL;
	}
	*rv = tokens_open_one(sd, slot, uid, tok);
	if (*rv != CKR_OK) {
		free(tok);
		return NULL;
	}
	ts->v[ts->n++] = tok;
	return tok;
}

/* Forgets a token that has no job in flight. */
static void tokens_forget(struct slotd_tokens *ts, struct slotd_token *tok)
{
	for (size_t i = 0; i < ts->n; i++) {
		if (ts->v[i] != tok)
			continue;
		tokens_close_one(tok);
		free(tok);
		ts->v[i] = ts->v[--ts->n];
		return;
	}
}

void slotd_tokens_job_done(struct slotd *sd, struct slotd_token *tok)
{
	if (--tok->jobs == 0 && tok->retired)
		tokens_forget(sd->tokens, tok);
}

void slotd_tokens_reload(struct slotd *sd)
{
	struct slotd_tokens *ts = sd->tokens;

	slotd_tokens_commit(sd);
	for (size_t i = ts->n; i-- > 0;) {
		struct slotd_token *tok = ts->v[i];
		const struct os_slot_conf *slot = os_conf_slot(sd->conf, tok->slot_id);
		if (tok->retired)
			continue;
		bool user_ok =
		    slot && (tok->uid == (uid_t)-1 ? !os_conf_slot_per_user(slot)
		                                   : tokens_user_slot_ok(sd->conf, slot));
		if (user_ok && strcmp(slot->token, tok->name) == 0 &&
		    !slotd_tokens_tpm_changed(tok, slot)) {
			tokens_apply_conf(tok, slot);
			slotd_tokens_publish(sd, tok);
			continue;
		}
		/* Clients keep their mapping of the old segment; it simply stops changing. */
		slotd_tokens_drop_all_logins(sd, tok);
		tok->retired = true;
		if (tok->jobs == 0)
			tokens_forget(ts, tok);
	}
}

/*
 * The PIN state flags of a role with failures consecutive wrong PINs out of
 * limit: low after any, final when one try is left (from the start with a
 * limit of one), and only locked at the limit.
 */
static CK_FLAGS tokens_pin_flags(uint32_t failures, unsigned limit, CK_FLAGS low, CK_FLAGS final,
                                 CK_FLAGS locked)
{
	CK_FLAGS flags = 0;

	if (failures >= limit)
		return locked;
	if (failures > 0)
		flags |= low;
	if (failures + 1 == limit)
		flags |= final;
	return flags;
}

void slotd_tokens_publish(struct slotd *sd, struct slotd_token *tok)
{
	struct tok_store_info in;
	struct tok_shm_info out = {.min_pin = tok->min_pin, .max_pin = TOKENS_MAX_PIN};
	CK_RV rv = tok_store_read_info(tok->store, &in);

	(void)sd;
	if (rv != CKR_OK) {
		os_log(LOG_ERR, "token %s: NVTOK.DAT is damaged (0x%lx)", tok->name, rv);
		memset(&in, 0, sizeof(in));
	}
	os_pad_text(out.label, sizeof(out.label), in.initialized ? in.label : "");
	out.flags = CKF_LOGIN_REQUIRED;
	if (in.initialized)
		out.flags |= CKF_TOKEN_INITIALIZED;
	if (in.user_pin_set)
		out.flags |= CKF_USER_PIN_INITIALIZED;
	/* No *_PIN_TO_BE_CHANGED: the token never chooses a PIN itself.  A PIN not set has no state. */
	if (in.user_pin_set)
		out.flags |=
		    tokens_pin_flags(in.user_failures, tok->pin_limit, CKF_USER_PIN_COUNT_LOW,
		                     CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED);
	if (in.initialized)
		out.flags |= tokens_pin_flags(in.so_failures, tok->pin_limit, CKF_SO_PIN_COUNT_LOW,
		                              CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED);
	tok_shm_publish_info(tok->shm.shm, &out);
}

static struct slotd_conn *tokens_conn(struct slotd_client *cl)
{
	if (!cl->conn)
		cl->conn = calloc(1, sizeof(*cl->conn));
	return cl->conn;
}

struct slotd_login *slotd_tokens_login(struct slotd_client *cl, uint64_t slot_id)
{
	if (!cl->conn)
		return NULL;
	for (size_t i = 0; i < cl->conn->n_logins; i++)
		if (cl->conn->logins[i].slot_id == slot_id)
			return &cl->conn->logins[i];
	return NULL;
}

int slotd_tokens_set_login(struct slotd_client *cl, uint64_t slot_id, CK_USER_TYPE user,
                           const uint8_t mk[TOK_STORE_KEY_LEN])
{
	struct slotd_conn *c = tokens_conn(cl);
	struct slotd_login *l = slotd_tokens_login(cl, slot_id);

	if (!c)
		return -1;
	if (!l) {
		void *v = realloc(c->logins, (c->n_logins + 1) * sizeof(*c->logins));
		if (!v)
			return -1;
		c->logins = v;
		l = &c->logins[c->n_logins++];
	}
	l->slot_id = slot_id;
	l->user = user;
	memcpy(l->mk, mk, TOK_STORE_KEY_LEN);
	return 0;
}

void slotd_tokens_drop_login(struct slotd_client *cl, uint64_t slot_id)
{
	struct slotd_login *l = slotd_tokens_login(cl, slot_id);

	if (!l)
		return;
	OPENSSL_cleanse(l, sizeof(*l));
	*l = cl->conn->logins[--cl->conn->n_logins];
	OPENSSL_cleanse(&cl->conn->logins[cl->conn->n_logins], sizeof(*l));
}

void slotd_tokens_drop_all_logins(struct slotd *sd, const struct slotd_token *tok)
{
	for (struct slotd_client *cl = sd->clients; cl; cl = cl->next)
		if (slotd_tokens_serves(tok, cl))
			slotd_tokens_drop_login(cl, tok->slot_id);
}

void slotd_tokens_client_gone(struct slotd *sd, struct slotd_client *cl)
{
	for (struct slotd_pending *p = sd->tokens ? sd->tokens->pending : NULL; p; p = p->next)
		if (p->cl == cl)
			p->cl = NULL;
	if (!cl->conn)
		return;
	/* A PIN job in flight finishes on its own and finds no client. */
	if (cl->conn->job)
		slotd_tokens_orphan_job(cl->conn->job);
	OPENSSL_cleanse(cl->conn->logins, cl->conn->n_logins * sizeof(*cl->conn->logins));
	free(cl->conn->logins);
	free(cl->conn);
	cl->conn = NULL;
}

int slotd_tokens_reply(struct slotd *sd, struct slotd_client *cl, uint32_t serial, CK_RV rv)
{
	struct os_buf buf;

	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_RESULT, serial);
	os_buf_add_u64(&buf, rv);
	int r = os_proto_end(&buf, at) == 0 ? slotd_server_queue(sd, cl, &buf) : -1;
	os_buf_free(&buf);
	return r < 0 ? -1 : 0;
}

static void tokens_answer(struct slotd *sd, struct slotd_pending *p)
{
	struct os_buf buf;

	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_OBJ_RESULT, p->serial);
	os_buf_add_u64(&buf, p->rv);
	os_buf_add_u64(&buf, p->id);
	os_buf_add_u64(&buf, p->generation);
	if (os_proto_end(&buf, at) < 0 || slotd_server_queue(sd, p->cl, &buf) < 0)
		slotd_clients_remove(sd, p->cl, "cannot queue a reply");
	else
		slotd_server_resume(sd, p->cl);
	os_buf_free(&buf);
}

bool slotd_tokens_pending(const struct slotd *sd)
{
	return sd->tokens && sd->tokens->pending;
}

void slotd_tokens_commit(struct slotd *sd)
{
	struct slotd_tokens *ts = sd->tokens;
	struct slotd_pending *p, *next;

	if (!ts || !ts->pending)
		return;
	for (size_t i = 0; i < ts->n; i++) {
		struct slotd_token *tok = ts->v[i];
		if (!tok->dirty)
			continue;
		CK_RV rv = tok_store_sync(tok->store);
		tok->dirty = false;
		for (p = ts->pending; p; p = p->next)
			if (p->tok == tok && rv != CKR_OK)
				p->rv = CKR_DEVICE_ERROR;
		if (rv != CKR_OK)
			os_log(LOG_ERR, "token %s: cannot make changes durable (0x%lx)", tok->name,
			       rv);
	}
	p = ts->pending;
	ts->pending = NULL;
	ts->pending_tail = &ts->pending;
	for (; p; p = next) {
		next = p->next;
		/* a client dropped while answering another one is not answered */
		if (p->cl && !p->cl->dead) {
			p->cl->conn->pending = false;
			tokens_answer(sd, p);
		}
		free(p);
	}
}

int slotd_tokens_pend(struct slotd *sd, struct slotd_client *cl, struct slotd_token *tok,
                      uint32_t serial, CK_RV rv, uint64_t id, uint64_t generation)
{
	struct slotd_pending *p = calloc(1, sizeof(*p));
	struct slotd_conn *c = tokens_conn(cl);

	if (!p || !c) {
		free(p);
		return -1;
	}
	*p = (struct slotd_pending){
	    .cl = cl, .tok = tok, .serial = serial, .rv = rv, .id = id, .generation = generation};
	*sd->tokens->pending_tail = p;
	sd->tokens->pending_tail = &p->next;
	c->pending = true;
	return 1; /* the client's next request waits for this answer */
}
