/*
 * The PKCS#11 functions as the function lists hand them out: each one
 * traces the call it makes to the function of the same name (calls.c).
 */
#ifndef API_CALLS_H
#define API_CALLS_H

#include "openslot/pkcs11.h"
#include "functions.h"

#define API_CALLS_DECLARE(name, params, args, trace) CK_RV api_calls_##name params;

API_FUNCTIONS_240(API_CALLS_DECLARE)
API_FUNCTIONS_30(API_CALLS_DECLARE)
CK_RV api_calls_C_GetInfo(CK_INFO_PTR info);
CK_RV api_calls_C_GetInfo_30(CK_INFO_PTR info);

#endif
