/*
 * Signature operations over an EVP_PKEY, shared by RSA, ECDSA and EdDSA.
 *
 * A family checks the mechanism and key, fills a struct soft_sig_cfg,
 * creates the operation with soft_sig_op_new() and then sets what is its
 * own (RSA padding, PSS parameters) on op->pctx.  The operation implements
 * the soft_op entries with the PKCS#11 length conventions.
 */
#ifndef SOFT_ASYM_SIG_H
#define SOFT_ASYM_SIG_H

#include <stdbool.h>

#include "soft.h"

enum soft_sig_mode {
	SOFT_SIG_RAW,     /* the caller hashed: EVP_PKEY_sign/verify, single-part */
	SOFT_SIG_DIGEST,  /* hash and sign: EVP_DigestSign*, single- and multi-part */
	SOFT_SIG_ONESHOT, /* EdDSA: EVP_DigestSign over the whole message, single-part */
};

/* Longest signature of any supported key (RSA with a 16384-bit modulus). */
#define SOFT_SIG_MAX 2048

struct soft_sig_cfg {
	enum soft_sig_mode mode;
	const EVP_MD *md;  /* SOFT_SIG_DIGEST: the hash */
	CK_ULONG sig_len;  /* length of every signature */
	CK_ULONG max_in;   /* SOFT_SIG_RAW: longest input, 0 for any */
	CK_ULONG exact_in; /* SOFT_SIG_RAW: the one input length allowed, 0 for any */
	bool pad_left;     /* SOFT_SIG_RAW: input left-padded with zeros to sig_len */
	bool ecdsa;        /* signatures are r || s; OpenSSL's are DER */
};

struct soft_sig_op {
	struct soft_op base;
	EVP_PKEY_CTX *pctx; /* owned in SOFT_SIG_RAW, else belongs to mctx */
	EVP_MD_CTX *mctx;
	struct soft_sig_cfg cfg;
};

/*
 * Starts a signature (kind OS_BACKEND_OP_SIGN) or verification
 * (OS_BACKEND_OP_VERIFY) with pkey, the EVP_PKEY soft_key_pkey() gave for
 * key; the operation holds its own reference to the key.  Its context is
 * a copy of one prepared in the key's cache where possible (see
 * asym_sig.c): what the caller sets on op->pctx afterwards is the
 * operation's own.  CKR_HOST_MEMORY or CKR_FUNCTION_FAILED on failure.
 * Free with op->base.ops->free() (also after a failure of the caller's own
 * setup on op->pctx).
 */
CK_RV soft_sig_op_new(enum os_backend_op kind, const struct os_backend_key *key, EVP_PKEY *pkey,
                      const struct soft_sig_cfg *cfg, struct soft_sig_op **op);

#endif
