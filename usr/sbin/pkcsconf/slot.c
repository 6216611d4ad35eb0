/*
 * Slots, sessions and logins for the token and key actions.
 *
 * The token actions work on one slot: the one named by -c, else the first
 * slot that holds a token.  Before an action needs something the token
 * does not have yet (being initialised, a user PIN), pcf_slot_require()
 * says which pkcsconf command provides it, rather than letting a later
 * call fail with a bare return value.
 */
#include "pkcsconf.h"

#include <stdlib.h>

int pcf_slot_list(struct pcf *c, bool token_present, CK_SLOT_ID **list, CK_ULONG *count)
{
	CK_SLOT_ID *slots = NULL;
	CK_ULONG n = 0;
	CK_RV rv;

	*list = NULL;
	*count = 0;
	/* the list can grow between the two calls: retry on CKR_BUFFER_TOO_SMALL */
	do {
		free(slots);
		slots = NULL;
		rv = c->p11->C_GetSlotList(token_present ? CK_TRUE : CK_FALSE, NULL, &n);
		if (rv != CKR_OK || n == 0)
			break;
		slots = calloc(n, sizeof(*slots));
		if (slots == NULL)
			return os_log_fail(PCF_EXIT_P11, "out of memory");
		rv = c->p11->C_GetSlotList(token_present ? CK_TRUE : CK_FALSE, slots, &n);
	} while (rv == CKR_BUFFER_TOO_SMALL);
	if (rv != CKR_OK) {
		free(slots);
		return pcf_fail_rv(rv, "cannot list the slots");
	}
	*list = slots;
	*count = n;
	return PCF_EXIT_OK;
}

int pcf_slot_pick(struct pcf *c, CK_SLOT_ID *slot)
{
	CK_SLOT_ID *slots;
	CK_ULONG n;
	int ret;

	if (c->opt.have_slot) {
		*slot = c->opt.slot;
		return PCF_EXIT_OK;
	}
	ret = pcf_slot_list(c, true, &slots, &n);
	if (ret != PCF_EXIT_OK)
		return ret;
	if (n == 0)
		return os_log_fail(PCF_EXIT_P11, "no slot holds a token: 'pkcsconf -s' shows the "
		                                 "slots");
	*slot = slots[0];
	free(slots);
	return PCF_EXIT_OK;
}

int pcf_slot_require(struct pcf *c, CK_SLOT_ID slot, bool need_user_pin, CK_FLAGS *flags)
{
	CK_TOKEN_INFO info;
	CK_RV rv = c->p11->C_GetTokenInfo(slot, &info);

	if (rv != CKR_OK)
		return pcf_fail_rv(rv, "slot %lu", slot);
	if (flags != NULL)
		*flags = info.flags;
	if (!(info.flags & CKF_TOKEN_INITIALIZED))
		return os_log_fail(PCF_EXIT_P11,
		                   "the token in slot %lu is not initialised: initialise it with "
		                   "'pkcsconf -I -c %lu'",
		                   slot, slot);
	if (need_user_pin && !(info.flags & CKF_USER_PIN_INITIALIZED))
		return os_log_fail(PCF_EXIT_P11,
		                   "the token in slot %lu has no user PIN: set one with "
		                   "'pkcsconf -u -c %lu'",
		                   slot, slot);
	return PCF_EXIT_OK;
}

int pcf_session_open(struct pcf *c, CK_SLOT_ID slot, bool rw, CK_SESSION_HANDLE *h)
{
	CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
	CK_RV rv = c->p11->C_OpenSession(slot, flags, NULL, NULL, h);

	if (rv != CKR_OK)
		return pcf_fail_rv(rv, "cannot open a session on slot %lu", slot);
	return PCF_EXIT_OK;
}

int pcf_session_login(struct pcf *c, CK_SESSION_HANDLE h, CK_SLOT_ID slot, CK_USER_TYPE user,
                      const struct pcf_pin *pin)
{
	CK_RV rv = c->p11->C_Login(h, user, (CK_UTF8CHAR_PTR)pin->value, pin->len);

	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return PCF_EXIT_OK;
	return pcf_fail_pin(c, slot, user, rv);
}

void pcf_session_close(struct pcf *c, CK_SESSION_HANDLE h)
{
	c->p11->C_CloseSession(h);
}
