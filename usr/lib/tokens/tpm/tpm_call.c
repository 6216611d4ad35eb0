/*
 * One TPM call on a key of the token (see tpm_call.h).
 */
#include "tpm_call.h"

#include <string.h>

#include <openssl/evp.h>

#include "tpm_keep.h"
#include "tpm_keys.h"

/* A fresh connection and parent; kept for later calls behind a resource manager. */
static CK_RV call_open_inlock(struct tpm_ctx *ctx, struct tpm_call *call)
{
	CK_RV rv = tpm_connect_inlock(ctx, &call->conn);

	if (rv != CKR_OK)
		return rv;
	rv = tpm_parent_open(&call->conn, &ctx->opts, &call->parent);
	if (rv != CKR_OK) {
		tpm_conn_close(&call->conn);
		return rv;
	}
	if (ctx->rm) {
		tpm_keep_adopt(&ctx->keep, &call->conn, &call->parent);
		call->kept = true;
	}
	return CKR_OK;
}

CK_RV tpm_call_begin(struct tpm_ctx *ctx, struct tpm_call *call)
{
	CK_RV rv;

	memset(call, 0, sizeof(*call));
	call->ctx = ctx;
	call->key = ESYS_TR_NONE;
	if (!ctx->present)
		return CKR_TOKEN_NOT_PRESENT;
	pthread_mutex_lock(&ctx->lock);
	if (ctx->rm && tpm_keep_open(&ctx->keep)) {
		call->conn = ctx->keep.conn;
		call->parent = ctx->keep.parent;
		call->kept = true;
		call->reused = true;
		return CKR_OK;
	}
	rv = call_open_inlock(ctx, call);
	if (rv != CKR_OK)
		pthread_mutex_unlock(&ctx->lock);
	return rv;
}

/* SHA-256 of the public blob, then the private one: the key's name in the cache. */
static CK_RV call_hash(const CK_BYTE *pub, size_t pub_len, const CK_BYTE *priv, size_t priv_len,
                       uint8_t hash[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(md, pub, pub_len) == 1 &&
	         EVP_DigestUpdate(md, priv, priv_len) == 1 &&
	         EVP_DigestFinal_ex(md, hash, NULL) == 1;

	EVP_MD_CTX_free(md);
	return ok ? CKR_OK : CKR_HOST_MEMORY;
}

/* The key from the cache, or loaded and added to it. */
static CK_RV call_kept_key(struct tpm_call *call, const CK_BYTE *pub, size_t pub_len,
                           const CK_BYTE *priv, size_t priv_len)
{
	struct tpm_keep *keep = &call->ctx->keep;
	const struct tpm_keep_key *e;
	uint8_t hash[32];
	ESYS_TR key = ESYS_TR_NONE;
	CK_RV rv = call_hash(pub, pub_len, priv, priv_len, hash);

	if (rv != CKR_OK)
		return rv;
	e = tpm_keep_find(keep, hash, &call->ctx->key_auth);
	if (e != NULL) {
		call->key = e->handle;
		call->pub = e->pub;
		return CKR_OK;
	}
	rv = tpm_keys_load(&call->conn, &call->parent, pub, pub_len, priv, priv_len, &key,
	                   &call->pub);
	if (rv == CKR_OK) {
		tpm_keep_add(keep, hash, key, &call->pub, &call->ctx->key_auth);
		call->key = key;
	}
	return rv;
}

CK_RV tpm_call_key(struct tpm_ctx *ctx, const CK_BYTE *pub, size_t pub_len, const CK_BYTE *priv,
                   size_t priv_len, struct tpm_call *call)
{
	CK_RV rv = tpm_call_begin(ctx, call);

	if (rv != CKR_OK)
		return rv;
	if (call->kept)
		rv = call_kept_key(call, pub, pub_len, priv, priv_len);
	else
		rv = tpm_keys_load(&call->conn, &call->parent, pub, pub_len, priv, priv_len,
		                   &call->key, &call->pub);
	if (rv == CKR_OK)
		rv = tpm_conn_rv(Esys_TR_SetAuth(call->conn.esys, call->key, &ctx->key_auth));
	if (rv != CKR_OK)
		tpm_call_finish(call, rv);
	return rv;
}

CK_RV tpm_call_finish(struct tpm_call *call, CK_RV rv)
{
	struct tpm_ctx *ctx = call->ctx;

	if (call->kept && rv != CKR_OK) {
		tpm_trace(ctx, 2, "tpm: a call failed (0x%lx): dropping what was kept", rv);
		tpm_keep_drop(&ctx->keep);
	}
	if (!call->kept) {
		tpm_conn_flush(&call->conn, &call->key);
		tpm_parent_close(&call->conn, &call->parent);
		tpm_conn_close(&call->conn);
	}
	call->key = ESYS_TR_NONE;
	pthread_mutex_unlock(&ctx->lock);
	return rv;
}

void tpm_call_end(struct tpm_call *call)
{
	tpm_call_finish(call, CKR_OK);
}

bool tpm_call_retry(const struct tpm_call *call, CK_RV rv)
{
	return call->reused && rv != CKR_OK;
}
