/*
 * Functional tests of secret keys held by the TPM, on a private swtpm: AES
 * and HMAC keys generated in the TPM or given in clear, encryption and
 * decryption in every mode the token lists (single and multi-part, inputs
 * longer than one TPM buffer) compared with OpenSSL for known keys, HMACs
 * compared with OpenSSL's, the attributes of such keys, a clear value never
 * stored, and the length rules of PKCS#11.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tpmfix.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"
/* CKA_VENDOR_DEFINED | 0x4f535401: the key's TPM2B_PUBLIC */
#define CKA_TPM_PUBLIC (CKA_VENDOR_DEFINED | 0x4f535401UL)
#define BIG            3000 /* nearly three TPM buffers */

static const CK_BYTE known_key[32] = {
    0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
    0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4};
static CK_BYTE iv[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

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

static CK_RV gen_key(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE type, CK_ULONG len,
                     CK_OBJECT_HANDLE *h)
{
	CK_MECHANISM mech = {type, NULL, 0};
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
	    {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_ENCRYPT, &yes, 1}, {CKA_DECRYPT, &yes, 1}};
	CK_ATTRIBUTE m[] = {
	    {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_SIGN, &yes, 1}, {CKA_VERIFY, &yes, 1}};

	return fx->f->C_GenerateKey(s, &mech, type == CKM_AES_KEY_GEN ? t : m, 3, h);
}

static CK_RV import_key(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_KEY_TYPE kt,
                        const CK_BYTE *value, CK_ULONG len, CK_BBOOL priv, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_BBOOL yes = CK_TRUE;
	/* every usage, so that the token's own checks of the key type are reached */
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},  {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_VALUE, (void *)value, len}, {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &priv, 1},         {CKA_ENCRYPT, &yes, 1},
	    {CKA_DECRYPT, &yes, 1},          {CKA_SIGN, &yes, 1},
	    {CKA_VERIFY, &yes, 1},           {CKA_LABEL, "imported", 8},
	};

	return fx->f->C_CreateObject(s, t, sizeof(t) / sizeof(t[0]), h);
}

/* C_Encrypt or C_Decrypt in one part, after a size query. */
static CK_ULONG crypt1(struct tpmfix *fx, CK_SESSION_HANDLE s, bool enc, CK_MECHANISM *m,
                       CK_OBJECT_HANDLE key, const CK_BYTE *in, CK_ULONG len, CK_BYTE *out)
{
	CK_ULONG n = 0, want;

	if (enc) {
		assert_int_equal(fx->f->C_EncryptInit(s, m, key), CKR_OK);
		assert_int_equal(fx->f->C_Encrypt(s, (CK_BYTE_PTR)in, len, NULL, &n), CKR_OK);
		want = n;
		assert_int_equal(fx->f->C_Encrypt(s, (CK_BYTE_PTR)in, len, out, &n), CKR_OK);
		assert_int_equal(n, want);
	} else {
		assert_int_equal(fx->f->C_DecryptInit(s, m, key), CKR_OK);
		assert_int_equal(fx->f->C_Decrypt(s, (CK_BYTE_PTR)in, len, NULL, &n), CKR_OK);
		want = n;
		assert_int_equal(fx->f->C_Decrypt(s, (CK_BYTE_PTR)in, len, out, &n), CKR_OK);
		assert_true(n <= want);
	}
	return n;
}

/* The same in parts of step bytes (the output buffer holds len + 16). */
static CK_ULONG crypt_parts(struct tpmfix *fx, CK_SESSION_HANDLE s, bool enc, CK_MECHANISM *m,
                            CK_OBJECT_HANDLE key, const CK_BYTE *in, CK_ULONG len, CK_ULONG step,
                            CK_BYTE *out)
{
	CK_FUNCTION_LIST_3_0 *f = fx->f;
	CK_ULONG done = 0, n, q;

	assert_int_equal(enc ? f->C_EncryptInit(s, m, key) : f->C_DecryptInit(s, m, key), CKR_OK);
	for (CK_ULONG off = 0; off < len; off += step) {
		CK_ULONG part = len - off < step ? len - off : step;
		CK_BYTE_PTR p = (CK_BYTE_PTR)in + off;
		q = 0;
		assert_int_equal(enc ? f->C_EncryptUpdate(s, p, part, NULL, &q)
		                     : f->C_DecryptUpdate(s, p, part, NULL, &q),
		                 CKR_OK);
		n = q;
		assert_int_equal(enc ? f->C_EncryptUpdate(s, p, part, out + done, &n)
		                     : f->C_DecryptUpdate(s, p, part, out + done, &n),
		                 CKR_OK);
		assert_int_equal(n, q);
		done += n;
	}
	n = 16;
	assert_int_equal(enc ? f->C_EncryptFinal(s, out + done, &n)
	                     : f->C_DecryptFinal(s, out + done, &n),
	                 CKR_OK);
	return done + n;
}

static const EVP_CIPHER *ossl_cipher(CK_MECHANISM_TYPE type, size_t keylen)
{
	bool k256 = keylen == 32;

	if (type == CKM_AES_ECB)
		return k256 ? EVP_aes_256_ecb() : EVP_aes_128_ecb();
	if (type == CKM_AES_CFB128)
		return k256 ? EVP_aes_256_cfb128() : EVP_aes_128_cfb128();
	return k256 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
}

/* OpenSSL's encryption of in with the known key. */
static int ossl_encrypt(CK_MECHANISM_TYPE type, size_t keylen, const CK_BYTE *in, int len,
                        CK_BYTE *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;

	assert_int_equal(EVP_EncryptInit_ex(c, ossl_cipher(type, keylen), NULL, known_key,
	                                    type == CKM_AES_ECB ? NULL : iv),
	                 1);
	EVP_CIPHER_CTX_set_padding(c, type == CKM_AES_CBC_PAD);
	assert_int_equal(EVP_EncryptUpdate(c, out, &n, in, len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, out + n, &m), 1);
	EVP_CIPHER_CTX_free(c);
	return n + m;
}

static void fill(CK_BYTE *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (CK_BYTE)((i * 31 + seed * 7 + (i >> 8)) & 0xff);
}

/* The lengths each mode takes, and some it takes in parts. */
static const struct {
	CK_MECHANISM_TYPE type;
	CK_ULONG lens[4];
} modes[] = {
    {CKM_AES_ECB, {16, 48, 1024, BIG - BIG % 16}},
    {CKM_AES_CBC, {16, 32, 1040, BIG - BIG % 16}},
    {CKM_AES_CBC_PAD, {0, 15, 1024, BIG + 5}},
    {CKM_AES_CFB128, {1, 17, 1025, BIG + 3}},
};

/* Every mode: the token's output equals OpenSSL's, one part or many, and decrypts back. */
static void check_known(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, size_t keylen)
{
	static CK_BYTE in[BIG + 16], ref[BIG + 32], out[BIG + 32], back[BIG + 32];

	fill(in, sizeof(in), 1);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		CK_MECHANISM m = {modes[i].type, iv, sizeof(iv)};
		if (m.mechanism == CKM_AES_ECB) {
			m.pParameter = NULL;
			m.ulParameterLen = 0;
		}
		for (size_t j = 0; j < 4; j++) {
			CK_ULONG len = modes[i].lens[j];
			int rlen = ossl_encrypt(m.mechanism, keylen, in, (int)len, ref);
			assert_int_equal(crypt1(fx, s, true, &m, key, in, len, out), rlen);
			assert_memory_equal(out, ref, (size_t)rlen);
			assert_int_equal(crypt1(fx, s, false, &m, key, ref, (CK_ULONG)rlen, back),
			                 len);
			assert_memory_equal(back, in, len);
			if (j != 1 && j != 3)
				continue;
			/* in parts that do not fall on blocks */
			CK_ULONG step = len > 1000 ? 1001 : 7;
			memset(out, 0, sizeof(out));
			assert_int_equal(crypt_parts(fx, s, true, &m, key, in, len, step, out),
			                 rlen);
			assert_memory_equal(out, ref, (size_t)rlen);
			assert_int_equal(
			    crypt_parts(fx, s, false, &m, key, ref, (CK_ULONG)rlen, step, back),
			    len);
			assert_memory_equal(back, in, len);
		}
	}
}

static void check_flags(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, bool generated)
{
	CK_BBOOL b[5];
	CK_ATTRIBUTE flags[] = {{CKA_SENSITIVE, &b[0], 1},
	                        {CKA_ALWAYS_SENSITIVE, &b[1], 1},
	                        {CKA_EXTRACTABLE, &b[2], 1},
	                        {CKA_NEVER_EXTRACTABLE, &b[3], 1},
	                        {CKA_LOCAL, &b[4], 1}};
	CK_BYTE buf[64], blob[1024];
	CK_ATTRIBUTE value = {CKA_VALUE, buf, sizeof(buf)};
	CK_ATTRIBUTE pub = {CKA_TPM_PUBLIC, blob, sizeof(blob)};

	assert_int_equal(fx->f->C_GetAttributeValue(s, h, flags, 5), CKR_OK);
	assert_int_equal(b[0], CK_TRUE);
	assert_int_equal(b[1], generated);
	assert_int_equal(b[2], CK_FALSE);
	assert_int_equal(b[3], generated);
	assert_int_equal(b[4], generated);
	assert_int_equal(fx->f->C_GetAttributeValue(s, h, &value, 1), CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(value.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(fx->f->C_GetAttributeValue(s, h, &pub, 1), CKR_OK);
	assert_true(pub.ulValueLen > 40);
}

/* The secret key mechanisms swtpm offers, with their sizes and flags. */
static void test_mechanisms(void **state)
{
	struct tpmfix *fx = *state;
	static const CK_MECHANISM_TYPE aes[] = {CKM_AES_KEY_GEN, CKM_AES_ECB, CKM_AES_CBC,
	                                        CKM_AES_CBC_PAD, CKM_AES_CFB128};
	static const CK_MECHANISM_TYPE hmac[] = {CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL,
	                                         CKM_SHA256_KEY_GEN, CKM_GENERIC_SECRET_KEY_GEN};
	CK_MECHANISM_INFO info;

	for (size_t i = 0; i < sizeof(aes) / sizeof(aes[0]); i++) {
		assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, aes[i], &info), CKR_OK);
		assert_int_equal(info.ulMinKeySize, 16);
		assert_int_equal(info.ulMaxKeySize, 32);
		assert_true(info.flags & CKF_HW);
		assert_int_equal(info.flags & (CKF_ENCRYPT | CKF_DECRYPT | CKF_GENERATE),
		                 i == 0 ? CKF_GENERATE : CKF_ENCRYPT | CKF_DECRYPT);
	}
	for (size_t i = 0; i < sizeof(hmac) / sizeof(hmac[0]); i++) {
		assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, hmac[i], &info), CKR_OK);
		assert_int_equal(info.flags & (CKF_SIGN | CKF_VERIFY | CKF_GENERATE),
		                 i < 2 ? CKF_SIGN | CKF_VERIFY : CKF_GENERATE);
	}
	assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, CKM_AES_CTR, &info),
	                 CKR_MECHANISM_INVALID);
	assert_int_equal(fx->f->C_GetMechanismInfo(TPM_SLOT, CKM_SHA_1_HMAC, &info),
	                 CKR_MECHANISM_INVALID);
}

/* AES-128 and AES-256 keys made by the TPM: flags, and every mode round trips. */
static void test_generate_aes(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	static CK_BYTE in[BIG + 16], ct[BIG + 32], back[BIG + 32];
	CK_OBJECT_HANDLE k128, k256, h;
	CK_ULONG len = 0;
	CK_ATTRIBUTE vl = {CKA_VALUE_LEN, &len, sizeof(len)};

	assert_int_equal(gen_key(fx, s, CKM_AES_KEY_GEN, 16, &k128), CKR_OK);
	assert_int_equal(gen_key(fx, s, CKM_AES_KEY_GEN, 32, &k256), CKR_OK);
	assert_int_equal(gen_key(fx, s, CKM_AES_KEY_GEN, 20, &h), CKR_KEY_SIZE_RANGE);
	check_flags(fx, s, k128, true);
	check_flags(fx, s, k256, true);
	assert_int_equal(fx->f->C_GetAttributeValue(s, k256, &vl, 1), CKR_OK);
	assert_int_equal(len, 32);

	fill(in, sizeof(in), 2);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		CK_MECHANISM m = {modes[i].type, iv, sizeof(iv)};
		if (m.mechanism == CKM_AES_ECB) {
			m.pParameter = NULL;
			m.ulParameterLen = 0;
		}
		CK_ULONG n = modes[i].lens[3];
		CK_ULONG c = crypt1(fx, s, true, &m, k128, in, n, ct);
		assert_true(c >= n);
		assert_memory_not_equal(ct, in, 16);
		assert_int_equal(crypt1(fx, s, false, &m, k128, ct, c, back), n);
		assert_memory_equal(back, in, n);
		/* the other key makes another ciphertext */
		assert_int_equal(crypt1(fx, s, true, &m, k256, in, n, back), c);
		assert_memory_not_equal(back, ct, c);
	}
	fx->f->C_CloseSession(s);
}

/* A known key given in clear: the token's ciphertexts are OpenSSL's. */
static void test_known_aes(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_OBJECT_HANDLE k128, k256;

	assert_int_equal(import_key(fx, s, CKK_AES, known_key, 16, CK_TRUE, &k128), CKR_OK);
	check_flags(fx, s, k128, false);
	check_known(fx, s, k128, 16);
	assert_int_equal(import_key(fx, s, CKK_AES, known_key, 32, CK_TRUE, &k256), CKR_OK);
	check_known(fx, s, k256, 32);
	fx->f->C_CloseSession(s);
}

static CK_ULONG mac1(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key,
                     const CK_BYTE *in, CK_ULONG len, CK_BYTE *out)
{
	CK_ULONG n = 0;

	assert_int_equal(fx->f->C_SignInit(s, m, key), CKR_OK);
	assert_int_equal(fx->f->C_Sign(s, (CK_BYTE_PTR)in, len, NULL, &n), CKR_OK);
	assert_int_equal(fx->f->C_Sign(s, (CK_BYTE_PTR)in, len, out, &n), CKR_OK);
	return n;
}

static CK_ULONG mac_parts(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_MECHANISM *m,
                          CK_OBJECT_HANDLE key, const CK_BYTE *in, CK_ULONG len, CK_ULONG step,
                          CK_BYTE *out)
{
	CK_ULONG n = 32;

	assert_int_equal(fx->f->C_SignInit(s, m, key), CKR_OK);
	for (CK_ULONG off = 0; off < len; off += step)
		assert_int_equal(fx->f->C_SignUpdate(s, (CK_BYTE_PTR)in + off,
		                                     len - off < step ? len - off : step),
		                 CKR_OK);
	assert_int_equal(fx->f->C_SignFinal(s, out, &n), CKR_OK);
	return n;
}

/* HMAC-SHA256 of known keys: the token's MACs are OpenSSL's, and it verifies them. */
static void check_hmac(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
                       const CK_BYTE *kv, int klen)
{
	static const CK_ULONG lens[] = {0, 3, 1024, 1025, BIG};
	static CK_BYTE in[BIG];
	CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
	CK_BYTE ref[32], out[32];
	unsigned int rlen = 0;

	fill(in, sizeof(in), 3);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_non_null(HMAC(EVP_sha256(), kv, klen, in, lens[i], ref, &rlen));
		assert_int_equal(mac1(fx, s, &m, key, in, lens[i], out), 32);
		assert_memory_equal(out, ref, 32);
		assert_int_equal(fx->f->C_VerifyInit(s, &m, key), CKR_OK);
		assert_int_equal(fx->f->C_Verify(s, in, lens[i], ref, 32), CKR_OK);
		if (lens[i] < 1000)
			continue;
		memset(out, 0, sizeof(out));
		assert_int_equal(mac_parts(fx, s, &m, key, in, lens[i], 700, out), 32);
		assert_memory_equal(out, ref, 32);
	}
	/* the general form: the leading bytes */
	CK_ULONG want = 12;
	CK_MECHANISM g = {CKM_SHA256_HMAC_GENERAL, &want, sizeof(want)};
	assert_int_equal(mac1(fx, s, &g, key, in, 3, out), 12);
	assert_non_null(HMAC(EVP_sha256(), kv, klen, in, 3, ref, &rlen));
	assert_memory_equal(out, ref, 12);
	assert_int_equal(fx->f->C_VerifyInit(s, &g, key), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, in, 3, ref, 12), CKR_OK);
}

static void test_known_hmac(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_BYTE long_key[100];
	CK_OBJECT_HANDLE k1, k2;

	assert_int_equal(import_key(fx, s, CKK_GENERIC_SECRET, known_key, 20, CK_TRUE, &k1),
	                 CKR_OK);
	check_flags(fx, s, k1, false);
	check_hmac(fx, s, k1, known_key, 20);
	/* longer than SHA-256's block: hashed first, as HMAC says */
	fill(long_key, sizeof(long_key), 9);
	assert_int_equal(
	    import_key(fx, s, CKK_SHA256_HMAC, long_key, sizeof(long_key), CK_TRUE, &k2), CKR_OK);
	check_hmac(fx, s, k2, long_key, sizeof(long_key));
	/* exactly a block: the TPM takes it as it is */
	CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
	CK_BYTE ref[32], out[32];
	unsigned int rlen = 0;
	CK_OBJECT_HANDLE k3;
	assert_int_equal(import_key(fx, s, CKK_SHA256_HMAC, long_key, 64, CK_TRUE, &k3), CKR_OK);
	assert_non_null(HMAC(EVP_sha256(), long_key, 64, (const CK_BYTE *)"abc", 3, ref, &rlen));
	assert_int_equal(mac1(fx, s, &m, k3, (const CK_BYTE *)"abc", 3, out), 32);
	assert_memory_equal(out, ref, 32);
	fx->f->C_CloseSession(s);
}

/* HMAC keys made by the TPM sign and verify; a changed MAC or length is refused. */
static void test_generate_hmac(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
	CK_OBJECT_HANDLE k1, k2, h;
	CK_BYTE mac[32], mac2[32];
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE a = {CKA_KEY_TYPE, &kt, sizeof(kt)};

	assert_int_equal(gen_key(fx, s, CKM_GENERIC_SECRET_KEY_GEN, 32, &k1), CKR_OK);
	assert_int_equal(gen_key(fx, s, CKM_SHA256_KEY_GEN, 32, &k2), CKR_OK);
	assert_int_equal(gen_key(fx, s, CKM_GENERIC_SECRET_KEY_GEN, 16, &h), CKR_KEY_SIZE_RANGE);
	check_flags(fx, s, k1, true);
	assert_int_equal(fx->f->C_GetAttributeValue(s, k2, &a, 1), CKR_OK);
	assert_int_equal(kt, CKK_SHA256_HMAC);

	assert_int_equal(mac1(fx, s, &m, k1, (const CK_BYTE *)"message", 7, mac), 32);
	assert_int_equal(mac1(fx, s, &m, k2, (const CK_BYTE *)"message", 7, mac2), 32);
	assert_memory_not_equal(mac, mac2, 32);
	assert_int_equal(fx->f->C_VerifyInit(s, &m, k1), CKR_OK);
	assert_int_equal(fx->f->C_VerifyUpdate(s, (CK_BYTE_PTR) "mess", 4), CKR_OK);
	assert_int_equal(fx->f->C_VerifyUpdate(s, (CK_BYTE_PTR) "age", 3), CKR_OK);
	assert_int_equal(fx->f->C_VerifyFinal(s, mac, 32), CKR_OK);
	mac[31] ^= 1;
	assert_int_equal(fx->f->C_VerifyInit(s, &m, k1), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR) "message", 7, mac, 32),
	                 CKR_SIGNATURE_INVALID);
	assert_int_equal(fx->f->C_VerifyInit(s, &m, k1), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, (CK_BYTE_PTR) "message", 7, mac, 31),
	                 CKR_SIGNATURE_LEN_RANGE);
	fx->f->C_CloseSession(s);
}

/* Data lengths, buffer sizes, parameters and keys the rules of PKCS#11 refuse. */
static void test_lengths(void **state)
{
	struct tpmfix *fx = *state;
	CK_FUNCTION_LIST_3_0 *f = fx->f;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0}, cbc = {CKM_AES_CBC, iv, 16};
	CK_MECHANISM pad = {CKM_AES_CBC_PAD, iv, 16}, bad_iv = {CKM_AES_CBC, iv, 8};
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_OBJECT_HANDLE key, mkey;
	CK_BYTE in[64] = {0}, out[64];
	CK_ULONG n;

	assert_int_equal(import_key(fx, s, CKK_AES, known_key, 16, CK_TRUE, &key), CKR_OK);
	assert_int_equal(gen_key(fx, s, CKM_SHA256_KEY_GEN, 32, &mkey), CKR_OK);
	n = sizeof(out);
	assert_int_equal(f->C_EncryptInit(s, &ecb, key), CKR_OK);
	assert_int_equal(f->C_Encrypt(s, in, 15, out, &n), CKR_DATA_LEN_RANGE);
	assert_int_equal(f->C_DecryptInit(s, &cbc, key), CKR_OK);
	assert_int_equal(f->C_Decrypt(s, in, 17, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE);
	assert_int_equal(f->C_DecryptInit(s, &pad, key), CKR_OK);
	assert_int_equal(f->C_Decrypt(s, in, 0, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE);

	/* a short buffer learns the length and the operation goes on */
	assert_int_equal(f->C_EncryptInit(s, &pad, key), CKR_OK);
	n = 16;
	assert_int_equal(f->C_Encrypt(s, in, 20, out, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 32);
	assert_int_equal(f->C_Encrypt(s, in, 20, out, &n), CKR_OK);
	assert_int_equal(f->C_DecryptInit(s, &pad, key), CKR_OK);
	CK_ULONG m = 4;
	assert_int_equal(f->C_Decrypt(s, out, 32, in + 32, &m), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(m, 20);
	assert_int_equal(f->C_Decrypt(s, out, 32, in + 32, &m), CKR_OK);
	assert_int_equal(m, 20);
	assert_memory_equal(in + 32, in, 20);
	/* a last block of zeros is bad padding */
	memset(in, 0, sizeof(in));
	assert_int_equal(ossl_encrypt(CKM_AES_CBC, 16, in, 32, out), 32);
	m = sizeof(in);
	assert_int_equal(f->C_DecryptInit(s, &pad, key), CKR_OK);
	assert_int_equal(f->C_Decrypt(s, out, 32, in, &m), CKR_ENCRYPTED_DATA_INVALID);
	m = sizeof(in);
	assert_int_equal(f->C_DecryptInit(s, &pad, key), CKR_OK);
	assert_int_equal(f->C_DecryptUpdate(s, out, 32, in, &m), CKR_OK);
	assert_int_equal(m, 16);
	m = sizeof(in);
	assert_int_equal(f->C_DecryptFinal(s, in, &m), CKR_ENCRYPTED_DATA_INVALID);

	/* multi-part: a short buffer consumes nothing; what is left over at the end */
	assert_int_equal(f->C_EncryptInit(s, &cbc, key), CKR_OK);
	n = 8;
	assert_int_equal(f->C_EncryptUpdate(s, in, 20, out, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 16);
	n = sizeof(out);
	assert_int_equal(f->C_EncryptUpdate(s, in, 20, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	n = sizeof(out);
	assert_int_equal(f->C_EncryptUpdate(s, in, 12, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	n = sizeof(out);
	assert_int_equal(f->C_EncryptUpdate(s, in, 1, out, &n), CKR_OK);
	assert_int_equal(n, 0);
	n = sizeof(out);
	assert_int_equal(f->C_EncryptFinal(s, out, &n), CKR_DATA_LEN_RANGE);

	/* parameters and key types */
	CK_OBJECT_HANDLE gkey;
	assert_int_equal(import_key(fx, s, CKK_GENERIC_SECRET, known_key, 16, CK_TRUE, &gkey),
	                 CKR_OK);
	assert_int_equal(f->C_EncryptInit(s, &bad_iv, key), CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(f->C_SignInit(s, &hmac, key), CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(f->C_EncryptInit(s, &ecb, gkey), CKR_KEY_TYPE_INCONSISTENT);
	CK_ULONG big = 33;
	CK_MECHANISM general = {CKM_SHA256_HMAC_GENERAL, &big, sizeof(big)};
	assert_int_equal(f->C_SignInit(s, &general, mkey), CKR_MECHANISM_PARAM_INVALID);
	n = 8;
	assert_int_equal(f->C_SignInit(s, &hmac, mkey), CKR_OK);
	assert_int_equal(f->C_Sign(s, in, 3, out, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 32);
	assert_int_equal(f->C_Sign(s, in, 3, out, &n), CKR_OK);

	/* values the TPM does not take */
	CK_OBJECT_HANDLE h;
	assert_int_equal(import_key(fx, s, CKK_AES, known_key, 20, CK_TRUE, &h),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import_key(fx, s, CKK_DES3, known_key, 24, CK_TRUE, &h),
	                 CKR_TEMPLATE_INCONSISTENT);
	static CK_BYTE too_long[513];
	assert_int_equal(
	    import_key(fx, s, CKK_SHA256_HMAC, too_long, sizeof(too_long), CK_TRUE, &h),
	    CKR_ATTRIBUTE_VALUE_INVALID);
	f->C_CloseSession(s);
}

/* Whether the bytes occur in a file under dir (recursively). */
static bool found_under(const char *dir, const CK_BYTE *needle, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	assert_non_null(d);
	while (!found && (e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			found = found_under(path, needle, n);
			continue;
		}
		if (!S_ISREG(st.st_mode) || st.st_size < (off_t)n)
			continue;
		CK_BYTE *buf = malloc((size_t)st.st_size);
		int fd = open(path, O_RDONLY);
		assert_non_null(buf);
		if (fd >= 0 && read(fd, buf, (size_t)st.st_size) == st.st_size)
			for (off_t i = 0; !found && i + (off_t)n <= st.st_size; i++)
				found = memcmp(buf + i, needle, n) == 0;
		if (fd >= 0)
			close(fd);
		free(buf);
	}
	closedir(d);
	return found;
}

/*
 * A public token key given in clear (stored unencrypted) leaves no trace of
 * its value in the token's files, and works after the library restarts.
 */
static void test_value_not_stored(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_OBJECT_HANDLE key, found;
	CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
	CK_BYTE in[16] = "sixteen byte msg", ref[16], out[16];
	char data[128];
	CK_ULONG n = 0;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_LABEL, "imported", 8}};

	assert_int_equal(import_key(fx, s, CKK_AES, known_key, 32, CK_FALSE, &key), CKR_OK);
	snprintf(data, sizeof(data), "%s/data", fx->h.dir);
	assert_true(found_under(data, (const CK_BYTE *)"imported", 8));
	assert_false(found_under(data, known_key, 32));
	assert_false(found_under(data, known_key + 8, 16));

	fx->f->C_Finalize(NULL);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(TPM_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsInit(s, t, 2), CKR_OK);
	assert_int_equal(fx->f->C_FindObjects(s, &found, 1, &n), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(n, 1);
	ossl_encrypt(CKM_AES_ECB, 32, in, 16, ref);
	assert_int_equal(crypt1(fx, s, true, &ecb, found, in, 16, out), 16);
	assert_memory_equal(out, ref, 16);
	fx->f->C_CloseSession(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_mechanisms, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_generate_aes, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_known_aes, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_generate_hmac, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_known_hmac, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_lengths, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_value_not_stored, tpmfix_setup, tpmfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
