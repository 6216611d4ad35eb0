/*
 * Raw OpenSSL 3 EVP counterparts of the PKCS#11 operations (bench_ossl.h).
 * The inputs match bench_ops.c: the same lengths, a 12-byte GCM nonce with a
 * 16-byte tag, CBC without padding, PSS with a 32-byte salt.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "bench_ossl.h"

#define OSSL_MAX_IN (1 << 20)

struct bench_ossl {
	EVP_PKEY *rsa;
	EVP_PKEY *ec;
	EVP_PKEY *ed;
	EVP_MD *sha256;
	EVP_CIPHER *gcm;
	EVP_CIPHER *cbc;
	EVP_MAC *hmac;
	EVP_MD_CTX *mctx;      /* signatures */
	EVP_MD_CTX *dctx;      /* digests */
	EVP_PKEY_CTX *rsa_ctx; /* raw RSA signatures */
	EVP_PKEY_CTX *ec_ctx;  /* raw ECDSA signatures */
	EVP_CIPHER_CTX *cctx;
	EVP_MAC_CTX *macctx;
	unsigned char key[32];
	unsigned char iv[16];
	unsigned char sig[512];
	size_t siglen;
	unsigned char *in;
	unsigned char *out;
};

void bench_ossl_free(struct bench_ossl *b)
{
	if (!b)
		return;
	EVP_PKEY_free(b->rsa);
	EVP_PKEY_free(b->ec);
	EVP_PKEY_free(b->ed);
	EVP_MD_free(b->sha256);
	EVP_CIPHER_free(b->gcm);
	EVP_CIPHER_free(b->cbc);
	EVP_MAC_free(b->hmac);
	EVP_MD_CTX_free(b->mctx);
	EVP_MD_CTX_free(b->dctx);
	EVP_PKEY_CTX_free(b->rsa_ctx);
	EVP_PKEY_CTX_free(b->ec_ctx);
	EVP_CIPHER_CTX_free(b->cctx);
	EVP_MAC_CTX_free(b->macctx);
	free(b->in);
	free(b->out);
	free(b);
}

/* A signature over 64 input bytes for the verification. */
static int ossl_presign(struct bench_ossl *b)
{
	b->siglen = sizeof(b->sig);
	EVP_MD_CTX_reset(b->mctx);
	return EVP_DigestSignInit(b->mctx, NULL, b->sha256, NULL, b->rsa) == 1 &&
	       EVP_DigestSign(b->mctx, b->sig, &b->siglen, b->in, 64) == 1;
}

static int ossl_setup(struct bench_ossl *b)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
	    OSSL_PARAM_construct_end(),
	};

	b->rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	b->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	b->ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	b->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	b->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	b->cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	b->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	b->mctx = EVP_MD_CTX_new();
	b->dctx = EVP_MD_CTX_new();
	b->cctx = EVP_CIPHER_CTX_new();
	b->in = malloc(OSSL_MAX_IN);
	b->out = malloc(OSSL_MAX_IN + 64);
	if (!b->rsa || !b->ec || !b->ed || !b->sha256 || !b->gcm || !b->cbc || !b->hmac ||
	    !b->mctx || !b->dctx || !b->cctx || !b->in || !b->out)
		return 0;
	b->rsa_ctx = EVP_PKEY_CTX_new(b->rsa, NULL);
	b->ec_ctx = EVP_PKEY_CTX_new(b->ec, NULL);
	b->macctx = EVP_MAC_CTX_new(b->hmac);
	if (!b->rsa_ctx || !b->ec_ctx || !b->macctx || !EVP_MAC_CTX_set_params(b->macctx, params))
		return 0;
	for (size_t i = 0; i < OSSL_MAX_IN; i++)
		b->in[i] = (unsigned char)(i * 31 + 7);
	for (size_t i = 0; i < sizeof(b->key); i++)
		b->key[i] = (unsigned char)(0x5a ^ (i * 7));
	memset(b->iv, 0x3c, sizeof(b->iv));
	return ossl_presign(b);
}

struct bench_ossl *bench_ossl_new(void)
{
	struct bench_ossl *b = calloc(1, sizeof(*b));

	if (b && !ossl_setup(b)) {
		bench_ossl_free(b);
		return NULL;
	}
	return b;
}

static CK_RV ossl_rv(int ok)
{
	return ok ? CKR_OK : CKR_FUNCTION_FAILED;
}

/* A raw signature with ctx over len input bytes (the RSA or ECDSA case). */
static CK_RV ossl_raw_sign(struct bench_ossl *b, EVP_PKEY_CTX *ctx, size_t len, int rsa)
{
	size_t outlen = 512;

	if (EVP_PKEY_sign_init(ctx) != 1)
		return CKR_FUNCTION_FAILED;
	if (rsa && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1)
		return CKR_FUNCTION_FAILED;
	return ossl_rv(EVP_PKEY_sign(ctx, b->out, &outlen, b->in, len) == 1);
}

static CK_RV ossl_rsa_pkcs(void *arg)
{
	struct bench_ossl *b = arg;

	return ossl_raw_sign(b, b->rsa_ctx, 51, 1);
}

static CK_RV ossl_ecdsa(void *arg)
{
	struct bench_ossl *b = arg;

	return ossl_raw_sign(b, b->ec_ctx, 32, 0);
}

/* A one-shot signature over 64 bytes with md (NULL for EdDSA). */
static CK_RV ossl_digest_sign(struct bench_ossl *b, EVP_PKEY *key, const EVP_MD *md, int pss)
{
	EVP_PKEY_CTX *pctx = NULL;
	size_t outlen = 512;

	EVP_MD_CTX_reset(b->mctx);
	if (EVP_DigestSignInit(b->mctx, &pctx, md, NULL, key) != 1)
		return CKR_FUNCTION_FAILED;
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		return CKR_FUNCTION_FAILED;
	return ossl_rv(EVP_DigestSign(b->mctx, b->out, &outlen, b->in, 64) == 1);
}

static CK_RV ossl_rsa_sha256(void *arg)
{
	struct bench_ossl *b = arg;

	return ossl_digest_sign(b, b->rsa, b->sha256, 0);
}

static CK_RV ossl_rsa_pss(void *arg)
{
	struct bench_ossl *b = arg;

	return ossl_digest_sign(b, b->rsa, b->sha256, 1);
}

static CK_RV ossl_ecdsa_sha256(void *arg)
{
	struct bench_ossl *b = arg;

	return ossl_digest_sign(b, b->ec, b->sha256, 0);
}

static CK_RV ossl_ed25519(void *arg)
{
	struct bench_ossl *b = arg;

	return ossl_digest_sign(b, b->ed, NULL, 0);
}

static CK_RV ossl_rsa_verify(void *arg)
{
	struct bench_ossl *b = arg;

	EVP_MD_CTX_reset(b->mctx);
	if (EVP_DigestVerifyInit(b->mctx, NULL, b->sha256, NULL, b->rsa) != 1)
		return CKR_FUNCTION_FAILED;
	return ossl_rv(EVP_DigestVerify(b->mctx, b->sig, b->siglen, b->in, 64) == 1);
}

/* Encrypts len bytes; GCM also produces its 16-byte tag. */
static CK_RV ossl_encrypt(struct bench_ossl *b, const EVP_CIPHER *cipher, size_t len, int gcm)
{
	int outl = 0;
	int finl = 0;

	if (EVP_EncryptInit_ex2(b->cctx, cipher, b->key, b->iv, NULL) != 1)
		return CKR_FUNCTION_FAILED;
	if (!gcm)
		EVP_CIPHER_CTX_set_padding(b->cctx, 0);
	if (EVP_EncryptUpdate(b->cctx, b->out, &outl, b->in, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(b->cctx, b->out + outl, &finl) != 1)
		return CKR_FUNCTION_FAILED;
	if (gcm)
		return ossl_rv(EVP_CIPHER_CTX_ctrl(b->cctx, EVP_CTRL_AEAD_GET_TAG, 16,
		                                   b->out + outl + finl) == 1);
	return CKR_OK;
}

static CK_RV ossl_gcm_1k(void *arg)
{
	return ossl_encrypt(arg, ((struct bench_ossl *)arg)->gcm, 1024, 1);
}

static CK_RV ossl_gcm_16k(void *arg)
{
	return ossl_encrypt(arg, ((struct bench_ossl *)arg)->gcm, 16384, 1);
}

static CK_RV ossl_cbc_1k(void *arg)
{
	return ossl_encrypt(arg, ((struct bench_ossl *)arg)->cbc, 1024, 0);
}

static CK_RV ossl_cbc_16k(void *arg)
{
	return ossl_encrypt(arg, ((struct bench_ossl *)arg)->cbc, 16384, 0);
}

static CK_RV ossl_sha256(struct bench_ossl *b, size_t len)
{
	unsigned char md[32];

	if (EVP_DigestInit_ex2(b->dctx, b->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(b->dctx, b->in, len) != 1)
		return CKR_FUNCTION_FAILED;
	return ossl_rv(EVP_DigestFinal_ex(b->dctx, md, NULL) == 1);
}

static CK_RV ossl_sha256_64(void *arg)
{
	return ossl_sha256(arg, 64);
}

static CK_RV ossl_sha256_1m(void *arg)
{
	return ossl_sha256(arg, OSSL_MAX_IN);
}

static CK_RV ossl_hmac(void *arg)
{
	struct bench_ossl *b = arg;
	unsigned char mac[32];
	size_t maclen = 0;

	if (EVP_MAC_init(b->macctx, b->key, sizeof(b->key), NULL) != 1 ||
	    EVP_MAC_update(b->macctx, b->in, 64) != 1)
		return CKR_FUNCTION_FAILED;
	return ossl_rv(EVP_MAC_final(b->macctx, mac, &maclen, sizeof(mac)) == 1);
}

/* Raw ECDSA signing state of one thread or process. */
struct ossl_signer {
	EVP_PKEY_CTX *ctx;
	unsigned char hash[32];
	unsigned char sig[80];
};

void *bench_ossl_ecdsa_new(struct bench_ossl *b)
{
	struct ossl_signer *s = calloc(1, sizeof(*s));

	if (s && !(s->ctx = EVP_PKEY_CTX_new(b->ec, NULL))) {
		free(s);
		return NULL;
	}
	if (s)
		memcpy(s->hash, b->in, sizeof(s->hash));
	return s;
}

CK_RV bench_ossl_ecdsa(void *arg)
{
	struct ossl_signer *s = arg;
	size_t len = sizeof(s->sig);

	if (EVP_PKEY_sign_init(s->ctx) != 1)
		return CKR_FUNCTION_FAILED;
	return ossl_rv(EVP_PKEY_sign(s->ctx, s->sig, &len, s->hash, sizeof(s->hash)) == 1);
}

void bench_ossl_ecdsa_free(void *arg)
{
	struct ossl_signer *s = arg;

	if (s)
		EVP_PKEY_CTX_free(s->ctx);
	free(s);
}

static const struct {
	const char *id;
	bench_op_fn fn;
} ossl_ops[] = {
    {"rsa-pkcs-sign", ossl_rsa_pkcs}, {"rsa-sha256-sign", ossl_rsa_sha256},
    {"rsa-pss-sign", ossl_rsa_pss},   {"rsa-verify", ossl_rsa_verify},
    {"ecdsa-sign", ossl_ecdsa},       {"ecdsa-sha256-sign", ossl_ecdsa_sha256},
    {"ed25519-sign", ossl_ed25519},   {"aes-gcm-1k", ossl_gcm_1k},
    {"aes-gcm-16k", ossl_gcm_16k},    {"aes-cbc-1k", ossl_cbc_1k},
    {"aes-cbc-16k", ossl_cbc_16k},    {"sha256-64", ossl_sha256_64},
    {"sha256-1m", ossl_sha256_1m},    {"hmac-sha256-64", ossl_hmac},
};

bench_op_fn bench_ossl_op(const char *id)
{
	for (size_t i = 0; i < sizeof(ossl_ops) / sizeof(ossl_ops[0]); i++)
		if (strcmp(ossl_ops[i].id, id) == 0)
			return ossl_ops[i].fn;
	return NULL;
}
