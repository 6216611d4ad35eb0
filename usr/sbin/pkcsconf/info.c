/*
 * The display actions in text: -i (library), -t (tokens), -s (slots),
 * -l (slot list) and -m (mechanisms), laid out as openCryptoki's pkcsconf
 * lays them out, so scripts written for it keep working.  Without -c,
 * -t and -m cover the slots that hold a token and -s and -l every slot.
 * Padded PKCS#11 text fields are printed without their padding.
 */
#include "pkcsconf.h"

#include <stdlib.h>

#include "p11names.h"

#define INFO_FIELD(fp, f) pcf_field_print(fp, f, sizeof(f))

int pcf_info_slots(struct pcf *c, bool token_present, CK_SLOT_ID **list, CK_ULONG *count)
{
	if (!c->opt.have_slot)
		return pcf_slot_list(c, token_present, list, count);
	*list = malloc(sizeof(**list));
	if (*list == NULL)
		return os_log_fail(PCF_EXIT_P11, "out of memory");
	**list = c->opt.slot;
	*count = 1;
	return PCF_EXIT_OK;
}

static int info_library(struct pcf *c)
{
	CK_INFO info;
	CK_RV rv = c->p11->C_GetInfo(&info);

	if (rv != CKR_OK)
		return pcf_fail_rv(rv, "cannot read the library information");
	printf("PKCS#11 Info\n");
	printf("\tVersion %u.%u\n", info.cryptokiVersion.major, info.cryptokiVersion.minor);
	printf("\tManufacturer: ");
	INFO_FIELD(stdout, info.manufacturerID);
	printf("\n\tFlags: 0x%lX\n", info.flags);
	printf("\tLibrary Description: ");
	INFO_FIELD(stdout, info.libraryDescription);
	printf("\n\tLibrary Version: %u.%u\n", info.libraryVersion.major,
	       info.libraryVersion.minor);
	return PCF_EXIT_OK;
}

/* A count, or openCryptoki's words for the two special values. */
static void info_count(CK_ULONG v, bool is_max, bool hex)
{
	if (v == CK_UNAVAILABLE_INFORMATION)
		printf("[information unavailable]");
	else if (is_max && v == CK_EFFECTIVELY_INFINITE)
		printf("[effectively infinite]");
	else if (hex)
		printf("0x%lX", v);
	else
		printf("%lu", v);
}

/* "used/maximum" for sessions (decimal), "free/total" for memory (hexadecimal). */
static void info_pair(const char *title, CK_ULONG a, CK_ULONG b, bool sessions)
{
	printf("\t%s: ", title);
	info_count(a, false, !sessions);
	putchar('/');
	info_count(b, sessions, !sessions);
	putchar('\n');
}

static void info_token_print(CK_SLOT_ID slot, const CK_TOKEN_INFO *t)
{
	printf("Token #%lu Info:\n\tLabel: ", slot);
	INFO_FIELD(stdout, t->label);
	printf("\n\tManufacturer: ");
	INFO_FIELD(stdout, t->manufacturerID);
	printf("\n\tModel: ");
	INFO_FIELD(stdout, t->model);
	printf("\n\tSerial Number: ");
	INFO_FIELD(stdout, t->serialNumber);
	printf("\n\tFlags: ");
	pcf_flags_print(stdout, t->flags, pcf_token_flags);
	putchar('\n');
	info_pair("Sessions", t->ulSessionCount, t->ulMaxSessionCount, true);
	info_pair("R/W Sessions", t->ulRwSessionCount, t->ulMaxRwSessionCount, true);
	printf("\tPIN Length: %lu-%lu\n", t->ulMinPinLen, t->ulMaxPinLen);
	info_pair("Public Memory", t->ulFreePublicMemory, t->ulTotalPublicMemory, false);
	info_pair("Private Memory", t->ulFreePrivateMemory, t->ulTotalPrivateMemory, false);
	printf("\tHardware Version: %u.%u\n", t->hardwareVersion.major, t->hardwareVersion.minor);
	printf("\tFirmware Version: %u.%u\n", t->firmwareVersion.major, t->firmwareVersion.minor);
	printf("\tTime: ");
	INFO_FIELD(stdout, t->utcTime);
	putchar('\n');
}

static int info_tokens(struct pcf *c)
{
	CK_SLOT_ID *slots;
	CK_TOKEN_INFO t;
	CK_ULONG n;
	int ret = pcf_info_slots(c, true, &slots, &n);

	for (CK_ULONG i = 0; ret == PCF_EXIT_OK && i < n; i++) {
		CK_RV rv = c->p11->C_GetTokenInfo(slots[i], &t);

		if (rv != CKR_OK)
			ret = pcf_fail_rv(rv, "cannot read the token information of slot %lu",
			                  slots[i]);
		else
			info_token_print(slots[i], &t);
	}
	free(slots);
	return ret;
}

static void info_slot_print(CK_SLOT_ID slot, const CK_SLOT_INFO *s)
{
	printf("Slot #%lu Info\n\tDescription: ", slot);
	INFO_FIELD(stdout, s->slotDescription);
	printf("\n\tManufacturer: ");
	INFO_FIELD(stdout, s->manufacturerID);
	printf("\n\tFlags: ");
	pcf_flags_print(stdout, s->flags, pcf_slot_flags);
	printf("\n\tHardware Version: %u.%u\n", s->hardwareVersion.major, s->hardwareVersion.minor);
	printf("\tFirmware Version: %u.%u\n", s->firmwareVersion.major, s->firmwareVersion.minor);
}

static void info_list_print(CK_SLOT_ID slot, const CK_SLOT_INFO *s)
{
	printf("%lu:\tDescription: ", slot);
	INFO_FIELD(stdout, s->slotDescription);
	putchar('\n');
}

static int info_slots(struct pcf *c, void (*print)(CK_SLOT_ID, const CK_SLOT_INFO *))
{
	CK_SLOT_ID *slots;
	CK_SLOT_INFO s;
	CK_ULONG n;
	int ret = pcf_info_slots(c, false, &slots, &n);

	for (CK_ULONG i = 0; ret == PCF_EXIT_OK && i < n; i++) {
		CK_RV rv = c->p11->C_GetSlotInfo(slots[i], &s);

		if (rv != CKR_OK)
			ret = pcf_fail_rv(rv, "cannot read the information of slot %lu", slots[i]);
		else
			print(slots[i], &s);
	}
	free(slots);
	return ret;
}

int pcf_info_mech_list(struct pcf *c, CK_SLOT_ID slot, CK_MECHANISM_TYPE **list, CK_ULONG *count)
{
	CK_MECHANISM_TYPE *mechs = NULL;
	CK_ULONG n = 0;
	CK_RV rv = c->p11->C_GetMechanismList(slot, NULL, &n);

	if (rv == CKR_OK && n > 0) {
		mechs = calloc(n, sizeof(*mechs));
		if (mechs == NULL)
			return os_log_fail(PCF_EXIT_P11, "out of memory");
		rv = c->p11->C_GetMechanismList(slot, mechs, &n);
	}
	if (rv != CKR_OK) {
		free(mechs);
		return pcf_fail_rv(rv, "cannot list the mechanisms of slot %lu", slot);
	}
	*list = mechs;
	*count = n;
	return PCF_EXIT_OK;
}

static int info_mechs_of(struct pcf *c, CK_SLOT_ID slot)
{
	CK_MECHANISM_TYPE *mechs;
	CK_MECHANISM_INFO mi;
	CK_ULONG n;
	int ret = pcf_info_mech_list(c, slot, &mechs, &n);

	for (CK_ULONG i = 0; ret == PCF_EXIT_OK && i < n; i++) {
		const char *name = os_p11_mech_name(mechs[i]);
		CK_RV rv = c->p11->C_GetMechanismInfo(slot, mechs[i], &mi);

		if (rv != CKR_OK) {
			ret = pcf_fail_rv(rv, "cannot read mechanism 0x%lX of slot %lu", mechs[i],
			                  slot);
			break;
		}
		printf("Mechanism #%lu\n\tMechanism: 0x%lX", i, mechs[i]);
		if (name != NULL)
			printf(" (%s)", name);
		printf("\n\tKey Size: %lu-%lu\n\tFlags: ", mi.ulMinKeySize, mi.ulMaxKeySize);
		pcf_flags_print(stdout, mi.flags, pcf_mech_flags);
		putchar('\n');
	}
	free(mechs);
	return ret;
}

static int info_mechs(struct pcf *c)
{
	CK_SLOT_ID *slots;
	CK_ULONG n;
	int ret;

	if (c->opt.have_slot)
		return info_mechs_of(c, c->opt.slot);
	ret = pcf_slot_list(c, true, &slots, &n);
	for (CK_ULONG i = 0; ret == PCF_EXIT_OK && i < n; i++) {
		printf("Mechanism Info for Slot #%lu:\n", slots[i]);
		ret = info_mechs_of(c, slots[i]);
	}
	free(slots);
	return ret;
}

int pcf_info_run(struct pcf *c)
{
	unsigned wanted = c->opt.actions;
	int ret = PCF_EXIT_OK;

	if (c->opt.json)
		return pcf_info_json(c);
	if (wanted & PCF_DO_INFO)
		ret = info_library(c);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_TOKENS))
		ret = info_tokens(c);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_SLOTS))
		ret = info_slots(c, info_slot_print);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_LIST))
		ret = info_slots(c, info_list_print);
	if (ret == PCF_EXIT_OK && (wanted & PCF_DO_MECHS))
		ret = info_mechs(c);
	return ret;
}
