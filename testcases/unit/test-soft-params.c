/*
 * The layouts of the AEAD mechanism parameters the soft backend accepts.
 * CK_GCM_PARAMS has two: that of the PKCS#11 2.40 and 3.0 headers (pIv,
 * ulIvLen, ulIvBits, pAAD, ulAADLen, ulTagBits) and an older one without
 * ulIvBits, which applications built against openCryptoki's headers pass;
 * both must give the results of the GCM specification's test cases 4 and 5
 * (NIST's GCM examples), and any other ulParameterLen must be refused.
 * CK_CCM_PARAMS has only one layout: another length is refused too.
 */
#include "soft-sym.h"

#include <string.h>

/* CK_GCM_PARAMS as the older headers declare it. */
struct gcm_params_old {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulTagBits;
};

/* Test cases 4 (96-bit IV) and 5 (64-bit IV) of the GCM specification, with their tags. */
#define GCM_P60                                                            \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"

static const struct {
	const char *iv, *sealed;
} gcm_cases[] = {
    {GCM_IV, "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
             "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
             "5bc94fbc3221a5db94fae95ae7121a47"},
    {"cafebabefacedbad", "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c7423"
                         "73806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598"
                         "3612d2e79e3b0785561be14aaca2fccb"},
};

/* An old-layout CKM_AES_GCM mechanism over the buffers given. */
static const CK_MECHANISM *gcm_old(CK_MECHANISM *m, struct gcm_params_old *p, CK_BYTE *iv,
                                   size_t ivlen, CK_BYTE *aad, size_t aadlen, CK_ULONG tag_bits)
{
	*p = (struct gcm_params_old){iv, ivlen, aad, aadlen, tag_bits};
	*m = (CK_MECHANISM){CKM_AES_GCM, p, sizeof(*p)};
	return m;
}

static void test_gcm_both_layouts(void **state)
{
	CK_BYTE plain[BUF_MAX], sealed[BUF_MAX], iv[BUF_MAX], aad[BUF_MAX];
	size_t plen = unhex(GCM_P60, plain), alen = unhex(GCM_AAD, aad);
	struct gcm_params_old old;
	CK_MECHANISM m;
	struct tmech t;
	struct tkey key;

	assert_int_not_equal(sizeof(old), sizeof(CK_GCM_PARAMS));
	tkey_hex(&key, CKK_AES, GCM_K);
	for (size_t i = 0; i < N_ELEM(gcm_cases); i++) {
		size_t slen = unhex(gcm_cases[i].sealed, sealed);
		size_t ivlen = unhex(gcm_cases[i].iv, iv);

		crypt_both_ways(gcm_mech(&t, gcm_cases[i].iv, GCM_AAD, 128), &key, plain, plen,
		                sealed, slen);
		crypt_both_ways(gcm_old(&m, &old, iv, ivlen, aad, alen, 128), &key, plain, plen,
		                sealed, slen);
		/* A shorter tag is the leading bytes of the full one. */
		crypt_both_ways(gcm_old(&m, &old, iv, ivlen, aad, alen, 96), &key, plain, plen,
		                sealed, slen - 4);
	}
	tkey_free(&key);
}

static void test_gcm_bad_layouts(void **state)
{
	CK_BYTE iv[BUF_MAX], aad[BUF_MAX], buf[sizeof(CK_GCM_PARAMS) + 16] = {0};
	size_t ivlen = unhex(GCM_IV, iv), alen = unhex(GCM_AAD, aad);
	const size_t lens[] = {0, sizeof(CK_ULONG),
	                       sizeof(struct gcm_params_old) - sizeof(CK_ULONG),
	                       sizeof(struct gcm_params_old) + sizeof(CK_ULONG),
	                       sizeof(CK_GCM_PARAMS) + sizeof(CK_ULONG)};
	const enum os_backend_op enc = OS_BACKEND_OP_ENCRYPT;
	struct gcm_params_old old;
	CK_MECHANISM m;
	struct tkey key;

	tkey_hex(&key, CKK_AES, GCM_K);
	gcm_old(&m, &old, iv, ivlen, aad, alen, 128);
	memcpy(buf, &old, sizeof(old));
	for (size_t i = 0; i < N_ELEM(lens); i++) {
		CK_MECHANISM bad = {CKM_AES_GCM, buf, lens[i]};

		assert_int_equal(init_rv(enc, &bad, &key), CKR_MECHANISM_PARAM_INVALID);
		assert_int_equal(init_rv(OS_BACKEND_OP_DECRYPT, &bad, &key),
		                 CKR_MECHANISM_PARAM_INVALID);
	}
	/* The old layout gets the checks of the current one. */
	assert_int_equal(init_rv(enc, gcm_old(&m, &old, iv, ivlen, aad, alen, 100), &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(init_rv(enc, gcm_old(&m, &old, NULL, ivlen, aad, alen, 128), &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(init_rv(enc, gcm_old(&m, &old, iv, 0, aad, alen, 128), &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(init_rv(enc, gcm_old(&m, &old, iv, ivlen, NULL, alen, 128), &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	m.pParameter = NULL;
	assert_int_equal(init_rv(enc, &m, &key), CKR_MECHANISM_PARAM_INVALID);
	tkey_free(&key);
}

/* SP 800-38C example 2 works in the one layout; any other length is refused. */
static void test_ccm_layout(void **state)
{
	static const struct ccm_kat k = {"1011121314151617", "000102030405060708090a0b0c0d0e0f",
	                                 "202122232425262728292a2b2c2d2e2f",
	                                 "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd", 6};
	CK_BYTE plain[BUF_MAX], sealed[BUF_MAX];
	size_t plen = unhex(k.plain, plain), slen = unhex(k.sealed, sealed);
	const long deltas[] = {-(long)sizeof(CK_ULONG), (long)sizeof(CK_ULONG)};
	struct tmech t;
	struct tkey key;

	tkey_hex(&key, CKK_AES, "404142434445464748494a4b4c4d4e4f");
	crypt_both_ways(ccm_mech(&t, &k, plen), &key, plain, plen, sealed, slen);
	for (size_t i = 0; i < N_ELEM(deltas); i++) {
		CK_BYTE buf[sizeof(CK_CCM_PARAMS) + 16] = {0};
		CK_MECHANISM bad = {CKM_AES_CCM, buf, sizeof(CK_CCM_PARAMS) + deltas[i]};

		memcpy(buf, &t.ccm, sizeof(t.ccm));
		assert_int_equal(init_rv(OS_BACKEND_OP_ENCRYPT, &bad, &key),
		                 CKR_MECHANISM_PARAM_INVALID);
		assert_int_equal(init_rv(OS_BACKEND_OP_DECRYPT, &bad, &key),
		                 CKR_MECHANISM_PARAM_INVALID);
	}
	tkey_free(&key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gcm_both_layouts),
	    cmocka_unit_test(test_gcm_bad_layouts),
	    cmocka_unit_test(test_ccm_layout),
	};

	return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
