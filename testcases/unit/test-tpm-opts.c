/*
 * Unit tests of the tpm backend's slot options and slot descriptions
 * (usr/lib/tokens/tpm/tpm_opts.c): which TCTI string a slot's options
 * give, which options are refused, and the sentences that fit the 64-byte
 * slot description.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tpm_opts.h"

static CK_RV read_opts(const struct os_backend_option *o, size_t n, struct tpm_opts *out)
{
	struct os_backend_env env = {.slot_id = 1, .options = o, .n_options = n};

	memset(out, 0x55, sizeof(*out));
	return tpm_opts_read(&env, out);
}

static void test_defaults(void **state)
{
	struct tpm_opts o;

	assert_int_equal(read_opts(NULL, 0, &o), CKR_OK);
	assert_string_equal(o.tcti, "device:/dev/tpmrm0");
	assert_int_equal(o.timeout_ms, 10000);
	assert_int_equal(o.parent, 0);
}

/* "tpm-parent": a persistent handle, in hexadecimal, and nothing else. */
static void test_parent(void **state)
{
	static const struct os_backend_option bad[][1] = {
	    {{"tpm-parent", ""}},
	    {{"tpm-parent", "0x80000001"}},
	    {{"tpm-parent", "0x82000000"}},
	    {{"tpm-parent", "0x81000001x"}},
	    {{"tpm-parent", "-0x81000001"}},
	    {{"tpm-parent", "0x181000001"}},
	};
	const struct os_backend_option hex[] = {{"tpm-parent", "0x81000001"}};
	const struct os_backend_option bare[] = {{"tpm-parent", "81ffffff"}};
	struct tpm_opts o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(read_opts(bad[i], 1, &o), CKR_ARGUMENTS_BAD);
	assert_int_equal(read_opts(hex, 1, &o), CKR_OK);
	assert_int_equal(o.parent, 0x81000001u);
	assert_int_equal(read_opts(bare, 1, &o), CKR_OK);
	assert_int_equal(o.parent, 0x81ffffffu);
}

/* "device" is a shorthand for a device TCTI; "tcti" wins over it. */
static void test_device_and_tcti(void **state)
{
	const struct os_backend_option dev[] = {{"device", "/dev/tpm0"}};
	const struct os_backend_option both[] = {{"tcti", "swtpm:port=2321"}, {"device", "/x"}};
	const struct os_backend_option other[] = {{"pin-kdf-memory", "64"}, {"tcti", "tabrmd"}};
	struct tpm_opts o;

	assert_int_equal(read_opts(dev, 1, &o), CKR_OK);
	assert_string_equal(o.tcti, "device:/dev/tpm0");
	assert_int_equal(read_opts(both, 2, &o), CKR_OK);
	assert_string_equal(o.tcti, "swtpm:port=2321");
	assert_int_equal(read_opts(other, 2, &o), CKR_OK);
	assert_string_equal(o.tcti, "tabrmd");
}

static void test_refused(void **state)
{
	static const struct os_backend_option bad[][1] = {
	    {{"tcti", ""}},
	    {{"device", ""}},
	    {{"tcti-timeout", "99"}},
	    {{"tcti-timeout", "600001"}},
	    {{"tcti-timeout", "10s"}},
	    {{"tcti-timeout", ""}},
	};
	char long_tcti[TPM_OPTS_TCTI_MAX + 1];
	const struct os_backend_option too_long[] = {{"tcti", long_tcti}};
	const struct os_backend_option ok[] = {{"tcti-timeout", "100"}};
	struct tpm_opts o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(read_opts(bad[i], 1, &o), CKR_ARGUMENTS_BAD);
	memset(long_tcti, 'a', TPM_OPTS_TCTI_MAX);
	long_tcti[TPM_OPTS_TCTI_MAX] = '\0';
	assert_int_equal(read_opts(too_long, 1, &o), CKR_ARGUMENTS_BAD);
	assert_int_equal(read_opts(ok, 1, &o), CKR_OK);
	assert_int_equal(o.timeout_ms, 100);
}

/* The sentences fit the description, or fall back to a shorter one. */
static void test_descriptions(void **state)
{
	const struct os_backend_option missing[] = {{"device", "/nonexistent"}};
	const struct os_backend_option far[] = {
	    {"tcti", "device:/nonexistent/a/device/path/far/too/long/for/a/slot/description"}};
	const struct os_backend_option sw[] = {{"tcti", "swtpm:host=127.0.0.1,port=1"}};
	const struct os_backend_option here[] = {{"device", "/dev/null"}};
	char desc[TPM_OPTS_DESC_MAX];
	struct tpm_opts o;

	assert_int_equal(read_opts(missing, 1, &o), CKR_OK);
	assert_true(tpm_opts_device_missing(&o, desc));
	assert_string_equal(desc, "TPM 2.0: no TPM device (/nonexistent) on this machine");
	assert_int_equal(read_opts(far, 1, &o), CKR_OK);
	assert_true(tpm_opts_device_missing(&o, desc));
	assert_string_equal(desc, "TPM 2.0: no TPM device at the configured path");
	tpm_opts_describe(&o, "cannot connect", desc);
	assert_string_equal(desc, "TPM 2.0: cannot connect at the configured TCTI");
	assert_int_equal(read_opts(sw, 1, &o), CKR_OK);
	assert_false(tpm_opts_device_missing(&o, desc));
	tpm_opts_describe(&o, "cannot connect", desc);
	assert_string_equal(desc, "TPM 2.0: cannot connect (swtpm:host=127.0.0.1,port=1)");
	assert_int_equal(read_opts(here, 1, &o), CKR_OK);
	assert_false(tpm_opts_device_missing(&o, desc));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),     cmocka_unit_test(test_device_and_tcti),
	    cmocka_unit_test(test_refused),      cmocka_unit_test(test_parent),
	    cmocka_unit_test(test_descriptions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
