/*
 * Object calls of a token (see token.h): creation in all its forms,
 * copies, changes, destruction, attribute reads and searches.
 *
 * A new token object is sent to the writer (slotd) with the token's lock
 * held for writing, so no concurrent synchronisation can load it a second
 * time; private objects need the user to be logged in (the master key
 * encrypts them), and token objects a read/write session.  The writer
 * checks all of this again: nothing here is what keeps a token's files
 * safe from a process that bypasses this code.
 */
#include "token.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

/* The key type a generation mechanism implies, or (CK_ULONG)-1. */
static CK_KEY_TYPE token_implied_key_type(CK_MECHANISM_TYPE mech)
{
	static const struct {
		CK_MECHANISM_TYPE mech;
		CK_KEY_TYPE type;
	} map[] = {
	    {CKM_AES_KEY_GEN, CKK_AES},
	    {CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET},
	    {CKM_DES3_KEY_GEN, CKK_DES3},
	    {CKM_DES2_KEY_GEN, CKK_DES2},
	    {CKM_DES_KEY_GEN, CKK_DES},
	    {CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA},
	    {CKM_EC_KEY_PAIR_GEN, CKK_EC},
	    {CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS},
	    {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY},
	    {CKM_SHA_1_KEY_GEN, CKK_SHA_1_HMAC},
	    {CKM_SHA224_KEY_GEN, CKK_SHA224_HMAC},
	    {CKM_SHA256_KEY_GEN, CKK_SHA256_HMAC},
	    {CKM_SHA384_KEY_GEN, CKK_SHA384_HMAC},
	    {CKM_SHA512_KEY_GEN, CKK_SHA512_HMAC},
	    {CKM_SHA3_224_KEY_GEN, CKK_SHA3_224_HMAC},
	    {CKM_SHA3_256_KEY_GEN, CKK_SHA3_256_HMAC},
	    {CKM_SHA3_384_KEY_GEN, CKK_SHA3_384_HMAC},
	    {CKM_SHA3_512_KEY_GEN, CKK_SHA3_512_HMAC},
	    {CKM_DH_PKCS_KEY_PAIR_GEN, CKK_DH},
	    {CKM_DH_PKCS_PARAMETER_GEN, CKK_DH},
	    {CKM_HKDF_KEY_GEN, CKK_HKDF},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].mech == mech)
			return map[i].type;
	return (CK_KEY_TYPE)-1;
}

/* The class C_GenerateKey makes with a mechanism: domain parameters or a secret key. */
static CK_OBJECT_CLASS token_generated_class(CK_MECHANISM_TYPE mech)
{
	return mech == CKM_DH_PKCS_PARAMETER_GEN ? CKO_DOMAIN_PARAMETERS : CKO_SECRET_KEY;
}

static bool token_visible_inlock(const struct tok_token *t, const struct tok_object *obj)
{
	return !obj->private || t->login == CKU_USER;
}

static struct tok_object *token_lookup_inlock(struct tok_token *t, CK_OBJECT_HANDLE h)
{
	struct tok_object *obj = tok_objects_find(&t->objects, h);

	return obj && token_visible_inlock(t, obj) ? obj : NULL;
}

/* May this caller make (or change) an object with these attributes? */
static CK_RV token_may_write_inlock(const struct tok_token *t, const struct tok_caller *c,
                                    const struct tok_attrs *attrs)
{
	bool token = tok_attrs_get_bool(attrs, CKA_TOKEN, CK_FALSE);
	bool private = tok_attrs_get_bool(attrs, CKA_PRIVATE, CK_FALSE);

	if (token && !c->rw)
		return CKR_SESSION_READ_ONLY;
	if (private && t->login != CKU_USER)
		return CKR_USER_NOT_LOGGED_IN;
	if (token && !(t->info.flags & CKF_TOKEN_INITIALIZED))
		return CKR_TOKEN_NOT_RECOGNIZED;
	return CKR_OK;
}

/*
 * After the writer made this process's change durable (t->lock held for
 * writing): the object counter grows by one per change, so when it is one
 * past what it was before the request and this process had seen that
 * value, its change is the only one and it already holds the new state; it
 * need not replay the index on its next call.
 */
static void token_own_change_inlock(struct tok_token *t, uint64_t before)
{
	if (t->seen_objects == before && tok_shm_load(&t->shm->objects_generation) == before + 1)
		t->seen_objects = before + 1;
}

/*
 * Stores (token objects) and adds a finished attribute set as an object,
 * with t->lock held for writing.  keep_handle: replace this object.
 */
static CK_RV token_commit_inlock(struct tok_token *t, const struct tok_caller *c,
                                 struct tok_attrs *attrs, struct tok_object *replaces,
                                 CK_OBJECT_HANDLE *out)
{
	struct tok_store_entry entry = {0};
	bool token = tok_attrs_get_bool(attrs, CKA_TOKEN, CK_FALSE);
	/* Read now: the replace below frees the object replaced. */
	bool was_session = replaces && !replaces->token;
	/* A session object stays its creator's when another session changes it. */
	const void *owner = was_session ? replaces->owner : c->session;
	CK_RV rv = token_may_write_inlock(t, c, attrs);

	if (rv != CKR_OK)
		return rv;
	if (token) {
		if (replaces && replaces->token)
			entry.id = replaces->store_id;
		uint64_t before = tok_shm_load(&t->shm->objects_generation);
		rv = t->writer->save(t->writer->ctx, &entry.id, &entry.generation, attrs);
		if (rv != CKR_OK)
			return rv;
		token_own_change_inlock(t, before);
	}
	struct tok_object *obj = tok_object_new(attrs);
	if (!obj)
		return CKR_HOST_MEMORY;
	obj->store_id = entry.id;
	obj->generation = entry.generation;
	obj->owner = token ? NULL : owner;
	obj->ops = t->ops;
	obj->ops_ctx = t->ctx;
	int err = replaces ? tok_objects_replace(&t->objects, replaces, obj)
	                   : tok_objects_add(&t->objects, obj);
	if (err < 0) {
		tok_object_unref(obj);
		/* Stored but not in the set: the next call reloads what the store holds. */
		if (token)
			t->seen_objects = UINT64_MAX;
		return CKR_HOST_MEMORY;
	}
	if (was_session && token)
		tok_owned_sub(t, owner, 1);
	if (!token && !was_session)
		tok_owned_add(t, owner);
	if (out)
		*out = obj->handle;
	return CKR_OK;
}

/* Commits attrs as a new object, taking the lock; frees attrs either way. */
static CK_RV token_commit(struct tok_token *t, const struct tok_caller *c, struct tok_attrs *attrs,
                          CK_OBJECT_HANDLE *out)
{
	CK_RV rv = tok_token_sync(t);

	if (rv == CKR_OK) {
		pthread_rwlock_wrlock(&t->lock);
		rv = token_commit_inlock(t, c, attrs, NULL, out);
		pthread_rwlock_unlock(&t->lock);
	}
	tok_attrs_free(attrs);
	return rv;
}

static CK_RV token_fill_value_len(struct tok_attrs *attrs)
{
	CK_ULONG klass = 0;
	const CK_ATTRIBUTE *v = tok_attrs_find(attrs, CKA_VALUE);

	if (!tok_attrs_get_ulong(attrs, CKA_CLASS, &klass) || klass != CKO_SECRET_KEY || !v ||
	    !tok_rules_has(attrs, CKA_VALUE_LEN))
		return CKR_OK;
	return tok_attrs_set_ulong(attrs, CKA_VALUE_LEN, v->ulValueLen);
}

CK_RV tok_token_create(struct tok_token *t, const struct tok_caller *c, const CK_ATTRIBUTE *tmpl,
                       CK_ULONG n, CK_OBJECT_HANDLE *out)
{
	struct tok_attrs attrs;
	CK_RV rv;

	tok_attrs_init(&attrs);
	rv = tok_rules_build(TOK_RULES_CREATE, tmpl, n, (CK_ULONG)-1, (CK_ULONG)-1,
	                     CK_UNAVAILABLE_INFORMATION, c->so, &attrs);
	if (rv == CKR_OK)
		rv = token_fill_value_len(&attrs);
	if (rv == CKR_OK)
		rv = t->ops->check_key(t->ctx, &attrs);
	if (rv != CKR_OK) {
		tok_attrs_free(&attrs);
		return rv;
	}
	return token_commit(t, c, &attrs, out);
}

CK_RV tok_token_generate_key(struct tok_token *t, const struct tok_caller *c,
                             const CK_MECHANISM *mech, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                             CK_OBJECT_HANDLE *out)
{
	struct tok_attrs attrs;
	CK_RV rv;

	tok_attrs_init(&attrs);
	rv = tok_rules_build(TOK_RULES_GENERATE, tmpl, n, token_generated_class(mech->mechanism),
	                     token_implied_key_type(mech->mechanism), mech->mechanism, c->so,
	                     &attrs);
	if (rv == CKR_OK)
		rv = t->ops->generate_key(t->ctx, mech, &attrs);
	if (rv != CKR_OK) {
		tok_attrs_free(&attrs);
		return rv;
	}
	return token_commit(t, c, &attrs, out);
}

CK_RV tok_token_generate_key_pair(struct tok_token *t, const struct tok_caller *c,
                                  const CK_MECHANISM *mech, const CK_ATTRIBUTE *pub_tmpl,
                                  CK_ULONG n_pub, const CK_ATTRIBUTE *priv_tmpl, CK_ULONG n_priv,
                                  CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_KEY_TYPE kt = token_implied_key_type(mech->mechanism);
	struct tok_attrs pa, sa;
	CK_RV rv;

	tok_attrs_init(&pa);
	tok_attrs_init(&sa);
	rv = tok_rules_build(TOK_RULES_GENERATE_PUBLIC, pub_tmpl, n_pub, CKO_PUBLIC_KEY, kt,
	                     mech->mechanism, c->so, &pa);
	if (rv == CKR_OK)
		rv = tok_rules_build(TOK_RULES_GENERATE_PRIVATE, priv_tmpl, n_priv, CKO_PRIVATE_KEY,
		                     kt, mech->mechanism, c->so, &sa);
	if (rv == CKR_OK)
		rv = t->ops->generate_key_pair(t->ctx, mech, &pa, &sa);
	if (rv == CKR_OK)
		rv = tok_token_sync(t);
	if (rv != CKR_OK)
		goto out;
	pthread_rwlock_wrlock(&t->lock);
	rv = token_may_write_inlock(t, c, &pa);
	if (rv == CKR_OK)
		rv = token_may_write_inlock(t, c, &sa);
	if (rv == CKR_OK)
		rv = token_commit_inlock(t, c, &pa, NULL, pub);
	if (rv == CKR_OK) {
		rv = token_commit_inlock(t, c, &sa, NULL, priv);
		if (rv != CKR_OK) {
			struct tok_object *p = tok_objects_find(&t->objects, *pub);
			if (p && p->token)
				t->writer->destroy(t->writer->ctx, p->store_id);
			if (p && !p->token)
				tok_owned_sub(t, p->owner, 1);
			if (p)
				tok_objects_remove(&t->objects, p);
		}
	}
	pthread_rwlock_unlock(&t->lock);
out:
	tok_attrs_free(&pa);
	tok_attrs_free(&sa);
	return rv;
}

CK_RV tok_token_key(struct tok_token *t, CK_OBJECT_HANDLE h, struct tok_object **obj)
{
	*obj = NULL;
	CK_RV rv = tok_token_sync(t);
	if (rv != CKR_OK)
		return rv;
	pthread_rwlock_rdlock(&t->lock);
	*obj = token_lookup_inlock(t, h);
	if (*obj)
		tok_object_ref(*obj);
	pthread_rwlock_unlock(&t->lock);
	return *obj ? CKR_OK : CKR_KEY_HANDLE_INVALID;
}

/*
 * A key usable for the usage attribute (CKA_UNWRAP, CKA_DERIVE, CKA_WRAP)
 * with mech: CKR_KEY_FUNCTION_NOT_PERMITTED without the usage, and
 * CKR_MECHANISM_INVALID when its CKA_ALLOWED_MECHANISMS leaves mech out
 * (as for the other operations in the library).
 */
static CK_RV token_usable_key(struct tok_token *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE usage,
                              CK_MECHANISM_TYPE mech, struct tok_object **obj)
{
	CK_RV rv = tok_token_key(t, h, obj);

	if (rv != CKR_OK)
		return rv;
	if (!tok_rules_allows(&(*obj)->attrs, usage))
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
	else if (!tok_rules_mech_allowed(&(*obj)->attrs, mech))
		rv = CKR_MECHANISM_INVALID;
	if (rv != CKR_OK) {
		tok_object_unref(*obj);
		*obj = NULL;
	}
	return rv;
}

CK_RV tok_token_unwrap(struct tok_token *t, const struct tok_caller *c, const CK_MECHANISM *mech,
                       CK_OBJECT_HANDLE unwrapping, const CK_BYTE *in, CK_ULONG inlen,
                       const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out)
{
	struct tok_object *key;
	struct tok_attrs attrs;
	CK_RV rv = token_usable_key(t, unwrapping, CKA_UNWRAP, mech->mechanism, &key);

	if (rv == CKR_UNWRAPPING_KEY_HANDLE_INVALID || rv == CKR_KEY_HANDLE_INVALID)
		return CKR_UNWRAPPING_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	tok_attrs_init(&attrs);
	rv = tok_rules_build(TOK_RULES_UNWRAP, tmpl, n, (CK_ULONG)-1, (CK_ULONG)-1,
	                     CK_UNAVAILABLE_INFORMATION, c->so, &attrs);
	struct os_backend_key bk = tok_object_key(key);
	if (rv == CKR_OK)
		rv = t->ops->unwrap_key(t->ctx, mech, &bk, in, inlen, &attrs);
	if (rv == CKR_OK)
		rv = token_fill_value_len(&attrs);
	tok_object_unref(key);
	if (rv != CKR_OK) {
		tok_attrs_free(&attrs);
		return rv;
	}
	return token_commit(t, c, &attrs, out);
}

/* Whether mech is one of the HKDF derivations, whose parameter may name a salt key. */
static bool token_is_hkdf(CK_MECHANISM_TYPE mech)
{
	return mech == CKM_HKDF_DERIVE || mech == CKM_HKDF_DATA;
}

/*
 * The key a derivation's parameter names by handle, checked as the base
 * key is: the salt key of an HKDF extract step with CKF_HKDF_SALT_KEY.
 * *obj is NULL (CKR_OK) when the parameter names none; a malformed
 * parameter is left for the backend to refuse.
 */
static CK_RV token_param_key(struct tok_token *t, const CK_MECHANISM *mech, struct tok_object **obj)
{
	const CK_HKDF_PARAMS *p = mech->pParameter;

	*obj = NULL;
	if (!token_is_hkdf(mech->mechanism) || !p || mech->ulParameterLen != sizeof(*p) ||
	    !p->bExtract || p->ulSaltType != CKF_HKDF_SALT_KEY)
		return CKR_OK;
	return token_usable_key(t, p->hSaltKey, CKA_DERIVE, mech->mechanism, obj);
}

/*
 * The attributes of a derived object from the template.  CKM_HKDF_DATA
 * makes a data object, whose length the template gives as CKA_VALUE_LEN
 * although data objects have no such attribute: it is taken out before the
 * rules see the template and put into attrs for the backend (the caller
 * removes it afterwards).  Every other derivation makes a secret key.
 */
static CK_RV token_derive_build(const struct tok_caller *c, const CK_MECHANISM *mech,
                                const CK_ATTRIBUTE *tmpl, CK_ULONG n, struct tok_attrs *attrs)
{
	CK_ATTRIBUTE *rest;
	CK_ULONG m = 0, len = 0;
	bool has_len = false;
	CK_RV rv = CKR_OK;

	if (mech->mechanism != CKM_HKDF_DATA)
		return tok_rules_build(TOK_RULES_DERIVE, tmpl, n, CKO_SECRET_KEY, (CK_ULONG)-1,
		                       mech->mechanism, c->so, attrs);
	rest = calloc(n ? n : 1, sizeof(*rest));
	if (!rest)
		return CKR_HOST_MEMORY;
	for (CK_ULONG i = 0; i < n && rv == CKR_OK; i++) {
		if (tmpl[i].type != CKA_VALUE_LEN)
			rest[m++] = tmpl[i];
		else if (!tmpl[i].pValue || tmpl[i].ulValueLen != sizeof(CK_ULONG))
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
		else {
			has_len = true;
			memcpy(&len, tmpl[i].pValue, sizeof(len));
		}
	}
	if (rv == CKR_OK)
		rv = tok_rules_build(TOK_RULES_DERIVE, rest, m, CKO_DATA, (CK_ULONG)-1,
		                     mech->mechanism, c->so, attrs);
	if (rv == CKR_OK && has_len)
		rv = tok_attrs_set_ulong(attrs, CKA_VALUE_LEN, len);
	free(rest);
	return rv;
}

/* Runs the backend's derivation and finishes the new object's attributes. */
static CK_RV token_derive_run(struct tok_token *t, const CK_MECHANISM *mech, struct tok_object *key,
                              struct tok_object *param, struct tok_attrs *attrs)
{
	struct os_backend_key bk = tok_object_key(key), pk;
	CK_RV rv;

	if (param)
		pk = tok_object_key(param);
	rv = t->ops->derive_key(t->ctx, mech, &bk, param ? &pk : NULL, attrs);
	if (rv == CKR_OK && mech->mechanism == CKM_HKDF_DATA)
		tok_attrs_remove(attrs, CKA_VALUE_LEN);
	if (rv == CKR_OK)
		rv = token_fill_value_len(attrs);
	return rv;
}

CK_RV tok_token_derive(struct tok_token *t, const struct tok_caller *c, const CK_MECHANISM *mech,
                       CK_OBJECT_HANDLE base, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                       CK_OBJECT_HANDLE *out)
{
	struct tok_object *key, *param = NULL;
	struct tok_attrs attrs;
	CK_RV rv = token_usable_key(t, base, CKA_DERIVE, mech->mechanism, &key);

	if (rv != CKR_OK)
		return rv;
	rv = token_param_key(t, mech, &param);
	tok_attrs_init(&attrs);
	if (rv == CKR_OK)
		rv = token_derive_build(c, mech, tmpl, n, &attrs);
	if (rv == CKR_OK)
		rv = token_derive_run(t, mech, key, param, &attrs);
	tok_object_unref(key);
	if (param)
		tok_object_unref(param);
	if (rv != CKR_OK) {
		tok_attrs_free(&attrs);
		return rv;
	}
	return token_commit(t, c, &attrs, out);
}

CK_RV tok_token_wrap(struct tok_token *t, const CK_MECHANISM *mech, CK_OBJECT_HANDLE wrapping,
                     CK_OBJECT_HANDLE h, CK_BYTE *out, CK_ULONG *outlen)
{
	struct tok_object *wkey, *key;
	CK_RV rv = token_usable_key(t, wrapping, CKA_WRAP, mech->mechanism, &wkey);

	if (rv == CKR_KEY_HANDLE_INVALID)
		return CKR_WRAPPING_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	rv = tok_token_key(t, h, &key);
	if (rv != CKR_OK) {
		tok_object_unref(wkey);
		return rv;
	}
	if (!tok_attrs_get_bool(&key->attrs, CKA_EXTRACTABLE, CK_TRUE))
		rv = CKR_KEY_UNEXTRACTABLE;
	else if (tok_attrs_get_bool(&key->attrs, CKA_WRAP_WITH_TRUSTED, CK_FALSE) &&
	         !tok_attrs_get_bool(&wkey->attrs, CKA_TRUSTED, CK_FALSE))
		rv = CKR_KEY_NOT_WRAPPABLE;
	struct os_backend_key bk = tok_object_key(wkey);
	if (rv == CKR_OK)
		rv = t->ops->wrap_key(t->ctx, mech, &bk, &key->attrs, out, outlen);
	tok_object_unref(key);
	tok_object_unref(wkey);
	return rv;
}

CK_RV tok_token_copy(struct tok_token *t, const struct tok_caller *c, CK_OBJECT_HANDLE h,
                     const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out)
{
	struct tok_attrs attrs;
	CK_RV rv;

	if ((rv = tok_token_sync(t)) != CKR_OK)
		return rv;
	tok_attrs_init(&attrs);
	pthread_rwlock_wrlock(&t->lock);
	struct tok_object *obj = token_lookup_inlock(t, h);
	rv = obj ? tok_rules_modify(&obj->attrs, true, tmpl, n, c->so, &attrs)
	         : CKR_OBJECT_HANDLE_INVALID;
	if (rv == CKR_OK)
		rv = token_commit_inlock(t, c, &attrs, NULL, out);
	pthread_rwlock_unlock(&t->lock);
	tok_attrs_free(&attrs);
	return rv;
}

CK_RV tok_token_set_attrs(struct tok_token *t, const struct tok_caller *c, CK_OBJECT_HANDLE h,
                          const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	struct tok_attrs attrs;
	CK_RV rv;

	if ((rv = tok_token_sync(t)) != CKR_OK)
		return rv;
	tok_attrs_init(&attrs);
	pthread_rwlock_wrlock(&t->lock);
	struct tok_object *obj = token_lookup_inlock(t, h);
	rv = obj ? tok_rules_modify(&obj->attrs, false, tmpl, n, c->so, &attrs)
	         : CKR_OBJECT_HANDLE_INVALID;
	if (rv == CKR_OK && obj->token != (bool)tok_attrs_get_bool(&attrs, CKA_TOKEN, CK_FALSE))
		rv = CKR_ATTRIBUTE_READ_ONLY;
	if (rv == CKR_OK)
		rv = token_commit_inlock(t, c, &attrs, obj, NULL);
	pthread_rwlock_unlock(&t->lock);
	tok_attrs_free(&attrs);
	return rv;
}

CK_RV tok_token_destroy(struct tok_token *t, const struct tok_caller *c, CK_OBJECT_HANDLE h)
{
	CK_RV rv = tok_token_sync(t);

	if (rv != CKR_OK)
		return rv;
	pthread_rwlock_wrlock(&t->lock);
	struct tok_object *obj = token_lookup_inlock(t, h);
	if (!obj)
		rv = CKR_OBJECT_HANDLE_INVALID;
	else if (!tok_attrs_get_bool(&obj->attrs, CKA_DESTROYABLE, CK_TRUE))
		rv = CKR_ACTION_PROHIBITED;
	else if (obj->token && !c->rw)
		rv = CKR_SESSION_READ_ONLY;
	else if (obj->token) {
		uint64_t before = tok_shm_load(&t->shm->objects_generation);
		rv = t->writer->destroy(t->writer->ctx, obj->store_id);
		if (rv == CKR_OK)
			token_own_change_inlock(t, before);
	}
	if (rv == CKR_OK) {
		if (!obj->token)
			tok_owned_sub(t, obj->owner, 1);
		tok_objects_remove(&t->objects, obj);
	}
	pthread_rwlock_unlock(&t->lock);
	return rv;
}

CK_RV tok_token_get_attrs(struct tok_token *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	CK_RV rv;

	if (!tmpl && n)
		return CKR_ARGUMENTS_BAD;
	if ((rv = tok_token_sync(t)) != CKR_OK)
		return rv;
	pthread_rwlock_rdlock(&t->lock);
	struct tok_object *obj = token_lookup_inlock(t, h);
	rv = obj ? tok_rules_get(&obj->attrs, tmpl, n) : CKR_OBJECT_HANDLE_INVALID;
	pthread_rwlock_unlock(&t->lock);
	return rv;
}

CK_RV tok_token_object_size(struct tok_token *t, CK_OBJECT_HANDLE h, CK_ULONG *size)
{
	CK_RV rv = tok_token_sync(t);

	if (rv != CKR_OK)
		return rv;
	pthread_rwlock_rdlock(&t->lock);
	struct tok_object *obj = token_lookup_inlock(t, h);
	if (obj) {
		*size = 4;
		for (size_t i = 0; i < obj->attrs.n; i++)
			*size += 12 + obj->attrs.v[i].ulValueLen;
	}
	pthread_rwlock_unlock(&t->lock);
	return obj ? CKR_OK : CKR_OBJECT_HANDLE_INVALID;
}

struct token_find {
	struct tok_token *t;
	const CK_ATTRIBUTE *tmpl;
	CK_ULONG n;
	CK_OBJECT_HANDLE *found;
	size_t count;
	size_t cap;
	bool failed;
};

static bool token_find_visit(struct tok_object *obj, void *arg)
{
	struct token_find *f = arg;

	if (!token_visible_inlock(f->t, obj) || !tok_attrs_match(&obj->attrs, f->tmpl, f->n))
		return true;
	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		CK_OBJECT_HANDLE *p = realloc(f->found, cap * sizeof(*p));
		if (!p) {
			f->failed = true;
			return false;
		}
		f->found = p;
		f->cap = cap;
	}
	f->found[f->count++] = obj->handle;
	return true;
}

CK_RV tok_token_find(struct tok_token *t, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
                     CK_OBJECT_HANDLE **found, size_t *count)
{
	struct token_find f = {.t = t, .tmpl = tmpl, .n = n};

	if (!tmpl && n)
		return CKR_ARGUMENTS_BAD;
	CK_RV rv = tok_token_sync(t);
	if (rv != CKR_OK)
		return rv;
	pthread_rwlock_rdlock(&t->lock);
	tok_objects_candidates(&t->objects, tmpl, n, token_find_visit, &f);
	pthread_rwlock_unlock(&t->lock);
	if (f.failed) {
		free(f.found);
		return CKR_HOST_MEMORY;
	}
	*found = f.found;
	*count = f.count;
	return CKR_OK;
}

struct token_owned {
	const void *session;
	struct tok_object **list;
	size_t n;
};

static bool token_owned_visit(struct tok_object *obj, void *arg)
{
	struct token_owned *o = arg;

	if (!obj->token && obj->owner == o->session)
		o->list[o->n++] = obj;
	return true;
}

/* Stops at the first object the session owns. */
static bool token_first_owned_visit(struct tok_object *obj, void *arg)
{
	struct token_owned *o = arg;

	if (obj->token || obj->owner != o->session)
		return true;
	o->list[0] = obj;
	o->n = 1;
	return false;
}

/*
 * Without memory for a list: drops the session's objects one search at a
 * time, so that none outlives its session (private ones included).
 */
static void token_owned_drop_each_inlock(struct tok_token *t, const void *session)
{
	struct tok_object *obj;
	struct token_owned o = {.session = session, .list = &obj};

	for (;;) {
		o.n = 0;
		tok_objects_candidates(&t->objects, NULL, 0, token_first_owned_visit, &o);
		if (!o.n)
			return;
		tok_objects_remove(&t->objects, obj);
		tok_owned_sub(t, session, 1);
	}
}

void tok_token_session_closed(struct tok_token *t, const void *session)
{
	pthread_rwlock_wrlock(&t->lock);
	if (!tok_owned_any(t, session)) {
		pthread_rwlock_unlock(&t->lock);
		return;
	}
	struct token_owned o = {.session = session,
	                        .list = calloc(t->objects.n + 1, sizeof(struct tok_object *))};
	if (o.list) {
		tok_objects_candidates(&t->objects, NULL, 0, token_owned_visit, &o);
		for (size_t i = 0; i < o.n; i++)
			tok_objects_remove(&t->objects, o.list[i]);
		tok_owned_sub(t, session, o.n);
		free(o.list);
	} else {
		token_owned_drop_each_inlock(t, session);
	}
	pthread_rwlock_unlock(&t->lock);
}
