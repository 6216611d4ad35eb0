/*
 * Unit tests of the PKCS#11 3.0 additions (usr/include/openslot/pkcs11_3x.h):
 * the layout of CK_FUNCTION_LIST_3_0 (the 2.40 list unchanged at its start,
 * then 24 new functions), the members of the new structures, and the values
 * of constants whose numbers are easy to get wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "openslot/pkcs11.h"

/* Functions in the 2.40 list, and those 3.0 appends to it. */
#define FUNCS_2_40    68
#define FUNCS_3_0_NEW 24

/* Where the first function pointer sits: after CK_VERSION, padded to its alignment. */
static size_t first_function_offset(void)
{
	size_t align = _Alignof(CK_C_Initialize);

	return (sizeof(CK_VERSION) + align - 1) / align * align;
}

static void test_version_padding(void **state)
{
	assert_int_equal(sizeof(CK_VERSION), 2);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, version), 0);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_Initialize), first_function_offset());
}

static void test_function_list_layout(void **state)
{
	size_t fn = sizeof(CK_C_Initialize);
	size_t base = first_function_offset();

	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_WaitForSlotEvent),
	                 base + (FUNCS_2_40 - 1) * fn);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_GetInterfaceList),
	                 base + FUNCS_2_40 * fn);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_GetInterface),
	                 base + (FUNCS_2_40 + 1) * fn);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_LoginUser), base + (FUNCS_2_40 + 2) * fn);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_SessionCancel),
	                 base + (FUNCS_2_40 + 3) * fn);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_MessageEncryptInit),
	                 base + (FUNCS_2_40 + 4) * fn);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_MessageDecryptInit),
	                 base + (FUNCS_2_40 + 9) * fn);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_MessageSignInit),
	                 base + (FUNCS_2_40 + 14) * fn);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_MessageVerifyInit),
	                 base + (FUNCS_2_40 + 19) * fn);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_MessageVerifyFinal),
	                 base + (FUNCS_2_40 + FUNCS_3_0_NEW - 1) * fn);
	assert_int_equal(sizeof(CK_FUNCTION_LIST_3_0), base + (FUNCS_2_40 + FUNCS_3_0_NEW) * fn);
}

/* The 2.40 part must line up with p11-kit's CK_FUNCTION_LIST member by member. */
static void test_prefix_matches_2_40(void **state)
{
	assert_int_equal(sizeof(CK_FUNCTION_LIST),
	                 offsetof(CK_FUNCTION_LIST_3_0, C_GetInterfaceList));
	assert_int_equal(offsetof(CK_FUNCTION_LIST, version),
	                 offsetof(CK_FUNCTION_LIST_3_0, version));
	assert_int_equal(offsetof(CK_FUNCTION_LIST, C_Initialize),
	                 offsetof(CK_FUNCTION_LIST_3_0, C_Initialize));
	assert_int_equal(offsetof(CK_FUNCTION_LIST, C_GetSlotList),
	                 offsetof(CK_FUNCTION_LIST_3_0, C_GetSlotList));
	assert_int_equal(offsetof(CK_FUNCTION_LIST, C_Login),
	                 offsetof(CK_FUNCTION_LIST_3_0, C_Login));
	assert_int_equal(offsetof(CK_FUNCTION_LIST, C_Sign),
	                 offsetof(CK_FUNCTION_LIST_3_0, C_Sign));
	assert_int_equal(offsetof(CK_FUNCTION_LIST, C_DeriveKey),
	                 offsetof(CK_FUNCTION_LIST_3_0, C_DeriveKey));
	assert_int_equal(offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent),
	                 offsetof(CK_FUNCTION_LIST_3_0, C_WaitForSlotEvent));
}

static void test_interface(void **state)
{
	static CK_UTF8CHAR name[] = "PKCS 11";
	CK_FUNCTION_LIST_3_0 list = {.version = {3, 0}};
	CK_INTERFACE iface = {name, &list, CKF_INTERFACE_FORK_SAFE};
	CK_INTERFACE_PTR ptr = &iface;
	CK_INTERFACE_PTR_PTR pptr = &ptr;

	assert_ptr_equal((*pptr)->pInterfaceName, name);
	assert_ptr_equal((*pptr)->pFunctionList, &list);
	assert_int_equal((*pptr)->flags, 0x00000001UL);
	assert_int_equal(offsetof(CK_INTERFACE, pInterfaceName), 0);
	assert_int_equal(offsetof(CK_INTERFACE, flags), 2 * sizeof(void *));
}

static void test_parameter_structs(void **state)
{
	CK_GCM_MESSAGE_PARAMS gcm = {.ivGenerator = CKG_GENERATE_COUNTER, .ulTagBits = 128};
	CK_CCM_MESSAGE_PARAMS ccm = {.nonceGenerator = CKG_NO_GENERATE, .ulMACLen = 16};
	CK_EDDSA_PARAMS eddsa = {.phFlag = CK_TRUE, .ulContextDataLen = 0, .pContextData = NULL};
	CK_XEDDSA_PARAMS xeddsa = {.hash = CKM_SHA512};

	assert_int_equal(gcm.ivGenerator, 2);
	assert_int_equal(ccm.ulMACLen, 16);
	assert_int_equal(eddsa.phFlag, CK_TRUE);
	assert_int_equal(xeddsa.hash, CKM_SHA512);
	assert_int_equal(offsetof(CK_GCM_MESSAGE_PARAMS, pTag), 4 * sizeof(CK_ULONG));
	assert_int_equal(offsetof(CK_CCM_MESSAGE_PARAMS, pMAC), 5 * sizeof(CK_ULONG));
	assert_int_equal(offsetof(CK_EDDSA_PARAMS, ulContextDataLen), sizeof(CK_ULONG));
}

static void test_constants(void **state)
{
	assert_int_equal(CKF_INTERFACE_FORK_SAFE, 0x00000001UL);
	assert_int_equal(CKF_END_OF_MESSAGE, 0x00000001UL);
	assert_int_equal(CKM_AES_KEY_WRAP_KWP, 0x0000210BUL);
	assert_int_equal(CKM_AES_KEY_WRAP_PAD, 0x0000210AUL);
	assert_int_equal(CKM_SHA3_256, 0x000002B0UL);
	assert_int_equal(CKM_SHA3_224, 0x000002B5UL);
	assert_int_equal(CKM_SHA3_512_HMAC, 0x000002D1UL);
	assert_int_equal(CKM_SHA3_256_RSA_PKCS_PSS, 0x00000063UL);
	assert_int_equal(CKM_ECDSA_SHA3_384, 0x00001049UL);
	assert_int_equal(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, 0x00001056UL);
	assert_int_equal(CKM_XEDDSA, 0x00004029UL);
	assert_int_equal(CKK_EC_MONTGOMERY, 0x00000041UL);
	assert_int_equal(CKK_SHA3_256_HMAC, 0x00000037UL);
	assert_int_equal(CKA_UNIQUE_ID, 0x00000004UL);
	assert_int_equal(CKA_PROFILE_ID, 0x00000601UL);
	assert_int_equal(CKO_PROFILE, 0x00000009UL);
	assert_int_equal(CKG_MGF1_SHA3_256, 0x00000007UL);
	assert_int_equal(CKD_SHA3_512_KDF, 0x0000000DUL);
	assert_int_equal(CKR_OPERATION_CANCEL_FAILED, 0x00000202UL);
	assert_int_equal(CKR_TOKEN_RESOURCE_EXCEEDED, 0x00000201UL);
	assert_int_equal(CKR_ACTION_PROHIBITED, 0x0000001BUL);
}

/* p11-kit 0.24 has these five 0x1c0-0x1c4; the specification's values win. */
static void test_corrected_return_values(void **state)
{
	assert_int_equal(CKR_EXCEEDED_MAX_ITERATIONS, 0x000001B5UL);
	assert_int_equal(CKR_FIPS_SELF_TEST_FAILED, 0x000001B6UL);
	assert_int_equal(CKR_LIBRARY_LOAD_FAILED, 0x000001B7UL);
	assert_int_equal(CKR_PIN_TOO_WEAK, 0x000001B8UL);
	assert_int_equal(CKR_PUBLIC_KEY_INVALID, 0x000001B9UL);
}

/* The key derivation additions (pkcs11_3x_kdf.h): values and layouts of the specification. */
static void test_kdf_additions(void **state)
{
	assert_int_equal(CKK_HKDF, 0x00000042UL);
	assert_int_equal(CKM_HKDF_DERIVE, 0x0000402AUL);
	assert_int_equal(CKM_HKDF_DATA, 0x0000402BUL);
	assert_int_equal(CKM_HKDF_KEY_GEN, 0x0000402CUL);
	assert_int_equal(CKM_SP800_108_COUNTER_KDF, 0x000003ACUL);
	assert_int_equal(CKF_HKDF_SALT_KEY, 0x00000004UL);
	assert_int_equal(CK_SP800_108_DKM_LENGTH, 0x00000003UL);
	assert_int_equal(CK_SP800_108_COUNTER, CK_SP800_108_OPTIONAL_COUNTER);
	assert_int_equal(CKP_PKCS5_PBKD2_HMAC_SHA256, 0x00000004UL);
	assert_int_equal(CKZ_SALT_SPECIFIED, 0x00000001UL);
	assert_int_equal(offsetof(CK_HKDF_PARAMS, prfHashMechanism), sizeof(CK_ULONG));
	assert_int_equal(offsetof(CK_HKDF_PARAMS, hSaltKey), 5 * sizeof(CK_ULONG));
	assert_int_equal(sizeof(CK_HKDF_PARAMS), 8 * sizeof(CK_ULONG));
	assert_int_equal(offsetof(CK_SP800_108_KDF_PARAMS, pAdditionalDerivedKeys),
	                 4 * sizeof(CK_ULONG));
	assert_int_equal(offsetof(CK_SP800_108_DKM_LENGTH_FORMAT, ulWidthInBits),
	                 2 * sizeof(CK_ULONG));
	assert_int_equal(offsetof(CK_PKCS5_PBKD2_PARAMS2, ulPasswordLen), 8 * sizeof(CK_ULONG));
	assert_int_equal(sizeof(CK_PKCS5_PBKD2_PARAMS), sizeof(CK_PKCS5_PBKD2_PARAMS2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version_padding),
	    cmocka_unit_test(test_function_list_layout),
	    cmocka_unit_test(test_prefix_matches_2_40),
	    cmocka_unit_test(test_interface),
	    cmocka_unit_test(test_parameter_structs),
	    cmocka_unit_test(test_constants),
	    cmocka_unit_test(test_corrected_return_values),
	    cmocka_unit_test(test_kdf_additions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
