/*
 * Functional tests of the tpm backend on a private swtpm: the real slotd,
 * the real library through dlopen, and a TPM 2.0 simulator started fresh
 * for each test on a free port.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openslot/pkcs11.h"
#include "harness.h"
#include "tpmfix.h"

#define PROCS  3
#define ROUNDS 40

static void assert_field(const CK_UTF8CHAR *field, size_t size, const char *text)
{
	char want[65], got[65];
	size_t len = strlen(text);

	assert_true(size < sizeof(want) && len <= size);
	memcpy(want, text, len);
	memset(want + len, ' ', size - len);
	want[size] = '\0';
	memcpy(got, field, size);
	got[size] = '\0';
	assert_string_equal(got, want);
}

static CK_SESSION_HANDLE open_session(struct tpmfix *fx)
{
	CK_SESSION_HANDLE s;

	assert_int_equal(fx->f->C_OpenSession(TPM_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s),
	                 CKR_OK);
	return s;
}

/* The swtpm slot holds a token; the others say why they do not. */
static void test_slots(void **state)
{
	struct tpmfix *fx = *state;
	CK_SLOT_ID list[8];
	CK_ULONG n = 8;
	CK_SLOT_INFO si;

	assert_int_equal(fx->f->C_GetSlotList(CK_TRUE, list, &n), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0], TPM_SLOT);
	assert_int_equal(fx->f->C_GetSlotInfo(TPM_SLOT, &si), CKR_OK);
	assert_int_equal(si.flags & (CKF_TOKEN_PRESENT | CKF_HW_SLOT),
	                 CKF_TOKEN_PRESENT | CKF_HW_SLOT);
	assert_field(si.slotDescription, sizeof(si.slotDescription), "swtpm slot");

	assert_int_equal(fx->f->C_GetSlotInfo(UNREACHABLE, &si), CKR_OK);
	assert_int_equal(si.flags & (CKF_TOKEN_PRESENT | CKF_HW_SLOT), CKF_HW_SLOT);
	assert_field(si.slotDescription, sizeof(si.slotDescription),
	             "TPM 2.0: cannot connect (swtpm:host=127.0.0.1,port=1)");
	assert_int_equal(fx->f->C_GetSlotInfo(NO_DEVICE, &si), CKR_OK);
	assert_field(si.slotDescription, sizeof(si.slotDescription),
	             "TPM 2.0: no TPM device (/nonexistent/tpmrm0) on this machine");
	CK_TOKEN_INFO ti;
	assert_int_equal(fx->f->C_GetTokenInfo(UNREACHABLE, &ti), CKR_TOKEN_NOT_PRESENT);
}

/* Token information from TPM2_GetCapability: swtpm's manufacturer is "IBM". */
static void test_token_info(void **state)
{
	struct tpmfix *fx = *state;
	CK_TOKEN_INFO ti;

	assert_int_equal(fx->f->C_GetTokenInfo(TPM_SLOT, &ti), CKR_OK);
	assert_field(ti.manufacturerID, sizeof(ti.manufacturerID), "IBM");
	assert_memory_equal(ti.model, "TPM 2.0 ", 8);
	assert_int_equal(ti.hardwareVersion.major, 2);
	assert_int_equal(ti.hardwareVersion.minor, 0);
	assert_true(ti.flags & CKF_RNG);
	assert_false(ti.flags & CKF_TOKEN_INITIALIZED);
}

/* C_GenerateRandom reads TPM2_GetRandom, in pieces of at most one digest. */
static void test_random(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = open_session(fx);
	CK_BYTE a[1000], b[1000], zero[1000] = {0};

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(fx->f->C_GenerateRandom(s, a, sizeof(a)), CKR_OK);
	assert_int_equal(fx->f->C_GenerateRandom(s, b, sizeof(b)), CKR_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	/* the last piece was filled too */
	assert_memory_not_equal(a + sizeof(a) - 32, zero, 32);
	assert_int_equal(fx->f->C_GenerateRandom(s, a, 0), CKR_OK);
	assert_int_equal(fx->f->C_SeedRandom(s, a, 16), CKR_RANDOM_SEED_NOT_SUPPORTED);
	fx->f->C_CloseSession(s);
}

/*
 * Several processes use the one swtpm connection at once: each call holds
 * it only while it runs, so every call of every process is served.
 */
static void test_many_processes(void **state)
{
	struct tpmfix *fx = *state;
	pid_t pids[PROCS];

	fx->f->C_Finalize(NULL);
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			CK_SESSION_HANDLE s;
			CK_BYTE buf[64];
			int bad = 0;
			harness_child_signals();
			if (fx->f->C_Initialize(NULL) != CKR_OK ||
			    fx->f->C_OpenSession(TPM_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
			        CKR_OK)
				_exit(2);
			for (int r = 0; r < ROUNDS; r++)
				bad += fx->f->C_GenerateRandom(s, buf, sizeof(buf)) != CKR_OK;
			fx->f->C_Finalize(NULL);
			_exit(bad ? 1 : 0);
		}
	}
	for (int i = 0; i < PROCS; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
}

/* A killed TPM gives CKR_DEVICE_REMOVED; once it is back, the same session works again. */
static void test_killed(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = open_session(fx);
	CK_BYTE buf[32];
	CK_MECHANISM_TYPE mechs[64];
	CK_ULONG n = 64;

	assert_int_equal(swtpm_kill(&fx->tpm), 0);
	assert_int_equal(fx->f->C_GenerateRandom(s, buf, sizeof(buf)), CKR_DEVICE_REMOVED);
	/* what was read at load is still answered */
	assert_int_equal(fx->f->C_GetMechanismList(TPM_SLOT, mechs, &n), CKR_OK);
	assert_int_equal(swtpm_restart(&fx->tpm), 0);
	assert_int_equal(fx->f->C_GenerateRandom(s, buf, sizeof(buf)), CKR_OK);
	fx->f->C_CloseSession(s);
}

/* A TPM that stops answering gives CKR_DEVICE_ERROR after the slot's tcti-timeout. */
static void test_stopped(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = open_session(fx);
	CK_BYTE buf[32];

	assert_int_equal(kill(fx->tpm.pid, SIGSTOP), 0);
	assert_int_equal(fx->f->C_GenerateRandom(s, buf, sizeof(buf)), CKR_DEVICE_ERROR);
	assert_int_equal(kill(fx->tpm.pid, SIGCONT), 0);
	assert_int_equal(fx->f->C_GenerateRandom(s, buf, sizeof(buf)), CKR_OK);
	fx->f->C_CloseSession(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_slots, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_token_info, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_random, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_many_processes, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_killed, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_stopped, tpmfix_setup, tpmfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
