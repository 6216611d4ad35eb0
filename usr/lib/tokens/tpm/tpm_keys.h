/*
 * Keys made inside the TPM: RSA and ECC key pairs created under the
 * token's storage key (tpm_parent.h).  The private key object carries the
 * key as the TPM returned it, its TPM2B_PUBLIC and its TPM2B_PRIVATE
 * (wrapped by the TPM under the storage key) in two vendor attributes;
 * the object store keeps them like any other attribute.  Such a key is
 * sensitive, always sensitive, never extractable, whatever the template
 * said.  Its TPM auth value is empty today; the blob is only usable on the
 * TPM that made it.
 */
#ifndef TPM_KEYS_H
#define TPM_KEYS_H

#include "tpm.h"

/* Vendor attributes of a TPM key's private object. */
#define TPM_KEYS_CKA_PUBLIC  (CKA_VENDOR_DEFINED | 0x4f535401UL)
#define TPM_KEYS_CKA_PRIVATE (CKA_VENDOR_DEFINED | 0x4f535402UL)

/*
 * The ECC curves the token offers.  CKA_EC_PARAMS names one by the DER of
 * its OBJECT IDENTIFIER (tpm_der.h), whose NID is nid.
 */
struct tpm_keys_curve {
	TPM2_ECC_CURVE id;
	int nid;
	size_t bytes; /* of a coordinate and of the order */
	TPM2_ALG_ID hash;
	const char *ossl_name;
};

const struct tpm_keys_curve *tpm_keys_curve_by_id(TPM2_ECC_CURVE id);
/* The curve named by a key's CKA_EC_PARAMS, or NULL. */
const struct tpm_keys_curve *tpm_keys_curve_by_params(const struct tok_attrs *a);

/* The generate_key_pair entry: CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_EC_KEY_PAIR_GEN. */
CK_RV tpm_keys_generate_pair(void *ctx, const CK_MECHANISM *mech, struct tok_attrs *pub,
                             struct tok_attrs *priv);

/*
 * TPM2_Create of the template under the call's parent, with the token's
 * key auth as the new key's auth value; *pub and *priv are the TPM's, to
 * Esys_Free.
 */
struct tpm_call;
CK_RV tpm_keys_create(struct tpm_call *call, const TPM2B_PUBLIC *t, TPM2B_PUBLIC **pub,
                      TPM2B_PRIVATE **priv);

/*
 * tpm_keys_create with the key's value given (a secret key imported in
 * clear: the template leaves TPMA_OBJECT_SENSITIVEDATAORIGIN clear); NULL
 * lets the TPM make it.
 */
CK_RV tpm_keys_create_value(struct tpm_call *call, const TPM2B_PUBLIC *t,
                            const TPM2B_SENSITIVE_DATA *value, TPM2B_PUBLIC **pub,
                            TPM2B_PRIVATE **priv);

/*
 * Sets the key blobs (the two vendor attributes) on a key object and marks
 * it sensitive, always sensitive, not extractable, never extractable.
 */
CK_RV tpm_keys_private_attrs(const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv,
                             struct tok_attrs *out);

/*
 * Loads a key object's blobs under the parent (its session authorises the
 * load).  CKR_KEY_TYPE_INCONSISTENT when the object has no blobs,
 * CKR_DEVICE_ERROR when this TPM refuses them.
 */
struct tpm_parent;
CK_RV tpm_keys_load(struct tpm_conn *c, const struct tpm_parent *p, const CK_BYTE *pub,
                    size_t pub_len, const CK_BYTE *priv, size_t priv_len, ESYS_TR *key,
                    TPM2B_PUBLIC *public_out);

#endif
