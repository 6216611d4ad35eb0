/*
 * Unit tests of the path helpers (usr/lib/common/paths.c): joining, shm
 * names, and the per-user directories of the TPM token, whose user name
 * must be one tame path component.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

static void test_join(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(os_paths_join(out, sizeof(out), "/a", "b"), 0);
	assert_string_equal(out, "/a/b");
	assert_int_equal(os_paths_join(out, sizeof(out), "/0123456789", "abcd"), -1);
}

static void test_shm_name(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(os_paths_shm_name(out, sizeof(out), "/run/openslot/", "slotd"), 0);
	assert_string_equal(out, "/run.openslot.slotd");
	assert_int_equal(os_paths_shm_name(out, sizeof(out), "run", "slotd"), -1);
}

static void test_user_ok(void **state)
{
	char longest[OS_PATHS_USER_MAX + 2];

	(void)state;
	assert_true(os_paths_user_ok("alice"));
	assert_true(os_paths_user_ok("svc-backup_1"));
	assert_true(os_paths_user_ok("a.b"));
	assert_true(os_paths_user_ok("machine$"));
	assert_false(os_paths_user_ok(NULL));
	assert_false(os_paths_user_ok(""));
	assert_false(os_paths_user_ok("."));
	assert_false(os_paths_user_ok(".."));
	assert_false(os_paths_user_ok("..x"));
	assert_false(os_paths_user_ok("a..b"));
	assert_false(os_paths_user_ok(".hidden"));
	assert_false(os_paths_user_ok("a/b"));
	assert_false(os_paths_user_ok("/"));
	assert_false(os_paths_user_ok("a b"));
	assert_false(os_paths_user_ok("a\nb"));
	assert_false(os_paths_user_ok("caf\xc3\xa9"));
	memset(longest, 'u', OS_PATHS_USER_MAX);
	longest[OS_PATHS_USER_MAX] = '\0';
	assert_true(os_paths_user_ok(longest));
	longest[OS_PATHS_USER_MAX] = 'u';
	longest[OS_PATHS_USER_MAX + 1] = '\0';
	assert_false(os_paths_user_ok(longest));
}

static void test_user_dir(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(os_paths_user_dir(out, sizeof(out), "/var/lib/openslot", "alice"), 0);
	assert_string_equal(out, "/var/lib/openslot/tpm/alice");
	assert_int_equal(os_paths_user_dir(out, sizeof(out), "/d", ".."), -1);
	assert_int_equal(os_paths_user_dir(out, sizeof(out), "/d", "../x"), -1);
	assert_int_equal(os_paths_user_dir(out, sizeof(out), "/d", ""), -1);
	assert_int_equal(os_paths_user_dir(out, 12, "/d", "abcdefgh"), -1);
}

static void test_user_name(void **state)
{
	struct passwd *pw = getpwuid(geteuid());
	char out[OS_PATHS_USER_MAX + 1], small[2];

	(void)state;
	if (!pw)
		skip();
	assert_int_equal(os_paths_user_name(geteuid(), out, sizeof(out)), 0);
	assert_string_equal(out, pw->pw_name);
	assert_int_equal(os_paths_user_name(geteuid(), small, sizeof(small)), -1);
	/* no account has the largest uid but one */
	assert_int_equal(os_paths_user_name((uid_t)-2, out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_join),      cmocka_unit_test(test_shm_name),
	    cmocka_unit_test(test_user_ok),   cmocka_unit_test(test_user_dir),
	    cmocka_unit_test(test_user_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
