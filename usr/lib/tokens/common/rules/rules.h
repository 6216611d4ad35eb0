/*
 * The attribute rules of PKCS#11 objects, written once for every backend.
 *
 * A table per object class and key type says which attributes an object
 * may carry, which are required on creation, which a caller may not give
 * (generated or computed ones), their defaults, which become read-only,
 * which are sensitive, and the one-way rules of CKA_SENSITIVE and
 * CKA_EXTRACTABLE.  The functions below apply them to templates with the
 * error codes PKCS#11 names.
 */
#ifndef TOK_RULES_H
#define TOK_RULES_H

#include <stdbool.h>

#include "attrs.h"

enum tok_rules_op {
	TOK_RULES_CREATE,           /* C_CreateObject: the caller supplies everything */
	TOK_RULES_GENERATE,         /* C_GenerateKey: secret key or domain parameters */
	TOK_RULES_GENERATE_PUBLIC,  /* C_GenerateKeyPair, public template */
	TOK_RULES_GENERATE_PRIVATE, /* C_GenerateKeyPair, private template */
	TOK_RULES_UNWRAP,           /* C_UnwrapKey: value comes from the wrapped bytes */
	TOK_RULES_DERIVE,           /* C_DeriveKey: value computed by the token */
};

/*
 * Builds a new object's attributes from a caller's template for op.
 * implied_class / implied_key_type: what the mechanism implies
 * (CKO_SECRET_KEY and CKK_AES for CKM_AES_KEY_GEN, CKO_DOMAIN_PARAMETERS
 * and CKK_DH for CKM_DH_PKCS_PARAMETER_GEN; (CK_ULONG)-1 when the
 * template must say).  mech: the mechanism (CKA_KEY_GEN_MECHANISM,
 * CKA_LOCAL) or CK_UNAVAILABLE_INFORMATION for C_CreateObject.
 *
 * Checks: known attribute for the class/key type (CKR_ATTRIBUTE_TYPE_INVALID),
 * well-formed value: CK_BBOOL one byte 0/1, CK_ULONG sizeof(CK_ULONG), dates
 * 8 digits or empty (CKR_ATTRIBUTE_VALUE_INVALID), class/key type consistent
 * with the implied ones (CKR_TEMPLATE_INCONSISTENT), attributes the token
 * computes not given (CKR_ATTRIBUTE_READ_ONLY; e.g. CKA_LOCAL,
 * CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_KEY_GEN_MECHANISM, and
 * for generation the key material itself: CKR_TEMPLATE_INCONSISTENT),
 * required ones present (CKR_TEMPLATE_INCOMPLETE; e.g. CKA_CLASS, CKA_KEY_TYPE
 * for keys, CKA_VALUE and friends on create, CKA_MODULUS_BITS for RSA pair
 * generation, CKA_EC_PARAMS for EC, CKA_VALUE_LEN for generic secrets).
 * Fills defaults: CKA_TOKEN false, CKA_PRIVATE (false for public objects
 * and certificates and data, true for private and secret keys), CKA_MODIFIABLE,
 * CKA_COPYABLE, CKA_DESTROYABLE true, CKA_LABEL empty, CKA_ID empty, key
 * usage flags per class, CKA_SENSITIVE false, CKA_EXTRACTABLE true (create)
 * , CKA_LOCAL (true for generate, false otherwise), CKA_ALWAYS_SENSITIVE and
 * CKA_NEVER_EXTRACTABLE per op and final values, CKA_KEY_GEN_MECHANISM,
 * CKA_START_DATE/CKA_END_DATE empty, certificate defaults
 * (CKA_CERTIFICATE_TYPE required, CKA_TRUSTED false, CKA_CERTIFICATE_CATEGORY 0).
 * so: the security officer is logged in; only then may the template set
 * CKA_TRUSTED true (else CKR_ATTRIBUTE_READ_ONLY).
 */
CK_RV tok_rules_build(enum tok_rules_op op, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                      CK_OBJECT_CLASS implied_class, CK_KEY_TYPE implied_key_type,
                      CK_MECHANISM_TYPE mech, bool so, struct tok_attrs *out);

/*
 * C_SetAttributeValue (copy == false) and C_CopyObject (copy == true):
 * applies tmpl to a copy of obj into out.  Refuses: CKA_MODIFIABLE false on
 * set (CKR_ACTION_PROHIBITED), CKA_COPYABLE false on copy
 * (CKR_ACTION_PROHIBITED), attributes read-only after creation
 * (CKR_ATTRIBUTE_READ_ONLY; a copy may change what a set may change plus
 * CKA_TOKEN, CKA_PRIVATE and CKA_MODIFIABLE, and a copy of an object whose
 * CKA_MODIFIABLE is false only CKA_TOKEN, CKA_PRIVATE and the one-way
 * flags), a one-way flag moved back (CKA_SENSITIVE true -> false,
 * CKA_EXTRACTABLE, CKA_COPYABLE, CKA_DESTROYABLE or CKA_MODIFIABLE false ->
 * true: CKR_ATTRIBUTE_READ_ONLY), unknown types (CKR_ATTRIBUTE_TYPE_INVALID),
 * malformed values (CKR_ATTRIBUTE_VALUE_INVALID), CKA_TRUSTED true unless so
 * (the security officer is logged in), in the template or, for a copy, kept
 * from obj (CKR_ATTRIBUTE_READ_ONLY), and on a copy CKA_PRIVATE true ->
 * false for a key that is, or becomes, sensitive or not extractable
 * (CKR_TEMPLATE_INCONSISTENT).  Keeps CKA_ALWAYS_SENSITIVE /
 * CKA_NEVER_EXTRACTABLE consistent; a copy gets a new CKA_UNIQUE_ID.
 */
CK_RV tok_rules_modify(const struct tok_attrs *obj, bool copy, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                       bool so, struct tok_attrs *out);

/*
 * For slotd, which stores what clients send without trusting them: whether
 * a stored object may change from old to new, as C_SetAttributeValue
 * could have changed it.  CKR_OK when nothing changes (even an
 * unmodifiable object), else: CKA_MODIFIABLE of old true
 * (CKR_ACTION_PROHIBITED); old of a shape the rules know
 * (CKR_TEMPLATE_INCONSISTENT); no attribute removed
 * (CKR_TEMPLATE_INCONSISTENT); every changed or added attribute known to
 * the shape (CKR_ATTRIBUTE_TYPE_INVALID), well formed
 * (CKR_ATTRIBUTE_VALUE_INVALID) and modifiable, moving only the way a
 * one-way flag may (CKA_SENSITIVE false -> true, CKA_EXTRACTABLE true ->
 * false, ...), CKA_TRUSTED becoming true only when so; CKA_CLASS, the key
 * or certificate type, CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE and the
 * attributes the token computes unchanged (all CKR_ATTRIBUTE_READ_ONLY);
 * new consistent as tok_rules_check_new() asks.
 */
CK_RV tok_rules_check_update(const struct tok_attrs *old, const struct tok_attrs *new, bool so);

/*
 * For slotd: whether attrs may be stored as a new token object (created,
 * generated, unwrapped, derived or copied: slotd cannot tell them apart,
 * and needs not, since a client may store as new whatever it can read).  CKA_CLASS
 * present (CKR_TEMPLATE_INCOMPLETE) and known (CKR_ATTRIBUTE_VALUE_INVALID)
 * with a key or certificate type the rules know (CKR_TEMPLATE_INCONSISTENT),
 * CKA_TOKEN true (CKR_TEMPLATE_INCONSISTENT), every attribute known to the
 * shape or vendor-defined (CKR_ATTRIBUTE_TYPE_INVALID) and well formed
 * (CKR_ATTRIBUTE_VALUE_INVALID), CKA_TRUSTED true only when so
 * (CKR_ATTRIBUTE_READ_ONLY), and for keys no CKA_ALWAYS_SENSITIVE true with
 * CKA_SENSITIVE false and no CKA_NEVER_EXTRACTABLE true with
 * CKA_EXTRACTABLE true (CKR_TEMPLATE_INCONSISTENT).
 */
CK_RV tok_rules_check_new(const struct tok_attrs *attrs, bool so);

/*
 * C_GetAttributeValue over obj, with the precedence of PKCS#11: every
 * entry is processed; a sensitive or unextractable secret (CKA_VALUE,
 * CKA_PRIVATE_EXPONENT, CKA_PRIME_1, ... of a key with CKA_SENSITIVE true or
 * CKA_EXTRACTABLE false) gets ulValueLen = CK_UNAVAILABLE_INFORMATION and
 * CKR_ATTRIBUTE_SENSITIVE; an absent one CK_UNAVAILABLE_INFORMATION and
 * CKR_ATTRIBUTE_TYPE_INVALID; a too-small buffer CK_UNAVAILABLE_INFORMATION and
 * CKR_BUFFER_TOO_SMALL; pValue NULL gets the length.  Returns the first
 * such error met (they are all reported through the entries), else CKR_OK.
 */
CK_RV tok_rules_get(const struct tok_attrs *obj, CK_ATTRIBUTE *tmpl, CK_ULONG n);

/* Whether the attribute of obj may not be revealed (sensitive key material). */
bool tok_rules_is_sensitive(const struct tok_attrs *obj, CK_ATTRIBUTE_TYPE type);

/* Whether objects of obj's class and type carry the attribute at all. */
bool tok_rules_has(const struct tok_attrs *obj, CK_ATTRIBUTE_TYPE type);

/* Whether obj may be used for the operation its key usage flag names (CKA_SIGN, ...). */
bool tok_rules_allows(const struct tok_attrs *obj, CK_ATTRIBUTE_TYPE usage);

/*
 * Whether obj may be used with mech: true when mech is listed in its
 * CKA_ALLOWED_MECHANISMS, or when that list is absent or empty.
 */
bool tok_rules_mech_allowed(const struct tok_attrs *obj, CK_MECHANISM_TYPE mech);

#endif
