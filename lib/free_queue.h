/*
 * free_queue.h - each thread's last few frees, recorded a little later.
 *
 * Recording a free means reading and clearing the block's slot in the
 * block table (table.h).  On a large heap that slot is rarely in the cache,
 * and the free waited for it: a miss on every free, the largest single cost
 * of tracking a container-heavy program.  So a free only notes its slot
 * here, asks for the slot's cache line (a prefetch), and records the free
 * that the thread noted TT_FREEQ_LEN frees before, whose line has arrived
 * by then.
 *
 * A noted free is not yet visible in the block table: its slot still holds
 * the block, and its site's counters do not have it.  Only its thread
 * records it (or, once the thread is gone, whoever takes over the queue),
 * so the queue needs no atomic read-modify-write.  Whoever reads the
 * tables as a whole (a dump, the leak scan) asks instead which slots are
 * noted, or being recorded, right now (tt_freeq_pending) and leaves them
 * out of the blocks; a dump adds the noted frees to their sites' counters
 * as they will be recorded (tt_freeq_each).  An entry stays visible from
 * its noting until its slot is cleared, in the queue and then in the
 * owner's in-flight word, so a block freed, its address given out again
 * and the new block read before the old one is never read twice.
 *
 * An entry is one 64-bit word: the slot index (low 32 bits), bits 4-34 of
 * the block's address (so that recording it checks the slot still holds
 * that block), and whether the block was still its thread's last recorded
 * allocation when freed (bit 63: a temporary block).  0 is empty: slot 0 is
 * never used.  Beside it, the time of the free (the coarse clock).  Queues
 * live in one array, one per thread registry slot, 128 bytes each (two
 * cache lines) so that no two threads share a line.
 */
#ifndef TT_FREE_QUEUE_H
#define TT_FREE_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table.h"

#define TT_FREEQ_LEN 6			/* entries per queue: 128 bytes in all */
#define TT_FREEQ_TEMPORARY (1ull << 63)

struct tt_free_queue {
	_Atomic uint32_t owner;		/* tether thread number; 0 = unbound */
	uint32_t next;			/* entry the owner swaps next (owner only) */
	_Atomic uint64_t e[TT_FREEQ_LEN];
	_Atomic uint64_t ns[TT_FREEQ_LEN]; /* when e[k] was freed */
	_Atomic uint64_t inflight;	/* the entry the owner is recording */
	_Atomic uint64_t inflight_ns;	/* and its time */
} __attribute__((aligned(64)));

/* The readers, which may run at once: each has its set of pending slots. */
enum tt_freeq_reader { TT_FREEQ_DUMP, TT_FREEQ_SCAN, TT_FREEQ_READERS };

/* What takes entries: e, the time of its free, the thread that noted it. */
typedef void tt_freeq_fn(uint64_t e, uint64_t free_ns, uint32_t owner, void *arg);

/* The entry for a free of slot at addr; temporary as above. */
static inline uint64_t
tt_freeq_entry(uint32_t slot, uintptr_t addr, bool temporary)
{
	return slot | (uint64_t)tt_addr_tag(addr) << 32 | (temporary ? TT_FREEQ_TEMPORARY : 0);
}

static inline uint32_t
tt_freeq_slot(uint64_t e)
{
	return (uint32_t)e;
}

/* tt_addr_tag() of the address, as tt_blocks_clear_tag() compares it. */
static inline uint32_t
tt_freeq_tag(uint64_t e)
{
	return (uint32_t)(e >> 32) & 0x7fffffffu;
}

/*
 * tt_freeq_swap() - note e, freed at now, in the owner's queue q; return
 * the entry noted TT_FREEQ_LEN frees before (0 if none), which the caller
 * now records, and its time in *then; then tt_freeq_done().  Plain loads
 * and stores of the owner's own lines.  Context: q's owner.
 */
static inline uint64_t
tt_freeq_swap(struct tt_free_queue *q, uint64_t e, uint64_t now, uint64_t *then)
{
	uint32_t k = q->next;
	uint64_t old = atomic_load_explicit(&q->e[k], memory_order_relaxed);

	q->next = k + 1 == TT_FREEQ_LEN ? 0 : k + 1;
	*then = atomic_load_explicit(&q->ns[k], memory_order_relaxed);
	/* in flight before it leaves the queue: a reader looks there after */
	atomic_store_explicit(&q->inflight_ns, *then, memory_order_relaxed);
	atomic_store_explicit(&q->inflight, old, memory_order_release);
	atomic_store_explicit(&q->ns[k], now, memory_order_relaxed);
	/* release: the stores above reach a reader that sees e */
	atomic_store_explicit(&q->e[k], e, memory_order_release);
	return old;
}

/* tt_freeq_done() - the entry tt_freeq_swap() returned is recorded (its
 * slot cleared, its site charged).  Context: q's owner. */
static inline void
tt_freeq_done(struct tt_free_queue *q)
{
	atomic_store_explicit(&q->inflight, 0, memory_order_release);
}

/*
 * tt_freeq_cancel() - take back e, the entry the owner's last swap noted
 * (a realloc that failed: the block was not freed).  Return: false if e
 * is no longer there.  Context: q's owner.
 */
static inline bool
tt_freeq_cancel(struct tt_free_queue *q, uint64_t e)
{
	uint32_t k = q->next == 0 ? TT_FREEQ_LEN - 1 : q->next - 1;

	if (atomic_load_explicit(&q->e[k], memory_order_relaxed) != e)
		return false;
	atomic_store_explicit(&q->e[k], 0, memory_order_release);
	q->next = k;
	return true;
}

/* tt_freeq_init() - reserve a queue per registry slot.  Context: tt_init().
 * Return: 0 or -errno. */
int tt_freeq_init(uint64_t max_threads);

/*
 * tt_freeq_bind() - the queue of registry slot i, for thread; an earlier
 * owner's entries (a thread that ended unseen) are given to each() first,
 * as tt_freeq_drain() does.  Context: the thread's first record.
 * Return: the queue, or NULL.
 */
struct tt_free_queue *tt_freeq_bind(uint64_t i, uint32_t thread,
				    tt_freeq_fn *each, void *arg);

/*
 * tt_freeq_drain() - give q's entries to each(), which must record them
 * (clear the slot), and leave q unbound.  Context: q's owner (at its end),
 * a thread taking over q's registry slot, a fork's child (for the threads
 * that did not follow: tt_freeq_drain_others).
 */
uint64_t tt_freeq_drain(struct tt_free_queue *q, tt_freeq_fn *each, void *arg);
uint64_t tt_freeq_drain_others(const struct tt_free_queue *self, tt_freeq_fn *each,
			       void *arg);

/*
 * tt_freeq_pending() - the slots noted or being recorded now, in every
 * queue, sorted, for reader who; *n says how many.  A slot read from the
 * block table before this call, still holding the same block after it,
 * was freed before the call if it is among them.  Context: any thread, any
 * time; one call at a time per reader.  Return: the slots (valid until the
 * next call by who).
 */
const uint32_t *tt_freeq_pending(enum tt_freeq_reader who, size_t *n);

/* tt_freeq_has() - whether slot is among the n sorted slots of set. */
bool tt_freeq_has(const uint32_t *set, size_t n, uint32_t slot);

/* tt_freeq_each() - call each() for every entry noted or being recorded
 * now (a dump's view of the frees not yet charged).  Context: any. */
void tt_freeq_each(tt_freeq_fn *each, void *arg);

/* Entries tt_freeq_pending() and tt_freeq_each() may give at most. */
uint64_t tt_freeq_cap(void);

#endif /* TT_FREE_QUEUE_H */
