/*
 * Unit tests of the soft backend's saved operation state (state.c),
 * through the backend's ops table as the library calls it: a saved digest
 * or MAC restores and finishes as the uninterrupted operation would; every
 * malformed description, and a description offered for another kind or
 * mechanism, is CKR_SAVED_STATE_INVALID; the operations that cannot be
 * saved say so; the input kept is bounded.
 */
#include "soft-sym.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

static const CK_BYTE msg[] = "a message digested in two parts, saved and restored in between";
#define CUT 20

/* Starts kind/mech, feeds the first CUT bytes and saves: the description in a malloc'ed buffer. */
static CK_BYTE *start_and_save(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key,
                               CK_ULONG *len)
{
	CK_MECHANISM_TYPE type = 0;
	CK_ULONG small;
	CK_BYTE *desc;
	void *op;

	assert_int_equal(be.ops->op_init(be.ctx, kind, mech, key ? &key->k : NULL, &op), CKR_OK);
	assert_int_equal(be.ops->op_update(op, msg, CUT, NULL, NULL), CKR_OK);
	assert_int_equal(be.ops->op_get_state(op, &type, NULL, len), CKR_OK);
	assert_int_equal(type, mech->mechanism);
	desc = malloc(*len + 1);
	assert_non_null(desc);
	small = *len - 1;
	assert_int_equal(be.ops->op_get_state(op, &type, desc, &small), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(small, *len);
	assert_int_equal(be.ops->op_get_state(op, &type, desc, len), CKR_OK);
	be.ops->op_free(op);
	return desc;
}

/* Restores desc, feeds the rest of msg and finishes into out. */
static CK_RV restore_and_finish(enum os_backend_op kind, CK_MECHANISM_TYPE type,
                                const CK_BYTE *desc, CK_ULONG len, struct tkey *key, CK_BYTE *out,
                                CK_ULONG *outlen)
{
	void *op = NULL;
	CK_RV rv = be.ops->op_set_state(be.ctx, kind, type, desc, len, key ? &key->k : NULL, &op);

	if (rv != CKR_OK) {
		assert_null(op);
		return rv;
	}
	rv = be.ops->op_update(op, msg + CUT, sizeof(msg) - CUT, NULL, NULL);
	if (rv == CKR_OK)
		rv = be.ops->op_final(op, out, outlen);
	be.ops->op_free(op);
	return rv;
}

static void test_digest_round_trip(void **state)
{
	const CK_MECHANISM mech = {CKM_SHA3_256, NULL, 0};
	CK_BYTE want[32], got[32];
	CK_ULONG len, got_len = sizeof(got);
	unsigned int n = 0;
	CK_BYTE *desc = start_and_save(OS_BACKEND_OP_DIGEST, &mech, NULL, &len);

	assert_int_equal(EVP_Digest(msg, sizeof(msg), want, &n, EVP_sha3_256(), NULL), 1);
	assert_int_equal(
	    restore_and_finish(OS_BACKEND_OP_DIGEST, CKM_SHA3_256, desc, len, NULL, got, &got_len),
	    CKR_OK);
	assert_int_equal(got_len, n);
	assert_memory_equal(got, want, n);
	free(desc);
}

static void test_mac_round_trip(void **state)
{
	CK_ULONG general = 12, len, got_len, want_len = sizeof(CK_BYTE[64]);
	const CK_MECHANISM mech = {CKM_SHA512_HMAC_GENERAL, &general, sizeof(general)};
	CK_BYTE want[64], got[64];
	struct tkey key, aes;
	CK_BYTE *desc;
	void *op;

	tkey_hex(&key, CKK_GENERIC_SECRET, "00112233445566778899aabbccddeeff0123456789abcdef");
	assert_int_equal(be.ops->op_init(be.ctx, OS_BACKEND_OP_SIGN, &mech, &key.k, &op), CKR_OK);
	assert_int_equal(be.ops->op_single(op, msg, sizeof(msg), want, &want_len), CKR_OK);
	be.ops->op_free(op);
	desc = start_and_save(OS_BACKEND_OP_SIGN, &mech, &key, &len);
	/* Version, one word (the general length), the input length and the input. */
	assert_int_equal(len, 2 + 8 + 4 + CUT);
	assert_int_equal(desc[9], 12);
	assert_memory_equal(desc + 14, msg, CUT);
	got_len = sizeof(got);
	assert_int_equal(restore_and_finish(OS_BACKEND_OP_SIGN, CKM_SHA512_HMAC_GENERAL, desc, len,
	                                    &key, got, &got_len),
	                 CKR_OK);
	assert_int_equal(got_len, 12);
	assert_memory_equal(got, want, 12);
	/* Restoring checks the key given again as the mechanism's start does. */
	tkey_hex(&aes, CKK_AES, SP38A_K128);
	assert_int_equal(restore_and_finish(OS_BACKEND_OP_SIGN, CKM_SHA512_HMAC_GENERAL, desc, len,
	                                    &aes, got, &got_len),
	                 CKR_KEY_TYPE_INCONSISTENT);
	free(desc);
	tkey_free(&aes);
	tkey_free(&key);
}

static void expect_invalid(CK_MECHANISM_TYPE type, const CK_BYTE *desc, CK_ULONG len)
{
	CK_BYTE out[64];
	CK_ULONG outlen = sizeof(out);

	assert_int_equal(
	    restore_and_finish(OS_BACKEND_OP_DIGEST, type, desc, len, NULL, out, &outlen),
	    CKR_SAVED_STATE_INVALID);
}

static void test_malformed(void **state)
{
	const CK_MECHANISM mech = {CKM_SHA256, NULL, 0};
	CK_BYTE out[64];
	CK_ULONG len, outlen = sizeof(out);
	CK_BYTE *desc = start_and_save(OS_BACKEND_OP_DIGEST, &mech, NULL, &len);

	for (CK_ULONG cut = 0; cut < len; cut++)
		expect_invalid(CKM_SHA256, desc, cut);
	desc[len] = 0;
	expect_invalid(CKM_SHA256, desc, len + 1);
	desc[0] = 2; /* another version */
	expect_invalid(CKM_SHA256, desc, len);
	desc[0] = 1;
	desc[1] = 5; /* more parameter words than any mechanism has */
	expect_invalid(CKM_SHA256, desc, len);
	desc[1] = 0;
	desc[5]++; /* an input length that is not the rest */
	expect_invalid(CKM_SHA256, desc, len);
	desc[5]--;
	/* Offered for a mechanism the backend lacks, or a kind its mechanism does not do. */
	expect_invalid(CKM_VENDOR_DEFINED | 1, desc, len);
	assert_int_equal(
	    restore_and_finish(OS_BACKEND_OP_SIGN, CKM_SHA256, desc, len, NULL, out, &outlen),
	    CKR_SAVED_STATE_INVALID);
	/* Put back as it was, it restores. */
	assert_int_equal(
	    restore_and_finish(OS_BACKEND_OP_DIGEST, CKM_SHA256, desc, len, NULL, out, &outlen),
	    CKR_OK);
	free(desc);
}

static void test_unsaveable(void **state)
{
	const CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
	const CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
	CK_MECHANISM_TYPE type;
	static CK_BYTE big[64 * 1024];
	struct tkey key;
	CK_ULONG len;
	void *op;

	tkey_hex(&key, CKK_AES, SP38A_K128);
	assert_int_equal(be.ops->op_init(be.ctx, OS_BACKEND_OP_ENCRYPT, &ecb, &key.k, &op), CKR_OK);
	assert_int_equal(be.ops->op_get_state(op, &type, NULL, &len), CKR_STATE_UNSAVEABLE);
	be.ops->op_free(op);
	/* Exactly the bound is kept; one byte more is not. */
	assert_int_equal(be.ops->op_init(be.ctx, OS_BACKEND_OP_DIGEST, &sha, NULL, &op), CKR_OK);
	assert_int_equal(be.ops->op_update(op, big, sizeof(big), NULL, NULL), CKR_OK);
	assert_int_equal(be.ops->op_get_state(op, &type, NULL, &len), CKR_OK);
	assert_int_equal(len, 2 + 4 + sizeof(big));
	assert_int_equal(be.ops->op_update(op, big, 1, NULL, NULL), CKR_OK);
	assert_int_equal(be.ops->op_get_state(op, &type, NULL, &len), CKR_STATE_UNSAVEABLE);
	be.ops->op_free(op);
	/* A digest that took a key's value. */
	assert_int_equal(be.ops->op_init(be.ctx, OS_BACKEND_OP_DIGEST, &sha, NULL, &op), CKR_OK);
	assert_int_equal(be.ops->op_digest_key(op, &key.k), CKR_OK);
	assert_int_equal(be.ops->op_get_state(op, &type, NULL, &len), CKR_STATE_UNSAVEABLE);
	be.ops->op_free(op);
	tkey_free(&key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_digest_round_trip),
	    cmocka_unit_test(test_mac_round_trip),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_unsaveable),
	};

	return cmocka_run_group_tests_name("soft-state", tests, suite_setup, suite_teardown);
}
