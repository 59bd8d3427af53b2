/*
 * churn - single-threaded malloc/free churn.
 *
 * Usage: churn [ALLOCATIONS]      (default 20000000)
 *
 * Keeps a ring of RING live blocks; every step frees the block in a
 * pseudo-randomly chosen slot and puts a new block of 8..512 bytes there, so
 * the allocator (and any tool interposed on it) sees ALLOCATIONS malloc and
 * free calls with short, varied lifetimes.  A fixed-seed LCG makes the work
 * deterministic; the checksum printed at the end depends only on the data
 * written into the blocks, never on addresses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define RING 1000

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
	long n = argc > 1 ? atol(argv[1]) : 20000000L;
	unsigned char *ring[RING] = { 0 };
	size_t len[RING] = { 0 };
	uint64_t seed = 42, sum = 0;

	for (long i = 0; i < n; i++) {
		uint32_t r = lcg_next(&seed);
		size_t slot = r % RING;
		size_t size = 8 + (r >> 10) % 505;	/* 8..512 */
		unsigned char *p;

		if (ring[slot] != NULL) {
			sum = sum * 31 + ring[slot][0] + ring[slot][len[slot] - 1];
			free(ring[slot]);
		}
		p = malloc(size);
		if (p == NULL) {
			fprintf(stderr, "churn: out of memory\n");
			return 1;
		}
		p[0] = (unsigned char)i;
		p[size - 1] = (unsigned char)(i >> 8);
		ring[slot] = p;
		len[slot] = size;
	}
	for (size_t s = 0; s < RING; s++) {
		if (ring[s] != NULL) {
			sum = sum * 31 + ring[s][0];
			free(ring[s]);
		}
	}
	printf("churn allocations=%ld checksum=%016llx\n", n,
	    (unsigned long long)sum);
	return 0;
}
