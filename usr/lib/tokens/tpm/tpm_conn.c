/*
 * Connections to a TPM 2.0 through tpm2-tss (see tpm_conn.h).
 */
#include "tpm_conn.h"

#include <string.h>

#include <tss2/tss2_sys.h>
#include <tss2/tss2_tctildr.h>

#include "tpm_swtpm.h"

CK_RV tpm_conn_rv(TSS2_RC rc)
{
	if (rc == TSS2_RC_SUCCESS)
		return CKR_OK;
	if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER)
		return CKR_DEVICE_ERROR;
	switch (rc & 0xffffu) {
	case TSS2_BASE_RC_NO_CONNECTION:
	case TSS2_BASE_RC_IO_ERROR:
		return CKR_DEVICE_REMOVED;
	case TSS2_BASE_RC_MEMORY:
		return CKR_HOST_MEMORY;
	default:
		return CKR_DEVICE_ERROR;
	}
}

CK_RV tpm_conn_open(const struct tpm_opts *opts, struct tpm_conn *c)
{
	TSS2_RC rc;

	memset(c, 0, sizeof(*c));
	CK_RV rv = tpm_swtpm_check(opts);
	if (rv != CKR_OK)
		return rv;
	rc = Tss2_TctiLdr_Initialize(opts->tcti, &c->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		c->tcti = NULL;
		return rc == TSS2_BASE_RC_MEMORY ? CKR_HOST_MEMORY : CKR_DEVICE_REMOVED;
	}
	rc = Esys_Initialize(&c->esys, c->tcti, NULL);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_SetTimeout(c->esys, opts->timeout_ms);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_conn_close(c);
		return tpm_conn_rv(rc);
	}
	return CKR_OK;
}

void tpm_conn_close(struct tpm_conn *c)
{
	if (c->esys != NULL)
		Esys_Finalize(&c->esys);
	if (c->tcti != NULL)
		Tss2_TctiLdr_Finalize(&c->tcti);
	c->esys = NULL;
	c->tcti = NULL;
}

CK_RV tpm_conn_startup(struct tpm_conn *c)
{
	TSS2_RC rc = Esys_Startup(c->esys, TPM2_SU_CLEAR);

	/*
	 * TPM_RC_INITIALIZE: already started.  A resource manager may refuse
	 * the command with another TPM-layer code; the TPM answered, and the
	 * commands that follow tell whether it works.
	 */
	if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER)
		return CKR_OK;
	return tpm_conn_rv(rc);
}

CK_RV tpm_conn_random(struct tpm_conn *c, CK_BYTE *out, CK_ULONG len)
{
	while (len > 0) {
		TPM2B_DIGEST *bytes = NULL;
		UINT16 want = len > sizeof(bytes->buffer) ? sizeof(bytes->buffer) : (UINT16)len;
		TSS2_RC rc =
		    Esys_GetRandom(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, want, &bytes);

		if (rc != TSS2_RC_SUCCESS)
			return tpm_conn_rv(rc);
		/* A TPM may return fewer bytes than asked, never more. */
		if (bytes->size == 0 || bytes->size > want) {
			Esys_Free(bytes);
			return CKR_DEVICE_ERROR;
		}
		memcpy(out, bytes->buffer, bytes->size);
		out += bytes->size;
		len -= bytes->size;
		Esys_Free(bytes);
	}
	return CKR_OK;
}

/*
 * Handle types (the top byte of a handle), as unsigned numbers: tpm2-tss's
 * TPM2_HR_* macros shift a signed 0x80 into the sign bit.
 */
#define CONN_HT_HMAC_SESSION   0x02u
#define CONN_HT_POLICY_SESSION 0x03u
#define CONN_HT_TRANSIENT      0x80u

/* Flushes every handle GetCapability(HANDLES) lists from first on. */
static CK_RV conn_flush_range(struct tpm_conn *c, TSS2_SYS_CONTEXT *sys, TPM2_HC first)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	TPMI_YES_NO more = TPM2_NO;
	TSS2_RC rc;

	rc = Esys_GetCapability(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
	                        first, TPM2_MAX_CAP_HANDLES, &more, &data);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_conn_rv(rc);
	for (UINT32 i = 0; i < data->data.handles.count && i < TPM2_MAX_CAP_HANDLES; i++) {
		TPM2_HANDLE h = data->data.handles.handle[i];
		uint32_t type = h >> 24;
		/* transient objects, HMAC and policy sessions: nothing else is flushed */
		if (type == CONN_HT_TRANSIENT || type == CONN_HT_HMAC_SESSION ||
		    type == CONN_HT_POLICY_SESSION)
			Tss2_Sys_FlushContext(sys, h);
	}
	Esys_Free(data);
	return CKR_OK;
}

CK_RV tpm_conn_flush_leftovers(struct tpm_conn *c)
{
	/* the first transient object, loaded session and saved session */
	static const TPM2_HC ranges[] = {CONN_HT_TRANSIENT << 24, CONN_HT_HMAC_SESSION << 24,
	                                 CONN_HT_POLICY_SESSION << 24};
	TSS2_SYS_CONTEXT *sys = NULL;
	CK_RV rv = tpm_conn_rv(Esys_GetSysContext(c->esys, &sys));

	for (size_t i = 0; rv == CKR_OK && i < sizeof(ranges) / sizeof(ranges[0]); i++)
		rv = conn_flush_range(c, sys, ranges[i]);
	return rv;
}

void tpm_conn_flush(struct tpm_conn *c, ESYS_TR *handle)
{
	if (*handle == ESYS_TR_NONE)
		return;
	Esys_FlushContext(c->esys, *handle);
	*handle = ESYS_TR_NONE;
}
