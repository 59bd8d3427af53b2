/*
 * record.h - turning allocation events into table updates.  The malloc
 * wrappers call these, out of line, only when the thread may record.
 */
#ifndef TT_RECORD_H
#define TT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block.h"
#include "free_queue.h"
#include "table.h"
#include "tls.h"

/*
 * tt_record_stack() - capture the calling thread's stack (without tether's
 * frames, at most TETHER_STACK_DEPTH deep) and intern it under fn.
 * Context: reentrancy guard raised (libunwind may allocate).
 * Return: the stack id, or 0 when the stack table is full.
 */
uint32_t tt_record_stack(unsigned fn);

/*
 * tt_sample_rate - TETHER_SAMPLE_RATE once the library runs: 0 when every
 * allocation is recorded, else the mean bytes between samples.  The
 * wrappers call tt_record_alloc() only for allocations that the thread's
 * countdown (tt_tls.sample_left) selects: tt_sampled().
 */
extern uint64_t tt_sample_rate;

static inline bool
tt_sampled(size_t size)
{
	return __builtin_expect(tt_sample_rate == 0, 1) ||
	       (tt_tls.sample_left -= (int64_t)size) < 0;
}

/*
 * tt_record_alloc() - record a new block: capture the stack, intern it,
 * fill a slot and note it in the block's header.
 * Context: any thread, tt_tls.busy == 0; may initialise the library.
 */
void tt_record_alloc(void *user, size_t size, unsigned fn);

/* Or'ed into fn: the wrapper took the sample already (tt_sample_take). */
#define TT_RECORD_TAKEN 0x1000u

/*
 * tt_sample_take() - sampled mode without headers: whether this allocation,
 * whose bytes tt_sampled() found the countdown in, is a sample, to be made
 * in the sample arena and recorded with TT_RECORD_TAKEN.  False until the
 * arena exists.
 */
bool tt_sample_take(size_t size);

/*
 * tt_record_free() - forget a block about to be freed (hdr->slot != 0).
 * Called whatever the thread's state, so that no stale record outlives its
 * block.  From a thread with a free queue and outside tether, the free is
 * noted in the queue and recorded a few frees later (free_queue.h): until
 * then its block stays in the block table, and readers leave it out
 * (tt_freeq_pending).  When old is not NULL (realloc), what
 * tt_record_restore() needs is kept there: the noted entry, or a copy of
 * the record.
 * Context: any thread, any reentrancy depth; async-signal-safe.
 */
void tt_record_free(void *user, struct tt_block_copy *old);

/*
 * tt_record_pending_collect() - note what the frees noted in the threads'
 * free queues and not yet recorded will add to their sites (stacks below
 * stack_high); tt_record_pending_add() adds it to site id's sum.  For a
 * dump, which also leaves their blocks out (tt_freeq_pending).
 * Context: a dump (one at a time); any context.
 */
struct tt_site_sum;
void tt_record_pending_collect(uint32_t stack_high);
void tt_record_pending_add(uint32_t id, struct tt_site_sum *sum);

/* tt_record_thread_end() - record the calling thread's noted frees and
 * give up its queue: later frees are recorded at once.  Context: the
 * thread's end (its cleanup handler, its exit key). */
void tt_record_thread_end(void);

/* tt_record_postfork_child() - record the frees noted by the threads that
 * did not follow a fork.  Context: the fork's child, single-threaded. */
void tt_record_postfork_child(void);

/*
 * tt_record_restore() - put back a record removed by tt_record_free() for a
 * realloc that then failed.  Context: as tt_record_free().
 */
void tt_record_restore(void *user, const struct tt_block_copy *old);

#endif /* TT_RECORD_H */
