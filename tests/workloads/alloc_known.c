/*
 * alloc_known.c - allocations with known counts and sizes at known lines.
 * tests/cli/report.sh finds each line by the marker comment on it and
 * checks the report shows exactly these numbers there.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

void *keep[16];

NOINLINE static void *
leak_one(size_t n)
{
	return malloc(n); /* @leak_malloc: 10 x 100 bytes, leaked */
}

NOINLINE static void
churn(void)
{
	for (int i = 0; i < 50; i++) {
		void *p = malloc(32); /* @freed: 50 x 32 bytes, all freed */

		free(p);
	}
}

NOINLINE static void *
realloc_chain(void)
{
	char *p = malloc(10); /* @chain_malloc: freed by realloc */

	p = realloc(p, 20); /* @chain_realloc1: freed by realloc */
	p = realloc(p, 3000); /* @chain_realloc2: 1 x 3000 bytes, leaked */
	return p;
}

NOINLINE static void
aligned(void)
{
	void *p;

	if (posix_memalign(&p, 64, 200) == 0) /* @posix_memalign: 200 bytes */
		keep[0] = p;
	keep[1] = aligned_alloc(4096, 8192); /* @aligned_alloc: 8192 bytes */
	free(memalign(128, 50)); /* @memalign: freed */
	keep[2] = valloc(10); /* @valloc: 10 bytes */
}

int
main(void)
{
	for (int i = 0; i < 10; i++)
		leak_one(100);
	churn();
	keep[3] = realloc_chain();
	aligned();
	keep[4] = calloc(7, 9); /* @calloc: 63 bytes */
	keep[5] = malloc(0); /* @malloc0: a 0-byte block */
	keep[6] = strdup("hello"); /* @strdup: 6 bytes */
	write(1, "alloc_known done\n", 17);
	return 0;
}
