/*
 * The PIN state flags of CK_TOKEN_INFO through the real library and slotd,
 * with a failure limit of three (slot option pin-max-failures), and of one:
 * after 0, 1, 2 and 3 wrong PINs of the user and of the SO, after a right one, and
 * after C_InitPIN.  Each state is read in this process and in a forked
 * child that did not try a PIN itself and initialises the library anew:
 * slotd publishes the flags in the token's segment for every process.
 * No PIN is ever marked to be changed: C_InitToken and C_InitPIN set PINs
 * the caller chose.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openslot/pkcs11.h"
#include "harness.h"
#include "p11child.h"

#define SO_PIN    "87654321"
#define USER_PIN  "123456"
#define WRONG_PIN "000000"
#define LIMIT     3

#define SLOT_CONF(limit)                                                  \
	"{ id = 0; backend = \"soft\"; token = \"softtok\"; options = { " \
	"pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; pin-max-failures = \"" limit "\"; }; }"

/* Every flag this test speaks of. */
#define PIN_STATE                                                                   \
	(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED |    \
	 CKF_USER_PIN_TO_BE_CHANGED | CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY | \
	 CKF_SO_PIN_LOCKED | CKF_SO_PIN_TO_BE_CHANGED | CKF_USER_PIN_INITIALIZED |  \
	 CKF_TOKEN_INITIALIZED)

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
	CK_SESSION_HANDLE s;
};

static int setup_with(void **state, const char *slots)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_UTF8CHAR label[32];
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, slots), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &fx->s),
	    CKR_OK);
	*state = fx;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, SLOT_CONF("3"));
}

static int setup_one_try(void **state)
{
	return setup_with(state, SLOT_CONF("1"));
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

/* In a child: the flags a fresh C_Initialize reports, compared with want. */
static int child_flags(CK_FLAGS want)
{
	CK_FUNCTION_LIST_3_0 *f = p11child_load(harness_library());
	CK_TOKEN_INFO ti;

	P11CHILD_CHECK(f != NULL);
	P11CHILD_EXPECT(f->C_Initialize(NULL), CKR_OK);
	P11CHILD_EXPECT(f->C_GetTokenInfo(0, &ti), CKR_OK);
	if ((ti.flags & PIN_STATE) != want)
		fprintf(stderr, "child: flags 0x%lx, expected 0x%lx\n", ti.flags & PIN_STATE, want);
	P11CHILD_CHECK((ti.flags & PIN_STATE) == want);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* Asserts the PIN state flags want, in this process and in a new one. */
static void expect_flags(struct fixture *fx, CK_FLAGS want)
{
	CK_TOKEN_INFO ti;
	int status;
	pid_t pid;

	assert_int_equal(fx->f->C_GetTokenInfo(0, &ti), CKR_OK);
	assert_int_equal(ti.flags & PIN_STATE, want);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		harness_child_signals();
		_exit(child_flags(want));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The counter flags of a role after failures wrong PINs out of LIMIT. */
static CK_FLAGS counter_flags(int failures, CK_FLAGS low, CK_FLAGS final, CK_FLAGS locked)
{
	if (failures >= LIMIT)
		return locked;
	if (failures == LIMIT - 1)
		return low | final;
	return failures > 0 ? low : 0;
}

static CK_RV login(struct fixture *fx, CK_USER_TYPE user, const char *pin)
{
	return fx->f->C_Login(fx->s, user, (CK_UTF8CHAR_PTR)pin, strlen(pin));
}

static void init_user_pin(struct fixture *fx, const char *pin)
{
	assert_int_equal(login(fx, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(fx->s, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
	assert_int_equal(fx->f->C_Logout(fx->s), CKR_OK);
}

static void test_user_flags(void **state)
{
	struct fixture *fx = *state;
	const CK_FLAGS base = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED;

	expect_flags(fx, CKF_TOKEN_INITIALIZED);
	init_user_pin(fx, USER_PIN);
	/* A PIN the SO chose: nothing to be changed (NSS would nag otherwise). */
	expect_flags(fx, base);

	/* One wrong PIN, then the right one clears the count. */
	assert_int_equal(login(fx, CKU_USER, WRONG_PIN), CKR_PIN_INCORRECT);
	expect_flags(fx, base | CKF_USER_PIN_COUNT_LOW);
	assert_int_equal(login(fx, CKU_USER, USER_PIN), CKR_OK);
	expect_flags(fx, base);
	assert_int_equal(fx->f->C_Logout(fx->s), CKR_OK);

	/* Down to the lock, one state at a time; a wrong old PIN of C_SetPIN counts too. */
	for (int fails = 1; fails <= LIMIT; fails++) {
		if (fails == 2)
			assert_int_equal(fx->f->C_SetPIN(fx->s, (CK_UTF8CHAR_PTR)WRONG_PIN, 6,
			                                 (CK_UTF8CHAR_PTR) "999999", 6),
			                 CKR_PIN_INCORRECT);
		else
			assert_int_equal(login(fx, CKU_USER, WRONG_PIN), CKR_PIN_INCORRECT);
		expect_flags(fx, base | counter_flags(fails, CKF_USER_PIN_COUNT_LOW,
		                                      CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED));
	}
	assert_int_equal(login(fx, CKU_USER, USER_PIN), CKR_PIN_LOCKED);
	expect_flags(fx, base | CKF_USER_PIN_LOCKED);

	/* C_InitPIN unlocks, and marks nothing to be changed. */
	init_user_pin(fx, "246810");
	expect_flags(fx, base);
	assert_int_equal(login(fx, CKU_USER, "246810"), CKR_OK);
	expect_flags(fx, base);

	/* A new token has no user PIN until C_InitPIN, and no count of the old one. */
	assert_int_equal(fx->f->C_Logout(fx->s), CKR_OK);
	assert_int_equal(login(fx, CKU_USER, WRONG_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(fx->f->C_CloseSession(fx->s), CKR_OK);
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	expect_flags(fx, CKF_TOKEN_INITIALIZED);
}

static void test_so_flags(void **state)
{
	struct fixture *fx = *state;
	const CK_FLAGS base = CKF_TOKEN_INITIALIZED;

	for (int fails = 1; fails < LIMIT; fails++) {
		assert_int_equal(login(fx, CKU_SO, WRONG_PIN), CKR_PIN_INCORRECT);
		expect_flags(fx, base | counter_flags(fails, CKF_SO_PIN_COUNT_LOW,
		                                      CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED));
	}
	assert_int_equal(login(fx, CKU_SO, SO_PIN), CKR_OK);
	expect_flags(fx, base);
	/* C_SetPIN by the SO: a PIN it chose, not to be changed. */
	assert_int_equal(
	    fx->f->C_SetPIN(fx->s, (CK_UTF8CHAR_PTR)SO_PIN, 8, (CK_UTF8CHAR_PTR) "11223344", 8),
	    CKR_OK);
	assert_int_equal(fx->f->C_Logout(fx->s), CKR_OK);
	expect_flags(fx, base);

	for (int fails = 1; fails <= LIMIT; fails++) {
		assert_int_equal(login(fx, CKU_SO, SO_PIN), CKR_PIN_INCORRECT);
		expect_flags(fx, base | counter_flags(fails, CKF_SO_PIN_COUNT_LOW,
		                                      CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED));
	}
	assert_int_equal(login(fx, CKU_SO, "11223344"), CKR_PIN_LOCKED);
	expect_flags(fx, base | CKF_SO_PIN_LOCKED);
	/* The user's PIN state is the user's own. */
	assert_int_equal(login(fx, CKU_USER, USER_PIN), CKR_USER_PIN_NOT_INITIALIZED);
}

/* With a limit of one, every try is the final one; no count is low before a failure. */
static void test_one_try(void **state)
{
	struct fixture *fx = *state;
	const CK_FLAGS base = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED;

	expect_flags(fx, CKF_TOKEN_INITIALIZED | CKF_SO_PIN_FINAL_TRY);
	init_user_pin(fx, USER_PIN);
	expect_flags(fx, base | CKF_SO_PIN_FINAL_TRY | CKF_USER_PIN_FINAL_TRY);
	assert_int_equal(login(fx, CKU_USER, WRONG_PIN), CKR_PIN_INCORRECT);
	expect_flags(fx, base | CKF_SO_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
	assert_int_equal(login(fx, CKU_USER, USER_PIN), CKR_PIN_LOCKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_user_flags, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_so_flags, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_try, setup_one_try, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
