/*
 * The shared part of the soft backend's asymmetric unit test (see
 * soft-asym.h): libtoken_soft.so is loaded with dlopen() from
 * $top_builddir/.libs and driven through its ops table as the token common
 * layer drives it, with attribute sets standing for key objects.
 */
#include "soft-asym.h"

#include <dlfcn.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

char test_dir[PATH_MAX / 2];
static char data_dir[PATH_MAX];
static char lock_dir[PATH_MAX];
static void *dl;
const struct os_backend_ops *be;
void *ctx;

size_t hex(const char *s, CK_BYTE *out)
{
	size_t n = strlen(s) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (CK_BYTE)v;
	}
	return n;
}

void key_init(struct key *k, CK_OBJECT_CLASS cls, CK_KEY_TYPE type)
{
	tok_attrs_init(&k->a);
	k->cache = NULL;
	k->ref.attrs = &k->a;
	k->ref.cache = &k->cache;
	OK(tok_attrs_set_ulong(&k->a, CKA_CLASS, cls));
	OK(tok_attrs_set_ulong(&k->a, CKA_KEY_TYPE, type));
}

void key_set_hex(struct key *k, CK_ATTRIBUTE_TYPE type, const char *h)
{
	CK_BYTE buf[BUF_MAX];

	OK(tok_attrs_set(&k->a, type, buf, hex(h, buf)));
}

void key_free(struct key *k)
{
	if (k->cache)
		be->key_cache_free(ctx, k->cache);
	k->cache = NULL;
	tok_attrs_free(&k->a);
}

const CK_ATTRIBUTE *attr(const struct key *k, CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *at = tok_attrs_find(&k->a, type);

	assert_non_null(at);
	return at;
}

/* ---- operations through the ops table ---- */

CK_RV op_start(enum os_backend_op kind, CK_MECHANISM *m, struct key *k, void **op)
{
	*op = NULL;
	return be->op_init(ctx, kind, m, &k->ref, op);
}

/* Signs (or encrypts, decrypts) in one part, asking for the length first. */
static CK_RV run_single(enum os_backend_op kind, CK_MECHANISM *m, struct key *k, const void *in,
                        CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	void *op;
	CK_ULONG want = 0;
	CK_RV rv = op_start(kind, m, k, &op);

	if (rv != CKR_OK)
		return rv;
	rv = be->op_single(op, in, inlen, NULL, &want);
	if (rv == CKR_OK) {
		assert_true(want <= *outlen);
		rv = be->op_single(op, in, inlen, out, outlen);
		if (rv == CKR_OK)
			assert_true(*outlen <= want);
	}
	be->op_free(op);
	return rv;
}

CK_RV sign(CK_MECHANISM *m, struct key *k, const void *in, CK_ULONG inlen, CK_BYTE *sig,
           CK_ULONG *siglen)
{
	*siglen = BUF_MAX;
	return run_single(OS_BACKEND_OP_SIGN, m, k, in, inlen, sig, siglen);
}

CK_RV verify(CK_MECHANISM *m, struct key *k, const void *in, CK_ULONG inlen, const CK_BYTE *sig,
             CK_ULONG siglen)
{
	void *op;
	CK_RV rv = op_start(OS_BACKEND_OP_VERIFY, m, k, &op);

	if (rv != CKR_OK)
		return rv;
	rv = be->op_verify(op, in, inlen, sig, siglen);
	be->op_free(op);
	return rv;
}

CK_RV cipher(enum os_backend_op kind, CK_MECHANISM *m, struct key *k, const void *in,
             CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen)
{
	*outlen = BUF_MAX;
	return run_single(kind, m, k, in, inlen, out, outlen);
}

/* Signs, checks the signature verifies, and that a changed one does not. */
void sign_verify(CK_MECHANISM *m, struct key *priv, struct key *pub, const void *data, CK_ULONG len,
                 CK_ULONG siglen_want)
{
	CK_BYTE sig[BUF_MAX];
	CK_ULONG siglen;

	OK(sign(m, priv, data, len, sig, &siglen));
	assert_int_equal(siglen, siglen_want);
	OK(verify(m, pub, data, len, sig, siglen));
	sig[siglen / 2] ^= 0x01;
	assert_int_equal(verify(m, pub, data, len, sig, siglen), CKR_SIGNATURE_INVALID);
	assert_int_equal(verify(m, pub, data, len, sig, siglen - 1), CKR_SIGNATURE_LEN_RANGE);
}

/* ---- key generation ---- */

CK_RV gen_rsa(CK_ULONG bits, const char *e, struct key *pub, struct key *priv)
{
	CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};

	key_init(pub, CKO_PUBLIC_KEY, CKK_RSA);
	key_init(priv, CKO_PRIVATE_KEY, CKK_RSA);
	OK(tok_attrs_set_ulong(&pub->a, CKA_MODULUS_BITS, bits));
	if (e)
		key_set_hex(pub, CKA_PUBLIC_EXPONENT, e);
	return be->generate_key_pair(ctx, &m, &pub->a, &priv->a);
}

CK_RV gen_ec(CK_MECHANISM_TYPE mech, CK_KEY_TYPE type, const char *params, struct key *pub,
             struct key *priv)
{
	CK_MECHANISM m = {mech, NULL, 0};

	key_init(pub, CKO_PUBLIC_KEY, type);
	key_init(priv, CKO_PRIVATE_KEY, type);
	if (params)
		key_set_hex(pub, CKA_EC_PARAMS, params);
	return be->generate_key_pair(ctx, &m, &pub->a, &priv->a);
}

/* ---- fixtures ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int suite_setup(void **state)
{
	char tmpl[] = "/tmp/test-soft-asym.XXXXXX", path[PATH_MAX];
	const char *top = getenv("top_builddir");
	struct os_backend_env env = {.token_name = "asym"};
	os_backend_entry_fn entry;

	if (!mkdtemp(tmpl) || !realpath(tmpl, test_dir))
		return -1;
	snprintf(data_dir, sizeof(data_dir), "%s/data", test_dir);
	snprintf(lock_dir, sizeof(lock_dir), "%s/lock", test_dir);
	if (mkdir(data_dir, 0700) != 0 || mkdir(lock_dir, 0700) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/.libs/libtoken_soft.so", top ? top : ".");
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return -1;
	}
	entry = (os_backend_entry_fn)dlsym(dl, OS_BACKEND_ENTRY_SYMBOL);
	be = entry ? entry() : NULL;
	if (!be || be->abi_version != OS_BACKEND_ABI_VERSION)
		return -1;
	env.data_dir = data_dir;
	env.lock_dir = lock_dir;
	return be->load(&env, &ctx) == CKR_OK ? 0 : -1;
}

static int suite_unload(void)
{
	/*
	 * The module stays loaded: soft.c keeps its joined mechanism index for
	 * the life of the process, and unloading would lose it.
	 */
	be->unload(ctx);
	return nftw(test_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bool quick(void)
{
	const char *q = getenv("OS_TEST_QUICK");

	return q && *q && strcmp(q, "0") != 0;
}

/* One RSA-2048 pair for the tests below, made on first use. */
struct key rsa_pub, rsa_priv;
static bool rsa_made;

void rsa_pair(void)
{
	if (!rsa_made)
		OK(gen_rsa(2048, NULL, &rsa_pub, &rsa_priv));
	rsa_made = true;
}

/* A secret key's attributes as the common layer builds them for unwrapping or derivation. */
void secret_template(struct key *k, CK_KEY_TYPE type, CK_ULONG value_len)
{
	key_init(k, CKO_SECRET_KEY, type);
	if (value_len)
		OK(tok_attrs_set_ulong(&k->a, CKA_VALUE_LEN, value_len));
}

/* ---- cross-checks with the openssl command ---- */

static void tmp_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", test_dir, name);
}

void write_file(const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	tmp_path(path, sizeof(path), name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

size_t read_file(const char *name, CK_BYTE *buf, size_t cap)
{
	char path[PATH_MAX];
	FILE *f;
	size_t len;

	tmp_path(path, sizeof(path), name);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(buf, 1, cap, f);
	fclose(f);
	return len;
}

int run(const char *fmt, ...)
{
	char cmd[2048];
	int n = snprintf(cmd, sizeof(cmd), "cd '%s' && ", test_dir);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	strncat(cmd, " >/dev/null 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	return system(cmd);
}

/* Writes the token public key as PEM, built from its attributes as any application would. */
void write_pub_pem(const struct key *k, const char *type, const char *group, const char *name)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	const CK_ATTRIBUTE *pt = tok_attrs_find(&k->a, CKA_EC_POINT);
	BIGNUM *n = NULL, *e = NULL;
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params;
	char path[PATH_MAX];
	FILE *f;

	assert_non_null(bld);
	if (pt) { /* skip the DER OCTET STRING header: short or 0x81 form */
		const CK_BYTE *p = pt->pValue;
		size_t hdr = p[1] == 0x81 ? 3 : 2;
		assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
		                                                  p + hdr, pt->ulValueLen - hdr),
		                 1);
		if (group)
			assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(
			                     bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
			                 1);
	} else {
		n = BN_bin2bn(attr(k, CKA_MODULUS)->pValue, attr(k, CKA_MODULUS)->ulValueLen, NULL);
		e = BN_bin2bn(attr(k, CKA_PUBLIC_EXPONENT)->pValue,
		              attr(k, CKA_PUBLIC_EXPONENT)->ulValueLen, NULL);
		assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
		assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), 1);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_int_equal(EVP_PKEY_fromdata_init(pctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
	tmp_path(path, sizeof(path), name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, pkey), 1);
	fclose(f);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
}

size_t sha256(const void *data, size_t len, CK_BYTE *out)
{
	unsigned int n;

	assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha256(), NULL), 1);
	return n;
}

/* r || s to DER, as openssl reads ECDSA signatures. */
size_t ecdsa_der(const CK_BYTE *rs, size_t n, CK_BYTE *out)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	unsigned char *p = out;
	int len;

	assert_non_null(sig);
	assert_int_equal(
	    ECDSA_SIG_set0(sig, BN_bin2bn(rs, (int)n, NULL), BN_bin2bn(rs + n, (int)n, NULL)), 1);
	len = i2d_ECDSA_SIG(sig, &p);
	ECDSA_SIG_free(sig);
	assert_true(len > 0);
	return (size_t)len;
}

EVP_PKEY *read_private_pem(const char *name)
{
	char path[PATH_MAX];
	EVP_PKEY *pkey;
	FILE *f;

	tmp_path(path, sizeof(path), name);
	f = fopen(path, "r");
	assert_non_null(f);
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(pkey);
	return pkey;
}

void key_set_bn(struct key *k, CK_ATTRIBUTE_TYPE type, const EVP_PKEY *pkey, const char *name)
{
	BIGNUM *bn = NULL;
	CK_BYTE buf[512];
	int len;

	assert_int_equal(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
	len = BN_bn2bin(bn, buf);
	OK(tok_attrs_set(&k->a, type, buf, (CK_ULONG)len));
	BN_clear_free(bn);
}

int suite_teardown(void **state)
{
	if (rsa_made) {
		key_free(&rsa_pub);
		key_free(&rsa_priv);
	}
	rsa_made = false;
	return suite_unload();
}
