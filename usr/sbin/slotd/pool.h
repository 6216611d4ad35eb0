/*
 * The worker pool of slotd: the threads that run PIN key derivations, so
 * that the event loop never waits for a KDF.
 *
 * The event loop submits a job; a worker runs its work function, then puts
 * it on the done list and wakes the loop through an eventfd, which the loop
 * watches like any connection.  The loop then calls each job's done
 * function.  At most one job per connection is in flight (a connection's
 * input is not read while its job runs), so the number of queued jobs is
 * bounded by the number of connections, and the memory the KDFs use by the
 * number of workers.
 */
#ifndef SLOTD_POOL_H
#define SLOTD_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct slotd_job {
	struct slotd_job *next;
	void (*work)(struct slotd_job *job); /* on a worker, touches only the job */
	void (*done)(struct slotd_job *job); /* on the event loop */
};

struct slotd_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct slotd_job *queue, *queue_tail;
	struct slotd_job *finished;
	pthread_t threads[8];
	unsigned n_threads;
	bool stopping;
	int event_fd; /* readable when jobs are finished */
};

/* Starts up to n workers (at least one).  Returns 0, or -1 with errno. */
int slotd_pool_start(struct slotd_pool *pool, unsigned n);
/* Lets running jobs finish, stops the workers, runs nothing further. */
void slotd_pool_stop(struct slotd_pool *pool);
void slotd_pool_submit(struct slotd_pool *pool, struct slotd_job *job);
/* On the event loop when event_fd is readable: calls done() of finished jobs. */
void slotd_pool_reap(struct slotd_pool *pool);

#endif
