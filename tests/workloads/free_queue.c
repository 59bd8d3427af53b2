/*
 * free_queue.c - frees that a thread noted in its free queue
 * (lib/free_queue.h) and never got to record itself, because it did not
 * free again: tether must record them for every dump, for the leak scan,
 * and in a fork's child, whose copy of the thread is gone.
 *
 *   free_queue idle  a worker allocates 5 blocks (marker idle) and frees
 *                    them, then waits, never to be joined; main writes a
 *                    live dump (tether_dump), then exits.
 *   free_queue fork  the same worker, then main forks; the child and the
 *                    parent exit.
 * Nothing leaks: every dump must show the 5 blocks freed, none in use.
 *   free_queue realloc  main allocates 100 bytes (marker kept), fails to
 *                    realloc them to PTRDIFF_MAX - 64 bytes, writes a live
 *                    dump, then frees the block: the free the realloc
 *                    noted first must be taken back, the block recorded
 *                    in the dump and its free at the end.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int freed;

static void *
worker(void *arg)
{
	void *b[5];

	(void)arg;
	for (int i = 0; i < 5; i++)
		b[i] = malloc(40 + i); /* @idle */
	for (int i = 0; i < 5; i++)
		free(b[i]);
	memset(b, 0, sizeof(b));	/* no stale pointer keeps them reachable */
	__asm__ volatile("" : : "r"(b) : "memory");
	pthread_mutex_lock(&lock);
	freed = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (;;)
		pause();
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "idle";
	static void *volatile kept;
	volatile size_t huge = (size_t)PTRDIFF_MAX - 64;
	long (*dump)(char *, size_t) = (long (*)(char *, size_t))dlsym(RTLD_DEFAULT, "tether_lib_dump");
	pthread_t t;

	if (strcmp(mode, "realloc") == 0) {
		void *q;

		kept = malloc(100); /* @kept */
		errno = 0;
		q = realloc(kept, huge);
		printf("realloc %s errno=%d\n", q == NULL ? "failed" : "succeeded", errno);
		if (dump)
			dump(NULL, 0);
		free(kept);
		return q != NULL;
	}
	pthread_create(&t, NULL, worker, NULL);
	pthread_detach(t);
	pthread_mutex_lock(&lock);
	while (!freed)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	if (strcmp(mode, "idle") == 0) {
		if (dump)
			dump(NULL, 0);
	} else {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			puts("child");
			exit(0);
		}
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return 1;
	}
	puts("done");
	return 0;
}
