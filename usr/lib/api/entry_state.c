/*
 * C_GetOperationState and C_SetOperationState.
 *
 * A saved state holds, for each active operation of the session, the
 * backend's description of it (op_get_state in backend.h), in an envelope
 * that this file writes and checks:
 *
 *   "OSOS" | version 1 (1 byte) | count n (1) | slot id (8)
 *   n times: kind (1) | mechanism (8) | key role (1)
 *            | key identity (32, unless the role is 0) | length (4) | description
 *   tag (32)
 *
 * Integers are big-endian.  The key role names the key C_SetOperationState
 * must be given again: 0 none (digests), 1 the authentication key
 * (signatures, verifications, MACs), 2 the encryption key.  Neither the
 * envelope nor a description holds key material: the key identity is an
 * HMAC-SHA-256 under a secret of a SHA-256 over the key's defining
 * attributes (class, key type, value, modulus, public exponent, EC
 * parameters and point), enough to answer CKR_KEY_CHANGED for another key
 * but useless to test a guess of the key without the secret.  The tag is
 * an HMAC-SHA-256 under a second secret over everything before it, checked
 * before anything else is read: a changed byte, or a state of another slot,
 * gives CKR_SAVED_STATE_INVALID.
 *
 * Both secrets are random, made when the library is loaded (or, should the
 * kernel have no randomness to give yet, from OpenSSL's generator at first
 * use) and held in this process's memory only, for its whole life: they
 * survive C_Finalize and C_Initialize and are inherited by a child made
 * with fork(), so a state restores in any session of the process that
 * saved it and of its forked children, and is refused by every other
 * process.
 *
 * Saving refuses with CKR_STATE_UNSAVEABLE when any active operation
 * cannot be saved; restoring first checks the whole state and the keys,
 * builds every operation, and only then ends the session's active
 * operations and puts the new ones in their place.
 */
#include "entry.h"
#include "bytes.h"

#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "rules.h"

#define STATE_MAGIC   "OSOS"
#define STATE_VERSION 1
#define STATE_HEAD    14 /* magic, version, count, slot id */
#define STATE_OP_HEAD 14 /* kind, mechanism, role, length */
#define STATE_ID      32
#define STATE_TAG     32
/* Longest state accepted: every kind with the longest description. */
#define STATE_MAX \
	(STATE_HEAD + API_OP_COUNT * (STATE_OP_HEAD + STATE_ID + OS_BACKEND_STATE_MAX) + STATE_TAG)

enum state_role { STATE_ROLE_NONE, STATE_ROLE_AUTH, STATE_ROLE_ENC };

static const enum os_backend_op state_backend_op[API_OP_COUNT] = {
    [API_OP_ENCRYPT] = OS_BACKEND_OP_ENCRYPT,
    [API_OP_DECRYPT] = OS_BACKEND_OP_DECRYPT,
    [API_OP_DIGEST] = OS_BACKEND_OP_DIGEST,
    [API_OP_SIGN] = OS_BACKEND_OP_SIGN,
    [API_OP_VERIFY] = OS_BACKEND_OP_VERIFY,
    [API_OP_SIGN_RECOVER] = OS_BACKEND_OP_SIGN_RECOVER,
    [API_OP_VERIFY_RECOVER] = OS_BACKEND_OP_VERIFY_RECOVER,
};

static const CK_ATTRIBUTE_TYPE state_usage[API_OP_COUNT] = {
    [API_OP_ENCRYPT] = CKA_ENCRYPT,
    [API_OP_DECRYPT] = CKA_DECRYPT,
    [API_OP_SIGN] = CKA_SIGN,
    [API_OP_VERIFY] = CKA_VERIFY,
    [API_OP_SIGN_RECOVER] = CKA_SIGN_RECOVER,
    [API_OP_VERIFY_RECOVER] = CKA_VERIFY_RECOVER,
};

/* The attributes that tell one key from another. */
static const CK_ATTRIBUTE_TYPE state_key_attrs[] = {
    CKA_CLASS,           CKA_KEY_TYPE,  CKA_VALUE,    CKA_MODULUS,
    CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS, CKA_EC_POINT,
};

/* The tag secret and the key-identity secret; see the top of the file. */
static struct {
	pthread_once_t once;
	bool ok;
	CK_BYTE keys[64]; /* the tag secret, then the key-identity secret */
} state_secret = {.once = PTHREAD_ONCE_INIT};

#define STATE_TAG_KEY (state_secret.keys)
#define STATE_ID_KEY  (state_secret.keys + 32)

/* One operation of a state, as saved or as read back. */
struct state_item {
	enum api_op_kind kind;
	CK_MECHANISM_TYPE mech;
	enum state_role role;
	const CK_BYTE *id;   /* read back: the saved key identity */
	const CK_BYTE *desc; /* read back: the backend's description */
	CK_ULONG len;        /* the description's length */
};

static enum state_role state_role_of(enum api_op_kind kind)
{
	if (kind == API_OP_DIGEST)
		return STATE_ROLE_NONE;
	if (kind == API_OP_ENCRYPT || kind == API_OP_DECRYPT)
		return STATE_ROLE_ENC;
	return STATE_ROLE_AUTH;
}

/* At load: one system call, never blocking. */
__attribute__((constructor)) static void state_secret_load(void)
{
	state_secret.ok = getrandom(state_secret.keys, sizeof(state_secret.keys), GRND_NONBLOCK) ==
	                  (ssize_t)sizeof(state_secret.keys);
}

static void state_secret_make(void)
{
	if (!state_secret.ok)
		state_secret.ok = RAND_bytes(state_secret.keys, sizeof(state_secret.keys)) == 1;
}

/* HMAC-SHA-256 of data under key (one of the secrets); false on failure. */
static bool state_hmac(const CK_BYTE *key, const CK_BYTE *data, size_t len, CK_BYTE out[32])
{
	unsigned int n = 0;

	pthread_once(&state_secret.once, state_secret_make);
	if (!state_secret.ok)
		return false;
	return HMAC(EVP_sha256(), key, 32, data, len, out, &n) && n == 32;
}

/* The identity of a key (see the top of the file); false on failure. */
static bool state_key_id(const struct tok_attrs *attrs, CK_BYTE id[STATE_ID])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	CK_BYTE sum[32], head[12];
	unsigned int n = 0;

	for (size_t i = 0; ok && i < sizeof(state_key_attrs) / sizeof(state_key_attrs[0]); i++) {
		const CK_ATTRIBUTE *a = tok_attrs_find(attrs, state_key_attrs[i]);

		if (!a)
			continue;
		os_put_be(os_put_be(head, a->type, 8), a->ulValueLen, 4);
		ok = EVP_DigestUpdate(md, head, sizeof(head)) == 1 &&
		     EVP_DigestUpdate(md, a->pValue, a->ulValueLen) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(md, sum, &n) == 1;
	EVP_MD_CTX_free(md);
	ok = ok && state_hmac(STATE_ID_KEY, sum, sizeof(sum), id);
	OPENSSL_cleanse(sum, sizeof(sum));
	return ok;
}

static CK_ULONG state_item_size(const struct state_item *it)
{
	return STATE_OP_HEAD + (it->role != STATE_ROLE_NONE ? STATE_ID : 0) + it->len;
}

/*
 * The session's active operations and the size of their state:
 * CKR_OPERATION_NOT_INITIALIZED when there is none, CKR_STATE_UNSAVEABLE
 * when one cannot be saved.
 */
static CK_RV state_measure_inlock(struct api_session *s, struct state_item *items, unsigned *n,
                                  CK_ULONG *total)
{
	const struct os_backend_ops *ops = s->slot->ops;
	CK_RV rv;

	*n = 0;
	*total = STATE_HEAD + STATE_TAG;
	for (unsigned kind = 0; kind < API_OP_COUNT; kind++) {
		struct state_item *it = &items[*n];

		if (!s->ops[kind].state)
			continue;
		*it = (struct state_item){.kind = kind, .role = state_role_of(kind)};
		rv = ops->op_get_state(s->ops[kind].state, &it->mech, NULL, &it->len);
		if (rv != CKR_OK)
			return rv;
		if (it->len > OS_BACKEND_STATE_MAX || (it->role && !s->ops[kind].key))
			return CKR_STATE_UNSAVEABLE;
		*total += state_item_size(it);
		(*n)++;
	}
	return *n ? CKR_OK : CKR_OPERATION_NOT_INITIALIZED;
}

/* Writes one operation at p; returns the end, or NULL on failure. */
static CK_BYTE *state_write_item(struct api_session *s, const struct state_item *it, CK_BYTE *p)
{
	const struct api_op *op = &s->ops[it->kind];
	CK_MECHANISM_TYPE mech;
	CK_ULONG len = it->len;

	*p++ = (CK_BYTE)it->kind;
	p = os_put_be(p, it->mech, 8);
	*p++ = (CK_BYTE)it->role;
	if (it->role != STATE_ROLE_NONE) {
		if (!state_key_id(&op->key->attrs, p))
			return NULL;
		p += STATE_ID;
	}
	p = os_put_be(p, it->len, 4);
	if (s->slot->ops->op_get_state(op->state, &mech, p, &len) != CKR_OK || len != it->len ||
	    mech != it->mech)
		return NULL;
	return p + len;
}

static CK_RV state_save_inlock(struct api_session *s, CK_BYTE *out, CK_ULONG *outlen)
{
	struct state_item items[API_OP_COUNT];
	CK_ULONG total;
	unsigned n;
	CK_BYTE *p = out;
	CK_RV rv = state_measure_inlock(s, items, &n, &total);

	if (rv != CKR_OK)
		return rv;
	if (!out || *outlen < total) {
		rv = out ? CKR_BUFFER_TOO_SMALL : CKR_OK;
		*outlen = total;
		return rv;
	}
	memcpy(p, STATE_MAGIC, 4);
	p[4] = STATE_VERSION;
	p[5] = (CK_BYTE)n;
	p = os_put_be(p + 6, s->slot->id, 8);
	for (unsigned i = 0; i < n && p; i++)
		p = state_write_item(s, &items[i], p);
	if (!p || !state_hmac(STATE_TAG_KEY, out, (size_t)(p - out), p)) {
		OPENSSL_cleanse(out, total);
		return CKR_FUNCTION_FAILED;
	}
	*outlen = total;
	return CKR_OK;
}

CK_RV C_GetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR state, CK_ULONG_PTR len)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!len)
		return entry_end(s, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&s->op_lock);
	rv = state_save_inlock(s, state, len);
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, rv);
}

/* Reads one operation at *p (before end); false when it is not well formed. */
static bool state_read_item(const CK_BYTE **p, const CK_BYTE *end, struct state_item *it,
                            unsigned *seen)
{
	const CK_BYTE *q = *p;

	if (end - q < STATE_OP_HEAD || q[0] >= API_OP_COUNT || (*seen & 1u << q[0]))
		return false;
	it->kind = q[0];
	*seen |= 1u << q[0];
	it->mech = (CK_MECHANISM_TYPE)os_get_be(q + 1, 8);
	it->role = q[9];
	if (it->role != state_role_of(it->kind))
		return false;
	q += 10;
	it->id = q;
	if (it->role != STATE_ROLE_NONE)
		q += STATE_ID;
	if (end - q < 4)
		return false;
	it->len = (CK_ULONG)os_get_be(q, 4);
	q += 4;
	if (it->len > OS_BACKEND_STATE_MAX || (uint64_t)(end - q) < it->len)
		return false;
	it->desc = q;
	*p = q + it->len;
	return true;
}

/* Checks the tag and the envelope of a state of the session's slot, and splits it. */
static CK_RV state_parse(const struct api_session *s, const CK_BYTE *in, CK_ULONG len,
                         struct state_item *items, unsigned *n)
{
	CK_BYTE tag[STATE_TAG];
	const CK_BYTE *p, *end;
	unsigned seen = 0;

	if (len < STATE_HEAD + STATE_TAG || len > STATE_MAX)
		return CKR_SAVED_STATE_INVALID;
	p = in + STATE_HEAD;
	end = in + len - STATE_TAG;
	if (!state_hmac(STATE_TAG_KEY, in, len - STATE_TAG, tag))
		return CKR_FUNCTION_FAILED;
	if (CRYPTO_memcmp(tag, end, STATE_TAG) != 0 || memcmp(in, STATE_MAGIC, 4) != 0 ||
	    in[4] != STATE_VERSION || in[5] == 0 || in[5] > API_OP_COUNT ||
	    os_get_be(in + 6, 8) != s->slot->id)
		return CKR_SAVED_STATE_INVALID;
	*n = in[5];
	for (unsigned i = 0; i < *n; i++)
		if (!state_read_item(&p, end, &items[i], &seen))
			return CKR_SAVED_STATE_INVALID;
	return p == end ? CKR_OK : CKR_SAVED_STATE_INVALID;
}

/*
 * The key of one role: handle h must be given exactly when an operation
 * needs it (CKR_KEY_NEEDED, CKR_KEY_NOT_NEEDED) and be the key the state
 * was saved with (CKR_KEY_CHANGED).  *obj is referenced, or NULL.
 */
static CK_RV state_key_inlock(struct api_session *s, const struct state_item *items, unsigned n,
                              enum state_role role, CK_OBJECT_HANDLE h, struct tok_object **obj)
{
	bool needed = false;
	CK_BYTE id[STATE_ID];
	CK_RV rv;

	*obj = NULL;
	for (unsigned i = 0; i < n; i++)
		needed |= items[i].role == role;
	if (!needed)
		return h == CK_INVALID_HANDLE ? CKR_OK : CKR_KEY_NOT_NEEDED;
	if (h == CK_INVALID_HANDLE)
		return CKR_KEY_NEEDED;
	rv = tok_token_key(&s->slot->token, h, obj);
	if (rv != CKR_OK)
		return rv;
	if (!state_key_id(&(*obj)->attrs, id))
		rv = CKR_FUNCTION_FAILED;
	for (unsigned i = 0; i < n && rv == CKR_OK; i++)
		if (items[i].role == role && CRYPTO_memcmp(id, items[i].id, STATE_ID) != 0)
			rv = CKR_KEY_CHANGED;
	if (rv != CKR_OK) {
		tok_object_unref(*obj);
		*obj = NULL;
	}
	return rv;
}

/* Makes the operation of one item with its key (NULL for none), as an Init would. */
static CK_RV state_make_op(struct api_session *s, const struct state_item *it,
                           struct tok_object *obj, void **op)
{
	const struct os_backend_ops *ops = s->slot->ops;
	struct os_backend_key bk;

	*op = NULL;
	if (obj && !tok_rules_allows(&obj->attrs, state_usage[it->kind]))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (obj && !tok_rules_mech_allowed(&obj->attrs, it->mech))
		return CKR_MECHANISM_INVALID;
	if (obj)
		bk = tok_object_key(obj);
	return ops->op_set_state(s->slot->ctx, state_backend_op[it->kind], it->mech, it->desc,
	                         it->len, obj ? &bk : NULL, op);
}

/* Builds every operation, then replaces the session's operations with them. */
static CK_RV state_install_inlock(struct api_session *s, const struct state_item *items, unsigned n,
                                  struct tok_object *enc, struct tok_object *auth)
{
	void *made[API_OP_COUNT] = {0};
	struct tok_object *keys[API_OP_COUNT] = {0};
	CK_RV rv = CKR_OK;

	for (unsigned i = 0; i < n && rv == CKR_OK; i++) {
		enum api_op_kind kind = items[i].kind;

		keys[kind] = items[i].role == STATE_ROLE_ENC    ? enc
		             : items[i].role == STATE_ROLE_AUTH ? auth
		                                                : NULL;
		rv = state_make_op(s, &items[i], keys[kind], &made[kind]);
	}
	for (unsigned kind = 0; kind < API_OP_COUNT; kind++) {
		if (rv != CKR_OK) {
			if (made[kind])
				s->slot->ops->op_free(made[kind]);
			continue;
		}
		api_session_end_op(s, kind);
		s->ops[kind].state = made[kind];
		/* a saved digest may have taken a key's value: not kept for reuse */
		s->ops[kind].keyed = made[kind] && kind == API_OP_DIGEST;
		if (made[kind] && keys[kind]) {
			tok_object_ref(keys[kind]);
			s->ops[kind].key = keys[kind];
		}
	}
	return rv;
}

static CK_RV state_restore_inlock(struct api_session *s, const CK_BYTE *in, CK_ULONG len,
                                  CK_OBJECT_HANDLE enc_h, CK_OBJECT_HANDLE auth_h)
{
	struct state_item items[API_OP_COUNT];
	struct tok_object *enc = NULL, *auth = NULL;
	unsigned n = 0;
	CK_RV rv = state_parse(s, in, len, items, &n);

	if (rv == CKR_OK)
		rv = state_key_inlock(s, items, n, STATE_ROLE_ENC, enc_h, &enc);
	if (rv == CKR_OK)
		rv = state_key_inlock(s, items, n, STATE_ROLE_AUTH, auth_h, &auth);
	if (rv == CKR_OK)
		rv = state_install_inlock(s, items, n, enc, auth);
	tok_object_unref(enc);
	tok_object_unref(auth);
	return rv;
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR state, CK_ULONG len,
                          CK_OBJECT_HANDLE enc, CK_OBJECT_HANDLE auth)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!state)
		return entry_end(s, CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&s->op_lock);
	rv = state_restore_inlock(s, state, len, enc, auth);
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, rv);
}
