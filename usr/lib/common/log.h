/*
 * Logging shared by slotd, the library and pkcsconf.
 *
 * Messages go to syslog, to stderr when the program asked for it (slotd -f,
 * pkcsconf), or both.  os_log_fail() logs and returns its code so an error
 * path is one statement.  Nothing that reaches these functions may contain
 * a PIN or key material.
 *
 * A daemon facing untrusted peers turns on the rate limit
 * (os_log_set_rate): past a burst, messages are counted rather than
 * written, and one line reports how many were held back.
 */
#ifndef OS_LOG_H
#define OS_LOG_H

#include <stdbool.h>
#include <syslog.h>

#define OS_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum os_log_target {
	OS_LOG_SYSLOG = 1,
	OS_LOG_STDERR = 2,
};

/* Sets the program name and where messages go (a mix of os_log_target). */
void os_log_open(const char *ident, int targets);
/* Messages less important than this level (LOG_DEBUG, ...) are dropped. */
void os_log_set_level(int level);
/*
 * Limits messages to burst at once and per_sec a second after that
 * (burst 0: no limit, the default).  Messages over the limit are dropped
 * and counted; the count is logged once the limit allows.
 */
void os_log_set_rate(unsigned burst, unsigned per_sec);
/* Logs the count of suppressed messages when the rate limit allows it now. */
void os_log_tick(void);
/* True while suppressed messages wait to be reported. */
bool os_log_suppressed(void);
void os_log(int level, const char *fmt, ...) OS_PRINTF(2, 3);
/* Logs at LOG_ERR and returns code. */
int os_log_fail(int code, const char *fmt, ...) OS_PRINTF(2, 3);

#endif
