/*
 * scan.h - the reachability classifier: given the live blocks and the root
 * memory (data of every module, thread stacks and registers, TLS), it marks
 * each block with Valgrind memcheck's verdicts (tdump.h, enum
 * tt_leak_kind) and notes the first pointer that reached it, from which the
 * tool rebuilds retention paths.
 *
 * The rules are memcheck's, so that numbers compare exactly:
 *  - a block reached from a root or a reachable block by a pointer to its
 *    start (or an interior pointer a heuristic accepts) is reachable; by any
 *    other pointer into it, or from a possibly lost block, possibly lost;
 *  - the blocks left are lost.  In address order, each one still unreached
 *    leads a clique: everything unreached that it points to (start or
 *    interior) is indirectly lost, including earlier leaders, which stop
 *    being leaders; the leaders left are definitely lost.  A lost cycle
 *    thus has exactly one definite block: its lowest address.
 *
 * The caller (leak_check.c) stops the other threads first; the classifier
 * itself reads root memory only through tt_scan_root(), which the caller
 * feeds from a safe copy, and reads block contents directly (live heap).
 *
 * Context: never allocates from the program's heap (mmap only); not
 * thread-safe: one scan at a time.
 */
#ifndef TT_SCAN_H
#define TT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tt_scan_blk {
	uint64_t addr;		/* as the program was given it */
	uint64_t size;		/* as the program asked */
	uint64_t from;		/* first pointer that reached it, 0 = none */
	uint64_t time_ns;	/* allocation time stamp (table.h) */
	uint32_t stack;		/* stack id */
	uint32_t thread;	/* allocating thread number */
	uint8_t kind;		/* enum tt_leak_kind, 0 while unreached */
	uint8_t flags;		/* TT_LEAK_F_* */
};

/* An address range [lo, hi). */
struct tt_range {
	uint64_t lo, hi;
};

struct tt_scan {
	struct tt_scan_blk *b;	/* sorted by address after tt_scan_sort() */
	size_t n, cap;
	uint64_t lo, hi;	/* lowest block start, highest block end */
	uint32_t *work;		/* mark stack of block indices */
	size_t top, work_cap;
	/* For the multiple-inheritance heuristic: sorted ranges of readable
	 * file mappings and of executable ones (a vtable lies in the first and
	 * points into the second).  May be empty. */
	const struct tt_range *files, *code;
	size_t nfiles, ncode;
	uint64_t root_bytes;
};

/* tt_scan_init() - room for up to cap blocks. Return: 0 or -ENOMEM. */
int tt_scan_init(struct tt_scan *s, size_t cap);

/* tt_scan_free() - give the memory back. */
void tt_scan_free(struct tt_scan *s);

/* tt_scan_add() - one live block; false when full. */
bool tt_scan_add(struct tt_scan *s, uint64_t addr, uint64_t size, uint32_t stack,
		 uint32_t thread, uint64_t time_ns);

/* tt_scan_sort() - after the last add, before any root. */
void tt_scan_sort(struct tt_scan *s);

/*
 * tt_scan_root() - scan len bytes of root memory: words is a readable copy
 * (or the memory itself), at was its address in the program (0 for
 * registers, whose "from" becomes TT_LEAK_FROM_REGISTER).
 */
void tt_scan_root(struct tt_scan *s, const void *words, size_t len, uint64_t at);

/* tt_scan_finish() - follow the heap from what the roots reached, then
 * sort out the lost blocks into cliques.  Every block gets a kind. */
void tt_scan_finish(struct tt_scan *s);

/* tt_scan_find() - index of the block containing address a, or -1. */
long tt_scan_find(const struct tt_scan *s, uint64_t a);

/*
 * A second, plainer marking over the same blocks, for threads that can
 * never wake (leak_check.c): which blocks some subset of the roots reaches
 * through pointers to anywhere in them (interior pointers count: it must
 * never call a thread stuck that could be woken), and which of a few
 * watched address ranges (the objects threads wait on) a pointer seen on
 * the way points into.  The verdicts of the scan are left alone.
 */
struct tt_reach {
	const struct tt_scan *s;
	uint8_t *mark;		/* one byte a block */
	uint32_t *work;
	size_t top;
	const struct tt_range *watch;
	size_t nwatch;
	uint8_t *seen;		/* seen[i]: a pointer into watch[i] was found */
	uint64_t wlo, whi;	/* bounds of all watched ranges */
};

/* tt_reach_init() - no block marked yet.  Return: 0 or -ENOMEM. */
int tt_reach_init(struct tt_reach *r, const struct tt_scan *s,
		  const struct tt_range *watch, size_t nwatch, uint8_t *seen);
void tt_reach_free(struct tt_reach *r);

/* tt_reach_root() - len bytes of root memory (a readable copy), then
 * tt_reach_drain() - follow the heap from what they reached. */
void tt_reach_root(struct tt_reach *r, const void *words, size_t len);
void tt_reach_drain(struct tt_reach *r);

/* tt_reach_marked() - whether block i was reached. */
bool tt_reach_marked(const struct tt_reach *r, long i);

#endif /* TT_SCAN_H */
