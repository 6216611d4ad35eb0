/*
 * Attribute sets (see attrs.h).  The encoding lives in attrs_codec.c, so
 * backends can link this file alone.
 */
#include "attrs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool attrs_in_block(const struct tok_attrs *a, const void *p)
{
	const unsigned char *c = p;

	return a->block && c >= a->block && c < a->block + a->block_len;
}

static void attrs_wipe(const struct tok_attrs *a, CK_ATTRIBUTE *at)
{
	if (at->pValue) {
		explicit_bzero(at->pValue, at->ulValueLen);
		if (!attrs_in_block(a, at->pValue))
			free(at->pValue);
	}
	at->pValue = NULL;
	at->ulValueLen = 0;
}

void tok_attrs_init(struct tok_attrs *a)
{
	memset(a, 0, sizeof(*a));
}

void tok_attrs_free(struct tok_attrs *a)
{
	for (size_t i = 0; i < a->n; i++)
		attrs_wipe(a, &a->v[i]);
	free(a->v);
	free(a->block);
	tok_attrs_init(a);
}

static CK_ATTRIBUTE *attrs_slot(struct tok_attrs *a, CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].type == type)
			return &a->v[i];
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		CK_ATTRIBUTE *v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		a->v = v;
		a->cap = cap;
	}
	CK_ATTRIBUTE *at = &a->v[a->n++];
	at->type = type;
	at->pValue = NULL;
	at->ulValueLen = 0;
	return at;
}

CK_RV tok_attrs_set(struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, const void *value, CK_ULONG len)
{
	void *copy = NULL;

	if (len) {
		copy = malloc(len);
		if (!copy)
			return CKR_HOST_MEMORY;
		memcpy(copy, value, len);
	}
	CK_ATTRIBUTE *at = attrs_slot(a, type);
	if (!at) {
		free(copy);
		return CKR_HOST_MEMORY;
	}
	attrs_wipe(a, at);
	at->pValue = copy;
	at->ulValueLen = len;
	return CKR_OK;
}

CK_RV tok_attrs_set_ulong(struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_ULONG value)
{
	return tok_attrs_set(a, type, &value, sizeof(value));
}

CK_RV tok_attrs_set_bool(struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_BBOOL value)
{
	return tok_attrs_set(a, type, &value, sizeof(value));
}

void tok_attrs_remove(struct tok_attrs *a, CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].type != type)
			continue;
		attrs_wipe(a, &a->v[i]);
		a->v[i] = a->v[--a->n];
		return;
	}
}

const CK_ATTRIBUTE *tok_attrs_find(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].type == type)
			return &a->v[i];
	return NULL;
}

bool tok_attrs_get_ulong(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_ULONG *out)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(a, type);

	if (!at || at->ulValueLen != sizeof(CK_ULONG))
		return false;
	memcpy(out, at->pValue, sizeof(CK_ULONG));
	return true;
}

CK_BBOOL tok_attrs_get_bool(const struct tok_attrs *a, CK_ATTRIBUTE_TYPE type, CK_BBOOL dflt)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(a, type);

	if (!at || at->ulValueLen != sizeof(CK_BBOOL))
		return dflt;
	return *(const CK_BBOOL *)at->pValue ? CK_TRUE : CK_FALSE;
}

CK_RV tok_attrs_copy(struct tok_attrs *dst, const struct tok_attrs *src)
{
	for (size_t i = 0; i < src->n; i++) {
		CK_RV rv =
		    tok_attrs_set(dst, src->v[i].type, src->v[i].pValue, src->v[i].ulValueLen);
		if (rv != CKR_OK)
			return rv;
	}
	return CKR_OK;
}

CK_RV tok_attrs_from_template(struct tok_attrs *a, const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	if (n > TOK_ATTRS_MAX_COUNT)
		return CKR_TEMPLATE_INCONSISTENT;
	if (n && !tmpl)
		return CKR_ARGUMENTS_BAD;
	for (CK_ULONG i = 0; i < n; i++) {
		if ((!tmpl[i].pValue && tmpl[i].ulValueLen) ||
		    tmpl[i].ulValueLen > TOK_ATTRS_MAX_VALUE)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (tok_attrs_find(a, tmpl[i].type))
			return CKR_TEMPLATE_INCONSISTENT;
		CK_RV rv = tok_attrs_set(a, tmpl[i].type, tmpl[i].pValue, tmpl[i].ulValueLen);
		if (rv != CKR_OK)
			return rv;
	}
	return CKR_OK;
}

bool tok_attrs_match(const struct tok_attrs *a, const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		const CK_ATTRIBUTE *at = tok_attrs_find(a, tmpl[i].type);
		if (!at || at->ulValueLen != tmpl[i].ulValueLen)
			return false;
		if (at->ulValueLen && !tmpl[i].pValue)
			return false;
		if (at->ulValueLen && memcmp(at->pValue, tmpl[i].pValue, at->ulValueLen) != 0)
			return false;
	}
	return true;
}
