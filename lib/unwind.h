/*
 * unwind.h - capture the calling thread's stack, without tether's own frames.
 */
#ifndef TT_UNWIND_H
#define TT_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

/*
 * tt_unwind_init() - find tether's own code range and set up the unwinder
 * TETHER_UNWIND names.  Context: tt_init().  Return: 0, or -1 for a value
 * of TETHER_UNWIND that is not known.
 */
int tt_unwind_init(void);

/* tt_unwind_modules_changed() - forget what was learnt of the loaded
 * modules' code: before and after dlclose(). */
void tt_unwind_modules_changed(void);

/* tt_unwind_report() - with TETHER_UNWIND=check or TETHER_VERBOSE, say on
 * stderr how the stacks were captured.  Context: the final dump. */
void tt_unwind_report(void);

/*
 * tt_unwind_capture() - up to max return addresses of the caller's stack,
 * innermost first, skipping every frame inside libtether.so.  Uses the
 * thread's scratch buffer in tt_tls.
 * Context: recorder, reentrancy guard held (libunwind may allocate).
 * Never inlined: the walk starts from its frame.
 * Return: number of frames stored in out; *truncated set when deeper.
 */
__attribute__((noinline)) unsigned tt_unwind_capture(uintptr_t *out, unsigned max,
						   bool *truncated);

/*
 * tt_unwind_stack() - the interned id (tt_stacks_intern) of the caller's
 * stack under allocation function fn, as tt_unwind_capture() would give
 * it at TETHER_STACK_DEPTH.  With TETHER_UNWIND=auto a per-thread memo of
 * the last stacks walked answers a repeated stack without walking it
 * (unwind.c, "The stack memo").
 * Context: recorder, reentrancy guard held.  Never inlined.
 * Return: stack id, or 0 when the stack table is full.
 */
__attribute__((noinline)) uint32_t tt_unwind_stack(unsigned fn);

/*
 * tt_unwind_capture_from() - like tt_unwind_capture(), but the stack of
 * another thread of the process, held where it waits (stop.h): unwound
 * from a call site's return address ip, stack pointer sp and callee-saved
 * registers regs (rbx, rbp, r12-r15), as tt_wait_begin() saved them.
 * Context: the other thread must stay put until this returns; reentrancy
 * guard held (libunwind may allocate).  Return: frames stored in out.
 */
unsigned tt_unwind_capture_from(uint64_t ip, uint64_t sp, const uint64_t regs[6],
				uintptr_t *out, unsigned max, bool *truncated);

/*
 * tt_unwind_is_internal_thread() - whether the calling thread runs code of
 * libtether.so below its outermost frames (its start routine is tether's),
 * beyond the tether frames at the top of the stack.
 * Context: recorder, reentrancy guard held; once per unknown thread.
 */
bool tt_unwind_is_internal_thread(void);

/* tt_self_contains() - whether pc lies in libtether.so's mapped range. */
bool tt_self_contains(uintptr_t pc);

#endif /* TT_UNWIND_H */
