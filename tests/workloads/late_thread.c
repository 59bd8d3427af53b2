/*
 * late_thread - single-threaded for a while, then one thread: under tether
 * the dumper thread must not exist in the first part (a program without
 * threads keeps glibc's single-thread fast paths) and must exist after it
 * (tests/cli/livedumps.sh dumps it in both).  Argument: seconds for each.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void
nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) != 0)
		;	/* a dump signal interrupts it: sleep the rest */
}

static void *
worker(void *arg)
{
	nap(*(double *)arg);
	return malloc(40);	/* @late_block */
}

int
main(int argc, char **argv)
{
	double s = argc > 1 ? atof(argv[1]) : 1;
	pthread_t t;
	void *p;

	nap(s);
	if (pthread_create(&t, NULL, worker, &s) != 0)
		return 1;
	pthread_join(t, &p);
	printf("late_thread %s\n", p != NULL ? "done" : "no block");
	return 0;
}
