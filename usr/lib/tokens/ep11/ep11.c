/*
 * The ep11 backend: slots meant for an IBM EP11 (Enterprise PKCS#11) coprocessor.
 *
 * openslot has no EP11 support; on every machine this backend reports that
 * no EP11 coprocessor is available.  Its slot is a hardware slot without a
 * token, and every token operation answers CKR_TOKEN_NOT_PRESENT.
 */
#include "absent.h"

static CK_RV ep11_load(const struct os_backend_env *env, void **ctx)
{
	return os_absent_load(env, "EP11: no EP11 coprocessor is available on this machine", ctx);
}

static const struct os_backend_ops ep11_ops = {
    .abi_version = OS_BACKEND_ABI_VERSION,
    .name = "ep11",
    .load = ep11_load,
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
	return &ep11_ops;
}
