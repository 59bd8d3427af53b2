/*
 * scan.c - the reachability classifier (scan.h).
 */
#include "scan.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../format/tdump.h"
#include "own_maps.h"
#include "table.h"

/* The scan's own memory is tether's (own_maps.h): never a root. */
static void *
map(size_t n)
{
	return tt_map_reserve(n ? n : 1);
}

static void
unmap(void *p, size_t n)
{
	n = n ? n : 1;
	munmap(p, n);
	tt_own_del(p, n);
}

int
tt_scan_init(struct tt_scan *s, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->cap = cap;
	/* a block is pushed at most twice: unreached -> possible -> reachable */
	s->work_cap = 2 * cap + 16;
	s->b = map(cap * sizeof(*s->b));
	s->work = map(s->work_cap * sizeof(*s->work));
	if (s->b == NULL || s->work == NULL) {
		tt_scan_free(s);
		return -ENOMEM;
	}
	return 0;
}

void
tt_scan_free(struct tt_scan *s)
{
	if (s->b != NULL)
		unmap(s->b, s->cap * sizeof(*s->b));
	if (s->work != NULL)
		unmap(s->work, s->work_cap * sizeof(*s->work));
	s->b = NULL;
	s->work = NULL;
	s->n = 0;
}

bool
tt_scan_add(struct tt_scan *s, uint64_t addr, uint64_t size, uint32_t stack,
	    uint32_t thread, uint64_t time_ns)
{
	if (s->n == s->cap)
		return false;
	s->b[s->n++] = (struct tt_scan_blk){
		.addr = addr, .size = size, .stack = stack, .thread = thread,
		.time_ns = time_ns,
	};
	return true;
}

/* Quicksort by address, no allocation: recurse into the smaller half. */
static void
swap(struct tt_scan_blk *a, struct tt_scan_blk *b)
{
	struct tt_scan_blk t = *a;

	*a = *b;
	*b = t;
}

static void
sort(struct tt_scan_blk *v, size_t n)
{
	while (n > 16) {
		size_t mid = n / 2, i = 0, j = n - 1;
		uint64_t pivot;

		if (v[mid].addr < v[0].addr)
			swap(&v[mid], &v[0]);
		if (v[n - 1].addr < v[0].addr)
			swap(&v[n - 1], &v[0]);
		if (v[n - 1].addr < v[mid].addr)
			swap(&v[n - 1], &v[mid]);
		pivot = v[mid].addr;
		for (;;) {
			while (v[i].addr < pivot)
				i++;
			while (v[j].addr > pivot)
				j--;
			if (i >= j)
				break;
			swap(&v[i], &v[j]);
			i++;
			j--;
		}
		/* [0, j] <= pivot <= [j + 1, n) */
		if (j + 1 < n - j - 1) {
			sort(v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			sort(v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && v[k].addr < v[k - 1].addr; k--)
			swap(&v[k], &v[k - 1]);
}

void
tt_scan_sort(struct tt_scan *s)
{
	sort(s->b, s->n);
	s->lo = s->n ? s->b[0].addr : 1;
	s->hi = 0;
	for (size_t i = 0; i < s->n; i++) {
		uint64_t end = s->b[i].addr + (s->b[i].size ? s->b[i].size : 1);

		if (end > s->hi)
			s->hi = end;
	}
}

long
tt_scan_find(const struct tt_scan *s, uint64_t a)
{
	size_t lo = 0, hi = s->n;

	if (a < s->lo || a >= s->hi)
		return -1;
	while (hi - lo > 1) {	/* the last block starting at or below a */
		size_t mid = lo + (hi - lo) / 2;

		if (s->b[mid].addr <= a)
			lo = mid;
		else
			hi = mid;
	}
	if (s->b[lo].addr > a)
		return -1;
	/* a zero-sized block is pointed to by its own address */
	if (a - s->b[lo].addr < s->b[lo].size || a == s->b[lo].addr)
		return (long)lo;
	return -1;
}

static bool
in_ranges(const struct tt_range *r, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a < r[mid].lo)
			hi = mid;
		else if (a >= r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static const struct tt_range *
range_of(const struct tt_range *r, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a < r[mid].lo)
			hi = mid;
		else if (a >= r[mid].hi)
			lo = mid + 1;
		else
			return &r[mid];
	}
	return NULL;
}

/* A vtable: in a readable file mapping, its first words null or pointing
 * into code, at least two of them into code. */
static bool
is_vtable(const struct tt_scan *s, uint64_t p)
{
	const struct tt_range *f;
	unsigned fns = 0;

	if (p % 8 != 0 || p < 4096 || (f = range_of(s->files, s->nfiles, p)) == NULL)
		return false;
	for (uint64_t q = p; q + 8 <= f->hi && q < p + 20 * 8; q += 8) {
		uint64_t fn = *(const uint64_t *)q;

		if (fn == 0)
			continue;
		if (!in_ranges(s->code, s->ncode, fn))
			return false;
		if (++fns == 2)
			return true;
	}
	return false;
}

static uint64_t
word(const struct tt_scan_blk *b, unsigned i)
{
	return *(const uint64_t *)(uintptr_t)(b->addr + 8u * i);
}

/*
 * Interior pointers that C++ and common C idioms make, which memcheck
 * accepts as pointing at the start: a pre-C++11 std::string's characters
 * (after length, capacity, refcount), a length-prefixed buffer, a new[]
 * array after its element count, and a base-class subobject of an object
 * with multiple inheritance (both it and the start hold vtable pointers).
 */
static bool
heuristic(const struct tt_scan *s, const struct tt_scan_blk *b, uint64_t p)
{
	uint64_t off = p - b->addr;

	if (off == 24 && b->size >= 24) {
		uint64_t cap = word(b, 1);

		if (cap <= b->size && 24 + cap + 1 == b->size && word(b, 0) <= cap)
			return true;
	}
	if (off == 8 && b->size >= 8) {
		uint64_t n = word(b, 0);

		if (n > 0 && (b->size - 8 == n || (b->size - 8) % n == 0))
			return true;
	}
	if (p % 8 == 0 && off + 8 <= b->size && b->size >= 8 && s->nfiles > 0) {
		uint64_t inner = *(const uint64_t *)(uintptr_t)p, first = word(b, 0);

		if (is_vtable(s, inner) && is_vtable(s, first))
			return true;
	}
	return false;
}

static void
push(struct tt_scan *s, size_t i)
{
	if (s->top < s->work_cap)
		s->work[s->top++] = (uint32_t)i;
}

/* A pointer v found at address at, in memory that is a root or a reachable
 * block (definite) or a possibly lost one. */
static void
reach(struct tt_scan *s, uint64_t v, uint64_t at, bool definite)
{
	long i = tt_scan_find(s, v);
	struct tt_scan_blk *b;
	bool start;

	if (i < 0)
		return;
	b = &s->b[i];
	if (b->kind == TT_LEAK_REACHABLE) {
		if (v == b->addr)
			b->flags &= (uint8_t)~TT_LEAK_F_HEURISTIC;
		return;
	}
	start = v == b->addr;
	if (!start) {	/* as memcheck: each interior pointer decides anew */
		start = heuristic(s, b, v);
		if (start)
			b->flags |= TT_LEAK_F_HEURISTIC;
		else
			b->flags &= (uint8_t)~TT_LEAK_F_HEURISTIC;
	}
	if (start && definite) {
		b->kind = TT_LEAK_REACHABLE;
		b->from = at;
		push(s, (size_t)i);
	} else if (b->kind == 0) {
		b->kind = TT_LEAK_POSSIBLE;
		b->from = at;
		push(s, (size_t)i);
	}
}

/* A pointer found inside the lost clique led by block leader. */
static void
reach_lost(struct tt_scan *s, uint64_t v, uint64_t at, size_t leader)
{
	long i = tt_scan_find(s, v);

	if (i < 0 || (size_t)i == leader || s->b[i].kind != 0)
		return;
	s->b[i].kind = TT_LEAK_INDIRECT;
	s->b[i].from = at;
	push(s, (size_t)i);
}

void
tt_scan_root(struct tt_scan *s, const void *words, size_t len, uint64_t at)
{
	const uint64_t *w = words;

	s->root_bytes += len;
	for (size_t i = 0; i < len / 8; i++)
		if (w[i] >= s->lo && w[i] < s->hi)
			reach(s, w[i], at ? at + 8 * i : TT_LEAK_FROM_REGISTER, true);
}

/* Scan the blocks on the mark stack; leader is the clique, or -1. */
static void
drain(struct tt_scan *s, long leader)
{
	while (s->top > 0) {
		const struct tt_scan_blk *b = &s->b[s->work[--s->top]];
		const uint64_t *w = (const uint64_t *)(uintptr_t)b->addr;
		bool definite = b->kind == TT_LEAK_REACHABLE;

		for (uint64_t k = 0; k < b->size / 8; k++) {
			uint64_t v = w[k];

			if (v < s->lo || v >= s->hi)
				continue;
			if (leader < 0)
				reach(s, v, b->addr + 8 * k, definite);
			else
				reach_lost(s, v, b->addr + 8 * k, (size_t)leader);
		}
	}
}

void
tt_scan_finish(struct tt_scan *s)
{
	drain(s, -1);
	/* Leaders keep kind 0 until the end: a later clique may absorb them. */
	for (size_t i = 0; i < s->n; i++) {
		if (s->b[i].kind != 0)
			continue;
		push(s, i);
		drain(s, (long)i);
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->b[i].kind == 0)
			s->b[i].kind = TT_LEAK_DEFINITE;
}

int
tt_reach_init(struct tt_reach *r, const struct tt_scan *s, const struct tt_range *watch,
	      size_t nwatch, uint8_t *seen)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->watch = watch;
	r->nwatch = nwatch;
	r->seen = seen;
	r->wlo = UINT64_MAX;
	for (size_t i = 0; i < nwatch; i++) {
		if (watch[i].lo < r->wlo)
			r->wlo = watch[i].lo;
		if (watch[i].hi > r->whi)
			r->whi = watch[i].hi;
	}
	r->mark = map(s->n);
	r->work = map((s->n + 1) * sizeof(*r->work));
	if (r->mark == NULL || r->work == NULL) {
		tt_reach_free(r);
		return -ENOMEM;
	}
	return 0;
}

void
tt_reach_free(struct tt_reach *r)
{
	if (r->mark != NULL)
		unmap(r->mark, r->s->n);
	if (r->work != NULL)
		unmap(r->work, (r->s->n + 1) * sizeof(*r->work));
	r->mark = NULL;
	r->work = NULL;
}

static void
reach_word(struct tt_reach *r, uint64_t v)
{
	if (v >= r->wlo && v < r->whi)
		for (size_t i = 0; i < r->nwatch; i++)
			if (v >= r->watch[i].lo && v < r->watch[i].hi)
				r->seen[i] = 1;
	if (v >= r->s->lo && v < r->s->hi) {
		long i = tt_scan_find(r->s, v);

		if (i >= 0 && !r->mark[i]) {
			r->mark[i] = 1;
			r->work[r->top++] = (uint32_t)i;
		}
	}
}

void
tt_reach_root(struct tt_reach *r, const void *words, size_t len)
{
	const uint64_t *w = words;

	for (size_t i = 0; i < len / 8; i++)
		reach_word(r, w[i]);
}

void
tt_reach_drain(struct tt_reach *r)
{
	while (r->top > 0) {
		const struct tt_scan_blk *b = &r->s->b[r->work[--r->top]];
		const uint64_t *w = (const uint64_t *)(uintptr_t)b->addr;

		for (uint64_t k = 0; k < b->size / 8; k++)
			reach_word(r, w[k]);
	}
}

bool
tt_reach_marked(const struct tt_reach *r, long i)
{
	return i >= 0 && (size_t)i < r->s->n && r->mark[i];
}
