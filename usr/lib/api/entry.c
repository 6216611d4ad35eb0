/*
 * Session helpers, and the PKCS#11 functions for login, PINs, token
 * initialisation and random numbers.  Objects are in entry_objects.c,
 * cryptographic operations in entry_crypto.c, their saved state in
 * entry_state.c.
 */
#include "entry.h"

#include <string.h>

CK_RV entry_begin(CK_SESSION_HANDLE h, struct api_session **s)
{
	CK_RV rv = api_enter();

	if (rv != CKR_OK)
		return rv;
	rv = api_session_get(h, s);
	if (rv != CKR_OK)
		api_leave();
	return rv;
}

CK_RV entry_end(struct api_session *s, CK_RV rv)
{
	api_trace_slot(s->slot);
	api_session_put(s);
	api_leave();
	return rv;
}

struct tok_caller entry_caller(struct api_session *s)
{
	struct tok_caller c = {.session = s,
	                       .rw = (s->flags & CKF_RW_SESSION) != 0,
	                       .so = tok_token_login_state(&s->slot->token) == CKU_SO};

	if (!__atomic_load_n(&s->may_own, __ATOMIC_RELAXED))
		__atomic_store_n(&s->may_own, true, __ATOMIC_RELEASE);
	return c;
}

static bool entry_ro_sessions(const struct api_slot *slot)
{
	return __atomic_load_n(&slot->n_sessions, __ATOMIC_ACQUIRE) >
	       __atomic_load_n(&slot->n_rw_sessions, __ATOMIC_ACQUIRE);
}

static CK_RV entry_login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (user == CKU_SO && entry_ro_sessions(s->slot))
		rv = CKR_SESSION_READ_ONLY_EXISTS;
	else
		rv = tok_token_login(&s->slot->token, user, pin, len);
	/* Sessions opened and closed during the login are looked at once it is done. */
	if (rv == CKR_OK)
		rv = api_sessions_after_login(s, user);
	return entry_end(s, rv);
}

CK_RV C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	return entry_login(h, user, pin, len);
}

/* This token has no user names: C_LoginUser is C_Login (PKCS#11 3.0). */
CK_RV C_LoginUser(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len,
                  CK_UTF8CHAR_PTR name, CK_ULONG namelen)
{
	if (!name && namelen)
		return CKR_ARGUMENTS_BAD;
	return entry_login(h, user, pin, len);
}

CK_RV C_Logout(CK_SESSION_HANDLE h)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	return entry_end(s, tok_token_logout(&s->slot->token));
}

CK_RV C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (api_session_state(s) != CKS_RW_SO_FUNCTIONS)
		rv = (s->flags & CKF_RW_SESSION) ? CKR_USER_NOT_LOGGED_IN : CKR_SESSION_READ_ONLY;
	else
		rv = tok_token_init_pin(&s->slot->token, pin, len);
	return entry_end(s, rv);
}

CK_RV C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old, CK_ULONG oldlen, CK_UTF8CHAR_PTR pin,
               CK_ULONG len)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!(s->flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_ONLY;
	else
		rv = tok_token_set_pin(&s->slot->token, old, oldlen, pin, len);
	return entry_end(s, rv);
}

/*
 * This process's sessions on the slot.  Other processes' sessions are known
 * only from what each process tells slotd, which a member of the group could
 * forge to block every C_InitToken; slotd itself refuses to initialise a
 * token while another process is logged in to it (which needs its PIN).
 */
static bool entry_sessions_exist(const struct api_slot *slot)
{
	return __atomic_load_n(&slot->n_sessions, __ATOMIC_ACQUIRE) > 0;
}

CK_RV C_InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label)
{
	struct api_slot *slot = NULL;
	CK_RV rv = api_enter_slots();

	if (rv != CKR_OK)
		return rv;
	rv = api_slot_token(id, &slot);
	if (rv == CKR_OK && entry_sessions_exist(slot))
		rv = CKR_SESSION_EXISTS;
	else if (rv == CKR_OK)
		rv = tok_token_init(&slot->token, pin, len, label);
	api_trace_slot(slot);
	api_leave();
	return rv;
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!out && len)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = s->slot->ops->generate_random(s->slot->ctx, out, len);
	return entry_end(s, rv);
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!seed && len)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = s->slot->ops->seed_random(s->slot->ctx, seed, len);
	return entry_end(s, rv);
}

/*
 * Legacy functions: a library without parallel sessions answers
 * CKR_FUNCTION_NOT_PARALLEL whatever the handle (PKCS#11 3.0, 5.20), once
 * it is initialised; programs probe them at start-up with handle 0.
 */
static CK_RV entry_not_parallel(void)
{
	CK_RV rv = api_enter();

	if (rv != CKR_OK)
		return rv;
	api_leave();
	return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE h)
{
	(void)h;
	return entry_not_parallel();
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE h)
{
	(void)h;
	return entry_not_parallel();
}
