/*
 * The PKCS#11 object functions: creation, copies, changes, destruction,
 * attributes, searches, and the key management functions (generation,
 * wrapping, unwrapping, derivation).  The token common layer (token.h)
 * does the work; this file checks the arguments and the session.
 */
#include "entry.h"

#include <stdlib.h>

CK_RV C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n,
                     CK_OBJECT_HANDLE_PTR obj)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	struct tok_caller c = entry_caller(s);
	if (!obj || (!tmpl && n))
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = tok_token_create(&s->slot->token, &c, tmpl, n, obj);
	return entry_end(s, rv);
}

CK_RV C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n,
                   CK_OBJECT_HANDLE_PTR out)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	struct tok_caller c = entry_caller(s);
	if (!out || (!tmpl && n))
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = tok_token_copy(&s->slot->token, &c, obj, tmpl, n, out);
	return entry_end(s, rv);
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	struct tok_caller c = entry_caller(s);
	return entry_end(s, tok_token_destroy(&s->slot->token, &c, obj));
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG_PTR size)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	rv = size ? tok_token_object_size(&s->slot->token, obj, size) : CKR_ARGUMENTS_BAD;
	return entry_end(s, rv);
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
                          CK_ULONG n)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	rv = tok_token_get_attrs(&s->slot->token, obj, tmpl, n);
	return entry_end(s, rv);
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
                          CK_ULONG n)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	struct tok_caller c = entry_caller(s);
	rv = (!tmpl && n) ? CKR_ARGUMENTS_BAD
	                  : tok_token_set_attrs(&s->slot->token, &c, obj, tmpl, n);
	return entry_end(s, rv);
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!tmpl && n)
		return entry_end(s, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&s->op_lock);
	if (s->find_active) {
		rv = CKR_OPERATION_ACTIVE;
	} else {
		free(s->found);
		s->found = NULL;
		rv = tok_token_find(&s->slot->token, tmpl, n, &s->found, &s->n_found);
		s->pos_found = 0;
		s->find_active = rv == CKR_OK;
	}
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, rv);
}

CK_RV C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!count || (!out && max))
		return entry_end(s, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&s->op_lock);
	if (!s->find_active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else {
		CK_ULONG k = 0;
		while (k < max && s->pos_found < s->n_found)
			out[k++] = s->found[s->pos_found++];
		*count = k;
	}
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, rv);
}

static void entry_find_end(struct api_session *s)
{
	s->find_active = false;
	free(s->found);
	s->found = NULL;
	s->n_found = s->pos_found = 0;
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE h)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->op_lock);
	if (!s->find_active)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	entry_find_end(s);
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, rv);
}

CK_RV C_SessionCancel(CK_SESSION_HANDLE h, CK_FLAGS flags)
{
	static const struct {
		CK_FLAGS flag;
		enum api_op_kind kind;
	} map[] = {
	    {CKF_ENCRYPT, API_OP_ENCRYPT},
	    {CKF_DECRYPT, API_OP_DECRYPT},
	    {CKF_DIGEST, API_OP_DIGEST},
	    {CKF_SIGN, API_OP_SIGN},
	    {CKF_VERIFY, API_OP_VERIFY},
	    {CKF_SIGN_RECOVER, API_OP_SIGN_RECOVER},
	    {CKF_VERIFY_RECOVER, API_OP_VERIFY_RECOVER},
	};
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->op_lock);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (flags & map[i].flag)
			api_session_end_op(s, map[i].kind);
	if (flags & CKF_FIND_OBJECTS)
		entry_find_end(s);
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, CKR_OK);
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n,
                    CK_OBJECT_HANDLE_PTR key)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	struct tok_caller c = entry_caller(s);
	if (!mech || !key || (!tmpl && n))
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = tok_token_generate_key(&s->slot->token, &c, mech, tmpl, n, key);
	return entry_end(s, rv);
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR pub,
                        CK_ULONG npub, CK_ATTRIBUTE_PTR priv, CK_ULONG npriv,
                        CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	struct tok_caller c = entry_caller(s);
	if (!mech || !hpub || !hpriv || (!pub && npub) || (!priv && npriv))
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = tok_token_generate_key_pair(&s->slot->token, &c, mech, pub, npub, priv, npriv,
		                                 hpub, hpriv);
	return entry_end(s, rv);
}

CK_RV C_WrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE wrapping,
                CK_OBJECT_HANDLE key, CK_BYTE_PTR out, CK_ULONG_PTR outlen)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!mech || !outlen)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = tok_token_wrap(&s->slot->token, mech, wrapping, key, out, outlen);
	return entry_end(s, rv);
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE unwrapping,
                  CK_BYTE_PTR wrapped, CK_ULONG len, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n,
                  CK_OBJECT_HANDLE_PTR key)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	struct tok_caller c = entry_caller(s);
	if (!mech || !key || (!wrapped && len) || (!tmpl && n))
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = tok_token_unwrap(&s->slot->token, &c, mech, unwrapping, wrapped, len, tmpl, n,
		                      key);
	return entry_end(s, rv);
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE base,
                  CK_ATTRIBUTE_PTR tmpl, CK_ULONG n, CK_OBJECT_HANDLE_PTR key)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	struct tok_caller c = entry_caller(s);
	if (!mech || !key || (!tmpl && n))
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = tok_token_derive(&s->slot->token, &c, mech, base, tmpl, n, key);
	return entry_end(s, rv);
}
