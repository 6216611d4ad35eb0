/*
 * --kdf: the SO sets the Argon2id parameters of the token's new PINs.
 *
 * PKCS#11 has no call for this, so here pkcsconf talks to slotd itself:
 * it connects to the slotd of the configuration the library uses
 * (OPENSLOT_CONF, else the installed one), logs in as the SO on that
 * connection (OS_MSG_LOGIN, the PIN checked and counted by slotd like any
 * login) and sends OS_MSG_SET_KDF.  The slot is chosen and checked through
 * the library as for the other token actions, since slot IDs come from the
 * configuration for both.  slotd records the parameters durably before it
 * answers; they apply to the user and SO PINs set from then on (C_InitPIN,
 * C_SetPIN) and are forgotten by C_InitToken.  Closing the connection ends
 * the SO login.
 */
#include "pkcsconf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "conf.h"
#include "p11names.h"
#include "proto.h"

/* One name=value of the spec: which field, and whether it was given. */
struct kdf_field {
	const char *name;
	uint32_t *value;
	bool seen;
};

static int kdf_bad_spec(const char *spec)
{
	os_log(LOG_ERR, "the KDF parameters must be m=KIB,t=N,p=N or 'default', not '%s'", spec);
	fprintf(stderr, "Try 'pkcsconf --help kdf' for more information.\n");
	return PCF_EXIT_USAGE;
}

/* Stores the decimal number of one "name=value" item in its field. */
static bool kdf_parse_item(struct kdf_field *fields, size_t n, const char *item, size_t len)
{
	const char *eq = memchr(item, '=', len);
	char digits[16], *end;

	if (eq == NULL || (size_t)(item + len - eq - 1) >= sizeof(digits) || eq + 1 == item + len)
		return false;
	memcpy(digits, eq + 1, (size_t)(item + len - eq - 1));
	digits[item + len - eq - 1] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (strlen(fields[i].name) != (size_t)(eq - item) ||
		    memcmp(fields[i].name, item, (size_t)(eq - item)) != 0 || fields[i].seen)
			continue;
		errno = 0;
		unsigned long v = strtoul(digits, &end, 10);
		if (errno != 0 || *end != '\0' || digits[0] < '0' || digits[0] > '9' ||
		    v > UINT32_MAX)
			return false;
		*fields[i].value = (uint32_t)v;
		fields[i].seen = true;
		return true;
	}
	return false;
}

int pcf_kdf_parse(struct pcf_opts *o, const char *spec)
{
	struct kdf_field fields[] = {
	    {"m", &o->kdf_m, false}, {"t", &o->kdf_t, false}, {"p", &o->kdf_p, false}};
	const char *p = spec;

	o->actions |= PCF_DO_SET_KDF;
	o->kdf_m = o->kdf_t = o->kdf_p = 0;
	if (strcmp(spec, "default") == 0)
		return PCF_EXIT_OK;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (!kdf_parse_item(fields, 3, p, len))
			return kdf_bad_spec(spec);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	for (size_t i = 0; i < 3; i++)
		if (!fields[i].seen)
			return kdf_bad_spec(spec);
	/* All zero means "default" on the wire: a zero given here is refused by slotd. */
	if (o->kdf_m == 0 && o->kdf_t == 0 && o->kdf_p == 0)
		return kdf_bad_spec(spec);
	return PCF_EXIT_OK;
}

/* Connects to the slotd of the configuration the library reads. */
static int kdf_connect(struct os_client *cl)
{
	char err[512];
	struct os_conf *conf = NULL;
	int rc;

	if (os_conf_load(os_conf_default_path(), &conf, err, sizeof(err)) < 0)
		return os_log_fail(PCF_EXIT_UNAVAILABLE, "%s", err);
	rc = os_client_connect_conf(cl, conf, "pkcsconf", err, sizeof(err));
	os_conf_free(conf);
	if (rc < 0)
		return os_log_fail(PCF_EXIT_UNAVAILABLE, "cannot reach slotd: %s", err);
	return PCF_EXIT_OK;
}

/* Sends a built request and returns the rv its reply starts with. */
static CK_RV kdf_call(struct os_client *cl, struct os_buf *buf, size_t at, uint16_t reply_type)
{
	struct os_buf reply;
	struct os_reader rd;
	CK_RV rv;

	if (os_client_call(cl, buf, at, reply_type, &reply) < 0)
		return CKR_DEVICE_ERROR;
	os_reader_init(&rd, reply.data, reply.len);
	rv = (CK_RV)os_reader_u64(&rd);
	if (os_reader_failed(&rd))
		rv = CKR_DEVICE_ERROR;
	explicit_bzero(reply.data, reply.cap);
	os_buf_free(&reply);
	return rv;
}

static CK_RV kdf_login(struct os_client *cl, CK_SLOT_ID slot, const struct pcf_pin *pin)
{
	struct os_buf buf;
	size_t at = os_client_begin(cl, &buf, OS_MSG_LOGIN);

	os_buf_add_u64(&buf, slot);
	os_buf_add_u64(&buf, CKU_SO);
	os_buf_add_bytes(&buf, pin->value, pin->len);
	return kdf_call(cl, &buf, at, OS_MSG_LOGIN_RESULT); /* the request is wiped */
}

static CK_RV kdf_send(struct os_client *cl, CK_SLOT_ID slot, const struct pcf_opts *o)
{
	struct os_buf buf;
	size_t at = os_client_begin(cl, &buf, OS_MSG_SET_KDF);

	os_buf_add_u64(&buf, slot);
	os_buf_add_u64(&buf, o->kdf_m);
	os_buf_add_u64(&buf, o->kdf_t);
	os_buf_add_u64(&buf, o->kdf_p);
	return kdf_call(cl, &buf, at, OS_MSG_RESULT);
}

static int kdf_refused(CK_RV rv, CK_SLOT_ID slot)
{
	int ret = pcf_fail_rv(rv, "cannot set the KDF parameters of the token in slot %lu", slot);

	if (rv == CKR_ARGUMENTS_BAD)
		os_log(LOG_ERR, "p must be 1 to 16, t 1 to 1000 and m 8*p to 4194304 KiB");
	else if (rv == CKR_ATTRIBUTE_VALUE_INVALID)
		os_log(LOG_ERR,
		       "m must be at least 19456 KiB and t at least 2 (or the slot options "
		       "pin-kdf-memory and pin-kdf-time when lower), m at most 1048576 KiB "
		       "and t at most 16 (or the slot options when higher)");
	else if (rv == CKR_FUNCTION_NOT_SUPPORTED)
		os_log(LOG_ERR, "the token's PINs are sealed in its TPM, which counts wrong PINs: "
		                "no key derivation to set");
	return ret;
}

static void kdf_report(CK_SLOT_ID slot, const struct pcf_opts *o)
{
	if (o->kdf_m == 0)
		printf("New PINs of the token in slot %lu use the slot's KDF parameters.\n", slot);
	else
		printf(
		    "New PINs of the token in slot %lu use Argon2id with m=%u KiB, t=%u, p=%u.\n",
		    slot, o->kdf_m, o->kdf_t, o->kdf_p);
}

int pcf_kdf_run(struct pcf *c)
{
	struct os_client cl;
	CK_SLOT_ID slot;
	CK_RV rv;
	int ret = pcf_slot_pick(c, &slot);

	if (ret == PCF_EXIT_OK)
		ret = pcf_slot_require(c, slot, false, NULL);
	if (ret == PCF_EXIT_OK && !c->opt.so_pin.set)
		ret = pcf_pin_read(&c->opt.so_pin, "the SO PIN", false);
	if (ret == PCF_EXIT_OK)
		ret = kdf_connect(&cl);
	if (ret != PCF_EXIT_OK)
		return ret;
	rv = kdf_login(&cl, slot, &c->opt.so_pin);
	pcf_pin_clear(&c->opt.so_pin);
	if (rv != CKR_OK)
		ret = pcf_fail_pin(c, slot, CKU_SO, rv);
	else if ((rv = kdf_send(&cl, slot, &c->opt)) != CKR_OK)
		ret = kdf_refused(rv, slot);
	else
		kdf_report(slot, &c->opt);
	os_client_close(&cl);
	return ret;
}
