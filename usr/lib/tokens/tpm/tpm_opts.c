/*
 * The tpm backend's slot options and slot descriptions (see tpm_opts.h).
 */
#include "tpm_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *opts_find(const struct os_backend_env *env, const char *name)
{
	const char *value = NULL;

	for (size_t i = 0; env->options != NULL && i < env->n_options; i++)
		if (env->options[i].name != NULL && strcmp(env->options[i].name, name) == 0)
			value = env->options[i].value;
	return value;
}

static CK_RV opts_timeout(const char *text, int32_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < TPM_OPTS_MIN_TIMEOUT ||
	    v > TPM_OPTS_MAX_TIMEOUT)
		return CKR_ARGUMENTS_BAD;
	*out = (int32_t)v;
	return CKR_OK;
}

/* A persistent handle, written in hexadecimal with or without 0x. */
static CK_RV opts_parent(const char *text, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 16);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < 0x81000000ull ||
	    v > 0x81ffffffull)
		return CKR_ARGUMENTS_BAD;
	*out = (uint32_t)v;
	return CKR_OK;
}

CK_RV tpm_opts_read(const struct os_backend_env *env, struct tpm_opts *opts)
{
	const char *tcti = opts_find(env, "tcti");
	const char *device = opts_find(env, "device");
	const char *timeout = opts_find(env, "tcti-timeout");
	const char *parent = opts_find(env, "tpm-parent");
	int n;

	opts->timeout_ms = TPM_OPTS_DEFAULT_TIMEOUT;
	opts->parent = 0;
	if (parent != NULL && opts_parent(parent, &opts->parent) != CKR_OK)
		return CKR_ARGUMENTS_BAD;
	if (timeout != NULL && opts_timeout(timeout, &opts->timeout_ms) != CKR_OK)
		return CKR_ARGUMENTS_BAD;
	if ((tcti != NULL && tcti[0] == '\0') ||
	    (tcti == NULL && device != NULL && device[0] == '\0'))
		return CKR_ARGUMENTS_BAD;
	if (tcti != NULL)
		n = snprintf(opts->tcti, sizeof(opts->tcti), "%s", tcti);
	else if (device != NULL)
		n = snprintf(opts->tcti, sizeof(opts->tcti), "device:%s", device);
	else
		n = snprintf(opts->tcti, sizeof(opts->tcti), "%s", TPM_OPTS_DEFAULT_TCTI);
	if (n < 0 || (size_t)n >= sizeof(opts->tcti))
		return CKR_ARGUMENTS_BAD;
	return CKR_OK;
}

bool tpm_opts_device_missing(const struct tpm_opts *opts, char desc[TPM_OPTS_DESC_MAX])
{
	const char *path;
	struct stat st;
	int n;

	if (strncmp(opts->tcti, "device:", 7) != 0)
		return false;
	path = opts->tcti + 7;
	if (path[0] == '\0' || stat(path, &st) == 0)
		return false;
	/* A path too long for the 64-byte description is left out rather than cut. */
	n = snprintf(desc, TPM_OPTS_DESC_MAX, "TPM 2.0: no TPM device (%s) on this machine", path);
	if (n < 0 || n >= TPM_OPTS_DESC_MAX)
		snprintf(desc, TPM_OPTS_DESC_MAX, "TPM 2.0: no TPM device at the configured path");
	return true;
}

void tpm_opts_describe(const struct tpm_opts *opts, const char *what, char desc[TPM_OPTS_DESC_MAX])
{
	int n = snprintf(desc, TPM_OPTS_DESC_MAX, "TPM 2.0: %s (%s)", what, opts->tcti);

	if (n < 0 || n >= TPM_OPTS_DESC_MAX)
		snprintf(desc, TPM_OPTS_DESC_MAX, "TPM 2.0: %s at the configured TCTI", what);
}
