/*
 * The function tables and interfaces the library offers: "PKCS 11" 3.0
 * (the default) and 2.40, both flagged CKF_INTERFACE_FORK_SAFE, plus
 * C_GetFunctionList for 2.x callers.  Each table reports its own version
 * through its own C_GetInfo.  The tables point at the traced functions
 * of calls.c; the exported C_ symbols are the functions themselves.
 */
#include "api.h"
#include "bytes.h"

#include <string.h>

#include "calls.h"

static CK_RV interface_info(CK_INFO_PTR info, CK_BYTE major, CK_BYTE minor)
{
	CK_RV rv = api_enter();

	if (rv != CKR_OK)
		return rv;
	api_leave();
	if (!info)
		return CKR_ARGUMENTS_BAD;
	memset(info, 0, sizeof(*info));
	info->cryptokiVersion.major = major;
	info->cryptokiVersion.minor = minor;
	os_pad_text(info->manufacturerID, sizeof(info->manufacturerID), "openslot");
	os_pad_text(info->libraryDescription, sizeof(info->libraryDescription),
	            "openslot PKCS#11 library");
	info->libraryVersion.major = OS_VERSION_MAJOR;
	info->libraryVersion.minor = OS_VERSION_MINOR;
	return CKR_OK;
}

CK_RV C_GetInfo(CK_INFO_PTR info)
{
	return interface_info(info, 2, 40);
}

CK_RV api_interface_get_info_30(CK_INFO_PTR info)
{
	return interface_info(info, 3, 0);
}

/* Every entry goes through the traced layer (calls.c). */
#define API_MEMBER(name, params, args, trace) .name = api_calls_##name,

static CK_FUNCTION_LIST interface_list_240 = {
    .version = {2, 40}, .C_GetInfo = api_calls_C_GetInfo, API_FUNCTIONS_240(API_MEMBER)};

static CK_FUNCTION_LIST_3_0 interface_list_30 = {.version = {3, 0},
                                                 .C_GetInfo = api_calls_C_GetInfo_30,
                                                 API_FUNCTIONS_240(API_MEMBER)
                                                     API_FUNCTIONS_30(API_MEMBER)};

static CK_INTERFACE interface_all[] = {
    {(CK_UTF8CHAR_PTR) "PKCS 11", &interface_list_30, CKF_INTERFACE_FORK_SAFE},
    {(CK_UTF8CHAR_PTR) "PKCS 11", &interface_list_240, CKF_INTERFACE_FORK_SAFE},
};

#define INTERFACE_COUNT (sizeof(interface_all) / sizeof(interface_all[0]))

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (!list)
		return CKR_ARGUMENTS_BAD;
	*list = &interface_list_240;
	return CKR_OK;
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
	if (!count)
		return CKR_ARGUMENTS_BAD;
	if (!list) {
		*count = INTERFACE_COUNT;
		return CKR_OK;
	}
	if (*count < INTERFACE_COUNT) {
		*count = INTERFACE_COUNT;
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy(list, interface_all, sizeof(interface_all));
	*count = INTERFACE_COUNT;
	return CKR_OK;
}

static const CK_VERSION *interface_version(const CK_INTERFACE *iface)
{
	return (const CK_VERSION *)iface->pFunctionList;
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR iface,
                     CK_FLAGS flags)
{
	if (!iface)
		return CKR_ARGUMENTS_BAD;
	for (size_t i = 0; i < INTERFACE_COUNT; i++) {
		CK_INTERFACE *cand = &interface_all[i];
		const CK_VERSION *v = interface_version(cand);
		if (name && strcmp((const char *)name, (const char *)cand->pInterfaceName) != 0)
			continue;
		if (version && (version->major != v->major || version->minor != v->minor))
			continue;
		if ((cand->flags & flags) != flags)
			continue;
		*iface = cand;
		return CKR_OK;
	}
	return CKR_ARGUMENTS_BAD;
}
