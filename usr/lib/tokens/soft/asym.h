/*
 * What the soft backend's asymmetric families (rsa*.c, ec*.c) share: the
 * hash functions their parameters name, mechanism parameter checks, big
 * integers and DER octet strings in attributes, the ECDSA signature
 * encodings and the value of a secret key made by unwrapping or derivation.
 */
#ifndef SOFT_ASYM_H
#define SOFT_ASYM_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "der.h"
#include "soft.h"

/* A hash function as PKCS#11 names it in the parameters of the asymmetric mechanisms. */
struct soft_hash {
	CK_MECHANISM_TYPE mech; /* CKM_SHA256 */
	CK_ULONG mgf;           /* CKG_MGF1_SHA256 */
	CK_ULONG kdf;           /* CKD_SHA256_KDF */
	const char *name;       /* OpenSSL's name */
	CK_ULONG len;           /* output bytes */
};

/* The hash with that CKM_, CKG_MGF1_ or CKD_ code; NULL when not supported. */
const struct soft_hash *soft_hash_by_mech(CK_MECHANISM_TYPE mech);
const struct soft_hash *soft_hash_by_mgf(CK_ULONG mgf);
const struct soft_hash *soft_hash_by_kdf(CK_ULONG kdf);

/*
 * The hash's EVP_MD, fetched once per process and kept, so that starting
 * an operation costs no fetch; NULL when the loaded providers lack it.
 */
const EVP_MD *soft_hash_md(const struct soft_hash *hash);

/*
 * The mechanism's parameter.  *param is NULL when the mechanism has none
 * (ulParameterLen 0, whatever pParameter holds), else it points to exactly
 * size bytes.  CKR_MECHANISM_PARAM_INVALID for a NULL pointer with a
 * length, or any length but size.
 */
CK_RV soft_asym_param(const CK_MECHANISM *mech, size_t size, const void **param);
/* CKR_OK when the mechanism has no parameter, else CKR_MECHANISM_PARAM_INVALID. */
CK_RV soft_asym_no_param(const CK_MECHANISM *mech);

/*
 * Lets go of an EVP_PKEY from soft_key_pkey() once an operation holds its
 * own reference: it is freed only when the key had no cache slot to own it.
 */
void soft_asym_pkey_release(const struct os_backend_key *key, EVP_PKEY *pkey);

/* Zeroises and frees parameters made by OSSL_PARAM_BLD_to_param() (they may hold key bytes). */
void soft_asym_params_free(OSSL_PARAM *params);

/*
 * After a failed raw RSA operation: whether OpenSSL found the input not
 * below the modulus.  Clears OpenSSL's error queue.
 */
bool soft_asym_rsa_too_large(void);

/* CKA_CLASS and CKA_KEY_TYPE of a key; false when either is missing. */
bool soft_asym_key_kind(const struct tok_attrs *attrs, CK_OBJECT_CLASS *cls, CK_KEY_TYPE *type);

/*
 * The class a key must have for an operation: CKO_PRIVATE_KEY to sign and
 * decrypt, CKO_PUBLIC_KEY to verify and encrypt.
 */
CK_OBJECT_CLASS soft_asym_class_for(enum os_backend_op kind);

/*
 * A big-endian unsigned integer attribute as a BIGNUM (freed with
 * BN_clear_free).  CKR_TEMPLATE_INCOMPLETE when absent,
 * CKR_ATTRIBUTE_VALUE_INVALID when empty.
 */
CK_RV soft_asym_attr_bn(const struct tok_attrs *attrs, CK_ATTRIBUTE_TYPE type, BIGNUM **bn);

/*
 * Sets an attribute to a BIGNUM key parameter of pkey, big-endian, left
 * padded with zeros to pad bytes (0: no padding).
 */
CK_RV soft_asym_set_bn_param(struct tok_attrs *attrs, CK_ATTRIBUTE_TYPE type, const EVP_PKEY *pkey,
                             const char *name, size_t pad);

/* Sets an attribute to the DER OCTET STRING holding body. */
CK_RV soft_asym_set_octets(struct tok_attrs *attrs, CK_ATTRIBUTE_TYPE type, const CK_BYTE *body,
                           size_t len);

/*
 * Gives a secret key made by unwrapping or derivation its value: checks
 * the length against CKA_VALUE_LEN when the template set it and against
 * the fixed lengths of AES and DES keys (CKR_TEMPLATE_INCONSISTENT), sets
 * CKA_VALUE and, for the key types that carry it, CKA_VALUE_LEN.
 */
CK_RV soft_asym_set_secret(struct tok_attrs *key, const CK_BYTE *value, CK_ULONG len);

/*
 * The length a derived secret key asks for: CKA_VALUE_LEN, else the fixed
 * length of its key type, else 0 (the caller's natural length).
 */
CK_ULONG soft_asym_secret_len(const struct tok_attrs *key);

#endif
