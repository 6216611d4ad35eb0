/*
 * Helpers shared by rules.c (building and changing objects from templates)
 * and rules_check.c (the policy rules, and the checks slotd makes on the
 * objects a client asks it to store).  Not for use outside the rules.
 */
#ifndef TOK_RULES_INT_H
#define TOK_RULES_INT_H

#include <stdbool.h>

#include "attrs.h"
#include "rules_table.h"

/* The shape of an existing object, or NULL when it is not one openslot makes. */
const struct rules_shape *rules_shape_of(const struct tok_attrs *obj);

/* Whether the value has the form its rule asks for: CKR_OK or CKR_ATTRIBUTE_VALUE_INVALID. */
CK_RV rules_check_value(const struct rules_attr *ra, const CK_ATTRIBUTE *at);

/*
 * Whether a one-way flag moves only the way it may from its value in obj
 * (an absent flag counts as moved).  at holds a well-formed CK_BBOOL.
 */
bool rules_one_way_ok(const struct rules_attr *ra, const struct tok_attrs *obj,
                      const CK_ATTRIBUTE *at);

/*
 * Whether the caller may give at (a well-formed value): an attribute only
 * the security officer may set to true (CKA_TRUSTED) is true only when so.
 */
bool rules_who_may_set(const struct rules_attr *ra, const CK_ATTRIBUTE *at, bool so);

/*
 * Whether a new object of shape s made by the caller (so: the security
 * officer) may carry what attrs holds: an attribute only the SO may set to
 * true (CKA_TRUSTED) is true only when so.
 */
bool rules_so_only_kept(const struct rules_shape *s, const struct tok_attrs *attrs, bool so);

/*
 * Whether an object of shape s may become after from before as far as
 * CKA_PRIVATE goes: a key whose secret part is protected (CKA_SENSITIVE
 * true or CKA_EXTRACTABLE false in after) stays private once private, so
 * that neither a copy nor a change stores it in clear or hands it to an
 * unauthenticated session.
 */
bool rules_private_kept(const struct rules_shape *s, const struct tok_attrs *before,
                        const struct tok_attrs *after);

#endif
