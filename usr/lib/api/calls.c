/*
 * Call tracing, as one layer in front of the library's functions: the
 * function lists point here, and each function here calls the one of the
 * same name, timing it and handing its result and arguments to the trace
 * (trace.c), which decides by level whether a line is due.  With no trace
 * open a call costs one test more.  The functions and what a trace shows of
 * their arguments are the rows of functions.h, so a function added there
 * is traced without more code.
 */
#include "calls.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "p11names.h"

/* Room for an attribute list: types only ("{CKA_CLASS, CKA_VALUE}"). */
#define CALLS_ATTRS_LEN 384

static const char *calls_mech(const CK_MECHANISM *m, char *buf, size_t len)
{
	return m ? os_p11_mech_str(m->mechanism, buf, len) : "no mechanism";
}

static const char *calls_user(CK_USER_TYPE u, char *buf, size_t len)
{
	const char *name = os_p11_user_name(u);

	if (name)
		return name;
	snprintf(buf, len, "user 0x%lx", u);
	return buf;
}

/* The types of a template's attributes, never their values. */
static const char *calls_attrs(const CK_ATTRIBUTE *t, CK_ULONG n, char *buf, size_t len)
{
	char one[OS_P11_STR_LEN];
	size_t at;

	if (!t)
		return n ? "{NULL}" : "{}";
	at = (size_t)snprintf(buf, len, "{");
	for (CK_ULONG i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
		                       os_p11_attr_str(t[i].type, one, sizeof(one)));
	if (at < len)
		snprintf(buf + at, len - at, "}");
	else
		memcpy(buf + len - 5, "...}", 5);
	return buf;
}

#define CALLS_MECH(m)      calls_mech(m, (char[OS_P11_STR_LEN]){0}, OS_P11_STR_LEN)
#define CALLS_MECH_TYPE(t) os_p11_mech_str(t, (char[OS_P11_STR_LEN]){0}, OS_P11_STR_LEN)
#define CALLS_USER(u)      calls_user(u, (char[32]){0}, 32)
#define CALLS_ATTRS(t, n)  calls_attrs(t, n, (char[CALLS_ATTRS_LEN]){0}, CALLS_ATTRS_LEN)
#define CALLS_UNPAREN(...) __VA_ARGS__

/* Defines wrapper, which calls fn and traces it under label. */
#define CALLS_DEFINE(wrapper, label, fn, params, args, trace)           \
	CK_RV wrapper params                                            \
	{                                                               \
		struct api_trace_span sp;                               \
		CK_RV rv;                                               \
                                                                        \
		if (!api_trace_span_begin(&sp))                         \
			return fn args;                                 \
		rv = fn args;                                           \
		if (api_trace_span_end(&sp, label, rv))                 \
			api_trace_span_write(&sp, CALLS_UNPAREN trace); \
		return rv;                                              \
	}

#define CALLS_ROW(name, params, args, trace) \
	CALLS_DEFINE(api_calls_##name, #name, name, params, args, trace)

API_FUNCTIONS_240(CALLS_ROW)
API_FUNCTIONS_30(CALLS_ROW)
CALLS_DEFINE(api_calls_C_GetInfo, "C_GetInfo", C_GetInfo, (CK_INFO_PTR info), (info), ("%s", ""))
CALLS_DEFINE(api_calls_C_GetInfo_30, "C_GetInfo", api_interface_get_info_30, (CK_INFO_PTR info),
             (info), ("%s", ""))
