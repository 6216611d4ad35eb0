/*
 * Secret keys inside the TPM: AES keys (TPM2_ALG_SYMCIPHER, mode NULL so
 * that every mode can use them, unrestricted, decrypt and sign set as
 * TPM2_EncryptDecrypt2 asks) and HMAC-SHA256 keys (TPM2_ALG_KEYEDHASH with
 * the HMAC scheme over SHA-256), created under the token's storage key
 * with the token's key auth.
 *
 * The secret key object carries the TPM's blobs in the vendor attributes
 * of tpm_keys.h and never a CKA_VALUE: it is sensitive and not
 * extractable whatever the template said.  A generated key was made by
 * the TPM (always sensitive, never extractable, CKA_LOCAL true); a key
 * given in clear to C_CreateObject is handed to TPM2_Create as the new
 * object's sensitive data and its value dropped from the object before it
 * is stored (CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE and CKA_LOCAL
 * false).
 */
#ifndef TPM_SECRET_H
#define TPM_SECRET_H

#include "tpm.h"

/*
 * HMAC keys given in clear: up to TPM_SECRET_HMAC_MAX bytes.  A TPM takes
 * keyed-hash keys up to the hash's block only; a longer key is replaced
 * by its SHA-256 digest before it goes to the TPM, which is what HMAC
 * itself does with such a key, so the MACs are the same.
 */
#define TPM_SECRET_HMAC_MAX   512
#define TPM_SECRET_HMAC_BLOCK 64

/*
 * The generate_key entry: CKM_AES_KEY_GEN (CKA_VALUE_LEN 16, 24 or 32 as
 * the TPM takes them), CKM_GENERIC_SECRET_KEY_GEN and CKM_SHA256_KEY_GEN
 * (CKA_VALUE_LEN 32, the size the TPM makes).  CKR_KEY_SIZE_RANGE for
 * another length, CKR_MECHANISM_INVALID for a mechanism not listed.
 */
CK_RV tpm_secret_generate(void *ctx, const CK_MECHANISM *mech, struct tok_attrs *key);

/*
 * C_CreateObject of a secret key: an AES key (16, 24 or 32 bytes as the
 * TPM takes them) or a CKK_GENERIC_SECRET or CKK_SHA256_HMAC key of 1 to
 * TPM_SECRET_HMAC_MAX bytes (see above) becomes a TPM key (CKR_ATTRIBUTE_VALUE_INVALID
 * for another length); other key types are CKR_TEMPLATE_INCONSISTENT.
 */
CK_RV tpm_secret_import(struct tpm_ctx *ctx, struct tok_attrs *key);

/*
 * For a secret key made from a value computed here (ECDH, unwrapping):
 * when its template makes it sensitive or not extractable, the value
 * becomes a TPM key as with tpm_secret_import and is never stored; else
 * the object keeps CKA_VALUE, for the caller to read.
 */
CK_RV tpm_secret_adopt(struct tpm_ctx *ctx, struct tok_attrs *key);

#endif
