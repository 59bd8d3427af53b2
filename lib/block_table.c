/*
 * block_table.c - the pool of live-block slots.  See table.h for the
 * contract.  Index 0 is never used, so 0 can mean "untracked" in headers.
 *
 * Free slots are kept in three places: the never-used tail of the pool
 * (fresh), batches of up to TT_SLOT_CACHE / 2 slot indices on a global
 * Treiber stack, and each thread's cache.  Only batch moves touch shared
 * cache lines.  A batch is a compact node (the indices in a row, a few
 * cache lines), not a list linked through the free slots themselves: that
 * list cost one dependent cache miss per slot to take a batch, which on a
 * large heap was a miss per allocation.  Nodes are reused through a second
 * stack of spare nodes.
 */
#include "table.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "own_maps.h"
#include "tls.h"

#define BATCH (TT_SLOT_CACHE / 2)
#define FRESH_GRAB 64

struct tt_drops tt_drops;

static struct tt_slot *pool;
static uint64_t pool_cap;
static _Atomic uint64_t fresh = 1;	/* next never-used index */

struct batch {
	_Atomic uint32_t next;	/* next node on its stack, 0 = none */
	uint32_t n;		/* indices in idx */
	uint32_t idx[BATCH];
};

/* Node 0 is never used.  Each stack head: low 32 bits the first node, high
 * 32 bits a tag bumped on every change (ABA). */
static struct batch *nodes;
static uint64_t nodes_cap;
static _Atomic uint64_t nodes_fresh = 1;
static _Atomic uint64_t full;		/* batches of free slots */
static _Atomic uint64_t spare;		/* empty nodes */

void *
tt_map_reserve(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	tt_own_add(p, n);
	return p;
}

int
tt_blocks_init(uint64_t max)
{
	pool_cap = max + 1;
	/* Every node on the stack holds at least one free slot, and all but a
	 * thread's last one at exit hold a full batch: twice the full batches
	 * leaves room for many partial ones.  Reserved, touched as used. */
	nodes_cap = 2 * (pool_cap / BATCH) + 4096;
	pool = tt_map_reserve(pool_cap * sizeof(*pool));
	nodes = tt_map_reserve(nodes_cap * sizeof(*nodes));
	return pool && nodes ? 0 : -ENOMEM;
}

static void
node_push(_Atomic uint64_t *head, uint32_t node)
{
	uint64_t old = atomic_load_explicit(head, memory_order_relaxed), new;

	do {
		atomic_store_explicit(&nodes[node].next, (uint32_t)old, memory_order_relaxed);
		new = ((old >> 32) + 1) << 32 | node;
		/* pairs with the acquire in node_pop: the node's contents */
	} while (!atomic_compare_exchange_weak_explicit(head, &old, new,
			memory_order_release, memory_order_relaxed));
}

static uint32_t
node_pop(_Atomic uint64_t *head)
{
	uint64_t old = atomic_load_explicit(head, memory_order_acquire), new;
	uint32_t node;

	do {
		node = (uint32_t)old;
		if (node == 0)
			return 0;
		/* May read a node another thread just took; the tag makes the
		 * exchange fail then. */
		new = ((old >> 32) + 1) << 32 |
		      atomic_load_explicit(&nodes[node].next, memory_order_relaxed);
	} while (!atomic_compare_exchange_weak_explicit(head, &old, new,
			memory_order_acquire, memory_order_acquire));
	return node;
}

static void
push_batch(const uint32_t *idx, unsigned n)
{
	uint32_t node = node_pop(&spare);

	if (node == 0) {
		uint64_t f = atomic_fetch_add_explicit(&nodes_fresh, 1, memory_order_relaxed);

		if (f >= nodes_cap) {
			/* No node left (a pathological number of partial
			 * batches): these slots are lost, and counted. */
			atomic_fetch_add_explicit(&tt_drops.leaked_slots, n, memory_order_relaxed);
			return;
		}
		node = (uint32_t)f;
	}
	nodes[node].n = n;
	memcpy(nodes[node].idx, idx, n * sizeof(*idx));
	node_push(&full, node);
}

static unsigned
pop_batch(uint32_t *out)
{
	uint32_t node = node_pop(&full);
	unsigned n;

	if (node == 0)
		return 0;
	n = nodes[node].n;
	memcpy(out, nodes[node].idx, n * sizeof(*out));
	node_push(&spare, node);
	return n;
}

static unsigned
take_fresh(uint32_t *out, unsigned want)
{
	uint64_t first = atomic_fetch_add_explicit(&fresh, want, memory_order_relaxed);
	unsigned n = 0;

	while (n < want && first + n < pool_cap) {
		out[n] = (uint32_t)(first + n);
		n++;
	}
	return n;
}

/* The thread's cache is empty: refill it, off the fast path. */
static __attribute__((noinline)) uint32_t
take_refill(struct tt_tls *t)
{
	uint32_t one;

	if (t->exiting)
		return take_fresh(&one, 1) ? one : 0;
	t->nslots = pop_batch(t->slots);
	if (t->nslots == 0)
		t->nslots = take_fresh(t->slots, FRESH_GRAB);
	if (t->nslots == 0)
		return 0;
	return t->slots[--t->nslots];
}

uint32_t
tt_blocks_take(void)
{
	struct tt_tls *t = &tt_tls;
	uint32_t one;

	if (tt_unlikely(t->nslots == 0))
		return take_refill(t);
	one = t->slots[--t->nslots];
	/* The next allocation fills the slot below: a batch's slots are
	 * scattered over the pool and cold, so fetch its line now. */
	if (tt_likely(t->nslots > 0))
		__builtin_prefetch(&pool[t->slots[t->nslots - 1]], 1);
	return one;
}

/* The thread's cache is full: half of it to the shared stack, then idx. */
static __attribute__((noinline)) void
put_spill(struct tt_tls *t, uint32_t idx)
{
	t->nslots -= BATCH;
	push_batch(t->slots + t->nslots, BATCH);
	t->slots[t->nslots++] = idx;
}

void
tt_blocks_put(uint32_t idx)
{
	struct tt_tls *t = &tt_tls;

	if (tt_unlikely(t->exiting)) {
		atomic_fetch_add_explicit(&tt_drops.leaked_slots, 1, memory_order_relaxed);
		return;
	}
	if (tt_unlikely(t->nslots == TT_SLOT_CACHE)) {
		put_spill(t, idx);
		return;
	}
	t->slots[t->nslots++] = idx;
}

void
tt_blocks_thread_exit(void)
{
	struct tt_tls *t = &tt_tls;

	t->exiting = 1;
	while (t->nslots > 0) {
		unsigned n = t->nslots < BATCH ? t->nslots : BATCH;

		t->nslots -= n;
		push_batch(t->slots + t->nslots, n);
	}
}

void
tt_blocks_put_many(const uint32_t *idx, unsigned n)
{
	while (n > 0) {
		unsigned k = n < BATCH ? n : BATCH;

		push_batch(idx, k);
		idx += k;
		n -= k;
	}
}

void
tt_blocks_prefetch(uint32_t idx)
{
	if (tt_likely(idx < pool_cap))
		__builtin_prefetch(&pool[idx], 1);
}

void
tt_blocks_fill(uint32_t idx, uintptr_t addr, uint64_t size, uint32_t stack,
	       uint32_t thread, uint64_t time_ns)
{
	struct tt_slot *s = &pool[idx];
	uint64_t gen = atomic_load_explicit(&s->word, memory_order_relaxed) >> TT_ADDR_BITS;

	atomic_store_explicit(&s->size, size, memory_order_relaxed);
	atomic_store_explicit(&s->stack, stack, memory_order_relaxed);
	atomic_store_explicit(&s->thread, thread, memory_order_relaxed);
	atomic_store_explicit(&s->time_ns, time_ns, memory_order_relaxed);
	/* pairs with the acquire loads in tt_blocks_read */
	atomic_store_explicit(&s->word, ((gen + 1) << TT_ADDR_BITS) | (addr & TT_ADDR_MASK),
			      memory_order_release);
}

/* The slot's fields, for a block at addr. */
static inline void
copy_out(struct tt_slot *s, uint64_t addr, struct tt_block_copy *out)
{
	out->addr = addr;
	out->size = atomic_load_explicit(&s->size, memory_order_relaxed);
	out->stack = atomic_load_explicit(&s->stack, memory_order_relaxed);
	out->thread = atomic_load_explicit(&s->thread, memory_order_relaxed);
	out->time_ns = atomic_load_explicit(&s->time_ns, memory_order_relaxed);
}

bool
tt_blocks_clear(uint32_t idx, uintptr_t addr, struct tt_block_copy *old)
{
	struct tt_slot *s;
	uint64_t w;

	if (idx == 0 || idx >= pool_cap)
		return false;
	s = &pool[idx];
	w = atomic_load_explicit(&s->word, memory_order_relaxed);
	if ((w & TT_ADDR_MASK) != (addr & TT_ADDR_MASK) || addr == 0)
		return false;
	copy_out(s, addr, old);
	/* Exchange, not store: a second clear racing with this one (a double
	 * free in two threads) must fail. */
	return atomic_compare_exchange_strong_explicit(&s->word, &w,
			w & ~TT_ADDR_MASK, memory_order_release, memory_order_relaxed);
}

bool
tt_blocks_clear_tag(uint32_t idx, uint32_t tag, struct tt_block_copy *old)
{
	struct tt_slot *s;
	uint64_t w, addr;

	if (idx == 0 || idx >= pool_cap)
		return false;
	s = &pool[idx];
	w = atomic_load_explicit(&s->word, memory_order_relaxed);
	addr = w & TT_ADDR_MASK;
	if (addr == 0 || tt_addr_tag(addr) != tag)
		return false;
	copy_out(s, addr, old);
	/* A store: an entry has one taker (free_queue.h), so only two frees
	 * of one block racing in two threads could clear this slot twice. */
	atomic_store_explicit(&s->word, w & ~TT_ADDR_MASK, memory_order_release);
	return true;
}

bool
tt_blocks_read(uint32_t idx, struct tt_block_copy *out)
{
	struct tt_slot *s = &pool[idx];
	uint64_t w = atomic_load_explicit(&s->word, memory_order_acquire);

	if ((w & TT_ADDR_MASK) == 0)
		return false;
	copy_out(s, w & TT_ADDR_MASK, out);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->word, memory_order_relaxed) == w;
}

uint32_t
tt_blocks_high(void)
{
	uint64_t f = atomic_load_explicit(&fresh, memory_order_relaxed);

	return (uint32_t)(f < pool_cap ? f : pool_cap);
}

uint64_t
tt_blocks_bytes(void)
{
	uint64_t n = atomic_load_explicit(&nodes_fresh, memory_order_relaxed);

	return (uint64_t)tt_blocks_high() * sizeof(struct tt_slot) +
	       (n < nodes_cap ? n : nodes_cap) * sizeof(struct batch);
}
