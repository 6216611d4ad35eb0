/*
 * A secret sealed in the TPM under the token's storage key: a keyed-hash
 * object that can neither sign nor decrypt, whose sensitive data is the
 * secret and whose auth value the caller derives from a PIN.  The object
 * is subject to the TPM's dictionary-attack protection (no noDA), so each
 * wrong auth value counts towards the TPM's lockout.
 *
 * Both calls run in the parent's salted session: the secret and the auth
 * value never cross the bus in clear (the secret goes in encrypted as the
 * first parameter of TPM2_Create and comes back encrypted from
 * TPM2_Unseal; the auth value only keys the session's HMAC).  Nothing
 * stays loaded when they return.  Linked by slotd, which keeps the PINs.
 */
#ifndef TPM_SEAL_H
#define TPM_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "tpm_parent.h"

/* TPM2_Create of the sealed object; *pub and *priv are freed with Esys_Free. */
CK_RV tpm_seal_create(struct tpm_conn *c, const struct tpm_parent *p, const TPM2B_AUTH *auth,
                      const uint8_t *secret, size_t len, TPM2B_PUBLIC **pub, TPM2B_PRIVATE **priv);

/*
 * TPM2_Load and TPM2_Unseal: secret gets exactly len bytes.
 * CKR_PIN_INCORRECT when the auth value is wrong (counted by the TPM),
 * CKR_PIN_LOCKED when the TPM is in lockout, CKR_DATA_INVALID when the
 * object is not one tpm_seal_create made for len bytes, else as
 * tpm_conn_rv.
 */
CK_RV tpm_seal_open(struct tpm_conn *c, const struct tpm_parent *p, const TPM2B_AUTH *auth,
                    const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv, uint8_t *secret,
                    size_t len);

#endif
