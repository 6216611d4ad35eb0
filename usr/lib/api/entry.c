/*
 * The PKCS#11 functions that act on a session's token: objects, search,
 * cryptographic operations, login and PINs.
 *
 * Each one checks the session, then asks the slot's backend.  The backend
 * interface (backend.h) carries the token's description, mechanisms and
 * random numbers; a token that offers no mechanism answers every
 * mechanism-based call with CKR_MECHANISM_INVALID, and a session with no
 * operation started answers the operation calls with
 * CKR_OPERATION_NOT_INITIALIZED, as PKCS#11 says.
 */
#include "api.h"

#include <string.h>

/* Enters the library and takes a reference on the session. */
static CK_RV entry_begin(CK_SESSION_HANDLE h, struct api_session **s)
{
	CK_RV rv = api_enter();

	if (rv != CKR_OK)
		return rv;
	rv = api_session_get(h, s);
	if (rv != CKR_OK)
		api_leave();
	return rv;
}

static CK_RV entry_end(struct api_session *s, const char *fn, CK_RV rv)
{
	api_trace_call(s->slot, fn, rv, "session %lu", s->handle);
	api_session_put(s);
	api_leave();
	return rv;
}

/* Whether the token in the session's slot offers the mechanism at all. */
static CK_RV entry_mechanism(struct api_session *s, CK_MECHANISM_PTR mech)
{
	const struct os_backend_ops *ops = s->slot->ops;
	CK_MECHANISM_INFO info;

	if (!mech)
		return CKR_ARGUMENTS_BAD;
	if (!ops->mechanism_info ||
	    ops->mechanism_info(s->slot->ctx, mech->mechanism, &info) != CKR_OK)
		return CKR_MECHANISM_INVALID;
	return CKR_KEY_HANDLE_INVALID; /* the mechanism exists, but no key object does */
}

/* A session call that needs an operation started by its Init function. */
static CK_RV entry_no_operation(CK_SESSION_HANDLE h, const char *fn)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	return entry_end(s, fn, CKR_OPERATION_NOT_INITIALIZED);
}

static CK_RV entry_mechanism_call(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, const char *fn)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	return entry_end(s, fn, entry_mechanism(s, mech));
}

/* A session call naming an object: this token holds none the process can name. */
static CK_RV entry_object_call(CK_SESSION_HANDLE h, const char *fn)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	return entry_end(s, fn, CKR_OBJECT_HANDLE_INVALID);
}

#define ENTRY_OP(name, ...)                          \
	CK_RV name(CK_SESSION_HANDLE h, __VA_ARGS__) \
	{                                            \
		return entry_no_operation(h, #name); \
	}

ENTRY_OP(C_Encrypt, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_EncryptUpdate, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_EncryptFinal, CK_BYTE_PTR a, CK_ULONG_PTR b)
ENTRY_OP(C_Decrypt, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_DecryptUpdate, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_DecryptFinal, CK_BYTE_PTR a, CK_ULONG_PTR b)
ENTRY_OP(C_Digest, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_DigestUpdate, CK_BYTE_PTR a, CK_ULONG b)
ENTRY_OP(C_DigestKey, CK_OBJECT_HANDLE a)
ENTRY_OP(C_DigestFinal, CK_BYTE_PTR a, CK_ULONG_PTR b)
ENTRY_OP(C_Sign, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_SignUpdate, CK_BYTE_PTR a, CK_ULONG b)
ENTRY_OP(C_SignFinal, CK_BYTE_PTR a, CK_ULONG_PTR b)
ENTRY_OP(C_SignRecover, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_Verify, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d)
ENTRY_OP(C_VerifyUpdate, CK_BYTE_PTR a, CK_ULONG b)
ENTRY_OP(C_VerifyFinal, CK_BYTE_PTR a, CK_ULONG b)
ENTRY_OP(C_VerifyRecover, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_DigestEncryptUpdate, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_DecryptDigestUpdate, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_SignEncryptUpdate, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_DecryptVerifyUpdate, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
ENTRY_OP(C_EncryptMessage, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
         CK_ULONG f, CK_BYTE_PTR g, CK_ULONG_PTR i)
ENTRY_OP(C_EncryptMessageBegin, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d)
ENTRY_OP(C_EncryptMessageNext, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
         CK_ULONG_PTR f, CK_FLAGS g)
ENTRY_OP(C_DecryptMessage, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
         CK_ULONG f, CK_BYTE_PTR g, CK_ULONG_PTR i)
ENTRY_OP(C_DecryptMessageBegin, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d)
ENTRY_OP(C_DecryptMessageNext, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
         CK_ULONG_PTR f, CK_FLAGS g)
ENTRY_OP(C_SignMessage, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
         CK_ULONG_PTR f)
ENTRY_OP(C_SignMessageBegin, CK_VOID_PTR a, CK_ULONG b)
ENTRY_OP(C_SignMessageNext, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
         CK_ULONG_PTR f)
ENTRY_OP(C_VerifyMessage, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
         CK_ULONG f)
ENTRY_OP(C_VerifyMessageBegin, CK_VOID_PTR a, CK_ULONG b)
ENTRY_OP(C_VerifyMessageNext, CK_VOID_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG d, CK_BYTE_PTR e,
         CK_ULONG f)

CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE h)
{
	return entry_no_operation(h, "C_MessageEncryptFinal");
}

CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE h)
{
	return entry_no_operation(h, "C_MessageDecryptFinal");
}

CK_RV C_MessageSignFinal(CK_SESSION_HANDLE h)
{
	return entry_no_operation(h, "C_MessageSignFinal");
}

CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE h)
{
	return entry_no_operation(h, "C_MessageVerifyFinal");
}

#define ENTRY_INIT(name)                                                             \
	CK_RV name(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) \
	{                                                                            \
		(void)key;                                                           \
		return entry_mechanism_call(h, mech, #name);                         \
	}

ENTRY_INIT(C_EncryptInit)
ENTRY_INIT(C_DecryptInit)
ENTRY_INIT(C_SignInit)
ENTRY_INIT(C_SignRecoverInit)
ENTRY_INIT(C_VerifyInit)
ENTRY_INIT(C_VerifyRecoverInit)
ENTRY_INIT(C_MessageEncryptInit)
ENTRY_INIT(C_MessageDecryptInit)
ENTRY_INIT(C_MessageSignInit)
ENTRY_INIT(C_MessageVerifyInit)

CK_RV C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	rv = entry_mechanism(s, mech);
	return entry_end(s, "C_DigestInit",
	                 rv == CKR_KEY_HANDLE_INVALID ? CKR_MECHANISM_INVALID : rv);
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR tmpl,
                    CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
	return entry_mechanism_call(h, mech, "C_GenerateKey");
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR pub,
                        CK_ULONG npub, CK_ATTRIBUTE_PTR priv, CK_ULONG npriv,
                        CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv)
{
	return entry_mechanism_call(h, mech, "C_GenerateKeyPair");
}

CK_RV C_WrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE wrapping,
                CK_OBJECT_HANDLE key, CK_BYTE_PTR out, CK_ULONG_PTR outlen)
{
	return entry_mechanism_call(h, mech, "C_WrapKey");
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE unwrapping,
                  CK_BYTE_PTR wrapped, CK_ULONG len, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                  CK_OBJECT_HANDLE_PTR key)
{
	return entry_mechanism_call(h, mech, "C_UnwrapKey");
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE base,
                  CK_ATTRIBUTE_PTR tmpl, CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
	return entry_mechanism_call(h, mech, "C_DeriveKey");
}

CK_RV C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                   CK_OBJECT_HANDLE_PTR out)
{
	return entry_object_call(h, "C_CopyObject");
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj)
{
	return entry_object_call(h, "C_DestroyObject");
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG_PTR size)
{
	return entry_object_call(h, "C_GetObjectSize");
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
                          CK_ULONG count)
{
	return entry_object_call(h, "C_GetAttributeValue");
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
                          CK_ULONG count)
{
	return entry_object_call(h, "C_SetAttributeValue");
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!tmpl && count)
		return entry_end(s, "C_FindObjectsInit", CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&s->op_lock);
	if (s->find_active)
		rv = CKR_OPERATION_ACTIVE;
	else
		s->find_active = true;
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, "C_FindObjectsInit", rv);
}

CK_RV C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!count || (!out && max))
		return entry_end(s, "C_FindObjects", CKR_ARGUMENTS_BAD);
	pthread_mutex_lock(&s->op_lock);
	if (!s->find_active)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else
		*count = 0; /* the token holds no objects */
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, "C_FindObjects", rv);
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
	s->find_active = false;
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, "C_FindObjectsFinal", rv);
}

CK_RV C_SessionCancel(CK_SESSION_HANDLE h, CK_FLAGS flags)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->op_lock);
	if (flags & CKF_FIND_OBJECTS)
		s->find_active = false;
	pthread_mutex_unlock(&s->op_lock);
	return entry_end(s, "C_SessionCancel", CKR_OK);
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!out && len)
		rv = CKR_ARGUMENTS_BAD;
	else if (!s->slot->ops->generate_random)
		rv = CKR_RANDOM_NO_RNG;
	else
		rv = s->slot->ops->generate_random(s->slot->ctx, out, len);
	return entry_end(s, "C_GenerateRandom", rv);
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!seed && len)
		rv = CKR_ARGUMENTS_BAD;
	else if (!s->slot->ops->seed_random)
		rv = CKR_RANDOM_SEED_NOT_SUPPORTED;
	else
		rv = s->slot->ops->seed_random(s->slot->ctx, seed, len);
	return entry_end(s, "C_SeedRandom", rv);
}

static CK_RV entry_session_rv(CK_SESSION_HANDLE h, const char *fn, CK_RV result)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	return entry_end(s, fn, result);
}

/* Legacy functions: PKCS#11 says a library without parallel sessions answers so. */
CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE h)
{
	return entry_session_rv(h, "C_GetFunctionStatus", CKR_FUNCTION_NOT_PARALLEL);
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE h)
{
	return entry_session_rv(h, "C_CancelFunction", CKR_FUNCTION_NOT_PARALLEL);
}

CK_RV C_Logout(CK_SESSION_HANDLE h)
{
	struct api_session *s;
	CK_RV rv = entry_begin(h, &s);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&api_state.sessions_lock);
	if (s->slot->login == API_NO_USER)
		rv = CKR_USER_NOT_LOGGED_IN;
	s->slot->login = API_NO_USER;
	pthread_mutex_unlock(&api_state.sessions_lock);
	return entry_end(s, "C_Logout", rv);
}

/*
 * Object creation, PINs and login need the token's object store and PIN
 * records, which this backend interface does not carry: such tokens answer
 * that the function is not supported.
 */
CK_RV C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                     CK_OBJECT_HANDLE_PTR obj)
{
	return entry_session_rv(h, "C_CreateObject", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	return entry_session_rv(h, "C_Login", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_LoginUser(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len,
                  CK_UTF8CHAR_PTR name, CK_ULONG namelen)
{
	return entry_session_rv(h, "C_LoginUser", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	return entry_session_rv(h, "C_InitPIN", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old, CK_ULONG oldlen, CK_UTF8CHAR_PTR pin,
               CK_ULONG len)
{
	return entry_session_rv(h, "C_SetPIN", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_GetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR state, CK_ULONG_PTR len)
{
	return entry_session_rv(h, "C_GetOperationState", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR state, CK_ULONG len,
                          CK_OBJECT_HANDLE enc, CK_OBJECT_HANDLE auth)
{
	return entry_session_rv(h, "C_SetOperationState", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label)
{
	struct api_slot *slot;
	CK_RV rv = api_enter();

	if (rv != CKR_OK)
		return rv;
	rv = api_slot_token(id, &slot);
	if (rv == CKR_OK)
		rv = CKR_FUNCTION_NOT_SUPPORTED;
	api_leave();
	return rv;
}
