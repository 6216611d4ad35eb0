/*
 * Functional tests of a token's own Argon2id parameters for new PINs: the
 * SO sets them with pkcsconf --kdf (or the raw SET_KDF message), a user PIN
 * changed through the library is then wrapped with them (as MK_USER
 * records), and slotd refuses them to anyone but the SO of that token and
 * below the floor (OWASP's minimum, or the slot options when lower) or
 * above the ceiling, changing nothing.  A real slotd and the soft token.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "openslot/pkcs11.h"
#include "client.h"
#include "conf.h"
#include "harness.h"
#include "proto.h"

#define SO_PIN    "87654321"
#define USER_PIN  "123456"
#define USER_PIN2 "654321"

/* The soft slot with no KDF options: the floor is OWASP's. */
#define SLOT_OWASP "{ id = 0; backend = \"soft\"; token = \"softtok\"; }"

/* Where m, t, p sit in MK_* (frame header, salt) and NVTOK.DAT (frame header, 44). */
#define MK_PARAMS_AT 52
#define NV_PARAMS_AT 80

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
};

static int fx_start(void **state, const char *slots)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
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
	*state = fx;
	return 0;
}

/* Slot 0 with pin-kdf-memory 64 and pin-kdf-time 1: cheap, and a low floor. */
static int setup(void **state)
{
	return fx_start(state, HARNESS_SLOTS_FOUR);
}

static int setup_owasp(void **state)
{
	return fx_start(state, SLOT_OWASP);
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

static CK_SESSION_HANDLE open_rw(struct fixture *fx)
{
	CK_SESSION_HANDLE s;

	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	return s;
}

static void init_token(struct fixture *fx)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

/* The user changes the user PIN from old to new through the library. */
static void change_user_pin(struct fixture *fx, const char *old, const char *new)
{
	CK_SESSION_HANDLE s = open_rw(fx);

	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)old, 6), CKR_OK);
	assert_int_equal(fx->f->C_SetPIN(s, (CK_UTF8CHAR_PTR)old, 6, (CK_UTF8CHAR_PTR) new, 6),
	                 CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) new, 6), CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

static uint32_t be32_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The m, t, p stored at offset at of a token file, as "m,t,p". */
static const char *params_in(struct fixture *fx, const char *name, size_t at)
{
	static char out[64];
	unsigned char buf[512];
	char path[PATH_MAX + 64];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/data/softtok/%s", fx->h.dir, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_true(n >= at + 12);
	snprintf(out, sizeof(out), "%u,%u,%u", be32_at(buf + at), be32_at(buf + at + 4),
	         be32_at(buf + at + 8));
	return out;
}

/* Runs pkcsconf with args after --module; returns its exit status, output in out. */
static int pkcsconf(char *out, size_t outlen, const char *a1, const char *a2, const char *a3,
                    const char *a4)
{
	char module[PATH_MAX], prog[PATH_MAX];
	char *argv[] = {prog,       "--module", module,     (char *)a1,
	                (char *)a2, (char *)a3, (char *)a4, (char *)NULL};
	int st;

	snprintf(prog, sizeof(prog), "%s", harness_built("pkcsconf"));
	snprintf(module, sizeof(module), "%s", harness_library());
	st = harness_run(argv, out, outlen);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* A connection of our own to the instance's slotd. */
static void connect_raw(struct fixture *fx, struct os_client *cl)
{
	struct os_conf *conf = NULL;
	char err[256];

	assert_int_equal(os_conf_load(fx->h.conf, &conf, err, sizeof(err)), 0);
	assert_int_equal(os_client_connect_conf(cl, conf, "test-kdf", err, sizeof(err)), 0);
	os_conf_free(conf);
}

static long call_rv(struct os_client *cl, struct os_buf *buf, size_t at, uint16_t reply_type)
{
	struct os_buf reply;
	struct os_reader rd;

	assert_int_equal(os_client_call(cl, buf, at, reply_type, &reply), 0);
	os_reader_init(&rd, reply.data, reply.len);
	long rv = (long)os_reader_u64(&rd);
	os_buf_free(&reply);
	return rv;
}

static long raw_login(struct os_client *cl, CK_USER_TYPE user, const char *pin)
{
	struct os_buf buf;
	size_t at = os_client_begin(cl, &buf, OS_MSG_LOGIN);

	os_buf_add_u64(&buf, 0);
	os_buf_add_u64(&buf, user);
	os_buf_add_bytes(&buf, pin, strlen(pin));
	return call_rv(cl, &buf, at, OS_MSG_LOGIN_RESULT);
}

static long raw_set_kdf(struct os_client *cl, uint64_t slot, uint64_t m, uint64_t t, uint64_t p)
{
	struct os_buf buf;
	size_t at = os_client_begin(cl, &buf, OS_MSG_SET_KDF);

	os_buf_add_u64(&buf, slot);
	os_buf_add_u64(&buf, m);
	os_buf_add_u64(&buf, t);
	os_buf_add_u64(&buf, p);
	return call_rv(cl, &buf, at, OS_MSG_RESULT);
}

static void test_pkcsconf_sets_params(void **state)
{
	struct fixture *fx = *state;
	char out[4096];

	init_token(fx);
	assert_string_equal(params_in(fx, "MK_USER", MK_PARAMS_AT), "64,1,1");
	assert_int_equal(pkcsconf(out, sizeof(out), "--kdf", "m=200,t=3,p=2", "-S", SO_PIN), 0);
	assert_non_null(strstr(out, "m=200 KiB, t=3, p=2"));
	assert_string_equal(params_in(fx, "NVTOK.DAT", NV_PARAMS_AT), "200,3,2");
	/* Nothing already set changes ... */
	assert_string_equal(params_in(fx, "MK_USER", MK_PARAMS_AT), "64,1,1");
	/* ... until the user changes the PIN. */
	change_user_pin(fx, USER_PIN, USER_PIN2);
	assert_string_equal(params_in(fx, "MK_USER", MK_PARAMS_AT), "200,3,2");
	assert_string_equal(params_in(fx, "MK_SO", MK_PARAMS_AT), "64,1,1");

	/* Back to the slot options. */
	assert_int_equal(pkcsconf(out, sizeof(out), "--kdf", "default", "-S", SO_PIN), 0);
	assert_string_equal(params_in(fx, "NVTOK.DAT", NV_PARAMS_AT), "0,0,0");
	change_user_pin(fx, USER_PIN2, USER_PIN);
	assert_string_equal(params_in(fx, "MK_USER", MK_PARAMS_AT), "64,1,1");
}

static void test_only_the_so(void **state)
{
	struct fixture *fx = *state;
	struct os_client cl;
	char out[4096];

	init_token(fx);
	assert_int_equal(pkcsconf(out, sizeof(out), "--kdf", "m=200,t=3,p=1", "-S", "11111111"), 4);
	assert_non_null(strstr(out, "incorrect SO PIN"));
	connect_raw(fx, &cl);
	assert_int_equal(raw_set_kdf(&cl, 0, 200, 3, 1), CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(raw_login(&cl, CKU_SO, "11111111"), CKR_PIN_INCORRECT);
	assert_int_equal(raw_set_kdf(&cl, 0, 200, 3, 1), CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(raw_login(&cl, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(raw_set_kdf(&cl, 0, 200, 3, 1), CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(raw_set_kdf(&cl, 9, 200, 3, 1), CKR_SLOT_ID_INVALID);
	os_client_close(&cl);
	assert_string_equal(params_in(fx, "NVTOK.DAT", NV_PARAMS_AT), "0,0,0");
	change_user_pin(fx, USER_PIN, USER_PIN2);
	assert_string_equal(params_in(fx, "MK_USER", MK_PARAMS_AT), "64,1,1");
}

static void test_range(void **state)
{
	struct fixture *fx = *state;
	struct os_client cl;

	init_token(fx);
	connect_raw(fx, &cl);
	assert_int_equal(raw_login(&cl, CKU_SO, SO_PIN), CKR_OK);
	/* the slot options (64 KiB, 1 pass) are the floor here */
	assert_int_equal(raw_set_kdf(&cl, 0, 63, 1, 1), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(raw_set_kdf(&cl, 0, 64, 0, 1), CKR_ARGUMENTS_BAD);
	assert_int_equal(raw_set_kdf(&cl, 0, 64, 1, 0), CKR_ARGUMENTS_BAD);
	assert_int_equal(raw_set_kdf(&cl, 0, 64, 1, 17), CKR_ARGUMENTS_BAD);
	assert_int_equal(raw_set_kdf(&cl, 0, (uint64_t)1 << 32, 1, 1), CKR_ARGUMENTS_BAD);
	assert_int_equal(raw_set_kdf(&cl, 0, 0, 0, 1), CKR_ARGUMENTS_BAD);
	/* the ceiling: 1 GiB, 16 passes */
	assert_int_equal(raw_set_kdf(&cl, 0, (1u << 20) + 1, 1, 1), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(raw_set_kdf(&cl, 0, 64, 17, 1), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_string_equal(params_in(fx, "NVTOK.DAT", NV_PARAMS_AT), "0,0,0");
	assert_int_equal(raw_set_kdf(&cl, 0, 64, 1, 1), CKR_OK);
	assert_string_equal(params_in(fx, "NVTOK.DAT", NV_PARAMS_AT), "64,1,1");
	os_client_close(&cl);
}

static void test_owasp_floor(void **state)
{
	struct fixture *fx = *state;
	struct os_client cl;
	char out[4096];

	init_token(fx);
	assert_int_equal(pkcsconf(out, sizeof(out), "--kdf", "m=8192,t=2,p=1", "-S", SO_PIN), 1);
	assert_non_null(strstr(out, "CKR_ATTRIBUTE_VALUE_INVALID"));
	connect_raw(fx, &cl);
	assert_int_equal(raw_login(&cl, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(raw_set_kdf(&cl, 0, 19455, 2, 1), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(raw_set_kdf(&cl, 0, 19456, 1, 1), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_string_equal(params_in(fx, "NVTOK.DAT", NV_PARAMS_AT), "0,0,0");
	assert_int_equal(raw_set_kdf(&cl, 0, 20480, 2, 1), CKR_OK);
	os_client_close(&cl);
	change_user_pin(fx, USER_PIN, USER_PIN2);
	assert_string_equal(params_in(fx, "MK_USER", MK_PARAMS_AT), "20480,2,1");
}

static void test_init_token_forgets(void **state)
{
	struct fixture *fx = *state;
	char out[4096];

	init_token(fx);
	assert_int_equal(pkcsconf(out, sizeof(out), "--kdf", "m=200,t=3,p=1", "-S", SO_PIN), 0);
	init_token(fx);
	assert_string_equal(params_in(fx, "NVTOK.DAT", NV_PARAMS_AT), "0,0,0");
	assert_string_equal(params_in(fx, "MK_USER", MK_PARAMS_AT), "64,1,1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pkcsconf_sets_params, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_only_the_so, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_range, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_owasp_floor, setup_owasp, teardown),
	    cmocka_unit_test_setup_teardown(test_init_token_forgets, setup, teardown),
	};

	return cmocka_run_group_tests_name("kdf", tests, NULL, NULL);
}
