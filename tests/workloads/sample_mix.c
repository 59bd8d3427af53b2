/*
 * sample_mix.c - the malloc family under sampled mode, where only the
 * sampled blocks have a header and live in their own arena: a random mix
 * of malloc, calloc, realloc, reallocarray, the aligned allocations and
 * free over 2,000 slots, each block filled with a pattern of its own that
 * is checked before it is resized or freed.  A realloc that moves a block
 * between the arena and the rest (sampled to not, or back) must keep its
 * bytes; a calloc must be zero; an aligned block aligned.  Prints one
 * line per kind of check and a checksum of the data; exits 1 on the first
 * broken rule.  tests/cli/sampling.sh runs it plain and at three sample
 * rates and wants the same output.
 *
 * Usage: sample_mix [STEPS]   (default 200000)
 *        sample_mix usable    prints malloc_usable_size(malloc(130)):
 *                             jemalloc's class is 160 B; with tether's
 *                             16-byte header in front, 144 B are left
 *        sample_mix double    frees a block twice (only under tether,
 *                             which catches it when the block has a header)
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 2000

static unsigned char *blk[SLOTS];
static size_t len[SLOTS];
static unsigned char tag[SLOTS];

static uint64_t seed = 7;

static uint32_t
next(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(seed >> 33);
}

static void
fail(const char *what, size_t i)
{
	printf("broken: %s (slot %zu, %zu bytes)\n", what, i, len[i]);
	exit(1);
}

static void
fill(size_t i, size_t from)
{
	for (size_t k = from; k < len[i]; k++)
		blk[i][k] = (unsigned char)(tag[i] + k * 31);
}

static void
verify(size_t i, size_t upto)
{
	for (size_t k = 0; k < upto && k < len[i]; k++)
		if (blk[i][k] != (unsigned char)(tag[i] + k * 31))
			fail("a block's bytes changed", i);
}

/* Mostly small sizes, now and then a large one (past any sampling rate). */
static size_t
some_size(void)
{
	uint32_t r = next();

	if (r % 100 == 0)
		return 100000 + r % 900000;
	if (r % 10 == 0)
		return 1000 + r % 9000;
	return 1 + r % 300;
}

int
main(int argc, char **argv)
{
	long steps;
	unsigned long moves = 0, zeroed = 0, aligned = 0, made = 0, resized = 0;
	uint64_t sum = 0;

	if (argc > 1 && strcmp(argv[1], "usable") == 0) {
		void *p = malloc(130);

		printf("usable(130) = %zu\n", malloc_usable_size(p));
		free(p);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "double") == 0) {
		void *volatile p = malloc(100);	/* volatile: kept by the optimiser */

		free(p);
		free(p);
		puts("survived");
		return 0;
	}
	steps = argc > 1 ? atol(argv[1]) : 200000;
	for (long s = 0; s < steps; s++) {
		size_t i = next() % SLOTS, n = some_size(), a;
		uint32_t op = next() % 8;
		void *q = NULL;

		if (blk[i] != NULL && op < 3) {		/* resize */
			size_t old = len[i];

			verify(i, old);
			q = op == 0 ? reallocarray(blk[i], n, 1) : realloc(blk[i], n);
			if (q == NULL)
				fail("realloc failed", i);
			if (q != blk[i])
				moves++;
			resized++;
			blk[i] = q;
			len[i] = n;
			verify(i, old < n ? old : n);
			fill(i, old < n ? old : n);
			continue;
		}
		if (blk[i] != NULL) {
			verify(i, len[i]);
			sum = sum * 31 + blk[i][len[i] / 2];
			free(blk[i]);
			blk[i] = NULL;
		}
		switch (op) {
		case 3:
			q = calloc(n, 1);
			if (q == NULL)
				fail("calloc failed", i);
			for (size_t k = 0; k < n; k++)
				if (((unsigned char *)q)[k] != 0)
					fail("calloc memory not zero", i);
			zeroed++;
			break;
		case 4:
			a = (size_t)16 << (next() % 9);		/* 16 B to 4 KiB */
			if (posix_memalign(&q, a, n) != 0)
				fail("posix_memalign failed", i);
			if ((uintptr_t)q % a != 0)
				fail("posix_memalign misaligned", i);
			aligned++;
			break;
		case 5:
			a = (size_t)64 << (next() % 4);
			q = aligned_alloc(a, (n + a - 1) / a * a);
			if (q == NULL || (uintptr_t)q % a != 0)
				fail("aligned_alloc misaligned", i);
			n = (n + a - 1) / a * a;
			aligned++;
			break;
		default:
			q = malloc(n);
			if (q == NULL)
				fail("malloc failed", i);
		}
		if (malloc_usable_size(q) < n)
			fail("malloc_usable_size below the size asked", i);
		blk[i] = q;
		len[i] = n;
		made++;
		tag[i] = (unsigned char)next();
		fill(i, 0);
	}
	for (size_t i = 0; i < SLOTS; i++)
		if (blk[i] != NULL) {
			verify(i, len[i]);
			sum = sum * 31 + blk[i][0];
			free(blk[i]);
		}
	printf("every block kept its bytes through %ld steps\n", steps);
	printf("allocations %lu, resizes %lu\n", made, resized);
	printf("calloc zeroed %lu blocks; %lu aligned blocks aligned\n", zeroed, aligned);
	printf("realloc moved some blocks: %s\n", moves > 0 ? "yes" : "no");
	printf("checksum %016llx\n", (unsigned long long)sum);
	return 0;
}
