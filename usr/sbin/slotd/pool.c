/*
 * The slotd worker pool (see pool.h).
 */
#include "pool.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "thread.h"

static void *pool_worker(void *arg)
{
	struct slotd_pool *pool = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (!pool->queue && !pool->stopping)
			pthread_cond_wait(&pool->cond, &pool->lock);
		if (!pool->queue)
			break;
		struct slotd_job *job = pool->queue;
		pool->queue = job->next;
		if (!pool->queue)
			pool->queue_tail = NULL;
		pthread_mutex_unlock(&pool->lock);
		job->work(job);
		pthread_mutex_lock(&pool->lock);
		job->next = pool->finished;
		pool->finished = job;
		if (write(pool->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			break;
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

int slotd_pool_start(struct slotd_pool *pool, unsigned n)
{

	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->cond, NULL);
	pool->queue = pool->queue_tail = pool->finished = NULL;
	pool->stopping = false;
	pool->n_threads = 0;
	pool->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pool->event_fd < 0)
		return -1;
	if (n < 1)
		n = 1;
	if (n > sizeof(pool->threads) / sizeof(pool->threads[0]))
		n = sizeof(pool->threads) / sizeof(pool->threads[0]);
	/* Signals stay with the event loop's signalfd. */
	for (unsigned i = 0; i < n; i++)
		if (os_thread_start(&pool->threads[pool->n_threads], pool_worker, pool) == 0)
			pool->n_threads++;
	return pool->n_threads ? 0 : -1;
}

void slotd_pool_stop(struct slotd_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->n_threads; i++)
		pthread_join(pool->threads[i], NULL);
	pool->n_threads = 0;
	slotd_pool_reap(pool);
	if (pool->event_fd >= 0)
		close(pool->event_fd);
	pool->event_fd = -1;
}

void slotd_pool_submit(struct slotd_pool *pool, struct slotd_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&pool->lock);
	if (pool->queue_tail)
		pool->queue_tail->next = job;
	else
		pool->queue = job;
	pool->queue_tail = job;
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
}

void slotd_pool_reap(struct slotd_pool *pool)
{
	uint64_t n;
	struct slotd_job *list, *next;

	if (read(pool->event_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&pool->lock);
	list = pool->finished;
	pool->finished = NULL;
	pthread_mutex_unlock(&pool->lock);
	/* The list is newest first: finish in submission order. */
	struct slotd_job *rev = NULL;
	for (; list; list = next) {
		next = list->next;
		list->next = rev;
		rev = list;
	}
	for (; rev; rev = next) {
		next = rev->next;
		rev->done(rev);
	}
}
