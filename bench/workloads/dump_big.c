/*
 * dump_big - what a dump of a big heap costs: N live blocks allocated from
 * S distinct call stacks, then one tether_dump() of them, timed.
 *
 * Usage: dump_big [BLOCKS [STACKS]]   (default 1000000 and 10000)
 *
 * Block i (16..256 bytes, sizes from an LCG) is allocated along call path
 * i % STACKS.  A path is a chain of DIGITS calls through a table of RADIX
 * functions: the path number's base-RADIX digits, most significant first,
 * choose which function the next call goes to, and the last one calls
 * malloc.  Every function makes its calls from its own call sites, so each
 * path number gives a distinct call stack, and every stack has the same
 * depth whatever STACKS is (STACKS <= RADIX^DIGITS).
 *
 * With all the blocks live, when the program runs under tether
 * (tether_dump_path() finds libtether's entry point with dlsym; see
 * include/tether.h), it writes one dump with tether_dump_path() and prints
 * on stderr
 *
 *	dump_big: tether_dump MS ms FILE
 *
 * MS being the call's CLOCK_MONOTONIC time in milliseconds and FILE the
 * dump written.  Without tether nothing is dumped or printed there.  Then
 * every block is freed (nothing leaks) and the checksum of the data
 * written is printed on stdout, the same with or without a tool.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "include/tether.h"

#define RADIX 16
#define DIGITS 5		/* RADIX^DIGITS = 1048576 paths at most */

typedef void *(*step_fn)(uint32_t path, int level, size_t size);

/* One counter per function: it makes every function's body different, so
 * that no compiler folds identical functions into one. */
static volatile uint32_t visits[RADIX];

static const step_fn steps[RADIX];

/*
 * STEP(k): function k of the table.  At level 0 it allocates; otherwise
 * it calls the function that the path's digit for the next level names.
 * The empty asm on the result keeps the call from becoming a tail call
 * (which would take this function's frame off the stack).
 */
#define STEP(k)								\
	static __attribute__((noinline)) void *				\
	step##k(uint32_t path, int level, size_t size)			\
	{								\
		void *p;						\
									\
		visits[k]++;						\
		if (level == 0)						\
			p = malloc(size);				\
		else							\
			p = steps[(path >> (4 * (level - 1))) % RADIX](	\
			    path, level - 1, size);			\
		__asm__ volatile("" : "+r"(p));				\
		return p;						\
	}

STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)

static const step_fn steps[RADIX] = {
	step0, step1, step2, step3, step4, step5, step6, step7,
	step8, step9, step10, step11, step12, step13, step14, step15,
};

/* allocate_along PATH SIZE: malloc(SIZE) at the end of call path PATH. */
static __attribute__((noinline)) void *
allocate_along(uint32_t path, size_t size)
{
	void *p = steps[(path >> (4 * (DIGITS - 1))) % RADIX](path, DIGITS - 1, size);

	__asm__ volatile("" : "+r"(p));
	return p;
}

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
	long s = argc > 2 ? atol(argv[2]) : 10000L;
	unsigned char **block;
	uint64_t seed = 11, sum = 0;

	if (n < 1 || s < 1 || s > (1L << (4 * DIGITS))) {
		fprintf(stderr, "dump_big: BLOCKS >= 1, 1 <= STACKS <= %ld\n",
		    1L << (4 * DIGITS));
		return 2;
	}
	block = malloc((size_t)n * sizeof(*block));
	if (block == NULL)
		goto oom;
	for (long i = 0; i < n; i++) {
		size_t size = 16 + lcg_next(&seed) % 241;	/* 16..256 */

		block[i] = allocate_along((uint32_t)(i % s), size);
		if (block[i] == NULL)
			goto oom;
		block[i][0] = (unsigned char)i;
		block[i][15] = (unsigned char)size;
	}
	if (tether_loaded()) {
		char path[4096];
		struct timespec t0, t1;
		long rc;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = tether_dump_path(path, sizeof(path));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (rc <= 0) {
			fprintf(stderr, "dump_big: tether_dump failed (%ld)\n", rc);
			return 1;
		}
		fprintf(stderr, "dump_big: tether_dump %.3f ms %s\n",
		    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, path);
	}
	for (long i = 0; i < n; i++) {
		sum = sum * 31 + block[i][0] + block[i][15];
		free(block[i]);
	}
	free(block);
	printf("dump_big blocks=%ld stacks=%ld checksum=%016llx\n", n, s,
	    (unsigned long long)sum);
	return 0;
oom:
	fprintf(stderr, "dump_big: out of memory\n");
	return 1;
}
