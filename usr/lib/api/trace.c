/*
 * The library's trace file and per-slot call logs.
 *
 * With OPENSLOT_TRACE_LEVEL set to 1 (errors) .. 4 (debug), each process
 * writes <log-dir>/trace.<pid>.  Every PKCS#11 call made through the
 * function lists is a span (calls.c): the line for it is written when it
 * ends, at the level its result deserves (trace_rv_level), with the
 * arguments, the result and, at level 3 or with log-calls, the time it
 * took.  An error traced while a
 * span is open on the thread is the reason of that call: it is kept and
 * written on the call's own line rather than on a line of its own.  A slot
 * whose configuration sets log-calls gets the line of every call into it,
 * whatever the level.  Callers never pass PINs or key bytes; lengths and
 * handles only.
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
#include <time.h>
#include <unistd.h>

#include "p11names.h"

static struct {
	pthread_mutex_t lock;
	FILE *fp;
	int level;  /* atomic: OPENSLOT_TRACE_LEVEL, 0 when off */
	bool on;    /* atomic: the file is open (a level, or log-calls) */
	bool timed; /* atomic: call lines carry durations (level 3 or log-calls) */
} trace = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* What the traced call running on this thread has gathered so far. */
static __thread struct {
	bool active;
	bool log_calls;  /* the call reached a slot that logs its calls */
	CK_SLOT_ID slot; /* that slot */
	char reason[512];
	size_t reason_len;
} trace_span;

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
	if (level < 0)
		level = 0;
	if ((level == 0 && !trace_any_log_calls()) || !api_state.conf)
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
	__atomic_store_n(&trace.level, trace.fp ? level : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&trace.on, trace.fp != NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&trace.timed,
	                 trace.fp && (level >= API_TRACE_INFO || trace_any_log_calls()),
	                 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&trace.lock);
}

void api_trace_close(void)
{
	pthread_mutex_lock(&trace.lock);
	if (trace.fp)
		fclose(trace.fp);
	trace.fp = NULL;
	__atomic_store_n(&trace.level, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&trace.on, false, __ATOMIC_RELEASE);
	__atomic_store_n(&trace.timed, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&trace.lock);
}

static const char *const trace_tags[] = {"", "ERROR", "WARN", "INFO", "DEBUG"};

/* With trace.lock held and the file open: one line, time and thread first. */
static void trace_line_inlock(const char *tag, const char *text)
{
	struct timeval tv;
	struct tm tm;
	char when[32];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(trace.fp, "%s.%06ld [%ld] %s %s\n", when, (long)tv.tv_usec, (long)gettid(), tag,
	        text);
}

static void trace_write(const char *tag, const char *text)
{
	pthread_mutex_lock(&trace.lock);
	if (trace.fp)
		trace_line_inlock(tag, text);
	pthread_mutex_unlock(&trace.lock);
}

/* Adds text to the reason of the call running on this thread. */
static void trace_span_add_reason(const char *fmt, va_list ap)
{
	size_t at = trace_span.reason_len, cap = sizeof(trace_span.reason);
	int n;

	if (at && at + 2 < cap) {
		memcpy(trace_span.reason + at, "; ", 3);
		at += 2;
	}
	if (at + 1 >= cap)
		return;
	n = vsnprintf(trace_span.reason + at, cap - at, fmt, ap);
	if (n > 0)
		trace_span.reason_len = at + (size_t)n < cap ? at + (size_t)n : cap - 1;
}

int api_trace_level(void)
{
	return __atomic_load_n(&trace.level, __ATOMIC_ACQUIRE);
}

void api_trace_v(int level, const char *fmt, va_list ap)
{
	char text[1024];

	if (level > api_trace_level() || level < 1)
		return;
	if (level == API_TRACE_ERROR && trace_span.active) {
		trace_span_add_reason(fmt, ap);
		return;
	}
	vsnprintf(text, sizeof(text), fmt, ap);
	trace_write(trace_tags[level], text);
}

void api_trace(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	api_trace_v(level, fmt, ap);
	va_end(ap);
}

void api_trace_slot(const struct api_slot *slot)
{
	if (slot && slot->info.log_calls && trace_span.active) {
		trace_span.log_calls = true;
		trace_span.slot = slot->id;
	}
}

/*
 * Results that are answers, not faults, are traced with the successful
 * calls (level 3); answers that a careful application expects and handles
 * are warnings (level 2); every other failure is an error (level 1).  A
 * row without a function applies to all of them.
 */
static const struct {
	const char *fn;
	CK_RV rv;
	int level;
} trace_rv_levels[] = {
    {NULL, CKR_OK, API_TRACE_INFO},
    {NULL, CKR_BUFFER_TOO_SMALL, API_TRACE_INFO},
    {NULL, CKR_SIGNATURE_INVALID, API_TRACE_INFO},
    {NULL, CKR_SIGNATURE_LEN_RANGE, API_TRACE_INFO},
    {NULL, CKR_NO_EVENT, API_TRACE_INFO},
    {NULL, CKR_FUNCTION_NOT_PARALLEL, API_TRACE_INFO},
    {NULL, CKR_CRYPTOKI_ALREADY_INITIALIZED, API_TRACE_INFO},
    {NULL, CKR_USER_ALREADY_LOGGED_IN, API_TRACE_INFO},
    {NULL, CKR_PIN_INCORRECT, API_TRACE_WARN},
    {NULL, CKR_TOKEN_NOT_PRESENT, API_TRACE_WARN},
    {NULL, CKR_FUNCTION_NOT_SUPPORTED, API_TRACE_WARN},
    {NULL, CKR_STATE_UNSAVEABLE, API_TRACE_WARN},
    {NULL, CKR_ENCRYPTED_DATA_INVALID, API_TRACE_WARN},
    {NULL, CKR_ENCRYPTED_DATA_LEN_RANGE, API_TRACE_WARN},
    {"C_GetAttributeValue", CKR_ATTRIBUTE_SENSITIVE, API_TRACE_WARN},
    {"C_GetAttributeValue", CKR_ATTRIBUTE_TYPE_INVALID, API_TRACE_WARN},
    {"C_GetMechanismInfo", CKR_MECHANISM_INVALID, API_TRACE_WARN},
};

static int trace_rv_level(const char *fn, CK_RV rv)
{
	for (size_t i = 0; i < sizeof(trace_rv_levels) / sizeof(trace_rv_levels[0]); i++)
		if (trace_rv_levels[i].rv == rv &&
		    (!trace_rv_levels[i].fn || strcmp(trace_rv_levels[i].fn, fn) == 0))
			return trace_rv_levels[i].level;
	return API_TRACE_ERROR;
}

bool api_trace_span_begin(struct api_trace_span *sp)
{
	if (!__atomic_load_n(&trace.on, __ATOMIC_ACQUIRE))
		return false;
	trace_span.active = true;
	trace_span.log_calls = false;
	trace_span.reason_len = 0;
	trace_span.reason[0] = '\0';
	/* Errors and warnings alone are written without the time a call took. */
	sp->timed = __atomic_load_n(&trace.timed, __ATOMIC_ACQUIRE);
	if (sp->timed)
		clock_gettime(CLOCK_MONOTONIC, &sp->start);
	return true;
}

/* The reason of the call alone, as an error line of its own. */
static void trace_span_write_reason(const char *fn)
{
	char line[sizeof(trace_span.reason) + 64];

	snprintf(line, sizeof(line), "%s: %s", fn, trace_span.reason);
	trace_write(trace_tags[API_TRACE_ERROR], line);
}

bool api_trace_span_end(struct api_trace_span *sp, const char *fn, CK_RV rv)
{
	struct timespec now;
	int level = api_trace_level();

	if (sp->timed) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		sp->us = (now.tv_sec - sp->start.tv_sec) * 1000000L +
		         (now.tv_nsec - sp->start.tv_nsec) / 1000L;
	}
	sp->fn = fn;
	sp->rv = rv;
	sp->level = trace_rv_level(fn, rv);
	trace_span.active = false;
	if (sp->level <= level || trace_span.log_calls)
		return true;
	if (trace_span.reason_len && level >= API_TRACE_ERROR)
		trace_span_write_reason(fn);
	return false;
}

void api_trace_span_write(const struct api_trace_span *sp, const char *fmt, ...)
{
	char args[512], line[sizeof(args) + sizeof(trace_span.reason) + 160], where[40] = "";
	char rvbuf[OS_P11_STR_LEN], took[32] = "";
	bool reason = trace_span.reason_len != 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (reason && sp->level != API_TRACE_ERROR) {
		trace_span_write_reason(sp->fn);
		reason = false;
	}
	if (trace_span.log_calls)
		snprintf(where, sizeof(where), "slot %lu ", trace_span.slot);
	if (sp->timed)
		snprintf(took, sizeof(took), " (%ld us)", sp->us);
	snprintf(line, sizeof(line), "%s%s(%s) = %s%s%s%s", where, sp->fn, args,
	         os_p11_rv_str(sp->rv, rvbuf, sizeof(rvbuf)), took, reason ? ": " : "",
	         reason ? trace_span.reason : "");
	trace_write(sp->level == API_TRACE_INFO ? "CALL" : trace_tags[sp->level], line);
}
