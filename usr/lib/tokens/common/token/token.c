/*
 * Token state of one process: open/close, synchronisation with the store
 * and other processes, token information, login and PINs (see token.h).
 * Object calls are in token_objects.c.
 */
#include "token.h"
#include "bytes.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static void token_no_trace(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

int tok_token_open(struct tok_token *t, const struct os_backend_ops *ops, void *ctx,
                   const struct tok_token_place *place, unsigned threads,
                   void (*trace)(int level, const char *fmt, ...), char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	pthread_rwlock_init(&t->lock, NULL);
	t->ops = ops;
	t->ctx = ctx;
	t->shm = place->shm;
	t->writer = place->writer;
	t->login = TOK_NO_USER;
	t->trace = trace ? trace : token_no_trace;
	t->damaged = place->damaged;
	t->damaged_arg = place->damaged_arg;
	t->seen_objects = UINT64_MAX;
	t->seen_token = UINT64_MAX;
	tok_objects_init(&t->objects);
	if (tok_store_open_reader(place->data_dir, place->lock_fd, place->owner, &t->store, err,
	                          errlen) < 0) {
		pthread_rwlock_destroy(&t->lock);
		return -1;
	}
	tok_store_set_threads(t->store, threads);
	tok_store_set_trace(t->store, t->trace);
	/* Failures are not marked seen: the first object call retries and reports them. */
	tok_token_sync(t);
	return 0;
}

static void token_forget_mk(struct tok_token *t)
{
	OPENSSL_cleanse(t->mk, sizeof(t->mk));
	t->have_mk = false;
}

/* Gives the backend the master key of a login (NULL at logout). */
static CK_RV token_backend_key(struct tok_token *t, const uint8_t *mk)
{
	return t->ops->login_key(t->ctx, mk, mk ? TOK_STORE_KEY_LEN : 0);
}

void tok_token_close(struct tok_token *t)
{
	tok_objects_clear(&t->objects);
	tok_owned_free(t);
	if (t->store)
		tok_store_close(t->store);
	token_forget_mk(t);
	pthread_rwlock_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

static int token_cmp_entry(const void *a, const void *b)
{
	uint64_t x = ((const struct tok_store_entry *)a)->id;
	uint64_t y = ((const struct tok_store_entry *)b)->id;

	return x < y ? -1 : x > y;
}

static const struct tok_store_entry *token_entry(const struct tok_store_entry *e, size_t n,
                                                 uint64_t id)
{
	struct tok_store_entry key = {.id = id};

	return bsearch(&key, e, n, sizeof(*e), token_cmp_entry);
}

/*
 * A reload is staged: every object to add is read and built while the
 * object set stays as it was, and the set changes only once all of them
 * are there (token_stage_commit), so a failure at any step (no memory, a
 * read error) leaves the set exactly as before.
 */
struct token_stage {
	struct tok_token *t;
	struct tok_object **add; /* built, not in the set yet */
	size_t n_add;
	struct tok_object **drop; /* in the set, to go */
	size_t n_drop;
	CK_RV rv; /* the first failure */
};

/*
 * Takes one loaded store entry.  A damaged one (CKR_DATA_INVALID: bad
 * tag, bad format, missing file) is traced, reported and skipped, never
 * taking the others with it.  Any other failure (no memory, a read error)
 * says nothing about the object: it fails the whole reload, so that it is
 * retried rather than the object silently missing.
 */
static void token_take_loaded(void *arg, const struct tok_store_entry *e, CK_RV rv,
                              struct tok_attrs *attrs)
{
	struct token_stage *s = arg;
	struct tok_token *t = s->t;
	struct tok_object *obj;

	if (rv == CKR_DATA_INVALID) {
		t->trace(1, "token object %016llx skipped: 0x%lx", (unsigned long long)e->id, rv);
		if (t->damaged)
			t->damaged(t->damaged_arg, e->id, rv);
		return;
	}
	if (rv != CKR_OK || s->rv != CKR_OK) {
		if (rv == CKR_OK)
			tok_attrs_free(attrs);
		if (s->rv == CKR_OK)
			s->rv = rv;
		return;
	}
	obj = tok_object_new(attrs);
	if (!obj) {
		tok_attrs_free(attrs);
		s->rv = CKR_HOST_MEMORY;
		return;
	}
	obj->store_id = e->id;
	obj->generation = e->generation;
	obj->token = true;
	obj->ops = t->ops;
	obj->ops_ctx = t->ctx;
	s->add[s->n_add++] = obj;
}

/* Reads and builds the objects of n entries into s->add; nothing changes in t yet. */
static CK_RV token_stage_load(struct token_stage *s, const struct tok_store_entry *e, size_t n)
{
	struct tok_token *t = s->t;
	CK_RV rv;

	if (!n)
		return CKR_OK;
	s->add = calloc(n, sizeof(*s->add));
	if (!s->add)
		return CKR_HOST_MEMORY;
	rv =
	    tok_store_load_objects(t->store, e, n, t->have_mk ? t->mk : NULL, token_take_loaded, s);
	return rv != CKR_OK ? rv : s->rv;
}

static int token_cmp_object_id(const void *a, const void *b)
{
	uint64_t x = (*(struct tok_object *const *)a)->store_id;
	uint64_t y = (*(struct tok_object *const *)b)->store_id;

	return x < y ? -1 : x > y;
}

/*
 * Applies a fully loaded stage: the new objects go in first (a token
 * object and its replacement share a store id only for that moment), then
 * the old ones go, which needs no memory.  An object another process
 * changed keeps its handle: its new version takes the old one's before the
 * old one goes.  When an addition fails, the ones added are taken out
 * again and the set is as it was.
 */
static CK_RV token_stage_commit(struct token_stage *s)
{
	struct tok_objects *set = &s->t->objects;
	size_t i = 0, n_add = s->n_add;

	while (i < n_add && tok_objects_add(set, s->add[i]) == 0)
		i++;
	if (i < n_add) {
		for (size_t k = 0; k < i; k++) {
			tok_object_ref(s->add[k]); /* the stage's, as before the add */
			tok_objects_remove(set, s->add[k]);
		}
		return CKR_HOST_MEMORY;
	}
	s->n_add = 0; /* the set owns them now */
	if (n_add && s->n_drop)
		qsort(s->add, n_add, sizeof(*s->add), token_cmp_object_id);
	for (size_t k = 0; k < s->n_drop; k++) {
		struct tok_object *old = s->drop[k], **now = NULL;
		if (old->token && n_add)
			now = bsearch(&old, s->add, n_add, sizeof(*s->add), token_cmp_object_id);
		if (now)
			tok_objects_swap_handles(set, old, *now);
		tok_objects_remove(set, old);
	}
	return CKR_OK;
}

/* Frees what a stage still owns: the objects built and not committed. */
static void token_stage_free(struct token_stage *s)
{
	for (size_t k = 0; k < s->n_add; k++)
		tok_object_unref(s->add[k]);
	free(s->add);
	free(s->drop);
}

/* Loads entries, then commits the stage (drops included) when all went well. */
static CK_RV token_stage_run(struct token_stage *s, const struct tok_store_entry *e, size_t n)
{
	CK_RV rv = token_stage_load(s, e, n);

	if (rv == CKR_OK)
		rv = token_stage_commit(s);
	token_stage_free(s);
	return rv;
}

struct token_sync {
	struct tok_token *t;
	const struct tok_store_entry *entries;
	size_t n;
	struct token_stage *stage;
	uint64_t *known; /* store ids already loaded and current */
	size_t n_known;
};

static bool token_sync_visit(struct tok_object *obj, void *arg)
{
	struct token_sync *s = arg;

	if (!obj->token)
		return true;
	const struct tok_store_entry *e = token_entry(s->entries, s->n, obj->store_id);
	if (!e || e->generation != obj->generation || (obj->private && !s->t->have_mk))
		s->stage->drop[s->stage->n_drop++] = obj;
	else
		s->known[s->n_known++] = obj->store_id;
	return true;
}

static int token_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The entries of the index to load: not loaded and current yet, readable by this login. */
static size_t token_sync_wanted(const struct token_sync *s, struct tok_store_entry *load)
{
	size_t n_load = 0;

	qsort(s->known, s->n_known, sizeof(*s->known), token_cmp_u64);
	for (size_t i = 0; i < s->n; i++) {
		if (s->entries[i].private && !s->t->have_mk)
			continue;
		if (s->n_known && bsearch(&s->entries[i].id, s->known, s->n_known, sizeof(uint64_t),
		                          token_cmp_u64))
			continue;
		load[n_load++] = s->entries[i];
	}
	return n_load;
}

/*
 * With t->lock held for writing: reconciles all loaded objects with the
 * index.  Objects that changed or vanished are dropped, and the listed ones
 * not loaded yet are loaded in one pass over the store; on failure the
 * object set is left as it was.
 */
static CK_RV token_reload_all_inlock(struct tok_token *t)
{
	struct token_stage stage = {.t = t};
	struct token_sync s = {.t = t, .stage = &stage};
	struct tok_store_entry *entries = NULL, *load = NULL;
	size_t n = 0, n_load = 0;
	CK_RV rv = tok_store_list(t->store, &entries, &n);

	if (rv != CKR_OK) {
		t->trace(1, "token store: cannot read the object index: 0x%lx", rv);
		return rv;
	}
	/* Sorted only when loaded objects are to be looked up in it. */
	if (t->objects.n)
		qsort(entries, n, sizeof(*entries), token_cmp_entry);
	s.entries = entries;
	s.n = n;
	stage.drop = calloc(t->objects.n + 1, sizeof(*stage.drop));
	s.known = calloc(t->objects.n + 1, sizeof(*s.known));
	load = malloc((n ? n : 1) * sizeof(*load));
	if (stage.drop && s.known && load) {
		tok_objects_candidates(&t->objects, NULL, 0, token_sync_visit, &s);
		n_load = token_sync_wanted(&s, load);
		size_t n_drop = stage.n_drop;
		rv = token_stage_run(&stage, load, n_load);
		if (rv == CKR_OK)
			t->trace(4, "token store: full load: %zu stored, %zu dropped, %zu loaded%s",
			         n, n_drop, n_load, t->have_mk ? " (with private objects)" : "");
	} else {
		free(stage.drop);
		rv = CKR_HOST_MEMORY;
	}
	free(load);
	free(s.known);
	free(entries);
	return rv;
}

/*
 * With t->lock held for writing: applies the changes the store reports
 * since the last reconciliation (tok_store_changes), each looked up by its
 * store id, so following other processes' changes costs what changed, not
 * what the token holds.  At start-up, after a login (seen_objects reset)
 * and whenever the store cannot tell, everything is reconciled.
 *
 * A failure (a read error, no memory) is returned with the object set as
 * it was; the caller then leaves seen_objects unset, and since the store
 * has handed over its list of changes, the next attempt reconciles
 * everything.
 */
static CK_RV token_reload_inlock(struct tok_token *t)
{
	struct token_stage stage = {.t = t};
	struct tok_store_entry *changed = NULL;
	size_t n = 0, n_load = 0;
	bool all;
	CK_RV rv = tok_store_changes(t->store, &changed, &n, &all);

	if (rv != CKR_OK)
		return rv;
	if (all || t->seen_objects == UINT64_MAX) {
		free(changed);
		return token_reload_all_inlock(t);
	}
	stage.drop = calloc(n + 1, sizeof(*stage.drop));
	if (!stage.drop) {
		free(changed);
		return CKR_HOST_MEMORY;
	}
	/* changed is reused in place as the list of what to load. */
	for (size_t i = 0; i < n; i++) {
		const struct tok_store_entry *e = &changed[i];
		struct tok_object *obj = tok_objects_find_stored(&t->objects, e->id);
		if (obj && obj->generation == e->generation)
			continue; /* this process made the change itself */
		if (obj)
			stage.drop[stage.n_drop++] = obj;
		if (e->generation != 0 && (!e->private || t->have_mk))
			changed[n_load++] = *e;
	}
	rv = token_stage_run(&stage, changed, n_load);
	if (rv == CKR_OK)
		t->trace(4, "token store: reload: %zu changed, %zu loaded", n, n_load);
	free(changed);
	return rv;
}

CK_RV tok_token_sync(struct tok_token *t)
{
	uint64_t objs = tok_shm_load(&t->shm->objects_generation);
	uint64_t tok = tok_shm_load(&t->shm->token_generation);
	CK_RV rv = CKR_OK;

	if (objs == t->seen_objects && tok == t->seen_token)
		return CKR_OK;
	pthread_rwlock_wrlock(&t->lock);
	if (tok != t->seen_token) {
		tok_shm_read_info(t->shm, &t->info);
		t->seen_token = tok;
	}
	if (objs != t->seen_objects) {
		rv = token_reload_inlock(t);
		/* A failed reload is not seen: the next call reconciles everything. */
		t->seen_objects = rv == CKR_OK ? objs : UINT64_MAX;
	}
	pthread_rwlock_unlock(&t->lock);
	/*
	 * Damaged objects are skipped one by one; CKR_DATA_INVALID here comes
	 * from a damaged OBJ_IDX, which is the token's fault, not the caller's.
	 */
	if (rv == CKR_DATA_INVALID)
		rv = CKR_DEVICE_ERROR;
	if (rv != CKR_OK)
		t->trace(1, "token store: reload failed: 0x%lx", rv);
	return rv;
}

void tok_token_info(struct tok_token *t, CK_TOKEN_INFO *info)
{
	/* The info is read first; a failed object reload is for object calls to report. */
	tok_token_sync(t);
	pthread_rwlock_rdlock(&t->lock);
	const struct tok_shm_info *in = &t->info;
	if (in->flags & CKF_TOKEN_INITIALIZED)
		os_pad_field(info->label, sizeof(info->label), in->label, sizeof(in->label));
	info->flags |= in->flags;
	info->ulMinPinLen = in->min_pin;
	info->ulMaxPinLen = in->max_pin;
	pthread_rwlock_unlock(&t->lock);
}

/* A new PIN: within the token's limits (slotd checks again). */
static CK_RV token_check_pin(const struct tok_token *t, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	struct tok_shm_info in;

	if (!pin && len)
		return CKR_ARGUMENTS_BAD;
	tok_shm_read_info(t->shm, &in);
	if (len < in.min_pin || len > TOK_MAX_PIN)
		return CKR_PIN_LEN_RANGE;
	return CKR_OK;
}

static bool token_private_visit(struct tok_object *obj, void *arg)
{
	struct tok_object ***cursor = arg;

	if (obj->private)
		*(*cursor)++ = obj;
	return true;
}

/* Stops at the first private object. */
static bool token_first_private_visit(struct tok_object *obj, void *arg)
{
	if (!obj->private)
		return true;
	*(struct tok_object **)arg = obj;
	return false;
}

static void token_drop_inlock(struct tok_token *t, struct tok_object *obj)
{
	if (!obj->token)
		tok_owned_sub(t, obj->owner, 1);
	tok_objects_remove(&t->objects, obj);
}

/*
 * With t->lock held for writing: drops every private object.  Without
 * memory for the list it drops them one search at a time, so that no
 * private object outlives a logout, whatever the allocator says.
 */
static void token_drop_private_inlock(struct tok_token *t)
{
	struct tok_object **drop = calloc(t->objects.n + 1, sizeof(*drop)), **cursor = drop;
	struct tok_object *obj;

	if (drop) {
		tok_objects_candidates(&t->objects, NULL, 0, token_private_visit, &cursor);
		for (struct tok_object **o = drop; o < cursor; o++)
			token_drop_inlock(t, *o);
		free(drop);
		return;
	}
	for (;;) {
		obj = NULL;
		tok_objects_candidates(&t->objects, NULL, 0, token_first_private_visit, &obj);
		if (!obj)
			return;
		token_drop_inlock(t, obj);
	}
}

/* With t->lock held for writing: forgets the login and its private objects. */
static void token_logout_inlock(struct tok_token *t)
{
	if (t->have_mk)
		token_backend_key(t, NULL);
	__atomic_store_n(&t->login, TOK_NO_USER, __ATOMIC_RELEASE);
	token_forget_mk(t);
	token_drop_private_inlock(t);
}

CK_RV tok_token_init(struct tok_token *t, const CK_UTF8CHAR *pin, CK_ULONG len,
                     const CK_UTF8CHAR *label)
{
	CK_RV rv = token_check_pin(t, pin, len);

	if (rv != CKR_OK)
		return rv;
	if (!label)
		return CKR_ARGUMENTS_BAD;
	pthread_rwlock_wrlock(&t->lock);
	rv = t->writer->init_token(t->writer->ctx, pin, len, label);
	if (rv == CKR_OK)
		token_logout_inlock(t);
	pthread_rwlock_unlock(&t->lock);
	/* The token is initialised either way; the next object call retries the reload. */
	tok_token_sync(t);
	return rv;
}

CK_RV tok_token_login(struct tok_token *t, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	bool have_mk = false;
	CK_RV rv;

	if (user != CKU_SO && user != CKU_USER)
		return user == CKU_CONTEXT_SPECIFIC ? CKR_OPERATION_NOT_INITIALIZED
		                                    : CKR_USER_TYPE_INVALID;
	if (!pin && len)
		return CKR_ARGUMENTS_BAD;
	if (len > TOK_MAX_PIN)
		return CKR_PIN_INCORRECT;
	pthread_rwlock_wrlock(&t->lock);
	if (t->login == user)
		rv = CKR_USER_ALREADY_LOGGED_IN;
	else if (t->login != TOK_NO_USER)
		rv = CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	else
		rv = t->writer->login(t->writer->ctx, user, pin, len, t->mk, &have_mk);
	if (rv == CKR_OK && have_mk && (rv = token_backend_key(t, t->mk)) != CKR_OK) {
		t->writer->logout(t->writer->ctx);
		token_forget_mk(t);
	}
	if (rv == CKR_OK) {
		__atomic_store_n(&t->login, user, __ATOMIC_RELEASE);
		t->have_mk = have_mk;
		t->seen_objects = UINT64_MAX; /* private objects become loadable */
	}
	pthread_rwlock_unlock(&t->lock);
	/* The login stands; a failed load is not seen, the next object call retries it. */
	tok_token_sync(t);
	return rv;
}

CK_RV tok_token_logout(struct tok_token *t)
{
	pthread_rwlock_wrlock(&t->lock);
	if (t->login == TOK_NO_USER) {
		pthread_rwlock_unlock(&t->lock);
		return CKR_USER_NOT_LOGGED_IN;
	}
	/* Forgotten here whatever the writer says: it forgets the login with the connection. */
	t->writer->logout(t->writer->ctx);
	token_logout_inlock(t);
	pthread_rwlock_unlock(&t->lock);
	return CKR_OK;
}

void tok_token_forget_login(struct tok_token *t)
{
	pthread_rwlock_wrlock(&t->lock);
	if (t->login != TOK_NO_USER)
		token_logout_inlock(t);
	pthread_rwlock_unlock(&t->lock);
}

/*
 * Read without the lock, on every C_OpenSession and object call: login is
 * changed only under the write lock and always by an atomic store, so the
 * answer is the state before or after a concurrent login or logout, as a
 * caller taking the lock could see too.
 */
CK_USER_TYPE tok_token_login_state(struct tok_token *t)
{
	return __atomic_load_n(&t->login, __ATOMIC_ACQUIRE);
}

CK_RV tok_token_init_pin(struct tok_token *t, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	CK_RV rv = token_check_pin(t, pin, len);

	if (rv != CKR_OK)
		return rv;
	pthread_rwlock_rdlock(&t->lock);
	rv = t->login == CKU_SO ? t->writer->init_pin(t->writer->ctx, pin, len)
	                        : CKR_USER_NOT_LOGGED_IN;
	pthread_rwlock_unlock(&t->lock);
	/* Only token info changed (read first); object calls report reload failures. */
	tok_token_sync(t);
	return rv;
}

CK_RV tok_token_set_pin(struct tok_token *t, const CK_UTF8CHAR *old, CK_ULONG old_len,
                        const CK_UTF8CHAR *pin, CK_ULONG len)
{
	CK_RV rv = token_check_pin(t, pin, len);

	if (rv != CKR_OK)
		return rv;
	if (!old && old_len)
		return CKR_ARGUMENTS_BAD;
	if (old_len > TOK_MAX_PIN)
		return CKR_PIN_INCORRECT;
	/* the writer knows who is logged in on this process's connection */
	rv = t->writer->set_pin(t->writer->ctx, old, old_len, pin, len);
	/* Only token info changed (read first); object calls report reload failures. */
	tok_token_sync(t);
	return rv;
}
