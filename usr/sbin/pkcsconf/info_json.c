/*
 * The display actions as one JSON document (--json).
 *
 * The document is an object with a member per requested display, in the
 * order the text output uses: "info" (-i), "tokens" (-t), "slots" (-s),
 * "slot_list" (-l) and "mechanisms" (-m).  Text fields lose their
 * padding; flags appear both as the number and as an array of names;
 * counts that the token reports as unavailable are null.  A failure part
 * way ends the run; the partial document is still closed, so what was
 * written stays well-formed, and the error goes to stderr.
 */
#include "pkcsconf.h"

#include <stdlib.h>

#include "json.h"
#include "p11names.h"

#define JSON_FIELD(js, key, f)                                                     \
	do {                                                                       \
		json_key(js, key);                                                 \
		json_string_n(js, (const char *)(f), pcf_field_len(f, sizeof(f))); \
	} while (0)

static void info_json_version(struct json *js, const char *key, CK_VERSION v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u.%u", v.major, v.minor);
	json_member_string(js, key, buf);
}

static void info_json_flags(struct json *js, CK_FLAGS flags, const struct pcf_flag_name *names)
{
	json_member_uint(js, "flags", flags);
	json_key(js, "flag_names");
	json_array_begin(js);
	for (; names->name != NULL; names++)
		if (flags & names->flag)
			json_string(js, names->name);
	json_array_end(js);
}

static void info_json_count(struct json *js, const char *key, CK_ULONG v)
{
	json_key(js, key);
	if (v == CK_UNAVAILABLE_INFORMATION)
		json_null(js);
	else
		json_uint(js, v);
}

static int info_json_library(struct pcf *c, struct json *js)
{
	CK_INFO info;
	CK_RV rv = c->p11->C_GetInfo(&info);

	if (rv != CKR_OK)
		return pcf_fail_rv(rv, "cannot read the library information");
	json_key(js, "info");
	json_object_begin(js);
	info_json_version(js, "cryptoki_version", info.cryptokiVersion);
	JSON_FIELD(js, "manufacturer", info.manufacturerID);
	json_member_uint(js, "flags", info.flags);
	JSON_FIELD(js, "library_description", info.libraryDescription);
	info_json_version(js, "library_version", info.libraryVersion);
	json_object_end(js);
	return PCF_EXIT_OK;
}

static void info_json_token(struct json *js, CK_SLOT_ID slot, const CK_TOKEN_INFO *t)
{
	json_object_begin(js);
	json_member_uint(js, "slot", slot);
	JSON_FIELD(js, "label", t->label);
	JSON_FIELD(js, "manufacturer", t->manufacturerID);
	JSON_FIELD(js, "model", t->model);
	JSON_FIELD(js, "serial_number", t->serialNumber);
	info_json_flags(js, t->flags, pcf_token_flags);
	info_json_count(js, "sessions", t->ulSessionCount);
	info_json_count(js, "max_sessions", t->ulMaxSessionCount);
	info_json_count(js, "rw_sessions", t->ulRwSessionCount);
	info_json_count(js, "max_rw_sessions", t->ulMaxRwSessionCount);
	json_member_uint(js, "min_pin_length", t->ulMinPinLen);
	json_member_uint(js, "max_pin_length", t->ulMaxPinLen);
	info_json_count(js, "free_public_memory", t->ulFreePublicMemory);
	info_json_count(js, "total_public_memory", t->ulTotalPublicMemory);
	info_json_count(js, "free_private_memory", t->ulFreePrivateMemory);
	info_json_count(js, "total_private_memory", t->ulTotalPrivateMemory);
	info_json_version(js, "hardware_version", t->hardwareVersion);
	info_json_version(js, "firmware_version", t->firmwareVersion);
	JSON_FIELD(js, "time", t->utcTime);
	json_object_end(js);
}

static int info_json_tokens(struct pcf *c, struct json *js)
{
	CK_SLOT_ID *slots;
	CK_TOKEN_INFO t;
	CK_ULONG n;
	int ret = pcf_info_slots(c, true, &slots, &n);

	if (ret != PCF_EXIT_OK)
		return ret;
	json_key(js, "tokens");
	json_array_begin(js);
	for (CK_ULONG i = 0; ret == PCF_EXIT_OK && i < n; i++) {
		CK_RV rv = c->p11->C_GetTokenInfo(slots[i], &t);

		if (rv != CKR_OK)
			ret = pcf_fail_rv(rv, "cannot read the token information of slot %lu",
			                  slots[i]);
		else
			info_json_token(js, slots[i], &t);
	}
	json_array_end(js);
	free(slots);
	return ret;
}

static void info_json_slot(struct json *js, CK_SLOT_ID slot, const CK_SLOT_INFO *s, bool full)
{
	json_object_begin(js);
	json_member_uint(js, "id", slot);
	JSON_FIELD(js, "description", s->slotDescription);
	if (full) {
		JSON_FIELD(js, "manufacturer", s->manufacturerID);
		info_json_flags(js, s->flags, pcf_slot_flags);
		info_json_version(js, "hardware_version", s->hardwareVersion);
		info_json_version(js, "firmware_version", s->firmwareVersion);
	}
	json_object_end(js);
}

/* "slots" (full is true) or "slot_list". */
static int info_json_slots(struct pcf *c, struct json *js, bool full)
{
	CK_SLOT_ID *slots;
	CK_SLOT_INFO s;
	CK_ULONG n;
	int ret = pcf_info_slots(c, false, &slots, &n);

	if (ret != PCF_EXIT_OK)
		return ret;
	json_key(js, full ? "slots" : "slot_list");
	json_array_begin(js);
	for (CK_ULONG i = 0; ret == PCF_EXIT_OK && i < n; i++) {
		CK_RV rv = c->p11->C_GetSlotInfo(slots[i], &s);

		if (rv != CKR_OK)
			ret = pcf_fail_rv(rv, "cannot read the information of slot %lu", slots[i]);
		else
			info_json_slot(js, slots[i], &s, full);
	}
	json_array_end(js);
	free(slots);
	return ret;
}

static int info_json_mechs_of(struct pcf *c, struct json *js, CK_SLOT_ID slot)
{
	CK_MECHANISM_TYPE *mechs;
	CK_MECHANISM_INFO mi;
	CK_ULONG n;
	int ret = pcf_info_mech_list(c, slot, &mechs, &n);

	if (ret != PCF_EXIT_OK)
		return ret;
	json_object_begin(js);
	json_member_uint(js, "slot", slot);
	json_key(js, "mechanisms");
	json_array_begin(js);
	for (CK_ULONG i = 0; ret == PCF_EXIT_OK && i < n; i++) {
		CK_RV rv = c->p11->C_GetMechanismInfo(slot, mechs[i], &mi);

		if (rv != CKR_OK) {
			ret = pcf_fail_rv(rv, "cannot read mechanism 0x%lX of slot %lu", mechs[i],
			                  slot);
			break;
		}
		json_object_begin(js);
		json_member_uint(js, "type", mechs[i]);
		json_member_string(js, "name", os_p11_mech_name(mechs[i]));
		json_member_uint(js, "min_key_size", mi.ulMinKeySize);
		json_member_uint(js, "max_key_size", mi.ulMaxKeySize);
		info_json_flags(js, mi.flags, pcf_mech_flags);
		json_object_end(js);
	}
	json_array_end(js);
	json_object_end(js);
	free(mechs);
	return ret;
}

static int info_json_mechs(struct pcf *c, struct json *js)
{
	CK_SLOT_ID *slots;
	CK_ULONG n;
	int ret = pcf_info_slots(c, true, &slots, &n);

	if (ret != PCF_EXIT_OK)
		return ret;
	json_key(js, "mechanisms");
	json_array_begin(js);
	for (CK_ULONG i = 0; ret == PCF_EXIT_OK && i < n; i++)
		ret = info_json_mechs_of(c, js, slots[i]);
	json_array_end(js);
	free(slots);
	return ret;
}

int pcf_info_json(struct pcf *c)
{
	unsigned wanted = c->opt.actions;
	int ret = PCF_EXIT_OK;
	struct json js;

	json_init(&js, stdout);
	json_object_begin(&js);
	if (wanted & PCF_DO_INFO)
		ret = info_json_library(c, &js);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_TOKENS))
		ret = info_json_tokens(c, &js);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_SLOTS))
		ret = info_json_slots(c, &js, true);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_LIST))
		ret = info_json_slots(c, &js, false);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_MECHS))
		ret = info_json_mechs(c, &js);
	json_object_end(&js);
	json_finish(&js);
	return ret;
}
