/*
 * Path and shared-memory name construction (see paths.h).
 */
#include "paths.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int os_paths_join(char *out, size_t outlen, const char *dir, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int os_paths_shm_name(char *out, size_t outlen, const char *dir, const char *suffix)
{
	size_t len = strlen(dir);
	int n;

	if (dir[0] != '/')
		return -1;
	while (len > 1 && dir[len - 1] == '/')
		len--;
	n = snprintf(out, outlen, "/%.*s%s%s", (int)(len - 1), dir + 1, suffix ? "." : "",
	             suffix ? suffix : "");
	if (n < 0 || (size_t)n >= outlen || n > NAME_MAX)
		return -1;
	for (char *p = out + 1; *p; p++)
		if (*p == '/')
			*p = '.';
	return 0;
}

bool os_paths_user_ok(const char *user)
{
	size_t len = user ? strnlen(user, OS_PATHS_USER_MAX + 1) : 0;

	if (len == 0 || len > OS_PATHS_USER_MAX || user[0] == '.' || strstr(user, ".."))
		return false;
	for (size_t i = 0; i < len; i++)
		if (user[i] == '/' || user[i] <= ' ' || user[i] > '~')
			return false;
	return true;
}

int os_paths_user_dir(char *out, size_t outlen, const char *base, const char *user)
{
	if (!os_paths_user_ok(user))
		return -1;
	int n = snprintf(out, outlen, "%s/%s/%s", base, OS_PATHS_USER_TOP, user);
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int os_paths_user_name(uid_t uid, char *out, size_t outlen)
{
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	struct passwd pw, *found = NULL;
	char *buf;
	int rv = -1;

	if (size < 1024)
		size = 16384;
	buf = malloc((size_t)size);
	if (buf && getpwuid_r(uid, &pw, buf, (size_t)size, &found) == 0 && found &&
	    os_paths_user_ok(found->pw_name) &&
	    snprintf(out, outlen, "%s", found->pw_name) < (int)outlen)
		rv = 0;
	free(buf);
	return rv;
}
