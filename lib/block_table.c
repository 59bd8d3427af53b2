/*
 * block_table.c - the pool of live-block slots.  See table.h for the
 * contract.  Index 0 is never used, so 0 can mean "untracked" in headers.
 *
 * Free slots are kept in three places: the never-used tail of the pool
 * (fresh), batches of up to TT_SLOT_CACHE / 2 slots on a global Treiber
 * stack (linked through the free slots themselves), and each thread's
 * cache.  Only batch moves touch shared cache lines.
 */
#include "table.h"

#include <errno.h>
#include <sys/mman.h>

#include "own_maps.h"
#include "tls.h"

#define BATCH (TT_SLOT_CACHE / 2)
#define FRESH_GRAB 64

struct tt_drops tt_drops;

static struct tt_slot *pool;
static uint64_t pool_cap;
static _Atomic uint64_t fresh = 1;	/* next never-used index */
/* Global stack of batches: low 32 bits index of the first slot, high 32 bits
 * a tag bumped on every change (ABA). */
static _Atomic uint64_t batches;

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
	pool = tt_map_reserve(pool_cap * sizeof(*pool));
	return pool ? 0 : -ENOMEM;
}

/* Free-slot links reuse the size field (next in batch) and the time field
 * (next batch). */
static uint32_t
link_next(uint32_t idx)
{
	return (uint32_t)atomic_load_explicit(&pool[idx].size, memory_order_relaxed);
}

static void
push_batch(const uint32_t *idx, unsigned n)
{
	uint64_t old, new;

	for (unsigned i = 0; i + 1 < n; i++)
		atomic_store_explicit(&pool[idx[i]].size, idx[i + 1], memory_order_relaxed);
	atomic_store_explicit(&pool[idx[n - 1]].size, 0, memory_order_relaxed);
	old = atomic_load_explicit(&batches, memory_order_relaxed);
	do {
		atomic_store_explicit(&pool[idx[0]].time_ns, old & 0xffffffffu,
				      memory_order_relaxed);
		new = ((old >> 32) + 1) << 32 | idx[0];
		/* pairs with the acquire in pop_batch */
	} while (!atomic_compare_exchange_weak_explicit(&batches, &old, new,
			memory_order_release, memory_order_relaxed));
}

static unsigned
pop_batch(uint32_t *out)
{
	uint64_t old = atomic_load_explicit(&batches, memory_order_acquire), new;
	uint32_t head;
	unsigned n = 0;

	do {
		head = (uint32_t)old;
		if (head == 0)
			return 0;
		/* May read a slot another thread just took; the tag makes the
		 * exchange fail then. */
		new = ((old >> 32) + 1) << 32 |
		      (uint32_t)atomic_load_explicit(&pool[head].time_ns,
						     memory_order_relaxed);
	} while (!atomic_compare_exchange_weak_explicit(&batches, &old, new,
			memory_order_acquire, memory_order_acquire));
	for (uint32_t i = head; i != 0 && n < BATCH; i = link_next(i))
		out[n++] = i;
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

uint32_t
tt_blocks_take(void)
{
	struct tt_tls *t = &tt_tls;
	uint32_t one;

	if (tt_unlikely(t->nslots == 0)) {
		if (t->exiting)
			return take_fresh(&one, 1) ? one : 0;
		t->nslots = pop_batch(t->slots);
		if (t->nslots == 0)
			t->nslots = take_fresh(t->slots, FRESH_GRAB);
		if (t->nslots == 0)
			return 0;
	}
	return t->slots[--t->nslots];
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
		t->nslots -= BATCH;
		push_batch(t->slots + t->nslots, BATCH);
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
	old->addr = addr;
	old->size = atomic_load_explicit(&s->size, memory_order_relaxed);
	old->stack = atomic_load_explicit(&s->stack, memory_order_relaxed);
	old->thread = atomic_load_explicit(&s->thread, memory_order_relaxed);
	old->time_ns = atomic_load_explicit(&s->time_ns, memory_order_relaxed);
	/* Exchange, not store: a second clear racing with this one (a double
	 * free in two threads) must fail. */
	return atomic_compare_exchange_strong_explicit(&s->word, &w,
			w & ~TT_ADDR_MASK, memory_order_release, memory_order_relaxed);
}

bool
tt_blocks_read(uint32_t idx, struct tt_block_copy *out)
{
	struct tt_slot *s = &pool[idx];
	uint64_t w = atomic_load_explicit(&s->word, memory_order_acquire);

	if ((w & TT_ADDR_MASK) == 0)
		return false;
	out->addr = w & TT_ADDR_MASK;
	out->size = atomic_load_explicit(&s->size, memory_order_relaxed);
	out->stack = atomic_load_explicit(&s->stack, memory_order_relaxed);
	out->thread = atomic_load_explicit(&s->thread, memory_order_relaxed);
	out->time_ns = atomic_load_explicit(&s->time_ns, memory_order_relaxed);
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
	return (uint64_t)tt_blocks_high() * sizeof(struct tt_slot);
}
