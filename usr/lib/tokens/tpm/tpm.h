/*
 * The tpm backend's context: one per slot, made at load.  It holds the
 * slot options, what the TPM said about itself when the backend loaded,
 * and the mutex that serialises this process's connections to the TPM.
 */
#ifndef TPM_H
#define TPM_H

#include <pthread.h>
#include <stdbool.h>

#include "tpm_caps.h"
#include "tpm_conn.h"
#include "tpm_keep.h"
#include "tpm_mechs.h"
#include "tpm_opts.h"

struct tpm_ctx {
	pthread_mutex_t lock; /* held from tpm_begin to tpm_end */
	struct tpm_opts opts;
	bool present; /* the TPM answered at load */
	bool no_rm;   /* a transport without a resource manager (swtpm, mssim) */
	bool rm;      /* behind a resource manager (tabrmd, device:/dev/tpmrmN): state is kept */
	char description[TPM_OPTS_DESC_MAX];
	struct tpm_caps caps;
	struct tpm_mechs mechs;
	/*
	 * The auth value of the token's keys, set when keys are created and
	 * after every load: HMAC-SHA256(master key, "openslot tpm key auth"),
	 * set at a user login (tpm_login_key) and wiped at logout, so a key's
	 * blobs are of no use without the user's PIN.  Guarded by lock; empty
	 * while no user is logged in, and no key is made then.
	 */
	TPM2B_AUTH key_auth;
	struct tpm_keep keep; /* what is kept between calls (tpm_call.h); under lock */
	void (*trace)(int level, const char *fmt, va_list ap);
};

/*
 * Opens a connection for one call and holds the context's mutex until
 * tpm_end; on failure the mutex is released and the error returned
 * (CKR_TOKEN_NOT_PRESENT when there was no TPM at load).
 */
CK_RV tpm_begin(struct tpm_ctx *ctx, struct tpm_conn *c);
void tpm_end(struct tpm_ctx *ctx, struct tpm_conn *c);

/* The connecting part of tpm_begin, with the mutex already held. */
CK_RV tpm_connect_inlock(struct tpm_ctx *ctx, struct tpm_conn *c);

/* Writes to the process trace (level 1 errors .. 4 debug). */
void tpm_trace(const struct tpm_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
