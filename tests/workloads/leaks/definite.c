/*
 * definite.c - precision corpus: definite leaks, single and repeated, made
 * at distinct call depths.
 *
 * Leaks (every pointer dropped, the dead frames scrubbed):
 *   leak_depth1:            1 x 100 bytes
 *   leak_depth2 -> depth3:  3 x 40 bytes, in a loop at depth 3
 *   leak_recursive(5):      5 x 24 bytes, one per level of a recursion
 *   main:                   1 x 7 bytes, the pointer overwritten
 * Expected verdicts (memcheck and tether alike):
 *   definitely lost 347 bytes in 10 blocks; indirectly 0; possibly 0;
 *   still reachable 0 (the stdout buffer is freed by __libc_freeres).
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Overwrite the dead frames below the caller's with zeros, so no stale
 * copy of a dropped pointer is left where a scan could see it. */
__attribute__((noinline)) static void
scrub_stack(void)
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static void
leak_depth1(void)
{
	char *p = malloc(100);

	memset(p, 'a', 100);
	p = NULL;
}

__attribute__((noinline)) static void
leak_depth3(void)
{
	for (int i = 0; i < 3; i++) {
		char *p = malloc(40);

		memset(p, 'b', 40);
	}
}

__attribute__((noinline)) static void
leak_depth2(void)
{
	leak_depth3();
}

__attribute__((noinline)) static void
leak_recursive(int n)
{
	char *p;

	if (n == 0)
		return;
	p = malloc(24);
	memset(p, 'c', 24);
	leak_recursive(n - 1);
}

int
main(void)
{
	char *volatile p;

	leak_depth1();
	leak_depth2();
	leak_recursive(5);
	p = malloc(7);
	p = NULL;
	(void)p;
	scrub_stack();
	printf("definite: done\n");
	return 0;
}
