/*
 * Key derivation functions of the soft backend, each one of OpenSSL 3's
 * EVP_KDF algorithms: HKDF (CKM_HKDF_DERIVE, CKM_HKDF_DATA, and
 * CKM_HKDF_KEY_GEN for its keys; kdf.c), PKCS #5 PBKDF2 (CKM_PKCS5_PBKD2;
 * kdf_pbkdf2.c), the SP 800-108 counter-mode KDF (CKM_SP800_108_COUNTER_KDF;
 * kdf_kbkdf.c) and the ANSI X9.63 KDF that ECDH applies for CKD_<hash>_KDF.
 */
#ifndef SOFT_KDF_H
#define SOFT_KDF_H

#include "soft.h"

/* Longest output any of these mechanisms produces, in bytes. */
#define SOFT_KDF_OUT_MAX 1024

enum soft_kdf {
	SOFT_KDF_HKDF,
	SOFT_KDF_PBKDF2,
	SOFT_KDF_KBKDF,
	SOFT_KDF_X963,
	SOFT_KDF_COUNT,
};

/* The table of the KDF family (ends with type CK_UNAVAILABLE_INFORMATION). */
extern const struct soft_mech soft_kdf_mechs[];

/*
 * Runs the KDF (fetched once per process) with params into out[len]:
 * CKR_OK, or CKR_FUNCTION_FAILED with OpenSSL's error queue cleared.
 */
CK_RV soft_kdf_run(enum soft_kdf kdf, const OSSL_PARAM *params, CK_BYTE *out, size_t len);

/*
 * ANSI X9.63 KDF: len bytes of Hash(z || counter || info) for counter 1,
 * 2, ...; digest is OpenSSL's name of the hash.
 */
CK_RV soft_kdf_x963(const char *digest, const CK_BYTE *z, size_t zlen, const CK_BYTE *info,
                    size_t infolen, CK_BYTE *out, size_t len);

/*
 * The length of the value a KDF makes for the new object: its
 * CKA_VALUE_LEN when the template gave one, else the key type's fixed
 * length (DES keys), else dflt.  CKR_TEMPLATE_INCOMPLETE when none of the
 * three gives a length, CKR_TEMPLATE_INCONSISTENT for a CKA_VALUE_LEN of 0
 * or a length of more than SOFT_KDF_OUT_MAX.
 */
CK_RV soft_kdf_out_len(const struct tok_attrs *obj, CK_ULONG dflt, CK_ULONG *len);

/*
 * Sets the KDF's output as the new object's value: CKA_VALUE of a data
 * object as it is; for a secret key also CKA_VALUE_LEN, after checking the
 * length against the key type (CKR_TEMPLATE_INCONSISTENT).
 */
CK_RV soft_kdf_set_value(struct tok_attrs *obj, const CK_BYTE *val, CK_ULONG len);

/* CKM_PKCS5_PBKD2 (kdf_pbkdf2.c): struct soft_mech.generate. */
CK_RV soft_kdf_pbkdf2_generate(const CK_MECHANISM *mech, struct tok_attrs *key);

/* CKM_SP800_108_COUNTER_KDF (kdf_kbkdf.c): struct soft_mech.derive. */
CK_RV soft_kdf_kbkdf_derive(const CK_MECHANISM *mech, const struct os_backend_key *base,
                            struct tok_attrs *key);

#endif
