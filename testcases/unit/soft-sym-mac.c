/*
 * The digests and MACs of the soft backend: SHA-1, SHA-2 and SHA-3 against
 * FIPS 180 and 202, C_DigestKey, HMAC against RFC 2202 and RFC 4231 and
 * (for SHA-3) against OpenSSL, AES-CMAC against RFC 4493 and SP 800-38B;
 * and, with OS_TEST_PERF set in the environment, the performance targets
 * of SHA-256 and AES-256-GCM through the backend against OpenSSL called
 * directly.
 */
#include "soft-sym.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

/* RFC 4493 (AES-128) and SP 800-38B (AES-256): messages of 0, 16, 40 and 64 bytes of SP38A_PLAIN. */
void test_cmac(void **state)
{
	static const struct {
		const char *key;
		size_t len;
		const char *mac;
	} kats[] = {
	    {SP38A_K128, 0, "bb1d6929e95937287fa37d129b756746"},
	    {SP38A_K128, 16, "070a16b46b4d4144f79bdd9dd04a287c"},
	    {SP38A_K128, 40, "dfa66747de9ae63030ca32611497c827"},
	    {SP38A_K128, 64, "51f0bebf7e3b9d92fc49741779363cfe"},
	    {SP38A_K256, 0, "028962f61b7bf89efc6b551f4667d983"},
	    {SP38A_K256, 16, "28a7023f452e8f82bd4bf28d8c37c35c"},
	    {SP38A_K256, 40, "aaf3d8f1de5640c232f5b169b9c911e6"},
	    {SP38A_K256, 64, "e1992190549f6ed5696a2c056c315410"},
	};
	CK_BYTE msg[BUF_MAX], mac[16];
	struct tmech t;
	void *op;

	unhex(SP38A_PLAIN, msg);
	for (size_t i = 0; i < N_ELEM(kats); i++) {
		CK_MECHANISM plain = {CKM_AES_CMAC, NULL, 0};
		struct tkey key;

		tkey_hex(&key, CKK_AES, kats[i].key);
		unhex(kats[i].mac, mac);
		mac_both_ways(&plain, &key, msg, kats[i].len, mac, 16);
		for (CK_ULONG len = 1; len <= 16; len += 5) {
			memset(&t, 0, sizeof(t));
			t.general = len;
			t.m = (CK_MECHANISM){CKM_AES_CMAC_GENERAL, &t.general, sizeof(t.general)};
			mac_both_ways(&t.m, &key, msg, kats[i].len, mac, len);
		}
		tkey_free(&key);
	}
	for (CK_ULONG len = 0; len <= 17; len += 17) {
		struct tkey key;

		tkey_hex(&key, CKK_AES, SP38A_K128);
		t.general = len;
		t.m = (CK_MECHANISM){CKM_AES_CMAC_GENERAL, &t.general, sizeof(t.general)};
		assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &t.m, &key, &op),
		                 CKR_MECHANISM_PARAM_INVALID);
		tkey_free(&key);
	}
}

struct digest_kat {
	CK_MECHANISM_TYPE mech;
	const char *msg;
	const char *digest;
};

#define TWO_BLOCK_256 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define TWO_BLOCK_512                                                      \
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno" \
	"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

/* FIPS 180 ("abc" and the two-block messages) and FIPS 202 ("abc"). */
static const struct digest_kat digest_kats[] = {
    {CKM_SHA_1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {CKM_SHA_1, TWO_BLOCK_256, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    {CKM_SHA224, "abc", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
    {CKM_SHA224, TWO_BLOCK_256, "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525"},
    {CKM_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {CKM_SHA256, TWO_BLOCK_256, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {CKM_SHA384, "abc",
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
     "8086072ba1e7cc2358baeca134c825a7"},
    {CKM_SHA384, TWO_BLOCK_512,
     "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
     "fcc7c71a557e2db966c3e9fa91746039"},
    {CKM_SHA512, "abc",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {CKM_SHA512, TWO_BLOCK_512,
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
     "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
    {CKM_SHA3_224, "abc", "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"},
    {CKM_SHA3_256, "abc", "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
    {CKM_SHA3_384, "abc",
     "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b2"
     "98d88cea927ac7f539f1edf228376d25"},
    {CKM_SHA3_512, "abc",
     "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
     "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0"},
};

void test_digests(void **state)
{
	for (size_t i = 0; i < N_ELEM(digest_kats); i++) {
		const struct digest_kat *k = &digest_kats[i];
		CK_MECHANISM mech = {k->mech, NULL, 0};
		const CK_BYTE *msg = (const CK_BYTE *)k->msg;
		size_t len = strlen(k->msg), cuts[5], pos = 0;
		CK_BYTE out[64];
		CK_ULONG outlen = sizeof(out), got;
		void *op;

		assert_int_equal(
		    one_shot(OS_BACKEND_OP_DIGEST, &mech, NULL, msg, len, out, &outlen), CKR_OK);
		assert_hex(out, outlen, k->digest);
		assert_int_equal(op_start(OS_BACKEND_OP_DIGEST, &mech, NULL, &op), CKR_OK);
		random_cuts(len, cuts, N_ELEM(cuts));
		for (size_t c = 0; c <= N_ELEM(cuts); c++) {
			size_t end = c < N_ELEM(cuts) ? cuts[c] : len;

			assert_int_equal(be.ops->op_update(op, msg + pos, end - pos, NULL, NULL),
			                 CKR_OK);
			pos = end;
		}
		assert_int_equal(step(op, true, NULL, 0, out, sizeof(out), &got), CKR_OK);
		assert_hex(out, got, k->digest);
		be.ops->op_free(op);
	}
}

/* C_DigestKey takes the value of a secret key, and nothing else. */
void test_digest_key(void **state)
{
	CK_MECHANISM sha256 = {CKM_SHA256, NULL, 0}, with_param = {CKM_SHA256, "x", 1};
	struct tkey bc, aes, pub;
	CK_BYTE out[32];
	CK_ULONG got;
	void *op;

	tkey_make(&bc, CKO_SECRET_KEY, CKK_GENERIC_SECRET, "bc", 2);
	tkey_hex(&aes, CKK_AES, SP38A_K128);
	tkey_make(&pub, CKO_PUBLIC_KEY, CKK_EC, "bc", 2);
	assert_int_equal(op_start(OS_BACKEND_OP_DIGEST, &sha256, NULL, &op), CKR_OK);
	assert_int_equal(be.ops->op_update(op, (const CK_BYTE *)"a", 1, NULL, NULL), CKR_OK);
	assert_int_equal(be.ops->op_digest_key(op, &bc.k), CKR_OK);
	assert_int_equal(be.ops->op_digest_key(op, &pub.k), CKR_KEY_INDIGESTIBLE);
	assert_int_equal(step(op, true, NULL, 0, out, sizeof(out), &got), CKR_OK);
	assert_hex(out, got, digest_kats[4].digest);
	be.ops->op_free(op);
	assert_int_equal(op_start(OS_BACKEND_OP_DIGEST, &sha256, NULL, &op), CKR_OK);
	assert_int_equal(be.ops->op_digest_key(op, &aes.k), CKR_OK);
	be.ops->op_free(op);
	assert_int_equal(op_start(OS_BACKEND_OP_DIGEST, &with_param, NULL, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	tkey_free(&bc);
	tkey_free(&aes);
	tkey_free(&pub);
}

#define X10(s) s s s s s s s s s s
#define X50(s) X10(s) X10(s) X10(s) X10(s) X10(s)

/* RFC 4231 test cases 1 to 4 (RFC 2202's 1 to 4 for SHA-1 have the same keys and data). */
static const struct {
	const char *key, *data;
} hmac_inputs[] = {
    {X10("0b0b"), "4869205468657265"},
    {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f"},
    {X10("aaaa"), X50("dd")},
    {"0102030405060708090a0b0c0d0e0f10111213141516171819", X50("cd")},
};

static const struct {
	CK_MECHANISM_TYPE mech;
	const char *macs[4];
} hmac_kats[] = {
    {CKM_SHA_1_HMAC,
     {"b617318655057264e28bc0b6fb378c8ef146be00", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
      "125d7342b9ac11cd91a39af48aa17b4f63f175d3", "4c9007f4026250c6bc8414f9bf50c86c2d7235da"}},
    {CKM_SHA224_HMAC,
     {"896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
      "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
      "7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea",
      "6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a"}},
    {CKM_SHA256_HMAC,
     {"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"}},
    {CKM_SHA384_HMAC,
     {"afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
      "faea9ea9076ede7f4af152e8b2fa9cb6",
      "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
      "8e2240ca5e69e2c78b3239ecfab21649",
      "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
      "2a5ab39dc13814b94e3ab6e101a34f27",
      "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
      "6801dd23c4a7d679ccf8a386c674cffb"}},
    {CKM_SHA512_HMAC,
     {"87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
      "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
      "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
      "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
      "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
      "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
      "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"}},
};

/* The HMAC, its general-length form and its key type of each digest. */
static const struct {
	CK_MECHANISM_TYPE hmac, general;
	CK_KEY_TYPE key_type;
	const char *md;
} hmac_families[] = {
    {CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL, CKK_SHA_1_HMAC, "SHA1"},
    {CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL, CKK_SHA224_HMAC, "SHA224"},
    {CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, CKK_SHA256_HMAC, "SHA256"},
    {CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL, CKK_SHA384_HMAC, "SHA384"},
    {CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL, CKK_SHA512_HMAC, "SHA512"},
    {CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL, CKK_SHA3_224_HMAC, "SHA3-224"},
    {CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL, CKK_SHA3_256_HMAC, "SHA3-256"},
    {CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL, CKK_SHA3_384_HMAC, "SHA3-384"},
    {CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL, CKK_SHA3_512_HMAC, "SHA3-512"},
};

void test_hmac_vectors(void **state)
{
	CK_BYTE data[BUF_MAX], mac[64];

	for (size_t i = 0; i < N_ELEM(hmac_kats); i++) {
		CK_MECHANISM mech = {hmac_kats[i].mech, NULL, 0};

		for (size_t c = 0; c < N_ELEM(hmac_inputs); c++) {
			size_t dlen = unhex(hmac_inputs[c].data, data);
			size_t mlen = unhex(hmac_kats[i].macs[c], mac);
			struct tkey key;

			tkey_hex(&key, CKK_GENERIC_SECRET, hmac_inputs[c].key);
			mac_both_ways(&mech, &key, data, dlen, mac, mlen);
			tkey_free(&key);
		}
	}
}

/* Every HMAC against OpenSSL's, with its own key type and in general-length form. */
void test_hmac_families(void **state)
{
	CK_BYTE keyval[100], data[300], mac[64];
	size_t mlen;

	assert_int_equal(RAND_bytes(keyval, sizeof(keyval)), 1);
	assert_int_equal(RAND_bytes(data, sizeof(data)), 1);
	for (size_t i = 0; i < N_ELEM(hmac_families); i++) {
		CK_MECHANISM mech = {hmac_families[i].hmac, NULL, 0};
		CK_ULONG general = 10;
		CK_MECHANISM gen = {hmac_families[i].general, &general, sizeof(general)};
		struct tkey key, generic;

		assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, hmac_families[i].md, NULL, keyval,
		                          sizeof(keyval), data, sizeof(data), mac, sizeof(mac),
		                          &mlen));
		tkey_make(&key, CKO_SECRET_KEY, hmac_families[i].key_type, keyval, sizeof(keyval));
		tkey_make(&generic, CKO_SECRET_KEY, CKK_GENERIC_SECRET, keyval, sizeof(keyval));
		mac_both_ways(&mech, &key, data, sizeof(data), mac, mlen);
		mac_both_ways(&mech, &generic, data, sizeof(data), mac, mlen);
		mac_both_ways(&gen, &key, data, sizeof(data), mac, general);
		general = mlen;
		mac_both_ways(&gen, &key, data, sizeof(data), mac, mlen);
		tkey_free(&key);
		tkey_free(&generic);
	}
}

void test_hmac_errors(void **state)
{
	CK_ULONG general = 0;
	CK_MECHANISM mech = {CKM_SHA256_HMAC, NULL, 0};
	CK_MECHANISM gen = {CKM_SHA256_HMAC_GENERAL, &general, sizeof(general)};
	const enum os_backend_op sign = OS_BACKEND_OP_SIGN;
	CK_BYTE big[600] = {0};
	struct tkey other, aes, pub, large;

	tkey_make(&other, CKO_SECRET_KEY, CKK_SHA384_HMAC, big, 32);
	tkey_hex(&aes, CKK_AES, SP38A_K128);
	tkey_make(&pub, CKO_PUBLIC_KEY, CKK_GENERIC_SECRET, big, 32);
	tkey_make(&large, CKO_SECRET_KEY, CKK_GENERIC_SECRET, big, sizeof(big));
	assert_int_equal(init_rv(sign, &mech, &other), CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(init_rv(sign, &mech, &aes), CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(init_rv(OS_BACKEND_OP_VERIFY, &mech, &pub), CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(init_rv(sign, &mech, &large), CKR_KEY_SIZE_RANGE);
	assert_int_equal(init_rv(sign, &gen, &large), CKR_MECHANISM_PARAM_INVALID);
	general = 33;
	assert_int_equal(init_rv(sign, &gen, &large), CKR_MECHANISM_PARAM_INVALID);
	general = 32;
	gen.ulParameterLen = 4;
	assert_int_equal(init_rv(sign, &gen, &large), CKR_MECHANISM_PARAM_INVALID);
	gen.pParameter = NULL;
	gen.ulParameterLen = sizeof(general);
	assert_int_equal(init_rv(sign, &gen, &large), CKR_MECHANISM_PARAM_INVALID);
	mech.pParameter = &general;
	mech.ulParameterLen = sizeof(general);
	assert_int_equal(init_rv(sign, &mech, &aes), CKR_MECHANISM_PARAM_INVALID);
	/* HMAC signs and verifies; it neither encrypts nor digests. */
	mech.pParameter = NULL;
	mech.ulParameterLen = 0;
	assert_int_equal(init_rv(OS_BACKEND_OP_ENCRYPT, &mech, &other), CKR_MECHANISM_INVALID);
	assert_int_equal(init_rv(OS_BACKEND_OP_DIGEST, &mech, NULL), CKR_MECHANISM_INVALID);
	tkey_free(&other);
	tkey_free(&aes);
	tkey_free(&pub);
	tkey_free(&large);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Operations per second of one SHA-256 of len bytes: through the backend, or OpenSSL directly. */
static double sha256_rate(const CK_BYTE *data, size_t len, bool backend)
{
	CK_MECHANISM mech = {CKM_SHA256, NULL, 0};
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	CK_BYTE out[32];
	double start = now_seconds(), elapsed;
	unsigned long n = 0;

	do {
		for (int i = 0; i < 64; i++, n++) {
			CK_ULONG outlen = sizeof(out);
			void *op;

			if (!backend) {
				assert_int_equal(EVP_Digest(data, len, out, NULL, md, NULL), 1);
				continue;
			}
			assert_int_equal(
			    be.ops->op_init(be.ctx, OS_BACKEND_OP_DIGEST, &mech, NULL, &op),
			    CKR_OK);
			assert_int_equal(be.ops->op_single(op, data, len, out, &outlen), CKR_OK);
			be.ops->op_free(op);
		}
		elapsed = now_seconds() - start;
	} while (elapsed < 0.05);
	EVP_MD_free(md);
	return (double)n / elapsed;
}

/* Operations per second of AES-256-GCM encryption of len bytes. */
static double gcm_rate(struct tkey *key, const CK_BYTE *data, size_t len, CK_BYTE *out,
                       bool backend)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	const CK_ATTRIBUTE *val = tok_attrs_find(&key->attrs, CKA_VALUE);
	struct tmech t;
	double start = now_seconds(), elapsed;
	unsigned long n = 0;

	gcm_mech(&t, GCM_IV, GCM_AAD, 128);
	do {
		for (int i = 0; i < 16; i++, n++) {
			CK_ULONG outlen = len + 16;
			EVP_CIPHER_CTX *ctx;
			int l1 = 0, l2 = 0;
			void *op;

			if (backend) {
				assert_int_equal(be.ops->op_init(be.ctx, OS_BACKEND_OP_ENCRYPT,
				                                 &t.m, &key->k, &op),
				                 CKR_OK);
				assert_int_equal(be.ops->op_single(op, data, len, out, &outlen),
				                 CKR_OK);
				be.ops->op_free(op);
				continue;
			}
			ctx = EVP_CIPHER_CTX_new();
			assert_int_equal(
			    EVP_EncryptInit_ex2(ctx, cipher, val->pValue, t.gcm.pIv, NULL), 1);
			assert_int_equal(
			    EVP_EncryptUpdate(ctx, NULL, &l1, t.gcm.pAAD, (int)t.gcm.ulAADLen), 1);
			assert_int_equal(EVP_EncryptUpdate(ctx, out, &l1, data, (int)len), 1);
			assert_int_equal(EVP_EncryptFinal_ex(ctx, out + l1, &l2), 1);
			assert_int_equal(
			    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + len), 1);
			EVP_CIPHER_CTX_free(ctx);
		}
		elapsed = now_seconds() - start;
	} while (elapsed < 0.05);
	EVP_CIPHER_free(cipher);
	return (double)n / elapsed;
}

/*
 * The best of several short runs, alternating the backend with OpenSSL
 * called directly, so that a busy machine slows both alike.
 */
static void best_rates(double (*rate)(const void *arg, bool backend), const void *arg,
                       double *backend, double *raw)
{
	*backend = *raw = 0;
	for (int i = 0; i < 10; i++) {
		double b = rate(arg, true), r = rate(arg, false);

		*backend = b > *backend ? b : *backend;
		*raw = r > *raw ? r : *raw;
	}
}

struct perf_arg {
	const CK_BYTE *data;
	size_t len;
	struct tkey *key;
	CK_BYTE *out;
};

static double perf_sha256(const void *arg, bool backend)
{
	const struct perf_arg *a = arg;

	return sha256_rate(a->data, a->len, backend);
}

static double perf_gcm(const void *arg, bool backend)
{
	const struct perf_arg *a = arg;

	return gcm_rate(a->key, a->data, a->len, a->out, backend);
}

/* The performance targets; measured only when OS_TEST_PERF is set. */
void test_performance(void **state)
{
	size_t big = 1024 * 1024;
	CK_BYTE *data = malloc(big + 16), *out = malloc(big + 16);
	struct perf_arg arg = {data, 64, NULL, out};
	double s64, s64_raw, mib, mib_raw, gcm, gcm_raw;
	struct tkey key;

	if (!getenv("OS_TEST_PERF")) {
		free(data);
		free(out);
		skip();
	}
	assert_non_null(data);
	assert_non_null(out);
	memset(data, 0x5a, big);
	tkey_hex(&key, CKK_AES, SP38A_K256);
	arg.key = &key;
	best_rates(perf_sha256, &arg, &s64, &s64_raw);
	arg.len = big;
	best_rates(perf_sha256, &arg, &mib, &mib_raw);
	arg.len = 16384;
	best_rates(perf_gcm, &arg, &gcm, &gcm_raw);
	print_message("SHA-256 64 B: %.0f/s (OpenSSL %.0f/s); 1 MiB: %.3fx OpenSSL; "
	              "AES-256-GCM 16 KiB: %.3fx OpenSSL\n",
	              s64, s64_raw, mib / mib_raw, gcm / gcm_raw);
	assert_true(s64 >= 1000000.0);
	assert_true(mib / mib_raw >= 0.9);
	assert_true(gcm / gcm_raw >= 0.9);
	tkey_free(&key);
	free(data);
	free(out);
}
