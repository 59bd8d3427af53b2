/*
 * indirect.c - precision corpus: lost structures whose inner blocks are
 * reachable only from lost blocks.
 *
 * Leaks:
 *   a singly linked list of 5 nodes of 32 bytes, its head dropped:
 *     the head definitely lost, the 4 others indirectly lost;
 *   a complete binary tree of depth 3 (7 nodes of 40 bytes), its root
 *     dropped: the root definitely lost, the 6 others indirectly lost;
 *   a second list of 3 nodes of 32 bytes kept from a global: reachable.
 * Expected verdicts (memcheck and tether alike):
 *   definitely lost 72 bytes in 2 blocks; indirectly lost 368 bytes in 10
 *   blocks; possibly 0; still reachable 96 bytes in 3 blocks.
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>

struct node {			/* 32 bytes */
	struct node *next;
	long payload[3];
};

struct tree {			/* 40 bytes */
	struct tree *left, *right;
	long payload[3];
};

struct node *kept_list;

__attribute__((noinline)) static void
scrub_stack(void)
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static struct node *
make_list(int n)
{
	struct node *head = NULL;

	for (int i = 0; i < n; i++) {
		struct node *x = calloc(1, sizeof(*x));

		x->payload[0] = i;
		x->next = head;
		head = x;
	}
	return head;
}

__attribute__((noinline)) static struct tree *
make_tree(int depth)
{
	struct tree *t;

	if (depth == 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	t->payload[0] = depth;
	t->left = make_tree(depth - 1);
	t->right = make_tree(depth - 1);
	return t;
}

__attribute__((noinline)) static long
lose_list(void)
{
	struct node *l = make_list(5);
	long sum = 0;

	for (struct node *x = l; x != NULL; x = x->next)
		sum += x->payload[0];
	return sum;
}

__attribute__((noinline)) static long
lose_tree(void)
{
	struct tree *t = make_tree(3);

	return t->payload[0] + t->left->payload[0];
}

int
main(void)
{
	long a, b;

	a = lose_list();
	b = lose_tree();
	kept_list = make_list(3);
	scrub_stack();
	printf("indirect: %ld %ld\n", a, b);
	return 0;
}
