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
 */
#ifndef TPM_PARENT_H
#define TPM_PARENT_H

#include "tpm_conn.h"

struct tpm_parent {
	ESYS_TR primary;
	ESYS_TR session;
};

/* Creates the primary and starts the session; on failure nothing stays loaded. */
CK_RV tpm_parent_open(struct tpm_conn *c, struct tpm_parent *p);
void tpm_parent_close(struct tpm_conn *c, struct tpm_parent *p);

#endif
