/*
 * The library's trace file and per-slot call logs.
 *
 * With OPENSLOT_TRACE_LEVEL set to 1 (errors) .. 4 (debug), each process
 * writes <log-dir>/trace.<pid>.  A slot whose configuration sets log-calls
 * gets one line per call into it, with arguments and result, whatever the
 * level (the file is then opened at level 3 at least).  Callers never pass
 * PINs or key bytes; lengths and handles only.
 *
 * The log directory may be writable by others, who could plant a FIFO, a
 * symbolic link or their own file under the name: the file is opened
 * relative to the directory's fd, never following a link and never
 * blocking, and kept only when it is a regular file of this user with one
 * link.  Otherwise the trace goes to a new file trace.<pid>.<random>
 * created exclusively, and failing that nowhere.
 */
#include "api.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
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

/*
 * Opens name in dir_fd for appending (excl: only a file made now), or -1
 * when it is not a regular file of this user with a single link.
 */
static int trace_open_at(int dir_fd, const char *name, int excl)
{
	int fd = openat(dir_fd, name,
	                O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | excl,
	                0600);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_nlink != 1 || fchmod(fd, 0600) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* trace.<pid>, else a fresh trace.<pid>.<random>; -1 when neither can be had. */
static int trace_open_file(void)
{
	char name[64];
	uint64_t rnd;
	int dir_fd, fd;

	dir_fd = open(api_state.conf->log_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0)
		return -1;
	snprintf(name, sizeof(name), "trace.%ld", (long)getpid());
	fd = trace_open_at(dir_fd, name, 0);
	if (fd < 0 && getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) == (ssize_t)sizeof(rnd)) {
		snprintf(name, sizeof(name), "trace.%ld.%016llx", (long)getpid(),
		         (unsigned long long)rnd);
		fd = trace_open_at(dir_fd, name, O_EXCL);
	}
	close(dir_fd);
	return fd;
}

void api_trace_open(void)
{
	const char *env = secure_getenv("OPENSLOT_TRACE_LEVEL");
	int level = env ? atoi(env) : 0;
	int fd;

	if (level > API_TRACE_DEBUG)
		level = API_TRACE_DEBUG;
	if (trace_any_log_calls() && level < API_TRACE_INFO)
		level = API_TRACE_INFO;
	if (level <= 0 || !api_state.conf)
		return;
	fd = trace_open_file();
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
