/*
 * Problems a person must fix, told to syslog once per process and cause
 * (notice.c).
 */
#ifndef API_NOTICE_H
#define API_NOTICE_H

#include <stdint.h>

#include "openslot/pkcs11.h"
#include "client.h"

enum api_notice_cause {
	API_NOTICE_SLOTD_ABSENT, /* slotd is not running */
	API_NOTICE_DENIED,       /* this user may not use slotd's socket */
	API_NOTICE_IMPOSTOR,     /* the server on the socket is not slotd */
	API_NOTICE_TOKEN,        /* a token's files cannot be read or are damaged */
	API_NOTICE_INIT,         /* C_Initialize failed for another reason */
	API_NOTICE_COUNT
};

/*
 * A connection to slotd at path failed (cl as os_client_connect left it,
 * err its reason): tells syslog the cause and its fix, once per process.
 */
void api_notice_connect(const struct os_client *cl, const char *path, const char *err);
/* A token's store could not be opened (err: why). */
void api_notice_token(const char *token, const char *dir, const char *err);
/* A token object was damaged and skipped (token_take_loaded's callback; arg: the slot). */
void api_notice_damaged_object(void *arg, uint64_t id, CK_RV rv);
/* Anything else: "openslot: " and the text, once per process and cause. */
void api_notice(enum api_notice_cause cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
