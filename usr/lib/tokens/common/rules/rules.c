/*
 * The attribute rules of PKCS#11 objects (see rules.h), applied from the
 * tables of rules_table.c.
 *
 * Building an object first settles its class and key or certificate type
 * (from the template or from what the mechanism implies), which selects a
 * shape; every template attribute is then checked against that shape, the
 * required ones looked for, and the defaults and token-computed attributes
 * filled in.  Modifying an object checks each template attribute against
 * the same shape and the object's current values.
 *
 * Choices where PKCS#11 leaves room:
 * - CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE are true only for keys
 *   the token generated with the matching final CKA_SENSITIVE and
 *   CKA_EXTRACTABLE.  A derived key gets false for both: the base key's
 *   values are not known here, and false is the value that promises nothing.
 * - CKA_UNIQUE_ID is 32 hexadecimal characters (a random prefix per
 *   process and a counter), given to every new object, a copy included.
 * - C_SetAttributeValue may change CKA_COPYABLE and CKA_DESTROYABLE only to
 *   false; CKA_MODIFIABLE, CKA_TOKEN and CKA_PRIVATE change only through
 *   C_CopyObject, CKA_MODIFIABLE only to false.
 * - C_CopyObject may change what C_SetAttributeValue may change, plus
 *   CKA_TOKEN, CKA_PRIVATE and CKA_MODIFIABLE (only to false), all with
 *   the one-way rules measured against the original (CKA_SENSITIVE only
 *   to true, CKA_EXTRACTABLE and CKA_COPYABLE only to false, ...); the
 *   tables say which (RULES_MODIFIABLE, RULES_COPY_ONLY).  Copying an
 *   object whose CKA_MODIFIABLE is false may change only CKA_TOKEN,
 *   CKA_PRIVATE and the one-way flags towards their fixed value: its
 *   content stays as it is.
 * - A copy of a key that is sensitive or not extractable keeps CKA_PRIVATE
 *   true when the original has it: a public copy would be stored in clear
 *   and usable without login.  CKA_PRIVATE false is then a value that does
 *   not fit the key's other attributes, CKR_TEMPLATE_INCONSISTENT as the
 *   specification of C_CopyObject names it.
 * - A copy is a new object: it may carry CKA_TRUSTED true only when the
 *   security officer makes it (else CKR_ATTRIBUTE_READ_ONLY), whether the
 *   template or the original says true.  slotd, which sees a copy as a new
 *   token object, holds it to the same rule (tok_rules_check_new).
 * - CKA_TRUSTED true in any template (create, generate, unwrap, derive,
 *   set, copy) needs the security officer logged in, else
 *   CKR_ATTRIBUTE_READ_ONLY; setting it false is open to everyone.
 */
#include "rules.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "rules_int.h"

#define RULES_NONE            ((CK_ULONG)-1)
#define RULES_UNIQUE_ID_BYTES 16

static bool rules_op_generates(enum tok_rules_op op)
{
	return op == TOK_RULES_GENERATE || op == TOK_RULES_GENERATE_PUBLIC ||
	       op == TOK_RULES_GENERATE_PRIVATE;
}

/*
 * The class an operation makes, or RULES_NONE when the template says.
 * C_GenerateKey makes a secret key unless its mechanism makes domain
 * parameters (implied).
 */
static CK_OBJECT_CLASS rules_op_class(enum tok_rules_op op, CK_OBJECT_CLASS implied)
{
	switch (op) {
	case TOK_RULES_GENERATE:
		return implied == CKO_DOMAIN_PARAMETERS ? implied : CKO_SECRET_KEY;
	case TOK_RULES_GENERATE_PUBLIC:
		return CKO_PUBLIC_KEY;
	case TOK_RULES_GENERATE_PRIVATE:
		return CKO_PRIVATE_KEY;
	default:
		return RULES_NONE;
	}
}

/*
 * Unwrapping and deriving make keys with a secret part (and CKM_HKDF_DATA a
 * data object); creation makes anything.
 */
static bool rules_op_allows_class(enum tok_rules_op op, CK_OBJECT_CLASS cls)
{
	if (op == TOK_RULES_CREATE)
		return true;
	if (op == TOK_RULES_UNWRAP)
		return cls == CKO_SECRET_KEY || cls == CKO_PRIVATE_KEY;
	if (op == TOK_RULES_GENERATE)
		return cls == CKO_SECRET_KEY || cls == CKO_DOMAIN_PARAMETERS;
	if (op == TOK_RULES_DERIVE) /* data objects only where the mechanism implies them */
		return cls == CKO_SECRET_KEY || cls == CKO_PRIVATE_KEY || cls == CKO_DATA;
	return cls == rules_op_class(op, RULES_NONE);
}

static bool rules_read_ulong(const CK_ATTRIBUTE *at, CK_ULONG *out)
{
	if (at->ulValueLen != sizeof(CK_ULONG))
		return false;
	memcpy(out, at->pValue, sizeof(CK_ULONG));
	return true;
}

static bool rules_date_valid(const CK_ATTRIBUTE *at)
{
	const unsigned char *p = at->pValue;

	if (at->ulValueLen == 0)
		return true;
	if (at->ulValueLen != sizeof(CK_DATE))
		return false;
	for (CK_ULONG i = 0; i < at->ulValueLen; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

CK_RV rules_check_value(const struct rules_attr *ra, const CK_ATTRIBUTE *at)
{
	const unsigned char *p = at->pValue;
	CK_ULONG v;
	bool ok = true;

	switch (ra->kind) {
	case RULES_BOOL:
		ok = at->ulValueLen == sizeof(CK_BBOOL) && p[0] <= 1;
		break;
	case RULES_ULONG:
		ok = rules_read_ulong(at, &v) && (!(ra->flags & RULES_CHECK_ENUM) || v <= ra->max);
		break;
	case RULES_DATE:
		ok = rules_date_valid(at);
		break;
	case RULES_MECHS:
		ok = at->ulValueLen % sizeof(CK_MECHANISM_TYPE) == 0;
		break;
	case RULES_BYTES:
		break;
	}
	if ((ra->flags & RULES_NONEMPTY) && at->ulValueLen == 0)
		ok = false;
	return ok ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

/* The class of a new object: the template's, checked against the op and the mechanism. */
static CK_RV rules_resolve_class(enum tok_rules_op op, const struct tok_attrs *in,
                                 CK_OBJECT_CLASS implied, CK_OBJECT_CLASS *cls)
{
	CK_OBJECT_CLASS want = rules_op_class(op, implied);
	const CK_ATTRIBUTE *at = tok_attrs_find(in, CKA_CLASS);

	if (want == RULES_NONE)
		want = implied;
	else if (implied != RULES_NONE && implied != want)
		return CKR_TEMPLATE_INCONSISTENT;
	if (at) {
		if (!rules_read_ulong(at, cls) || !rules_table_known_class(*cls))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (want != RULES_NONE && *cls != want)
			return CKR_TEMPLATE_INCONSISTENT;
	} else if (want == RULES_NONE) {
		return CKR_TEMPLATE_INCOMPLETE;
	} else {
		*cls = want;
	}
	return rules_op_allows_class(op, *cls) ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
}

/* The shape of a new object of class cls: its key type or certificate type settled. */
static CK_RV rules_resolve_shape(const struct tok_attrs *in, CK_OBJECT_CLASS cls,
                                 CK_KEY_TYPE implied, const struct rules_shape **shape)
{
	CK_ATTRIBUTE_TYPE sub_attr = rules_table_sub_attr(cls);
	CK_ULONG sub = RULES_NO_SUB;

	if (sub_attr != CKA_KEY_TYPE)
		implied = RULES_NONE;
	if (sub_attr) {
		const CK_ATTRIBUTE *at = tok_attrs_find(in, sub_attr);
		if (at) {
			if (!rules_read_ulong(at, &sub) || !rules_table_known_sub(sub_attr, sub))
				return CKR_ATTRIBUTE_VALUE_INVALID;
			if (implied != RULES_NONE && sub != implied)
				return CKR_TEMPLATE_INCONSISTENT;
		} else if (implied != RULES_NONE) {
			sub = implied;
		} else {
			return CKR_TEMPLATE_INCOMPLETE;
		}
	}
	*shape = rules_table_shape(cls, sub);
	return *shape ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
}

/* Whether a template of op may give the attribute at (so: the SO is logged in). */
static CK_RV rules_check_given(enum tok_rules_op op, const struct rules_shape *s,
                               const CK_ATTRIBUTE *at, bool so)
{
	const struct rules_attr *ra = rules_table_attr(s, at->type);
	CK_RV rv;

	if (!ra)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	rv = rules_check_value(ra, at);
	if (rv != CKR_OK)
		return rv;
	if ((ra->flags & RULES_COMPUTED) || !rules_who_may_set(ra, at, so))
		return CKR_ATTRIBUTE_READ_ONLY;
	if (op == TOK_RULES_CREATE && (ra->flags & RULES_NO_CREATE))
		return CKR_ATTRIBUTE_READ_ONLY;
	if (rules_op_generates(op) && (ra->flags & RULES_NO_GEN))
		return CKR_TEMPLATE_INCONSISTENT;
	if ((op == TOK_RULES_UNWRAP || op == TOK_RULES_DERIVE) && (ra->flags & RULES_NO_UNWRAP))
		return CKR_TEMPLATE_INCONSISTENT;
	return CKR_OK;
}

static CK_RV rules_check_template(enum tok_rules_op op, const struct rules_shape *s,
                                  const struct tok_attrs *in, bool so)
{
	unsigned int need = 0;
	CK_RV rv;

	for (size_t i = 0; i < in->n; i++) {
		rv = rules_check_given(op, s, &in->v[i], so);
		if (rv != CKR_OK)
			return rv;
	}
	if (op == TOK_RULES_CREATE)
		need = RULES_REQ_CREATE;
	else if (rules_op_generates(op))
		need = RULES_REQ_GEN;
	for (size_t l = 0; l < RULES_SHAPE_LISTS; l++)
		for (size_t i = 0; i < s->lists[l].n; i++)
			if ((s->lists[l].v[i].flags & need) &&
			    !tok_attrs_find(in, s->lists[l].v[i].type))
				return CKR_TEMPLATE_INCOMPLETE;
	return CKR_OK;
}

static CK_RV rules_set_default(struct tok_attrs *out, const struct rules_attr *ra)
{
	switch (ra->dflt) {
	case RULES_DFLT_FALSE:
		return tok_attrs_set_bool(out, ra->type, CK_FALSE);
	case RULES_DFLT_TRUE:
		return tok_attrs_set_bool(out, ra->type, CK_TRUE);
	case RULES_DFLT_EMPTY:
		return tok_attrs_set(out, ra->type, NULL, 0);
	case RULES_DFLT_ULONG:
		return tok_attrs_set_ulong(out, ra->type, ra->dflt_ulong);
	case RULES_DFLT_NONE:
		break;
	}
	return CKR_OK;
}

/* Adds the default of every attribute of the shape the template left out. */
static CK_RV rules_fill_defaults(const struct rules_shape *s, CK_OBJECT_CLASS cls,
                                 struct tok_attrs *out)
{
	CK_RV rv = CKR_OK;

	if (!tok_attrs_find(out, CKA_CLASS))
		rv = tok_attrs_set_ulong(out, CKA_CLASS, cls);
	if (rv == CKR_OK && s->sub_attr && !tok_attrs_find(out, s->sub_attr))
		rv = tok_attrs_set_ulong(out, s->sub_attr, s->sub);
	if (rv == CKR_OK && !tok_attrs_find(out, CKA_PRIVATE))
		rv = tok_attrs_set_bool(out, CKA_PRIVATE, s->private_default ? CK_TRUE : CK_FALSE);
	for (size_t l = 0; l < RULES_SHAPE_LISTS && rv == CKR_OK; l++)
		for (size_t i = 0; i < s->lists[l].n && rv == CKR_OK; i++)
			if (!tok_attrs_find(out, s->lists[l].v[i].type))
				rv = rules_set_default(out, &s->lists[l].v[i]);
	return rv;
}

/*
 * The source of CKA_UNIQUE_ID: a random prefix drawn once per process (and
 * again in a forked child, so parent and child never share one) followed by
 * a counter.  One getrandom() per object cost more than all the rest of
 * making a session object.
 */
static struct {
	pthread_once_t once;
	pthread_mutex_t lock;
	bool drawn;
	unsigned char prefix[RULES_UNIQUE_ID_BYTES - sizeof(uint64_t)];
	uint64_t next;
} rules_ids = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

static void rules_ids_forked(void)
{
	pthread_mutex_init(&rules_ids.lock, NULL);
	rules_ids.drawn = false;
}

static void rules_ids_init(void)
{
	pthread_atfork(NULL, NULL, rules_ids_forked);
}

/* Fills raw with the next unique ID of this process. */
static bool rules_next_id(unsigned char raw[RULES_UNIQUE_ID_BYTES])
{
	bool ok = true;

	pthread_once(&rules_ids.once, rules_ids_init);
	pthread_mutex_lock(&rules_ids.lock);
	if (!rules_ids.drawn)
		rules_ids.drawn = getrandom(rules_ids.prefix, sizeof(rules_ids.prefix), 0) ==
		                  (ssize_t)sizeof(rules_ids.prefix);
	ok = rules_ids.drawn;
	memcpy(raw, rules_ids.prefix, sizeof(rules_ids.prefix));
	memcpy(raw + sizeof(rules_ids.prefix), &rules_ids.next, sizeof(rules_ids.next));
	rules_ids.next++;
	pthread_mutex_unlock(&rules_ids.lock);
	return ok;
}

static CK_RV rules_set_unique_id(struct tok_attrs *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[RULES_UNIQUE_ID_BYTES];
	char id[2 * RULES_UNIQUE_ID_BYTES];

	if (!rules_next_id(raw))
		return CKR_FUNCTION_FAILED;
	for (size_t i = 0; i < sizeof(raw); i++) {
		id[2 * i] = hex[raw[i] >> 4];
		id[2 * i + 1] = hex[raw[i] & 0x0f];
	}
	return tok_attrs_set(out, CKA_UNIQUE_ID, id, sizeof(id));
}

/* The number of significant bits of a big-endian integer. */
static CK_ULONG rules_bit_length(const unsigned char *p, CK_ULONG len)
{
	CK_ULONG i = 0, bits;
	unsigned char top;

	while (i < len && p[i] == 0)
		i++;
	if (i == len)
		return 0;
	bits = (len - i) * 8;
	for (top = p[i]; !(top & 0x80); top <<= 1)
		bits--;
	return bits;
}

/*
 * CKA_MODULUS_BITS, CKA_VALUE_BITS, CKA_PRIME_BITS and CKA_VALUE_LEN of a
 * created object follow from its values.
 */
static CK_RV rules_fill_lengths(enum tok_rules_op op, const struct rules_shape *s,
                                struct tok_attrs *out)
{
	const CK_ATTRIBUTE *at;

	if (op != TOK_RULES_CREATE)
		return CKR_OK;
	if (rules_table_attr(s, CKA_VALUE_BITS) && (at = tok_attrs_find(out, CKA_VALUE)))
		return tok_attrs_set_ulong(out, CKA_VALUE_BITS,
		                           rules_bit_length(at->pValue, at->ulValueLen));
	if (rules_table_attr(s, CKA_PRIME_BITS) && (at = tok_attrs_find(out, CKA_PRIME)))
		return tok_attrs_set_ulong(out, CKA_PRIME_BITS,
		                           rules_bit_length(at->pValue, at->ulValueLen));
	if (rules_table_attr(s, CKA_MODULUS_BITS) && (at = tok_attrs_find(out, CKA_MODULUS))) {
		CK_ULONG bits = rules_bit_length(at->pValue, at->ulValueLen);
		if (bits == 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		return tok_attrs_set_ulong(out, CKA_MODULUS_BITS, bits);
	}
	if (rules_table_attr(s, CKA_VALUE_LEN) && (at = tok_attrs_find(out, CKA_VALUE)))
		return tok_attrs_set_ulong(out, CKA_VALUE_LEN, at->ulValueLen);
	return CKR_OK;
}

/* The attributes only the token sets: CKA_LOCAL, CKA_KEY_GEN_MECHANISM, ... */
static CK_RV rules_fill_computed(enum tok_rules_op op, const struct rules_shape *s,
                                 CK_MECHANISM_TYPE mech, struct tok_attrs *out)
{
	bool gen = rules_op_generates(op);
	CK_RV rv = rules_fill_lengths(op, s, out);

	if (rv == CKR_OK && rules_table_attr(s, CKA_LOCAL))
		rv = tok_attrs_set_bool(out, CKA_LOCAL, gen ? CK_TRUE : CK_FALSE);
	if (rv == CKR_OK && rules_table_attr(s, CKA_KEY_GEN_MECHANISM))
		rv = tok_attrs_set_ulong(out, CKA_KEY_GEN_MECHANISM,
		                         gen ? mech : CK_UNAVAILABLE_INFORMATION);
	if (rv == CKR_OK && rules_table_attr(s, CKA_ALWAYS_SENSITIVE)) {
		CK_BBOOL sensitive = tok_attrs_get_bool(out, CKA_SENSITIVE, CK_FALSE);
		rv = tok_attrs_set_bool(out, CKA_ALWAYS_SENSITIVE, gen && sensitive);
	}
	if (rv == CKR_OK && rules_table_attr(s, CKA_NEVER_EXTRACTABLE)) {
		CK_BBOOL extractable = tok_attrs_get_bool(out, CKA_EXTRACTABLE, CK_TRUE);
		rv = tok_attrs_set_bool(out, CKA_NEVER_EXTRACTABLE, gen && !extractable);
	}
	if (rv == CKR_OK)
		rv = rules_set_unique_id(out);
	return rv;
}

CK_RV tok_rules_build(enum tok_rules_op op, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                      CK_OBJECT_CLASS implied_class, CK_KEY_TYPE implied_key_type,
                      CK_MECHANISM_TYPE mech, bool so, struct tok_attrs *out)
{
	const struct rules_shape *s = NULL;
	CK_OBJECT_CLASS cls = 0;
	struct tok_attrs in;
	CK_RV rv;

	tok_attrs_init(&in);
	rv = tok_attrs_from_template(&in, tmpl, n);
	if (rv == CKR_OK)
		rv = rules_resolve_class(op, &in, implied_class, &cls);
	if (rv == CKR_OK)
		rv = rules_resolve_shape(&in, cls, implied_key_type, &s);
	if (rv == CKR_OK)
		rv = rules_check_template(op, s, &in, so);
	if (rv == CKR_OK)
		rv = tok_attrs_copy(out, &in);
	if (rv == CKR_OK)
		rv = rules_fill_defaults(s, cls, out);
	if (rv == CKR_OK)
		rv = rules_fill_computed(op, s, mech, out);
	tok_attrs_free(&in);
	if (rv != CKR_OK)
		tok_attrs_free(out);
	return rv;
}

const struct rules_shape *rules_shape_of(const struct tok_attrs *obj)
{
	CK_OBJECT_CLASS cls;
	CK_ULONG sub = RULES_NO_SUB;
	CK_ATTRIBUTE_TYPE sub_attr;

	if (!tok_attrs_get_ulong(obj, CKA_CLASS, &cls) || !rules_table_known_class(cls))
		return NULL;
	sub_attr = rules_table_sub_attr(cls);
	if (sub_attr && !tok_attrs_get_ulong(obj, sub_attr, &sub))
		return NULL;
	return rules_table_shape(cls, sub);
}

bool rules_one_way_ok(const struct rules_attr *ra, const struct tok_attrs *obj,
                      const CK_ATTRIBUTE *at)
{
	CK_BBOOL now = *(const CK_BBOOL *)at->pValue;

	if (ra->flags & RULES_ONLY_TRUE)
		return now || !tok_attrs_get_bool(obj, ra->type, CK_TRUE);
	if (ra->flags & RULES_ONLY_FALSE)
		return !now || tok_attrs_get_bool(obj, ra->type, CK_FALSE);
	return true;
}

/* Whether C_SetAttributeValue (copy false) or C_CopyObject may give the attribute at. */
static CK_RV rules_check_change(const struct rules_shape *s, const struct tok_attrs *obj, bool copy,
                                bool so, const CK_ATTRIBUTE *at)
{
	const struct rules_attr *ra = rules_table_attr(s, at->type);
	unsigned int may = RULES_MODIFIABLE;
	CK_RV rv;

	if (!ra)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	rv = rules_check_value(ra, at);
	if (rv != CKR_OK)
		return rv;
	if (copy)
		may = RULES_MODIFIABLE | RULES_COPY_ONLY;
	if (copy && !tok_attrs_get_bool(obj, CKA_MODIFIABLE, CK_TRUE))
		may = RULES_COPY_ONLY | RULES_ONLY_TRUE | RULES_ONLY_FALSE;
	if (!(ra->flags & may) || (ra->flags & RULES_COMPUTED))
		return CKR_ATTRIBUTE_READ_ONLY;
	if (ra->kind == RULES_BOOL && !rules_one_way_ok(ra, obj, at))
		return CKR_ATTRIBUTE_READ_ONLY;
	return rules_who_may_set(ra, at, so) ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
}

/* A key is always sensitive / never extractable only while it still is. */
static CK_RV rules_keep_history(const struct rules_shape *s, struct tok_attrs *out)
{
	CK_BBOOL v;
	CK_RV rv = CKR_OK;

	if (rules_table_attr(s, CKA_ALWAYS_SENSITIVE)) {
		v = tok_attrs_get_bool(out, CKA_ALWAYS_SENSITIVE, CK_FALSE) &&
		    tok_attrs_get_bool(out, CKA_SENSITIVE, CK_FALSE);
		rv = tok_attrs_set_bool(out, CKA_ALWAYS_SENSITIVE, v);
	}
	if (rv == CKR_OK && rules_table_attr(s, CKA_NEVER_EXTRACTABLE)) {
		v = tok_attrs_get_bool(out, CKA_NEVER_EXTRACTABLE, CK_FALSE) &&
		    !tok_attrs_get_bool(out, CKA_EXTRACTABLE, CK_TRUE);
		rv = tok_attrs_set_bool(out, CKA_NEVER_EXTRACTABLE, v);
	}
	return rv;
}

CK_RV tok_rules_modify(const struct tok_attrs *obj, bool copy, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                       bool so, struct tok_attrs *out)
{
	const struct rules_shape *s = rules_shape_of(obj);
	struct tok_attrs in;
	CK_RV rv;

	if (!s)
		return CKR_GENERAL_ERROR;
	if (!copy && !tok_attrs_get_bool(obj, CKA_MODIFIABLE, CK_TRUE))
		return CKR_ACTION_PROHIBITED;
	if (copy && !tok_attrs_get_bool(obj, CKA_COPYABLE, CK_TRUE))
		return CKR_ACTION_PROHIBITED;
	tok_attrs_init(&in);
	rv = tok_attrs_from_template(&in, tmpl, n);
	for (size_t i = 0; i < in.n && rv == CKR_OK; i++)
		rv = rules_check_change(s, obj, copy, so, &in.v[i]);
	if (rv == CKR_OK)
		rv = tok_attrs_copy(out, obj);
	if (rv == CKR_OK)
		rv = tok_attrs_copy(out, &in);
	if (rv == CKR_OK && !rules_private_kept(s, obj, out))
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK && copy && !rules_so_only_kept(s, out, so))
		rv = CKR_ATTRIBUTE_READ_ONLY;
	if (rv == CKR_OK)
		rv = rules_keep_history(s, out);
	if (rv == CKR_OK && copy)
		rv = rules_set_unique_id(out);
	tok_attrs_free(&in);
	if (rv != CKR_OK)
		tok_attrs_free(out);
	return rv;
}

/* One entry of C_GetAttributeValue, by the five cases of PKCS#11 2.40 section 5.7. */
static CK_RV rules_get_one(const struct tok_attrs *obj, CK_ATTRIBUTE *t)
{
	const CK_ATTRIBUTE *at;

	if (tok_rules_is_sensitive(obj, t->type)) {
		t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_ATTRIBUTE_SENSITIVE;
	}
	at = tok_attrs_find(obj, t->type);
	if (!at) {
		t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_ATTRIBUTE_TYPE_INVALID;
	}
	if (!t->pValue) {
		t->ulValueLen = at->ulValueLen;
		return CKR_OK;
	}
	if (t->ulValueLen < at->ulValueLen) {
		t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (at->ulValueLen)
		memcpy(t->pValue, at->pValue, at->ulValueLen);
	t->ulValueLen = at->ulValueLen;
	return CKR_OK;
}

CK_RV tok_rules_get(const struct tok_attrs *obj, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	CK_RV rv = CKR_OK;

	for (CK_ULONG i = 0; i < n; i++) {
		CK_RV one = rules_get_one(obj, &tmpl[i]);
		if (rv == CKR_OK)
			rv = one;
	}
	return rv;
}

bool tok_rules_is_sensitive(const struct tok_attrs *obj, CK_ATTRIBUTE_TYPE type)
{
	const struct rules_shape *s;
	const struct rules_attr *ra;
	CK_OBJECT_CLASS cls;
	bool secret_part;

	if (!tok_attrs_get_ulong(obj, CKA_CLASS, &cls) ||
	    (cls != CKO_PRIVATE_KEY && cls != CKO_SECRET_KEY))
		return false;
	s = rules_shape_of(obj);
	if (s) {
		ra = rules_table_attr(s, type);
		secret_part = ra && (ra->flags & RULES_SENSITIVE);
	} else {
		secret_part = rules_table_any_sensitive(type);
	}
	return secret_part && (tok_attrs_get_bool(obj, CKA_SENSITIVE, CK_TRUE) ||
	                       !tok_attrs_get_bool(obj, CKA_EXTRACTABLE, CK_FALSE));
}

bool tok_rules_has(const struct tok_attrs *obj, CK_ATTRIBUTE_TYPE type)
{
	const struct rules_shape *s = rules_shape_of(obj);

	return s && rules_table_attr(s, type);
}

bool tok_rules_allows(const struct tok_attrs *obj, CK_ATTRIBUTE_TYPE usage)
{
	switch (usage) {
	case CKA_ENCRYPT:
	case CKA_DECRYPT:
	case CKA_SIGN:
	case CKA_VERIFY:
	case CKA_SIGN_RECOVER:
	case CKA_VERIFY_RECOVER:
	case CKA_WRAP:
	case CKA_UNWRAP:
	case CKA_DERIVE:
		return tok_attrs_get_bool(obj, usage, CK_FALSE) == CK_TRUE;
	default:
		return false;
	}
}

bool tok_rules_mech_allowed(const struct tok_attrs *obj, CK_MECHANISM_TYPE mech)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(obj, CKA_ALLOWED_MECHANISMS);
	CK_MECHANISM_TYPE m;

	if (!at || at->ulValueLen == 0)
		return true;
	for (CK_ULONG off = 0; off + sizeof(m) <= at->ulValueLen; off += sizeof(m)) {
		memcpy(&m, (const unsigned char *)at->pValue + off, sizeof(m));
		if (m == mech)
			return true;
	}
	return false;
}
