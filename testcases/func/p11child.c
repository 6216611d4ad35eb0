/*
 * PKCS#11 in forked test children (see p11child.h).
 */
#include "p11child.h"

#include <dlfcn.h>
#include <string.h>

CK_FUNCTION_LIST_3_0 *p11child_load(const char *path)
{
	CK_C_GetInterface get_interface;
	CK_INTERFACE *iface;
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!dl) {
		fprintf(stderr, "uid %ld: dlopen %s: %s\n", (long)getuid(), path, dlerror());
		return NULL;
	}
	get_interface = (CK_C_GetInterface)dlsym(dl, "C_GetInterface");
	if (!get_interface || get_interface(NULL, NULL, &iface, 0) != CKR_OK) {
		fprintf(stderr, "%s: no PKCS#11 3.0 interface\n", path);
		return NULL;
	}
	return iface->pFunctionList;
}

long p11child_find_label(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, const char *label,
                         CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE tmpl[] = {{CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE found[8];
	CK_ULONG n = 0;
	CK_RV rv;

	if (f->C_FindObjectsInit(s, tmpl, 1) != CKR_OK)
		return -1;
	rv = f->C_FindObjects(s, found, 8, &n);
	if (f->C_FindObjectsFinal(s) != CKR_OK || rv != CKR_OK)
		return -1;
	if (h && n)
		*h = found[0];
	return (long)n;
}

CK_RV p11child_create_data(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, const char *label,
                           CK_BBOOL private, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &klass, sizeof(klass)}, {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &private, 1},         {CKA_LABEL, (void *)label, strlen(label)},
	    {CKA_VALUE, "test value", 10},
	};

	return f->C_CreateObject(s, tmpl, 5, h);
}
