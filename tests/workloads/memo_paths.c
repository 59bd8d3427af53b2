/*
 * memo_paths - allocation patterns that a per-thread memo of stacks could
 * get wrong (lib/unwind.c, "The stack memo"): one allocation function
 * called from two callers at the same stack depth, a caller whose own
 * caller changes, one call site at several recursion depths, and the same
 * in a second thread at once.  Every block is kept, so the report shows
 * each stack's exact count; tests/cli/memo.sh checks them.  Callers that
 * would compile to the same code differ by an argument, so that the linker
 * does not fold them into one.
 *
 * Per thread: the pattern "aabbaba" 300 times over (a: 171 calls of
 * 24 bytes, b: 129 of 40), outer1/outer2 alternating in pairs 100 times
 * (50 each, 8 bytes), and rec at depths 2,2,5,5,3,2,5 repeated 20 times
 * (56 bytes: depth 2: 60, depth 3: 20, depth 5: 60).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define KEEP 4096
static void *kept[2][KEEP];

struct worker {
	int id, n;
};

static __attribute__((noinline)) void
xalloc(struct worker *w, size_t size)
{
	void *p = malloc(size);	/* @xalloc */

	if (p == NULL || w->n == KEEP)
		abort();
	kept[w->id][w->n++] = p;
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void
from_a(struct worker *w)
{
	xalloc(w, 24);	/* @call_a */
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void
from_b(struct worker *w)
{
	xalloc(w, 40);	/* @call_b */
	__asm__ volatile("" ::: "memory");
}

static int last_outer;

static __attribute__((noinline)) void
mid(struct worker *w, int outer)
{
	xalloc(w, 8);	/* @mid */
	last_outer = outer;
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void
outer1(struct worker *w)
{
	mid(w, 1);	/* @outer1 */
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void
outer2(struct worker *w)
{
	mid(w, 2);	/* @outer2 */
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void
rec(struct worker *w, int depth)
{
	if (depth == 0) {
		xalloc(w, 56);	/* @rec_leaf */
	} else {
		rec(w, depth - 1);
	}
	__asm__ volatile("" ::: "memory");
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	static const char pattern[] = "aabbaba";
	static const int depths[] = { 2, 2, 5, 5, 3, 2, 5 };

	for (int i = 0; i < 300; i++) {
		if (pattern[i % 7] == 'a')
			from_a(w);
		else
			from_b(w);
	}
	for (int i = 0; i < 100; i++) {
		if ((i / 2) % 2 == 0)
			outer1(w);
		else
			outer2(w);
	}
	for (int i = 0; i < 20; i++)
		for (int k = 0; k < 7; k++)
			rec(w, depths[k]);
	return NULL;
}

int
main(void)
{
	struct worker w0 = { 0, 0 }, w1 = { 1, 0 };
	pthread_t t;

	if (pthread_create(&t, NULL, run, &w1) != 0)
		return 1;
	run(&w0);
	pthread_join(t, NULL);
	printf("memo_paths %d %d\n", w0.n, w1.n);
	return 0;
}
