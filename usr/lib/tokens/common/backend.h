/*
 * The token backend interface.
 *
 * A backend is a shared object (libtoken_<name>.so) exporting one symbol,
 * OS_BACKEND_ENTRY_SYMBOL, a function returning a pointer to a const
 * struct os_backend_ops.  The library checks abi_version before using
 * anything else in the table and refuses a mismatch.
 *
 * Everything PKCS#11 has in common (sessions, handles, objects and their
 * attribute rules, login state, find, the object store, the per-token
 * shared memory) lives in the library and the token common layer; a backend
 * supplies what differs: whether its token is there, what it says about
 * itself, its mechanisms, and the cryptography.  Any entry may be NULL: the
 * library copies the table at load and fills each NULL entry with the
 * default of backend_fill.h, so callers never check an entry.
 *
 * A backend never sees another backend, keeps no global state other than
 * what hangs off its ctx, and must be safe to call from several threads at
 * once with different ctx-derived objects.
 */
#ifndef OS_BACKEND_H
#define OS_BACKEND_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "openslot/pkcs11.h"
#include "attrs.h"

#define OS_BACKEND_ABI_VERSION  5
#define OS_BACKEND_ENTRY_SYMBOL "os_backend_entry"

/* One backend option from the slot's config ("options" group). */
struct os_backend_option {
	const char *name;
	const char *value;
};

/* What the library tells a backend about its slot when loading it. */
struct os_backend_env {
	CK_SLOT_ID slot_id;
	const char *token_name; /* config "token" */
	/* <data-dir>/<token> and <lock-dir>/<token>; of a per-user slot (tpm),
	 * <data-dir>/tpm/<user> and <lock-dir>/tpm/<user>, made by slotd when
	 * the user's token is first opened */
	const char *data_dir;
	const char *lock_dir;
	const struct os_backend_option *options;
	size_t n_options;
	/* Writes to the process trace (level 1 errors .. 4 debug); never PINs or keys. */
	void (*trace)(int level, const char *fmt, va_list ap);
};

enum os_backend_op {
	OS_BACKEND_OP_ENCRYPT = 1,
	OS_BACKEND_OP_DECRYPT,
	OS_BACKEND_OP_SIGN,
	OS_BACKEND_OP_VERIFY,
	OS_BACKEND_OP_DIGEST,
	OS_BACKEND_OP_SIGN_RECOVER,
	OS_BACKEND_OP_VERIFY_RECOVER,
};

/*
 * A key object as a backend sees it: its attributes, and a cache slot the
 * backend may fill once with a ready-to-use form of the key (an EVP_PKEY,
 * say), so that it is not rebuilt per operation.  The slot starts NULL; a
 * backend sets it with an atomic compare-and-swap from NULL (losing a race
 * it frees its own copy) and never changes it again.  The common layer
 * calls key_cache_free when the object is destroyed or its attributes
 * change; an operation that must outlive that takes its own reference in
 * op_init.
 */
struct os_backend_key {
	const struct tok_attrs *attrs;
	void **cache;
};

struct os_backend_ops {
	uint32_t abi_version; /* OS_BACKEND_ABI_VERSION */
	const char *name;     /* "soft", "tpm", "cca", "ep11" */

	/*
	 * Called once per slot at C_Initialize.  Returns CKR_OK and a context,
	 * or an error: the slot is then shown without a token and the reason
	 * traced.  env and its strings stay valid until unload.
	 */
	CK_RV (*load)(const struct os_backend_env *env, void **ctx);
	/*
	 * Called at C_Finalize, and in a forked child that re-initialises
	 * (for the context inherited from the parent): it releases memory and
	 * process-local resources only, never a lock or file shared with
	 * another process.
	 */
	void (*unload)(void *ctx);

	/*
	 * The library fills info from the config (description, manufacturer,
	 * versions, CKF_REMOVABLE_DEVICE clear); the backend adjusts it
	 * (CKF_HW_SLOT, a description of why its token is missing).
	 */
	CK_RV (*slot_info)(void *ctx, CK_SLOT_INFO *info);

	/* CKR_OK when the token is present, CKR_TOKEN_NOT_PRESENT otherwise. */
	CK_RV (*token_present)(void *ctx);

	/*
	 * The library fills what the token common layer knows (label, flags
	 * for login and PIN state, counts, memory); the backend sets model,
	 * serial number, hardware/firmware versions and CKF_RNG and the like.
	 */
	CK_RV (*token_info)(void *ctx, CK_TOKEN_INFO *info);

	/*
	 * The token's master key, given by the token common layer after a
	 * user login (mk, len: TOK_STORE_KEY_LEN bytes) and taken back with
	 * NULL, 0 at logout, before the private objects are dropped.  A
	 * backend may derive from it what its keys need (the tpm backend: the
	 * auth value of its TPM keys), and wipes that at logout.  An error is
	 * the login's.
	 */
	CK_RV (*login_key)(void *ctx, const CK_BYTE *mk, size_t len);

	/* Size-query convention of C_GetMechanismList. */
	CK_RV (*mechanism_list)(void *ctx, CK_MECHANISM_TYPE *list, CK_ULONG *count);
	CK_RV (*mechanism_info)(void *ctx, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);

	/* C_GenerateRandom / C_SeedRandom. */
	CK_RV (*generate_random)(void *ctx, CK_BYTE *out, CK_ULONG len);
	CK_RV (*seed_random)(void *ctx, const CK_BYTE *seed, CK_ULONG len);

	/*
	 * Key material.  The common layer builds the new object's attributes
	 * from the caller's templates (rules.h) and passes them here; the
	 * backend checks what concerns the mechanism (key sizes, curves:
	 * CKR_TEMPLATE_INCONSISTENT, CKR_KEY_SIZE_RANGE, CKR_CURVE_NOT_SUPPORTED)
	 * and adds the key material: CKA_VALUE (and CKA_VALUE_LEN) for secret
	 * keys; CKA_MODULUS, CKA_PUBLIC_EXPONENT to both RSA halves and the
	 * private components to the private one; CKA_EC_POINT (DER OCTET STRING)
	 * to the EC/EdDSA/Montgomery public key, CKA_VALUE and CKA_EC_PARAMS
	 * to the private one.
	 */
	CK_RV (*generate_key)(void *ctx, const CK_MECHANISM *mech, struct tok_attrs *key);
	CK_RV(*generate_key_pair)
	(void *ctx, const CK_MECHANISM *mech, struct tok_attrs *pub, struct tok_attrs *priv);
	/* Checks the material of a key made by C_CreateObject (and completes e.g. CKA_VALUE_LEN). */
	CK_RV (*check_key)(void *ctx, struct tok_attrs *key);

	/*
	 * Operations.  op_init checks the mechanism against the key
	 * (CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID for a bad
	 * parameter or ulParameterLen, CKR_KEY_TYPE_INCONSISTENT,
	 * CKR_KEY_SIZE_RANGE) and returns an operation state; key is NULL for
	 * digests.  The usage flag (CKA_SIGN, ...) was checked already.
	 *
	 * Output buffers follow PKCS#11: out == NULL asks for the length
	 * (*outlen set, CKR_OK, nothing consumed); a too-small *outlen gives
	 * CKR_BUFFER_TOO_SMALL with *outlen set, nothing consumed.  The common
	 * layer frees the state (op_free) when the operation ends: after a
	 * single-part call or final that did not just report a length, or on
	 * any other error.
	 *
	 * op_single: C_Encrypt, C_Decrypt, C_Sign, C_Digest, C_SignRecover,
	 * C_VerifyRecover.  op_update: for encrypt/decrypt produces output;
	 * for sign, verify and digest out and outlen are NULL.  op_final:
	 * C_EncryptFinal, C_DecryptFinal, C_SignFinal, C_DigestFinal.
	 * op_verify: C_Verify; op_verify_final: C_VerifyFinal
	 * (CKR_SIGNATURE_INVALID / CKR_SIGNATURE_LEN_RANGE).  op_digest_key:
	 * C_DigestKey feeds a secret key's value.
	 */
	CK_RV(*op_init)
	(void *ctx, enum os_backend_op kind, const CK_MECHANISM *mech,
	 const struct os_backend_key *key, void **op);
	CK_RV(*op_single)
	(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
	CK_RV(*op_update)
	(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
	CK_RV (*op_final)(void *op, CK_BYTE *out, CK_ULONG *outlen);
	CK_RV(*op_verify)
	(void *op, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig, CK_ULONG siglen);
	CK_RV (*op_verify_final)(void *op, const CK_BYTE *sig, CK_ULONG siglen);
	CK_RV (*op_digest_key)(void *op, const struct os_backend_key *key);
	void (*op_free)(void *op);
	/*
	 * op_reinit: a new digest (kind OS_BACKEND_OP_DIGEST, no key) in the
	 * state of one that ended, as op_init would make it but keeping what
	 * the old one allocated.  CKR_OK: op is the new operation.  Any other
	 * value: op is left to op_free, and the library calls op_init, whose
	 * answer the application sees; a backend may thus refuse whatever it
	 * does not reuse.
	 */
	CK_RV (*op_reinit)(void *ctx, enum os_backend_op kind, const CK_MECHANISM *mech, void *op);

	/*
	 * C_WrapKey (out/outlen as above), C_UnwrapKey and C_DeriveKey (key
	 * holds the attributes built from the template; the backend adds the
	 * material as for generation).
	 *
	 * derive_key: param_key is the key a mechanism parameter names by
	 * handle (CK_HKDF_PARAMS.hSaltKey with CKF_HKDF_SALT_KEY), resolved by
	 * the common layer and checked like the base key (visible, CKA_DERIVE,
	 * CKA_ALLOWED_MECHANISMS); NULL when the parameter names none.  A
	 * backend never resolves a handle itself.  CKM_HKDF_DATA makes a data
	 * object: key is then of class CKO_DATA and carries the requested
	 * length as CKA_VALUE_LEN, which the common layer removes after the
	 * backend has set CKA_VALUE.
	 */
	CK_RV(*wrap_key)
	(void *ctx, const CK_MECHANISM *mech, const struct os_backend_key *wrapping,
	 const struct tok_attrs *key, CK_BYTE *out, CK_ULONG *outlen);
	CK_RV(*unwrap_key)
	(void *ctx, const CK_MECHANISM *mech, const struct os_backend_key *unwrapping,
	 const CK_BYTE *in, CK_ULONG inlen, struct tok_attrs *key);
	CK_RV(*derive_key)
	(void *ctx, const CK_MECHANISM *mech, const struct os_backend_key *base,
	 const struct os_backend_key *param_key, struct tok_attrs *key);

	/* Frees what the backend cached in a key's cache slot. */
	void (*key_cache_free)(void *ctx, void *cache);

	/*
	 * Operation state (C_GetOperationState / C_SetOperationState).  The
	 * library wraps what these produce in an envelope of its own (version,
	 * slot, operation kind, mechanism, an identity of the key and an
	 * integrity tag, see entry_state.c), so a backend sees only states it
	 * wrote itself, untampered.
	 *
	 * op_get_state sets *mech to the operation's mechanism and writes a
	 * description of its progress to out, with the size-query convention
	 * above; CKR_STATE_UNSAVEABLE when the operation cannot be saved.  The
	 * description never holds key material nor anything from which it
	 * could be computed, and is at most OS_BACKEND_STATE_MAX bytes.  The
	 * operation goes on unchanged.
	 *
	 * op_set_state makes a new operation of the kind and mechanism from
	 * such a description and the key (NULL for digests), as op_init would
	 * and with the same checks, then brings it to the saved progress.
	 * CKR_SAVED_STATE_INVALID when the description is not one it wrote.
	 */
	CK_RV(*op_get_state)
	(void *op, CK_MECHANISM_TYPE *mech, CK_BYTE *out, CK_ULONG *outlen);
	CK_RV(*op_set_state)
	(void *ctx, enum os_backend_op kind, CK_MECHANISM_TYPE mech, const CK_BYTE *state,
	 CK_ULONG len, const struct os_backend_key *key, void **op);
};

/* Largest description op_get_state may write. */
#define OS_BACKEND_STATE_MAX (1024 * 1024)

typedef const struct os_backend_ops *(*os_backend_entry_fn)(void);

/* The one symbol a backend exports (OS_BACKEND_ENTRY_SYMBOL). */
const struct os_backend_ops *os_backend_entry(void);

#endif
