/*
 * The token record NVTOK.DAT and the master-key files MK_SO and MK_USER:
 * their formats, and wrapping the master key under a PIN.
 *
 * NVTOK.DAT is a clear frame "OSNV" whose body (56 bytes) is: u32 flags
 * (bit 0 initialised, 1 user PIN set, 2 user PIN to be changed, 3 SO PIN to
 * be changed), the label (32 bytes, blank-padded), u32 SO failures, u32
 * user failures, then the token's Argon2id parameters for new PINs: u32 m
 * (KiB), u32 t, u32 p, all three zero when none are recorded.  A body of
 * another length, unknown flags, or parameters that are neither all zero
 * nor accepted by tok_store_kdf_params_valid are CKR_DATA_INVALID.
 *
 * MK_SO and MK_USER are clear frames "OSMK" (frame id 0 for the SO, 1 for
 * the user) whose body (88 bytes) is: salt (16 random bytes), u32 m (KiB),
 * u32 t, u32 p, IV (12 bytes), the 32-byte master key encrypted with
 * AES-256-GCM under the key store_kdf.h derives from (PIN, salt, m, t, p),
 * and the GCM tag.  The GCM additional data is the magic, u32 role (0 SO,
 * 1 user), the salt, m, t and p, so no parameter can be changed without
 * the file failing.  A body of another length, or parameters
 * tok_store_kdf_params_valid refuses, is CKR_DATA_INVALID before any key is
 * derived.  The outer SHA-256 tells a damaged file (CKR_DATA_INVALID) from
 * a wrong PIN (GCM failure, CKR_PIN_INCORRECT).
 *
 * A token whose PINs a device checks (tok_store_set_sealer) writes
 * instead a clear frame "OSMT" (frame id the role, as above) whose body is
 * the sealer's record, at most TOK_STORE_SEALED_MAX bytes and opaque here.
 * A reader tells the two kinds apart by the magic.
 *
 * Everything here is either pure computation (no lock needed: the key
 * derivations run here, outside the store's mutex) or one file operation
 * that the caller makes under the mutex.
 */
#ifndef TOK_STORE_MK_H
#define TOK_STORE_MK_H

#include <stdint.h>

#include "openslot/pkcs11.h"
#include "buf.h"
#include "store.h"
#include "store_crypt.h"
#include "store_kdf.h"

#define TOK_STORE_NV_NAME      "NVTOK.DAT"
#define TOK_STORE_MK_SO_NAME   "MK_SO"
#define TOK_STORE_MK_USER_NAME "MK_USER"

/* A master-key file, decoded. */
struct tok_store_mk {
	uint8_t salt[TOK_STORE_KDF_SALT_LEN];
	struct tok_kdf_params kdf;
	uint8_t iv[TOK_STORE_IV_LEN];
	uint8_t wrapped[TOK_STORE_KEY_LEN];
	uint8_t tag[TOK_STORE_TAG_LEN];
	/* A sealed record (OSMT) when sealed_len > 0; the fields above are then unused. */
	size_t sealed_len;
	uint8_t sealed[TOK_STORE_SEALED_MAX];
};

/* Reads NVTOK.DAT; a missing file reads as a token never initialised. */
CK_RV tok_store_nv_read(int dirfd, struct tok_store_info *info);
/* Replaces NVTOK.DAT durably, mode 0600. */
CK_RV tok_store_nv_write(int dirfd, const struct tok_store_info *info);

/* The name of the master-key file of user (CKU_SO or CKU_USER). */
const char *tok_store_mk_name(CK_USER_TYPE user);

/*
 * Reads and decodes the master-key file of user.  CKR_OK,
 * CKR_USER_PIN_NOT_INITIALIZED (no MK_USER), CKR_DATA_INVALID (damaged,
 * missing MK_SO, parameters out of bounds) or CKR_HOST_MEMORY.
 */
CK_RV tok_store_mk_read(int dirfd, CK_USER_TYPE user, struct tok_store_mk *mk);

/*
 * Derives the key of pin for the file mk and unwraps the master key into
 * key: CKR_PIN_INCORRECT when the tag fails (key wiped), CKR_HOST_MEMORY
 * when the derivation fails.  Takes as long as the KDF: call it without
 * the store's mutex.
 */
CK_RV tok_store_mk_unwrap(CK_USER_TYPE user, const struct tok_store_mk *mk, const CK_UTF8CHAR *pin,
                          CK_ULONG len, uint8_t key[TOK_STORE_KEY_LEN]);

/*
 * Builds the whole master-key file of user (a new random salt, parameters
 * kdf) wrapping key under pin, into out.  Takes as long as the KDF.
 */
CK_RV tok_store_mk_seal(CK_USER_TYPE user, const struct tok_kdf_params *kdf,
                        const uint8_t key[TOK_STORE_KEY_LEN], const CK_UTF8CHAR *pin, CK_ULONG len,
                        struct os_buf *out);

/* Frames a sealer's record of user (at most TOK_STORE_SEALED_MAX bytes) into out. */
CK_RV tok_store_mk_frame_sealed(CK_USER_TYPE user, const struct os_buf *record, struct os_buf *out);

#endif
