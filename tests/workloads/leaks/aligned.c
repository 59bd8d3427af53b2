/*
 * aligned.c - precision corpus: aligned allocations, leaked and kept.
 *
 * Leaks:
 *   posix_memalign(64, 100), dropped: definitely lost 100 bytes;
 *   aligned_alloc(256, 512), dropped: definitely lost 512 bytes;
 *   memalign(4096, 300), kept by a global: reachable 300 bytes;
 *   posix_memalign(32, 48) holding the start of aligned_alloc(128, 128),
 *     both dropped: 48 definitely lost, 128 indirectly lost.
 * Expected verdicts (memcheck and tether alike):
 *   definitely lost 660 bytes in 3 blocks; indirectly lost 128 bytes in 1
 *   block; possibly 0; still reachable 300 bytes in 1 block.
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *kept;

__attribute__((noinline)) static void
scrub_stack(void)
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static int
aligned(void)
{
	void *p = NULL;
	void **outer = NULL;
	int misaligned = 0;

	if (posix_memalign(&p, 64, 100) != 0)
		return -1;
	memset(p, 1, 100);
	misaligned += (uintptr_t)p % 64 != 0;
	p = aligned_alloc(256, 512);
	memset(p, 2, 512);
	misaligned += (uintptr_t)p % 256 != 0;
	kept = memalign(4096, 300);
	memset(kept, 3, 300);
	misaligned += (uintptr_t)kept % 4096 != 0;
	if (posix_memalign((void **)&outer, 32, 48) != 0)
		return -1;
	memset(outer, 0, 48);
	outer[0] = aligned_alloc(128, 128);
	memset(outer[0], 4, 128);
	misaligned += (uintptr_t)outer % 32 != 0 || (uintptr_t)outer[0] % 128 != 0;
	p = NULL;
	outer = NULL;
	return misaligned;
}

int
main(void)
{
	int bad = aligned();

	scrub_stack();
	printf("aligned: %d misaligned\n", bad);
	return 0;
}
