/*
 * crash.h - the final dump of a program that crashes (lib/crash.c,
 * TETHER_DUMP_ON_CRASH).
 */
#ifndef TT_CRASH_H
#define TT_CRASH_H

#include <signal.h>

/* tt_crash_start() - install the crash handlers where the program left
 * the default action, and this thread's alternate signal stack.
 * Context: the constructor, once. */
void tt_crash_start(void);

/* tt_crash_thread_start() / tt_crash_thread_end() - a thread's alternate
 * signal stack, unless it has one; removed when the thread ends.
 * Context: the thread itself (the trampoline), busy raised or not. */
void tt_crash_thread_start(void);
void tt_crash_thread_end(void);

void tt_crash_postfork_child(void);

/* For the signal wrappers: tether holds SIG (its handler is installed);
 * the program's view of it; let go of it; take it back (the real call
 * failed).  Context: any thread, signal handlers included. */
int tt_crash_owns(int sig);
struct sigaction *tt_crash_view(int sig);
void tt_crash_give_up(int sig);
void tt_crash_take_back(int sig);

#endif /* TT_CRASH_H */
