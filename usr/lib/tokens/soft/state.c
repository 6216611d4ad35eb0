/*
 * Saved operation state of the soft backend.
 *
 * OpenSSL 3 has no way to export the inner state of an EVP_MD_CTX or an
 * EVP_MAC_CTX, and the state of a MAC or of a hash-then-sign operation
 * would be key-dependent anyway.  So a saveable operation keeps the input
 * it absorbed since its start, and its saved form is only the parameter
 * of its mechanism and that input: restoring starts the same mechanism
 * with the key the caller gives again and feeds it the input once more.
 * This works alike for every digest, for every MAC made with EVP_MAC
 * (HMAC, CMAC over any cipher) and for hash-then-sign, holds no key
 * material, and costs an operation that is never saved one copy of its
 * input up to SOFT_STATE_INPUT_MAX bytes; past that bound the operation
 * drops what it kept and can no longer be saved (CKR_STATE_UNSAVEABLE).
 *
 * Saveable are the operations with multi-part input of digests, signatures
 * and verifications.  Their mechanism parameters are plain arrays of
 * CK_ULONG (CK_MAC_GENERAL_PARAMS, CK_RSA_PKCS_PSS_PARAMS; the parameters
 * with pointers, such as EdDSA's, belong to single-part mechanisms), saved
 * as such words.
 *
 * The saved form: version (1 byte, 1), word count n (1 byte), n words
 * (8 bytes each, big-endian), input length (4 bytes, big-endian), input.
 */
#include "state.h"
#include "bytes.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define STATE_VERSION 1
#define STATE_HEAD    2
#define STATE_WORD    8
#define STATE_LENGTH  4

static bool state_param_ok(const CK_MECHANISM *mech)
{
	CK_ULONG len = mech->ulParameterLen;

	if (len == 0)
		return true;
	return mech->pParameter && len % sizeof(CK_ULONG) == 0 &&
	       len <= SOFT_STATE_WORDS * sizeof(CK_ULONG);
}

void soft_state_begin(struct soft_op *op, enum os_backend_op kind, const CK_MECHANISM *mech)
{
	struct soft_op_saved *sv = &op->saved;

	if (kind != OS_BACKEND_OP_DIGEST && kind != OS_BACKEND_OP_SIGN &&
	    kind != OS_BACKEND_OP_VERIFY)
		return;
	if (!op->ops->update || !state_param_ok(mech))
		return;
	sv->saveable = true;
	sv->mech = mech->mechanism;
	sv->n_words = mech->ulParameterLen / sizeof(CK_ULONG);
	if (sv->n_words)
		memcpy(sv->words, mech->pParameter, mech->ulParameterLen);
}

void soft_state_forget(struct soft_op *op)
{
	struct soft_op_saved *sv = &op->saved;

	if (sv->input) {
		OPENSSL_cleanse(sv->input, sv->len);
		free(sv->input);
	}
	sv->input = NULL;
	sv->len = sv->cap = 0;
	sv->saveable = false;
}

/*
 * Room for len more bytes, growing by doubling with realloc (the kept input
 * is the caller's message, never key material, so a moved block is not
 * wiped); false when out of memory.
 */
static bool state_reserve(struct soft_op_saved *sv, size_t len)
{
	size_t cap = sv->cap ? sv->cap : 1024;
	CK_BYTE *input;

	if (sv->len + len <= sv->cap)
		return true;
	while (cap < sv->len + len)
		cap *= 2;
	if (cap > SOFT_STATE_INPUT_MAX)
		cap = SOFT_STATE_INPUT_MAX;
	input = realloc(sv->input, cap);
	if (!input)
		return false;
	sv->input = input;
	sv->cap = cap;
	return true;
}

void soft_state_absorb(struct soft_op *op, const CK_BYTE *in, CK_ULONG len)
{
	struct soft_op_saved *sv = &op->saved;

	if (!sv->saveable || len == 0)
		return;
	if (len > SOFT_STATE_INPUT_MAX - sv->len || !state_reserve(sv, len)) {
		soft_state_forget(op);
		return;
	}
	memcpy(sv->input + sv->len, in, len);
	sv->len += len;
}

CK_RV soft_state_get(const struct soft_op *op, CK_MECHANISM_TYPE *mech, CK_BYTE *out,
                     CK_ULONG *outlen)
{
	const struct soft_op_saved *sv = &op->saved;
	CK_ULONG need;
	bool done;
	CK_RV rv;

	if (!sv->saveable)
		return CKR_STATE_UNSAVEABLE;
	*mech = sv->mech;
	need = STATE_HEAD + sv->n_words * STATE_WORD + STATE_LENGTH + sv->len;
	rv = soft_out_check(out, outlen, need, &done);
	if (done)
		return rv;
	*out++ = STATE_VERSION;
	*out++ = (CK_BYTE)sv->n_words;
	for (unsigned i = 0; i < sv->n_words; i++)
		out = os_put_be(out, sv->words[i], STATE_WORD);
	out = os_put_be(out, sv->len, STATE_LENGTH);
	if (sv->len)
		memcpy(out, sv->input, sv->len);
	*outlen = need;
	return CKR_OK;
}

/* Reads a saved form into words and input; false when it is not one. */
static bool state_parse(const CK_BYTE *p, CK_ULONG len, CK_ULONG *words, unsigned *n_words,
                        const CK_BYTE **input, size_t *input_len)
{
	if (len < STATE_HEAD || p[0] != STATE_VERSION || p[1] > SOFT_STATE_WORDS)
		return false;
	*n_words = p[1];
	p += STATE_HEAD;
	len -= STATE_HEAD;
	if (len < *n_words * STATE_WORD + STATE_LENGTH)
		return false;
	for (unsigned i = 0; i < *n_words; i++, p += STATE_WORD)
		words[i] = (CK_ULONG)os_get_be(p, STATE_WORD);
	len -= *n_words * STATE_WORD + STATE_LENGTH;
	*input_len = os_get_be(p, STATE_LENGTH);
	*input = p + STATE_LENGTH;
	return *input_len == len && len <= SOFT_STATE_INPUT_MAX;
}

CK_RV soft_state_restore(const struct soft_mech *m, enum os_backend_op kind, const CK_BYTE *state,
                         CK_ULONG len, const struct os_backend_key *key, struct soft_op **op)
{
	CK_ULONG words[SOFT_STATE_WORDS];
	CK_MECHANISM mech = {.mechanism = m->type, .pParameter = words};
	const CK_BYTE *input;
	size_t input_len;
	unsigned n_words;
	CK_RV rv;

	if (!state_parse(state, len, words, &n_words, &input, &input_len))
		return CKR_SAVED_STATE_INVALID;
	mech.ulParameterLen = n_words * sizeof(CK_ULONG);
	if (!n_words)
		mech.pParameter = NULL;
	rv = m->init(m, kind, &mech, key, op);
	if (rv != CKR_OK)
		return rv;
	soft_state_begin(*op, kind, &mech);
	rv = (*op)->saved.saveable ? CKR_OK : CKR_SAVED_STATE_INVALID;
	if (rv == CKR_OK && input_len)
		rv = (*op)->ops->update(*op, input, input_len, NULL, NULL);
	if (rv == CKR_OK)
		soft_state_absorb(*op, input, input_len);
	if (rv != CKR_OK) {
		soft_state_forget(*op);
		(*op)->ops->free(*op);
		*op = NULL;
	}
	return rv;
}
