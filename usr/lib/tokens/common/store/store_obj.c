/*
 * Token objects in the store (see store.h): listing, saving and deleting
 * them, and the group commit of deferred sync.  The order of the writes is
 * the one the comment at the top of store.c explains (step 3).
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_file.h"
#include "store_idx.h"
#include "store_int.h"

CK_RV tok_store_list(struct tok_store *st, struct tok_store_entry **entries, size_t *n)
{
	CK_RV rv;

	if (!st || !entries || !n)
		return CKR_ARGUMENTS_BAD;
	*entries = NULL;
	*n = 0;
	tok_store_lock(st);
	rv = tok_store_idx_refresh(&st->idx, st->obj_fd);
	if (rv == CKR_OK)
		rv = tok_store_idx_list(&st->idx, entries, n);
	tok_store_unlock(st);
	return rv;
}

/* The entries of the ids noted since the last call (mutex held, cache refreshed). */
static CK_RV obj_changes_inlock(struct tok_store *st, struct tok_store_entry **entries, size_t *n,
                                bool *all)
{
	uint64_t *ids;
	size_t k;

	*all = !tok_store_idx_take_touched(&st->idx, &ids, &k);
	if (*all || k == 0)
		return CKR_OK;
	*entries = malloc(k * sizeof(**entries));
	if (!*entries) {
		free(ids);
		*all = true;
		return CKR_OK;
	}
	for (size_t i = 0; i < k; i++) {
		const struct tok_store_entry *cur = tok_store_idx_find(&st->idx, ids[i]);
		(*entries)[i] = cur ? *cur : (struct tok_store_entry){.id = ids[i]};
	}
	*n = k;
	free(ids);
	return CKR_OK;
}

CK_RV tok_store_changes(struct tok_store *st, struct tok_store_entry **entries, size_t *n,
                        bool *all)
{
	CK_RV rv;

	if (!st || !entries || !n || !all)
		return CKR_ARGUMENTS_BAD;
	*entries = NULL;
	*n = 0;
	tok_store_lock(st);
	tok_store_idx_track(&st->idx);
	rv = tok_store_idx_refresh(&st->idx, st->obj_fd);
	if (rv == CKR_OK)
		rv = obj_changes_inlock(st, entries, n, all);
	tok_store_unlock(st);
	return rv;
}

CK_RV tok_store_lookup(struct tok_store *st, uint64_t id, struct tok_store_entry *entry)
{
	const struct tok_store_entry *cur;
	CK_RV rv;

	if (!st || !entry)
		return CKR_ARGUMENTS_BAD;
	tok_store_lock(st);
	rv = tok_store_idx_refresh(&st->idx, st->obj_fd);
	cur = rv == CKR_OK ? tok_store_idx_find(&st->idx, id) : NULL;
	if (cur)
		*entry = *cur;
	else if (rv == CKR_OK)
		rv = CKR_OBJECT_HANDLE_INVALID;
	tok_store_unlock(st);
	return rv;
}

/* Encodes attrs into body, allocated once at the exact size so the plaintext
 * of a private object is never left behind in a freed block. */
static CK_RV obj_encode(const struct tok_attrs *attrs, struct os_buf *body)
{
	size_t size = 4;

	for (size_t i = 0; i < attrs->n; i++)
		size += 12 + attrs->v[i].ulValueLen;
	if (!os_buf_reserve(body, size))
		return CKR_HOST_MEMORY;
	body->len = 0;
	tok_attrs_encode(attrs, body);
	if (os_buf_failed(body))
		return CKR_HOST_MEMORY;
	return body->len > TOK_STORE_MAX_OBJECT ? CKR_DEVICE_MEMORY : CKR_OK;
}

/*
 * Picks the id and generation of the write; *in_file_only when the version
 * it replaces has no copy in OBJ_IDX (its file must then stay durable).
 */
static CK_RV obj_next_version_inlock(struct tok_store *st, struct tok_store_entry *next,
                                     enum tok_store_idx_op *op, bool *in_file_only)
{
	const struct tok_store_entry *cur;
	CK_RV rv;

	rv = tok_store_idx_refresh(&st->idx, st->obj_fd);
	if (rv != CKR_OK)
		return rv;
	*in_file_only = false;
	if (next->id == 0) {
		*op = TOK_STORE_IDX_ADD;
		next->generation = 1;
		return tok_store_idx_new_id(&st->idx, &next->id);
	}
	cur = tok_store_idx_find(&st->idx, next->id);
	if (!cur)
		return CKR_OBJECT_HANDLE_INVALID;
	*op = TOK_STORE_IDX_UPDATE;
	*in_file_only = cur->frame_len == 0;
	next->generation = cur->generation + 1;
	return CKR_OK;
}

/* Notes a durable change, or one tok_store_sync is to make durable. */
static void obj_changed_inlock(struct tok_store *st)
{
	if (st->deferred)
		st->sync_pending++;
	else
		st->objects_changed++;
}

/*
 * Step 3 of the comment at the top of store.c: the file first, then its
 * record.  A frame small enough travels in the record, whose flush then
 * makes both durable; a larger one is flushed in its file first.
 */
static CK_RV obj_write_inlock(struct tok_store *st, struct tok_store_entry *next, const uint8_t *mk,
                              const struct os_buf *body)
{
	struct tok_store_frame fr;
	char name[TOK_STORE_OBJ_NAME_SIZE];
	enum tok_store_idx_op op;
	struct os_buf file;
	bool inl, file_only;
	CK_RV rv;

	rv = obj_next_version_inlock(st, next, &op, &file_only);
	if (rv != CKR_OK)
		return rv;
	fr.id = next->id;
	fr.generation = next->generation;
	os_buf_init(&file);
	rv = tok_store_frame_seal(TOK_STORE_OBJ_MAGIC, &fr, body->data, body->len,
	                          next->private ? mk : NULL, &file);
	inl = file.len <= st->idx.inline_max;
	tok_store_idx_object_name(next->id, name);
	if (rv == CKR_OK)
		rv = tok_store_file_put(st->obj_fd, name, file.data, file.len, !inl || file_only,
		                        TOK_STORE_MODE_SHARED);
	if (rv == CKR_OK) {
		obj_changed_inlock(st);
		rv = tok_store_idx_append(&st->idx, st->obj_fd, op, next, inl ? file.data : NULL,
		                          inl ? file.len : 0, !st->deferred);
	}
	os_buf_free(&file);
	if (rv == CKR_OK)
		tok_store_tidy_inlock(st);
	return rv;
}

CK_RV tok_store_save_object(struct tok_store *st, struct tok_store_entry *entry, const uint8_t *mk,
                            const struct tok_attrs *attrs)
{
	struct tok_store_entry next;
	struct os_buf body;
	CK_RV rv;

	if (!st || !entry || !attrs)
		return CKR_ARGUMENTS_BAD;
	if (st->reader)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (entry->private && !mk)
		return CKR_USER_NOT_LOGGED_IN;
	os_buf_init(&body);
	rv = obj_encode(attrs, &body);
	if (rv != CKR_OK)
		goto out;
	tok_store_lock(st);
	next = *entry;
	rv = obj_write_inlock(st, &next, mk, &body);
	tok_store_unlock(st);
	if (rv == CKR_OK)
		*entry = next;
out:
	tok_store_file_wipe(&body);
	return rv;
}

/* Removes the file of id now, or after the next sync when deferred. */
static void obj_remove_file_inlock(struct tok_store *st, uint64_t id)
{
	char name[TOK_STORE_OBJ_NAME_SIZE];

	if (st->deferred) {
		if (st->n_doomed == st->cap_doomed) {
			size_t cap = st->cap_doomed ? st->cap_doomed * 2 : 16;
			uint64_t *v = realloc(st->doomed, cap * sizeof(*v));
			if (!v)
				return; /* left as an orphan, removed at compaction */
			st->doomed = v;
			st->cap_doomed = cap;
		}
		st->doomed[st->n_doomed++] = id;
		return;
	}
	tok_store_idx_object_name(id, name);
	tok_store_file_remove(st->obj_fd, name); /* a leftover is swept later */
}

static CK_RV obj_delete_inlock(struct tok_store *st, uint64_t id)
{
	struct tok_store_entry gone;
	const struct tok_store_entry *cur;
	CK_RV rv;

	rv = tok_store_idx_refresh(&st->idx, st->obj_fd);
	if (rv != CKR_OK)
		return rv;
	cur = tok_store_idx_find(&st->idx, id);
	if (!cur)
		return CKR_OBJECT_HANDLE_INVALID;
	gone = *cur;
	gone.generation++;
	/* Step 3: the record first; a crash before the unlink leaves an orphan. */
	rv = tok_store_idx_append(&st->idx, st->obj_fd, TOK_STORE_IDX_REMOVE, &gone, NULL, 0,
	                          !st->deferred);
	if (rv != CKR_OK)
		return rv;
	obj_changed_inlock(st);
	obj_remove_file_inlock(st, id);
	tok_store_tidy_inlock(st);
	return CKR_OK;
}

CK_RV tok_store_delete_object(struct tok_store *st, uint64_t id)
{
	CK_RV rv;

	if (!st)
		return CKR_ARGUMENTS_BAD;
	if (st->reader)
		return CKR_FUNCTION_NOT_SUPPORTED;
	tok_store_lock(st);
	rv = obj_delete_inlock(st, id);
	tok_store_unlock(st);
	return rv;
}

void tok_store_set_deferred_sync(struct tok_store *st, bool on)
{
	if (st->reader)
		return;
	tok_store_lock(st);
	st->deferred = on;
	tok_store_unlock(st);
}

CK_RV tok_store_sync(struct tok_store *st)
{
	char name[TOK_STORE_OBJ_NAME_SIZE];
	CK_RV rv = CKR_OK;

	if (!st)
		return CKR_ARGUMENTS_BAD;
	if (st->reader)
		return CKR_FUNCTION_NOT_SUPPORTED;
	tok_store_lock(st);
	if (st->sync_pending)
		rv = tok_store_idx_sync(&st->idx);
	if (rv == CKR_OK && st->sync_pending) {
		st->objects_changed = st->sync_pending;
		st->sync_pending = 0;
		for (size_t i = 0; i < st->n_doomed; i++) {
			tok_store_idx_object_name(st->doomed[i], name);
			tok_store_file_remove(st->obj_fd, name);
		}
		st->n_doomed = 0;
	}
	tok_store_unlock(st);
	return rv;
}
