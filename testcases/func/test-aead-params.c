/*
 * Functional tests of the AEAD parameter layouts through the real library
 * and a real slotd: CKM_AES_GCM with CK_GCM_PARAMS in the PKCS#11 2.40/3.0
 * layout (with ulIvBits) and in the older layout without it, told apart by
 * ulParameterLen, both giving test case 4 of the GCM specification (NIST's
 * GCM example); any other length, and a CK_CCM_PARAMS of a wrong length,
 * answer CKR_MECHANISM_PARAM_INVALID.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "openslot/pkcs11.h"
#include "harness.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"
#define SLOTS                                                                                      \
	"{ id = 0; backend = \"soft\"; token = \"softtok\"; options = { pin-kdf-memory = \"64\"; " \
	"pin-kdf-time = \"1\"; }; }"

/* CK_GCM_PARAMS as the older headers declare it. */
struct gcm_params_old {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulTagBits;
};

/* GCM specification, test case 4. */
static const CK_BYTE gcm_key[] = {0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
                                  0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08};
static CK_BYTE gcm_iv[] = {0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88};
static CK_BYTE gcm_aad[] = {0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
                            0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2};
static const CK_BYTE gcm_plain[] = {
    0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26,
    0x9a, 0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31,
    0x8a, 0x72, 0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49,
    0xa6, 0xb5, 0x25, 0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39};
static const CK_BYTE gcm_sealed[] = {
    0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24, 0x4b, 0x72, 0x21, 0xb7, 0x84, 0xd0, 0xd4, 0x9c,
    0xe3, 0xaa, 0x21, 0x2f, 0x2c, 0x02, 0xa4, 0xe0, 0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac, 0xa1, 0x2e,
    0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c, 0x7d, 0x8f, 0x6a, 0x5a, 0xac, 0x84, 0xaa, 0x05,
    0x1b, 0xa3, 0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97, 0x3d, 0x58, 0xe0, 0x91, 0x5b, 0xc9, 0x4f, 0xbc,
    0x32, 0x21, 0xa5, 0xdb, 0x94, 0xfa, 0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47};

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
};

/* A logged-in session on an initialised token, with the AES key of test case 4. */
static void fx_session(struct fixture *fx)
{
	static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static CK_KEY_TYPE type = CKK_AES;
	static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                    {CKA_KEY_TYPE, &type, sizeof(type)},
	                    {CKA_VALUE, (void *)gcm_key, sizeof(gcm_key)},
	                    {CKA_TOKEN, &no, 1},
	                    {CKA_ENCRYPT, &yes, 1},
	                    {CKA_DECRYPT, &yes, 1}};
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
	assert_int_equal(fx->f->C_CreateObject(s, t, sizeof(t) / sizeof(t[0]), &fx->key), CKR_OK);
	fx->s = s;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, SLOTS), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	fx_session(fx);
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

/* Encrypts and decrypts test case 4 with mech, expecting its ciphertext and tag. */
static void gcm_round_trip(struct fixture *fx, CK_MECHANISM *mech)
{
	CK_BYTE out[128], back[128];
	CK_ULONG outlen = sizeof(out), backlen = sizeof(back);

	assert_int_equal(fx->f->C_EncryptInit(fx->s, mech, fx->key), CKR_OK);
	assert_int_equal(
	    fx->f->C_Encrypt(fx->s, (CK_BYTE_PTR)gcm_plain, sizeof(gcm_plain), out, &outlen),
	    CKR_OK);
	assert_int_equal(outlen, sizeof(gcm_sealed));
	assert_memory_equal(out, gcm_sealed, sizeof(gcm_sealed));
	assert_int_equal(fx->f->C_DecryptInit(fx->s, mech, fx->key), CKR_OK);
	assert_int_equal(fx->f->C_Decrypt(fx->s, out, outlen, back, &backlen), CKR_OK);
	assert_int_equal(backlen, sizeof(gcm_plain));
	assert_memory_equal(back, gcm_plain, sizeof(gcm_plain));
}

static void test_gcm_layouts(void **state)
{
	struct fixture *fx = *state;
	CK_GCM_PARAMS cur = {gcm_iv, sizeof(gcm_iv), 96, gcm_aad, sizeof(gcm_aad), 128};
	struct gcm_params_old old = {gcm_iv, sizeof(gcm_iv), gcm_aad, sizeof(gcm_aad), 128};
	CK_MECHANISM m = {CKM_AES_GCM, &cur, sizeof(cur)};

	gcm_round_trip(fx, &m);
	m = (CK_MECHANISM){CKM_AES_GCM, &old, sizeof(old)};
	gcm_round_trip(fx, &m);
}

static void test_bad_lengths(void **state)
{
	struct fixture *fx = *state;
	CK_BYTE buf[sizeof(CK_GCM_PARAMS) + sizeof(CK_ULONG)];
	struct gcm_params_old old = {gcm_iv, sizeof(gcm_iv), gcm_aad, sizeof(gcm_aad), 128};
	const CK_ULONG gcm_lens[] = {sizeof(old) - sizeof(CK_ULONG), sizeof(old) + sizeof(CK_ULONG),
	                             sizeof(CK_GCM_PARAMS) + sizeof(CK_ULONG)};
	CK_CCM_PARAMS ccm = {sizeof(gcm_plain), gcm_iv, 12, gcm_aad, sizeof(gcm_aad), 16};

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &old, sizeof(old));
	for (size_t i = 0; i < sizeof(gcm_lens) / sizeof(gcm_lens[0]); i++) {
		CK_MECHANISM m = {CKM_AES_GCM, buf, gcm_lens[i]};

		assert_int_equal(fx->f->C_EncryptInit(fx->s, &m, fx->key),
		                 CKR_MECHANISM_PARAM_INVALID);
		assert_int_equal(fx->f->C_DecryptInit(fx->s, &m, fx->key),
		                 CKR_MECHANISM_PARAM_INVALID);
	}
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &ccm, sizeof(ccm));
	CK_MECHANISM m = {CKM_AES_CCM, buf, sizeof(ccm) - sizeof(CK_ULONG)};
	assert_int_equal(fx->f->C_EncryptInit(fx->s, &m, fx->key), CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof(ccm) + sizeof(CK_ULONG);
	assert_int_equal(fx->f->C_EncryptInit(fx->s, &m, fx->key), CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof(ccm);
	assert_int_equal(fx->f->C_EncryptInit(fx->s, &m, fx->key), CKR_OK);
	{
		CK_BYTE out[128];
		CK_ULONG outlen = sizeof(out);

		assert_int_equal(fx->f->C_Encrypt(fx->s, (CK_BYTE_PTR)gcm_plain, sizeof(gcm_plain),
		                                  out, &outlen),
		                 CKR_OK);
		assert_int_equal(outlen, sizeof(gcm_plain) + 16);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_gcm_layouts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_lengths, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
