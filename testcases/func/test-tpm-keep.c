/*
 * Functional tests of what the tpm backend keeps between calls behind a
 * resource manager: a private swtpm served by tpm2-abrmd on a private
 * session bus, the slot's TCTI "tabrmd:bus_type=session".  tpm2-abrmd is
 * told to allow few transient objects per connection, so that an object
 * left loaded by each call would soon make calls fail; other processes
 * are killed while they make keys.  Skipped when
 * tpm2-abrmd or dbus-daemon is not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "tpmfix.h"

#define TABRMD   "tabrmd:bus_type=session"
#define SO_PIN   "87654321"
#define USER_PIN "123456"
#define NKEYS    8

static const CK_BYTE p256_der[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

struct keepfix {
	struct tpmfix fx;
	pid_t abrmd;
};

/*
 * A session bus of our own for the whole program (tpm2-tss's tabrmd TCTI
 * keeps one bus connection per process); its address goes to the
 * environment.  0 when it is not installed.
 */
static pid_t dbus_pid;

static int start_dbus(void)
{
	char addr[256] = "", pid[32] = "";
	FILE *p =
	    popen("dbus-daemon --session --fork --print-address=1 --print-pid=1 2>/dev/null", "r");

	if (p == NULL)
		return -1;
	if (fgets(addr, sizeof(addr), p) == NULL || fgets(pid, sizeof(pid), p) == NULL) {
		pclose(p);
		return -1;
	}
	pclose(p);
	addr[strcspn(addr, "\n")] = '\0';
	dbus_pid = (pid_t)atoi(pid);
	return dbus_pid > 0 && setenv("DBUS_SESSION_BUS_ADDRESS", addr, 1) == 0 ? 0 : -1;
}

/* True once tpm2-abrmd answers a command. */
static bool abrmd_ready(void)
{
	TSS2_TCTI_CONTEXT *tcti = NULL;
	ESYS_CONTEXT *esys = NULL;
	TPM2B_DIGEST *rnd = NULL;
	bool ok = false;

	if (Tss2_TctiLdr_Initialize(TABRMD, &tcti) != TSS2_RC_SUCCESS)
		return false;
	if (Esys_Initialize(&esys, tcti, NULL) == TSS2_RC_SUCCESS) {
		ok = Esys_GetRandom(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, 4, &rnd) ==
		     TSS2_RC_SUCCESS;
		Esys_Free(rnd);
		Esys_Finalize(&esys);
	}
	Tss2_TctiLdr_Finalize(&tcti);
	return ok;
}

static int start_abrmd(struct keepfix *k)
{
	char tcti[96];

	snprintf(tcti, sizeof(tcti), "swtpm:host=127.0.0.1,port=%d", k->fx.tpm.port);
	k->abrmd = fork();
	if (k->abrmd < 0)
		return -1;
	if (k->abrmd == 0) {
		harness_child_signals();
		execlp("tpm2-abrmd", "tpm2-abrmd", "--session", "--allow-root", "--tcti", tcti,
		       "--max-transients=6", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (abrmd_ready())
			return 0;
		usleep(100 * 1000);
	}
	return -1;
}

static void write_conf(struct tpmfix *fx)
{
	const char *slot =
	    "{ id = 0; backend = \"tpm\"; token = \"tpm\"; options = { tcti = \"" TABRMD
	    "\"; pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; }; }";

	assert_int_equal(harness_write_conf(&fx->h, NULL, slot), 0);
}

static bool have(const char *prog)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

static int setup(void **state)
{
	struct keepfix *k = calloc(1, sizeof(*k));
	struct tpmfix *fx = &k->fx;
	CK_INTERFACE *iface;

	assert_non_null(k);
	*state = k;
	if (dbus_pid == 0)
		return 0;
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(swtpm_start(&fx->tpm, fx->h.dir), 0);
	assert_int_equal(start_abrmd(k), 0);
	write_conf(fx);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	return 0;
}

static void stop(pid_t pid, bool child)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	if (child)
		waitpid(pid, NULL, 0);
}

static int teardown(void **state)
{
	struct keepfix *k = *state;

	if (k->fx.f != NULL) {
		k->fx.f->C_Finalize(NULL);
		dlclose(k->fx.dl);
		harness_cleanup(&k->fx.h);
	}
	stop(k->abrmd, true);
	swtpm_cleanup(&k->fx.tpm);
	free(k);
	return 0;
}

static CK_SESSION_HANDLE init_and_login(struct tpmfix *fx)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	return s;
}

/* A P-256 pair labelled with the number i. */
static void gen(struct tpmfix *fx, CK_SESSION_HANDLE s, int i, CK_OBJECT_HANDLE key[2])
{
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256_der, sizeof(p256_der)},
	                     {CKA_TOKEN, &yes, 1},
	                     {CKA_VERIFY, &yes, 1},
	                     {CKA_ID, &i, sizeof(i)}};
	CK_ATTRIBUTE st[] = {{CKA_TOKEN, &yes, 1}, {CKA_SIGN, &yes, 1}, {CKA_ID, &i, sizeof(i)}};

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &mech, pt, 4, st, 3, &key[0], &key[1]),
	                 CKR_OK);
}

/* The pair labelled i, found again after the library started afresh. */
static void find(struct tpmfix *fx, CK_SESSION_HANDLE s, int i, CK_OBJECT_HANDLE key[2])
{
	const CK_OBJECT_CLASS classes[2] = {CKO_PUBLIC_KEY, CKO_PRIVATE_KEY};

	for (int j = 0; j < 2; j++) {
		CK_ATTRIBUTE t[] = {{CKA_CLASS, (void *)&classes[j], sizeof(classes[j])},
		                    {CKA_ID, &i, sizeof(i)}};
		CK_ULONG n = 0;

		assert_int_equal(fx->f->C_FindObjectsInit(s, t, 2), CKR_OK);
		assert_int_equal(fx->f->C_FindObjects(s, &key[j], 1, &n), CKR_OK);
		assert_int_equal(n, 1);
		assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	}
}

/* Signs a digest with key[1]; on success the signature verifies under key[0]. */
static CK_RV sign_checked(struct tpmfix *fx, CK_SESSION_HANDLE s, const CK_OBJECT_HANDLE key[2])
{
	static const CK_BYTE digest[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	CK_BYTE sig[64];
	CK_ULONG n = sizeof(sig);
	CK_RV rv = fx->f->C_SignInit(s, &mech, key[1]);

	if (rv == CKR_OK)
		rv = fx->f->C_Sign(s, (CK_BYTE_PTR)digest, 32, sig, &n);
	if (rv != CKR_OK)
		return rv;
	assert_int_equal(n, 64);
	assert_int_equal(fx->f->C_VerifyInit(s, &mech, key[0]), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR)digest, 32, sig, n), CKR_OK);
	return CKR_OK;
}

/* True when this process's trace says the kept state was dropped after a failure. */
static bool dropped(struct tpmfix *fx)
{
	char path[PATH_MAX], line[512];
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/log/trace.%ld", fx->h.dir, (long)getpid());
	fp = fopen(path, "r");
	while (fp != NULL && !found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, "dropping what was kept") != NULL;
	if (fp != NULL)
		fclose(fp);
	return found;
}

/* More keys than are kept loaded, used in turn: each is loaded and flushed in time. */
static void test_many_keys(void **state)
{
	struct keepfix *k = *state;
	struct tpmfix *fx = &k->fx;
	CK_OBJECT_HANDLE keys[NKEYS][2];
	CK_SESSION_HANDLE s;

	if (fx->f == NULL)
		skip();
	s = init_and_login(fx);
	for (int i = 0; i < NKEYS; i++)
		gen(fx, s, i, keys[i]);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < NKEYS; i++)
			assert_int_equal(sign_checked(fx, s, keys[i]), CKR_OK);
	for (int i = 0; i < 40; i++)
		assert_int_equal(sign_checked(fx, s, keys[i % 2]), CKR_OK);
	/* no call failed and was retried: no key was left loaded past the limit */
	assert_false(dropped(fx));
	/* a new start of the library begins from nothing and works the same */
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	for (int i = 0; i < NKEYS; i++) {
		find(fx, s, i, keys[i]);
		assert_int_equal(sign_checked(fx, s, keys[i]), CKR_OK);
	}
}

static bool device_error(CK_RV rv)
{
	return rv == CKR_DEVICE_ERROR || rv == CKR_DEVICE_REMOVED;
}

/* The TPM restarts under the kept state: a clean error while it is away, then signatures again. */
static void test_tpm_restart(void **state)
{
	struct keepfix *k = *state;
	struct tpmfix *fx = &k->fx;
	CK_OBJECT_HANDLE key[2];
	CK_SESSION_HANDLE s;
	CK_RV rv;

	if (fx->f == NULL)
		skip();
	s = init_and_login(fx);
	gen(fx, s, 0, key);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sign_checked(fx, s, key), CKR_OK);
	assert_int_equal(swtpm_kill(&fx->tpm), 0);
	rv = sign_checked(fx, s, key);
	assert_true(device_error(rv));
	assert_int_equal(swtpm_restart(&fx->tpm), 0);
	/* at most one failure while the stale state is found out */
	rv = sign_checked(fx, s, key);
	if (rv != CKR_OK) {
		assert_true(device_error(rv));
		rv = sign_checked(fx, s, key);
	}
	assert_int_equal(rv, CKR_OK);
	for (int i = 0; i < 10; i++)
		assert_int_equal(sign_checked(fx, s, key), CKR_OK);
	assert_true(dropped(fx));
}

/*
 * The child: this program run again (a fresh process: tpm2-tss's tabrmd
 * TCTI cannot be used in a forked child of a process that used it, as
 * its D-Bus connection is shared per process), generating keys until it
 * is killed; exits 4 when one fails.
 */
static int keygen_child(int first)
{
	CK_FUNCTION_LIST_3_0 *f;
	CK_INTERFACE *iface;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key[2];
	void *dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	CK_C_GetInterface get = dl ? (CK_C_GetInterface)dlsym(dl, "C_GetInterface") : NULL;

	if (get == NULL || get(NULL, NULL, &iface, 0) != CKR_OK)
		return 2;
	f = iface->pFunctionList;
	if (f->C_Initialize(NULL) != CKR_OK ||
	    f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK ||
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6) != CKR_OK)
		return 3;
	for (int i = first;; i++) {
		CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
		CK_BBOOL yes = CK_TRUE;
		CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256_der, sizeof(p256_der)},
		                     {CKA_TOKEN, &yes, 1},
		                     {CKA_ID, &i, sizeof(i)}};
		CK_ATTRIBUTE st[] = {{CKA_TOKEN, &yes, 1}, {CKA_SIGN, &yes, 1}};

		if (f->C_GenerateKeyPair(s, &mech, pt, 3, st, 2, &key[0], &key[1]) != CKR_OK)
			return 4;
	}
}

static CK_ULONG count_public(struct tpmfix *fx, CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_OBJECT_HANDLE h[256];
	CK_ULONG n = 0;

	assert_int_equal(fx->f->C_FindObjectsInit(s, t, 1), CKR_OK);
	assert_int_equal(fx->f->C_FindObjects(s, h, 256, &n), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	return n;
}

/*
 * Other processes killed while they make keys beside a process with kept
 * state: its kept connection is not disturbed, and what they had loaded
 * goes with their connections.
 */
static void test_killed_children(void **state)
{
	struct keepfix *k = *state;
	struct tpmfix *fx = &k->fx;
	CK_OBJECT_HANDLE key[2], fresh[2];
	unsigned seed = 4242;
	CK_SESSION_HANDLE s;

	if (fx->f == NULL)
		skip();
	s = init_and_login(fx);
	gen(fx, s, 0, key);
	assert_int_equal(sign_checked(fx, s, key), CKR_OK);
	for (int round = 1; round <= 6; round++) {
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			char first[16];

			harness_child_signals();
			snprintf(first, sizeof(first), "%d", round * 1000);
			execl("/proc/self/exe", "test-tpm-keep", "--keygen-child", first,
			      (char *)NULL);
			_exit(127);
		}
		/* 300 to 700 ms: at start-up, inside a generation, between commits */
		usleep(300000 + (useconds_t)(rand_r(&seed) % 400) * 1000);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(sign_checked(fx, s, key), CKR_OK);
	}
	gen(fx, s, 1, fresh);
	assert_int_equal(sign_checked(fx, s, fresh), CKR_OK);
	assert_false(dropped(fx));
	/* the children did make keys before they were killed */
	assert_true(count_public(fx, s) > 2);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_many_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tpm_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_killed_children, setup, teardown),
	};
	int rc;

	if (argc == 3 && strcmp(argv[1], "--keygen-child") == 0)
		return keygen_child(atoi(argv[2]));
	/* level 2: the trace says when kept state is dropped */
	setenv("OPENSLOT_TRACE_LEVEL", "2", 1);
	if (have("tpm2-abrmd") && have("dbus-daemon") && start_dbus() != 0) {
		fprintf(stderr, "dbus-daemon does not start\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	stop(dbus_pid, false);
	return rc;
}
