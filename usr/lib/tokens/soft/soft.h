/*
 * The soft backend's internals: mechanisms implemented with OpenSSL 3's EVP
 * API, grouped by family (rsa.c, ec.c, aes.c, digest.c), each exporting a
 * table of struct soft_mech; soft.c joins the tables, answers the mechanism
 * queries and dispatches the backend entries to them.
 */
#ifndef SOFT_H
#define SOFT_H

#include <stdbool.h>

#include <openssl/evp.h>

#include "backend.h"

/*
 * An operation in progress.  A family's state embeds this as its first
 * member; ops holds the family's functions for it (any may be NULL: the
 * call is then CKR_FUNCTION_NOT_SUPPORTED, e.g. multi-part raw RSA).
 */
struct soft_op;
struct soft_mech;
struct soft_op_ops {
	CK_RV(*single)
	(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
	CK_RV(*update)
	(struct soft_op *op, const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
	CK_RV (*final)(struct soft_op *op, CK_BYTE *out, CK_ULONG *outlen);
	CK_RV(*verify)
	(struct soft_op *op, const CK_BYTE *data, CK_ULONG len, const CK_BYTE *sig,
	 CK_ULONG siglen);
	CK_RV (*verify_final)(struct soft_op *op, const CK_BYTE *sig, CK_ULONG siglen);
	CK_RV (*digest_key)(struct soft_op *op, const struct os_backend_key *key);
	void (*free)(struct soft_op *op);
	/* Makes an ended operation a new one of mechanism m (op_reinit); may be NULL. */
	CK_RV(*reinit)
	(struct soft_op *op, const struct soft_mech *m, const CK_MECHANISM *mech);
};

/* Most CK_ULONG words of a mechanism parameter a saved state can hold. */
#define SOFT_STATE_WORDS 4

/*
 * What an operation keeps so that it can be saved (state.c): its
 * mechanism and parameter, and the input it absorbed since its start.
 * saveable is false for an operation that cannot be saved, or no longer.
 */
struct soft_op_saved {
	bool saveable;
	CK_MECHANISM_TYPE mech;
	unsigned n_words;
	CK_ULONG words[SOFT_STATE_WORDS];
	CK_BYTE *input;
	size_t len;
	size_t cap;
};

struct soft_op {
	const struct soft_op_ops *ops;
	struct soft_op_saved saved;
};

/* One mechanism: its info and the family functions that implement it. */
struct soft_mech {
	CK_MECHANISM_TYPE type;
	CK_ULONG min_key; /* CK_MECHANISM_INFO.ulMinKeySize */
	CK_ULONG max_key;
	CK_FLAGS flags; /* CKF_ENCRYPT, CKF_SIGN, CKF_GENERATE_KEY_PAIR, ... */
	CK_RV(*init)
	(const struct soft_mech *m, enum os_backend_op kind, const CK_MECHANISM *mech,
	 const struct os_backend_key *key, struct soft_op **op);
	CK_RV (*generate)(const CK_MECHANISM *mech, struct tok_attrs *key);
	CK_RV(*generate_pair)
	(const CK_MECHANISM *mech, struct tok_attrs *pub, struct tok_attrs *priv);
	CK_RV(*wrap)
	(const CK_MECHANISM *mech, const struct os_backend_key *wrapping,
	 const struct tok_attrs *key, CK_BYTE *out, CK_ULONG *outlen);
	CK_RV(*unwrap)
	(const CK_MECHANISM *mech, const struct os_backend_key *unwrapping, const CK_BYTE *in,
	 CK_ULONG inlen, struct tok_attrs *key);
	CK_RV(*derive)
	(const CK_MECHANISM *mech, const struct os_backend_key *base, struct tok_attrs *key);
	/*
	 * Set instead of derive by a mechanism whose parameter may name a
	 * second key (CK_HKDF_PARAMS.hSaltKey): param_key is that key as the
	 * common layer resolved it, or NULL when the parameter names none.
	 */
	CK_RV(*derive_keyed)
	(const CK_MECHANISM *mech, const struct os_backend_key *base,
	 const struct os_backend_key *param_key, struct tok_attrs *key);
};

/* The family tables (each ends with an entry of type CK_UNAVAILABLE_INFORMATION). */
extern const struct soft_mech soft_rsa_mechs[];
extern const struct soft_mech soft_ec_mechs[];
extern const struct soft_mech soft_aes_mechs[];
extern const struct soft_mech soft_digest_mechs[];

/* C_CreateObject key checks per family; CKR_OK when the family does not know the key type. */
CK_RV soft_rsa_check_key(struct tok_attrs *key);
CK_RV soft_ec_check_key(struct tok_attrs *key);
CK_RV soft_secret_check_key(struct tok_attrs *key);

/*
 * The cached EVP_PKEY of an asymmetric key, built once with build() from
 * the attributes and kept in the key's cache slot (see backend.h).  Returns
 * a pointer owned by the cache (valid while the key lives; take a reference
 * with EVP_PKEY_up_ref to keep it longer), or NULL with *rv set.
 */
EVP_PKEY *soft_key_pkey(const struct os_backend_key *key,
                        EVP_PKEY *(*build)(const struct tok_attrs *attrs, CK_RV *rv), CK_RV *rv);

/*
 * A signature context prepared once for a key and from then on only read:
 * each operation duplicates it, which unlike a fresh context fetches no
 * algorithm (asym_sig.c makes and matches them).  Exactly one of pctx
 * (after EVP_PKEY_sign_init or EVP_PKEY_verify_init) and mctx (after
 * EVP_DigestSignInit or EVP_DigestVerifyInit with md, NULL for EdDSA) is set.
 */
struct soft_key_proto {
	bool sign;
	const EVP_MD *md;
	EVP_PKEY_CTX *pctx;
	EVP_MD_CTX *mctx;
};

/* Most prepared contexts one key keeps; an operation beyond them makes its own context. */
#define SOFT_KEY_PROTOS 8

/*
 * What soft_key_pkey() keeps in a key's cache slot: the EVP_PKEY, and the
 * key's prepared signature contexts.  Each protos entry is published once,
 * with an atomic compare-and-swap from NULL, and never changed again; the
 * backend's key_cache_free frees them all with the key.
 */
struct soft_key_cache {
	EVP_PKEY *pkey;
	struct soft_key_proto *protos[SOFT_KEY_PROTOS];
};

/*
 * The cache of key, valid while the key lives; NULL when the key has no
 * slot or soft_key_pkey() has not filled it yet.
 */
struct soft_key_cache *soft_key_cache(const struct os_backend_key *key);

/* Helpers shared by the families. */
/* Output length handling: CKR_OK to go on, else the rv to return (size query or too small). */
CK_RV soft_out_check(CK_BYTE *out, CK_ULONG *outlen, CK_ULONG need, bool *done);
/* Maps an OpenSSL failure to CKR_FUNCTION_FAILED after clearing its error queue. */
CK_RV soft_ossl_fail(void);

#endif
