/*
 * Running a key action, and what the actions share: templates, attribute
 * reads and the search by --label and --id.
 *
 * --generate, --import and --delete need the user logged in, and ask for
 * the user PIN when -U is not given.  --list-objects and --export log in
 * only with -U: without it they see the public objects, which is where
 * public keys and certificates live.
 */
#include "keys.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define KEYS_LOGIN_ACTIONS (PCF_DO_GENERATE | PCF_DO_IMPORT | PCF_DO_DELETE)
#define KEYS_RW_ACTIONS    (PCF_DO_GENERATE | PCF_DO_IMPORT | PCF_DO_DELETE)
#define KEYS_DEFAULT_ID    8 /* bytes of the CKA_ID made up when --id is not given */

void pcf_tmpl_bytes(struct pcf_tmpl *t, CK_ATTRIBUTE_TYPE type, const void *p, size_t len)
{
	if (t->n >= PCF_TMPL_MAX)
		abort(); /* the templates are fixed in the code: this is a bug */
	t->attrs[t->n].type = type;
	t->attrs[t->n].pValue = (void *)p;
	t->attrs[t->n].ulValueLen = len;
	t->n++;
}

void pcf_tmpl_bool(struct pcf_tmpl *t, CK_ATTRIBUTE_TYPE type, bool v)
{
	t->bools[t->n] = v ? CK_TRUE : CK_FALSE;
	pcf_tmpl_bytes(t, type, &t->bools[t->n], sizeof(CK_BBOOL));
}

void pcf_tmpl_ulong(struct pcf_tmpl *t, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
	t->ulongs[t->n] = v;
	pcf_tmpl_bytes(t, type, &t->ulongs[t->n], sizeof(CK_ULONG));
}

void pcf_tmpl_name(struct pcf_tmpl *t, const struct pcf_opts *o)
{
	pcf_tmpl_bool(t, CKA_TOKEN, true);
	if (o->label != NULL)
		pcf_tmpl_bytes(t, CKA_LABEL, o->label, strlen(o->label));
	if (o->have_id)
		pcf_tmpl_bytes(t, CKA_ID, o->id, o->id_len);
}

/* What a key pkcsconf creates may do, by key type; every flag is set one way or the other. */
struct keys_usage {
	CK_ATTRIBUTE_TYPE type;
	bool rsa, ec, eddsa, secret;
};

static const struct keys_usage keys_public_usage[] = {
    {CKA_ENCRYPT, true, false, false, false},         {CKA_VERIFY, true, true, true, false},
    {CKA_VERIFY_RECOVER, false, false, false, false}, {CKA_WRAP, true, false, false, false},
    {CKA_DERIVE, false, false, false, false},
};

static const struct keys_usage keys_private_usage[] = {
    {CKA_DECRYPT, true, false, false, false},       {CKA_SIGN, true, true, true, false},
    {CKA_SIGN_RECOVER, false, false, false, false}, {CKA_UNWRAP, true, false, false, false},
    {CKA_DERIVE, false, true, false, false},
};

static const struct keys_usage keys_secret_usage[] = {
    {CKA_ENCRYPT, false, false, false, true}, {CKA_DECRYPT, false, false, false, true},
    {CKA_SIGN, false, false, false, true},    {CKA_VERIFY, false, false, false, true},
    {CKA_WRAP, false, false, false, true},    {CKA_UNWRAP, false, false, false, true},
    {CKA_DERIVE, false, false, false, false},
};

void pcf_tmpl_usage(struct pcf_tmpl *t, CK_OBJECT_CLASS cls, CK_KEY_TYPE type)
{
	const struct keys_usage *u = keys_secret_usage;
	size_t n = sizeof(keys_secret_usage) / sizeof(keys_secret_usage[0]);

	if (cls == CKO_PUBLIC_KEY) {
		u = keys_public_usage;
		n = sizeof(keys_public_usage) / sizeof(keys_public_usage[0]);
	} else if (cls == CKO_PRIVATE_KEY) {
		u = keys_private_usage;
		n = sizeof(keys_private_usage) / sizeof(keys_private_usage[0]);
	}
	for (size_t i = 0; i < n; i++) {
		bool on = type == CKK_RSA          ? u[i].rsa
		          : type == CKK_EC         ? u[i].ec
		          : type == CKK_EC_EDWARDS ? u[i].eddsa
		                                   : u[i].secret;

		pcf_tmpl_bool(t, u[i].type, on);
	}
}

unsigned char *pcf_attr_get(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                            CK_ATTRIBUTE_TYPE type, CK_ULONG *len)
{
	CK_ATTRIBUTE a = {type, NULL, 0};
	unsigned char *v;

	*len = 0;
	if (c->p11->C_GetAttributeValue(h, o, &a, 1) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return NULL;
	v = malloc(a.ulValueLen + 1);
	if (v == NULL)
		return NULL;
	a.pValue = v;
	if (c->p11->C_GetAttributeValue(h, o, &a, 1) != CKR_OK) {
		free(v);
		return NULL;
	}
	v[a.ulValueLen] = '\0';
	*len = a.ulValueLen;
	return v;
}

bool pcf_attr_ulong(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                    CK_ULONG *out)
{
	CK_ATTRIBUTE a = {type, out, sizeof(*out)};

	return c->p11->C_GetAttributeValue(h, o, &a, 1) == CKR_OK && a.ulValueLen == sizeof(*out);
}

bool pcf_attr_bool(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = CK_FALSE;
	CK_ATTRIBUTE a = {type, &v, sizeof(v)};

	return c->p11->C_GetAttributeValue(h, o, &a, 1) == CKR_OK && a.ulValueLen == sizeof(v) &&
	       v == CK_TRUE;
}

/* Collects every object the search finds. */
static int keys_collect(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE **list,
                        CK_ULONG *count)
{
	CK_OBJECT_HANDLE batch[64], *all = NULL, *grown;
	CK_ULONG got, n = 0;
	CK_RV rv;

	do {
		rv = c->p11->C_FindObjects(h, batch, 64, &got);
		if (rv != CKR_OK || got == 0)
			break;
		grown = realloc(all, (n + got) * sizeof(*all));
		if (grown == NULL) {
			free(all);
			c->p11->C_FindObjectsFinal(h);
			return os_log_fail(PCF_EXIT_P11, "out of memory");
		}
		all = grown;
		memcpy(all + n, batch, got * sizeof(*all));
		n += got;
	} while (got == 64);
	c->p11->C_FindObjectsFinal(h);
	if (rv != CKR_OK) {
		free(all);
		return pcf_fail_rv(rv, "cannot search the token");
	}
	*list = all;
	*count = n;
	return PCF_EXIT_OK;
}

struct pcf_match pcf_keys_match(const struct pcf_opts *o, const CK_OBJECT_CLASS *cls)
{
	struct pcf_match m = {.label = o->label, .cls = cls};

	if (o->have_id) {
		m.id = o->id;
		m.id_len = o->id_len;
	}
	return m;
}

int pcf_keys_find(struct pcf *c, CK_SESSION_HANDLE h, const struct pcf_match *m,
                  CK_OBJECT_HANDLE **list, CK_ULONG *count)
{
	struct pcf_tmpl t = {0};
	CK_RV rv;

	*list = NULL;
	*count = 0;
	if (m->label != NULL)
		pcf_tmpl_bytes(&t, CKA_LABEL, m->label, strlen(m->label));
	if (m->id != NULL)
		pcf_tmpl_bytes(&t, CKA_ID, m->id, m->id_len);
	if (m->cls != NULL)
		pcf_tmpl_ulong(&t, CKA_CLASS, *m->cls);
	rv = c->p11->C_FindObjectsInit(h, t.n > 0 ? t.attrs : NULL, t.n);
	if (rv != CKR_OK)
		return pcf_fail_rv(rv, "cannot search the token");
	return keys_collect(c, h, list, count);
}

void pcf_keys_describe(const struct pcf_opts *o, char *buf, size_t size)
{
	char hex[2 * PCF_ID_MAX + 1];

	pcf_hex_format(hex, o->id, o->have_id ? o->id_len : 0);
	if (o->label != NULL && o->have_id)
		snprintf(buf, size, "label \"%s\" and ID %s", o->label, hex);
	else if (o->label != NULL)
		snprintf(buf, size, "label \"%s\"", o->label);
	else
		snprintf(buf, size, "ID %s", hex);
}

int pcf_keys_check_free(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls)
{
	struct pcf_match m = {.label = c->opt.label, .cls = &cls};
	CK_OBJECT_HANDLE *found;
	CK_ULONG n;
	int ret = pcf_keys_find(c, h, &m, &found, &n);

	free(found);
	if (ret == PCF_EXIT_OK && n > 0)
		ret = os_log_fail(PCF_EXIT_USAGE,
		                  "the token already holds an object of this kind labelled \"%s\": "
		                  "choose another label or delete it with --delete",
		                  c->opt.label);
	return ret;
}

int pcf_keys_default_id(struct pcf *c)
{
	if (c->opt.have_id)
		return PCF_EXIT_OK;
	if (getrandom(c->opt.id, KEYS_DEFAULT_ID, 0) != KEYS_DEFAULT_ID)
		return os_log_fail(PCF_EXIT_P11, "cannot make up an ID: no random bytes");
	c->opt.id_len = KEYS_DEFAULT_ID;
	c->opt.have_id = true;
	return PCF_EXIT_OK;
}

static int keys_dispatch(struct pcf *c, CK_SESSION_HANDLE h, CK_SLOT_ID slot, bool logged_in)
{
	unsigned wanted = c->opt.actions;

	if (wanted & PCF_DO_LIST_OBJECTS)
		return pcf_keys_list(c, h, slot, logged_in);
	if (wanted & PCF_DO_GENERATE)
		return pcf_keys_generate(c, h, slot);
	if (wanted & PCF_DO_DELETE)
		return pcf_keys_delete(c, h);
	if (wanted & PCF_DO_IMPORT)
		return pcf_keys_import(c, h, slot);
	return pcf_keys_export(c, h);
}

int pcf_keys_run(struct pcf *c)
{
	bool login = (c->opt.actions & KEYS_LOGIN_ACTIONS) || c->opt.user_pin.set;
	CK_SESSION_HANDLE h;
	CK_SLOT_ID slot;
	int ret = pcf_slot_pick(c, &slot);

	if (ret == PCF_EXIT_OK)
		ret = pcf_slot_require(c, slot, login, NULL);
	if (ret == PCF_EXIT_OK && login && !c->opt.user_pin.set)
		ret = pcf_pin_read(&c->opt.user_pin, "the user PIN", false);
	if (ret == PCF_EXIT_OK)
		ret = pcf_session_open(c, slot, (c->opt.actions & KEYS_RW_ACTIONS) != 0, &h);
	if (ret != PCF_EXIT_OK)
		return ret;
	if (login)
		ret = pcf_session_login(c, h, slot, CKU_USER, &c->opt.user_pin);
	if (ret == PCF_EXIT_OK)
		ret = keys_dispatch(c, h, slot, login);
	if (login)
		c->p11->C_Logout(h);
	pcf_session_close(c, h);
	return ret;
}
