/*
 * tls.h - per-thread state of libtether.  initial-exec TLS: the library is
 * preloaded, so its TLS block is static and reaching it never allocates.
 *
 * busy is the reentrancy depth: nonzero while this thread is inside tether
 * (recording, dumping) so that allocations made by what tether calls
 * (libunwind, libc) are served but not recorded, and cannot deadlock.
 */
#ifndef TT_TLS_H
#define TT_TLS_H

#include <stdint.h>

#include "internal.h"

struct tt_thread;
struct tt_stack_memo;
struct tt_site_cache;
struct tt_free_queue;

#define TT_SLOT_CACHE 128	/* cached free slot indices per thread */
#define TT_MAX_DEPTH 256	/* hard limit of TETHER_STACK_DEPTH */
#define TT_SKIP_SLACK 8		/* extra frames captured to drop our own */

struct tt_tls {
	int busy;		/* reentrancy depth */
	uint32_t thread;	/* tether thread number, 0 until registered */
	int exit_armed;		/* thread-exit hook armed (record.c) */
	int exiting;		/* thread-exit hook ran: cache no more slots */
	struct tt_thread *self;	/* this thread's registry slot, or NULL */
	uint64_t rng;		/* sampling dice (wait.c, record.c) */
	int64_t sample_left;	/* bytes to the next allocation sample */
	int sample_armed;	/* sample_left has been drawn */
	uint64_t dump_bytes;	/* allocated since last counted (dumper.c) */
	uintptr_t last_alloc;	/* ~address of the last block this thread had
				   recorded (freed while still this, it was
				   temporary); inverted, so that a scan, which
				   reads this TLS as a root, never takes it for
				   a pointer that keeps the block alive */
	struct tt_stack_memo *memo; /* the thread's stack memo (unwind.c) */
	struct tt_site_cache *sites; /* its site counters (site_cache.h) */
	struct tt_free_queue *freeq; /* its noted frees (free_queue.h) */
	uint32_t nslots;	/* entries used in slots[] */
	uint32_t slots[TT_SLOT_CACHE];
	void *frames[TT_MAX_DEPTH + TT_SKIP_SLACK];
};

extern TT_TLS struct tt_tls tt_tls;

/* tt_dice() - the thread's sampling dice: xorshift64 over tt_tls.rng. */
static inline uint64_t
tt_dice(void)
{
	uint64_t x = tt_tls.rng ? tt_tls.rng : (uint64_t)(uintptr_t)&tt_tls | 1;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	tt_tls.rng = x;
	return x;
}

#endif /* TT_TLS_H */
