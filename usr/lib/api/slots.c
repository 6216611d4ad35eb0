/*
 * The slot functions of PKCS#11 over the slot table (slots_table.c), each
 * slot's backend loaded on first use (slots_load.c).  This file is the one
 * place that turns a missing backend entry into a PKCS#11 error.
 */
#include "api.h"
#include "bytes.h"

#include <stdio.h>
#include <string.h>

struct api_slot *api_slot_find(CK_SLOT_ID id)
{
	for (size_t i = 0; i < api_state.n_slots; i++)
		if (api_state.slots[i]->id == id)
			return api_state.slots[i];
	return NULL;
}

/* Whether the slot's token is present, its backend loaded first if need be. */
static bool slots_present(struct api_slot *slot)
{
	api_slot_ready(slot);
	return slot->ops && slot->ops->token_present(slot->ctx) == CKR_OK;
}

CK_RV api_slot_token(CK_SLOT_ID id, struct api_slot **slot)
{
	*slot = api_slot_find(id);
	if (!*slot)
		return CKR_SLOT_ID_INVALID;
	return slots_present(*slot) ? CKR_OK : CKR_TOKEN_NOT_PRESENT;
}

CK_RV C_GetSlotList(CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv = api_enter_slots();
	CK_ULONG n = 0;

	if (rv != CKR_OK)
		return rv;
	if (!count) {
		api_leave();
		return CKR_ARGUMENTS_BAD;
	}
	for (size_t i = 0; i < api_state.n_slots; i++) {
		if (token_present && !slots_present(api_state.slots[i]))
			continue;
		if (list && n < *count)
			list[n] = api_state.slots[i]->id;
		n++;
	}
	if (list && n > *count)
		rv = CKR_BUFFER_TOO_SMALL;
	*count = n;
	api_leave();
	return rv;
}

static void slots_fill_slot_info(const struct api_slot *slot, CK_SLOT_INFO *info)
{
	memset(info, 0, sizeof(*info));
	os_pad_text(info->slotDescription, sizeof(info->slotDescription), slot->info.description);
	os_pad_text(info->manufacturerID, sizeof(info->manufacturerID), slot->info.manufacturer);
	info->hardwareVersion.major = slot->info.hw_major;
	info->hardwareVersion.minor = slot->info.hw_minor;
	info->firmwareVersion.major = slot->info.fw_major;
	info->firmwareVersion.minor = slot->info.fw_minor;
}

CK_RV C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	CK_RV rv = api_enter_slots();
	struct api_slot *slot;

	if (rv != CKR_OK)
		return rv;
	slot = api_slot_find(id);
	if (!slot)
		rv = CKR_SLOT_ID_INVALID;
	else if (!info)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK) {
		slots_fill_slot_info(slot, info);
		if (slots_present(slot))
			info->flags |= CKF_TOKEN_PRESENT;
		if (slot->ops)
			rv = slot->ops->slot_info(slot->ctx, info);
	}
	api_trace_slot(slot);
	api_leave();
	return rv;
}

static void slots_fill_token_info(const struct api_slot *slot, CK_TOKEN_INFO *info)
{
	uint64_t sessions = 0, rw = 0;
	const struct os_slotshm *shm = __atomic_load_n(&api_state.shm.shm, __ATOMIC_ACQUIRE);

	if (slot->per_user && slot->has_token) {
		sessions = tok_shm_load(&slot->tokshm.shm->sessions);
		rw = tok_shm_load(&slot->tokshm.shm->rw_sessions);
	} else if (shm) {
		os_slotshm_counts(shm, slot->id, &sessions, &rw);
	}
	/* slotd may not have applied this process's latest report yet */
	uint64_t own = __atomic_load_n(&slot->n_sessions, __ATOMIC_ACQUIRE);
	uint64_t own_rw = __atomic_load_n(&slot->n_rw_sessions, __ATOMIC_ACQUIRE);
	sessions = sessions > own ? sessions : own;
	rw = rw > own_rw ? rw : own_rw;
	memset(info, 0, sizeof(*info));
	os_pad_text(info->label, sizeof(info->label), slot->info.token);
	os_pad_text(info->manufacturerID, sizeof(info->manufacturerID), slot->info.manufacturer);
	os_pad_text(info->model, sizeof(info->model), slot->info.backend);
	os_pad_text(info->serialNumber, sizeof(info->serialNumber), "");
	os_pad_text(info->utcTime, sizeof(info->utcTime), "");
	info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulSessionCount = (CK_ULONG)sessions;
	info->ulRwSessionCount = (CK_ULONG)rw;
	info->ulMaxPinLen = 128;
	info->ulMinPinLen = 4;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
}

CK_RV C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = api_enter_slots();
	struct api_slot *slot = NULL;

	if (rv != CKR_OK)
		return rv;
	rv = api_slot_token(id, &slot);
	if (rv == CKR_OK && !info)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK) {
		slots_fill_token_info(slot, info);
		if (slot->has_token)
			tok_token_info(&slot->token, info);
		rv = slot->ops->token_info(slot->ctx, info);
	}
	api_trace_slot(slot);
	api_leave();
	return rv;
}

CK_RV C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv = api_enter_slots();
	struct api_slot *slot = NULL;

	if (rv != CKR_OK)
		return rv;
	rv = api_slot_token(id, &slot);
	if (rv == CKR_OK && !count)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK)
		rv = slot->ops->mechanism_list(slot->ctx, list, count);
	api_trace_slot(slot);
	api_leave();
	return rv;
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	CK_RV rv = api_enter_slots();
	struct api_slot *slot = NULL;

	if (rv != CKR_OK)
		return rv;
	rv = api_slot_token(id, &slot);
	if (rv == CKR_OK && !info)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK)
		rv = slot->ops->mechanism_info(slot->ctx, type, info);
	api_trace_slot(slot);
	api_leave();
	return rv;
}
