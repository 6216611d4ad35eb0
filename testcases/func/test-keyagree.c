/*
 * Functional tests of the soft token's further EC curves and of
 * Diffie-Hellman through the real library and a real slotd: key pairs on
 * secp224r1, secp256k1 and the brainpool curves with CKA_EC_PARAMS as an
 * OID and as a curve name, ECDSA and ECDH between them, an imported RFC
 * 7027 pair; DH domain parameters, key pairs and derivation, imported
 * public keys, and token objects that slotd checks and stores.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "openslot/pkcs11.h"
#include "harness.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
	CK_SESSION_HANDLE s;
};

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static void init_token(struct fixture *fx)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	fx->s = s;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
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
	init_token(fx);
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

static size_t hex(const char *s, CK_BYTE *out)
{
	size_t n = strlen(s) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (CK_BYTE)b;
	}
	return n;
}

/* An attribute's value into buf (cap bytes); returns its length. */
static CK_ULONG get_attr(struct fixture *fx, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, void *buf,
                         CK_ULONG cap)
{
	CK_ATTRIBUTE a = {type, buf, cap};

	assert_int_equal(fx->f->C_GetAttributeValue(fx->s, h, &a, 1), CKR_OK);
	return a.ulValueLen;
}

/* A generic secret of len bytes derived from base with mech, readable by the test. */
static CK_RV derive(struct fixture *fx, CK_MECHANISM *m, CK_OBJECT_HANDLE base, CK_ULONG len,
                    CK_BYTE *value)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},     {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_SENSITIVE, &no, 1},
	    {CKA_EXTRACTABLE, &yes, 1},
	};
	CK_OBJECT_HANDLE h;
	CK_RV rv = fx->f->C_DeriveKey(fx->s, m, base, t, 5, &h);

	if (rv == CKR_OK)
		assert_int_equal(get_attr(fx, h, CKA_VALUE, value, len), len);
	return rv;
}

/* ---- EC ---- */

static void ec_pair(struct fixture *fx, const CK_BYTE *params, CK_ULONG plen, CK_OBJECT_HANDLE *pub,
                    CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)params, plen}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE st[] = {{CKA_SIGN, &yes, 1}, {CKA_DERIVE, &yes, 1}, {CKA_SENSITIVE, &yes, 1}};

	assert_int_equal(fx->f->C_GenerateKeyPair(fx->s, &m, pt, 2, st, 3, pub, priv), CKR_OK);
}

static void ecdsa_round_trip(struct fixture *fx, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv,
                             CK_ULONG n)
{
	CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE sig[132], msg[] = "a message to sign";
	CK_ULONG siglen = sizeof(sig);

	assert_int_equal(fx->f->C_SignInit(fx->s, &m, priv), CKR_OK);
	assert_int_equal(fx->f->C_Sign(fx->s, msg, sizeof(msg), sig, &siglen), CKR_OK);
	assert_int_equal(siglen, 2 * n);
	assert_int_equal(fx->f->C_VerifyInit(fx->s, &m, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(fx->s, msg, sizeof(msg), sig, siglen), CKR_OK);
	msg[0] ^= 1;
	assert_int_equal(fx->f->C_VerifyInit(fx->s, &m, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(fx->s, msg, sizeof(msg), sig, siglen),
	                 CKR_SIGNATURE_INVALID);
}

/* The secret of priv with the public key pub (its CKA_EC_POINT as ECDH public data). */
static void ecdh_with(struct fixture *fx, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub,
                      CK_MECHANISM_TYPE mech, CK_ULONG len, CK_BYTE *value)
{
	CK_BYTE point[140];
	CK_ULONG plen = get_attr(fx, pub, CKA_EC_POINT, point, sizeof(point));
	CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, plen, point};
	CK_MECHANISM m = {mech, &p, sizeof(p)};

	assert_int_equal(derive(fx, &m, priv, len, value), CKR_OK);
}

static void test_curves(void **state)
{
	static const struct {
		const char *oid, *name;
		CK_ULONG n;
	} curves[] = {
	    {"06052b81040021", "secp224r1", 28},
	    {"06052b8104000a", "secp256k1", 32},
	    {"06092b2403030208010107", "brainpoolP256r1", 32},
	    {"06092b240303020801010c", "brainpoolP384t1", 48},
	    {"06092b240303020801010d", "brainpoolP512r1", 64},
	};
	struct fixture *fx = *state;
	CK_MECHANISM_INFO info;

	assert_int_equal(fx->f->C_GetMechanismInfo(0, CKM_EC_KEY_PAIR_GEN, &info), CKR_OK);
	assert_int_equal(info.ulMinKeySize, 224);
	assert_int_equal(info.ulMaxKeySize, 521);
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		CK_BYTE oid[16], name[40], got[40], z1[64], z2[64];
		CK_ULONG olen = hex(curves[i].oid, oid), nlen = strlen(curves[i].name);
		CK_OBJECT_HANDLE pub1, priv1, pub2, priv2;

		name[0] = 0x13;
		name[1] = (CK_BYTE)nlen;
		memcpy(name + 2, curves[i].name, nlen);
		ec_pair(fx, oid, olen, &pub1, &priv1);
		ec_pair(fx, name, nlen + 2, &pub2, &priv2);
		/* Each key reads back the CKA_EC_PARAMS it was made with. */
		assert_int_equal(get_attr(fx, priv2, CKA_EC_PARAMS, got, sizeof(got)), nlen + 2);
		assert_memory_equal(got, name, nlen + 2);
		assert_int_equal(get_attr(fx, priv1, CKA_EC_PARAMS, got, sizeof(got)), olen);
		assert_memory_equal(got, oid, olen);
		ecdsa_round_trip(fx, pub1, priv1, curves[i].n);
		ecdsa_round_trip(fx, pub2, priv2, curves[i].n);
		ecdh_with(fx, priv1, pub2, CKM_ECDH1_DERIVE, curves[i].n, z1);
		ecdh_with(fx, priv2, pub1, CKM_ECDH1_COFACTOR_DERIVE, curves[i].n, z2);
		assert_memory_equal(z1, z2, curves[i].n);
	}
}

/* RFC 7027 A.1 (brainpoolP256r1): imported keys derive the published secret. */
static void test_ec_import_kat(void **state)
{
	struct fixture *fx = *state;
	CK_OBJECT_CLASS cpriv = CKO_PRIVATE_KEY, cpub = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_EC;
	CK_BYTE params[] = "\x13\x0f"
	                   "brainpoolP256r1";
	CK_BYTE d[32], qb[65], z[32], want[32];
	CK_ATTRIBUTE st[] = {
	    {CKA_CLASS, &cpriv, sizeof(cpriv)},
	    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_EC_PARAMS, params, 17},
	    {CKA_VALUE, d, 32},
	    {CKA_DERIVE, &yes, 1},
	};
	CK_ATTRIBUTE pt[] = {
	    {CKA_CLASS, &cpub, sizeof(cpub)},
	    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_EC_PARAMS, "\x06\x09\x2b\x24\x03\x03\x02\x08\x01\x01\x07", 11},
	    {CKA_EC_POINT, qb, 65},
	};
	CK_OBJECT_HANDLE priv, pub;

	hex("81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D", d);
	hex("048D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B"
	    "990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A",
	    qb);
	hex("89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B", want);
	assert_int_equal(fx->f->C_CreateObject(fx->s, st, 5, &priv), CKR_OK);
	assert_int_equal(fx->f->C_CreateObject(fx->s, pt, 4, &pub), CKR_OK);
	ecdh_with(fx, priv, pub, CKM_ECDH1_DERIVE, 32, z);
	assert_memory_equal(z, want, 32);
	/* A point off the curve is refused. */
	qb[64] ^= 1;
	assert_int_equal(fx->f->C_CreateObject(fx->s, pt, 4, &pub), CKR_ATTRIBUTE_VALUE_INVALID);
}

/* ---- DH ---- */

static CK_RV dh_params(struct fixture *fx, CK_ULONG bits, CK_BBOOL token, CK_OBJECT_HANDLE *h)
{
	CK_MECHANISM m = {CKM_DH_PKCS_PARAMETER_GEN, NULL, 0};
	CK_ATTRIBUTE t[] = {{CKA_PRIME_BITS, &bits, sizeof(bits)}, {CKA_TOKEN, &token, 1}};

	return fx->f->C_GenerateKey(fx->s, &m, t, 2, h);
}

static void dh_pair(struct fixture *fx, const CK_BYTE *p, CK_ULONG plen, CK_BBOOL token,
                    CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = {CKM_DH_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pt[] = {
	    {CKA_PRIME, (void *)p, plen}, {CKA_BASE, "\x02", 1}, {CKA_TOKEN, &token, 1}};
	CK_ATTRIBUTE st[] = {{CKA_DERIVE, &yes, 1}, {CKA_TOKEN, &token, 1}};

	assert_int_equal(fx->f->C_GenerateKeyPair(fx->s, &m, pt, 3, st, 2, pub, priv), CKR_OK);
}

static void test_dh(void **state)
{
	struct fixture *fx = *state;
	CK_OBJECT_CLASS cls, cpub = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kdh = CKK_DH;
	CK_OBJECT_HANDLE dom, pub1, priv1, pub2, priv2, imported;
	CK_BYTE p[256], y1[256], y2[256], z1[32], z2[32], z3[32];
	CK_ULONG ylen1, ylen2, bits = 0;
	CK_BBOOL local = CK_FALSE;
	CK_MECHANISM m = {CKM_DH_PKCS_DERIVE, NULL, 0};

	/* Domain parameters, stored on the token, and a key pair of each kind of object. */
	assert_int_equal(dh_params(fx, 2048, CK_TRUE, &dom), CKR_OK);
	get_attr(fx, dom, CKA_CLASS, &cls, sizeof(cls));
	assert_int_equal(cls, CKO_DOMAIN_PARAMETERS);
	get_attr(fx, dom, CKA_LOCAL, &local, 1);
	assert_int_equal(local, CK_TRUE);
	assert_int_equal(get_attr(fx, dom, CKA_PRIME, p, sizeof(p)), 256);
	dh_pair(fx, p, 256, CK_TRUE, &pub1, &priv1);
	dh_pair(fx, p, 256, CK_FALSE, &pub2, &priv2);
	get_attr(fx, priv1, CKA_VALUE_BITS, &bits, sizeof(bits));
	assert_true(bits > 200);
	ylen1 = get_attr(fx, pub1, CKA_VALUE, y1, sizeof(y1));
	ylen2 = get_attr(fx, pub2, CKA_VALUE, y2, sizeof(y2));
	m.pParameter = y2;
	m.ulParameterLen = ylen2;
	assert_int_equal(derive(fx, &m, priv1, 32, z1), CKR_OK);
	m.pParameter = y1;
	m.ulParameterLen = ylen1;
	assert_int_equal(derive(fx, &m, priv2, 32, z2), CKR_OK);
	assert_memory_equal(z1, z2, 32);

	/* An imported public key is checked; its value serves as the other party's. */
	{
		CK_ATTRIBUTE t[] = {
		    {CKA_CLASS, &cpub, sizeof(cpub)},
		    {CKA_KEY_TYPE, &kdh, sizeof(kdh)},
		    {CKA_PRIME, p, 256},
		    {CKA_BASE, "\x02", 1},
		    {CKA_VALUE, y1, ylen1},
		};

		assert_int_equal(fx->f->C_CreateObject(fx->s, t, 5, &imported), CKR_OK);
		assert_int_equal(get_attr(fx, imported, CKA_VALUE, y1, sizeof(y1)), ylen1);
		m.pParameter = y1;
		assert_int_equal(derive(fx, &m, priv2, 32, z3), CKR_OK);
		assert_memory_equal(z3, z1, 32);
		t[4].pValue = "\x01";
		t[4].ulValueLen = 1;
		assert_int_equal(fx->f->C_CreateObject(fx->s, t, 5, &imported),
		                 CKR_ATTRIBUTE_VALUE_INVALID);
	}
	/* Refusals: small primes, sizes without a group, a bad value of the other party. */
	assert_int_equal(dh_params(fx, 1024, CK_FALSE, &dom), CKR_KEY_SIZE_RANGE);
	assert_int_equal(dh_params(fx, 2500, CK_FALSE, &dom), CKR_ATTRIBUTE_VALUE_INVALID);
	m.pParameter = "\x01";
	m.ulParameterLen = 1;
	assert_int_equal(derive(fx, &m, priv1, 32, z3), CKR_MECHANISM_PARAM_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_curves, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ec_import_kat, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dh, setup, teardown),
	};

	return cmocka_run_group_tests_name("keyagree", tests, NULL, NULL);
}
