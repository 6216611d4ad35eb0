/*
 * Functional tests of the TPM token's asymmetric additions, on a private
 * swtpm: RSA-3072 keys, RSA-PSS signatures, ECDH derivation in the TPM,
 * private keys made by OpenSSL imported into the TPM, and secret keys
 * unwrapped by the TPM.  Signatures are
 * checked with OpenSSL, and derived secrets against OpenSSL's own ECDH.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "tpmfix.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"

static const CK_BYTE p256_der[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

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
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	return s;
}

static CK_RV gen_rsa(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_ULONG bits, CK_OBJECT_HANDLE *pub,
                     CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pt[] = {{CKA_MODULUS_BITS, &bits, sizeof(bits)}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE st[] = {{CKA_SIGN, &yes, 1}};

	return fx->f->C_GenerateKeyPair(s, &mech, pt, 2, st, 1, pub, priv);
}

static void gen_ec(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_BBOOL derive, CK_OBJECT_HANDLE *pub,
                   CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256_der, sizeof(p256_der)}};
	CK_ATTRIBUTE st[] = {{CKA_SIGN, &yes, 1}, {CKA_DERIVE, &derive, 1}};

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &mech, pt, 1, st, 2, pub, priv), CKR_OK);
}

static size_t get_attr(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                       CK_ATTRIBUTE_TYPE type, CK_BYTE *buf, size_t len)
{
	CK_ATTRIBUTE a = {type, buf, len};

	assert_int_equal(fx->f->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
	return a.ulValueLen;
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* The OpenSSL public key of a token RSA key (its modulus has nbytes bytes). */
static EVP_PKEY *rsa_pub(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, size_t nbytes)
{
	CK_BYTE n[512], e[8];
	size_t nlen = get_attr(fx, s, h, CKA_MODULUS, n, sizeof(n));
	size_t elen = get_attr(fx, s, h, CKA_PUBLIC_EXPONENT, e, sizeof(e));
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

	assert_int_equal(nlen, nbytes);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be);
	EVP_PKEY *pkey = pkey_fromdata("RSA", bld);
	BN_free(bn);
	BN_free(be);
	return pkey;
}

/* The OpenSSL public key of a P-256 point (65 bytes, uncompressed). */
static EVP_PKEY *ec_pub_point(const CK_BYTE *point)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 65);
	return pkey_fromdata("EC", bld);
}

static CK_RV sign(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_MECHANISM *mech, CK_OBJECT_HANDLE key,
                  const void *data, CK_ULONG len, CK_BYTE *sig, CK_ULONG *siglen)
{
	CK_RV rv = fx->f->C_SignInit(s, mech, key);

	if (rv != CKR_OK)
		return rv;
	return fx->f->C_Sign(s, (CK_BYTE_PTR)data, len, sig, siglen);
}

/* OpenSSL's verdict on an RSA signature of msg: PKCS#1 v1.5, or PSS with salt saltlen. */
static int rsa_ok(EVP_PKEY *pkey, const EVP_MD *md, int saltlen, const void *msg, size_t len,
                  const CK_BYTE *sig, size_t siglen)
{
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int ok = EVP_DigestVerifyInit(mc, &pc, md, NULL, pkey) == 1;

	if (ok && saltlen > 0)
		ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, saltlen) == 1 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md) == 1;
	ok = ok && EVP_DigestVerify(mc, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(mc);
	return ok;
}

/* OpenSSL's verdict on an r || s P-256 signature of a digest. */
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

/* The mechanisms and sizes this TPM (swtpm) is shown to offer. */
static void test_mechanisms(void **state)
{
	struct tpmfix *fx = *state;
	static const CK_MECHANISM_TYPE pss[] = {CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS,
	                                        CKM_SHA384_RSA_PKCS_PSS, CKM_SHA512_RSA_PKCS_PSS};
	CK_MECHANISM_INFO info;

	assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, CKM_RSA_PKCS_KEY_PAIR_GEN, &info),
	                 CKR_OK);
	assert_int_equal(info.ulMinKeySize, 2048);
	assert_int_equal(info.ulMaxKeySize, 3072);
	for (size_t i = 0; i < sizeof(pss) / sizeof(pss[0]); i++) {
		assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, pss[i], &info), CKR_OK);
		assert_int_equal(info.flags, CKF_HW | CKF_SIGN | CKF_VERIFY);
		assert_int_equal(info.ulMaxKeySize, 3072);
	}
	assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, CKM_ECDH1_DERIVE, &info), CKR_OK);
	assert_true(info.flags & CKF_DERIVE);
	assert_int_equal(info.ulMinKeySize, 256);
	assert_int_equal(info.ulMaxKeySize, 384);
	assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, CKM_ECDSA_SHA512, &info), CKR_OK);
	assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, CKM_ECDH1_COFACTOR_DERIVE, &info),
	                 CKR_MECHANISM_INVALID);
}

/* RSA-3072 made in the TPM signs; other sizes are refused. */
static void test_rsa3072(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[384];
	CK_ULONG n = sizeof(sig);

	assert_int_equal(gen_rsa(fx, s, 4096, &pub, &priv), CKR_KEY_SIZE_RANGE);
	assert_int_equal(gen_rsa(fx, s, 3071, &pub, &priv), CKR_KEY_SIZE_RANGE);
	assert_int_equal(gen_rsa(fx, s, 3072, &pub, &priv), CKR_OK);
	EVP_PKEY *pkey = rsa_pub(fx, s, pub, 384);
	assert_int_equal(sign(fx, s, &mech, priv, "three thousand", 14, sig, &n), CKR_OK);
	assert_int_equal(n, 384);
	assert_true(rsa_ok(pkey, EVP_sha256(), 0, "three thousand", 14, sig, n));
	assert_false(rsa_ok(pkey, EVP_sha256(), 0, "three thousand!", 15, sig, n));
	assert_int_equal(fx->f->C_VerifyInit(s, &mech, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR) "three thousand", 14, sig, n), CKR_OK);
	/* RSA-PSS with the 3072-bit key */
	CK_RSA_PKCS_PSS_PARAMS p = {CKM_SHA512, CKG_MGF1_SHA512, 64};
	CK_MECHANISM pm = {CKM_SHA512_RSA_PKCS_PSS, &p, sizeof(p)};
	n = sizeof(sig);
	assert_int_equal(sign(fx, s, &pm, priv, "three thousand", 14, sig, &n), CKR_OK);
	assert_int_equal(n, 384);
	assert_true(rsa_ok(pkey, EVP_sha512(), 64, "three thousand", 14, sig, n));
	EVP_PKEY_free(pkey);
	fx->f->C_CloseSession(s);
}

/* RSA-PSS in the TPM, salt as long as the digest: checked by OpenSSL and by the token. */
static void test_pss(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	static const struct {
		CK_MECHANISM_TYPE mech, hash;
		CK_RSA_PKCS_MGF_TYPE mgf;
		CK_ULONG len;
		const char *md;
	} rows[] = {
	    {CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32, "SHA256"},
	    {CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA384, 48, "SHA384"},
	    {CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA512, 64, "SHA512"},
	};
	const char *msg = "probabilistic signature";
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[256], digest[32];
	CK_ULONG n;

	assert_int_equal(gen_rsa(fx, s, 2048, &pub, &priv), CKR_OK);
	EVP_PKEY *pkey = rsa_pub(fx, s, pub, 256);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CK_RSA_PKCS_PSS_PARAMS p = {rows[i].hash, rows[i].mgf, rows[i].len};
		CK_MECHANISM mech = {rows[i].mech, &p, sizeof(p)};
		const EVP_MD *md = EVP_get_digestbyname(rows[i].md);

		n = sizeof(sig);
		assert_int_equal(sign(fx, s, &mech, priv, msg, strlen(msg), sig, &n), CKR_OK);
		assert_int_equal(n, 256);
		assert_true(rsa_ok(pkey, md, (int)rows[i].len, msg, strlen(msg), sig, n));
		assert_false(rsa_ok(pkey, md, (int)rows[i].len, "other", 5, sig, n));
		assert_int_equal(fx->f->C_VerifyInit(s, &mech, pub), CKR_OK);
		assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR)msg, strlen(msg), sig, n), CKR_OK);
		/* a salt of another length, MGF1 of another hash, no parameter */
		p.sLen = rows[i].len - 1;
		assert_int_equal(fx->f->C_SignInit(s, &mech, priv), CKR_MECHANISM_PARAM_INVALID);
		p.sLen = rows[i].len;
		p.mgf = CKG_MGF1_SHA1;
		assert_int_equal(fx->f->C_SignInit(s, &mech, priv), CKR_MECHANISM_PARAM_INVALID);
		mech.pParameter = NULL;
		mech.ulParameterLen = 0;
		assert_int_equal(fx->f->C_SignInit(s, &mech, priv), CKR_MECHANISM_PARAM_INVALID);
	}
	/* the hashed mechanism's hash must be the parameter's */
	CK_RSA_PKCS_PSS_PARAMS p = {CKM_SHA384, CKG_MGF1_SHA384, 48};
	CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS_PSS, &p, sizeof(p)};
	assert_int_equal(fx->f->C_SignInit(s, &mech, priv), CKR_MECHANISM_PARAM_INVALID);

	/* CKM_RSA_PKCS_PSS signs a digest given whole */
	CK_RSA_PKCS_PSS_PARAMS raw = {CKM_SHA256, CKG_MGF1_SHA256, 32};
	CK_MECHANISM rm = {CKM_RSA_PKCS_PSS, &raw, sizeof(raw)};
	unsigned int dlen = sizeof(digest);
	EVP_Digest(msg, strlen(msg), digest, &dlen, EVP_sha256(), NULL);
	n = sizeof(sig);
	assert_int_equal(sign(fx, s, &rm, priv, digest, 31, sig, &n), CKR_DATA_LEN_RANGE);
	n = sizeof(sig);
	assert_int_equal(sign(fx, s, &rm, priv, digest, 32, sig, &n), CKR_OK);
	assert_true(rsa_ok(pkey, EVP_sha256(), 32, msg, strlen(msg), sig, n));
	assert_int_equal(fx->f->C_VerifyInit(s, &rm, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, digest, 32, sig, n), CKR_OK);
	sig[0] ^= 1;
	assert_int_equal(fx->f->C_VerifyInit(s, &rm, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, digest, 32, sig, n), CKR_SIGNATURE_INVALID);
	EVP_PKEY_free(pkey);
	fx->f->C_CloseSession(s);
}

/* OpenSSL's ECDH of its key and the token's public point. */
static size_t ossl_ecdh(EVP_PKEY *mine, EVP_PKEY *peer, CK_BYTE *z)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(mine, NULL);
	size_t len = 66;

	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, z, &len), 1);
	EVP_PKEY_CTX_free(ctx);
	return len;
}

static CK_RV derive(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE base,
                    CK_ECDH1_DERIVE_PARAMS *p, CK_KEY_TYPE kt, CK_ULONG len, CK_OBJECT_HANDLE *out)
{
	CK_MECHANISM mech = {CKM_ECDH1_DERIVE, p, sizeof(*p)};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	                    {CKA_SENSITIVE, &no, 1},
	                    {CKA_EXTRACTABLE, &yes, 1},
	                    {CKA_VALUE_LEN, &len, sizeof(len)}};

	return fx->f->C_DeriveKey(s, &mech, base, t, len ? 5 : 4, out);
}

/* ECDH in the TPM against an OpenSSL peer: the same secret as OpenSSL's own ECDH. */
static void test_ecdh(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_OBJECT_HANDLE pub, priv, key, signer, signer_pub;
	CK_BYTE point[128], peer_pt[65], z[66], value[66];
	size_t plen = 0;

	gen_ec(fx, s, CK_TRUE, &pub, &priv);
	assert_int_equal(get_attr(fx, s, pub, CKA_EC_POINT, point, sizeof(point)), 67);
	EVP_PKEY *token_pub = ec_pub_point(point + 2);
	EVP_PKEY *peer = EVP_EC_gen("P-256");
	assert_non_null(peer);
	assert_int_equal(EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, peer_pt,
	                                                 sizeof(peer_pt), &plen),
	                 1);
	assert_int_equal(plen, 65);
	size_t zlen = ossl_ecdh(peer, token_pub, z);
	assert_int_equal(zlen, 32);

	CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, sizeof(peer_pt), peer_pt};
	assert_int_equal(derive(fx, s, priv, &p, CKK_GENERIC_SECRET, 0, &key), CKR_OK);
	assert_int_equal(get_attr(fx, s, key, CKA_VALUE, value, sizeof(value)), 32);
	assert_memory_equal(value, z, 32);

	/* an AES-128 key: the rightmost 16 bytes; the point in a DER OCTET STRING too */
	CK_BYTE der[67] = {0x04, 65};
	memcpy(der + 2, peer_pt, 65);
	p.pPublicData = der;
	p.ulPublicDataLen = sizeof(der);
	assert_int_equal(derive(fx, s, priv, &p, CKK_AES, 16, &key), CKR_OK);
	assert_int_equal(get_attr(fx, s, key, CKA_VALUE, value, sizeof(value)), 16);
	assert_memory_equal(value, z + 16, 16);

	/* a sensitive AES key goes into the TPM: no value kept, and it encrypts as
	 * OpenSSL does with the rightmost 16 bytes of the secret */
	CK_MECHANISM dm = {CKM_ECDH1_DERIVE, &p, sizeof(p)};
	CK_OBJECT_CLASS sk = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_ULONG sixteen = 16;
	CK_ATTRIBUTE st[] = {{CKA_CLASS, &sk, sizeof(sk)},
	                     {CKA_KEY_TYPE, &aes, sizeof(aes)},
	                     {CKA_SENSITIVE, &yes, 1},
	                     {CKA_ENCRYPT, &yes, 1},
	                     {CKA_VALUE_LEN, &sixteen, sizeof(sixteen)}};
	assert_int_equal(fx->f->C_DeriveKey(s, &dm, priv, st, 5, &key), CKR_OK);
	CK_ATTRIBUTE va = {CKA_VALUE, NULL, 0};
	assert_int_equal(fx->f->C_GetAttributeValue(s, key, &va, 1), CKR_ATTRIBUTE_SENSITIVE);
	CK_BYTE block[16] = "sixteen bytes!!", ct[16], want[16];
	CK_ULONG ctlen = sizeof(ct);
	CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
	assert_int_equal(fx->f->C_EncryptInit(s, &ecb, key), CKR_OK);
	assert_int_equal(fx->f->C_Encrypt(s, block, 16, ct, &ctlen), CKR_OK);
	EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
	int outl = 0;
	assert_int_equal(EVP_EncryptInit_ex(cc, EVP_aes_128_ecb(), NULL, z + 16, NULL), 1);
	EVP_CIPHER_CTX_set_padding(cc, 0);
	assert_int_equal(EVP_EncryptUpdate(cc, want, &outl, block, 16), 1);
	EVP_CIPHER_CTX_free(cc);
	assert_int_equal(ctlen, 16);
	assert_memory_equal(ct, want, 16);

	/* a KDF, shared data, a point off the curve */
	p.kdf = CKD_SHA256_KDF;
	assert_int_equal(derive(fx, s, priv, &p, CKK_GENERIC_SECRET, 0, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	p.kdf = CKD_NULL;
	p.pSharedData = (CK_BYTE_PTR) "shared";
	p.ulSharedDataLen = 6;
	assert_int_equal(derive(fx, s, priv, &p, CKK_GENERIC_SECRET, 0, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	p.pSharedData = NULL;
	p.ulSharedDataLen = 0;
	der[66] ^= 1;
	assert_int_equal(derive(fx, s, priv, &p, CKK_GENERIC_SECRET, 0, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	der[66] ^= 1;

	/* the point in DER only, and uncompressed: no long length, no other tag */
	CK_BYTE long_form[68] = {0x04, 0x81, 65};
	memcpy(long_form + 3, peer_pt, 65);
	p.pPublicData = long_form;
	p.ulPublicDataLen = sizeof(long_form);
	assert_int_equal(derive(fx, s, priv, &p, CKK_GENERIC_SECRET, 0, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	der[0] = 0x03;
	p.pPublicData = der;
	p.ulPublicDataLen = sizeof(der);
	assert_int_equal(derive(fx, s, priv, &p, CKK_GENERIC_SECRET, 0, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	der[0] = 0x04;
	der[2] = 0x02;
	assert_int_equal(derive(fx, s, priv, &p, CKK_GENERIC_SECRET, 0, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	der[2] = 0x04;
	assert_int_equal(derive(fx, s, priv, &p, CKK_GENERIC_SECRET, 0, &key), CKR_OK);

	/* a key without CKA_DERIVE derives nothing */
	gen_ec(fx, s, CK_FALSE, &signer_pub, &signer);
	assert_int_equal(derive(fx, s, signer, &p, CKK_GENERIC_SECRET, 0, &key),
	                 CKR_KEY_FUNCTION_NOT_PERMITTED);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(token_pub);
	fx->f->C_CloseSession(s);
}

/* ECDH with a P-384 key of the TPM: 48 bytes, OpenSSL's own. */
static void test_ecdh_p384(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	static const CK_BYTE p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
	CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p384, sizeof(p384)}};
	CK_ATTRIBUTE st[] = {{CKA_DERIVE, &yes, 1}};
	CK_OBJECT_HANDLE pub, priv, key;
	CK_BYTE point[128], peer_pt[97], z[66], value[66];
	size_t plen = 0;

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &gen, pt, 1, st, 1, &pub, &priv), CKR_OK);
	assert_int_equal(get_attr(fx, s, pub, CKA_EC_POINT, point, sizeof(point)), 99);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-384", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point + 2, 97);
	EVP_PKEY *token_pub = pkey_fromdata("EC", bld);
	EVP_PKEY *peer = EVP_EC_gen("P-384");
	assert_non_null(peer);
	assert_int_equal(EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, peer_pt,
	                                                 sizeof(peer_pt), &plen),
	                 1);
	assert_int_equal(ossl_ecdh(peer, token_pub, z), 48);
	CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, sizeof(peer_pt), peer_pt};
	assert_int_equal(derive(fx, s, priv, &p, CKK_GENERIC_SECRET, 0, &key), CKR_OK);
	assert_int_equal(get_attr(fx, s, key, CKA_VALUE, value, sizeof(value)), 48);
	assert_memory_equal(value, z, 48);
	/* a P-256 point is not one of this curve */
	p.ulPublicDataLen = 65;
	assert_int_equal(derive(fx, s, priv, &p, CKK_GENERIC_SECRET, 0, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(token_pub);
	fx->f->C_CloseSession(s);
}

/* How many files under the instance's data tree hold needle (nftw has no user pointer). */
static const CK_BYTE *scan_needle;
static size_t scan_len;
static int scan_hits;

static int scan_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_F || st->st_size == 0)
		return 0;
	FILE *f = fopen(path, "rb");
	CK_BYTE *buf = malloc((size_t)st->st_size);
	assert_non_null(f);
	assert_non_null(buf);
	size_t n = fread(buf, 1, (size_t)st->st_size, f);
	fclose(f);
	if (n >= scan_len && memmem(buf, n, scan_needle, scan_len) != NULL)
		scan_hits++;
	free(buf);
	return 0;
}

static int files_holding(struct tpmfix *fx, const CK_BYTE *needle, size_t len)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/data", fx->h.dir);
	scan_needle = needle;
	scan_len = len;
	scan_hits = 0;
	assert_int_equal(nftw(dir, scan_file, 16, FTW_PHYS), 0);
	return scan_hits;
}

/* A big number of an OpenSSL key as big-endian bytes; returns the length. */
static int key_bn(EVP_PKEY *k, const char *name, CK_BYTE *out, int pad)
{
	BIGNUM *bn = NULL;
	int len;

	assert_int_equal(EVP_PKEY_get_bn_param(k, name, &bn), 1);
	len = pad > 0 ? BN_bn2binpad(bn, out, pad) : BN_bn2bin(bn, out);
	BN_clear_free(bn);
	return len;
}

/* The flags of an imported key: sensitive and not extractable, but not always so, nor local. */
static void check_imported(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                           CK_ATTRIBUTE_TYPE secret)
{
	CK_BBOOL b[5];
	CK_ATTRIBUTE flags[] = {{CKA_SENSITIVE, &b[0], 1},
	                        {CKA_ALWAYS_SENSITIVE, &b[1], 1},
	                        {CKA_EXTRACTABLE, &b[2], 1},
	                        {CKA_NEVER_EXTRACTABLE, &b[3], 1},
	                        {CKA_LOCAL, &b[4], 1}};
	CK_ATTRIBUTE value = {secret, NULL, 0};

	assert_int_equal(fx->f->C_GetAttributeValue(s, h, flags, 5), CKR_OK);
	assert_int_equal(b[0], CK_TRUE);
	assert_int_equal(b[1], CK_FALSE);
	assert_int_equal(b[2], CK_FALSE);
	assert_int_equal(b[3], CK_FALSE);
	assert_int_equal(b[4], CK_FALSE);
	assert_int_not_equal(fx->f->C_GetAttributeValue(s, h, &value, 1), CKR_OK);
	assert_int_equal(value.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

/*
 * Imports an OpenSSL RSA key of the given size, public so that the store
 * keeps it in clear; one of a size the token does not offer is refused.
 * The key signs (PKCS#1 v1.5 and PSS, checked by OpenSSL) and its private
 * numbers are nowhere on disk.
 */
static void import_rsa(struct tpmfix *fx, CK_SESSION_HANDLE s, int bits, CK_RV want)
{
	static const char *names[] = {
	    OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
	    OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
	    OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
	    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
	static const CK_ATTRIBUTE_TYPE types[] = {
	    CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
	    CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT};
	CK_BYTE nums[8][384], sig[384];
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_ATTRIBUTE t[14] = {{CKA_CLASS, &cls, sizeof(cls)},
	                      {CKA_KEY_TYPE, &kt, sizeof(kt)},
	                      {CKA_TOKEN, &yes, 1},
	                      {CKA_PRIVATE, &no, 1},
	                      {CKA_SIGN, &yes, 1},
	                      {CKA_LABEL, "imported", 8}};
	CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_OBJECT_HANDLE h;
	CK_ULONG n = sizeof(sig);
	const char *msg = "made by OpenSSL, kept by the TPM";

	EVP_PKEY *k = EVP_RSA_gen((unsigned int)bits);
	assert_non_null(k);
	for (int i = 0; i < 8; i++) {
		t[6 + i].type = types[i];
		t[6 + i].pValue = nums[i];
		t[6 + i].ulValueLen = (CK_ULONG)key_bn(k, names[i], nums[i], 0);
	}
	assert_int_equal(t[6].ulValueLen, (CK_ULONG)bits / 8);
	if (want != CKR_OK) {
		assert_int_equal(fx->f->C_CreateObject(s, t, 14, &h), want);
		EVP_PKEY_free(k);
		return;
	}
	/* a prime that does not divide the modulus, a private exponent that does not fit */
	nums[3][t[9].ulValueLen - 1] ^= 2;
	assert_int_equal(fx->f->C_CreateObject(s, t, 14, &h), CKR_TEMPLATE_INCONSISTENT);
	nums[3][t[9].ulValueLen - 1] ^= 2;
	nums[2][t[8].ulValueLen - 1] ^= 2;
	assert_int_equal(fx->f->C_CreateObject(s, t, 14, &h), CKR_TEMPLATE_INCONSISTENT);
	nums[2][t[8].ulValueLen - 1] ^= 2;

	assert_int_equal(fx->f->C_CreateObject(s, t, 14, &h), CKR_OK);
	check_imported(fx, s, h, CKA_PRIVATE_EXPONENT);
	assert_int_equal(sign(fx, s, &mech, h, msg, strlen(msg), sig, &n), CKR_OK);
	assert_int_equal(n, (CK_ULONG)bits / 8);
	assert_true(rsa_ok(k, EVP_sha256(), 0, msg, strlen(msg), sig, n));
	CK_RSA_PKCS_PSS_PARAMS p = {CKM_SHA384, CKG_MGF1_SHA384, 48};
	CK_MECHANISM pm = {CKM_SHA384_RSA_PKCS_PSS, &p, sizeof(p)};
	n = sizeof(sig);
	assert_int_equal(sign(fx, s, &pm, h, msg, strlen(msg), sig, &n), CKR_OK);
	assert_true(rsa_ok(k, EVP_sha384(), 48, msg, strlen(msg), sig, n));

	/* the modulus is stored (in clear: the object is public), d and the primes are not */
	assert_true(files_holding(fx, nums[0], 64) > 0);
	for (int i = 2; i < 8; i++)
		assert_int_equal(files_holding(fx, nums[i], 32), 0);
	EVP_PKEY_free(k);
}

/* OpenSSL RSA keys imported into the TPM: 2048 and 3072 bits, not 1024. */
static void test_import_rsa(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);

	import_rsa(fx, s, 2048, CKR_OK);
	import_rsa(fx, s, 3072, CKR_OK);
	import_rsa(fx, s, 1024, CKR_ATTRIBUTE_VALUE_INVALID);
	fx->f->C_CloseSession(s);
}

/* An OpenSSL P-256 key imported into the TPM signs and derives; its scalar is not on disk. */
static void test_import_ec(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_BYTE d[32], digest[32], sig[64], pt[65], z[66], value[66];
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = CKK_EC;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	                    {CKA_TOKEN, &yes, 1},
	                    {CKA_PRIVATE, &no, 1},
	                    {CKA_SIGN, &yes, 1},
	                    {CKA_DERIVE, &yes, 1},
	                    {CKA_EC_PARAMS, (void *)p256_der, sizeof(p256_der)},
	                    {CKA_VALUE, d, sizeof(d)}};
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	CK_OBJECT_HANDLE h, key;
	CK_ULONG n = sizeof(sig);
	size_t plen = 0;

	EVP_PKEY *k = EVP_EC_gen("P-256");
	assert_non_null(k);
	key_bn(k, OSSL_PKEY_PARAM_PRIV_KEY, d, 32);
	assert_int_equal(fx->f->C_CreateObject(s, t, 8, &h), CKR_OK);
	check_imported(fx, s, h, CKA_VALUE);
	for (int i = 0; i < 32; i++)
		digest[i] = (CK_BYTE)(3 * i + 5);
	assert_int_equal(sign(fx, s, &mech, h, digest, 32, sig, &n), CKR_OK);
	assert_int_equal(n, 64);
	assert_true(ecdsa_ok(k, digest, sig));
	digest[0] ^= 1;
	assert_false(ecdsa_ok(k, digest, sig));

	/* ECDH with the imported key is OpenSSL's ECDH with the original */
	EVP_PKEY *peer = EVP_EC_gen("P-256");
	assert_int_equal(
	    EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &plen),
	    1);
	CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, sizeof(pt), pt};
	assert_int_equal(derive(fx, s, h, &p, CKK_GENERIC_SECRET, 0, &key), CKR_OK);
	assert_int_equal(get_attr(fx, s, key, CKA_VALUE, value, sizeof(value)), 32);
	assert_int_equal(ossl_ecdh(k, peer, z), 32);
	assert_memory_equal(value, z, 32);

	assert_int_equal(files_holding(fx, d, sizeof(d)), 0);
	assert_true(files_holding(fx, p256_der, sizeof(p256_der)) > 0);
	/* a scalar out of range, a curve the token lacks */
	memset(d, 0xff, sizeof(d));
	assert_int_equal(fx->f->C_CreateObject(s, t, 8, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	static const CK_BYTE ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
	t[6].pValue = (void *)ed25519;
	t[6].ulValueLen = sizeof(ed25519);
	assert_int_equal(fx->f->C_CreateObject(s, t, 8, &h), CKR_CURVE_NOT_SUPPORTED);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(k);
	fx->f->C_CloseSession(s);
}

/* A secret key wrapped by OpenSSL under a token RSA key, unwrapped by the TPM. */
static void test_unwrap(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_MECHANISM gen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_ULONG bits = 2048, len = 0;
	CK_ATTRIBUTE pt[] = {{CKA_MODULUS_BITS, &bits, sizeof(bits)}, {CKA_ENCRYPT, &yes, 1}};
	CK_ATTRIBUTE st[] = {{CKA_UNWRAP, &yes, 1}, {CKA_DECRYPT, &yes, 1}};
	CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM om = {CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)};
	CK_MECHANISM pm = {CKM_RSA_PKCS, NULL, 0};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_ATTRIBUTE kt[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                     {CKA_KEY_TYPE, &aes, sizeof(aes)},
	                     {CKA_SENSITIVE, &no, 1},
	                     {CKA_EXTRACTABLE, &yes, 1}};
	CK_OBJECT_HANDLE pub, priv, key, signer_pub, signer;
	CK_BYTE secret[32], ct[256], value[64];
	size_t ctlen = sizeof(ct);
	CK_MECHANISM_INFO info;

	assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, CKM_RSA_PKCS_OAEP, &info), CKR_OK);
	assert_true(info.flags & CKF_UNWRAP);
	assert_int_equal(fx->f->C_GenerateKeyPair(s, &gen, pt, 2, st, 2, &pub, &priv), CKR_OK);
	for (int i = 0; i < 32; i++)
		secret[i] = (CK_BYTE)(0xa0 + i);
	EVP_PKEY *pkey = rsa_pub(fx, s, pub, 256);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_encrypt(ctx, ct, &ctlen, secret, 32), 1);
	EVP_PKEY_CTX_free(ctx);
	assert_int_equal(fx->f->C_UnwrapKey(s, &om, priv, ct, 256, kt, 4, &key), CKR_OK);
	assert_int_equal(get_attr(fx, s, key, CKA_VALUE, value, sizeof(value)), 32);
	assert_memory_equal(value, secret, 32);

	/* a damaged ciphertext, a value no AES key has, a key that may not unwrap */
	ct[100] ^= 1;
	assert_int_equal(fx->f->C_UnwrapKey(s, &om, priv, ct, 256, kt, 4, &key),
	                 CKR_WRAPPED_KEY_INVALID);
	CK_ULONG n = sizeof(ct);
	assert_int_equal(fx->f->C_EncryptInit(s, &pm, pub), CKR_OK);
	assert_int_equal(fx->f->C_Encrypt(s, secret, 20, ct, &n), CKR_OK);
	assert_int_equal(fx->f->C_UnwrapKey(s, &pm, priv, ct, n, kt, 4, &key),
	                 CKR_WRAPPED_KEY_INVALID);
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	kt[1].pValue = &generic;
	assert_int_equal(fx->f->C_UnwrapKey(s, &pm, priv, ct, n, kt, 4, &key), CKR_OK);
	assert_int_equal(get_attr(fx, s, key, CKA_VALUE_LEN, (CK_BYTE *)&len, sizeof(len)),
	                 sizeof(len));
	assert_int_equal(len, 20);
	assert_int_equal(gen_rsa(fx, s, 2048, &signer_pub, &signer), CKR_OK);
	CK_ATTRIBUTE off = {CKA_UNWRAP, &no, 1};
	assert_int_equal(fx->f->C_SetAttributeValue(s, signer, &off, 1), CKR_OK);
	assert_int_equal(fx->f->C_UnwrapKey(s, &pm, signer, ct, n, kt, 4, &key),
	                 CKR_KEY_FUNCTION_NOT_PERMITTED);
	EVP_PKEY_free(pkey);
	fx->f->C_CloseSession(s);
}

/* An imported key still signs after swtpm and the library restart. */
static void test_import_survives_restart(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_BYTE d[32], digest[32] = {7, 7, 7}, sig[64];
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = CKK_EC;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)}, {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_TOKEN, &yes, 1},           {CKA_SIGN, &yes, 1},
	    {CKA_LABEL, "moved in", 8},     {CKA_EC_PARAMS, (void *)p256_der, sizeof(p256_der)},
	    {CKA_VALUE, d, sizeof(d)}};
	CK_ATTRIBUTE find[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_LABEL, "moved in", 8}};
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	CK_OBJECT_HANDLE h, found[2];
	CK_ULONG n = 0, siglen = sizeof(sig);

	EVP_PKEY *k = EVP_EC_gen("P-256");
	key_bn(k, OSSL_PKEY_PARAM_PRIV_KEY, d, 32);
	assert_int_equal(fx->f->C_CreateObject(s, t, 7, &h), CKR_OK);
	fx->f->C_Finalize(NULL);
	assert_int_equal(swtpm_kill(&fx->tpm), 0);
	assert_int_equal(swtpm_restart(&fx->tpm), 0);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(TPM_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsInit(s, find, 2), CKR_OK);
	assert_int_equal(fx->f->C_FindObjects(s, found, 2, &n), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sign(fx, s, &mech, found[0], digest, 32, sig, &siglen), CKR_OK);
	assert_true(ecdsa_ok(k, digest, sig));
	digest[0] ^= 1;
	assert_false(ecdsa_ok(k, digest, sig));
	EVP_PKEY_free(k);
	fx->f->C_CloseSession(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_mechanisms, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_rsa3072, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_pss, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_ecdh, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_ecdh_p384, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_import_rsa, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_import_ec, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_unwrap, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_import_survives_restart, tpmfix_setup,
	                                    tpmfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
