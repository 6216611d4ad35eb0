/*
 * Without tpm2-tss the tpm backend is a stub whose token is never
 * present, so its PINs are never asked for: nothing to attach.
 */
#include "tokens_tpm.h"

int slotd_tokens_tpm_attach(struct slotd_token *tok, const struct os_slot_conf *slot)
{
	(void)slot;
	tok->tpm = NULL;
	return 0;
}

bool slotd_tokens_tpm_changed(const struct slotd_token *tok, const struct os_slot_conf *slot)
{
	(void)tok, (void)slot;
	return false;
}

void slotd_tokens_tpm_detach(struct slotd_token *tok)
{
	tok->tpm = NULL;
}
