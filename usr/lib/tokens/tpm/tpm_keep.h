/*
 * What the tpm backend keeps open between calls, on a transport with a
 * resource manager (device:/dev/tpmrm0, tabrmd): the connection, the
 * storage key with its salted session, and the last few keys loaded under
 * it, found again by the SHA-256 of their blobs.
 *
 * A resource manager gives each connection its own view of the TPM and
 * swaps objects in and out as needed, so holding a connection blocks no
 * other process.  On any other transport (a swtpm or mssim socket, the
 * raw /dev/tpm0) the TPM serves one connection at a time, and nothing is
 * kept: each call connects and flushes everything before returning.
 *
 * Everything here is used under the context's lock (tpm_begin).  The kept
 * state belongs to the process that opened it: a forked child forgets it
 * without sending a command, since the connection is the parent's.  It is
 * dropped (flushed, closed) after any failed call, so a TPM or resource
 * manager that restarted is reached afresh by the next call, and at unload.
 * Loaded keys are flushed by the first call that finds the token's key
 * auth changed since they were loaded.
 */
#ifndef TPM_KEEP_H
#define TPM_KEEP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tpm_conn.h"
#include "tpm_parent.h"

#define TPM_KEEP_KEYS 4

struct tpm_keep_key {
	uint8_t hash[32]; /* SHA-256 of the public then the private blob */
	ESYS_TR handle;   /* ESYS_TR_NONE: a free entry */
	uint64_t used;    /* when last used, on the keep's counter */
	TPM2B_PUBLIC pub;
};

struct tpm_keep {
	pid_t pid; /* the process that opened it; 0 when nothing is kept */
	struct tpm_conn conn;
	struct tpm_parent parent;
	TPM2B_AUTH auth; /* the key auth the loaded keys were given */
	uint64_t clock;
	struct tpm_keep_key keys[TPM_KEEP_KEYS];
};

/* True when conn and parent are open in this process. */
bool tpm_keep_open(struct tpm_keep *k);

/* Takes over an open connection and parent (after a successful call). */
void tpm_keep_adopt(struct tpm_keep *k, const struct tpm_conn *c, const struct tpm_parent *p);

/* Flushes the loaded keys, the parent and the session, and closes. */
void tpm_keep_drop(struct tpm_keep *k);

/*
 * The loaded key whose blobs hash to hash, or NULL.  Flushes every loaded
 * key first when auth is not the one they were given.
 */
const struct tpm_keep_key *tpm_keep_find(struct tpm_keep *k, const uint8_t hash[32],
                                         const TPM2B_AUTH *auth);

/* Records a key just loaded, flushing the least recently used one if full. */
void tpm_keep_add(struct tpm_keep *k, const uint8_t hash[32], ESYS_TR handle,
                  const TPM2B_PUBLIC *pub, const TPM2B_AUTH *auth);

#endif
