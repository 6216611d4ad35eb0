/*
 * Slots added and removed by a configuration reload, as a running process
 * sees them through the library: slotd starts with slots 0 and 1; the
 * configuration is rewritten with slots 0 and 7 and slotd gets SIGHUP.
 * C_WaitForSlotEvent (blocking, then CKF_DONT_BLOCK) reports slots 1 and 7
 * and nothing of the unchanged slot 0; C_GetSlotList gives 0 and 7; slot 1
 * is gone (CKR_SLOT_ID_INVALID) with its sessions; the session on slot 0
 * goes on; slot 7's token is initialised and used.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "openslot/pkcs11.h"
#include "harness.h"

#define SO_PIN   "12345678"
#define USER_PIN "123456"
#define WAIT_MS  10000

#define FAST_KDF        "options = { pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; };"
#define SLOT(id, token) "{ id = " #id "; backend = \"soft\"; token = \"" token "\"; " FAST_KDF " }"
#define SLOTS_BEFORE    SLOT(0, "tok0") ",\n" SLOT(1, "tok1")
#define SLOTS_AFTER     SLOT(0, "tok0") ",\n" SLOT(7, "tok7")

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_C_GetInterface get_interface;
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, SLOTS_BEFORE), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	if (!fx->dl)
		fail_msg("dlopen: %s", dlerror());
	get_interface = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_non_null(get_interface);
	assert_int_equal(get_interface(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	fx->f->C_Finalize(NULL);
	dlclose(fx->dl);
	harness_cleanup(&fx->h);
	free(fx);
	return 0;
}

/* The slot list, sorted as the library gives it; returns the count. */
static CK_ULONG slot_list(struct fixture *fx, CK_BBOOL present, CK_SLOT_ID *ids, CK_ULONG max)
{
	CK_ULONG n = 0;

	assert_int_equal(fx->f->C_GetSlotList(present, NULL, &n), CKR_OK);
	assert_true(n <= max);
	assert_int_equal(fx->f->C_GetSlotList(present, ids, &n), CKR_OK);
	return n;
}

struct waiter {
	struct fixture *fx;
	CK_SLOT_ID slot;
	CK_RV rv;
};

static void *waiter_run(void *arg)
{
	struct waiter *w = arg;

	w->rv = w->fx->f->C_WaitForSlotEvent(0, &w->slot, NULL);
	return NULL;
}

/* Rewrites the configuration and makes slotd reload it. */
static void reload(struct fixture *fx, const char *slots)
{
	assert_int_equal(harness_write_conf(&fx->h, NULL, slots), 0);
	assert_int_equal(kill(fx->h.pid, SIGHUP), 0);
	assert_int_equal(harness_wait_notify(&fx->h, "READY=1", WAIT_MS), 0);
}

/* The next event without blocking, waiting for slotd's push to arrive. */
static CK_RV poll_event(struct fixture *fx, CK_SLOT_ID *slot)
{
	long long deadline = harness_now_ms() + WAIT_MS;
	CK_RV rv;

	while ((rv = fx->f->C_WaitForSlotEvent(CKF_DONT_BLOCK, slot, NULL)) == CKR_NO_EVENT &&
	       harness_now_ms() < deadline)
		poll(NULL, 0, 5);
	return rv;
}

static void use_new_token(struct fixture *fx)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &klass, sizeof(klass)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_LABEL, "seven", 5},
	};
	CK_OBJECT_HANDLE obj, found[4];
	CK_ULONG n = 0;
	CK_TOKEN_INFO ti;

	memset(label, ' ', sizeof(label));
	memcpy(label, "slot seven", 10);
	assert_int_equal(fx->f->C_InitToken(7, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(fx->f->C_GetTokenInfo(7, &ti), CKR_OK);
	assert_true(ti.flags & CKF_TOKEN_INITIALIZED);
	assert_int_equal(
	    fx->f->C_OpenSession(7, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_CreateObject(s, tmpl, 3, &obj), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsInit(s, tmpl + 2, 1), CKR_OK);
	assert_int_equal(fx->f->C_FindObjects(s, found, 4, &n), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(found[0], obj);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

static void test_add_and_remove(void **state)
{
	struct fixture *fx = *state;
	struct waiter w = {.fx = fx};
	CK_SLOT_ID ids[8], slot;
	CK_SESSION_HANDLE s0, s1;
	CK_SESSION_INFO si;
	CK_SLOT_INFO info;
	pthread_t t;

	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	assert_int_equal(slot_list(fx, CK_FALSE, ids, 8), 2);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s0), CKR_OK);
	assert_int_equal(fx->f->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &s1), CKR_OK);
	assert_int_equal(fx->f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);

	/* a blocked waiter wakes with the first slot the reload changed */
	assert_int_equal(pthread_create(&t, NULL, waiter_run, &w), 0);
	reload(fx, SLOTS_AFTER);
	pthread_join(t, NULL);
	assert_int_equal(w.rv, CKR_OK);
	assert_true(w.slot == 1 || w.slot == 7);
	/* the other one is waiting for a non-blocking call; slot 0 did not change */
	assert_int_equal(poll_event(fx, &slot), CKR_OK);
	assert_int_equal(slot, w.slot == 1 ? 7 : 1);
	assert_int_equal(fx->f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);

	/* the new set, unchanged ids kept; slot 7's backend loads on first use */
	assert_int_equal(slot_list(fx, CK_FALSE, ids, 8), 2);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 7);
	assert_int_equal(slot_list(fx, CK_TRUE, ids, 8), 2);
	assert_int_equal(fx->f->C_GetSlotInfo(7, &info), CKR_OK);
	assert_true(info.flags & CKF_TOKEN_PRESENT);

	/* slot 1 is gone, its session with it */
	assert_int_equal(fx->f->C_GetSlotInfo(1, &info), CKR_SLOT_ID_INVALID);
	assert_int_equal(fx->f->C_GetSessionInfo(s1, &si), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->f->C_CloseSession(s1), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->f->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &s1),
	                 CKR_SLOT_ID_INVALID);

	/* the session on slot 0 goes on */
	assert_int_equal(fx->f->C_GetSessionInfo(s0, &si), CKR_OK);
	assert_int_equal(si.slotID, 0);
	use_new_token(fx);
	assert_int_equal(fx->f->C_CloseSession(s0), CKR_OK);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);

	/* a fresh start of the library sees the same ids */
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	assert_int_equal(slot_list(fx, CK_TRUE, ids, 8), 2);
	assert_int_equal(ids[1], 7);
}

/*
 * A reload that changes nothing in the table reports no slot.  slotd's
 * events reach the process in order, so once the token change made after
 * the reload is reported, the reload's event was handled before it.
 */
static void test_reload_unchanged(void **state)
{
	struct fixture *fx = *state;
	CK_SLOT_ID ids[8], slot;
	CK_UTF8CHAR label[32];

	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	assert_int_equal(slot_list(fx, CK_FALSE, ids, 8), 2);
	reload(fx, SLOTS_BEFORE);
	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(1, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(poll_event(fx, &slot), CKR_OK);
	assert_int_equal(slot, 1);
	assert_int_equal(fx->f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
	assert_int_equal(slot_list(fx, CK_FALSE, ids, 8), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_add_and_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_unchanged, setup, teardown),
	};

	return cmocka_run_group_tests_name("reload-slots", tests, NULL, NULL);
}
