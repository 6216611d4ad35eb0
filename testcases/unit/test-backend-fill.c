/*
 * Unit tests of the completion of a backend's ops table
 * (usr/lib/tokens/common/backend_fill.c): a table with NULL entries comes
 * out with every entry set, each default answers what backend_fill.h
 * documents, and the entries a backend gave are kept as they are.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "backend_fill.h"

typedef void (*any_fn)(void);

static const struct os_backend_ops bare = {
    .abi_version = OS_BACKEND_ABI_VERSION,
    .name = "bare",
};

/* The number of entries of the table left NULL, read slot by slot past name. */
static size_t null_entries(const struct os_backend_ops *ops)
{
	const unsigned char *p = (const unsigned char *)ops;
	size_t n = 0;

	for (size_t off = offsetof(struct os_backend_ops, load); off < sizeof(*ops);
	     off += sizeof(any_fn)) {
		any_fn fn;

		memcpy(&fn, p + off, sizeof(fn));
		n += fn == NULL;
	}
	return n;
}

static void test_complete(void **state)
{
	struct os_backend_ops ops;

	(void)state;
	assert_int_equal(null_entries(&bare), 28);
	memset(&ops, 0, sizeof(ops));
	tok_backend_fill(&ops, &bare);
	assert_int_equal(null_entries(&ops), 0);
	assert_int_equal(ops.abi_version, OS_BACKEND_ABI_VERSION);
	assert_string_equal(ops.name, "bare");
}

static void test_context_defaults(void **state)
{
	struct os_backend_ops ops;
	struct os_backend_env env = {.slot_id = 1};
	CK_SLOT_INFO si, si_before;
	CK_TOKEN_INFO ti, ti_before;
	CK_MECHANISM_INFO mi;
	CK_ULONG count = 5;
	CK_BYTE buf[4] = {0};
	void *ctx = &ops;

	(void)state;
	tok_backend_fill(&ops, &bare);
	assert_int_equal(ops.load(&env, &ctx), CKR_OK);
	assert_null(ctx);
	memset(&si, 0x5a, sizeof(si));
	si_before = si;
	assert_int_equal(ops.slot_info(ctx, &si), CKR_OK);
	assert_memory_equal(&si, &si_before, sizeof(si));
	memset(&ti, 0xa5, sizeof(ti));
	ti_before = ti;
	assert_int_equal(ops.token_info(ctx, &ti), CKR_OK);
	assert_memory_equal(&ti, &ti_before, sizeof(ti));
	assert_int_equal(ops.token_present(ctx), CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(ops.login_key(ctx, buf, sizeof(buf)), CKR_OK);
	assert_int_equal(ops.mechanism_list(ctx, NULL, &count), CKR_OK);
	assert_int_equal(count, 0);
	assert_int_equal(ops.mechanism_info(ctx, CKM_SHA256, &mi), CKR_MECHANISM_INVALID);
	assert_int_equal(ops.generate_random(ctx, buf, sizeof(buf)), CKR_RANDOM_NO_RNG);
	assert_int_equal(ops.seed_random(ctx, buf, sizeof(buf)), CKR_RANDOM_SEED_NOT_SUPPORTED);
	ops.unload(ctx);
}

static void test_key_defaults(void **state)
{
	struct os_backend_ops ops;
	CK_MECHANISM mech = {CKM_AES_KEY_GEN, NULL, 0};
	struct tok_attrs a, b;
	struct os_backend_key key = {.attrs = &a};
	CK_BYTE out[16];
	CK_ULONG outlen = sizeof(out);

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	tok_backend_fill(&ops, &bare);
	assert_int_equal(ops.generate_key(NULL, &mech, &a), CKR_MECHANISM_INVALID);
	assert_int_equal(ops.generate_key_pair(NULL, &mech, &a, &b), CKR_MECHANISM_INVALID);
	assert_int_equal(ops.check_key(NULL, &a), CKR_OK);
	assert_int_equal(ops.wrap_key(NULL, &mech, &key, &b, out, &outlen), CKR_MECHANISM_INVALID);
	assert_int_equal(outlen, sizeof(out));
	assert_int_equal(ops.unwrap_key(NULL, &mech, &key, out, sizeof(out), &b),
	                 CKR_MECHANISM_INVALID);
	assert_int_equal(ops.derive_key(NULL, &mech, &key, NULL, &b), CKR_MECHANISM_INVALID);
	ops.key_cache_free(NULL, out);
}

static void test_op_defaults(void **state)
{
	struct os_backend_ops ops;
	CK_MECHANISM mech = {CKM_SHA256, NULL, 0};
	CK_MECHANISM_TYPE type = CKM_SHA256;
	CK_BYTE in[8] = {0}, out[8];
	CK_ULONG outlen = sizeof(out);
	int dummy;
	void *op = &dummy;

	(void)state;
	tok_backend_fill(&ops, &bare);
	assert_int_equal(ops.op_init(NULL, OS_BACKEND_OP_DIGEST, &mech, NULL, &op),
	                 CKR_MECHANISM_INVALID);
	assert_null(op);
	op = &dummy;
	assert_int_equal(ops.op_single(op, in, sizeof(in), out, &outlen),
	                 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(ops.op_update(op, in, sizeof(in), NULL, NULL), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(ops.op_final(op, out, &outlen), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(ops.op_verify(op, in, sizeof(in), out, sizeof(out)),
	                 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(ops.op_verify_final(op, out, sizeof(out)), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(ops.op_digest_key(op, NULL), CKR_KEY_INDIGESTIBLE);
	assert_int_equal(ops.op_reinit(NULL, OS_BACKEND_OP_DIGEST, &mech, op),
	                 CKR_FUNCTION_NOT_SUPPORTED);
	assert_ptr_equal(op, &dummy);
	assert_int_equal(outlen, sizeof(out));
	assert_int_equal(ops.op_get_state(op, &type, NULL, &outlen), CKR_STATE_UNSAVEABLE);
	assert_int_equal(
	    ops.op_set_state(NULL, OS_BACKEND_OP_DIGEST, type, in, sizeof(in), NULL, &op),
	    CKR_SAVED_STATE_INVALID);
	assert_null(op);
	ops.op_free(&dummy);
}

static CK_RV own_token_present(void *ctx)
{
	return CKR_OK;
}

static CK_RV own_check_key(void *ctx, struct tok_attrs *key)
{
	return CKR_TEMPLATE_INCONSISTENT;
}

/* What a backend gives is kept; only the NULL entries change. */
static void test_kept(void **state)
{
	struct os_backend_ops in = bare, out;

	(void)state;
	in.token_present = own_token_present;
	in.check_key = own_check_key;
	tok_backend_fill(&out, &in);
	assert_ptr_equal(out.token_present, own_token_present);
	assert_ptr_equal(out.check_key, own_check_key);
	assert_int_equal(out.check_key(NULL, NULL), CKR_TEMPLATE_INCONSISTENT);
	assert_non_null(out.login_key);
	assert_int_equal(null_entries(&in), 26);
	assert_int_equal(null_entries(&out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_complete),     cmocka_unit_test(test_context_defaults),
	    cmocka_unit_test(test_key_defaults), cmocka_unit_test(test_op_defaults),
	    cmocka_unit_test(test_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
