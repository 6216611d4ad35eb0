/*
 * Key management shared by keys*.c: the curves pkcsconf knows, templates,
 * attribute reads, finding objects by --label and --id, and the DER
 * OCTET STRING that wraps CKA_EC_POINT.
 *
 * keys.c runs a key action: it picks the slot, opens a session, logs the
 * user in when the action needs it (or when -U is given), and calls one
 * of the actions below with the session.
 */
#ifndef PKCSCONF_KEYS_H
#define PKCSCONF_KEYS_H

#include "der.h"
#include "pkcsconf.h"

/* A named curve, with every form pkcsconf meets it in. */
struct pcf_curve {
	const char *name;  /* in KEYSPEC and listings: "prime256v1", "ed25519" */
	const char *alias; /* another spelling KEYSPEC accepts, or NULL */
	CK_KEY_TYPE key_type;
	CK_ULONG bits;
	int nid;               /* OpenSSL's NID of its OBJECT IDENTIFIER */
	const char *printable; /* the PrintableString form of CKA_EC_PARAMS, or NULL */
	const char *ossl_name; /* OpenSSL's group name (EC) or key type (EdDSA) */
	size_t scalar_len;     /* bytes of a private key value */
};

const struct pcf_curve *pcf_curve_by_name(const char *name);
const struct pcf_curve *pcf_curve_by_ossl(const char *name);
/* The curve CKA_EC_PARAMS names (the DER of its OID or PrintableString), or NULL. */
const struct pcf_curve *pcf_curve_by_params(const unsigned char *der, size_t len);

/* Writes the CKA_EC_PARAMS pkcsconf gives cv, the DER of its OID; its length, 0 if over size. */
size_t pcf_curve_params(const struct pcf_curve *cv, unsigned char *out, size_t size);

/* A template built attribute by attribute; bool and ulong values live inside it. */
#define PCF_TMPL_MAX 24
struct pcf_tmpl {
	CK_ATTRIBUTE attrs[PCF_TMPL_MAX];
	CK_ULONG n;
	CK_BBOOL bools[PCF_TMPL_MAX];
	CK_ULONG ulongs[PCF_TMPL_MAX];
};

void pcf_tmpl_bool(struct pcf_tmpl *t, CK_ATTRIBUTE_TYPE type, bool v);
void pcf_tmpl_ulong(struct pcf_tmpl *t, CK_ATTRIBUTE_TYPE type, CK_ULONG v);
/* Points at p, which must outlive the template's use. */
void pcf_tmpl_bytes(struct pcf_tmpl *t, CK_ATTRIBUTE_TYPE type, const void *p, size_t len);
/* The usage flags (CKA_SIGN, CKA_DECRYPT, ...) of a new key of class cls and type type. */
void pcf_tmpl_usage(struct pcf_tmpl *t, CK_OBJECT_CLASS cls, CK_KEY_TYPE type);
/* CKA_TOKEN, CKA_LABEL and CKA_ID from the command line. */
void pcf_tmpl_name(struct pcf_tmpl *t, const struct pcf_opts *o);

/*
 * An attribute's value, malloc'ed with a NUL after it, or NULL when the
 * object has no readable value for it (*len is then 0).
 */
unsigned char *pcf_attr_get(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                            CK_ATTRIBUTE_TYPE type, CK_ULONG *len);
bool pcf_attr_ulong(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                    CK_ULONG *out);
bool pcf_attr_bool(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);

/* What a search looks for; a NULL or empty member matches anything. */
struct pcf_match {
	const char *label;
	const unsigned char *id;
	size_t id_len;
	const CK_OBJECT_CLASS *cls;
};

/* Matches --label and --id of the command line and, with cls non-NULL, that class. */
struct pcf_match pcf_keys_match(const struct pcf_opts *o, const CK_OBJECT_CLASS *cls);
/* The objects m matches; *list is malloc'ed (NULL when none). */
int pcf_keys_find(struct pcf *c, CK_SESSION_HANDLE h, const struct pcf_match *m,
                  CK_OBJECT_HANDLE **list, CK_ULONG *count);
/* Writes "label "x" and ID 0102" (whichever were given) for messages. */
void pcf_keys_describe(const struct pcf_opts *o, char *buf, size_t size);

/* The actions; h is a session on slot, logged in when the action needs it. */
int pcf_keys_list(struct pcf *c, CK_SESSION_HANDLE h, CK_SLOT_ID slot, bool logged_in);
int pcf_keys_generate(struct pcf *c, CK_SESSION_HANDLE h, CK_SLOT_ID slot);
int pcf_keys_delete(struct pcf *c, CK_SESSION_HANDLE h);
int pcf_keys_import(struct pcf *c, CK_SESSION_HANDLE h, CK_SLOT_ID slot);
int pcf_keys_export(struct pcf *c, CK_SESSION_HANDLE h);

/* Gives the options a random 8-byte ID unless --id was given. */
int pcf_keys_default_id(struct pcf *c);

/* Refuses (with a message) when an object of class cls has the --label already. */
int pcf_keys_check_free(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls);

#endif
