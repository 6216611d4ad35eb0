/*
 * Session handles and the session functions of PKCS#11.
 *
 * Handles index a growing table; each carries the generation of its table
 * entry in its upper 32 bits, so a handle is never valid again once closed
 * (an entry whose generations are used up is retired) and a lookup is one
 * index and one compare.  Sessions are reference counted: a call that
 * found a session keeps it alive even if another thread closes it
 * meanwhile.  Counts per slot are reported to slotd as they change; the
 * last session of a slot closing logs the process out of that token.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(CK_SESSION_HANDLE) >= 8, "handles carry a generation");

#define SESSIONS_MAX_ENTRIES 0x7fffffffu

static CK_SESSION_HANDLE sessions_make_handle(uint32_t index, uint32_t generation)
{
	return ((CK_SESSION_HANDLE)generation << 32) | ((CK_SESSION_HANDLE)index + 1);
}

/* The live session of a handle, with sessions_lock held; NULL when none. */
static struct api_session *sessions_lookup_inlock(CK_SESSION_HANDLE h)
{
	uint64_t low = h & 0xffffffffu;
	uint32_t generation = (uint32_t)(h >> 32);

	if (low == 0 || low > api_state.n_handles)
		return NULL;
	struct api_handle_entry *e = &api_state.handles[low - 1];
	return e->generation == generation ? e->session : NULL;
}

static int sessions_grow_inlock(void)
{
	uint32_t cap = api_state.cap_handles ? api_state.cap_handles * 2 : 64;

	if (api_state.cap_handles >= SESSIONS_MAX_ENTRIES / 2)
		return -1;
	void *p = realloc(api_state.handles, cap * sizeof(*api_state.handles));
	if (!p)
		return -1;
	api_state.handles = p;
	api_state.cap_handles = cap;
	return 0;
}

static int sessions_insert_inlock(struct api_session *s)
{
	uint32_t index;

	if (api_state.free_head) {
		index = api_state.free_head - 1;
		api_state.free_head = api_state.handles[index].next_free;
	} else {
		if (api_state.n_handles == api_state.cap_handles && sessions_grow_inlock() < 0)
			return -1;
		index = api_state.n_handles++;
		api_state.handles[index].generation = 1;
	}
	api_state.handles[index].session = s;
	api_state.handles[index].next_free = 0;
	s->handle = sessions_make_handle(index, api_state.handles[index].generation);
	api_state.n_live++;
	return 0;
}

static void sessions_remove_inlock(struct api_session *s)
{
	uint32_t index = (uint32_t)(s->handle & 0xffffffffu) - 1;
	struct api_handle_entry *e = &api_state.handles[index];
	struct api_slot *slot = s->slot;

	e->session = NULL;
	/* An entry that has given out its last generation is never used again. */
	if (e->generation != UINT32_MAX) {
		e->generation++;
		e->next_free = api_state.free_head;
		api_state.free_head = index + 1;
	}
	api_state.n_live--;
	__atomic_sub_fetch(&slot->n_sessions, 1, __ATOMIC_RELEASE);
	if (s->flags & CKF_RW_SESSION)
		__atomic_sub_fetch(&slot->n_rw_sessions, 1, __ATOMIC_RELEASE);
}

/*
 * With sessions_lock held, after sessions left the table: when the slot
 * has none left the process is logged out, before the lock is released, so
 * that a session another thread opens meanwhile is not logged out with
 * them (sessions_lock comes before the token's lock in the lock order).
 * The login state is read without the token's lock.
 */
static void sessions_logout_if_last_inlock(struct api_slot *slot)
{
	if (slot->has_token && slot->n_sessions == 0 &&
	    tok_token_login_state(&slot->token) != TOK_NO_USER)
		tok_token_logout(&slot->token);
}

/*
 * The end of a session that left the table (sessions_lock not held), for
 * C_CloseSession and C_CloseAllSessions alike: its session objects go with
 * its last reference (api_session_put), so that an object a call still
 * running on it creates goes too.
 */
static void sessions_end(struct api_session *s)
{
	s->closed = true;
	api_session_put(s);
}

CK_RV api_sessions_after_login(struct api_session *s, CK_USER_TYPE user)
{
	struct api_slot *slot = s->slot;
	CK_RV rv = CKR_OK;

	pthread_mutex_lock(&api_state.sessions_lock);
	if (slot->n_sessions == 0)
		rv = CKR_SESSION_CLOSED;
	else if (user == CKU_SO && slot->n_sessions > slot->n_rw_sessions)
		rv = CKR_SESSION_READ_ONLY_EXISTS;
	if (rv != CKR_OK)
		tok_token_logout(&slot->token);
	pthread_mutex_unlock(&api_state.sessions_lock);
	return rv;
}

void api_session_end_op(struct api_session *s, enum api_op_kind kind)
{
	struct api_op *op = &s->ops[kind];

	if (op->state && kind == API_OP_DIGEST && !op->keyed && !s->digest_spare)
		s->digest_spare = op->state; /* the next C_DigestInit reuses it */
	else if (op->state)
		s->slot->ops->op_free(op->state);
	tok_object_unref(op->key);
	op->state = NULL;
	op->key = NULL;
	op->keyed = false;
}

CK_RV api_session_get(CK_SESSION_HANDLE h, struct api_session **out)
{
	pthread_mutex_lock(&api_state.sessions_lock);
	struct api_session *s = sessions_lookup_inlock(h);
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&api_state.sessions_lock);
	*out = s;
	/* After slotd restarted, its session holds no login any more: nor do we. */
	if (s && s->slot->has_token && __atomic_load_n(&s->slot->login_lost, __ATOMIC_ACQUIRE) &&
	    __atomic_exchange_n(&s->slot->login_lost, 0, __ATOMIC_ACQ_REL))
		tok_token_forget_login(&s->slot->token);
	return s ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}

void api_session_put(struct api_session *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		/* A session that never made objects owns none: the token is not asked. */
		if (s->closed && s->slot->has_token &&
		    __atomic_load_n(&s->may_own, __ATOMIC_ACQUIRE))
			tok_token_session_closed(&s->slot->token, s);
		for (int k = 0; k < API_OP_COUNT; k++)
			api_session_end_op(s, k);
		if (s->digest_spare)
			s->slot->ops->op_free(s->digest_spare);
		free(s->found);
		pthread_mutex_destroy(&s->op_lock);
		free(s);
	}
}

/* Drops every session without telling slotd (C_Finalize disconnects anyway). */
void api_sessions_clear(void)
{
	for (uint32_t i = 0; i < api_state.n_handles; i++)
		if (api_state.handles[i].session)
			api_session_put(api_state.handles[i].session);
	free(api_state.handles);
	api_state.handles = NULL;
	api_state.n_handles = api_state.cap_handles = api_state.free_head = 0;
	api_state.n_live = 0;
}

void api_sessions_drop_slot(struct api_slot *slot)
{
	pthread_mutex_lock(&api_state.sessions_lock);
	for (uint32_t i = 0; i < api_state.n_handles; i++) {
		struct api_session *s = api_state.handles[i].session;
		if (!s || s->slot != slot)
			continue;
		sessions_remove_inlock(s);
		api_session_put(s);
	}
	pthread_mutex_unlock(&api_state.sessions_lock);
}

CK_STATE api_session_state(struct api_session *s)
{
	bool rw = s->flags & CKF_RW_SESSION;
	CK_USER_TYPE login =
	    s->slot->has_token ? tok_token_login_state(&s->slot->token) : TOK_NO_USER;

	switch (login) {
	case CKU_SO:
		return CKS_RW_SO_FUNCTIONS;
	case CKU_USER:
		return rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
	default:
		return rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
	}
}

static CK_RV sessions_open(struct api_slot *slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
                           CK_SESSION_HANDLE *out)
{
	struct api_session *s = calloc(1, sizeof(*s));
	CK_RV rv = CKR_OK;

	if (!s)
		return CKR_HOST_MEMORY;
	s->slot = slot;
	s->flags = flags;
	s->application = app;
	s->notify = notify;
	atomic_init(&s->refs, 1);
	pthread_mutex_init(&s->op_lock, NULL);
	pthread_mutex_lock(&api_state.sessions_lock);
	if (!(flags & CKF_RW_SESSION) && slot->has_token &&
	    tok_token_login_state(&slot->token) == CKU_SO)
		rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
	else if (sessions_insert_inlock(s) < 0)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		__atomic_add_fetch(&slot->n_sessions, 1, __ATOMIC_RELEASE);
		if (flags & CKF_RW_SESSION)
			__atomic_add_fetch(&slot->n_rw_sessions, 1, __ATOMIC_RELEASE);
		*out = s->handle;
	}
	pthread_mutex_unlock(&api_state.sessions_lock);
	if (rv != CKR_OK) {
		api_session_put(s);
		return rv;
	}
	rv = api_events_check_link();
	if (rv == CKR_OK)
		rv = api_events_report_counts(slot);
	if (rv != CKR_OK) {
		/* slotd cannot count it: the session does not exist */
		pthread_mutex_lock(&api_state.sessions_lock);
		sessions_remove_inlock(s);
		pthread_mutex_unlock(&api_state.sessions_lock);
		api_session_put(s);
	}
	return rv;
}

CK_RV C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
                    CK_SESSION_HANDLE_PTR session)
{
	CK_RV rv = api_enter_slots();
	struct api_slot *slot = NULL;

	if (rv != CKR_OK)
		return rv;
	rv = api_slot_token(id, &slot);
	if (rv == CKR_OK && !session)
		rv = CKR_ARGUMENTS_BAD;
	else if (rv == CKR_OK && !(flags & CKF_SERIAL_SESSION))
		rv = CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	if (rv == CKR_OK)
		rv = sessions_open(slot, flags & (CKF_RW_SESSION | CKF_SERIAL_SESSION), app, notify,
		                   session);
	api_trace_slot(slot);
	api_leave();
	return rv;
}

CK_RV C_CloseSession(CK_SESSION_HANDLE h)
{
	CK_RV rv = api_enter();
	struct api_session *s;

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&api_state.sessions_lock);
	s = sessions_lookup_inlock(h);
	if (s) {
		sessions_remove_inlock(s);
		sessions_logout_if_last_inlock(s->slot);
	}
	pthread_mutex_unlock(&api_state.sessions_lock);
	if (!s) {
		api_leave();
		return CKR_SESSION_HANDLE_INVALID;
	}
	struct api_slot *slot = s->slot;
	sessions_end(s);
	/* Closing works without slotd; it learns the count on the next report. */
	api_events_report_counts(slot);
	api_trace_slot(slot);
	api_leave();
	return CKR_OK;
}

/*
 * This process's sessions on the slot, and no others: those of other slots
 * stay open, and other processes' sessions are theirs to close.
 */
CK_RV C_CloseAllSessions(CK_SLOT_ID id)
{
	CK_RV rv = api_enter_slots();
	struct api_slot *slot = NULL;
	struct api_session *closing = NULL;

	if (rv != CKR_OK)
		return rv;
	rv = api_slot_token(id, &slot);
	if (rv == CKR_OK) {
		pthread_mutex_lock(&api_state.sessions_lock);
		for (uint32_t i = 0; i < api_state.n_handles; i++) {
			struct api_session *s = api_state.handles[i].session;
			if (!s || s->slot != slot)
				continue;
			sessions_remove_inlock(s);
			s->closing_next = closing;
			closing = s;
		}
		sessions_logout_if_last_inlock(slot);
		pthread_mutex_unlock(&api_state.sessions_lock);
		while (closing) {
			struct api_session *s = closing;
			closing = s->closing_next;
			sessions_end(s);
		}
		api_events_report_counts(slot);
	}
	api_trace_slot(slot);
	api_leave();
	return rv;
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	CK_RV rv = api_enter();
	struct api_session *s = NULL;

	if (rv != CKR_OK)
		return rv;
	rv = api_session_get(h, &s);
	if (rv == CKR_OK && !info)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK) {
		pthread_mutex_lock(&api_state.sessions_lock);
		info->slotID = s->slot->id;
		info->state = api_session_state(s);
		info->flags = s->flags;
		info->ulDeviceError = 0;
		pthread_mutex_unlock(&api_state.sessions_lock);
	}
	api_trace_slot(s ? s->slot : NULL);
	api_session_put(s);
	api_leave();
	return rv;
}
