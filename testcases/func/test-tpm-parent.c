/*
 * Functional tests of the slot option "tpm-parent", on a private swtpm: a
 * persistent storage key made by the test is the parent of the token's
 * keys; a persistent signing key, or a handle with nothing behind it,
 * leaves the slot without a token and says why.
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

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "tpmfix.h"

#define STORAGE  0x81000010u
#define SIGNING  0x81000011u
#define NOTHING  0x81000012u
#define SO_PIN   "87654321"
#define USER_PIN "123456"

static const CK_BYTE p256_der[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

/* An ECC P-256 primary under the owner: a storage key, or a signing key. */
static void make_primary(ESYS_CONTEXT *esys, bool storage, TPM2_HANDLE persistent)
{
	TPM2B_PUBLIC t = {.publicArea = {.type = TPM2_ALG_ECC, .nameAlg = TPM2_ALG_SHA256}};
	TPMT_PUBLIC *a = &t.publicArea;
	TPM2B_SENSITIVE_CREATE sens = {0};
	TPM2B_DATA outside = {0};
	TPML_PCR_SELECTION pcrs = {0};
	ESYS_TR primary, out;

	a->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
	                      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH;
	a->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	a->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	a->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	if (storage) {
		a->objectAttributes |= TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
		a->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
		a->parameters.eccDetail.symmetric.keyBits.aes = 128;
		a->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	} else {
		a->objectAttributes |= TPMA_OBJECT_SIGN_ENCRYPT;
		a->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	}
	assert_int_equal(Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                                    ESYS_TR_NONE, &sens, &t, &outside, &pcrs, &primary,
	                                    NULL, NULL, NULL, NULL),
	                 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_EvictControl(esys, ESYS_TR_RH_OWNER, primary, ESYS_TR_PASSWORD,
	                                   ESYS_TR_NONE, ESYS_TR_NONE, persistent, &out),
	                 TSS2_RC_SUCCESS);
	Esys_TR_Close(esys, &out);
	Esys_FlushContext(esys, primary);
}

/* Removes the persistent object at handle. */
static void evict(ESYS_CONTEXT *esys, TPM2_HANDLE handle)
{
	ESYS_TR tr, none;

	assert_int_equal(
	    Esys_TR_FromTPMPublic(esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr),
	    TSS2_RC_SUCCESS);
	assert_int_equal(Esys_EvictControl(esys, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD,
	                                   ESYS_TR_NONE, ESYS_TR_NONE, handle, &none),
	                 TSS2_RC_SUCCESS);
}

/* One ESAPI connection to the swtpm (it serves one at a time: close it soon). */
static ESYS_CONTEXT *esys_open(struct tpmfix *fx, TSS2_TCTI_CONTEXT **tcti)
{
	ESYS_CONTEXT *esys = NULL;

	assert_int_equal(Tss2_TctiLdr_Initialize(fx->tpm.tcti, tcti), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Initialize(&esys, *tcti, NULL), TSS2_RC_SUCCESS);
	return esys;
}

static void esys_close(ESYS_CONTEXT *esys, TSS2_TCTI_CONTEXT *tcti)
{
	Esys_Finalize(&esys);
	Tss2_TctiLdr_Finalize(&tcti);
}

/* Slot 0 on the storage key, 1 on the signing key, 2 on a free handle. */
#define SLOT_FMT                                                                       \
	"{ id = %d; backend = \"tpm\"; token = \"tpm%d\"; options = { tcti = \"%s\"; " \
	"tpm-parent = \"0x%08x\"; pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; }; }"

static void write_conf(struct tpmfix *fx)
{
	const unsigned handles[3] = {STORAGE, SIGNING, NOTHING};
	char one[3][300];
	char slots[1024];

	for (int i = 0; i < 3; i++)
		snprintf(one[i], sizeof(one[i]), SLOT_FMT, i, i, fx->tpm.tcti, handles[i]);
	snprintf(slots, sizeof(slots), "%s,\n%s,\n%s", one[0], one[1], one[2]);
	assert_int_equal(harness_write_conf(&fx->h, NULL, slots), 0);
}

static void load_library(struct tpmfix *fx)
{
	CK_INTERFACE *iface;

	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
}

static int setup(void **state)
{
	struct tpmfix *fx = calloc(1, sizeof(*fx));
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(swtpm_start(&fx->tpm, fx->h.dir), 0);
	esys = esys_open(fx, &tcti);
	make_primary(esys, true, STORAGE);
	make_primary(esys, false, SIGNING);
	esys_close(esys, tcti);
	write_conf(fx);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	load_library(fx);
	*state = fx;
	return 0;
}

static void assert_description(struct tpmfix *fx, CK_SLOT_ID slot, const char *text)
{
	CK_SLOT_INFO info;

	assert_int_equal(fx->f->C_GetSlotInfo(slot, &info), CKR_OK);
	assert_int_equal(info.flags & CKF_TOKEN_PRESENT, 0);
	assert_memory_equal(info.slotDescription, text, strlen(text));
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

static CK_RV sign(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_BYTE sig[64])
{
	static const CK_BYTE digest[32] = {1, 2, 3};
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	CK_ULONG n = 64;
	CK_RV rv = fx->f->C_SignInit(s, &mech, key);

	return rv != CKR_OK ? rv : fx->f->C_Sign(s, (CK_BYTE_PTR)digest, 32, sig, &n);
}

/* The storage key is used: signing works, and stops when the parent is removed. */
static void test_parent_used(void **state)
{
	struct tpmfix *fx = *state;
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256_der, sizeof(p256_der)},
	                     {CKA_TOKEN, &yes, 1}};
	CK_ATTRIBUTE st[] = {{CKA_TOKEN, &yes, 1}, {CKA_SIGN, &yes, 1}};
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[64];
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	CK_SESSION_HANDLE s = init_and_login(fx);

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &mech, pt, 2, st, 2, &pub, &priv), CKR_OK);
	assert_int_equal(sign(fx, s, priv, sig), CKR_OK);
	/* with the parent gone the key cannot be loaded any more */
	esys = esys_open(fx, &tcti);
	evict(esys, STORAGE);
	esys_close(esys, tcti);
	assert_int_not_equal(sign(fx, s, priv, sig), CKR_OK);
	/* and a library started afresh shows the slot without its token */
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	assert_description(fx, 0, "TPM 2.0: no key at tpm-parent 0x81000010");
}

static void test_not_storage(void **state)
{
	assert_description(*state, 1, "TPM 2.0: tpm-parent 0x81000011 is not a storage key");
}

static void test_nothing(void **state)
{
	assert_description(*state, 2, "TPM 2.0: no key at tpm-parent 0x81000012");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_parent_used, setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_not_storage, setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_nothing, setup, tpmfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
