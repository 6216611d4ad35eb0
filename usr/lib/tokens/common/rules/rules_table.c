/*
 * The attribute tables of the objects openslot stores (see rules_table.h),
 * written from the object model of PKCS#11 2.40 section 4 and the key type
 * sections of the 2.40/3.0 mechanism specifications.
 *
 * Where the specification leaves a default to the token (the usage flags
 * CKA_ENCRYPT, CKA_SIGN, ... and CKA_PRIVATE), openslot follows SoftHSMv2
 * and openCryptoki: usage flags default to true for every class where they
 * apply, so that a key created with a minimal template is usable.
 *
 * CKA_TRUSTED may only be set to true by the security officer (footnote 10,
 * RULES_SO_TRUE); the caller of rules.c says whether the SO is logged in.
 *
 * What C_CopyObject may change follows from these flags alone: every
 * attribute C_SetAttributeValue may change (RULES_MODIFIABLE, footnote 8)
 * and the storage attributes CKA_TOKEN, CKA_PRIVATE and CKA_MODIFIABLE
 * (RULES_COPY_ONLY), as the PKCS#11 text on copying objects says.
 */
#include "rules_table.h"

#define RULES_ENTRY(t, k, f, d)                                                      \
	{                                                                            \
		.type = (t), .kind = RULES_##k, .flags = (f), .dflt = RULES_DFLT_##d \
	}
#define RULES_ENUM(t, f, dv, mx)                                                   \
	{                                                                          \
		.type = (t), .kind = RULES_ULONG, .flags = (f) | RULES_CHECK_ENUM, \
		.dflt = RULES_DFLT_ULONG, .dflt_ulong = (dv), .max = (mx)          \
	}
#define RULES_LIST(a)                                     \
	{                                                 \
		.v = (a), .n = sizeof(a) / sizeof((a)[0]) \
	}

/* Every object: PKCS#11 2.40 tables 10 and 17, plus CKA_UNIQUE_ID of 3.0. */
static const struct rules_attr rules_storage[] = {
    RULES_ENTRY(CKA_CLASS, ULONG, 0, NONE),
    RULES_ENTRY(CKA_TOKEN, BOOL, RULES_COPY_ONLY, FALSE),
    RULES_ENTRY(CKA_PRIVATE, BOOL, RULES_COPY_ONLY, NONE), /* per shape */
    RULES_ENTRY(CKA_MODIFIABLE, BOOL, RULES_COPY_ONLY | RULES_ONLY_FALSE, TRUE),
    RULES_ENTRY(CKA_LABEL, BYTES, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_COPYABLE, BOOL, RULES_MODIFIABLE | RULES_ONLY_FALSE, TRUE),
    RULES_ENTRY(CKA_DESTROYABLE, BOOL, RULES_MODIFIABLE | RULES_ONLY_FALSE, TRUE),
    RULES_ENTRY(CKA_UNIQUE_ID, BYTES, RULES_COMPUTED, NONE),
};

/* Data objects: table 19; every attribute may change. */
static const struct rules_attr rules_data[] = {
    RULES_ENTRY(CKA_APPLICATION, BYTES, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_OBJECT_ID, BYTES, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_VALUE, BYTES, RULES_MODIFIABLE, EMPTY),
};

/*
 * Certificates: table 21.  The specification names no attribute of this
 * table as modifiable; CKA_TRUSTED is the exception its footnote 10 allows.
 */
static const struct rules_attr rules_certificate[] = {
    RULES_ENTRY(CKA_CERTIFICATE_TYPE, ULONG, 0, NONE),
    RULES_ENTRY(CKA_TRUSTED, BOOL, RULES_MODIFIABLE | RULES_SO_TRUE, FALSE),
    RULES_ENUM(CKA_CERTIFICATE_CATEGORY, 0, 0, 3), /* unspecified .. other entity */
    RULES_ENTRY(CKA_CHECK_VALUE, BYTES, 0, NONE),
    RULES_ENTRY(CKA_START_DATE, DATE, 0, EMPTY),
    RULES_ENTRY(CKA_END_DATE, DATE, 0, EMPTY),
    RULES_ENTRY(CKA_PUBLIC_KEY_INFO, BYTES, 0, EMPTY),
};

/* X.509 certificates: table 23; only CKA_ID, CKA_ISSUER, CKA_SERIAL_NUMBER may change. */
static const struct rules_attr rules_x509[] = {
    RULES_ENTRY(CKA_SUBJECT, BYTES, RULES_REQ_CREATE, NONE),
    RULES_ENTRY(CKA_ID, BYTES, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_ISSUER, BYTES, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_SERIAL_NUMBER, BYTES, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_VALUE, BYTES, RULES_REQ_CREATE | RULES_NONEMPTY, NONE),
    RULES_ENTRY(CKA_URL, BYTES, 0, EMPTY),
    RULES_ENTRY(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, BYTES, 0, EMPTY),
    RULES_ENTRY(CKA_HASH_OF_ISSUER_PUBLIC_KEY, BYTES, 0, EMPTY),
    RULES_ENUM(CKA_JAVA_MIDP_SECURITY_DOMAIN, 0, 0, 3), /* unspecified .. third party */
    {.type = CKA_NAME_HASH_ALGORITHM,
     .kind = RULES_ULONG,
     .dflt = RULES_DFLT_ULONG,
     .dflt_ulong = CKM_SHA_1}, /* the specification's meaning of an absent value */
};

/* Every key: table 26. */
static const struct rules_attr rules_key[] = {
    RULES_ENTRY(CKA_KEY_TYPE, ULONG, 0, NONE),
    RULES_ENTRY(CKA_ID, BYTES, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_START_DATE, DATE, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_END_DATE, DATE, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_DERIVE, BOOL, RULES_MODIFIABLE, FALSE),
    RULES_ENTRY(CKA_LOCAL, BOOL, RULES_COMPUTED, NONE),
    RULES_ENTRY(CKA_KEY_GEN_MECHANISM, ULONG, RULES_COMPUTED, NONE),
    RULES_ENTRY(CKA_ALLOWED_MECHANISMS, MECHS, 0, EMPTY),
};

/* Public keys: table 29. */
static const struct rules_attr rules_public[] = {
    RULES_ENTRY(CKA_SUBJECT, BYTES, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_ENCRYPT, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_VERIFY, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_VERIFY_RECOVER, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_WRAP, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_TRUSTED, BOOL, RULES_MODIFIABLE | RULES_SO_TRUE, FALSE),
    RULES_ENTRY(CKA_PUBLIC_KEY_INFO, BYTES, 0, EMPTY),
};

/* Private keys: table 32. */
static const struct rules_attr rules_private[] = {
    RULES_ENTRY(CKA_SUBJECT, BYTES, RULES_MODIFIABLE, EMPTY),
    RULES_ENTRY(CKA_SENSITIVE, BOOL, RULES_MODIFIABLE | RULES_ONLY_TRUE, FALSE),
    RULES_ENTRY(CKA_DECRYPT, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_SIGN, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_SIGN_RECOVER, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_UNWRAP, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_EXTRACTABLE, BOOL, RULES_MODIFIABLE | RULES_ONLY_FALSE, TRUE),
    RULES_ENTRY(CKA_ALWAYS_SENSITIVE, BOOL, RULES_COMPUTED, NONE),
    RULES_ENTRY(CKA_NEVER_EXTRACTABLE, BOOL, RULES_COMPUTED, NONE),
    RULES_ENTRY(CKA_WRAP_WITH_TRUSTED, BOOL, RULES_MODIFIABLE | RULES_ONLY_TRUE, FALSE),
    RULES_ENTRY(CKA_ALWAYS_AUTHENTICATE, BOOL, 0, FALSE),
    RULES_ENTRY(CKA_PUBLIC_KEY_INFO, BYTES, RULES_MODIFIABLE, EMPTY),
};

/* Secret keys: table 35.  CKA_CHECK_VALUE is kept as given or as the backend computes it. */
static const struct rules_attr rules_secret[] = {
    RULES_ENTRY(CKA_SENSITIVE, BOOL, RULES_MODIFIABLE | RULES_ONLY_TRUE, FALSE),
    RULES_ENTRY(CKA_ENCRYPT, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_DECRYPT, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_SIGN, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_VERIFY, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_WRAP, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_UNWRAP, BOOL, RULES_MODIFIABLE, TRUE),
    RULES_ENTRY(CKA_EXTRACTABLE, BOOL, RULES_MODIFIABLE | RULES_ONLY_FALSE, TRUE),
    RULES_ENTRY(CKA_ALWAYS_SENSITIVE, BOOL, RULES_COMPUTED, NONE),
    RULES_ENTRY(CKA_NEVER_EXTRACTABLE, BOOL, RULES_COMPUTED, NONE),
    RULES_ENTRY(CKA_CHECK_VALUE, BYTES, 0, NONE),
    RULES_ENTRY(CKA_WRAP_WITH_TRUSTED, BOOL, RULES_MODIFIABLE | RULES_ONLY_TRUE, FALSE),
    RULES_ENTRY(CKA_TRUSTED, BOOL, RULES_MODIFIABLE | RULES_SO_TRUE, FALSE),
};

/* RSA public keys: CKA_MODULUS_BITS is computed on creation, required for generation. */
static const struct rules_attr rules_rsa_public[] = {
    RULES_ENTRY(CKA_MODULUS, BYTES, RULES_REQ_CREATE | RULES_MATERIAL, NONE),
    RULES_ENTRY(CKA_MODULUS_BITS, ULONG, RULES_NO_CREATE | RULES_REQ_GEN, NONE),
    RULES_ENTRY(CKA_PUBLIC_EXPONENT, BYTES, RULES_REQ_CREATE | RULES_NONEMPTY, NONE),
};

#define RULES_RSA_SECRET (RULES_MATERIAL | RULES_SENSITIVE)

static const struct rules_attr rules_rsa_private[] = {
    RULES_ENTRY(CKA_MODULUS, BYTES, RULES_REQ_CREATE | RULES_MATERIAL, NONE),
    RULES_ENTRY(CKA_PUBLIC_EXPONENT, BYTES, RULES_MATERIAL, NONE),
    RULES_ENTRY(CKA_PRIVATE_EXPONENT, BYTES, RULES_REQ_CREATE | RULES_RSA_SECRET, NONE),
    RULES_ENTRY(CKA_PRIME_1, BYTES, RULES_RSA_SECRET, NONE),
    RULES_ENTRY(CKA_PRIME_2, BYTES, RULES_RSA_SECRET, NONE),
    RULES_ENTRY(CKA_EXPONENT_1, BYTES, RULES_RSA_SECRET, NONE),
    RULES_ENTRY(CKA_EXPONENT_2, BYTES, RULES_RSA_SECRET, NONE),
    RULES_ENTRY(CKA_COEFFICIENT, BYTES, RULES_RSA_SECRET, NONE),
};

/* EC, Edwards and Montgomery public keys share one shape. */
static const struct rules_attr rules_ec_public[] = {
    RULES_ENTRY(CKA_EC_PARAMS, BYTES, RULES_REQ_CREATE | RULES_REQ_GEN | RULES_NONEMPTY, NONE),
    RULES_ENTRY(CKA_EC_POINT, BYTES, RULES_REQ_CREATE | RULES_MATERIAL, NONE),
};

/* The private half: the domain comes from the public template on generation. */
static const struct rules_attr rules_ec_private[] = {
    RULES_ENTRY(CKA_EC_PARAMS, BYTES, RULES_REQ_CREATE | RULES_MATERIAL, NONE),
    RULES_ENTRY(CKA_VALUE, BYTES, RULES_REQ_CREATE | RULES_MATERIAL | RULES_SENSITIVE, NONE),
};

/* Diffie-Hellman (PKCS #3) public keys: the domain is given on generation. */
static const struct rules_attr rules_dh_public[] = {
    RULES_ENTRY(CKA_PRIME, BYTES, RULES_REQ_CREATE | RULES_REQ_GEN | RULES_NONEMPTY, NONE),
    RULES_ENTRY(CKA_BASE, BYTES, RULES_REQ_CREATE | RULES_REQ_GEN | RULES_NONEMPTY, NONE),
    RULES_ENTRY(CKA_VALUE, BYTES, RULES_REQ_CREATE | RULES_MATERIAL, NONE),
};

/*
 * The private half: the domain comes from the public template on
 * generation, where CKA_VALUE_BITS may ask for the length of the private
 * value; on creation it is computed from the value.
 */
static const struct rules_attr rules_dh_private[] = {
    RULES_ENTRY(CKA_PRIME, BYTES, RULES_REQ_CREATE | RULES_MATERIAL, NONE),
    RULES_ENTRY(CKA_BASE, BYTES, RULES_REQ_CREATE | RULES_MATERIAL, NONE),
    RULES_ENTRY(CKA_VALUE, BYTES, RULES_REQ_CREATE | RULES_MATERIAL | RULES_SENSITIVE, NONE),
    RULES_ENTRY(CKA_VALUE_BITS, ULONG, RULES_NO_CREATE | RULES_NO_UNWRAP, NONE),
};

/* Every domain parameters object: PKCS#11 2.40 table 52. */
static const struct rules_attr rules_domain[] = {
    RULES_ENTRY(CKA_KEY_TYPE, ULONG, 0, NONE),
    RULES_ENTRY(CKA_LOCAL, BOOL, RULES_COMPUTED, NONE),
};

/* Diffie-Hellman domain parameters: table 73; generation asks for a prime size. */
static const struct rules_attr rules_dh_domain[] = {
    RULES_ENTRY(CKA_PRIME, BYTES, RULES_REQ_CREATE | RULES_NO_GEN | RULES_NONEMPTY, NONE),
    RULES_ENTRY(CKA_BASE, BYTES, RULES_REQ_CREATE | RULES_NO_GEN | RULES_NONEMPTY, NONE),
    RULES_ENTRY(CKA_PRIME_BITS, ULONG, RULES_NO_CREATE | RULES_REQ_GEN, NONE),
};

/*
 * Generic secrets, AES and HMAC keys: the value is given on creation (its
 * length computed), and its length is given on generation.  A length may
 * accompany an unwrap or derive template, where it sizes the result.
 */
static const struct rules_attr rules_secret_value[] = {
    RULES_ENTRY(CKA_VALUE, BYTES, RULES_REQ_CREATE | RULES_MATERIAL | RULES_SENSITIVE, NONE),
    RULES_ENTRY(CKA_VALUE_LEN, ULONG, RULES_NO_CREATE | RULES_REQ_GEN, NONE),
};

/*
 * DES, two-key and three-key triple-DES keys: the value only; its length
 * is fixed by the key type (8, 16, 24 bytes), so they have no CKA_VALUE_LEN.
 */
static const struct rules_attr rules_des_value[] = {
    RULES_ENTRY(CKA_VALUE, BYTES, RULES_REQ_CREATE | RULES_MATERIAL | RULES_SENSITIVE, NONE),
};

#define RULES_SHAPE_DATA                                         \
	{                                                        \
		.cls = CKO_DATA, .sub = RULES_NO_SUB, .lists = { \
			RULES_LIST(rules_storage),               \
			RULES_LIST(rules_data)                   \
		}                                                \
	}
#define RULES_SHAPE_X509                                                                    \
	{                                                                                   \
		.cls = CKO_CERTIFICATE, .sub = CKC_X_509, .sub_attr = CKA_CERTIFICATE_TYPE, \
		.lists = {                                                                  \
			RULES_LIST(rules_storage),                                          \
			RULES_LIST(rules_certificate),                                      \
			RULES_LIST(rules_x509)                                              \
		}                                                                           \
	}
#define RULES_SHAPE_KEY(c, kt, priv, cl, tl)                                                  \
	{                                                                                     \
		.cls = (c), .sub = (kt), .sub_attr = CKA_KEY_TYPE, .private_default = (priv), \
		.lists = {                                                                    \
			RULES_LIST(rules_storage),                                            \
			RULES_LIST(rules_key),                                                \
			RULES_LIST(cl),                                                       \
			RULES_LIST(tl)                                                        \
		}                                                                             \
	}
#define RULES_SHAPE_DOMAIN(kt, tl)                                                              \
	{                                                                                       \
		.cls = CKO_DOMAIN_PARAMETERS, .sub = (kt), .sub_attr = CKA_KEY_TYPE, .lists = { \
			RULES_LIST(rules_storage),                                              \
			RULES_LIST(rules_domain),                                               \
			RULES_LIST(tl)                                                          \
		}                                                                               \
	}
#define RULES_SHAPE_PUBLIC(kt, tl)  RULES_SHAPE_KEY(CKO_PUBLIC_KEY, kt, false, rules_public, tl)
#define RULES_SHAPE_PRIVATE(kt, tl) RULES_SHAPE_KEY(CKO_PRIVATE_KEY, kt, true, rules_private, tl)
#define RULES_SHAPE_SECRET(kt) \
	RULES_SHAPE_KEY(CKO_SECRET_KEY, kt, true, rules_secret, rules_secret_value)

static const struct rules_shape rules_shapes[] = {
    RULES_SHAPE_DATA,
    RULES_SHAPE_X509,
    RULES_SHAPE_PUBLIC(CKK_RSA, rules_rsa_public),
    RULES_SHAPE_PUBLIC(CKK_EC, rules_ec_public),
    RULES_SHAPE_PUBLIC(CKK_EC_EDWARDS, rules_ec_public),
    RULES_SHAPE_PUBLIC(CKK_EC_MONTGOMERY, rules_ec_public),
    RULES_SHAPE_PRIVATE(CKK_RSA, rules_rsa_private),
    RULES_SHAPE_PRIVATE(CKK_EC, rules_ec_private),
    RULES_SHAPE_PRIVATE(CKK_EC_EDWARDS, rules_ec_private),
    RULES_SHAPE_PRIVATE(CKK_EC_MONTGOMERY, rules_ec_private),
    RULES_SHAPE_PUBLIC(CKK_DH, rules_dh_public),
    RULES_SHAPE_PRIVATE(CKK_DH, rules_dh_private),
    RULES_SHAPE_DOMAIN(CKK_DH, rules_dh_domain),
    RULES_SHAPE_SECRET(CKK_GENERIC_SECRET),
    RULES_SHAPE_SECRET(CKK_AES),
    RULES_SHAPE_KEY(CKO_SECRET_KEY, CKK_DES, true, rules_secret, rules_des_value),
    RULES_SHAPE_KEY(CKO_SECRET_KEY, CKK_DES2, true, rules_secret, rules_des_value),
    RULES_SHAPE_KEY(CKO_SECRET_KEY, CKK_DES3, true, rules_secret, rules_des_value),
    RULES_SHAPE_SECRET(CKK_SHA_1_HMAC),
    RULES_SHAPE_SECRET(CKK_SHA224_HMAC),
    RULES_SHAPE_SECRET(CKK_SHA256_HMAC),
    RULES_SHAPE_SECRET(CKK_SHA384_HMAC),
    RULES_SHAPE_SECRET(CKK_SHA512_HMAC),
    RULES_SHAPE_SECRET(CKK_SHA3_224_HMAC),
    RULES_SHAPE_SECRET(CKK_SHA3_256_HMAC),
    RULES_SHAPE_SECRET(CKK_SHA3_384_HMAC),
    RULES_SHAPE_SECRET(CKK_SHA3_512_HMAC),
    RULES_SHAPE_SECRET(CKK_HKDF),
};

#define RULES_N_SHAPES (sizeof(rules_shapes) / sizeof(rules_shapes[0]))

bool rules_table_known_class(CK_OBJECT_CLASS cls)
{
	for (size_t i = 0; i < RULES_N_SHAPES; i++)
		if (rules_shapes[i].cls == cls)
			return true;
	return false;
}

CK_ATTRIBUTE_TYPE rules_table_sub_attr(CK_OBJECT_CLASS cls)
{
	for (size_t i = 0; i < RULES_N_SHAPES; i++)
		if (rules_shapes[i].cls == cls)
			return rules_shapes[i].sub_attr;
	return 0;
}

bool rules_table_known_sub(CK_ATTRIBUTE_TYPE sub_attr, CK_ULONG sub)
{
	for (size_t i = 0; i < RULES_N_SHAPES; i++)
		if (rules_shapes[i].sub_attr == sub_attr && rules_shapes[i].sub == sub)
			return true;
	return false;
}

const struct rules_shape *rules_table_shape(CK_OBJECT_CLASS cls, CK_ULONG sub)
{
	for (size_t i = 0; i < RULES_N_SHAPES; i++) {
		const struct rules_shape *s = &rules_shapes[i];
		if (s->cls == cls && (!s->sub_attr || s->sub == sub))
			return s;
	}
	return NULL;
}

const struct rules_attr *rules_table_attr(const struct rules_shape *s, CK_ATTRIBUTE_TYPE type)
{
	for (size_t l = 0; l < RULES_SHAPE_LISTS; l++)
		for (size_t i = 0; i < s->lists[l].n; i++)
			if (s->lists[l].v[i].type == type)
				return &s->lists[l].v[i];
	return NULL;
}

bool rules_table_any_sensitive(CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < RULES_N_SHAPES; i++) {
		const struct rules_attr *ra = rules_table_attr(&rules_shapes[i], type);
		if (ra && (ra->flags & RULES_SENSITIVE))
			return true;
	}
	return false;
}
