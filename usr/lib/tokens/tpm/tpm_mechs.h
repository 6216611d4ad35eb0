/*
 * The mechanisms of the TPM token: each row names what the TPM must
 * implement for it (algorithms from TPM2_GetCapability, a curve, a
 * command), so that
 * the list a slot shows is what its TPM can do and this backend does.
 */
#ifndef TPM_MECHS_H
#define TPM_MECHS_H

#include "tpm_caps.h"

#define TPM_MECHS_MAX 64

struct tpm_mechs {
	CK_MECHANISM_TYPE type[TPM_MECHS_MAX];
	CK_MECHANISM_INFO info[TPM_MECHS_MAX];
	size_t n;
};

/* The rows of the table whose needs caps meets, in the table's order. */
void tpm_mechs_select(const struct tpm_caps *caps, struct tpm_mechs *out);

/* Size-query convention of C_GetMechanismList. */
CK_RV tpm_mechs_list(const struct tpm_mechs *m, CK_MECHANISM_TYPE *list, CK_ULONG *count);
CK_RV tpm_mechs_info(const struct tpm_mechs *m, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);

#endif
