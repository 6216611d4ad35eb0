/*
 * One TPM call on a key of the token: the connection, the storage key
 * with its salted session, and the key loaded under it, set up together
 * and torn down together.  Every operation on a key (signing, decryption,
 * derivation, symmetric ciphers, MACs) goes through this pair, so that
 * where connections, sessions and loaded keys live is decided here alone.
 */
#ifndef TPM_CALL_H
#define TPM_CALL_H

#include "tpm.h"
#include "tpm_parent.h"

struct tpm_call {
	struct tpm_ctx *ctx;
	struct tpm_conn conn;
	struct tpm_parent parent;
	ESYS_TR key;      /* ESYS_TR_NONE when no key is loaded */
	TPM2B_PUBLIC pub; /* the loaded key's public area */
};

/*
 * Connects and opens the parent (tpm_begin, tpm_parent_open); the key is
 * not loaded.  On failure nothing stays open.
 */
CK_RV tpm_call_begin(struct tpm_ctx *ctx, struct tpm_call *call);

/*
 * tpm_call_begin, then loads the key whose TPM2B_PUBLIC and TPM2B_PRIVATE
 * blobs are given and sets its auth value (the token's key auth).
 */
CK_RV tpm_call_key(struct tpm_ctx *ctx, const CK_BYTE *pub, size_t pub_len, const CK_BYTE *priv,
                   size_t priv_len, struct tpm_call *call);

/* Flushes the key, the session and the primary, and closes the connection. */
void tpm_call_end(struct tpm_call *call);

#endif
