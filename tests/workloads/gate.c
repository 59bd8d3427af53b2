/*
 * gate.c - a program for tether check: `gate clean` frees everything and
 * joins its thread; `gate leak` loses one block of 100 bytes (marker lose) and a
 * list of 3 nodes (marker list: head definite, 2 indirect), keeps 200 bytes in a
 * global (marker keep) and leaves a thread blocked in pause() (marker thread);
 * `gate api` checks with tether.h: a clean test case, then one that loses
 * 48 bytes (marker api_lose), then tether_check_repeat over a body that leaks 16
 * bytes per call (marker repeat_lose) and over one that only fills a cache once
 * (marker lazy).  It prints what the checks returned.
 */
#pragma GCC optimize("O0")
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include/tether.h"

struct node { struct node *next; long pad[3]; };

void *kept;
static void *cache;

static void *
sleeper(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static void
lose(void)
{
	char *p = malloc(100); /* @lose */

	memset(p, 1, 100);
}

static void
lose_list(void)
{
	struct node *h = NULL;

	for (int i = 0; i < 3; i++) {
		struct node *n = malloc(sizeof(*n)); /* @list */

		n->next = h;
		h = n;
	}
}

static void
clean_case(void *arg)
{
	(void)arg;
	free(malloc(32));
}

static void
leaky_case(void *arg)
{
	(void)arg;
	memset(malloc(16), 0, 16); /* @repeat_lose */
}

static void
lazy_case(void *arg)
{
	(void)arg;
	if (cache == NULL)
		cache = malloc(4096); /* @lazy */
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "clean";
	pthread_t t;

	if (strcmp(mode, "api") == 0) {
		tether_mark_t m = tether_mark();

		clean_case(NULL);
		printf("clean %ld\n", tether_check(m));
		m = tether_mark();
		memset(malloc(48), 0, 48); /* @api_lose */
		printf("lost %ld\n", tether_check(m));
		printf("repeat leaky %d\n", tether_check_repeat(8, leaky_case, NULL) > 0);
		printf("repeat lazy %ld\n", tether_check_repeat(8, lazy_case, NULL));
		return 0;
	}
	if (strcmp(mode, "leak") == 0) {
		lose();
		lose_list();
		kept = malloc(200); /* @keep */
		pthread_create(&t, NULL, sleeper, NULL); /* @thread */
		usleep(50000);
		puts("leaked");
		return 0;
	}
	free(malloc(10));
	pthread_create(&t, NULL, sleeper, NULL);
	usleep(20000);
	pthread_cancel(t);
	pthread_join(t, NULL);
	puts("clean");
	return 0;
}
