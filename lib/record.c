/*
 * record.c - the recorder: everything the malloc wrappers do beyond calling
 * jemalloc.  Raises the thread's reentrancy guard around anything that may
 * call back into malloc (libunwind), so such calls are served untracked.
 *
 * Cost: one stack capture (libunwind), one hash probe in the stack table,
 * two relaxed atomic adds on the site's counters, and a slot from the
 * thread's cache.  No lock, no system call, no allocation.
 */
#include "record.h"

#include <errno.h>

#include "../format/tdump.h"
#include "dumper.h"
#include "internal.h"
#include "options.h"
#include "threads.h"
#include "tls.h"
#include "unwind.h"

extern struct tt_opts tt_opts;

static void
charge_free(const struct tt_block_copy *b)
{
	struct tt_stack *s = tt_stacks_get(b->stack);

	if (s != NULL) {
		atomic_fetch_add_explicit(&s->free_blocks, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->free_bytes, b->size, memory_order_relaxed);
	}
}

/* Inlined into the recorder, which runs on every tracked allocation (an
 * out-of-line call measured 4-7% slower on malloc/free churn). */
static inline __attribute__((always_inline)) uint32_t
stack_here(unsigned fn)
{
	uintptr_t frames[TT_MAX_DEPTH];
	bool truncated;
	unsigned depth = tt_unwind_capture(frames, (unsigned)tt_opts.stack_depth, &truncated);

	return tt_stacks_intern(frames, depth, fn, truncated ? TT_STACK_TRUNCATED : 0);
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
	struct tt_stack *s;
	uint32_t stack, slot;
	int saved = errno;

	t->busy++;
	if (atomic_load_explicit(&tt_state, memory_order_acquire) != TT_STATE_ON &&
	    !tt_init())
		goto out;
	if (tt_unlikely(t->thread == 0)) {
		if (tt_unwind_is_internal_thread()) {
			/* One of tether's own threads, started behind the
			 * wrapper's back (jemalloc's background threads get
			 * pthread_create from dlsym): recording stays off in
			 * it for good, so the guard is never lowered. */
			t->busy++;
			goto out;
		}
		t->thread = tt_thread_number();
		(void)tt_threads_self();	/* a thread tether did not see start */
		tt_thread_first();
	}

	stack = stack_here(fn);
	slot = stack ? tt_blocks_take() : 0;
	if (slot == 0) {
		atomic_fetch_add_explicit(&tt_drops.blocks, 1, memory_order_relaxed);
		goto out;
	}
	s = tt_stacks_get(stack);
	atomic_fetch_add_explicit(&s->alloc_blocks, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->alloc_bytes, size, memory_order_relaxed);
	tt_blocks_fill(slot, (uintptr_t)user, size, stack, t->thread, tt_coarse_ns());
	tt_hdr_of(user)->slot = slot;
	/* TETHER_DUMP_EVERY_BYTES: a thread-local add and compare; the
	 * shared count is touched once per tt_dump_step bytes. */
	t->dump_bytes += size;
	if (tt_unlikely(t->dump_bytes >= tt_dump_step))
		tt_dumper_count_bytes();
out:
	t->busy--;
	errno = saved;
}

void
tt_record_free(void *user, struct tt_block_copy *old)
{
	struct tt_hdr *h = tt_hdr_of(user);
	struct tt_block_copy b;
	uint32_t slot = h->slot;

	h->slot = 0;
	if (!tt_blocks_clear(slot, (uintptr_t)user, &b)) {
		atomic_fetch_add_explicit(&tt_drops.bad_frees, 1, memory_order_relaxed);
		if (old != NULL)
			old->addr = 0;
		return;
	}
	charge_free(&b);
	if (old != NULL)
		*old = b;
	if (tt_tls.busy == 0) {
		tt_tls.busy++;
		tt_blocks_put(slot);
		tt_tls.busy--;
	} else {
		/* A free from inside tether or from a signal handler that
		 * interrupted it: the thread's slot cache may be mid-update,
		 * so this slot is not reused. */
		atomic_fetch_add_explicit(&tt_drops.leaked_slots, 1, memory_order_relaxed);
	}
}

void
tt_record_restore(void *user, const struct tt_block_copy *old)
{
	struct tt_stack *s = tt_stacks_get(old->stack);
	uint32_t slot;

	if (old->addr == 0 || tt_tls.busy != 0)
		return;
	tt_tls.busy++;
	slot = tt_blocks_take();
	if (slot != 0) {
		if (s != NULL) {
			atomic_fetch_sub_explicit(&s->free_blocks, 1, memory_order_relaxed);
			atomic_fetch_sub_explicit(&s->free_bytes, old->size, memory_order_relaxed);
		}
		tt_blocks_fill(slot, (uintptr_t)user, old->size, old->stack,
			       old->thread, old->time_ns);
		tt_hdr_of(user)->slot = slot;
	}
	tt_tls.busy--;
}
