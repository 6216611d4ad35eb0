/*
 * Events pushed to clients, coalesced so that a client that does not read
 * them costs slotd a bounded amount of memory and is never dropped for it.
 *
 * An event is queued on the client's output as a frame only while that
 * output holds less than SLOTD_EVENTS_OUT_MAX bytes.  Beyond that, it is
 * kept in the client's pending set instead: one entry per (kind, slot id),
 * holding the newest generation, so a thousand changes of one token are one
 * entry.  The pending set is sent, oldest entry first, as the client drains
 * its output (slotd_events_resume from the event loop).  When the set is
 * full it collapses into a single SLOT_CHANGED event, which clients take to
 * mean that every slot may have changed; nothing is lost, only merged.
 */
#include "slotd.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proto.h"

#define EVENTS_MAX_PENDING OS_CONF_MAX_SLOTS

static int events_queue(struct slotd *sd, struct slotd_client *cl, const struct slotd_event *ev)
{
	struct os_buf buf;
	int rv;

	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_EVENT, 0);
	os_buf_add_u32(&buf, ev->kind);
	os_buf_add_u64(&buf, ev->slot_id);
	os_buf_add_u64(&buf, ev->generation);
	rv = os_proto_end(&buf, at) == 0 ? slotd_server_queue(sd, cl, &buf) : -1;
	os_buf_free(&buf);
	return rv;
}

/* Everything pending becomes one "all slots changed" event. */
static void events_collapse(struct slotd *sd, struct slotd_client *cl)
{
	cl->pending[0] = (struct slotd_event){
	    .kind = OS_EVENT_SLOT_CHANGED, .slot_id = 0, .generation = slotd_shm_generation(sd)};
	cl->n_pending = 1;
}

/* Adds ev to the pending set, merging it with an entry of the same kind and slot. */
static void events_hold(struct slotd *sd, struct slotd_client *cl, const struct slotd_event *ev)
{
	for (size_t i = 0; i < cl->n_pending; i++) {
		struct slotd_event *p = &cl->pending[i];
		if (p->kind == ev->kind && p->slot_id == ev->slot_id) {
			if (ev->generation > p->generation)
				p->generation = ev->generation;
			return;
		}
	}
	if (!cl->pending) {
		cl->pending = calloc(EVENTS_MAX_PENDING, sizeof(*cl->pending));
		if (!cl->pending) {
			slotd_clients_remove(sd, cl, "out of memory");
			return;
		}
	}
	if (cl->n_pending == EVENTS_MAX_PENDING)
		events_collapse(sd, cl);
	else
		cl->pending[cl->n_pending++] = *ev;
}

void slotd_events_post(struct slotd *sd, struct slotd_client *cl, const struct slotd_event *ev)
{
	if (cl->dead)
		return;
	if (cl->n_pending == 0 && cl->out.len < SLOTD_EVENTS_OUT_MAX) {
		if (events_queue(sd, cl, ev) < 0)
			slotd_clients_remove(sd, cl, "write failed");
		return;
	}
	events_hold(sd, cl, ev);
}

void slotd_events_resume(struct slotd *sd, struct slotd_client *cl)
{
	size_t sent = 0;

	while (sent < cl->n_pending && cl->out.len < SLOTD_EVENTS_OUT_MAX && !cl->dead)
		if (events_queue(sd, cl, &cl->pending[sent++]) < 0)
			slotd_clients_remove(sd, cl, "write failed");
	if (sent == 0 || cl->dead)
		return;
	memmove(cl->pending, cl->pending + sent, (cl->n_pending - sent) * sizeof(*cl->pending));
	cl->n_pending -= sent;
}

void slotd_events_free(struct slotd_client *cl)
{
	free(cl->pending);
	cl->pending = NULL;
	cl->n_pending = 0;
}
