/*
 * The attribute tables behind rules.c: for each object shape (an object
 * class with its key type or certificate type) the attributes it may carry,
 * the form of each value, and what each operation may do with it.
 *
 * A shape is the concatenation of a few lists (storage attributes, common
 * key attributes, the class's attributes, the key type's attributes), so an
 * attribute common to many shapes is described once.
 */
#ifndef TOK_RULES_TABLE_H
#define TOK_RULES_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "openslot/pkcs11.h"

/* The form a value must have. */
enum rules_kind {
	RULES_BYTES, /* any byte string, empty included */
	RULES_BOOL,  /* one CK_BBOOL, 0 or 1 */
	RULES_ULONG, /* one CK_ULONG */
	RULES_DATE,  /* empty, or a CK_DATE of eight ASCII digits */
	RULES_MECHS, /* an array of CK_MECHANISM_TYPE */
};

/* What the value of an absent attribute becomes when an object is built. */
enum rules_default {
	RULES_DFLT_NONE,  /* stays absent (required, computed, or optional) */
	RULES_DFLT_FALSE, /* CK_FALSE */
	RULES_DFLT_TRUE,  /* CK_TRUE */
	RULES_DFLT_EMPTY, /* an empty byte string */
	RULES_DFLT_ULONG, /* the CK_ULONG in rules_attr.dflt_ulong */
};

/*
 * Flags of an attribute within a shape.  The numbers in the comments are
 * the footnotes of the PKCS#11 object attribute tables.
 */
#define RULES_REQ_CREATE 0x0001u /* 1: required by C_CreateObject */
#define RULES_NO_CREATE  0x0002u /* 2: refused by C_CreateObject (computed from the value) */
#define RULES_REQ_GEN    0x0004u /* 3: required by C_GenerateKey / C_GenerateKeyPair */
#define RULES_NO_GEN     0x0008u /* 4: refused by generation (key material) */
#define RULES_NO_UNWRAP  0x0010u /* 6: refused by C_UnwrapKey and C_DeriveKey (key material) */
#define RULES_SENSITIVE  0x0020u /* 7: hidden when CKA_SENSITIVE or !CKA_EXTRACTABLE */
#define RULES_MODIFIABLE 0x0040u /* 8: C_SetAttributeValue and C_CopyObject may change it */
#define RULES_COPY_ONLY  0x0080u /* only C_CopyObject may change it (CKA_TOKEN, ...) */
#define RULES_ONLY_TRUE  0x0100u /* 11: once true it stays true */
#define RULES_ONLY_FALSE 0x0200u /* 12: once false it stays false */
#define RULES_COMPUTED   0x0400u /* set by the token only, never by a template */
#define RULES_NONEMPTY   0x0800u /* an empty value is invalid */
#define RULES_CHECK_ENUM 0x1000u /* a CK_ULONG limited to 0 .. rules_attr.max */
#define RULES_SO_TRUE    0x4000u /* 10: only the security officer may set it to true */

/* Key material: absent from generation and unwrap templates, fixed after creation. */
#define RULES_MATERIAL (RULES_NO_GEN | RULES_NO_UNWRAP | RULES_NONEMPTY)

struct rules_attr {
	CK_ATTRIBUTE_TYPE type;
	enum rules_kind kind;
	unsigned int flags;
	enum rules_default dflt;
	CK_ULONG dflt_ulong; /* RULES_DFLT_ULONG */
	CK_ULONG max;        /* RULES_CHECK_ENUM */
};

struct rules_list {
	const struct rules_attr *v;
	size_t n;
};

#define RULES_SHAPE_LISTS 4

struct rules_shape {
	CK_OBJECT_CLASS cls;
	CK_ULONG sub; /* CKA_KEY_TYPE or CKA_CERTIFICATE_TYPE; RULES_NO_SUB for data */
	CK_ATTRIBUTE_TYPE sub_attr; /* CKA_KEY_TYPE, CKA_CERTIFICATE_TYPE, or 0 */
	bool private_default;       /* the default of CKA_PRIVATE */
	struct rules_list lists[RULES_SHAPE_LISTS];
};

#define RULES_NO_SUB ((CK_ULONG)-1)

/* Whether cls is an object class openslot stores. */
bool rules_table_known_class(CK_OBJECT_CLASS cls);

/* The attribute naming the subtype of cls (CKA_KEY_TYPE, ...), or 0 when cls has none. */
CK_ATTRIBUTE_TYPE rules_table_sub_attr(CK_OBJECT_CLASS cls);

/* Whether some stored class has the subtype sub (of the kind sub_attr names). */
bool rules_table_known_sub(CK_ATTRIBUTE_TYPE sub_attr, CK_ULONG sub);

/* The shape of a class and subtype, or NULL when openslot has no such object. */
const struct rules_shape *rules_table_shape(CK_OBJECT_CLASS cls, CK_ULONG sub);

/* The rule of one attribute in a shape, or NULL when the shape has no such attribute. */
const struct rules_attr *rules_table_attr(const struct rules_shape *s, CK_ATTRIBUTE_TYPE type);

/* Whether type is key material that is secret in some private or secret key shape. */
bool rules_table_any_sensitive(CK_ATTRIBUTE_TYPE type);

#endif
