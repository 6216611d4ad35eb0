/*
 * The slot options of the tpm backend, and the sentences its slot shows
 * when no TPM can be used.
 *
 * Options: "tcti", a tpm2-tss TCTI string ("device:/dev/tpmrm0",
 * "swtpm:host=127.0.0.1,port=2321", "tabrmd"); "device", a device path,
 * the same as "tcti" set to "device:<path>" (when both are given "tcti"
 * wins); "tcti-timeout", how long one TPM command may take, in
 * milliseconds; "tpm-parent", a persistent handle (0x81000000 to
 * 0x81ffffff) of a storage key to make and load the token's keys under,
 * instead of the primary the backend derives from the owner seed.
 */
#ifndef TPM_OPTS_H
#define TPM_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"

#define TPM_OPTS_DEFAULT_TCTI    "device:/dev/tpmrm0"
#define TPM_OPTS_TCTI_MAX        256
#define TPM_OPTS_DEFAULT_TIMEOUT 10000
#define TPM_OPTS_MIN_TIMEOUT     100
#define TPM_OPTS_MAX_TIMEOUT     600000
/* CK_SLOT_INFO.slotDescription holds 64 bytes; one more for the NUL. */
#define TPM_OPTS_DESC_MAX 65

struct tpm_opts {
	char tcti[TPM_OPTS_TCTI_MAX];
	int32_t timeout_ms;
	uint32_t parent; /* persistent storage key; 0 for the derived primary */
};

/*
 * Reads the options.  CKR_ARGUMENTS_BAD for an empty "tcti" or "device",
 * a TCTI string too long, or a "tcti-timeout" that is not a number of
 * milliseconds within [TPM_OPTS_MIN_TIMEOUT, TPM_OPTS_MAX_TIMEOUT], or a
 * "tpm-parent" that is not a persistent handle.
 */
CK_RV tpm_opts_read(const struct os_backend_env *env, struct tpm_opts *opts);

/*
 * For a "device:" TCTI whose path does not exist, the description that
 * says so (and true); false for any other TCTI or a path that exists.
 */
bool tpm_opts_device_missing(const struct tpm_opts *opts, char desc[TPM_OPTS_DESC_MAX]);

/*
 * "TPM 2.0: <what> (<tcti>)", or "TPM 2.0: <what> at the configured TCTI"
 * when the TCTI string does not fit in the 64 bytes.
 */
void tpm_opts_describe(const struct tpm_opts *opts, const char *what, char desc[TPM_OPTS_DESC_MAX]);

#endif
