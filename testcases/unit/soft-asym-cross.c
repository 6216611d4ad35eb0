/*
 * Unit tests of the soft backend's asymmetric mechanisms against OpenSSL:
 * signatures checked by the openssl command both ways, one cached key
 * used from several threads, the mechanism information, and (with
 * OS_TEST_PERF=1) signing speed next to OpenSSL's own.
 */
#include "soft-asym.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

void test_openssl_verifies_token(void **state)
{
	static const char data[] = "signed by the token, checked by openssl";
	CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
	CK_MECHANISM rsa = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_MECHANISM rsapss = {CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof(pss)};
	CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, NULL, 0}, eddsa = {CKM_EDDSA, NULL, 0};
	CK_BYTE sig[256], der[80], hash[32];
	CK_ULONG siglen;
	struct key pub, priv;

	if (run("openssl version") != 0)
		skip();
	rsa_pair();
	write_file("data.bin", data, sizeof(data));
	write_file("hash.bin", hash, sha256(data, sizeof(data), hash));
	write_pub_pem(&rsa_pub, "RSA", NULL, "rsa.pem");
	OK(sign(&rsa, &rsa_priv, data, sizeof(data), sig, &siglen));
	write_file("sig.bin", sig, siglen);
	assert_int_equal(run("openssl pkeyutl -verify -pubin -inkey rsa.pem -in hash.bin "
	                     "-sigfile sig.bin -pkeyopt digest:sha256"),
	                 0);
	OK(sign(&rsapss, &rsa_priv, data, sizeof(data), sig, &siglen));
	write_file("sig.bin", sig, siglen);
	assert_int_equal(
	    run("openssl pkeyutl -verify -pubin -inkey rsa.pem -in hash.bin "
	        "-sigfile sig.bin -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss "
	        "-pkeyopt rsa_pss_saltlen:32 -pkeyopt rsa_mgf1_md:sha256"),
	    0);

	OK(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, P256_OID, &pub, &priv));
	write_pub_pem(&pub, "EC", "prime256v1", "ec.pem");
	OK(sign(&ecdsa, &priv, data, sizeof(data), sig, &siglen));
	write_file("sig.der", der, ecdsa_der(sig, 32, der));
	assert_int_equal(run("openssl pkeyutl -verify -pubin -inkey ec.pem -in hash.bin "
	                     "-sigfile sig.der"),
	                 0);
	key_free(&pub);
	key_free(&priv);

	OK(gen_ec(CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, ED25519_OID, &pub, &priv));
	write_pub_pem(&pub, "ED25519", NULL, "ed.pem");
	OK(sign(&eddsa, &priv, data, sizeof(data), sig, &siglen));
	write_file("sig.bin", sig, siglen);
	assert_int_equal(run("openssl pkeyutl -verify -pubin -inkey ed.pem -rawin -in data.bin "
	                     "-sigfile sig.bin"),
	                 0);
	key_free(&pub);
	key_free(&priv);
}

void test_token_verifies_openssl(void **state)
{
	static const char data[] = "signed by openssl, checked by the token";
	static const char *const rsa_names[] = {
	    OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
	    OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
	    OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
	    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
	static const CK_ATTRIBUTE_TYPE rsa_types[] = {
	    CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
	    CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT};
	CK_MECHANISM rsa = {CKM_SHA256_RSA_PKCS, NULL, 0}, ecdsa = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE sig[512], mine[512], hash[32], point[80], rs[64];
	CK_ULONG siglen, minelen;
	size_t plen;
	EVP_PKEY *pkey;
	ECDSA_SIG *esig;
	const unsigned char *p = sig;
	struct key pub, priv;

	if (run("openssl version") != 0)
		skip();
	write_file("hash.bin", hash, sha256(data, sizeof(data), hash));
	assert_int_equal(run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
	                     "-out rsakey.pem && openssl pkeyutl -sign -inkey rsakey.pem "
	                     "-in hash.bin -pkeyopt digest:sha256 -out sig.bin"),
	                 0);
	siglen = read_file("sig.bin", sig, sizeof(sig));
	pkey = read_private_pem("rsakey.pem");
	key_init(&pub, CKO_PUBLIC_KEY, CKK_RSA);
	key_init(&priv, CKO_PRIVATE_KEY, CKK_RSA);
	for (size_t i = 0; i < LEN(rsa_types); i++) {
		if (i < 2)
			key_set_bn(&pub, rsa_types[i], pkey, rsa_names[i]);
		key_set_bn(&priv, rsa_types[i], pkey, rsa_names[i]);
	}
	OK(be->check_key(ctx, &pub.a));
	OK(be->check_key(ctx, &priv.a));
	OK(verify(&rsa, &pub, data, sizeof(data), sig, siglen));
	OK(sign(&rsa, &priv, data, sizeof(data), mine, &minelen));
	assert_int_equal(minelen, siglen);
	assert_memory_equal(mine, sig, siglen);
	EVP_PKEY_free(pkey);
	key_free(&pub);
	key_free(&priv);

	assert_int_equal(run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
	                     "-out eckey.pem && openssl pkeyutl -sign -inkey eckey.pem "
	                     "-in hash.bin -out sig.der"),
	                 0);
	siglen = read_file("sig.der", sig, sizeof(sig));
	esig = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
	assert_non_null(esig);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(esig), rs, 32), 32);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(esig), rs + 32, 32), 32);
	ECDSA_SIG_free(esig);
	pkey = read_private_pem("eckey.pem");
	assert_int_equal(EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point,
	                                                 sizeof(point), &plen),
	                 1);
	key_init(&pub, CKO_PUBLIC_KEY, CKK_EC);
	key_set_hex(&pub, CKA_EC_PARAMS, P256_OID);
	OK(tok_attrs_set(&pub.a, CKA_EC_POINT, point, plen)); /* the raw point form */
	OK(be->check_key(ctx, &pub.a));
	OK(verify(&ecdsa, &pub, data, sizeof(data), rs, 64));
	rs[0] ^= 1;
	assert_int_equal(verify(&ecdsa, &pub, data, sizeof(data), rs, 64), CKR_SIGNATURE_INVALID);
	EVP_PKEY_free(pkey);
	key_free(&pub);
}

/* ---- threads, mechanism information, speed ---- */

struct thread_arg {
	struct key *pub, *priv;
	pthread_barrier_t *start;
	int iterations;
	CK_RV rv;
};

/*
 * Every ECDSA mechanism, more configurations than a key keeps prepared
 * contexts for: the threads race to prepare them, and the operations past
 * the limit make contexts of their own.
 */
static const CK_MECHANISM_TYPE thread_mechs[] = {
    CKM_ECDSA,          CKM_ECDSA_SHA256,   CKM_ECDSA_SHA1,     CKM_ECDSA_SHA224,
    CKM_ECDSA_SHA384,   CKM_ECDSA_SHA512,   CKM_ECDSA_SHA3_224, CKM_ECDSA_SHA3_256,
    CKM_ECDSA_SHA3_384, CKM_ECDSA_SHA3_512,
};

static void *thread_sign(void *p)
{
	struct thread_arg *t = p;
	CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE sig[64];
	CK_ULONG siglen;
	size_t n = sizeof(thread_mechs) / sizeof(thread_mechs[0]);

	pthread_barrier_wait(t->start);
	for (int i = 0; i < t->iterations && t->rv == CKR_OK; i++) {
		m.mechanism = thread_mechs[(size_t)i % n];
		t->rv = sign(&m, t->priv, &i, sizeof(i), sig, &siglen);
		if (t->rv == CKR_OK)
			t->rv = verify(&m, t->pub, &i, sizeof(i), sig, siglen);
	}
	return NULL;
}

void test_threads_one_key(void **state)
{
	struct thread_arg args[4];
	pthread_t threads[4];
	pthread_barrier_t start;
	struct key pub, priv;

	OK(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, P256_OID, &pub, &priv));
	assert_int_equal(pthread_barrier_init(&start, NULL, 4), 0);
	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){&pub, &priv, &start, quick() ? 20 : 300, CKR_OK};
		assert_int_equal(pthread_create(&threads[i], NULL, thread_sign, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		OK(args[i].rv);
	}
	pthread_barrier_destroy(&start);
	assert_non_null(priv.cache); /* built once, shared by every operation */
	assert_non_null(pub.cache);
	key_free(&pub);
	key_free(&priv);
}

void test_mechanism_info(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE type;
		CK_ULONG min, max;
		CK_FLAGS flags;
	} cases[] = {
	    {CKM_RSA_PKCS_KEY_PAIR_GEN, 1024, 8192, CKF_GENERATE_KEY_PAIR},
	    {CKM_RSA_PKCS, 1024, 16384, CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_WRAP},
	    {CKM_RSA_PKCS_OAEP, 1024, 16384, CKF_ENCRYPT | CKF_DECRYPT | CKF_UNWRAP},
	    {CKM_SHA512_RSA_PKCS_PSS, 1024, 16384, CKF_SIGN | CKF_VERIFY},
	    {CKM_EC_KEY_PAIR_GEN, 224, 521,
	     CKF_GENERATE_KEY_PAIR | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS},
	    {CKM_ECDSA_SHA384, 224, 521, CKF_SIGN | CKF_VERIFY | CKF_EC_UNCOMPRESS},
	    {CKM_ECDH1_DERIVE, 224, 521, CKF_DERIVE},
	    {CKM_EDDSA, 255, 448, CKF_SIGN | CKF_VERIFY},
	    {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, 255, 448, CKF_GENERATE_KEY_PAIR},
	};
	CK_MECHANISM_INFO info;
	CK_MECHANISM m = {CKM_RSA_PKCS_PSS, NULL, 0};
	void *op;

	for (size_t i = 0; i < LEN(cases); i++) {
		OK(be->mechanism_info(ctx, cases[i].type, &info));
		assert_int_equal(info.ulMinKeySize, cases[i].min);
		assert_int_equal(info.ulMaxKeySize, cases[i].max);
		assert_int_equal(info.flags & cases[i].flags, cases[i].flags);
	}
	rsa_pair();
	assert_int_equal(op_start(OS_BACKEND_OP_ENCRYPT, &m, &rsa_pub, &op), CKR_MECHANISM_INVALID);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signatures per second of OpenSSL itself: a context per signature from a ready EVP_PKEY. */
static double evp_rate(EVP_PKEY *pkey, int pad, const CK_BYTE *in, size_t inlen, int n)
{
	CK_BYTE sig[512];
	double t = now();

	for (int i = 0; i < n; i++) {
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
		size_t len = sizeof(sig);

		assert_int_equal(EVP_PKEY_sign_init(c), 1);
		if (pad)
			assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, pad), 1);
		assert_int_equal(EVP_PKEY_sign(c, sig, &len, in, inlen), 1);
		EVP_PKEY_CTX_free(c);
	}
	return n / (now() - t);
}

static double token_rate(CK_MECHANISM *m, struct key *k, const CK_BYTE *in, CK_ULONG inlen, int n)
{
	CK_BYTE sig[512];
	CK_ULONG len;
	double t = now();

	for (int i = 0; i < n; i++)
		OK(sign(m, k, in, inlen, sig, &len));
	return n / (now() - t);
}

/* The token's EVP_PKEY is private to it; an equal one is built here from the same attributes. */
static EVP_PKEY *pkey_of(struct key *k, const char *type, const char *const *names,
                         const CK_ATTRIBUTE_TYPE *types, size_t n, const char *group)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	BIGNUM *bn[8] = {NULL};
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params;

	for (size_t i = 0; i < n; i++) {
		bn[i] =
		    BN_bin2bn(attr(k, types[i])->pValue, (int)attr(k, types[i])->ulValueLen, NULL);
		assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, names[i], bn[i]), 1);
	}
	if (group)
		assert_int_equal(
		    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0), 1);
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
	assert_int_equal(EVP_PKEY_fromdata(c, &pkey, EVP_PKEY_KEYPAIR, params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(c);
	for (size_t i = 0; i < n; i++)
		BN_clear_free(bn[i]);
	return pkey;
}

static void perf_compare(const char *what, EVP_PKEY *pkey, int pad, CK_MECHANISM *m, struct key *k,
                         const CK_BYTE *in, size_t inlen, int n)
{
	double evp = 0, tok = 0;

	for (int round = 0; round < 3; round++) { /* best of three, interleaved */
		double e = evp_rate(pkey, pad, in, inlen, n), t = token_rate(m, k, in, inlen, n);
		evp = e > evp ? e : evp;
		tok = t > tok ? t : tok;
	}
	printf("%s: OpenSSL %.0f/s, token %.0f/s, ratio %.3f\n", what, evp, tok, tok / evp);
	assert_true(tok / evp >= 0.9);
}

void test_speed(void **state)
{
	static const char *const rsa_names[] = {
	    OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
	    OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
	    OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
	    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
	static const CK_ATTRIBUTE_TYPE rsa_types[] = {
	    CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
	    CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT};
	static const char *const ec_names[] = {OSSL_PKEY_PARAM_PRIV_KEY};
	static const CK_ATTRIBUTE_TYPE ec_types[] = {CKA_VALUE};
	CK_MECHANISM rsa = {CKM_RSA_PKCS, NULL, 0}, ecdsa = {CKM_ECDSA, NULL, 0};
	CK_BYTE in[51];
	const char *perf = getenv("OS_TEST_PERF");
	struct key pub, priv;
	EVP_PKEY *pkey;

	if (!perf || strcmp(perf, "1") != 0)
		skip();
	memset(in, 0x33, sizeof(in));
	rsa_pair();
	pkey = pkey_of(&rsa_priv, "RSA", rsa_names, rsa_types, LEN(rsa_types), NULL);
	perf_compare("RSA-2048 sign", pkey, RSA_PKCS1_PADDING, &rsa, &rsa_priv, in, 51, 300);
	EVP_PKEY_free(pkey);
	OK(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, P256_OID, &pub, &priv));
	pkey = pkey_of(&priv, "EC", ec_names, ec_types, 1, "prime256v1");
	perf_compare("ECDSA P-256 sign", pkey, 0, &ecdsa, &priv, in, 32, 5000);
	EVP_PKEY_free(pkey);
	key_free(&pub);
	key_free(&priv);
}
