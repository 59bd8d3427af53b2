/*
 * lifetimes.c - known lifetimes, owners and verdicts for tests/cli/lifetimes.sh.
 *
 *   lifetimes life     N=7 blocks freed at once (temporary, marker temp), M=5 freed
 *                      after the thread allocated again (marker notemp, each
 *                      followed by marker after, itself temporary), K=3 freed
 *                      after 400 ms (marker kept: bucket [2^28, 2^29) ns), and
 *                      2 blocks kept (marker old) while 1.2 s pass
 *   lifetimes owner    thread "producer" allocates X=10 (marker prod), frees 2
 *                      itself, main frees Y=5 (cross-thread), the producer
 *                      is joined leaving Z=3 live: orphans
 *   lifetimes verdicts 4 steps with tether_dump() after each: a cache of 8
 *                      turned over (marker cache), a queue never drained
 *                      (marker queue), a block kept until step 3 then lost (marker lost)
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile keep[16];
/* Loop bounds the compiler cannot see, so no loop is unrolled into
 * several call sites (the build may add -O2). */
static volatile int n3 = 3, n4 = 4;

static void
life(void)
{
	void *k[3], *o;

	for (int i = 0; i < 7; i++)
		free(malloc(24)); /* @temp */
	for (int i = 0; i < 5; i++) {
		void *a = malloc(40); /* @notemp */
		void *b = malloc(56); /* @after */

		free(a);
		free(b);
	}
	for (int i = 0; i < n3; i++)
		k[i] = malloc(72); /* @kept */
	o = malloc(8); /* @marker */
	usleep(400000);
	for (int i = 0; i < 3; i++)
		free(k[i]);
	free(o);
	keep[0] = malloc(88); /* @old */
	keep[1] = malloc(88); /* @old2 */
	usleep(1200000);
	keep[2] = malloc(104); /* @young */
}

static void *prod[10];

static void *
producer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10; i++)
		prod[i] = malloc(48); /* @prod */
	free(prod[8]);
	free(prod[9]);
	return NULL;
}

static void
owner(void)
{
	pthread_t t;

	pthread_create(&t, NULL, producer, NULL);
	pthread_join(t, NULL);
	for (int i = 0; i < 5; i++)
		free(prod[i]);
}

struct node {
	struct node *next;
	char pad[56];
};

static struct node *queue;
static void *cache[8];
static unsigned cache_next;
static void *volatile lost;

static void
step(int s)
{
	long (*dump)(char *, size_t) = (long (*)(char *, size_t))dlsym(RTLD_DEFAULT, "tether_lib_dump");

	for (int i = 0; i < 20; i++) {
		free(cache[cache_next % 8]);
		cache[cache_next++ % 8] = malloc(128); /* @cache */
	}
	for (int i = 0; i < n3; i++) {
		struct node *n = malloc(sizeof(*n)); /* @queue */

		n->next = queue;
		queue = n;
	}
	if (s == 1)
		lost = malloc(200); /* @lost */
	if (s == 3)
		lost = NULL;
	usleep(100000);
	if (dump)
		dump(NULL, 0);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "life";

	if (strcmp(mode, "life") == 0)
		life();
	else if (strcmp(mode, "owner") == 0)
		owner();
	else
		for (int s = 1; s <= n4; s++)
			step(s);
	return 0;
}
