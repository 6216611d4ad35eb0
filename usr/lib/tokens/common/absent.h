/*
 * The shared part of backends whose device is absent.
 *
 * A backend built for hardware that this machine lacks still loads, so its
 * slot is listed and says plainly why it holds no token.  Such a backend
 * calls os_absent_load() with the sentence to show as the slot description
 * and points every other entry of its ops table at the functions below:
 * the slot is a hardware slot without a token, and every token operation
 * answers CKR_TOKEN_NOT_PRESENT.
 */
#ifndef OS_ABSENT_H
#define OS_ABSENT_H

#include "backend.h"

/*
 * Makes the context of an absent-device backend.  description is ASCII; it
 * is blank-padded (or cut) to the 64 bytes of CK_SLOT_INFO.slotDescription.
 * Returns CKR_ARGUMENTS_BAD for a NULL argument, CKR_HOST_MEMORY when out
 * of memory.
 */
CK_RV os_absent_load(const struct os_backend_env *env, const char *description, void **ctx);
void os_absent_unload(void *ctx);

/* Sets the description given at load, sets CKF_HW_SLOT, clears CKF_TOKEN_PRESENT. */
CK_RV os_absent_slot_info(void *ctx, CK_SLOT_INFO *info);

/* Each of these returns CKR_TOKEN_NOT_PRESENT and touches nothing. */
CK_RV os_absent_token_present(void *ctx);
CK_RV os_absent_token_info(void *ctx, CK_TOKEN_INFO *info);
CK_RV os_absent_mechanism_list(void *ctx, CK_MECHANISM_TYPE *list, CK_ULONG *count);
CK_RV os_absent_mechanism_info(void *ctx, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);
CK_RV os_absent_generate_random(void *ctx, CK_BYTE *out, CK_ULONG len);
CK_RV os_absent_seed_random(void *ctx, const CK_BYTE *seed, CK_ULONG len);

#endif
