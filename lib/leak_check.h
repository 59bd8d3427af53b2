/*
 * leak_check.h - a reachability scan of the whole process: stop the other
 * threads (stop.h), snapshot the live blocks, scan the roots, classify
 * (scan.h), let the threads go.  The result stays until the next dump,
 * which writes it (TT_REC_SCAN and TT_REC_LEAKS) and then drops it.
 *
 * Roots, as memcheck takes them: every readable and writable mapping of
 * the process (data and bss of every module, the main thread's stack, the
 * other threads' stacks, TLS, anonymous memory the program mapped itself)
 * except tether's own memory (own_maps.h), the stale part of each stack
 * below its stack pointer (less a 128-byte red zone), the stacks of threads
 * that ended, and device mappings; and the registers of every thread.
 */
#ifndef TT_LEAK_CHECK_H
#define TT_LEAK_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "../format/tdump.h"
#include "scan.h"

#define TT_LEAK_MAX_STUCK 256

/* A thread that can never wake: its number and when its wait began. */
struct tt_leak_stuck {
	uint32_t num;
	uint64_t since_ns;
};

struct tt_leak_result {
	bool valid;
	struct tt_scan scan;	/* blocks with their verdicts, by address */
	struct tt_rec_scan rec;
	/* Threads blocked on an object no thread able to run can reach
	 * (leak_check.c, find_stuck), as of the scan. */
	uint32_t nstuck;
	struct tt_leak_stuck stuck[TT_LEAK_MAX_STUCK];
};

/* The last scan, for the dump; tt_leak_drop() frees it. */
extern struct tt_leak_result tt_leak_result;

/*
 * tt_leak_scan() - scan now.  mark_ns: blocks allocated before it are left
 * out of the counts of a check since a mark (0: none left out).
 * freeres: call glibc's __libc_freeres (and libstdc++'s) first, as
 * memcheck does at exit, so libc's own buffers are not reported.
 * Context: not a signal handler; raises tt_tls.busy.  Return: 0 or -errno.
 */
int tt_leak_scan(uint64_t mark_ns, bool freeres);

/*
 * tt_leak_stuck() - whether the last scan found thread num, in the wait
 * that began at since_ns, unable ever to wake.
 */
bool tt_leak_stuck(uint32_t num, uint64_t since_ns);

/*
 * tt_leak_scrub_stack() - zero the dead stack just below the caller's
 * frame.  The scan takes the calling thread's stack as a root from its own
 * stack pointer up, so the frames tether pushes between the program and
 * the scan are scanned too; their unwritten slots (locals not yet set,
 * padding) would otherwise hold whatever the program's deeper calls left
 * there, stale pointers that keep lost blocks "reachable" (memcheck never
 * sees those words: newly pushed stack is undefined to it).  Call it right
 * before the call that leads to tt_leak_scan(), from a frame with no
 * unwritten slots of its own.
 * Context: any thread; no allocation; uses about 2 KB of stack.
 */
void tt_leak_scrub_stack(void);

/* tt_leak_drop() - forget the last scan's result. */
void tt_leak_drop(void);

/* Counts of one verdict kind among blocks allocated at or after since_ns. */
struct tt_leak_count {
	uint64_t blocks, bytes;
};
void tt_leak_count(uint64_t since_ns, struct tt_leak_count out[5]);

#endif /* TT_LEAK_CHECK_H */
