/*
 * Secrets sealed under the token's storage key (see tpm_seal.h).
 */
#include "tpm_seal.h"

#include <string.h>

#include <openssl/crypto.h>

/* The attributes of a sealed object: user auth, bound to this TPM and parent, DA-protected. */
#define SEAL_ATTRS (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_USERWITHAUTH)

static void seal_template(TPM2B_PUBLIC *t)
{
	memset(t, 0, sizeof(*t));
	t->publicArea.type = TPM2_ALG_KEYEDHASH;
	t->publicArea.nameAlg = TPM2_ALG_SHA256;
	t->publicArea.objectAttributes = SEAL_ATTRS;
	t->publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
}

CK_RV tpm_seal_create(struct tpm_conn *c, const struct tpm_parent *p, const TPM2B_AUTH *auth,
                      const uint8_t *secret, size_t len, TPM2B_PUBLIC **pub, TPM2B_PRIVATE **priv)
{
	TPM2B_SENSITIVE_CREATE sensitive;
	TPM2B_PUBLIC t;
	TPM2B_DATA outside;
	TPML_PCR_SELECTION pcrs;
	TPM2B_CREATION_DATA *data = NULL;
	TPM2B_DIGEST *hash = NULL;
	TPMT_TK_CREATION *ticket = NULL;
	TSS2_RC rc;

	*pub = NULL;
	*priv = NULL;
	if (len == 0 || len > sizeof(sensitive.sensitive.data.buffer))
		return CKR_ARGUMENTS_BAD;
	memset(&sensitive, 0, sizeof(sensitive));
	memset(&outside, 0, sizeof(outside));
	memset(&pcrs, 0, sizeof(pcrs));
	seal_template(&t);
	sensitive.sensitive.userAuth = *auth;
	sensitive.sensitive.data.size = (UINT16)len;
	memcpy(sensitive.sensitive.data.buffer, secret, len);
	rc = Esys_Create(c->esys, p->primary, p->session, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
	                 &t, &outside, &pcrs, priv, pub, &data, &hash, &ticket);
	OPENSSL_cleanse(&sensitive, sizeof(sensitive));
	Esys_Free(data);
	Esys_Free(hash);
	Esys_Free(ticket);
	return tpm_conn_rv(rc);
}

/* The PKCS#11 result of TPM2_Unseal's answer. */
static CK_RV seal_unseal_rv(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER) {
		if (rc == TPM2_RC_LOCKOUT)
			return CKR_PIN_LOCKED;
		/* Format 1 codes carry the session's number in the upper bits. */
		if ((rc & TPM2_RC_FMT1) && (rc & 0x3fu) == (TPM2_RC_AUTH_FAIL & 0x3fu))
			return CKR_PIN_INCORRECT;
	}
	return tpm_conn_rv(rc);
}

/* Whether an object is a sealed object of len bytes as tpm_seal_create makes. */
static bool seal_is_ours(const TPM2B_PUBLIC *pub)
{
	const TPMT_PUBLIC *a = &pub->publicArea;

	return a->type == TPM2_ALG_KEYEDHASH && a->nameAlg == TPM2_ALG_SHA256 &&
	       a->objectAttributes == SEAL_ATTRS &&
	       a->parameters.keyedHashDetail.scheme.scheme == TPM2_ALG_NULL;
}

static CK_RV seal_unseal(struct tpm_conn *c, const struct tpm_parent *p, ESYS_TR obj,
                         uint8_t *secret, size_t len)
{
	/* TPM2_Unseal has no command parameter to encrypt: the answer only. */
	const TPMA_SESSION attrs = TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION;
	TPM2B_SENSITIVE_DATA *out = NULL;
	TSS2_RC rc;
	CK_RV rv;

	rc = Esys_TRSess_SetAttributes(c->esys, p->session, attrs, 0xff);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_Unseal(c->esys, obj, p->session, ESYS_TR_NONE, ESYS_TR_NONE, &out);
	rv = seal_unseal_rv(rc);
	if (rv == CKR_OK && out->size != len)
		rv = CKR_DATA_INVALID;
	if (rv == CKR_OK)
		memcpy(secret, out->buffer, len);
	if (out != NULL)
		OPENSSL_cleanse(out, sizeof(*out));
	Esys_Free(out);
	return rv;
}

CK_RV tpm_seal_open(struct tpm_conn *c, const struct tpm_parent *p, const TPM2B_AUTH *auth,
                    const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv, uint8_t *secret, size_t len)
{
	ESYS_TR obj = ESYS_TR_NONE;
	CK_RV rv;

	if (!seal_is_ours(pub))
		return CKR_DATA_INVALID;
	rv = tpm_conn_rv(Esys_Load(c->esys, p->primary, p->session, ESYS_TR_NONE, ESYS_TR_NONE,
	                           priv, pub, &obj));
	if (rv == CKR_OK)
		rv = tpm_conn_rv(Esys_TR_SetAuth(c->esys, obj, auth));
	if (rv == CKR_OK)
		rv = seal_unseal(c, p, obj, secret, len);
	tpm_conn_flush(c, &obj);
	return rv;
}
