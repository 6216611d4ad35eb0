/*
 * The tpm backend: slots meant for a TPM 2.0 token.
 *
 * TPM token support is not part of this build.  At load the backend looks
 * for the TPM 2.0 resource manager device (/dev/tpmrm0, or the path in the
 * slot option "device") and states what it found in the slot description;
 * either way the slot is a hardware slot without a token, and every token
 * operation answers CKR_TOKEN_NOT_PRESENT.
 */
#include "absent.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define TPM_DEFAULT_DEVICE "/dev/tpmrm0"

/*
 * The device path from the slot options, or the default.  Returns NULL
 * when the option is given without a usable value.
 */
static const char *tpm_device(const struct os_backend_env *env)
{
	const char *device = TPM_DEFAULT_DEVICE;

	for (size_t i = 0; env->options != NULL && i < env->n_options; i++) {
		if (env->options[i].name != NULL && strcmp(env->options[i].name, "device") == 0)
			device = env->options[i].value;
	}
	if (device == NULL || device[0] == '\0')
		return NULL;
	return device;
}

static CK_RV tpm_load(const struct os_backend_env *env, void **ctx)
{
	char description[sizeof(((CK_SLOT_INFO *)0)->slotDescription) + 1];
	const char *device;
	struct stat st;
	int n;

	if (env == NULL || ctx == NULL)
		return CKR_ARGUMENTS_BAD;
	device = tpm_device(env);
	if (device == NULL)
		return CKR_ARGUMENTS_BAD;
	if (stat(device, &st) == 0)
		return os_absent_load(env, "TPM 2.0: device present, TPM token support not built",
		                      ctx);
	/* A path too long for the 64-byte description is left out rather than cut. */
	n = snprintf(description, sizeof(description),
	             "TPM 2.0: no TPM device (%s) on this machine", device);
	if (n < 0 || (size_t)n >= sizeof(description))
		return os_absent_load(env, "TPM 2.0: no TPM device at the configured path", ctx);
	return os_absent_load(env, description, ctx);
}

static const struct os_backend_ops tpm_ops = {
    .abi_version = OS_BACKEND_ABI_VERSION,
    .name = "tpm",
    .load = tpm_load,
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
	return &tpm_ops;
}
