/*
 * waits.c - known waits: a holder takes a mutex and sleeps 300 ms with it;
 * a waiter blocks on that mutex meanwhile.  Then both are joined.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static sem_t held;

static void *
holder_main(void *arg)
{
	pthread_mutex_lock(&mu);
	sem_post(&held);
	usleep(300000); /* @holder_sleep: 300 ms, holding mu */
	pthread_mutex_unlock(&mu); /* @holder_unlock: charged the waiter's delay */
	return arg;
}

static void *
waiter_main(void *arg)
{
	sem_wait(&held);
	pthread_mutex_lock(&mu); /* @contended_lock: waits for the holder */
	pthread_mutex_unlock(&mu);
	return arg;
}

int
main(void)
{
	pthread_t h, w;

	sem_init(&held, 0, 0);
	pthread_create(&h, NULL, holder_main, NULL);
	pthread_create(&w, NULL, waiter_main, NULL);
	pthread_join(h, NULL); /* @join_holder */
	pthread_join(w, NULL);
	printf("waits done\n");
	return 0;
}
