/*
 * Unit tests of the library's session table (usr/lib/api/sessions.c),
 * built alone: open, close and look up handles, handles never valid again
 * once closed, a table grown across many sessions, the per-slot counts,
 * C_CloseAllSessions and api_sessions_drop_slot touching one slot only, a
 * closed session kept alive by a caller's reference, and a session slotd
 * cannot count not existing.
 *
 * What sessions.c calls in the rest of the library (entering a call, the
 * slot table, the counts sent to slotd, traces) and in the token (login
 * state, logout) are small stubs below that record their calls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

/* ---- the rest of the library, stubbed ---- */

struct api_state api_state;

#define N_SLOTS 2
static struct api_slot slots[N_SLOTS];

static struct {
	int entered;                 /* api_enter calls not yet left */
	CK_RV link_rv;               /* what api_events_check_link answers */
	CK_RV report_rv;             /* what api_events_report_counts answers */
	int reports[N_SLOTS];        /* api_events_report_counts calls */
	int closed[N_SLOTS];         /* tok_token_session_closed calls */
	int logouts[N_SLOTS];        /* tok_token_logout calls */
	CK_USER_TYPE login[N_SLOTS]; /* tok_token_login_state answers */
	const void *last_closed;     /* the session tok_token_session_closed saw last */
	int op_frees;                /* op_free calls */
} stub;

static int slot_index(const struct tok_token *t)
{
	for (int i = 0; i < N_SLOTS; i++)
		if (t == &slots[i].token)
			return i;
	fail_msg("not a slot's token");
	return 0;
}

CK_RV api_enter(void)
{
	stub.entered++;
	return CKR_OK;
}

CK_RV api_enter_slots(void)
{
	stub.entered++;
	return CKR_OK;
}

void api_leave(void)
{
	stub.entered--;
}

CK_RV api_slot_token(CK_SLOT_ID id, struct api_slot **slot)
{
	if (id >= N_SLOTS)
		return CKR_SLOT_ID_INVALID;
	*slot = &slots[id];
	return CKR_OK;
}

void api_trace_slot(const struct api_slot *slot)
{
	(void)slot;
}

CK_RV api_events_check_link(void)
{
	return stub.link_rv;
}

CK_RV api_events_report_counts(struct api_slot *slot)
{
	stub.reports[slot - slots]++;
	return stub.report_rv;
}

void tok_token_session_closed(struct tok_token *t, const void *session)
{
	stub.closed[slot_index(t)]++;
	stub.last_closed = session;
}

CK_RV tok_token_logout(struct tok_token *t)
{
	/* under sessions_lock, so that no session opened meanwhile is logged out too */
	int busy = pthread_mutex_trylock(&api_state.sessions_lock);
	if (busy == 0)
		pthread_mutex_unlock(&api_state.sessions_lock);
	assert_int_equal(busy, EBUSY);
	stub.logouts[slot_index(t)]++;
	return CKR_OK;
}

void tok_token_forget_login(struct tok_token *t)
{
	(void)t;
}

CK_USER_TYPE tok_token_login_state(struct tok_token *t)
{
	return stub.login[slot_index(t)];
}

static void stub_op_free(void *op)
{
	(void)op;
	stub.op_frees++;
}

static const struct os_backend_ops stub_ops = {.op_free = stub_op_free};

/* ---- helpers ---- */

static int setup(void **state)
{
	(void)state;
	memset(&stub, 0, sizeof(stub));
	for (int i = 0; i < N_SLOTS; i++) {
		memset(&slots[i], 0, sizeof(slots[i]));
		slots[i].id = (CK_SLOT_ID)i;
		slots[i].has_token = true;
		slots[i].ops = &stub_ops;
		stub.login[i] = TOK_NO_USER;
	}
	pthread_mutex_init(&api_state.sessions_lock, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	api_sessions_clear();
	assert_int_equal(stub.entered, 0);
	pthread_mutex_destroy(&api_state.sessions_lock);
	return 0;
}

static CK_SESSION_HANDLE open_ok(CK_SLOT_ID slot, CK_FLAGS flags)
{
	CK_SESSION_HANDLE h = 0;

	assert_int_equal(C_OpenSession(slot, flags | CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK);
	assert_int_not_equal(h, CK_INVALID_HANDLE);
	return h;
}

static bool valid(CK_SESSION_HANDLE h)
{
	struct api_session *s = NULL;
	CK_RV rv = api_session_get(h, &s);

	api_session_put(s);
	assert_true(rv == CKR_OK || rv == CKR_SESSION_HANDLE_INVALID);
	assert_true((rv == CKR_OK) == (s != NULL));
	return rv == CKR_OK;
}

/* What an object call does to a session: it may own session objects from now on. */
static void made_objects(CK_SESSION_HANDLE h)
{
	struct api_session *s = NULL;

	assert_int_equal(api_session_get(h, &s), CKR_OK);
	s->may_own = true;
	api_session_put(s);
}

/* ---- tests ---- */

static void test_open_close_lookup(void **state)
{
	CK_SESSION_HANDLE h;
	CK_SESSION_INFO info;

	(void)state;
	assert_int_equal(C_OpenSession(0, 0, NULL, NULL, &h), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	assert_int_equal(C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(C_OpenSession(N_SLOTS, CKF_SERIAL_SESSION, NULL, NULL, &h),
	                 CKR_SLOT_ID_INVALID);
	assert_int_equal(api_state.n_live, 0);

	CK_SESSION_HANDLE ro = open_ok(0, 0), rw = open_ok(0, CKF_RW_SESSION);
	CK_SESSION_HANDLE other = open_ok(1, 0);
	assert_int_not_equal(ro, rw);
	assert_int_equal(slots[0].n_sessions, 2);
	assert_int_equal(slots[0].n_rw_sessions, 1);
	assert_int_equal(slots[1].n_sessions, 1);
	assert_int_equal(stub.reports[0], 2);
	assert_int_equal(api_state.n_live, 3);

	struct api_session *s;
	assert_int_equal(api_session_get(rw, &s), CKR_OK);
	assert_ptr_equal(s->slot, &slots[0]);
	assert_int_equal(s->handle, rw);
	assert_int_equal(s->flags, CKF_RW_SESSION | CKF_SERIAL_SESSION);
	api_session_put(s);
	assert_int_equal(C_GetSessionInfo(rw, &info), CKR_OK);
	assert_int_equal(info.slotID, 0);
	assert_int_equal(info.state, CKS_RW_PUBLIC_SESSION);
	assert_int_equal(C_GetSessionInfo(other, &info), CKR_OK);
	assert_int_equal(info.slotID, 1);
	assert_int_equal(info.state, CKS_RO_PUBLIC_SESSION);
	stub.login[0] = CKU_USER;
	assert_int_equal(C_GetSessionInfo(ro, &info), CKR_OK);
	assert_int_equal(info.state, CKS_RO_USER_FUNCTIONS);
	assert_int_equal(C_GetSessionInfo(rw, NULL), CKR_ARGUMENTS_BAD);

	/* Handles no session ever had. */
	assert_false(valid(CK_INVALID_HANDLE));
	assert_false(valid(ro + 1000));
	assert_false(valid(ro ^ ((CK_SESSION_HANDLE)1 << 40)));

	/* Closing one: it goes, the others stay; logout only with the last. */
	made_objects(rw);
	assert_int_equal(C_CloseSession(rw), CKR_OK);
	assert_ptr_not_equal(stub.last_closed, NULL);
	assert_int_equal(stub.closed[0], 1);
	assert_int_equal(stub.logouts[0], 0);
	assert_false(valid(rw));
	assert_true(valid(ro));
	assert_int_equal(C_CloseSession(rw), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(C_GetSessionInfo(rw, &info), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(slots[0].n_sessions, 1);
	assert_int_equal(slots[0].n_rw_sessions, 0);
	assert_int_equal(C_CloseSession(ro), CKR_OK);
	assert_int_equal(stub.logouts[0], 1);
	/* a session that made no object call has no objects for the token to drop */
	assert_int_equal(stub.closed[0], 1);
	assert_int_equal(slots[0].n_sessions, 0);
	assert_true(valid(other));
	assert_int_equal(stub.closed[1], 0);
	assert_int_equal(api_state.n_live, 1);
}

/* A closed handle stays invalid, however many sessions open after it. */
static void test_handles_not_reused(void **state)
{
	enum { N = 2000 };
	static CK_SESSION_HANDLE seen[N];

	(void)state;
	for (int i = 0; i < N; i++) {
		CK_SESSION_HANDLE h = open_ok(0, 0);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(seen[j], h);
		seen[i] = h;
		assert_int_equal(C_CloseSession(h), CKR_OK);
		/* The one just closed, and an earlier one, are both invalid now. */
		assert_false(valid(h));
		assert_false(valid(seen[i / 2]));
	}
	/* A new session does not make an old handle valid again. */
	CK_SESSION_HANDLE h = open_ok(0, 0);
	for (int i = 0; i < N; i++)
		assert_false(valid(seen[i]));
	assert_true(valid(h));
	/* nobody logged in: closing the last session had no logout to do */
	assert_int_equal(stub.logouts[0], 0);
	assert_int_equal(stub.closed[0], 0);
}

/*
 * An entry whose generation counter is used up is not used again: the
 * handles it gave out can never come back.
 */
static void test_generation_exhausted(void **state)
{
	(void)state;
	CK_SESSION_HANDLE first = open_ok(0, 0);
	uint32_t index = (uint32_t)(first & 0xffffffffu) - 1;
	assert_int_equal(C_CloseSession(first), CKR_OK);
	/* The entry has given out all but its last generation. */
	api_state.handles[index].generation = UINT32_MAX;
	CK_SESSION_HANDLE last = open_ok(0, 0);
	assert_int_equal((uint32_t)(last & 0xffffffffu) - 1, index);
	assert_int_equal(last >> 32, UINT32_MAX);
	assert_int_equal(C_CloseSession(last), CKR_OK);
	for (int i = 0; i < 100; i++) {
		CK_SESSION_HANDLE h = open_ok(0, 0);
		assert_int_not_equal((uint32_t)(h & 0xffffffffu) - 1, index);
		assert_false(valid(first));
		assert_false(valid(last));
		if (i % 2)
			assert_int_equal(C_CloseSession(h), CKR_OK);
	}
}

/* 1,000 sessions at once grow the table; each stays valid until closed. */
static void test_many_sessions(void **state)
{
	enum { N = 1000 };
	static CK_SESSION_HANDLE h[N];

	(void)state;
	for (int i = 0; i < N; i++)
		h[i] = open_ok(i % N_SLOTS, i % 3 ? 0 : CKF_RW_SESSION);
	stub.login[0] = stub.login[1] = CKU_USER;
	assert_true(api_state.cap_handles >= N);
	assert_int_equal(api_state.n_live, N);
	assert_int_equal(slots[0].n_sessions + slots[1].n_sessions, N);
	for (int i = 0; i < N; i++)
		assert_true(valid(h[i]));
	/* Close every other one, then the rest. */
	for (int i = 0; i < N; i += 2)
		assert_int_equal(C_CloseSession(h[i]), CKR_OK);
	for (int i = 0; i < N; i++)
		assert_true(valid(h[i]) == (i % 2 == 1));
	for (int i = 1; i < N; i += 2)
		assert_int_equal(C_CloseSession(h[i]), CKR_OK);
	assert_int_equal(api_state.n_live, 0);
	assert_int_equal(slots[0].n_sessions, 0);
	assert_int_equal(slots[1].n_rw_sessions, 0);
	assert_int_equal(stub.logouts[0], 1);
	assert_int_equal(stub.logouts[1], 1);
}

/*
 * An ended digest's state is kept for the next C_DigestInit, unless it took
 * a key's value: that one is freed at once.
 */
static void test_digest_spare(void **state)
{
	static char plain, keyed;
	struct api_session *s = NULL;

	(void)state;
	CK_SESSION_HANDLE h = open_ok(0, 0);
	assert_int_equal(api_session_get(h, &s), CKR_OK);
	s->ops[API_OP_DIGEST].state = &keyed;
	s->ops[API_OP_DIGEST].keyed = true;
	api_session_end_op(s, API_OP_DIGEST);
	assert_int_equal(stub.op_frees, 1);
	assert_null(s->digest_spare);
	assert_false(s->ops[API_OP_DIGEST].keyed);
	s->ops[API_OP_DIGEST].state = &plain;
	api_session_end_op(s, API_OP_DIGEST);
	assert_int_equal(stub.op_frees, 1);
	assert_ptr_equal(s->digest_spare, &plain);
	api_session_put(s);
	assert_int_equal(C_CloseSession(h), CKR_OK);
	assert_int_equal(stub.op_frees, 2); /* the spare went with the session */
}

/*
 * A call still running on a closed session (it holds a reference) may
 * still make a session object: the session's objects go with its last
 * reference, not before.
 */
static void test_closed_session_objects_go_last(void **state)
{
	struct api_session *s = NULL;

	(void)state;
	CK_SESSION_HANDLE h = open_ok(0, CKF_RW_SESSION);
	assert_int_equal(api_session_get(h, &s), CKR_OK);
	assert_int_equal(C_CloseSession(h), CKR_OK);
	assert_false(valid(h));
	s->may_own = true; /* the running call makes an object now */
	assert_int_equal(stub.closed[0], 0);
	api_session_put(s);
	assert_int_equal(stub.closed[0], 1);
	assert_ptr_equal(stub.last_closed, s);
}

/*
 * A login that ends after the slot's last session closed, or (SO) after a
 * read-only session opened, does not stand.
 */
static void test_after_login(void **state)
{
	struct api_session *s = NULL, *so = NULL;

	(void)state;
	CK_SESSION_HANDLE h = open_ok(0, CKF_RW_SESSION);
	assert_int_equal(api_session_get(h, &s), CKR_OK);
	stub.login[0] = CKU_USER;
	assert_int_equal(api_sessions_after_login(s, CKU_USER), CKR_OK);
	assert_int_equal(stub.logouts[0], 0);
	/* closed while the login ran: nobody saw a login to undo */
	stub.login[0] = TOK_NO_USER;
	assert_int_equal(C_CloseSession(h), CKR_OK);
	assert_int_equal(stub.logouts[0], 0);
	stub.login[0] = CKU_USER;
	assert_int_equal(api_sessions_after_login(s, CKU_USER), CKR_SESSION_CLOSED);
	assert_int_equal(stub.logouts[0], 1);
	api_session_put(s);

	/* the SO logs in while a read-only session opens */
	CK_SESSION_HANDLE rw = open_ok(1, CKF_RW_SESSION);
	CK_SESSION_HANDLE ro = open_ok(1, 0);
	assert_int_equal(api_session_get(rw, &so), CKR_OK);
	stub.login[1] = CKU_SO;
	assert_int_equal(api_sessions_after_login(so, CKU_SO), CKR_SESSION_READ_ONLY_EXISTS);
	assert_int_equal(stub.logouts[1], 1);
	assert_int_equal(C_CloseSession(ro), CKR_OK);
	assert_int_equal(api_sessions_after_login(so, CKU_SO), CKR_OK);
	assert_int_equal(stub.logouts[1], 1);
	api_session_put(so);
}

/* C_CloseAllSessions on one slot closes that slot's sessions only. */
static void test_close_all_one_slot(void **state)
{
	enum { N = 40 };
	CK_SESSION_HANDLE h[N];

	(void)state;
	for (int i = 0; i < N; i++) {
		h[i] = open_ok(i % N_SLOTS, i % 4 ? 0 : CKF_RW_SESSION);
		made_objects(h[i]);
	}
	stub.login[0] = stub.login[1] = CKU_USER;
	assert_int_equal(C_CloseAllSessions(N_SLOTS), CKR_SLOT_ID_INVALID);
	assert_int_equal(C_CloseAllSessions(0), CKR_OK);
	for (int i = 0; i < N; i++)
		assert_true(valid(h[i]) == (i % N_SLOTS == 1));
	assert_int_equal(slots[0].n_sessions, 0);
	assert_int_equal(slots[0].n_rw_sessions, 0);
	assert_int_equal(slots[1].n_sessions, N / 2);
	assert_int_equal(stub.closed[0], N / 2);
	assert_int_equal(stub.logouts[0], 1);
	assert_int_equal(stub.closed[1], 0);
	assert_int_equal(stub.logouts[1], 0);
	assert_int_equal(api_state.n_live, N / 2);
	/* Slot 0 takes new sessions again; they do not revive the old handles. */
	CK_SESSION_HANDLE again = open_ok(0, 0);
	for (int i = 0; i < N; i += 2)
		assert_int_not_equal(h[i], again);

	/* A slot taken out of the table drops its sessions the same way. */
	api_sessions_drop_slot(&slots[1]);
	for (int i = 0; i < N; i++)
		assert_false(valid(h[i]));
	assert_true(valid(again));
	assert_int_equal(slots[1].n_sessions, 0);
	assert_int_equal(api_state.n_live, 1);
}

/* A caller's reference keeps a closed session's memory until it lets go. */
static void test_reference_outlives_close(void **state)
{
	struct api_session *s;
	static int op_state;

	(void)state;
	CK_SESSION_HANDLE h = open_ok(0, 0);
	assert_int_equal(api_session_get(h, &s), CKR_OK);
	s->ops[API_OP_SIGN].state = &op_state;
	assert_int_equal(C_CloseSession(h), CKR_OK);
	assert_false(valid(h));
	/* Still readable (the sanitizer build would see a use after free). */
	assert_ptr_equal(s->slot, &slots[0]);
	assert_int_equal(s->handle, h);
	assert_int_equal(stub.op_frees, 0);
	api_session_put(s);
	assert_int_equal(stub.op_frees, 1);
}

/* Read-only sessions cannot open while the SO is logged in. */
static void test_so_logged_in(void **state)
{
	CK_SESSION_HANDLE h = 0;

	(void)state;
	stub.login[0] = CKU_SO;
	assert_int_equal(C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &h),
	                 CKR_SESSION_READ_WRITE_SO_EXISTS);
	assert_int_equal(api_state.n_live, 0);
	assert_int_equal(slots[0].n_sessions, 0);
	h = open_ok(0, CKF_RW_SESSION);
	CK_SESSION_INFO info;
	assert_int_equal(C_GetSessionInfo(h, &info), CKR_OK);
	assert_int_equal(info.state, CKS_RW_SO_FUNCTIONS);
}

/* A session slotd cannot count does not exist: nothing of it is left. */
static void test_uncounted_session_not_kept(void **state)
{
	CK_SESSION_HANDLE h = 0;

	(void)state;
	CK_SESSION_HANDLE kept = open_ok(0, 0);
	stub.report_rv = CKR_DEVICE_ERROR;
	assert_int_equal(C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h),
	                 CKR_DEVICE_ERROR);
	assert_false(valid(h));
	stub.report_rv = CKR_OK;
	stub.link_rv = CKR_DEVICE_ERROR;
	assert_int_equal(C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_DEVICE_ERROR);
	assert_false(valid(h));
	stub.link_rv = CKR_OK;
	assert_int_equal(api_state.n_live, 1);
	assert_int_equal(slots[0].n_sessions, 1);
	assert_int_equal(slots[0].n_rw_sessions, 0);
	assert_true(valid(kept));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open_close_lookup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_handles_not_reused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_generation_exhausted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_sessions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_digest_spare, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_closed_session_objects_go_last, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_after_login, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_all_one_slot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reference_outlives_close, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_so_logged_in, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uncounted_session_not_kept, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
