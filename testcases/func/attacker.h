/*
 * What a member of the group can do without the PKCS#11 library, for the
 * attack tests: speak the slotd protocol directly (any request, any
 * payload, in any order) and read the token store as the library would,
 * to learn the ids of the objects to aim at; serve a fake slotd on a
 * socket of its own.
 *
 * Every request helper returns the PKCS#11 value slotd answered, or -1
 * when the connection failed or slotd answered with something else; a
 * connection that failed is unusable.
 */
#ifndef ATTACKER_H
#define ATTACKER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "attrs.h"
#include "client.h"
#include "store.h"

/* Connects to the slotd of the configuration at conf_path, as the library would. 0 or -1. */
int attacker_connect(struct os_client *cl, const char *conf_path);

/* LOGIN; *mk_len gets the length of the master key that came back. */
long attacker_login(struct os_client *cl, uint64_t slot, CK_USER_TYPE user, const char *pin,
                    uint8_t mk[TOK_STORE_KEY_LEN], size_t *mk_len);
long attacker_logout(struct os_client *cl, uint64_t slot);
/* INIT_PIN with the len bytes of pin. */
long attacker_init_pin(struct os_client *cl, uint64_t slot, const char *pin, size_t len);

/* OBJ_SAVE of the encoded attributes (any bytes) as object id (0: a new one). */
long attacker_save_bytes(struct os_client *cl, uint64_t slot, uint64_t id, const void *data,
                         size_t len);
/* OBJ_SAVE of an attribute set. */
long attacker_save(struct os_client *cl, uint64_t slot, uint64_t id, const struct tok_attrs *attrs);
long attacker_destroy(struct os_client *cl, uint64_t slot, uint64_t id);

/*
 * Opens the store of token in data_dir for reading, as the library does
 * (its lock file from lock_dir, files owned by owner).  0 or -1.
 */
int attacker_open_store(const char *data_dir, const char *lock_dir, const char *token, uid_t owner,
                        struct tok_store **st);
void attacker_close_store(struct tok_store *st);

/*
 * Finds the object labelled label among those the store lists and mk (NULL:
 * public objects only) can read: fills *entry and *attrs (an empty set the
 * caller frees).  CKR_OK, or CKR_OBJECT_HANDLE_INVALID when none is.
 */
CK_RV attacker_find(struct tok_store *st, const uint8_t *mk, const char *label,
                    struct tok_store_entry *entry, struct tok_attrs *attrs);

/* The id of a private object the store lists (0 when none). */
uint64_t attacker_private_id(struct tok_store *st);

/* A fake slotd: its listener, its connections and what they sent it. */
#define ATTACKER_FAKE_CONNS 8
struct attacker_fake {
	struct pollfd pfd[2 + ATTACKER_FAKE_CONNS]; /* stop, listener, connections */
	nfds_t n;
	unsigned accepted;
	size_t received;
	struct os_buf answer;
};

/*
 * Listens on a socket at path (mode 0666, so anyone may connect) and
 * prepares the answer sent to each connection the moment it is accepted,
 * before reading anything: a HELLO_OK, then a slot table with one slot
 * whose token is named token.  0, or -1 after printing why.
 */
int attacker_fake_listen(struct attacker_fake *fk, const char *path, uint64_t slot,
                         const char *token);
/*
 * Accepts, answers and counts the bytes received until stop_fd is readable
 * or timeout_ms passes without anything happening; closes everything.
 */
void attacker_fake_serve(struct attacker_fake *fk, int stop_fd, int timeout_ms);

#endif
