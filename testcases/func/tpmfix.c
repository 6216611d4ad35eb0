/*
 * The fixture of the TPM functional tests (see tpmfix.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tpmfix.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * swtpm listens with a backlog of one: when several processes connect at
 * once the kernel may drop a SYN, and the client's retransmission comes a
 * second later (then two more).  The TPM slot's tcti-timeout leaves room for
 * two such retries; test_stopped waits for it once.
 */
static void tpmfix_conf(struct tpmfix *fx)
{
	char slots[1024];

	snprintf(slots, sizeof(slots),
	         "{ id = %d; backend = \"tpm\"; token = \"tpm\"; description = \"swtpm slot\"; "
	         "options = { tcti = \"%s\"; tcti-timeout = \"4000\"; "
	         "pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; }; },\n"
	         "{ id = %d; backend = \"tpm\"; token = \"tpm1\"; "
	         "options = { tcti = \"swtpm:host=127.0.0.1,port=1\"; }; },\n"
	         "{ id = %d; backend = \"tpm\"; token = \"tpm2\"; "
	         "options = { tcti = \"device:/nonexistent/tpmrm0\"; }; }",
	         TPM_SLOT, fx->tpm.tcti, UNREACHABLE, NO_DEVICE);
	assert_int_equal(harness_write_conf(&fx->h, NULL, slots), 0);
}

static void tpmfix_load(struct tpmfix *fx)
{
	CK_INTERFACE *iface;

	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
}

int tpmfix_setup(void **state)
{
	struct tpmfix *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(swtpm_start(&fx->tpm, fx->h.dir), 0);
	tpmfix_conf(fx);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	tpmfix_load(fx);
	*state = fx;
	return 0;
}

int tpmfix_teardown(void **state)
{
	struct tpmfix *fx = *state;

	fx->f->C_Finalize(NULL);
	dlclose(fx->dl);
	swtpm_cleanup(&fx->tpm);
	harness_cleanup(&fx->h);
	free(fx);
	return 0;
}
