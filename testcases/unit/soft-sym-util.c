/*
 * The harness of the soft backend's symmetric unit test (soft-sym.h):
 * loading the backend, key objects, mechanisms with parameters, and the
 * calls through the ops table.  Every call that produces output is first
 * asked for its length and tried with one byte too few, as an application
 * may; the operation must survive both and the length must be exact.
 */
#include "soft-sym.h"

#include <dlfcn.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct sym_backend be;

/* Fixed seed: a failing random split can be replayed. */
static unsigned int split_seed = 20240611;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int suite_setup(void **state)
{
	char tmpl[] = "/tmp/test-soft-sym.XXXXXX", data[PATH_MAX], lock[PATH_MAX], lib[PATH_MAX];
	const char *top = getenv("top_builddir");
	struct os_backend_env env;
	os_backend_entry_fn entry;

	if (!mkdtemp(tmpl) || !realpath(tmpl, be.dir))
		return -1;
	snprintf(data, sizeof(data), "%s/data", be.dir);
	snprintf(lock, sizeof(lock), "%s/lock", be.dir);
	if (mkdir(data, 0700) != 0 || mkdir(lock, 0700) != 0)
		return -1;
	snprintf(lib, sizeof(lib), "%s/.libs/libtoken_soft.so", top ? top : ".");
	be.dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!be.dl) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return -1;
	}
	entry = (os_backend_entry_fn)dlsym(be.dl, OS_BACKEND_ENTRY_SYMBOL);
	be.ops = entry ? entry() : NULL;
	if (!be.ops || be.ops->abi_version != OS_BACKEND_ABI_VERSION)
		return -1;
	memset(&env, 0, sizeof(env));
	env.slot_id = 1;
	env.token_name = "symtok";
	env.data_dir = data;
	env.lock_dir = lock;
	return be.ops->load(&env, &be.ctx) == CKR_OK ? 0 : -1;
}

int suite_teardown(void **state)
{
	if (be.ops && be.ctx)
		be.ops->unload(be.ctx);
	if (be.dl)
		dlclose(be.dl);
	return nftw(be.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Decodes hex (NULL: empty) into out; returns the byte count. */
size_t unhex(const char *hex, CK_BYTE *out)
{
	size_t n = 0;

	for (; hex && hex[0] && hex[1]; hex += 2) {
		unsigned int v;

		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		assert_true(n < BUF_MAX);
		out[n++] = (CK_BYTE)v;
	}
	return n;
}

void assert_hex(const CK_BYTE *got, size_t len, const char *hex)
{
	CK_BYTE want[BUF_MAX];

	assert_int_equal(len, unhex(hex, want));
	assert_memory_equal(got, want, len);
}

void tkey_make(struct tkey *k, CK_OBJECT_CLASS cls, CK_KEY_TYPE type, const void *val, size_t len)
{
	tok_attrs_init(&k->attrs);
	assert_int_equal(tok_attrs_set_ulong(&k->attrs, CKA_CLASS, cls), CKR_OK);
	assert_int_equal(tok_attrs_set_ulong(&k->attrs, CKA_KEY_TYPE, type), CKR_OK);
	if (val)
		assert_int_equal(tok_attrs_set(&k->attrs, CKA_VALUE, val, len), CKR_OK);
	k->cache = NULL;
	k->k.attrs = &k->attrs;
	k->k.cache = &k->cache;
}

void tkey_hex(struct tkey *k, CK_KEY_TYPE type, const char *hex)
{
	CK_BYTE val[BUF_MAX];

	tkey_make(k, CKO_SECRET_KEY, type, val, unhex(hex, val));
}

void tkey_free(struct tkey *k)
{
	assert_null(k->cache);
	tok_attrs_free(&k->attrs);
}

CK_RV op_start(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key, void **op)
{
	CK_RV rv;

	*op = NULL;
	rv = be.ops->op_init(be.ctx, kind, mech, key ? &key->k : NULL, op);
	if (rv != CKR_OK)
		assert_null(*op);
	return rv;
}

/*
 * One call that produces output: asked for its length, tried one byte
 * short, then run into out (room bytes).  The answer to the size query
 * must be exact.
 */
CK_RV step(void *op, bool final, const CK_BYTE *in, size_t inlen, CK_BYTE *out, CK_ULONG room,
           CK_ULONG *got)
{
	CK_ULONG need = 0, small;
	CK_RV rv;

#define STEP_CALL(o, l) \
	(final ? be.ops->op_final(op, o, l) : be.ops->op_update(op, in, inlen, o, l))
	rv = STEP_CALL(NULL, &need);
	if (rv != CKR_OK)
		return rv;
	assert_true(need <= room);
	if (need > 0) {
		small = need - 1;
		assert_int_equal(STEP_CALL(out, &small), CKR_BUFFER_TOO_SMALL);
		assert_int_equal(small, need);
	}
	*got = room;
	rv = STEP_CALL(out, got);
#undef STEP_CALL
	if (rv == CKR_OK)
		assert_int_equal(*got, need);
	return rv;
}

/* A single-part call (C_Encrypt, C_Decrypt, C_Sign, C_Digest) with the same checks as step(). */
CK_RV one_shot(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key,
               const CK_BYTE *in, size_t inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	CK_ULONG need = 0, small;
	void *op;
	CK_RV rv = op_start(kind, mech, key, &op);

	if (rv != CKR_OK)
		return rv;
	rv = be.ops->op_single(op, in, inlen, NULL, &need);
	if (rv == CKR_OK) {
		assert_true(need <= *outlen);
		if (need > 0) {
			small = need - 1;
			assert_int_equal(be.ops->op_single(op, in, inlen, out, &small),
			                 CKR_BUFFER_TOO_SMALL);
			assert_int_equal(small, need);
		}
		rv = be.ops->op_single(op, in, inlen, out, outlen);
		if (rv == CKR_OK)
			assert_int_equal(*outlen, need);
	}
	be.ops->op_free(op);
	return rv;
}

/* ncuts random cut points in 0..len, ascending. */
size_t random_cuts(size_t len, size_t *cuts, size_t ncuts)
{
	for (size_t i = 0; i < ncuts; i++)
		cuts[i] = len ? (size_t)rand_r(&split_seed) % (len + 1) : 0;
	for (size_t i = 1; i < ncuts; i++)
		for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			size_t x = cuts[j];

			cuts[j] = cuts[j - 1];
			cuts[j - 1] = x;
		}
	return ncuts;
}

/* An encryption or decryption in parts cut at random places, then the final call. */
CK_RV in_parts(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key,
               const CK_BYTE *in, size_t inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	size_t cuts[6], pos = 0, done = 0,
	                n = random_cuts(inlen, cuts, 1 + rand_r(&split_seed) % 5);
	CK_ULONG got;
	void *op;
	CK_RV rv = op_start(kind, mech, key, &op);

	if (rv != CKR_OK)
		return rv;
	for (size_t i = 0; i <= n && rv == CKR_OK; i++) {
		size_t end = i < n ? cuts[i] : inlen;

		rv = step(op, false, in + pos, end - pos, out + done, *outlen - done, &got);
		pos = end;
		done += got;
	}
	if (rv == CKR_OK)
		rv = step(op, true, NULL, 0, out + done, *outlen - done, &got);
	if (rv == CKR_OK)
		*outlen = done + got;
	be.ops->op_free(op);
	return rv;
}

/* The result of one_shot, or of in_parts, into a scratch buffer. */
CK_RV crypt_rv(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key,
               const CK_BYTE *in, size_t inlen, bool parts)
{
	CK_BYTE out[BUF_MAX];
	CK_ULONG outlen = sizeof(out);

	if (parts)
		return in_parts(kind, mech, key, in, inlen, out, &outlen);
	return one_shot(kind, mech, key, in, inlen, out, &outlen);
}

/* The result of op_init; an operation that starts is freed again. */
CK_RV init_rv(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key)
{
	void *op;
	CK_RV rv = op_start(kind, mech, key, &op);

	if (rv == CKR_OK)
		be.ops->op_free(op);
	return rv;
}

/* Encrypts in one call, which must succeed; returns the output length. */
CK_ULONG encrypt_with(const CK_MECHANISM *mech, struct tkey *key, const CK_BYTE *in, size_t len,
                      CK_BYTE *out)
{
	CK_ULONG outlen = BUF_MAX;

	assert_int_equal(one_shot(OS_BACKEND_OP_ENCRYPT, mech, key, in, len, out, &outlen), CKR_OK);
	return outlen;
}

/* Encrypts in one call and in parts, expecting want; then decrypts both ways back to in. */
void crypt_both_ways(const CK_MECHANISM *mech, struct tkey *key, const CK_BYTE *in, size_t inlen,
                     const CK_BYTE *want, size_t wantlen)
{
	CK_BYTE out[BUF_MAX];
	CK_ULONG outlen;

	for (int round = 0; round < 4; round++) {
		outlen = sizeof(out);
		assert_int_equal(
		    round ? in_parts(OS_BACKEND_OP_ENCRYPT, mech, key, in, inlen, out, &outlen)
		          : one_shot(OS_BACKEND_OP_ENCRYPT, mech, key, in, inlen, out, &outlen),
		    CKR_OK);
		assert_int_equal(outlen, wantlen);
		assert_memory_equal(out, want, wantlen);
		outlen = sizeof(out);
		assert_int_equal(
		    round ? in_parts(OS_BACKEND_OP_DECRYPT, mech, key, want, wantlen, out, &outlen)
		          : one_shot(OS_BACKEND_OP_DECRYPT, mech, key, want, wantlen, out, &outlen),
		    CKR_OK);
		assert_int_equal(outlen, inlen);
		assert_memory_equal(out, in, inlen);
	}
}
/* type with no parameter, a 16-byte IV (CBC modes) or CTR parameters from hex. */
const CK_MECHANISM *tmech_make(struct tmech *t, CK_MECHANISM_TYPE type, const char *iv,
                               CK_ULONG counter_bits)
{
	memset(t, 0, sizeof(*t));
	t->m.mechanism = type;
	if (type == CKM_AES_CTR) {
		t->ctr.ulCounterBits = counter_bits;
		assert_int_equal(unhex(iv, t->ctr.cb), 16);
		t->m.pParameter = &t->ctr;
		t->m.ulParameterLen = sizeof(t->ctr);
	} else if (iv) {
		t->m.pParameter = t->iv;
		t->m.ulParameterLen = unhex(iv, t->iv);
	}
	return &t->m;
}
const CK_MECHANISM *gcm_mech(struct tmech *t, const char *iv, const char *aad, CK_ULONG tag_bits)
{
	static CK_BYTE ivbuf[BUF_MAX], aadbuf[BUF_MAX];

	memset(t, 0, sizeof(*t));
	t->gcm.pIv = ivbuf;
	t->gcm.ulIvLen = unhex(iv, ivbuf);
	t->gcm.ulIvBits = t->gcm.ulIvLen * 8;
	t->gcm.pAAD = aad ? aadbuf : NULL;
	t->gcm.ulAADLen = unhex(aad, aadbuf);
	t->gcm.ulTagBits = tag_bits;
	t->m.mechanism = CKM_AES_GCM;
	t->m.pParameter = &t->gcm;
	t->m.ulParameterLen = sizeof(t->gcm);
	return &t->m;
}
const CK_MECHANISM *ccm_mech(struct tmech *t, const struct ccm_kat *k, CK_ULONG datalen)
{
	static CK_BYTE nonce[BUF_MAX], aad[BUF_MAX];

	memset(t, 0, sizeof(*t));
	t->ccm.ulDataLen = datalen;
	t->ccm.pNonce = nonce;
	t->ccm.ulNonceLen = unhex(k->nonce, nonce);
	t->ccm.pAAD = aad;
	t->ccm.ulAADLen = unhex(k->aad, aad);
	t->ccm.ulMACLen = k->mac_len;
	t->m.mechanism = CKM_AES_CCM;
	t->m.pParameter = &t->ccm;
	t->m.ulParameterLen = sizeof(t->ccm);
	return &t->m;
}
/* Single-part only: the checks of crypt_both_ways without the runs in parts. */
void crypt_once(const CK_MECHANISM *mech, struct tkey *key, const CK_BYTE *in, size_t inlen,
                const CK_BYTE *want, size_t wantlen)
{
	CK_BYTE out[BUF_MAX];
	CK_ULONG outlen = sizeof(out);

	assert_int_equal(one_shot(OS_BACKEND_OP_ENCRYPT, mech, key, in, inlen, out, &outlen),
	                 CKR_OK);
	assert_int_equal(outlen, wantlen);
	assert_memory_equal(out, want, wantlen);
	outlen = sizeof(out);
	assert_int_equal(one_shot(OS_BACKEND_OP_DECRYPT, mech, key, want, wantlen, out, &outlen),
	                 CKR_OK);
	assert_int_equal(outlen, inlen);
	assert_memory_equal(out, in, inlen);
}
/* Signs in one call and in parts, expecting want; verifies both ways, and a forgery. */
void mac_both_ways(const CK_MECHANISM *mech, struct tkey *key, const CK_BYTE *in, size_t inlen,
                   const CK_BYTE *want, size_t wantlen)
{
	CK_BYTE out[128], bad[128];
	CK_ULONG outlen = sizeof(out), got;
	size_t cuts[4], pos = 0;
	void *op;

	assert_int_equal(one_shot(OS_BACKEND_OP_SIGN, mech, key, in, inlen, out, &outlen), CKR_OK);
	assert_int_equal(outlen, wantlen);
	assert_memory_equal(out, want, wantlen);

	assert_int_equal(op_start(OS_BACKEND_OP_SIGN, mech, key, &op), CKR_OK);
	random_cuts(inlen, cuts, N_ELEM(cuts));
	for (size_t i = 0; i <= N_ELEM(cuts); i++) {
		size_t end = i < N_ELEM(cuts) ? cuts[i] : inlen;

		assert_int_equal(be.ops->op_update(op, in + pos, end - pos, NULL, NULL), CKR_OK);
		pos = end;
	}
	assert_int_equal(step(op, true, NULL, 0, out, sizeof(out), &got), CKR_OK);
	assert_int_equal(got, wantlen);
	assert_memory_equal(out, want, wantlen);
	be.ops->op_free(op);

	assert_int_equal(op_start(OS_BACKEND_OP_VERIFY, mech, key, &op), CKR_OK);
	assert_int_equal(be.ops->op_verify(op, in, inlen, want, wantlen), CKR_OK);
	be.ops->op_free(op);
	assert_int_equal(op_start(OS_BACKEND_OP_VERIFY, mech, key, &op), CKR_OK);
	assert_int_equal(be.ops->op_update(op, in, inlen / 2, NULL, NULL), CKR_OK);
	assert_int_equal(be.ops->op_update(op, in + inlen / 2, inlen - inlen / 2, NULL, NULL),
	                 CKR_OK);
	assert_int_equal(be.ops->op_verify_final(op, want, wantlen), CKR_OK);
	be.ops->op_free(op);

	memcpy(bad, want, wantlen);
	bad[wantlen - 1] ^= 0x01;
	assert_int_equal(op_start(OS_BACKEND_OP_VERIFY, mech, key, &op), CKR_OK);
	assert_int_equal(be.ops->op_verify(op, in, inlen, bad, wantlen), CKR_SIGNATURE_INVALID);
	be.ops->op_free(op);
	assert_int_equal(op_start(OS_BACKEND_OP_VERIFY, mech, key, &op), CKR_OK);
	assert_int_equal(be.ops->op_verify(op, in, inlen, want, wantlen - 1),
	                 CKR_SIGNATURE_LEN_RANGE);
	be.ops->op_free(op);
	assert_int_equal(op_start(OS_BACKEND_OP_VERIFY, mech, key, &op), CKR_OK);
	assert_int_equal(be.ops->op_verify_final(op, want, wantlen + 1), CKR_SIGNATURE_LEN_RANGE);
	be.ops->op_free(op);
}
