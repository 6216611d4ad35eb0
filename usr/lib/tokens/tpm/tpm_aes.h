/*
 * AES with the token's secret keys, in the TPM: CKM_AES_ECB, CKM_AES_CBC,
 * CKM_AES_CBC_PAD and CKM_AES_CFB128 through TPM2_EncryptDecrypt2 (the
 * TPM's ECB, CBC and CFB modes; CFB in the TPM feeds back whole blocks).
 *
 * Each call sends its data in commands of at most tpm_caps_chunk bytes
 * and chains them with the TPM's ivOut.  Multi-part operations keep the
 * input that does not fill a block (CBC_PAD decryption the last block
 * too) and run whole blocks only, so the length of every update's output
 * is known before the TPM is asked; CFB128 runs its last partial block at
 * C_EncryptFinal / C_DecryptFinal.  CBC_PAD pads and unpads (in constant
 * time) in software around the TPM's CBC.
 */
#ifndef TPM_AES_H
#define TPM_AES_H

#include "tpm.h"

bool tpm_aes_claims(CK_MECHANISM_TYPE type);

/*
 * Checks the mechanism (listed for this TPM; an IV of 16 bytes except for
 * ECB, CKR_MECHANISM_PARAM_INVALID) and the key (an AES key of the token,
 * CKR_KEY_TYPE_INCONSISTENT).
 */
CK_RV tpm_aes_init(struct tpm_ctx *ctx, bool encrypt, const CK_MECHANISM *mech,
                   const struct os_backend_key *key, void **op);
CK_RV tpm_aes_single(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_aes_update(void *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
CK_RV tpm_aes_final(void *op, CK_BYTE *out, CK_ULONG *outlen);
void tpm_aes_free(void *op);

#endif
