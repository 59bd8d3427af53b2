/*
 * live_million - a million live blocks at once.
 *
 * Usage: live_million [BLOCKS]    (default 1000000)
 *
 * Allocates BLOCKS blocks of 16..256 bytes and keeps them all live; then,
 * still with BLOCKS live, makes PASSES passes that each replace BLOCKS
 * pseudo-randomly chosen blocks (half by free + malloc, half by realloc), so
 * a tool's table of live blocks is exercised while full; finally frees every
 * block (nothing is leaked, so a leak checker has nothing to report).  The
 * checksum depends only on the data written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PASSES 3

/* Next value of a 64-bit LCG (Knuth's MMIX constants), top bits only. */
static uint32_t
lcg_next(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*state >> 33);
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000L;
	unsigned char **block;
	uint64_t seed = 7, sum = 0;

	if (n < 1)
		n = 1;
	block = malloc((size_t)n * sizeof(*block));
	if (block == NULL)
		goto oom;
	for (long i = 0; i < n; i++) {
		size_t size = 16 + lcg_next(&seed) % 241;	/* 16..256 */

		block[i] = malloc(size);
		if (block[i] == NULL)
			goto oom;
		block[i][0] = (unsigned char)i;
		block[i][15] = (unsigned char)size;
	}
	for (int pass = 0; pass < PASSES; pass++) {
		for (long j = 0; j < n; j++) {
			uint32_t r = lcg_next(&seed);
			long i = (long)(r % (uint32_t)n);
			size_t size = 16 + (r >> 8) % 241;
			unsigned char *p;

			sum = sum * 31 + block[i][0] + block[i][15];
			if (j & 1) {
				p = realloc(block[i], size);
			} else {
				free(block[i]);
				p = malloc(size);
			}
			if (p == NULL)
				goto oom;
			p[0] = (unsigned char)(j + pass);
			p[15] = (unsigned char)size;
			block[i] = p;
		}
	}
	for (long i = 0; i < n; i++) {
		sum = sum * 31 + block[i][0];
		free(block[i]);
	}
	free(block);
	printf("live_million blocks=%ld passes=%d checksum=%016llx\n", n,
	    PASSES, (unsigned long long)sum);
	return 0;
oom:
	fprintf(stderr, "live_million: out of memory\n");
	return 1;
}
