/*
 * Loading and initialising the PKCS#11 library.
 *
 * The library is the one named by --module, else $OPENSLOT_MODULE, else
 * the installed libopenslot.so.  pkcsconf asks it for the "PKCS 11" 3.0
 * interface and falls back to C_GetFunctionList for a 2.x module; either
 * way it uses only the 2.40 functions, whose places the 3.0 function list
 * keeps.
 *
 * libopenslot reaches slotd on the first call that needs it, so
 * pkcsconf asks for the slot list right after C_Initialize.  When either
 * fails, the configuration tells where slotd's socket should be, and the
 * socket tells why: no socket or nobody listening means
 * slotd is not running, EACCES means the user is outside the group that
 * owns it.  Those get a message saying what to do; anything else is
 * reported with its return value.
 */
#include "pkcsconf.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "p11names.h"
#include "paths.h"

#ifndef PCF_DEFAULT_MODULE
#error "PCF_DEFAULT_MODULE must name the installed libopenslot.so"
#endif

static CK_FUNCTION_LIST *module_interface(void *dl)
{
	static CK_UTF8CHAR name[] = "PKCS 11";
	CK_VERSION version = {3, 0};
	CK_C_GetInterface get_interface;
	CK_INTERFACE *iface = NULL;

	get_interface = (CK_C_GetInterface)dlsym(dl, "C_GetInterface");
	if (get_interface == NULL)
		return NULL;
	if (get_interface(name, &version, &iface, 0) != CKR_OK || iface == NULL)
		return NULL;
	return iface->pFunctionList;
}

static int module_functions(struct pcf *c)
{
	CK_C_GetFunctionList get_list;
	CK_RV rv;

	c->p11 = module_interface(c->dl);
	if (c->p11 != NULL)
		return PCF_EXIT_OK;
	get_list = (CK_C_GetFunctionList)dlsym(c->dl, "C_GetFunctionList");
	if (get_list == NULL)
		return os_log_fail(PCF_EXIT_UNAVAILABLE, "%s is not a PKCS#11 library",
		                   c->module_path);
	rv = get_list(&c->p11);
	if (rv != CKR_OK || c->p11 == NULL) {
		char name[OS_P11_STR_LEN];

		return os_log_fail(PCF_EXIT_UNAVAILABLE, "%s: C_GetFunctionList: %s",
		                   c->module_path, os_p11_rv_str(rv, name, sizeof(name)));
	}
	return PCF_EXIT_OK;
}

/* The errno of reaching the socket at path: 0 when something accepts connections. */
static int module_probe_socket(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, err = 0;

	if (stat(path, &st) < 0)
		return errno;
	if (access(path, R_OK | W_OK) < 0)
		return errno;
	if (strlen(path) >= sizeof(addr.sun_path))
		return ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		err = errno;
	close(fd);
	return err;
}

static int module_no_permission(const struct os_conf *conf)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *user = pw != NULL ? pw->pw_name : "USER";

	return os_log_fail(PCF_EXIT_UNAVAILABLE,
	                   "permission denied: add your user to the '%s' group "
	                   "(usermod -aG %s %s) and log in again",
	                   conf->group, conf->group, user);
}

/* Explains a failed C_Initialize or first C_GetSlotList; returns the exit code. */
static int module_diagnose(struct pcf *c, CK_RV rv)
{
	char err[512], buf[OS_P11_STR_LEN], path[PATH_MAX];
	const char *name = os_p11_rv_str(rv, buf, sizeof(buf));
	struct os_conf *conf = NULL;
	int ret, probe;

	if (os_conf_load(os_conf_default_path(), &conf, err, sizeof(err)) < 0) {
		os_log(LOG_ERR, "%s", err);
		return os_log_fail(PCF_EXIT_UNAVAILABLE, "cannot initialise %s: %s", c->module_path,
		                   name);
	}
	probe = os_paths_join(path, sizeof(path), conf->run_dir, OS_SOCKET_NAME) < 0
	            ? ENAMETOOLONG
	            : module_probe_socket(path);
	if (probe == ENOENT || probe == ECONNREFUSED || probe == ENOTDIR)
		ret = os_log_fail(PCF_EXIT_UNAVAILABLE, "slotd is not running: start it with "
		                                        "'systemctl start slotd' or 'slotd'");
	else if (probe == EACCES || probe == EPERM)
		ret = module_no_permission(conf);
	else
		ret = os_log_fail(PCF_EXIT_UNAVAILABLE, "cannot initialise %s: %s", c->module_path,
		                  name);
	os_conf_free(conf);
	return ret;
}

int pcf_module_load(struct pcf *c)
{
	const char *env = getenv("OPENSLOT_MODULE");
	int ret;
	CK_RV rv;

	c->module_path = c->opt.module != NULL           ? c->opt.module
	                 : env != NULL && env[0] != '\0' ? env
	                                                 : PCF_DEFAULT_MODULE;
	c->dl = dlopen(c->module_path, RTLD_NOW | RTLD_LOCAL);
	if (c->dl == NULL)
		return os_log_fail(PCF_EXIT_UNAVAILABLE, "cannot load the PKCS#11 library: %s",
		                   dlerror());
	ret = module_functions(c);
	if (ret != PCF_EXIT_OK)
		return ret;
	rv = c->p11->C_Initialize(NULL);
	if (rv != CKR_OK)
		return module_diagnose(c, rv);
	c->initialized = true;
	CK_ULONG n;
	rv = c->p11->C_GetSlotList(CK_FALSE, NULL, &n);
	if (rv == CKR_DEVICE_ERROR)
		return module_diagnose(c, rv);
	return PCF_EXIT_OK;
}

void pcf_module_unload(struct pcf *c)
{
	if (c->initialized)
		c->p11->C_Finalize(NULL);
	c->initialized = false;
	if (c->dl != NULL)
		dlclose(c->dl);
	c->dl = NULL;
	c->p11 = NULL;
}
