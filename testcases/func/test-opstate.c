/*
 * Functional tests of C_GetOperationState and C_SetOperationState through
 * the real library and slotd: every multi-part digest, MAC and
 * hash-then-sign mechanism the soft token lists is saved half-way,
 * restored in another session (and in a forked child with its own
 * C_Initialize) and finished, against the one-shot result; tampered states
 * and wrong, missing or surplus keys are refused with the codes PKCS#11
 * gives; a state never holds the bytes of its key; the operations that
 * cannot be saved say so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openslot/pkcs11.h"
#include "harness.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"

/* What a mechanism needs, for the mechanisms whose operations can be saved. */
enum use { USE_DIGEST, USE_HMAC, USE_AES, USE_DES3, USE_RSA, USE_EC };

struct mech_case {
	CK_MECHANISM_TYPE type;
	enum use use;
	CK_ULONG param_len; /* CK_MAC_GENERAL_PARAMS (ulong) or PSS params */
	CK_RSA_PKCS_PSS_PARAMS pss;
	bool randomised; /* signatures differ each time: checked by verification */
};

#define PSS(m, h, g, l)                                                     \
	{                                                                   \
		m, USE_RSA, sizeof(CK_RSA_PKCS_PSS_PARAMS), {h, g, l}, true \
	}
#define GEN(m, u)                                        \
	{                                                \
		m, u, sizeof(CK_ULONG), {0, 0, 0}, false \
	}

static const struct mech_case cases[] = {
    {.type = CKM_SHA_1, .use = USE_DIGEST},
    {.type = CKM_SHA224, .use = USE_DIGEST},
    {.type = CKM_SHA256, .use = USE_DIGEST},
    {.type = CKM_SHA384, .use = USE_DIGEST},
    {.type = CKM_SHA512, .use = USE_DIGEST},
    {.type = CKM_SHA3_224, .use = USE_DIGEST},
    {.type = CKM_SHA3_256, .use = USE_DIGEST},
    {.type = CKM_SHA3_384, .use = USE_DIGEST},
    {.type = CKM_SHA3_512, .use = USE_DIGEST},
    {.type = CKM_SHA_1_HMAC, .use = USE_HMAC},
    {.type = CKM_SHA224_HMAC, .use = USE_HMAC},
    {.type = CKM_SHA256_HMAC, .use = USE_HMAC},
    {.type = CKM_SHA384_HMAC, .use = USE_HMAC},
    {.type = CKM_SHA512_HMAC, .use = USE_HMAC},
    {.type = CKM_SHA3_224_HMAC, .use = USE_HMAC},
    {.type = CKM_SHA3_256_HMAC, .use = USE_HMAC},
    {.type = CKM_SHA3_384_HMAC, .use = USE_HMAC},
    {.type = CKM_SHA3_512_HMAC, .use = USE_HMAC},
    GEN(CKM_SHA_1_HMAC_GENERAL, USE_HMAC),
    GEN(CKM_SHA224_HMAC_GENERAL, USE_HMAC),
    GEN(CKM_SHA256_HMAC_GENERAL, USE_HMAC),
    GEN(CKM_SHA384_HMAC_GENERAL, USE_HMAC),
    GEN(CKM_SHA512_HMAC_GENERAL, USE_HMAC),
    GEN(CKM_SHA3_224_HMAC_GENERAL, USE_HMAC),
    GEN(CKM_SHA3_256_HMAC_GENERAL, USE_HMAC),
    GEN(CKM_SHA3_384_HMAC_GENERAL, USE_HMAC),
    GEN(CKM_SHA3_512_HMAC_GENERAL, USE_HMAC),
    {.type = CKM_AES_CMAC, .use = USE_AES},
    GEN(CKM_AES_CMAC_GENERAL, USE_AES),
    {.type = CKM_DES3_CMAC, .use = USE_DES3},
    GEN(CKM_DES3_CMAC_GENERAL, USE_DES3),
    {.type = CKM_DES3_MAC, .use = USE_DES3},
    GEN(CKM_DES3_MAC_GENERAL, USE_DES3),
    {.type = CKM_SHA1_RSA_PKCS, .use = USE_RSA},
    {.type = CKM_SHA224_RSA_PKCS, .use = USE_RSA},
    {.type = CKM_SHA256_RSA_PKCS, .use = USE_RSA},
    {.type = CKM_SHA384_RSA_PKCS, .use = USE_RSA},
    {.type = CKM_SHA512_RSA_PKCS, .use = USE_RSA},
    {.type = CKM_SHA3_224_RSA_PKCS, .use = USE_RSA},
    {.type = CKM_SHA3_256_RSA_PKCS, .use = USE_RSA},
    {.type = CKM_SHA3_384_RSA_PKCS, .use = USE_RSA},
    {.type = CKM_SHA3_512_RSA_PKCS, .use = USE_RSA},
    PSS(CKM_SHA1_RSA_PKCS_PSS, CKM_SHA_1, CKG_MGF1_SHA1, 20),
    PSS(CKM_SHA224_RSA_PKCS_PSS, CKM_SHA224, CKG_MGF1_SHA224, 28),
    PSS(CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32),
    PSS(CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA384, 48),
    PSS(CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA512, 64),
    PSS(CKM_SHA3_224_RSA_PKCS_PSS, CKM_SHA3_224, CKG_MGF1_SHA3_224, 28),
    PSS(CKM_SHA3_256_RSA_PKCS_PSS, CKM_SHA3_256, CKG_MGF1_SHA3_256, 32),
    PSS(CKM_SHA3_384_RSA_PKCS_PSS, CKM_SHA3_384, CKG_MGF1_SHA3_384, 48),
    PSS(CKM_SHA3_512_RSA_PKCS_PSS, CKM_SHA3_512, CKG_MGF1_SHA3_512, 64),
    {.type = CKM_ECDSA_SHA1, .use = USE_EC, .randomised = true},
    {.type = CKM_ECDSA_SHA224, .use = USE_EC, .randomised = true},
    {.type = CKM_ECDSA_SHA256, .use = USE_EC, .randomised = true},
    {.type = CKM_ECDSA_SHA384, .use = USE_EC, .randomised = true},
    {.type = CKM_ECDSA_SHA512, .use = USE_EC, .randomised = true},
    {.type = CKM_ECDSA_SHA3_224, .use = USE_EC, .randomised = true},
    {.type = CKM_ECDSA_SHA3_256, .use = USE_EC, .randomised = true},
    {.type = CKM_ECDSA_SHA3_384, .use = USE_EC, .randomised = true},
    {.type = CKM_ECDSA_SHA3_512, .use = USE_EC, .randomised = true},
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Key values the test knows, to look for them in saved states. */
static const CK_BYTE hmac_value[32] = "HMAC-key-value-0123456789abcdef";
static const CK_BYTE other_value[32] = "another-HMAC-key-value-987654321";
static const CK_BYTE aes_value[32] = "AES-256-key-value-0123456789abcd";
/* Three different single-DES keys with odd parity. */
static const CK_BYTE des3_value[24] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                       0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
                                       0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67};

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE hmac, other, aes, des3, rsa_priv, rsa_pub, ec_priv, ec_pub;
	CK_BYTE rsa_d[1024];
	CK_ULONG rsa_d_len;
	CK_BYTE ec_d[128];
	CK_ULONG ec_d_len;
};

static const CK_BYTE message[] = "The saved state of an operation carries on where it stopped, "
                                 "in another session or in another process, to the same end.";
#define SPLIT 37

static CK_SESSION_HANDLE open_session(struct fixture *fx)
{
	CK_SESSION_HANDLE s;

	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	return s;
}

/* A public token secret key with a known, extractable value. */
static CK_OBJECT_HANDLE make_secret(struct fixture *fx, CK_KEY_TYPE type, const char *label,
                                    const CK_BYTE *value, CK_ULONG len)
{
	CK_OBJECT_CLASS klass = CKO_SECRET_KEY;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &klass, sizeof(klass)},
	    {CKA_KEY_TYPE, &type, sizeof(type)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &no, 1},
	    {CKA_SENSITIVE, &no, 1},
	    {CKA_EXTRACTABLE, &yes, 1},
	    {CKA_SIGN, &yes, 1},
	    {CKA_VERIFY, &yes, 1},
	    {CKA_ENCRYPT, &yes, 1},
	    {CKA_LABEL, (void *)label, strlen(label)},
	    {CKA_VALUE, (void *)value, len},
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

	assert_int_equal(fx->f->C_CreateObject(fx->s, tmpl, 11, &h), CKR_OK);
	return h;
}

static void make_pair(struct fixture *fx, CK_MECHANISM_TYPE gen, CK_ATTRIBUTE *extra,
                      CK_ULONG n_extra, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = {gen, NULL, 0};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE pt[3] = {{CKA_VERIFY, &yes, 1}, {CKA_TOKEN, &no, 1}};
	CK_ATTRIBUTE st[] = {{CKA_SIGN, &yes, 1},
	                     {CKA_TOKEN, &no, 1},
	                     {CKA_SENSITIVE, &no, 1},
	                     {CKA_EXTRACTABLE, &yes, 1}};

	assert_true(n_extra <= 1);
	if (n_extra)
		pt[2] = extra[0];
	assert_int_equal(fx->f->C_GenerateKeyPair(fx->s, &mech, pt, 2 + n_extra, st, 4, pub, priv),
	                 CKR_OK);
}

static void get_value(struct fixture *fx, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, CK_BYTE *out,
                      CK_ULONG *len)
{
	CK_ATTRIBUTE a = {type, out, *len};

	assert_int_equal(fx->f->C_GetAttributeValue(fx->s, h, &a, 1), CKR_OK);
	*len = a.ulValueLen;
}

static void make_keys(struct fixture *fx, bool des3)
{
	CK_ULONG bits = 2048;
	CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_ATTRIBUTE rsa_extra = {CKA_MODULUS_BITS, &bits, sizeof(bits)};
	CK_ATTRIBUTE ec_extra = {CKA_EC_PARAMS, p256, sizeof(p256)};

	fx->hmac = make_secret(fx, CKK_GENERIC_SECRET, "hmac", hmac_value, sizeof(hmac_value));
	fx->other = make_secret(fx, CKK_GENERIC_SECRET, "other", other_value, sizeof(other_value));
	fx->aes = make_secret(fx, CKK_AES, "aes", aes_value, sizeof(aes_value));
	if (des3)
		fx->des3 = make_secret(fx, CKK_DES3, "des3", des3_value, sizeof(des3_value));
	make_pair(fx, CKM_RSA_PKCS_KEY_PAIR_GEN, &rsa_extra, 1, &fx->rsa_pub, &fx->rsa_priv);
	make_pair(fx, CKM_EC_KEY_PAIR_GEN, &ec_extra, 1, &fx->ec_pub, &fx->ec_priv);
	fx->rsa_d_len = sizeof(fx->rsa_d);
	get_value(fx, fx->rsa_priv, CKA_PRIVATE_EXPONENT, fx->rsa_d, &fx->rsa_d_len);
	fx->ec_d_len = sizeof(fx->ec_d);
	get_value(fx, fx->ec_priv, CKA_VALUE, fx->ec_d, &fx->ec_d_len);
}

/* Whether the token lists a mechanism. */
static bool listed(struct fixture *fx, CK_MECHANISM_TYPE type)
{
	CK_MECHANISM_INFO info;

	return fx->f->C_GetMechanismInfo(0, type, &info) == CKR_OK;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_UTF8CHAR label[32];
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, HARNESS_SLOTS_FOUR), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	fx->s = open_session(fx);
	assert_int_equal(fx->f->C_Login(fx->s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(fx->s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(fx->s), CKR_OK);
	assert_int_equal(fx->f->C_Login(fx->s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	make_keys(fx, listed(fx, CKM_DES3_CMAC) || listed(fx, CKM_DES3_MAC));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	fx->f->C_Finalize(NULL);
	dlclose(fx->dl);
	harness_cleanup(&fx->h);
	free(fx);
	return 0;
}

/* The key an operation of a case uses for kind (sign: CKA_SIGN side). */
static CK_OBJECT_HANDLE case_key(const struct fixture *fx, const struct mech_case *c, bool sign)
{
	switch (c->use) {
	case USE_DIGEST:
		return CK_INVALID_HANDLE;
	case USE_HMAC:
		return fx->hmac;
	case USE_AES:
		return fx->aes;
	case USE_DES3:
		return fx->des3;
	case USE_RSA:
		return sign ? fx->rsa_priv : fx->rsa_pub;
	case USE_EC:
		return sign ? fx->ec_priv : fx->ec_pub;
	}
	return CK_INVALID_HANDLE;
}

/* The value a state of the case must not contain. */
static void case_secret(const struct fixture *fx, const struct mech_case *c, const CK_BYTE **v,
                        CK_ULONG *len)
{
	*v = NULL;
	*len = 0;
	if (c->use == USE_HMAC)
		*v = hmac_value, *len = sizeof(hmac_value);
	else if (c->use == USE_AES)
		*v = aes_value, *len = sizeof(aes_value);
	else if (c->use == USE_DES3)
		*v = des3_value, *len = sizeof(des3_value);
	else if (c->use == USE_RSA)
		*v = fx->rsa_d, *len = fx->rsa_d_len;
	else if (c->use == USE_EC)
		*v = fx->ec_d, *len = fx->ec_d_len;
}

/* Whether any 8 consecutive bytes of key occur in blob. */
static bool holds_key(const CK_BYTE *blob, CK_ULONG n, const CK_BYTE *key, CK_ULONG keylen)
{
	for (CK_ULONG k = 0; k + 8 <= keylen; k++)
		for (CK_ULONG i = 0; i + 8 <= n; i++)
			if (memcmp(blob + i, key + k, 8) == 0)
				return true;
	return false;
}

static void case_mech(const struct mech_case *c, CK_MECHANISM *m, CK_ULONG *general,
                      CK_RSA_PKCS_PSS_PARAMS *pss)
{
	m->mechanism = c->type;
	m->pParameter = NULL;
	m->ulParameterLen = 0;
	if (c->param_len == sizeof(CK_ULONG)) {
		*general = 7;
		m->pParameter = general;
		m->ulParameterLen = sizeof(*general);
	} else if (c->param_len) {
		*pss = c->pss;
		m->pParameter = pss;
		m->ulParameterLen = sizeof(*pss);
	}
}

static CK_RV op_init(struct fixture *fx, CK_SESSION_HANDLE s, const struct mech_case *c, bool sign)
{
	CK_MECHANISM m;
	CK_ULONG general;
	CK_RSA_PKCS_PSS_PARAMS pss;

	case_mech(c, &m, &general, &pss);
	if (c->use == USE_DIGEST)
		return fx->f->C_DigestInit(s, &m);
	if (sign)
		return fx->f->C_SignInit(s, &m, case_key(fx, c, true));
	return fx->f->C_VerifyInit(s, &m, case_key(fx, c, false));
}

static CK_RV op_update(struct fixture *fx, CK_SESSION_HANDLE s, const struct mech_case *c,
                       bool sign, const CK_BYTE *in, CK_ULONG len)
{
	if (c->use == USE_DIGEST)
		return fx->f->C_DigestUpdate(s, (CK_BYTE_PTR)in, len);
	if (sign)
		return fx->f->C_SignUpdate(s, (CK_BYTE_PTR)in, len);
	return fx->f->C_VerifyUpdate(s, (CK_BYTE_PTR)in, len);
}

/* Saves the session's state into a fresh buffer (size query first). */
static CK_BYTE *save(struct fixture *fx, CK_SESSION_HANDLE s, CK_ULONG *len)
{
	CK_BYTE *blob;
	CK_ULONG small;

	assert_int_equal(fx->f->C_GetOperationState(s, NULL, len), CKR_OK);
	blob = malloc(*len);
	assert_non_null(blob);
	small = *len - 1;
	assert_int_equal(fx->f->C_GetOperationState(s, blob, &small), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(small, *len);
	assert_int_equal(fx->f->C_GetOperationState(s, blob, len), CKR_OK);
	return blob;
}

/* The one-shot result of a case (digest or signature). */
static void one_shot(struct fixture *fx, const struct mech_case *c, CK_BYTE *out, CK_ULONG *len)
{
	CK_SESSION_HANDLE s = open_session(fx);

	assert_int_equal(op_init(fx, s, c, true), CKR_OK);
	if (c->use == USE_DIGEST)
		assert_int_equal(
		    fx->f->C_Digest(s, (CK_BYTE_PTR)message, sizeof(message), out, len), CKR_OK);
	else
		assert_int_equal(fx->f->C_Sign(s, (CK_BYTE_PTR)message, sizeof(message), out, len),
		                 CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

/* Starts an operation of the case, feeds the first part and saves it. */
static CK_BYTE *start_and_save(struct fixture *fx, const struct mech_case *c, bool sign,
                               CK_ULONG *len)
{
	CK_SESSION_HANDLE s = open_session(fx);
	CK_BYTE *blob;

	assert_int_equal(op_init(fx, s, c, sign), CKR_OK);
	assert_int_equal(op_update(fx, s, c, sign, message, SPLIT), CKR_OK);
	blob = save(fx, s, len);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
	return blob;
}

/* Restores blob in a new session and finishes: the digest or signature in out. */
static CK_RV restore_and_finish(struct fixture *fx, const struct mech_case *c, bool sign,
                                const CK_BYTE *blob, CK_ULONG len, CK_BYTE *out, CK_ULONG *outlen)
{
	CK_SESSION_HANDLE s = open_session(fx);
	CK_OBJECT_HANDLE key = case_key(fx, c, sign);
	CK_RV rv = fx->f->C_SetOperationState(s, (CK_BYTE_PTR)blob, len, 0, key);

	if (rv == CKR_OK)
		rv = op_update(fx, s, c, sign, message + SPLIT, sizeof(message) - SPLIT);
	if (rv == CKR_OK && c->use == USE_DIGEST)
		rv = fx->f->C_DigestFinal(s, out, outlen);
	else if (rv == CKR_OK && sign)
		rv = fx->f->C_SignFinal(s, out, outlen);
	else if (rv == CKR_OK)
		rv = fx->f->C_VerifyFinal(s, out, *outlen);
	fx->f->C_CloseSession(s);
	return rv;
}

static void check_case(struct fixture *fx, const struct mech_case *c)
{
	CK_BYTE want[512], got[512];
	CK_ULONG want_len = sizeof(want), got_len = sizeof(got), len;
	const CK_BYTE *secret;
	CK_ULONG secret_len;
	CK_BYTE *blob;

	one_shot(fx, c, want, &want_len);
	blob = start_and_save(fx, c, true, &len);
	case_secret(fx, c, &secret, &secret_len);
	assert_false(secret && holds_key(blob, len, secret, secret_len));
	assert_int_equal(restore_and_finish(fx, c, true, blob, len, got, &got_len), CKR_OK);
	free(blob);
	if (c->randomised) {
		/* Verify the restored signature in a verification restored too. */
		blob = start_and_save(fx, c, false, &len);
		assert_int_equal(restore_and_finish(fx, c, false, blob, len, got, &got_len),
		                 CKR_OK);
		got[0] ^= 1;
		assert_int_equal(restore_and_finish(fx, c, false, blob, len, got, &got_len),
		                 CKR_SIGNATURE_INVALID);
		free(blob);
		return;
	}
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
	if (c->use != USE_DIGEST) {
		blob = start_and_save(fx, c, false, &len);
		assert_int_equal(restore_and_finish(fx, c, false, blob, len, want, &want_len),
		                 CKR_OK);
		free(blob);
	}
}

static void test_every_mechanism(void **state)
{
	struct fixture *fx = *state;
	unsigned tested = 0;

	for (size_t i = 0; i < N_CASES; i++) {
		if (!listed(fx, cases[i].type))
			continue;
		check_case(fx, &cases[i]);
		tested++;
	}
	/* SHA-1, SHA-2 and SHA-3 digests, their HMACs, AES-CMAC, RSA and ECDSA at least. */
	assert_true(tested >= 9 + 18 + 2 + 18 + 9);
}

/* In a forked child with its own C_Initialize: restores, finishes, compares. */
static int child_restore(struct fixture *fx, const struct mech_case *c, const CK_BYTE *blob,
                         CK_ULONG len, const CK_BYTE *want, CK_ULONG want_len)
{
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	CK_ATTRIBUTE find = {CKA_LABEL, "hmac", 4};
	CK_BYTE got[128];
	CK_ULONG got_len = sizeof(got), n = 0;
	CK_SESSION_HANDLE s;
	CK_RV rv;

	if (fx->f->C_Initialize(NULL) != CKR_OK)
		return 10;
	if (fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		return 11;
	if (c->use == USE_HMAC && (fx->f->C_FindObjectsInit(s, &find, 1) != CKR_OK ||
	                           fx->f->C_FindObjects(s, &key, 1, &n) != CKR_OK || n != 1 ||
	                           fx->f->C_FindObjectsFinal(s) != CKR_OK))
		return 12;
	rv = fx->f->C_SetOperationState(s, (CK_BYTE_PTR)blob, len, 0, key);
	if (rv != CKR_OK)
		return 13;
	if (op_update(fx, s, c, true, message + SPLIT, sizeof(message) - SPLIT) != CKR_OK)
		return 14;
	rv = c->use == USE_DIGEST ? fx->f->C_DigestFinal(s, got, &got_len)
	                          : fx->f->C_SignFinal(s, got, &got_len);
	if (rv != CKR_OK)
		return 15;
	fx->f->C_Finalize(NULL);
	return got_len == want_len && memcmp(got, want, want_len) == 0 ? 0 : 16;
}

static void test_forked_child(void **state)
{
	struct fixture *fx = *state;
	const struct mech_case cs[] = {{.type = CKM_SHA256, .use = USE_DIGEST},
	                               {.type = CKM_SHA3_256, .use = USE_DIGEST},
	                               {.type = CKM_SHA256_HMAC, .use = USE_HMAC}};

	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		CK_BYTE want[128];
		CK_ULONG want_len = sizeof(want), len;
		CK_BYTE *blob;
		int st;

		one_shot(fx, &cs[i], want, &want_len);
		blob = start_and_save(fx, &cs[i], true, &len);
		pid_t pid = fork();
		if (pid == 0) {
			harness_child_signals();
			_exit(child_restore(fx, &cs[i], blob, len, want, want_len));
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
		free(blob);
	}
}

/*
 * In a forked child: the library loaded afresh, as another process would
 * load it, has secrets of its own and refuses the state.
 */
static int child_fresh_library(struct fixture *fx, const CK_BYTE *blob, CK_ULONG len)
{
	CK_SESSION_HANDLE s;
	CK_INTERFACE *iface;
	void *dl;

	dlclose(fx->dl);
	dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	if (dl)
		return 20; /* still loaded: the test would prove nothing */
	dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	CK_C_GetInterface get = dl ? (CK_C_GetInterface)dlsym(dl, "C_GetInterface") : NULL;
	if (!get || get(NULL, NULL, &iface, 0) != CKR_OK)
		return 21;
	fx->f = iface->pFunctionList;
	if (fx->f->C_Initialize(NULL) != CKR_OK ||
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		return 22;
	if (fx->f->C_SetOperationState(s, (CK_BYTE_PTR)blob, len, 0, 0) != CKR_SAVED_STATE_INVALID)
		return 23;
	fx->f->C_Finalize(NULL);
	return 0;
}

static void test_other_process(void **state)
{
	struct fixture *fx = *state;
	const struct mech_case c = {.type = CKM_SHA256, .use = USE_DIGEST};
	CK_ULONG len;
	CK_BYTE *blob = start_and_save(fx, &c, true, &len);
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		harness_child_signals();
		_exit(child_fresh_library(fx, blob, len));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	free(blob);
}

static void test_tampered(void **state)
{
	struct fixture *fx = *state;
	const struct mech_case c = {.type = CKM_SHA256_HMAC, .use = USE_HMAC};
	CK_SESSION_HANDLE s = open_session(fx);
	CK_BYTE *blob, *longer;
	CK_ULONG len;

	blob = start_and_save(fx, &c, true, &len);
	for (CK_ULONG i = 0; i < len; i++) {
		blob[i] ^= 0x20;
		assert_int_equal(fx->f->C_SetOperationState(s, blob, len, 0, fx->hmac),
		                 CKR_SAVED_STATE_INVALID);
		blob[i] ^= 0x20;
	}
	assert_int_equal(fx->f->C_SetOperationState(s, blob, len - 1, 0, fx->hmac),
	                 CKR_SAVED_STATE_INVALID);
	assert_int_equal(fx->f->C_SetOperationState(s, blob, 0, 0, fx->hmac),
	                 CKR_SAVED_STATE_INVALID);
	longer = calloc(1, len + 1);
	assert_non_null(longer);
	memcpy(longer, blob, len);
	assert_int_equal(fx->f->C_SetOperationState(s, longer, len + 1, 0, fx->hmac),
	                 CKR_SAVED_STATE_INVALID);
	/* Untouched, it still restores. */
	assert_int_equal(fx->f->C_SetOperationState(s, blob, len, 0, fx->hmac), CKR_OK);
	free(longer);
	free(blob);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

static void test_keys(void **state)
{
	struct fixture *fx = *state;
	const struct mech_case hmac = {.type = CKM_SHA256_HMAC, .use = USE_HMAC};
	const struct mech_case digest = {.type = CKM_SHA256, .use = USE_DIGEST};
	CK_SESSION_HANDLE s = open_session(fx);
	CK_BYTE *mac_state, *digest_state;
	CK_ULONG mac_len, digest_len;

	mac_state = start_and_save(fx, &hmac, true, &mac_len);
	digest_state = start_and_save(fx, &digest, true, &digest_len);
	assert_int_equal(fx->f->C_SetOperationState(s, mac_state, mac_len, 0, fx->other),
	                 CKR_KEY_CHANGED);
	assert_int_equal(fx->f->C_SetOperationState(s, mac_state, mac_len, 0, fx->aes),
	                 CKR_KEY_CHANGED);
	assert_int_equal(fx->f->C_SetOperationState(s, mac_state, mac_len, 0, 0), CKR_KEY_NEEDED);
	assert_int_equal(fx->f->C_SetOperationState(s, mac_state, mac_len, fx->hmac, 0),
	                 CKR_KEY_NOT_NEEDED);
	assert_int_equal(fx->f->C_SetOperationState(s, digest_state, digest_len, 0, fx->hmac),
	                 CKR_KEY_NOT_NEEDED);
	assert_int_equal(fx->f->C_SetOperationState(s, digest_state, digest_len, fx->aes, 0),
	                 CKR_KEY_NOT_NEEDED);
	/* A refused state left no operation behind. */
	assert_int_equal(fx->f->C_SignFinal(s, NULL, &mac_len), CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(fx->f->C_SetOperationState(s, digest_state, digest_len, 0, 0), CKR_OK);
	assert_int_equal(fx->f->C_SetOperationState(s, mac_state, mac_len, 0, fx->hmac), CKR_OK);
	/* The restored state replaced the session's operations: no digest any more. */
	assert_int_equal(fx->f->C_DigestFinal(s, NULL, &digest_len), CKR_OPERATION_NOT_INITIALIZED);
	free(mac_state);
	free(digest_state);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

static void test_unsaveable(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s = open_session(fx);
	CK_BYTE iv[16] = {0}, big[4096] = {0}, buf[64];
	CK_MECHANISM cbc = {CKM_AES_CBC, iv, sizeof(iv)};
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
	CK_MECHANISM raw = {CKM_RSA_PKCS, NULL, 0};
	CK_ULONG len;

	assert_int_equal(fx->f->C_GetOperationState(s, NULL, &len), CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(fx->f->C_GetOperationState(s, NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->f->C_EncryptInit(s, &cbc, fx->aes), CKR_OK);
	assert_int_equal(fx->f->C_GetOperationState(s, NULL, &len), CKR_STATE_UNSAVEABLE);
	/* With a saveable digest beside it, the encryption still cannot be saved. */
	assert_int_equal(fx->f->C_DigestInit(s, &sha), CKR_OK);
	assert_int_equal(fx->f->C_GetOperationState(s, NULL, &len), CKR_STATE_UNSAVEABLE);
	len = sizeof(buf);
	assert_int_equal(fx->f->C_EncryptFinal(s, buf, &len), CKR_OK);
	assert_int_equal(fx->f->C_GetOperationState(s, NULL, &len), CKR_OK);
	/* A key's value digested never goes into a state. */
	assert_int_equal(fx->f->C_DigestKey(s, fx->aes), CKR_OK);
	assert_int_equal(fx->f->C_GetOperationState(s, NULL, &len), CKR_STATE_UNSAVEABLE);
	len = sizeof(buf);
	assert_int_equal(fx->f->C_DigestFinal(s, buf, &len), CKR_OK);
	/* Input beyond the bound: the digest goes on but is no longer saveable. */
	assert_int_equal(fx->f->C_DigestInit(s, &sha), CKR_OK);
	for (int i = 0; i < 16; i++)
		assert_int_equal(fx->f->C_DigestUpdate(s, big, sizeof(big)), CKR_OK);
	assert_int_equal(fx->f->C_GetOperationState(s, NULL, &len), CKR_OK);
	assert_int_equal(fx->f->C_DigestUpdate(s, big, 1), CKR_OK);
	assert_int_equal(fx->f->C_GetOperationState(s, NULL, &len), CKR_STATE_UNSAVEABLE);
	len = sizeof(buf);
	assert_int_equal(fx->f->C_DigestFinal(s, buf, &len), CKR_OK);
	/* A signature over data the caller hashed is single-part only. */
	assert_int_equal(fx->f->C_SignInit(s, &raw, fx->rsa_priv), CKR_OK);
	assert_int_equal(fx->f->C_GetOperationState(s, NULL, &len), CKR_STATE_UNSAVEABLE);
	assert_int_equal(fx->f->C_SetOperationState(s, NULL, 0, 0, 0), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

/* A digest and a MAC active together are saved and restored together. */
static void test_two_operations(void **state)
{
	struct fixture *fx = *state;
	const struct mech_case hmac = {.type = CKM_SHA256_HMAC, .use = USE_HMAC};
	const struct mech_case digest = {.type = CKM_SHA384, .use = USE_DIGEST};
	CK_BYTE want_mac[64], want_dig[64], got[64];
	CK_ULONG mac_len = sizeof(want_mac), dig_len = sizeof(want_dig), len, got_len;
	CK_SESSION_HANDLE s = open_session(fx), t = open_session(fx);
	CK_BYTE *blob;

	one_shot(fx, &hmac, want_mac, &mac_len);
	one_shot(fx, &digest, want_dig, &dig_len);
	assert_int_equal(op_init(fx, s, &hmac, true), CKR_OK);
	assert_int_equal(op_init(fx, s, &digest, true), CKR_OK);
	assert_int_equal(op_update(fx, s, &hmac, true, message, SPLIT), CKR_OK);
	assert_int_equal(op_update(fx, s, &digest, true, message, SPLIT), CKR_OK);
	blob = save(fx, s, &len);
	assert_int_equal(fx->f->C_SetOperationState(t, blob, len, 0, 0), CKR_KEY_NEEDED);
	assert_int_equal(fx->f->C_SetOperationState(t, blob, len, 0, fx->hmac), CKR_OK);
	assert_int_equal(op_update(fx, t, &hmac, true, message + SPLIT, sizeof(message) - SPLIT),
	                 CKR_OK);
	assert_int_equal(op_update(fx, t, &digest, true, message + SPLIT, sizeof(message) - SPLIT),
	                 CKR_OK);
	got_len = sizeof(got);
	assert_int_equal(fx->f->C_SignFinal(t, got, &got_len), CKR_OK);
	assert_int_equal(got_len, mac_len);
	assert_memory_equal(got, want_mac, mac_len);
	got_len = sizeof(got);
	assert_int_equal(fx->f->C_DigestFinal(t, got, &got_len), CKR_OK);
	assert_int_equal(got_len, dig_len);
	assert_memory_equal(got, want_dig, dig_len);
	/* The saving session's operations went on untouched. */
	got_len = sizeof(got);
	assert_int_equal(op_update(fx, s, &digest, true, message + SPLIT, sizeof(message) - SPLIT),
	                 CKR_OK);
	assert_int_equal(fx->f->C_DigestFinal(s, got, &got_len), CKR_OK);
	assert_memory_equal(got, want_dig, dig_len);
	free(blob);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(t), CKR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_mechanism),
	    cmocka_unit_test(test_forked_child),
	    cmocka_unit_test(test_other_process),
	    cmocka_unit_test(test_tampered),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_unsaveable),
	    cmocka_unit_test(test_two_operations),
	};

	return cmocka_run_group_tests_name("opstate", tests, setup, teardown);
}
