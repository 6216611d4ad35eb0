/*
 * MAC operations of the soft backend: HMAC and AES-CMAC through OpenSSL's
 * EVP_MAC, with the EVP_MAC fetched once per process.
 *
 * A general-length mechanism returns the leading bytes of the full MAC.
 * Verification recomputes the MAC and compares it in constant time; a
 * signature of another length than the MAC is CKR_SIGNATURE_LEN_RANGE
 * before any data is consumed.
 */
#include "mac.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "aes.h"
#include "digest.h"
#include "fetch.h"
#include "secret.h"

/* The longest MAC computed here (HMAC-SHA512). */
#define MAC_MAX 64

struct mac_op {
	struct soft_op base;
	EVP_MAC_CTX *ctx;
	CK_ULONG len; /* bytes returned: the full MAC or its general length */
};

static CK_RV mac_update(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                        CK_ULONG *outlen)
{
	struct mac_op *m = (struct mac_op *)op;

	if (!in && inlen)
		return CKR_ARGUMENTS_BAD;
	return EVP_MAC_update(m->ctx, in, inlen) == 1 ? CKR_OK : soft_ossl_fail();
}

/* Finishes the MAC into full (MAC_MAX bytes). */
static CK_RV mac_compute(struct mac_op *m, CK_BYTE *full)
{
	size_t n = 0;

	if (EVP_MAC_final(m->ctx, full, &n, MAC_MAX) != 1 || n < m->len)
		return soft_ossl_fail();
	return CKR_OK;
}

static CK_RV mac_sign_final(struct soft_op *op, CK_BYTE *out, CK_ULONG *outlen)
{
	struct mac_op *m = (struct mac_op *)op;
	CK_BYTE full[MAC_MAX];
	bool done;
	CK_RV rv = soft_out_check(out, outlen, m->len, &done);

	if (done)
		return rv;
	rv = mac_compute(m, full);
	if (rv == CKR_OK) {
		memcpy(out, full, m->len);
		*outlen = m->len;
	}
	OPENSSL_cleanse(full, sizeof(full));
	return rv;
}

static CK_RV mac_sign_single(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                             CK_ULONG *outlen)
{
	struct mac_op *m = (struct mac_op *)op;
	bool done;
	CK_RV rv = soft_out_check(out, outlen, m->len, &done);

	if (done)
		return rv;
	rv = mac_update(op, in, inlen, NULL, NULL);
	return rv == CKR_OK ? mac_sign_final(op, out, outlen) : rv;
}

static CK_RV mac_verify_final(struct soft_op *op, const CK_BYTE *sig, CK_ULONG siglen)
{
	struct mac_op *m = (struct mac_op *)op;
	CK_BYTE full[MAC_MAX];
	CK_RV rv;

	if (!sig && siglen)
		return CKR_ARGUMENTS_BAD;
	if (siglen != m->len)
		return CKR_SIGNATURE_LEN_RANGE;
	rv = mac_compute(m, full);
	if (rv == CKR_OK && CRYPTO_memcmp(full, sig, m->len) != 0)
		rv = CKR_SIGNATURE_INVALID;
	OPENSSL_cleanse(full, sizeof(full));
	return rv;
}

static CK_RV mac_verify(struct soft_op *op, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
                        CK_ULONG siglen)
{
	struct mac_op *m = (struct mac_op *)op;
	CK_RV rv;

	if (!sig && siglen)
		return CKR_ARGUMENTS_BAD;
	if (siglen != m->len)
		return CKR_SIGNATURE_LEN_RANGE;
	rv = mac_update(op, data, len, NULL, NULL);
	return rv == CKR_OK ? mac_verify_final(op, sig, siglen) : rv;
}

static void mac_free(struct soft_op *op)
{
	struct mac_op *m = (struct mac_op *)op;

	EVP_MAC_CTX_free(m->ctx);
	free(m);
}

static const struct soft_op_ops mac_sign_ops = {
    .single = mac_sign_single,
    .update = mac_update,
    .final = mac_sign_final,
    .free = mac_free,
};

static const struct soft_op_ops mac_verify_ops = {
    .update = mac_update,
    .verify = mac_verify,
    .verify_final = mac_verify_final,
    .free = mac_free,
};

/* Starts a MAC of len bytes keyed with key, the algorithm chosen by params. */
static CK_RV mac_start(enum os_backend_op kind, enum soft_mac which, const OSSL_PARAM *params,
                       const CK_BYTE *key, CK_ULONG keylen, CK_ULONG len, struct soft_op **op)
{
	EVP_MAC *mac = soft_fetch_mac(which);
	struct mac_op *m;

	if (kind != OS_BACKEND_OP_SIGN && kind != OS_BACKEND_OP_VERIFY)
		return CKR_MECHANISM_INVALID;
	if (!mac)
		return CKR_FUNCTION_FAILED;
	m = calloc(1, sizeof(*m));
	if (!m)
		return CKR_HOST_MEMORY;
	m->base.ops = kind == OS_BACKEND_OP_SIGN ? &mac_sign_ops : &mac_verify_ops;
	m->len = len;
	m->ctx = EVP_MAC_CTX_new(mac);
	if (!m->ctx || EVP_MAC_init(m->ctx, key, keylen, params) != 1) {
		mac_free(&m->base);
		return soft_ossl_fail();
	}
	*op = &m->base;
	return CKR_OK;
}

CK_RV soft_mac_hmac_init(const struct soft_mech *mt, enum os_backend_op kind,
                         const CK_MECHANISM *mech, const struct os_backend_key *key,
                         struct soft_op **op)
{
	const struct soft_digest_info *info = soft_digest_find(mt->type);
	OSSL_PARAM params[2];
	const CK_BYTE *val;
	CK_KEY_TYPE type;
	CK_ULONG len, vlen;
	CK_RV rv;

	if (!info)
		return CKR_MECHANISM_INVALID;
	rv = soft_secret_mac_len(mech, mt->type == info->hmac_general, info->size, &len);
	if (rv != CKR_OK)
		return rv;
	rv = soft_secret_get(key ? key->attrs : NULL, &type, &val, &vlen);
	if (rv != CKR_OK)
		return rv;
	if (type != CKK_GENERIC_SECRET && type != info->hmac_key)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (vlen > SOFT_SECRET_MAX)
		return CKR_KEY_SIZE_RANGE;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	                                             (char *)soft_fetch_md_name(info->md), 0);
	params[1] = OSSL_PARAM_construct_end();
	return mac_start(kind, SOFT_MAC_HMAC, params, val, vlen, len, op);
}

CK_RV soft_mac_cmac_init(const struct soft_mech *mt, enum os_backend_op kind,
                         const CK_MECHANISM *mech, const struct os_backend_key *key,
                         struct soft_op **op)
{
	OSSL_PARAM params[2];
	const CK_BYTE *val;
	CK_ULONG len, vlen;
	CK_RV rv;

	rv = soft_secret_mac_len(mech, mt->type == CKM_AES_CMAC_GENERAL, 16, &len);
	if (rv != CKR_OK)
		return rv;
	rv = soft_aes_key(key, &val, &vlen);
	if (rv != CKR_OK)
		return rv;
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_MAC_PARAM_CIPHER, (char *)soft_fetch_aes_name(SOFT_AES_CBC, vlen), 0);
	params[1] = OSSL_PARAM_construct_end();
	return mac_start(kind, SOFT_MAC_CMAC, params, val, vlen, len, op);
}
