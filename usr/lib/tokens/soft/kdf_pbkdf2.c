/*
 * CKM_PKCS5_PBKD2 of the soft backend: C_GenerateKey makes a secret key
 * whose value is PKCS #5 PBKDF2 (RFC 8018) of a password, through
 * OpenSSL's "PBKDF2" KDF.
 *
 * Two parameter layouts are in use, of the same size on every ABI where a
 * CK_ULONG and a pointer are as wide: CK_PKCS5_PBKD2_PARAMS2 of 3.0 carries
 * the password length, CK_PKCS5_PBKD2_PARAMS of 2.40 a pointer to it.  The
 * last field is read as a length when it is at most KDF_PASSWORD_MAX and as
 * a pointer from KDF_POINTER_MIN on: Linux maps nothing below 64 KiB
 * (vm.mmap_min_addr), so no valid pointer is taken for a length, and a
 * value between the two is refused.  A longer password given by value is
 * thus refused too, or, from 64 KiB on, taken for a pointer; no password
 * is that long.  A parameter of another size is refused.
 *
 * The salt must be given (CKZ_SALT_SPECIFIED) and the pseudo-random
 * function is HMAC with SHA-1 or a SHA-2 hash (CKP_PKCS5_PBKD2_HMAC_*);
 * none takes data (pPrfData).  The key's length is its CKA_VALUE_LEN, or
 * the fixed length of its key type.  OpenSSL's SP 800-132 lower bounds are
 * off, as PKCS #5 sets none: the application chooses the iteration count.
 */
#include "kdf.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "fetch.h"
#include "secret.h"

/* The longest password, in bytes, and the lowest address a pointer may have (see above). */
#define KDF_PASSWORD_MAX 4096
#define KDF_POINTER_MIN  0x10000UL

_Static_assert(sizeof(CK_PKCS5_PBKD2_PARAMS) == sizeof(CK_PKCS5_PBKD2_PARAMS2),
               "the two PBKDF2 parameter layouts are told apart by their last field");

/* The digest of a CKP_PKCS5_PBKD2_HMAC_* pseudo-random function. */
static const char *kdf_pbkdf2_digest(CK_ULONG prf)
{
	switch (prf) {
	case CKP_PKCS5_PBKD2_HMAC_SHA1:
		return soft_fetch_md_name(SOFT_MD_SHA1);
	case CKP_PKCS5_PBKD2_HMAC_SHA224:
		return soft_fetch_md_name(SOFT_MD_SHA224);
	case CKP_PKCS5_PBKD2_HMAC_SHA256:
		return soft_fetch_md_name(SOFT_MD_SHA256);
	case CKP_PKCS5_PBKD2_HMAC_SHA384:
		return soft_fetch_md_name(SOFT_MD_SHA384);
	case CKP_PKCS5_PBKD2_HMAC_SHA512:
		return soft_fetch_md_name(SOFT_MD_SHA512);
	}
	return NULL;
}

/* The password length of either layout (see the top of this file). */
static CK_RV kdf_pbkdf2_password_len(const CK_PKCS5_PBKD2_PARAMS2 *p, CK_ULONG *len)
{
	const CK_ULONG *ptr;

	if (p->ulPasswordLen <= KDF_PASSWORD_MAX) {
		*len = p->ulPasswordLen;
		return CKR_OK;
	}
	if (p->ulPasswordLen < KDF_POINTER_MIN)
		return CKR_MECHANISM_PARAM_INVALID;
	ptr = ((const CK_PKCS5_PBKD2_PARAMS *)p)->ulPasswordLen;
	if (*ptr > KDF_PASSWORD_MAX)
		return CKR_MECHANISM_PARAM_INVALID;
	*len = *ptr;
	return CKR_OK;
}

/* Checks the parameters; *digest is the PRF's hash, *pwlen the password length. */
static CK_RV kdf_pbkdf2_params(const CK_MECHANISM *mech, const CK_PKCS5_PBKD2_PARAMS2 **p,
                               const char **digest, CK_ULONG *pwlen)
{
	CK_RV rv = soft_secret_param(mech, sizeof(**p), (const void **)p);

	if (rv != CKR_OK)
		return rv;
	rv = kdf_pbkdf2_password_len(*p, pwlen);
	if (rv != CKR_OK)
		return rv;
	if ((*p)->saltSource != CKZ_SALT_SPECIFIED || !(*p)->pSaltSourceData ||
	    (*p)->ulSaltSourceDataLen == 0 || (*p)->ulSaltSourceDataLen > TOK_ATTRS_MAX_VALUE ||
	    (*p)->iterations == 0 || (*p)->iterations > UINT32_MAX || (*p)->pPrfData ||
	    (*p)->ulPrfDataLen || (*pwlen && !(*p)->pPassword))
		return CKR_MECHANISM_PARAM_INVALID;
	*digest = kdf_pbkdf2_digest((*p)->prf);
	return *digest ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}

CK_RV soft_kdf_pbkdf2_generate(const CK_MECHANISM *mech, struct tok_attrs *key)
{
	const CK_PKCS5_PBKD2_PARAMS2 *p;
	const char *digest;
	CK_ULONG pwlen, len;
	CK_BYTE out[SOFT_KDF_OUT_MAX];
	OSSL_PARAM params[6], *q = params;
	unsigned int iter;
	int pkcs5 = 1;
	CK_RV rv = kdf_pbkdf2_params(mech, &p, &digest, &pwlen);

	if (rv == CKR_OK)
		rv = soft_kdf_out_len(key, 0, &len);
	if (rv != CKR_OK)
		return rv;
	iter = (unsigned int)p->iterations;
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	                                         pwlen ? p->pPassword : (CK_BYTE *)"", pwlen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, p->pSaltSourceData,
	                                         p->ulSaltSourceDataLen);
	*q++ = OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter);
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5);
	*q = OSSL_PARAM_construct_end();
	rv = soft_kdf_run(SOFT_KDF_PBKDF2, params, out, len);
	if (rv == CKR_OK)
		rv = soft_kdf_set_value(key, out, len);
	OPENSSL_cleanse(out, len);
	return rv;
}
