/*
 * The TPM's dictionary-attack state as PIN flags (see tpm_lockout.h).
 */
#include "tpm_lockout.h"

#include <string.h>

/* TPM_PT_PERMANENT .. TPM_PT_MAX_AUTH_FAIL in one answer. */
#define LOCKOUT_FIRST TPM2_PT_PERMANENT
#define LOCKOUT_COUNT (TPM2_PT_MAX_AUTH_FAIL - TPM2_PT_PERMANENT + 1)

CK_RV tpm_lockout_read(struct tpm_conn *c, struct tpm_lockout *out)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	TPMI_YES_NO more;
	bool have_counter = false, have_max = false, have_perm = false;
	TSS2_RC rc;

	memset(out, 0, sizeof(*out));
	rc =
	    Esys_GetCapability(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                       TPM2_CAP_TPM_PROPERTIES, LOCKOUT_FIRST, LOCKOUT_COUNT, &more, &data);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_conn_rv(rc);
	const TPML_TAGGED_TPM_PROPERTY *props = &data->data.tpmProperties;
	for (UINT32 i = 0; i < props->count && i < TPM2_MAX_TPM_PROPERTIES; i++) {
		const TPMS_TAGGED_PROPERTY *p = &props->tpmProperty[i];
		if (p->property == TPM2_PT_PERMANENT) {
			out->in_lockout = p->value & TPMA_PERMANENT_INLOCKOUT;
			have_perm = true;
		} else if (p->property == TPM2_PT_LOCKOUT_COUNTER) {
			out->counter = p->value;
			have_counter = true;
		} else if (p->property == TPM2_PT_MAX_AUTH_FAIL) {
			out->max = p->value;
			have_max = true;
		}
	}
	Esys_Free(data);
	return have_perm && have_counter && have_max ? CKR_OK : CKR_DEVICE_ERROR;
}

static CK_FLAGS lockout_role(const struct tpm_lockout *l, CK_FLAGS low, CK_FLAGS final,
                             CK_FLAGS locked)
{
	CK_FLAGS flags = 0;

	if (l->in_lockout || (l->max > 0 && l->counter >= l->max))
		return locked;
	if (l->counter > 0)
		flags |= low;
	if (l->max > 0 && l->counter + 1 == l->max)
		flags |= final;
	return flags;
}

CK_FLAGS tpm_lockout_flags(const struct tpm_lockout *l, CK_FLAGS flags)
{
	flags &= ~(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED |
	           CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED);
	if (flags & CKF_USER_PIN_INITIALIZED)
		flags |= lockout_role(l, CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY,
		                      CKF_USER_PIN_LOCKED);
	if (flags & CKF_TOKEN_INITIALIZED)
		flags |=
		    lockout_role(l, CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED);
	return flags;
}
