/*
 * One TPM call on a key of the token: the connection, the storage key
 * with its salted session, and the key loaded under it.  Every operation
 * on a key (signing, decryption, derivation, symmetric ciphers, MACs) goes
 * through this seam, so that where connections, sessions and loaded keys
 * live is decided here alone.
 *
 * Behind a resource manager (device:/dev/tpmrm0, tabrmd) the connection,
 * the storage key, the session and the last few loaded keys are kept for
 * the next call (tpm_keep.h); on any other transport (swtpm, mssim,
 * /dev/tpm0) each call connects and flushes everything before it returns.  A call holds the
 * context's lock from tpm_call_begin to tpm_call_finish.
 */
#ifndef TPM_CALL_H
#define TPM_CALL_H

#include <stdbool.h>

#include "tpm.h"
#include "tpm_parent.h"

struct tpm_call {
	struct tpm_ctx *ctx;
	struct tpm_conn conn;
	struct tpm_parent parent;
	ESYS_TR key;      /* ESYS_TR_NONE when no key is loaded */
	TPM2B_PUBLIC pub; /* the loaded key's public area */
	bool kept;        /* conn, parent and key belong to ctx->keep */
	bool reused;      /* kept from an earlier call */
};

/*
 * Connects and opens the parent (or takes the kept ones); the key is not
 * loaded.  On failure nothing stays open and the lock is released.
 */
CK_RV tpm_call_begin(struct tpm_ctx *ctx, struct tpm_call *call);

/*
 * tpm_call_begin, then loads the key whose TPM2B_PUBLIC and TPM2B_PRIVATE
 * blobs are given (or finds it still loaded) and sets its auth value (the
 * token's key auth).
 */
CK_RV tpm_call_key(struct tpm_ctx *ctx, const CK_BYTE *pub, size_t pub_len, const CK_BYTE *priv,
                   size_t priv_len, struct tpm_call *call);

/*
 * Ends a call that came to rv and returns rv.  After a failure everything
 * kept is dropped, so that no handle of a TPM or resource manager that may
 * have restarted is used again.  On a transport without a resource manager
 * the key, the session and the primary are flushed and the connection
 * closed in any case.
 */
CK_RV tpm_call_finish(struct tpm_call *call, CK_RV rv);

/* tpm_call_finish for a call whose TPM commands all succeeded. */
void tpm_call_end(struct tpm_call *call);

/*
 * True when a call that failed with rv ran on state kept from an earlier
 * call: the failure may come from that state being stale (a restarted TPM
 * or resource manager), and the caller may run the call once more.
 */
bool tpm_call_retry(const struct tpm_call *call, CK_RV rv);

#endif
