/*
 * Unit tests of the PKCS#11 names (usr/lib/common/p11names.c): the tables are
 * sorted without duplicates, every return value of PKCS#11 3.0 has its name,
 * every named value round-trips through the reverse lookups, unknown values
 * format as hexadecimal, and the reverse lookups take the documented
 * spellings and refuse everything else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "p11names.h"

static void test_tables_sound(void **state)
{
	assert_int_equal(os_p11_names_check(), 0);
}

/* Numbers as the specification prints them, independent of any header. */
static void test_known_names(void **state)
{
	assert_string_equal(os_p11_rv_name(0x000), "CKR_OK");
	assert_string_equal(os_p11_rv_name(0x0a0), "CKR_PIN_INCORRECT");
	assert_string_equal(os_p11_rv_name(0x150), "CKR_BUFFER_TOO_SMALL");
	assert_string_equal(os_p11_rv_name(0x1b5), "CKR_EXCEEDED_MAX_ITERATIONS");
	assert_string_equal(os_p11_rv_name(0x1b8), "CKR_PIN_TOO_WEAK");
	assert_string_equal(os_p11_rv_name(0x1b9), "CKR_PUBLIC_KEY_INVALID");
	assert_string_equal(os_p11_rv_name(0x202), "CKR_OPERATION_CANCEL_FAILED");
	assert_string_equal(os_p11_rv_name(0x80000000UL), "CKR_VENDOR_DEFINED");

	assert_string_equal(os_p11_mech_name(0x0040), "CKM_SHA256_RSA_PKCS");
	assert_string_equal(os_p11_mech_name(0x1040), "CKM_EC_KEY_PAIR_GEN");
	assert_string_equal(os_p11_mech_name(0x0322), "CKM_CAST128_CBC");
	assert_string_equal(os_p11_mech_name(0x02b0), "CKM_SHA3_256");
	assert_string_equal(os_p11_mech_name(0x210b), "CKM_AES_KEY_WRAP_KWP");
	assert_string_equal(os_p11_mech_name(0x4029), "CKM_XEDDSA");

	assert_string_equal(os_p11_attr_name(0x003), "CKA_LABEL");
	assert_string_equal(os_p11_attr_name(0x004), "CKA_UNIQUE_ID");
	assert_string_equal(os_p11_attr_name(0x180), "CKA_EC_PARAMS");
	assert_string_equal(os_p11_attr_name(0x40000211UL), "CKA_WRAP_TEMPLATE");

	assert_string_equal(os_p11_class_name(3), "CKO_PRIVATE_KEY");
	assert_string_equal(os_p11_class_name(9), "CKO_PROFILE");
	assert_string_equal(os_p11_key_type_name(3), "CKK_EC");
	assert_string_equal(os_p11_key_type_name(0x41), "CKK_EC_MONTGOMERY");
	assert_string_equal(os_p11_user_name(0), "CKU_SO");
	assert_string_equal(os_p11_user_name(2), "CKU_CONTEXT_SPECIFIC");
}

static void test_unknown_values(void **state)
{
	/* p11-kit 0.24's number for CKR_PIN_TOO_WEAK is not a return value. */
	assert_null(os_p11_rv_name(0x1c3));
	assert_null(os_p11_rv_name(0x004));
	assert_null(os_p11_rv_name(0x80000001UL));
	assert_null(os_p11_mech_name(0x0017));
	assert_null(os_p11_attr_name(0x7fffffffUL));
	assert_null(os_p11_class_name(0x0a));
	assert_null(os_p11_key_type_name(0x7f));
	assert_null(os_p11_user_name(3));
}

/*
 * Every PKCS#11 2.40 and 3.0 return value below the vendor range: counting
 * the named values proves none is missing and none is invented.
 */
static void test_every_return_value(void **state)
{
	size_t named = 0;

	for (CK_RV rv = 0; rv < 0x1000; rv++) {
		if (os_p11_rv_name(rv) != NULL)
			named++;
	}
	assert_int_equal(named, 96);
}

static void test_round_trip(void **state)
{
	size_t mechs = 0, keys = 0, classes = 0;

	for (CK_ULONG v = 0; v < 0x5000; v++) {
		const char *name = os_p11_mech_name(v);
		CK_MECHANISM_TYPE m = ~0UL;

		if (name == NULL)
			continue;
		assert_int_equal(os_p11_mech_from_name(name, &m), 0);
		assert_int_equal(m, v);
		mechs++;
	}
	for (CK_ULONG v = 0; v < 0x100; v++) {
		const char *name = os_p11_key_type_name(v);
		CK_KEY_TYPE k = ~0UL;

		if (name == NULL)
			continue;
		assert_int_equal(os_p11_key_type_from_name(name, &k), 0);
		assert_int_equal(k, v);
		keys++;
	}
	for (CK_ULONG v = 0; v < 0x100; v++) {
		const char *name = os_p11_class_name(v);
		CK_OBJECT_CLASS c = ~0UL;

		if (name == NULL)
			continue;
		assert_int_equal(os_p11_class_from_name(name, &c), 0);
		assert_int_equal(c, v);
		classes++;
	}
	assert_true(mechs > 300);
	assert_true(keys > 40);
	assert_int_equal(classes, 10);
}

static void test_str_formats_unknown(void **state)
{
	char buf[OS_P11_STR_LEN];
	char small[5];

	assert_string_equal(os_p11_rv_str(0x1234, buf, sizeof(buf)), "0x00001234");
	assert_string_equal(os_p11_mech_str(0x80001234UL, buf, sizeof(buf)), "0x80001234");
	assert_string_equal(os_p11_attr_str(0xdeadbeefUL, buf, sizeof(buf)), "0xdeadbeef");
	assert_ptr_equal(os_p11_rv_str(0x1234, buf, sizeof(buf)), buf);
	if (sizeof(CK_ULONG) > 4)
		assert_string_equal(os_p11_rv_str(~0UL, buf, sizeof(buf)), "0xffffffffffffffff");

	assert_string_equal(os_p11_rv_str(0x1234, small, sizeof(small)), "0x00");
	assert_string_equal(os_p11_rv_str(0x1234, NULL, 0), "");
	assert_string_equal(os_p11_rv_str(0x1234, buf, 0), "");
}

static void test_str_known_leaves_buffer(void **state)
{
	char buf[OS_P11_STR_LEN] = "untouched";

	assert_string_equal(os_p11_rv_str(CKR_PIN_LOCKED, buf, sizeof(buf)), "CKR_PIN_LOCKED");
	assert_string_equal(os_p11_mech_str(CKM_AES_GCM, buf, sizeof(buf)), "CKM_AES_GCM");
	assert_string_equal(os_p11_attr_str(CKA_MODULUS_BITS, buf, sizeof(buf)),
	                    "CKA_MODULUS_BITS");
	assert_string_equal(os_p11_rv_str(CKR_OK, NULL, 0), "CKR_OK");
	assert_string_equal(buf, "untouched");
}

static void test_reverse_spellings(void **state)
{
	static const char *const spellings[] = {
	    "CKM_SHA256_RSA_PKCS", "SHA256-RSA-PKCS",     "sha256_rsa_pkcs",
	    "ckm-sha256-rsa-pkcs", "Ckm_Sha256-Rsa_pkcs", "CKM-SHA256_RSA-PKCS",
	};
	CK_MECHANISM_TYPE m;
	CK_KEY_TYPE k;
	CK_OBJECT_CLASS c;

	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		m = 0;
		assert_int_equal(os_p11_mech_from_name(spellings[i], &m), 0);
		assert_int_equal(m, CKM_SHA256_RSA_PKCS);
	}
	assert_int_equal(os_p11_mech_from_name("sha-1", &m), 0);
	assert_int_equal(m, CKM_SHA_1);
	assert_int_equal(os_p11_mech_from_name("aes-key-wrap-kwp", &m), 0);
	assert_int_equal(m, CKM_AES_KEY_WRAP_KWP);

	assert_int_equal(os_p11_key_type_from_name("ec", &k), 0);
	assert_int_equal(k, CKK_EC);
	assert_int_equal(os_p11_key_type_from_name("CKK_EC_EDWARDS", &k), 0);
	assert_int_equal(k, CKK_EC_EDWARDS);
	assert_int_equal(os_p11_key_type_from_name("generic-secret", &k), 0);
	assert_int_equal(k, CKK_GENERIC_SECRET);

	assert_int_equal(os_p11_class_from_name("private-key", &c), 0);
	assert_int_equal(c, CKO_PRIVATE_KEY);
	assert_int_equal(os_p11_class_from_name("CKO_SECRET_KEY", &c), 0);
	assert_int_equal(c, CKO_SECRET_KEY);
	assert_int_equal(os_p11_class_from_name("cko-data", &c), 0);
	assert_int_equal(c, CKO_DATA);
}

/* Deprecated spellings resolve, but the names printed are the preferred ones. */
static void test_reverse_aliases(void **state)
{
	CK_MECHANISM_TYPE m;
	CK_KEY_TYPE k;

	assert_int_equal(os_p11_mech_from_name("CKM_ECDSA_KEY_PAIR_GEN", &m), 0);
	assert_int_equal(m, CKM_EC_KEY_PAIR_GEN);
	assert_int_equal(os_p11_mech_from_name("cast5-cbc", &m), 0);
	assert_int_equal(m, CKM_CAST128_CBC);
	assert_int_equal(os_p11_key_type_from_name("CKK_ECDSA", &k), 0);
	assert_int_equal(k, CKK_EC);
}

static void test_reverse_refuses(void **state)
{
	static const char *const bad[] = {
	    "",
	    "CKM_",
	    "ckm-",
	    "SHA256-RSA",
	    "SHA256-RSA-PKCS-",
	    "SHA256_RSA_PKCSX",
	    "SHA256 RSA PKCS",
	    " SHA256_RSA_PKCS",
	    "CKM_CKM_SHA256_RSA_PKCS",
	    "CKK_SHA256_RSA_PKCS",
	    "CKMSHA256_RSA_PKCS",
	    "0x40",
	    "CKM_VENDOR",
	};
	CK_MECHANISM_TYPE m = 0x1234;
	CK_KEY_TYPE k = 0x1234;
	CK_OBJECT_CLASS c = 0x1234;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(os_p11_mech_from_name(bad[i], &m), -1);
	assert_int_equal(m, 0x1234);

	assert_int_equal(os_p11_mech_from_name(NULL, &m), -1);
	assert_int_equal(os_p11_mech_from_name("SHA256", NULL), -1);

	/* A name of one kind is not accepted as another. */
	assert_int_equal(os_p11_key_type_from_name("CKO_DATA", &k), -1);
	assert_int_equal(os_p11_key_type_from_name("sha256", &k), -1);
	assert_int_equal(os_p11_class_from_name("CKK_EC", &c), -1);
	assert_int_equal(os_p11_class_from_name("EC", &c), -1);
	assert_int_equal(os_p11_class_from_name(NULL, &c), -1);
	assert_int_equal(k, 0x1234);
	assert_int_equal(c, 0x1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tables_sound),
	    cmocka_unit_test(test_known_names),
	    cmocka_unit_test(test_unknown_values),
	    cmocka_unit_test(test_every_return_value),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_str_formats_unknown),
	    cmocka_unit_test(test_str_known_leaves_buffer),
	    cmocka_unit_test(test_reverse_spellings),
	    cmocka_unit_test(test_reverse_aliases),
	    cmocka_unit_test(test_reverse_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
