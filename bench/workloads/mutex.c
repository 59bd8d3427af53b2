/*
 * mutex.c - lock/unlock loops: `mutex N T shared` runs N lock/unlock pairs
 * split over T threads, each on its own mutex (uncontended) or all on one
 * (shared: contended).  Prints a checksum of the counters.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	pthread_mutex_t mu;
	unsigned long count;
	char pad[64];
};

static struct slot one = { PTHREAD_MUTEX_INITIALIZER, 0, { 0 } };
static struct slot *slots;
static long per_thread;
static int shared;

static void *
run(void *arg)
{
	struct slot *s = shared ? &one : arg;

	for (long i = 0; i < per_thread; i++) {
		pthread_mutex_lock(&s->mu);
		s->count++;
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000000;
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	unsigned long sum = 0;
	pthread_t t[64];

	shared = argc > 3 && !strcmp(argv[3], "shared");
	if (threads < 1 || threads > 64)
		return 2;
	per_thread = n / threads;
	slots = calloc((size_t)threads, sizeof(*slots));
	for (int i = 0; i < threads; i++)
		pthread_mutex_init(&slots[i].mu, NULL);
	if (threads == 1) {
		run(&slots[0]);
	} else {
		for (int i = 0; i < threads; i++)
			pthread_create(&t[i], NULL, run, &slots[i]);
		for (int i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
	}
	for (int i = 0; i < threads; i++)
		sum += slots[i].count;
	printf("mutex %lu\n", sum + one.count);
	free(slots);
	return 0;
}
