/*
 * PKCS#11 in forked test children (see p11child.h).
 */
#include "p11child.h"

#include <dlfcn.h>

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
