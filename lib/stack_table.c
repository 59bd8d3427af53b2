/*
 * stack_table.c - the insert-only table of call stacks.  See table.h for the
 * contract.  Entries are bump-allocated from a reserved region and indexed
 * by id; an open-addressing array of ids finds them by hash.  A thread that
 * loses the race to insert the same stack marks its own entry dead: a few
 * wasted bytes, no lock.
 */
#include "table.h"

#include <errno.h>
#include <string.h>

static struct tt_stack **by_id;		/* id -> entry */
static _Atomic uint32_t *slots;		/* hash -> id, 0 = empty */
static uint64_t slot_mask;
static uint64_t max_ids;
static _Atomic uint32_t next_id = 1;
static char *region;
static uint64_t region_size;
static _Atomic uint64_t region_used;

int
tt_stacks_init(uint64_t max)
{
	uint64_t nslots = 1024;

	while (nslots < 2 * max)
		nslots <<= 1;
	max_ids = max;
	slot_mask = nslots - 1;
	/* Average stacks are far shorter than the limit; 512 bytes each is
	 * room for about 60 frames on average. */
	region_size = max * 512;
	by_id = tt_map_reserve((max + 1) * sizeof(*by_id));
	slots = tt_map_reserve(nslots * sizeof(*slots));
	region = tt_map_reserve(region_size);
	return by_id && slots && region ? 0 : -ENOMEM;
}

static uint64_t
hash_stack(const uintptr_t *frames, unsigned depth, unsigned fn)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (depth * 31 + fn);

	for (unsigned i = 0; i < depth; i++) {
		h ^= frames[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h ? h : 1;
}

static bool
same(const struct tt_stack *e, uint64_t h, const uintptr_t *frames,
     unsigned depth, unsigned fn, unsigned flags)
{
	return e->hash == h && e->depth == depth && e->fn == fn &&
	       (e->flags & ~TT_STACK_DEAD) == flags &&
	       memcmp(e->frames, frames, depth * sizeof(*frames)) == 0;
}

static struct tt_stack *
new_entry(uint64_t h, const uintptr_t *frames, unsigned depth, unsigned fn,
	  unsigned flags)
{
	uint64_t size = (sizeof(struct tt_stack) + depth * sizeof(uintptr_t) + 15) & ~15ull;
	uint64_t off = atomic_fetch_add_explicit(&region_used, size, memory_order_relaxed);
	uint32_t id;
	struct tt_stack *e;

	if (off + size > region_size)
		return NULL;
	id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
	if (id > max_ids)
		return NULL;
	e = (struct tt_stack *)(region + off);
	e->hash = h;
	e->id = id;
	e->depth = (uint16_t)depth;
	e->fn = (uint8_t)fn;
	e->flags = (uint8_t)flags;
	memcpy(e->frames, frames, depth * sizeof(*frames));
	/* pairs with the acquire in tt_stacks_get */
	__atomic_store_n(&by_id[id], e, __ATOMIC_RELEASE);
	return e;
}

uint32_t
tt_stacks_intern(const uintptr_t *frames, unsigned depth, unsigned fn,
		 unsigned flags)
{
	uint64_t h = hash_stack(frames, depth, fn);
	struct tt_stack *mine = NULL;

	for (uint64_t i = h & slot_mask, probes = 0; probes <= slot_mask;
	     i = (i + 1) & slot_mask, probes++) {
		uint32_t id = atomic_load_explicit(&slots[i], memory_order_acquire);

		if (id == 0) {
			if (mine == NULL)
				mine = new_entry(h, frames, depth, fn, flags);
			if (mine == NULL)
				break;
			/* pairs with the acquire load above */
			if (atomic_compare_exchange_strong_explicit(&slots[i], &id,
					mine->id, memory_order_release,
					memory_order_acquire))
				return mine->id;
		}
		if (same(tt_stacks_get(id), h, frames, depth, fn, flags)) {
			if (mine != NULL)
				mine->flags |= TT_STACK_DEAD;
			return id;
		}
	}
	if (mine != NULL)
		mine->flags |= TT_STACK_DEAD;
	atomic_fetch_add_explicit(&tt_drops.stacks, 1, memory_order_relaxed);
	return 0;
}

struct tt_stack *
tt_stacks_get(uint32_t id)
{
	if (id == 0 || id > max_ids)
		return NULL;
	return __atomic_load_n(&by_id[id], __ATOMIC_ACQUIRE);
}

uint32_t
tt_stacks_high(void)
{
	uint32_t n = atomic_load_explicit(&next_id, memory_order_relaxed);

	return n > max_ids + 1 ? (uint32_t)max_ids + 1 : n;
}

uint64_t
tt_stacks_bytes(void)
{
	uint64_t used = atomic_load_explicit(&region_used, memory_order_relaxed);

	return (used < region_size ? used : region_size) +
	       (uint64_t)tt_stacks_high() * sizeof(*by_id) +
	       (slot_mask + 1) * sizeof(*slots);
}
