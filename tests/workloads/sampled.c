/*
 * sampled.c - known allocations for the sampling estimator: N blocks of
 * sizes spread from 64 to 4096 bytes kept live at one site (marker keep),
 * N more allocated and freed at another (marker churn), and a third site
 * of N large blocks (16 to 64 KiB) kept live (marker big).  Sizes come
 * from a fixed generator, so the truth is known: it prints the exact
 * in-use and allocated totals of each site, which the test compares with
 * what tether estimates from a sample.  Usage: sampled [N] (default 40000).
 */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long state = 88172645463325252ull;

static unsigned long long
next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static void *kept[1 << 20], *big[1 << 20];

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 40000;
	unsigned long long keep_bytes = 0, churn_bytes = 0, big_bytes = 0;

	if (n <= 0 || n > (1 << 20))
		return 2;
	for (long i = 0; i < n; i++) {
		size_t s = 64 + next() % 4033, t = 64 + next() % 4033;
		size_t b = 16384 + next() % 49153;
		void *p;

		kept[i] = malloc(s); /* @keep */
		memset(kept[i], 1, s);
		keep_bytes += s;
		p = malloc(t); /* @churn */
		memset(p, 2, t);
		churn_bytes += t;
		free(p);
		if (i % 16 == 0) {
			big[i / 16] = malloc(b); /* @big */
			memset(big[i / 16], 3, 64);
			big_bytes += b;
		}
	}
	printf("keep %ld %llu\nchurn %ld %llu\nbig %ld %llu\n", n, keep_bytes, n, churn_bytes,
	       (n + 15) / 16, big_bytes);
	return 0;
}
