/*
 * Helpers shared by the PKCS#11 functions that act on a session
 * (entry.c, entry_objects.c, entry_crypto.c, entry_state.c).
 */
#ifndef API_ENTRY_H
#define API_ENTRY_H

#include "api.h"

/*
 * Enters the library and takes a reference on the session; on success the
 * caller ends with entry_end().
 */
CK_RV entry_begin(CK_SESSION_HANDLE h, struct api_session **s);
/* Notes the call's slot for log-calls, drops the session and leaves the library. */
CK_RV entry_end(struct api_session *s, CK_RV rv);
/* The calling session as the token common layer sees it; notes that s may own objects. */
struct tok_caller entry_caller(struct api_session *s);

#endif
