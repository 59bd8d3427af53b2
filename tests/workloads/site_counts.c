/*
 * site_counts - the per-thread site caches (lib/site_cache.h) under the
 * patterns that move their counts: two threads each allocating and freeing
 * at 100 distinct sites (recursion depths 1-100; past TETHER_STACK_DEPTH
 * the stacks are cut, and the deepest ones share a site), more than a cache holds,
 * 50 rounds; then a thread that keeps 100 blocks of 24 bytes and waits
 * while the main thread forks: the child's copy of the heap holds them, so
 * its dump must count their allocation although that thread did not follow.
 * tests/cli/sites.sh checks the counts.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static __attribute__((noinline)) void *
rec(int depth)
{
	void *p;

	if (depth == 0)
		p = malloc(16);	/* @rec_leaf */
	else
		p = rec(depth - 1);
	__asm__ volatile("" ::: "memory");
	return p;
}

static void *
spread(void *arg)
{
	void *prev = NULL;

	(void)arg;
	for (int round = 0; round < 50; round++)
		for (int d = 1; d <= 100; d++) {
			void *p = rec(d);

			free(prev);
			prev = p;
		}
	free(prev);
	return NULL;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int kept, forked;
static void *blocks[100];

static void *
keeper(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)
		blocks[i] = malloc(24);	/* @kept */
	pthread_mutex_lock(&mu);
	kept = 1;
	pthread_cond_broadcast(&cv);
	while (!forked)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < 100; i++)
		free(blocks[i]);
	return NULL;
}

int
main(void)
{
	pthread_t a, b, k;
	pid_t pid;
	int status = 0;

	pthread_create(&a, NULL, spread, NULL);
	pthread_create(&b, NULL, spread, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_create(&k, NULL, keeper, NULL);
	pthread_mutex_lock(&mu);
	while (!kept)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	pid = fork();
	if (pid == 0)
		_exit(0);	/* the child: its dump at exit */
	waitpid(pid, &status, 0);
	pthread_mutex_lock(&mu);
	forked = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(k, NULL);
	printf("site_counts %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
