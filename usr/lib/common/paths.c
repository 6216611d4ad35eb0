/*
 * Path and shared-memory name construction (see paths.h).
 */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

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
