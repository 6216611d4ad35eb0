/*
 * Fuzz target for the attribute rules (usr/lib/tokens/common/rules/):
 * object templates as C_CreateObject, C_GenerateKey, C_GenerateKeyPair,
 * C_UnwrapKey, C_DeriveKey, C_SetAttributeValue, C_CopyObject and
 * C_GetAttributeValue hand them to the token.
 *
 * An input is a call shape and templates:
 *
 *   byte 0   the call: 0-5 tok_rules_build() with that enum tok_rules_op,
 *            6 C_SetAttributeValue, 7 C_CopyObject, 8 C_GetAttributeValue,
 *            9 slotd storing a new object, 10 slotd storing a changed one
 *   byte 1   bit 0: the security officer is logged in; the rest picks what
 *            the mechanism implies (class, key type, mechanism)
 *   template a count byte, then per attribute a type byte (an index into
 *            fuzz_tmpl_types, or the type itself past its end), a length
 *            byte and the value: 0xff is a NULL pValue with the next byte
 *            as its length, 0xfe a CK_ULONG and 0xfd a CK_BBOOL of the
 *            next byte's value, anything else that many bytes
 *
 * For calls 6-8 a first template builds the object (C_CreateObject) and a
 * second one is applied to it; for C_GetAttributeValue its lengths are
 * the caller's buffer sizes.  Calls 9 and 10 take the templates as the
 * attributes a client sends slotd to store (a new object, or the old and
 * the new version of one), unchecked by the rules.  Every value lives in a buffer of exactly its
 * length, so a read past it is caught.
 *
 * The results must agree with the rules slotd applies to what clients
 * store: an object built or copied passes tok_rules_check_new() once it
 * is a token object, and a change C_SetAttributeValue allowed passes
 * tok_rules_check_update(); and a change slotd accepts to an object it
 * could have stored is one C_SetAttributeValue would have made, and gives
 * an object it could store.  C_GetAttributeValue must never reveal a
 * sensitive attribute nor write past a buffer.  Any breach aborts; leaks
 * are found by the sanitizers.  In `make check` the target runs from
 * fuzz-driver.c over corpus-template/ (written by gen-corpus-template.py);
 * build-libfuzzer.sh builds it for libFuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)         \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define FUZZ_TMPL_MAX 64

/* The attribute types a type byte names; values past the end are types themselves. */
static const CK_ATTRIBUTE_TYPE fuzz_tmpl_types[] = {
    CKA_CLASS,
    CKA_KEY_TYPE,
    CKA_TOKEN,
    CKA_PRIVATE,
    CKA_LABEL,
    CKA_ID,
    CKA_VALUE,
    CKA_VALUE_LEN,
    CKA_SENSITIVE,
    CKA_EXTRACTABLE,
    CKA_MODIFIABLE,
    CKA_COPYABLE,
    CKA_DESTROYABLE,
    CKA_ENCRYPT,
    CKA_DECRYPT,
    CKA_SIGN,
    CKA_VERIFY,
    CKA_WRAP,
    CKA_UNWRAP,
    CKA_DERIVE,
    CKA_LOCAL,
    CKA_ALWAYS_SENSITIVE,
    CKA_NEVER_EXTRACTABLE,
    CKA_KEY_GEN_MECHANISM,
    CKA_UNIQUE_ID,
    CKA_TRUSTED,
    CKA_WRAP_WITH_TRUSTED,
    CKA_ALWAYS_AUTHENTICATE,
    CKA_ALLOWED_MECHANISMS,
    CKA_START_DATE,
    CKA_END_DATE,
    CKA_MODULUS,
    CKA_MODULUS_BITS,
    CKA_PUBLIC_EXPONENT,
    CKA_PRIVATE_EXPONENT,
    CKA_PRIME_1,
    CKA_PRIME_2,
    CKA_EXPONENT_1,
    CKA_EXPONENT_2,
    CKA_COEFFICIENT,
    CKA_EC_PARAMS,
    CKA_EC_POINT,
    CKA_PRIME,
    CKA_BASE,
    CKA_PRIME_BITS,
    CKA_VALUE_BITS,
    CKA_CHECK_VALUE,
    CKA_CERTIFICATE_TYPE,
    CKA_CERTIFICATE_CATEGORY,
    CKA_SUBJECT,
    CKA_ISSUER,
    CKA_SERIAL_NUMBER,
    CKA_APPLICATION,
    CKA_OBJECT_ID,
    CKA_URL,
    CKA_PUBLIC_KEY_INFO,
    CKA_SIGN_RECOVER,
    CKA_VERIFY_RECOVER,
    CKA_WRAP_TEMPLATE,
    CKA_UNWRAP_TEMPLATE,
    CKA_VENDOR_DEFINED | 1,
};

#define FUZZ_TMPL_TYPE_COUNT (sizeof(fuzz_tmpl_types) / sizeof(fuzz_tmpl_types[0]))

/* What a mechanism implies for tok_rules_build(). */
struct fuzz_tmpl_implied {
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE key_type;
	CK_MECHANISM_TYPE mech;
};

static const struct fuzz_tmpl_implied fuzz_tmpl_implied[] = {
    {(CK_ULONG)-1, (CK_ULONG)-1, CK_UNAVAILABLE_INFORMATION},
    {CKO_SECRET_KEY, CKK_AES, CKM_AES_KEY_GEN},
    {CKO_SECRET_KEY, CKK_GENERIC_SECRET, CKM_GENERIC_SECRET_KEY_GEN},
    {CKO_SECRET_KEY, CKK_DES3, CKM_DES3_KEY_GEN},
    {CKO_SECRET_KEY, (CK_ULONG)-1, CKM_ECDH1_DERIVE},
    {CKO_DOMAIN_PARAMETERS, CKK_DH, CKM_DH_PKCS_PARAMETER_GEN},
    {CKO_PUBLIC_KEY, CKK_RSA, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {CKO_PRIVATE_KEY, CKK_RSA, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {CKO_PUBLIC_KEY, CKK_EC, CKM_EC_KEY_PAIR_GEN},
    {CKO_PRIVATE_KEY, CKK_EC, CKM_EC_KEY_PAIR_GEN},
    {CKO_PUBLIC_KEY, CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN},
    {CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY, CKM_EC_MONTGOMERY_KEY_PAIR_GEN},
    {CKO_PRIVATE_KEY, CKK_DH, CKM_DH_PKCS_KEY_PAIR_GEN},
    {CKO_PRIVATE_KEY, (CK_ULONG)-1, CK_UNAVAILABLE_INFORMATION},
};

#define FUZZ_TMPL_IMPLIED_COUNT (sizeof(fuzz_tmpl_implied) / sizeof(fuzz_tmpl_implied[0]))

struct fuzz_tmpl {
	CK_ATTRIBUTE v[FUZZ_TMPL_MAX];
	CK_ULONG n;
};

struct fuzz_tmpl_reader {
	const uint8_t *p;
	size_t left;
};

static int fuzz_tmpl_byte(struct fuzz_tmpl_reader *rd, uint8_t *b)
{
	if (!rd->left)
		return 0;
	*b = *rd->p++;
	rd->left--;
	return 1;
}

/* A value of exactly len bytes (one byte allocated for an empty one). */
static void *fuzz_tmpl_value(const void *from, size_t len)
{
	void *v = malloc(len ? len : 1);

	FUZZ_CHECK(v);
	if (len)
		memcpy(v, from, len);
	return v;
}

/* Reads one attribute; 0 at the end of the input. */
static int fuzz_tmpl_attr(struct fuzz_tmpl_reader *rd, CK_ATTRIBUTE *at)
{
	uint8_t t, l, b;
	CK_ULONG ul;
	CK_BBOOL bb;

	if (!fuzz_tmpl_byte(rd, &t) || !fuzz_tmpl_byte(rd, &l))
		return 0;
	at->type = t < FUZZ_TMPL_TYPE_COUNT ? fuzz_tmpl_types[t] : t;
	if (l >= 0xfd && !fuzz_tmpl_byte(rd, &b))
		return 0;
	if (l == 0xff) {
		at->pValue = NULL;
		at->ulValueLen = b;
	} else if (l == 0xfe) {
		ul = b;
		at->pValue = fuzz_tmpl_value(&ul, sizeof(ul));
		at->ulValueLen = sizeof(ul);
	} else if (l == 0xfd) {
		bb = b;
		at->pValue = fuzz_tmpl_value(&bb, sizeof(bb));
		at->ulValueLen = sizeof(bb);
	} else {
		if (l > rd->left)
			l = (uint8_t)rd->left;
		at->pValue = fuzz_tmpl_value(rd->p, l);
		at->ulValueLen = l;
		rd->p += l;
		rd->left -= l;
	}
	return 1;
}

static void fuzz_tmpl_read(struct fuzz_tmpl_reader *rd, struct fuzz_tmpl *t)
{
	uint8_t count = 0;

	t->n = 0;
	fuzz_tmpl_byte(rd, &count);
	while (t->n < count && t->n < FUZZ_TMPL_MAX && fuzz_tmpl_attr(rd, &t->v[t->n]))
		t->n++;
}

static void fuzz_tmpl_free(struct fuzz_tmpl *t)
{
	for (CK_ULONG i = 0; i < t->n; i++)
		free(t->v[i].pValue);
	t->n = 0;
}

/* What slotd would be asked to store as a new token object must pass its check. */
static void fuzz_tmpl_check_storable(const struct tok_attrs *obj, bool so)
{
	struct tok_attrs copy;

	tok_attrs_init(&copy);
	FUZZ_CHECK(tok_attrs_copy(&copy, obj) == CKR_OK);
	FUZZ_CHECK(tok_attrs_set_bool(&copy, CKA_TOKEN, CK_TRUE) == CKR_OK);
	FUZZ_CHECK(tok_rules_check_new(&copy, so) == CKR_OK);
	tok_attrs_free(&copy);
}

/* Every built object carries its class and a unique id. */
static void fuzz_tmpl_check_built(const struct tok_attrs *obj, bool so)
{
	CK_ULONG cls;

	FUZZ_CHECK(tok_attrs_get_ulong(obj, CKA_CLASS, &cls));
	FUZZ_CHECK(tok_attrs_find(obj, CKA_UNIQUE_ID) != NULL);
	fuzz_tmpl_check_storable(obj, so);
}

static void fuzz_tmpl_get(const struct tok_attrs *obj, struct fuzz_tmpl *t)
{
	CK_ULONG size[FUZZ_TMPL_MAX];
	CK_RV rv, want = CKR_OK;

	for (CK_ULONG i = 0; i < t->n; i++)
		size[i] = t->v[i].ulValueLen;
	rv = tok_rules_get(obj, t->v, t->n);
	for (CK_ULONG i = 0; i < t->n; i++) {
		const CK_ATTRIBUTE *at = tok_attrs_find(obj, t->v[i].type);
		CK_ULONG got = t->v[i].ulValueLen;
		CK_RV one = CKR_OK;

		if (tok_rules_is_sensitive(obj, t->v[i].type))
			one = CKR_ATTRIBUTE_SENSITIVE;
		else if (!at)
			one = CKR_ATTRIBUTE_TYPE_INVALID;
		else if (t->v[i].pValue && size[i] < at->ulValueLen)
			one = CKR_BUFFER_TOO_SMALL;
		if (one != CKR_OK) {
			FUZZ_CHECK(got == CK_UNAVAILABLE_INFORMATION);
		} else {
			FUZZ_CHECK(got == at->ulValueLen);
			FUZZ_CHECK(!t->v[i].pValue || !got ||
			           memcmp(t->v[i].pValue, at->pValue, got) == 0);
		}
		if (want == CKR_OK)
			want = one;
	}
	FUZZ_CHECK(want == rv);
	/* Keep the buffer sizes for fuzz_tmpl_free. */
	for (CK_ULONG i = 0; i < t->n; i++)
		t->v[i].ulValueLen = size[i];
}

static void fuzz_tmpl_change(const struct tok_attrs *obj, uint8_t call, bool so,
                             struct fuzz_tmpl *t)
{
	struct tok_attrs out;
	bool copy = call == 7;
	CK_RV rv;

	if (call == 8) {
		fuzz_tmpl_get(obj, t);
		return;
	}
	tok_attrs_init(&out);
	rv = tok_rules_modify(obj, copy, t->v, t->n, so, &out);
	if (rv != CKR_OK) {
		FUZZ_CHECK(out.n == 0);
		return;
	}
	if (copy)
		fuzz_tmpl_check_built(&out, so);
	else
		FUZZ_CHECK(tok_rules_check_update(obj, &out, so) == CKR_OK);
	tok_attrs_free(&out);
}

/* The queries a token makes of a stored object, on any attribute set. */
static void fuzz_tmpl_query(const struct tok_attrs *obj, const struct fuzz_tmpl *t)
{
	for (CK_ULONG i = 0; i < t->n; i++) {
		bool sensitive = tok_rules_is_sensitive(obj, t->v[i].type);

		FUZZ_CHECK(!sensitive || tok_attrs_find(obj, CKA_CLASS));
		tok_rules_has(obj, t->v[i].type);
		tok_rules_allows(obj, t->v[i].type);
		tok_rules_mech_allowed(obj, t->v[i].type);
	}
}

/*
 * A change slotd accepts must be one C_SetAttributeValue makes: the
 * attributes new adds or changes, applied to old, are allowed and give new.
 */
static void fuzz_tmpl_check_as_set(const struct tok_attrs *old, const struct tok_attrs *new,
                                   bool so)
{
	CK_ATTRIBUTE diff[TOK_ATTRS_MAX_COUNT];
	struct tok_attrs out;
	CK_ULONG n = 0;

	for (size_t i = 0; i < new->n &&n < TOK_ATTRS_MAX_COUNT; i++)
		if (!tok_attrs_match(old, &new->v[i], 1))
			diff[n++] = new->v[i];
	if (!n)
		return;
	tok_attrs_init(&out);
	FUZZ_CHECK(tok_rules_modify(old, false, diff, n, so, &out) == CKR_OK);
	for (size_t i = 0; i < new->n; i++)
		FUZZ_CHECK(tok_attrs_match(&out, &new->v[i], 1));
	tok_attrs_free(&out);
}

/* Applies t to a as a client's new version would: added or replaced, never checked. */
static bool fuzz_tmpl_apply(struct tok_attrs *a, const struct fuzz_tmpl *t)
{
	for (CK_ULONG i = 0; i < t->n; i++) {
		if (!t->v[i].pValue && t->v[i].ulValueLen)
			return false;
		if (tok_attrs_set(a, t->v[i].type, t->v[i].pValue, t->v[i].ulValueLen) != CKR_OK)
			return false;
	}
	return true;
}

/* Calls 9 and 10: attribute sets as a client sends them to slotd. */
static void fuzz_tmpl_store(struct fuzz_tmpl_reader *rd, uint8_t call, bool so,
                            const struct fuzz_tmpl *t1)
{
	struct tok_attrs old, new;
	struct fuzz_tmpl t2;
	CK_RV rv;

	tok_attrs_init(&old);
	tok_attrs_init(&new);
	if (tok_attrs_from_template(&old, t1->v, t1->n) != CKR_OK)
		goto out;
	fuzz_tmpl_query(&old, t1);
	if (call == 9) {
		rv = tok_rules_check_new(&old, so);
		if (rv == CKR_OK)
			FUZZ_CHECK(tok_attrs_get_bool(&old, CKA_TOKEN, CK_FALSE));
		goto out;
	}
	fuzz_tmpl_read(rd, &t2);
	/* The checks hold for an old version slotd could have stored. */
	if (tok_attrs_copy(&new, &old) == CKR_OK && fuzz_tmpl_apply(&new, &t2) &&
	    tok_rules_check_update(&old, &new, so) == CKR_OK &&
	    tok_rules_check_new(&old, so) == CKR_OK) {
		FUZZ_CHECK(tok_rules_check_new(&new, so) == CKR_OK);
		fuzz_tmpl_check_as_set(&old, &new, so);
	}
	fuzz_tmpl_free(&t2);
out:
	tok_attrs_free(&old);
	tok_attrs_free(&new);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_tmpl_reader rd = {data, size};
	const struct fuzz_tmpl_implied *imp;
	struct fuzz_tmpl t1, t2;
	struct tok_attrs obj;
	uint8_t call, flags;
	bool so;
	CK_RV rv;

	if (!fuzz_tmpl_byte(&rd, &call) || !fuzz_tmpl_byte(&rd, &flags))
		return 0;
	call %= 11;
	so = flags & 1;
	imp = &fuzz_tmpl_implied[(flags >> 1) % FUZZ_TMPL_IMPLIED_COUNT];
	fuzz_tmpl_read(&rd, &t1);
	if (call >= 9) {
		fuzz_tmpl_store(&rd, call, so, &t1);
		fuzz_tmpl_free(&t1);
		return 0;
	}
	tok_attrs_init(&obj);
	if (call <= TOK_RULES_DERIVE)
		rv = tok_rules_build((enum tok_rules_op)call, t1.v, t1.n, imp->cls, imp->key_type,
		                     imp->mech, so, &obj);
	else
		rv = tok_rules_build(TOK_RULES_CREATE, t1.v, t1.n, (CK_ULONG)-1, (CK_ULONG)-1,
		                     CK_UNAVAILABLE_INFORMATION, so, &obj);
	if (rv == CKR_OK) {
		fuzz_tmpl_check_built(&obj, so);
		if (call > TOK_RULES_DERIVE) {
			fuzz_tmpl_read(&rd, &t2);
			fuzz_tmpl_change(&obj, call, so, &t2);
			fuzz_tmpl_free(&t2);
		}
	} else {
		FUZZ_CHECK(obj.n == 0);
	}
	tok_attrs_free(&obj);
	fuzz_tmpl_free(&t1);
	return 0;
}
