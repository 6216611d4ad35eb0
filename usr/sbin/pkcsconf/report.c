/*
 * Error messages and exit codes.
 *
 * A failed call is reported as "pkcsconf: <what>: CKR_NAME", followed for
 * the return values a person can do something about by a line saying
 * what.  PIN failures get their own wording and exit code, with the tries
 * left as far as the token tells them (PKCS#11 reports only "count low",
 * "final try" and "locked", never a number).
 */
#include "pkcsconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "p11names.h"

struct report_hint {
	CK_RV rv;
	const char *hint;
};

static const struct report_hint report_hints[] = {
    {CKR_SLOT_ID_INVALID, "there is no such slot: 'pkcsconf -l' lists the slots"},
    {CKR_TOKEN_NOT_PRESENT, "the slot holds no token: 'pkcsconf -s' shows the slots"},
    {CKR_TOKEN_NOT_RECOGNIZED, "the token is not usable: 'pkcsconf -t' shows its state"},
    {CKR_USER_PIN_NOT_INITIALIZED, "the user PIN is not set: set it with 'pkcsconf -u'"},
    {CKR_USER_NOT_LOGGED_IN, "log in: give the user PIN with -U"},
    {CKR_TOKEN_WRITE_PROTECTED, "the token is write-protected"},
    {CKR_MECHANISM_INVALID, "the token does not offer this mechanism: 'pkcsconf -m' lists them"},
    {CKR_KEY_SIZE_RANGE, "the token does not take this key size: 'pkcsconf -m' lists the sizes"},
    {CKR_CURVE_NOT_SUPPORTED, "the token does not offer this curve"},
    {CKR_DEVICE_ERROR, "the connection to slotd broke: check that slotd is running"},
};

#define REPORT_NHINTS (sizeof(report_hints) / sizeof(report_hints[0]))

int pcf_exit_code(CK_RV rv)
{
	if (rv == CKR_OK)
		return PCF_EXIT_OK;
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED)
		return PCF_EXIT_PIN;
	return PCF_EXIT_P11;
}

static const char *report_hint(CK_RV rv)
{
	for (size_t i = 0; i < REPORT_NHINTS; i++)
		if (report_hints[i].rv == rv)
			return report_hints[i].hint;
	return NULL;
}

int pcf_fail_rv(CK_RV rv, const char *fmt, ...)
{
	char what[512];
	char name[OS_P11_STR_LEN];
	const char *hint = report_hint(rv);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	os_log(LOG_ERR, "%s: %s", what, os_p11_rv_str(rv, name, sizeof(name)));
	if (hint != NULL)
		os_log(LOG_ERR, "%s", hint);
	return pcf_exit_code(rv);
}

/* What the token says about the tries left for user's PIN. */
static const char *report_tries(struct pcf *c, CK_SLOT_ID slot, CK_USER_TYPE user)
{
	CK_TOKEN_INFO info;
	bool so = user == CKU_SO;

	if (c->p11->C_GetTokenInfo(slot, &info) != CKR_OK)
		return "";
	if (info.flags & (so ? CKF_SO_PIN_LOCKED : CKF_USER_PIN_LOCKED))
		return " (PIN locked)";
	if (info.flags & (so ? CKF_SO_PIN_FINAL_TRY : CKF_USER_PIN_FINAL_TRY))
		return " (final try: the next wrong PIN locks it)";
	if (info.flags & (so ? CKF_SO_PIN_COUNT_LOW : CKF_USER_PIN_COUNT_LOW))
		return " (few tries left)";
	return "";
}

static int report_pin_range(struct pcf *c, CK_SLOT_ID slot, CK_RV rv)
{
	CK_TOKEN_INFO info;

	if (c->p11->C_GetTokenInfo(slot, &info) != CKR_OK)
		return pcf_fail_rv(rv, "the PIN has a length the token does not take");
	os_log(LOG_ERR, "the PIN must have %lu to %lu characters: %s", info.ulMinPinLen,
	       info.ulMaxPinLen, os_p11_rv_name(rv));
	return PCF_EXIT_P11;
}

int pcf_fail_pin(struct pcf *c, CK_SLOT_ID slot, CK_USER_TYPE user, CK_RV rv)
{
	const char *who = user == CKU_SO ? "SO" : "user";

	switch (rv) {
	case CKR_PIN_INCORRECT:
		return os_log_fail(PCF_EXIT_PIN, "incorrect %s PIN%s", who,
		                   report_tries(c, slot, user));
	case CKR_PIN_LOCKED:
		if (user == CKU_SO)
			return os_log_fail(PCF_EXIT_PIN, "the SO PIN is locked");
		return os_log_fail(PCF_EXIT_PIN, "the user PIN is locked: the SO can set a new one "
		                                 "with 'pkcsconf -u'");
	case CKR_PIN_LEN_RANGE:
		return report_pin_range(c, slot, rv);
	case CKR_PIN_INVALID:
		return pcf_fail_rv(rv, "the token refuses the characters of the new PIN");
	default:
		return pcf_fail_rv(rv, "%s PIN on slot %lu", who, slot);
	}
}
