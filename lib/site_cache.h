/*
 * site_cache.h - per-thread deltas of the allocation sites' counters.
 *
 * Every allocation and free adds to its site's counters (struct tt_stack:
 * allocated and freed blocks and bytes, the lifetime histogram, temporary
 * and cross-thread frees).  Shared by all threads, those counters cost
 * every malloc/free pair six locked read-modify-writes, on a cache line
 * that the threads allocating at one site kept taking from each other.
 * Each thread adds instead to its own small direct-mapped cache of sites,
 * with plain loads and stores of its own memory, and moves an entry's
 * counts into the stack table only when another site takes the entry,
 * when the counts grow large, when the thread ends, and in a fork's child
 * for the threads that did not follow.  A dump adds every thread's entries
 * to the table's counters (tt_sites_collect, tt_sites_sum).
 *
 * Consistency: a dump's counters are exact for every thread that is not
 * moving an entry at that moment: ended threads (moved at exit), threads
 * held by a world stop (a move runs with tt_lock_depth raised, so no thread
 * is held halfway through one) and the dumping thread itself.  A dump taken
 * while other threads run may count one entry twice, or miss it, if its
 * thread moves it between the dump's reading the entry and the table.
 *
 * Signal safety: the recorder raises tt_tls.busy around its updates; a free
 * from a signal handler that interrupted one finds busy raised and adds to
 * the stack table directly (tt_sites_usable).
 */
#ifndef TT_SITE_CACHE_H
#define TT_SITE_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../format/tdump.h"
#include "internal.h"
#include "tls.h"

#define TT_SITE_BITS 6
#define TT_SITE_ENTRIES (1u << TT_SITE_BITS)
#define TT_SITE_OPS_MAX (1u << 24)	/* updates before an entry moves: life[]
					   stays far from wrapping its 32 bits */

enum { TT_SITE_DID_ALLOC = 1, TT_SITE_DID_FREE = 2 };

/*
 * One site's counts added by one thread since the entry was last moved.
 * Written by its thread only, read by a dump: relaxed atomics that compile
 * to plain loads and stores.  Counts wrap (a failed realloc takes a free
 * back), and moving them adds them modulo 2^64.
 */
struct tt_site_delta {
	_Atomic uint32_t stack;		/* stack id; 0 = empty */
	_Atomic uint32_t did;		/* TT_SITE_DID_* */
	uint32_t ops;			/* updates since bound or moved (owner only) */
	uint32_t misses;		/* other sites' misses here since then */
	_Atomic uint64_t alloc_blocks, alloc_bytes, free_blocks, free_bytes;
	_Atomic uint64_t temporary, cross_frees;
	_Atomic uint32_t life[TT_LIFE_BUCKETS];
};

struct tt_site_cache {
	_Atomic uint32_t seq;		/* odd while an entry moves */
	_Atomic uint32_t owner;		/* tether thread number; 0 = none */
	struct tt_site_delta e[TT_SITE_ENTRIES];
};

/* tt_sites_init() - reserve a cache per registry slot, and the dump's index
 * over max_stacks stack ids.  Context: tt_init().  Return: 0 or -errno. */
int tt_sites_init(uint64_t max_threads, uint64_t max_stacks);

/*
 * tt_sites_bind() - the cache of registry slot i for the calling thread,
 * numbered thread; a previous owner's counts are moved first.
 * Context: the thread's first record.  Return: the cache, or NULL.
 */
struct tt_site_cache *tt_sites_bind(uint64_t i, uint32_t thread);

/*
 * tt_sites_miss() - stack found another site in its entry e: e, given to
 * stack (its counts moved first) when e is empty or stack has missed there
 * at least twice as often as e's site was updated (and 32 times); else NULL.
 * Context: the owner, tt_tls.busy raised.
 */
struct tt_site_delta *tt_sites_miss(struct tt_site_cache *c, struct tt_site_delta *e,
				    uint32_t stack);

/* tt_sites_move() - move e's counts into the stack table.  Context: as
 * tt_sites_miss(). */
void tt_sites_move(struct tt_site_cache *c, struct tt_site_delta *e);

/*
 * tt_sites_release() - move every entry of c and give it up: at the
 * thread's end.  Context: the owner, or the only thread left (a fork's
 * child); tt_tls.busy raised.
 */
void tt_sites_release(struct tt_site_cache *c);

/* tt_sites_postfork_child() - release the caches of every thread but the
 * calling one (they did not follow the fork).  Context: the child. */
void tt_sites_postfork_child(struct tt_site_cache *self);

/*
 * tt_sites_entry() - c's entry for stack, or NULL when another site holds
 * it (then the caller adds to the stack table itself).  A site that keeps
 * missing where a quieter one sits takes the entry (tt_sites_miss), so a
 * thread's busy sites end up in its cache and a spread of many sites costs
 * what the stack table's locked adds cost, not a move per update.
 */
static inline struct tt_site_delta *
tt_sites_entry(struct tt_site_cache *c, uint32_t stack)
{
	struct tt_site_delta *e = &c->e[stack & (TT_SITE_ENTRIES - 1)];

	if (tt_likely(atomic_load_explicit(&e->stack, memory_order_relaxed) == stack))
		return e;
	return tt_sites_miss(c, e, stack);
}

/* tt_site_add() - add v to a counter of the calling thread's own entry. */
static inline void
tt_site_add(_Atomic uint64_t *f, uint64_t v)
{
	atomic_store_explicit(f, atomic_load_explicit(f, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

static inline void
tt_site_add32(_Atomic uint32_t *f, uint32_t v)
{
	atomic_store_explicit(f, atomic_load_explicit(f, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

/* tt_site_done() - count one update of e; move it when it has many. */
static inline void
tt_site_done(struct tt_site_cache *c, struct tt_site_delta *e, unsigned did)
{
	if (tt_unlikely(!(atomic_load_explicit(&e->did, memory_order_relaxed) & did)))
		atomic_store_explicit(&e->did, atomic_load_explicit(&e->did, memory_order_relaxed) | did,
				      memory_order_relaxed);
	if (tt_unlikely(++e->ops >= TT_SITE_OPS_MAX))
		tt_sites_move(c, e);
}

/* What a dump writes for one site: the table's counters plus every
 * thread's entry for it. */
struct tt_site_sum {
	uint64_t alloc_blocks, alloc_bytes, free_blocks, free_bytes;
	uint64_t temporary, cross_frees;
	uint64_t life[TT_LIFE_BUCKETS];
	uint32_t alloc_thread, free_thread, life_flags;
};

/*
 * tt_sites_collect() - index every thread's entries by stack, for
 * tt_sites_sum(); tt_sites_uncollect() forgets them.  Context: a dump (one
 * at a time); no allocation, no lock.
 */
void tt_sites_collect(uint32_t stack_high);
void tt_sites_uncollect(void);

/* tt_sites_sum() - site id's counters, entries collected included. */
void tt_sites_sum(uint32_t id, struct tt_site_sum *out);

#endif /* TT_SITE_CACHE_H */
