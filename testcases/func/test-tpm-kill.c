/*
 * A process generating token keys on the TPM token, killed with SIGKILL at
 * random points, twenty times: afterwards the token opens, every private
 * key it lists signs (and the signature verifies under its public key),
 * and nothing a killed process left in the TPM stops a new key from being
 * made and used.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tpmfix.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"
#define ROUNDS   20
#define MAX_KEYS 512

static const CK_BYTE p256_der[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

static CK_SESSION_HANDLE login(CK_FUNCTION_LIST_3_0 *f)
{
	CK_SESSION_HANDLE s;

	assert_int_equal(
	    f->C_OpenSession(TPM_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	assert_int_equal(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	return s;
}

static void init_token(CK_FUNCTION_LIST_3_0 *f)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	assert_int_equal(f->C_InitToken(TPM_SLOT, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(
	    f->C_OpenSession(TPM_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	assert_int_equal(f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
}

/* A P-256 token pair whose halves share the CKA_ID id. */
static CK_RV gen(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, unsigned id)
{
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256_der, sizeof(p256_der)},
	                     {CKA_TOKEN, &yes, 1},
	                     {CKA_VERIFY, &yes, 1},
	                     {CKA_ID, &id, sizeof(id)}};
	CK_ATTRIBUTE st[] = {{CKA_TOKEN, &yes, 1}, {CKA_SIGN, &yes, 1}, {CKA_ID, &id, sizeof(id)}};
	CK_OBJECT_HANDLE pub, priv;

	return f->C_GenerateKeyPair(s, &mech, pt, 4, st, 3, &pub, &priv);
}

/* The child: a fresh start of the library, then key pairs until it is killed. */
static void child(CK_FUNCTION_LIST_3_0 *f, unsigned round)
{
	CK_SESSION_HANDLE s;

	harness_child_signals();
	if (f->C_Initialize(NULL) != CKR_OK)
		_exit(2);
	if (f->C_OpenSession(TPM_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) !=
	        CKR_OK ||
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6) != CKR_OK)
		_exit(3);
	for (unsigned n = 0;; n++)
		if (gen(f, s, round * 1000 + n) != CKR_OK)
			_exit(4);
}

/* The object of class cls with CKA_ID id, or CK_INVALID_HANDLE. */
static CK_OBJECT_HANDLE find_id(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
                                unsigned id)
{
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, &id, sizeof(id)}};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	assert_int_equal(f->C_FindObjectsInit(s, t, 2), CKR_OK);
	assert_int_equal(f->C_FindObjects(s, &h, 1, &n), CKR_OK);
	assert_int_equal(f->C_FindObjectsFinal(s), CKR_OK);
	return n == 1 ? h : CK_INVALID_HANDLE;
}

/* The private key signs, and the signature verifies under its public key when there is one. */
static void check_key(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv)
{
	static const CK_BYTE digest[32] = {4, 2};
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	unsigned id = 0;
	CK_ATTRIBUTE a = {CKA_ID, &id, sizeof(id)};
	CK_BYTE sig[64];
	CK_ULONG n = sizeof(sig);
	CK_OBJECT_HANDLE pub;

	assert_int_equal(f->C_GetAttributeValue(s, priv, &a, 1), CKR_OK);
	assert_int_equal(f->C_SignInit(s, &mech, priv), CKR_OK);
	assert_int_equal(f->C_Sign(s, (CK_BYTE_PTR)digest, 32, sig, &n), CKR_OK);
	pub = find_id(f, s, CKO_PUBLIC_KEY, id);
	if (pub == CK_INVALID_HANDLE)
		return; /* killed between the two halves' commits */
	assert_int_equal(f->C_VerifyInit(s, &mech, pub), CKR_OK);
	assert_int_equal(f->C_Verify(s, (CK_BYTE_PTR)digest, 32, sig, n), CKR_OK);
}

/* Every private key of the token is checked; returns how many there are. */
static CK_ULONG check_all(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}};
	static CK_OBJECT_HANDLE keys[MAX_KEYS];
	CK_ULONG n = 0;

	assert_int_equal(f->C_FindObjectsInit(s, t, 1), CKR_OK);
	assert_int_equal(f->C_FindObjects(s, keys, MAX_KEYS, &n), CKR_OK);
	assert_int_equal(f->C_FindObjectsFinal(s), CKR_OK);
	for (CK_ULONG i = 0; i < n; i++)
		check_key(f, s, keys[i]);
	return n;
}

static void test_killed_keygen(void **state)
{
	struct tpmfix *fx = *state;
	unsigned seed = 20261205;
	CK_SESSION_HANDLE s;
	CK_ULONG before, after;

	init_token(fx->f);
	for (unsigned round = 1; round <= ROUNDS; round++) {
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0)
			child(fx->f, round);
		/* 20 to 400 ms: at start-up, inside a generation, between commits */
		usleep(20000 + (useconds_t)(rand_r(&seed) % 380) * 1000);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
	}
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	s = login(fx->f);
	before = check_all(fx->f, s);
	fprintf(stderr, "%lu private keys committed in %d rounds\n", (unsigned long)before, ROUNDS);
	assert_true(before > 0);
	/* what the killed processes left in the TPM stops nothing */
	assert_int_equal(gen(fx->f, s, 999999), CKR_OK);
	after = check_all(fx->f, s);
	assert_int_equal(after, before + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_killed_keygen, tpmfix_setup, tpmfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
