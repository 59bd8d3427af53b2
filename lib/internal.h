/*
 * internal.h - small things every file of libtether.so uses: branch hints,
 * the process-wide state word, and the few globals set once at start-up.
 * Nothing here allocates.  See doc/internals.md for the state machine.
 */
#ifndef TT_INTERNAL_H
#define TT_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define tt_likely(x) __builtin_expect(!!(x), 1)
#define tt_unlikely(x) __builtin_expect(!!(x), 0)
#define TT_EXPORT __attribute__((visibility("default")))
#define TT_TLS __thread __attribute__((tls_model("initial-exec")))
#define TT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Process-wide recording state.  The malloc wrappers read it with one
 * relaxed load; everything but TT_STATE_ON sends them down the slow path or
 * skips recording altogether.
 */
enum tt_state {
	TT_STATE_UNINIT = 0,	/* nothing set up yet: the first recorder inits */
	TT_STATE_INITIALIZING,	/* one thread is setting up; others skip */
	TT_STATE_ON,		/* recording */
	TT_STATE_OFF,		/* disabled (bad option, internal failure) or
				   after the final dump; wrappers only forward */
};

extern _Atomic int tt_state;

/*
 * How blocks are laid out, fixed once, before the first block is handed
 * out (tt_init decides it from the options): each with a 16-byte header
 * (block.h), or, in sampled mode, only the sampled ones, which live in
 * their own arena (sample_arena.h), the others being jemalloc's own.
 */
enum tt_alloc_mode {
	TT_ALLOC_HEADERS = 0,	/* every block has a header (0: one test) */
	TT_ALLOC_LEAN,		/* only the sampled blocks have one */
	TT_ALLOC_UNDECIDED,	/* before the first allocation */
};

extern _Atomic int tt_alloc_mode;

/* The first allocation's path: bring tether up, return the mode decided. */
int tt_alloc_mode_decide(void);

/*
 * A spinlock for the few places off the malloc path that need one (module
 * registry, thread registry, tether's own mappings).  Holders raise
 * tt_tls.busy first, so a signal handler's malloc never spins on a lock its
 * own thread holds.  tt_lock_depth counts the locks this thread holds: a
 * thread asked to stop for a scan while holding one parks only when it lets
 * go (stop.h), so the scan never waits on a parked holder.
 */
extern TT_TLS int tt_lock_depth;
extern TT_TLS int tt_stop_pending;	/* TT_PENDING_*: due when the locks go */
void tt_stop_park_pending(void);

#define TT_PENDING_PARK 1	/* a scan asked this thread to stop (stop.c) */
#define TT_PENDING_DUMP 2	/* a dump signal came in (dumper.c) */

static inline void
tt_spin_lock(atomic_flag *f)
{
	tt_lock_depth++;
	while (atomic_flag_test_and_set_explicit(f, memory_order_acquire))
		;
}

static inline void
tt_spin_unlock(atomic_flag *f)
{
	atomic_flag_clear_explicit(f, memory_order_release);
	if (--tt_lock_depth == 0 && tt_unlikely(tt_stop_pending))
		tt_stop_park_pending();
}

/* Bring the library up; safe to call many times.  Return: true if on. */
bool tt_init(void);

/* Disable recording for the rest of the run, saying why once on stderr. */
void tt_disable(const char *why);

/* CLOCK_MONOTONIC in nanoseconds, through the vDSO. */
uint64_t tt_now_ns(void);

/*
 * CLOCK_MONOTONIC_COARSE in nanoseconds: the allocation time stamp.  A
 * plain load in the vDSO, a few ns, at the kernel tick's resolution (1 to
 * 4 ms); CLOCK_MONOTONIC cost 12% of a tracked malloc/free pair here.
 */
uint64_t tt_coarse_ns(void);

/* Thread bookkeeping (init.c): the thread-exit hook that returns a thread's
 * cached slots, armed by a thread's first tracked allocation.
 * tt_thread_first() returns false while the key does not exist yet (the
 * constructor has not run), so the caller tries again later. */
void tt_thread_key_init(void);
bool tt_thread_first(void);

/* Thread numbers (thread_table.c): the next one, and how many were given. */
uint32_t tt_thread_number(void);
uint32_t tt_threads_seen(void);

/*
 * tt_final_dump() - the dump at the end of the process (lifecycle.c), once;
 * trigger 0 only notes the exit status for it.
 */
void tt_final_dump(unsigned trigger, int status);

#endif /* TT_INTERNAL_H */
