/*
 * The token actions: -I (initialise the token), -u (set the user PIN as
 * the SO), -P (change the SO PIN) and -p (change the user PIN).
 *
 * A PIN not given with -S, -U or -n is read by pin.c when it is needed,
 * in the order: SO PIN, token label (-I without -L), new PIN.  A new PIN
 * is asked twice on a terminal; so is the SO PIN of a token that is not
 * initialised yet, since C_InitToken makes it the token's SO PIN.  -I may
 * be followed by -u in the same run, reusing the SO PIN.
 */
#include "pkcsconf.h"
#include "bytes.h"

#include <string.h>

static int token_need_pin(struct pcf_pin *pin, const char *what, bool confirm)
{
	if (pin->set)
		return PCF_EXIT_OK;
	return pcf_pin_read(pin, what, confirm);
}

/* The label of -L, or one read from the terminal or stdin, blank-padded into out. */
static int token_label(struct pcf *c, CK_UTF8CHAR out[PCF_LABEL_MAX], char *shown, size_t size)
{
	char buf[PCF_LABEL_MAX + 1];
	size_t len;
	int ret;

	if (c->opt.label != NULL) {
		len = strlen(c->opt.label);
		if (len > PCF_LABEL_MAX)
			return os_log_fail(PCF_EXIT_USAGE, "the token label has more than %d bytes",
			                   PCF_LABEL_MAX);
		memcpy(buf, c->opt.label, len + 1);
	} else {
		ret = pcf_input_line(buf, sizeof(buf), "the token label");
		if (ret != PCF_EXIT_OK)
			return ret;
		len = strlen(buf);
	}
	os_pad_field(out, PCF_LABEL_MAX, buf, len);
	snprintf(shown, size, "%s", buf);
	return PCF_EXIT_OK;
}

static int token_init(struct pcf *c, CK_SLOT_ID slot)
{
	CK_UTF8CHAR label[PCF_LABEL_MAX];
	char shown[PCF_LABEL_MAX + 1];
	CK_TOKEN_INFO info;
	bool fresh;
	CK_RV rv = c->p11->C_GetTokenInfo(slot, &info);
	int ret;

	if (rv != CKR_OK)
		return pcf_fail_rv(rv, "slot %lu", slot);
	fresh = !(info.flags & CKF_TOKEN_INITIALIZED);
	ret = token_need_pin(&c->opt.so_pin, fresh ? "the new SO PIN" : "the SO PIN", fresh);
	if (ret == PCF_EXIT_OK)
		ret = token_label(c, label, shown, sizeof(shown));
	if (ret != PCF_EXIT_OK)
		return ret;
	rv = c->p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)c->opt.so_pin.value, c->opt.so_pin.len,
	                         label);
	if (rv == CKR_SESSION_EXISTS)
		return os_log_fail(PCF_EXIT_P11,
		                   "cannot initialise the token in slot %lu: another "
		                   "application has a session open on it: "
		                   "CKR_SESSION_EXISTS",
		                   slot);
	if (rv != CKR_OK)
		return pcf_fail_pin(c, slot, CKU_SO, rv);
	printf("Token in slot %lu initialised with label \"%s\".\n", slot, shown);
	return PCF_EXIT_OK;
}

/* Opens a R/W session and logs user in with pin. */
static int token_session(struct pcf *c, CK_SLOT_ID slot, CK_USER_TYPE user,
                         const struct pcf_pin *pin, CK_SESSION_HANDLE *h)
{
	int ret = pcf_session_open(c, slot, true, h);

	if (ret != PCF_EXIT_OK)
		return ret;
	ret = pcf_session_login(c, *h, slot, user, pin);
	if (ret != PCF_EXIT_OK)
		pcf_session_close(c, *h);
	return ret;
}

static int token_init_pin(struct pcf *c, CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE h;
	CK_RV rv;
	int ret = pcf_slot_require(c, slot, false, NULL);

	if (ret == PCF_EXIT_OK)
		ret = token_need_pin(&c->opt.so_pin, "the SO PIN", false);
	if (ret == PCF_EXIT_OK)
		ret = token_need_pin(&c->opt.new_pin, "the new user PIN", true);
	if (ret == PCF_EXIT_OK)
		ret = token_session(c, slot, CKU_SO, &c->opt.so_pin, &h);
	if (ret != PCF_EXIT_OK)
		return ret;
	rv = c->p11->C_InitPIN(h, (CK_UTF8CHAR_PTR)c->opt.new_pin.value, c->opt.new_pin.len);
	c->p11->C_Logout(h);
	pcf_session_close(c, h);
	if (rv != CKR_OK)
		return pcf_fail_pin(c, slot, CKU_USER, rv);
	printf("User PIN of the token in slot %lu set.\n", slot);
	return PCF_EXIT_OK;
}

static int token_set_pin(struct pcf *c, CK_SLOT_ID slot, CK_USER_TYPE user)
{
	bool so = user == CKU_SO;
	struct pcf_pin *old = so ? &c->opt.so_pin : &c->opt.user_pin;
	CK_SESSION_HANDLE h;
	CK_RV rv;
	int ret = pcf_slot_require(c, slot, !so, NULL);

	if (ret == PCF_EXIT_OK)
		ret = token_need_pin(old, so ? "the SO PIN" : "the user PIN", false);
	if (ret == PCF_EXIT_OK)
		ret = token_need_pin(&c->opt.new_pin, so ? "the new SO PIN" : "the new user PIN",
		                     true);
	if (ret == PCF_EXIT_OK)
		ret = token_session(c, slot, user, old, &h);
	if (ret != PCF_EXIT_OK)
		return ret;
	rv = c->p11->C_SetPIN(h, (CK_UTF8CHAR_PTR)old->value, old->len,
	                      (CK_UTF8CHAR_PTR)c->opt.new_pin.value, c->opt.new_pin.len);
	c->p11->C_Logout(h);
	pcf_session_close(c, h);
	if (rv != CKR_OK)
		return pcf_fail_pin(c, slot, user, rv);
	printf("%s PIN of the token in slot %lu changed.\n", so ? "SO" : "User", slot);
	return PCF_EXIT_OK;
}

int pcf_token_run(struct pcf *c)
{
	unsigned wanted = c->opt.actions;
	CK_SLOT_ID slot;
	int ret = pcf_slot_pick(c, &slot);

	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_INIT_TOKEN))
		ret = token_init(c, slot);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_INIT_PIN))
		ret = token_init_pin(c, slot);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_SET_SO_PIN))
		ret = token_set_pin(c, slot, CKU_SO);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_SET_PIN))
		ret = token_set_pin(c, slot, CKU_USER);
	return ret;
}
