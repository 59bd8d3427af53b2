/*
 * test_scan.c - the reachability classifier against memcheck's rules: the
 * nine pointer chains of Valgrind's manual, lost cycles and cliques, a
 * possibly lost block promoted to reachable, zero-sized blocks, block
 * bounds, the four interior-pointer heuristics, unaligned root words, and
 * ten thousand blocks for the sort and the search.
 *
 * Blocks are real heap memory (calloc), registered with their real
 * addresses, since the classifier reads block contents directly; roots are
 * local arrays passed to tt_scan_root() with their own address, so that
 * "from" can be checked against the exact word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format/tdump.h"
#include "lib/scan.h"

#define MANY 10000

static struct tt_scan s;
static uint64_t *blk[MANY];	/* this test's blocks, freed by teardown */
static size_t sz[MANY];
static size_t nblk;

/* An address as the scan sees it. */
#define A(p) ((uint64_t)(uintptr_t)(p))

/* The block starting at p got kind k, first reached from the word at f. */
#define VERDICT(p, k, f) do {						\
		long i_ = tt_scan_find(&s, A(p));			\
									\
		assert_true(i_ >= 0);					\
		assert_int_equal(s.b[i_].addr, A(p));			\
		assert_int_equal(s.b[i_].kind, (k));			\
		assert_int_equal(s.b[i_].from, (f));			\
	} while (0)

/* Its TT_LEAK_F_* flags. */
#define FLAGS(p) (s.b[tt_scan_find(&s, A(p))].flags)

static int
setup(void **state)
{
	(void)state;
	nblk = 0;
	return tt_scan_init(&s, MANY);
}

static int
teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nblk; i++)
		free(blk[i]);
	nblk = 0;
	tt_scan_free(&s);
	return 0;
}

/* A zeroed block of size bytes (0 is a real malloc(0) block). */
static uint64_t *
new_blk(size_t size)
{
	uint64_t *p = calloc(1, size);

	assert_non_null(p);
	assert_true(nblk < MANY);
	blk[nblk] = p;
	sz[nblk++] = size;
	return p;
}

/* Register every block, last allocated first so that the sort has work. */
static void
ready(void)
{
	for (size_t i = nblk; i-- > 0;)
		assert_true(tt_scan_add(&s, A(blk[i]), sz[i], 1, 1, 0));
	tt_scan_sort(&s);
}

/* Put n block pointers in address order: cliques depend on it. */
static void
lowest_first(uint64_t **v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && A(v[k]) < A(v[k - 1]); k--) {
			uint64_t *t = v[k];

			v[k] = v[k - 1];
			v[k - 1] = t;
		}
}

/* Scan a root array at its own address. */
#define ROOT(r) tt_scan_root(&s, (r), sizeof(r), A(r))

/*
 * The nine cases of Valgrind's manual (section 4.2.8), interior pointers
 * not matching any heuristic: 16 bytes into a zeroed 32-byte block.
 */

/* (1) RRR ---> BBB: B reachable, from the root word; from a register too. */
static void
test_case1_root_to_b(void **state)
{
	uint64_t *b = new_blk(32), *c = new_blk(32);
	uint64_t root[2] = { 0, 0 }, regs[1];

	(void)state;
	root[1] = A(b);
	regs[0] = A(c);
	ready();
	ROOT(root);
	tt_scan_root(&s, regs, sizeof(regs), 0);
	tt_scan_finish(&s);
	VERDICT(b, TT_LEAK_REACHABLE, A(&root[1]));
	VERDICT(c, TT_LEAK_REACHABLE, TT_LEAK_FROM_REGISTER);
	assert_int_equal(FLAGS(b), 0);
}

/* (2) RRR ---> AAA ---> BBB: both reachable, B from A's word. */
static void
test_case2_root_a_b(void **state)
{
	uint64_t *a = new_blk(32), *b = new_blk(32);
	uint64_t root[1];

	(void)state;
	root[0] = A(a);
	a[2] = A(b);
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(a, TT_LEAK_REACHABLE, A(&root[0]));
	VERDICT(b, TT_LEAK_REACHABLE, A(&a[2]));
}

/* (3) RRR   BBB: nothing points to B, definitely lost, from none. */
static void
test_case3_b_alone(void **state)
{
	uint64_t *b = new_blk(32);
	uint64_t root[1] = { 0 };

	(void)state;
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(b, TT_LEAK_DEFINITE, 0);
}

/* (4) RRR   AAA ---> BBB: A definite, B indirect; both address orders
 * (with B below A, B first leads a clique that A's then absorbs). */
static void
test_case4_a_b_unreferenced(void **state)
{
	uint64_t *v[4] = { new_blk(32), new_blk(32), new_blk(32), new_blk(32) };

	(void)state;
	lowest_first(v, 4);
	v[0][0] = A(v[1]);	/* lower A */
	v[3][1] = A(v[2]);	/* higher A */
	ready();
	tt_scan_finish(&s);
	VERDICT(v[0], TT_LEAK_DEFINITE, 0);
	VERDICT(v[1], TT_LEAK_INDIRECT, A(&v[0][0]));
	VERDICT(v[3], TT_LEAK_DEFINITE, 0);
	VERDICT(v[2], TT_LEAK_INDIRECT, A(&v[3][1]));
}

/* (5) RRR --?--> BBB: possibly lost. */
static void
test_case5_root_interior_b(void **state)
{
	uint64_t *b = new_blk(32);
	uint64_t root[1];

	(void)state;
	root[0] = A(b) + 16;
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(b, TT_LEAK_POSSIBLE, A(&root[0]));
	assert_int_equal(FLAGS(b), 0);
}

/* (6) RRR ---> AAA -?-> BBB: A reachable, B possibly lost. */
static void
test_case6_root_a_interior_b(void **state)
{
	uint64_t *a = new_blk(32), *b = new_blk(32);
	uint64_t root[1];

	(void)state;
	root[0] = A(a);
	a[1] = A(b) + 16;
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(a, TT_LEAK_REACHABLE, A(&root[0]));
	VERDICT(b, TT_LEAK_POSSIBLE, A(&a[1]));
}

/* (7) RRR -?-> AAA ---> BBB: a start pointer from a possibly lost block
 * makes only a possibly lost block. */
static void
test_case7_root_interior_a_b(void **state)
{
	uint64_t *a = new_blk(32), *b = new_blk(32);
	uint64_t root[1];

	(void)state;
	root[0] = A(a) + 16;
	a[0] = A(b);
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(a, TT_LEAK_POSSIBLE, A(&root[0]));
	VERDICT(b, TT_LEAK_POSSIBLE, A(&a[0]));
}

/* (8) RRR -?-> AAA -?-> BBB: both possibly lost. */
static void
test_case8_root_interior_a_interior_b(void **state)
{
	uint64_t *a = new_blk(32), *b = new_blk(32);
	uint64_t root[1];

	(void)state;
	root[0] = A(a) + 24;
	a[3] = A(b) + 31;
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(a, TT_LEAK_POSSIBLE, A(&root[0]));
	VERDICT(b, TT_LEAK_POSSIBLE, A(&a[3]));
}

/* (9) RRR   AAA -?-> BBB: cliques take interior pointers too: A definite,
 * B indirect; both address orders. */
static void
test_case9_a_interior_b_unreferenced(void **state)
{
	uint64_t *v[4] = { new_blk(32), new_blk(32), new_blk(32), new_blk(32) };

	(void)state;
	lowest_first(v, 4);
	v[0][1] = A(v[2]) + 16;
	v[3][2] = A(v[1]) + 8;
	ready();
	tt_scan_finish(&s);
	VERDICT(v[0], TT_LEAK_DEFINITE, 0);
	VERDICT(v[2], TT_LEAK_INDIRECT, A(&v[0][1]));
	VERDICT(v[3], TT_LEAK_DEFINITE, 0);
	VERDICT(v[1], TT_LEAK_INDIRECT, A(&v[3][2]));
}

/* A lost cycle of two: the lower block definite, the other indirect. */
static void
test_lost_cycle_of_two(void **state)
{
	uint64_t *v[2] = { new_blk(32), new_blk(32) };

	(void)state;
	lowest_first(v, 2);
	v[0][3] = A(v[1]);
	v[1][0] = A(v[0]);
	ready();
	tt_scan_finish(&s);
	VERDICT(v[0], TT_LEAK_DEFINITE, 0);
	VERDICT(v[1], TT_LEAK_INDIRECT, A(&v[0][3]));
}

/* A lost cycle of three, not in address order (lo -> hi -> mid -> lo):
 * still only the lowest is definite. */
static void
test_lost_cycle_of_three(void **state)
{
	uint64_t *v[3] = { new_blk(32), new_blk(32), new_blk(32) };

	(void)state;
	lowest_first(v, 3);
	v[0][0] = A(v[2]);
	v[2][1] = A(v[1]) + 8;	/* interior: cliques do not mind */
	v[1][2] = A(v[0]);
	ready();
	tt_scan_finish(&s);
	VERDICT(v[0], TT_LEAK_DEFINITE, 0);
	VERDICT(v[2], TT_LEAK_INDIRECT, A(&v[0][0]));
	VERDICT(v[1], TT_LEAK_INDIRECT, A(&v[2][1]));
}

/*
 * A later lost block absorbs an earlier leader with its clique: L2 -> L1
 * -> C with L1 below L2.  With C between them, L1 leads first and takes C;
 * with C lowest, C leads, then L1 takes it, then L2 takes L1.  Either way
 * L2 alone is definite.
 */
static void
test_clique_absorbs_earlier_leader(void **state)
{
	uint64_t *v[3] = { new_blk(32), new_blk(32), new_blk(32) };
	uint64_t *w[3] = { new_blk(32), new_blk(32), new_blk(32) };

	(void)state;
	lowest_first(v, 3);
	lowest_first(w, 3);
	/* L1 = v[0], C = v[1], L2 = v[2] */
	v[0][1] = A(v[1]);
	v[2][0] = A(v[0]);
	/* C = w[0], L1 = w[1], L2 = w[2] */
	w[1][3] = A(w[0]);
	w[2][2] = A(w[1]);
	ready();
	tt_scan_finish(&s);
	VERDICT(v[2], TT_LEAK_DEFINITE, 0);
	VERDICT(v[0], TT_LEAK_INDIRECT, A(&v[2][0]));
	VERDICT(v[1], TT_LEAK_INDIRECT, A(&v[0][1]));
	VERDICT(w[2], TT_LEAK_DEFINITE, 0);
	VERDICT(w[1], TT_LEAK_INDIRECT, A(&w[2][2]));
	VERDICT(w[0], TT_LEAK_INDIRECT, A(&w[1][3]));
}

/*
 * Possibly lost, then a start pointer from a reachable block: reachable,
 * "from" moved to that pointer.  X is first reached by an interior root
 * pointer, Y by a start pointer from a possibly lost block; both lie on
 * the mark stack above R, which then reaches them.  Interior pointers to
 * a reachable block leave it alone.
 */
static void
test_possible_then_start_pointer_is_reachable(void **state)
{
	uint64_t *r = new_blk(32), *x = new_blk(32), *p = new_blk(32), *y = new_blk(32);
	uint64_t root[4];

	(void)state;
	root[0] = A(r);
	root[1] = A(x) + 16;
	root[2] = A(p) + 8;
	root[3] = A(r) + 24;
	p[0] = A(y);
	r[0] = A(x);
	r[1] = A(y);
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(r, TT_LEAK_REACHABLE, A(&root[0]));
	VERDICT(x, TT_LEAK_REACHABLE, A(&r[0]));
	VERDICT(y, TT_LEAK_REACHABLE, A(&r[1]));
	VERDICT(p, TT_LEAK_POSSIBLE, A(&root[2]));
}

/*
 * Zero-sized blocks: pointed to by their own address (memcheck treats
 * them as one byte long), not one past it.  Only zero-sized blocks here,
 * so the highest block is one too.
 */
static void
test_zero_sized_blocks(void **state)
{
	uint64_t *z1 = new_blk(0), *z2 = new_blk(0), *z3 = new_blk(0);
	uint64_t *z4 = new_blk(0), *z5 = new_blk(0);
	uint64_t root[3];

	(void)state;
	root[0] = A(z1);
	root[1] = A(z2);
	root[2] = A(z5) + 1;
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(z1, TT_LEAK_REACHABLE, A(&root[0]));
	VERDICT(z2, TT_LEAK_REACHABLE, A(&root[1]));
	VERDICT(z3, TT_LEAK_DEFINITE, 0);
	VERDICT(z4, TT_LEAK_DEFINITE, 0);
	VERDICT(z5, TT_LEAK_DEFINITE, 0);
}

/* A zero-sized block held only by a lost block is indirectly lost. */
static void
test_zero_sized_block_in_clique(void **state)
{
	uint64_t *l = new_blk(32), *z = new_blk(0), *y = new_blk(32);
	uint64_t root[1];

	(void)state;
	l[1] = A(z);
	y[0] = A(z) + 1;	/* past a zero-sized block: nothing */
	root[0] = A(y);
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(y, TT_LEAK_REACHABLE, A(&root[0]));
	VERDICT(l, TT_LEAK_DEFINITE, 0);
	VERDICT(z, TT_LEAK_INDIRECT, A(&l[1]));
}

/*
 * Block bounds, sizes not a multiple of 8: one past the end is no pointer
 * to a block (for the highest block too, which ends the scanned range);
 * the last byte is an interior pointer.
 */
static void
test_block_bounds(void **state)
{
	uint64_t *v[4] = { new_blk(40), new_blk(40), new_blk(40), new_blk(40) };
	uint64_t root[4];

	(void)state;
	lowest_first(v, 4);
	root[0] = A(v[0]) + 40;
	root[1] = A(v[1]) + 39;
	root[2] = A(v[2]);
	root[3] = A(v[3]) + 40;
	ready();
	assert_int_equal(tt_scan_find(&s, A(v[0]) + 40), -1);
	assert_int_equal(tt_scan_find(&s, A(v[3]) + 40), -1);
	assert_int_equal(tt_scan_find(&s, A(v[0]) - 1), -1);
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(v[0], TT_LEAK_DEFINITE, 0);
	VERDICT(v[1], TT_LEAK_POSSIBLE, A(&root[1]));
	VERDICT(v[2], TT_LEAK_REACHABLE, A(&root[2]));
	VERDICT(v[3], TT_LEAK_DEFINITE, 0);
}

/*
 * new[]: the first word counts n > 0 elements that divide the rest; a
 * pointer just after it counts as a start pointer.  What the array holds
 * is reachable as from any reachable block.
 */
static void
test_heuristic_new_array(void **state)
{
	uint64_t *ok = new_blk(8 + 3 * 16), *odd = new_blk(8 + 3 * 16);
	uint64_t *zero = new_blk(8 + 3 * 16), *elt = new_blk(16);
	uint64_t root[3];

	(void)state;
	ok[0] = 3;
	ok[2] = A(elt);
	odd[0] = 5;		/* 48 % 5 != 0 */
	zero[0] = 0;		/* new T[0] */
	root[0] = A(ok) + 8;
	root[1] = A(odd) + 8;
	root[2] = A(zero) + 8;
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(ok, TT_LEAK_REACHABLE, A(&root[0]));
	assert_int_equal(FLAGS(ok), TT_LEAK_F_HEURISTIC);
	VERDICT(elt, TT_LEAK_REACHABLE, A(&ok[2]));
	assert_int_equal(FLAGS(elt), 0);
	VERDICT(odd, TT_LEAK_POSSIBLE, A(&root[1]));
	assert_int_equal(FLAGS(odd), 0);
	VERDICT(zero, TT_LEAK_POSSIBLE, A(&root[2]));
	assert_int_equal(FLAGS(zero), 0);
}

/* length64: the first word is the length of the rest (size - 8), odd
 * sizes included; off by one is no length. */
static void
test_heuristic_length64(void **state)
{
	uint64_t *ok = new_blk(8 + 101), *bad = new_blk(8 + 101);
	uint64_t root[2];

	(void)state;
	ok[0] = 101;
	bad[0] = 102;
	root[0] = A(ok) + 8;
	root[1] = A(bad) + 8;
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(ok, TT_LEAK_REACHABLE, A(&root[0]));
	assert_int_equal(FLAGS(ok), TT_LEAK_F_HEURISTIC);
	VERDICT(bad, TT_LEAK_POSSIBLE, A(&root[1]));
	assert_int_equal(FLAGS(bad), 0);
}

/* A pre-C++11 std::string representation: length, capacity, refcount,
 * then capacity + 1 characters. */
static uint64_t *
new_string(uint64_t len, uint64_t cap, size_t size)
{
	uint64_t *p = new_blk(size);

	p[0] = len;
	p[1] = cap;
	p[2] = 0;
	memset(&p[3], 'x', len);
	return p;
}

/* std::string: a pointer to the characters is a start pointer when the
 * header fits the block: size == 24 + capacity + 1, length <= capacity. */
static void
test_heuristic_std_string(void **state)
{
	uint64_t *ok = new_string(5, 15, 24 + 15 + 1);
	uint64_t *full = new_string(15, 15, 24 + 15 + 1);
	uint64_t *longer = new_string(16, 15, 24 + 15 + 1);
	uint64_t *size = new_string(5, 15, 24 + 15 + 2);
	uint64_t *no_nul = new_string(5, 15, 24 + 15);
	uint64_t *off = new_string(5, 15, 24 + 15 + 1);
	uint64_t root[6];

	(void)state;
	root[0] = A(ok) + 24;
	root[1] = A(full) + 24;
	root[2] = A(longer) + 24;
	root[3] = A(size) + 24;
	root[4] = A(off) + 32;	/* not at the characters */
	root[5] = A(no_nul) + 24;
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(ok, TT_LEAK_REACHABLE, A(&root[0]));
	assert_int_equal(FLAGS(ok), TT_LEAK_F_HEURISTIC);
	VERDICT(full, TT_LEAK_REACHABLE, A(&root[1]));
	assert_int_equal(FLAGS(full), TT_LEAK_F_HEURISTIC);
	VERDICT(longer, TT_LEAK_POSSIBLE, A(&root[2]));
	VERDICT(size, TT_LEAK_POSSIBLE, A(&root[3]));
	VERDICT(off, TT_LEAK_POSSIBLE, A(&root[4]));
	VERDICT(no_nul, TT_LEAK_POSSIBLE, A(&root[5]));
	assert_int_equal(FLAGS(longer) | FLAGS(size) | FLAGS(off) | FLAGS(no_nul), 0);
}

/*
 * Multiple inheritance: an interior pointer to a word holding a vtable
 * pointer, in a block whose first word holds one too.  A vtable lies in a
 * file mapping (s.files) and its first words point to code (s.code); here
 * the "file" is a static table of two test functions and "code" covers
 * those two functions.  Negative cases: no vtable in the first word, an
 * inner word pointing outside the files or to a table of data, and a
 * vtable pointer stored at an unaligned offset.
 */
static void
vfn_a(void)
{
}

static void
vfn_b(void)
{
	vfn_a();
}

/* Two "vtables" of two entries each (vtbl and vtbl + 2), and one whose
 * second entry is data. */
static void (*const vtbl[4])(void) = { vfn_a, vfn_b, vfn_b, vfn_a };
static const uint64_t not_code[2] = { 1, 2 };
static const void *const vtbl_bad[2] = { (const void *)vfn_a, not_code };

static void
test_heuristic_multiple_inheritance(void **state)
{
	struct tt_range files[2], code[1];
	uint64_t fa = A(vfn_a), fb = A(vfn_b), vt2 = A(&vtbl[2]);
	uint64_t *ok = new_blk(32), *no_first = new_blk(32);
	uint64_t *not_vt = new_blk(32), *bad_vt = new_blk(32);
	uint64_t *unaligned = new_blk(32);
	uint64_t root[5];

	(void)state;
	/* sorted, disjoint ranges, as leak_check.c makes them */
	files[0] = (struct tt_range){ A(vtbl), A(vtbl) + sizeof(vtbl) };
	files[1] = (struct tt_range){ A(vtbl_bad), A(vtbl_bad) + sizeof(vtbl_bad) };
	if (files[1].lo < files[0].lo) {
		struct tt_range t = files[0];

		files[0] = files[1];
		files[1] = t;
	}
	code[0] = (struct tt_range){ fa < fb ? fa : fb, (fa < fb ? fb : fa) + 1 };
	ok[0] = A(&vtbl[0]);
	ok[2] = A(&vtbl[2]);
	no_first[2] = A(&vtbl[2]);	/* first word 0 */
	not_vt[0] = A(&vtbl[0]);
	not_vt[2] = A(not_code);	/* readable data outside the files */
	bad_vt[0] = A(&vtbl[0]);
	bad_vt[2] = A(vtbl_bad);	/* in the files, but not to code */
	unaligned[0] = A(&vtbl[0]);
	memcpy((char *)unaligned + 12, &vt2, sizeof(vt2));
	root[0] = A(ok) + 16;
	root[1] = A(no_first) + 16;
	root[2] = A(not_vt) + 16;
	root[3] = A(bad_vt) + 16;
	root[4] = A(unaligned) + 12;
	ready();
	s.files = files;
	s.nfiles = 2;
	s.code = code;
	s.ncode = 1;
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(ok, TT_LEAK_REACHABLE, A(&root[0]));
	assert_int_equal(FLAGS(ok), TT_LEAK_F_HEURISTIC);
	VERDICT(no_first, TT_LEAK_POSSIBLE, A(&root[1]));
	VERDICT(not_vt, TT_LEAK_POSSIBLE, A(&root[2]));
	VERDICT(bad_vt, TT_LEAK_POSSIBLE, A(&root[3]));
	VERDICT(unaligned, TT_LEAK_POSSIBLE, A(&root[4]));
}

/*
 * The heuristic flag: a start pointer from a root clears it on a reachable
 * block, whichever comes first.  From a possibly lost block, a heuristic
 * pointer makes only a possibly lost block, flagged as memcheck flags it;
 * a later start pointer from a reachable block then leaves the flag
 * (memcheck clears it only on blocks already reachable).
 */
static void
test_heuristic_flag(void **state)
{
	uint64_t *a = new_blk(32), *b = new_blk(32), *c = new_blk(32);
	uint64_t *p = new_blk(32), *r = new_blk(32);
	uint64_t root[6];

	(void)state;
	a[0] = b[0] = c[0] = 3;	/* new[] arrays of 3 8-byte elements */
	root[0] = A(a) + 8;
	root[1] = A(a);
	root[2] = A(b);
	root[3] = A(b) + 8;
	root[4] = A(r);		/* pushed before P, so scanned after it */
	root[5] = A(p) + 16;
	p[0] = A(c) + 8;
	r[0] = A(c);
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(a, TT_LEAK_REACHABLE, A(&root[0]));
	assert_int_equal(FLAGS(a), 0);
	VERDICT(b, TT_LEAK_REACHABLE, A(&root[2]));
	assert_int_equal(FLAGS(b), 0);
	VERDICT(p, TT_LEAK_POSSIBLE, A(&root[5]));
	VERDICT(c, TT_LEAK_REACHABLE, A(&r[0]));
	assert_int_equal(FLAGS(c), TT_LEAK_F_HEURISTIC);
}

/*
 * The heuristic flag is memcheck's: every interior pointer to a block not
 * reachable yet decides it anew.  C is pointed at C + 8 from possibly lost
 * P (flagged), then at C + 16 from R (cleared), then at its start from R:
 * C is reachable with no heuristic.
 */
static void
test_heuristic_flag_recomputed(void **state)
{
	uint64_t *c = new_blk(32), *p = new_blk(32), *r = new_blk(32);
	uint64_t root[2];

	(void)state;
	c[0] = 3;
	root[0] = A(r);		/* pushed first, scanned last */
	root[1] = A(p) + 16;
	p[0] = A(c) + 8;
	r[0] = A(c) + 16;
	r[1] = A(c);
	ready();
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(c, TT_LEAK_REACHABLE, A(&r[1]));
	assert_int_equal(FLAGS(c), 0);
}

/*
 * Root memory is read as aligned 8-byte words of the copy: a pointer
 * stored 4 bytes off is no pointer, nor is a tail shorter than a word.
 */
static void
test_root_unaligned_word(void **state)
{
	uint64_t *a = new_blk(32), *b = new_blk(32), *c = new_blk(32);
	uint64_t root[3] = { 0, 0, 0 }, tail[2] = { 0, 0 };
	uint64_t pa = A(a);

	(void)state;
	memcpy((char *)root + 4, &pa, sizeof(pa));
	root[2] = A(b);		/* the control: aligned, found */
	tail[1] = A(c);
	ready();
	ROOT(root);
	tt_scan_root(&s, tail, 12, A(tail));
	tt_scan_finish(&s);
	VERDICT(a, TT_LEAK_DEFINITE, 0);
	VERDICT(b, TT_LEAK_REACHABLE, A(&root[2]));
	VERDICT(c, TT_LEAK_DEFINITE, 0);
	assert_int_equal(s.root_bytes, sizeof(root) + 12);
}

/* xorshift64: a fixed shuffle, the same on every run. */
static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Ten thousand blocks chained in shuffled order and registered in another
 * order: the sort and the binary search on real addresses.  From a root
 * all are reachable, each from its predecessor; without it the head alone
 * is definite and the rest indirect, still each from its predecessor.
 */
static void
test_many_blocks(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15u, root[1];
	size_t definite = 0;

	(void)state;
	for (size_t i = 0; i < MANY; i++)
		new_blk(24);
	for (size_t i = MANY - 1; i > 0; i--) {
		size_t k = (size_t)(next_rand(&seed) % (i + 1));
		uint64_t *t = blk[i];

		blk[i] = blk[k];
		blk[k] = t;
	}
	for (size_t i = 0; i + 1 < MANY; i++)
		blk[i][i % 3] = A(blk[i + 1]);
	root[0] = A(blk[0]);
	ready();
	for (size_t i = 1; i < s.n; i++)
		assert_true(s.b[i - 1].addr < s.b[i].addr);
	for (size_t i = 0; i < MANY; i++) {
		long k = tt_scan_find(&s, A(blk[i]) + 23);

		assert_true(k >= 0);
		assert_int_equal(s.b[k].addr, A(blk[i]));
		assert_int_equal(tt_scan_find(&s, A(blk[i]) + 24), -1);
	}
	assert_int_equal(tt_scan_find(&s, s.b[0].addr - 1), -1);
	ROOT(root);
	tt_scan_finish(&s);
	VERDICT(blk[0], TT_LEAK_REACHABLE, A(&root[0]));
	for (size_t i = 1; i < MANY; i++)
		VERDICT(blk[i], TT_LEAK_REACHABLE, A(&blk[i - 1][(i - 1) % 3]));

	/* drop the root: a new scan of the same blocks */
	tt_scan_free(&s);
	assert_int_equal(tt_scan_init(&s, MANY), 0);
	ready();
	tt_scan_finish(&s);
	VERDICT(blk[0], TT_LEAK_DEFINITE, 0);
	for (size_t i = 1; i < MANY; i++)
		VERDICT(blk[i], TT_LEAK_INDIRECT, A(&blk[i - 1][(i - 1) % 3]));
	for (size_t i = 0; i < s.n; i++)
		definite += s.b[i].kind == TT_LEAK_DEFINITE;
	assert_int_equal(definite, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_case1_root_to_b),
		T(test_case2_root_a_b),
		T(test_case3_b_alone),
		T(test_case4_a_b_unreferenced),
		T(test_case5_root_interior_b),
		T(test_case6_root_a_interior_b),
		T(test_case7_root_interior_a_b),
		T(test_case8_root_interior_a_interior_b),
		T(test_case9_a_interior_b_unreferenced),
		T(test_lost_cycle_of_two),
		T(test_lost_cycle_of_three),
		T(test_clique_absorbs_earlier_leader),
		T(test_possible_then_start_pointer_is_reachable),
		T(test_zero_sized_blocks),
		T(test_zero_sized_block_in_clique),
		T(test_block_bounds),
		T(test_heuristic_new_array),
		T(test_heuristic_length64),
		T(test_heuristic_std_string),
		T(test_heuristic_multiple_inheritance),
		T(test_heuristic_flag),
		T(test_heuristic_flag_recomputed),
		T(test_root_unaligned_word),
		T(test_many_blocks),
	};

	return cmocka_run_group_tests_name("scan", tests, NULL, NULL);
}
