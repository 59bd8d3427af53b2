/*
 * possible.c - precision corpus: blocks reached only through interior
 * pointers are possibly lost, and so is what they alone point to.  None of
 * the interior offsets matches one of memcheck's heuristics (the blocks
 * are zeroed, so no length or count word makes one match).
 *
 * Leaks:
 *   64 bytes, a global points 16 bytes in;
 *   200 bytes, a global points at its last byte;
 *   96 bytes, a global points 32 bytes in; its first word holds the start
 *     of a 24-byte block nothing else points to: both possibly lost;
 *   32 bytes, a file-scope static points 8 bytes in.
 * Expected verdicts (memcheck and tether alike):
 *   definitely lost 0; indirectly 0; possibly lost 416 bytes in 5 blocks;
 *   still reachable 0.
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>

char *into64, *last200, *into96;
static char *into32;

__attribute__((noinline)) static void
scrub_stack(void)
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static void
make(void)
{
	char **holder;

	into64 = (char *)calloc(1, 64) + 16;
	last200 = (char *)calloc(1, 200) + 199;
	holder = calloc(1, 96);
	holder[0] = calloc(1, 24);
	into96 = (char *)holder + 32;
	into32 = (char *)calloc(1, 32) + 8;
}

int
main(void)
{
	make();
	scrub_stack();
	printf("possible: %d\n", into64[0] + last200[0] + into96[0] + into32[0]);
	return 0;
}
