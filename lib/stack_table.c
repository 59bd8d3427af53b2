/*
 * stack_table.c - the insert-only table of call stacks.  See table.h for the
 * contract.  Entries are bump-allocated from a reserved region and indexed
 * by id; an open-addressing index of ids finds them by hash.  A thread that
 * loses the race to insert the same stack marks its own entry dead: a few
 * wasted bytes, no lock.
 *
 * The index is up to four arrays searched in turn, as one probe sequence:
 * a window of 8 slots (one cache line) in each of 64 KiB, 512 KiB and
 * 4 MiB arrays (those no bigger than a quarter of the last), then linear
 * probing in an array of twice the stacks allowed.  A stack goes to the
 * first empty slot on its sequence, so the index grows with the stacks: a
 * program with a few thousand touches the 64 KiB array only, where one
 * array hashed over all of it made a short git command fault in 580 of
 * its pages.  Slots are never emptied, so the first empty slot ends a
 * search and a compare-and-swap on it decides between two threads adding
 * one stack, as in a single array.  A slot holds the id in its low 32 bits
 * and the hash's high 32 bits above, compared before the entry is read.
 */
#include "table.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define WINDOW 8
#define LEVELS 3
#define LEVEL0_SLOTS (1u << 13)	/* each level 8 times the one before */

static struct tt_stack **by_id;		/* id -> entry */
static struct level {
	_Atomic uint64_t *a;
	uint64_t win_mask;		/* windows in it, less one */
} levels[LEVELS];
static unsigned nlevels;
static _Atomic uint64_t *slots;		/* the last array; 0 = empty */
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
	for (uint64_t n = LEVEL0_SLOTS; nlevels < LEVELS && n <= nslots / 4; n *= 8) {
		levels[nlevels].a = tt_map_reserve(n * sizeof(uint64_t));
		levels[nlevels].win_mask = n / WINDOW - 1;
		if (levels[nlevels++].a == NULL)
			return -ENOMEM;
	}
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

/* What tt_stacks_intern() looks for, and the entry it made for it. */
struct want {
	uint64_t h;
	const uintptr_t *frames;
	unsigned depth, fn, flags;
	struct tt_stack *mine;
};

#define NO_ROOM UINT32_MAX

/*
 * Search n slots of a from slot i on (wrapping at mask), adding the stack
 * at the first empty one.  Return: its id, 0 when all n hold other stacks,
 * or NO_ROOM when no entry could be made for it.
 */
static uint32_t
probe(_Atomic uint64_t *a, uint64_t i, uint64_t mask, uint64_t n, struct want *w)
{
	uint64_t tag = w->h & ~0xffffffffull;

	for (; n > 0; n--, i = (i + 1) & mask) {
		uint64_t v = atomic_load_explicit(&a[i], memory_order_acquire);

		if (v == 0) {
			if (w->mine == NULL)
				w->mine = new_entry(w->h, w->frames, w->depth, w->fn, w->flags);
			if (w->mine == NULL)
				return NO_ROOM;
			/* pairs with the acquire load above */
			if (atomic_compare_exchange_strong_explicit(&a[i], &v, tag | w->mine->id,
					memory_order_release, memory_order_acquire))
				return w->mine->id;
		}
		if ((v & ~0xffffffffull) == tag &&
		    same(tt_stacks_get((uint32_t)v), w->h, w->frames, w->depth, w->fn, w->flags)) {
			if (w->mine != NULL)
				w->mine->flags |= TT_STACK_DEAD;
			return (uint32_t)v;
		}
	}
	return 0;
}

uint32_t
tt_stacks_intern(const uintptr_t *frames, unsigned depth, unsigned fn,
		 unsigned flags)
{
	struct want w = { hash_stack(frames, depth, fn), frames, depth, fn, flags, NULL };
	uint32_t id = 0;

	for (unsigned k = 0; k < nlevels && id == 0; k++) {
		uint64_t win = (w.h >> (10 * k)) & levels[k].win_mask;

		id = probe(levels[k].a + win * WINDOW, 0, WINDOW - 1, WINDOW, &w);
	}
	if (id == 0)
		id = probe(slots, w.h & slot_mask, slot_mask, slot_mask + 1, &w);
	if (id != 0 && id != NO_ROOM)
		return id;
	if (w.mine != NULL)
		w.mine->flags |= TT_STACK_DEAD;
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

/* Bytes of [p, p + len) in memory: the index is reserved big and touched
 * where stacks land. */
static uint64_t
resident(const void *p, uint64_t len)
{
	unsigned char vec[256];
	uint64_t n = 0;

	for (uint64_t off = 0; off < len; off += sizeof(vec) * 4096) {
		uint64_t chunk = len - off < sizeof(vec) * 4096 ? len - off : sizeof(vec) * 4096;

		if (mincore((char *)p + off, chunk, vec) != 0)
			return len;	/* unknown: count it all */
		for (uint64_t k = 0; k < (chunk + 4095) / 4096; k++)
			n += (vec[k] & 1) * 4096;
	}
	return n;
}

uint64_t
tt_stacks_bytes(void)
{
	uint64_t used = atomic_load_explicit(&region_used, memory_order_relaxed);

	uint64_t n = (used < region_size ? used : region_size) +
		     (uint64_t)tt_stacks_high() * sizeof(*by_id) +
		     resident(slots, (slot_mask + 1) * sizeof(*slots));

	for (unsigned k = 0; k < nlevels; k++)
		n += resident(levels[k].a, (levels[k].win_mask + 1) * WINDOW * sizeof(uint64_t));
	return n;
}
