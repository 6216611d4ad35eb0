/*
 * Logging to syslog and/or stderr (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static struct {
	const char *ident;
	int targets;
	int level;
} log_state = {"openslot", OS_LOG_SYSLOG, LOG_INFO};

void os_log_open(const char *ident, int targets)
{
	log_state.ident = ident;
	log_state.targets = targets;
	if (targets & OS_LOG_SYSLOG)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void os_log_set_level(int level)
{
	log_state.level = level;
}

static void log_v(int level, const char *fmt, va_list ap)
{
	va_list copy;

	if (level > log_state.level)
		return;
	if (log_state.targets & OS_LOG_STDERR) {
		va_copy(copy, ap);
		fprintf(stderr, "%s: ", log_state.ident);
		vfprintf(stderr, fmt, copy);
		fputc('\n', stderr);
		va_end(copy);
	}
	if (log_state.targets & OS_LOG_SYSLOG)
		vsyslog(level, fmt, ap);
}

void os_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(level, fmt, ap);
	va_end(ap);
}

int os_log_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(LOG_ERR, fmt, ap);
	va_end(ap);
	return code;
}
