/*
 * What slotd does with each message a client sends.  Payloads reach these
 * handlers only after os_proto_validate() accepted them, so the reads below
 * cannot run past the frame; values are still checked for meaning.
 */
#include "slotd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"

/* A client is allowed when it runs as root, as slotd's user, or in the group. */
static bool handlers_peer_allowed(const struct slotd *sd, const struct slotd_client *cl)
{
	char path[64], line[4096];
	bool ok = false;
	FILE *fp;

	if (cl->uid == 0 || cl->uid == geteuid() || cl->gid == sd->run_gid)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)cl->pid);
	fp = fopen(path, "re");
	if (!fp)
		return false;
	while (!ok && fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (char *tok = strtok(line + 7, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
			if ((gid_t)strtoul(tok, NULL, 10) == sd->run_gid)
				ok = true;
	}
	fclose(fp);
	return ok;
}

static int handle_hello(struct slotd *sd, struct slotd_client *cl,
                        const struct os_frame_header *hdr, struct os_reader *rd)
{
	uint32_t min = os_reader_u32(rd);
	uint32_t max = os_reader_u32(rd);
	struct os_buf buf;
	int rv;

	os_reader_str(rd, cl->name, sizeof(cl->name), sizeof(cl->name) - 1);
	if (cl->greeted)
		return slotd_server_reply_error(sd, cl, hdr->serial, OS_PROTO_ERR_STATE,
		                                "HELLO sent twice");
	if (!handlers_peer_allowed(sd, cl)) {
		os_log(LOG_WARNING, "refusing pid %ld uid %ld: not in group %s", (long)cl->pid,
		       (long)cl->uid, sd->conf->group);
		return slotd_server_reply_error(sd, cl, hdr->serial, OS_PROTO_ERR_PERMISSION,
		                                "not a member of the slotd group");
	}
	if (min > OS_PROTO_VERSION || max < OS_PROTO_VERSION)
		return slotd_server_reply_error(sd, cl, hdr->serial, OS_PROTO_ERR_VERSION,
		                                "no common protocol version");
	cl->greeted = true;
	os_log(LOG_DEBUG, "client pid %ld (%s) connected", (long)cl->pid, cl->name);
	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_HELLO_OK, hdr->serial);
	os_buf_add_u32(&buf, OS_PROTO_VERSION);
	os_buf_add_u64(&buf, (uint64_t)getpid());
	os_buf_add_u64(&buf, sizeof(struct os_slotshm));
	os_buf_add_u32(&buf, (uint32_t)sd->conf->n_slots);
	rv = os_proto_end(&buf, at) == 0 ? slotd_server_queue_fd(sd, cl, &buf, sd->shm_ro_fd) : -1;
	os_buf_free(&buf);
	return rv;
}

static void handlers_add_slot(struct os_buf *buf, const struct os_slot_conf *s)
{
	os_buf_add_u64(buf, s->id);
	os_buf_add_str(buf, s->backend);
	os_buf_add_str(buf, s->token);
	os_buf_add_str(buf, s->description);
	os_buf_add_str(buf, s->manufacturer);
	os_buf_add_u32(buf, (uint32_t)s->hw_major << 8 | s->hw_minor);
	os_buf_add_u32(buf, (uint32_t)s->fw_major << 8 | s->fw_minor);
	os_buf_add_u32(buf, 0);
	os_buf_add_u32(buf, s->log_calls ? 1 : 0);
}

static int handle_get_slots(struct slotd *sd, struct slotd_client *cl,
                            const struct os_frame_header *hdr, struct os_reader *rd)
{
	struct os_buf buf;
	int rv;

	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_SLOTS, hdr->serial);
	os_buf_add_u64(&buf, sd->shm->table_generation);
	os_buf_add_u32(&buf, (uint32_t)sd->conf->n_slots);
	for (size_t i = 0; i < sd->conf->n_slots; i++)
		handlers_add_slot(&buf, &sd->conf->slots[i]);
	rv = os_proto_end(&buf, at) == 0 ? slotd_server_queue(sd, cl, &buf) : -1;
	os_buf_free(&buf);
	return rv;
}

static int handle_session_count(struct slotd *sd, struct slotd_client *cl,
                                const struct os_frame_header *hdr, struct os_reader *rd)
{
	uint64_t slot_id = os_reader_u64(rd);
	uint64_t sessions = os_reader_u64(rd);
	uint64_t rw = os_reader_u64(rd);

	slotd_clients_set_count(sd, cl, slot_id, sessions, rw);
	return 0;
}

static int handle_ping(struct slotd *sd, struct slotd_client *cl, const struct os_frame_header *hdr,
                       struct os_reader *rd)
{
	struct os_buf buf;
	int rv;

	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_PONG, hdr->serial);
	os_buf_add_u64(&buf, slotd_shm_generation(sd));
	rv = os_proto_end(&buf, at) == 0 ? slotd_server_queue(sd, cl, &buf) : -1;
	os_buf_free(&buf);
	return rv;
}

const slotd_handler slotd_handlers[OS_MSG_TYPE_COUNT] = {
    [OS_MSG_HELLO] = handle_hello,
    [OS_MSG_GET_SLOTS] = handle_get_slots,
    [OS_MSG_SESSION_COUNT] = handle_session_count,
    [OS_MSG_PING] = handle_ping,
    [OS_MSG_OPEN_TOKEN] = slotd_tokens_open,
    [OS_MSG_OBJ_SAVE] = slotd_tokens_save,
    [OS_MSG_OBJ_DESTROY] = slotd_tokens_destroy,
    [OS_MSG_LOGIN] = slotd_tokens_login_req,
    [OS_MSG_LOGOUT] = slotd_tokens_logout,
    [OS_MSG_INIT_TOKEN] = slotd_tokens_init_token,
    [OS_MSG_INIT_PIN] = slotd_tokens_init_pin,
    [OS_MSG_SET_PIN] = slotd_tokens_set_pin,
    [OS_MSG_SET_KDF] = slotd_tokens_set_kdf,
};
