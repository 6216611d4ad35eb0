/*
 * Object requests to slotd's token service: the token segment a client
 * maps, and saving and destroying token objects.
 *
 * Nothing a client says is taken on trust.  A private object is written
 * only for a connection logged in as the user, under the master key slotd
 * holds for that login; a new object passes tok_rules_check_new and a
 * change tok_rules_check_update against the stored object, with the SO's
 * privileges only for a connection logged in as the SO; an object that is
 * not destroyable stays.  A copy (C_CopyObject) arrives as a new object:
 * the library applied the copy rules, and slotd holds it to what any new
 * object must be (no CKA_TRUSTED true but from the SO, a known class and
 * type); a client could store the same attributes by C_CreateObject, since
 * it reads every object its login lets it read.  A bad request gets its PKCS#11 error and changes
 * nothing.
 */
#include "tokens.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attrs.h"
#include "log.h"
#include "proto.h"
#include "rules.h"
#include "slotd.h"

int slotd_tokens_open(struct slotd *sd, struct slotd_client *cl, const struct os_frame_header *hdr,
                      struct os_reader *rd)
{
	uint64_t slot_id = os_reader_u64(rd);
	CK_RV rv = CKR_OK;
	struct slotd_token *tok = slotd_tokens_get(sd, cl, slot_id, &rv);
	struct os_buf buf;

	os_buf_init(&buf);
	size_t at = os_proto_begin(&buf, OS_MSG_TOKEN, hdr->serial);
	os_buf_add_u64(&buf, slot_id);
	os_buf_add_u64(&buf, rv);
	os_buf_add_u64(&buf, (uint64_t)geteuid());
	int r = os_proto_end(&buf, at) == 0
	            ? slotd_server_queue_fd(sd, cl, &buf, tok ? tok->shm_ro_fd : -1)
	            : -1;
	os_buf_free(&buf);
	return r < 0 ? -1 : 0;
}

/* The rights of a connection on a token. */
struct objects_rights {
	const uint8_t *mk; /* the user's master key, or NULL */
	bool so;
};

static struct objects_rights objects_rights(struct slotd_client *cl, uint64_t slot_id)
{
	const struct slotd_login *l = slotd_tokens_login(cl, slot_id);
	struct objects_rights r = {NULL, false};

	if (l && l->user == CKU_USER)
		r.mk = l->mk;
	if (l && l->user == CKU_SO)
		r.so = true;
	return r;
}

/* Loads the stored object id, as far as the rights allow. */
static CK_RV objects_load(struct slotd_token *tok, uint64_t id, const struct objects_rights *r,
                          struct tok_store_entry *entry, struct tok_attrs *attrs)
{
	CK_RV rv = tok_store_lookup(tok->store, id, entry);

	if (rv != CKR_OK)
		return rv;
	if (entry->private && !r->mk)
		return CKR_USER_NOT_LOGGED_IN;
	rv = tok_store_load_object(tok->store, entry, r->mk, attrs);
	return rv == CKR_DATA_INVALID ? CKR_DEVICE_ERROR : rv;
}

/* Checks a save request against the rules; fills entry for the store. */
static CK_RV objects_check_save(struct slotd_token *tok, const struct objects_rights *r,
                                uint64_t id, const struct tok_attrs *attrs,
                                struct tok_store_entry *entry)
{
	struct tok_attrs old;
	CK_RV rv;

	memset(entry, 0, sizeof(*entry));
	if (!(tok->shm.shm->flags & CKF_TOKEN_INITIALIZED))
		return CKR_TOKEN_NOT_RECOGNIZED;
	if (!tok_attrs_get_bool(attrs, CKA_TOKEN, CK_FALSE))
		return CKR_TEMPLATE_INCONSISTENT;
	entry->private = tok_attrs_get_bool(attrs, CKA_PRIVATE, CK_FALSE);
	if (entry->private && !r->mk)
		return CKR_USER_NOT_LOGGED_IN;
	if (id == 0)
		return tok_rules_check_new(attrs, r->so);
	tok_attrs_init(&old);
	rv = objects_load(tok, id, r, entry, &old);
	if (rv == CKR_OK)
		rv = tok_rules_check_update(&old, attrs, r->so);
	tok_attrs_free(&old);
	entry->id = id;
	entry->private = tok_attrs_get_bool(attrs, CKA_PRIVATE, CK_FALSE);
	return rv;
}

int slotd_tokens_save(struct slotd *sd, struct slotd_client *cl, const struct os_frame_header *hdr,
                      struct os_reader *rd)
{
	uint64_t slot_id = os_reader_u64(rd);
	uint64_t id = os_reader_u64(rd);
	size_t len;
	const unsigned char *data = os_reader_bytes(rd, &len, OS_PROTO_MAX_OBJECT);
	struct tok_store_entry entry = {0};
	struct tok_attrs attrs;
	CK_RV rv = CKR_OK;
	struct slotd_token *tok = slotd_tokens_get(sd, cl, slot_id, &rv);

	tok_attrs_init(&attrs);
	if (tok && tok_attrs_decode(&attrs, data, len) != CKR_OK)
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (tok && rv == CKR_OK) {
		struct objects_rights r = objects_rights(cl, slot_id);
		rv = objects_check_save(tok, &r, id, &attrs, &entry);
		if (rv == CKR_OK)
			rv = tok_store_save_object(tok->store, &entry, r.mk, &attrs);
		if (rv == CKR_OK)
			tok->dirty = true;
	}
	tok_attrs_free(&attrs);
	return slotd_tokens_pend(sd, cl, tok, hdr->serial, rv, entry.id, entry.generation);
}

int slotd_tokens_destroy(struct slotd *sd, struct slotd_client *cl,
                         const struct os_frame_header *hdr, struct os_reader *rd)
{
	uint64_t slot_id = os_reader_u64(rd);
	uint64_t id = os_reader_u64(rd);
	struct tok_store_entry entry = {0};
	struct tok_attrs attrs;
	CK_RV rv = CKR_OK;
	struct slotd_token *tok = slotd_tokens_get(sd, cl, slot_id, &rv);

	tok_attrs_init(&attrs);
	if (tok) {
		struct objects_rights r = objects_rights(cl, slot_id);
		rv = objects_load(tok, id, &r, &entry, &attrs);
		if (rv == CKR_OK && !tok_attrs_get_bool(&attrs, CKA_DESTROYABLE, CK_TRUE))
			rv = CKR_ACTION_PROHIBITED;
		if (rv == CKR_OK)
			rv = tok_store_delete_object(tok->store, id);
		if (rv == CKR_OK)
			tok->dirty = true;
	}
	tok_attrs_free(&attrs);
	return slotd_tokens_pend(sd, cl, tok, hdr->serial, rv, id, entry.generation + 1);
}
