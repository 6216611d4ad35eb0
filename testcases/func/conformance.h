/*
 * The conformance walker (test-conformance.c) and its tables.
 *
 * The walker asks the token for its mechanism list and checks each
 * mechanism against the rules PKCS#11 fixes for every mechanism alike, as
 * far as the mechanism's CK_MECHANISM_INFO flags say it applies.  What it
 * must know of a mechanism to go further than the generic checks is data:
 * which kind of key it takes (conformance_keys.c: how to generate one) and
 * which kind of parameter (conformance_params.c: how to build a good one and
 * bad ones).  A mechanism missing from the tables still gets the checks that
 * need neither, and is reported as "generic only".
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include <stdbool.h>

#include "openslot/pkcs11.h"

/* Kinds of key a mechanism takes; each has one key made at start. */
enum conf_key {
	CONF_KEY_NONE, /* digests */
	CONF_KEY_AES,
	CONF_KEY_GENERIC, /* generic secret: HMAC */
	CONF_KEY_DES3,
	CONF_KEY_DES,
	CONF_KEY_RSA,
	CONF_KEY_EC,
	CONF_KEY_ED,
	CONF_KEY_COUNT
};

/* Kinds of mechanism parameter. */
enum conf_param {
	CONF_PARAM_NONE,     /* takes none: one given is CKR_MECHANISM_PARAM_INVALID */
	CONF_PARAM_OPTIONAL, /* may take one: none is good, no bad one is tried */
	CONF_PARAM_IV16,
	CONF_PARAM_IV8,
	CONF_PARAM_CTR,
	CONF_PARAM_GCM,
	CONF_PARAM_CCM,
	CONF_PARAM_OAEP,
	CONF_PARAM_PSS,
	CONF_PARAM_MAC_LEN, /* CK_MAC_GENERAL_PARAMS */
};

/* Outputs that differ between runs (random padding, random nonces). */
#define CONF_RANDOM_ENCRYPT 0x1
#define CONF_RANDOM_SIGN    0x2

/* What the walker knows of one mechanism. */
struct conf_mech {
	CK_MECHANISM_TYPE type;
	enum conf_key key;
	enum conf_param param;
	CK_MECHANISM_TYPE hash; /* PSS: the hash of the parameters */
	CK_ULONG data_len;      /* input length; 0: CONF_DATA_LEN */
	unsigned random;        /* CONF_RANDOM_* */
};

#define CONF_DATA_LEN 32

/* A key of one kind: for a secret key both handles are the same. */
struct conf_keypair {
	CK_OBJECT_HANDLE priv; /* decrypts, signs */
	CK_OBJECT_HANDLE pub;  /* encrypts, verifies */
};

/* The walker's state. */
struct conf {
	CK_FUNCTION_LIST_3_0 *f;
	CK_SESSION_HANDLE s;
	CK_MECHANISM_TYPE *mechs;
	CK_ULONG n_mechs;
	struct conf_keypair keys[CONF_KEY_COUNT];
	unsigned checks;
	unsigned failures;
	const char *mech_name; /* of the mechanism being checked, for messages */
	const char *op_name;   /* of the operation being checked, or "" */
};

/*
 * Checks that rv is want (or also_ok, when that is not CKR_OK); otherwise
 * prints what was checked and counts a failure.  Returns whether it held.
 */
bool conf_expect(struct conf *c, CK_RV rv, CK_RV want, CK_RV also_ok, const char *what);

/* Whether the token lists mechanism m. */
bool conf_has_mech(const struct conf *c, CK_MECHANISM_TYPE m);

/* conformance_keys.c */
/*
 * Makes one key of every kind whose generation mechanism the token lists;
 * a kind it cannot make keeps CK_INVALID_HANDLE.
 */
void conf_keys_make(struct conf *c);
/* The kind of key whose type a mechanism of kind k must refuse, with the same usages. */
enum conf_key conf_keys_wrong(enum conf_key k);
/*
 * For a key generation mechanism the tables know: generates keys at each
 * end of the info's size range and just outside it, which must be refused.
 * Returns false for a mechanism it does not know.
 */
bool conf_keys_check_gen(struct conf *c, CK_MECHANISM_TYPE m, const CK_MECHANISM_INFO *info);

/* conformance_params.c */
/* Storage for one built parameter. */
union conf_param_buf {
	CK_BYTE iv[16];
	CK_AES_CTR_PARAMS ctr;
	CK_GCM_PARAMS gcm;
	CK_CCM_PARAMS ccm;
	CK_RSA_PKCS_OAEP_PARAMS oaep;
	CK_RSA_PKCS_PSS_PARAMS pss;
	CK_ULONG mac_len; /* CK_MAC_GENERAL_PARAMS */
};
/* Fills mech with a good parameter for row (storage in buf). */
void conf_param_good(const struct conf_mech *row, CK_MECHANISM *mech, union conf_param_buf *buf);
/*
 * Fills mech with the i-th bad variant of row's parameter (missing, short,
 * or given where none is taken); returns false when there is no i-th.
 */
bool conf_param_bad(const struct conf_mech *row, int i, CK_MECHANISM *mech,
                    union conf_param_buf *buf);

/* conformance_ops.c */
/*
 * Runs the checks of one operation (CKF_ENCRYPT, CKF_DECRYPT, CKF_SIGN,
 * CKF_VERIFY or CKF_DIGEST) for a mechanism the tables know.
 */
void conf_ops_check(struct conf *c, const struct conf_mech *row, CK_FLAGS op);
/*
 * The checks that need no knowledge of the mechanism: an invalid key handle
 * for every operation its flags name that takes a key.
 */
void conf_ops_check_generic(struct conf *c, CK_MECHANISM_TYPE m, CK_FLAGS flags);

#endif
