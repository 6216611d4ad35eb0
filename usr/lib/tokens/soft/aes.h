/*
 * The AES family of the soft backend.  aes.c holds the mechanism table,
 * key generation and what every mode needs (the key, a cipher context);
 * the modes live in aes_modes.c (ECB, CBC, CBC_PAD, CTR), aes_aead.c
 * (GCM, CCM) and aes_wrap.c (key wrap per RFC 3394 and RFC 5649, and
 * C_WrapKey / C_UnwrapKey for every AES mechanism that wraps).
 */
#ifndef SOFT_AES_H
#define SOFT_AES_H

#include "soft.h"
#include "fetch.h"

#define SOFT_AES_BLOCK 16

/*
 * The value of an AES key: CKR_KEY_TYPE_INCONSISTENT for another kind of
 * key, CKR_KEY_SIZE_RANGE for a value not 16, 24 or 32 bytes long.
 */
CK_RV soft_aes_key(const struct os_backend_key *key, const CK_BYTE **val, CK_ULONG *len);

/*
 * A cipher context for mode, keyed with key, set up to encrypt (enc 1) or
 * decrypt (enc 0) from iv (NULL: none yet, or the mode's default).
 * Padding is off: the modes do their own.
 */
CK_RV soft_aes_ctx(enum soft_aes_mode mode, const struct os_backend_key *key, int enc,
                   const CK_BYTE *iv, EVP_CIPHER_CTX **ctx);

/* Runs len bytes through ctx (len fits the mode: whole blocks where it needs them). */
CK_RV soft_aes_run(EVP_CIPHER_CTX *ctx, const CK_BYTE *in, size_t len, CK_BYTE *out);

/*
 * A block mode (ECB, CBC, CBC_PAD) of a block cipher: its block of bs
 * bytes (at most SOFT_AES_BLOCK), and ctx, which makes a context keyed
 * with key for ECB or CBC (cbc) with its padding off, or fails with the
 * key's error (CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_SIZE_RANGE).
 */
struct soft_block_mode {
	size_t bs;
	bool cbc; /* CBC, with an IV of bs bytes as the mechanism parameter */
	bool pad; /* PKCS#7 padding (CBC_PAD) */
	CK_RV(*ctx)
	(const struct os_backend_key *key, bool cbc, int enc, const CK_BYTE *iv,
	 EVP_CIPHER_CTX **ctx);
};

/* An operation in a block mode (aes_modes.c): op_init of ECB, CBC and CBC_PAD for any cipher. */
CK_RV soft_aes_block_start(const struct soft_block_mode *mode, enum os_backend_op kind,
                           const CK_MECHANISM *mech, const struct os_backend_key *key,
                           struct soft_op **op);

/* The inits of the modes (struct soft_mech.init). */
CK_RV soft_aes_block_init(const struct soft_mech *m, enum os_backend_op kind,
                          const CK_MECHANISM *mech, const struct os_backend_key *key,
                          struct soft_op **op);
CK_RV soft_aes_ctr_init(const struct soft_mech *m, enum os_backend_op kind,
                        const CK_MECHANISM *mech, const struct os_backend_key *key,
                        struct soft_op **op);
CK_RV soft_aes_gcm_init(const struct soft_mech *m, enum os_backend_op kind,
                        const CK_MECHANISM *mech, const struct os_backend_key *key,
                        struct soft_op **op);
CK_RV soft_aes_ccm_init(const struct soft_mech *m, enum os_backend_op kind,
                        const CK_MECHANISM *mech, const struct os_backend_key *key,
                        struct soft_op **op);
CK_RV soft_aes_kw_init(const struct soft_mech *m, enum os_backend_op kind, const CK_MECHANISM *mech,
                       const struct os_backend_key *key, struct soft_op **op);

/* C_WrapKey and C_UnwrapKey through the mechanism's single-part encryption. */
CK_RV soft_aes_wrap(const CK_MECHANISM *mech, const struct os_backend_key *wrapping,
                    const struct tok_attrs *key, CK_BYTE *out, CK_ULONG *outlen);
CK_RV soft_aes_unwrap(const CK_MECHANISM *mech, const struct os_backend_key *unwrapping,
                      const CK_BYTE *in, CK_ULONG inlen, struct tok_attrs *key);

#endif
