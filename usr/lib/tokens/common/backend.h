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
 * itself, its mechanisms, and the cryptography.  Any entry may be NULL; the
 * library's dispatch (one place) turns a NULL entry into the right error.
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

#define OS_BACKEND_ABI_VERSION  1
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
	const char *data_dir;   /* <data-dir>/<token>, exists */
	const char *lock_dir;   /* <lock-dir>/<token>, exists */
	const struct os_backend_option *options;
	size_t n_options;
	/* Writes to the process trace (level 1 errors .. 4 debug); never PINs or keys. */
	void (*trace)(int level, const char *fmt, va_list ap);
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

	/* Size-query convention of C_GetMechanismList. */
	CK_RV (*mechanism_list)(void *ctx, CK_MECHANISM_TYPE *list, CK_ULONG *count);
	CK_RV (*mechanism_info)(void *ctx, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);

	/* C_GenerateRandom / C_SeedRandom. */
	CK_RV (*generate_random)(void *ctx, CK_BYTE *out, CK_ULONG len);
	CK_RV (*seed_random)(void *ctx, const CK_BYTE *seed, CK_ULONG len);
};

typedef const struct os_backend_ops *(*os_backend_entry_fn)(void);

/* The one symbol a backend exports (OS_BACKEND_ENTRY_SYMBOL). */
const struct os_backend_ops *os_backend_entry(void);

#endif
