/*
 * table.h - the two lock-free tables of libtether and their contract.
 *
 * Block table (block_table.c): a pool of fixed 32-byte slots, one per live
 * tracked block.  A block finds its slot through the slot index stored in
 * its header (see block.h), so no lookup by address is ever needed.  Slot
 * indices are handed out from a per-thread cache refilled in batches from a
 * global lock-free stack, so the shared cache lines are touched once per
 * batch, not once per allocation.
 *
 * Stack table (stack_table.c): insert-only; maps a call stack to a nonzero
 * id.  Entries never move and are never freed.
 *
 * Concurrency ("-" = may run concurrently without a lock):
 *
 *                 take/put slot  fill/clear slot  intern  snapshot (dump)
 *   take/put slot       -              -             -          -
 *   fill/clear slot     -           (owner)          -          -
 *   intern              -              -             -          -
 *   snapshot            -              -             -       one at a time
 *
 * A slot is written only by the thread that owns its block (the allocating
 * thread, then whoever records its free: the freeing thread, or the one
 * that takes over its free queue once it is gone, free_queue.h), so slot
 * writes never race with each other.
 * What a concurrent snapshot may see: a slot is published by a release store
 * of its address word after the other fields; a reader loads the word
 * (acquire), the fields, then the word again, and drops the slot if the word
 * changed.  The word carries a 16-bit generation in its top bits so that a
 * slot freed and reused for the same address in between is also dropped.  A
 * dump may miss a block allocated after it started; it never sees a
 * half-written one, and never the same block twice.
 *
 * Capacity: both tables reserve address space up front (MAP_NORESERVE) and
 * touch only what they use.  When full, new blocks or stacks are counted as
 * dropped (the dump says how many) and the program goes on untouched.
 *
 * Assumptions: 64-bit atomics; user addresses below 2^48.
 */
#ifndef TT_TABLE_H
#define TT_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../format/tdump.h"

#define TT_ADDR_BITS 48
#define TT_ADDR_MASK ((1ull << TT_ADDR_BITS) - 1)

/* One live block (32 bytes, two per cache line). */
struct tt_slot {
	_Atomic uint64_t word;	/* address | generation << 48; address 0 = free */
	_Atomic uint64_t size;	/* bytes the program asked for */
	_Atomic uint32_t stack;	/* stack id */
	_Atomic uint32_t thread; /* tether thread number */
	_Atomic uint64_t time_ns; /* CLOCK_MONOTONIC_COARSE at allocation */
};

/* A consistent copy of a slot, for the dump and for realloc. */
struct tt_block_copy {
	uint64_t addr;
	uint64_t size;
	uint32_t stack;
	uint32_t thread;
	uint64_t time_ns;
	uint64_t noted;		/* realloc: the free was only noted in the
				   thread's free queue (free_queue.h), this
				   entry, and the other fields are unset */
};

/* An interned stack and its site's counters.  The hot path adds to the
 * counters through the threads' site caches (site_cache.h), which move
 * their counts here; a dump reads both (tt_sites_sum). */
struct tt_stack {
	uint64_t hash;
	_Atomic uint64_t alloc_blocks;
	_Atomic uint64_t alloc_bytes;
	_Atomic uint64_t free_blocks;
	_Atomic uint64_t free_bytes;
	/* Lifetimes and ownership (TT_REC_SITE_LIFE), relaxed like the
	 * counters above. */
	_Atomic uint32_t alloc_thread;	/* last allocating thread */
	_Atomic uint32_t free_thread;	/* last freeing thread */
	_Atomic uint32_t life_flags;	/* TT_LIFE_F_* */
	_Atomic uint64_t temporary;
	_Atomic uint64_t cross_frees;
	_Atomic uint64_t life[TT_LIFE_BUCKETS];
	uint32_t id;
	uint16_t depth;
	uint8_t fn;		/* enum tt_alloc_fn */
	uint8_t flags;		/* TT_STACK_* from tdump.h, TT_STACK_DEAD */
	uintptr_t frames[];	/* return addresses, innermost first */
};

#define TT_STACK_DEAD 0x80u	/* lost an insert race; never referenced */

/*
 * tt_blocks_init() - reserve room for max slots.
 * Context: once, from tt_init().  Return: 0 or -errno.
 */
int tt_blocks_init(uint64_t max);

/*
 * tt_blocks_take() - a free slot index for the calling thread.
 * Context: recorder, reentrancy guard held.  Return: index, or 0 when full.
 */
uint32_t tt_blocks_take(void);

/*
 * tt_blocks_put() - give a cleared slot back.
 * Context: recorder, reentrancy guard held.
 */
void tt_blocks_put(uint32_t idx);

/* tt_blocks_thread_exit() - return the thread's cached slots. */
void tt_blocks_thread_exit(void);

/* tt_blocks_fill() - publish slot idx for a block. Context: owner only. */
void tt_blocks_fill(uint32_t idx, uintptr_t addr, uint64_t size,
		    uint32_t stack, uint32_t thread, uint64_t time_ns);

/*
 * tt_blocks_clear() - unpublish slot idx if it holds addr.
 * Context: the block's owner, any context (async-signal-safe).
 * Return: true and the old contents in *old, or false if the slot does not
 * hold addr (a stale or double free).
 */
bool tt_blocks_clear(uint32_t idx, uintptr_t addr, struct tt_block_copy *old);

/* tt_addr_tag() - bits 4-34 of a block's address: what a free queue entry
 * keeps of it (free_queue.h), and tt_blocks_clear_tag() compares. */
static inline uint32_t
tt_addr_tag(uint64_t addr)
{
	return (uint32_t)(addr >> 4) & 0x7fffffffu;
}

/*
 * tt_blocks_clear_tag() - the same for a free noted in a free queue
 * (free_queue.h), which kept tt_addr_tag() of the address; old->addr is
 * the whole address, from the slot.  A plain store, not an exchange: the
 * entry has one taker.  Context: whoever took the entry.
 */
bool tt_blocks_clear_tag(uint32_t idx, uint32_t tag, struct tt_block_copy *old);

/* tt_blocks_prefetch() - ask for slot idx's cache line, to be written. */
void tt_blocks_prefetch(uint32_t idx);

/* tt_blocks_put_many() - give n cleared slots back to the shared stack, not
 * to the calling thread's cache.  Context: any, async-signal-safe. */
void tt_blocks_put_many(const uint32_t *idx, unsigned n);

/*
 * tt_blocks_read() - a consistent copy of slot idx.
 * Context: any thread.  Return: false if the slot is free or changed.
 */
bool tt_blocks_read(uint32_t idx, struct tt_block_copy *out);

/* Slots handed out so far (upper bound for iteration), and bytes mapped. */
uint32_t tt_blocks_high(void);
uint64_t tt_blocks_bytes(void);

/*
 * tt_stacks_init() - reserve room for max stacks.
 * Context: once, from tt_init().  Return: 0 or -errno.
 */
int tt_stacks_init(uint64_t max);

/*
 * tt_stacks_intern() - the id of this stack, adding it if new.
 * Context: recorder; lock-free, never allocates from the program's heap.
 * Return: id, or 0 when the table is full.
 */
uint32_t tt_stacks_intern(const uintptr_t *frames, unsigned depth, unsigned fn,
			  unsigned flags);

/* tt_stacks_get() - entry for id, or NULL. Context: any thread. */
struct tt_stack *tt_stacks_get(uint32_t id);

/* Ids handed out so far (upper bound for iteration), and bytes used. */
uint32_t tt_stacks_high(void);
uint64_t tt_stacks_bytes(void);

/* Counters of what could not be recorded, for the dump. */
struct tt_drops {
	_Atomic uint64_t blocks;	/* allocations not tracked */
	_Atomic uint64_t stacks;	/* stacks not interned */
	_Atomic uint64_t leaked_slots;	/* slots not returned */
	_Atomic uint64_t bad_frees;	/* frees tether could not match */
};
extern struct tt_drops tt_drops;

/* tt_map_reserve() - reserve n bytes of zeroed, lazily backed memory. */
void *tt_map_reserve(size_t n);

#endif /* TT_TABLE_H */
