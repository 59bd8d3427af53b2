/*
 * own_maps.c - the ranges of memory tether maps for itself (own_maps.h).
 * A fixed array: jemalloc maps rarely (it retains what it unmaps on Linux),
 * so a few thousand ranges last a long run; past that, ranges are dropped
 * and counted, and the scan says it is incomplete.
 */
#include "own_maps.h"

#include <stdatomic.h>
#include <sys/mman.h>

#include "internal.h"

#define OWN_MAX 8192

static struct tt_range own[OWN_MAX];
static size_t nown;
static size_t overflow;
static atomic_flag lock = ATOMIC_FLAG_INIT;

void
tt_own_add(const void *p, size_t n)
{
	uint64_t lo = (uintptr_t)p;

	if (n == 0)
		return;
	tt_spin_lock(&lock);
	for (size_t i = 0; i < nown; i++) {
		if (own[i].hi == lo) {		/* extends a range upwards */
			own[i].hi = lo + n;
			goto out;
		}
		if (own[i].lo == lo + n) {	/* or downwards */
			own[i].lo = lo;
			goto out;
		}
	}
	if (nown < OWN_MAX)
		own[nown++] = (struct tt_range){ lo, lo + n };
	else
		overflow++;
out:
	tt_spin_unlock(&lock);
}

void
tt_own_del(const void *p, size_t n)
{
	uint64_t lo = (uintptr_t)p, hi = lo + n;

	tt_spin_lock(&lock);
	for (size_t i = 0; i < nown; i++) {
		struct tt_range *r = &own[i];

		if (hi <= r->lo || lo >= r->hi)
			continue;
		if (lo <= r->lo && hi >= r->hi) {	/* all of it */
			*r = own[--nown];
			i--;
		} else if (lo <= r->lo) {		/* its head */
			r->lo = hi;
		} else if (hi >= r->hi) {		/* its tail */
			r->hi = lo;
		} else if (nown < OWN_MAX) {		/* a hole */
			own[nown++] = (struct tt_range){ hi, r->hi };
			r->hi = lo;
		} else {
			r->hi = lo;
			overflow++;
		}
	}
	tt_spin_unlock(&lock);
}

size_t
tt_own_ranges(struct tt_range *out, size_t max)
{
	size_t n = nown;

	for (size_t i = 0; i < n && i < max; i++) {
		struct tt_range r = own[i];
		size_t k = i;

		for (; k > 0 && out[k - 1].lo > r.lo; k--)
			out[k] = out[k - 1];
		out[k] = r;
	}
	return overflow ? max + 1 : n;
}

/* The private jemalloc's mmap and munmap (je.redefine renames its calls). */
void *tt_je_mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off);
int tt_je_munmap(void *addr, size_t n);

void *
tt_je_mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off)
{
	void *p = mmap(addr, n, prot, flags, fd, off);

	if (p != MAP_FAILED)
		tt_own_add(p, n);
	return p;
}

int
tt_je_munmap(void *addr, size_t n)
{
	int r = munmap(addr, n);

	if (r == 0)
		tt_own_del(addr, n);
	return r;
}

/* Thread stacks seen, so a scan can leave out the stale contents of a
 * stack glibc keeps cached after its thread ended. */
#define STACKS_MAX 4096

static struct tt_range seen[STACKS_MAX];
static uint64_t seen_tp[STACKS_MAX];
static _Atomic uint32_t nseen;
static atomic_flag seen_lock = ATOMIC_FLAG_INIT;

void
tt_stack_seen(uint64_t lo, uint64_t hi, uint64_t tp)
{
	uint32_t n;

	if (lo >= hi)
		return;
	tt_spin_lock(&seen_lock);
	n = atomic_load_explicit(&nseen, memory_order_relaxed);
	for (uint32_t i = 0; i < n; i++)
		if (seen[i].lo == lo && seen[i].hi == hi) {
			seen_tp[i] = tp;
			goto out;
		}
	if (n < STACKS_MAX) {
		seen[n] = (struct tt_range){ lo, hi };
		seen_tp[n] = tp;
		atomic_store_explicit(&nseen, n + 1, memory_order_release);
	}
out:
	tt_spin_unlock(&seen_lock);
}

size_t
tt_stacks_seen(const struct tt_range **out, const uint64_t **tp)
{
	*out = seen;
	*tp = seen_tp;
	return atomic_load_explicit(&nseen, memory_order_acquire);
}
