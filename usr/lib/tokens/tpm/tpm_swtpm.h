/*
 * A bounded check of a swtpm before tpm2-tss connects to it.
 *
 * tpm2-tss's swtpm TCTI sends a command on swtpm's control channel while
 * it initialises, and waits for the answer without a timeout: a swtpm that
 * is stopped (not gone) would block the caller for as long as it stays
 * stopped.  Before each connection to a "swtpm:" TCTI the backend asks the
 * control channel for its capabilities itself, waiting at most the slot's
 * timeout.
 */
#ifndef TPM_SWTPM_H
#define TPM_SWTPM_H

#include "tpm_opts.h"

/*
 * CKR_OK when opts->tcti is not a swtpm TCTI, or when the swtpm's control
 * channel answered in time; CKR_DEVICE_REMOVED when nothing listens there;
 * CKR_DEVICE_ERROR when it did not answer within opts->timeout_ms (or the
 * TCTI string cannot be read).
 */
CK_RV tpm_swtpm_check(const struct tpm_opts *opts);

#endif
