/*
 * growth.c - a program whose heap changes in known ways between dumps,
 * for tether diff, the timeline and the flame graph (tests/cli/diff.sh,
 * timeline.sh, flamegraph.sh).  `growth N` runs N steps and writes a dump
 * with tether_dump() after each step but the last; the exit dump is the
 * N-th.  At dump k (1-based):
 *   grow     1000 * k bytes in k blocks        (grows at every dump)
 *   stall    500 bytes at steps 1, 2 and 4..N  (grows, but not at step 3)
 *   shrink   200 * (5 - k) bytes, k <= 5       (shrinks)
 *   bump     700 bytes at dump 2 only          (comes and goes)
 *   steady   4096 bytes                        (never changes)
 *   nest_leaf 3000 bytes through nest_a and 1000 through nest_b
 */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>

#include "include/tether.h"

#define NOINLINE __attribute__((noinline))

void *grown[64], *stalled[64], *shrinking[5], *bumped, *steady, *nested[2];
int ngrown, nstalled;

NOINLINE static void
grow(void)
{
	grown[ngrown++] = malloc(1000); /* @grow */
}

NOINLINE static void
stall(int step)
{
	if (step != 3)
		stalled[nstalled++] = malloc(500); /* @stall */
}

NOINLINE static void
bump(int step)
{
	if (step == 2)
		bumped = malloc(700); /* @bump */
	if (step == 3) {
		free(bumped);
		bumped = NULL;
	}
}

NOINLINE static void *
nest_leaf(size_t n)
{
	return malloc(n); /* @nest_leaf */
}

NOINLINE static void
nest_a(void)
{
	nested[0] = nest_leaf(3000); /* @nest_a */
}

NOINLINE static void
nest_b(void)
{
	nested[1] = nest_leaf(1000); /* @nest_b */
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;

	if (n < 1 || n > 64) {
		fprintf(stderr, "usage: growth [STEPS, 1 to 64]\n");
		return 2;
	}
	steady = malloc(4096); /* @steady */
	for (int i = 0; i < 5; i++)
		shrinking[i] = malloc(200); /* @shrink */
	nest_a();
	nest_b();
	for (int step = 1; step <= n; step++) {
		grow();
		stall(step);
		bump(step);
		if (step <= 5) {
			free(shrinking[step - 1]);
			shrinking[step - 1] = NULL;
		}
		if (step < n && tether_dump() <= 0) {
			fprintf(stderr, "growth: tether_dump failed\n");
			return 1;
		}
	}
	return 0;
}
