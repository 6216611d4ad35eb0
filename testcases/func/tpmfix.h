/*
 * The fixture of the TPM functional tests: a private slotd whose slot 0 is
 * a tpm slot on a fresh swtpm (tcti-timeout 4 s, a cheap PIN derivation),
 * slot 1 a tpm slot whose TCTI nothing answers, slot 2 one whose device
 * does not exist, and the library loaded and initialised.
 */
#ifndef TPMFIX_H
#define TPMFIX_H

#include "openslot/pkcs11.h"
#include "harness.h"
#include "swtpm.h"

#define TPM_SLOT    0
#define UNREACHABLE 1
#define NO_DEVICE   2

struct tpmfix {
	struct harness h;
	struct swtpm tpm;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
};

/* cmocka setup and teardown; *state is the struct tpmfix. */
int tpmfix_setup(void **state);
int tpmfix_teardown(void **state);

#endif
