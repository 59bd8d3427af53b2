/*
 * hostile_signal.c - malloc and free from a signal handler while the
 * interrupted code is inside malloc: a profiling timer fires every 100 us
 * of CPU time while the main loop allocates and frees, and the handler
 * allocates and frees too.  (Not async-signal-safe by POSIX; real programs
 * do it, and glibc's malloc survives it mostly by luck: tether must not do
 * worse, and must not deadlock.)  Prints a checksum that does not depend on
 * timing.  Usage: hostile_signal [iterations]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t in_handler_allocs;
static void *volatile keep;

static void
on_prof(int sig)
{
	void *a = malloc(40), *b = calloc(3, 24);

	(void)sig;
	if (a != NULL && b != NULL) {
		memset(a, 1, 40);
		b = realloc(b, 200);
	}
	free(a);
	free(b);
	in_handler_allocs = in_handler_allocs + 1;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	struct sigaction sa;
	struct itimerval it = { { 0, 100 }, { 0, 100 } };
	unsigned long sum = 0;
	void *ring[32] = { 0 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_prof;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGPROF, &sa, NULL);
	setitimer(ITIMER_PROF, &it, NULL);
	for (long i = 0; i < n; i++) {
		size_t sz = 8 + (size_t)(i % 512);
		char *p = malloc(sz);

		p[0] = (char)i;
		sum += (unsigned char)p[0];
		free(ring[i % 32]);
		ring[i % 32] = p;
	}
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_PROF, &it, NULL);
	for (int i = 0; i < 32; i++)
		free(ring[i]);
	keep = malloc(123);	/* @live_block: one block live at exit */
	fprintf(stderr, "handler ran %d times\n", (int)in_handler_allocs);
	printf("sum %lu\n", sum);
	return in_handler_allocs > 0 ? 0 : 3;
}
