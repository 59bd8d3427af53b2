/*
 * cycle.c - precision corpus: lost cycles.  memcheck makes the first block
 * of a lost clique it meets (in address order) its definitely lost leader
 * and the others indirectly lost; the nodes of each cycle have one size,
 * so the sums do not depend on which one leads.
 *
 * Leaks:
 *   a ring of 3 nodes of 48 bytes, dropped: 1 definite + 2 indirect;
 *   a node of 16 bytes pointing to itself, dropped: 1 definite;
 *   a ring of 2 nodes of 48 bytes kept from a global: reachable.
 * Expected verdicts (memcheck and tether alike):
 *   definitely lost 64 bytes in 2 blocks; indirectly lost 96 bytes in 2
 *   blocks; possibly 0; still reachable 96 bytes in 2 blocks.
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>

struct ring {			/* 48 bytes */
	struct ring *next;
	long payload[5];
};

struct self {			/* 16 bytes */
	struct self *me;
	long payload;
};

struct ring *kept_ring;

__attribute__((noinline)) static void
scrub_stack(void)
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static struct ring *
make_ring(int n)
{
	struct ring *first = calloc(1, sizeof(*first)), *last = first;

	for (int i = 1; i < n; i++) {
		struct ring *x = calloc(1, sizeof(*x));

		x->payload[0] = i;
		last->next = x;
		last = x;
	}
	last->next = first;
	return first;
}

__attribute__((noinline)) static long
lose(void)
{
	struct ring *r = make_ring(3);
	struct self *s = calloc(1, sizeof(*s));

	s->me = s;
	s->payload = 9;
	return r->next->next->payload[0] + s->me->payload;
}

int
main(void)
{
	long v = lose();

	kept_ring = make_ring(2);
	scrub_stack();
	printf("cycle: %ld\n", v);
	return 0;
}
