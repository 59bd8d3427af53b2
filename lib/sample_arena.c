/*
 * sample_arena.c - the arena of the sampled blocks (sample_arena.h).
 *
 * The range is reserved with MAP_NORESERVE: it costs address space only,
 * and pages are backed as jemalloc touches them.  jemalloc asks for memory
 * through the extent hooks below, which hand out the range from the bottom
 * up and never give it back: an extent jemalloc no longer needs stays
 * retained by the arena (the dalloc hook declines) and is reused there, or
 * purged (MADV_DONTNEED).  So every block of the arena, and nothing else,
 * lies inside the range.  The arena is used with MALLOCX_TCACHE_NONE both
 * ways, so no thread cache ever hands a sampled block's memory to an
 * unsampled allocation, or the reverse.
 *
 * Context: the hooks run inside jemalloc, under its locks: they only do
 * atomics and madvise.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "je.h"
#include "sample_arena.h"

uintptr_t tt_sarena_lo, tt_sarena_len;
int tt_sarena_flags;

static _Atomic uintptr_t next;	/* bottom of the part not handed out */

/* 1 TiB of address space when the system lends it, down to 1 GiB. */
#define RANGE_MAX ((size_t)1 << 40)
#define RANGE_MIN ((size_t)1 << 30)

int
tt_sarena_reserve(void)
{
	for (size_t len = RANGE_MAX; len >= RANGE_MIN; len /= 4) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p != MAP_FAILED) {
			tt_sarena_lo = (uintptr_t)p;
			tt_sarena_len = len;
			atomic_store_explicit(&next, (uintptr_t)p, memory_order_relaxed);
			return 0;
		}
	}
	return -1;
}

static void *
hook_alloc(struct tt_je_extent_hooks *h, void *new_addr, size_t size,
	   size_t align, bool *zero, bool *commit, unsigned arena)
{
	uintptr_t cur = atomic_load_explicit(&next, memory_order_relaxed);
	uintptr_t end = tt_sarena_lo + tt_sarena_len, start;

	(void)h;
	(void)arena;
	if (new_addr != NULL)
		return NULL;	/* growing in place: not offered */
	do {
		start = (cur + align - 1) & ~(uintptr_t)(align - 1);
		if (start < cur || start > end || size > end - start)
			return NULL;
	} while (!atomic_compare_exchange_weak_explicit(&next, &cur, start + size,
							 memory_order_relaxed,
							 memory_order_relaxed));
	*zero = true;	/* never handed out before: still the kernel's zeros */
	*commit = true;
	return (void *)start;
}

/* Decline: the extent stays with the arena, which reuses it. */
static bool
hook_dalloc(struct tt_je_extent_hooks *h, void *addr, size_t size, bool committed,
	    unsigned arena)
{
	(void)h, (void)addr, (void)size, (void)committed, (void)arena;
	return true;
}

static void
hook_destroy(struct tt_je_extent_hooks *h, void *addr, size_t size, bool committed,
	     unsigned arena)
{
	(void)h, (void)addr, (void)size, (void)committed, (void)arena;
}

static bool
hook_commit(struct tt_je_extent_hooks *h, void *addr, size_t size, size_t offset,
	    size_t length, unsigned arena)
{
	(void)h, (void)addr, (void)size, (void)offset, (void)length, (void)arena;
	return false;	/* always committed */
}

static bool
hook_purge(struct tt_je_extent_hooks *h, void *addr, size_t size, size_t offset,
	   size_t length, unsigned arena)
{
	(void)h, (void)size, (void)arena;
	return madvise((char *)addr + offset, length, MADV_DONTNEED) != 0;
}

/* One contiguous range: any split or merge of it is fine. */
static bool
hook_split(struct tt_je_extent_hooks *h, void *addr, size_t size, size_t size_a,
	   size_t size_b, bool committed, unsigned arena)
{
	(void)h, (void)addr, (void)size, (void)size_a, (void)size_b, (void)committed,
		(void)arena;
	return false;
}

static bool
hook_merge(struct tt_je_extent_hooks *h, void *addr_a, size_t size_a, void *addr_b,
	   size_t size_b, bool committed, unsigned arena)
{
	(void)h, (void)addr_a, (void)size_a, (void)addr_b, (void)size_b, (void)committed,
		(void)arena;
	return false;
}

static struct tt_je_extent_hooks hooks = {
	.alloc = hook_alloc,
	.dalloc = hook_dalloc,
	.destroy = hook_destroy,
	.commit = hook_commit,
	.decommit = NULL,	/* not offered: memory stays committed */
	.purge_lazy = NULL,
	.purge_forced = hook_purge,
	.split = hook_split,
	.merge = hook_merge,
};

/* The arena's life: made at the first sample, by one thread. */
enum { ARENA_NONE, ARENA_CREATING, ARENA_READY, ARENA_FAILED };
static _Atomic int arena_state;

static int
create(void)
{
	struct tt_je_extent_hooks *h = &hooks;
	unsigned arena;
	size_t len = sizeof(arena);

	if (tt_sarena_len == 0 ||
	    tt_je_mallctl("arenas.create", &arena, &len, &h, sizeof(h)) != 0)
		return -1;
	__atomic_store_n(&tt_sarena_flags, TT_MALLOCX_ARENA(arena) | TT_MALLOCX_TCACHE_NONE,
			 __ATOMIC_RELEASE);
	return 0;
}

int
tt_sarena_open(void)
{
	int s = ARENA_NONE;

	if (tt_sarena_ready())
		return 0;
	if (atomic_compare_exchange_strong(&arena_state, &s, ARENA_CREATING)) {
		s = create() == 0 ? ARENA_READY : ARENA_FAILED;
		atomic_store(&arena_state, s);
		return s == ARENA_READY ? 0 : -1;
	}
	/* Another thread is making it: a mallctl call, microseconds. */
	while ((s = atomic_load(&arena_state)) == ARENA_CREATING)
		sched_yield();
	return s == ARENA_READY ? 0 : -1;
}

void
tt_sarena_postfork_child(void)
{
	/* The creating thread, if any, is gone: whoever comes next makes it,
	 * unless it was made (the flags are set) just before the fork. */
	if (atomic_load(&arena_state) == ARENA_CREATING)
		atomic_store(&arena_state, tt_sarena_ready() ? ARENA_READY : ARENA_NONE);
}
