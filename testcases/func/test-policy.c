/*
 * Functional tests of the attribute policy through the real library and a
 * real slotd, one test per attack a group member tried:
 * - setting CKA_TRUSTED as a normal user, so that a key marked
 *   CKA_WRAP_WITH_TRUSTED could be wrapped out under a key of known value;
 * - copying a sensitive, non-extractable private key with CKA_PRIVATE
 *   false, which stored it in clear and let an unauthenticated session use it;
 * - using a key for C_WrapKey, C_UnwrapKey or C_DeriveKey with a mechanism
 *   its CKA_ALLOWED_MECHANISMS leaves out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "openslot/pkcs11.h"
#include "harness.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
};

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
static CK_KEY_TYPE aes_type = CKK_AES;
static CK_ULONG len16 = 16;
static const CK_BYTE known[16] = {0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08,
                                  0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00};
static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_INTERFACE *iface;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

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
	memcpy(label, "policy", 6);
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
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

/* A read/write session logged in as user (CKU_USER or CKU_SO). */
static CK_SESSION_HANDLE login(struct fixture *fx, CK_USER_TYPE user)
{
	const char *pin = user == CKU_SO ? SO_PIN : USER_PIN;
	CK_SESSION_HANDLE s;

	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, user, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
	return s;
}

/* An AES token key of the known value, public, usable to wrap; trusted or not. */
static CK_RV create_known(struct fixture *fx, CK_SESSION_HANDLE s, CK_BBOOL trusted,
                          CK_OBJECT_HANDLE *out)
{
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &secret_class, sizeof(secret_class)},
	                    {CKA_KEY_TYPE, &aes_type, sizeof(aes_type)},
	                    {CKA_VALUE, (void *)known, sizeof(known)},
	                    {CKA_TOKEN, &yes, 1},
	                    {CKA_PRIVATE, &no, 1},
	                    {CKA_WRAP, &yes, 1},
	                    {CKA_TRUSTED, &trusted, 1}};

	return fx->f->C_CreateObject(s, t, sizeof(t) / sizeof(t[0]), out);
}

/* A token AES key made by the token: sensitive, wrappable only with a trusted key. */
static CK_OBJECT_HANDLE generate_guarded(struct fixture *fx, CK_SESSION_HANDLE s)
{
	CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
	CK_ATTRIBUTE t[] = {{CKA_VALUE_LEN, &len16, sizeof(len16)},
	                    {CKA_TOKEN, &yes, 1},
	                    {CKA_SENSITIVE, &yes, 1},
	                    {CKA_EXTRACTABLE, &yes, 1},
	                    {CKA_WRAP_WITH_TRUSTED, &yes, 1},
	                    {CKA_LABEL, "guarded", 7}};
	CK_OBJECT_HANDLE h;

	assert_int_equal(fx->f->C_GenerateKey(s, &gen, t, sizeof(t) / sizeof(t[0]), &h), CKR_OK);
	return h;
}

static CK_RV wrap(struct fixture *fx, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech,
                  CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM m = {mech, NULL, 0};
	CK_BYTE out[64];
	CK_ULONG len = sizeof(out);

	return fx->f->C_WrapKey(s, &m, wrapping, key, out, &len);
}

/* The objects labelled label visible to s: how many, and the first in *first. */
static CK_ULONG find_label(struct fixture *fx, CK_SESSION_HANDLE s, const char *label,
                           CK_OBJECT_HANDLE *first)
{
	CK_ATTRIBUTE t[] = {{CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE found[8];
	CK_ULONG n = 0;

	assert_int_equal(fx->f->C_FindObjectsInit(s, t, 1), CKR_OK);
	assert_int_equal(fx->f->C_FindObjects(s, found, 8, &n), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	if (n && first)
		*first = found[0];
	return n;
}

static void test_trusted_only_from_so(void **state)
{
	struct fixture *fx = *state;
	CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
	CK_ATTRIBUTE trust = {CKA_TRUSTED, &yes, 1};
	CK_ATTRIBUTE gt[] = {{CKA_VALUE_LEN, &len16, sizeof(len16)}, trust};
	CK_OBJECT_HANDLE mine, guarded, copy, made, trusted;
	CK_SESSION_HANDLE s = login(fx, CKU_USER);

	/* The user tries every way to a trusted key of a value it knows. */
	assert_int_equal(create_known(fx, s, CK_TRUE, &made), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(fx->f->C_GenerateKey(s, &gen, gt, 2, &made), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(create_known(fx, s, CK_FALSE, &mine), CKR_OK);
	assert_int_equal(fx->f->C_SetAttributeValue(s, mine, &trust, 1), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(fx->f->C_CopyObject(s, mine, &trust, 1, &copy), CKR_ATTRIBUTE_READ_ONLY);
	guarded = generate_guarded(fx, s);
	assert_int_equal(wrap(fx, s, CKM_AES_KEY_WRAP, mine, guarded), CKR_KEY_NOT_WRAPPABLE);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);

	/* The security officer may trust a key; the user then wraps with it. */
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(create_known(fx, s, CK_TRUE, &trusted), CKR_OK);
	assert_int_equal(fx->f->C_SetAttributeValue(s, mine, &trust, 1), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(find_label(fx, s, "guarded", &guarded), 1); /* private: found anew */
	assert_int_equal(wrap(fx, s, CKM_AES_KEY_WRAP, trusted, guarded), CKR_OK);
	assert_int_equal(wrap(fx, s, CKM_AES_KEY_WRAP, mine, guarded), CKR_OK);
}

static void test_protected_key_stays_private(void **state)
{
	struct fixture *fx = *state;
	CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256, sizeof(p256)}, {CKA_TOKEN, &yes, 1}};
	CK_ATTRIBUTE st[] = {{CKA_TOKEN, &yes, 1},
	                     {CKA_SENSITIVE, &yes, 1},
	                     {CKA_EXTRACTABLE, &no, 1},
	                     {CKA_LABEL, "key", 3}};
	CK_ATTRIBUTE out[] = {{CKA_PRIVATE, &no, 1}, {CKA_TOKEN, &yes, 1}, {CKA_LABEL, "out", 3}};
	CK_OBJECT_HANDLE pub, priv, copy = CK_INVALID_HANDLE;
	CK_SESSION_HANDLE s = login(fx, CKU_USER), anon;

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &gen, pt, 2, st, 4, &pub, &priv), CKR_OK);
	assert_int_equal(fx->f->C_CopyObject(s, priv, out, 3, &copy), CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(fx->f->C_CopyObject(s, priv, out, 1, &copy), CKR_TEMPLATE_INCONSISTENT);
	/* A private copy is fine. */
	out[0].pValue = &yes;
	assert_int_equal(fx->f->C_CopyObject(s, priv, out, 3, &copy), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);

	/* Nothing of the key is visible without login, in this process or another. */
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &anon), CKR_OK);
	assert_int_equal(find_label(fx, anon, "out", NULL), 0);
	assert_int_equal(find_label(fx, anon, "key", NULL), 0);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &anon), CKR_OK);
	assert_int_equal(find_label(fx, anon, "out", NULL), 0);
}

/* An AES wrapping key of the user, limited to mechs when n > 0. */
static CK_OBJECT_HANDLE make_kek(struct fixture *fx, CK_SESSION_HANDLE s,
                                 const CK_MECHANISM_TYPE *mechs, CK_ULONG n)
{
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &secret_class, sizeof(secret_class)},
	                    {CKA_KEY_TYPE, &aes_type, sizeof(aes_type)},
	                    {CKA_VALUE, (void *)known, sizeof(known)},
	                    {CKA_WRAP, &yes, 1},
	                    {CKA_UNWRAP, &yes, 1},
	                    {CKA_ALLOWED_MECHANISMS, (void *)mechs, n * sizeof(*mechs)}};
	CK_OBJECT_HANDLE h;

	assert_int_equal(fx->f->C_CreateObject(s, t, n ? 6 : 5, &h), CKR_OK);
	return h;
}

static CK_RV unwrap(struct fixture *fx, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech,
                    CK_OBJECT_HANDLE kek)
{
	CK_MECHANISM m = {mech, NULL, 0};
	CK_BYTE wrapped[16] = {0x5a};
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &secret_class, sizeof(secret_class)},
	                    {CKA_KEY_TYPE, &aes_type, sizeof(aes_type)}};
	CK_OBJECT_HANDLE h;

	return fx->f->C_UnwrapKey(s, &m, kek, wrapped, sizeof(wrapped), t, 2, &h);
}

/* C_DeriveKey with ECDH of base and its own public point. */
static CK_RV derive(struct fixture *fx, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech,
                    CK_OBJECT_HANDLE base, CK_OBJECT_HANDLE pub)
{
	CK_BYTE point[128];
	CK_ATTRIBUTE get = {CKA_EC_POINT, point, sizeof(point)};
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE t[] = {{CKA_KEY_TYPE, &generic, sizeof(generic)},
	                    {CKA_VALUE_LEN, &len16, sizeof(len16)}};
	CK_OBJECT_HANDLE h;

	assert_int_equal(fx->f->C_GetAttributeValue(s, pub, &get, 1), CKR_OK);
	/* the point without its DER OCTET STRING header (one length byte for P-256) */
	CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, get.ulValueLen - 2, point + 2};
	CK_MECHANISM m = {mech, &p, sizeof(p)};
	return fx->f->C_DeriveKey(s, &m, base, t, 2, &h);
}

/* An EC key pair for derivation, its private key limited to mechs when n > 0. */
static void make_ec(struct fixture *fx, CK_SESSION_HANDLE s, const CK_MECHANISM_TYPE *mechs,
                    CK_ULONG n, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256, sizeof(p256)}};
	CK_ATTRIBUTE st[] = {{CKA_DERIVE, &yes, 1},
	                     {CKA_ALLOWED_MECHANISMS, (void *)mechs, n * sizeof(*mechs)}};

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &gen, pt, 1, st, n ? 2 : 1, pub, priv),
	                 CKR_OK);
}

static void test_allowed_mechanisms(void **state)
{
	static const CK_MECHANISM_TYPE only_kwp[] = {CKM_AES_KEY_WRAP_KWP};
	static const CK_MECHANISM_TYPE only_cofactor[] = {CKM_ECDH1_COFACTOR_DERIVE};
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s = login(fx, CKU_USER);
	CK_OBJECT_HANDLE open_kek = make_kek(fx, s, NULL, 0);
	CK_OBJECT_HANDLE kek = make_kek(fx, s, only_kwp, 1);
	CK_OBJECT_HANDLE target = make_kek(fx, s, NULL, 0); /* extractable, not sensitive */
	CK_OBJECT_HANDLE pub, priv, open_pub, open_priv;

	/* The same calls work with an unrestricted key, and with the listed mechanism. */
	assert_int_equal(wrap(fx, s, CKM_AES_ECB, open_kek, target), CKR_OK);
	assert_int_equal(unwrap(fx, s, CKM_AES_ECB, open_kek), CKR_OK);
	assert_int_equal(wrap(fx, s, CKM_AES_KEY_WRAP_KWP, kek, target), CKR_OK);
	assert_int_equal(wrap(fx, s, CKM_AES_ECB, kek, target), CKR_MECHANISM_INVALID);
	assert_int_equal(unwrap(fx, s, CKM_AES_ECB, kek), CKR_MECHANISM_INVALID);

	make_ec(fx, s, NULL, 0, &open_pub, &open_priv);
	make_ec(fx, s, only_cofactor, 1, &pub, &priv);
	assert_int_equal(derive(fx, s, CKM_ECDH1_DERIVE, open_priv, open_pub), CKR_OK);
	assert_int_equal(derive(fx, s, CKM_ECDH1_COFACTOR_DERIVE, priv, pub), CKR_OK);
	assert_int_equal(derive(fx, s, CKM_ECDH1_DERIVE, priv, pub), CKR_MECHANISM_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_trusted_only_from_so, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_protected_key_stays_private, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_allowed_mechanisms, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
