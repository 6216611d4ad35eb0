/*
 * CKM_SP800_108_COUNTER_KDF of the soft backend, through OpenSSL's "KBKDF"
 * in counter mode.
 *
 * OpenSSL computes each block as PRF(K, [i]_32 || Label || [0x00] ||
 * Context || [L]_32), the separator and L each optional, i and L 32-bit
 * big-endian, L the output length in bits.  The PKCS#11 data parameters
 * describe the PRF input field by field; those that map exactly onto that
 * layout are taken, with every byte array joined into the label:
 *
 *   CK_SP800_108_ITERATION_VARIABLE   first, 32 bits, big-endian
 *   CK_SP800_108_BYTE_ARRAY           any number, each non-empty
 *   CK_SP800_108_DKM_LENGTH           at most one, last, 32 bits,
 *                                     big-endian, SUM_OF_KEYS (or
 *                                     SUM_OF_SEGMENTS when the length is
 *                                     a whole number of PRF outputs)
 *
 * Any other shape (a counter elsewhere or of another width, little-endian
 * fields, CK_SP800_108_OPTIONAL_COUNTER, additional derived keys) is
 * CKR_MECHANISM_PARAM_INVALID.  The PRF is HMAC with SHA-1, a SHA-2 or a
 * SHA-3 hash (CKM_<hash>_HMAC), over a secret key of any type, or
 * CKM_AES_CMAC over an AES key.
 */
#include "kdf.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "digest.h"
#include "fetch.h"
#include "secret.h"

/* What the data parameters come to. */
struct kdf_kbkdf_input {
	CK_BYTE *label; /* the byte arrays, joined (malloc'ed) */
	size_t label_len;
	bool use_l;
	CK_ULONG dkm_method;
};

/* Whether a field format is the one OpenSSL writes: 32 bits, big-endian. */
static bool kdf_kbkdf_width_ok(CK_BBOOL little, CK_ULONG bits)
{
	return !little && bits == 32;
}

static CK_RV kdf_kbkdf_counter(const CK_PRF_DATA_PARAM *d)
{
	const CK_SP800_108_COUNTER_FORMAT *f = d->pValue;

	if (d->type != CK_SP800_108_ITERATION_VARIABLE || !f || d->ulValueLen != sizeof(*f) ||
	    !kdf_kbkdf_width_ok(f->bLittleEndian, f->ulWidthInBits))
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

static CK_RV kdf_kbkdf_dkm(const CK_PRF_DATA_PARAM *d, struct kdf_kbkdf_input *in)
{
	const CK_SP800_108_DKM_LENGTH_FORMAT *f = d->pValue;

	if (!f || d->ulValueLen != sizeof(*f) ||
	    !kdf_kbkdf_width_ok(f->bLittleEndian, f->ulWidthInBits) ||
	    (f->dkmLengthMethod != CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS &&
	     f->dkmLengthMethod != CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS))
		return CKR_MECHANISM_PARAM_INVALID;
	in->use_l = true;
	in->dkm_method = f->dkmLengthMethod;
	return CKR_OK;
}

/* Joins the byte arrays into the label; the DKM length may only come last. */
static CK_RV kdf_kbkdf_fields(const CK_PRF_DATA_PARAM *d, CK_ULONG n, struct kdf_kbkdf_input *in)
{
	size_t total = 0;
	CK_RV rv = CKR_OK;

	for (CK_ULONG i = 1; i < n; i++) {
		if (d[i].type == CK_SP800_108_BYTE_ARRAY && d[i].pValue && d[i].ulValueLen &&
		    d[i].ulValueLen <= TOK_ATTRS_MAX_VALUE - total)
			total += d[i].ulValueLen;
		else if (d[i].type == CK_SP800_108_DKM_LENGTH && i == n - 1)
			rv = kdf_kbkdf_dkm(&d[i], in);
		else
			return CKR_MECHANISM_PARAM_INVALID;
	}
	if (rv != CKR_OK || total == 0)
		return rv;
	in->label = malloc(total);
	if (!in->label)
		return CKR_HOST_MEMORY;
	for (CK_ULONG i = 1; i < n; i++)
		if (d[i].type == CK_SP800_108_BYTE_ARRAY) {
			memcpy(in->label + in->label_len, d[i].pValue, d[i].ulValueLen);
			in->label_len += d[i].ulValueLen;
		}
	return CKR_OK;
}

static CK_RV kdf_kbkdf_params(const CK_MECHANISM *mech, const CK_SP800_108_KDF_PARAMS **p,
                              struct kdf_kbkdf_input *in)
{
	CK_RV rv = soft_secret_param(mech, sizeof(**p), (const void **)p);

	if (rv != CKR_OK)
		return rv;
	if ((*p)->ulAdditionalDerivedKeys || (*p)->pAdditionalDerivedKeys ||
	    (*p)->ulNumberOfDataParams == 0 || !(*p)->pDataParams)
		return CKR_MECHANISM_PARAM_INVALID;
	rv = kdf_kbkdf_counter(&(*p)->pDataParams[0]);
	if (rv == CKR_OK)
		rv = kdf_kbkdf_fields((*p)->pDataParams, (*p)->ulNumberOfDataParams, in);
	return rv;
}

/*
 * The PRF: mac and its digest or cipher name, checked against the base
 * key; *block is the PRF's output size.
 */
static CK_RV kdf_kbkdf_prf(CK_MECHANISM_TYPE prf, CK_KEY_TYPE type, CK_ULONG keylen,
                           const char **mac, const char **alg, CK_ULONG *block)
{
	const struct soft_digest_info *d = soft_digest_find(prf);

	if (d && d->hmac == prf) {
		*mac = "HMAC";
		*alg = soft_fetch_md_name(d->md);
		*block = d->size;
		return CKR_OK;
	}
	if (prf != CKM_AES_CMAC)
		return CKR_MECHANISM_PARAM_INVALID;
	if (type != CKK_AES)
		return CKR_KEY_TYPE_INCONSISTENT;
	*mac = "CMAC";
	*alg = soft_fetch_aes_name(SOFT_AES_CBC, keylen);
	*block = 16;
	return *alg ? CKR_OK : CKR_KEY_SIZE_RANGE;
}

static CK_RV kdf_kbkdf_run(const char *mac, const char *alg, const CK_BYTE *k, CK_ULONG klen,
                           const struct kdf_kbkdf_input *in, CK_BYTE *out, CK_ULONG len)
{
	OSSL_PARAM params[8], *q = params;
	int use_l = in->use_l, sep = 0;
	bool cmac = strcmp(mac, "CMAC") == 0;

	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, "counter", 0);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, (char *)mac, 0);
	*q++ = OSSL_PARAM_construct_utf8_string(
	    cmac ? OSSL_KDF_PARAM_CIPHER : OSSL_KDF_PARAM_DIGEST, (char *)alg, 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)k, klen);
	if (in->label_len)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, in->label,
		                                         in->label_len);
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_L, &use_l);
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, &sep);
	*q = OSSL_PARAM_construct_end();
	return soft_kdf_run(SOFT_KDF_KBKDF, params, out, len);
}

CK_RV soft_kdf_kbkdf_derive(const CK_MECHANISM *mech, const struct os_backend_key *base,
                            struct tok_attrs *key)
{
	const CK_SP800_108_KDF_PARAMS *p;
	struct kdf_kbkdf_input in = {0};
	const char *mac, *alg;
	const CK_BYTE *k;
	CK_ULONG klen, block, len = 0;
	CK_KEY_TYPE type;
	CK_BYTE out[SOFT_KDF_OUT_MAX];
	CK_RV rv = kdf_kbkdf_params(mech, &p, &in);

	if (rv == CKR_OK)
		rv = soft_secret_get(base->attrs, &type, &k, &klen);
	if (rv == CKR_OK)
		rv = kdf_kbkdf_prf(p->prfType, type, klen, &mac, &alg, &block);
	if (rv == CKR_OK)
		rv = soft_kdf_out_len(key, 0, &len);
	if (rv == CKR_OK && in.use_l && in.dkm_method == CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS &&
	    len % block)
		rv = CKR_MECHANISM_PARAM_INVALID;
	if (rv == CKR_OK)
		rv = kdf_kbkdf_run(mac, alg, k, klen, &in, out, len);
	if (rv == CKR_OK)
		rv = soft_kdf_set_value(key, out, len);
	OPENSSL_cleanse(out, sizeof(out));
	free(in.label);
	return rv;
}
