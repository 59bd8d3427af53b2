/*
 * deep - allocations from deep call stacks through many distinct call sites.
 *
 * Usage: deep [ALLOCATIONS]       (default 2000000)
 *
 * NFUNC small functions (step0 .. step31) call one another through a table of
 * function pointers.  Each allocation walks one of NPATHS fixed paths: the
 * path number picks the first function, a depth of 20..60 and an LCG seed that
 * chooses every next function, and the function reached at depth 0 calls
 * malloc from its own call site.  So there are NPATHS (400) distinct
 * allocation stacks, 20 to 60 frames deep plus main, each reached many times.
 * The blocks go into a ring of RING live blocks (the oldest in a slot is
 * freed).  Every step does a little work after its call, so the compiler can
 * turn none of the calls into jumps (no tail calls, no inlining through the
 * table).  The checksum depends only on the work done.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NFUNC 32
#define NPATHS 400
#define RING 1000

typedef uint64_t (*step_fn)(int depth, uint64_t state);

static step_fn table[NFUNC];
static unsigned char *ring[RING];
static size_t ring_len[RING];
static uint64_t ring_pos;

/* 64-bit LCG step (Knuth's MMIX constants). */
static uint64_t
lcg(uint64_t x)
{
	return x * 6364136223846793005ULL + 1442695040888963407ULL;
}

/* Store a fresh block in the ring, freeing the one it replaces; returns a
 * value derived from the replaced block's contents. */
static __attribute__((noinline)) uint64_t
keep(unsigned char *p, size_t size)
{
	size_t slot = (size_t)(ring_pos++ * 7919 % RING);
	uint64_t v = 1;

	if (ring[slot] != NULL) {
		v = (uint64_t)ring[slot][0] * 257 + ring[slot][ring_len[slot] - 1];
		free(ring[slot]);
	}
	ring[slot] = p;
	ring_len[slot] = size;
	return v;
}

/* One step of a path: at depth 0 allocate from this function's own call
 * site, otherwise call the next function the LCG chooses.  The "+ (k + 1)"
 * after the call keeps it a real call. */
#define STEP(k)								\
static __attribute__((noinline)) uint64_t				\
step##k(int depth, uint64_t state)					\
{									\
	if (depth == 0) {						\
		size_t size = 16 + (size_t)((state >> 20) % (64 + 8 * (k)));	\
		unsigned char *p = malloc(size);			\
		if (p == NULL)						\
			abort();					\
		p[0] = (unsigned char)state;				\
		p[size - 1] = (unsigned char)(k);			\
		return keep(p, size);					\
	}								\
	state = lcg(state);						\
	return table[(state >> 59) % NFUNC](depth - 1, state) + (k + 1); \
}

STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)
STEP(16) STEP(17) STEP(18) STEP(19) STEP(20) STEP(21) STEP(22) STEP(23)
STEP(24) STEP(25) STEP(26) STEP(27) STEP(28) STEP(29) STEP(30) STEP(31)

int
main(int argc, char **argv)
{
	static const step_fn steps[NFUNC] = {
		step0, step1, step2, step3, step4, step5, step6, step7,
		step8, step9, step10, step11, step12, step13, step14, step15,
		step16, step17, step18, step19, step20, step21, step22, step23,
		step24, step25, step26, step27, step28, step29, step30, step31,
	};
	long n = argc > 1 ? atol(argv[1]) : 2000000L;
	uint64_t sum = 0;

	for (int f = 0; f < NFUNC; f++)
		table[f] = steps[f];
	for (long i = 0; i < n; i++) {
		uint64_t path = (uint64_t)(i % NPATHS);
		uint64_t seed = lcg(lcg(path + 1));
		int depth = 20 + (int)((seed >> 40) % 41);	/* 20..60 */

		sum = sum * 31 + table[path % NFUNC](depth, seed);
	}
	for (size_t s = 0; s < RING; s++) {
		if (ring[s] != NULL) {
			sum = sum * 31 + ring[s][0];
			free(ring[s]);
		}
	}
	printf("deep allocations=%ld paths=%d checksum=%016llx\n", n, NPATHS,
	    (unsigned long long)sum);
	return 0;
}
