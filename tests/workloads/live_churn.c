/*
 * live_churn - eight threads allocate and free hard while the main thread
 * asks for dumps with tether_dump() (and the test sends the dump signal):
 * the dumps must parse and hold no block twice, and the output and exit
 * status must be the same as without tether (tests/cli/livedumps.sh).
 *   live_churn ROUNDS DUMPS
 * Prints one line per thread and "churn done", exits 3.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "include/tether.h"

#define NTHREADS 8
#define RING 512

static long rounds;
static volatile int stop;

static void *
churn(void *arg)
{
	unsigned seed = (unsigned)(unsigned long)arg * 2654435761u + 1;
	void *ring[RING] = { 0 };
	unsigned long sum = 0;

	for (long r = 0; r < rounds || (rounds == 0 && !stop); r++) {
		unsigned i = (seed = seed * 1103515245u + 12345u) % RING;
		size_t n = 1 + (seed >> 8) % 2000;

		if (ring[i] != NULL && (seed & 0x10000))
			ring[i] = realloc(ring[i], n);
		else {
			free(ring[i]);
			ring[i] = (seed & 0x20000) ? calloc(1, n) : malloc(n);
		}
		if (ring[i] == NULL)
			abort();
		memset(ring[i], (int)r, 1);
		sum += n;
	}
	for (unsigned i = 0; i < RING; i++)
		free(ring[i]);
	printf("thread %lu: %lu\n", (unsigned long)arg, sum);
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t t[NTHREADS];
	long dumps;

	if (argc != 3)
		return 2;
	rounds = atol(argv[1]);
	dumps = atol(argv[2]);
	setvbuf(stdout, NULL, _IONBF, 0);
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, churn, (void *)i);
	for (long d = 0; d < dumps; d++) {
		struct timespec ms = { 0, 20000000 };
		long n = tether_dump();

		if (tether_loaded() && n <= 0)
			fprintf(stderr, "tether_dump failed: %ld\n", n);
		nanosleep(&ms, NULL);
	}
	for (long i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("churn done\n");
	return 3;
}
