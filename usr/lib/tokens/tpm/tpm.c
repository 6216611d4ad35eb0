/*
 * The tpm backend: a token on a TPM 2.0 reached through tpm2-tss.
 *
 * At load the backend reads its slot options, connects once to the TPM
 * (TPM2_Startup when no resource manager has done it, then
 * TPM2_GetCapability; a "tpm-parent" is checked) and keeps what it learnt;
 * when no TPM answers, the slot is shown without a token and its
 * description says why.  Later calls on keys go through tpm_call.h, which
 * keeps the connection open behind a resource manager and opens one per
 * call on a bare swtpm socket.  A TPM that goes away afterwards makes
 * the calls that need it fail with CKR_DEVICE_REMOVED or CKR_DEVICE_ERROR;
 * the token stays listed.
 */
#include "tpm.h"
#include "bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tpm_derive.h"
#include "tpm_import.h"
#include "tpm_keys.h"
#include "tpm_lockout.h"
#include "tpm_ops.h"
#include "tpm_parent.h"
#include "tpm_secret.h"
#include "tpm_unwrap.h"

void tpm_trace(const struct tpm_ctx *ctx, int level, const char *fmt, ...)
{
	va_list ap;

	if (ctx->trace == NULL)
		return;
	va_start(ap, fmt);
	ctx->trace(level, fmt, ap);
	va_end(ap);
}

CK_RV tpm_connect_inlock(struct tpm_ctx *ctx, struct tpm_conn *c)
{
	CK_RV rv = tpm_conn_open(&ctx->opts, c);

	if (rv == CKR_OK && ctx->no_rm) {
		rv = tpm_conn_flush_leftovers(c);
		if (rv != CKR_OK)
			tpm_conn_close(c);
	}
	if (rv != CKR_OK)
		tpm_trace(ctx, 1, "tpm: cannot connect to %s (0x%lx)", ctx->opts.tcti, rv);
	return rv;
}

CK_RV tpm_begin(struct tpm_ctx *ctx, struct tpm_conn *c)
{
	CK_RV rv;

	if (!ctx->present)
		return CKR_TOKEN_NOT_PRESENT;
	pthread_mutex_lock(&ctx->lock);
	rv = tpm_connect_inlock(ctx, c);
	if (rv != CKR_OK)
		pthread_mutex_unlock(&ctx->lock);
	return rv;
}

void tpm_end(struct tpm_ctx *ctx, struct tpm_conn *c)
{
	tpm_conn_close(c);
	pthread_mutex_unlock(&ctx->lock);
}

/* Connects once: starts the TPM if needed and reads its capabilities. */
static void tpm_probe(struct tpm_ctx *ctx)
{
	struct tpm_conn c;
	CK_RV rv;

	if (tpm_opts_device_missing(&ctx->opts, ctx->description))
		return;
	rv = tpm_conn_open(&ctx->opts, &c);
	if (rv != CKR_OK) {
		tpm_opts_describe(&ctx->opts, "cannot connect", ctx->description);
		return;
	}
	/* a resource manager has started the TPM itself */
	rv = ctx->rm ? CKR_OK : tpm_conn_startup(&c);
	if (rv == CKR_OK)
		rv = tpm_caps_read(&c, &ctx->caps);
	if (rv != CKR_OK) {
		tpm_conn_close(&c);
		tpm_opts_describe(&ctx->opts, "no answer", ctx->description);
		return;
	}
	rv = ctx->opts.parent != 0 ? tpm_parent_check(&c, &ctx->opts, ctx->description) : CKR_OK;
	tpm_conn_close(&c);
	if (rv != CKR_OK)
		return;
	tpm_mechs_select(&ctx->caps, &ctx->mechs);
	ctx->present = true;
}

static CK_RV tpm_load(const struct os_backend_env *env, void **out)
{
	struct tpm_ctx *ctx;
	CK_RV rv;

	if (env == NULL || out == NULL)
		return CKR_ARGUMENTS_BAD;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return CKR_HOST_MEMORY;
	rv = tpm_opts_read(env, &ctx->opts);
	if (rv != CKR_OK) {
		free(ctx);
		return rv;
	}
	ctx->trace = env->trace;
	ctx->no_rm =
	    strncmp(ctx->opts.tcti, "swtpm", 5) == 0 || strncmp(ctx->opts.tcti, "mssim", 5) == 0;
	ctx->rm = strncmp(ctx->opts.tcti, "tabrmd", 6) == 0 ||
	          (strncmp(ctx->opts.tcti, "device:", 7) == 0 && strstr(ctx->opts.tcti, "tpmrm"));
	pthread_mutex_init(&ctx->lock, NULL);
	tpm_probe(ctx);
	if (!ctx->present)
		tpm_trace(ctx, 1, "slot %lu: %s", env->slot_id, ctx->description);
	*out = ctx;
	return CKR_OK;
}

static void tpm_unload(void *p)
{
	struct tpm_ctx *ctx = p;

	if (ctx == NULL)
		return;
	tpm_keep_drop(&ctx->keep);
	/*
	 * Not destroyed: in a forked child the parent's context may be unloaded
	 * while another thread of the parent held its mutex at the fork.
	 */
	OPENSSL_cleanse(&ctx->key_auth, sizeof(ctx->key_auth));
	free(ctx);
}

static CK_RV tpm_slot_info(void *p, CK_SLOT_INFO *info)
{
	const struct tpm_ctx *ctx = p;

	if (ctx == NULL || info == NULL)
		return CKR_ARGUMENTS_BAD;
	info->flags |= CKF_HW_SLOT;
	if (ctx->present) {
		info->flags |= CKF_TOKEN_PRESENT;
		return CKR_OK;
	}
	os_pad_text(info->slotDescription, sizeof(info->slotDescription), ctx->description);
	info->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT;
	return CKR_OK;
}

static CK_RV tpm_token_present(void *p)
{
	const struct tpm_ctx *ctx = p;

	return ctx != NULL && ctx->present ? CKR_OK : CKR_TOKEN_NOT_PRESENT;
}

static CK_BYTE tpm_version_byte(uint32_t v)
{
	return v > 255 ? 255 : (CK_BYTE)v;
}

/*
 * The PIN state flags from the TPM's dictionary-attack state, which counts
 * the token's wrong PINs; left as they are when the TPM does not answer.
 */
static void tpm_pin_flags(struct tpm_ctx *ctx, CK_TOKEN_INFO *info)
{
	struct tpm_lockout l;
	struct tpm_conn c;

	if (!(info->flags & CKF_TOKEN_INITIALIZED)) /* no PIN yet: no state to show */
		return;
	if (tpm_begin(ctx, &c) != CKR_OK)
		return;
	if (tpm_lockout_read(&c, &l) == CKR_OK)
		info->flags = tpm_lockout_flags(&l, info->flags);
	tpm_end(ctx, &c);
}

static CK_RV tpm_token_info(void *p, CK_TOKEN_INFO *info)
{
	struct tpm_ctx *ctx = p;
	char model[32];

	if (ctx == NULL || info == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!ctx->present)
		return CKR_TOKEN_NOT_PRESENT;
	snprintf(model, sizeof(model), "TPM 2.0 %s", ctx->caps.vendor);
	os_pad_text(info->manufacturerID, sizeof(info->manufacturerID), ctx->caps.manufacturer);
	os_pad_text(info->model, sizeof(info->model), model);
	info->hardwareVersion.major = 2;
	info->hardwareVersion.minor = 0;
	info->firmwareVersion.major = tpm_version_byte(ctx->caps.firmware >> 16);
	info->firmwareVersion.minor = tpm_version_byte(ctx->caps.firmware & 0xffff);
	info->flags |= CKF_RNG;
	tpm_pin_flags(ctx, info);
	return CKR_OK;
}

#define TPM_KEY_AUTH_LABEL "openslot tpm key auth"

/* The auth value of the token's keys, from the master key of a user login. */
static CK_RV tpm_login_key(void *p, const CK_BYTE *mk, size_t len)
{
	struct tpm_ctx *ctx = p;
	TPM2B_AUTH auth = {0};
	size_t n = 0;

	if (ctx == NULL || (mk == NULL && len > 0))
		return CKR_ARGUMENTS_BAD;
	if (mk != NULL &&
	    (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, mk, len,
	               (const unsigned char *)TPM_KEY_AUTH_LABEL, sizeof(TPM_KEY_AUTH_LABEL) - 1,
	               auth.buffer, sizeof(auth.buffer), &n) == NULL ||
	     n != 32))
		return CKR_FUNCTION_FAILED;
	auth.size = (UINT16)n;
	pthread_mutex_lock(&ctx->lock);
	ctx->key_auth = auth;
	pthread_mutex_unlock(&ctx->lock);
	OPENSSL_cleanse(&auth, sizeof(auth));
	return CKR_OK;
}

static CK_RV tpm_mechanism_list(void *p, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	const struct tpm_ctx *ctx = p;

	if (ctx == NULL || count == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!ctx->present)
		return CKR_TOKEN_NOT_PRESENT;
	return tpm_mechs_list(&ctx->mechs, list, count);
}

static CK_RV tpm_mechanism_info(void *p, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	const struct tpm_ctx *ctx = p;

	if (ctx == NULL || info == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!ctx->present)
		return CKR_TOKEN_NOT_PRESENT;
	return tpm_mechs_info(&ctx->mechs, type, info);
}

static CK_RV tpm_generate_random(void *p, CK_BYTE *out, CK_ULONG len)
{
	struct tpm_ctx *ctx = p;
	struct tpm_conn c;
	CK_RV rv;

	if (ctx == NULL || (out == NULL && len > 0))
		return CKR_ARGUMENTS_BAD;
	rv = tpm_begin(ctx, &c);
	if (rv != CKR_OK)
		return rv;
	rv = tpm_conn_random(&c, out, len);
	tpm_end(ctx, &c);
	return rv;
}

/* The TPM's generator takes no seed from outside; PKCS#11 has an answer for that. */
static CK_RV tpm_seed_random(void *p, const CK_BYTE *seed, CK_ULONG len)
{
	const struct tpm_ctx *ctx = p;

	if (ctx == NULL)
		return CKR_ARGUMENTS_BAD;
	return ctx->present ? CKR_RANDOM_SEED_NOT_SUPPORTED : CKR_TOKEN_NOT_PRESENT;
}

/*
 * C_CreateObject: public keys, certificates and data are stored as for the
 * soft token; a private key is imported into the TPM (tpm_import.h) and a
 * secret key given in clear becomes a TPM key (tpm_secret.h), each stored
 * as its blobs.
 */
static CK_RV tpm_check_key(void *p, struct tok_attrs *key)
{
	CK_OBJECT_CLASS cls;

	if (p == NULL || key == NULL)
		return CKR_ARGUMENTS_BAD;
	if (tok_attrs_get_ulong(key, CKA_CLASS, &cls) && cls == CKO_PRIVATE_KEY)
		return tpm_import_key(p, key);
	if (tok_attrs_get_ulong(key, CKA_CLASS, &cls) && cls == CKO_SECRET_KEY)
		return tpm_secret_import(p, key);
	return CKR_OK;
}

static const struct os_backend_ops tpm_ops = {
    .abi_version = OS_BACKEND_ABI_VERSION,
    .name = "tpm",
    .load = tpm_load,
    .unload = tpm_unload,
    .slot_info = tpm_slot_info,
    .token_present = tpm_token_present,
    .token_info = tpm_token_info,
    .login_key = tpm_login_key,
    .mechanism_list = tpm_mechanism_list,
    .mechanism_info = tpm_mechanism_info,
    .generate_random = tpm_generate_random,
    .seed_random = tpm_seed_random,
    .generate_key = tpm_secret_generate,
    .generate_key_pair = tpm_keys_generate_pair,
    .check_key = tpm_check_key,
    .op_init = tpm_ops_init,
    .op_single = tpm_ops_single,
    .op_update = tpm_ops_update,
    .op_final = tpm_ops_final,
    .op_verify = tpm_ops_verify,
    .op_verify_final = tpm_ops_verify_final,
    .op_free = tpm_ops_free,
    .derive_key = tpm_derive_key,
    .unwrap_key = tpm_unwrap_key,
};

const struct os_backend_ops *os_backend_entry(void)
{
	return &tpm_ops;
}
