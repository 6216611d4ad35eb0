/*
 * slotd: the daemon that owns the machine-wide slot state.
 *
 * One process, one epoll loop (server.c) over the listening socket, a
 * signalfd and the client connections.  The configuration is parsed into a
 * fresh struct (conf.c in the common library) and swapped in on SIGHUP
 * (reload.c); the slot table and session counts live in a POSIX shm segment
 * written only here (shm.c); each connection's counts are kept per client
 * and withdrawn when it hangs up (clients.c), which also applies the
 * connection limits; events to clients are coalesced (events.c).  setup.c
 * makes the directories without following links, takes the pid lock and
 * drops privileges.
 */
#ifndef SLOTD_H
#define SLOTD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "buf.h"
#include "conf.h"
#include "slotshm.h"
#include "tokens.h"

/* A client's open-session counts on one slot, as it last reported them. */
struct slotd_count {
	uint64_t slot_id;
	uint64_t sessions;
	uint64_t rw_sessions;
};

/* An event for a client: kind (enum os_event_kind), slot and generation. */
struct slotd_event {
	uint32_t kind;
	uint64_t slot_id;
	uint64_t generation;
};

struct slotd_client {
	struct slotd_client *next;
	int fd;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool greeted;             /* HELLO accepted */
	bool dead;                /* removed; freed once the current batch of events is done */
	uint32_t watching;        /* the epoll events asked for */
	long long hello_deadline; /* monotonic ms: HELLO by then */
	struct slotd_client *hello_next, *hello_prev; /* not yet greeted, oldest first */
	struct slotd_event *pending;                  /* events held back (events.c) */
	size_t n_pending;
	char name[64];
	struct os_buf in;
	struct os_buf out;
	struct slotd_count *counts;
	size_t n_counts;
	struct slotd_conn *conn; /* logins and jobs of the token service (tokens.c) */
	bool paused;             /* input not read until a pending answer is sent */
	int out_fd;              /* descriptor to send with the byte at out_fd_at, or -1 */
	size_t out_fd_at;
};

struct slotd {
	struct os_conf *conf;
	char conf_path[PATH_MAX]; /* absolute: reloads do not depend on the cwd */
	bool foreground;
	bool stopping;
	int epoll_fd;
	int listen_fd;
	int signal_fd;
	int pid_fd;
	uid_t run_uid; /* owner given to what slotd creates */
	gid_t run_gid; /* the pkcs11 group */
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char pid_path[PATH_MAX];
	char shm_name[NAME_MAX + 1];
	struct os_slotshm *shm;
	int shm_ro_fd; /* read-only descriptor of the segment, handed to clients */
	struct slotd_tokens *tokens;
	struct slotd_client *clients;
	struct slotd_client *graveyard; /* removed clients not yet freed */
	size_t n_clients;
	int run_fd;                                   /* the run directory, opened by setup */
	struct slotd_client *hello_head, *hello_tail; /* clients waiting for HELLO */
	long long accept_resume;                      /* monotonic ms; 0: accepting */
	long long accept_warned;                      /* when EMFILE was last logged */
};

/*
 * Limits that keep one user from exhausting slotd (see slotd(8)).  A
 * connection over SLOTD_MAX_CLIENTS, or over SLOTD_MAX_CLIENTS_PER_UID for
 * its uid (root excepted), is closed at once.  A connection that has not
 * completed HELLO after SLOTD_HELLO_TIMEOUT_MS is closed.  When accept()
 * runs out of file descriptors the listening socket rests for
 * SLOTD_ACCEPT_BACKOFF_MS.  Events are held back (coalesced) once a
 * client's output queue holds SLOTD_EVENTS_OUT_MAX bytes, and its requests
 * are not read while it holds SLOTD_OUT_HIGH.
 */
#define SLOTD_MAX_CLIENTS         1024
#define SLOTD_MAX_CLIENTS_PER_UID 64
#define SLOTD_HELLO_TIMEOUT_MS    5000
#define SLOTD_ACCEPT_BACKOFF_MS   100
#define SLOTD_EVENTS_OUT_MAX      4096
#define SLOTD_OUT_HIGH            65536

#define SLOTD_EXIT_CONFIG  1
#define SLOTD_EXIT_RUNTIME 2
#define SLOTD_EXIT_USAGE   64

/* setup.c */
int slotd_setup_ids(struct slotd *sd);
int slotd_setup_dirs(struct slotd *sd);
int slotd_setup_pidlock(struct slotd *sd);
int slotd_setup_drop_privileges(struct slotd *sd);
void slotd_setup_cleanup(struct slotd *sd);

/* shm.c */
int slotd_shm_create(struct slotd *sd);
void slotd_shm_publish_table(struct slotd *sd);
void slotd_shm_add_counts(struct slotd *sd, uint64_t slot_id, int64_t d_sessions, int64_t d_rw);
uint64_t slotd_shm_token_changed(struct slotd *sd, uint64_t slot_id);
uint64_t slotd_shm_generation(const struct slotd *sd);
void slotd_shm_destroy(struct slotd *sd);

/* clients.c */
struct slotd_client *slotd_clients_add(struct slotd *sd, int fd);
void slotd_clients_remove(struct slotd *sd, struct slotd_client *cl, const char *why);
void slotd_clients_set_count(struct slotd *sd, struct slotd_client *cl, uint64_t slot_id,
                             uint64_t sessions, uint64_t rw_sessions);
void slotd_clients_recount(struct slotd *sd);
void slotd_clients_remove_all(struct slotd *sd);
void slotd_clients_reap(struct slotd *sd);
/* Drops clients past their HELLO deadline; returns ms to the next one, or -1. */
long long slotd_clients_expire(struct slotd *sd, long long now);

/* events.c */
void slotd_events_post(struct slotd *sd, struct slotd_client *cl, const struct slotd_event *ev);
/* Sends held-back events while the client's output has room. */
void slotd_events_resume(struct slotd *sd, struct slotd_client *cl);
void slotd_events_free(struct slotd_client *cl);

/* server.c */
int slotd_server_listen(struct slotd *sd);
int slotd_server_run(struct slotd *sd);
void slotd_server_broadcast(struct slotd *sd, const struct slotd_client *except, uint32_t kind,
                            uint64_t slot_id, uint64_t generation);
int slotd_server_queue(struct slotd *sd, struct slotd_client *cl, const struct os_buf *frame);
/* Queues a frame with a descriptor sent beside its first byte (fd -1: none). */
int slotd_server_queue_fd(struct slotd *sd, struct slotd_client *cl, const struct os_buf *frame,
                          int fd);
/*
 * A handler that returns 1 pauses its client: no further input of it is
 * handled until slotd_server_resume(), once the answer it waits for is sent.
 */
void slotd_server_resume(struct slotd *sd, struct slotd_client *cl);
/* Queues an ERROR frame; returns -1 so a handler can drop the client in one statement. */
int slotd_server_reply_error(struct slotd *sd, struct slotd_client *cl, uint32_t serial,
                             uint32_t code, const char *msg);
/* Milliseconds on the monotonic clock. */
long long slotd_server_now_ms(void);

/*
 * handlers.c: one handler per message type a client may send, indexed by
 * type; NULL for types only slotd sends.  A handler returns -1 to drop the
 * client, 1 to pause it until its answer is sent (slotd_server_resume), 0
 * otherwise.  The payload was validated against the type's signature.
 */
struct os_frame_header;
struct os_reader;
typedef int (*slotd_handler)(struct slotd *sd, struct slotd_client *cl,
                             const struct os_frame_header *hdr, struct os_reader *rd);
extern const slotd_handler slotd_handlers[];

/* reload.c */
void slotd_reload(struct slotd *sd);

/* status.c: prints the running slotd's table; returns an exit code */
int slotd_status(const struct os_conf *conf);

/* notify.c */
void slotd_notify(const char *state);

#endif
