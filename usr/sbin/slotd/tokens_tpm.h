/*
 * The PINs of a token on the tpm backend, kept by the TPM.
 *
 * For a slot whose backend is "tpm", slotd gives the token's store a
 * sealer (store.h): the master key of each role is sealed in the TPM, in
 * an object under the token's storage key whose auth value is
 * SHA-256("openslot tpm pin auth" || role || salt || PIN), with a random
 * salt per record.  The record in MK_SO or MK_USER is the salt, the
 * object's TPM2B_PUBLIC and its TPM2B_PRIVATE, all opaque without the TPM.
 * A login is TPM2_Unseal, so a wrong PIN is counted by the TPM's
 * dictionary-attack protection (tpm_lockout.h) and the TPM's lockout
 * refuses even the right one.  slotd connects to the TPM named by the
 * slot's "tcti" option for each PIN request, on a worker thread, one
 * connection at a time per token.
 */
#ifndef SLOTD_TOKENS_TPM_H
#define SLOTD_TOKENS_TPM_H

#include "conf.h"
#include "tokens.h"

/*
 * For a slot of the tpm backend, sets the sealer on the token's store
 * (tok->tpm set); for any other, nothing.  -1 when the options are bad or
 * memory runs out (logged).
 */
int slotd_tokens_tpm_attach(struct slotd_token *tok, const struct os_slot_conf *slot);
/*
 * Whether a reload changed how the token reaches its TPM (backend, TCTI,
 * timeout): the token is then closed and opened again, as when its slot
 * names another token.
 */
bool slotd_tokens_tpm_changed(const struct slotd_token *tok, const struct os_slot_conf *slot);
/* Releases what attach made; the store is closed already. */
void slotd_tokens_tpm_detach(struct slotd_token *tok);

#endif
