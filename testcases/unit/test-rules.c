/*
 * Unit tests of the PKCS#11 attribute rules (usr/lib/tokens/common/rules/rules.c
 * and rules_table.c): objects built from the templates pkcs11-tool and the
 * OpenSSL pkcs11 engine send, every default, every error code of
 * tok_rules_build(), the one-way rules of tok_rules_modify(), the policy
 * (CKA_TRUSTED from the SO only, protected keys kept private), the checks
 * slotd makes with tok_rules_check_new() and tok_rules_check_update(), the
 * C_GetAttributeValue precedence of tok_rules_get() and the usage checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rules.h"
#include "rules_table.h"

#define T_VAR(t, v)   ((CK_ATTRIBUTE){(t), (void *)&(v), sizeof(v)})
#define T_BYTES(t, p) ((CK_ATTRIBUTE){(t), (void *)(p), sizeof(p)})
#define T_STR(t, s)   ((CK_ATTRIBUTE){(t), (void *)(s), sizeof(s) - 1})
#define T_N(a)        ((CK_ULONG)(sizeof(a) / sizeof((a)[0])))
#define T_END         ((CK_ATTRIBUTE_TYPE)-1) /* ends the lists of assert_bools() */
#define T_NONE        ((CK_ULONG)-1)

/* Checks the error code, where the failure is reported at the caller's line. */
#define expect_build(want, op, t, n, cls, kt) assert_int_equal(build_rv(op, t, n, cls, kt), want)
#define expect_set(want, obj, at)             assert_int_equal(modify_rv(obj, false, false, at), want)
#define expect_copy(want, obj, at)            assert_int_equal(modify_rv(obj, true, false, at), want)
#define expect_so_set(want, obj, at)          assert_int_equal(modify_rv(obj, false, true, at), want)
#define expect_so_copy(want, obj, at)         assert_int_equal(modify_rv(obj, true, true, at), want)

static const enum tok_rules_op op_create = TOK_RULES_CREATE, op_gen = TOK_RULES_GENERATE;
static const enum tok_rules_op op_pub = TOK_RULES_GENERATE_PUBLIC;
static const enum tok_rules_op op_priv = TOK_RULES_GENERATE_PRIVATE;

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_data = CKO_DATA, c_cert = CKO_CERTIFICATE, c_pub = CKO_PUBLIC_KEY;
static CK_OBJECT_CLASS c_priv = CKO_PRIVATE_KEY, c_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE k_rsa = CKK_RSA, k_ec = CKK_EC, k_aes = CKK_AES;
static CK_KEY_TYPE k_generic = CKK_GENERIC_SECRET;
static CK_CERTIFICATE_TYPE x509 = CKC_X_509;
static CK_ULONG bits2048 = 2048, len16 = 16, len32 = 32;

static const unsigned char modulus[] = {0x00, 0xc5, 0x11, 0x22, 0x33};
static const unsigned char pub_exp[] = {0x01, 0x00, 0x01};
static const unsigned char priv_exp[] = {0x42, 0x17};
static const unsigned char prime[] = {0x0b};
static const unsigned char ec_params[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                          0xce, 0x3d, 0x03, 0x01, 0x07};
static const unsigned char ec_point[] = {0x04, 0x03, 0x04, 0x01, 0x02};
static const unsigned char aes_value[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const unsigned char subject[] = {0x30, 0x00};
static const unsigned char cert_der[] = {0x30, 0x03, 0x02, 0x01, 0x00};

/* Builds as the security officer (so) or as anyone else. */
static CK_RV build_as(bool so, enum tok_rules_op op, CK_ATTRIBUTE *t, CK_ULONG n, CK_ULONG cls,
                      CK_ULONG kt, CK_MECHANISM_TYPE mech, struct tok_attrs *out)
{
	tok_attrs_init(out);
	CK_RV rv = tok_rules_build(op, t, n, cls, kt, mech, so, out);
	if (rv != CKR_OK)
		assert_int_equal(out->n, 0); /* a refusal leaves nothing behind */
	return rv;
}

static CK_RV build(enum tok_rules_op op, CK_ATTRIBUTE *t, CK_ULONG n, CK_ULONG cls, CK_ULONG kt,
                   CK_MECHANISM_TYPE mech, struct tok_attrs *out)
{
	return build_as(false, op, t, n, cls, kt, mech, out);
}

static CK_RV build_rv(enum tok_rules_op op, CK_ATTRIBUTE *t, CK_ULONG n, CK_ULONG cls, CK_ULONG kt)
{
	struct tok_attrs a;
	CK_RV rv = build(op, t, n, cls, kt, CKM_VENDOR_DEFINED, &a);

	tok_attrs_free(&a);
	return rv;
}

static CK_RV modify_rv(const struct tok_attrs *obj, bool copy, bool so, CK_ATTRIBUTE at)
{
	struct tok_attrs out;
	CK_RV rv;

	tok_attrs_init(&out);
	rv = tok_rules_modify(obj, copy, &at, 1, so, &out);
	if (rv != CKR_OK)
		assert_int_equal(out.n, 0);
	tok_attrs_free(&out);
	return rv;
}

/* Each attribute named, up to T_END, is a CK_BBOOL equal to v. */
static void assert_bools(const struct tok_attrs *a, int v, ...)
{
	va_list ap;
	CK_ATTRIBUTE_TYPE t;

	va_start(ap, v);
	while ((t = va_arg(ap, CK_ATTRIBUTE_TYPE)) != T_END) {
		const CK_ATTRIBUTE *at = tok_attrs_find(a, t);
		assert_non_null(at);
		assert_int_equal(at->ulValueLen, sizeof(CK_BBOOL));
		assert_int_equal(*(CK_BBOOL *)at->pValue, v);
	}
	va_end(ap);
}

static void assert_bytes_attr(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE t, const void *p,
                              CK_ULONG len)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(a, t);

	assert_non_null(at);
	assert_int_equal(at->ulValueLen, len);
	if (len)
		assert_memory_equal(at->pValue, p, len);
}

/* Each attribute named, up to T_END, is present and empty. */
static void assert_empties(const struct tok_attrs *a, ...)
{
	va_list ap;
	CK_ATTRIBUTE_TYPE t;

	va_start(ap, a);
	while ((t = va_arg(ap, CK_ATTRIBUTE_TYPE)) != T_END)
		assert_bytes_attr(a, t, NULL, 0);
	va_end(ap);
}

static void assert_ulong_attr(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE t, CK_ULONG v)
{
	CK_ULONG got = v + 1;

	assert_true(tok_attrs_get_ulong(a, t, &got));
	assert_int_equal(got, v);
}

static void assert_storage_defaults(const struct tok_attrs *a, CK_BBOOL private_default)
{
	const CK_ATTRIBUTE *id = tok_attrs_find(a, CKA_UNIQUE_ID);

	assert_bools(a, private_default, CKA_PRIVATE, T_END);
	assert_bools(a, CK_TRUE, CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE, T_END);
	assert_non_null(id);
	assert_int_equal(id->ulValueLen, 32);
	for (CK_ULONG i = 0; i < id->ulValueLen; i++)
		assert_non_null(strchr("0123456789abcdef", ((char *)id->pValue)[i]));
}

static void assert_key_defaults(const struct tok_attrs *a, bool generated, CK_MECHANISM_TYPE mech)
{
	assert_bools(a, CK_FALSE, CKA_DERIVE, T_END);
	assert_empties(a, CKA_START_DATE, CKA_END_DATE, CKA_ALLOWED_MECHANISMS, T_END);
	assert_bools(a, generated, CKA_LOCAL, T_END);
	assert_ulong_attr(a, CKA_KEY_GEN_MECHANISM, generated ? mech : CK_UNAVAILABLE_INFORMATION);
}

static void test_create_rsa_public(void **state)
{
	static const unsigned char nine[] = {0x00, 0x01, 0x00}, zero[] = {0x00, 0x00};
	CK_ATTRIBUTE t[] = {T_VAR(CKA_CLASS, c_pub), T_VAR(CKA_KEY_TYPE, k_rsa),
	                    T_VAR(CKA_TOKEN, yes),   T_STR(CKA_LABEL, "pub"),
	                    T_STR(CKA_ID, "\x01"),   T_BYTES(CKA_MODULUS, modulus),
	                    T_VAR(CKA_VERIFY, yes),  T_BYTES(CKA_PUBLIC_EXPONENT, pub_exp)};
	struct tok_attrs a;

	assert_int_equal(
	    build(op_create, t, T_N(t), T_NONE, T_NONE, CK_UNAVAILABLE_INFORMATION, &a), CKR_OK);
	assert_ulong_attr(&a, CKA_CLASS, CKO_PUBLIC_KEY);
	assert_ulong_attr(&a, CKA_KEY_TYPE, CKK_RSA);
	assert_storage_defaults(&a, CK_FALSE);
	assert_key_defaults(&a, false, 0);
	assert_bytes_attr(&a, CKA_LABEL, "pub", 3);
	assert_bytes_attr(&a, CKA_ID, "\x01", 1);
	assert_ulong_attr(&a, CKA_MODULUS_BITS, 32);
	assert_bools(&a, CK_TRUE, CKA_TOKEN, CKA_ENCRYPT, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_WRAP,
	             T_END);
	assert_bools(&a, CK_FALSE, CKA_TRUSTED, T_END);
	assert_empties(&a, CKA_SUBJECT, CKA_PUBLIC_KEY_INFO, T_END);
	assert_null(tok_attrs_find(&a, CKA_SENSITIVE));
	assert_null(tok_attrs_find(&a, CKA_ALWAYS_SENSITIVE));
	tok_attrs_free(&a);

	/* A modulus of 0x01 0x00 is nine bits long; one of zeroes is refused. */
	t[5] = T_BYTES(CKA_MODULUS, nine);
	assert_int_equal(build(op_create, t, T_N(t), T_NONE, T_NONE, 0, &a), CKR_OK);
	assert_ulong_attr(&a, CKA_MODULUS_BITS, 9);
	tok_attrs_free(&a);
	t[5] = T_BYTES(CKA_MODULUS, zero);
	expect_build(CKR_ATTRIBUTE_VALUE_INVALID, op_create, t, T_N(t), T_NONE, T_NONE);
}

/* pkcs11-tool --write-object key.der --type privkey, and a minimal template. */
static void test_create_rsa_private(void **state)
{
	CK_ATTRIBUTE t[] = {T_VAR(CKA_CLASS, c_priv),
	                    T_VAR(CKA_KEY_TYPE, k_rsa),
	                    T_BYTES(CKA_MODULUS, modulus),
	                    T_BYTES(CKA_PRIVATE_EXPONENT, priv_exp),
	                    T_VAR(CKA_TOKEN, yes),
	                    T_VAR(CKA_PRIVATE, yes),
	                    T_VAR(CKA_SENSITIVE, yes),
	                    T_STR(CKA_LABEL, "key"),
	                    T_VAR(CKA_SIGN, yes),
	                    T_VAR(CKA_DECRYPT, yes),
	                    T_BYTES(CKA_PUBLIC_EXPONENT, pub_exp),
	                    T_BYTES(CKA_PRIME_1, prime),
	                    T_BYTES(CKA_PRIME_2, prime),
	                    T_BYTES(CKA_EXPONENT_1, prime),
	                    T_BYTES(CKA_EXPONENT_2, prime),
	                    T_BYTES(CKA_COEFFICIENT, prime)};
	struct tok_attrs a;

	assert_int_equal(build(op_create, t, T_N(t), T_NONE, T_NONE, 0, &a), CKR_OK);
	assert_storage_defaults(&a, CK_TRUE);
	assert_key_defaults(&a, false, 0);
	assert_bools(&a, CK_TRUE, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_SIGN_RECOVER, CKA_UNWRAP,
	             T_END);
	assert_bools(&a, CK_FALSE, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE,
	             CKA_WRAP_WITH_TRUSTED, CKA_ALWAYS_AUTHENTICATE, T_END);
	assert_empties(&a, CKA_SUBJECT, CKA_PUBLIC_KEY_INFO, T_END);
	assert_bytes_attr(&a, CKA_COEFFICIENT, prime, sizeof(prime));
	assert_null(tok_attrs_find(&a, CKA_MODULUS_BITS));
	tok_attrs_free(&a);

	assert_int_equal(build(op_create, t, 4, T_NONE, T_NONE, 0, &a), CKR_OK);
	assert_bools(&a, CK_TRUE, CKA_PRIVATE, CKA_EXTRACTABLE, T_END);
	assert_bools(&a, CK_FALSE, CKA_SENSITIVE, CKA_TOKEN, T_END);
	assert_empties(&a, CKA_LABEL, CKA_ID, T_END);
	tok_attrs_free(&a);
	expect_build(CKR_TEMPLATE_INCOMPLETE, op_create, t, 3, T_NONE, T_NONE);
}

/* pkcs11-tool --keypairgen --key-type rsa:2048 --id 01 --label key. */
static void test_generate_rsa_pair(void **state)
{
	CK_ATTRIBUTE pub[] = {T_VAR(CKA_TOKEN, yes),  T_VAR(CKA_MODULUS_BITS, bits2048),
	                      T_STR(CKA_ID, "\x01"),  T_BYTES(CKA_PUBLIC_EXPONENT, pub_exp),
	                      T_VAR(CKA_VERIFY, yes), T_STR(CKA_LABEL, "key"),
	                      T_VAR(CKA_WRAP, no),    T_VAR(CKA_ENCRYPT, yes)};
	CK_ATTRIBUTE priv[] = {T_VAR(CKA_TOKEN, yes),     T_VAR(CKA_PRIVATE, yes),
	                       T_VAR(CKA_SENSITIVE, yes), T_STR(CKA_LABEL, "key"),
	                       T_STR(CKA_ID, "\x01"),     T_VAR(CKA_SIGN, yes),
	                       T_VAR(CKA_DECRYPT, yes),   T_VAR(CKA_EXTRACTABLE, yes)};
	const CK_MECHANISM_TYPE m = CKM_RSA_PKCS_KEY_PAIR_GEN;
	struct tok_attrs a;

	assert_int_equal(build(op_pub, pub, T_N(pub), CKO_PUBLIC_KEY, CKK_RSA, m, &a), CKR_OK);
	assert_ulong_attr(&a, CKA_CLASS, CKO_PUBLIC_KEY);
	assert_ulong_attr(&a, CKA_KEY_TYPE, CKK_RSA);
	assert_key_defaults(&a, true, m);
	assert_ulong_attr(&a, CKA_MODULUS_BITS, 2048);
	assert_bools(&a, CK_FALSE, CKA_WRAP, T_END);
	assert_null(tok_attrs_find(&a, CKA_MODULUS));
	tok_attrs_free(&a);

	assert_int_equal(build(op_priv, priv, T_N(priv), T_NONE, CKK_RSA, m, &a), CKR_OK);
	assert_ulong_attr(&a, CKA_CLASS, CKO_PRIVATE_KEY);
	assert_key_defaults(&a, true, m);
	assert_bools(&a, CK_TRUE, CKA_ALWAYS_SENSITIVE, T_END);
	assert_bools(&a, CK_FALSE, CKA_NEVER_EXTRACTABLE, T_END);
	tok_attrs_free(&a);

	priv[7] = T_VAR(CKA_EXTRACTABLE, no);
	priv[2] = T_VAR(CKA_SENSITIVE, no);
	assert_int_equal(build(op_priv, priv, T_N(priv), CKO_PRIVATE_KEY, CKK_RSA, m, &a), CKR_OK);
	assert_bools(&a, CK_FALSE, CKA_ALWAYS_SENSITIVE, T_END);
	assert_bools(&a, CK_TRUE, CKA_NEVER_EXTRACTABLE, T_END);
	tok_attrs_free(&a);
}

/* The OpenSSL pkcs11 engine (libp11) names class and key type in both templates. */
static void test_generate_ec_pairs(void **state)
{
	static const CK_KEY_TYPE kts[] = {CKK_EC_EDWARDS, CKK_EC_MONTGOMERY};
	static const CK_MECHANISM_TYPE ms[] = {CKM_EC_EDWARDS_KEY_PAIR_GEN,
	                                       CKM_EC_MONTGOMERY_KEY_PAIR_GEN};
	CK_ATTRIBUTE pub[] = {
	    T_VAR(CKA_CLASS, c_pub),          T_VAR(CKA_KEY_TYPE, k_ec), T_VAR(CKA_TOKEN, yes),
	    T_STR(CKA_LABEL, "ec"),           T_VAR(CKA_VERIFY, yes),    T_VAR(CKA_DERIVE, yes),
	    T_BYTES(CKA_EC_PARAMS, ec_params)};
	CK_ATTRIBUTE priv[] = {T_VAR(CKA_CLASS, c_priv),  T_VAR(CKA_KEY_TYPE, k_ec),
	                       T_VAR(CKA_TOKEN, yes),     T_VAR(CKA_PRIVATE, yes),
	                       T_VAR(CKA_SENSITIVE, yes), T_STR(CKA_LABEL, "ec"),
	                       T_VAR(CKA_SIGN, yes),      T_VAR(CKA_DERIVE, yes)};
	struct tok_attrs a;

	assert_int_equal(
	    build(op_pub, pub, T_N(pub), CKO_PUBLIC_KEY, CKK_EC, CKM_EC_KEY_PAIR_GEN, &a), CKR_OK);
	assert_bytes_attr(&a, CKA_EC_PARAMS, ec_params, sizeof(ec_params));
	assert_bools(&a, CK_TRUE, CKA_DERIVE, T_END);
	assert_null(tok_attrs_find(&a, CKA_EC_POINT));
	tok_attrs_free(&a);
	assert_int_equal(
	    build(op_priv, priv, T_N(priv), CKO_PRIVATE_KEY, CKK_EC, CKM_EC_KEY_PAIR_GEN, &a),
	    CKR_OK);
	assert_bools(&a, CK_TRUE, CKA_ALWAYS_SENSITIVE, T_END);
	assert_null(tok_attrs_find(&a, CKA_VALUE));
	tok_attrs_free(&a);

	/* Edwards and Montgomery keys: the key type comes from the mechanism alone. */
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(build(op_pub, pub + 2, T_N(pub) - 2, T_NONE, kts[i], ms[i], &a),
		                 CKR_OK);
		assert_ulong_attr(&a, CKA_KEY_TYPE, kts[i]);
		assert_ulong_attr(&a, CKA_KEY_GEN_MECHANISM, ms[i]);
		tok_attrs_free(&a);
		expect_build(CKR_OK, op_priv, priv + 2, T_N(priv) - 2, T_NONE, kts[i]);
		expect_build(CKR_TEMPLATE_INCONSISTENT, op_priv, priv, T_N(priv), T_NONE, kts[i]);
	}
}

static void test_create_ec_keys(void **state)
{
	static const CK_KEY_TYPE kts[] = {CKK_EC, CKK_EC_EDWARDS, CKK_EC_MONTGOMERY};
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE pub[] = {T_VAR(CKA_CLASS, c_pub), T_VAR(CKA_KEY_TYPE, kt),
	                      T_BYTES(CKA_EC_PARAMS, ec_params), T_BYTES(CKA_EC_POINT, ec_point)};
	CK_ATTRIBUTE priv[] = {T_VAR(CKA_CLASS, c_priv), T_VAR(CKA_KEY_TYPE, kt),
	                       T_BYTES(CKA_EC_PARAMS, ec_params), T_BYTES(CKA_VALUE, prime)};

	for (size_t i = 0; i < 3; i++) {
		kt = kts[i];
		expect_build(CKR_OK, op_create, pub, T_N(pub), T_NONE, T_NONE);
		expect_build(CKR_OK, op_create, priv, T_N(priv), T_NONE, T_NONE);
		expect_build(CKR_TEMPLATE_INCOMPLETE, op_create, pub, 3, T_NONE, T_NONE);
		expect_build(CKR_TEMPLATE_INCOMPLETE, op_create, priv, 3, T_NONE, T_NONE);
	}
}

static void assert_secret_defaults(const struct tok_attrs *a)
{
	assert_storage_defaults(a, CK_TRUE);
	assert_bools(a, CK_TRUE, CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP,
	             CKA_UNWRAP, CKA_EXTRACTABLE, T_END);
	assert_bools(a, CK_FALSE, CKA_SENSITIVE, CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED,
	             CKA_NEVER_EXTRACTABLE, CKA_ALWAYS_SENSITIVE, T_END);
}

/* pkcs11-tool --keygen --key-type AES:32, and secret keys created from a value. */
static void test_secret_keys(void **state)
{
	static const CK_KEY_TYPE kts[] = {CKK_GENERIC_SECRET, CKK_AES,           CKK_SHA_1_HMAC,
	                                  CKK_SHA224_HMAC,    CKK_SHA256_HMAC,   CKK_SHA384_HMAC,
	                                  CKK_SHA512_HMAC,    CKK_SHA3_224_HMAC, CKK_SHA3_256_HMAC,
	                                  CKK_SHA3_384_HMAC,  CKK_SHA3_512_HMAC};
	CK_ATTRIBUTE gen[] = {T_VAR(CKA_CLASS, c_secret), T_VAR(CKA_KEY_TYPE, k_aes),
	                      T_VAR(CKA_TOKEN, yes), T_STR(CKA_LABEL, "aes"),
	                      T_VAR(CKA_VALUE_LEN, len32)};
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE create[] = {T_VAR(CKA_CLASS, c_secret), T_VAR(CKA_KEY_TYPE, kt),
	                         T_BYTES(CKA_VALUE, aes_value)};
	struct tok_attrs a;

	assert_int_equal(build(op_gen, gen, T_N(gen), CKO_SECRET_KEY, CKK_AES, CKM_AES_KEY_GEN, &a),
	                 CKR_OK);
	assert_secret_defaults(&a);
	assert_key_defaults(&a, true, CKM_AES_KEY_GEN);
	assert_ulong_attr(&a, CKA_VALUE_LEN, 32);
	assert_null(tok_attrs_find(&a, CKA_CHECK_VALUE));
	tok_attrs_free(&a);

	for (size_t i = 0; i < sizeof(kts) / sizeof(kts[0]); i++) {
		kt = kts[i];
		assert_int_equal(build(op_create, create, T_N(create), T_NONE, T_NONE, 0, &a),
		                 CKR_OK);
		assert_secret_defaults(&a);
		assert_key_defaults(&a, false, 0);
		assert_ulong_attr(&a, CKA_VALUE_LEN, sizeof(aes_value));
		tok_attrs_free(&a);
		/* Generation of every type needs the length. */
		expect_build(CKR_TEMPLATE_INCOMPLETE, op_gen, gen + 2, 2, CKO_SECRET_KEY, kt);
		expect_build(CKR_OK, op_gen, gen + 2, 3, CKO_SECRET_KEY, kt);
	}
	expect_build(CKR_TEMPLATE_INCOMPLETE, op_create, create, 2, T_NONE, T_NONE);
}

static void test_data_and_certificate(void **state)
{
	CK_ATTRIBUTE data[] = {T_VAR(CKA_CLASS, c_data), T_STR(CKA_LABEL, "d")};
	CK_ATTRIBUTE cert[] = {T_VAR(CKA_CLASS, c_cert),      T_VAR(CKA_CERTIFICATE_TYPE, x509),
	                       T_VAR(CKA_TOKEN, yes),         T_STR(CKA_ID, "\x01"),
	                       T_BYTES(CKA_SUBJECT, subject), T_BYTES(CKA_VALUE, cert_der)};
	CK_ATTRIBUTE part[6];
	struct tok_attrs a;

	assert_int_equal(build(op_create, data, T_N(data), T_NONE, T_NONE, 0, &a), CKR_OK);
	assert_storage_defaults(&a, CK_FALSE);
	assert_bools(&a, CK_FALSE, CKA_TOKEN, T_END);
	assert_empties(&a, CKA_APPLICATION, CKA_OBJECT_ID, CKA_VALUE, T_END);
	assert_null(tok_attrs_find(&a, CKA_KEY_TYPE));
	tok_attrs_free(&a);

	assert_int_equal(build(op_create, cert, T_N(cert), T_NONE, T_NONE, 0, &a), CKR_OK);
	assert_storage_defaults(&a, CK_FALSE);
	assert_bools(&a, CK_FALSE, CKA_TRUSTED, T_END);
	assert_ulong_attr(&a, CKA_CERTIFICATE_CATEGORY, 0);
	assert_ulong_attr(&a, CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
	assert_ulong_attr(&a, CKA_NAME_HASH_ALGORITHM, CKM_SHA_1);
	assert_empties(&a, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_START_DATE, CKA_END_DATE, CKA_URL,
	               CKA_HASH_OF_SUBJECT_PUBLIC_KEY, CKA_HASH_OF_ISSUER_PUBLIC_KEY,
	               CKA_PUBLIC_KEY_INFO, T_END);
	assert_bytes_attr(&a, CKA_ID, "\x01", 1);
	tok_attrs_free(&a);

	/* Without class, type, subject or value the template is incomplete. */
	for (CK_ULONG skip = 0; skip < 6; skip++) {
		CK_ULONG n = 0;
		for (CK_ULONG i = 0; i < 6; i++)
			if (i != skip)
				part[n++] = cert[i];
		expect_build(skip == 2 || skip == 3 ? CKR_OK : CKR_TEMPLATE_INCOMPLETE, op_create,
		             part, n, T_NONE, T_NONE);
	}
	/* Data objects and certificates are only created. */
	expect_build(CKR_TEMPLATE_INCONSISTENT, TOK_RULES_UNWRAP, data, T_N(data), T_NONE, T_NONE);
}

static void test_unwrap_and_derive(void **state)
{
	const enum tok_rules_op unwrap = TOK_RULES_UNWRAP, derive = TOK_RULES_DERIVE;
	CK_ATTRIBUTE aes[] = {T_VAR(CKA_CLASS, c_secret), T_VAR(CKA_KEY_TYPE, k_aes),
	                      T_VAR(CKA_SENSITIVE, yes), T_VAR(CKA_VALUE_LEN, len16),
	                      T_BYTES(CKA_VALUE, aes_value)};
	CK_ATTRIBUTE rsa[] = {T_VAR(CKA_CLASS, c_priv), T_VAR(CKA_KEY_TYPE, k_rsa),
	                      T_BYTES(CKA_MODULUS, modulus)};
	CK_ATTRIBUTE pub[] = {T_VAR(CKA_CLASS, c_pub), T_VAR(CKA_KEY_TYPE, k_rsa)};
	struct tok_attrs a;

	assert_int_equal(build(unwrap, aes, 4, T_NONE, T_NONE, CKM_AES_KEY_WRAP, &a), CKR_OK);
	assert_key_defaults(&a, false, 0);
	assert_bools(&a, CK_FALSE, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, T_END);
	assert_null(tok_attrs_find(&a, CKA_VALUE));
	tok_attrs_free(&a);
	expect_build(CKR_TEMPLATE_INCONSISTENT, unwrap, aes, 5, T_NONE, T_NONE);
	expect_build(CKR_OK, unwrap, rsa, 2, T_NONE, T_NONE);
	expect_build(CKR_TEMPLATE_INCONSISTENT, unwrap, rsa, 3, T_NONE, T_NONE);
	expect_build(CKR_TEMPLATE_INCONSISTENT, unwrap, pub, 2, T_NONE, T_NONE);
	expect_build(CKR_TEMPLATE_INCOMPLETE, unwrap, aes + 1, 3, T_NONE, T_NONE);

	/* ECDH derivation as OpenSSL asks for it: class implied, key type given. */
	assert_int_equal(build(derive, aes + 1, 3, CKO_SECRET_KEY, T_NONE, CKM_ECDH1_DERIVE, &a),
	                 CKR_OK);
	assert_key_defaults(&a, false, 0);
	assert_bools(&a, CK_FALSE, CKA_ALWAYS_SENSITIVE, T_END);
	tok_attrs_free(&a);
	expect_build(CKR_TEMPLATE_INCONSISTENT, derive, aes + 1, 4, CKO_SECRET_KEY, T_NONE);
	expect_build(CKR_TEMPLATE_INCONSISTENT, derive, rsa, 2, CKO_SECRET_KEY, T_NONE);
	expect_build(CKR_TEMPLATE_INCOMPLETE, derive, aes + 2, 2, CKO_SECRET_KEY, T_NONE);
}

/* A generic secret template for op with one attribute appended. */
static CK_RV secret_with(enum tok_rules_op op, CK_ATTRIBUTE extra)
{
	CK_ATTRIBUTE t[] = {
	    T_VAR(CKA_CLASS, c_secret), T_VAR(CKA_KEY_TYPE, k_generic),
	    op == op_create ? T_BYTES(CKA_VALUE, aes_value) : T_VAR(CKA_VALUE_LEN, len16), extra};
	return build_rv(op, t, T_N(t), T_NONE, T_NONE);
}

static void test_build_attribute_errors(void **state)
{
	static const CK_BBOOL two = 2;
	static const CK_ULONG ul = 1, hw = CKO_HW_FEATURE, vendor = CKO_VENDOR_DEFINED;
	static const unsigned char short_date[] = "2024010", three[3] = {0};
	static const CK_MECHANISM_TYPE mechs[] = {CKM_AES_CBC, CKM_AES_GCM};
	static const CK_ATTRIBUTE_TYPE computed[] = {CKA_LOCAL, CKA_ALWAYS_SENSITIVE,
	                                             CKA_NEVER_EXTRACTABLE, CKA_UNIQUE_ID};
	const CK_RV bad = CKR_ATTRIBUTE_VALUE_INVALID;

	assert_int_equal(secret_with(op_create, T_STR(CKA_LABEL, "ok")), CKR_OK);
	assert_int_equal(secret_with(op_create, T_BYTES(CKA_MODULUS, modulus)),
	                 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(secret_with(op_create, T_VAR(CKA_VENDOR_DEFINED, ul)),
	                 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(secret_with(op_create, T_VAR(CKA_WRAP_TEMPLATE, ul)),
	                 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(secret_with(op_create, T_VAR(CKA_SIGN, two)), bad);
	assert_int_equal(secret_with(op_create, T_VAR(CKA_SIGN, ul)), bad);
	assert_int_equal(secret_with(op_create, T_VAR(CKA_VALUE_LEN, yes)), bad);
	assert_int_equal(secret_with(op_create, T_BYTES(CKA_START_DATE, short_date)), bad);
	assert_int_equal(secret_with(op_create, T_STR(CKA_END_DATE, "2024O101")), bad);
	assert_int_equal(secret_with(op_create, T_STR(CKA_END_DATE, "20240101")), CKR_OK);
	assert_int_equal(secret_with(op_create, T_STR(CKA_END_DATE, "")), CKR_OK);
	assert_int_equal(secret_with(op_create, T_BYTES(CKA_ALLOWED_MECHANISMS, three)), bad);
	assert_int_equal(secret_with(op_create, T_BYTES(CKA_ALLOWED_MECHANISMS, mechs)), CKR_OK);
	assert_int_equal(secret_with(op_create, ((CK_ATTRIBUTE){CKA_LABEL, NULL, 4})), bad);

	/* Attributes only the token sets, and the key material of generation. */
	for (size_t i = 0; i < sizeof(computed) / sizeof(computed[0]); i++) {
		CK_ATTRIBUTE at = {computed[i], &no, 1};
		assert_int_equal(secret_with(op_create, at), CKR_ATTRIBUTE_READ_ONLY);
		assert_int_equal(secret_with(op_gen, at), CKR_ATTRIBUTE_READ_ONLY);
	}
	assert_int_equal(secret_with(op_gen, T_VAR(CKA_KEY_GEN_MECHANISM, ul)),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(secret_with(op_create, T_VAR(CKA_VALUE_LEN, len16)),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(secret_with(op_gen, T_BYTES(CKA_VALUE, aes_value)),
	                 CKR_TEMPLATE_INCONSISTENT);

	/* Class values: unknown, vendor-defined, malformed. */
	CK_ATTRIBUTE cls[] = {T_VAR(CKA_CLASS, hw)};
	expect_build(bad, op_create, cls, 1, T_NONE, T_NONE);
	cls[0] = T_VAR(CKA_CLASS, vendor);
	expect_build(bad, op_create, cls, 1, T_NONE, T_NONE);
	cls[0] = T_VAR(CKA_CLASS, no);
	expect_build(bad, op_create, cls, 1, T_NONE, T_NONE);
	expect_build(CKR_TEMPLATE_INCOMPLETE, op_create, cls, 0, T_NONE, T_NONE);
}

static void test_build_key_type_errors(void **state)
{
	static const CK_KEY_TYPE unknown = CKK_BLOWFISH;
	CK_ATTRIBUTE t[4] = {T_VAR(CKA_CLASS, c_secret), T_VAR(CKA_KEY_TYPE, unknown),
	                     T_BYTES(CKA_VALUE, aes_value)};

	expect_build(CKR_ATTRIBUTE_VALUE_INVALID, op_create, t, 3, T_NONE, T_NONE);
	t[1] = T_VAR(CKA_KEY_TYPE, k_rsa); /* known, not a secret key type */
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_create, t, 3, T_NONE, T_NONE);
	t[1] = T_VAR(CKA_KEY_TYPE, k_aes);
	expect_build(CKR_TEMPLATE_INCOMPLETE, op_create, t, 2, T_NONE, T_NONE);
	expect_build(CKR_OK, op_create, t, 3, T_NONE, T_NONE);
	t[3] = t[1]; /* given twice */
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_create, t, 4, T_NONE, T_NONE);

	/* Generation: the implied class and key type must agree with the template. */
	t[2] = T_VAR(CKA_VALUE_LEN, len16);
	expect_build(CKR_OK, op_gen, t, 3, T_NONE, CKK_AES);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_gen, t, 3, CKO_SECRET_KEY, CKK_GENERIC_SECRET);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_gen, t, 3, CKO_PUBLIC_KEY, CKK_AES);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_gen, t + 2, 1, CKO_SECRET_KEY, CKK_RSA);
	expect_build(CKR_TEMPLATE_INCOMPLETE, op_gen, t + 2, 1, CKO_SECRET_KEY, T_NONE);
	t[0] = T_VAR(CKA_CLASS, c_data);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_gen, t, 3, CKO_SECRET_KEY, CKK_AES);
}

static void test_build_pair_and_cert_errors(void **state)
{
	static const CK_CERTIFICATE_TYPE wtls = CKC_WTLS;
	static const CK_ULONG category = 4;
	CK_ATTRIBUTE pub[] = {T_VAR(CKA_MODULUS_BITS, bits2048), T_BYTES(CKA_MODULUS, modulus)};
	CK_ATTRIBUTE ecp[] = {T_BYTES(CKA_EC_PARAMS, ec_params), T_BYTES(CKA_EC_POINT, ec_point)};
	CK_ATTRIBUTE priv[] = {T_BYTES(CKA_PRIVATE_EXPONENT, priv_exp)};
	CK_ATTRIBUTE cert[] = {T_VAR(CKA_CLASS, c_cert), T_VAR(CKA_CERTIFICATE_TYPE, wtls),
	                       T_BYTES(CKA_SUBJECT, subject), T_BYTES(CKA_VALUE, cert_der),
	                       T_VAR(CKA_CERTIFICATE_CATEGORY, category)};

	/* Key pair generation: what is required, and key material refused. */
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_pub, pub, 2, T_NONE, CKK_RSA);
	expect_build(CKR_TEMPLATE_INCOMPLETE, op_pub, pub, 0, T_NONE, CKK_RSA);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_pub, ecp, 2, T_NONE, CKK_EC);
	expect_build(CKR_TEMPLATE_INCOMPLETE, op_pub, ecp, 0, T_NONE, CKK_EC);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_priv, priv, 1, T_NONE, CKK_RSA);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_priv, ecp, 1, T_NONE, CKK_EC);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_priv, priv, 0, CKO_PUBLIC_KEY, CKK_RSA);
	expect_build(CKR_ATTRIBUTE_READ_ONLY, op_create, pub, 1, CKO_PUBLIC_KEY, CKK_RSA);

	/* Certificates: type values and enumerations. */
	expect_build(CKR_ATTRIBUTE_VALUE_INVALID, op_create, cert, 4, T_NONE, T_NONE);
	cert[1] = T_VAR(CKA_CERTIFICATE_TYPE, x509);
	expect_build(CKR_ATTRIBUTE_VALUE_INVALID, op_create, cert, 5, T_NONE, T_NONE);
	cert[4] = T_VAR(CKA_TRUSTED, no);
	expect_build(CKR_OK, op_create, cert, 5, T_NONE, T_NONE);
	cert[3] = (CK_ATTRIBUTE){CKA_VALUE, NULL, 0};
	expect_build(CKR_ATTRIBUTE_VALUE_INVALID, op_create, cert, 4, T_NONE, T_NONE);
}

/* A token-generated AES key, its value filled in as a backend would. */
static void make_secret(struct tok_attrs *a, CK_BBOOL sensitive, CK_BBOOL extractable)
{
	CK_ATTRIBUTE t[] = {T_VAR(CKA_VALUE_LEN, len16), T_VAR(CKA_SENSITIVE, sensitive),
	                    T_VAR(CKA_EXTRACTABLE, extractable)};

	assert_int_equal(build(op_gen, t, T_N(t), CKO_SECRET_KEY, CKK_AES, CKM_AES_KEY_GEN, a),
	                 CKR_OK);
	assert_int_equal(tok_attrs_set(a, CKA_VALUE, aes_value, sizeof(aes_value)), CKR_OK);
	assert_int_equal(tok_attrs_set(a, CKA_CHECK_VALUE, aes_value, 3), CKR_OK);
}

static void test_modify_set(void **state)
{
	static const CK_ULONG ul = 1;
	static const CK_OBJECT_CLASS hw = CKO_HW_FEATURE;
	static const CK_ATTRIBUTE_TYPE fixed[] = {CKA_CLASS,
	                                          CKA_KEY_TYPE,
	                                          CKA_VALUE,
	                                          CKA_VALUE_LEN,
	                                          CKA_LOCAL,
	                                          CKA_KEY_GEN_MECHANISM,
	                                          CKA_ALWAYS_SENSITIVE,
	                                          CKA_NEVER_EXTRACTABLE,
	                                          CKA_UNIQUE_ID,
	                                          CKA_CHECK_VALUE,
	                                          CKA_ALLOWED_MECHANISMS,
	                                          CKA_TOKEN,
	                                          CKA_PRIVATE,
	                                          CKA_MODIFIABLE};
	CK_ATTRIBUTE t[] = {T_STR(CKA_LABEL, "new"), T_VAR(CKA_SIGN, no), T_VAR(CKA_LOCAL, no)};
	CK_ATTRIBUTE locked[] = {T_VAR(CKA_CLASS, c_data), T_VAR(CKA_MODIFIABLE, no)};
	struct tok_attrs obj, out;

	make_secret(&obj, CK_FALSE, CK_TRUE);
	tok_attrs_init(&out);
	assert_int_equal(tok_rules_modify(&obj, false, t, 2, false, &out), CKR_OK);
	assert_bytes_attr(&out, CKA_LABEL, "new", 3);
	assert_bools(&out, CK_FALSE, CKA_SIGN, T_END);
	assert_int_equal(out.n, obj.n);
	assert_true(tok_attrs_match(&out, tok_attrs_find(&obj, CKA_UNIQUE_ID), 1));
	assert_true(tok_attrs_match(&out, tok_attrs_find(&obj, CKA_VALUE), 1));
	tok_attrs_free(&out);
	assert_int_equal(tok_rules_modify(&obj, false, t, 3, false, &out), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(out.n, 0);

	/* Every attribute fixed at creation, restated with its own value. */
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		const CK_ATTRIBUTE *cur = tok_attrs_find(&obj, fixed[i]);
		assert_non_null(cur);
		expect_set(CKR_ATTRIBUTE_READ_ONLY, &obj, *cur);
	}
	expect_set(CKR_ATTRIBUTE_TYPE_INVALID, &obj, T_BYTES(CKA_MODULUS, modulus));
	expect_set(CKR_ATTRIBUTE_VALUE_INVALID, &obj, T_VAR(CKA_SIGN, ul));
	expect_set(CKR_OK, &obj, T_STR(CKA_START_DATE, "20250230"));
	expect_set(CKR_OK, &obj, T_VAR(CKA_DERIVE, yes));
	expect_set(CKR_OK, &obj, T_VAR(CKA_TRUSTED, no));
	tok_attrs_free(&obj);

	/* An object created unmodifiable, and one of no shape the rules know. */
	assert_int_equal(build(op_create, locked, 2, T_NONE, T_NONE, 0, &obj), CKR_OK);
	expect_set(CKR_ACTION_PROHIBITED, &obj, T_STR(CKA_LABEL, "x"));
	tok_attrs_free(&obj);
	assert_int_equal(tok_attrs_set(&obj, CKA_CLASS, &hw, sizeof(hw)), CKR_OK);
	expect_set(CKR_GENERAL_ERROR, &obj, T_STR(CKA_LABEL, "x"));
	tok_attrs_free(&obj);
}

static void test_modify_per_class(void **state)
{
	CK_ATTRIBUTE pub[] = {T_VAR(CKA_CLASS, c_pub), T_VAR(CKA_KEY_TYPE, k_rsa),
	                      T_BYTES(CKA_MODULUS, modulus), T_BYTES(CKA_PUBLIC_EXPONENT, pub_exp)};
	CK_ATTRIBUTE cert[] = {T_VAR(CKA_CLASS, c_cert), T_VAR(CKA_CERTIFICATE_TYPE, x509),
	                       T_BYTES(CKA_SUBJECT, subject), T_BYTES(CKA_VALUE, cert_der)};
	const CK_RV ro = CKR_ATTRIBUTE_READ_ONLY;
	struct tok_attrs obj;

	assert_int_equal(build(op_create, pub, T_N(pub), T_NONE, T_NONE, 0, &obj), CKR_OK);
	expect_set(ro, &obj, T_BYTES(CKA_MODULUS, modulus));
	expect_set(ro, &obj, T_VAR(CKA_MODULUS_BITS, bits2048));
	expect_set(ro, &obj, T_BYTES(CKA_PUBLIC_EXPONENT, pub_exp));
	expect_set(CKR_OK, &obj, T_VAR(CKA_ENCRYPT, no));
	expect_set(CKR_OK, &obj, T_BYTES(CKA_SUBJECT, subject));
	tok_attrs_free(&obj);

	assert_int_equal(build(op_create, cert, T_N(cert), T_NONE, T_NONE, 0, &obj), CKR_OK);
	expect_set(CKR_OK, &obj, T_STR(CKA_ID, "\x02"));
	expect_set(CKR_OK, &obj, T_BYTES(CKA_ISSUER, subject));
	expect_set(CKR_OK, &obj, T_STR(CKA_SERIAL_NUMBER, "\x02\x01\x01"));
	expect_set(ro, &obj, T_BYTES(CKA_SUBJECT, subject));
	expect_set(ro, &obj, T_BYTES(CKA_VALUE, cert_der));
	expect_set(ro, &obj, T_VAR(CKA_CERTIFICATE_TYPE, x509));
	expect_set(ro, &obj, T_STR(CKA_START_DATE, "20240101"));
	tok_attrs_free(&obj);

	assert_int_equal(build(op_create, cert, 1, CKO_DATA, T_NONE, 0, &obj),
	                 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(build(op_create, pub, 0, CKO_DATA, T_NONE, 0, &obj), CKR_OK);
	expect_set(CKR_OK, &obj, T_STR(CKA_VALUE, "payload"));
	expect_set(CKR_OK, &obj, T_STR(CKA_APPLICATION, "app"));
	expect_set(CKR_OK, &obj, T_STR(CKA_OBJECT_ID, "\x06\x01\x01"));
	tok_attrs_free(&obj);
}

static void test_modify_one_way(void **state)
{
	static const CK_ATTRIBUTE_TYPE to_true[] = {CKA_SENSITIVE, CKA_WRAP_WITH_TRUSTED};
	static const CK_ATTRIBUTE_TYPE to_false[] = {CKA_EXTRACTABLE, CKA_COPYABLE,
	                                             CKA_DESTROYABLE};
	CK_ATTRIBUTE t[] = {T_VAR(CKA_CLASS, c_secret),    T_VAR(CKA_KEY_TYPE, k_aes),
	                    T_BYTES(CKA_VALUE, aes_value), T_VAR(CKA_SENSITIVE, yes),
	                    T_VAR(CKA_EXTRACTABLE, no),    T_VAR(CKA_WRAP_WITH_TRUSTED, yes),
	                    T_VAR(CKA_COPYABLE, no),       T_VAR(CKA_DESTROYABLE, no)};
	struct tok_attrs obj;

	/* Open flags may move the one way. */
	make_secret(&obj, CK_FALSE, CK_TRUE);
	for (size_t i = 0; i < 2; i++)
		expect_set(CKR_OK, &obj, ((CK_ATTRIBUTE){to_true[i], &yes, 1}));
	for (size_t i = 0; i < 3; i++)
		expect_set(CKR_OK, &obj, ((CK_ATTRIBUTE){to_false[i], &no, 1}));
	tok_attrs_free(&obj);

	/* Closed flags stay closed; restating them is harmless. */
	assert_int_equal(build(op_create, t, T_N(t), T_NONE, T_NONE, 0, &obj), CKR_OK);
	for (size_t i = 0; i < 2; i++) {
		expect_set(CKR_ATTRIBUTE_READ_ONLY, &obj, ((CK_ATTRIBUTE){to_true[i], &no, 1}));
		expect_set(CKR_OK, &obj, ((CK_ATTRIBUTE){to_true[i], &yes, 1}));
	}
	for (size_t i = 0; i < 3; i++) {
		expect_set(CKR_ATTRIBUTE_READ_ONLY, &obj, ((CK_ATTRIBUTE){to_false[i], &yes, 1}));
		expect_set(CKR_OK, &obj, ((CK_ATTRIBUTE){to_false[i], &no, 1}));
	}
	expect_copy(CKR_ACTION_PROHIBITED, &obj, T_STR(CKA_LABEL, "x"));
	tok_attrs_free(&obj);
}

static void test_modify_copy(void **state)
{
	CK_ATTRIBUTE t[] = {T_VAR(CKA_TOKEN, yes), T_VAR(CKA_PRIVATE, yes),
	                    T_STR(CKA_LABEL, "copy"), T_VAR(CKA_MODIFIABLE, no),
	                    T_VAR(CKA_EXTRACTABLE, no)};
	const CK_RV ro = CKR_ATTRIBUTE_READ_ONLY;
	struct tok_attrs obj, out;

	make_secret(&obj, CK_TRUE, CK_TRUE);
	assert_bools(&obj, CK_TRUE, CKA_ALWAYS_SENSITIVE, T_END);
	tok_attrs_init(&out);
	assert_int_equal(tok_rules_modify(&obj, true, t, T_N(t), false, &out), CKR_OK);
	assert_bools(&out, CK_TRUE, CKA_TOKEN, CKA_PRIVATE, CKA_ALWAYS_SENSITIVE, CKA_LOCAL, T_END);
	assert_bools(&out, CK_FALSE, CKA_MODIFIABLE, CKA_EXTRACTABLE, CKA_NEVER_EXTRACTABLE, T_END);
	assert_bytes_attr(&out, CKA_VALUE, aes_value, sizeof(aes_value));
	assert_false(tok_attrs_match(&out, tok_attrs_find(&obj, CKA_UNIQUE_ID), 1));
	assert_int_equal(tok_attrs_find(&out, CKA_UNIQUE_ID)->ulValueLen, 32);

	expect_copy(ro, &obj, T_VAR(CKA_SENSITIVE, no));
	expect_copy(ro, &obj, T_VAR(CKA_CLASS, c_secret));
	expect_copy(ro, &obj, T_BYTES(CKA_VALUE, aes_value));
	expect_copy(CKR_OK, &obj, T_VAR(CKA_MODIFIABLE, yes));
	expect_copy(CKR_OK, &obj, T_STR(CKA_ID, "\x07"));
	expect_copy(CKR_OK, &obj, T_VAR(CKA_ENCRYPT, no)); /* what a set may change, a copy may */
	tok_attrs_free(&obj);

	/* The copy is unmodifiable: its copies change only storage and one-way flags. */
	expect_set(CKR_ACTION_PROHIBITED, &out, T_STR(CKA_LABEL, "x"));
	expect_copy(ro, &out, T_STR(CKA_LABEL, "x"));
	expect_copy(ro, &out, T_VAR(CKA_MODIFIABLE, yes));
	expect_copy(ro, &out, T_VAR(CKA_EXTRACTABLE, yes));
	expect_copy(CKR_OK, &out, T_VAR(CKA_TOKEN, no));
	expect_copy(CKR_OK, &out, T_VAR(CKA_PRIVATE, yes));
	expect_copy(CKR_OK, &out, T_VAR(CKA_COPYABLE, no));
	tok_attrs_free(&out);
}

static void test_modify_history(void **state)
{
	CK_ATTRIBUTE label[] = {T_STR(CKA_LABEL, "x")};
	struct tok_attrs obj, out;

	make_secret(&obj, CK_TRUE, CK_FALSE);
	assert_bools(&obj, CK_TRUE, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, T_END);
	/* A damaged object claiming a history its flags deny is corrected. */
	assert_int_equal(tok_attrs_set_bool(&obj, CKA_SENSITIVE, CK_FALSE), CKR_OK);
	assert_int_equal(tok_attrs_set_bool(&obj, CKA_EXTRACTABLE, CK_TRUE), CKR_OK);
	tok_attrs_init(&out);
	assert_int_equal(tok_rules_modify(&obj, false, label, 1, false, &out), CKR_OK);
	assert_bools(&out, CK_FALSE, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, T_END);
	tok_attrs_free(&out);
	tok_attrs_free(&obj);
}

/* CKA_TRUSTED true comes from the security officer only, whatever builds the object. */
static void test_trusted_only_so(void **state)
{
	CK_ATTRIBUTE sec[] = {T_VAR(CKA_TRUSTED, yes), T_VAR(CKA_CLASS, c_secret),
	                      T_VAR(CKA_KEY_TYPE, k_aes), T_BYTES(CKA_VALUE, aes_value)};
	CK_ATTRIBUTE gen[] = {T_VAR(CKA_TRUSTED, yes), T_VAR(CKA_VALUE_LEN, len16)};
	CK_ATTRIBUTE pub[] = {T_VAR(CKA_TRUSTED, yes), T_VAR(CKA_MODULUS_BITS, bits2048)};
	CK_ATTRIBUTE cert[] = {T_VAR(CKA_TRUSTED, yes), T_VAR(CKA_CLASS, c_cert),
	                       T_VAR(CKA_CERTIFICATE_TYPE, x509), T_BYTES(CKA_SUBJECT, subject),
	                       T_BYTES(CKA_VALUE, cert_der)};
	const enum tok_rules_op unwrap = TOK_RULES_UNWRAP, derive = TOK_RULES_DERIVE;
	const CK_RV ro = CKR_ATTRIBUTE_READ_ONLY;
	struct tok_attrs a;

	expect_build(ro, op_create, sec, T_N(sec), T_NONE, T_NONE);
	expect_build(ro, op_create, cert, T_N(cert), T_NONE, T_NONE);
	expect_build(ro, op_gen, gen, T_N(gen), CKO_SECRET_KEY, CKK_AES);
	expect_build(ro, op_pub, pub, T_N(pub), CKO_PUBLIC_KEY, CKK_RSA);
	expect_build(ro, unwrap, sec, 3, T_NONE, T_NONE);
	expect_build(ro, derive, sec, 3, CKO_SECRET_KEY, T_NONE);

	assert_int_equal(build_as(true, op_gen, gen, T_N(gen), CKO_SECRET_KEY, CKK_AES, 0, &a),
	                 CKR_OK);
	assert_bools(&a, CK_TRUE, CKA_TRUSTED, T_END);
	expect_set(CKR_OK, &a, T_VAR(CKA_TRUSTED, no));  /* anyone may take trust away */
	expect_copy(CKR_OK, &a, T_VAR(CKA_TRUSTED, no)); /* a copy may take it away too */
	expect_copy(ro, &a, T_STR(CKA_LABEL, "x"));      /* but not keep it: a new trusted key */
	expect_so_copy(CKR_OK, &a, T_STR(CKA_LABEL, "x"));
	tok_attrs_free(&a);
	assert_int_equal(build_as(true, op_create, cert, T_N(cert), T_NONE, T_NONE, 0, &a), CKR_OK);
	assert_bools(&a, CK_TRUE, CKA_TRUSTED, T_END);
	tok_attrs_free(&a);
	assert_int_equal(build_as(true, unwrap, sec, 3, T_NONE, T_NONE, 0, &a), CKR_OK);
	tok_attrs_free(&a);

	/* The same template without trust, then trust given afterwards. */
	assert_int_equal(build(op_create, sec + 1, 3, T_NONE, T_NONE, 0, &a), CKR_OK);
	assert_bools(&a, CK_FALSE, CKA_TRUSTED, T_END);
	expect_set(ro, &a, T_VAR(CKA_TRUSTED, yes));
	expect_so_set(CKR_OK, &a, T_VAR(CKA_TRUSTED, yes));
	expect_set(CKR_OK, &a, T_VAR(CKA_TRUSTED, no));
	expect_copy(ro, &a, T_VAR(CKA_TRUSTED, yes));
	expect_so_copy(CKR_OK, &a, T_VAR(CKA_TRUSTED, yes));
	tok_attrs_free(&a);
}

/* A copy of a protected key stays private; an extractable one may be made public. */
static void test_private_kept(void **state)
{
	static const CK_BBOOL flags[][2] = {
	    {0, 1}, {1, 1}, {0, 0}, {1, 0}}; /* sensitive, extractable */
	CK_ATTRIBUTE priv[] = {
	    T_VAR(CKA_CLASS, c_priv),      T_VAR(CKA_KEY_TYPE, k_rsa),
	    T_BYTES(CKA_MODULUS, modulus), T_BYTES(CKA_PRIVATE_EXPONENT, priv_exp),
	    T_VAR(CKA_SENSITIVE, yes),     T_VAR(CKA_EXTRACTABLE, no)};
	CK_ATTRIBUTE both[] = {T_VAR(CKA_PRIVATE, no), T_VAR(CKA_SENSITIVE, yes)};
	const CK_RV ro = CKR_ATTRIBUTE_READ_ONLY, inconsistent = CKR_TEMPLATE_INCONSISTENT;
	struct tok_attrs obj, out;

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		bool open = !flags[i][0] && flags[i][1];
		make_secret(&obj, flags[i][0], flags[i][1]);
		expect_copy(open ? CKR_OK : inconsistent, &obj, T_VAR(CKA_PRIVATE, no));
		expect_so_copy(open ? CKR_OK : inconsistent, &obj, T_VAR(CKA_PRIVATE, no));
		expect_copy(CKR_OK, &obj, T_VAR(CKA_PRIVATE, yes));
		expect_set(ro, &obj, T_VAR(CKA_PRIVATE, no));
		tok_attrs_free(&obj);
	}

	/* Protection and publicity asked for in one copy: judged on the result. */
	make_secret(&obj, CK_FALSE, CK_TRUE);
	tok_attrs_init(&out);
	assert_int_equal(tok_rules_modify(&obj, true, both, 2, false, &out), inconsistent);
	assert_int_equal(out.n, 0);
	tok_attrs_free(&obj);

	assert_int_equal(build(op_create, priv, T_N(priv), T_NONE, T_NONE, 0, &obj), CKR_OK);
	expect_copy(inconsistent, &obj, T_VAR(CKA_PRIVATE, no));
	tok_attrs_free(&obj);

	/* A private object with no secret part may be copied out in public. */
	assert_int_equal(build(op_create, both, 1, CKO_DATA, T_NONE, 0, &obj), CKR_OK);
	expect_copy(CKR_OK, &obj, T_VAR(CKA_PRIVATE, yes));
	assert_int_equal(tok_attrs_set_bool(&obj, CKA_PRIVATE, CK_TRUE), CKR_OK);
	expect_copy(CKR_OK, &obj, T_VAR(CKA_PRIVATE, no));
	tok_attrs_free(&obj);

	/* A stored key without CKA_PRIVATE is public: changing it keeps it so. */
	make_secret(&obj, CK_TRUE, CK_FALSE);
	tok_attrs_remove(&obj, CKA_PRIVATE);
	expect_set(CKR_OK, &obj, T_STR(CKA_LABEL, "k"));
	expect_copy(CKR_OK, &obj, T_STR(CKA_LABEL, "k"));
	expect_copy(CKR_OK, &obj, T_VAR(CKA_PRIVATE, yes));
	tok_attrs_free(&obj);
}

/* A token AES key as slotd would receive it. */
static void make_token_secret(struct tok_attrs *a, CK_BBOOL sensitive, CK_BBOOL extractable)
{
	make_secret(a, sensitive, extractable);
	assert_int_equal(tok_attrs_set_bool(a, CKA_TOKEN, CK_TRUE), CKR_OK);
}

/* tok_rules_check_new() of obj changed by at, bypassing the rules. */
static CK_RV check_new_with(const struct tok_attrs *obj, CK_ATTRIBUTE at, bool so)
{
	struct tok_attrs a;
	CK_RV rv;

	tok_attrs_init(&a);
	assert_int_equal(tok_attrs_copy(&a, obj), CKR_OK);
	assert_int_equal(tok_attrs_set(&a, at.type, at.pValue, at.ulValueLen), CKR_OK);
	rv = tok_rules_check_new(&a, so);
	tok_attrs_free(&a);
	return rv;
}

static void test_check_new(void **state)
{
	static const CK_ULONG one = 1, hw = CKO_HW_FEATURE, k_unknown = CKK_BLOWFISH;
	CK_ATTRIBUTE cert[] = {T_VAR(CKA_CLASS, c_cert), T_VAR(CKA_CERTIFICATE_TYPE, x509),
	                       T_BYTES(CKA_SUBJECT, subject), T_BYTES(CKA_VALUE, cert_der),
	                       T_VAR(CKA_TOKEN, yes)};
	const CK_RV ro = CKR_ATTRIBUTE_READ_ONLY, bad = CKR_TEMPLATE_INCONSISTENT;
	struct tok_attrs obj;

	make_token_secret(&obj, CK_TRUE, CK_FALSE);
	assert_int_equal(tok_rules_check_new(&obj, false), CKR_OK);
	assert_int_equal(check_new_with(&obj, T_STR(CKA_VENDOR_DEFINED | 7, "blob"), false),
	                 CKR_OK);
	assert_int_equal(check_new_with(&obj, T_VAR(CKA_TOKEN, no), false), bad);
	assert_int_equal(check_new_with(&obj, T_VAR(CKA_KEY_TYPE, k_unknown), false), bad);
	assert_int_equal(check_new_with(&obj, T_VAR(CKA_CLASS, hw), false),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(check_new_with(&obj, T_BYTES(CKA_MODULUS, modulus), false),
	                 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(check_new_with(&obj, T_VAR(CKA_SIGN, one), false),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(check_new_with(&obj, T_VAR(CKA_TRUSTED, yes), false), ro);
	assert_int_equal(check_new_with(&obj, T_VAR(CKA_TRUSTED, yes), true), CKR_OK);
	assert_int_equal(check_new_with(&obj, T_VAR(CKA_SENSITIVE, no), false), bad);
	assert_int_equal(check_new_with(&obj, T_VAR(CKA_EXTRACTABLE, yes), false), bad);
	tok_attrs_remove(&obj, CKA_CLASS);
	assert_int_equal(tok_rules_check_new(&obj, false), CKR_TEMPLATE_INCOMPLETE);
	tok_attrs_free(&obj);

	/* A key that never had the flags may have them cleared; a certificate of trust. */
	make_token_secret(&obj, CK_FALSE, CK_TRUE);
	assert_int_equal(tok_rules_check_new(&obj, false), CKR_OK);
	tok_attrs_free(&obj);
	assert_int_equal(build(op_create, cert, T_N(cert), T_NONE, T_NONE, 0, &obj), CKR_OK);
	assert_int_equal(tok_rules_check_new(&obj, false), CKR_OK);
	assert_int_equal(check_new_with(&obj, T_VAR(CKA_TRUSTED, yes), false), ro);
	assert_int_equal(check_new_with(&obj, T_VAR(CKA_TRUSTED, yes), true), CKR_OK);
	tok_attrs_free(&obj);
}

/* tok_rules_check_update() from obj to obj changed by at, bypassing the rules. */
static CK_RV check_update_with(const struct tok_attrs *obj, CK_ATTRIBUTE at, bool so)
{
	struct tok_attrs a;
	CK_RV rv;

	tok_attrs_init(&a);
	assert_int_equal(tok_attrs_copy(&a, obj), CKR_OK);
	assert_int_equal(tok_attrs_set(&a, at.type, at.pValue, at.ulValueLen), CKR_OK);
	rv = tok_rules_check_update(obj, &a, so);
	tok_attrs_free(&a);
	return rv;
}

#define expect_update(want, obj, at, so) assert_int_equal(check_update_with(obj, at, so), want)

/* Every change C_SetAttributeValue makes passes; what it refuses is refused. */
static void test_check_update_allowed(void **state)
{
	CK_ATTRIBUTE t[] = {T_STR(CKA_LABEL, "new"),         T_VAR(CKA_SIGN, no),
	                    T_VAR(CKA_SENSITIVE, yes),       T_VAR(CKA_EXTRACTABLE, no),
	                    T_STR(CKA_END_DATE, "20301231"), T_VAR(CKA_WRAP_WITH_TRUSTED, yes),
	                    T_VAR(CKA_COPYABLE, no)};
	struct tok_attrs obj, out;

	make_token_secret(&obj, CK_FALSE, CK_TRUE);
	assert_int_equal(tok_rules_check_update(&obj, &obj, false), CKR_OK);
	for (size_t i = 0; i <= T_N(t); i++) {
		tok_attrs_init(&out);
		assert_int_equal(tok_rules_modify(&obj, false, t, i, false, &out), CKR_OK);
		assert_int_equal(tok_rules_check_update(&obj, &out, false), CKR_OK);
		tok_attrs_free(&out);
	}
	expect_update(CKR_OK, &obj, T_VAR(CKA_TRUSTED, yes), true);
	tok_attrs_free(&obj);
}

static void test_check_update_refused(void **state)
{
	static const CK_ULONG one = 1, c_other = CKO_DATA, k_other = CKK_GENERIC_SECRET;
	static const CK_ATTRIBUTE_TYPE computed[] = {CKA_LOCAL, CKA_ALWAYS_SENSITIVE,
	                                             CKA_NEVER_EXTRACTABLE};
	const CK_RV ro = CKR_ATTRIBUTE_READ_ONLY;
	struct tok_attrs obj, less;

	make_token_secret(&obj, CK_TRUE, CK_FALSE);
	expect_update(ro, &obj, T_VAR(CKA_SENSITIVE, no), false);
	expect_update(ro, &obj, T_VAR(CKA_EXTRACTABLE, yes), false);
	expect_update(ro, &obj, T_VAR(CKA_CLASS, c_other), false);
	expect_update(ro, &obj, T_VAR(CKA_KEY_TYPE, k_other), false);
	expect_update(ro, &obj, T_VAR(CKA_TOKEN, no), false);
	expect_update(ro, &obj, T_VAR(CKA_PRIVATE, no), false);
	expect_update(ro, &obj, T_VAR(CKA_PRIVATE, no), true);
	expect_update(ro, &obj, T_VAR(CKA_MODIFIABLE, no), false);
	expect_update(ro, &obj, T_BYTES(CKA_VALUE, modulus), false);
	expect_update(ro, &obj, T_STR(CKA_UNIQUE_ID, "0123"), false);
	expect_update(ro, &obj, T_VAR(CKA_KEY_GEN_MECHANISM, one), false);
	for (size_t i = 0; i < sizeof(computed) / sizeof(computed[0]); i++)
		expect_update(ro, &obj, ((CK_ATTRIBUTE){computed[i], &no, 1}), true);
	expect_update(ro, &obj, T_VAR(CKA_TRUSTED, yes), false);
	expect_update(CKR_ATTRIBUTE_TYPE_INVALID, &obj, T_STR(CKA_SUBJECT, "x"), false);
	expect_update(CKR_ATTRIBUTE_TYPE_INVALID, &obj, T_STR(CKA_VENDOR_DEFINED, "x"), false);
	expect_update(CKR_ATTRIBUTE_VALUE_INVALID, &obj, T_VAR(CKA_SIGN, one), false);

	/* An attribute dropped. */
	tok_attrs_init(&less);
	assert_int_equal(tok_attrs_copy(&less, &obj), CKR_OK);
	tok_attrs_remove(&less, CKA_LABEL);
	assert_int_equal(tok_rules_check_update(&obj, &less, false), CKR_TEMPLATE_INCONSISTENT);
	tok_attrs_free(&less);

	/* Unmodifiable: any change is prohibited, none is fine. */
	assert_int_equal(tok_attrs_set_bool(&obj, CKA_MODIFIABLE, CK_FALSE), CKR_OK);
	assert_int_equal(tok_rules_check_update(&obj, &obj, false), CKR_OK);
	expect_update(CKR_ACTION_PROHIBITED, &obj, T_STR(CKA_LABEL, "x"), true);
	expect_update(CKR_OK, &obj, T_VAR(CKA_MODIFIABLE, no), false);
	tok_attrs_remove(&obj, CKA_CLASS);
	expect_update(CKR_TEMPLATE_INCONSISTENT, &obj, T_STR(CKA_LABEL, "x"), false);
	tok_attrs_free(&obj);
}

/* An AES key created with a value, sensitive or not, extractable or not. */
static void make_aes(struct tok_attrs *a, CK_BBOOL sensitive, CK_BBOOL extractable)
{
	CK_ATTRIBUTE t[] = {T_VAR(CKA_CLASS, c_secret),
	                    T_VAR(CKA_KEY_TYPE, k_aes),
	                    T_BYTES(CKA_VALUE, aes_value),
	                    T_STR(CKA_LABEL, "label"),
	                    T_STR(CKA_ID, "id12"),
	                    T_VAR(CKA_SENSITIVE, sensitive),
	                    T_VAR(CKA_EXTRACTABLE, extractable)};

	assert_int_equal(build(op_create, t, T_N(t), T_NONE, T_NONE, 0, a), CKR_OK);
}

static void test_get_mixed(void **state)
{
	unsigned char label[64], value[64], modv[64], id[2], date[1];
	CK_ULONG vlen = 0;
	CK_ATTRIBUTE t[] = {{CKA_LABEL, label, sizeof(label)},
	                    {CKA_VALUE, value, sizeof(value)},
	                    {CKA_MODULUS, modv, sizeof(modv)},
	                    {CKA_ID, id, sizeof(id)},
	                    {CKA_CLASS, NULL, 0},
	                    {CKA_VALUE_LEN, &vlen, sizeof(vlen)},
	                    {CKA_SUBJECT, NULL, 0},
	                    {CKA_START_DATE, date, sizeof(date)}};
	CK_ATTRIBUTE missing[] = {{CKA_MODULUS, NULL, 0}, {CKA_VALUE, NULL, 0}};
	CK_ATTRIBUTE small[] = {{CKA_ID, id, 3}, {CKA_MODULUS, NULL, 0}};
	CK_ATTRIBUTE fine[] = {{CKA_ID, label, 4}, {CKA_LABEL, NULL, 0}};
	struct tok_attrs obj;

	make_aes(&obj, CK_TRUE, CK_TRUE);
	assert_int_equal(tok_rules_get(&obj, t, T_N(t)), CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(t[0].ulValueLen, 5);
	assert_memory_equal(label, "label", 5);
	assert_int_equal(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(t[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(t[4].ulValueLen, sizeof(CK_ULONG));
	assert_int_equal(t[5].ulValueLen, sizeof(CK_ULONG));
	assert_int_equal(vlen, 16);
	assert_int_equal(t[6].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(t[7].ulValueLen, 0);

	/* The first failing entry names the error; every entry is still processed. */
	assert_int_equal(tok_rules_get(&obj, missing, 2), CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(missing[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(tok_rules_get(&obj, small, 2), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(small[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(small[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(tok_rules_get(&obj, fine, 2), CKR_OK);
	assert_int_equal(fine[0].ulValueLen, 4);
	assert_memory_equal(label, "id12", 4);
	assert_int_equal(fine[1].ulValueLen, 5);
	assert_int_equal(tok_rules_get(&obj, NULL, 0), CKR_OK);
	tok_attrs_free(&obj);
}

static void test_get_sensitivity(void **state)
{
	static const CK_ATTRIBUTE_TYPE rsa_secret[] = {CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
	                                               CKA_PRIME_2,          CKA_EXPONENT_1,
	                                               CKA_EXPONENT_2,       CKA_COEFFICIENT};
	static const CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	static const CK_KEY_TYPE unknown = CKK_BLOWFISH;
	CK_ATTRIBUTE rsa[] = {T_VAR(CKA_CLASS, c_priv), T_VAR(CKA_KEY_TYPE, k_rsa),
	                      T_VAR(CKA_SENSITIVE, yes), T_BYTES(CKA_MODULUS, modulus),
	                      T_BYTES(CKA_PRIVATE_EXPONENT, priv_exp)};
	unsigned char buf[64];
	CK_ATTRIBUTE get = {CKA_VALUE, buf, sizeof(buf)}, prime1 = {CKA_PRIME_1, NULL, 0};
	struct tok_attrs obj;

	make_aes(&obj, CK_FALSE, CK_TRUE);
	assert_false(tok_rules_is_sensitive(&obj, CKA_VALUE));
	assert_int_equal(tok_rules_get(&obj, &get, 1), CKR_OK);
	assert_int_equal(get.ulValueLen, sizeof(aes_value));
	assert_memory_equal(buf, aes_value, sizeof(aes_value));
	tok_attrs_free(&obj);
	make_aes(&obj, CK_FALSE, CK_FALSE);
	assert_true(tok_rules_is_sensitive(&obj, CKA_VALUE));
	assert_false(tok_rules_is_sensitive(&obj, CKA_LABEL));
	tok_attrs_free(&obj);

	assert_int_equal(build(op_create, rsa, T_N(rsa), T_NONE, T_NONE, 0, &obj), CKR_OK);
	for (size_t i = 0; i < sizeof(rsa_secret) / sizeof(rsa_secret[0]); i++)
		assert_true(tok_rules_is_sensitive(&obj, rsa_secret[i]));
	assert_false(tok_rules_is_sensitive(&obj, CKA_MODULUS));
	assert_false(tok_rules_is_sensitive(&obj, CKA_PUBLIC_EXPONENT));
	assert_int_equal(tok_rules_get(&obj, &prime1, 1), CKR_ATTRIBUTE_SENSITIVE);
	tok_attrs_free(&obj);

	/* Public material is never secret, whatever the object claims. */
	rsa[0] = T_VAR(CKA_CLASS, c_pub);
	rsa[2] = T_BYTES(CKA_PUBLIC_EXPONENT, pub_exp);
	assert_int_equal(build(op_create, rsa, 4, T_NONE, T_NONE, 0, &obj), CKR_OK);
	assert_int_equal(tok_attrs_set_bool(&obj, CKA_SENSITIVE, CK_TRUE), CKR_OK);
	assert_false(tok_rules_is_sensitive(&obj, CKA_MODULUS));
	tok_attrs_free(&obj);

	/* A secret key of a type the rules do not know is treated with suspicion. */
	assert_int_equal(tok_attrs_set(&obj, CKA_CLASS, &secret, sizeof(secret)), CKR_OK);
	assert_int_equal(tok_attrs_set(&obj, CKA_KEY_TYPE, &unknown, sizeof(unknown)), CKR_OK);
	assert_int_equal(tok_attrs_set(&obj, CKA_VALUE, aes_value, 8), CKR_OK);
	assert_true(tok_rules_is_sensitive(&obj, CKA_VALUE));
	assert_false(tok_rules_is_sensitive(&obj, CKA_MODULUS_BITS));
	tok_attrs_free(&obj);
}

static void test_allows_and_mechs(void **state)
{
	static const CK_MECHANISM_TYPE mechs[] = {CKM_AES_CBC, CKM_AES_GCM};
	CK_ATTRIBUTE t[] = {T_VAR(CKA_CLASS, c_secret), T_VAR(CKA_KEY_TYPE, k_aes),
	                    T_BYTES(CKA_VALUE, aes_value), T_VAR(CKA_VERIFY, no),
	                    T_BYTES(CKA_ALLOWED_MECHANISMS, mechs)};
	struct tok_attrs obj;

	assert_int_equal(build(op_create, t, 4, T_NONE, T_NONE, 0, &obj), CKR_OK);
	assert_true(tok_rules_allows(&obj, CKA_SIGN));
	assert_true(tok_rules_allows(&obj, CKA_ENCRYPT));
	assert_false(tok_rules_allows(&obj, CKA_VERIFY));
	assert_false(tok_rules_allows(&obj, CKA_DERIVE));
	assert_false(tok_rules_allows(&obj, CKA_TOKEN));
	assert_false(tok_rules_allows(&obj, CKA_SIGN_RECOVER)); /* not a secret key flag */
	assert_true(tok_rules_mech_allowed(&obj, CKM_AES_ECB));
	tok_attrs_free(&obj);

	assert_int_equal(build(op_create, t, 5, T_NONE, T_NONE, 0, &obj), CKR_OK);
	assert_true(tok_rules_mech_allowed(&obj, CKM_AES_CBC));
	assert_true(tok_rules_mech_allowed(&obj, CKM_AES_GCM));
	assert_false(tok_rules_mech_allowed(&obj, CKM_AES_ECB));
	tok_attrs_free(&obj);
}

/* The tables themselves: no shape names an attribute twice or contradicts itself. */
static void test_table_sane(void **state)
{
	static const CK_ULONG shapes[][2] = {{CKO_DATA, RULES_NO_SUB},
	                                     {CKO_CERTIFICATE, CKC_X_509},
	                                     {CKO_PUBLIC_KEY, CKK_RSA},
	                                     {CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY},
	                                     {CKO_SECRET_KEY, CKK_SHA3_512_HMAC},
	                                     {CKO_SECRET_KEY, CKK_GENERIC_SECRET}};

	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		const struct rules_shape *s = rules_table_shape(shapes[k][0], shapes[k][1]);
		assert_non_null(s);
		assert_non_null(rules_table_attr(s, CKA_CLASS));
		if (s->sub_attr)
			assert_non_null(rules_table_attr(s, s->sub_attr));
		for (size_t l = 0; l < RULES_SHAPE_LISTS; l++) {
			for (size_t i = 0; i < s->lists[l].n; i++) {
				const struct rules_attr *ra = &s->lists[l].v[i];
				assert_ptr_equal(rules_table_attr(s, ra->type), ra);
				if (ra->flags & (RULES_REQ_CREATE | RULES_REQ_GEN | RULES_COMPUTED))
					assert_int_equal(ra->dflt, RULES_DFLT_NONE);
				if (ra->flags & (RULES_ONLY_TRUE | RULES_ONLY_FALSE))
					assert_int_equal(ra->kind, RULES_BOOL);
			}
		}
	}
	assert_null(rules_table_shape(CKO_PUBLIC_KEY, CKK_AES));
	assert_null(rules_table_shape(CKO_HW_FEATURE, RULES_NO_SUB));
	assert_false(rules_table_known_class(CKO_MECHANISM));
	assert_true(rules_table_known_class(CKO_DOMAIN_PARAMETERS));
	assert_true(rules_table_known_sub(CKA_KEY_TYPE, CKK_EC_EDWARDS));
	assert_false(rules_table_known_sub(CKA_CERTIFICATE_TYPE, CKC_WTLS));
}

/* Diffie-Hellman keys and domain parameters: what creation computes, what generation takes. */
static void test_dh_objects(void **state)
{
	static CK_OBJECT_CLASS c_domain = CKO_DOMAIN_PARAMETERS;
	static CK_KEY_TYPE k_dh = CKK_DH;
	static const unsigned char p[] = {0x00, 0xe3, 0x01}, g[] = {0x02}, x[] = {0x00, 0x05};
	CK_ATTRIBUTE dom[] = {T_VAR(CKA_CLASS, c_domain), T_VAR(CKA_KEY_TYPE, k_dh),
	                      T_BYTES(CKA_PRIME, p), T_BYTES(CKA_BASE, g)};
	CK_ATTRIBUTE priv[] = {T_VAR(CKA_CLASS, c_priv), T_VAR(CKA_KEY_TYPE, k_dh),
	                       T_BYTES(CKA_PRIME, p), T_BYTES(CKA_BASE, g), T_BYTES(CKA_VALUE, x)};
	CK_ATTRIBUTE gen[] = {T_VAR(CKA_PRIME_BITS, bits2048)};
	CK_ATTRIBUTE pubgen[] = {T_BYTES(CKA_PRIME, p), T_BYTES(CKA_BASE, g)};
	CK_ATTRIBUTE bits = T_VAR(CKA_VALUE_BITS, bits2048);
	struct tok_attrs a;
	CK_ULONG v;

	/* Creation computes CKA_PRIME_BITS and CKA_VALUE_BITS and refuses them given. */
	assert_int_equal(build(op_create, dom, T_N(dom), T_NONE, T_NONE, 0, &a), CKR_OK);
	assert_true(tok_attrs_get_ulong(&a, CKA_PRIME_BITS, &v));
	assert_int_equal(v, 16);
	assert_int_equal(tok_attrs_get_bool(&a, CKA_LOCAL, CK_TRUE), CK_FALSE);
	assert_int_equal(tok_attrs_get_bool(&a, CKA_PRIVATE, CK_TRUE), CK_FALSE);
	tok_attrs_free(&a);
	assert_int_equal(build(op_create, priv, T_N(priv), T_NONE, T_NONE, 0, &a), CKR_OK);
	assert_true(tok_attrs_get_ulong(&a, CKA_VALUE_BITS, &v));
	assert_int_equal(v, 3);
	assert_true(tok_rules_is_sensitive(&a, CKA_VALUE) == false);
	tok_attrs_free(&a);
	expect_build(CKR_TEMPLATE_INCOMPLETE, op_create, priv, 4, T_NONE, T_NONE);
	dom[2] = T_VAR(CKA_PRIME_BITS, bits2048);
	expect_build(CKR_ATTRIBUTE_READ_ONLY, op_create, dom, T_N(dom), T_NONE, T_NONE);

	/* C_GenerateKey makes domain parameters when the mechanism says so. */
	assert_int_equal(build(op_gen, gen, 1, c_domain, k_dh, CKM_DH_PKCS_PARAMETER_GEN, &a),
	                 CKR_OK);
	assert_true(tok_attrs_get_ulong(&a, CKA_CLASS, &v));
	assert_int_equal(v, CKO_DOMAIN_PARAMETERS);
	assert_int_equal(tok_attrs_get_bool(&a, CKA_LOCAL, CK_FALSE), CK_TRUE);
	tok_attrs_free(&a);
	expect_build(CKR_TEMPLATE_INCOMPLETE, op_gen, gen, 0, c_domain, k_dh);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_gen, pubgen, 1, c_domain, k_dh);
	dom[2] = T_VAR(CKA_CLASS, c_secret);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_gen, dom + 2, 1, c_domain, k_dh);

	/* A pair: the public template carries the domain, the private one may ask for bits. */
	expect_build(CKR_OK, op_pub, pubgen, 2, c_pub, k_dh);
	expect_build(CKR_TEMPLATE_INCOMPLETE, op_pub, pubgen, 1, c_pub, k_dh);
	expect_build(CKR_OK, op_priv, &bits, 1, c_priv, k_dh);
	expect_build(CKR_TEMPLATE_INCONSISTENT, op_priv, pubgen, 1, c_priv, k_dh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_create_rsa_public),
	                                   cmocka_unit_test(test_dh_objects),
	                                   cmocka_unit_test(test_create_rsa_private),
	                                   cmocka_unit_test(test_generate_rsa_pair),
	                                   cmocka_unit_test(test_generate_ec_pairs),
	                                   cmocka_unit_test(test_create_ec_keys),
	                                   cmocka_unit_test(test_secret_keys),
	                                   cmocka_unit_test(test_data_and_certificate),
	                                   cmocka_unit_test(test_unwrap_and_derive),
	                                   cmocka_unit_test(test_build_attribute_errors),
	                                   cmocka_unit_test(test_build_key_type_errors),
	                                   cmocka_unit_test(test_build_pair_and_cert_errors),
	                                   cmocka_unit_test(test_modify_set),
	                                   cmocka_unit_test(test_modify_per_class),
	                                   cmocka_unit_test(test_modify_one_way),
	                                   cmocka_unit_test(test_modify_copy),
	                                   cmocka_unit_test(test_modify_history),
	                                   cmocka_unit_test(test_trusted_only_so),
	                                   cmocka_unit_test(test_private_kept),
	                                   cmocka_unit_test(test_check_new),
	                                   cmocka_unit_test(test_check_update_allowed),
	                                   cmocka_unit_test(test_check_update_refused),
	                                   cmocka_unit_test(test_get_mixed),
	                                   cmocka_unit_test(test_get_sensitivity),
	                                   cmocka_unit_test(test_allows_and_mechs),
	                                   cmocka_unit_test(test_table_sane)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
