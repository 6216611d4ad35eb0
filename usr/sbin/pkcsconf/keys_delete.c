/*
 * --delete: every object with the --label and/or --id.
 *
 * The objects go in the order of their class (certificates, then public,
 * private and secret keys), each reported with its class, label and ID,
 * so the output does not depend on the order the token finds them in.
 * The first failure stops the deletion.
 */
#include "keys.h"

#include <stdlib.h>

#include "p11names.h"

/* An object to delete, with what is reported once it is gone. */
struct delete_obj {
	CK_OBJECT_HANDLE handle;
	CK_OBJECT_CLASS cls;
	unsigned char *label;
	CK_ULONG label_len;
	unsigned char *id;
	CK_ULONG id_len;
};

static int delete_cmp(const void *pa, const void *pb)
{
	const struct delete_obj *a = pa, *b = pb;

	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	return a->handle < b->handle ? -1 : a->handle > b->handle;
}

static void delete_read(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                        struct delete_obj *ob)
{
	ob->handle = o;
	if (!pcf_attr_ulong(c, h, o, CKA_CLASS, &ob->cls))
		ob->cls = CK_UNAVAILABLE_INFORMATION;
	ob->label = pcf_attr_get(c, h, o, CKA_LABEL, &ob->label_len);
	ob->id = pcf_attr_get(c, h, o, CKA_ID, &ob->id_len);
}

/* Prints "Deleted CKO_PUBLIC_KEY "label" (ID 01)." */
static void delete_report(const struct delete_obj *ob)
{
	const char *cls = os_p11_class_name(ob->cls);

	printf("Deleted %s \"", cls != NULL ? cls : "object");
	pcf_field_print(stdout, ob->label, ob->label_len);
	printf("\" (ID ");
	pcf_hex_print(stdout, ob->id, ob->id_len);
	printf(").\n");
}

static int delete_all(struct pcf *c, CK_SESSION_HANDLE h, struct delete_obj *objs, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		CK_RV rv = c->p11->C_DestroyObject(h, objs[i].handle);

		if (rv != CKR_OK)
			return pcf_fail_rv(rv, "cannot delete object %lu of %lu", i + 1, n);
		delete_report(&objs[i]);
	}
	return PCF_EXIT_OK;
}

int pcf_keys_delete(struct pcf *c, CK_SESSION_HANDLE h)
{
	struct pcf_match m = pcf_keys_match(&c->opt, NULL);
	char what[2 * PCF_ID_MAX + 512];
	struct delete_obj *objs = NULL;
	CK_OBJECT_HANDLE *found;
	CK_ULONG n;
	int ret = pcf_keys_find(c, h, &m, &found, &n);

	if (ret != PCF_EXIT_OK)
		return ret;
	pcf_keys_describe(&c->opt, what, sizeof(what));
	if (n == 0)
		ret = os_log_fail(PCF_EXIT_P11, "no object with %s on the token", what);
	else if ((objs = calloc(n, sizeof(*objs))) == NULL)
		ret = os_log_fail(PCF_EXIT_P11, "out of memory");
	if (ret == PCF_EXIT_OK) {
		for (CK_ULONG i = 0; i < n; i++)
			delete_read(c, h, found[i], &objs[i]);
		qsort(objs, n, sizeof(*objs), delete_cmp);
		ret = delete_all(c, h, objs, n);
	}
	for (CK_ULONG i = 0; objs != NULL && i < n; i++) {
		free(objs[i].label);
		free(objs[i].id);
	}
	free(objs);
	free(found);
	return ret;
}
