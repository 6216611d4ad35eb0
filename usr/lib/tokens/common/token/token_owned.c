/*
 * How many session objects each session owns, so that closing a session
 * that owns none costs no walk over the token's objects.
 */
#include "token.h"

#include <stdlib.h>

static struct tok_owned *owned_find(struct tok_token *t, const void *session)
{
	for (size_t i = 0; i < t->n_owned; i++)
		if (t->owned[i].session == session)
			return &t->owned[i];
	return NULL;
}

void tok_owned_add(struct tok_token *t, const void *session)
{
	struct tok_owned *o = owned_find(t, session);

	t->n_session_objects++;
	if (o) {
		o->n++;
		return;
	}
	if (t->n_owned == t->cap_owned) {
		size_t cap = t->cap_owned ? t->cap_owned * 2 : 8;
		struct tok_owned *p = realloc(t->owned, cap * sizeof(*p));
		if (!p) {
			/* Uncounted: every close walks the objects from now on. */
			t->owned_lost = true;
			return;
		}
		t->owned = p;
		t->cap_owned = cap;
	}
	t->owned[t->n_owned++] = (struct tok_owned){.session = session, .n = 1};
}

void tok_owned_sub(struct tok_token *t, const void *session, size_t n)
{
	struct tok_owned *o = owned_find(t, session);

	t->n_session_objects -= n;
	if (!o)
		return;
	o->n = o->n > n ? o->n - n : 0;
	if (o->n == 0)
		*o = t->owned[--t->n_owned];
}

bool tok_owned_any(struct tok_token *t, const void *session)
{
	if (t->n_session_objects == 0)
		return false;
	return t->owned_lost || owned_find(t, session) != NULL;
}

void tok_owned_free(struct tok_token *t)
{
	free(t->owned);
	t->owned = NULL;
	t->n_owned = t->cap_owned = 0;
	t->owned_lost = false;
}
