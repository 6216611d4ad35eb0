/*
 * The policy rules that hold whoever builds or changes an object
 * (rules_int.h), and the checks slotd makes on the objects a client asks
 * it to store (rules.h).
 *
 * A client may run any code, so slotd cannot take a finished attribute set
 * on trust: it accepts a new token object or a change to a stored one only
 * when the rules of the PKCS#11 API could have produced it.  These checks
 * look at attribute sets alone; whether the caller may write the token at
 * all (a read/write session, the user logged in for private objects) is
 * slotd's own decision.
 */
#include "rules.h"

#include "rules_int.h"

bool rules_who_may_set(const struct rules_attr *ra, const CK_ATTRIBUTE *at, bool so)
{
	if (!(ra->flags & RULES_SO_TRUE) || so)
		return true;
	return *(const CK_BBOOL *)at->pValue == CK_FALSE;
}

bool rules_so_only_kept(const struct rules_shape *s, const struct tok_attrs *attrs, bool so)
{
	for (size_t l = 0; l < RULES_SHAPE_LISTS && !so; l++)
		for (size_t i = 0; i < s->lists[l].n; i++)
			if ((s->lists[l].v[i].flags & RULES_SO_TRUE) &&
			    tok_attrs_get_bool(attrs, s->lists[l].v[i].type, CK_FALSE))
				return false;
	return true;
}

bool rules_private_kept(const struct rules_shape *s, const struct tok_attrs *before,
                        const struct tok_attrs *after)
{
	if (!rules_table_attr(s, CKA_SENSITIVE))
		return true; /* no secret part: data, certificates, public keys */
	/* An object without CKA_PRIVATE is public, as everywhere else. */
	if (!tok_attrs_get_bool(before, CKA_PRIVATE, CK_FALSE) ||
	    tok_attrs_get_bool(after, CKA_PRIVATE, CK_FALSE))
		return true;
	return !tok_attrs_get_bool(after, CKA_SENSITIVE, CK_TRUE) &&
	       tok_attrs_get_bool(after, CKA_EXTRACTABLE, CK_FALSE);
}

/* A key is always sensitive / never extractable only while it still is. */
static CK_RV rules_check_history(const struct rules_shape *s, const struct tok_attrs *a)
{
	if (rules_table_attr(s, CKA_ALWAYS_SENSITIVE) &&
	    tok_attrs_get_bool(a, CKA_ALWAYS_SENSITIVE, CK_FALSE) &&
	    !tok_attrs_get_bool(a, CKA_SENSITIVE, CK_FALSE))
		return CKR_TEMPLATE_INCONSISTENT;
	if (rules_table_attr(s, CKA_NEVER_EXTRACTABLE) &&
	    tok_attrs_get_bool(a, CKA_NEVER_EXTRACTABLE, CK_FALSE) &&
	    tok_attrs_get_bool(a, CKA_EXTRACTABLE, CK_TRUE))
		return CKR_TEMPLATE_INCONSISTENT;
	return CKR_OK;
}

/* Whether a stored object may carry at: known to its shape (or a vendor's) and well formed. */
static CK_RV rules_check_stored(const struct rules_shape *s, const CK_ATTRIBUTE *at, bool so)
{
	const struct rules_attr *ra = rules_table_attr(s, at->type);
	CK_RV rv;

	if (!ra)
		return at->type >= CKA_VENDOR_DEFINED ? CKR_OK : CKR_ATTRIBUTE_TYPE_INVALID;
	rv = rules_check_value(ra, at);
	if (rv == CKR_OK && !rules_who_may_set(ra, at, so))
		rv = CKR_ATTRIBUTE_READ_ONLY;
	return rv;
}

/* The shape of a new object: its class present and known, its subtype known. */
static CK_RV rules_new_shape(const struct tok_attrs *attrs, const struct rules_shape **s)
{
	CK_OBJECT_CLASS cls;

	if (!tok_attrs_find(attrs, CKA_CLASS))
		return CKR_TEMPLATE_INCOMPLETE;
	if (!tok_attrs_get_ulong(attrs, CKA_CLASS, &cls) || !rules_table_known_class(cls))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*s = rules_shape_of(attrs);
	return *s ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
}

CK_RV tok_rules_check_new(const struct tok_attrs *attrs, bool so)
{
	const struct rules_shape *s = NULL;
	CK_RV rv = rules_new_shape(attrs, &s);

	if (rv != CKR_OK)
		return rv;
	if (!tok_attrs_get_bool(attrs, CKA_TOKEN, CK_FALSE))
		return CKR_TEMPLATE_INCONSISTENT;
	for (size_t i = 0; i < attrs->n; i++) {
		rv = rules_check_stored(s, &attrs->v[i], so);
		if (rv != CKR_OK)
			return rv;
	}
	return rules_check_history(s, attrs);
}

/* Whether two attribute sets hold the same attributes with the same values. */
static bool rules_same(const struct tok_attrs *a, const struct tok_attrs *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!tok_attrs_match(b, &a->v[i], 1))
			return false;
	return true;
}

/* Whether at, in the new version of old, is unchanged or a change C_SetAttributeValue allows. */
static CK_RV rules_check_moved(const struct rules_shape *s, const struct tok_attrs *old,
                               const CK_ATTRIBUTE *at, bool so)
{
	const struct rules_attr *ra;
	CK_RV rv;

	if (tok_attrs_match(old, at, 1))
		return CKR_OK;
	ra = rules_table_attr(s, at->type);
	if (!ra)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	rv = rules_check_value(ra, at);
	if (rv != CKR_OK)
		return rv;
	if (!(ra->flags & RULES_MODIFIABLE) || (ra->flags & RULES_COMPUTED))
		return CKR_ATTRIBUTE_READ_ONLY;
	if (ra->kind == RULES_BOOL && !rules_one_way_ok(ra, old, at))
		return CKR_ATTRIBUTE_READ_ONLY;
	return rules_who_may_set(ra, at, so) ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
}

CK_RV tok_rules_check_update(const struct tok_attrs *old, const struct tok_attrs *new, bool so)
{
	const struct rules_shape *s = rules_shape_of(old);
	CK_RV rv = CKR_OK;

	if (!s)
		return CKR_TEMPLATE_INCONSISTENT;
	if (rules_same(old, new))
		return CKR_OK;
	if (!tok_attrs_get_bool(old, CKA_MODIFIABLE, CK_TRUE))
		return CKR_ACTION_PROHIBITED;
	for (size_t i = 0; i < old->n; i++)
		if (!tok_attrs_find(new, old->v[i].type))
			return CKR_TEMPLATE_INCONSISTENT;
	for (size_t i = 0; i < new->n &&rv == CKR_OK; i++)
		rv = rules_check_moved(s, old, &new->v[i], so);
	if (rv == CKR_OK)
		rv = rules_check_history(s, new);
	return rv;
}
