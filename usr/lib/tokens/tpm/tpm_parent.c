/*
 * The token's storage key and its salted session (see tpm_parent.h).
 */
#include "tpm_parent.h"

#include <stdio.h>
#include <string.h>

static const TPM2B_PUBLIC parent_template = {
    .publicArea =
        {
            .type = TPM2_ALG_ECC,
            .nameAlg = TPM2_ALG_SHA256,
            .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
            .parameters.eccDetail =
                {
                    .symmetric = {.algorithm = TPM2_ALG_AES,
                                  .keyBits.aes = 128,
                                  .mode.aes = TPM2_ALG_CFB},
                    .scheme = {.scheme = TPM2_ALG_NULL},
                    .curveID = TPM2_ECC_NIST_P256,
                    .kdf = {.scheme = TPM2_ALG_NULL},
                },
        },
};

static CK_RV parent_primary(struct tpm_conn *c, ESYS_TR *primary)
{
	TPM2B_SENSITIVE_CREATE sensitive;
	TPM2B_DATA outside;
	TPML_PCR_SELECTION pcrs;
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_CREATION_DATA *data = NULL;
	TPM2B_DIGEST *hash = NULL;
	TPMT_TK_CREATION *ticket = NULL;
	TSS2_RC rc;

	memset(&sensitive, 0, sizeof(sensitive));
	memset(&outside, 0, sizeof(outside));
	memset(&pcrs, 0, sizeof(pcrs));
	rc = Esys_CreatePrimary(c->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                        ESYS_TR_NONE, &sensitive, &parent_template, &outside, &pcrs,
	                        primary, &pub, &data, &hash, &ticket);
	Esys_Free(pub);
	Esys_Free(data);
	Esys_Free(hash);
	Esys_Free(ticket);
	return tpm_conn_rv(rc);
}

static CK_RV parent_session(struct tpm_conn *c, ESYS_TR primary, ESYS_TR *session)
{
	const TPMT_SYM_DEF sym = {
	    .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB};
	const TPMA_SESSION attrs =
	    TPMA_SESSION_DECRYPT | TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION;
	TSS2_RC rc;

	rc =
	    Esys_StartAuthSession(c->esys, primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                          ESYS_TR_NONE, NULL, TPM2_SE_HMAC, &sym, TPM2_ALG_SHA256, session);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_TRSess_SetAttributes(c->esys, *session, attrs, 0xff);
	return tpm_conn_rv(rc);
}

static CK_RV parent_persistent(struct tpm_conn *c, uint32_t handle, ESYS_TR *primary)
{
	return tpm_conn_rv(Esys_TR_FromTPMPublic(c->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
	                                         ESYS_TR_NONE, primary));
}

CK_RV tpm_parent_check(struct tpm_conn *c, const struct tpm_opts *opts,
                       char desc[TPM_OPTS_DESC_MAX])
{
	const TPMA_OBJECT need = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	ESYS_TR h = ESYS_TR_NONE;
	TPM2B_PUBLIC *pub = NULL;
	CK_RV rv = parent_persistent(c, opts->parent, &h);
	const TPMT_PUBLIC *a;

	if (rv == CKR_OK)
		rv = tpm_conn_rv(Esys_ReadPublic(c->esys, h, ESYS_TR_NONE, ESYS_TR_NONE,
		                                 ESYS_TR_NONE, &pub, NULL, NULL));
	if (h != ESYS_TR_NONE)
		Esys_TR_Close(c->esys, &h);
	if (rv != CKR_OK) {
		snprintf(desc, TPM_OPTS_DESC_MAX, "TPM 2.0: no key at tpm-parent 0x%08x",
		         (unsigned)opts->parent);
		return rv;
	}
	a = &pub->publicArea;
	if ((a->type != TPM2_ALG_RSA && a->type != TPM2_ALG_ECC) ||
	    (a->objectAttributes & need) != need ||
	    (a->objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT) != 0) {
		snprintf(desc, TPM_OPTS_DESC_MAX, "TPM 2.0: tpm-parent 0x%08x is not a storage key",
		         (unsigned)opts->parent);
		rv = CKR_DEVICE_ERROR;
	}
	Esys_Free(pub);
	return rv;
}

CK_RV tpm_parent_open(struct tpm_conn *c, const struct tpm_opts *opts, struct tpm_parent *p)
{
	CK_RV rv;

	p->primary = ESYS_TR_NONE;
	p->session = ESYS_TR_NONE;
	p->persistent = opts->parent != 0;
	if (p->persistent)
		rv = parent_persistent(c, opts->parent, &p->primary);
	else
		rv = parent_primary(c, &p->primary);
	if (rv == CKR_OK)
		rv = parent_session(c, p->primary, &p->session);
	if (rv != CKR_OK)
		tpm_parent_close(c, p);
	return rv;
}

void tpm_parent_close(struct tpm_conn *c, struct tpm_parent *p)
{
	tpm_conn_flush(c, &p->session);
	if (p->persistent && p->primary != ESYS_TR_NONE)
		Esys_TR_Close(c->esys, &p->primary);
	tpm_conn_flush(c, &p->primary);
}
