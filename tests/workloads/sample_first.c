/*
 * sample_first.c - the first samples of a process.  Sampled, the arena of
 * the sampled blocks is made at the first sample (lib/sample_arena.c), so
 * THREADS threads released together, each allocating one 1 MiB block (a
 * sample all but surely at a rate of 64 KiB), race to make it; the losers
 * must wait for it, not drop their sample.  The process first forks, before
 * any sample is likely: the child makes an arena of its own the same way.
 * Each block is kept, so both dumps must hold THREADS blocks of 1 MiB.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { THREADS = 8 };
static pthread_barrier_t go;
static void *kept[THREADS];

static void *
run(void *arg)
{
	intptr_t i = (intptr_t)arg;

	pthread_barrier_wait(&go);
	kept[i] = malloc(1 << 20); /* @first */
	if (kept[i] != NULL)
		memset(kept[i], (int)i, 1 << 20);
	return NULL;
}

static int
race(const char *who)
{
	pthread_t t[THREADS];
	int made = 0;

	pthread_barrier_init(&go, NULL, THREADS);
	for (intptr_t i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, run, (void *)i) != 0)
			return 1;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		made += kept[i] != NULL && ((unsigned char *)kept[i])[12345] == i;
	}
	printf("%s: %d blocks\n", who, made);
	fflush(stdout);
	return made == THREADS ? 0 : 1;
}

int
main(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 2;
	if (pid == 0)
		return race("child");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 3;
	return race("parent");
}
