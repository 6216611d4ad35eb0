/*
 * One connection to a TPM 2.0: a TCTI opened through the TCTI loader and
 * an ESAPI context on it, with a timeout on every command.
 *
 * On a transport without a resource manager a connection lives for one
 * PKCS#11 call: the caller opens it, issues its commands, flushes every
 * transient object and session it created, and closes it.  A swtpm socket
 * serves one connection at a time, so holding one longer would stall every
 * other process using that TPM.  Behind a resource manager tpm_call.h
 * keeps one open between calls (tpm_keep.h).  Nothing here depends on the
 * library's state, so that slotd can use it as it is.
 */
#ifndef TPM_CONN_H
#define TPM_CONN_H

#include <tss2/tss2_esys.h>

#include "tpm_opts.h"

struct tpm_conn {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
};

/*
 * Connects to the TPM named by opts->tcti and sets the command timeout
 * (a swtpm is first checked with tpm_swtpm_check).  CKR_DEVICE_REMOVED when
 * the transport cannot be opened, CKR_HOST_MEMORY, CKR_DEVICE_ERROR
 * otherwise; c is closed again on failure.
 */
CK_RV tpm_conn_open(const struct tpm_opts *opts, struct tpm_conn *c);
void tpm_conn_close(struct tpm_conn *c);

/*
 * The PKCS#11 result for a tpm2-tss return code: CKR_OK for success,
 * CKR_DEVICE_REMOVED when the transport went away (connection refused,
 * closed or broken), CKR_HOST_MEMORY, CKR_DEVICE_ERROR for anything else
 * (a timeout, an error answer from the TPM).
 */
CK_RV tpm_conn_rv(TSS2_RC rc);

/*
 * TPM2_Startup(CLEAR).  Any answer from the TPM itself is CKR_OK (already
 * started: TPM_RC_INITIALIZE; a resource manager refusing the command);
 * only a transport failure is an error.
 */
CK_RV tpm_conn_startup(struct tpm_conn *c);

/* Fills out with len bytes of TPM2_GetRandom. */
CK_RV tpm_conn_random(struct tpm_conn *c, CK_BYTE *out, CK_ULONG len);

/*
 * Flushes every transient object and session the TPM has loaded or saved.
 * Meant for a transport without a resource manager (swtpm), right after
 * connecting: one client is served at a time, so whatever is there was
 * left by a client that died before it could flush it, and would soon
 * fill the TPM's few object slots.  (Behind /dev/tpmrm0 or tabrmd a
 * client sees only its own handles, so there is nothing to do.)
 */
CK_RV tpm_conn_flush_leftovers(struct tpm_conn *c);

/* TPM2_FlushContext of a transient object or session; ESYS_TR_NONE is ignored. */
void tpm_conn_flush(struct tpm_conn *c, ESYS_TR *handle);

#endif
