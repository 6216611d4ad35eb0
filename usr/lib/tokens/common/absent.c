/*
 * Backends whose device is absent (see absent.h).  The context holds the
 * sentence that explains the missing token, already padded for
 * CK_SLOT_INFO.
 */
#include "absent.h"
#include "bytes.h"

#include <stdlib.h>
#include <string.h>

struct os_absent {
	CK_UTF8CHAR description[sizeof(((CK_SLOT_INFO *)0)->slotDescription)];
};

CK_RV os_absent_load(const struct os_backend_env *env, const char *description, void **ctx)
{
	struct os_absent *absent;

	if (env == NULL || description == NULL || ctx == NULL)
		return CKR_ARGUMENTS_BAD;
	absent = calloc(1, sizeof(*absent));
	if (absent == NULL)
		return CKR_HOST_MEMORY;
	os_pad_field(absent->description, sizeof(absent->description), description,
	             strlen(description));
	*ctx = absent;
	return CKR_OK;
}

void os_absent_unload(void *ctx)
{
	free(ctx);
}

CK_RV os_absent_slot_info(void *ctx, CK_SLOT_INFO *info)
{
	const struct os_absent *absent = ctx;

	if (absent == NULL || info == NULL)
		return CKR_ARGUMENTS_BAD;
	memcpy(info->slotDescription, absent->description, sizeof(info->slotDescription));
	info->flags |= CKF_HW_SLOT;
	info->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT;
	return CKR_OK;
}

CK_RV os_absent_token_present(void *ctx)
{
	return CKR_TOKEN_NOT_PRESENT;
}

CK_RV os_absent_token_info(void *ctx, CK_TOKEN_INFO *info)
{
	return CKR_TOKEN_NOT_PRESENT;
}

CK_RV os_absent_mechanism_list(void *ctx, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	return CKR_TOKEN_NOT_PRESENT;
}

CK_RV os_absent_mechanism_info(void *ctx, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	return CKR_TOKEN_NOT_PRESENT;
}

CK_RV os_absent_generate_random(void *ctx, CK_BYTE *out, CK_ULONG len)
{
	return CKR_TOKEN_NOT_PRESENT;
}

CK_RV os_absent_seed_random(void *ctx, const CK_BYTE *seed, CK_ULONG len)
{
	return CKR_TOKEN_NOT_PRESENT;
}
