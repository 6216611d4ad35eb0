/*
 * The soft backend: a token kept in software, with OpenSSL 3 as its
 * cryptography.
 *
 * What it offers today: the token is present, describes itself (model,
 * a serial number derived from the slot id, versions, CKF_RNG), and
 * generates random data with OpenSSL's DRBG.  It offers no mechanisms yet,
 * so its mechanism list is empty.
 */
#include "backend.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#define SOFT_MODEL "openslot soft"

struct soft_token {
	CK_UTF8CHAR serial[sizeof(((CK_TOKEN_INFO *)0)->serialNumber)];
};

/* Copies text into a fixed PKCS#11 field: blank-padded, no NUL, cut if too long. */
static void soft_pad(CK_UTF8CHAR *field, size_t size, const char *text)
{
	size_t len = strlen(text);

	if (len > size)
		len = size;
	memcpy(field, text, len);
	memset(field + len, ' ', size - len);
}

/*
 * The serial number is the slot id in decimal.  Slot ids from the config
 * fit in 32 bits; should one ever need more than 16 digits, the last 16
 * are kept so that serials still differ between neighbouring slots.
 */
static void soft_serial(struct soft_token *tok, CK_SLOT_ID slot_id)
{
	char digits[3 * sizeof(CK_SLOT_ID) + 1];
	int n = snprintf(digits, sizeof(digits), "%lu", (unsigned long)slot_id);
	size_t skip = (size_t)n > sizeof(tok->serial) ? (size_t)n - sizeof(tok->serial) : 0;

	soft_pad(tok->serial, sizeof(tok->serial), digits + skip);
}

static CK_RV soft_load(const struct os_backend_env *env, void **ctx)
{
	struct soft_token *tok;

	if (env == NULL || ctx == NULL)
		return CKR_ARGUMENTS_BAD;
	tok = calloc(1, sizeof(*tok));
	if (tok == NULL)
		return CKR_HOST_MEMORY;
	soft_serial(tok, env->slot_id);
	*ctx = tok;
	return CKR_OK;
}

static void soft_unload(void *ctx)
{
	free(ctx);
}

/* Keeps the description from the config: a software slot that always holds its token. */
static CK_RV soft_slot_info(void *ctx, CK_SLOT_INFO *info)
{
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	info->flags &= ~(CK_FLAGS)CKF_HW_SLOT;
	info->flags |= CKF_TOKEN_PRESENT;
	return CKR_OK;
}

static CK_RV soft_token_present(void *ctx)
{
	return CKR_OK;
}

static CK_RV soft_token_info(void *ctx, CK_TOKEN_INFO *info)
{
	const struct soft_token *tok = ctx;

	if (tok == NULL || info == NULL)
		return CKR_ARGUMENTS_BAD;
	soft_pad(info->model, sizeof(info->model), SOFT_MODEL);
	memcpy(info->serialNumber, tok->serial, sizeof(info->serialNumber));
	info->hardwareVersion.major = 0;
	info->hardwareVersion.minor = 1;
	info->firmwareVersion.major = 0;
	info->firmwareVersion.minor = 1;
	info->flags |= CKF_RNG;
	return CKR_OK;
}

/*
 * The list is empty, so every buffer (and the size query with list NULL)
 * is large enough: the answer is always a count of 0.
 */
static CK_RV soft_mechanism_list(void *ctx, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	*count = 0;
	return CKR_OK;
}

static CK_RV soft_mechanism_info(void *ctx, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	return CKR_MECHANISM_INVALID;
}

/* RAND_bytes() takes an int length, so a longer request is served in pieces. */
static CK_RV soft_generate_random(void *ctx, CK_BYTE *out, CK_ULONG len)
{
	if (out == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	while (len > 0) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(out, chunk) != 1) {
			ERR_clear_error();
			return CKR_FUNCTION_FAILED;
		}
		out += chunk;
		len -= (CK_ULONG)chunk;
	}
	return CKR_OK;
}

/*
 * In OpenSSL 3, RAND_seed(buf, num) is RAND_add(buf, num, num).  With the
 * default random method and an operating-system entropy source (the usual
 * build) it reseeds the process's primary DRBG: the DRBG draws fresh
 * entropy from that source and takes buf only as additional input.  The
 * seed is thus mixed into the state but never counted as entropy, so a
 * poor or hostile seed cannot weaken the output, and it cannot be
 * recovered from later output.  The DRBGs that RAND_bytes() reads see the
 * primary's reseed and reseed themselves before their next output, so the
 * seed takes effect at once.  RAND_seed() reports nothing, hence CKR_OK.
 */
static CK_RV soft_seed_random(void *ctx, const CK_BYTE *seed, CK_ULONG len)
{
	if (seed == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	while (len > 0) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len;

		RAND_seed(seed, chunk);
		seed += chunk;
		len -= (CK_ULONG)chunk;
	}
	return CKR_OK;
}

static const struct os_backend_ops soft_ops = {
    .abi_version = OS_BACKEND_ABI_VERSION,
    .name = "soft",
    .load = soft_load,
    .unload = soft_unload,
    .slot_info = soft_slot_info,
    .token_present = soft_token_present,
    .token_info = soft_token_info,
    .mechanism_list = soft_mechanism_list,
    .mechanism_info = soft_mechanism_info,
    .generate_random = soft_generate_random,
    .seed_random = soft_seed_random,
};

const struct os_backend_ops *os_backend_entry(void)
{
	return &soft_ops;
}
