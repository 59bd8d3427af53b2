/*
 * threads_churn.c - threads that allocate and free hard, each leaving
 * exactly 3 blocks of 48 bytes, started in waves so that thread exits
 * return their cached slots.  Usage: threads_churn [threads] [waves] [iters]
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long iters = 20000;
void *volatile sink;

static void *
worker(void *arg)
{
	void *ring[64] = { 0 };

	(void)arg;
	for (long i = 0; i < iters; i++) {
		free(ring[i % 64]);
		ring[i % 64] = malloc(16 + (size_t)(i % 200));
	}
	for (int i = 0; i < 64; i++)
		free(ring[i]);
	for (int i = 0; i < 3; i++)
		sink = malloc(48); /* @thread_leak: 3 x 48 bytes per thread */
	return NULL;
}

int
main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 8;
	int waves = argc > 2 ? atoi(argv[2]) : 4;
	pthread_t *t = calloc((size_t)threads, sizeof(*t));

	if (argc > 3)
		iters = atol(argv[3]);
	for (int w = 0; w < waves; w++) {
		for (int i = 0; i < threads; i++)
			pthread_create(&t[i], NULL, worker, NULL);
		for (int i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
	}
	free(t);
	printf("%d threads x %d waves done\n", threads, waves);
	return 0;
}
