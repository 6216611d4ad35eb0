/*
 * Logging to syslog and/or stderr (see log.h).
 *
 * The optional rate limit is one token bucket for the whole process: each
 * message takes a token, tokens come back at a steady rate up to the burst
 * size, and a message finding the bucket empty is counted instead of
 * written.  The count is reported in one line ("N messages suppressed") as
 * soon as a token is free again.  The bucket is guarded by a mutex, as
 * slotd may log from more than one thread.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static struct {
	const char *ident;
	int targets;
	int level;
	pthread_mutex_t lock; /* guards the bucket below */
	unsigned burst;       /* 0: no rate limit */
	unsigned per_sec;
	double tokens;
	double last; /* seconds, monotonic clock, of the last refill */
	unsigned long suppressed;
} log_state = {"openslot", OS_LOG_SYSLOG, LOG_INFO, PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0};

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

static double log_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void os_log_set_rate(unsigned burst, unsigned per_sec)
{
	pthread_mutex_lock(&log_state.lock);
	log_state.burst = burst;
	log_state.per_sec = per_sec;
	log_state.tokens = burst;
	log_state.last = log_now();
	pthread_mutex_unlock(&log_state.lock);
}

static void log_write(int level, const char *fmt, va_list ap)
{
	va_list copy;

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

static void log_line(int level, const char *fmt, ...) OS_PRINTF(2, 3);

static void log_line(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(level, fmt, ap);
	va_end(ap);
}

/* Takes a token when one is free; with the lock held. */
static bool log_take_inlock(void)
{
	double now = log_now();

	log_state.tokens += (now - log_state.last) * log_state.per_sec;
	log_state.last = now;
	if (log_state.tokens > log_state.burst)
		log_state.tokens = log_state.burst;
	if (log_state.tokens < 1)
		return false;
	log_state.tokens -= 1;
	return true;
}

/* Reports the suppressed count once a token is free; with the lock held. */
static void log_report_inlock(void)
{
	if (log_state.suppressed == 0 || !log_take_inlock())
		return;
	log_line(LOG_WARNING, "%lu log messages suppressed by the rate limit",
	         log_state.suppressed);
	log_state.suppressed = 0;
}

static void log_v(int level, const char *fmt, va_list ap)
{
	bool pass = true;

	if (level > log_state.level)
		return;
	pthread_mutex_lock(&log_state.lock);
	if (log_state.burst) {
		log_report_inlock();
		pass = log_state.suppressed == 0 && log_take_inlock();
		if (!pass)
			log_state.suppressed++;
	}
	if (pass)
		log_write(level, fmt, ap);
	pthread_mutex_unlock(&log_state.lock);
}

void os_log_tick(void)
{
	pthread_mutex_lock(&log_state.lock);
	if (log_state.burst)
		log_report_inlock();
	pthread_mutex_unlock(&log_state.lock);
}

bool os_log_suppressed(void)
{
	pthread_mutex_lock(&log_state.lock);
	bool any = log_state.suppressed > 0;
	pthread_mutex_unlock(&log_state.lock);
	return any;
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
