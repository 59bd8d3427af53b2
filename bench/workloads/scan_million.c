/*
 * scan_million - a million blocks still live at exit, for a leak checker's
 * final scan.
 *
 * Usage: scan_million [BLOCKS]    (default 1000000)
 *
 * Allocates BLOCKS blocks of 16..256 bytes, each starting with a next
 * pointer and filled with a byte pattern that looks like no address, and
 * exits without freeing any: three in four stay reachable (a table that a
 * global points to holds them, and they are also chained into one list),
 * one in four is lost in chains of CHAIN blocks whose head nothing points
 * to (the head definitely lost, the rest indirectly lost).  So the scan at
 * exit has BLOCKS live blocks to classify and the reachable ones to read
 * through.  live_million, by contrast, frees everything before it exits.
 * The checksum depends only on the data written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHAIN 8

struct node {
	struct node *next;
	unsigned char data[];
};

/* The root of the reachable blocks: a global, so the scan finds it. */
struct node **scan_million_table;
struct node *scan_million_list;

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
	struct node *lost = NULL;
	long kept = 0, chain = 0;
	uint64_t seed = 11, sum = 0;

	if (n < 1)
		n = 1;
	scan_million_table = malloc((size_t)n * sizeof(*scan_million_table));
	if (scan_million_table == NULL)
		goto oom;
	for (long i = 0; i < n; i++) {
		size_t size = 16 + lcg_next(&seed) % 241;	/* 16..256 */
		struct node *p = malloc(size);

		if (p == NULL)
			goto oom;
		memset(p->data, 0x5a, size - sizeof(*p));
		p->data[0] = (unsigned char)i;
		sum = sum * 31 + p->data[0] + size;
		if (i % 4 != 3) {
			p->next = scan_million_list;
			scan_million_list = p;
			scan_million_table[kept++] = p;
		} else {
			p->next = lost;
			lost = p;
			if (++chain == CHAIN) {
				lost = NULL;	/* the whole chain is lost */
				chain = 0;
			}
		}
	}
	printf("scan_million blocks=%ld reachable=%ld checksum=%016llx\n", n, kept,
	    (unsigned long long)sum);
	return 0;	/* nothing freed: every block is live at exit */
oom:
	fprintf(stderr, "scan_million: out of memory\n");
	return 1;
}
