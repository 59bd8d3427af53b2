/*
 * realloc.c - precision corpus: realloc chains; only the last size of a
 * chain counts, and every intermediate block is freed.
 *
 * Leaks:
 *   malloc(10) grown to 100, 1000, then shrunk to 50, kept by a global:
 *     reachable 50 bytes;
 *   malloc(16) grown to 64, 3000, dropped: definitely lost 3000 bytes;
 *   realloc(NULL, 70), dropped: definitely lost 70 bytes;
 *   malloc(500) shrunk to 20, 5 times in a loop, all dropped: definitely
 *     lost 5 x 20 bytes.
 * Expected verdicts (memcheck and tether alike):
 *   definitely lost 3170 bytes in 7 blocks; indirectly 0; possibly 0;
 *   still reachable 50 bytes in 1 block.
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *kept;

__attribute__((noinline)) static void
scrub_stack(void)
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static void
chains(void)
{
	char *p;

	kept = malloc(10);
	memset(kept, 'k', 10);
	kept = realloc(kept, 100);
	kept = realloc(kept, 1000);
	kept = realloc(kept, 50);

	p = malloc(16);
	memset(p, 'l', 16);
	p = realloc(p, 64);
	p = realloc(p, 3000);
	p[2999] = 0;

	p = realloc(NULL, 70);
	memset(p, 'n', 70);

	for (int i = 0; i < 5; i++) {
		p = malloc(500);
		memset(p, 'm', 500);
		p = realloc(p, 20);
	}
	p = NULL;
}

int
main(void)
{
	chains();
	scrub_stack();
	printf("realloc: %c\n", kept[9]);
	return 0;
}
