/*
 * The token's storage key and the session that goes with it, for the
 * length of one call.
 *
 * The storage key is a primary made from a fixed template (ECC P-256,
 * AES-128-CFB, restricted decryption key, no auth value) under the owner
 * hierarchy: the TPM derives the same key from its owner seed every time,
 * so nothing of it needs to be stored.  The session is an HMAC session
 * salted with that key, encrypting the first parameter of each command and
 * of each response when it is a sized buffer (AES-128-CFB): an auth value,
 * a digest or a ciphertext sent to the TPM, a wrapped key or a plaintext
 * coming back, never crosses the bus in clear.  Both are flushed by
 * tpm_parent_close.
 *
 * With the slot option "tpm-parent" the storage key is that persistent
 * object instead; it is checked once at load (tpm_parent_check) and never
 * flushed.  Keys made under one parent load only under it.
 */
#ifndef TPM_PARENT_H
#define TPM_PARENT_H

#include <stdbool.h>

#include "tpm_conn.h"

struct tpm_parent {
	ESYS_TR primary;
	ESYS_TR session;
	bool persistent; /* primary is opts->parent: closed, never flushed */
};

/*
 * Creates the primary (or opens the persistent parent) and starts the
 * session; on failure nothing stays loaded.
 */
CK_RV tpm_parent_open(struct tpm_conn *c, const struct tpm_opts *opts, struct tpm_parent *p);

/*
 * For a "tpm-parent" option: CKR_OK when that handle holds a storage key
 * (a restricted decryption key, RSA or ECC, not a signing key); otherwise
 * the description that says what is wrong, and an error.
 */
CK_RV tpm_parent_check(struct tpm_conn *c, const struct tpm_opts *opts,
                       char desc[TPM_OPTS_DESC_MAX]);
void tpm_parent_close(struct tpm_conn *c, struct tpm_parent *p);

#endif
