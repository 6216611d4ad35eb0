/*
 * The library's trace file and per-slot call logs.
 *
 * With OPENSLOT_TRACE_LEVEL set to 1 (errors) .. 4 (debug), each process
 * writes <log-dir>/trace.<pid>.  A slot whose configuration sets log-calls
 * gets one line per call into it, with arguments and result, whatever the
 * level (the file is then opened at level 3 at least).  Callers never pass
 * PINs or key bytes; lengths and handles only.
 */
#include "api.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "p11names.h"

static struct {
	pthread_mutex_t lock;
	FILE *fp;
	int level;
} trace = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool trace_any_log_calls(void)
{
	for (size_t i = 0; api_state.conf && i < api_state.conf->n_slots; i++)
		if (api_state.conf->slots[i].log_calls)
			return true;
	return false;
}

void api_trace_open(void)
{
	const char *env = secure_getenv("OPENSLOT_TRACE_LEVEL");
	char path[PATH_MAX];
	int level = env ? atoi(env) : 0;
	int fd;

	if (level > API_TRACE_DEBUG)
		level = API_TRACE_DEBUG;
	if (trace_any_log_calls() && level < API_TRACE_INFO)
		level = API_TRACE_INFO;
	if (level <= 0 || !api_state.conf)
		return;
	snprintf(path, sizeof(path), "%s/trace.%ld", api_state.conf->log_dir, (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return;
	pthread_mutex_lock(&trace.lock);
	trace.fp = fdopen(fd, "a");
	if (!trace.fp)
		close(fd);
	else
		setvbuf(trace.fp, NULL, _IOLBF, 0);
	trace.level = trace.fp ? level : 0;
	pthread_mutex_unlock(&trace.lock);
}

void api_trace_close(void)
{
	pthread_mutex_lock(&trace.lock);
	if (trace.fp)
		fclose(trace.fp);
	trace.fp = NULL;
	trace.level = 0;
	pthread_mutex_unlock(&trace.lock);
}

static void trace_line(const char *tag, const char *fmt, va_list ap)
{
	struct timeval tv;
	struct tm tm;
	char when[32];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(trace.fp, "%s.%06ld [%ld] %s ", when, (long)tv.tv_usec, (long)gettid(), tag);
	vfprintf(trace.fp, fmt, ap);
	fputc('\n', trace.fp);
}

void api_trace_v(int level, const char *fmt, va_list ap)
{
	static const char *const tags[] = {"", "ERROR", "WARN", "INFO", "DEBUG"};

	if (level > trace.level || level < 1)
		return;
	pthread_mutex_lock(&trace.lock);
	if (trace.fp)
		trace_line(tags[level], fmt, ap);
	pthread_mutex_unlock(&trace.lock);
}

void api_trace(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	api_trace_v(level, fmt, ap);
	va_end(ap);
}

void api_trace_call(const struct api_slot *slot, const char *fn, CK_RV rv, const char *fmt, ...)
{
	char args[512], rvbuf[24];
	va_list ap;

	if (!slot || !slot->info.log_calls)
		return;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	api_trace(API_TRACE_INFO, "CALL slot %lu %s(%s) = %s", slot->id, fn, args,
	          os_p11_rv_str(rv, rvbuf, sizeof(rvbuf)));
}

void api_pad(CK_UTF8CHAR *field, size_t size, const char *s)
{
	size_t n = strlen(s);

	memset(field, ' ', size);
	memcpy(field, s, n < size ? n : size);
}
