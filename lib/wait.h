/*
 * wait.h - what a thread is blocked on.  Every blocking wrapper
 * (interpose_block.c) brackets the real call with tt_wait_begin() and
 * tt_wait_end(); the thread registry (thread_table.c) keeps the current
 * wait of each thread, so a dump shows which call, since when, on what, and
 * from which stack.
 *
 * Context: any thread, including threads tether has not seen start (the
 * main thread, threads of a library that calls clone directly); never
 * allocates; a no-op while tt_tls.busy is raised (tether's own I/O).
 */
#ifndef TT_WAIT_H
#define TT_WAIT_H

#include <stdatomic.h>
#include <stdint.h>

#include "../format/tdump.h"

/* The blocking calls are enum tt_wait_call, part of the dump format. */

/* A thread's current wait (written only by that thread). */
struct tt_wait_state {
	_Atomic int call;	/* enum tt_wait_call; NONE when not waiting */
	int fd;			/* -1 when none */
	uintptr_t object;	/* 0 when none */
	uint64_t since_ns;	/* CLOCK_MONOTONIC when it began */
	uint32_t stack;		/* stack of the wait when captured at its
				   start (tt_wait_blocks_surely), else 0 */
};

/*
 * tt_wait_begin() - this thread is about to block in call.  object is the
 * synchronisation object's address (mutex, condition variable, semaphore,
 * barrier, rwlock, the joined thread's pthread_t) or 0; fd is the file
 * descriptor waited on, or -1.
 */
void tt_wait_begin(enum tt_wait_call call, uintptr_t object, int fd);

/*
 * tt_wait_end() - the call returned (or was cancelled).  A wait that lasted
 * at least TETHER_LONG_WAIT goes to the long-wait log; a sampled one
 * (TETHER_BLOCK_RATE) to the block profile; both with the stack, captured
 * now that the thread is back (it is the wait's stack).  errno is kept.
 */
void tt_wait_end(void);

/*
 * tt_wait_jumped() - this thread longjmps to stack pointer sp: a wait whose
 * wrapper frame lies below sp was left without tt_wait_end(); forget its
 * note (once no claim holds it) and its call.
 * Context: the jumping thread, often in a signal handler; no allocation.
 */
void tt_wait_jumped(uint64_t sp);

/*
 * tt_wait_for_holder() - a thread is about to wait for mutex m, held by the
 * thread with kernel tid owner: note it in the holder's slot, so that its
 * unlock of m is charged the wait (Go's mutex profile since 1.22).
 * tt_wait_unlocked() - this thread unlocks m: charge it the delay of the
 * waiters noted since, at the unlock's stack.  Cheap when nobody waited:
 * one TLS load and one relaxed load.
 */
void tt_wait_for_holder(uintptr_t m, int32_t owner);
void tt_wait_unlocked(uintptr_t m);

/*
 * tt_waits_unwind_blocked() - give each other thread blocked in an fd call
 * or a sleep (whose stack is not captured when the wait begins) the stack
 * it waits at, so a dump shows where a thread stuck in recv is stuck.  The
 * thread is claimed where it waits (stop.h), which holds it in its wrapper
 * meanwhile, and unwound from the note tt_wait_begin() left; it is
 * unwound only when the kernel shows it inside a system call below that
 * note.  No signal is sent, so its call never sees EINTR.
 * Context: the dump, tt_tls.busy raised.
 */
void tt_waits_unwind_blocked(void);

/* tt_waits_init() - reserve the long-wait log. Context: tt_init(). */
int tt_waits_init(uint64_t max);

/*
 * tt_waits_each_max() - call fn for the newest long waits kept, at most
 * max of them, oldest first.  Return: how many older ones are not given.
 */
uint64_t tt_waits_each_max(void (*fn)(const struct tt_rec_long_wait *, void *),
			   void *arg, uint64_t max);

#endif /* TT_WAIT_H */
