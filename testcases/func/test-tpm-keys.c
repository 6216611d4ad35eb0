/*
 * Functional tests of keys held by the TPM, on a private swtpm: key pairs
 * generated in the TPM, signatures made there and verified with OpenSSL,
 * the attributes of a key that never leaves the TPM, the mechanism list,
 * and keys that survive a restart of the TPM and of the library.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "tpmfix.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"
/* CKA_VENDOR_DEFINED | 0x4f535401: the key's TPM2B_PUBLIC */
#define CKA_TPM_PUBLIC (CKA_VENDOR_DEFINED | 0x4f535401UL)

static const CK_BYTE p256_der[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

static CK_SESSION_HANDLE login(struct tpmfix *fx)
{
	CK_SESSION_HANDLE s;

	assert_int_equal(
	    fx->f->C_OpenSession(TPM_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	return s;
}

static CK_SESSION_HANDLE init_and_login(struct tpmfix *fx)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	memcpy(label, "tpm token", 9);
	assert_int_equal(fx->f->C_InitToken(TPM_SLOT, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(TPM_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
	return login(fx);
}

static void gen_ec(struct tpmfix *fx, CK_SESSION_HANDLE s, const char *label, CK_OBJECT_HANDLE *pub,
                   CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pt[] = {
	    {CKA_EC_PARAMS, (void *)p256_der, sizeof(p256_der)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_VERIFY, &yes, 1},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_ATTRIBUTE st[] = {
	    {CKA_TOKEN, &yes, 1},
	    {CKA_SIGN, &yes, 1},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &mech, pt, 4, st, 3, pub, priv), CKR_OK);
}

static void gen_rsa(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub,
                    CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE;
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE pt[] = {{CKA_MODULUS_BITS, &bits, sizeof(bits)}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE st[] = {{CKA_SIGN, &yes, 1}};

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &mech, pt, 2, st, 1, pub, priv), CKR_OK);
}

static size_t get_attr(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                       CK_ATTRIBUTE_TYPE type, CK_BYTE *buf, size_t len)
{
	CK_ATTRIBUTE a = {type, buf, len};

	assert_int_equal(fx->f->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
	return a.ulValueLen;
}

static EVP_PKEY *ec_pub(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
	CK_BYTE point[128];
	size_t n = get_attr(fx, s, h, CKA_EC_POINT, point, sizeof(point));
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;

	assert_int_equal(n, 67);
	assert_int_equal(point[0], 0x04);
	assert_int_equal(point[1], 65);
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point + 2, 65);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static EVP_PKEY *rsa_pub(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
	CK_BYTE n[512], e[8];
	size_t nlen = get_attr(fx, s, h, CKA_MODULUS, n, sizeof(n));
	size_t elen = get_attr(fx, s, h, CKA_PUBLIC_EXPONENT, e, sizeof(e));
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;

	assert_int_equal(nlen, 256);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(bn);
	BN_free(be);
	return pkey;
}

/* Verifies an r || s ECDSA signature of a SHA-256 digest with OpenSSL. */
static int ecdsa_ok(EVP_PKEY *pkey, const CK_BYTE digest[32], const CK_BYTE sig[64])
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	unsigned char *der = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	int ok, len;

	ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
	len = i2d_ECDSA_SIG(es, &der);
	ok = EVP_PKEY_verify_init(ctx) == 1 &&
	     EVP_PKEY_verify(ctx, der, (size_t)len, digest, 32) == 1;
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static CK_ULONG sign(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE type,
                     CK_OBJECT_HANDLE key, const CK_BYTE *data, CK_ULONG len, CK_BYTE *sig,
                     CK_ULONG siglen)
{
	CK_MECHANISM mech = {type, NULL, 0};
	CK_ULONG n = 0;

	assert_int_equal(fx->f->C_SignInit(s, &mech, key), CKR_OK);
	assert_int_equal(fx->f->C_Sign(s, (CK_BYTE_PTR)data, len, NULL, &n), CKR_OK);
	assert_true(n <= siglen);
	assert_int_equal(fx->f->C_Sign(s, (CK_BYTE_PTR)data, len, sig, &n), CKR_OK);
	return n;
}

/* Drops the secret key mechanisms (test-tpm-sym.c checks them) from a list of n. */
static CK_ULONG drop_secret(CK_MECHANISM_TYPE *list, CK_ULONG n)
{
	static const CK_MECHANISM_TYPE secret[] = {
	    CKM_AES_KEY_GEN,    CKM_AES_ECB,     CKM_AES_CBC,
	    CKM_AES_CBC_PAD,    CKM_AES_CFB128,  CKM_GENERIC_SECRET_KEY_GEN,
	    CKM_SHA256_KEY_GEN, CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL,
	};
	CK_ULONG kept = 0;

	for (CK_ULONG i = 0; i < n; i++) {
		bool drop = false;
		for (size_t j = 0; j < sizeof(secret) / sizeof(secret[0]); j++)
			drop |= list[i] == secret[j];
		if (!drop)
			list[kept++] = list[i];
	}
	return kept;
}

/* The mechanism list is what swtpm offers and the backend does. */
static void test_mechanisms(void **state)
{
	struct tpmfix *fx = *state;
	static const CK_MECHANISM_TYPE want[] = {
	    CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_RSA_PKCS,
	    CKM_RSA_PKCS_OAEP,         CKM_SHA256_RSA_PKCS,
	    CKM_SHA384_RSA_PKCS,       CKM_SHA512_RSA_PKCS,
	    CKM_RSA_PKCS_PSS,          CKM_SHA256_RSA_PKCS_PSS,
	    CKM_SHA384_RSA_PKCS_PSS,   CKM_SHA512_RSA_PKCS_PSS,
	    CKM_EC_KEY_PAIR_GEN,       CKM_ECDSA,
	    CKM_ECDSA_SHA256,          CKM_ECDSA_SHA384,
	    CKM_ECDSA_SHA512,          CKM_ECDH1_DERIVE,
	};
	CK_MECHANISM_TYPE list[64];
	CK_ULONG n = 0;
	CK_MECHANISM_INFO info;

	assert_int_equal(fx->f->C_GetMechanismList(TPM_SLOT, NULL, &n), CKR_OK);
	assert_true(n <= sizeof(list) / sizeof(list[0]));
	assert_int_equal(fx->f->C_GetMechanismList(TPM_SLOT, list, &n), CKR_OK);
	assert_int_equal(drop_secret(list, n), sizeof(want) / sizeof(want[0]));
	assert_memory_equal(list, want, sizeof(want));
	assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, CKM_ECDSA, &info), CKR_OK);
	assert_int_equal(info.flags & (CKF_HW | CKF_SIGN | CKF_VERIFY | CKF_DECRYPT),
	                 CKF_HW | CKF_SIGN | CKF_VERIFY);
	assert_int_equal(info.ulMinKeySize, 256);
	assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, CKM_RSA_PKCS_KEY_PAIR_GEN, &info),
	                 CKR_OK);
	assert_int_equal(info.ulMaxKeySize, 3072);
	assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, CKM_AES_CTR, &info),
	                 CKR_MECHANISM_INVALID);
}

/* An ECDSA key made in the TPM: its attributes, its signatures checked by OpenSSL. */
static void test_ec_sign(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE digest[32], sig[64], blob[1024];
	CK_BBOOL b[4];
	CK_ATTRIBUTE flags[] = {{CKA_SENSITIVE, &b[0], 1},
	                        {CKA_ALWAYS_SENSITIVE, &b[1], 1},
	                        {CKA_EXTRACTABLE, &b[2], 1},
	                        {CKA_NEVER_EXTRACTABLE, &b[3], 1}};
	CK_ATTRIBUTE value = {CKA_VALUE, NULL, 0};

	gen_ec(fx, s, "ec", &pub, &priv);
	assert_int_equal(fx->f->C_GetAttributeValue(s, priv, flags, 4), CKR_OK);
	assert_int_equal(b[0], CK_TRUE);
	assert_int_equal(b[1], CK_TRUE);
	assert_int_equal(b[2], CK_FALSE);
	assert_int_equal(b[3], CK_TRUE);
	/* no private value exists outside the TPM, only its wrapped blob */
	assert_int_not_equal(fx->f->C_GetAttributeValue(s, priv, &value, 1), CKR_OK);
	assert_true(get_attr(fx, s, priv, CKA_TPM_PUBLIC, blob, sizeof(blob)) > 64);
	/* both halves name the curve by the DER of its OID */
	assert_int_equal(get_attr(fx, s, priv, CKA_EC_PARAMS, blob, sizeof(blob)),
	                 sizeof(p256_der));
	assert_memory_equal(blob, p256_der, sizeof(p256_der));

	EVP_PKEY *pkey = ec_pub(fx, s, pub);
	for (int i = 0; i < 32; i++)
		digest[i] = (CK_BYTE)(i * 7 + 1);
	assert_int_equal(sign(fx, s, CKM_ECDSA, priv, digest, 32, sig, sizeof(sig)), 64);
	assert_true(ecdsa_ok(pkey, digest, sig));
	digest[0] ^= 1;
	assert_false(ecdsa_ok(pkey, digest, sig));

	/* CKM_ECDSA_SHA256 in two parts: the TPM signs OpenSSL's SHA-256 of the data */
	CK_MECHANISM mech = {CKM_ECDSA_SHA256, NULL, 0};
	CK_ULONG n = sizeof(sig);
	assert_int_equal(fx->f->C_SignInit(s, &mech, priv), CKR_OK);
	assert_int_equal(fx->f->C_SignUpdate(s, (CK_BYTE_PTR) "hello ", 6), CKR_OK);
	assert_int_equal(fx->f->C_SignUpdate(s, (CK_BYTE_PTR) "tpm", 3), CKR_OK);
	assert_int_equal(fx->f->C_SignFinal(s, sig, &n), CKR_OK);
	assert_int_equal(n, 64);
	unsigned int dlen = 32;
	EVP_Digest("hello tpm", 9, digest, &dlen, EVP_sha256(), NULL);
	assert_true(ecdsa_ok(pkey, digest, sig));
	EVP_PKEY_free(pkey);

	/* the token verifies its own signatures (in software) */
	assert_int_equal(fx->f->C_VerifyInit(s, &mech, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR) "hello tpm", 9, sig, 64), CKR_OK);
	sig[10] ^= 0x40;
	assert_int_equal(fx->f->C_VerifyInit(s, &mech, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR) "hello tpm", 9, sig, 64),
	                 CKR_SIGNATURE_INVALID);
	fx->f->C_CloseSession(s);
}

/*
 * A PKCS#1 v1.5 signature of msg with the hashed mechanism type: checked by
 * OpenSSL with md, and by the token.
 */
static void rsa_hashed_sign(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE type,
                            const EVP_MD *md, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv,
                            EVP_PKEY *pkey)
{
	static const char msg[] = "hashed before the TPM signs";
	CK_MECHANISM mech = {type, NULL, 0};
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	CK_BYTE sig[256];

	assert_int_equal(sign(fx, s, type, priv, (const CK_BYTE *)msg, strlen(msg), sig, 256), 256);
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey), 1);
	assert_int_equal(EVP_DigestVerify(ctx, sig, 256, (const unsigned char *)msg, strlen(msg)),
	                 1);
	EVP_MD_CTX_free(ctx);
	assert_int_equal(fx->f->C_VerifyInit(s, &mech, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR)msg, strlen(msg), sig, 256), CKR_OK);
	sig[100] ^= 1;
	assert_int_equal(fx->f->C_VerifyInit(s, &mech, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR)msg, strlen(msg), sig, 256),
	                 CKR_SIGNATURE_INVALID);
}

/* An RSA-2048 key made in the TPM: PKCS#1 v1.5 signatures checked by OpenSSL. */
static void test_rsa_sign(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[256];
	const char *msg = "signed inside the TPM";

	gen_rsa(fx, s, &pub, &priv);
	EVP_PKEY *pkey = rsa_pub(fx, s, pub);
	assert_int_equal(
	    sign(fx, s, CKM_SHA256_RSA_PKCS, priv, (const CK_BYTE *)msg, strlen(msg), sig, 256),
	    256);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, 256, (const unsigned char *)msg, strlen(msg)),
	                 1);
	EVP_MD_CTX_free(md);
	CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, NULL, 0};
	assert_int_equal(fx->f->C_VerifyInit(s, &mech, pub), CKR_OK);
	assert_int_equal(fx->f->C_VerifyUpdate(s, (CK_BYTE_PTR)msg, 7), CKR_OK);
	assert_int_equal(fx->f->C_VerifyUpdate(s, (CK_BYTE_PTR)msg + 7, strlen(msg) - 7), CKR_OK);
	assert_int_equal(fx->f->C_VerifyFinal(s, sig, 256), CKR_OK);
	assert_int_equal(fx->f->C_VerifyInit(s, &mech, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR)msg, strlen(msg), sig, 255),
	                 CKR_SIGNATURE_LEN_RANGE);

	/* CKM_RSA_PKCS pads whatever it is given (here a short raw input) */
	CK_BYTE raw[20] = "twenty bytes of data", rec[256];
	assert_int_equal(sign(fx, s, CKM_RSA_PKCS, priv, raw, sizeof(raw), sig, 256), 256);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	size_t rlen = sizeof(rec);
	assert_int_equal(EVP_PKEY_verify_recover_init(ctx), 1);
	assert_int_equal(EVP_PKEY_verify_recover(ctx, rec, &rlen, sig, 256), 1);
	assert_int_equal(rlen, sizeof(raw));
	assert_memory_equal(rec, raw, sizeof(raw));
	EVP_PKEY_CTX_free(ctx);
	CK_MECHANISM pkcs = {CKM_RSA_PKCS, NULL, 0};
	assert_int_equal(fx->f->C_VerifyInit(s, &pkcs, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, raw, sizeof(raw), sig, 256), CKR_OK);
	rsa_hashed_sign(fx, s, CKM_SHA384_RSA_PKCS, EVP_sha384(), pub, priv, pkey);
	rsa_hashed_sign(fx, s, CKM_SHA512_RSA_PKCS, EVP_sha512(), pub, priv, pkey);
	EVP_PKEY_free(pkey);
	fx->f->C_CloseSession(s);
}

/* A token key is still there, and still signs, after swtpm and the library restart. */
static void test_survives_restart(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_OBJECT_HANDLE pub, priv, found[4];
	CK_ULONG n = 0;
	CK_BYTE digest[32] = {1, 2, 3}, sig[64];
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_LABEL, "kept", 4}};

	gen_ec(fx, s, "kept", &pub, &priv);
	EVP_PKEY *pkey = ec_pub(fx, s, pub);
	fx->f->C_Finalize(NULL);
	assert_int_equal(swtpm_kill(&fx->tpm), 0);
	assert_int_equal(swtpm_restart(&fx->tpm), 0);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	s = login(fx);
	assert_int_equal(fx->f->C_FindObjectsInit(s, tmpl, 2), CKR_OK);
	assert_int_equal(fx->f->C_FindObjects(s, found, 4, &n), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sign(fx, s, CKM_ECDSA, found[0], digest, 32, sig, sizeof(sig)), 64);
	assert_true(ecdsa_ok(pkey, digest, sig));
	EVP_PKEY_free(pkey);
	fx->f->C_CloseSession(s);
}

static CK_ULONG crypt(struct tpmfix *fx, CK_SESSION_HANDLE s, int decrypt, CK_MECHANISM *mech,
                      CK_OBJECT_HANDLE key, const CK_BYTE *in, CK_ULONG len, CK_BYTE *out)
{
	CK_ULONG n = 256;

	if (decrypt) {
		assert_int_equal(fx->f->C_DecryptInit(s, mech, key), CKR_OK);
		assert_int_equal(fx->f->C_Decrypt(s, (CK_BYTE_PTR)in, len, out, &n), CKR_OK);
	} else {
		assert_int_equal(fx->f->C_EncryptInit(s, mech, key), CKR_OK);
		assert_int_equal(fx->f->C_Encrypt(s, (CK_BYTE_PTR)in, len, out, &n), CKR_OK);
	}
	return n;
}

/* RSA decryption in the TPM: PKCS#1 v1.5 and OAEP, from OpenSSL and from the token. */
static void test_rsa_decrypt(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_OBJECT_HANDLE pub, priv;
	CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM pkcs = {CKM_RSA_PKCS, NULL, 0};
	CK_MECHANISM om = {CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)};
	const CK_BYTE msg[] = "a secret for the TPM";
	CK_BYTE ct[256], pt[256];
	size_t ctlen = sizeof(ct);

	gen_rsa(fx, s, &pub, &priv);
	EVP_PKEY *pkey = rsa_pub(fx, s, pub);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_encrypt(ctx, ct, &ctlen, msg, sizeof(msg)), 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	assert_int_equal(crypt(fx, s, 1, &om, priv, ct, 256, pt), sizeof(msg));
	assert_memory_equal(pt, msg, sizeof(msg));

	assert_int_equal(crypt(fx, s, 0, &pkcs, pub, msg, sizeof(msg), ct), 256);
	assert_int_equal(crypt(fx, s, 1, &pkcs, priv, ct, 256, pt), sizeof(msg));
	assert_memory_equal(pt, msg, sizeof(msg));

	/* a ciphertext the padding check refuses; a label the TPM cannot honour */
	CK_ULONG n = sizeof(pt);
	ct[255] ^= 1;
	assert_int_equal(fx->f->C_DecryptInit(s, &pkcs, priv), CKR_OK);
	assert_int_equal(fx->f->C_Decrypt(s, ct, 256, pt, &n), CKR_ENCRYPTED_DATA_INVALID);
	ct[255] ^= 1;
	assert_int_equal(crypt(fx, s, 1, &pkcs, priv, ct, 256, pt), sizeof(msg));
	oaep.pSourceData = (void *)"label";
	oaep.ulSourceDataLen = 5;
	assert_int_equal(fx->f->C_DecryptInit(s, &om, priv), CKR_MECHANISM_PARAM_INVALID);
	fx->f->C_CloseSession(s);
}

/* A P-384 key where the TPM has the curve (swtpm does): signed in the TPM, verified by the token. */
static void test_ec_p384(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	static const CK_BYTE p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
	CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0}, mech = {CKM_ECDSA_SHA384, NULL, 0};
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p384, sizeof(p384)}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE st[] = {{CKA_SIGN, &yes, 1}};
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE point[128], sig[96];

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &gen, pt, 2, st, 1, &pub, &priv), CKR_OK);
	assert_int_equal(get_attr(fx, s, pub, CKA_EC_POINT, point, sizeof(point)), 99);
	assert_int_equal(point[0], 0x04);
	assert_int_equal(point[1], 97);
	assert_int_equal(point[2], 0x04);
	assert_int_equal(get_attr(fx, s, priv, CKA_EC_PARAMS, point, sizeof(point)), sizeof(p384));
	assert_memory_equal(point, p384, sizeof(p384));
	assert_int_equal(sign(fx, s, CKM_ECDSA_SHA384, priv, (const CK_BYTE *)"data", 4, sig, 96),
	                 96);
	assert_int_equal(fx->f->C_VerifyInit(s, &mech, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR) "data", 4, sig, 96), CKR_OK);
	assert_int_equal(fx->f->C_VerifyInit(s, &mech, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR) "date", 4, sig, 96),
	                 CKR_SIGNATURE_INVALID);
	fx->f->C_CloseSession(s);
}

/*
 * Another client fills swtpm's transient object slots and goes away without
 * flushing them; returns how many primaries it loaded before the TPM ran
 * out of room.
 */
static int leak_objects(const char *tcti)
{
	TPM2B_PUBLIC tmpl = {.publicArea = {.type = TPM2_ALG_ECC,
	                                    .nameAlg = TPM2_ALG_SHA256,
	                                    .objectAttributes = TPMA_OBJECT_FIXEDTPM |
	                                                        TPMA_OBJECT_FIXEDPARENT |
	                                                        TPMA_OBJECT_SENSITIVEDATAORIGIN |
	                                                        TPMA_OBJECT_USERWITHAUTH |
	                                                        TPMA_OBJECT_SIGN_ENCRYPT}};
	TPM2B_SENSITIVE_CREATE sens = {0};
	TPM2B_DATA outside = {0};
	TPML_PCR_SELECTION pcrs = {0};
	TSS2_TCTI_CONTEXT *t = NULL;
	ESYS_CONTEXT *e = NULL;
	TSS2_RC rc = TSS2_RC_SUCCESS;
	int loaded = 0;

	tmpl.publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	tmpl.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	tmpl.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	tmpl.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	assert_int_equal(Tss2_TctiLdr_Initialize(tcti, &t), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Initialize(&e, t, NULL), TSS2_RC_SUCCESS);
	while (rc == TSS2_RC_SUCCESS && loaded < 16) {
		ESYS_TR h = ESYS_TR_NONE;
		rc = Esys_CreatePrimary(e, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
		                        ESYS_TR_NONE, &sens, &tmpl, &outside, &pcrs, &h, NULL, NULL,
		                        NULL, NULL);
		loaded += rc == TSS2_RC_SUCCESS;
	}
	assert_int_equal(rc, TPM2_RC_OBJECT_MEMORY);
	Esys_Finalize(&e);
	Tss2_TctiLdr_Finalize(&t);
	return loaded;
}

/* Objects a dead client left in swtpm are flushed: the token still makes and uses keys. */
static void test_leftovers(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE digest[32] = {9}, sig[64];

	assert_true(leak_objects(fx->tpm.tcti) > 0);
	gen_ec(fx, s, "after", &pub, &priv);
	assert_true(leak_objects(fx->tpm.tcti) > 0);
	assert_int_equal(sign(fx, s, CKM_ECDSA, priv, digest, 32, sig, sizeof(sig)), 64);
	fx->f->C_CloseSession(s);
}

/* What the token cannot do is refused before the TPM is asked. */
static void test_refused(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_ULONG bits = 1024;
	CK_ATTRIBUTE pt[] = {{CKA_MODULUS_BITS, &bits, sizeof(bits)}};
	CK_OBJECT_HANDLE pub, priv;
	static const CK_BYTE ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
	/* P-256 by other encodings than the DER of its OID */
	static const CK_BYTE p256_long[] = {0x06, 0x81, 0x08, 0x2a, 0x86, 0x48,
	                                    0xce, 0x3d, 0x03, 0x01, 0x07};
	static const CK_BYTE p256_name[] = {0x13, 0x05, 'P', '-', '2', '5', '6'};
	CK_ATTRIBUTE et[] = {{CKA_EC_PARAMS, (void *)ed25519, sizeof(ed25519)}};
	CK_ATTRIBUTE lt[] = {{CKA_EC_PARAMS, (void *)p256_long, sizeof(p256_long)}};
	CK_ATTRIBUTE nt[] = {{CKA_EC_PARAMS, (void *)p256_name, sizeof(p256_name)}};
	CK_MECHANISM ec = {CKM_EC_KEY_PAIR_GEN, NULL, 0};

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &mech, pt, 1, NULL, 0, &pub, &priv),
	                 CKR_KEY_SIZE_RANGE);
	assert_int_equal(fx->f->C_GenerateKeyPair(s, &ec, et, 1, NULL, 0, &pub, &priv),
	                 CKR_CURVE_NOT_SUPPORTED);
	assert_int_equal(fx->f->C_GenerateKeyPair(s, &ec, lt, 1, NULL, 0, &pub, &priv),
	                 CKR_CURVE_NOT_SUPPORTED);
	assert_int_equal(fx->f->C_GenerateKeyPair(s, &ec, nt, 1, NULL, 0, &pub, &priv),
	                 CKR_CURVE_NOT_SUPPORTED);

	/* a key the TPM cannot hold is not taken; data objects are stored as by the soft token */
	CK_OBJECT_CLASS secret = CKO_SECRET_KEY, data = CKO_DATA;
	CK_KEY_TYPE des3 = CKK_DES3;
	CK_BYTE value[24] = {0};
	CK_ATTRIBUTE kt[] = {{CKA_CLASS, &secret, sizeof(secret)},
	                     {CKA_KEY_TYPE, &des3, sizeof(des3)},
	                     {CKA_VALUE, value, sizeof(value)}};
	CK_ATTRIBUTE dt[] = {{CKA_CLASS, &data, sizeof(data)}, {CKA_VALUE, value, sizeof(value)}};
	CK_OBJECT_HANDLE h;
	assert_int_equal(fx->f->C_CreateObject(s, kt, 3, &h), CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(fx->f->C_CreateObject(s, dt, 2, &h), CKR_OK);
	fx->f->C_CloseSession(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_mechanisms, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_ec_sign, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_rsa_sign, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_ec_p384, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_rsa_decrypt, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_survives_restart, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_refused, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_leftovers, tpmfix_setup, tpmfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
