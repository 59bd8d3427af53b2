/*
 * stop.h - stopping the other threads of the process for a reachability
 * scan, without ptrace (so it works where ptrace is forbidden), and taking
 * each one's stack pointer and registers.
 *
 * Two ways, so that no thread is interrupted when it need not be:
 *  - A thread blocked in one of tether's blocking wrappers (wait.h) left its
 *    stack pointer and callee-saved registers in its registry slot when it
 *    began to wait; the scan claims it there, without a signal.  If the
 *    call returns meanwhile, the thread parks in tt_wait_end() until the
 *    scan is over, before it goes back to the program.
 *  - Any other thread gets a real-time signal tether picks among those the
 *    program leaves at their default action; its handler saves the
 *    interrupted registers and parks on a futex.  A thread inside one of
 *    tether's spinlocks parks when it lets go (tt_spin_unlock), so nothing
 *    the scan and the dump need is held by a parked thread.
 * A thread that blocks the signal, or does not answer within a second, is
 * left running and counted; the scan then reads its whole stack.
 *
 * Context: one stop at a time; the caller must not allocate while the world
 * is stopped (a parked thread may hold an allocator lock).
 */
#ifndef TT_STOP_H
#define TT_STOP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define TT_STOP_NREGS 23	/* x86-64 general registers in a ucontext */

enum tt_stop_state {
	TT_STOP_ASKED = 1,	/* signalled, not parked yet */
	TT_STOP_DONE,		/* parked (or claimed in its wait) */
	TT_STOP_FAILED,		/* blocks the signal, or did not answer */
	TT_STOP_GONE,		/* ended before it could be asked */
};

struct tt_thread;

struct tt_stopped {
	int32_t tid;
	_Atomic int32_t state;	/* enum tt_stop_state */
	uint32_t nregs;		/* valid entries of regs */
	uint32_t in_wait;	/* claimed in a blocking wrapper: */
	struct tt_thread *claimed;	/*   its registry slot */
	uint64_t sp;		/* stack pointer when it stopped */
	uint64_t regs[TT_STOP_NREGS];
};

struct tt_world {
	struct tt_stopped *t;	/* the other threads */
	uint32_t n;
	uint32_t stopped, failed;
	uint64_t self_sp;	/* the scanning thread's stack pointer */
};

/*
 * tt_world_stop() - stop every other thread.  Return: 0, or -errno when no
 * signal could be had (threads in waits are still claimed; the others
 * count as failed).
 */
int tt_world_stop(struct tt_world *w);

/* tt_world_resume() - let them all go on. */
void tt_world_resume(struct tt_world *w);

/* tt_stop_park_pending() - a stop came while this thread held a tether
 * spinlock; park now that it let go (internal.h). */
void tt_stop_park_pending(void);

/*
 * tt_park_claim() - hold thread t where it waits in a wrapper, so that its
 * stack above park_sp stays as it is; false when it is not waiting there
 * (or another claim holds it).  tt_park_release() lets it go on.
 * tt_park_leave() - the thread itself, leaving its wrapper (tt_wait_end):
 * waits while a claim holds it.  Context: any thread; no allocation.
 */
bool tt_park_claim(struct tt_thread *t);
void tt_park_release(struct tt_thread *t);
void tt_park_leave(struct tt_thread *t);

/* tt_stop_signal() - the signal in use, 0 before any stop. */
int tt_stop_signal(void);

#endif /* TT_STOP_H */
