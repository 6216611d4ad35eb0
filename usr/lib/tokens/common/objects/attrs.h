/*
 * Attribute sets: the attributes of one object, each value an owned copy.
 *
 * A set is a small array searched linearly (objects have a few dozen
 * attributes at most).  Values are zeroised when replaced or freed, since
 * they may hold key material.  The binary encoding (used by the object
 * store) is: u32 count, then per attribute u64 type, u32 length, bytes; all
 * big-endian; decoding checks every length and refuses duplicates and
 * trailing bytes.
 */
#ifndef TOK_ATTRS_H
#define TOK_ATTRS_H

#include <stdbool.h>
#include <stddef.h>

#include "openslot/pkcs11.h"
#include "buf.h"

/* Largest single attribute value accepted from a template or a file. */
#define TOK_ATTRS_MAX_VALUE (1024 * 1024)
#define TOK_ATTRS_MAX_COUNT 256

struct tok_attrs {
	/* pValue malloc'ed one by one (NULL when ulValueLen is 0), or inside
	 * block, where a decoded set keeps all its values */
	CK_ATTRIBUTE *v;
	size_t n;
	size_t cap;
	unsigned char *block;
	size_t block_len;
};

void tok_attrs_init(struct tok_attrs *a);
/* Zeroises and frees every value. */
void tok_attrs_free(struct tok_attrs *a);

/* Adds or replaces; CKR_HOST_MEMORY or CKR_OK. */
CK_RV tok_attrs_set(struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, const void *value, CK_ULONG len);
CK_RV tok_attrs_set_ulong(struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_ULONG value);
CK_RV tok_attrs_set_bool(struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_BBOOL value);
void tok_attrs_remove(struct tok_attrs *a, CK_ATTRIBUTE_TYPE type);

const CK_ATTRIBUTE *tok_attrs_find(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE type);
/* True and *out when present with exactly sizeof(CK_ULONG) bytes. */
bool tok_attrs_get_ulong(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_ULONG *out);
/* The boolean's value, or dflt when absent or malformed. */
CK_BBOOL tok_attrs_get_bool(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_BBOOL dflt);

CK_RV tok_attrs_copy(struct tok_attrs *dst, const struct tok_attrs *src);

/*
 * Copies a caller's template.  Refuses a NULL pValue with a non-zero length
 * (CKR_ATTRIBUTE_VALUE_INVALID), a value over TOK_ATTRS_MAX_VALUE
 * (CKR_ATTRIBUTE_VALUE_INVALID), more than TOK_ATTRS_MAX_COUNT entries
 * (CKR_TEMPLATE_INCONSISTENT) and an attribute given twice
 * (CKR_TEMPLATE_INCONSISTENT).
 */
CK_RV tok_attrs_from_template(struct tok_attrs *a, const CK_ATTRIBUTE *tmpl, CK_ULONG n);

/* Whether every attribute of the template is in the set with an equal value (C_FindObjects). */
bool tok_attrs_match(const struct tok_attrs *a, const CK_ATTRIBUTE *tmpl, CK_ULONG n);

void tok_attrs_encode(const struct tok_attrs *a, struct os_buf *out);
/* Strict decoding into an empty set; CKR_OK or CKR_DATA_INVALID. */
CK_RV tok_attrs_decode(struct tok_attrs *a, const void *data, size_t len);

#endif
