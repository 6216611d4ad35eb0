/*
 * The cca backend: slots meant for an IBM CCA coprocessor.
 *
 * openslot has no CCA support; on every machine this backend reports that
 * no CCA coprocessor is available.  Its slot is a hardware slot without a
 * token, and every token operation answers CKR_TOKEN_NOT_PRESENT.
 */
#include "absent.h"

static CK_RV cca_load(const struct os_backend_env *env, void **ctx)
{
	return os_absent_load(env, "CCA: no CCA coprocessor is available on this machine", ctx);
}

static const struct os_backend_ops cca_ops = {
    .abi_version = OS_BACKEND_ABI_VERSION,
    .name = "cca",
    .load = cca_load,
    .unload = os_absent_unload,
    .slot_info = os_absent_slot_info,
    .token_present = os_absent_token_present,
    .token_info = os_absent_token_info,
    .mechanism_list = os_absent_mechanism_list,
    .mechanism_info = os_absent_mechanism_info,
    .generate_random = os_absent_generate_random,
    .seed_random = os_absent_seed_random,
};

const struct os_backend_ops *os_backend_entry(void)
{
	return &cca_ops;
}
