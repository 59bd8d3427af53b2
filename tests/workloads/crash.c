/*
 * crash.c - a program that leaks a block and then crashes, for the crash
 * dump (tests/cli/crash.sh, TETHER_DUMP_ON_CRASH):
 *   crash segv      a write through a null pointer (SIGSEGV, status 139)
 *   crash abort     abort() (SIGABRT, status 134)
 *   crash overflow  unbounded recursion: SIGSEGV on a full stack
 *   crash thread    a second thread segfaults
 *   crash own       its own SIGSEGV handler, which prints and exits 3
 *   crash view      prints what sigaction says of SIGSEGV, exits 0
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int *volatile nowhere;
static char *volatile kept;
static char *volatile lost;	/* through it the block escapes the optimiser */

static void
leak(void)
{
	char *p = malloc(4242);		/* @leak */

	memset(p, 'x', 4242);
	lost = p;
	lost = NULL;	/* no pointer to it is left */
}

static int
recurse(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	return recurse(n + 1) + pad[0];
}

static void *
thread_crash(void *arg)
{
	(void)arg;
	*nowhere = 1;
	return NULL;
}

static void
own_handler(int sig)
{
	static const char msg[] = "own handler ran\n";

	(void)sig;
	write(1, msg, sizeof(msg) - 1);
	_exit(3);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "segv";
	pthread_t th;

	kept = malloc(100);
	leak();
	printf("before the crash\n");
	fflush(stdout);
	if (strcmp(mode, "segv") == 0) {
		*nowhere = 1;
	} else if (strcmp(mode, "abort") == 0) {
		abort();
	} else if (strcmp(mode, "overflow") == 0) {
		return recurse(0);
	} else if (strcmp(mode, "thread") == 0) {
		pthread_create(&th, NULL, thread_crash, NULL);
		pthread_join(th, NULL);
	} else if (strcmp(mode, "own") == 0) {
		signal(SIGSEGV, own_handler);
		*nowhere = 1;
	} else if (strcmp(mode, "view") == 0) {
		struct sigaction sa;

		sigaction(SIGSEGV, NULL, &sa);
		printf("SIGSEGV %s\n", (sa.sa_flags & SA_SIGINFO) ? "handler" :
		       sa.sa_handler == SIG_DFL ? "default" : "other");
		return 0;
	}
	return 1;
}
