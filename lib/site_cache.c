/*
 * site_cache.c - per-thread deltas of the allocation sites' counters; see
 * site_cache.h for why and for what a dump sees.
 */
#include "site_cache.h"

#include <errno.h>
#include <string.h>

#include "table.h"

static struct tt_site_cache *caches;	/* one per thread registry slot */
static uint64_t ncaches;
static _Atomic uint64_t caches_high;	/* slots bound so far, upper bound */

/* The dump's index of the collected entries: by stack id, a chain. */
struct link {
	struct tt_site_delta *e;
	uint32_t owner;
	uint32_t id;		/* the stack it was collected under */
	uint32_t next;		/* index + 1 in links[], 0 = end */
};
static uint32_t *first;		/* stack id -> links index + 1 */
static struct link *links;
static uint64_t nlinks, links_cap, max_stacks;

int
tt_sites_init(uint64_t max_threads, uint64_t max_stack_ids)
{
	ncaches = max_threads;
	max_stacks = max_stack_ids + 1;
	links_cap = max_threads * TT_SITE_ENTRIES;
	caches = tt_map_reserve(ncaches * sizeof(*caches));
	first = tt_map_reserve(max_stacks * sizeof(*first));
	links = tt_map_reserve(links_cap * sizeof(*links));
	return caches != NULL && first != NULL && links != NULL ? 0 : -ENOMEM;
}

/* Add e's counts to the stack table and zero them; owner is e's thread. */
static void
move(struct tt_site_delta *e, uint32_t owner)
{
	struct tt_stack *s = tt_stacks_get(atomic_load_explicit(&e->stack, memory_order_relaxed));
	unsigned did = atomic_load_explicit(&e->did, memory_order_relaxed);
	uint32_t was;

	if (s != NULL) {
#define MOVE(f)									\
		do {								\
			uint64_t v = atomic_load_explicit(&e->f, memory_order_relaxed); \
			if (v != 0)						\
				atomic_fetch_add_explicit(&s->f, v, memory_order_relaxed); \
		} while (0)
		MOVE(alloc_blocks);
		MOVE(alloc_bytes);
		MOVE(free_blocks);
		MOVE(free_bytes);
		MOVE(temporary);
		MOVE(cross_frees);
#undef MOVE
		for (unsigned k = 0; k < TT_LIFE_BUCKETS; k++) {
			int32_t v = (int32_t)atomic_load_explicit(&e->life[k], memory_order_relaxed);

			if (v != 0)
				atomic_fetch_add_explicit(&s->life[k], (uint64_t)(int64_t)v,
							  memory_order_relaxed);
		}
		if ((did & TT_SITE_DID_ALLOC) &&
		    (was = atomic_load_explicit(&s->alloc_thread, memory_order_relaxed)) != owner) {
			if (was != 0)
				atomic_fetch_or_explicit(&s->life_flags, TT_LIFE_F_ALLOC_MANY,
							 memory_order_relaxed);
			atomic_store_explicit(&s->alloc_thread, owner, memory_order_relaxed);
		}
		if ((did & TT_SITE_DID_FREE) &&
		    (was = atomic_load_explicit(&s->free_thread, memory_order_relaxed)) != owner) {
			if (was != 0)
				atomic_fetch_or_explicit(&s->life_flags, TT_LIFE_F_FREE_MANY,
							 memory_order_relaxed);
			atomic_store_explicit(&s->free_thread, owner, memory_order_relaxed);
		}
	}
	atomic_store_explicit(&e->alloc_blocks, 0, memory_order_relaxed);
	atomic_store_explicit(&e->alloc_bytes, 0, memory_order_relaxed);
	atomic_store_explicit(&e->free_blocks, 0, memory_order_relaxed);
	atomic_store_explicit(&e->free_bytes, 0, memory_order_relaxed);
	atomic_store_explicit(&e->temporary, 0, memory_order_relaxed);
	atomic_store_explicit(&e->cross_frees, 0, memory_order_relaxed);
	for (unsigned k = 0; k < TT_LIFE_BUCKETS; k++)
		atomic_store_explicit(&e->life[k], 0, memory_order_relaxed);
	atomic_store_explicit(&e->did, 0, memory_order_relaxed);
	e->ops = 0;
	e->misses = 0;
}

/*
 * A move as a dump sees it: seq odd around it, and tt_lock_depth raised so
 * that a world stop holds this thread before or after it, never inside.
 */
static void
move_announced(struct tt_site_cache *c, struct tt_site_delta *e, uint32_t stack)
{
	uint32_t seq = atomic_load_explicit(&c->seq, memory_order_relaxed);

	tt_lock_depth++;
	atomic_store_explicit(&c->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	move(e, atomic_load_explicit(&c->owner, memory_order_relaxed));
	atomic_store_explicit(&e->stack, stack, memory_order_relaxed);
	atomic_store_explicit(&c->seq, seq + 2, memory_order_release);
	if (--tt_lock_depth == 0 && tt_unlikely(tt_stop_pending))
		tt_stop_park_pending();
}

void
tt_sites_move(struct tt_site_cache *c, struct tt_site_delta *e)
{
	move_announced(c, e, atomic_load_explicit(&e->stack, memory_order_relaxed));
}

struct tt_site_delta *
tt_sites_miss(struct tt_site_cache *c, struct tt_site_delta *e, uint32_t stack)
{
	if (atomic_load_explicit(&e->stack, memory_order_relaxed) == 0) {
		atomic_store_explicit(&e->stack, stack, memory_order_relaxed);
		return e;
	}
	if (++e->misses < 2 * (uint64_t)e->ops + 32)
		return NULL;
	move_announced(c, e, stack);
	return e;
}

struct tt_site_cache *
tt_sites_bind(uint64_t i, uint32_t thread)
{
	struct tt_site_cache *c;
	uint64_t high;

	if (caches == NULL || i >= ncaches)
		return NULL;
	c = &caches[i];
	if (atomic_load_explicit(&c->owner, memory_order_relaxed) != 0)
		tt_sites_release(c);	/* a thread that ended unseen */
	high = atomic_load_explicit(&caches_high, memory_order_relaxed);
	while (high < i + 1 &&
	       !atomic_compare_exchange_weak_explicit(&caches_high, &high, i + 1,
						      memory_order_relaxed, memory_order_relaxed))
		;
	atomic_store_explicit(&c->owner, thread, memory_order_release);
	return c;
}

void
tt_sites_release(struct tt_site_cache *c)
{
	for (unsigned k = 0; k < TT_SITE_ENTRIES; k++)
		if (atomic_load_explicit(&c->e[k].stack, memory_order_relaxed) != 0)
			move_announced(c, &c->e[k], 0);
	atomic_store_explicit(&c->owner, 0, memory_order_release);
}

void
tt_sites_postfork_child(struct tt_site_cache *self)
{
	uint64_t high = atomic_load_explicit(&caches_high, memory_order_relaxed);

	for (uint64_t i = 0; caches != NULL && i < high; i++)
		if (&caches[i] != self &&
		    atomic_load_explicit(&caches[i].owner, memory_order_relaxed) != 0)
			tt_sites_release(&caches[i]);
}

void
tt_sites_collect(uint32_t stack_high)
{
	uint64_t high = atomic_load_explicit(&caches_high, memory_order_acquire);

	nlinks = 0;
	for (uint64_t i = 0; i < high; i++) {
		struct tt_site_cache *c = &caches[i];
		uint32_t owner = atomic_load_explicit(&c->owner, memory_order_acquire);

		if (owner == 0)
			continue;
		/* an entry moving now is read as it is: see site_cache.h */
		for (unsigned k = 0; k < TT_SITE_ENTRIES && nlinks < links_cap; k++) {
			struct tt_site_delta *e = &c->e[k];
			uint32_t id = atomic_load_explicit(&e->stack, memory_order_relaxed);

			if (id == 0 || id >= stack_high || id >= max_stacks)
				continue;
			links[nlinks] = (struct link){ e, owner, id, first[id] };
			first[id] = (uint32_t)++nlinks;
		}
	}
}

void
tt_sites_uncollect(void)
{
	for (uint64_t n = 0; n < nlinks; n++)
		first[links[n].id] = 0;
	nlinks = 0;
}

/* One more thread at a site: the flags say when it is not the first. */
static void
add_thread(uint32_t *who, uint32_t *flags, uint32_t owner, uint32_t many)
{
	if (*who != owner) {
		if (*who != 0)
			*flags |= many;
		*who = owner;
	}
}

void
tt_sites_sum(uint32_t id, struct tt_site_sum *out)
{
	struct tt_stack *s = tt_stacks_get(id);

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return;
	out->alloc_blocks = atomic_load_explicit(&s->alloc_blocks, memory_order_relaxed);
	out->alloc_bytes = atomic_load_explicit(&s->alloc_bytes, memory_order_relaxed);
	out->free_blocks = atomic_load_explicit(&s->free_blocks, memory_order_relaxed);
	out->free_bytes = atomic_load_explicit(&s->free_bytes, memory_order_relaxed);
	out->temporary = atomic_load_explicit(&s->temporary, memory_order_relaxed);
	out->cross_frees = atomic_load_explicit(&s->cross_frees, memory_order_relaxed);
	for (unsigned k = 0; k < TT_LIFE_BUCKETS; k++)
		out->life[k] = atomic_load_explicit(&s->life[k], memory_order_relaxed);
	out->alloc_thread = atomic_load_explicit(&s->alloc_thread, memory_order_relaxed);
	out->free_thread = atomic_load_explicit(&s->free_thread, memory_order_relaxed);
	out->life_flags = atomic_load_explicit(&s->life_flags, memory_order_relaxed);
	if (id >= max_stacks)
		return;
	for (uint32_t n = first[id]; n != 0; n = links[n - 1].next) {
		const struct link *l = &links[n - 1];
		struct tt_site_delta *e = l->e;
		unsigned did;

		if (atomic_load_explicit(&e->stack, memory_order_relaxed) != id)
			continue;	/* moved and rebound since collected */
		out->alloc_blocks += atomic_load_explicit(&e->alloc_blocks, memory_order_relaxed);
		out->alloc_bytes += atomic_load_explicit(&e->alloc_bytes, memory_order_relaxed);
		out->free_blocks += atomic_load_explicit(&e->free_blocks, memory_order_relaxed);
		out->free_bytes += atomic_load_explicit(&e->free_bytes, memory_order_relaxed);
		out->temporary += atomic_load_explicit(&e->temporary, memory_order_relaxed);
		out->cross_frees += atomic_load_explicit(&e->cross_frees, memory_order_relaxed);
		for (unsigned k = 0; k < TT_LIFE_BUCKETS; k++)
			out->life[k] += (uint64_t)(int64_t)(int32_t)atomic_load_explicit(
				&e->life[k], memory_order_relaxed);
		did = atomic_load_explicit(&e->did, memory_order_relaxed);
		if (did & TT_SITE_DID_ALLOC)
			add_thread(&out->alloc_thread, &out->life_flags, l->owner,
				   TT_LIFE_F_ALLOC_MANY);
		if (did & TT_SITE_DID_FREE)
			add_thread(&out->free_thread, &out->life_flags, l->owner,
				   TT_LIFE_F_FREE_MANY);
	}
}
