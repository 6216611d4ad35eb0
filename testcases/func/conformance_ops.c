/*
 * The operation checks of the conformance walker, the same for every
 * mechanism: the error codes of Init (invalid key handle, key of the wrong
 * type, bad parameters), CKR_OPERATION_ACTIVE for a second Init, a length
 * query and CKR_BUFFER_TOO_SMALL that keep the operation (the retry gives
 * the output a fresh operation gives), argument errors and a bad signature
 * that end it, and multi-part runs that agree with the single-part one.
 */
#include <stdio.h>
#include <string.h>

#include "conformance.h"

#define CONF_OUT_MAX    1024
#define CONF_BAD_HANDLE ((CK_OBJECT_HANDLE)0x7ffffff0)

/* What the checks of one operation carry around. */
struct conf_run {
	struct conf *c;
	const struct conf_mech *row;
	CK_FLAGS op;
	CK_MECHANISM mech;
	union conf_param_buf param;
	CK_OBJECT_HANDLE key;
	CK_BYTE data[CONF_OUT_MAX]; /* the plaintext or message */
	CK_ULONG datalen;
	CK_BYTE in[CONF_OUT_MAX]; /* the input: the data, or for decrypt its ciphertext */
	CK_ULONG inlen;
	CK_BYTE sig[CONF_OUT_MAX]; /* verify: a good signature of the data */
	CK_ULONG siglen;
};

static CK_RV conf_init(struct conf *c, CK_FLAGS op, CK_MECHANISM *m, CK_OBJECT_HANDLE key)
{
	switch (op) {
	case CKF_ENCRYPT:
		return c->f->C_EncryptInit(c->s, m, key);
	case CKF_DECRYPT:
		return c->f->C_DecryptInit(c->s, m, key);
	case CKF_SIGN:
		return c->f->C_SignInit(c->s, m, key);
	case CKF_VERIFY:
		return c->f->C_VerifyInit(c->s, m, key);
	case CKF_SIGN_RECOVER:
		return c->f->C_SignRecoverInit(c->s, m, key);
	case CKF_VERIFY_RECOVER:
		return c->f->C_VerifyRecoverInit(c->s, m, key);
	default:
		return c->f->C_DigestInit(c->s, m);
	}
}

static CK_RV conf_single(struct conf *c, CK_FLAGS op, CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                         CK_ULONG *outlen)
{
	switch (op) {
	case CKF_ENCRYPT:
		return c->f->C_Encrypt(c->s, in, inlen, out, outlen);
	case CKF_DECRYPT:
		return c->f->C_Decrypt(c->s, in, inlen, out, outlen);
	case CKF_SIGN:
		return c->f->C_Sign(c->s, in, inlen, out, outlen);
	default:
		return c->f->C_Digest(c->s, in, inlen, out, outlen);
	}
}

/* Sign and digest updates take no output: out and outlen are ignored. */
static CK_RV conf_update(struct conf *c, CK_FLAGS op, CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                         CK_ULONG *outlen)
{
	switch (op) {
	case CKF_ENCRYPT:
		return c->f->C_EncryptUpdate(c->s, in, inlen, out, outlen);
	case CKF_DECRYPT:
		return c->f->C_DecryptUpdate(c->s, in, inlen, out, outlen);
	case CKF_SIGN:
		return c->f->C_SignUpdate(c->s, in, inlen);
	case CKF_VERIFY:
		return c->f->C_VerifyUpdate(c->s, in, inlen);
	default:
		return c->f->C_DigestUpdate(c->s, in, inlen);
	}
}

static CK_RV conf_final(struct conf *c, CK_FLAGS op, CK_BYTE *out, CK_ULONG *outlen)
{
	switch (op) {
	case CKF_ENCRYPT:
		return c->f->C_EncryptFinal(c->s, out, outlen);
	case CKF_DECRYPT:
		return c->f->C_DecryptFinal(c->s, out, outlen);
	case CKF_SIGN:
		return c->f->C_SignFinal(c->s, out, outlen);
	default:
		return c->f->C_DigestFinal(c->s, out, outlen);
	}
}

/* Ends whatever operation an unexpected CKR_OK left active (an argument error ends it). */
static void conf_abandon(struct conf *c, CK_FLAGS op)
{
	CK_BYTE b[1];

	if (op == CKF_VERIFY)
		c->f->C_Verify(c->s, b, 1, NULL, 1);
	else
		conf_single(c, op, b, 1, b, NULL);
}

static bool conf_ok(struct conf_run *r, CK_RV rv, const char *what)
{
	return conf_expect(r->c, rv, CKR_OK, CKR_OK, what);
}

/* One single-part run of a fresh operation: the reference output. */
static CK_RV conf_once(struct conf *c, CK_FLAGS op, CK_MECHANISM *m, CK_OBJECT_HANDLE key,
                       CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	CK_RV rv = conf_init(c, op, m, key);

	*outlen = CONF_OUT_MAX;
	return rv == CKR_OK ? conf_single(c, op, in, inlen, out, outlen) : rv;
}

/* Init refuses an invalid handle, a key of the wrong type and bad parameters. */
static void conf_check_init(struct conf_run *r)
{
	struct conf *c = r->c;
	const struct conf_keypair *wrong = &c->keys[conf_keys_wrong(r->row->key)];
	CK_OBJECT_HANDLE wrong_key = r->op & (CKF_ENCRYPT | CKF_VERIFY) ? wrong->pub : wrong->priv;
	CK_MECHANISM bad;
	union conf_param_buf buf;
	CK_RV rv;

	if (r->row->key != CONF_KEY_NONE) {
		rv = conf_init(c, r->op, &r->mech, CONF_BAD_HANDLE);
		if (!conf_expect(c, rv, CKR_KEY_HANDLE_INVALID, CKR_OK, "Init, invalid key handle"))
			conf_abandon(c, r->op);
	}
	if (r->row->key != CONF_KEY_NONE && wrong_key != CK_INVALID_HANDLE) {
		rv = conf_init(c, r->op, &r->mech, wrong_key);
		if (!conf_expect(c, rv, CKR_KEY_TYPE_INCONSISTENT, CKR_OK, "Init, wrong key type"))
			conf_abandon(c, r->op);
	}
	for (int i = 0; conf_param_bad(r->row, i, &bad, &buf); i++) {
		char what[64];

		snprintf(what, sizeof(what), "Init, bad parameter %d (length %lu)", i,
		         bad.ulParameterLen);
		rv = conf_init(c, r->op, &bad, r->key);
		if (!conf_expect(c, rv, CKR_MECHANISM_PARAM_INVALID, CKR_OK, what))
			conf_abandon(c, r->op);
	}
}

static bool conf_same(const CK_BYTE *a, CK_ULONG alen, const CK_BYTE *b, CK_ULONG blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * out (outlen bytes) is right for the data: the plaintext, the output of a
 * fresh operation, or for random outputs a round trip through the key's
 * other half.
 */
static void conf_check_output(struct conf_run *r, const CK_BYTE *out, CK_ULONG outlen,
                              const char *what)
{
	struct conf *c = r->c;
	const struct conf_keypair *kp = &c->keys[r->row->key];
	CK_BYTE ref[CONF_OUT_MAX];
	CK_ULONG reflen;
	CK_RV rv;

	if (r->op == CKF_DECRYPT) {
		rv = CKR_OK;
	} else if (r->op == CKF_SIGN && (r->row->random & CONF_RANDOM_SIGN)) {
		rv = c->f->C_VerifyInit(c->s, &r->mech, kp->pub);
		if (rv == CKR_OK)
			rv = c->f->C_Verify(c->s, r->data, r->datalen, (CK_BYTE_PTR)out, outlen);
		conf_ok(r, rv, what);
		return;
	} else if (r->op == CKF_ENCRYPT && (r->row->random & CONF_RANDOM_ENCRYPT)) {
		rv = conf_once(c, CKF_DECRYPT, &r->mech, kp->priv, (CK_BYTE_PTR)out, outlen, ref,
		               &reflen);
		out = ref;
		outlen = reflen;
	} else {
		rv = conf_once(c, r->op, &r->mech, r->key, r->in, r->inlen, ref, &reflen);
		if (rv == CKR_OK && !conf_same(ref, reflen, out, outlen))
			rv = CKR_GENERAL_ERROR;
		conf_ok(r, rv, what);
		return;
	}
	if (rv == CKR_OK && !conf_same(out, outlen, r->data, r->datalen))
		rv = CKR_GENERAL_ERROR;
	conf_ok(r, rv, what);
}

/*
 * Single-part: a second Init is refused and leaves the first; a length
 * query and a short buffer keep the operation, the retry completes it with
 * the right output; an argument error (no length pointer) ends it.
 */
static void conf_check_single(struct conf_run *r)
{
	struct conf *c = r->c;
	CK_BYTE out[CONF_OUT_MAX];
	CK_ULONG len = 0;

	if (!conf_ok(r, conf_init(c, r->op, &r->mech, r->key), "Init"))
		return;
	conf_expect(c, conf_init(c, r->op, &r->mech, r->key), CKR_OPERATION_ACTIVE, CKR_OK,
	            "second Init");
	conf_ok(r, conf_single(c, r->op, r->in, r->inlen, NULL, &len), "length query");
	CK_ULONG need = len;
	len = 0;
	conf_expect(c, conf_single(c, r->op, r->in, r->inlen, out, &len), CKR_BUFFER_TOO_SMALL,
	            CKR_OK, "empty buffer");
	if (len == 0 || len > need)
		conf_expect(c, CKR_GENERAL_ERROR, CKR_OK, CKR_OK, "length after short buffer");
	len = need <= CONF_OUT_MAX ? need : CONF_OUT_MAX;
	if (conf_ok(r, conf_single(c, r->op, r->in, r->inlen, out, &len), "retry"))
		conf_check_output(r, out, len, "retry output");
	conf_expect(c, conf_single(c, r->op, r->in, r->inlen, out, &len),
	            CKR_OPERATION_NOT_INITIALIZED, CKR_OK, "call after completion");

	if (!conf_ok(r, conf_init(c, r->op, &r->mech, r->key), "Init"))
		return;
	conf_expect(c, conf_single(c, r->op, r->in, r->inlen, out, NULL), CKR_ARGUMENTS_BAD, CKR_OK,
	            "no length pointer");
	len = sizeof(out);
	conf_expect(c, conf_single(c, r->op, r->in, r->inlen, out, &len),
	            CKR_OPERATION_NOT_INITIALIZED, CKR_OK, "call after argument error");
}

/*
 * One output step of a multi-part run (update when in, else final): a
 * length query, an empty buffer when output is due, then the real call.
 * Appends to out at *pos.  Returns the last answer.
 */
static CK_RV conf_multi_step(struct conf_run *r, CK_BYTE *in, CK_ULONG inlen, CK_BYTE *out,
                             CK_ULONG *pos)
{
	struct conf *c = r->c;
	bool outputs = r->op == CKF_ENCRYPT || r->op == CKF_DECRYPT;
	CK_ULONG len = 0;
	CK_RV rv;

	if (in && !outputs)
		return conf_update(c, r->op, in, inlen, NULL, NULL);
	rv = in ? conf_update(c, r->op, in, inlen, NULL, &len) : conf_final(c, r->op, NULL, &len);
	if (rv != CKR_OK)
		return rv;
	if (len > 0) {
		len = 0;
		rv = in ? conf_update(c, r->op, in, inlen, out + *pos, &len)
		        : conf_final(c, r->op, out + *pos, &len);
		conf_expect(c, rv, CKR_BUFFER_TOO_SMALL, CKR_OK,
		            in ? "empty buffer, update" : "empty buffer, final");
	}
	len = CONF_OUT_MAX - *pos;
	rv = in ? conf_update(c, r->op, in, inlen, out + *pos, &len)
	        : conf_final(c, r->op, out + *pos, &len);
	if (rv == CKR_OK)
		*pos += len;
	return rv;
}

/*
 * Multi-part, in two updates, agrees with single-part; an argument error
 * in an update ends the operation.  A mechanism that is single-part only
 * answers the first update with CKR_FUNCTION_NOT_SUPPORTED, which must end
 * the operation as well.
 */
static void conf_check_multi(struct conf_run *r)
{
	struct conf *c = r->c;
	CK_BYTE out[CONF_OUT_MAX];
	CK_ULONG pos = 0, len = sizeof(out), half = r->inlen / 2;
	bool outputs = r->op == CKF_ENCRYPT || r->op == CKF_DECRYPT;
	CK_RV rv;

	if (!conf_ok(r, conf_init(c, r->op, &r->mech, r->key), "Init"))
		return;
	rv = conf_multi_step(r, r->in, half, out, &pos);
	if (rv == CKR_FUNCTION_NOT_SUPPORTED) {
		conf_expect(c, conf_final(c, r->op, out, &len), CKR_OPERATION_NOT_INITIALIZED,
		            CKR_OK, "final after unsupported update");
		return;
	}
	if (!conf_ok(r, rv, "update") ||
	    !conf_ok(r, conf_multi_step(r, r->in + half, r->inlen - half, out, &pos), "update") ||
	    !conf_ok(r, conf_multi_step(r, NULL, 0, out, &pos), "final"))
		return;
	conf_check_output(r, out, pos, "multi-part output");

	if (!conf_ok(r, conf_init(c, r->op, &r->mech, r->key), "Init"))
		return;
	rv = outputs ? conf_update(c, r->op, r->in, r->inlen, out, NULL)
	             : conf_update(c, r->op, NULL, 5, NULL, NULL);
	conf_expect(c, rv, CKR_ARGUMENTS_BAD, CKR_OK, "update argument error");
	len = sizeof(out);
	conf_expect(c, conf_final(c, r->op, out, &len), CKR_OPERATION_NOT_INITIALIZED, CKR_OK,
	            "final after argument error");
}

/*
 * A multi-part verification of the data against sig, in two updates:
 * returns the answer of the final, or CKR_FUNCTION_NOT_SUPPORTED for a
 * single-part mechanism (after checking that this ended the operation).
 */
static CK_RV conf_verify_multi(struct conf_run *r, CK_BYTE *sig)
{
	struct conf *c = r->c;
	CK_ULONG half = r->datalen / 2;
	CK_RV rv;

	if (!conf_ok(r, conf_init(c, r->op, &r->mech, r->key), "Init"))
		return CKR_GENERAL_ERROR;
	rv = c->f->C_VerifyUpdate(c->s, r->data, half);
	if (rv == CKR_FUNCTION_NOT_SUPPORTED) {
		conf_expect(c, c->f->C_VerifyFinal(c->s, sig, r->siglen),
		            CKR_OPERATION_NOT_INITIALIZED, CKR_OK,
		            "final after unsupported update");
		return rv;
	}
	if (rv == CKR_OK)
		rv = c->f->C_VerifyUpdate(c->s, r->data + half, r->datalen - half);
	if (!conf_ok(r, rv, "update"))
		return CKR_GENERAL_ERROR;
	return c->f->C_VerifyFinal(c->s, sig, r->siglen);
}

/*
 * Verification: a good signature verifies and completes the operation; a
 * bad one and an argument error end it; a second Init is refused.
 */
static void conf_check_verify(struct conf_run *r)
{
	struct conf *c = r->c;
	CK_BYTE bad[CONF_OUT_MAX];
	CK_RV rv;

	memcpy(bad, r->sig, r->siglen);
	bad[r->siglen / 2] ^= 0x40;
	if (!conf_ok(r, conf_init(c, r->op, &r->mech, r->key), "Init"))
		return;
	conf_expect(c, conf_init(c, r->op, &r->mech, r->key), CKR_OPERATION_ACTIVE, CKR_OK,
	            "second Init");
	conf_ok(r, c->f->C_Verify(c->s, r->data, r->datalen, r->sig, r->siglen), "good signature");
	conf_expect(c, c->f->C_Verify(c->s, r->data, r->datalen, r->sig, r->siglen),
	            CKR_OPERATION_NOT_INITIALIZED, CKR_OK, "call after completion");

	conf_ok(r, conf_init(c, r->op, &r->mech, r->key), "Init");
	conf_expect(c, c->f->C_Verify(c->s, r->data, r->datalen, bad, r->siglen),
	            CKR_SIGNATURE_INVALID, CKR_OK, "bad signature");
	conf_expect(c, c->f->C_Verify(c->s, r->data, r->datalen, r->sig, r->siglen),
	            CKR_OPERATION_NOT_INITIALIZED, CKR_OK, "call after bad signature");

	conf_ok(r, conf_init(c, r->op, &r->mech, r->key), "Init");
	conf_expect(c, c->f->C_Verify(c->s, r->data, r->datalen, NULL, r->siglen),
	            CKR_ARGUMENTS_BAD, CKR_OK, "no signature pointer");
	conf_expect(c, c->f->C_Verify(c->s, r->data, r->datalen, r->sig, r->siglen),
	            CKR_OPERATION_NOT_INITIALIZED, CKR_OK, "call after argument error");

	for (int good = 1; good >= 0; good--) {
		rv = conf_verify_multi(r, good ? r->sig : bad);
		if (rv == CKR_FUNCTION_NOT_SUPPORTED)
			break;
		conf_expect(c, rv, good ? CKR_OK : CKR_SIGNATURE_INVALID, CKR_OK,
		            good ? "multi-part, good signature" : "multi-part, bad signature");
		conf_expect(c, c->f->C_VerifyFinal(c->s, r->sig, r->siglen),
		            CKR_OPERATION_NOT_INITIALIZED, CKR_OK, "final after completion");
	}
}

/* Prepares the data, and the input the operation needs: ciphertext or a signature. */
static bool conf_run_prepare(struct conf_run *r)
{
	struct conf *c = r->c;
	const struct conf_keypair *kp = &c->keys[r->row->key];
	CK_RV rv = CKR_OK;

	r->datalen = r->row->data_len ? r->row->data_len : CONF_DATA_LEN;
	for (CK_ULONG i = 0; i < r->datalen; i++)
		r->data[i] = (CK_BYTE)(i * 13 + 5);
	if (r->row->data_len)
		r->data[0] = 0; /* raw RSA: below the modulus */
	memcpy(r->in, r->data, r->datalen);
	r->inlen = r->datalen;
	r->key = r->op & (CKF_ENCRYPT | CKF_VERIFY) ? kp->pub : kp->priv;
	if (r->row->key != CONF_KEY_NONE && r->key == CK_INVALID_HANDLE)
		return false;
	if (r->op == CKF_DECRYPT)
		rv = conf_once(c, CKF_ENCRYPT, &r->mech, kp->pub, r->data, r->datalen, r->in,
		               &r->inlen);
	if (r->op == CKF_VERIFY)
		rv = conf_once(c, CKF_SIGN, &r->mech, kp->priv, r->data, r->datalen, r->sig,
		               &r->siglen);
	return conf_ok(r, rv, "preparing the input");
}

static const char *conf_op_name(CK_FLAGS op)
{
	switch (op) {
	case CKF_ENCRYPT:
		return "encrypt";
	case CKF_DECRYPT:
		return "decrypt";
	case CKF_SIGN:
		return "sign";
	case CKF_VERIFY:
		return "verify";
	default:
		return "digest";
	}
}

void conf_ops_check(struct conf *c, const struct conf_mech *row, CK_FLAGS op)
{
	struct conf_run r = {.c = c, .row = row, .op = op};

	c->op_name = conf_op_name(op);
	conf_abandon(c, op); /* whatever an earlier wrong answer left active */
	conf_param_good(row, &r.mech, &r.param);
	if (!conf_run_prepare(&r))
		return;
	conf_check_init(&r);
	if (op == CKF_VERIFY) {
		conf_check_verify(&r);
	} else {
		conf_check_single(&r);
		conf_check_multi(&r);
	}
	c->op_name = "";
}

void conf_ops_check_generic(struct conf *c, CK_MECHANISM_TYPE m, CK_FLAGS flags)
{
	static const CK_FLAGS keyed[] = {CKF_ENCRYPT, CKF_DECRYPT,      CKF_SIGN,
	                                 CKF_VERIFY,  CKF_SIGN_RECOVER, CKF_VERIFY_RECOVER};
	CK_MECHANISM mech = {m, NULL, 0};
	CK_OBJECT_HANDLE out;
	CK_ULONG len = 0;
	CK_RV rv;

	for (size_t i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++) {
		if (!(flags & keyed[i]))
			continue;
		rv = conf_init(c, keyed[i], &mech, CONF_BAD_HANDLE);
		if (!conf_expect(c, rv, CKR_KEY_HANDLE_INVALID, CKR_OK, "Init, invalid key handle"))
			conf_abandon(c, keyed[i]);
	}
	if (flags & CKF_DERIVE) {
		rv = c->f->C_DeriveKey(c->s, &mech, CONF_BAD_HANDLE, NULL, 0, &out);
		conf_expect(c, rv, CKR_KEY_HANDLE_INVALID, CKR_OK, "derive, invalid base key");
	}
	if (flags & CKF_WRAP) {
		rv = c->f->C_WrapKey(c->s, &mech, CONF_BAD_HANDLE, CONF_BAD_HANDLE, NULL, &len);
		conf_expect(c, rv, CKR_WRAPPING_KEY_HANDLE_INVALID, CKR_KEY_HANDLE_INVALID,
		            "wrap, invalid keys");
	}
	if (flags & CKF_UNWRAP) {
		CK_BYTE blob[40] = {0};

		rv = c->f->C_UnwrapKey(c->s, &mech, CONF_BAD_HANDLE, blob, sizeof(blob), NULL, 0,
		                       &out);
		conf_expect(c, rv, CKR_UNWRAPPING_KEY_HANDLE_INVALID, CKR_OK,
		            "unwrap, invalid unwrapping key");
	}
}
