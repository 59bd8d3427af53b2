/*
 * record.c - the recorder: everything the malloc wrappers do beyond calling
 * jemalloc.  Raises the thread's reentrancy guard around anything that may
 * call back into malloc (libunwind), so such calls are served untracked.
 *
 * Cost: one stack capture and one hash probe in the stack table (or, for a
 * stack the thread's memo holds, a compare per stack word; unwind.c), two
 * plain adds to the site's counters in the thread's own site cache
 * (site_cache.h), and a slot from the thread's slot cache; a free notes
 * its slot in the thread's free queue (plain stores to the thread's own
 * lines, free_queue.h) and records the one noted TT_FREEQ_LEN frees
 * before: a read of the coarse clock (vDSO, no system call), the slot's
 * clear and three or four plain adds: freed blocks and bytes, the site's
 * lifetime histogram, its temporary or cross-thread count.  No lock, no
 * system call, no allocation, and in the common case no locked instruction.
 */
#include "record.h"

#include <errno.h>
#include <math.h>

#include "../format/tdump.h"
#include "dumper.h"
#include "free_queue.h"
#include "internal.h"
#include "options.h"
#include "sample_arena.h"
#include "site_cache.h"
#include "threads.h"
#include "tls.h"
#include "unwind.h"

extern struct tt_opts tt_opts;

uint64_t tt_sample_rate;

/* Bytes to the next sample point: exponential, of mean tt_sample_rate. */
static int64_t
next_sample(void)
{
	double u = (double)((tt_dice() >> 11) + 1) * 0x1p-53;	/* (0, 1] */
	double d = -log(u) * (double)tt_sample_rate;

	return d < 0x1p62 ? (int64_t)d : INT64_C(1) << 62;
}

/* x rounded down or up at random, so that the expected value is x. */
static uint64_t
round_fair(double x)
{
	double f = floor(x);

	return (uint64_t)f + ((double)(tt_dice() >> 11) * 0x1p-53 < x - f);
}

/*
 * What one recorded block of size stands for.  Sampled, a block of size s
 * is recorded with probability p = 1 - exp(-s / rate), so it stands for
 * 1/p blocks of s/p bytes (the estimate pprof's readers apply to tcmalloc's
 * and jemalloc's samples); counters take them rounded at random, unbiased.
 */
struct weight {
	uint64_t blocks, bytes;
};

static __attribute__((noinline, cold)) struct weight
weight_sampled(uint64_t size)
{
	double p = -expm1(-(double)size / (double)tt_sample_rate);

	if (!(p > 0))
		return (struct weight){ 1, size };
	return (struct weight){ round_fair(1 / p), round_fair((double)size / p) };
}

/* Full tracking pays one branch for it (returned in registers). */
static inline __attribute__((always_inline)) struct weight
weight(uint64_t size)
{
	if (tt_likely(tt_sample_rate == 0))
		return (struct weight){ 1, size };
	return weight_sampled(size);
}

/*
 * Whether this allocation is a sample: the wrapper counted its bytes down
 * (tt_sampled) and found the sample point inside it, or this thread's
 * countdown was never drawn and the first draw says so.
 */
static bool
sample_hit(struct tt_tls *t, size_t size)
{
	if (!t->sample_armed) {
		t->sample_armed = 1;
		t->sample_left = next_sample() - (int64_t)size;
		if (t->sample_left >= 0)
			return false;
	}
	t->sample_left = next_sample();
	return true;
}

/* The first sample of the process makes the arena (sample_arena.h). */
static __attribute__((noinline, cold)) bool
open_arena(void)
{
	static atomic_flag said = ATOMIC_FLAG_INIT;
	int rc;

	tt_tls.busy++;
	rc = tt_sarena_open();
	tt_tls.busy--;
	if (rc != 0 && !atomic_flag_test_and_set(&said))
		tt_disable("cannot create the arena of the sampled blocks");
	return rc == 0;
}

bool
tt_sample_take(size_t size)
{
	return sample_hit(&tt_tls, size) && (tt_likely(tt_sarena_ready()) || open_arena());
}

static tt_freeq_fn settle_taken;

/*
 * The calling thread's site cache (site_cache.h), bound at its first use;
 * NULL for a thread without a registry slot or number, whose counts go to
 * the stack table directly.
 */
static __attribute__((noinline)) struct tt_site_cache *
sites_first(struct tt_tls *t)
{
	if (t->self == NULL || t->thread == 0)
		return NULL;
	t->sites = tt_sites_bind((uint64_t)(t->self - tt_threads_slot(0)), t->thread);
	if (t->sites != NULL)
		t->freeq = tt_freeq_bind((uint64_t)(t->self - tt_threads_slot(0)), t->thread,
					 settle_taken, NULL);
	return t->sites;
}

static inline struct tt_site_cache *
sites_self(struct tt_tls *t)
{
	return tt_likely(t->sites != NULL) ? t->sites : sites_first(t);
}

/*
 * A freed block, at its site: freed blocks and bytes, the lifetime bucket,
 * temporary (freed by its allocating thread while still that thread's last
 * recorded block: was_last) or cross-thread, and the freeing thread me, at
 * free_ns on the coarse clock.  sign is 1 at a
 * free, -1 when a failed realloc takes the free back (the clock has rarely
 * moved to another bucket in between).  With the thread's site cache (only
 * when this call raised tt_tls.busy from 0: a handler that interrupted an
 * update of the cache must not touch it) the counts are plain adds to the
 * thread's own entry; else locked adds to the stack table.
 */
static inline __attribute__((always_inline)) void
charge_free(struct tt_tls *t, const struct tt_block_copy *b, uint64_t free_ns, uint32_t me,
	    bool was_last, uint64_t sign, bool own)
{
	struct weight w = weight(b->size);
	unsigned k = tt_life_bucket(free_ns - b->time_ns);
	uint32_t was;
	bool temporary = b->thread == me && was_last;
	bool cross = b->thread != me;
	struct tt_site_cache *c;
	struct tt_site_delta *e;
	struct tt_stack *s;

	if (tt_likely(own) && (c = sites_self(t)) != NULL &&
	    tt_likely((e = tt_sites_entry(c, b->stack)) != NULL)) {
		tt_site_add(&e->free_blocks, w.blocks * sign);
		tt_site_add(&e->free_bytes, w.bytes * sign);
		tt_site_add32(&e->life[k], (uint32_t)sign);
		if (temporary)
			tt_site_add(&e->temporary, sign);
		else if (cross)
			tt_site_add(&e->cross_frees, sign);
		tt_site_done(c, e, TT_SITE_DID_FREE);
		return;
	}
	if ((s = tt_stacks_get(b->stack)) == NULL)
		return;
	atomic_fetch_add_explicit(&s->free_blocks, w.blocks * sign, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->free_bytes, w.bytes * sign, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->life[k], sign, memory_order_relaxed);
	if (temporary)
		atomic_fetch_add_explicit(&s->temporary, sign, memory_order_relaxed);
	else if (cross)
		atomic_fetch_add_explicit(&s->cross_frees, sign, memory_order_relaxed);
	was = atomic_load_explicit(&s->free_thread, memory_order_relaxed);
	if (tt_unlikely(was != me)) {
		if (was != 0)
			atomic_fetch_or_explicit(&s->life_flags, TT_LIFE_F_FREE_MANY,
						 memory_order_relaxed);
		atomic_store_explicit(&s->free_thread, me, memory_order_relaxed);
	}
}

/* A new block at its site, as charge_free() does it (tt_tls.busy raised
 * by the recorder from 0). */
static inline __attribute__((always_inline)) void
charge_alloc(struct tt_tls *t, uint32_t stack, struct weight w)
{
	struct tt_site_cache *c = sites_self(t);
	struct tt_site_delta *e;
	struct tt_stack *s;

	if (tt_likely(c != NULL) && tt_likely((e = tt_sites_entry(c, stack)) != NULL)) {
		tt_site_add(&e->alloc_blocks, w.blocks);
		tt_site_add(&e->alloc_bytes, w.bytes);
		tt_site_done(c, e, TT_SITE_DID_ALLOC);
		return;
	}
	s = tt_stacks_get(stack);
	atomic_fetch_add_explicit(&s->alloc_blocks, w.blocks, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->alloc_bytes, w.bytes, memory_order_relaxed);
	if (tt_unlikely(atomic_load_explicit(&s->alloc_thread, memory_order_relaxed) != t->thread)) {
		if (atomic_load_explicit(&s->alloc_thread, memory_order_relaxed) != 0)
			atomic_fetch_or_explicit(&s->life_flags, TT_LIFE_F_ALLOC_MANY,
						 memory_order_relaxed);
		atomic_store_explicit(&s->alloc_thread, t->thread, memory_order_relaxed);
	}
}

/* The stack, captured and interned (unwind.c; a repeated stack is
 * answered by the thread's stack memo). */
static inline uint32_t
stack_here(unsigned fn)
{
	return tt_unwind_stack(fn);
}

uint32_t
tt_record_stack(unsigned fn)
{
	return stack_here(fn);
}

void
tt_record_alloc(void *user, size_t size, unsigned fn)
{
	struct tt_tls *t = &tt_tls;
	uint32_t stack, slot;
	struct weight w;
	int saved = errno;

	t->busy++;
	if (atomic_load_explicit(&tt_state, memory_order_acquire) != TT_STATE_ON &&
	    !tt_init())
		goto out;
	if (tt_unlikely(!t->exit_armed)) {
		if (t->thread == 0) {
			if (tt_unwind_is_internal_thread()) {
				/* One of tether's own threads, started behind
				 * the wrapper's back (jemalloc's background
				 * threads get pthread_create from dlsym):
				 * recording stays off in it for good, so the
				 * guard is never lowered. */
				t->busy++;
				goto out;
			}
			t->thread = tt_thread_number();
			(void)tt_threads_self();	/* one tether did not see start */
		}
		/* The thread's first recorded allocation, however it got its
		 * number (trampoline, adoption, main): from now on it caches
		 * block slots, which its exit hook gives back. */
		t->exit_armed = tt_thread_first();
	}
	if (tt_unlikely(tt_sample_rate != 0) && !(fn & TT_RECORD_TAKEN) && !sample_hit(t, size))
		goto out;
	fn &= ~TT_RECORD_TAKEN;

	stack = stack_here(fn);
	slot = stack ? tt_blocks_take() : 0;
	if (slot == 0) {
		atomic_fetch_add_explicit(&tt_drops.blocks, 1, memory_order_relaxed);
		goto out;
	}
	w = weight(size);
	charge_alloc(t, stack, w);
	tt_blocks_fill(slot, (uintptr_t)user, size, stack, t->thread, tt_coarse_ns());
	tt_hdr_of(user)->slot = slot;
	t->last_alloc = ~(uintptr_t)user;
	/* TETHER_DUMP_EVERY_BYTES: a thread-local add and compare; the
	 * shared count is touched once per tt_dump_step bytes.  Sampled, a
	 * block counts what it stands for. */
	t->dump_bytes += w.bytes;
	if (tt_unlikely(t->dump_bytes >= tt_dump_step))
		tt_dumper_count_bytes();
out:
	t->busy--;
	errno = saved;
}

/* Clear the slot of noted entry e into *b; a slot that no longer holds
 * that block (a double free, a corrupted header) is a bad free. */
static inline __attribute__((always_inline)) bool
clear_noted(uint64_t e, struct tt_block_copy *b)
{
	if (tt_likely(tt_blocks_clear_tag(tt_freeq_slot(e), tt_freeq_tag(e), b)))
		return true;
	atomic_fetch_add_explicit(&tt_drops.bad_frees, 1, memory_order_relaxed);
	return false;
}

/*
 * Record the free that entry e of the calling thread's own queue noted
 * (free_queue.h): its slot's line was asked for TT_FREEQ_LEN frees ago.
 */
static inline __attribute__((always_inline)) void
settle_own(struct tt_tls *t, uint64_t e, uint64_t free_ns)
{
	struct tt_block_copy b;

	if (!clear_noted(e, &b))
		return;
	charge_free(t, &b, free_ns, t->thread, (e & TT_FREEQ_TEMPORARY) != 0, 1, true);
	tt_blocks_put(tt_freeq_slot(e));
}

/* Slots cleared by whoever took over a queue, given back in batches to
 * the shared stack, not to that thread's cache. */
struct taken {
	unsigned n;
	uint32_t slots[64];
};

/* An entry of owner's queue recorded by its thread at its end, or by a
 * thread that took over the queue (owner is gone): owner is the freeing
 * thread, the counts go straight to the stack table. */
static void
settle_taken(uint64_t e, uint64_t free_ns, uint32_t owner, void *arg)
{
	struct taken *k = arg;
	uint32_t slot = tt_freeq_slot(e);
	struct tt_block_copy b;

	if (!clear_noted(e, &b))
		return;
	charge_free(&tt_tls, &b, free_ns, owner, (e & TT_FREEQ_TEMPORARY) != 0, 1, false);
	if (k == NULL) {
		tt_blocks_put_many(&slot, 1);
		return;
	}
	k->slots[k->n++] = slot;
	if (k->n == 64) {
		tt_blocks_put_many(k->slots, k->n);
		k->n = 0;
	}
}

void
tt_record_thread_end(void)
{
	struct tt_tls *t = &tt_tls;
	struct taken k = { 0 };

	if (t->freeq == NULL)
		return;
	t->busy++;
	tt_freeq_drain(t->freeq, settle_taken, &k);
	tt_blocks_put_many(k.slots, k.n);
	t->freeq = NULL;
	t->busy--;
}

void
tt_record_postfork_child(void)
{
	struct taken k = { 0 };

	tt_tls.busy++;
	tt_freeq_drain_others(tt_tls.freeq, settle_taken, &k);
	tt_blocks_put_many(k.slots, k.n);
	tt_tls.busy--;
}

/*
 * A dump's view of the frees noted and not yet recorded: what each will
 * add to its site, sorted by stack id (tt_record_pending_add).
 */
struct charge {
	uint32_t stack, owner;
	uint64_t blocks, bytes;
	uint32_t bucket;
	uint8_t temporary, cross;
};
static struct charge *charges;
static size_t ncharges;

static void
collect_charge(uint64_t e, uint64_t free_ns, uint32_t owner, void *arg)
{
	uint32_t stack_high = *(uint32_t *)arg;
	struct tt_block_copy b;
	struct weight w;

	if (ncharges >= tt_freeq_cap() || !tt_blocks_read(tt_freeq_slot(e), &b) ||
	    tt_addr_tag(b.addr) != tt_freeq_tag(e) || b.stack >= stack_high)
		return;		/* recorded meanwhile, or not this block */
	w = weight(b.size);
	charges[ncharges++] = (struct charge){
		.stack = b.stack, .owner = owner, .blocks = w.blocks, .bytes = w.bytes,
		.bucket = tt_life_bucket(free_ns - b.time_ns),
		.temporary = (e & TT_FREEQ_TEMPORARY) && b.thread == owner,
		.cross = b.thread != owner,
	};
}

void
tt_record_pending_collect(uint32_t stack_high)
{
	ncharges = 0;
	if (charges == NULL &&
	    (charges = tt_map_reserve(tt_freeq_cap() * sizeof(*charges))) == NULL)
		return;
	tt_freeq_each(collect_charge, &stack_high);
	for (size_t gap = ncharges / 2; gap > 0; gap /= 2)	/* no libc */
		for (size_t i = gap; i < ncharges; i++) {
			struct charge v = charges[i];
			size_t j = i;

			for (; j >= gap && charges[j - gap].stack > v.stack; j -= gap)
				charges[j] = charges[j - gap];
			charges[j] = v;
		}
}

void
tt_record_pending_add(uint32_t id, struct tt_site_sum *sum)
{
	size_t lo = 0, hi = ncharges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (charges[mid].stack < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ncharges && charges[lo].stack == id; lo++) {
		const struct charge *c = &charges[lo];

		sum->free_blocks += c->blocks;
		sum->free_bytes += c->bytes;
		sum->life[c->bucket]++;
		sum->temporary += c->temporary;
		sum->cross_frees += !c->temporary && c->cross;
		if (sum->free_thread != c->owner) {
			if (sum->free_thread != 0)
				sum->life_flags |= TT_LIFE_F_FREE_MANY;
			sum->free_thread = c->owner;
		}
	}
}

/*
 * The common free: note it in the thread's queue, ask for its slot's line,
 * and record the free noted TT_FREEQ_LEN frees before.  tt_lock_depth is
 * raised so that a world stop never holds the thread in between (the scan
 * reads the queues as they stand).
 */
static inline __attribute__((always_inline)) uint64_t
free_later(struct tt_tls *t, uint32_t slot, void *user)
{
	uint64_t e = tt_freeq_entry(slot, (uintptr_t)user,
				    t->last_alloc == ~(uintptr_t)user), then, old;

	tt_blocks_prefetch(slot);
	t->busy++;
	tt_lock_depth++;
	old = tt_freeq_swap(t->freeq, e, tt_coarse_ns(), &then);
	if (old != 0) {
		settle_own(t, old, then);
		tt_freeq_done(t->freeq);
	}
	if (--tt_lock_depth == 0 && tt_unlikely(tt_stop_pending))
		tt_stop_park_pending();
	t->busy--;
	return e;
}

void
tt_record_free(void *user, struct tt_block_copy *old)
{
	struct tt_tls *t = &tt_tls;
	struct tt_hdr *h = tt_hdr_of(user);
	struct tt_block_copy b;
	uint32_t slot = h->slot;
	bool own = t->busy == 0;

	h->slot = 0;
	if (tt_likely(own && t->freeq != NULL)) {
		uint64_t e = free_later(t, slot, user);

		if (tt_unlikely(old != NULL)) {	/* realloc: tt_record_restore */
			old->addr = (uintptr_t)user;	/* may take the note back */
			old->noted = e;
		}
		return;
	}
	if (!tt_blocks_clear(slot, (uintptr_t)user, &b)) {
		atomic_fetch_add_explicit(&tt_drops.bad_frees, 1, memory_order_relaxed);
		if (old != NULL)
			old->addr = 0;
		return;
	}
	t->busy++;
	charge_free(t, &b, tt_coarse_ns(), t->thread, t->last_alloc == ~(uintptr_t)user, 1, own);
	if (old != NULL) {
		*old = b;
		old->noted = 0;
	}
	if (own) {
		tt_blocks_put(slot);
	} else {
		/* A free from inside tether or from a signal handler that
		 * interrupted it: the thread's slot cache may be mid-update,
		 * so this slot is not reused. */
		atomic_fetch_add_explicit(&tt_drops.leaked_slots, 1, memory_order_relaxed);
	}
	t->busy--;
}

void
tt_record_restore(void *user, const struct tt_block_copy *old)
{
	struct tt_tls *t = &tt_tls;
	uint32_t slot;

	if (old->addr == 0 || t->busy != 0)
		return;
	if (old->noted != 0) {
		/* Only noted: taking the note back leaves the record as it
		 * was.  Gone only if a signal handler freed six blocks in
		 * between; the block is then counted as not recorded. */
		if (t->freeq != NULL && tt_freeq_cancel(t->freeq, old->noted))
			tt_hdr_of(user)->slot = tt_freeq_slot(old->noted);
		else
			atomic_fetch_add_explicit(&tt_drops.blocks, 1, memory_order_relaxed);
		return;
	}
	t->busy++;
	slot = tt_blocks_take();
	if (slot != 0) {
		charge_free(t, old, tt_coarse_ns(), t->thread,
			    t->last_alloc == ~(uintptr_t)user, (uint64_t)-1, true);
		tt_blocks_fill(slot, (uintptr_t)user, old->size, old->stack,
			       old->thread, old->time_ns);
		tt_hdr_of(user)->slot = slot;
	}
	t->busy--;
}
