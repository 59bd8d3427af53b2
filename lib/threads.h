/*
 * threads.h - the thread registry: one slot per thread tether knows, with
 * who created it (thread and call stack), its start routine, stack bounds,
 * state and current wait.  Slots of threads that were joined, or that ended
 * detached, are reused, so memory stays bounded under thread churn.
 *
 * Concurrency: slots are taken and given back under a spinlock (thread
 * create, join, detach and exit only: never the malloc path).  A slot's
 * fields are written by its creator before the thread starts, then by the
 * thread itself; a dump reads them with a generation check and drops a slot
 * that was recycled while it read.
 */
#ifndef TT_THREADS_H
#define TT_THREADS_H

#include <stdbool.h>
#include <stdint.h>

#include "wait.h"

enum tt_thread_state {
	TT_THR_FREE = 0,	/* slot unused */
	TT_THR_STARTING,	/* created, start routine not entered yet */
	TT_THR_RUNNING,		/* running (or blocked: see wait) */
	TT_THR_EXITED,		/* ended, not joined yet */
};

#define TT_THR_DETACHED 0x1u	/* detached: never to be joined */
#define TT_THR_MAIN 0x2u	/* the process's first thread */
#define TT_THR_ADOPTED 0x4u	/* not created through pthread_create seen by tether */

struct tt_thread {
	_Atomic uint32_t gen;		/* bumped when the slot is taken or freed */
	_Atomic uint32_t state;		/* enum tt_thread_state */
	_Atomic uint32_t flags;		/* TT_THR_* */
	uint32_t num;			/* tether thread number, from 1 */
	uint32_t creator;		/* creating thread's number, 0 = unknown */
	uint32_t create_stack;		/* stack id of the pthread_create call */
	_Atomic int32_t tid;		/* kernel thread id */
	_Atomic uint64_t pthread;	/* pthread_t */
	uint64_t start_routine;		/* address of the start routine */
	void *(*fn)(void *);		/* start routine and argument, for the */
	void *arg;			/*   trampoline */
	uint64_t stack_lo, stack_hi;	/* stack bounds, 0 when unknown */
	uint64_t created_ns, ended_ns;	/* CLOCK_MONOTONIC */
	char name[16];			/* as of exit; live threads read at dump */
	struct tt_wait_state wait;	/* current wait */
	/* Waiters for a mutex this thread holds, so that its unlock is charged
	 * their delay (wait.c); guarded by contention_lock. */
	atomic_flag contention_lock;
	uintptr_t contended;		/* the mutex they wait for, 0 = none */
	uint32_t waiters;		/* how many began waiting */
	uint64_t waiters_since;		/* sum of their start times */
	/* Parking (stop.h): while the thread waits in a wrapper, park is
	 * TT_PARK_WAITING and park_ip/park_sp/park_regs hold the wrapper's
	 * return address, stack pointer and callee-saved registers at its call
	 * of tt_wait_begin(); a scan or a dump claims it by moving park to
	 * TT_PARK_CLAIMED, and the thread does not leave the wrapper until it
	 * is released. */
	_Atomic uint32_t park;
	uint64_t park_ip;
	uint64_t park_sp;
	uint64_t park_regs[6];
};

enum { TT_PARK_NONE = 0, TT_PARK_WAITING, TT_PARK_CLAIMED };

/*
 * tt_threads_init() - reserve max slots and register the calling (main)
 * thread.  Context: tt_init().  Return: 0 or -errno.
 */
int tt_threads_init(uint64_t max);

/* tt_threads_self() - the calling thread's slot, adopting it if tether has
 * not seen it start.  NULL when the table is full. */
struct tt_thread *tt_threads_self(void);

/*
 * tt_threads_take() - a fresh slot in state STARTING; tt_threads_give()
 * frees it; tt_threads_started() fills in what the running thread knows
 * (tid, pthread_t, stack bounds) and makes it RUNNING and tt_tls.self.
 * Context: tt_tls.busy raised (the lock must not be taken re-entrantly).
 */
struct tt_thread *tt_threads_take(void);
void tt_threads_give(struct tt_thread *t);
void tt_threads_started(struct tt_thread *t);

/*
 * tt_threads_stack_word() - where in glibc's thread descriptor the stack
 * block's bounds were found (a word index), or < 0 while not known or not
 * found: then each new thread asks pthread_getattr_np.  *asks (if not
 * NULL): how many times a thread asked pthread_getattr_np so far.
 */
int tt_threads_stack_word(uint64_t *asks);

/* tt_threads_slot() - slot i itself, for its owner's updates. */
struct tt_thread *tt_threads_slot(uint32_t i);

/*
 * tt_threads_by_pthread() - the slot of the thread th, in state EXITED
 * only when exited_only, or NULL.
 */
struct tt_thread *tt_threads_by_pthread(uint64_t th, bool exited_only);

/* tt_threads_by_tid() - the slot of a live thread, or NULL. */
struct tt_thread *tt_threads_by_tid(int32_t tid);

/* tt_threads_count() - slots handed out so far (upper bound to iterate). */
uint32_t tt_threads_high(void);

/* tt_threads_read() - a consistent copy of slot i; false if free or
 * changing. */
bool tt_threads_read(uint32_t i, struct tt_thread *out);

/*
 * tt_threads_ended() - copy the threads whose slots were given back after
 * they ran (at most TT_THREADS_ENDED_KEPT, the newest, oldest first) into
 * out, their number into *n.  Context: the dump, tt_tls.busy raised.
 * Return: how many older ones are no longer kept.
 */
#define TT_THREADS_ENDED_KEPT 2048
struct tt_rec_ended_thread;
uint64_t tt_threads_ended(struct tt_rec_ended_thread *out, uint64_t *n);

/* Fork: the child keeps only the thread that forked. */
void tt_threads_prefork(void);
void tt_threads_postfork_parent(void);
void tt_threads_postfork_child(void);

#endif /* TT_THREADS_H */
