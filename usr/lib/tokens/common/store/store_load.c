/*
 * Loading token objects (see store.h): one, or many in one pass under the
 * handle's mutex, as a process does when it opens a token and at login.
 *
 * A frame comes from its OBJ_IDX record when that carries it, else, or
 * when that copy does not open, from the object's own file.  For many
 * objects the index is read whole once.  Decrypting and decoding are then
 * most of the cost, so a large load is split into parts that run on
 * threads of their own (as many as tok_store_set_threads allows), each with
 * its own prepared master key and buffers; the results are handed to the
 * caller in order, after the mutex is released.  Frames are read from the
 * OBJ_IDX the cache was replayed from (still open, even if the writer has
 * renamed a compacted one over its name since).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "store.h"
#include "store_aead.h"
#include "store_file.h"
#include "store_idx.h"
#include "store_int.h"
#include "thread.h"

/* From this many objects on, a load reads OBJ_IDX whole rather than per frame. */
#define LOAD_READ_ALL_FROM 32
/* A part of a load split over threads has at least this many objects. */
#define LOAD_PART_MIN 1024

/* What every part of one load reads; nothing here changes during it. */
struct load_shared {
	struct tok_store *st;
	int idx_fd;        /* the OBJ_IDX the cache follows, or -1 */
	struct os_buf all; /* OBJ_IDX read whole, or empty */
	const uint8_t *mk;
};

struct load_result {
	struct tok_store_entry e; /* the index's entry, copied under the lock */
	CK_RV rv;
	struct tok_attrs attrs;
};

/* One part: objects [from, to) of the load, on a thread of its own or not. */
struct load_part {
	const struct load_shared *sh;
	const struct tok_store_entry **cur; /* live entries, NULL: no longer listed */
	struct load_result *res;
	size_t from, to;
	struct tok_store_aead *key;
	struct os_buf file, body; /* reused from object to object */
	pthread_t thread;
	bool threaded;
};

/* The body of a frame read for cur, checked to be cur's (or, from its own
 * file, newer: see store.c, step 3). */
static CK_RV load_open_frame(const struct tok_store_entry *cur, const void *frame, size_t len,
                             bool from_index, struct tok_store_aead *key, struct os_buf *body)
{
	struct tok_store_frame fr;
	CK_RV rv;

	os_buf_reset(body);
	rv = key ? tok_store_frame_open_aead(TOK_STORE_OBJ_MAGIC, frame, len, key, &fr, body)
	         : tok_store_frame_open(TOK_STORE_OBJ_MAGIC, frame, len, NULL, &fr, body);
	if (rv != CKR_OK)
		return rv;
	/* A file copied under another object's name, or older than the index. */
	if (fr.id != cur->id || fr.generation < cur->generation ||
	    (from_index && fr.generation != cur->generation))
		return CKR_DATA_INVALID;
	return CKR_OK;
}

/* The frame of cur from its index record, if it carries a good one. */
static CK_RV load_frame_from_index(struct load_part *p, const struct tok_store_entry *cur,
                                   const void **frame)
{
	const struct load_shared *sh = p->sh;
	int rc;

	if (!cur->frame_len)
		return CKR_DATA_INVALID;
	if (sh->all.len) {
		*frame = tok_store_idx_frame(&sh->all, cur);
		return *frame ? CKR_OK : CKR_DATA_INVALID;
	}
	if (sh->idx_fd < 0)
		return CKR_DATA_INVALID;
	os_buf_reset(&p->file);
	rc = tok_store_idx_read_frame(sh->idx_fd, cur, &p->file);
	*frame = p->file.data;
	if (rc == 0 || rc == -EINVAL)
		return rc == 0 ? CKR_OK : CKR_DATA_INVALID;
	return rc == -ENOMEM ? CKR_HOST_MEMORY : CKR_DEVICE_ERROR;
}

static CK_RV load_one(struct load_part *p, const struct tok_store_entry *cur,
                      struct tok_attrs *attrs)
{
	struct tok_store_aead *key = cur->private ? p->key : NULL;
	char name[TOK_STORE_OBJ_NAME_SIZE];
	const void *frame = NULL;
	CK_RV rv;
	int rc;

	if (cur->private && !key)
		return p->sh->mk ? CKR_HOST_MEMORY : CKR_USER_NOT_LOGGED_IN;
	rv = load_frame_from_index(p, cur, &frame);
	if (rv == CKR_OK)
		rv = load_open_frame(cur, frame, cur->frame_len, true, key, &p->body);
	if (rv == CKR_DATA_INVALID) {
		os_buf_reset(&p->file);
		tok_store_idx_object_name(cur->id, name);
		rc = tok_store_file_read(p->sh->st->obj_fd, name,
		                         TOK_STORE_MAX_OBJECT + TOK_STORE_FRAME_OVERHEAD,
		                         p->sh->st->owner, &p->file);
		rv = tok_store_file_read_rv(rc);
		if (rc == 0)
			rv = load_open_frame(cur, p->file.data, p->file.len, false, key, &p->body);
	}
	if (rv == CKR_OK) {
		rv = tok_attrs_decode(attrs, p->body.data, p->body.len);
		if (rv != CKR_OK) {
			tok_attrs_free(attrs);
			rv = rv == CKR_HOST_MEMORY ? rv : CKR_DATA_INVALID;
		}
	}
	return rv;
}

static void load_part_run(struct load_part *p)
{
	os_buf_init(&p->file);
	os_buf_init(&p->body);
	p->key = p->sh->mk ? tok_store_aead_new(p->sh->mk) : NULL;
	for (size_t i = p->from; i < p->to; i++) {
		struct load_result *r = &p->res[i];
		tok_attrs_init(&r->attrs);
		r->rv = p->cur[i] ? load_one(p, p->cur[i], &r->attrs) : CKR_DATA_INVALID;
	}
	tok_store_aead_free(p->key);
	tok_store_file_wipe(&p->file);
	tok_store_file_wipe(&p->body);
}

static void *load_part_main(void *arg)
{
	load_part_run(arg);
	return NULL;
}

/*
 * Runs the parts: all but the first on threads started with every signal
 * blocked (none of the application's signals goes to them), the first
 * here; a part whose thread cannot be started runs here too.
 */
static void load_run_parts(struct load_part *parts, size_t n)
{
	for (size_t i = 1; i < n; i++)
		parts[i].threaded =
		    os_thread_start(&parts[i].thread, load_part_main, &parts[i]) == 0;
	load_part_run(&parts[0]);
	for (size_t i = 1; i < n; i++) {
		if (parts[i].threaded)
			pthread_join(parts[i].thread, NULL);
		else
			load_part_run(&parts[i]);
	}
}

/* With the mutex held: the index, its file, and every object loaded into res. */
static CK_RV load_inlock(struct load_shared *sh, const struct tok_store_entry *entries, size_t n,
                         struct load_result *res)
{
	struct tok_store *st = sh->st;
	struct load_part parts[TOK_STORE_MAX_THREADS] = {0};
	const struct tok_store_entry **cur;
	size_t n_parts = n / LOAD_PART_MIN;
	CK_RV rv;

	rv = tok_store_idx_refresh(&st->idx, st->obj_fd);
	if (rv != CKR_OK)
		return rv;
	cur = malloc((n ? n : 1) * sizeof(*cur));
	if (!cur)
		return CKR_HOST_MEMORY;
	sh->idx_fd = st->idx.present ? st->idx.fd : -1;
	/* Whole or not at all: without the memory (or with a file cut since
	 * the refresh), frame by frame; a read that failed fails the load. */
	int rc = sh->idx_fd >= 0 && n >= LOAD_READ_ALL_FROM
	             ? tok_store_idx_read_all(sh->idx_fd, &st->idx, &sh->all)
	             : 0;
	if (rc < 0)
		os_buf_free(&sh->all);
	if (rc < 0 && rc != -ENOMEM && rc != -EINVAL) {
		free(cur);
		return CKR_DEVICE_ERROR;
	}
	for (size_t i = 0; i < n; i++) {
		cur[i] = tok_store_idx_find(&st->idx, entries[i].id);
		res[i].e = cur[i] ? *cur[i] : entries[i];
	}
	n_parts = n_parts < 1 ? 1 : n_parts > st->threads ? st->threads : n_parts;
	for (size_t i = 0; i < n_parts; i++) {
		parts[i].sh = sh;
		parts[i].cur = cur;
		parts[i].res = res;
		parts[i].from = n * i / n_parts;
		parts[i].to = n * (i + 1) / n_parts;
	}
	load_run_parts(parts, n_parts);
	free(cur);
	return CKR_OK;
}

CK_RV tok_store_load_objects(struct tok_store *st, const struct tok_store_entry *entries, size_t n,
                             const uint8_t *mk, tok_store_load_cb *cb, void *arg)
{
	struct load_shared sh = {.st = st, .idx_fd = -1, .mk = mk};
	struct load_result *res;
	CK_RV rv;

	if (!st || (!entries && n) || !cb)
		return CKR_ARGUMENTS_BAD;
	res = calloc(n ? n : 1, sizeof(*res));
	if (!res)
		return CKR_HOST_MEMORY;
	os_buf_init(&sh.all);
	tok_store_lock(st);
	rv = load_inlock(&sh, entries, n, res);
	tok_store_unlock(st);
	os_buf_free(&sh.all); /* only what is on disk: ciphertext and public objects */
	for (size_t i = 0; rv == CKR_OK && i < n; i++)
		cb(arg, &res[i].e, res[i].rv, &res[i].attrs);
	free(res);
	return rv;
}

/* Keeps the result of a single load. */
struct load_single {
	CK_RV rv;
	struct tok_attrs *attrs;
};

static void load_take_single(void *arg, const struct tok_store_entry *e, CK_RV rv,
                             struct tok_attrs *attrs)
{
	struct load_single *one = arg;

	(void)e;
	one->rv = rv;
	if (rv == CKR_OK)
		*one->attrs = *attrs;
}

CK_RV tok_store_load_object(struct tok_store *st, const struct tok_store_entry *entry,
                            const uint8_t *mk, struct tok_attrs *attrs)
{
	struct load_single one = {CKR_GENERAL_ERROR, attrs};
	CK_RV rv;

	if (!st || !entry || !attrs)
		return CKR_ARGUMENTS_BAD;
	if (entry->private && !mk)
		return CKR_USER_NOT_LOGGED_IN;
	rv = tok_store_load_objects(st, entry, 1, mk, load_take_single, &one);
	return rv != CKR_OK ? rv : one.rv;
}
