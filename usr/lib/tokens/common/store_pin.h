/*
 * The token record NVTOK.DAT and the master-key files MK_SO and MK_USER.
 *
 * NVTOK.DAT is a clear frame "OSNV" whose body is: u32 flags (bit 0
 * initialised, 1 user PIN set, 2 user PIN to be changed, 3 SO PIN to be
 * changed), the label (32 bytes, blank-padded), u32 SO failures, u32 user
 * failures.
 *
 * MK_SO and MK_USER are clear frames "OSMK" (frame id 0 for the SO, 1 for
 * the user) whose body has one of two layouts, told apart by its exact
 * length:
 *
 *   layout 2 (84 bytes, written): salt (16 random bytes), u32 total KDF
 *            iteration count N, u32 lanes L, IV (12 bytes), the 32-byte
 *            master key encrypted with AES-256-GCM under the key
 *            store_kdf.h derives from (PIN, salt, N, L), and the GCM tag;
 *   layout 1 (80 bytes, read only): the same without the lanes field, for
 *            L = 1, i.e. the key PBKDF2-HMAC-SHA512(PIN, salt, N).
 *
 * A body of another length, L outside 1..TOK_STORE_KDF_MAX_LANES, or N
 * below L or above TOK_STORE_MAX_ITER is CKR_DATA_INVALID.  The GCM
 * additional data binds the magic, role, salt, N and (layout 2) L.  The
 * outer SHA-256 tells a damaged file (CKR_DATA_INVALID) from a wrong PIN
 * (GCM failure, CKR_PIN_INCORRECT).
 */
#ifndef TOK_STORE_PIN_H
#define TOK_STORE_PIN_H

#include <stdint.h>

#include "openslot/pkcs11.h"
#include "store.h"

#define TOK_STORE_NV_NAME      "NVTOK.DAT"
#define TOK_STORE_MK_SO_NAME   "MK_SO"
#define TOK_STORE_MK_USER_NAME "MK_USER"

/* Reads NVTOK.DAT; a missing file reads as a token never initialised. */
CK_RV tok_store_nv_read(int dirfd, struct tok_store_info *info);
CK_RV tok_store_nv_write(int dirfd, const struct tok_store_info *info);

/*
 * Wraps mk under pin (new random salt) into MK_SO or MK_USER, durably, with
 * the handle's iteration count in total over TOK_STORE_KDF_LANES lanes
 * (fewer when the count is smaller).  Token lock held exclusively.
 */
CK_RV tok_store_mk_write(struct tok_store *st, CK_USER_TYPE user,
                         const uint8_t mk[TOK_STORE_KEY_LEN], const CK_UTF8CHAR *pin, CK_ULONG len);

/*
 * Checks pin for user against its master-key file, counting failures in
 * NVTOK.DAT (token lock held exclusively).  On success mk holds the master
 * key and nv the token record as now stored; on failure mk is wiped.
 * Codes as tok_store_login.
 */
CK_RV tok_store_pin_check_inlock(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
                                 CK_ULONG len, uint8_t mk[TOK_STORE_KEY_LEN],
                                 struct tok_store_info *nv);

#endif
