/*
 * Starting a thread of our own inside someone else's process (the library)
 * or beside a signalfd (slotd): the new thread starts with every signal
 * blocked, so none of the application's signals, nor slotd's, is delivered
 * to it.  The caller's mask is left as it was.
 */
#ifndef OS_THREAD_H
#define OS_THREAD_H

#include <pthread.h>
#include <signal.h>

/* pthread_create's result. */
static inline int os_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
		return -1;
	rc = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

#endif
