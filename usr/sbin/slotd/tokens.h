/*
 * The token service of slotd: the one writer of every token's files.
 *
 * Clients read a token's store directly, but every change goes through
 * here: objects (saved and destroyed with the caller's login checked and
 * the attribute rules applied again, since the client is not trusted),
 * logins (the PIN is checked here, on the worker pool, and the master key
 * handed to that connection only), C_InitToken, C_InitPIN and C_SetPIN,
 * and the token's own Argon2id parameters for new PINs (set by its SO).
 *
 * A token is opened on first use: its store (writer handle), its lock file
 * and its shared memory segment, whose read-only descriptor is sent to each
 * client that asks.  Object changes are appended without a flush and made
 * durable together at the end of each pass of the event loop
 * (slotd_tokens_commit), one fdatasync per token for every client that
 * changed it in that pass; each of those clients gets its answer only
 * then, and its further requests wait until it has it.
 */
#ifndef SLOTD_TOKENS_H
#define SLOTD_TOKENS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "openslot/pkcs11.h"
#include "pool.h"
#include "store.h"
#include "tokshm.h"

struct slotd;
struct slotd_client;

struct slotd_token {
	uint64_t slot_id;
	uid_t uid; /* whose token, for a per-user slot (tpm); (uid_t)-1 otherwise */
	char name[64];
	struct tok_store *store;
	struct tok_shm_map shm;
	int shm_ro_fd; /* handed to clients */
	int lock_fd;
	struct tok_kdf_params kdf; /* slot options: new PINs' default, SET_KDF's floor */
	unsigned min_pin;
	unsigned pin_limit; /* consecutive wrong PINs that lock (slot option pin-max-failures) */
	bool dirty;         /* changes appended, not yet durable */
	unsigned jobs;      /* PIN jobs in flight on it */
	bool retired;       /* its slot went away: closed when jobs reaches 0 */
	/* A TPM token: its PINs sealed in the TPM (tokens_tpm.h); NULL otherwise. */
	struct slotd_tpm *tpm;
};

/* One connection's login on one token. */
struct slotd_login {
	uint64_t slot_id;
	CK_USER_TYPE user;
	uint8_t mk[TOK_STORE_KEY_LEN];
};

/* A change answered once it is durable. */
struct slotd_pending {
	struct slotd_pending *next;
	struct slotd_client *cl; /* NULL once the client is gone */
	struct slotd_token *tok;
	uint32_t serial;
	CK_RV rv;
	uint64_t id, generation;
};

/* What one connection holds of the token service. */
struct slotd_conn {
	struct slotd_login *logins;
	size_t n_logins;
	struct slotd_job *job; /* a PIN job in flight, or NULL */
	bool pending;          /* an answer waits for the commit */
};

struct slotd_tokens {
	struct slotd_token **v;
	size_t n;
	struct slotd_pool pool;
	struct slotd_pending *pending, **pending_tail;
};

int slotd_tokens_start(struct slotd *sd);
void slotd_tokens_stop(struct slotd *sd);
/* After a reload: closes tokens whose slot went away or changed its token. */
void slotd_tokens_reload(struct slotd *sd);
/* The client is going away: forget its logins and answers. */
void slotd_tokens_client_gone(struct slotd *sd, struct slotd_client *cl);
/* End of a pass of the event loop: makes changes durable and answers them. */
void slotd_tokens_commit(struct slotd *sd);
/* Whether changes wait for a commit (the loop then does not sleep). */
bool slotd_tokens_pending(const struct slotd *sd);

/*
 * The token of a slot for the client cl (for a per-user slot, the token of
 * cl's uid), opened on first use; NULL with *rv set when it cannot be.
 */
struct slotd_token *slotd_tokens_get(struct slotd *sd, const struct slotd_client *cl,
                                     uint64_t slot_id, CK_RV *rv);
/* The open token of a slot for the client cl, or NULL (nothing is opened). */
struct slotd_token *slotd_tokens_find(struct slotd *sd, const struct slotd_client *cl,
                                      uint64_t slot_id);
/* Whether the client cl uses tok (same slot and, for a per-user token, same uid). */
bool slotd_tokens_serves(const struct slotd_token *tok, const struct slotd_client *cl);
/*
 * tokens_user.c: opens, creating them when missing, <data>/tpm/<user>/ and
 * <lock>/tpm/<user>/LCK..tpm for uid, readable by uid alone; data receives
 * the data directory's path and *lock_fd the lock file.
 */
CK_RV slotd_tokens_user_open(const struct slotd *sd, uid_t uid, char *data, size_t datalen,
                             int *lock_fd);
/* The login of a connection on a slot, or NULL. */
struct slotd_login *slotd_tokens_login(struct slotd_client *cl, uint64_t slot_id);
int slotd_tokens_set_login(struct slotd_client *cl, uint64_t slot_id, CK_USER_TYPE user,
                           const uint8_t mk[TOK_STORE_KEY_LEN]);
void slotd_tokens_drop_login(struct slotd_client *cl, uint64_t slot_id);
/* Drops the logins of every connection on a token (C_InitToken). */
void slotd_tokens_drop_all_logins(struct slotd *sd, const struct slotd_token *tok);
/* Publishes the token information from NVTOK.DAT to the token's segment. */
void slotd_tokens_publish(struct slotd *sd, struct slotd_token *tok);

/* The token's job finished: closes a retired token once idle. */
void slotd_tokens_job_done(struct slotd *sd, struct slotd_token *tok);
/* The connection that submitted job is gone (tokens_pins.c). */
void slotd_tokens_orphan_job(struct slotd_job *job);
/* Queues an answer to a change, sent by the next commit; pauses the client. */
int slotd_tokens_pend(struct slotd *sd, struct slotd_client *cl, struct slotd_token *tok,
                      uint32_t serial, CK_RV rv, uint64_t id, uint64_t generation);

/* Sends a RESULT frame; returns what the handler should return (0). */
int slotd_tokens_reply(struct slotd *sd, struct slotd_client *cl, uint32_t serial, CK_RV rv);

/* Handlers (tokens_objects.c, tokens_pins.c). */
struct os_frame_header;
struct os_reader;
int slotd_tokens_open(struct slotd *sd, struct slotd_client *cl, const struct os_frame_header *hdr,
                      struct os_reader *rd);
int slotd_tokens_save(struct slotd *sd, struct slotd_client *cl, const struct os_frame_header *hdr,
                      struct os_reader *rd);
int slotd_tokens_destroy(struct slotd *sd, struct slotd_client *cl,
                         const struct os_frame_header *hdr, struct os_reader *rd);
int slotd_tokens_login_req(struct slotd *sd, struct slotd_client *cl,
                           const struct os_frame_header *hdr, struct os_reader *rd);
int slotd_tokens_logout(struct slotd *sd, struct slotd_client *cl,
                        const struct os_frame_header *hdr, struct os_reader *rd);
int slotd_tokens_init_token(struct slotd *sd, struct slotd_client *cl,
                            const struct os_frame_header *hdr, struct os_reader *rd);
int slotd_tokens_init_pin(struct slotd *sd, struct slotd_client *cl,
                          const struct os_frame_header *hdr, struct os_reader *rd);
int slotd_tokens_set_pin(struct slotd *sd, struct slotd_client *cl,
                         const struct os_frame_header *hdr, struct os_reader *rd);
/* SET_KDF: the SO records the token's Argon2id parameters for new PINs. */
int slotd_tokens_set_kdf(struct slotd *sd, struct slotd_client *cl,
                         const struct os_frame_header *hdr, struct os_reader *rd);

#endif
