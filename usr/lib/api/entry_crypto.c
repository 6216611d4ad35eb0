/*
 * The PKCS#11 cryptographic operations: Init / single-part / Update /
 * Final for encryption, decryption, digests, signatures and verification,
 * the dual-function updates, and the 3.0 message-based functions.
 *
 * Each session keeps one operation per kind, guarded by its op_lock (a
 * per-session lock: threads working on different sessions never wait for
 * each other).  The key object is referenced for the life of the
 * operation.  An operation ends, as PKCS#11 says, after a single-part call
 * or a final that did not just report an output length, and on any error
 * other than CKR_BUFFER_TOO_SMALL.
 */
#include "entry.h"

#include "rules.h"

static const enum os_backend_op entry_backend_op[API_OP_COUNT] = {
    [API_OP_ENCRYPT] = OS_BACKEND_OP_ENCRYPT,
    [API_OP_DECRYPT] = OS_BACKEND_OP_DECRYPT,
    [API_OP_DIGEST] = OS_BACKEND_OP_DIGEST,
    [API_OP_SIGN] = OS_BACKEND_OP_SIGN,
    [API_OP_VERIFY] = OS_BACKEND_OP_VERIFY,
    [API_OP_SIGN_RECOVER] = OS_BACKEND_OP_SIGN_RECOVER,
    [API_OP_VERIFY_RECOVER] = OS_BACKEND_OP_VERIFY_RECOVER,
};

/* The usage attribute a key needs for each kind. */
static const CK_ATTRIBUTE_TYPE entry_usage[API_OP_COUNT] = {
    [API_OP_ENCRYPT] = CKA_ENCRYPT,
    [API_OP_DECRYPT] = CKA_DECRYPT,
    [API_OP_SIGN] = CKA_SIGN,
    [API_OP_VERIFY] = CKA_VERIFY,
    [API_OP_SIGN_RECOVER] = CKA_SIGN_RECOVER,
    [API_OP_VERIFY_RECOVER] = CKA_VERIFY_RECOVER,
};

/*
 * A digest in the state an ended one left (op_lock held): CKR_OK when the
 * backend could reuse it; otherwise the state is freed and op_init decides.
 */
static CK_RV entry_digest_reuse(struct api_session *s, CK_MECHANISM_PTR mech)
{
	const struct os_backend_ops *ops = s->slot->ops;
	void *spare = s->digest_spare;

	if (!spare)
		return CKR_FUNCTION_NOT_SUPPORTED;
	s->digest_spare = NULL;
	if (ops->op_reinit(s->slot->ctx, OS_BACKEND_OP_DIGEST, mech, spare) != CKR_OK) {
		ops->op_free(spare);
		return CKR_FUNCTION_NOT_SUPPORTED;
	}
	s->ops[API_OP_DIGEST].state = spare;
	return CKR_OK;
}

static CK_RV entry_op_start(struct api_session *s, enum api_op_kind kind, CK_MECHANISM_PTR mech,
                            CK_OBJECT_HANDLE key)
{
	const struct os_backend_ops *ops = s->slot->ops;
	struct tok_object *obj = NULL;
	CK_RV rv;

	if (!mech)
		return CKR_ARGUMENTS_BAD;
	if (s->ops[kind].state)
		return CKR_OPERATION_ACTIVE;
	if (kind == API_OP_DIGEST && entry_digest_reuse(s, mech) == CKR_OK)
		return CKR_OK;
	if (kind != API_OP_DIGEST) {
		rv = tok_token_key(&s->slot->token, key, &obj);
		if (rv != CKR_OK)
			return rv;
		if (!tok_rules_allows(&obj->attrs, entry_usage[kind])) {
			tok_object_unref(obj);
			return CKR_KEY_FUNCTION_NOT_PERMITTED;
		}
		if (!tok_rules_mech_allowed(&obj->attrs, mech->mechanism)) {
			tok_object_unref(obj);
			return CKR_MECHANISM_INVALID;
		}
	}
	struct os_backend_key bk = obj ? tok_object_key(obj) : (struct os_backend_key){0};
	rv = ops->op_init(s->slot->ctx, entry_backend_op[kind], mech, obj ? &bk : NULL,
	                  &s->ops[kind].state);
	if (rv != CKR_OK) {
		s->ops[kind].state = NULL;
		tok_object_unref(obj);
		return rv;
	}
	s->ops[kind].key = obj;
	return CKR_OK;
}

static CK_RV entry_init(CK_SESSION_HANDLE h, enum api_op_kind kind, CK_MECHANISM_PTR mech,
                        CK_OBJECT_HANDLE key)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->op_lock);
	rv = entry_op_start(s, kind, mech, key);
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, rv);
}

/* Whether a result leaves the operation going: a length query or a small buffer. */
static bool entry_op_goes_on(CK_RV rv, const CK_BYTE *out)
{
	return rv == CKR_BUFFER_TOO_SMALL || (rv == CKR_OK && !out);
}

enum entry_step { ENTRY_SINGLE, ENTRY_UPDATE, ENTRY_FINAL };

/*
 * One step of an operation (op_lock held).  needs_outlen says that the
 * function returns output, so a NULL outlen is an argument error, which
 * ends the operation like any other error.
 */
static CK_RV entry_step_inlock(struct api_session *s, enum api_op_kind kind, enum entry_step step,
                               const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen,
                               bool needs_outlen)
{
	const struct os_backend_ops *ops = s->slot->ops;
	void *state = s->ops[kind].state;
	bool produces = outlen != NULL;
	CK_RV rv;

	if (!state)
		return CKR_OPERATION_NOT_INITIALIZED;
	if ((needs_outlen && !outlen) || (step != ENTRY_FINAL && !in && inlen))
		rv = CKR_ARGUMENTS_BAD;
	else if (step == ENTRY_SINGLE)
		rv = ops->op_single(state, in, inlen, out, outlen);
	else if (step == ENTRY_UPDATE)
		rv = ops->op_update(state, in, inlen, out, outlen);
	else
		rv = ops->op_final(state, out, outlen);
	bool goes_on = produces ? entry_op_goes_on(rv, out) : rv == CKR_OK;
	if (step == ENTRY_UPDATE ? rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL : !goes_on)
		api_session_end_op(s, kind);
	return rv;
}

static CK_RV entry_step(CK_SESSION_HANDLE h, enum api_op_kind kind, enum entry_step step,
                        const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen,
                        bool needs_outlen)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->op_lock);
	rv = entry_step_inlock(s, kind, step, in, inlen, out, outlen, needs_outlen);
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, rv);
}

#define ENTRY_INIT(name, kind)                                                       \
	CK_RV name(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) \
	{                                                                            \
		return entry_init(h, kind, mech, key);                               \
	}

ENTRY_INIT(C_EncryptInit, API_OP_ENCRYPT)
ENTRY_INIT(C_DecryptInit, API_OP_DECRYPT)
ENTRY_INIT(C_SignInit, API_OP_SIGN)
ENTRY_INIT(C_VerifyInit, API_OP_VERIFY)
ENTRY_INIT(C_SignRecoverInit, API_OP_SIGN_RECOVER)
ENTRY_INIT(C_VerifyRecoverInit, API_OP_VERIFY_RECOVER)

CK_RV C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech)
{
	return entry_init(h, API_OP_DIGEST, mech, CK_INVALID_HANDLE);
}

/* Single-part and final calls producing output. */
#define ENTRY_SINGLE_FN(name, kind)                                                      \
	CK_RV name(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG inlen, CK_BYTE_PTR out, \
	           CK_ULONG_PTR outlen)                                                  \
	{                                                                                \
		return entry_step(h, kind, ENTRY_SINGLE, in, inlen, out, outlen, true);  \
	}
#define ENTRY_FINAL_FN(name, kind)                                                   \
	CK_RV name(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR outlen)        \
	{                                                                            \
		return entry_step(h, kind, ENTRY_FINAL, NULL, 0, out, outlen, true); \
	}

ENTRY_SINGLE_FN(C_Encrypt, API_OP_ENCRYPT)
ENTRY_SINGLE_FN(C_Decrypt, API_OP_DECRYPT)
ENTRY_SINGLE_FN(C_Digest, API_OP_DIGEST)
ENTRY_SINGLE_FN(C_Sign, API_OP_SIGN)
ENTRY_SINGLE_FN(C_SignRecover, API_OP_SIGN_RECOVER)
ENTRY_SINGLE_FN(C_VerifyRecover, API_OP_VERIFY_RECOVER)
ENTRY_FINAL_FN(C_EncryptFinal, API_OP_ENCRYPT)
ENTRY_FINAL_FN(C_DecryptFinal, API_OP_DECRYPT)
ENTRY_FINAL_FN(C_DigestFinal, API_OP_DIGEST)
ENTRY_FINAL_FN(C_SignFinal, API_OP_SIGN)

CK_RV C_EncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG inlen, CK_BYTE_PTR out,
                      CK_ULONG_PTR outlen)
{
	return entry_step(h, API_OP_ENCRYPT, ENTRY_UPDATE, in, inlen, out, outlen, true);
}

CK_RV C_DecryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG inlen, CK_BYTE_PTR out,
                      CK_ULONG_PTR outlen)
{
	return entry_step(h, API_OP_DECRYPT, ENTRY_UPDATE, in, inlen, out, outlen, true);
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG inlen)
{
	return entry_step(h, API_OP_DIGEST, ENTRY_UPDATE, in, inlen, NULL, NULL, false);
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG inlen)
{
	return entry_step(h, API_OP_SIGN, ENTRY_UPDATE, in, inlen, NULL, NULL, false);
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG inlen)
{
	return entry_step(h, API_OP_VERIFY, ENTRY_UPDATE, in, inlen, NULL, NULL, false);
}

/* C_Verify and C_VerifyFinal end the operation whatever the outcome. */
static CK_RV entry_verify(CK_SESSION_HANDLE h, const CK_BYTE *data, CK_ULONG len, bool single,
                          const CK_BYTE *sig, CK_ULONG siglen)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	const struct os_backend_ops *ops = s->slot->ops;
	pthread_mutex_lock(&s->op_lock);
	void *state = s->ops[API_OP_VERIFY].state;
	if (!state)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if ((!data && len) || (!sig && siglen))
		rv = CKR_ARGUMENTS_BAD;
	else if (single)
		rv = ops->op_verify(state, data, len, sig, siglen);
	else
		rv = ops->op_verify_final(state, sig, siglen);
	if (state)
		api_session_end_op(s, API_OP_VERIFY);
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, rv);
}

CK_RV C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
               CK_ULONG siglen)
{
	return entry_verify(h, data, len, true, sig, siglen);
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG siglen)
{
	return entry_verify(h, NULL, 0, false, sig, siglen);
}

CK_RV C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key)
{
	struct api_session *s;
	struct tok_object *obj = NULL;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->op_lock);
	void *state = s->ops[API_OP_DIGEST].state;
	if (!state)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else
		rv = tok_token_key(&s->slot->token, key, &obj);
	if (rv == CKR_OK) {
		struct os_backend_key bk = tok_object_key(obj);
		s->ops[API_OP_DIGEST].keyed = true;
		rv = s->slot->ops->op_digest_key(state, &bk);
		tok_object_unref(obj);
	}
	if (state && rv != CKR_OK)
		api_session_end_op(s, API_OP_DIGEST);
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, rv);
}

/*
 * Dual-function updates (op_lock held): the second operation sees the same
 * data as if the application had made the two calls itself.  The cipher's
 * output is sized before either operation takes a byte, so a length query
 * or CKR_BUFFER_TOO_SMALL leaves both untouched and a retry feeds the
 * digest or signature exactly once.  Encrypting, the second operation takes
 * the input before the cipher runs (the output may overwrite it in place);
 * decrypting, it takes the cipher's output.  Any other error ends both.
 */
static CK_RV entry_dual_inlock(struct api_session *s, enum api_op_kind cipher,
                               enum api_op_kind second, const CK_BYTE *in, CK_ULONG inlen,
                               CK_BYTE *out, CK_ULONG *outlen)
{
	const struct os_backend_ops *ops = s->slot->ops;
	CK_ULONG need = 0;
	CK_RV rv;

	if (!s->ops[cipher].state || !s->ops[second].state)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (!outlen || (!in && inlen))
		return CKR_ARGUMENTS_BAD;
	if (cipher == API_OP_ENCRYPT) {
		rv = ops->op_update(s->ops[cipher].state, in, inlen, NULL, &need);
		if (rv != CKR_OK)
			return rv;
		if (!out) {
			*outlen = need;
			return CKR_OK;
		}
		if (*outlen < need) {
			*outlen = need;
			return CKR_BUFFER_TOO_SMALL;
		}
		rv = ops->op_update(s->ops[second].state, in, inlen, NULL, NULL);
		if (rv == CKR_OK)
			rv = ops->op_update(s->ops[cipher].state, in, inlen, out, outlen);
		return rv;
	}
	rv = ops->op_update(s->ops[cipher].state, in, inlen, out, outlen);
	if (rv == CKR_OK && out)
		rv = ops->op_update(s->ops[second].state, out, *outlen, NULL, NULL);
	return rv;
}

static CK_RV entry_dual(CK_SESSION_HANDLE h, enum api_op_kind cipher, enum api_op_kind second,
                        const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->op_lock);
	rv = entry_dual_inlock(s, cipher, second, in, inlen, out, outlen);
	if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL) {
		api_session_end_op(s, cipher);
		api_session_end_op(s, second);
	}
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, rv);
}

CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG inlen, CK_BYTE_PTR out,
                            CK_ULONG_PTR outlen)
{
	return entry_dual(h, API_OP_ENCRYPT, API_OP_DIGEST, in, inlen, out, outlen);
}

CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG inlen, CK_BYTE_PTR out,
                            CK_ULONG_PTR outlen)
{
	return entry_dual(h, API_OP_DECRYPT, API_OP_DIGEST, in, inlen, out, outlen);
}

CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG inlen, CK_BYTE_PTR out,
                          CK_ULONG_PTR outlen)
{
	return entry_dual(h, API_OP_ENCRYPT, API_OP_SIGN, in, inlen, out, outlen);
}

CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG inlen, CK_BYTE_PTR out,
                            CK_ULONG_PTR outlen)
{
	return entry_dual(h, API_OP_DECRYPT, API_OP_VERIFY, in, inlen, out, outlen);
}

/*
 * The message-based functions of PKCS#11 3.0: this library offers no
 * mechanism for them, which the standard allows.
 */
static CK_RV entry_message(CK_SESSION_HANDLE h, CK_RV result)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	return entry_end(s, result);
}

#define ENTRY_MESSAGE_INIT(name)                                                     \
	CK_RV name(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) \
	{                                                                            \
		return entry_message(h, CKR_FUNCTION_NOT_SUPPORTED);                 \
	}
#define ENTRY_MESSAGE(name, ...)                                        \
	CK_RV name(CK_SESSION_HANDLE h, __VA_ARGS__)                    \
	{                                                               \
		return entry_message(h, CKR_OPERATION_NOT_INITIALIZED); \
	}

ENTRY_MESSAGE_INIT(C_MessageEncryptInit)
ENTRY_MESSAGE_INIT(C_MessageDecryptInit)
ENTRY_MESSAGE_INIT(C_MessageSignInit)
ENTRY_MESSAGE_INIT(C_MessageVerifyInit)
ENTRY_MESSAGE(C_EncryptMessage, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
              CK_ULONG f, CK_BYTE_PTR g, CK_ULONG_PTR i)
ENTRY_MESSAGE(C_EncryptMessageBegin, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d)
ENTRY_MESSAGE(C_EncryptMessageNext, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d,
              CK_BYTE_PTR e, CK_ULONG_PTR f, CK_FLAGS g)
ENTRY_MESSAGE(C_DecryptMessage, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
              CK_ULONG f, CK_BYTE_PTR g, CK_ULONG_PTR i)
ENTRY_MESSAGE(C_DecryptMessageBegin, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d)
ENTRY_MESSAGE(C_DecryptMessageNext, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d,
              CK_BYTE_PTR e, CK_ULONG_PTR f, CK_FLAGS g)
ENTRY_MESSAGE(C_SignMessage, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
              CK_ULONG_PTR f)
ENTRY_MESSAGE(C_SignMessageBegin, CK_VOID_PTR a, CK_ULONG b)
ENTRY_MESSAGE(C_SignMessageNext, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d,
              CK_BYTE_PTR e, CK_ULONG_PTR f)
ENTRY_MESSAGE(C_VerifyMessage, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
              CK_ULONG f)
ENTRY_MESSAGE(C_VerifyMessageBegin, CK_VOID_PTR a, CK_ULONG b)
ENTRY_MESSAGE(C_VerifyMessageNext, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d,
              CK_BYTE_PTR e, CK_ULONG f)

CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE h)
{
	return entry_message(h, CKR_OPERATION_NOT_INITIALIZED);
}

CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE h)
{
	return entry_message(h, CKR_OPERATION_NOT_INITIALIZED);
}

CK_RV C_MessageSignFinal(CK_SESSION_HANDLE h)
{
	return entry_message(h, CKR_OPERATION_NOT_INITIALIZED);
}

CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE h)
{
	return entry_message(h, CKR_OPERATION_NOT_INITIALIZED);
}
