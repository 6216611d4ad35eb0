/*
 * The TPM token's mechanism table (see tpm_mechs.h).
 */
#include "tpm_mechs.h"

#include <string.h>

struct mechs_row {
	CK_MECHANISM_TYPE type;
	TPM2_ALG_ID needs[3]; /* TPM2_ALG_NULL ends the list */
	TPM2_ECC_CURVE curve; /* TPM2_ECC_NONE: none needed */
	CK_MECHANISM_INFO info;
};

static const struct mechs_row mechs_table[] = {
    {0, {TPM2_ALG_NULL}, TPM2_ECC_NONE, {0, 0, 0}},
};

static bool mechs_met(const struct tpm_caps *caps, const struct mechs_row *row)
{
	if (row->type == 0)
		return false;
	for (size_t i = 0; i < 3 && row->needs[i] != TPM2_ALG_NULL; i++)
		if (!tpm_caps_has_alg(caps, row->needs[i]))
			return false;
	return row->curve == TPM2_ECC_NONE || tpm_caps_has_curve(caps, row->curve);
}

void tpm_mechs_select(const struct tpm_caps *caps, struct tpm_mechs *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(mechs_table) / sizeof(mechs_table[0]); i++) {
		if (!mechs_met(caps, &mechs_table[i]) || out->n == TPM_MECHS_MAX)
			continue;
		out->type[out->n] = mechs_table[i].type;
		out->info[out->n] = mechs_table[i].info;
		out->n++;
	}
}

CK_RV tpm_mechs_list(const struct tpm_mechs *m, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	CK_RV rv = CKR_OK;

	if (list != NULL && *count < m->n)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (list != NULL)
		memcpy(list, m->type, m->n * sizeof(*list));
	*count = m->n;
	return rv;
}

CK_RV tpm_mechs_info(const struct tpm_mechs *m, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->type[i] == type) {
			*info = m->info[i];
			return CKR_OK;
		}
	}
	return CKR_MECHANISM_INVALID;
}
