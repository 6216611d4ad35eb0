/*
 * Unit tests of the soft backend's asymmetric mechanisms: RSA here, EC,
 * EdDSA and ECDH in soft-asym-ec.c, openssl cross-checks, threads and
 * speed in soft-asym-cross.c, the shared part in soft-asym-util.c.
 *
 * Known answers come from published vectors: Wycheproof's PKCS#1 v1.5
 * signature generation and NIST CAVP SigGen15 (RSA), RFC 6979 (ECDSA
 * P-256 and P-384), RFC 8032 (Ed25519), RFC 7748 (X25519) and NIST CAVP
 * KAS ECC CDH (P-256).  OS_TEST_QUICK=1 skips the slow key sizes (runs
 * under valgrind); OS_TEST_PERF=1 compares signing speed with OpenSSL's.
 */
#include "soft-asym.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/*
 * OpenSSL 3.2 and later answer a malformed PKCS#1 v1.5 ciphertext with a
 * synthetic message (implicit rejection) rather than an error.
 */
static bool pkcs1_rejects_explicitly(void)
{
	return OpenSSL_version_num() < 0x30200000UL;
}

/* ---- RSA ---- */

/* Wycheproof rsa_sig_gen_misc_test.json, first group (1024 bits, SHA-1), tcId 3. */
static const char *const wp_n =
    "d0941e63a980fa92fb25ed4c7b3307f827023034ae7f1a7491f0699ca7607285e62ad8e994bac21b8b6e305e"
    "334f4874067d28e304230dca7f0e85f7ce595770b6e054c9f844ba86c0696eeba0769d8d4a347e8fe85c724ac1"
    "c44994af18a39e719f721f1bc50c46a39e6c075fcd1649f01f22608ce7dc6955502258336987d9";
static const char *const wp_d =
    "5ff4a47e690ea338573e3d8b3fea5c32378ff4296855a51017cba86a9f3de9b1dc0fbe36c76b9bbd1c4a170a5f"
    "448c2a8489b3f3ac858be4aacb3daaa14dccc183622eedd3ae6f0427a2a298b51b97818a5430f13705f42d8b25"
    "476f939c935e389e30d9ade5d0180920135f5aef0c5fecd15f00b83b51dab8ba930d88826801";
static const char *const wp_crt[5] = {
    "e882d12d5f0be26a80359f13c08210bdcbf759dfee695313efa8886919659b064e3c656a267af6275ed1af89a5"
    "dfe9e25b31a02bafbd59445b7507a22989a681",
    "e5a65cfa668bd857d59135a78c18c8adb7c222368e9d74abad8e83299f7ac3c2ad7aa44ddb05deea6d9b20dbaf"
    "09a8615284a17c72d3723240334685ea7e2559",
    "a327c8e8f19d4150428f5e055a3ceaca846a19e30d45534ad60d894b56caf9b1bf0c9a8d965b0a882dfd2e1485"
    "154ee5cbe052e8d4f525c2d5fa9554b1992a01",
    "91f17ceb411a247e056287f79787f498b9cc2d1400e43dce10b91dcfe8e30adf80820d42d12b54f4247dce8eee"
    "193421cd602e843930f944c81a0dfa730081d9",
    "75915a454770b49082423761244ccec65a6e48ae9966344b675610facad9162fa5bd1cc5108c322c2fb3c144f8"
    "07773a2c7d097f63e5c8d3bd8ce8efac2ade04",
};
static const char *const wp_sig_test =
    "0891ef2061c4d3377744cd7243ccc444619df533f4eadee216f7ffb9244e86d3e0162fc82c0b9502dc7aeebaf7"
    "884067e5f18f21b395c43bbfce5559ae84157ffde2aa457b7f44675e706af443acd9e38070428dfc6471a24cdc"
    "0d44f9283ac158704ad114375f10c24e3adbd12c55dabb78b8c41d3938124acc74126c82bb0b";

static const CK_ATTRIBUTE_TYPE crt_types[5] = {CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
                                               CKA_EXPONENT_2, CKA_COEFFICIENT};

/* The Wycheproof key: private with n, e, d and (crt) the CRT numbers, or public. */
static void wp_key(struct key *k, CK_OBJECT_CLASS cls, bool with_e, bool crt)
{
	key_init(k, cls, CKK_RSA);
	key_set_hex(k, CKA_MODULUS, wp_n);
	if (with_e)
		key_set_hex(k, CKA_PUBLIC_EXPONENT, "010001");
	if (cls == CKO_PRIVATE_KEY)
		key_set_hex(k, CKA_PRIVATE_EXPONENT, wp_d);
	for (size_t i = 0; crt && i < 5; i++)
		key_set_hex(k, crt_types[i], wp_crt[i]);
	OK(be->check_key(ctx, &k->a));
}

static void test_rsa_kat_wycheproof(void **state)
{
	/* DigestInfo of SHA-1("Test"): the input of CKM_RSA_PKCS. */
	static const char *const prefix = "3021300906052b0e03021a05000414";
	CK_MECHANISM sha1 = {CKM_SHA1_RSA_PKCS, NULL, 0}, raw = {CKM_RSA_PKCS, NULL, 0};
	CK_BYTE want[256], sig[BUF_MAX], info[64];
	CK_ULONG siglen, wantlen = hex(wp_sig_test, want);
	unsigned int mdlen;
	struct key priv, pub;

	size_t plen = hex(prefix, info);
	assert_int_equal(EVP_Digest("Test", 4, info + plen, &mdlen, EVP_sha1(), NULL), 1);
	for (int variant = 0; variant < 3; variant++) {
		/* n, e, d; n, e, d and CRT; n, d and CRT (e computed). */
		wp_key(&priv, CKO_PRIVATE_KEY, variant<2, variant> 0);
		OK(sign(&sha1, &priv, "Test", 4, sig, &siglen));
		assert_int_equal(siglen, wantlen);
		assert_memory_equal(sig, want, wantlen);
		OK(sign(&raw, &priv, info, plen + mdlen, sig, &siglen));
		assert_memory_equal(sig, want, wantlen);
		key_free(&priv);
	}
	wp_key(&pub, CKO_PUBLIC_KEY, true, false);
	OK(verify(&sha1, &pub, "Test", 4, want, wantlen));
	OK(verify(&raw, &pub, info, plen + mdlen, want, wantlen));
	assert_int_equal(verify(&sha1, &pub, "Tesu", 4, want, wantlen), CKR_SIGNATURE_INVALID);
	key_free(&pub);
}

static void test_rsa_kat_cavp_verify(void **state)
{
	/* NIST CAVP SigGen15_186-3.rsp, [mod = 1024], the first SHA1 vector. */
	static const char *const n =
	    "a3ecf80ff1804833c36a89a1583f58ef3332476a50a153e73ced17796139636045c131a6b17222ba8848f7"
	    "0150b18dfa390bfb1670ae982dfbc311fd0ede055564687af3805ca883944bb5ac9ec19b0e0cfbd9a314d7"
	    "0b17080c3d49b50cbf417062eb41bd639d67a5fb330ec55a0489fee08eeec97ed487c114b20393fe0aef";
	static const char *const msg =
	    "1018469fda81f41922cfdb2dca679f7f3a286f11ba448ab71e4e02cca994c0242caec9416e57c0cad07cab"
	    "383193fad3102ec5ddf0d0550d01ffe63ffc9aab694f6d13d17a034b7db9bb04ebe31e76039270a44a8485"
	    "e25841d7958cfed53bfec27dabb5c72c9d1b23b56cada7b11bf7081797c03c0d3b8227fd991d77ea78cb";
	static const char *const s =
	    "147A8797D9D653F52D210135F61BBDFE59698D755B076230F2B252E7792C86121469FAB7B410789DF4F193"
	    "A76E8BE99A2162E422C6A56106FA4E2FE5ABAFC542FF1A899D8580F9F6B4CD29A8310CD34964CE22BBAD96"
	    "18D97E4C36695B246BDD0C0D5D0C75D044265E6F275A272718B0C2B93974DC76DDCCA985BEF994CE67BD";
	CK_MECHANISM m = {CKM_SHA1_RSA_PKCS, NULL, 0};
	CK_BYTE data[256], sig[256];
	CK_ULONG len, siglen;
	struct key pub;

	key_init(&pub, CKO_PUBLIC_KEY, CKK_RSA);
	key_set_hex(&pub, CKA_MODULUS, n);
	key_set_hex(&pub, CKA_PUBLIC_EXPONENT, "1001");
	OK(be->check_key(ctx, &pub.a));
	assert_int_equal(*(CK_ULONG *)attr(&pub, CKA_MODULUS_BITS)->pValue, 1024);
	len = hex(msg, data);
	siglen = hex(s, sig);
	OK(verify(&m, &pub, data, len, sig, siglen));
	data[0] ^= 1;
	assert_int_equal(verify(&m, &pub, data, len, sig, siglen), CKR_SIGNATURE_INVALID);
	key_free(&pub);
}

static void rsa_generated_ok(struct key *pub, struct key *priv, CK_ULONG bits)
{
	static const CK_ATTRIBUTE_TYPE parts[] = {
	    CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
	    CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT};
	CK_MECHANISM sha256 = {CKM_SHA256_RSA_PKCS, NULL, 0}, pkcs = {CKM_RSA_PKCS, NULL, 0};
	CK_BYTE ct[BUF_MAX], pt[BUF_MAX];
	CK_ULONG ctlen, ptlen;

	assert_int_equal(attr(pub, CKA_MODULUS)->ulValueLen, bits / 8);
	assert_int_equal(attr(priv, CKA_MODULUS)->ulValueLen, bits / 8);
	for (size_t i = 0; i < LEN(parts); i++)
		assert_true(attr(priv, parts[i])->ulValueLen > 0);
	assert_null(tok_attrs_find(&pub->a, CKA_PRIVATE_EXPONENT));
	sign_verify(&sha256, priv, pub, "message", 7, bits / 8);
	OK(cipher(OS_BACKEND_OP_ENCRYPT, &pkcs, pub, "secret", 6, ct, &ctlen));
	assert_int_equal(ctlen, bits / 8);
	OK(cipher(OS_BACKEND_OP_DECRYPT, &pkcs, priv, ct, ctlen, pt, &ptlen));
	assert_int_equal(ptlen, 6);
	assert_memory_equal(pt, "secret", 6);
}

static void test_rsa_generate(void **state)
{
	static const CK_ULONG sizes[] = {1024, 2048, 3072, 4096};
	struct key pub, priv;
	CK_MECHANISM bad = {CKM_RSA_PKCS_KEY_PAIR_GEN, "x", 1};

	for (size_t i = 0; i < LEN(sizes) - (quick() ? 2 : 0); i++) {
		OK(gen_rsa(sizes[i], NULL, &pub, &priv));
		assert_memory_equal(attr(&pub, CKA_PUBLIC_EXPONENT)->pValue, "\x01\x00\x01", 3);
		rsa_generated_ok(&pub, &priv, sizes[i]);
		key_free(&pub);
		key_free(&priv);
	}
	OK(gen_rsa(1024, "03", &pub, &priv));
	assert_memory_equal(attr(&priv, CKA_PUBLIC_EXPONENT)->pValue, "\x03", 1);
	rsa_generated_ok(&pub, &priv, 1024);
	key_free(&pub);
	key_free(&priv);
	assert_int_equal(gen_rsa(512, NULL, &pub, &priv), CKR_KEY_SIZE_RANGE);
	key_free(&pub);
	key_free(&priv);
	assert_int_equal(gen_rsa(8200, NULL, &pub, &priv), CKR_KEY_SIZE_RANGE);
	key_free(&pub);
	key_free(&priv);
	assert_int_equal(gen_rsa(2048, "010000", &pub, &priv), CKR_ATTRIBUTE_VALUE_INVALID);
	key_free(&pub);
	key_free(&priv);
	key_init(&pub, CKO_PUBLIC_KEY, CKK_RSA);
	key_init(&priv, CKO_PRIVATE_KEY, CKK_RSA);
	bad.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
	assert_int_equal(be->generate_key_pair(ctx, &bad, &pub.a, &priv.a),
	                 CKR_MECHANISM_PARAM_INVALID);
	bad.pParameter = NULL;
	bad.ulParameterLen = 0;
	assert_int_equal(be->generate_key_pair(ctx, &bad, &pub.a, &priv.a),
	                 CKR_TEMPLATE_INCOMPLETE);
	key_free(&pub);
	key_free(&priv);
}

static void test_rsa_multipart(void **state)
{
	CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_BYTE one[256], sig[256];
	CK_ULONG onelen, siglen = 0;
	void *op;

	rsa_pair();
	OK(sign(&m, &rsa_priv, "part onepart two", 16, one, &onelen));
	OK(op_start(OS_BACKEND_OP_SIGN, &m, &rsa_priv, &op));
	OK(be->op_update(op, (const CK_BYTE *)"part one", 8, NULL, NULL));
	OK(be->op_update(op, (const CK_BYTE *)"part two", 8, NULL, NULL));
	OK(be->op_final(op, NULL, &siglen));
	assert_int_equal(siglen, 256);
	siglen = 100;
	assert_int_equal(be->op_final(op, sig, &siglen), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(siglen, 256);
	OK(be->op_final(op, sig, &siglen));
	be->op_free(op);
	assert_memory_equal(sig, one, 256); /* PKCS#1 v1.5 is deterministic */

	OK(op_start(OS_BACKEND_OP_VERIFY, &m, &rsa_pub, &op));
	OK(be->op_update(op, (const CK_BYTE *)"part ", 5, NULL, NULL));
	OK(be->op_update(op, (const CK_BYTE *)"onepart two", 11, NULL, NULL));
	OK(be->op_verify_final(op, sig, siglen));
	be->op_free(op);
	OK(op_start(OS_BACKEND_OP_VERIFY, &m, &rsa_pub, &op));
	OK(be->op_update(op, (const CK_BYTE *)"part one", 8, NULL, NULL));
	assert_int_equal(be->op_verify_final(op, sig, siglen), CKR_SIGNATURE_INVALID);
	be->op_free(op);
	OK(op_start(OS_BACKEND_OP_VERIFY, &m, &rsa_pub, &op));
	assert_int_equal(be->op_verify_final(op, sig, 255), CKR_SIGNATURE_LEN_RANGE);
	be->op_free(op);
}

static void test_rsa_hash_mechs(void **state)
{
	static const CK_MECHANISM_TYPE mechs[] = {
	    CKM_SHA1_RSA_PKCS,     CKM_SHA224_RSA_PKCS,   CKM_SHA384_RSA_PKCS,
	    CKM_SHA512_RSA_PKCS,   CKM_SHA3_224_RSA_PKCS, CKM_SHA3_256_RSA_PKCS,
	    CKM_SHA3_384_RSA_PKCS, CKM_SHA3_512_RSA_PKCS, CKM_RSA_PKCS};
	CK_MECHANISM m = {0, NULL, 0};

	rsa_pair();
	for (size_t i = 0; i < LEN(mechs); i++) {
		m.mechanism = mechs[i];
		sign_verify(&m, &rsa_priv, &rsa_pub, "data to sign", 12, 256);
	}
}

static void test_rsa_pss(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE mech, hash, mgf;
		CK_ULONG salt, inlen;
	} cases[] = {
	    {CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32, 32},
	    {CKM_RSA_PKCS_PSS, CKM_SHA_1, CKG_MGF1_SHA1, 20, 20},
	    {CKM_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA256, 0, 64},
	    {CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32, 5},
	    {CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA384, 0, 5},
	    {CKM_SHA3_256_RSA_PKCS_PSS, CKM_SHA3_256, CKG_MGF1_SHA3_256, 16, 5},
	    {CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA512, 190, 5},
	};
	CK_BYTE data[64] = "hello", sig[256];
	CK_ULONG siglen;

	rsa_pair();
	for (size_t i = 0; i < LEN(cases); i++) {
		CK_RSA_PKCS_PSS_PARAMS p = {cases[i].hash, cases[i].mgf, cases[i].salt};
		CK_MECHANISM m = {cases[i].mech, &p, sizeof(p)};

		sign_verify(&m, &rsa_priv, &rsa_pub, data, cases[i].inlen, 256);
		OK(sign(&m, &rsa_priv, data, cases[i].inlen, sig, &siglen));
		/* The salt length is checked on verification. */
		p.sLen = cases[i].salt ? cases[i].salt - 1 : 1;
		assert_int_equal(verify(&m, &rsa_pub, data, cases[i].inlen, sig, siglen),
		                 CKR_SIGNATURE_INVALID);
	}
}

static void test_rsa_pss_errors(void **state)
{
	CK_RSA_PKCS_PSS_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256, 32};
	CK_MECHANISM m = {CKM_RSA_PKCS_PSS, &p, sizeof(p)};
	CK_BYTE sig[256], hash[32] = {0};
	CK_ULONG siglen;
	void *op;

	rsa_pair();
	assert_int_equal(sign(&m, &rsa_priv, hash, 31, sig, &siglen), CKR_DATA_LEN_RANGE);
	assert_int_equal(sign(&m, &rsa_priv, hash, 33, sig, &siglen), CKR_DATA_LEN_RANGE);
	m.ulParameterLen = sizeof(p) - 1;
	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &m, &rsa_priv, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	m.pParameter = NULL;
	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &m, &rsa_priv, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = 0; /* PSS needs its parameters */
	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &m, &rsa_priv, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	m.pParameter = &p;
	m.ulParameterLen = sizeof(p);
	p.hashAlg = CKM_MD5;
	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &m, &rsa_priv, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	p.hashAlg = CKM_SHA256;
	p.mgf = 0x77;
	assert_int_equal(op_start(OS_BACKEND_OP_VERIFY, &m, &rsa_pub, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	p.mgf = CKG_MGF1_SHA256;
	p.sLen = 256 - 32 - 1; /* more than emLen - hLen - 2 */
	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &m, &rsa_priv, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	p.sLen = 32;
	m.mechanism = CKM_SHA384_RSA_PKCS_PSS; /* hashAlg must be the mechanism's */
	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &m, &rsa_priv, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	m.mechanism = CKM_SHA256_RSA_PKCS_PSS;
	OK(op_start(OS_BACKEND_OP_SIGN, &m, &rsa_priv, &op));
	be->op_free(op);
}

static void test_rsa_oaep(void **state)
{
	CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, "label", 5};
	CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, &p, sizeof(p)};
	CK_BYTE msg[256], ct[256], pt[256];
	CK_ULONG ctlen, ptlen, i;
	void *op;

	rsa_pair();
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (CK_BYTE)i;
	OK(cipher(OS_BACKEND_OP_ENCRYPT, &m, &rsa_pub, msg, 256 - 66, ct, &ctlen));
	assert_int_equal(ctlen, 256);
	OK(cipher(OS_BACKEND_OP_DECRYPT, &m, &rsa_priv, ct, ctlen, pt, &ptlen));
	assert_int_equal(ptlen, 256 - 66);
	assert_memory_equal(pt, msg, ptlen);
	/* A short buffer: CKR_BUFFER_TOO_SMALL with the length, the operation goes on. */
	OK(op_start(OS_BACKEND_OP_DECRYPT, &m, &rsa_priv, &op));
	ptlen = 10;
	assert_int_equal(be->op_single(op, ct, ctlen, pt, &ptlen), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(ptlen, 256 - 66);
	OK(be->op_single(op, ct, ctlen, pt, &ptlen));
	assert_memory_equal(pt, msg, ptlen);
	be->op_free(op);
	assert_int_equal(cipher(OS_BACKEND_OP_ENCRYPT, &m, &rsa_pub, msg, 256 - 65, ct, &ctlen),
	                 CKR_DATA_LEN_RANGE);
	p.pSourceData = "lab3l";
	assert_int_equal(cipher(OS_BACKEND_OP_DECRYPT, &m, &rsa_priv, ct, 256, pt, &ptlen),
	                 CKR_ENCRYPTED_DATA_INVALID);
	/* SHA-1 without a label, the common default. */
	p = (CK_RSA_PKCS_OAEP_PARAMS){CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL, 0};
	OK(cipher(OS_BACKEND_OP_ENCRYPT, &m, &rsa_pub, msg, 214, ct, &ctlen));
	OK(cipher(OS_BACKEND_OP_DECRYPT, &m, &rsa_priv, ct, ctlen, pt, &ptlen));
	assert_memory_equal(pt, msg, 214);
	/* Bad parameters. */
	p.ulSourceDataLen = 3;
	assert_int_equal(op_start(OS_BACKEND_OP_ENCRYPT, &m, &rsa_pub, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	p.ulSourceDataLen = 0;
	p.source = 2;
	assert_int_equal(op_start(OS_BACKEND_OP_ENCRYPT, &m, &rsa_pub, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	p.source = CKZ_DATA_SPECIFIED;
	p.hashAlg = CKM_MD5;
	assert_int_equal(op_start(OS_BACKEND_OP_ENCRYPT, &m, &rsa_pub, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	p.hashAlg = CKM_SHA_1;
	p.mgf = 0;
	assert_int_equal(op_start(OS_BACKEND_OP_DECRYPT, &m, &rsa_priv, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	p.mgf = CKG_MGF1_SHA1;
	m.ulParameterLen = sizeof(p) + 1;
	assert_int_equal(op_start(OS_BACKEND_OP_ENCRYPT, &m, &rsa_pub, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = 0;
	m.pParameter = NULL;
	assert_int_equal(op_start(OS_BACKEND_OP_ENCRYPT, &m, &rsa_pub, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
}

static void test_rsa_raw_and_errors(void **state)
{
	CK_MECHANISM x509 = {CKM_RSA_X_509, NULL, 0}, pkcs = {CKM_RSA_PKCS, NULL, 0};
	CK_BYTE big[256], ct[256], pt[256], sig[256];
	CK_ULONG ctlen, ptlen, siglen;
	struct key ecpub, ecpriv;
	void *op;

	rsa_pair();
	/* Raw: short input is a number, left-padded with zeros. */
	OK(cipher(OS_BACKEND_OP_ENCRYPT, &x509, &rsa_pub, "\x01\x02", 2, ct, &ctlen));
	OK(cipher(OS_BACKEND_OP_DECRYPT, &x509, &rsa_priv, ct, ctlen, pt, &ptlen));
	assert_int_equal(ptlen, 256);
	assert_int_equal(pt[253], 0);
	assert_memory_equal(pt + 254, "\x01\x02", 2);
	sign_verify(&x509, &rsa_priv, &rsa_pub, "\x05\x06\x07", 3, 256);
	memset(big, 0xff, sizeof(big)); /* above the modulus */
	assert_int_equal(sign(&x509, &rsa_priv, big, 256, sig, &siglen), CKR_DATA_LEN_RANGE);
	assert_int_equal(cipher(OS_BACKEND_OP_ENCRYPT, &x509, &rsa_pub, big, 256, ct, &ctlen),
	                 CKR_DATA_LEN_RANGE);
	assert_int_equal(cipher(OS_BACKEND_OP_ENCRYPT, &x509, &rsa_pub, big, 257, ct, &ctlen),
	                 CKR_DATA_LEN_RANGE);
	/* PKCS#1 v1.5 lengths. */
	assert_int_equal(sign(&pkcs, &rsa_priv, big, 246, sig, &siglen), CKR_DATA_LEN_RANGE);
	OK(sign(&pkcs, &rsa_priv, big, 245, sig, &siglen));
	assert_int_equal(cipher(OS_BACKEND_OP_ENCRYPT, &pkcs, &rsa_pub, big, 246, ct, &ctlen),
	                 CKR_DATA_LEN_RANGE);
	OK(cipher(OS_BACKEND_OP_ENCRYPT, &pkcs, &rsa_pub, big, 245, ct, &ctlen));
	assert_int_equal(cipher(OS_BACKEND_OP_DECRYPT, &pkcs, &rsa_priv, ct, 255, pt, &ptlen),
	                 CKR_ENCRYPTED_DATA_LEN_RANGE);
	ct[5] ^= 0x40;
	if (pkcs1_rejects_explicitly())
		assert_int_equal(
		    cipher(OS_BACKEND_OP_DECRYPT, &pkcs, &rsa_priv, ct, 256, pt, &ptlen),
		    CKR_ENCRYPTED_DATA_INVALID);
	/* Keys of the wrong class or type, parameters where none belong, multi-part raw. */
	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &pkcs, &rsa_pub, &op),
	                 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(op_start(OS_BACKEND_OP_ENCRYPT, &pkcs, &rsa_priv, &op),
	                 CKR_KEY_TYPE_INCONSISTENT);
	OK(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, P256_OID, &ecpub, &ecpriv));
	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &pkcs, &ecpriv, &op),
	                 CKR_KEY_TYPE_INCONSISTENT);
	key_free(&ecpub);
	key_free(&ecpriv);
	pkcs.pParameter = big;
	pkcs.ulParameterLen = 4;
	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &pkcs, &rsa_priv, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	pkcs.pParameter = NULL;
	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &pkcs, &rsa_priv, &op),
	                 CKR_MECHANISM_PARAM_INVALID);
	pkcs.ulParameterLen = 0;
	OK(op_start(OS_BACKEND_OP_SIGN, &pkcs, &rsa_priv, &op));
	assert_int_equal(be->op_update(op, big, 10, NULL, NULL), CKR_FUNCTION_NOT_SUPPORTED);
	siglen = 255;
	assert_int_equal(be->op_single(op, big, 10, sig, &siglen), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(siglen, 256);
	OK(be->op_single(op, big, 10, sig, &siglen));
	be->op_free(op);
}

static void test_rsa_wrap(void **state)
{
	CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM mechs[2] = {{CKM_RSA_PKCS, NULL, 0}, {CKM_RSA_PKCS_OAEP, &p, sizeof(p)}};
	CK_BYTE wrapped[256];
	CK_ULONG len, value_len;
	struct key secret, out;

	rsa_pair();
	secret_template(&secret, CKK_GENERIC_SECRET, 0);
	key_set_hex(&secret, CKA_VALUE, "000102030405060708090a0b0c0d0e0f1011121314151617");
	for (size_t i = 0; i < LEN(mechs); i++) {
		len = 0;
		OK(be->wrap_key(ctx, &mechs[i], &rsa_pub.ref, &secret.a, NULL, &len));
		assert_int_equal(len, 256);
		len = 255;
		assert_int_equal(
		    be->wrap_key(ctx, &mechs[i], &rsa_pub.ref, &secret.a, wrapped, &len),
		    CKR_BUFFER_TOO_SMALL);
		OK(be->wrap_key(ctx, &mechs[i], &rsa_pub.ref, &secret.a, wrapped, &len));
		secret_template(&out, CKK_GENERIC_SECRET, 0);
		OK(be->unwrap_key(ctx, &mechs[i], &rsa_priv.ref, wrapped, len, &out.a));
		assert_memory_equal(attr(&out, CKA_VALUE)->pValue, attr(&secret, CKA_VALUE)->pValue,
		                    24);
		assert_true(tok_attrs_get_ulong(&out.a, CKA_VALUE_LEN, &value_len));
		assert_int_equal(value_len, 24);
		key_free(&out);
		secret_template(&out, CKK_AES, 16); /* the template says 16, the value is 24 */
		assert_int_equal(
		    be->unwrap_key(ctx, &mechs[i], &rsa_priv.ref, wrapped, len, &out.a),
		    CKR_TEMPLATE_INCONSISTENT);
		assert_int_equal(
		    be->unwrap_key(ctx, &mechs[i], &rsa_priv.ref, wrapped, 255, &out.a),
		    CKR_WRAPPED_KEY_LEN_RANGE);
		wrapped[9] ^= 1;
		if (i > 0 || pkcs1_rejects_explicitly())
			assert_int_equal(
			    be->unwrap_key(ctx, &mechs[i], &rsa_priv.ref, wrapped, len, &out.a),
			    CKR_WRAPPED_KEY_INVALID);
		assert_int_equal(be->unwrap_key(ctx, &mechs[i], &rsa_pub.ref, wrapped, len, &out.a),
		                 CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
		key_free(&out);
		assert_int_equal(
		    be->wrap_key(ctx, &mechs[i], &rsa_priv.ref, &secret.a, wrapped, &len),
		    CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
		assert_int_equal(
		    be->wrap_key(ctx, &mechs[i], &rsa_pub.ref, &rsa_priv.a, wrapped, &len),
		    CKR_KEY_NOT_WRAPPABLE);
	}
	key_free(&secret);
}

static void test_rsa_check_key(void **state)
{
	struct key k;

	/* d that does not undo e. */
	key_init(&k, CKO_PRIVATE_KEY, CKK_RSA);
	key_set_hex(&k, CKA_MODULUS, wp_n);
	key_set_hex(&k, CKA_PUBLIC_EXPONENT, "010001");
	key_set_hex(&k, CKA_PRIVATE_EXPONENT, "0123456789");
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	key_free(&k);
	/* n and d without e or primes. */
	key_init(&k, CKO_PRIVATE_KEY, CKK_RSA);
	key_set_hex(&k, CKA_MODULUS, wp_n);
	key_set_hex(&k, CKA_PRIVATE_EXPONENT, wp_d);
	assert_int_equal(be->check_key(ctx, &k.a), CKR_TEMPLATE_INCOMPLETE);
	key_free(&k);
	key_init(&k, CKO_PUBLIC_KEY, CKK_RSA);
	key_set_hex(&k, CKA_PUBLIC_EXPONENT, "010001");
	assert_int_equal(be->check_key(ctx, &k.a), CKR_TEMPLATE_INCOMPLETE);
	key_set_hex(&k, CKA_MODULUS, wp_n);
	OK(tok_attrs_set_ulong(&k.a, CKA_MODULUS_BITS, 2048));
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	OK(tok_attrs_set_ulong(&k.a, CKA_MODULUS_BITS, 1024));
	OK(be->check_key(ctx, &k.a));
	key_set_hex(&k, CKA_PUBLIC_EXPONENT, "010000");
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	key_free(&k);
	/* Not an RSA key object: not this family's business. */
	key_init(&k, CKO_DATA, CKK_RSA);
	OK(be->check_key(ctx, &k.a));
	key_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mechanism_info),
	    cmocka_unit_test(test_rsa_kat_wycheproof),
	    cmocka_unit_test(test_rsa_kat_cavp_verify),
	    cmocka_unit_test(test_rsa_generate),
	    cmocka_unit_test(test_rsa_multipart),
	    cmocka_unit_test(test_rsa_hash_mechs),
	    cmocka_unit_test(test_rsa_pss),
	    cmocka_unit_test(test_rsa_pss_errors),
	    cmocka_unit_test(test_rsa_oaep),
	    cmocka_unit_test(test_rsa_raw_and_errors),
	    cmocka_unit_test(test_rsa_wrap),
	    cmocka_unit_test(test_rsa_check_key),
	    cmocka_unit_test(test_ec_generate),
	    cmocka_unit_test(test_ec_generate_errors),
	    cmocka_unit_test(test_ecdsa_kat),
	    cmocka_unit_test(test_ec_check_key),
	    cmocka_unit_test(test_ed25519_kat),
	    cmocka_unit_test(test_eddsa),
	    cmocka_unit_test(test_x25519_kat),
	    cmocka_unit_test(test_montgomery),
	    cmocka_unit_test(test_ecdh_p256_kat),
	    cmocka_unit_test(test_curves_generate),
	    cmocka_unit_test(test_curves_ecdsa_kat),
	    cmocka_unit_test(test_curves_ecdh_kat),
	    cmocka_unit_test(test_curves_twisted_cross),
	    cmocka_unit_test(test_curves_names),
	    cmocka_unit_test(test_dh_params),
	    cmocka_unit_test(test_dh_agree),
	    cmocka_unit_test(test_dh_generate_errors),
	    cmocka_unit_test(test_dh_kat),
	    cmocka_unit_test(test_dh_check_key),
	    cmocka_unit_test(test_openssl_verifies_token),
	    cmocka_unit_test(test_token_verifies_openssl),
	    cmocka_unit_test(test_threads_one_key),
	    cmocka_unit_test(test_speed),
	};

	return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
