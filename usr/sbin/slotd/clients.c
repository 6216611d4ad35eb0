/*
 * The clients of slotd and the session counts each one reported.
 *
 * The machine-wide count of a slot is the sum over connected clients; each
 * client's last report is kept so that its share can be withdrawn the moment
 * its connection closes, whatever way the process ended.  A report is
 * bounded (CLIENTS_MAX_SESSIONS per slot) and kept only for slots that
 * exist, so forged counts cannot overflow the totals.
 *
 * Admission: a connection over SLOTD_MAX_CLIENTS in all, or over
 * SLOTD_MAX_CLIENTS_PER_UID for its uid (root excepted), is refused at
 * once.  Accepted connections wait for HELLO on a list in accept order;
 * since every deadline is accept time plus SLOTD_HELLO_TIMEOUT_MS, the head
 * of that list is always the next to expire.
 */
#include "slotd.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/* A client cannot claim more sessions than this on one slot. */
#define CLIENTS_MAX_SESSIONS ((uint64_t)1 << 20)
/* Nor report counts for more slots than the table can hold. */
#define CLIENTS_MAX_COUNTS OS_SLOTSHM_MAX_SLOTS

static size_t clients_of_uid(const struct slotd *sd, uid_t uid)
{
	size_t n = 0;

	for (const struct slotd_client *cl = sd->clients; cl; cl = cl->next)
		n += cl->uid == uid;
	return n;
}

/* True when a new connection of this peer fits the limits; logs a refusal. */
static bool clients_admit(const struct slotd *sd, const struct ucred *cred)
{
	if (sd->n_clients >= SLOTD_MAX_CLIENTS) {
		os_log(LOG_WARNING, "refusing pid %ld uid %ld: %d connections in all",
		       (long)cred->pid, (long)cred->uid, SLOTD_MAX_CLIENTS);
		return false;
	}
	if (cred->uid != 0 && clients_of_uid(sd, cred->uid) >= SLOTD_MAX_CLIENTS_PER_UID) {
		os_log(LOG_WARNING, "refusing pid %ld uid %ld: %d connections of that user",
		       (long)cred->pid, (long)cred->uid, SLOTD_MAX_CLIENTS_PER_UID);
		return false;
	}
	return true;
}

static void clients_hello_append(struct slotd *sd, struct slotd_client *cl)
{
	cl->hello_deadline = slotd_server_now_ms() + SLOTD_HELLO_TIMEOUT_MS;
	cl->hello_prev = sd->hello_tail;
	if (sd->hello_tail)
		sd->hello_tail->hello_next = cl;
	else
		sd->hello_head = cl;
	sd->hello_tail = cl;
}

static void clients_hello_unlink(struct slotd *sd, struct slotd_client *cl)
{
	if (cl->hello_prev)
		cl->hello_prev->hello_next = cl->hello_next;
	else if (sd->hello_head == cl)
		sd->hello_head = cl->hello_next;
	if (cl->hello_next)
		cl->hello_next->hello_prev = cl->hello_prev;
	else if (sd->hello_tail == cl)
		sd->hello_tail = cl->hello_prev;
	cl->hello_next = cl->hello_prev = NULL;
}

/* Returns the new client, or NULL when it is refused (the caller closes fd). */
struct slotd_client *slotd_clients_add(struct slotd *sd, int fd)
{
	struct slotd_client *cl;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || !clients_admit(sd, &cred))
		return NULL;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return NULL;
	cl->fd = fd;
	cl->pid = cred.pid;
	cl->uid = cred.uid;
	cl->gid = cred.gid;
	cl->out_fd = -1;
	os_buf_init(&cl->in);
	os_buf_init(&cl->out);
	cl->next = sd->clients;
	sd->clients = cl;
	sd->n_clients++;
	clients_hello_append(sd, cl);
	return cl;
}

long long slotd_clients_expire(struct slotd *sd, long long now)
{
	while (sd->hello_head) {
		struct slotd_client *cl = sd->hello_head;
		if (!cl->greeted && cl->hello_deadline > now)
			return cl->hello_deadline - now;
		if (cl->greeted)
			clients_hello_unlink(sd, cl);
		else
			slotd_clients_remove(sd, cl, "no HELLO in time");
	}
	return -1;
}

/*
 * Applies a change of a client's counts on a slot: to slotd's segment, or
 * for a per-user slot to the segment of the client's own token, so that no
 * user learns of another's sessions.
 */
static void clients_apply(struct slotd *sd, const struct slotd_client *cl, uint64_t slot_id,
                          int64_t d, int64_t d_rw)
{
	const struct os_slot_conf *slot = os_conf_slot(sd->conf, slot_id);
	struct slotd_token *tok;
	CK_RV rv;

	if (!slot || !os_conf_slot_per_user(slot)) {
		slotd_shm_add_counts(sd, slot_id, d, d_rw);
		return;
	}
	/* sessions are opened on a loaded token: a new slotd opens it now */
	tok = d > 0 ? slotd_tokens_get(sd, cl, slot_id, &rv) : slotd_tokens_find(sd, cl, slot_id);
	if (tok)
		tok_shm_add_sessions(tok->shm.shm, d, d_rw);
}

static void clients_withdraw(struct slotd *sd, struct slotd_client *cl)
{
	for (size_t i = 0; i < cl->n_counts; i++) {
		const struct slotd_count *c = &cl->counts[i];
		clients_apply(sd, cl, c->slot_id, -(int64_t)c->sessions, -(int64_t)c->rw_sessions);
	}
	free(cl->counts);
	cl->counts = NULL;
	cl->n_counts = 0;
}

void slotd_clients_remove(struct slotd *sd, struct slotd_client *cl, const char *why)
{
	struct slotd_client **pp = &sd->clients;

	if (cl->dead)
		return;
	while (*pp && *pp != cl)
		pp = &(*pp)->next;
	if (*pp)
		*pp = cl->next;
	sd->n_clients--;
	if (why)
		os_log(LOG_WARNING, "dropping client pid %ld uid %ld: %s", (long)cl->pid,
		       (long)cl->uid, why);
	else
		os_log(LOG_DEBUG, "client pid %ld disconnected", (long)cl->pid);
	clients_withdraw(sd, cl);
	slotd_tokens_client_gone(sd, cl);
	clients_hello_unlink(sd, cl);
	epoll_ctl(sd->epoll_fd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	cl->fd = -1;
	cl->dead = true;
	cl->next = sd->graveyard;
	sd->graveyard = cl;
}

/* Frees removed clients; called when no event of the batch can refer to them. */
void slotd_clients_reap(struct slotd *sd)
{
	while (sd->graveyard) {
		struct slotd_client *cl = sd->graveyard;
		sd->graveyard = cl->next;
		os_buf_free(&cl->in);
		os_buf_free(&cl->out);
		slotd_events_free(cl);
		free(cl);
	}
}

void slotd_clients_remove_all(struct slotd *sd)
{
	while (sd->clients)
		slotd_clients_remove(sd, sd->clients, NULL);
	slotd_clients_reap(sd);
}

static struct slotd_count *clients_count_slot(struct slotd_client *cl, uint64_t slot_id)
{
	for (size_t i = 0; i < cl->n_counts; i++)
		if (cl->counts[i].slot_id == slot_id)
			return &cl->counts[i];
	if (cl->n_counts >= CLIENTS_MAX_COUNTS)
		return NULL;
	struct slotd_count *counts = realloc(cl->counts, (cl->n_counts + 1) * sizeof(*counts));
	if (!counts)
		return NULL;
	cl->counts = counts;
	struct slotd_count *c = &counts[cl->n_counts++];
	memset(c, 0, sizeof(*c));
	c->slot_id = slot_id;
	return c;
}

void slotd_clients_set_count(struct slotd *sd, struct slotd_client *cl, uint64_t slot_id,
                             uint64_t sessions, uint64_t rw_sessions)
{
	struct slotd_count *c;

	if (!os_conf_slot(sd->conf, slot_id))
		return;
	c = clients_count_slot(cl, slot_id);
	if (!c)
		return;
	if (sessions > CLIENTS_MAX_SESSIONS)
		sessions = CLIENTS_MAX_SESSIONS;
	if (rw_sessions > sessions)
		rw_sessions = sessions;
	clients_apply(sd, cl, slot_id, (int64_t)sessions - (int64_t)c->sessions,
	              (int64_t)rw_sessions - (int64_t)c->rw_sessions);
	c->sessions = sessions;
	c->rw_sessions = rw_sessions;
}

/*
 * Rebuilds every slot's totals from the clients' reports, after the table
 * was republished with zero counts (reload).  Reports for slots that left
 * the table are dropped.
 */
void slotd_clients_recount(struct slotd *sd)
{
	for (struct slotd_client *cl = sd->clients; cl; cl = cl->next) {
		size_t kept = 0;
		for (size_t i = 0; i < cl->n_counts; i++) {
			struct slotd_count c = cl->counts[i];
			if (!os_conf_slot(sd->conf, c.slot_id))
				continue;
			cl->counts[kept++] = c;
			/* a per-user token's segment kept its counts over the reload */
			if (!os_conf_slot_per_user(os_conf_slot(sd->conf, c.slot_id)))
				slotd_shm_add_counts(sd, c.slot_id, (int64_t)c.sessions,
				                     (int64_t)c.rw_sessions);
		}
		cl->n_counts = kept;
	}
}
