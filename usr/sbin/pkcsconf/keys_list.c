/*
 * --list-objects: the objects of a token, in text or JSON.
 *
 * Each object shows its class, label and ID; keys add their type, size in
 * bits, what they may be used for and how they are protected;
 * certificates add their type and subject.  Objects are sorted by label,
 * ID and class, so the same token always lists the same way whatever
 * order the search returns.
 */
#include "keys.h"

#include <openssl/bio.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "p11names.h"

/* One object, as listed. */
struct list_obj {
	CK_OBJECT_CLASS cls;
	unsigned char *label;
	CK_ULONG label_len;
	unsigned char *id;
	CK_ULONG id_len;
	bool is_key;
	CK_KEY_TYPE key_type;
	const struct pcf_curve *curve;
	CK_ULONG bits; /* 0: unknown */
	CK_FLAGS usage;
	CK_FLAGS access;
	bool is_cert;
	CK_CERTIFICATE_TYPE cert_type;
	char *subject;
};

/* Boolean attributes, each shown by name when true; bit i stands for entry i. */
struct list_flag {
	CK_ATTRIBUTE_TYPE type;
	const char *name;
};

static const struct list_flag list_usage[] = {
    {CKA_ENCRYPT, "ENCRYPT"}, {CKA_DECRYPT, "DECRYPT"},
    {CKA_SIGN, "SIGN"},       {CKA_SIGN_RECOVER, "SIGN_RECOVER"},
    {CKA_VERIFY, "VERIFY"},   {CKA_VERIFY_RECOVER, "VERIFY_RECOVER"},
    {CKA_WRAP, "WRAP"},       {CKA_UNWRAP, "UNWRAP"},
    {CKA_DERIVE, "DERIVE"},   {0, NULL},
};

static const struct list_flag list_access[] = {
    {CKA_TOKEN, "TOKEN"},
    {CKA_PRIVATE, "PRIVATE"},
    {CKA_MODIFIABLE, "MODIFIABLE"},
    {CKA_LOCAL, "LOCAL"},
    {CKA_SENSITIVE, "SENSITIVE"},
    {CKA_ALWAYS_SENSITIVE, "ALWAYS_SENSITIVE"},
    {CKA_EXTRACTABLE, "EXTRACTABLE"},
    {CKA_NEVER_EXTRACTABLE, "NEVER_EXTRACTABLE"},
    {0, NULL},
};

static CK_FLAGS list_read_flags(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                                const struct list_flag *flags)
{
	CK_FLAGS set = 0;

	for (CK_FLAGS i = 0; flags[i].name != NULL; i++)
		if (pcf_attr_bool(c, h, o, flags[i].type))
			set |= (CK_FLAGS)1 << i;
	return set;
}

/* The number of significant bits of a big-endian integer. */
static CK_ULONG list_int_bits(const unsigned char *p, CK_ULONG len)
{
	while (len > 0 && *p == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return 0;
	CK_ULONG bits = (len - 1) * 8;
	for (unsigned char top = *p; top != 0; top >>= 1)
		bits++;
	return bits;
}

static void list_read_key(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                          struct list_obj *ob)
{
	unsigned char *v;
	CK_ULONG len, n;

	ob->is_key = pcf_attr_ulong(c, h, o, CKA_KEY_TYPE, &ob->key_type);
	if (!ob->is_key)
		return;
	if (ob->key_type == CKK_RSA) {
		if (pcf_attr_ulong(c, h, o, CKA_MODULUS_BITS, &n)) {
			ob->bits = n;
		} else if ((v = pcf_attr_get(c, h, o, CKA_MODULUS, &len)) != NULL) {
			ob->bits = list_int_bits(v, len);
			free(v);
		}
	} else if (ob->key_type == CKK_EC || ob->key_type == CKK_EC_EDWARDS) {
		v = pcf_attr_get(c, h, o, CKA_EC_PARAMS, &len);
		ob->curve = pcf_curve_by_params(v, len);
		ob->bits = ob->curve != NULL ? ob->curve->bits : 0;
		free(v);
	} else if (pcf_attr_ulong(c, h, o, CKA_VALUE_LEN, &n)) {
		ob->bits = n * 8;
	}
	ob->usage = list_read_flags(c, h, o, list_usage);
}

/* The subject of a certificate in RFC 2253 form, or NULL. */
static char *list_subject(const unsigned char *der, CK_ULONG len)
{
	const unsigned char *p = der;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
	BIO *bio = BIO_new(BIO_s_mem());
	char *text = NULL, *data;
	long n;

	if (name != NULL && bio != NULL && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(bio, &data);
		text = strndup(data, (size_t)n);
	}
	BIO_free(bio);
	X509_NAME_free(name);
	return text;
}

static void list_read(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, struct list_obj *ob)
{
	unsigned char *v;
	CK_ULONG len;

	memset(ob, 0, sizeof(*ob));
	if (!pcf_attr_ulong(c, h, o, CKA_CLASS, &ob->cls))
		ob->cls = CK_UNAVAILABLE_INFORMATION;
	ob->label = pcf_attr_get(c, h, o, CKA_LABEL, &ob->label_len);
	ob->id = pcf_attr_get(c, h, o, CKA_ID, &ob->id_len);
	ob->access = list_read_flags(c, h, o, list_access);
	if (ob->cls == CKO_CERTIFICATE) {
		ob->is_cert = pcf_attr_ulong(c, h, o, CKA_CERTIFICATE_TYPE, &ob->cert_type);
		v = pcf_attr_get(c, h, o, CKA_SUBJECT, &len);
		if (v != NULL)
			ob->subject = list_subject(v, len);
		free(v);
	} else if (ob->cls == CKO_PUBLIC_KEY || ob->cls == CKO_PRIVATE_KEY ||
	           ob->cls == CKO_SECRET_KEY) {
		list_read_key(c, h, o, ob);
	}
}

static int list_cmp_bytes(const unsigned char *a, CK_ULONG alen, const unsigned char *b,
                          CK_ULONG blen)
{
	int r = memcmp(a != NULL ? a : (const unsigned char *)"",
	               b != NULL ? b : (const unsigned char *)"", alen < blen ? alen : blen);

	if (r != 0)
		return r;
	return alen < blen ? -1 : alen > blen;
}

static int list_cmp(const void *pa, const void *pb)
{
	const struct list_obj *a = pa, *b = pb;
	int r = list_cmp_bytes(a->label, a->label_len, b->label, b->label_len);

	if (r == 0)
		r = list_cmp_bytes(a->id, a->id_len, b->id, b->id_len);
	if (r == 0)
		r = a->cls < b->cls ? -1 : a->cls > b->cls;
	return r;
}

static void list_free(struct list_obj *objs, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		free(objs[i].label);
		free(objs[i].id);
		free(objs[i].subject);
	}
	free(objs);
}

static const char *list_cert_type(CK_CERTIFICATE_TYPE t)
{
	switch (t) {
	case CKC_X_509:
		return "CKC_X_509";
	case CKC_X_509_ATTR_CERT:
		return "CKC_X_509_ATTR_CERT";
	case CKC_WTLS:
		return "CKC_WTLS";
	default:
		return "unknown";
	}
}

static void list_text_flags(const char *title, CK_FLAGS set, const struct list_flag *flags)
{
	const char *sep = "";

	printf("\t%s: ", title);
	for (CK_FLAGS i = 0; flags[i].name != NULL; i++) {
		if (set & ((CK_FLAGS)1 << i)) {
			printf("%s%s", sep, flags[i].name);
			sep = "|";
		}
	}
	printf("%s\n", *sep == '\0' ? "none" : "");
}

static void list_text_one(CK_ULONG index, const struct list_obj *ob)
{
	char name[OS_P11_STR_LEN];
	const char *cls = os_p11_class_name(ob->cls);

	if (cls == NULL)
		snprintf(name, sizeof(name), "0x%lX", ob->cls);
	printf("Object #%lu\n\tClass: %s\n\tLabel: ", index, cls != NULL ? cls : name);
	pcf_field_print(stdout, ob->label, ob->label_len);
	printf("\n\tID: ");
	pcf_hex_print(stdout, ob->id, ob->id_len);
	putchar('\n');
	if (ob->is_cert) {
		printf("\tCertificate Type: %s\n", list_cert_type(ob->cert_type));
		printf("\tSubject: %s\n", ob->subject != NULL ? ob->subject : "");
	}
	if (ob->is_key) {
		const char *kt = os_p11_key_type_name(ob->key_type);

		printf("\tKey Type: %s", kt != NULL ? kt : "unknown");
		if (ob->curve != NULL)
			printf(" (%s)", ob->curve->name);
		if (ob->bits != 0)
			printf("\n\tSize: %lu bits", ob->bits);
		putchar('\n');
		list_text_flags("Usage", ob->usage, list_usage);
	}
	list_text_flags("Access", ob->access, list_access);
}

static void list_json_flags(struct json *js, const char *key, CK_FLAGS set,
                            const struct list_flag *flags)
{
	json_key(js, key);
	json_array_begin(js);
	for (CK_FLAGS i = 0; flags[i].name != NULL; i++)
		if (set & ((CK_FLAGS)1 << i))
			json_string(js, flags[i].name);
	json_array_end(js);
}

static void list_json_one(struct json *js, const struct list_obj *ob)
{
	char *hex = malloc(2 * ob->id_len + 1);

	json_object_begin(js);
	json_member_string(js, "class", os_p11_class_name(ob->cls));
	json_key(js, "label");
	json_string_n(js, (const char *)(ob->label != NULL ? ob->label : (unsigned char *)""),
	              ob->label_len);
	if (hex != NULL)
		pcf_hex_format(hex, ob->id, ob->id_len);
	json_member_string(js, "id", hex);
	free(hex);
	if (ob->is_cert) {
		json_member_string(js, "certificate_type", list_cert_type(ob->cert_type));
		json_member_string(js, "subject", ob->subject);
	}
	if (ob->is_key) {
		json_member_string(js, "key_type", os_p11_key_type_name(ob->key_type));
		if (ob->curve != NULL)
			json_member_string(js, "curve", ob->curve->name);
		if (ob->bits != 0)
			json_member_uint(js, "bits", ob->bits);
		list_json_flags(js, "usage", ob->usage, list_usage);
	}
	list_json_flags(js, "access", ob->access, list_access);
	json_object_end(js);
}

static void list_json(const struct list_obj *objs, CK_ULONG n, CK_SLOT_ID slot, bool logged_in)
{
	struct json js;

	json_init(&js, stdout);
	json_object_begin(&js);
	json_member_uint(&js, "slot", slot);
	json_member_bool(&js, "logged_in", logged_in);
	json_key(&js, "objects");
	json_array_begin(&js);
	for (CK_ULONG i = 0; i < n; i++)
		list_json_one(&js, &objs[i]);
	json_array_end(&js);
	json_object_end(&js);
	json_finish(&js);
}

int pcf_keys_list(struct pcf *c, CK_SESSION_HANDLE h, CK_SLOT_ID slot, bool logged_in)
{
	struct pcf_match all = {0};
	CK_OBJECT_HANDLE *found;
	struct list_obj *objs;
	CK_ULONG n;
	int ret = pcf_keys_find(c, h, &all, &found, &n);

	if (ret != PCF_EXIT_OK)
		return ret;
	objs = calloc(n > 0 ? n : 1, sizeof(*objs));
	if (objs == NULL) {
		free(found);
		return os_log_fail(PCF_EXIT_P11, "out of memory");
	}
	for (CK_ULONG i = 0; i < n; i++)
		list_read(c, h, found[i], &objs[i]);
	free(found);
	qsort(objs, n, sizeof(*objs), list_cmp);
	if (c->opt.json)
		list_json(objs, n, slot, logged_in);
	else if (n == 0)
		printf("No objects on the token in slot %lu.\n", slot);
	for (CK_ULONG i = 0; !c->opt.json && i < n; i++)
		list_text_one(i, &objs[i]);
	if (!logged_in)
		os_log(LOG_NOTICE, "private objects are not listed: give the user PIN with -U to "
		                   "see them");
	list_free(objs, n);
	return PCF_EXIT_OK;
}
